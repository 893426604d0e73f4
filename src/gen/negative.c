/*
 * negative.c - negative mode: exactly one violation per negative call, at
 * one chosen place, of a kind that applies there (DESIGN.md "Negative
 * mode").
 *
 * The call is first decoded as a positive one. Then every place where a
 * violation applies becomes a candidate site: a required parameter
 * (leave it out), a parameter's value (wrong type, bound, length,
 * pattern, enum, format), the body (leave it out, malformed JSON, a
 * Content-Type the operation does not take), every body value reached
 * through properties and items (type, bounds, multipleOf, lengths,
 * pattern, format, enum, const, required, additionalProperties, item and
 * property counts, uniqueItems), the credentials (left out, corrupted).
 * Two bytes choose the site, one byte a variant (which wrong type, which
 * required property). The violation is applied to a copy and checked:
 * the matcher must reject the value (formats: the format checker), else
 * the next site is tried. A call with no real site is decoded positive.
 *
 * Recorded: kind, request pointer ("/query/limit", "/body/seats/0"), the
 * schema keyword's pointer; format violations are soft.
 */
#include "gen/gen_internal.h"

#include <math.h>
#include <string.h>

#include "spec/pattern.h"

#define MAX_SITES 256

typedef enum site_at {
    AT_PARAM, /* a parameter's value (or its absence) */
    AT_BODY,  /* a body value */
    AT_CALL   /* the body as a whole, content type, credentials */
} site_at;

typedef struct site {
    af_violation_kind kind;
    site_at at;
    uint32_t arg;    /* AT_PARAM: the parameter index */
    af_value *v;     /* the value violated (NULL for call-level sites) */
    af_idx schema;   /* the node governing v */
    const char *ptr; /* request pointer */
    uint32_t member; /* REQUIRED: which member */
} site;

typedef struct nctx {
    af_gctx *x;
    af_call *call;
    const af_operation *op;
    site *sites;
    uint32_t n;
    uint8_t variant;
} nctx;

static void add(nctx *n, af_violation_kind kind, site_at at, uint32_t arg,
                af_value *v, af_idx schema, const char *ptr, uint32_t member)
{
    if (n->n < MAX_SITES && ptr != NULL)
        n->sites[n->n++] = (site){kind, at, arg, v, schema, ptr, member};
}

static const char *in_name(af_param_in in)
{
    static const char *const names[] = {"path", "query", "header", "cookie"};
    return (unsigned)in < 4 ? names[in] : "param";
}

static char *escape(af_arena *a, const char *base, const char *name)
{
    size_t n = strlen(name), extra = 0;
    for (size_t k = 0; k < n; k++)
        extra += name[k] == '~' || name[k] == '/';
    size_t bl = strlen(base);
    char *p = af_arena_alloc(a, bl + n + extra + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, base, bl);
    size_t o = bl;
    p[o++] = '/';
    for (size_t k = 0; k < n; k++) {
        if (name[k] == '~' || name[k] == '/') {
            p[o++] = '~';
            p[o++] = name[k] == '~' ? '0' : '1';
        } else {
            p[o++] = name[k];
        }
    }
    p[o] = '\0';
    return p;
}

/* ---- sites of one value ---- */

static bool is_number(const af_value *v)
{
    return v->kind == AF_V_INT || v->kind == AF_V_NUMBER;
}

