/*
 * validate.c - the validator's driver: the entry point, error records with
 * instance and schema pointers, the in-place applicators (allOf, anyOf,
 * oneOf, not, if/then/else, $ref, $dynamicRef with the dynamic scope) and
 * unevaluatedProperties/Items. An OpenAPI discriminator only picks the
 * branch whose errors explain a failed oneOf/anyOf.
 *
 * Invariants:
 * - Annotations (evaluated members or items) are collected only when an
 *   unevaluated* keyword needs them: a node holding one evaluates its
 *   instance with a fresh set and passes it to its in-place subschemas;
 *   anyOf, oneOf and if collect into a set per branch and keep it only
 *   when the branch passes; not never keeps any (2020-12 §11.3).
 * - An error is recorded only outside quiet branches, so every recorded
 *   error lies on a chain of conjunctions up to the root: recording one
 *   in first-error mode settles the verdict and the evaluation unwinds.
 * - The dynamic scope is the stack of schema resources entered (2020-12
 *   §7.1); a $dynamicRef whose initial target carries the same
 *   $dynamicAnchor lands on the outermost resource that defines it.
 * - The C stack grows by one af_v_eval frame per nested application and
 *   is bounded by AF_VALIDATE_MAX_DEPTH.
 */
#include "check/validate_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- errors and pointers ----------------------------------------------- */

static size_t escaped_len(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == '~' || *s == '/' ? 2 : 1;
    return n;
}

/* The current instance pointer ("" for the root), in the arena. */
static const char *instance_pointer(af_vctx *x)
{
    size_t len = 1;
    for (uint32_t i = 0; i < x->n_path; i++)
        len += 1 + (x->path[i].key ? escaped_len(x->path[i].key) : 10);
    char *p = af_arena_alloc(x->a, len), *out = p;
    if (p == NULL)
        return NULL;
    for (uint32_t i = 0; i < x->n_path; i++) {
        const af_vstep *st = &x->path[i];
        *out++ = '/';
        if (st->key == NULL) {
            out += snprintf(out, 11, "%u", st->index);
            continue;
        }
        for (const char *s = st->key; *s != '\0'; s++) {
            if (*s == '~' || *s == '/') {
                *out++ = '~';
                *out++ = *s == '~' ? '0' : '1';
            } else {
                *out++ = *s;
            }
        }
    }
    *out = '\0';
    return p;
}

static void record(af_vctx *x, const af_schema *s, const char *kw,
                   const char *reason)
{
    if (x->n_errors == x->cap_errors) {
        uint32_t cap = x->cap_errors ? x->cap_errors * 2 : 4;
        af_verror *e =
            af_arena_grow(x->a, x->errors, x->n_errors, cap, sizeof *e);
        if (e != NULL) {
            x->errors = e;
            x->cap_errors = cap;
        }
    }
    const char *ip = instance_pointer(x);
    const char *sp = kw != NULL ? af_arena_printf(x->a, "%s/%s", s->pointer, kw)
                                : s->pointer;
    const char *why = af_arena_strdup(x->a, reason);
    if (x->n_errors == x->cap_errors || ip == NULL || sp == NULL ||
        why == NULL) {
        x->status = AF_ENOMEM; /* the errors kept so far stay */
        x->is_stopped = true;
        return;
    }
    x->errors[x->n_errors++] = (af_verror){ip, sp, why};
}

