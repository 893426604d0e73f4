/*
 * encode.c - the encoder (DESIGN.md "Round-trip"): a JSON value becomes
 * the choices from which af_value_decode gives it back. This file holds
 * the context, the dispatch mirroring value.c (const, enum, oneOf/anyOf
 * branch, type), numbers and strings; objects and arrays are in
 * encode_object.c, formats in encode_format.c, calls in encode_call.c.
 *
 * Invariants: writes mirror the decoder's reads one for one; every value
 * encoded by af_value_encode is decoded back and compared, so a value the
 * decoder would give differently (a check-and-regenerate loop, a format
 * shape the generator never makes) is refused with a reason instead of
 * written wrong. Refusals name the JSON pointer and a class (invalid, cap,
 * unsupported). Tuned for spec examples: small values, run once per seed
 * corpus, so clarity beats speed (branches are tried one by one).
 */
#include "gen/encode_internal.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec/pattern.h"

void af_enc_init(af_ectx *e, const af_gen *g, af_choice_writer *w,
                 bool is_request)
{
    memset(e, 0, sizeof *e);
    e->g = g;
    e->w = w;
    e->is_request = is_request;
    e->nodes_left = AF_GEN_MAX_NODES;
    e->chars_left = AF_GEN_MAX_CHARS;
    e->hook_op = UINT32_MAX;
}

af_emark af_enc_mark(const af_ectx *e)
{
    af_emark m = {e->w->len,    e->w->keep,    e->w->bytes_used,
                  e->w->status, e->nodes_left, e->chars_left};
    return m;
}

void af_enc_rollback(af_ectx *e, const af_emark *m)
{
    e->w->len = m->len;
    e->w->keep = m->keep;
    e->w->bytes_used = m->bytes_used;
    e->w->status = m->status;
    e->nodes_left = m->nodes_left;
    e->chars_left = m->chars_left;
}

static const char *class_name(int cls)
{
    return cls == AF_ENC_INVALID ? "invalid"
           : cls == AF_ENC_CAP   ? "cap"
                                 : "unsupported";
}

int af_enc_refuse(af_ectx *e, int cls, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->why_class = cls;
    snprintf(e->why, sizeof e->why, "%s: at '%.*s': %s", class_name(cls),
             (int)e->ptr_len, e->ptr, msg);
    return AF_EUSAGE;
}

int af_enc_status(af_ectx *e, int rc, int cls, const char *what)
{
    if (rc == 0)
        return 0;
    if (rc == AF_ENOMEM)
        return rc;
    if (rc == AF_ELIMIT)
        cls = AF_ENC_CAP;
    return af_enc_refuse(e, cls, "cannot encode %s", what);
}

size_t af_enc_push(af_ectx *e, const char *seg)
{
    size_t old = e->ptr_len, n = old;
    if (n + 1 < sizeof e->ptr)
        e->ptr[n++] = '/';
    for (const char *p = seg; *p != '\0' && n + 2 < sizeof e->ptr; p++) {
        if (*p == '~' || *p == '/') {
            e->ptr[n++] = '~';
            e->ptr[n++] = *p == '~' ? '0' : '1';
        } else {
            e->ptr[n++] = *p;
        }
    }
    e->ptr_len = n;
    return old;
}

size_t af_enc_push_index(af_ectx *e, uint32_t k)
{
    char b[16];
    snprintf(b, sizeof b, "%u", k);
    return af_enc_push(e, b);
}

/* ---- numbers (value.c's bounds, inverted) ---- */

static int enc_integer(af_ectx *e, const af_schema *s, double d)
{
    if (d != floor(d) || fabs(d) >= 9.0e18)
        return af_enc_refuse(e, AF_ENC_INVALID, "%g is not an integer", d);
    int64_t lo, hi, v = (int64_t)d;
    af_gen_int_bounds(s, &lo, &hi);
    if (v < lo || v > hi)
        return af_enc_refuse(e, AF_ENC_INVALID, "%lld is out of range",
                             (long long)v);
    if (!(s->flags & AF_SCHEMA_HAS_MULTIPLE && s->multiple_of > 0))
        return af_enc_status(e, af_choice_write_int(e->w, lo, hi, v),
                             AF_ENC_INVALID, "the integer");
    /* value.c int_multiple: v = k * step */
    double m = s->multiple_of;
    int64_t klo, khi, st = af_gen_int_step(m, lo, hi, &klo, &khi);
    if (v % st != 0)
        return af_enc_refuse(e, AF_ENC_INVALID, "%lld is not a multiple of %g",
                             (long long)v, m);
    return af_enc_status(e, af_choice_write_int(e->w, klo, khi, v / st),
                         AF_ENC_INVALID, "the multiple");
}

