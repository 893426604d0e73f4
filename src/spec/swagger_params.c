/*
 * swagger_params.c - Swagger 2.0 parameters into the model: plain
 * (path, query, header) parameters with synthesized schemas and
 * collectionFormat styles, the `body` parameter and the `formData` form.
 *
 * Invariants: path-level parameters are overridden by operation-level ones
 * with the same name and location before anything is compiled; a
 * synthesized schema holds schema keywords only (so `description`,
 * `name`, `in` never reach the schema compiler) and is owned by the model,
 * so its address is unique for the compiler's memo. Accept and
 * Content-Type header parameters are dropped as in OpenAPI 3 (the
 * renderer sets those from the media types); Authorization is kept, as
 * Swagger 2.0 specs without securityDefinitions use it for credentials.
 * Tuned for operations with tens of parameters: linear scans.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec/walk.h"

/* A parameter as found, after path-level/operation-level overriding. */
typedef struct raw_param {
    af_at at;        /* the parameter object, $refs followed */
    const char *use; /* where it is used (arena) */
    const char *name, *in;
} raw_param;

static const char *const schema_keys[] = {"type",
                                          "format",
                                          "enum",
                                          "default",
                                          "maximum",
                                          "minimum",
                                          "exclusiveMaximum",
                                          "exclusiveMinimum",
                                          "maxLength",
                                          "minLength",
                                          "pattern",
                                          "maxItems",
                                          "minItems",
                                          "uniqueItems",
                                          "multipleOf",
                                          "x-nullable"};

#define N_SCHEMA_KEYS (sizeof schema_keys / sizeof *schema_keys)

/* The index of key in schema_keys, else -1. The first letters are
   compared before strcmp: most members of a parameter object (name, in,
   description, required) are no schema keyword. */
static int schema_key_index(const char *key)
{
    for (size_t i = 0; i < N_SCHEMA_KEYS; i++)
        if (schema_keys[i][0] == key[0] && strcmp(schema_keys[i], key) == 0)
            return (int)i;
    return -1;
}

/* The members of src named in schema_keys, into found (by index), and its
   `items`: the first member of each name, as
   cJSON_GetObjectItemCaseSensitive finds it, in one pass over src. */
static void find_keys(const cJSON *src, const cJSON **found,
                      const cJSON **items)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, src)
    {
        if (m->string == NULL)
            break; /* not an object: the lookup finds nothing either */
        int k = schema_key_index(m->string);
        if (k >= 0 && found[k] == NULL)
            found[k] = m;
        else if (k < 0 && *items == NULL && strcmp(m->string, "items") == 0)
            *items = m;
    }
}

/* Copies found[i] (if any) into s under schema_keys[i] (a literal, so
   not copied); false on out of memory. */
static bool copy_key(cJSON *s, const cJSON *v, size_t i)
{
    if (v == NULL)
        return true;
    cJSON *copy = cJSON_Duplicate(v, 1);
    if (copy != NULL && cJSON_AddItemToObjectCS(s, schema_keys[i], copy))
        return true;
    cJSON_Delete(copy);
    return false;
}

/* The schema a parameter, header or items object stands for. */
cJSON *af_sw_synth_schema(const cJSON *src)
{
    const cJSON *found[N_SCHEMA_KEYS] = {0}, *items = NULL;
    find_keys(src, found, &items);
    cJSON *s = cJSON_CreateObject();
    bool ok = s != NULL;
    for (size_t i = 0; ok && i < N_SCHEMA_KEYS; i++)
        ok = copy_key(s, found[i], i);
    const cJSON *type = found[0];
    if (ok && cJSON_IsString(type) && strcmp(type->valuestring, "file") == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(s, "type");
        cJSON_DeleteItemFromObjectCaseSensitive(s, "format");
        ok = cJSON_AddStringToObject(s, "type", "string") != NULL &&
             cJSON_AddStringToObject(s, "format", "binary") != NULL;
    }
    if (ok && cJSON_IsObject(items)) {
        /* an Items Object has no $ref, but real specs write one */
        cJSON *sub = cJSON_GetObjectItemCaseSensitive(items, "$ref") != NULL
                         ? cJSON_Duplicate(items, 1)
                         : af_sw_synth_schema(items);
        ok = sub != NULL && cJSON_AddItemToObject(s, "items", sub);
        if (!ok)
            cJSON_Delete(sub);
    }
    if (!ok) {
        cJSON_Delete(s);
        return NULL;
    }
    return s;
}

