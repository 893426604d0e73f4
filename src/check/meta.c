/*
 * meta.c - a built-in stand-in for the standard meta-schemas (draft-04,
 * draft-07, 2020-12): whether a JSON value is a well-formed schema.
 *
 * A $ref to "http://json-schema.org/draft-04/schema#" and its siblings
 * cannot be fetched (nothing ever is), and bundling the meta-schema
 * documents would mean copying them. So the compiler turns such a $ref
 * into a node marked with the dialect, and this file checks what the
 * meta-schemas check: the JSON type and range of every known keyword,
 * recursively through the keywords that hold schemas. Unknown keywords
 * are allowed, as the meta-schemas allow them. Formats inside the
 * meta-schemas (uri-reference, regex) are annotations there and are not
 * checked here either.
 */
#include "check/validate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spec/ref.h"

typedef enum kind {
    K_SCHEMA,         /* a schema */
    K_SCHEMA_OR_LIST, /* a schema or an array of schemas (items, d4-7) */
    K_SCHEMA_LIST,    /* a non-empty array of schemas */
    K_SCHEMA_MAP,     /* an object of schemas */
    K_COUNT,          /* a non-negative integer */
    K_NUMBER,
    K_POSITIVE, /* a number > 0 */
    K_BOOL,
    K_STRING,
    K_TYPE,          /* a type name or an array of unique type names */
    K_ARRAY,         /* any array (enum, examples) */
    K_NAMES,         /* an array of unique strings */
    K_DEPS,          /* an object of schemas or name arrays */
    K_NAMES_MAP,     /* an object of name arrays */
    K_BOOL_D4_NUMBER /* exclusiveMinimum/-Maximum: boolean in draft 4 */
} kind;

enum { D4 = 1, D7 = 2, D20 = 4, ALL = 7 };

static const struct rule {
    const char *name;
    kind k;
    int drafts;
} rules[] = {
    {"$schema", K_STRING, ALL},
    {"id", K_STRING, D4},
    {"$id", K_STRING, D7 | D20},
    {"$ref", K_STRING, ALL},
    {"$anchor", K_STRING, D20},
    {"$dynamicRef", K_STRING, D20},
    {"$dynamicAnchor", K_STRING, D20},
    {"$comment", K_STRING, D7 | D20},
    {"$defs", K_SCHEMA_MAP, D20},
    {"definitions", K_SCHEMA_MAP, ALL},
    {"title", K_STRING, ALL},
    {"description", K_STRING, ALL},
    {"readOnly", K_BOOL, D7 | D20},
    {"writeOnly", K_BOOL, D7 | D20},
    {"deprecated", K_BOOL, D20},
    {"examples", K_ARRAY, D7 | D20},
    {"type", K_TYPE, ALL},
    {"enum", K_ARRAY, ALL},
    {"multipleOf", K_POSITIVE, ALL},
    {"maximum", K_NUMBER, ALL},
    {"minimum", K_NUMBER, ALL},
    {"exclusiveMaximum", K_BOOL_D4_NUMBER, ALL},
    {"exclusiveMinimum", K_BOOL_D4_NUMBER, ALL},
    {"maxLength", K_COUNT, ALL},
    {"minLength", K_COUNT, ALL},
    {"pattern", K_STRING, ALL},
    {"maxItems", K_COUNT, ALL},
    {"minItems", K_COUNT, ALL},
    {"uniqueItems", K_BOOL, ALL},
    {"maxContains", K_COUNT, D20},
    {"minContains", K_COUNT, D20},
    {"maxProperties", K_COUNT, ALL},
    {"minProperties", K_COUNT, ALL},
    {"required", K_NAMES, ALL},
    {"dependentRequired", K_NAMES_MAP, D20},
    {"format", K_STRING, ALL},
    {"contentMediaType", K_STRING, D7 | D20},
    {"contentEncoding", K_STRING, D7 | D20},
    {"items", K_SCHEMA_OR_LIST, D4 | D7},
    {"items", K_SCHEMA, D20},
    {"additionalItems", K_SCHEMA, D4 | D7},
    {"prefixItems", K_SCHEMA_LIST, D20},
    {"contains", K_SCHEMA, D7 | D20},
    {"unevaluatedItems", K_SCHEMA, D20},
    {"unevaluatedProperties", K_SCHEMA, D20},
    {"properties", K_SCHEMA_MAP, ALL},
    {"patternProperties", K_SCHEMA_MAP, ALL},
    {"additionalProperties", K_SCHEMA, ALL},
    {"propertyNames", K_SCHEMA, D7 | D20},
    {"dependencies", K_DEPS, D4 | D7},
    {"dependentSchemas", K_SCHEMA_MAP, D20},
    {"allOf", K_SCHEMA_LIST, ALL},
    {"anyOf", K_SCHEMA_LIST, ALL},
    {"oneOf", K_SCHEMA_LIST, ALL},
    {"not", K_SCHEMA, ALL},
    {"if", K_SCHEMA, D7 | D20},
    {"then", K_SCHEMA, D7 | D20},
    {"else", K_SCHEMA, D7 | D20},
};

typedef struct mctx {
    int draft; /* D4, D7 or D20 */
    char *why;
    size_t cap;
    char at[256]; /* pointer of the value being checked */
} mctx;

static bool bad(mctx *m, const char *what)
{
    snprintf(m->why, m->cap, "%s at '%s'", what, m->at[0] ? m->at : "/");
    return false;
}

static bool schema(mctx *m, const cJSON *v, int depth);

