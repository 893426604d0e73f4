/*
 * violate.c - applying one violation of negative mode (negative.c finds
 * the places and checks the result): a value of another JSON type, a
 * number past a bound or off multipleOf, a string too short, too long,
 * off its pattern, format or enum, a required member left out, members
 * added past additionalProperties or maxProperties, items removed or
 * added, a duplicate item, a value matching no oneOf branch or matching
 * `not`; at the call level: a parameter or the body left out, malformed
 * JSON, a Content-Type the operation does not take, credentials left out
 * or corrupted.
 *
 * Each keeps the other constraints where it can (a number below the
 * minimum is still a multiple of multipleOf), so the one recorded
 * violation is the one the validator reports. Nothing shared is changed
 * in place: new member and item arrays are allocated in the arena.
 */
#include "gen/negative.h"

#include <math.h>
#include <string.h>

#include "spec/pattern.h"

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
    switch (st->at == AT_PARAM || n->is_text ? AF_TYPE_STRING
                                             : list[n->variant % count]) {
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

/* A value that matches no branch of the oneOf: of the node's own type
   when one does. */
static bool apply_one_of(nctx *n, const site *st, const af_schema *s)
{
    static const uint32_t types[] = {AF_TYPE_STRING,  AF_TYPE_INTEGER,
                                     AF_TYPE_BOOLEAN, AF_TYPE_NULL,
                                     AF_TYPE_OBJECT,  AF_TYPE_ARRAY};
    uint32_t allowed = af_gen_types(s);
    for (int pass = 0; pass < 2; pass++)
        for (int t = 0; t < 6; t++) {
            uint32_t ty = types[(n->variant + t) % 6];
            if (pass == 0 && !(allowed & ty))
                continue;
            af_value v = *st->v;
            memset(&v.u, 0, sizeof v.u);
            v.kind = ty == AF_TYPE_STRING    ? AF_V_STRING
                     : ty == AF_TYPE_INTEGER ? AF_V_INT
                     : ty == AF_TYPE_BOOLEAN ? AF_V_BOOL
                     : ty == AF_TYPE_NULL    ? AF_V_NULL
                     : ty == AF_TYPE_OBJECT  ? AF_V_OBJECT
                                             : AF_V_ARRAY;
            if (v.kind == AF_V_STRING)
                v.u.str.s = "apifuzz", v.u.str.len = 7;
            uint32_t hits = 0;
            for (uint32_t k = 0; k < s->n_one_of; k++)
                hits += af_gen_match(n->x->g, s->one_of[k], &v, true);
            if (hits == 0) {
                *st->v = v;
                return true;
            }
        }
    return false;
}

/* A value the `not` schema accepts. */
static bool apply_not(nctx *n, const site *st, const af_schema *s)
{
    af_value v;
    if (af_gen_value_derived(n->x, s->not_schema, st->v->start, 1, &v) < 0)
        return false;
    af_gen_collapse(&v, st->v->start);
    v.start = st->v->start;
    v.end = st->v->end;
    v.schema = st->v->schema;
    *st->v = v;
    return true;
}

bool af_gen_violate_value(nctx *n, const site *st)
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
    case AF_VIOL_ONE_OF:
        return apply_one_of(n, st, s);
    case AF_VIOL_NOT:
        return apply_not(n, st, s);
    default:
        return false;
    }
}

bool af_gen_violate_call(nctx *n, const site *st)
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
        return af_gen_auth_violate(n->x, n->op, call, true);
    default: /* AF_VIOL_AUTH_CORRUPT */
        return af_gen_auth_violate(n->x, n->op, call, false);
    }
}
