/*
 * schema_obj.c - the keyword groups of a schema node that hold schemas:
 * arrays, objects, dependencies, composition and conditionals, and the
 * OpenAPI discriminator.
 *
 * Every child is compiled to an index first and written into the node
 * afterwards (c->sch moves while children compile); lists live in the
 * model arena. A container keyword of the wrong JSON type (properties: [],
 * allOf: {}) is warned about and ignored; a child that is not a schema is
 * an error located at the child.
 */
#include "spec/schema_kw.h"

#include <string.h>

#include "spec/pattern.h"

static af_arena *arena(const af_sctx *x)
{
    return &x->c->m->arena;
}

/* Compiles the schema of keyword k, when present, into *out. */
static int child(const af_sctx *x, af_kw k, af_idx *out)
{
    const cJSON *v = x->kw[k];
    *out = AF_NONE;
    if (v == NULL)
        return 0;
    *out = af_schema_child(x, v, v->string, NULL, -1);
    return *out != AF_NONE ? 0 : af_schema_failed(x);
}

/* Compiles each schema of the array arr (keyword kw) into an arena list. */
static int schema_list(const af_sctx *x, const cJSON *arr, const af_idx **out,
                       uint32_t *n_out)
{
    size_t n = (size_t)cJSON_GetArraySize(arr);
    af_idx *list = af_arena_alloc(arena(x), n * sizeof *list);
    if (list == NULL)
        return af_schema_oom(x);
    int i = 0;
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        list[i] = af_schema_child(x, e, arr->string, NULL, i);
        if (list[i] == AF_NONE)
            return af_schema_failed(x);
    }
    *out = list;
    *n_out = (uint32_t)n;
    return 0;
}

/* The array keyword k as a schema list; absent or not a non-empty array
   (warned): *n_out stays 0. */
static int list_kw(const af_sctx *x, af_kw k, const af_idx **out,
                   uint32_t *n_out)
{
    const cJSON *v = x->kw[k];
    if (v == NULL)
        return 0;
    if (!cJSON_IsArray(v) || v->child == NULL) {
        af_schema_warn(x, v->string, -1,
                       "expected a non-empty array of schemas; ignored");
        return 0;
    }
    return schema_list(x, v, out, n_out);
}

/* items, prefixItems, additionalItems. Draft 4-7 and OpenAPI 3.0 write a
   tuple as an items array with additionalItems for the rest; 2020-12 as
   prefixItems with items for the rest. Both read the same way here. */
static int items(const af_sctx *x)
{
    const cJSON *items = x->kw[AF_KW_ITEMS];
    const cJSON *prefix = x->kw[AF_KW_PREFIX_ITEMS];
    const cJSON *rest = items;
    if (prefix != NULL && !cJSON_IsArray(prefix)) {
        af_schema_warn(x, "prefixItems", -1,
                       "expected an array of schemas; ignored");
        prefix = NULL;
    }
    if (cJSON_IsArray(items) && prefix != NULL) {
        af_schema_warn(x, "items", -1,
                       "an items array beside prefixItems; ignored");
        rest = NULL;
    } else if (cJSON_IsArray(items)) {
        prefix = items;
        rest = x->kw[AF_KW_ADDITIONAL_ITEMS];
    }
    const af_idx *list = NULL;
    uint32_t n = 0;
    int rc = prefix != NULL ? schema_list(x, prefix, &list, &n) : 0;
    if (rc < 0)
        return rc;
    AF_SCH(x)->prefix_items = list;
    AF_SCH(x)->n_prefix_items = n;
    if (rest == NULL)
        return 0;
    af_idx i = af_schema_child(x, rest, rest->string, NULL, -1);
    if (i == AF_NONE)
        return af_schema_failed(x);
    AF_SCH(x)->items = i;
    return 0;
}