/* Checks child (token tok of the current pointer) with fn. */
static bool at(mctx *m, const char *tok, int index, const cJSON *v,
               bool (*fn)(mctx *, const cJSON *, int), int depth)
{
    size_t n = strlen(m->at);
    if (tok != NULL)
        af_pointer_append(m->at, sizeof m->at, tok);
    else
        af_pointer_append_index(m->at, sizeof m->at, (size_t)index);
    bool ok = fn(m, v, depth);
    if (ok)
        m->at[n] = '\0';
    return ok;
}

static bool is_count(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
           v->valuedouble == floor(v->valuedouble);
}

static bool is_type_name(const char *s)
{
    static const char *const types[] = {"null",   "boolean", "object", "array",
                                        "number", "string",  "integer"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i]) == 0)
            return true;
    return false;
}

static bool unique_names(const cJSON *v, bool is_type)
{
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        if (!cJSON_IsString(c) || (is_type && !is_type_name(c->valuestring)))
            return false;
        for (const cJSON *d = v->child; d != c; d = d->next)
            if (strcmp(d->valuestring, c->valuestring) == 0)
                return false;
    }
    return true;
}

static bool names(mctx *m, const cJSON *v, int depth)
{
    (void)depth;
    bool ok = cJSON_IsArray(v) && unique_names(v, false);
    return ok || bad(m, "expected an array of unique strings");
}

static bool schema_list(mctx *m, const cJSON *v, int depth)
{
    if (!cJSON_IsArray(v) || v->child == NULL)
        return bad(m, "expected a non-empty array of schemas");
    int i = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next, i++)
        if (!at(m, NULL, i, c, schema, depth))
            return false;
    return true;
}

static bool schema_map(mctx *m, const cJSON *v, int depth)
{
    if (!cJSON_IsObject(v))
        return bad(m, "expected an object of schemas");
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        if (!at(m, c->string, 0, c, schema, depth))
            return false;
    return true;
}

static bool dep(mctx *m, const cJSON *v, int depth)
{
    return cJSON_IsArray(v) ? names(m, v, depth) : schema(m, v, depth);
}

static bool deps(mctx *m, const cJSON *v, int depth, bool is_names_only)
{
    if (!cJSON_IsObject(v))
        return bad(m, "expected an object");
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        if (!at(m, c->string, 0, c, is_names_only ? names : dep, depth))
            return false;
    return true;
}

static bool type_kw(mctx *m, const cJSON *v)
{
    if (cJSON_IsString(v))
        return is_type_name(v->valuestring) || bad(m, "unknown type name");
    bool ok = cJSON_IsArray(v) && unique_names(v, true) &&
              (m->draft != D4 || v->child != NULL);
    return ok || bad(m, "expected a type name or an array of unique ones");
}

static bool scalar(mctx *m, kind k, const cJSON *v)
{
    switch (k) {
    case K_COUNT:
        return is_count(v) || bad(m, "expected a non-negative integer");
    case K_NUMBER:
        return cJSON_IsNumber(v) || bad(m, "expected a number");
    case K_POSITIVE:
        return (cJSON_IsNumber(v) && v->valuedouble > 0) ||
               bad(m, "expected a number greater than 0");
    case K_BOOL:
        return cJSON_IsBool(v) || bad(m, "expected a boolean");
    case K_STRING:
        return cJSON_IsString(v) || bad(m, "expected a string");
    case K_ARRAY:
        return cJSON_IsArray(v) || bad(m, "expected an array");
    case K_BOOL_D4_NUMBER:
        return (m->draft == D4 ? cJSON_IsBool(v) : cJSON_IsNumber(v)) ||
               bad(m,
                   m->draft == D4 ? "expected a boolean" : "expected a number");
    case K_TYPE:
        return type_kw(m, v);
    default:
        return true;
    }
}

static bool keyword(mctx *m, const struct rule *r, const cJSON *v, int depth)
{
    switch (r->k) {
    case K_SCHEMA:
        return schema(m, v, depth);
    case K_SCHEMA_OR_LIST:
        return cJSON_IsArray(v) ? schema_list(m, v, depth)
                                : schema(m, v, depth);
    case K_SCHEMA_LIST:
        return schema_list(m, v, depth);
    case K_SCHEMA_MAP:
        return schema_map(m, v, depth);
    case K_NAMES:
        return names(m, v, depth) && (m->draft != D4 || v->child != NULL ||
                                      bad(m, "expected at least one name"));
    case K_DEPS:
        return deps(m, v, depth, false);
    case K_NAMES_MAP:
        return deps(m, v, depth, true);
    default:
        return scalar(m, r->k, v);
    }
}

static bool schema(mctx *m, const cJSON *v, int depth)
{
    if (depth > 256)
        return bad(m, "nested too deeply");
    if (cJSON_IsBool(v) && m->draft != D4)
        return true;
    if (!cJSON_IsObject(v))
        return bad(m, m->draft == D4 ? "expected an object"
                                     : "expected an object or a boolean");
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
            const struct rule *r = &rules[i];
            if (!(r->drafts & m->draft) || strcmp(r->name, c->string) != 0)
                continue;
            size_t n = strlen(m->at);
            af_pointer_append(m->at, sizeof m->at, c->string);
            if (!keyword(m, r, c, depth + 1))
                return false;
            m->at[n] = '\0';
            break;
        }
    }
    return true;
}

bool af_meta_check(af_dialect d, const cJSON *v, char *why, size_t cap)
{
    mctx m = {d == AF_DIALECT_DRAFT4   ? D4
              : d == AF_DIALECT_DRAFT7 ? D7
                                       : D20,
              why, cap, ""};
    return schema(&m, v, 0);
}
