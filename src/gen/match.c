/*
 * match.c - the generator's own structural matcher over decoded values,
 * JSON equality of values, and values from cJSON trees.
 *
 * The matcher keeps oneOf values exclusive, `not` values outside, and
 * negative-mode violations real. It is sound for "does not match": every
 * keyword it cannot judge (formats, $dynamicRef scope, unevaluated*,
 * meta-schema checks, a pattern over its match limit) is taken as
 * satisfied, so a value it rejects is rejected by any correct validator;
 * formats are left to the callers that need them (af_gen_format_check).
 * Numbers follow validators' exact rules: multipleOf holds when v / m is
 * an integer in double arithmetic, 1 and 1.0 are equal.
 *
 * Recursion is bounded (MATCH_MAX_DEPTH): past it a value matches.
 */
#include "gen/gen_internal.h"

#include <math.h>
#include <string.h>

#include "spec/pattern.h"

#define MATCH_MAX_DEPTH 64

size_t af_gen_utf8_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t k = 0; k < len; k++)
        n += ((unsigned char)s[k] & 0xc0) != 0x80;
    return n;
}

static const af_value *deref(const af_value *v)
{
    while (v->kind == AF_V_BACKREF && v->u.ref.fallback != NULL)
        v = v->u.ref.fallback;
    return v;
}

uint32_t af_gen_value_type(const af_value *v)
{
    v = deref(v);
    switch (v->kind) {
    case AF_V_NULL:
        return AF_TYPE_NULL;
    case AF_V_BOOL:
        return AF_TYPE_BOOLEAN;
    case AF_V_INT:
        return AF_TYPE_INTEGER;
    case AF_V_NUMBER:
        return v->u.d == floor(v->u.d) && isfinite(v->u.d) ? AF_TYPE_INTEGER
                                                           : AF_TYPE_NUMBER;
    case AF_V_STRING:
        return AF_TYPE_STRING;
    case AF_V_ARRAY:
        return AF_TYPE_ARRAY;
    case AF_V_OBJECT:
        return AF_TYPE_OBJECT;
    default:
        return 0; /* raw bytes: no JSON type */
    }
}

static bool is_number(const af_value *v)
{
    return v->kind == AF_V_INT || v->kind == AF_V_NUMBER;
}

static double num(const af_value *v)
{
    return v->kind == AF_V_INT ? (double)v->u.i : v->u.d;
}

static const af_value *member(const af_value *o, const char *name)
{
    for (uint32_t k = 0; k < o->u.obj.n; k++)
        if (strcmp(o->u.obj.members[k].name, name) == 0)
            return &o->u.obj.members[k].value;
    return NULL;
}

bool af_value_equal(const af_value *a, const af_value *b)
{
    a = deref(a);
    b = deref(b);
    if (is_number(a) && is_number(b)) {
        if (a->kind == AF_V_INT && b->kind == AF_V_INT)
            return a->u.i == b->u.i;
        return num(a) == num(b);
    }
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case AF_V_BOOL:
        return a->u.b == b->u.b;
    case AF_V_STRING:
    case AF_V_RAW:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case AF_V_ARRAY:
        if (a->u.arr.n != b->u.arr.n)
            return false;
        for (uint32_t k = 0; k < a->u.arr.n; k++)
            if (!af_value_equal(&a->u.arr.items[k], &b->u.arr.items[k]))
                return false;
        return true;
    case AF_V_OBJECT:
        if (a->u.obj.n != b->u.obj.n)
            return false;
        for (uint32_t k = 0; k < a->u.obj.n; k++) {
            const af_value *o = member(b, a->u.obj.members[k].name);
            if (o == NULL || !af_value_equal(&a->u.obj.members[k].value, o))
                return false;
        }
        return true;
    default:
        return true; /* null */
    }
}

