/*
 * validate_obj.c - the validator's object keywords: min/maxProperties,
 * required, dependentRequired, properties, patternProperties,
 * additionalProperties, propertyNames, dependentSchemas, and readOnly /
 * writeOnly by direction.
 *
 * OpenAPI 3.0 §4.7.24.1 (readOnly, writeOnly): a readOnly property is
 * sent only in responses and a writeOnly one only in requests; a required
 * one is required only where it may be sent. The access flags of a
 * property are read through one $ref and one allOf level, where specs
 * write them (`allOf: [{$ref: ...}], readOnly: true` and the reverse).
 *
 * Tuned for objects of tens of members: member and property lookups are
 * linear scans, which beat hashing at that size.
 */
#include "check/validate_internal.h"

#include <string.h>

#include "spec/pattern.h"

#define STEP(call)                                                             \
    do {                                                                       \
        if (!(call)) {                                                         \
            ok = false;                                                        \
            if (!af_v_more(x))                                                 \
                return false;                                                  \
        }                                                                      \
    } while (0)

static bool same(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

static const cJSON *member(const cJSON *v, const char *name)
{
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        if (c->string != NULL && same(c->string, name))
            return c;
    return NULL;
}

/* member, searching on from *at (the member after the previous hit) and
   wrapping around: required names usually come in member order. */
static const cJSON *member_from(const cJSON *v, const char *name,
                                const cJSON **at)
{
    for (int round = 0; round < 2; round++) {
        const cJSON *stop = round == 0 ? NULL : *at;
        for (const cJSON *c = round == 0 ? *at : v->child; c != stop;
             c = c->next) {
            if (c->string != NULL && same(c->string, name)) {
                *at = c->next;
                return c;
            }
        }
    }
    return NULL;
}

static af_idx prop_schema(const af_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_props; i++)
        if (same(s->props[i].name, name))
            return s->props[i].schema;
    return AF_NONE;
}

/* prop_schema, searching on from *hint (the property after the previous
   hit): members usually come in the order of `properties`. */
static af_idx prop_schema_from(const af_schema *s, const char *name,
                               uint32_t *hint)
{
    uint32_t n = s->n_props;
    for (uint32_t k = 0, i = *hint; k < n; k++, i = i + 1 < n ? i + 1 : 0) {
        if (same(s->props[i].name, name)) {
            *hint = i + 1 < n ? i + 1 : 0;
            return s->props[i].schema;
        }
    }
    return AF_NONE;
}

static uint32_t access_flags(const af_vctx *x, af_idx i)
{
    const af_schema *s = af_v_schema(x, i);
    uint32_t f = s->flags;
    if (s->ref != AF_NONE)
        f |= af_v_schema(x, s->ref)->flags;
    for (uint32_t k = 0; k < s->n_all_of; k++)
        f |= af_v_schema(x, s->all_of[k])->flags;
    return f & (AF_SCHEMA_READ_ONLY | AF_SCHEMA_WRITE_ONLY);
}

/* The access flag a property must not carry in this direction. */
static uint32_t banned(const af_vctx *x)
{
    return x->direction == AF_DIRECTION_REQUEST    ? AF_SCHEMA_READ_ONLY
           : x->direction == AF_DIRECTION_RESPONSE ? AF_SCHEMA_WRITE_ONLY
                                                   : 0;
}

static bool counts(af_vctx *x, const af_schema *s, const cJSON *v)
{
    uint32_t n = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        n++;
    if (n >= s->min_properties && n <= s->max_properties)
        return true;
    bool is_few = n < s->min_properties;
    return af_v_fail(x, s, is_few ? "minProperties" : "maxProperties",
                     "%u properties, %s %u", n,
                     is_few ? "minProperties is" : "maxProperties is",
                     is_few ? s->min_properties : s->max_properties);
}

static bool required(af_vctx *x, const af_schema *s, const cJSON *v)
{
    bool ok = true;
    uint32_t ban = banned(x);
    const cJSON *at = v->child;
    for (uint32_t k = 0; k < s->n_required; k++) {
        const char *name = s->required[k];
        if (member_from(v, name, &at) != NULL)
            continue;
        af_idx p = ban != 0 ? prop_schema(s, name) : AF_NONE;
        if (p != AF_NONE && (access_flags(x, p) & ban))
            continue;
        STEP(af_v_fail(x, s, "required", "missing required property '%.200s'",
                       name));
    }
    return ok;
}

static const char *dep_keyword(const af_vctx *x)
{
    af_dialect d = x->m->dialect;
    return d == AF_DIALECT_OAS31 || d == AF_DIALECT_DRAFT2020
               ? "dependentRequired"
               : "dependencies";
}