int af_schema_kw_arrays(const af_sctx *x)
{
    uint32_t n = 0;
    if (af_schema_get_count(x, AF_KW_MIN_ITEMS, &n))
        AF_SCH(x)->min_items = n;
    if (af_schema_get_count(x, AF_KW_MAX_ITEMS, &n))
        AF_SCH(x)->max_items = n;
    if (af_schema_get_count(x, AF_KW_MIN_CONTAINS, &n))
        AF_SCH(x)->min_contains = n;
    if (af_schema_get_count(x, AF_KW_MAX_CONTAINS, &n))
        AF_SCH(x)->max_contains = n;
    af_schema_set_flag(x, AF_KW_UNIQUE_ITEMS, AF_SCHEMA_UNIQUE_ITEMS);
    int rc = items(x);
    af_idx i = AF_NONE;
    if (rc == 0 && (rc = child(x, AF_KW_CONTAINS, &i)) == 0)
        AF_SCH(x)->contains = i;
    if (rc == 0 && (rc = child(x, AF_KW_UNEVALUATED_ITEMS, &i)) == 0)
        AF_SCH(x)->unevaluated_items = i;
    return rc;
}

/* The strings of arr (property names), in order, into an arena list;
   other elements are warned about (at where) and skipped. */
static int name_list(const af_sctx *x, const cJSON *arr, const char *where,
                     const char ***out, uint32_t *n_out)
{
    size_t n = (size_t)cJSON_GetArraySize(arr);
    const char **names = af_arena_alloc(arena(x), n * sizeof *names);
    if (names == NULL)
        return af_schema_oom(x);
    uint32_t count = 0;
    int i = 0;
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        if (!cJSON_IsString(e)) {
            af_compile_warn(x->c, where,
                            "element %d is not a property name; ignored", i);
            continue;
        }
        names[count] = af_arena_strdup(arena(x), e->valuestring);
        if (names[count++] == NULL)
            return af_schema_oom(x);
    }
    *out = names;
    *n_out = count;
    return 0;
}

static int required(const af_sctx *x)
{
    const cJSON *r = x->kw[AF_KW_REQUIRED];
    if (r == NULL)
        return 0;
    if (!cJSON_IsArray(r)) {
        af_schema_warn(x, "required", -1,
                       "expected an array of property names; ignored");
        return 0;
    }
    const char *where = af_schema_ptr(x, "required", NULL, -1);
    const char **names = NULL;
    uint32_t n = 0;
    int rc =
        where != NULL ? name_list(x, r, where, &names, &n) : af_schema_oom(x);
    AF_SCH(x)->required = names;
    AF_SCH(x)->n_required = n;
    return rc;
}

static bool is_required(const af_sctx *x, const char *name)
{
    const af_schema *s = AF_SCH(x);
    for (uint32_t i = 0; i < s->n_required; i++)
        if (strcmp(s->required[i], name) == 0)
            return true;
    return false;
}

/* An object keyword k (properties, patternProperties, ...); NULL when
   absent or not an object (warned). */
static const cJSON *object_kw(const af_sctx *x, af_kw k)
{
    const cJSON *v = x->kw[k];
    if (v != NULL && !cJSON_IsObject(v)) {
        af_schema_warn(x, v->string, -1, "expected an object; ignored");
        return NULL;
    }
    return v;
}

static int properties(const af_sctx *x)
{
    const cJSON *p = object_kw(x, AF_KW_PROPERTIES);
    if (p == NULL)
        return 0;
    size_t n = (size_t)cJSON_GetArraySize(p);
    af_prop *props = af_arena_calloc(arena(x), n ? n : 1, sizeof *props);
    if (props == NULL)
        return af_schema_oom(x);
    uint32_t i = 0;
    for (const cJSON *m = p->child; m != NULL; m = m->next, i++) {
        props[i].name = af_arena_strdup(arena(x), m->string);
        if (props[i].name == NULL)
            return af_schema_oom(x);
        props[i].schema = af_schema_child(x, m, "properties", m->string, -1);
        if (props[i].schema == AF_NONE)
            return af_schema_failed(x);
        props[i].is_required = is_required(x, m->string);
    }
    AF_SCH(x)->props = props;
    AF_SCH(x)->n_props = i;
    return 0;
}