bool af_value_equal_json(const af_value *a, const cJSON *j)
{
    a = deref(a);
    if (j == NULL)
        return false;
    if (cJSON_IsNumber(j))
        return is_number(a) && num(a) == j->valuedouble &&
               (a->kind != AF_V_INT || fabs(j->valuedouble) >= 9.0e15 ||
                a->u.i == (int64_t)j->valuedouble);
    if (cJSON_IsString(j))
        return a->kind == AF_V_STRING &&
               a->u.str.len == strlen(j->valuestring) &&
               memcmp(a->u.str.s, j->valuestring, a->u.str.len) == 0;
    if (cJSON_IsBool(j))
        return a->kind == AF_V_BOOL && a->u.b == cJSON_IsTrue(j);
    if (cJSON_IsNull(j))
        return a->kind == AF_V_NULL;
    if (cJSON_IsArray(j)) {
        if (a->kind != AF_V_ARRAY || (int)a->u.arr.n != cJSON_GetArraySize(j))
            return false;
        uint32_t k = 0;
        for (const cJSON *e = j->child; e != NULL; e = e->next, k++)
            if (!af_value_equal_json(&a->u.arr.items[k], e))
                return false;
        return true;
    }
    if (a->kind != AF_V_OBJECT || (int)a->u.obj.n != cJSON_GetArraySize(j))
        return false;
    for (const cJSON *e = j->child; e != NULL; e = e->next) {
        const af_value *o = member(a, e->string);
        if (o == NULL || !af_value_equal_json(o, e))
            return false;
    }
    return true;
}

int af_gen_from_json(af_arena *a, const cJSON *j, af_idx schema, af_value *out)
{
    memset(out, 0, sizeof *out);
    out->schema = schema;
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        bool is_int = d == floor(d) && fabs(d) < 9.0e18;
        out->kind = is_int ? AF_V_INT : AF_V_NUMBER;
        if (is_int)
            out->u.i = (int64_t)d;
        else
            out->u.d = d;
    } else if (cJSON_IsString(j)) {
        out->kind = AF_V_STRING;
        out->u.str.s = j->valuestring;
        out->u.str.len = strlen(j->valuestring);
    } else if (cJSON_IsBool(j)) {
        out->kind = AF_V_BOOL;
        out->u.b = cJSON_IsTrue(j);
    } else if (cJSON_IsArray(j)) {
        int n = cJSON_GetArraySize(j);
        out->kind = AF_V_ARRAY;
        out->u.arr.items =
            af_arena_alloc(a, ((size_t)n + 1) * sizeof(af_value));
        if (out->u.arr.items == NULL)
            return AF_ENOMEM;
        for (const cJSON *e = j->child; e != NULL; e = e->next)
            if (af_gen_from_json(a, e, AF_NONE,
                                 &out->u.arr.items[out->u.arr.n++]) < 0)
                return AF_ENOMEM;
    } else if (cJSON_IsObject(j)) {
        int n = cJSON_GetArraySize(j);
        out->kind = AF_V_OBJECT;
        out->u.obj.members =
            af_arena_alloc(a, ((size_t)n + 1) * sizeof(af_member));
        if (out->u.obj.members == NULL)
            return AF_ENOMEM;
        for (const cJSON *e = j->child; e != NULL; e = e->next) {
            af_member *m = &out->u.obj.members[out->u.obj.n++];
            m->name = e->string;
            if (af_gen_from_json(a, e, AF_NONE, &m->value) < 0)
                return AF_ENOMEM;
        }
    } else {
        out->kind = AF_V_NULL;
    }
    return 0;
}

/* ---- the matcher ---- */

typedef struct mctx {
    const af_gen *g;
    bool is_request;
    unsigned depth;
} mctx;

static bool match(mctx *m, af_idx i, const af_value *v);

static bool match_type(const af_schema *s, const af_value *v)
{
    uint32_t t = af_gen_value_type(v);
    if (t == 0)
        return false;
    if (!(s->flags & AF_SCHEMA_HAS_TYPE))
        return true;
    uint32_t allowed = af_gen_types(s);
    if (t == AF_TYPE_NUMBER)
        return (allowed & AF_TYPE_NUMBER) != 0;
    if (t == AF_TYPE_INTEGER)
        return (allowed & (AF_TYPE_INTEGER | AF_TYPE_NUMBER)) != 0;
    return (allowed & t) != 0;
}