static bool dep_required(af_vctx *x, const af_schema *s, const cJSON *v)
{
    bool ok = true;
    for (uint32_t k = 0; k < s->n_dep_required; k++) {
        const af_dep_required *d = &s->dep_required[k];
        if (member(v, d->name) == NULL)
            continue;
        for (uint32_t j = 0; j < d->n_required; j++)
            if (member(v, d->required[j]) == NULL)
                STEP(af_v_fail(x, s, dep_keyword(x),
                               "property '%.150s' requires property '%.150s'",
                               d->name, d->required[j]));
    }
    return ok;
}

static bool dep_schemas(af_vctx *x, const af_schema *s, const cJSON *v,
                        af_bits *ev)
{
    bool ok = true;
    for (uint32_t k = 0; k < s->n_dep_schemas; k++)
        if (member(v, s->dep_schemas[k].name) != NULL)
            STEP(af_v_eval(x, s->dep_schemas[k].schema, v, ev));
    return ok;
}

/* An error located at member key of the current instance. */
static bool fail_member(af_vctx *x, const af_schema *s, const char *kw,
                        const char *key, const char *what)
{
    x->path[x->n_path++] = (af_vstep){key, 0};
    af_v_fail(x, s, kw, "%s", what);
    x->n_path--;
    return false;
}

static bool named(af_vctx *x, af_idx p, const cJSON *c, uint32_t k)
{
    uint32_t bad = access_flags(x, p) & banned(x);
    if (bad == 0)
        return af_v_eval_at(x, p, c, c->string, k);
    bool is_ro = bad == AF_SCHEMA_READ_ONLY;
    return fail_member(x, af_v_schema(x, p), is_ro ? "readOnly" : "writeOnly",
                       c->string,
                       is_ro ? "a readOnly property is not allowed in a request"
                             : "a writeOnly property is not allowed in a "
                               "response");
}

static bool patterned(af_vctx *x, const af_schema *s, const cJSON *c,
                      uint32_t k, bool *is_matched)
{
    bool ok = true;
    size_t len = strlen(c->string);
    for (uint32_t i = 0; i < s->n_pattern_props; i++) {
        const af_pattern_prop *pp = &s->pattern_props[i];
        int rc = pp->re != NULL ? af_pattern_match(pp->re, c->string, len) : 0;
        if (rc == AF_ELIMIT)
            return af_v_limit(x, s, "patternProperties",
                              "pattern match limit reached");
        if (rc != 1)
            continue;
        *is_matched = true;
        STEP(af_v_eval_at(x, pp->schema, c, c->string, k));
    }
    return ok;
}

static bool property_name(af_vctx *x, const af_schema *s, const cJSON *c)
{
    cJSON name;
    memset(&name, 0, sizeof name);
    name.type = cJSON_String;
    name.valuestring = c->string;
    x->path[x->n_path++] = (af_vstep){c->string, 0};
    bool ok = af_v_eval(x, s->property_names, &name, NULL);
    x->n_path--;
    return ok;
}

/* properties, patternProperties, additionalProperties and propertyNames
   for member c (position k). */
static bool one_member(af_vctx *x, const af_schema *s, const cJSON *c,
                       uint32_t k, uint32_t *hint, af_bits *ev)
{
    bool ok = true, is_matched = false;
    af_idx p = s->n_props > 0 ? prop_schema_from(s, c->string, hint) : AF_NONE;
    if (p != AF_NONE) {
        is_matched = true;
        STEP(named(x, p, c, k));
    }
    if (s->n_pattern_props > 0)
        STEP(patterned(x, s, c, k, &is_matched));
    af_idx ap = s->additional_properties;
    if (!is_matched && ap != AF_NONE) {
        is_matched = true;
        if (af_v_schema(x, ap)->flags & AF_SCHEMA_FALSE)
            STEP(fail_member(x, s, "additionalProperties", c->string,
                             "property not allowed (additionalProperties "
                             "is false)"));
        else
            STEP(af_v_eval_at(x, ap, c, c->string, k));
    }
    if (ok && is_matched)
        af_bits_set(ev, k);
    if (s->property_names != AF_NONE)
        STEP(property_name(x, s, c));
    return ok;
}

static bool members(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    bool ok = true;
    uint32_t k = 0, hint = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next, k++)
        if (c->string != NULL)
            STEP(one_member(x, s, c, k, &hint, ev));
    return ok;
}

bool af_v_object(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    bool ok = true;
    if (s->min_properties > 0 || s->max_properties != AF_UNBOUNDED)
        STEP(counts(x, s, v));
    if (s->n_required > 0)
        STEP(required(x, s, v));
    if (s->n_dep_required > 0)
        STEP(dep_required(x, s, v));
    if (s->n_props > 0 || s->n_pattern_props > 0 ||
        s->additional_properties != AF_NONE || s->property_names != AF_NONE)
        STEP(members(x, s, v, ev));
    if (s->n_dep_schemas > 0)
        STEP(dep_schemas(x, s, v, ev));
    return ok;
}
