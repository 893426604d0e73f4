/*
 * swagger.c - Swagger 2.0 documents into the same model as OpenAPI 3.
 *
 * Conversion, as OpenAPI 3 would say it: host + schemes + basePath become
 * servers; non-body parameters and response headers are schema-like
 * objects, so a clean schema (schema keywords only, `type: file` as a
 * binary string) is synthesized for each and compiled at the parameter's
 * pointer; collectionFormat becomes style/explode; the `body` parameter is
 * a request body with one media type per `consumes` entry sharing its
 * schema; the `formData` parameters become one object schema sent as
 * application/x-www-form-urlencoded, or multipart/form-data when consumes
 * says so or a parameter is a file; a response `schema` is one media type
 * per `produces` entry. Parameters are converted in swagger_params.c.
 * Invariants and tuning as in openapi.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec/walk.h"

static const char *const methods[] = {"get",     "put",  "post", "delete",
                                      "options", "head", "patch"};

typedef struct sw {
    af_compiler *c;
    const af_sec_alt *security;
    uint32_t n_security;
    af_at consumes, produces; /* global lists; node NULL when absent */
    af_oplist ops;
} sw;

/* A response schema; `type: file` (allowed there) is a binary string. */
static int response_schema(af_compiler *c, const af_at *resp, af_idx *out)
{
    af_at s;
    *out = AF_NONE;
    int rc = af_walk_object(c, resp, "schema", &s);
    if (rc != 0 || s.node == NULL)
        return rc;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(s.node, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "file") != 0)
        return af_walk_schema(c, resp, "schema", out);
    *out = af_walk_synth(c, &s, af_sw_synth_schema(s.node));
    return *out == AF_NONE ? af_walk_failed(c) : 0;
}

/* `examples`: mime type -> example, added to the media of that type. */
static int response_examples(af_compiler *c, const af_at *resp, af_media *m,
                             uint32_t n)
{
    af_at map;
    int rc = af_walk_child(c, resp, "examples", &map);
    if (rc != 0 || map.node == NULL)
        return rc;
    if (!cJSON_IsObject(map.node)) {
        af_compile_warn(c, map.ptr, "'examples' is not a map: ignored");
        return 0;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        for (uint32_t i = 0; rc == 0 && i < n; i++) {
            if (strcasecmp(m[i].type, item->string) != 0)
                continue;
            cJSON *list = (cJSON *)m[i].examples;
            rc = af_walk_example(c, &list, item);
            m[i].examples = list;
        }
    }
    return rc;
}

static int header(af_compiler *c, af_at *at, void *slot)
{
    af_header *h = slot;
    int rc = af_walk_named(c, at, &h->name, &h->pointer);
    if (rc == 0) {
        h->schema = af_sw_compile_synth(c, at, af_sw_synth_schema(at->node));
        rc = h->schema == AF_NONE ? af_walk_failed(c) : 0;
    }
    return rc;
}

static int headers(af_compiler *c, const af_at *resp, af_response *r)
{
    void *h;
    int rc = af_walk_map(c, resp, "headers", sizeof(af_header), header, &h,
                         &r->n_headers);
    r->headers = h;
    return rc;
}

static int response(af_compiler *c, af_at at, const char **types,
                    uint32_t n_types, af_response *r)
{
    af_idx schema;
    int rc = af_walk_named(c, &at, &r->key, &r->pointer);
    if (rc == 0)
        rc = headers(c, &at, r);
    if (rc == 0)
        rc = response_schema(c, &at, &schema);
    if (rc != 0 || schema == AF_NONE)
        return rc;
    af_media *m = af_walk_calloc(c, n_types, sizeof *m);
    if (m == NULL)
        return AF_ENOMEM;
    for (uint32_t i = 0; i < n_types; i++) {
        m[i].type = types[i];
        m[i].schema = schema;
    }
    r->media = m;
    r->n_media = n_types;
    return response_examples(c, &at, m, n_types);
}