af_idx af_sw_compile_synth(af_compiler *c, const af_at *at, cJSON *s)
{
    if (s != NULL && cJSON_GetObjectItemCaseSensitive(s, "type") == NULL) {
        af_compile_warn(c, at->ptr, "no 'type': treated as a string");
        cJSON_AddStringToObject(s, "type", "string");
    }
    return af_walk_synth(c, at, s);
}

static bool is_array_type(const cJSON *node)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
    return cJSON_IsString(type) && strcmp(type->valuestring, "array") == 0;
}

/* collectionFormat -> style and explode (Swagger 2.0 §4.3.6). */
static int collection(af_compiler *c, const af_at *at, af_param_in in,
                      af_style *style, bool *explode)
{
    const char *fmt = NULL;
    bool is_form = in == AF_IN_QUERY || in == AF_IN_COOKIE;
    *style = is_form ? AF_STYLE_FORM : AF_STYLE_SIMPLE;
    *explode = is_form && !is_array_type(at->node);
    int rc = af_walk_string(c, at, "collectionFormat", &fmt);
    if (rc != 0 || fmt == NULL || strcmp(fmt, "csv") == 0)
        return rc;
    if (strcmp(fmt, "ssv") == 0)
        *style = AF_STYLE_SPACE_DELIMITED;
    else if (strcmp(fmt, "tsv") == 0)
        *style = AF_STYLE_TAB_DELIMITED;
    else if (strcmp(fmt, "pipes") == 0)
        *style = AF_STYLE_PIPE_DELIMITED;
    else if (strcmp(fmt, "multi") == 0 && is_form)
        *explode = true;
    else if (strcmp(fmt, "multi") == 0)
        af_compile_warn(c, at->ptr,
                        "collectionFormat multi applies to query "
                        "and formData only: csv is used");
    else
        af_compile_warn(c, at->ptr,
                        "unknown collectionFormat '%s': csv is used", fmt);
    return 0;
}

static int plain_param(af_compiler *c, const raw_param *r, af_param_in in,
                       af_param *p)
{
    memset(p, 0, sizeof *p);
    p->name = af_walk_strdup(c, r->name);
    p->pointer = r->use;
    p->in = in;
    int rc = p->name == NULL
                 ? AF_ENOMEM
                 : af_walk_bool(c, &r->at, "required", &p->is_required);
    if (rc == 0 && in == AF_IN_QUERY)
        rc = af_walk_bool(c, &r->at, "allowEmptyValue", &p->allow_empty_value);
    if (rc == 0)
        rc = collection(c, &r->at, in, &p->style, &p->explode);
    if (rc == 0 && in == AF_IN_PATH && !p->is_required) {
        af_compile_warn(c, r->at.ptr,
                        "path parameter '%s' must be required: treated as "
                        "required",
                        p->name);
        p->is_required = true;
    }
    if (rc != 0)
        return rc;
    p->schema = af_sw_compile_synth(c, &r->at, af_sw_synth_schema(r->at.node));
    return p->schema == AF_NONE ? af_walk_failed(c) : 0;
}

/* Reads one entry of a `parameters` list into raws (overriding an earlier
   one with the same name and location). */
static int collect_one(af_compiler *c, af_at at, raw_param *raws, uint32_t *n)
{
    raw_param r = {.use = af_walk_strdup(c, at.ptr)};
    int rc = r.use == NULL ? AF_ENOMEM : af_walk_deref(c, &at);
    if (rc == 0)
        rc = af_walk_string(c, &at, "name", &r.name);
    if (rc == 0 && r.name == NULL)
        return af_walk_error(c, &at, "parameter has no 'name'");
    if (rc == 0)
        rc = af_walk_string(c, &at, "in", &r.in);
    if (rc == 0 && r.in == NULL)
        return af_walk_error(c, &at, "parameter has no 'in'");
    if (rc != 0)
        return rc;
    r.at = at;
    for (uint32_t i = 0; i < *n; i++) {
        bool is_header = strcmp(r.in, "header") == 0;
        if (strcmp(raws[i].in, r.in) == 0 &&
            (is_header ? strcasecmp(raws[i].name, r.name)
                       : strcmp(raws[i].name, r.name)) == 0) {
            raws[i] = r;
            return 0;
        }
    }
    raws[(*n)++] = r;
    return 0;
}

