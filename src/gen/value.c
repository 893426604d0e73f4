/*
 * value.c - positive values from the choice stream: the dispatch on a
 * schema's view (const, enum, oneOf/anyOf branch, type), scalars, strings
 * and the check-and-regenerate loop for what construction cannot
 * guarantee (oneOf exclusivity, `not`, constraints a merged view lost).
 *
 * Invariants: zero choices give the simplest value (first type of the
 * list, false, the number closest to 0, the shortest string); a value's
 * span is the bytes it read; a regenerated value reads derived choices
 * (no input), and its descendants get empty spans at its end.
 *
 * Tuned for the hot path of fuzzing: typical OpenAPI request schemas
 * (objects of scalars) decode with a few reads per value and no matcher
 * call; the matcher runs only on nodes whose plan says CHECK_*.
 */
#include "gen/gen_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "spec/pattern.h"

void af_gen_ctx_init(af_gctx *x, const af_gen *g, af_arena *a, af_choices *c,
                     bool is_request)
{
    memset(x, 0, sizeof *x);
    x->g = g;
    x->a = a;
    x->c = c;
    x->is_request = is_request;
    x->nodes_left = AF_GEN_MAX_NODES;
    x->chars_left = AF_GEN_MAX_CHARS;
}

int af_gen_oom(af_gctx *x)
{
    x->status = AF_ENOMEM;
    return AF_ENOMEM;
}

/* ---- text ---- */

/* Length of a valid UTF-8 sequence at p (not a surrogate, not overlong),
   0 when there is none. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t len;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int af_gen_text(af_gctx *x, const uint8_t *p, size_t len, size_t n_cp,
                char **out, size_t *out_len)
{
    size_t pad = n_cp > len ? n_cp - len : 0;
    char *s = af_arena_alloc(x->a, len + pad + n_cp + 1);
    if (s == NULL)
        return af_gen_oom(x);
    size_t o = 0, cps = 0;
    for (size_t k = 0; k < len;) {
        uint8_t b = p[k];
        size_t q = b >= 0x80 && !x->is_ascii ? utf8_seq(p + k, len - k) : 0;
        if (q > 0) {
            memcpy(s + o, p + k, q);
            o += q, k += q;
        } else {
            bool keep =
                (b >= 0x20 && b < 0x7f) || (!x->is_ascii && b != 0 && b < 0x20);
            s[o++] = keep ? (char)b : (char)('a' + b % 26);
            k++;
        }
        cps++;
    }
    for (; cps < n_cp; cps++)
        s[o++] = 'a';
    s[o] = '\0';
    *out = s;
    *out_len = o;
    return 0;
}

int af_gen_plain(af_gctx *x, size_t min_cp, size_t max_cp, char **out,
                 size_t *out_len)
{
    if (max_cp < min_cp)
        max_cp = min_cp;
    if (max_cp - min_cp > AF_GEN_MAX_STRING)
        max_cp = min_cp + AF_GEN_MAX_STRING;
    const uint8_t *p;
    size_t len;
    af_choice_bytes(x->c, min_cp, max_cp, &p, &len);
    return af_gen_text(x, p, len, min_cp, out, out_len);
}

int af_gen_string(af_gctx *x, af_idx i, const af_schema *s, af_value *out)
{
    size_t min = s->min_length, max = s->max_length;
    if (max == AF_UNBOUNDED || max - min > AF_GEN_MAX_STRING)
        max = min + AF_GEN_MAX_STRING;
    /* The call's budget of code points: a hostile minLength is bounded
       (and not met); past the budget strings take their minimum. */
    if (min > x->chars_left)
        min = x->chars_left;
    if (max > x->chars_left)
        max = min > x->chars_left ? min : x->chars_left;
    char *str = NULL;
    size_t len = 0;
    int rc;
    const af_regex *re = x->g->nodes[i].regex;
    out->kind = AF_V_STRING;
    if (re != NULL) {
        bool filter = af_regex_needs_filter(re) && s->pattern_re != NULL;
        rc = af_regex_generate_ex(re, filter ? af_pattern_match : NULL,
                                  s->pattern_re, x->c, x->a, min, max, &str,
                                  &len);
        if (rc == AF_ENOMEM)
            return af_gen_oom(x);
    } else {
        rc = af_gen_format(x, s->format, min, max, &str, &len);
        if (rc < 0)
            return rc;
        if (rc == 0 && (rc = af_gen_plain(x, min, max, &str, &len)) < 0)
            return rc;
    }
    size_t cps = af_gen_utf8_len(str, len);
    x->chars_left -= cps < x->chars_left ? cps : x->chars_left;
    out->u.str.s = str;
    out->u.str.len = len;
    return 0;
}