static void scalar_sites(nctx *n, site_at at, uint32_t arg, af_value *v,
                         af_idx i, const char *ptr)
{
    const af_schema *s = af_gen_view(n->x->g, i);
    uint32_t t = af_gen_types(s);
    bool is_scalar = !(t & (AF_TYPE_ARRAY | AF_TYPE_OBJECT));
    if (at == AT_PARAM && !(t & AF_TYPE_STRING) && is_scalar)
        add(n, AF_VIOL_PARAM_TYPE, at, arg, v, i, ptr, 0);
    else if (at == AT_BODY && s->flags & AF_SCHEMA_HAS_TYPE &&
             (t & AF_TYPE_ANY) != AF_TYPE_ANY)
        add(n, AF_VIOL_TYPE, at, arg, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_HAS_ENUM)
        add(n, AF_VIOL_ENUM, at, arg, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_HAS_CONST)
        add(n, AF_VIOL_CONST, at, arg, v, i, ptr, 0);
    if (is_number(v)) {
        if (s->flags & AF_SCHEMA_HAS_MINIMUM)
            add(n, AF_VIOL_MINIMUM, at, arg, v, i, ptr, 0);
        if (s->flags & AF_SCHEMA_HAS_MAXIMUM)
            add(n, AF_VIOL_MAXIMUM, at, arg, v, i, ptr, 0);
        if (s->flags & AF_SCHEMA_HAS_MULTIPLE)
            add(n, AF_VIOL_MULTIPLE_OF, at, arg, v, i, ptr, 0);
    }
    if (v->kind == AF_V_STRING) {
        if (s->min_length > (at == AT_PARAM ? 1u : 0u))
            add(n, AF_VIOL_MIN_LENGTH, at, arg, v, i, ptr, 0);
        if (s->max_length < 4096)
            add(n, AF_VIOL_MAX_LENGTH, at, arg, v, i, ptr, 0);
        if (s->pattern_re != NULL)
            add(n, AF_VIOL_PATTERN, at, arg, v, i, ptr, 0);
        if (af_gen_format_bad(s->format) != NULL)
            add(n, AF_VIOL_FORMAT, at, arg, v, i, ptr, 0);
    }
}

static bool is_false_schema(const af_gen *g, af_idx i)
{
    return i != AF_NONE && (af_gen_view(g, i)->flags & AF_SCHEMA_FALSE);
}

static af_idx member_schema(const af_schema *s, const char *name)
{
    for (uint32_t k = 0; k < s->n_props; k++)
        if (strcmp(s->props[k].name, name) == 0)
            return s->props[k].schema;
    if (s->n_pattern_props > 0)
        return AF_NONE; /* several schemas may apply: not descended */
    return s->additional_properties;
}

static void value_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth);

static void object_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                         unsigned depth)
{
    af_arena *a = n->x->a;
    const af_schema *s = af_gen_view(n->x->g, i);
    for (uint32_t k = 0; k < v->u.obj.n; k++) {
        const char *name = v->u.obj.members[k].name;
        for (uint32_t r = 0; r < s->n_required; r++)
            if (strcmp(s->required[r], name) == 0)
                add(n, AF_VIOL_REQUIRED, AT_BODY, 0, v, i, ptr, k);
    }
    if (is_false_schema(n->x->g, s->additional_properties))
        add(n, AF_VIOL_ADDITIONAL, AT_BODY, 0, v, i, ptr, 0);
    if (s->min_properties > 0)
        add(n, AF_VIOL_MIN_PROPERTIES, AT_BODY, 0, v, i, ptr, 0);
    if (s->max_properties < 64)
        add(n, AF_VIOL_MAX_PROPERTIES, AT_BODY, 0, v, i, ptr, 0);
    for (uint32_t k = 0; k < v->u.obj.n; k++) {
        af_member *m = &v->u.obj.members[k];
        af_idx c = member_schema(s, m->name);
        if (c != AF_NONE)
            value_sites(n, &m->value, c, escape(a, ptr, m->name), depth + 1);
    }
}