static int enc_number(af_ectx *e, const af_schema *s, double d)
{
    double lo = -INFINITY, hi = INFINITY;
    unsigned flags = 0;
    if (s->format == AF_FORMAT_FLOAT)
        lo = -FLT_MAX, hi = FLT_MAX;
    if (s->flags & AF_SCHEMA_HAS_MINIMUM && s->minimum >= lo) {
        lo = s->minimum;
        flags |= s->flags & AF_SCHEMA_EXCL_MINIMUM ? AF_CHOICE_EXCL_LO : 0;
    }
    if (s->flags & AF_SCHEMA_HAS_MAXIMUM && s->maximum <= hi) {
        hi = s->maximum;
        flags |= s->flags & AF_SCHEMA_EXCL_MAXIMUM ? AF_CHOICE_EXCL_HI : 0;
    }
    double m = s->flags & AF_SCHEMA_HAS_MULTIPLE ? s->multiple_of : 0;
    int rc = af_choice_write_double(e->w, lo, hi, flags, m > 0 ? m : 0, d);
    return af_enc_status(e, rc, AF_ENC_INVALID, "the number");
}

/* ---- strings ---- */

int af_enc_plain(af_ectx *e, size_t min_cp, size_t max_cp, const char *s,
                 size_t len)
{
    if (max_cp < min_cp)
        max_cp = min_cp;
    if (max_cp - min_cp > AF_GEN_MAX_STRING)
        max_cp = min_cp + AF_GEN_MAX_STRING;
    for (size_t k = 0; k < len; k++) {
        unsigned char b = (unsigned char)s[k];
        if (b == 0 || b == 0x7f || (e->is_ascii && (b < 0x20 || b > 0x7e)))
            return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                                 "byte 0x%02x is not generated here", b);
    }
    if (len < min_cp)
        return af_enc_refuse(e, AF_ENC_INVALID, "string shorter than %zu",
                             min_cp);
    if (len > max_cp)
        return af_enc_refuse(e, AF_ENC_CAP,
                             "string of %zu bytes past the cap of %zu", len,
                             max_cp);
    return af_enc_status(e, af_choice_write_bytes(e->w, min_cp, max_cp, s, len),
                         AF_ENC_CAP, "the string bytes");
}

static int enc_pattern(af_ectx *e, const af_regex *re, const af_schema *s,
                       const char *str, size_t len, size_t min, size_t max)
{
    int rc = af_regex_encode(re, e->w, str, len, min, max);
    if (rc != AF_EUSAGE)
        return af_enc_status(e, rc, AF_ENC_CAP, "the pattern string");
    if (s->pattern_re != NULL && af_pattern_match(s->pattern_re, str, len) != 1)
        return af_enc_refuse(e, AF_ENC_INVALID, "does not match pattern %s",
                             s->pattern);
    return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                         "the pattern generator cannot give it (affix or "
                         "length beyond its caps)");
}

static int enc_string(af_ectx *e, af_idx vi, const af_schema *s, const cJSON *j)
{
    const char *str = j->valuestring;
    size_t len = strlen(str), cps = af_gen_utf8_len(str, len);
    if (cps < s->min_length ||
        (s->max_length != AF_UNBOUNDED && cps > s->max_length))
        return af_enc_refuse(e, AF_ENC_INVALID, "length %zu out of bounds",
                             cps);
    size_t min = s->min_length, max = s->max_length;
    if (max == AF_UNBOUNDED || max - min > AF_GEN_MAX_STRING)
        max = min + AF_GEN_MAX_STRING;
    if (min > e->chars_left)
        min = e->chars_left;
    if (max > e->chars_left)
        max = min > e->chars_left ? min : e->chars_left;
    const af_regex *re = e->g->nodes[vi].regex;
    int rc;
    if (re != NULL) {
        rc = enc_pattern(e, re, s, str, len, min, max);
    } else {
        rc = af_enc_format(e, s->format, min, max, str, len);
        if (rc == 0)
            rc = af_enc_plain(e, min, max, str, len);
        else if (rc == 1)
            rc = 0;
    }
    if (rc == 0)
        e->chars_left -= cps < e->chars_left ? cps : e->chars_left;
    return rc;
}