static int collect(af_compiler *c, const af_at *list, raw_param *raws,
                   uint32_t *n)
{
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list->node)
    {
        af_at at;
        int rc = af_walk_item(c, list, item, i++, &at);
        if (rc == 0)
            rc = collect_one(c, at, raws, n);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The media types of an operation: its own list, else the global one,
   else application/json; lower case, duplicates and non-strings dropped. */
int af_sw_media_types(af_compiler *c, const af_at *own, const af_at *global,
                      const char ***out, uint32_t *n)
{
    const cJSON *list = own->node;
    if (cJSON_GetArraySize(list) == 0)
        list = global->node;
    const char **types =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(list) + 1, sizeof *types);
    if (types == NULL)
        return AF_ENOMEM;
    *n = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, list)
    {
        if (!cJSON_IsString(t))
            continue;
        char *type = af_walk_case(c, t->valuestring, false);
        if (type == NULL)
            return AF_ENOMEM;
        bool is_dup = false;
        for (uint32_t i = 0; i < *n; i++)
            is_dup = is_dup || strcmp(types[i], type) == 0;
        if (!is_dup)
            types[(*n)++] = type;
    }
    if (*n == 0)
        types[(*n)++] = "application/json";
    *out = types;
    return 0;
}

static bool has_type(const char **types, uint32_t n, const char *type)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(types[i], type) == 0)
            return true;
    return false;
}

/* The `body` parameter: one media type per consumes entry. */
static int body_param(af_compiler *c, const raw_param *r, const char **types,
                      uint32_t n_types, const af_body **out)
{
    af_body *b = af_walk_calloc(c, 1, sizeof *b);
    af_media *m = af_walk_calloc(c, n_types, sizeof *m);
    if (b == NULL || m == NULL)
        return AF_ENOMEM;
    af_idx schema = AF_NONE;
    int rc = af_walk_bool(c, &r->at, "required", &b->is_required);
    if (rc == 0)
        rc = af_walk_schema(c, &r->at, "schema", &schema);
    if (rc != 0)
        return rc;
    if (schema == AF_NONE)
        return af_walk_error(c, &r->at, "body parameter has no 'schema'");
    for (uint32_t i = 0; i < n_types; i++) {
        m[i].type = types[i];
        m[i].schema = schema;
    }
    b->media = m;
    b->n_media = n_types;
    b->pointer = r->use;
    *out = b;
    return rc;
}

/* An encoding for an array property of a form, from collectionFormat. */
static int form_encoding(af_compiler *c, const raw_param *r, af_encoding *e)
{
    e->name = af_walk_strdup(c, r->name);
    if (e->name == NULL)
        return AF_ENOMEM;
    return collection(c, &r->at, AF_IN_QUERY, &e->style, &e->explode);
}

static int form_schema(af_compiler *c, const raw_param *const *form, uint32_t n,
                       cJSON *props, cJSON *req, af_media *m, bool *has_file)
{
    af_encoding *enc = af_walk_calloc(c, n, sizeof *enc);
    if (enc == NULL)
        return AF_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const raw_param *r = form[i];
        bool is_required = false;
        const char *type = NULL;
        int rc = af_walk_bool(c, &r->at, "required", &is_required);
        if (rc == 0)
            rc = af_walk_string(c, &r->at, "type", &type);
        if (rc == 0 && is_array_type(r->at.node))
            rc = form_encoding(c, r, &enc[m->n_encodings++]);
        if (rc != 0)
            return rc;
        *has_file = *has_file || (type != NULL && strcmp(type, "file") == 0);
        cJSON *s = af_sw_synth_schema(r->at.node);
        if (s != NULL && type == NULL)
            cJSON_AddStringToObject(s, "type", "string");
        if (s == NULL || !cJSON_AddItemToObject(props, r->name, s) ||
            (is_required &&
             !cJSON_AddItemToArray(req, cJSON_CreateString(r->name))))
            return af_walk_nomem(c);
    }
    m->encodings = enc;
    return 0;
}