static bool match_enum(const af_schema *s, const af_value *v)
{
    if (s->flags & AF_SCHEMA_HAS_CONST &&
        !af_value_equal_json(v, s->const_value))
        return false;
    if (!(s->flags & AF_SCHEMA_HAS_ENUM) || s->enum_values == NULL)
        return true;
    if (v->kind == AF_V_NULL && s->flags & AF_SCHEMA_NULLABLE)
        return true;
    for (const cJSON *e = s->enum_values->child; e != NULL; e = e->next)
        if (af_value_equal_json(v, e))
            return true;
    return false;
}

static bool match_number(const af_schema *s, const af_value *v)
{
    double d = num(v);
    if (s->flags & AF_SCHEMA_HAS_MINIMUM &&
        (d < s->minimum ||
         (s->flags & AF_SCHEMA_EXCL_MINIMUM && d == s->minimum)))
        return false;
    if (s->flags & AF_SCHEMA_HAS_MAXIMUM &&
        (d > s->maximum ||
         (s->flags & AF_SCHEMA_EXCL_MAXIMUM && d == s->maximum)))
        return false;
    if (s->flags & AF_SCHEMA_HAS_MULTIPLE && s->multiple_of > 0) {
        double m = s->multiple_of;
        if (v->kind == AF_V_INT && m == floor(m) && m < 9.0e18)
            return v->u.i % (int64_t)m == 0;
        double q = d / m;
        if (isfinite(q) && q != floor(q))
            return false;
    }
    return true;
}

static bool match_string(const af_schema *s, const af_value *v)
{
    size_t n = af_gen_utf8_len(v->u.str.s, v->u.str.len);
    if (n < s->min_length ||
        (s->max_length != AF_UNBOUNDED && n > s->max_length))
        return false;
    if (s->pattern_re != NULL &&
        af_pattern_match(s->pattern_re, v->u.str.s, v->u.str.len) == 0)
        return false;
    return true;
}

static bool match_array(mctx *m, const af_schema *s, const af_value *v)
{
    uint32_t n = v->u.arr.n;
    if (n < s->min_items || (s->max_items != AF_UNBOUNDED && n > s->max_items))
        return false;
    for (uint32_t k = 0; k < n; k++) {
        const af_value *it = &v->u.arr.items[k];
        af_idx sch = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        if (sch != AF_NONE && !match(m, sch, it))
            return false;
        if (s->flags & AF_SCHEMA_UNIQUE_ITEMS)
            for (uint32_t j = 0; j < k; j++)
                if (af_value_equal(&v->u.arr.items[j], it))
                    return false;
    }
    if (s->contains != AF_NONE) {
        uint32_t hits = 0;
        for (uint32_t k = 0; k < n; k++)
            hits += match(m, s->contains, &v->u.arr.items[k]);
        if (hits < s->min_contains ||
            (s->max_contains != AF_UNBOUNDED && hits > s->max_contains))
            return false;
    }
    return true;
}

static bool match_member(mctx *m, const af_schema *s, const af_member *mb)
{
    const char *name = mb->name;
    bool is_known = false;
    for (uint32_t k = 0; k < s->n_props; k++) {
        if (strcmp(s->props[k].name, name) != 0)
            continue;
        is_known = true;
        af_idx p = s->props[k].schema;
        if (m->is_request && !m->g->opts.keep_read_only &&
            (af_gen_raw(m->g, p)->flags & AF_SCHEMA_READ_ONLY))
            return false;
        if (!match(m, p, &mb->value))
            return false;
    }
    for (uint32_t k = 0; k < s->n_pattern_props; k++) {
        const void *re = s->pattern_props[k].re;
        if (re == NULL || af_pattern_match(re, name, strlen(name)) != 1)
            continue;
        is_known = true;
        if (!match(m, s->pattern_props[k].schema, &mb->value))
            return false;
    }
    if (!is_known && s->additional_properties != AF_NONE &&
        !match(m, s->additional_properties, &mb->value))
        return false;
    if (s->property_names != AF_NONE) {
        af_value key = {.kind = AF_V_STRING};
        key.u.str.s = name;
        key.u.str.len = strlen(name);
        if (!match(m, s->property_names, &key))
            return false;
    }
    return true;
}