bool af_v_fail(af_vctx *x, const af_schema *s, const char *kw, const char *fmt,
               ...)
{
    if (x->quiet > 0 || x->is_stopped)
        return false;
    char reason[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    record(x, s, kw, reason);
    if (!x->is_all)
        x->is_stopped = true;
    else if (x->n_errors >= x->max_errors)
        x->is_stopped = x->is_truncated = true;
    return false;
}

bool af_v_limit(af_vctx *x, const af_schema *s, const char *kw, const char *why)
{
    if (x->status == 0) {
        x->status = AF_ELIMIT;
        record(x, s, kw, why);
    }
    x->is_stopped = true;
    return false;
}

af_bits *af_v_bits_new(af_vctx *x, uint32_t n)
{
    af_bits *b = af_arena_alloc(x->a, sizeof *b);
    uint64_t *w = af_arena_calloc(x->a, (n + 63) / 64 + 1, sizeof *w);
    if (b == NULL || w == NULL) {
        x->status = AF_ENOMEM;
        x->is_stopped = true;
        return NULL;
    }
    *b = (af_bits){w, n};
    return b;
}

static void bits_merge(af_bits *into, const af_bits *from)
{
    if (into == NULL || from == NULL)
        return;
    for (uint32_t i = 0; i < (into->n + 63) / 64; i++)
        into->words[i] |= from->words[i];
}

/* A set for one branch when the caller collects annotations. */
static bool branch_bits(af_vctx *x, const af_bits *ev, af_bits **out)
{
    *out = ev != NULL ? af_v_bits_new(x, ev->n) : NULL;
    return ev == NULL || *out != NULL;
}

/* ---- in-place applicators ---------------------------------------------- */

static bool all_of(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    bool ok = true;
    for (uint32_t k = 0; k < s->n_all_of; k++) {
        if (!af_v_eval(x, s->all_of[k], v, ev)) {
            ok = false;
            if (!af_v_more(x))
                return false;
        }
    }
    return ok;
}

/* The branch an OpenAPI discriminator names for v (mapping, else the
   branch whose pointer ends in the value), or AF_NONE. */
static af_idx discriminated(const af_vctx *x, const af_schema *s,
                            const cJSON *v, const af_idx *branches, uint32_t n)
{
    const cJSON *d = cJSON_IsObject(v)
                         ? cJSON_GetObjectItemCaseSensitive(v, s->discriminator)
                         : NULL;
    if (d == NULL || !cJSON_IsString(d))
        return AF_NONE;
    for (uint32_t k = 0; k < s->n_mapping; k++)
        if (strcmp(s->mapping[k].value, d->valuestring) == 0)
            return s->mapping[k].schema;
    size_t len = strlen(d->valuestring);
    for (uint32_t k = 0; k < n; k++) {
        const char *p = af_v_schema(x, branches[k])->pointer;
        size_t pl = strlen(p);
        if (pl > len && p[pl - len - 1] == '/' &&
            strcmp(p + pl - len, d->valuestring) == 0)
            return branches[k];
    }
    return AF_NONE;
}

/* Before reporting that no branch matched: the errors of the branch the
   discriminator names say why more precisely (the discriminator is an
   annotation: it never changes the verdict). */
static void explain(af_vctx *x, const af_schema *s, const cJSON *v,
                    const af_idx *branches, uint32_t n)
{
    if (x->quiet > 0 || x->is_stopped || s->discriminator == NULL)
        return;
    af_idx pick = discriminated(x, s, v, branches, n);
    if (pick != AF_NONE)
        (void)af_v_eval(x, pick, v, NULL);
}

static bool any_of(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    uint32_t n_valid = 0;
    x->quiet++;
    for (uint32_t k = 0; k < s->n_any_of && !x->is_stopped; k++) {
        af_bits *b;
        if (!branch_bits(x, ev, &b))
            break;
        if (af_v_eval(x, s->any_of[k], v, b)) {
            n_valid++;
            bits_merge(ev, b);
            if (ev == NULL)
                break; /* no annotations wanted: one branch suffices */
        }
    }
    x->quiet--;
    if (n_valid > 0)
        return true;
    explain(x, s, v, s->any_of, s->n_any_of);
    return af_v_fail(x, s, "anyOf", "matches none of the %u anyOf schemas",
                     s->n_any_of);
}

static bool one_of(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    int first = -1, second = -1;
    af_bits *kept = NULL;
    x->quiet++;
    for (uint32_t k = 0; k < s->n_one_of && !x->is_stopped; k++) {
        af_bits *b;
        if (!branch_bits(x, ev, &b))
            break;
        if (!af_v_eval(x, s->one_of[k], v, b))
            continue;
        if (first >= 0) {
            second = (int)k;
            break;
        }
        first = (int)k;
        kept = b;
    }
    x->quiet--;
    if (first >= 0 && second < 0) {
        bits_merge(ev, kept);
        return true;
    }
    if (first < 0)
        explain(x, s, v, s->one_of, s->n_one_of);
    if (first < 0)
        return af_v_fail(x, s, "oneOf", "matches none of the %u oneOf schemas",
                         s->n_one_of);
    return af_v_fail(x, s, "oneOf",
                     "matches oneOf schemas %d and %d; exactly one must match",
                     first, second);
}

static bool not_schema(af_vctx *x, const af_schema *s, const cJSON *v)
{
    x->quiet++;
    bool is_match = af_v_eval(x, s->not_schema, v, NULL);
    x->quiet--;
    if (x->is_stopped)
        return false;
    return !is_match ||
           af_v_fail(x, s, "not", "must not match the schema in 'not'");
}

/* if/then/else (draft 7+): the if schema's annotations count when it
   passes. */
static bool conditional(af_vctx *x, const af_schema *s, const cJSON *v,
                        af_bits *ev)
{
    af_bits *b;
    if (!branch_bits(x, ev, &b))
        return false;
    x->quiet++;
    bool is_match = af_v_eval(x, s->if_schema, v, b);
    x->quiet--;
    if (x->is_stopped)
        return false;
    if (is_match)
        bits_merge(ev, b);
    af_idx next = is_match ? s->then_schema : s->else_schema;
    return next == AF_NONE || af_v_eval(x, next, v, ev);
}

/* Where a $dynamicRef (or $recursiveRef) lands (2020-12 §8.2.3.2): its
   initial target, unless that carries the anchor it names; then the
   outermost resource of the dynamic scope defining that anchor. */
static af_idx dynamic_target(const af_vctx *x, const af_schema *s)
{
    af_idx t = s->dynamic_ref;
    const char *name = s->dynamic_ref_name;
    if (name == NULL)
        return t;
    const af_schema *ts = af_v_schema(x, t);
    bool is_bookend = name[0] != '\0'
                          ? ts->dynamic_anchor != NULL &&
                                strcmp(ts->dynamic_anchor, name) == 0
                          : (ts->flags & AF_SCHEMA_RECURSIVE_ANCHOR) != 0;
    if (!is_bookend)
        return t;
    const af_dyn_anchor *d = x->m->dynamic_anchors;
    for (uint32_t k = 0; k < x->n_scope; k++)
        for (uint32_t j = 0; j < x->m->n_dynamic_anchors; j++)
            if (d[j].resource == x->scope[k] && strcmp(d[j].name, name) == 0)
                return d[j].schema;
    return t;
}

static bool meta(af_vctx *x, const af_schema *s, const cJSON *v)
{
    char why[256];
    if (af_meta_check(s->metaschema, v, why, sizeof why))
        return true;
    return af_v_fail(x, s, NULL, "not a valid %s schema: %s",
                     s->metaschema == AF_DIALECT_DRAFT4   ? "draft-04"
                     : s->metaschema == AF_DIALECT_DRAFT7 ? "draft-07"
                                                          : "2020-12",
                     why);
}

/* ---- one schema node ----------------------------------------------------- */

#define STEP(call)                                                             \
    do {                                                                       \
        if (!(call)) {                                                         \
            ok = false;                                                        \
            if (!af_v_more(x))                                                 \
                return false;                                                  \
        }                                                                      \
    } while (0)

/* The assertions that depend on the instance's type. */
static bool by_type(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    if (cJSON_IsNumber(v))
        return af_v_number(x, s, v->valuedouble);
    if (cJSON_IsString(v))
        return af_v_string(x, s, v->valuestring);
    if (cJSON_IsArray(v))
        return af_v_array(x, s, v, ev);
    if (cJSON_IsObject(v))
        return af_v_object(x, s, v, ev);
    return true;
}

static bool keywords(af_vctx *x, const af_schema *s, const cJSON *v,
                     af_bits *ev)
{
    bool ok = true;
    if (s->metaschema != 0)
        STEP(meta(x, s, v));
    if (s->flags & AF_SCHEMA_HAS_TYPE)
        STEP(af_v_type(x, s, v));
    if (s->flags & (AF_SCHEMA_HAS_ENUM | AF_SCHEMA_HAS_CONST))
        STEP(af_v_values(x, s, v));
    STEP(by_type(x, s, v, ev));
    if (s->n_all_of > 0)
        STEP(all_of(x, s, v, ev));
    if (s->n_any_of > 0)
        STEP(any_of(x, s, v, ev));
    if (s->n_one_of > 0)
        STEP(one_of(x, s, v, ev));
    if (s->not_schema != AF_NONE)
        STEP(not_schema(x, s, v));
    if (s->if_schema != AF_NONE)
        STEP(conditional(x, s, v, ev));
    if (s->ref != AF_NONE)
        STEP(af_v_eval(x, s->ref, v, ev));
    if (s->dynamic_ref != AF_NONE)
        STEP(af_v_eval(x, dynamic_target(x, s), v, ev));
    return ok;
}

/* unevaluatedProperties / unevaluatedItems over what ev leaves. */
static bool unevaluated(af_vctx *x, const af_schema *s, const cJSON *v,
                        af_bits *ev)
{
    bool is_object = cJSON_IsObject(v);
    af_idx u = is_object ? s->unevaluated_properties : s->unevaluated_items;
    const char *kw = is_object ? "unevaluatedProperties" : "unevaluatedItems";
    bool is_false = (af_v_schema(x, u)->flags & AF_SCHEMA_FALSE) != 0;
    bool ok = true;
    uint32_t k = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next, k++) {
        if (af_bits_has(ev, k))
            continue;
        bool is_ok;
        if (is_false && is_object)
            is_ok = af_v_fail(x, s, kw, "property '%.200s' is not allowed",
                              c->string);
        else if (is_false)
            is_ok = af_v_fail(x, s, kw, "item %u is not allowed", k);
        else
            is_ok = af_v_eval_at(x, u, c, is_object ? c->string : NULL, k);
        if (is_ok) {
            af_bits_set(ev, k);
            continue;
        }
        ok = false;
        if (!af_v_more(x))
            return false;
    }
    return ok;
}