static int responses(sw *o, const af_at *op, af_operation *out)
{
    af_compiler *c = o->c;
    af_at map, produces;
    const char **types;
    uint32_t n_types, k = 0;
    int rc = af_walk_object(c, op, "responses", &map);
    if (rc == 0 && map.node == NULL)
        return af_walk_error(c, op, "operation has no 'responses'");
    if (rc == 0)
        rc = af_walk_array(c, op, "produces", &produces);
    if (rc == 0)
        rc = af_sw_media_types(c, &produces, &o->produces, &types, &n_types);
    af_response *r =
        rc == 0
            ? af_walk_calloc(c, (size_t)cJSON_GetArraySize(map.node), sizeof *r)
            : NULL;
    if (r == NULL)
        return rc != 0 ? rc : AF_ENOMEM;
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        af_at at;
        rc = af_walk_item(c, &map, item, 0, &at);
        if (rc != 0)
            return rc;
        if (strncmp(item->string, "x-", 2) == 0)
            continue;
        if (!af_walk_status_key(item->string, &r[k].status_lo,
                                &r[k].status_hi)) {
            af_compile_warn(c, at.ptr,
                            "response key '%s' is not a status code or "
                            "'default': ignored",
                            item->string);
            continue;
        }
        rc = response(c, at, types, n_types, &r[k++]);
        if (rc != 0)
            return rc;
    }
    out->responses = r;
    out->n_responses = k;
    return 0;
}

/* One operation: at is where it is, logical its place under #/paths. */
static int operation(sw *o, const char *path, const char *method,
                     const af_at *item, const af_at *at, const char *logical)
{
    af_compiler *c = o->c;
    if (!cJSON_IsObject(at->node))
        return af_walk_error(c, at, "expected an object");
    af_operation op = {0};
    op.method = af_walk_case(c, method, true);
    op.path = af_walk_strdup(c, path);
    op.pointer = af_walk_strdup(c, logical);
    if (op.method == NULL || op.path == NULL || op.pointer == NULL)
        return AF_ENOMEM;
    int rc = af_walk_op_common(c, &o->ops, at, &op);
    if (rc == 0)
        rc = af_sw_params(c, &o->consumes, item, at, &op);
    if (rc == 0)
        rc = responses(o, at, &op);
    if (rc == 0)
        rc = af_walk_op_security(c, at, o->security, o->n_security, &op);
    return rc != 0 ? rc : af_walk_push_op(c, &o->ops, &op);
}

static int path_item(sw *o, const char *path, const af_at *entry)
{
    af_compiler *c = o->c;
    af_at at = *entry;
    if (cJSON_IsNull(at.node)) {
        af_compile_warn(c, at.ptr, "path item is empty");
        return 0;
    }
    int rc = af_walk_deref(c, &at);
    for (size_t i = 0; rc == 0 && i < sizeof methods / sizeof *methods; i++) {
        af_at op, logical;
        rc = af_walk_child(c, &at, methods[i], &op);
        if (rc == 0 && op.node != NULL)
            rc = af_walk_child(c, entry, methods[i], &logical);
        if (rc == 0 && op.node != NULL)
            rc = operation(o, path, methods[i], &at, &op, logical.ptr);
    }
    return rc;
}

static int paths(sw *o, const af_at *root)
{
    af_compiler *c = o->c;
    af_at list;
    int rc = af_walk_object(c, root, "paths", &list);
    if (rc == 0 && list.node == NULL)
        return af_walk_error(c, root, "document has no 'paths'");
    const cJSON *item;
    cJSON_ArrayForEach(item, list.node)
    {
        af_at at;
        if (rc == 0)
            rc = af_walk_item(c, &list, item, 0, &at);
        if (rc != 0)
            return rc;
        if (strncmp(item->string, "x-", 2) == 0)
            continue;
        if (item->string[0] != '/')
            af_compile_warn(c, at.ptr, "path does not begin with '/': ignored");
        else
            rc = path_item(o, item->string, &at);
    }
    return rc;
}

/* basic -> http/basic; apiKey in query or header; oauth2. */
static int sec_definition(af_compiler *c, const af_at *at, af_sec_scheme *s)
{
    const char *type = NULL, *name = NULL, *in = NULL;
    int rc = af_walk_string(c, at, "type", &type);
    if (rc == 0 && type == NULL)
        return af_walk_error(c, at, "security scheme has no 'type'");
    if (rc == 0 && strcmp(type, "basic") == 0) {
        s->type = AF_SEC_HTTP;
        s->scheme = "basic";
    } else if (rc == 0 && strcmp(type, "oauth2") == 0) {
        s->type = AF_SEC_OAUTH2;
    } else if (rc == 0 && strcmp(type, "apiKey") == 0) {
        s->type = AF_SEC_API_KEY;
        rc = af_walk_string(c, at, "name", &name);
        if (rc == 0)
            rc = af_walk_string(c, at, "in", &in);
        if (rc == 0 && (name == NULL || in == NULL))
            return af_walk_error(c, at, "apiKey scheme needs 'name' and 'in'");
        if (rc == 0 && strcmp(in, "query") != 0 && strcmp(in, "header") != 0)
            return af_walk_error(c, at, "unknown apiKey location '%s'", in);
        s->in = rc == 0 && in[0] == 'q' ? AF_IN_QUERY : AF_IN_HEADER;
        if (rc == 0 && (s->param_name = af_walk_strdup(c, name)) == NULL)
            rc = AF_ENOMEM;
    } else if (rc == 0) {
        af_at where;
        rc = af_walk_child(c, at, "type", &where);
        return rc != 0
                   ? rc
                   : af_walk_error(c, &where,
                                   "unknown security scheme type '%s'", type);
    }
    return rc;
}