/* ---- dispatch (value.c gen_view) ---- */

static uint32_t json_type(const cJSON *j, uint32_t allowed)
{
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        bool is_int = d == floor(d) && fabs(d) < 9.0e18;
        return is_int && (allowed & AF_TYPE_INTEGER) ? AF_TYPE_INTEGER
                                                     : AF_TYPE_NUMBER;
    }
    return cJSON_IsString(j)   ? AF_TYPE_STRING
           : cJSON_IsBool(j)   ? AF_TYPE_BOOLEAN
           : cJSON_IsObject(j) ? AF_TYPE_OBJECT
           : cJSON_IsArray(j)  ? AF_TYPE_ARRAY
                               : AF_TYPE_NULL;
}

static int enc_typed(af_ectx *e, af_idx vi, const af_schema *s, const cJSON *j)
{
    uint32_t t = af_gen_allowed_types(s), n = 0, want = json_type(j, t);
    uint32_t pos = 0;
    bool found = false;
    for (size_t k = 0; k < AF_GEN_N_TYPES; k++)
        if (t & af_gen_type_order[k]) {
            if (af_gen_type_order[k] == want)
                pos = n, found = true;
            n++;
        }
    if (!found)
        return af_enc_refuse(e, AF_ENC_INVALID, "type not allowed");
    int rc = af_choice_write_index(e->w, n, pos);
    if (rc < 0)
        return af_enc_status(e, rc, AF_ENC_INVALID, "the type");
    switch (want) {
    case AF_TYPE_STRING:
        return enc_string(e, vi, s, j);
    case AF_TYPE_INTEGER:
        return enc_integer(e, s, j->valuedouble);
    case AF_TYPE_NUMBER:
        return enc_number(e, s, j->valuedouble);
    case AF_TYPE_BOOLEAN:
        return af_enc_status(e, af_choice_write_bool(e->w, cJSON_IsTrue(j)),
                             AF_ENC_INVALID, "the boolean");
    case AF_TYPE_OBJECT:
        return af_enc_object(e, vi, s, j);
    case AF_TYPE_ARRAY:
        return af_enc_array(e, s, j);
    default:
        return 0;
    }
}

static int enc_enum(af_ectx *e, const af_schema *s, const cJSON *j)
{
    int n = cJSON_GetArraySize(s->enum_values), k = 0;
    for (const cJSON *m = s->enum_values->child; m != NULL; m = m->next, k++)
        if (cJSON_Compare(m, j, true))
            return af_enc_status(
                e, af_choice_write_index(e->w, (uint64_t)n, (uint64_t)k),
                AF_ENC_INVALID, "the enum index");
    return af_enc_refuse(e, AF_ENC_INVALID, "not in enum");
}

/* The discriminator value set_discriminator gives branch br. */
static const char *disc_value(const af_gen *g, const af_schema *s, af_idx br)
{
    for (uint32_t k = 0; k < s->n_mapping; k++)
        if (s->mapping[k].schema == br)
            return s->mapping[k].value;
    const char *p = af_gen_raw(g, br)->pointer;
    p = p != NULL ? strrchr(p, '/') : NULL;
    return p != NULL ? p + 1 : "";
}

/* Branch k of a oneOf/anyOf; with a discriminator the member is set by
   the decoder after the branch, so the branch may also leave it out. */
static int enc_branch_k(af_ectx *e, af_idx vi, const af_schema *s, uint32_t k,
                        uint32_t n, const cJSON *j)
{
    const af_idx *br = s->n_one_of > 0 ? s->one_of : s->any_of;
    af_idx bv = e->g->nodes[vi].branch_views[k];
    const cJSON *d = s->discriminator != NULL && cJSON_IsObject(j)
                         ? cJSON_GetObjectItemCaseSensitive(j, s->discriminator)
                         : NULL;
    if (d != NULL && (!cJSON_IsString(d) ||
                      strcmp(d->valuestring, disc_value(e->g, s, br[k])) != 0))
        return af_enc_refuse(e, AF_ENC_INVALID,
                             "discriminator names another "
                             "branch");
    af_emark mk = af_enc_mark(e);
    int rc = af_choice_write_index(e->w, n, k);
    if (rc == 0)
        rc = af_enc_value(e, bv, j);
    if (rc != AF_EUSAGE || d == NULL)
        return rc;
    af_enc_rollback(e, &mk);
    cJSON *copy = cJSON_Duplicate(j, true);
    if (copy == NULL)
        return AF_ENOMEM;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, s->discriminator);
    rc = af_choice_write_index(e->w, n, k);
    if (rc == 0)
        rc = af_enc_value(e, bv, copy);
    cJSON_Delete(copy);
    return rc;
}