static void array_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth)
{
    const af_schema *s = af_gen_view(n->x->g, i);
    if (s->min_items > 0)
        add(n, AF_VIOL_MIN_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    if (s->max_items < 64 && !(s->flags & AF_SCHEMA_UNIQUE_ITEMS))
        add(n, AF_VIOL_MAX_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_UNIQUE_ITEMS && v->u.arr.n > 0)
        add(n, AF_VIOL_UNIQUE_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    for (uint32_t k = 0; k < v->u.arr.n && n->n < MAX_SITES; k++) {
        af_idx c = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        if (c != AF_NONE)
            value_sites(n, &v->u.arr.items[k], c,
                        af_arena_printf(n->x->a, "%s/%u", ptr, k), depth + 1);
    }
}

static void value_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth)
{
    if (ptr == NULL || v->kind == AF_V_BACKREF || depth > AF_GEN_MAX_DEPTH)
        return;
    scalar_sites(n, AT_BODY, 0, v, i, ptr);
    if (v->kind == AF_V_OBJECT)
        object_sites(n, v, i, ptr, depth);
    else if (v->kind == AF_V_ARRAY)
        array_sites(n, v, i, ptr, depth);
}

/* ---- sites of a call ---- */

static bool has_wildcard(const af_body *b)
{
    for (uint32_t k = 0; k < b->n_media; k++)
        if (strchr(b->media[k].type, '*') != NULL)
            return true;
    return false;
}

static bool needs_auth(const af_operation *op)
{
    for (uint32_t k = 0; k < op->n_security; k++)
        if (op->security[k].n_schemes == 0)
            return false;
    return op->n_security > 0;
}

static void call_sites(nctx *n)
{
    af_arena *a = n->x->a;
    const af_operation *op = n->op;
    af_call *call = n->call;
    for (uint32_t j = 0; j < call->n_args; j++) {
        const af_param *p = &op->params[j];
        af_arg *arg = &call->args[j];
        char *ptr = escape(a, in_name(p->in), p->name);
        if (ptr != NULL)
            ptr = af_arena_printf(a, "/%s", ptr);
        if (p->is_required)
            add(n, AF_VIOL_MISSING_PARAM, AT_CALL, j, NULL, AF_NONE, ptr, 0);
        if (arg->is_present && arg->value.kind != AF_V_BACKREF)
            scalar_sites(n, AT_PARAM, j, &arg->value, p->schema, ptr);
    }
    const af_body *b = op->body;
    if (b != NULL && b->is_required)
        add(n, AF_VIOL_MISSING_BODY, AT_CALL, 0, NULL, AF_NONE, "/body", 0);
    if (call->body != NULL && call->media >= 0) {
        const af_media *m = &b->media[call->media];
        if (strstr(m->type, "json") != NULL)
            add(n, AF_VIOL_MALFORMED_BODY, AT_CALL, 0, NULL, AF_NONE, "/body",
                0);
        if (!has_wildcard(b))
            add(n, AF_VIOL_CONTENT_TYPE, AT_CALL, 0, NULL, AF_NONE,
                "/header/Content-Type", 0);
        if (m->schema != AF_NONE)
            value_sites(n, call->body, m->schema, "/body", 0);
    }
    if (needs_auth(op) && call->n_creds > 0) {
        const char *name = n->x->g->model->schemes[call->creds[0].scheme].name;
        const char *ptr = escape(a, "/auth", name);
        add(n, AF_VIOL_AUTH_MISSING, AT_CALL, 0, NULL, AF_NONE, ptr, 0);
        add(n, AF_VIOL_AUTH_CORRUPT, AT_CALL, 0, NULL, AF_NONE, ptr, 0);
    }
}

/* ---- applying a violation ---- */

static void set_string(af_value *v, const char *s, size_t len)
{
    memset(&v->u, 0, sizeof v->u);
    v->kind = AF_V_STRING;
    v->u.str.s = s;
    v->u.str.len = len;
}

static bool apply_type(nctx *n, const site *st, const af_schema *s)
{
    uint32_t allowed = af_gen_types(s);
    static const uint32_t order[] = {
        AF_TYPE_STRING, AF_TYPE_INTEGER, AF_TYPE_NUMBER, AF_TYPE_BOOLEAN,
        AF_TYPE_NULL,   AF_TYPE_OBJECT,  AF_TYPE_ARRAY};
    uint32_t list[7], count = 0;
    for (int k = 0; k < 7; k++)
        if (!(allowed & order[k]))
            list[count++] = order[k];
    if (count == 0)
        return false;
    af_value *v = st->v;
    memset(&v->u, 0, sizeof v->u);
    switch (st->at == AT_PARAM ? AF_TYPE_STRING : list[n->variant % count]) {
    case AF_TYPE_STRING:
        set_string(v, "apifuzz", 7);
        break;
    case AF_TYPE_INTEGER:
        v->kind = AF_V_INT;
        break;
    case AF_TYPE_NUMBER:
        v->kind = AF_V_NUMBER;
        v->u.d = 0.5;
        break;
    case AF_TYPE_BOOLEAN:
        v->kind = AF_V_BOOL;
        v->u.b = true;
        break;
    case AF_TYPE_NULL:
        v->kind = AF_V_NULL;
        break;
    case AF_TYPE_OBJECT:
        v->kind = AF_V_OBJECT;
        break;
    default:
        v->kind = AF_V_ARRAY;
        break;
    }
    return true;
}

/* A number beyond the bound (below when is_low), a multiple of
   multipleOf where there is one. */
static bool apply_bound(const site *st, const af_schema *s, bool is_low)
{
    double b = is_low ? s->minimum : s->maximum;
    bool ex = (s->flags &
               (is_low ? AF_SCHEMA_EXCL_MINIMUM : AF_SCHEMA_EXCL_MAXIMUM)) != 0;
    double m = s->flags & AF_SCHEMA_HAS_MULTIPLE ? s->multiple_of : 0;
    bool is_int = !(af_gen_types(s) & AF_TYPE_NUMBER) ||
                  (s->types & AF_TYPE_INTEGER && !(s->types & AF_TYPE_NUMBER));
    double step = m > 0 ? m : is_int ? 1 : 1;
    double k = is_low ? (ex ? floor(b / step) : ceil(b / step) - 1)
                      : (ex ? ceil(b / step) : floor(b / step) + 1);
    double d = k * step;
    if (!isfinite(d) || fabs(d) >= 9.0e18)
        return false;
    if (is_int && d == floor(d)) {
        st->v->kind = AF_V_INT;
        st->v->u.i = (int64_t)d;
    } else {
        st->v->kind = AF_V_NUMBER;
        st->v->u.d = d;
    }
    return true;
}

static bool apply_multiple(const site *st, const af_schema *s)
{
    double m = s->multiple_of;
    af_value *v = st->v;
    double d = v->kind == AF_V_INT ? (double)v->u.i : v->u.d;
    bool is_int = !(af_gen_types(s) & AF_TYPE_NUMBER) ||
                  (s->types & AF_TYPE_INTEGER && !(s->types & AF_TYPE_NUMBER));
    if (is_int) {
        if (!(m > 1) || fabs(d) >= 9.0e15)
            return false;
        v->kind = AF_V_INT;
        v->u.i = (int64_t)d + 1;
        return true;
    }
    v->kind = AF_V_NUMBER;
    v->u.d = d + m / 2;
    if (!isfinite(v->u.d) || v->u.d == d)
        return false;
    return true;
}

/* The byte length of the first n code points of s. */
static size_t cp_bytes(const char *s, size_t len, size_t n)
{
    size_t k = 0;
    for (size_t cps = 0; k < len; k++) {
        if (((unsigned char)s[k] & 0xc0) != 0x80 && cps++ == n)
            break;
    }
    return k;
}

static bool apply_length(nctx *n, const site *st, const af_schema *s,
                         bool is_short)
{
    af_value *v = st->v;
    size_t want = is_short ? s->min_length - 1 : (size_t)s->max_length + 1;
    size_t have = af_gen_utf8_len(v->u.str.s, v->u.str.len);
    if (is_short) {
        v->u.str.len = cp_bytes(v->u.str.s, v->u.str.len, want);
        return true;
    }
    size_t extra = want > have ? want - have : 0;
    char *p = af_arena_alloc(n->x->a, v->u.str.len + extra + 1);
    if (p == NULL)
        return false;
    memcpy(p, v->u.str.s, v->u.str.len);
    memset(p + v->u.str.len, 'a', extra);
    p[v->u.str.len + extra] = '\0';
    set_string(v, p, v->u.str.len + extra);
    return true;
}

static bool apply_pattern(nctx *n, const site *st, const af_schema *s)
{
    static const char fill[] = "! ~-0aA_.";
    size_t len = st->v->u.str.len;
    if (len < s->min_length)
        len = s->min_length;
    if (s->max_length != AF_UNBOUNDED && len > s->max_length)
        len = s->max_length;
    char *p = af_arena_alloc(n->x->a, len + 1);
    if (p == NULL)
        return false;
    for (size_t f = 0; f < sizeof fill - 1; f++) {
        memset(p, fill[(f + n->variant) % (sizeof fill - 1)], len);
        p[len] = '\0';
        if (af_pattern_match(s->pattern_re, p, len) == 0) {
            set_string(st->v, p, len);
            return true;
        }
    }
    return false;
}

static bool in_values(const af_schema *s, const af_value *v)
{
    if (s->flags & AF_SCHEMA_HAS_CONST &&
        af_value_equal_json(v, s->const_value))
        return true;
    if (!(s->flags & AF_SCHEMA_HAS_ENUM) || s->enum_values == NULL)
        return false;
    for (const cJSON *e = s->enum_values->child; e != NULL; e = e->next)
        if (af_value_equal_json(v, e))
            return true;
    return false;
}

/* A value of the same type outside enum/const. */
static bool apply_enum(nctx *n, const site *st, const af_schema *s)
{
    af_value *v = st->v;
    for (int t = 0; t < 64; t++) {
        if (v->kind == AF_V_STRING) {
            char *p = af_arena_printf(n->x->a, "%.*s~", (int)v->u.str.len,
                                      v->u.str.s);
            if (p == NULL)
                return false;
            set_string(v, p, strlen(p));
        } else if (v->kind == AF_V_INT && v->u.i < INT64_MAX) {
            v->u.i++;
        } else if (v->kind == AF_V_NUMBER) {
            v->u.d += 0.5;
        } else if (v->kind == AF_V_BOOL) {
            v->u.b = !v->u.b;
        } else {
            set_string(v, "apifuzz", 7);
        }
        if (!in_values(s, v))
            return true;
    }
    return false;
}

static bool is_required_name(const af_schema *s, const char *name)
{
    for (uint32_t r = 0; r < s->n_required; r++)
        if (strcmp(s->required[r], name) == 0)
            return true;
    return false;
}

/* Members kept: all but `drop` (UINT32_MAX: none), and only required
   ones past `keep_optional` optional ones. */
static bool filter_members(nctx *n, af_value *v, const af_schema *s,
                           uint32_t drop, uint32_t limit)
{
    af_member *m = af_arena_alloc(n->x->a, (v->u.obj.n + 1) * sizeof *m);
    if (m == NULL)
        return false;
    uint32_t count = 0, n_req = 0;
    for (uint32_t k = 0; k < v->u.obj.n; k++)
        n_req += is_required_name(s, v->u.obj.members[k].name);
    if (limit != UINT32_MAX && n_req > limit)
        return false;
    uint32_t optional_left = limit == UINT32_MAX ? UINT32_MAX : limit - n_req;
    for (uint32_t k = 0; k < v->u.obj.n; k++) {
        const af_member *mk = &v->u.obj.members[k];
        if (k == drop)
            continue;
        if (!is_required_name(s, mk->name)) {
            if (optional_left == 0)
                continue;
            optional_left--;
        }
        m[count++] = *mk;
    }
    v->u.obj.members = m;
    v->u.obj.n = count;
    return true;
}

/* Adds members until the object has `want` (named apifuzz_extra...). */
static bool add_members(nctx *n, af_value *v, const af_schema *s, uint32_t want)
{
    uint32_t have = v->u.obj.n;
    if (want <= have)
        want = have + 1;
    af_member *m =
        af_arena_grow(n->x->a, v->u.obj.members, have, want, sizeof *m);
    if (m == NULL)
        return false;
    for (uint32_t k = have; k < want; k++) {
        memset(&m[k], 0, sizeof m[k]);
        m[k].name = af_arena_printf(n->x->a, "apifuzz_extra_%u", k - have);
        m[k].value.start = m[k].value.end = v->end;
        m[k].value.schema = AF_NONE;
        bool clash = m[k].name == NULL;
        for (uint32_t j = 0; j < s->n_props && !clash; j++)
            clash = strcmp(s->props[j].name, m[k].name) == 0;
        if (clash)
            return false;
    }
    v->u.obj.members = m;
    v->u.obj.n = want;
    return true;
}

static bool resize_items(nctx *n, af_value *v, const af_schema *s,
                         uint32_t want)
{
    if (want <= v->u.arr.n) {
        v->u.arr.n = want;
        return true;
    }
    af_value *it =
        af_arena_grow(n->x->a, v->u.arr.items, v->u.arr.n, want, sizeof *it);
    if (it == NULL)
        return false;
    for (uint32_t k = v->u.arr.n; k < want; k++) {
        af_idx c = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        if (af_gen_value_derived(n->x, c, v->start, k + 1, &it[k]) < 0)
            return false;
        af_gen_collapse(&it[k], v->end);
    }
    v->u.arr.items = it;
    v->u.arr.n = want;
    return true;
}

static bool apply_unique(nctx *n, af_value *v)
{
    uint32_t len = v->u.arr.n;
    af_value *it = af_arena_alloc(n->x->a, (len + 2) * sizeof *it);
    if (it == NULL || len == 0)
        return false;
    memcpy(it, v->u.arr.items, len * sizeof *it);
    /* The copy keeps the place of the item it replaces (or an empty span
       at the array's end), so spans stay ordered. */
    uint32_t at = len >= 2 ? it[1].start : v->end;
    it[1] = it[0];
    af_gen_collapse(&it[1], at);
    if (len >= 2)
        it[1].end = v->u.arr.items[1].end;
    else
        len = 2;
    v->u.arr.items = it;
    v->u.arr.n = len;
    return true;
}

static bool apply_value(nctx *n, const site *st)
{
    const af_schema *s = af_gen_view(n->x->g, st->schema);
    af_value *v = st->v;
    switch (st->kind) {
    case AF_VIOL_TYPE:
    case AF_VIOL_PARAM_TYPE:
        return apply_type(n, st, s);
    case AF_VIOL_MINIMUM:
    case AF_VIOL_MAXIMUM:
        return apply_bound(st, s, st->kind == AF_VIOL_MINIMUM);
    case AF_VIOL_MULTIPLE_OF:
        return apply_multiple(st, s);
    case AF_VIOL_MIN_LENGTH:
    case AF_VIOL_MAX_LENGTH:
        return apply_length(n, st, s, st->kind == AF_VIOL_MIN_LENGTH);
    case AF_VIOL_PATTERN:
        return apply_pattern(n, st, s);
    case AF_VIOL_FORMAT: {
        const char *bad = af_gen_format_bad(s->format);
        set_string(v, bad, strlen(bad));
        return true;
    }
    case AF_VIOL_ENUM:
    case AF_VIOL_CONST:
        return apply_enum(n, st, s);
    case AF_VIOL_REQUIRED:
        return filter_members(n, v, s, st->member, UINT32_MAX);
    case AF_VIOL_ADDITIONAL:
        return add_members(n, v, s, v->u.obj.n + 1);
    case AF_VIOL_MIN_PROPERTIES:
        return filter_members(n, v, s, UINT32_MAX, s->min_properties - 1);
    case AF_VIOL_MAX_PROPERTIES:
        return add_members(n, v, s, s->max_properties + 1);
    case AF_VIOL_MIN_ITEMS:
        return resize_items(n, v, s, s->min_items - 1);
    case AF_VIOL_MAX_ITEMS:
        return resize_items(n, v, s, s->max_items + 1);
    case AF_VIOL_UNIQUE_ITEMS:
        return apply_unique(n, v);
    default:
        return false;
    }
}

static bool apply_call(nctx *n, const site *st)
{
    af_call *call = n->call;
    static const char *const malformed[] = {
        "{", "[1,", "{\"a\" 1}", "nul", "\"unterminated", "{}}"};
    switch (st->kind) {
    case AF_VIOL_MISSING_PARAM: {
        af_arg *args =
            af_arena_memdup(n->x->a, call->args, call->n_args * sizeof *args);
        if (args == NULL)
            return false;
        args[st->arg].is_present = false;
        call->args = args;
        return true;
    }
    case AF_VIOL_MISSING_BODY:
        call->body = NULL;
        call->media = -1;
        call->content_type = NULL;
        return true;
    case AF_VIOL_MALFORMED_BODY: {
        af_value *raw = af_arena_calloc(n->x->a, 1, sizeof *raw);
        if (raw == NULL)
            return false;
        const char *text = malformed[n->variant % 6];
        *raw = *call->body;
        set_string(raw, text, strlen(text));
        raw->kind = AF_V_RAW;
        call->body = raw;
        return true;
    }
    case AF_VIOL_CONTENT_TYPE:
        call->content_type = "application/x-apifuzz-unknown";
        return true;
    case AF_VIOL_AUTH_MISSING:
        call->n_creds = 0;
        return true;
    default: { /* AF_VIOL_AUTH_CORRUPT */
        af_cred *c = af_arena_alloc(n->x->a, call->n_creds * sizeof *c);
        if (c == NULL)
            return false;
        for (uint32_t k = 0; k < call->n_creds; k++) {
            c[k] = call->creds[k];
            c[k].value = "apifuzz-corrupt-credential";
            c[k].is_corrupt = true;
        }
        call->creds = c;
        return true;
    }
    }
}

/* Whether the applied violation makes the request invalid. */
static bool is_real(nctx *n, const site *st)
{
    const af_gen *g = n->x->g;
    if (st->at == AT_CALL)
        return true;
    if (st->kind == AF_VIOL_FORMAT)
        return st->v->kind == AF_V_STRING &&
               !af_gen_format_check(af_gen_view(g, st->schema)->format,
                                    st->v->u.str.s, st->v->u.str.len);
    if (st->at == AT_PARAM)
        return !af_gen_match(g, n->op->params[st->arg].schema, st->v, true);
    af_idx root = n->op->body->media[n->call->media].schema;
    return !af_gen_match(g, root, n->call->body, true);
}

static const char *keyword(af_violation_kind k, const af_schema *s)
{
    switch (k) {
    case AF_VIOL_TYPE:
    case AF_VIOL_PARAM_TYPE:
        return "type";
    case AF_VIOL_MINIMUM:
        return s->flags & AF_SCHEMA_EXCL_MINIMUM ? "exclusiveMinimum"
                                                 : "minimum";
    case AF_VIOL_MAXIMUM:
        return s->flags & AF_SCHEMA_EXCL_MAXIMUM ? "exclusiveMaximum"
                                                 : "maximum";
    case AF_VIOL_MULTIPLE_OF:
        return "multipleOf";
    case AF_VIOL_MIN_LENGTH:
        return "minLength";
    case AF_VIOL_MAX_LENGTH:
        return "maxLength";
    case AF_VIOL_MIN_ITEMS:
        return "minItems";
    case AF_VIOL_MAX_ITEMS:
        return "maxItems";
    case AF_VIOL_UNIQUE_ITEMS:
        return "uniqueItems";
    case AF_VIOL_MIN_PROPERTIES:
        return "minProperties";
    case AF_VIOL_MAX_PROPERTIES:
        return "maxProperties";
    case AF_VIOL_ADDITIONAL:
        return "additionalProperties";
    default:
        return af_violation_name(k); /* pattern, format, enum, const,
                                        required */
    }
}

static const char *schema_pointer(nctx *n, const site *st)
{
    af_arena *a = n->x->a;
    const af_operation *op = n->op;
    switch (st->kind) {
    case AF_VIOL_MISSING_PARAM:
        return af_arena_printf(a, "%s/required", op->params[st->arg].pointer);
    case AF_VIOL_MISSING_BODY:
        return af_arena_printf(a, "%s/required", op->body->pointer);
    case AF_VIOL_MALFORMED_BODY:
    case AF_VIOL_CONTENT_TYPE:
        return af_arena_printf(a, "%s/content", op->body->pointer);
    case AF_VIOL_AUTH_MISSING:
    case AF_VIOL_AUTH_CORRUPT:
        return af_arena_printf(a, "%s/security", op->pointer);
    default: {
        const af_schema *s = af_gen_view(n->x->g, st->schema);
        return af_arena_printf(a, "%s/%s", s->pointer ? s->pointer : "",
                               keyword(st->kind, s));
    }
    }
}

int af_gen_negative(af_gctx *x, af_call *call)
{
    nctx n = {.x = x, .call = call, .op = &x->g->model->ops[call->op]};
    uint32_t pick = (uint32_t)af_choice_index(x->c, 65536);
    n.variant = (uint8_t)af_choice_index(x->c, 256);
    n.sites = af_arena_alloc(x->a, MAX_SITES * sizeof *n.sites);
    if (n.sites == NULL)
        return af_gen_oom(x);
    call_sites(&n);
    for (uint32_t t = 0; t < n.n; t++) {
        const site *st = &n.sites[(pick + t) % n.n];
        af_call saved_call = *call;
        af_value saved = st->v != NULL ? *st->v : (af_value){0};
        bool ok = st->at == AT_CALL ? apply_call(&n, st) : apply_value(&n, st);
        if (ok && is_real(&n, st)) {
            call->violation.kind = st->kind;
            call->violation.is_soft = st->kind == AF_VIOL_FORMAT;
            call->violation.request_pointer = st->ptr;
            call->violation.schema_pointer = schema_pointer(&n, st);
            return x->status;
        }
        *call = saved_call;
        if (st->v != NULL)
            *st->v = saved;
    }
    call->is_negative = false; /* nothing here can be violated */
    return x->status;
}