/* patternProperties: each regex is kept in the node as soon as it exists,
   so a model freed after a later error still frees it. */
static int pattern_properties(const af_sctx *x)
{
    const cJSON *p = object_kw(x, AF_KW_PATTERN_PROPERTIES);
    if (p == NULL)
        return 0;
    size_t n = (size_t)cJSON_GetArraySize(p);
    af_pattern_prop *pp = af_arena_calloc(arena(x), n ? n : 1, sizeof *pp);
    if (pp == NULL)
        return af_schema_oom(x);
    uint32_t i = 0;
    for (const cJSON *m = p->child; m != NULL; m = m->next, i++) {
        pp[i].schema =
            af_schema_child(x, m, "patternProperties", m->string, -1);
        pp[i].pattern = af_arena_strdup(arena(x), m->string);
        if (pp[i].schema == AF_NONE)
            return af_schema_failed(x);
        if (pp[i].pattern == NULL)
            return af_schema_oom(x);
        char msg[256];
        int rc = af_pattern_compile(m->string, &pp[i].re, msg, sizeof msg);
        AF_SCH(x)->pattern_props = pp;
        AF_SCH(x)->n_pattern_props = i + 1;
        if (rc == AF_ENOMEM)
            return af_schema_oom(x);
        if (rc < 0)
            af_compile_warn(x->c, x->pointer,
                            "patternProperties '%.200s' does not compile: "
                            "%s; ignored",
                            m->string, msg);
    }
    return 0;
}

int af_schema_kw_objects(const af_sctx *x)
{
    uint32_t n = 0;
    if (af_schema_get_count(x, AF_KW_MIN_PROPERTIES, &n))
        AF_SCH(x)->min_properties = n;
    if (af_schema_get_count(x, AF_KW_MAX_PROPERTIES, &n))
        AF_SCH(x)->max_properties = n;
    int rc = required(x);
    if (rc == 0)
        rc = properties(x);
    if (rc == 0)
        rc = pattern_properties(x);
    af_idx i = AF_NONE;
    if (rc == 0 && (rc = child(x, AF_KW_ADDITIONAL_PROPERTIES, &i)) == 0)
        AF_SCH(x)->additional_properties = i;
    if (rc == 0 && (rc = child(x, AF_KW_PROPERTY_NAMES, &i)) == 0)
        AF_SCH(x)->property_names = i;
    if (rc == 0 && (rc = child(x, AF_KW_UNEVALUATED_PROPERTIES, &i)) == 0)
        AF_SCH(x)->unevaluated_properties = i;
    return rc;
}

/* Lists being filled by the dependency keywords. */
typedef struct deps {
    af_dep_required *req;
    uint32_t n_req;
    af_dep_schema *sch;
    uint32_t n_sch;
} deps;

static int dep_required(const af_sctx *x, const cJSON *m, const char *kw,
                        deps *d)
{
    const char *where = af_schema_ptr(x, kw, m->string, -1);
    af_dep_required *r = &d->req[d->n_req];
    r->name = af_arena_strdup(arena(x), m->string);
    if (where == NULL || r->name == NULL)
        return af_schema_oom(x);
    int rc = name_list(x, m, where, &r->required, &r->n_required);
    d->n_req += rc == 0;
    return rc;
}

static int dep_schema(const af_sctx *x, const cJSON *m, const char *kw, deps *d)
{
    af_dep_schema *s = &d->sch[d->n_sch];
    s->name = af_arena_strdup(arena(x), m->string);
    if (s->name == NULL)
        return af_schema_oom(x);
    s->schema = af_schema_child(x, m, kw, m->string, -1);
    if (s->schema == AF_NONE)
        return af_schema_failed(x);
    d->n_sch++;
    return 0;
}

/* dependentRequired and dependentSchemas (2019-09+), and draft 4-7's
   dependencies, whose values are either a name array or a schema. */