static bool needs_bits(const af_schema *s, const cJSON *v)
{
    return (s->unevaluated_properties != AF_NONE && cJSON_IsObject(v)) ||
           (s->unevaluated_items != AF_NONE && cJSON_IsArray(v));
}

static uint32_t n_children(const cJSON *v)
{
    uint32_t n = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        n++;
    return n;
}

static bool eval_node(af_vctx *x, const af_schema *s, const cJSON *v,
                      af_bits *ev)
{
    af_bits *local = ev;
    if (needs_bits(s, v) && (local = af_v_bits_new(x, n_children(v))) == NULL)
        return false;
    bool ok = keywords(x, s, v, local);
    if (local == ev || (!ok && !af_v_more(x)))
        return ok;
    ok = unevaluated(x, s, v, local) && ok;
    if (ok)
        bits_merge(ev, local);
    return ok;
}

bool af_v_eval(af_vctx *x, af_idx i, const cJSON *v, af_bits *ev)
{
    const af_schema *s = af_v_schema(x, i);
    if (x->is_stopped)
        return false;
    if (s->flags & AF_SCHEMA_FALSE)
        return af_v_fail(x, s, NULL, "the schema is false: nothing is valid");
    if (x->depth >= AF_VALIDATE_MAX_DEPTH)
        return af_v_limit(
            x, s, NULL,
            "more than " STR(
                AF_VALIDATE_MAX_DEPTH) " nested schema applications (a deep "
                                       "instance or "
                                       "a $ref loop)");
    if (++x->steps > AF_VALIDATE_MAX_STEPS)
        return af_v_limit(
            x, s, NULL,
            "more than " STR(AF_VALIDATE_MAX_STEPS) " schema applications");
    x->depth++;
    bool is_pushed =
        s->resource != 0 &&
        (x->n_scope == 0 || x->scope[x->n_scope - 1] != s->resource);
    if (is_pushed)
        x->scope[x->n_scope++] = s->resource;
    bool ok = eval_node(x, s, v, ev);
    x->n_scope -= is_pushed;
    x->depth--;
    return ok;
}