/* ---- numbers ---- */

static int64_t to_int64(double d)
{
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    return (int64_t)d;
}

void af_gen_int_bounds(const af_schema *s, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    if (s->format == AF_FORMAT_INT32) {
        *lo = INT32_MIN;
        *hi = INT32_MAX;
    }
    if (s->flags & AF_SCHEMA_HAS_MINIMUM) {
        double c = ceil(s->minimum);
        if ((s->flags & AF_SCHEMA_EXCL_MINIMUM) && c == s->minimum)
            c += 1;
        int64_t v = to_int64(c);
        if (v > *lo)
            *lo = v;
        if (c >= 9223372036854775807.0)
            *lo = INT64_MAX, *hi = INT64_MIN; /* empty */
    }
    if (s->flags & AF_SCHEMA_HAS_MAXIMUM) {
        double f = floor(s->maximum);
        if ((s->flags & AF_SCHEMA_EXCL_MAXIMUM) && f == s->maximum)
            f -= 1;
        int64_t v = to_int64(f);
        if (v < *hi)
            *hi = v;
    }
}

static int64_t div_floor(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t div_ceil(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q;
}

int64_t af_gen_int_step(double m, int64_t lo, int64_t hi, int64_t *klo,
                        int64_t *khi)
{
    double step = m;
    for (int q = 1; q <= 1000 && step != floor(step); q++)
        step = m * (q + 1);
    if (step != floor(step) || step >= 4.6e18 || step < 1)
        step = m >= 1 ? floor(m) : 1;
    int64_t st = (int64_t)step;
    *klo = lo == INT64_MIN ? INT64_MIN / st : div_ceil(lo, st);
    *khi = hi == INT64_MAX ? INT64_MAX / st : div_floor(hi, st);
    return st;
}

/* An integer multiple of m (validators check v / m exactly). */
static int64_t int_multiple(af_choices *c, int64_t lo, int64_t hi, double m)
{
    int64_t klo, khi, st = af_gen_int_step(m, lo, hi, &klo, &khi);
    int64_t k = af_choice_int(c, klo, khi);
    for (int d = 0; d < 16; d++) {
        int64_t kk = k + ((d & 1) ? -(d + 1) / 2 : d / 2);
        if (kk < klo || kk > khi)
            continue;
        double q = (double)(kk * st) / m;
        if (q == floor(q))
            return kk * st;
    }
    return k * st;
}

static void gen_integer(af_gctx *x, const af_schema *s, af_value *out)
{
    int64_t lo, hi;
    af_gen_int_bounds(s, &lo, &hi);
    out->kind = AF_V_INT;
    if (s->flags & AF_SCHEMA_HAS_MULTIPLE && s->multiple_of > 0)
        out->u.i = int_multiple(x->c, lo, hi, s->multiple_of);
    else
        out->u.i = af_choice_int(x->c, lo, hi);
}

static void gen_number(af_gctx *x, const af_schema *s, af_value *out)
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
    out->kind = AF_V_NUMBER;
    out->u.d = af_choice_double(x->c, lo, hi, flags, m > 0 ? m : 0);
}

/* ---- dispatch ---- */

/* Types an untyped schema's keywords suggest (any value is valid, but a
   schema with `properties` is meant for objects). */