int af_schema_kw_dependencies(const af_sctx *x)
{
    const cJSON *dr = object_kw(x, AF_KW_DEPENDENT_REQUIRED);
    const cJSON *ds = object_kw(x, AF_KW_DEPENDENT_SCHEMAS);
    const cJSON *dp = object_kw(x, AF_KW_DEPENDENCIES);
    size_t n = (size_t)(cJSON_GetArraySize(dr) + cJSON_GetArraySize(ds) +
                        cJSON_GetArraySize(dp));
    if (n == 0)
        return 0;
    deps d = {af_arena_calloc(arena(x), n, sizeof *d.req), 0,
              af_arena_calloc(arena(x), n, sizeof *d.sch), 0};
    if (d.req == NULL || d.sch == NULL)
        return af_schema_oom(x);
    int rc = 0;
    for (const cJSON *m = dr ? dr->child : NULL; m && rc == 0; m = m->next) {
        if (cJSON_IsArray(m))
            rc = dep_required(x, m, "dependentRequired", &d);
        else
            af_schema_warn(x, "dependentRequired", -1,
                           "'%.200s' is not an array of names; ignored",
                           m->string);
    }
    for (const cJSON *m = ds ? ds->child : NULL; m && rc == 0; m = m->next)
        rc = dep_schema(x, m, "dependentSchemas", &d);
    for (const cJSON *m = dp ? dp->child : NULL; m && rc == 0; m = m->next)
        rc = cJSON_IsArray(m) ? dep_required(x, m, "dependencies", &d)
                              : dep_schema(x, m, "dependencies", &d);
    AF_SCH(x)->dep_required = d.req;
    AF_SCH(x)->n_dep_required = d.n_req;
    AF_SCH(x)->dep_schemas = d.sch;
    AF_SCH(x)->n_dep_schemas = d.n_sch;
    return rc;
}

int af_schema_kw_composition(const af_sctx *x)
{
    const af_idx *list = NULL;
    uint32_t n = 0;
    int rc = list_kw(x, AF_KW_ALL_OF, &list, &n);
    if (rc == 0 && n > 0) {
        AF_SCH(x)->all_of = list;
        AF_SCH(x)->n_all_of = n;
    }
    n = 0;
    if (rc == 0 && (rc = list_kw(x, AF_KW_ANY_OF, &list, &n)) == 0 && n > 0) {
        AF_SCH(x)->any_of = list;
        AF_SCH(x)->n_any_of = n;
    }
    n = 0;
    if (rc == 0 && (rc = list_kw(x, AF_KW_ONE_OF, &list, &n)) == 0 && n > 0) {
        AF_SCH(x)->one_of = list;
        AF_SCH(x)->n_one_of = n;
    }
    af_idx i = AF_NONE;
    if (rc == 0 && (rc = child(x, AF_KW_NOT, &i)) == 0)
        AF_SCH(x)->not_schema = i;
    if (rc == 0 && (rc = child(x, AF_KW_IF, &i)) == 0)
        AF_SCH(x)->if_schema = i;
    if (rc == 0 && (rc = child(x, AF_KW_THEN, &i)) == 0)
        AF_SCH(x)->then_schema = i;
    if (rc == 0 && (rc = child(x, AF_KW_ELSE, &i)) == 0)
        AF_SCH(x)->else_schema = i;
    return rc;
}

/* The $ref a mapping value stands for. OpenAPI 3 §4.8.25: a value is a
   schema name or a reference; names live under #/components/schemas (or
   Swagger 2.0's #/definitions). */
static const char *mapping_ref(const af_sctx *x, const char *value)
{
    if (strchr(value, '#') != NULL || strchr(value, '/') != NULL)
        return value;
    const char *dir = x->c->m->dialect == AF_DIALECT_SWAGGER2
                          ? "#/definitions/"
                          : "#/components/schemas/";
    size_t len = strlen(dir) + 1;
    for (const char *s = value; *s != '\0'; s++)
        len += *s == '~' ? 2 : *s == '%' ? 3 : 1;
    char *ref = af_arena_alloc(arena(x), len);
    if (ref == NULL)
        return NULL;
    char *out = ref + strlen(dir);
    memcpy(ref, dir, strlen(dir));
    for (const char *s = value; *s != '\0'; s++) {
        const char *esc = *s == '~' ? "~0" : *s == '%' ? "%25" : NULL;
        if (esc == NULL) {
            *out++ = *s;
        } else {
            memcpy(out, esc, strlen(esc));
            out += strlen(esc);
        }
    }
    *out = '\0';
    return ref;
}

