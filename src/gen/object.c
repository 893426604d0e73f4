/*
 * object.c - positive objects and arrays.
 *
 * Objects: the names of `required` first (in that order), then each
 * optional property by a presence choice (document order), then up to
 * AF_GEN_MAX_PROPS extra members from patternProperties or
 * additionalProperties with generated keys; min/maxProperties bound the
 * count; readOnly properties are left out of requests. Arrays: a length
 * choice over [minItems, min(maxItems, minItems + AF_GEN_MAX_ITEMS)],
 * prefixItems then items; under uniqueItems a duplicate item is
 * regenerated from derived choices until it differs.
 *
 * Locality: the number of reads of an object depends on its schema and
 * its own bytes only (a presence byte is read for every optional property
 * even when a cap drops it), so a member's span can be replaced without
 * disturbing its siblings.
 */
#include "gen/gen_internal.h"

#include <stdio.h>
#include <string.h>

#include "spec/pattern.h"

static int find_member(const af_member *m, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (strcmp(m[k].name, name) == 0)
            return (int)k;
    return -1;
}

const af_prop *af_gen_find_prop(const af_schema *s, const char *name)
{
    for (uint32_t k = 0; k < s->n_props; k++)
        if (strcmp(s->props[k].name, name) == 0)
            return &s->props[k];
    return NULL;
}

uint32_t af_gen_pattern_hits(const af_schema *s, const char *name, size_t len,
                             uint32_t *first)
{
    uint32_t hits = 0;
    for (uint32_t k = 0; k < s->n_pattern_props; k++) {
        const void *re = s->pattern_props[k].re;
        if (re != NULL && af_pattern_match(re, name, len) == 1) {
            if (hits++ == 0 && first != NULL)
                *first = k;
        }
    }
    return hits;
}

bool af_gen_is_skipped(const af_gen *g, bool is_request, af_idx schema)
{
    return is_request && !g->opts.keep_read_only &&
           (af_gen_view(g, schema)->flags & AF_SCHEMA_READ_ONLY);
}

bool af_gen_is_false(const af_gen *g, af_idx schema)
{
    return schema != AF_NONE &&
           ((af_gen_view(g, schema)->flags & AF_SCHEMA_FALSE) != 0 ||
            af_gen_is_unsat(g, schema));
}

af_idx af_gen_other_schema(const af_schema *s, const char *name)
{
    uint32_t first = 0;
    if (af_gen_pattern_hits(s, name, strlen(name), &first) > 0)
        return s->pattern_props[first].schema;
    return s->additional_properties;
}

static bool is_skipped(const af_gctx *x, af_idx schema)
{
    return af_gen_is_skipped(x->g, x->is_request, schema);
}