static uint32_t hinted_types(const af_schema *s)
{
    uint32_t t = 0;
    if (s->n_props || s->n_required || s->min_properties ||
        s->additional_properties != AF_NONE || s->n_pattern_props)
        t |= AF_TYPE_OBJECT;
    if (s->items != AF_NONE || s->n_prefix_items || s->min_items ||
        s->max_items != AF_UNBOUNDED)
        t |= AF_TYPE_ARRAY;
    if (s->pattern || s->min_length || s->max_length != AF_UNBOUNDED ||
        (s->format != AF_FORMAT_NONE && s->format < AF_FORMAT_INT32))
        t |= AF_TYPE_STRING;
    if (s->flags & (AF_SCHEMA_HAS_MINIMUM | AF_SCHEMA_HAS_MAXIMUM |
                    AF_SCHEMA_HAS_MULTIPLE) ||
        s->format >= AF_FORMAT_INT32)
        t |= AF_TYPE_NUMBER | AF_TYPE_INTEGER;
    return t != 0 ? t : AF_TYPE_ANY;
}

const uint32_t af_gen_type_order[AF_GEN_N_TYPES] = {
    AF_TYPE_STRING, AF_TYPE_INTEGER, AF_TYPE_NUMBER, AF_TYPE_BOOLEAN,
    AF_TYPE_OBJECT, AF_TYPE_ARRAY,   AF_TYPE_NULL};

uint32_t af_gen_allowed_types(const af_schema *s)
{
    uint32_t t = af_gen_types(s);
    if (!(s->flags & AF_SCHEMA_HAS_TYPE) && t == AF_TYPE_ANY)
        t = hinted_types(s);
    /* number covers integers (its simplest value is one) */
    if (t & AF_TYPE_NUMBER)
        t &= ~AF_TYPE_INTEGER;
    return t;
}

/* The value of the simplest type, reading nothing (depth cap). */
static void trivial(const af_schema *s, af_value *out)
{
    uint32_t t = af_gen_allowed_types(s);
    memset(&out->u, 0, sizeof out->u);
    out->kind = t & AF_TYPE_NULL      ? AF_V_NULL
                : t & AF_TYPE_STRING  ? AF_V_STRING
                : t & AF_TYPE_INTEGER ? AF_V_INT
                : t & AF_TYPE_BOOLEAN ? AF_V_BOOL
                : t & AF_TYPE_ARRAY   ? AF_V_ARRAY
                : t & AF_TYPE_OBJECT  ? AF_V_OBJECT
                                      : AF_V_NULL;
    if (out->kind == AF_V_STRING)
        out->u.str.s = "";
}

static int gen_typed(af_gctx *x, af_idx vi, const af_schema *s, af_value *out)
{
    uint32_t t = af_gen_allowed_types(s), list[AF_GEN_N_TYPES], n = 0;
    for (size_t k = 0; k < AF_GEN_N_TYPES; k++)
        if (t & af_gen_type_order[k])
            list[n++] = af_gen_type_order[k];
    if (n == 0) {
        out->kind = AF_V_NULL;
        return 0;
    }
    switch (list[af_choice_index(x->c, n)]) {
    case AF_TYPE_STRING:
        return af_gen_string(x, vi, s, out);
    case AF_TYPE_INTEGER:
        gen_integer(x, s, out);
        return 0;
    case AF_TYPE_NUMBER:
        gen_number(x, s, out);
        return 0;
    case AF_TYPE_BOOLEAN:
        out->kind = AF_V_BOOL;
        out->u.b = af_choice_bool(x->c);
        return 0;
    case AF_TYPE_OBJECT:
        return af_gen_object(x, vi, s, out);
    case AF_TYPE_ARRAY:
        return af_gen_array(x, vi, s, out);
    default:
        out->kind = AF_V_NULL;
        return 0;
    }
}

/* An enum member, tried from the chosen one on until one fits the
   schema's other keywords. */