static bool required_ok(mctx *m, const af_schema *s, const af_value *v,
                        const char *name)
{
    if (member(v, name) != NULL)
        return true;
    /* OpenAPI: a required readOnly property may be absent in requests. */
    for (uint32_t k = 0; m->is_request && k < s->n_props; k++)
        if (strcmp(s->props[k].name, name) == 0 &&
            af_gen_view(m->g, s->props[k].schema)->flags & AF_SCHEMA_READ_ONLY)
            return true;
    return false;
}

static bool match_object(mctx *m, const af_schema *s, const af_value *v)
{
    uint32_t n = v->u.obj.n;
    if (n < s->min_properties ||
        (s->max_properties != AF_UNBOUNDED && n > s->max_properties))
        return false;
    for (uint32_t k = 0; k < s->n_required; k++)
        if (!required_ok(m, s, v, s->required[k]))
            return false;
    for (uint32_t k = 0; k < n; k++)
        if (!match_member(m, s, &v->u.obj.members[k]))
            return false;
    for (uint32_t k = 0; k < s->n_dep_required; k++) {
        const af_dep_required *d = &s->dep_required[k];
        if (member(v, d->name) == NULL)
            continue;
        for (uint32_t j = 0; j < d->n_required; j++)
            if (member(v, d->required[j]) == NULL)
                return false;
    }
    for (uint32_t k = 0; k < s->n_dep_schemas; k++)
        if (member(v, s->dep_schemas[k].name) != NULL &&
            !match(m, s->dep_schemas[k].schema, v))
            return false;
    return true;
}

static bool match_composition(mctx *m, const af_schema *s, const af_value *v)
{
    for (uint32_t k = 0; k < s->n_all_of; k++)
        if (!match(m, s->all_of[k], v))
            return false;
    if (s->n_any_of > 0) {
        bool any = false;
        for (uint32_t k = 0; k < s->n_any_of && !any; k++)
            any = match(m, s->any_of[k], v);
        if (!any)
            return false;
    }
    if (s->n_one_of > 0) {
        uint32_t hits = 0;
        for (uint32_t k = 0; k < s->n_one_of && hits < 2; k++)
            hits += match(m, s->one_of[k], v);
        if (hits != 1)
            return false;
    }
    if (s->not_schema != AF_NONE && match(m, s->not_schema, v))
        return false;
    if (s->if_schema != AF_NONE) {
        af_idx next =
            match(m, s->if_schema, v) ? s->then_schema : s->else_schema;
        if (next != AF_NONE && !match(m, next, v))
            return false;
    }
    if (s->ref != AF_NONE && !match(m, s->ref, v))
        return false;
    return true;
}

static bool match(mctx *m, af_idx i, const af_value *v)
{
    if (m->depth >= MATCH_MAX_DEPTH)
        return true;
    const af_schema *s = af_gen_raw(m->g, i);
    v = deref(v);
    if (s->flags & AF_SCHEMA_FALSE)
        return false;
    if (!match_type(s, v) || !match_enum(s, v))
        return false;
    bool ok = true;
    m->depth++;
    if (is_number(v))
        ok = match_number(s, v);
    else if (v->kind == AF_V_STRING)
        ok = match_string(s, v);
    else if (v->kind == AF_V_ARRAY)
        ok = match_array(m, s, v);
    else if (v->kind == AF_V_OBJECT)
        ok = match_object(m, s, v);
    ok = ok && match_composition(m, s, v);
    m->depth--;
    return ok;
}

bool af_gen_match(const af_gen *g, af_idx i, const af_value *v, bool is_request)
{
    mctx m = {.g = g, .is_request = is_request};
    return match(&m, i, v);
}

bool af_value_matches(const af_gen *g, af_idx schema, const af_value *v)
{
    return af_gen_match(g, schema, v, true);
}