static int gen_member(af_gctx *x, const char *name, af_idx schema, af_member *m)
{
    m->name = name;
    if (x->hook != NULL && x->depth == 1) {
        int rc = x->hook(x, name, schema, &m->value);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    return af_gen_value(x, schema, &m->value);
}

typedef struct obj_build {
    af_member *m;
    uint32_t n, cap;
    uint32_t max; /* maxProperties */
} obj_build;

static int named_members(af_gctx *x, const af_schema *s, obj_build *b)
{
    bool is_deep = x->depth + 1 >= AF_GEN_MAX_DEPTH;
    for (uint32_t k = 0; k < s->n_required; k++) {
        const char *name = s->required[k];
        const af_prop *p = af_gen_find_prop(s, name);
        af_idx sch = p != NULL ? p->schema : af_gen_other_schema(s, name);
        if (is_skipped(x, sch) || find_member(b->m, b->n, name) >= 0)
            continue;
        int rc = gen_member(x, name, sch, &b->m[b->n++]);
        if (rc < 0)
            return rc;
    }
    for (uint32_t k = 0; k < s->n_props; k++) {
        const af_prop *p = &s->props[k];
        if (p->is_required || is_skipped(x, p->schema))
            continue;
        bool is_present = af_choice_bool(x->c);
        if (!is_present || is_deep || b->n >= b->max || x->nodes_left == 0 ||
            af_gen_is_false(x->g, p->schema))
            continue;
        int rc = gen_member(x, p->name, p->schema, &b->m[b->n++]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A generated key for an additionalProperties member. */
static int extra_key(af_gctx *x, const af_schema *s, char **key, size_t *len)
{
    if (s->property_names != AF_NONE) {
        af_value v;
        int rc = af_gen_value(x, s->property_names, &v);
        if (rc < 0)
            return rc;
        if (v.kind == AF_V_STRING && memchr(v.u.str.s, 0, v.u.str.len) == 0) {
            *key = af_arena_strndup(x->a, v.u.str.s, v.u.str.len);
            *len = v.u.str.len;
            return *key != NULL ? 0 : af_gen_oom(x);
        }
    }
    bool was_ascii = x->is_ascii;
    x->is_ascii = true;
    int rc = af_gen_plain(x, 1, 16, key, len);
    x->is_ascii = was_ascii;
    for (size_t k = 0; rc == 0 && x->is_form && k < *len; k++)
        if ((*key)[k] == '[' || (*key)[k] == ']')
            (*key)[k] = (*key)[k] == '[' ? '(' : ')';
    return rc;
}

/* Whether a generated key can be used as is; a clash with another member
   is resolved by a numeric suffix when the key is free-form. */
static bool key_ok(af_gctx *x, const af_schema *s, obj_build *b, char **key,
                   bool is_pattern)
{
    const char *base = *key;
    for (int suffix = 2; suffix < 10; suffix++) {
        size_t len = strlen(*key);
        bool clash = find_member(b->m, b->n, *key) >= 0 ||
                     af_gen_find_prop(s, *key) != NULL;
        uint32_t hits = af_gen_pattern_hits(s, *key, len, NULL);
        if (!clash && hits == (is_pattern ? 1u : 0u))
            return true;
        if (is_pattern || s->property_names != AF_NONE || hits > 0)
            return false;
        char *k2 = af_arena_printf(x->a, "%s_%d", base, suffix);
        if (k2 == NULL)
            return false;
        *key = k2;
    }
    return false;
}

static int extra_member(af_gctx *x, af_idx vi, const af_schema *s, obj_build *b,
                        uint32_t n_src)
{
    const af_gen_node *node = &x->g->nodes[vi];
    uint32_t src = (uint32_t)af_choice_index(x->c, n_src);
    bool is_pattern = src < s->n_pattern_props;
    char *key = NULL;
    size_t len = 0;
    af_idx sch =
        is_pattern ? s->pattern_props[src].schema : s->additional_properties;
    int rc = 0;
    if (is_pattern && node->prop_regex != NULL && node->prop_regex[src] != NULL)
        rc = af_regex_generate(node->prop_regex[src], x->c, x->a, 32, &key,
                               &len);
    else if (!is_pattern)
        rc = extra_key(x, s, &key, &len);
    if (rc == AF_ENOMEM || x->status < 0)
        return af_gen_oom(x);
    af_member m;
    rc = af_gen_value(x, sch, &m.value);
    if (rc < 0)
        return rc;
    if (key == NULL || b->n >= b->cap || !key_ok(x, s, b, &key, is_pattern))
        return 0;
    m.name = key;
    if (s->property_names != AF_NONE) {
        af_value kv = {.kind = AF_V_STRING};
        kv.u.str.s = key;
        kv.u.str.len = strlen(key);
        if (!af_gen_match(x->g, s->property_names, &kv, x->is_request))
            return 0;
    }
    b->m[b->n++] = m;
    return 0;
}

/* Sources of extra members: each usable patternProperties entry, then
   additionalProperties unless it is false. */
static uint32_t extra_sources(const af_gen *g, const af_schema *s)
{
    uint32_t n = s->n_pattern_props;
    if (!af_gen_is_false(g, s->additional_properties) &&
        !af_gen_is_false(g, s->unevaluated_properties))
        n++;
    return n;
}

/* How many extra members: any number up to AF_GEN_MAX_PROPS where the
   schema asks for them (additionalProperties or patternProperties given),
   rarely (1 in 16) where it merely allows them, so typical request
   objects are not flooded with unknown members. */
static uint32_t extra_count(af_gctx *x, const af_schema *s)
{
    if (s->additional_properties != AF_NONE || s->n_pattern_props > 0)
        return (uint32_t)af_choice_size(x->c, AF_GEN_MAX_PROPS + 1);
    uint32_t b = (uint32_t)af_choice_index(x->c, 256);
    return b < 240 ? 0 : 1 + (b - 240) % AF_GEN_MAX_PROPS;
}

/* Optional properties left out, added with their simplest value when
   minProperties needs more members. */
static int fill_min(af_gctx *x, const af_schema *s, obj_build *b)
{
    size_t at = af_choice_pos(x->c);
    for (uint32_t k = 0; k < s->n_props && b->n < s->min_properties; k++) {
        const af_prop *p = &s->props[k];
        if (is_skipped(x, p->schema) || find_member(b->m, b->n, p->name) >= 0)
            continue;
        b->m[b->n].name = p->name;
        int rc = af_gen_value_derived(x, p->schema, at, 0, &b->m[b->n].value);
        if (rc < 0)
            return rc;
        b->n++;
    }
    return 0;
}

int af_gen_object(af_gctx *x, af_idx vi, const af_schema *s, af_value *out)
{
    uint32_t n_src = extra_sources(x->g, s);
    obj_build b = {.max = s->max_properties};
    b.cap = s->n_props + s->n_required + AF_GEN_MAX_PROPS + 1;
    b.m = af_arena_alloc(x->a, b.cap * sizeof *b.m);
    if (b.m == NULL)
        return af_gen_oom(x);
    x->depth++;
    int rc = named_members(x, s, &b);
    if (rc == 0 && n_src > 0) {
        uint32_t k = extra_count(x, s);
        if (b.n < s->min_properties && k < s->min_properties - b.n)
            k = s->min_properties - b.n;
        if (x->depth >= AF_GEN_MAX_DEPTH || x->nodes_left == 0)
            k = 0;
        for (uint32_t j = 0; j < k && rc == 0 && j < AF_GEN_MAX_PROPS; j++)
            if (b.n < b.max)
                rc = extra_member(x, vi, s, &b, n_src);
    }
    if (rc == 0 && b.n < s->min_properties)
        rc = fill_min(x, s, &b);
    x->depth--;
    out->kind = AF_V_OBJECT;
    out->u.obj.members = b.m;
    out->u.obj.n = b.n;
    return rc;
}

/* ---- arrays ---- */

static bool is_duplicate(const af_value *items, uint32_t n, const af_value *v)
{
    for (uint32_t k = 0; k < n; k++)
        if (af_value_equal(&items[k], v))
            return true;
    return false;
}

static uint32_t array_length(af_gctx *x, const af_schema *s)
{
    uint32_t min = s->min_items, max = s->max_items;
    if (af_gen_is_false(x->g, s->items) && max > s->n_prefix_items)
        max = s->n_prefix_items;
    if (max < min)
        max = min;
    uint64_t span = max - min;
    if (span > AF_GEN_MAX_ITEMS)
        span = AF_GEN_MAX_ITEMS;
    uint32_t n = min + (uint32_t)af_choice_size(x->c, span + 1);
    if (x->depth + 1 >= AF_GEN_MAX_DEPTH || x->nodes_left < n)
        n = min;
    /* a hostile minItems: bounded, not met */
    if (n > 4 * AF_GEN_MAX_ITEMS)
        n = 4 * AF_GEN_MAX_ITEMS;
    if (n > x->nodes_left)
        n = x->nodes_left;
    return n;
}

int af_gen_array(af_gctx *x, af_idx vi, const af_schema *s, af_value *out)
{
    (void)vi;
    uint32_t n = array_length(x, s), count = 0;
    bool is_unique = (s->flags & AF_SCHEMA_UNIQUE_ITEMS) != 0;
    af_value *items = af_arena_alloc(x->a, (n + 1) * sizeof *items);
    if (items == NULL)
        return af_gen_oom(x);
    x->depth++;
    int rc = 0;
    for (uint32_t j = 0; j < n && rc == 0; j++) {
        af_idx sch = j < s->n_prefix_items ? s->prefix_items[j] : s->items;
        size_t start = af_choice_pos(x->c);
        af_value *v = &items[count];
        rc = af_gen_value(x, sch, v);
        for (unsigned t = 1; rc == 0 && is_unique && t <= AF_GEN_MAX_TRIES &&
                             is_duplicate(items, count, v);
             t++)
            rc = af_gen_value_derived(x, sch, start, t, v);
        v->start = (uint32_t)start; /* it owns the bytes it was read from */
        v->end = (uint32_t)af_choice_pos(x->c);
        if (rc == 0 && is_unique && is_duplicate(items, count, v) &&
            count >= s->min_items)
            continue; /* no distinct value found: drop the item */
        count++;
    }
    x->depth--;
    out->kind = AF_V_ARRAY;
    out->u.arr.items = items;
    out->u.arr.n = count;
    return rc;
}