static int gen_enum(af_gctx *x, af_idx vi, const af_schema *s, af_value *out)
{
    int n = cJSON_GetArraySize(s->enum_values);
    if (n <= 0) {
        out->kind = AF_V_NULL;
        return 0;
    }
    uint32_t k = (uint32_t)af_choice_index(x->c, (uint64_t)n);
    bool is_plain = !(s->flags & AF_SCHEMA_HAS_TYPE) && !s->n_props &&
                    !s->pattern && !(s->flags & AF_SCHEMA_HAS_MINIMUM);
    for (int t = 0; t < n; t++) {
        const cJSON *e =
            cJSON_GetArrayItem(s->enum_values, (int)((k + (uint32_t)t) % n));
        if (af_gen_from_json(x->a, e, AF_NONE, out) < 0)
            return af_gen_oom(x);
        if (is_plain || af_gen_match(x->g, vi, out, x->is_request))
            return 0;
    }
    return 0;
}

/* The implicit discriminator value of a branch: its schema's name. */
static const char *branch_name(const af_schema *b)
{
    const char *p = b->pointer != NULL ? strrchr(b->pointer, '/') : NULL;
    return p != NULL ? p + 1 : "";
}

static int set_discriminator(af_gctx *x, const af_schema *s, af_idx branch,
                             af_value *out)
{
    if (out->kind != AF_V_OBJECT)
        return 0;
    const char *val = NULL;
    for (uint32_t k = 0; k < s->n_mapping && val == NULL; k++)
        if (s->mapping[k].schema == branch)
            val = s->mapping[k].value;
    if (val == NULL)
        val = branch_name(af_gen_raw(x->g, branch));
    af_member *m = NULL;
    for (uint32_t k = 0; k < out->u.obj.n && m == NULL; k++)
        if (strcmp(out->u.obj.members[k].name, s->discriminator) == 0)
            m = &out->u.obj.members[k];
    if (m == NULL) {
        uint32_t n = out->u.obj.n;
        af_member *mm =
            af_arena_grow(x->a, out->u.obj.members, n, n + 1, sizeof *mm);
        if (mm == NULL)
            return af_gen_oom(x);
        m = &mm[n];
        memset(m, 0, sizeof *m);
        m->name = s->discriminator;
        m->value.schema = AF_NONE;
        m->value.start = m->value.end = (uint32_t)af_choice_pos(x->c);
        out->u.obj.members = mm;
        out->u.obj.n = n + 1;
    }
    m->value.kind = AF_V_STRING;
    m->value.u.str.s = val;
    m->value.u.str.len = strlen(val);
    return 0;
}

static int gen_branch(af_gctx *x, af_idx vi, const af_schema *s, af_value *out)
{
    const af_idx *br = s->n_one_of > 0 ? s->one_of : s->any_of;
    uint32_t n = s->n_one_of > 0 ? s->n_one_of : s->n_any_of;
    uint32_t k = (uint32_t)af_choice_index(x->c, n);
    int rc = af_gen_value(x, x->g->nodes[vi].branch_views[k], out);
    if (rc == 0 && s->discriminator != NULL)
        rc = set_discriminator(x, s, br[k], out);
    return rc;
}

static int gen_view(af_gctx *x, af_idx vi, af_value *out)
{
    const af_schema *s = x->g->nodes[vi].raw;
    out->kind = AF_V_NULL;
    if (x->depth >= AF_GEN_MAX_DEPTH || x->nodes_left == 0) {
        trivial(s, out);
        return 0;
    }
    x->nodes_left--;
    if (s->flags & AF_SCHEMA_HAS_CONST) {
        if (af_gen_from_json(x->a, s->const_value, AF_NONE, out) < 0)
            return af_gen_oom(x);
        return 0;
    }
    if (s->flags & AF_SCHEMA_HAS_ENUM && s->enum_values != NULL)
        return gen_enum(x, vi, s, out);
    if (x->g->nodes[vi].branch_views != NULL)
        return gen_branch(x, vi, s, out);
    return gen_typed(x, vi, s, out);
}

/* ---- checks and regeneration ---- */