/* The formData parameters: one object schema, one media type. */
static int form_body(af_compiler *c, const af_at *op,
                     const raw_param *const *form, uint32_t n,
                     const char **types, uint32_t n_types, const af_body **out)
{
    af_body *b = af_walk_calloc(c, 1, sizeof *b);
    af_media *m = af_walk_calloc(c, 1, sizeof *m);
    cJSON *s = cJSON_CreateObject();
    cJSON *props = cJSON_AddObjectToObject(s, "properties");
    cJSON *req = cJSON_AddArrayToObject(s, "required");
    if (b == NULL || m == NULL || props == NULL || req == NULL ||
        cJSON_AddStringToObject(s, "type", "object") == NULL) {
        cJSON_Delete(s);
        return af_walk_nomem(c);
    }
    bool has_file = false;
    int rc = form_schema(c, form, n, props, req, m, &has_file);
    b->is_required = cJSON_GetArraySize(req) > 0;
    if (cJSON_GetArraySize(req) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(s, "required");
    if (rc != 0) {
        cJSON_Delete(s);
        return rc;
    }
    bool is_multipart =
        has_file || has_type(types, n_types, "multipart/form-data");
    m->type = is_multipart ? "multipart/form-data"
                           : "application/x-www-form-urlencoded";
    m->schema = af_walk_synth(c, op, s);
    b->media = m;
    b->n_media = 1;
    b->pointer = form[0]->use;
    *out = b;
    return m->schema == AF_NONE ? af_walk_failed(c) : 0;
}

static int param_location(af_compiler *c, const raw_param *r, af_param_in *in)
{
    static const char *const names[] = {"path", "query", "header"};
    for (int i = 0; i < 3; i++)
        if (strcmp(r->in, names[i]) == 0) {
            *in = (af_param_in)i;
            return 0;
        }
    af_at where;
    int rc = af_walk_child(c, &r->at, "in", &where);
    return rc != 0 ? rc
                   : af_walk_error(c, &where, "unknown parameter location '%s'",
                                   r->in);
}

/* The request body from the body parameter, else from the form fields. */
static int op_body(af_compiler *c, const af_at *global_consumes,
                   const af_at *op, const raw_param *body,
                   const raw_param *const *form, uint32_t n_form,
                   af_operation *out)
{
    af_at consumes;
    const char **types;
    uint32_t n_types;
    if (body == NULL && n_form == 0)
        return 0;
    int rc = af_walk_array(c, op, "consumes", &consumes);
    if (rc == 0)
        rc = af_sw_media_types(c, &consumes, global_consumes, &types, &n_types);
    if (rc != 0)
        return rc;
    if (body != NULL && n_form > 0)
        af_compile_warn(c, op->ptr,
                        "body and formData parameters together: "
                        "the formData ones are ignored");
    if (body != NULL)
        return body_param(c, body, types, n_types, &out->body);
    return form_body(c, op, form, n_form, types, n_types, &out->body);
}

/* Sorts the raws into plain parameters, the body and the form fields. */
static int split_params(af_compiler *c, const af_at *global_consumes,
                        const af_at *op, const raw_param *raws, uint32_t n,
                        af_operation *out)
{
    af_param *params =
        af_walk_calloc(c, n + af_walk_path_vars(out->path), sizeof *params);
    /* An array of pointers: sizeof *form is the pointer size. */
    const raw_param **form = af_walk_calloc(
        c, n, sizeof *form); // NOLINT(bugprone-sizeof-expression)
    if (params == NULL || form == NULL)
        return AF_ENOMEM;
    const raw_param *body = NULL;
    uint32_t n_params = 0, n_form = 0;
    for (uint32_t i = 0; i < n; i++) {
        const raw_param *r = &raws[i];
        af_param_in in = AF_IN_QUERY;
        int rc = 0;
        if (strcmp(r->in, "body") == 0) {
            if (body != NULL)
                af_compile_warn(c, r->use, "second body parameter ignored");
            body = body != NULL ? body : r;
        } else if (strcmp(r->in, "formData") == 0) {
            form[n_form++] = r;
        } else if ((rc = param_location(c, r, &in)) == 0 &&
                   in == AF_IN_HEADER && af_walk_header_ignored(r->name) &&
                   strcasecmp(r->name, "authorization") != 0) {
            af_compile_warn(c, r->use, "header parameter '%s' is ignored",
                            r->name);
        } else if (rc == 0) {
            rc = plain_param(c, r, in, &params[n_params++]);
        }
        if (rc != 0)
            return rc;
    }
    int rc = af_walk_path_params(c, op, out->path, params, &n_params);
    out->params = params;
    out->n_params = n_params;
    return rc != 0 ? rc
                   : op_body(c, global_consumes, op, body, form, n_form, out);
}

int af_sw_params(af_compiler *c, const af_at *global_consumes,
                 const af_at *item, const af_at *op, af_operation *out)
{
    af_at shared, own;
    int rc = af_walk_array(c, item, "parameters", &shared);
    if (rc == 0)
        rc = af_walk_array(c, op, "parameters", &own);
    if (rc != 0)
        return rc;
    size_t cap = (size_t)cJSON_GetArraySize(shared.node) +
                 (size_t)cJSON_GetArraySize(own.node);
    raw_param *raws = malloc((cap ? cap : 1) * sizeof *raws);
    if (raws == NULL)
        return af_walk_nomem(c);
    uint32_t n = 0;
    rc = collect(c, &shared, raws, &n);
    if (rc == 0)
        rc = collect(c, &own, raws, &n);
    if (rc == 0)
        rc = split_params(c, global_consumes, op, raws, n, out);
    free(raws);
    return rc;
}