static int named_sec_definition(af_compiler *c, af_at *at, void *slot)
{
    af_sec_scheme *s = slot;
    int rc = af_walk_named(c, at, &s->name, &s->pointer);
    return rc != 0 ? rc : sec_definition(c, at, s);
}

static int sec_definitions(af_compiler *c, const af_at *root)
{
    void *s;
    int rc = af_walk_map(c, root, "securityDefinitions", sizeof(af_sec_scheme),
                         named_sec_definition, &s, &c->m->n_schemes);
    if (s != NULL)
        c->m->schemes = s;
    return rc;
}

/* host + schemes + basePath -> one server per scheme. */
static int servers(af_compiler *c, const af_at *root)
{
    const char *host = NULL, *base = NULL;
    af_at schemes;
    int rc = af_walk_string(c, root, "host", &host);
    if (rc == 0)
        rc = af_walk_string(c, root, "basePath", &base);
    if (rc == 0)
        rc = af_walk_array(c, root, "schemes", &schemes);
    if (rc != 0)
        return rc;
    c->m->base_path = af_walk_base_path(c, base != NULL ? base : "");
    int size = cJSON_GetArraySize(schemes.node);
    af_server *out = af_walk_calloc(c, (size_t)size + 1, sizeof *out);
    if (c->m->base_path == NULL || out == NULL)
        return AF_ENOMEM;
    uint32_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, schemes.node)
    {
        if (host != NULL && cJSON_IsString(s))
            out[n++].url =
                af_arena_printf(&c->m->arena, "%s://%s%s", s->valuestring, host,
                                c->m->base_path);
    }
    if (n == 0)
        out[n++].url = af_arena_printf(
            &c->m->arena, "%s%s%s", host != NULL ? "http://" : "",
            host != NULL ? host : "",
            c->m->base_path[0] != '\0' || host != NULL ? c->m->base_path : "/");
    for (uint32_t i = 0; i < n; i++)
        if (out[i].url == NULL)
            return af_walk_nomem(c);
    c->m->servers = out;
    c->m->n_servers = n;
    return 0;
}

static int definitions(af_compiler *c, const af_at *root)
{
    af_at map;
    int rc = af_walk_object(c, root, "definitions", &map);
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        af_idx idx;
        if (rc == 0)
            rc = af_walk_schema(c, &map, item->string, &idx);
    }
    return rc;
}

static int document(sw *o, const af_at *root)
{
    af_compiler *c = o->c;
    af_at info, security;
    const char *title = NULL;
    int rc = af_walk_object(c, root, "info", &info);
    if (rc == 0)
        rc = af_walk_string(c, &info, "title", &title);
    if (rc == 0 && title != NULL &&
        (c->m->title = af_walk_strdup(c, title)) == NULL)
        rc = AF_ENOMEM;
    if (rc == 0)
        rc = servers(c, root);
    if (rc == 0)
        rc = definitions(c, root);
    if (rc == 0)
        rc = sec_definitions(c, root);
    if (rc == 0)
        rc = af_walk_array(c, root, "security", &security);
    if (rc == 0 && security.node != NULL)
        rc = af_walk_security(c, &security, &o->security, &o->n_security);
    if (rc == 0)
        rc = af_walk_array(c, root, "consumes", &o->consumes);
    if (rc == 0)
        rc = af_walk_array(c, root, "produces", &o->produces);
    if (rc == 0)
        rc = paths(o, root);
    return rc;
}

int af_compile_swagger2(af_compiler *c, const af_doc *doc)
{
    sw *o = calloc(1, sizeof *o);
    if (o == NULL)
        return af_walk_nomem(c);
    o->c = c;
    af_at root;
    af_walk_root(doc, &root);
    int rc = document(o, &root);
    c->m->ops = o->ops.ops;
    c->m->n_ops = o->ops.n;
    free(o);
    return rc;
}