void af_gen_collapse(af_value *v, uint32_t at)
{
    v->start = v->end = at;
    if (v->kind == AF_V_ARRAY)
        for (uint32_t k = 0; k < v->u.arr.n; k++)
            af_gen_collapse(&v->u.arr.items[k], at);
    else if (v->kind == AF_V_OBJECT)
        for (uint32_t k = 0; k < v->u.obj.n; k++)
            af_gen_collapse(&v->u.obj.members[k].value, at);
    else if (v->kind == AF_V_BACKREF && v->u.ref.fallback != NULL)
        af_gen_collapse(v->u.ref.fallback, at);
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Derived choices for try t, from the node's own input bytes: the first
   tries are constant bytes (enum index t, boundary shapes), then
   pseudo-random ones. */
static void derive(const af_choices *c, size_t start, unsigned t, uint8_t *buf,
                   size_t n)
{
    if (t <= 4) {
        memset(buf, (int)t, n);
        return;
    }
    uint64_t h = 0x9e3779b97f4a7c15ull * t;
    for (size_t p = start; p < c->pos && p < c->len; p++)
        h = mix64(h ^ c->data[p]);
    for (size_t k = 0; k < n; k += 8) {
        h = mix64(h + 0x9e3779b97f4a7c15ull);
        for (size_t b = 0; b < 8 && k + b < n; b++)
            buf[k + b] = (uint8_t)(h >> (8 * b));
    }
}

/* Generates view vi from the derived choices of try t into out, its
   spans collapsed to `at`. */
static int gen_derived(af_gctx *x, af_idx vi, size_t start, unsigned t,
                       uint32_t at, af_value *out)
{
    uint8_t buf[128];
    af_choices *saved = x->c, d;
    derive(saved, start, t, buf, sizeof buf);
    af_choice_init(&d, buf, sizeof buf);
    memset(out, 0, sizeof *out);
    x->c = &d;
    int rc = gen_view(x, vi, out);
    x->c = saved;
    af_gen_collapse(out, at);
    return rc;
}

/* Regenerates a value of node i that failed its check. */
static int regenerate(af_gctx *x, af_idx i, af_idx vi, size_t start,
                      af_value *out)
{
    uint32_t end = (uint32_t)af_choice_pos(x->c);
    for (unsigned t = 1; t <= AF_GEN_MAX_TRIES; t++) {
        af_value v;
        int rc = gen_derived(x, vi, start, t, end, &v);
        if (rc < 0)
            return rc;
        if (af_gen_match(x->g, i, &v, x->is_request)) {
            *out = v;
            return 0;
        }
    }
    return 0; /* keep the first value: the spec may be unsatisfiable */
}

int af_gen_value_derived(af_gctx *x, af_idx i, size_t start, unsigned t,
                         af_value *out)
{
    const af_gen *g = x->g;
    i = af_gen_norm(g, i);
    af_idx vi = g->nodes[i].view;
    uint32_t at = (uint32_t)af_choice_pos(x->c);
    int rc = gen_derived(x, vi, start, t, at, out);
    uint32_t check = g->nodes[i].check | g->nodes[vi].check;
    for (unsigned u = t + 1;
         rc == 0 && check != 0 && u <= t + AF_GEN_MAX_TRIES &&
         !af_gen_match(g, i, out, x->is_request);
         u++)
        rc = gen_derived(x, vi, start, u, at, out);
    out->schema = g->nodes[i].origin;
    return rc;
}

int af_gen_value(af_gctx *x, af_idx i, af_value *out)
{
    const af_gen *g = x->g;
    i = af_gen_norm(g, i);
    af_idx vi = g->nodes[i].view;
    uint32_t check = g->nodes[i].check | g->nodes[vi].check;
    size_t start = af_choice_pos(x->c);
    memset(out, 0, sizeof *out);
    int rc = gen_view(x, vi, out);
    if (rc == 0 && check != 0 && !af_gen_match(g, i, out, x->is_request))
        rc = regenerate(x, i, vi, start, out);
    out->schema = g->nodes[i].origin;
    out->start = (uint32_t)start;
    out->end = (uint32_t)af_choice_pos(x->c);
    return rc;
}

int af_value_decode(const af_gen *g, af_arena *a, af_choices *c, af_idx schema,
                    bool is_request, af_value *out)
{
    af_gctx x;
    af_gen_ctx_init(&x, g, a, c, is_request);
    int rc = af_gen_value(&x, schema, out);
    return rc < 0 ? rc : x.status;
}