static int enc_branch(af_ectx *e, af_idx vi, const af_schema *s, const cJSON *j)
{
    uint32_t n = s->n_one_of > 0 ? s->n_one_of : s->n_any_of;
    int best = 0;
    char why[sizeof e->why] = "no branch";
    for (uint32_t k = 0; k < n; k++) {
        af_emark mk = af_enc_mark(e);
        int rc = enc_branch_k(e, vi, s, k, n, j);
        if (rc != AF_EUSAGE)
            return rc;
        af_enc_rollback(e, &mk);
        if (e->why_class > best) {
            best = e->why_class;
            memcpy(why, e->why, sizeof why);
        }
    }
    e->why_class = best != 0 ? best : AF_ENC_INVALID;
    memcpy(e->why, why, sizeof why);
    return AF_EUSAGE;
}

static int enc_view(af_ectx *e, af_idx vi, const cJSON *j)
{
    const af_schema *s = e->g->nodes[vi].raw;
    if (e->depth >= AF_GEN_MAX_DEPTH || e->nodes_left == 0)
        return af_enc_refuse(e, AF_ENC_CAP, "nesting or node count cap");
    e->nodes_left--;
    if (s->flags & AF_SCHEMA_HAS_CONST)
        return cJSON_Compare(s->const_value, j, true)
                   ? 0
                   : af_enc_refuse(e, AF_ENC_INVALID, "not the const");
    if (s->flags & AF_SCHEMA_HAS_ENUM && s->enum_values != NULL)
        return enc_enum(e, s, j);
    if (e->g->nodes[vi].branch_views != NULL)
        return enc_branch(e, vi, s, j);
    return enc_typed(e, vi, s, j);
}

int af_enc_value(af_ectx *e, af_idx i, const cJSON *j)
{
    const af_gen *g = e->g;
    i = af_gen_norm(g, i);
    af_idx vi = g->nodes[i].view;
    int rc = enc_view(e, vi, j);
    if (rc != 0 || (g->nodes[i].check | g->nodes[vi].check) == 0)
        return rc;
    /* the decoder checks and regenerates: the value must pass the check */
    af_value v;
    if (af_gen_from_json(e->w->arena, j, AF_NONE, &v) < 0)
        return AF_ENOMEM;
    if (!af_gen_match(g, i, &v, e->is_request))
        return af_enc_refuse(e, AF_ENC_INVALID,
                             "fails oneOf/not/if-then-else (the generator's "
                             "matcher)");
    return 0;
}

/* ---- entry point ---- */

int af_value_encode(const af_gen *g, af_choice_writer *w, af_idx schema,
                    bool is_request, const cJSON *value, af_error *err)
{
    if (g == NULL || w == NULL || value == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_value_encode: no plan, writer or value");
    af_ectx e;
    af_enc_init(&e, g, w, is_request);
    af_emark mk = af_enc_mark(&e);
    int rc = af_enc_value(&e, schema, value);
    if (rc == 0 && w->status != 0)
        rc = af_enc_status(&e, w->status, AF_ENC_UNSUPPORTED, "a choice");
    if (rc == 0) {
        af_choices c;
        af_value v;
        af_choice_init(&c, w->len > mk.len ? w->buf + mk.len : NULL,
                       w->len - mk.len);
        rc = af_value_decode(g, w->arena, &c, schema, is_request, &v);
        if (rc == 0 && !af_value_equal_json(&v, value))
            rc = af_enc_refuse(&e, AF_ENC_UNSUPPORTED,
                               "cannot encode: the decoder gives another "
                               "value from these choices");
    }
    if (rc == 0)
        return 0;
    af_enc_rollback(&e, &mk);
    if (rc == AF_ENOMEM)
        return af_error_set(err, rc, NULL, NULL, 0, 0,
                            "out of memory encoding a value");
    return af_error_set(err, AF_EUSAGE, NULL, e.ptr, 0, 0, "%s", e.why);
}