/* One mapping entry into *out; false when it does not resolve (warned). */
static int mapping_entry(const af_sctx *x, const cJSON *m, const char *from,
                         af_mapping *out, bool *is_ok)
{
    *is_ok = false;
    if (!cJSON_IsString(m)) {
        af_compile_warn(x->c, from,
                        "mapping '%.200s' is not a string; "
                        "ignored",
                        m->string);
        return 0;
    }
    const char *ref = mapping_ref(x, m->valuestring);
    out->value = af_arena_strdup(arena(x), m->string);
    if (ref == NULL || out->value == NULL)
        return af_schema_oom(x);
    af_error e;
    af_error_clear(&e);
    out->schema = af_schema_ref(x, from, ref, &e);
    if (out->schema == AF_NONE && ref != m->valuestring &&
        e.code != AF_ENOMEM && strchr(m->valuestring, '.') != NULL) {
        af_error_clear(&e); /* "dog.yaml": a file beside the spec */
        out->schema = af_schema_ref(x, from, m->valuestring, &e);
    }
    if (out->schema != AF_NONE) {
        *is_ok = true;
        return 0;
    }
    if (e.code == AF_ENOMEM || (x->c->err && x->c->err->code == AF_ENOMEM))
        return af_schema_oom(x);
    af_compile_warn(x->c, from,
                    "mapping '%.100s' -> '%.200s' does not "
                    "resolve (%.200s); ignored",
                    m->string, m->valuestring, e.message);
    return 0;
}

static int mapping(const af_sctx *x, const cJSON *map)
{
    const char *from = af_schema_ptr(x, "discriminator", "mapping", -1);
    size_t n = (size_t)cJSON_GetArraySize(map);
    af_mapping *list = af_arena_calloc(arena(x), n ? n : 1, sizeof *list);
    if (from == NULL || list == NULL)
        return af_schema_oom(x);
    uint32_t count = 0;
    for (const cJSON *m = map->child; m != NULL; m = m->next) {
        bool is_ok = false;
        int rc = mapping_entry(x, m, from, &list[count], &is_ok);
        if (rc < 0)
            return rc;
        count += is_ok;
    }
    AF_SCH(x)->mapping = list;
    AF_SCH(x)->n_mapping = count;
    return 0;
}

/* OpenAPI 3 discriminator {propertyName, mapping}; Swagger 2.0 writes the
   property name alone. Not a JSON Schema keyword: plain dialects skip it. */
int af_schema_kw_discriminator(const af_sctx *x)
{
    const cJSON *d = x->kw[AF_KW_DISCRIMINATOR];
    af_dialect dialect = x->c->m->dialect;
    if (d == NULL ||
        (dialect != AF_DIALECT_SWAGGER2 && dialect != AF_DIALECT_OAS30 &&
         dialect != AF_DIALECT_OAS31))
        return 0;
    const cJSON *name =
        cJSON_IsObject(d) ? cJSON_GetObjectItemCaseSensitive(d, "propertyName")
                          : d;
    if (!cJSON_IsString(name)) {
        af_schema_warn(x, "discriminator", -1,
                       "expected a propertyName string; ignored");
        return 0;
    }
    const char *prop = af_arena_strdup(arena(x), name->valuestring);
    if (prop == NULL)
        return af_schema_oom(x);
    AF_SCH(x)->discriminator = prop;
    const cJSON *map = cJSON_IsObject(d)
                           ? cJSON_GetObjectItemCaseSensitive(d, "mapping")
                           : NULL;
    if (map != NULL && !cJSON_IsObject(map)) {
        af_schema_warn(x, "discriminator", -1,
                       "mapping is not an object; ignored");
        return 0;
    }
    return map != NULL ? mapping(x, map) : 0;
}