bool af_v_eval_at(af_vctx *x, af_idx i, const cJSON *v, const char *key,
                  uint32_t index)
{
    if (x->n_path > AF_VALIDATE_MAX_DEPTH)
        return af_v_limit(x, af_v_schema(x, i), NULL, "instance too deep");
    x->path[x->n_path++] = (af_vstep){key, index};
    bool ok = af_v_eval(x, i, v, NULL);
    x->n_path--;
    return ok;
}

/* ---- the entry point ----------------------------------------------------- */

static bool formats_asserted(const af_model *m, af_formats f)
{
    if (f != AF_FORMATS_DEFAULT)
        return f == AF_FORMATS_ASSERT;
    return m->dialect != AF_DIALECT_OAS31 && m->dialect != AF_DIALECT_DRAFT2020;
}

int af_validate(const af_model *m, af_idx schema, const cJSON *instance,
                const af_validate_opts *opts, af_arena *a, af_validation *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (m == NULL || instance == NULL || a == NULL || out == NULL ||
        schema < 0 || (uint32_t)schema >= m->n_schemas)
        return AF_EUSAGE;
    static const af_validate_opts defaults = {0};
    const af_validate_opts *o = opts != NULL ? opts : &defaults;
    af_vctx x;
    memset(&x, 0, offsetof(af_vctx, path));
    x.m = m;
    x.a = a;
    x.direction = o->direction;
    x.is_all = o->all_errors;
    x.assert_formats = formats_asserted(m, o->formats);
    x.max_errors = o->max_errors > 0 ? o->max_errors : AF_VALIDATE_MAX_ERRORS;
    bool ok = af_v_eval(&x, schema, instance, NULL) && x.status == 0;
    if (!ok && x.n_errors == 0 && x.status != AF_ENOMEM) {
        x.quiet = 0;
        x.is_stopped = false;
        af_v_fail(&x, af_v_schema(&x, schema), NULL, "invalid");
    }
    out->is_valid = ok;
    out->errors = x.errors;
    out->n_errors = x.n_errors;
    out->is_truncated = x.is_truncated;
    return x.status;
}
