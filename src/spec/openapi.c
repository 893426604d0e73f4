/*
 * openapi.c - OpenAPI 3.0.x / 3.1.x documents into the model: servers,
 * security schemes, paths, operations and parameters (request bodies,
 * responses and links are in content.c).
 *
 * Invariants: operations appear in document order (paths, then the eight
 * methods in the order of the Path Item Object); an operation's pointer is
 * its place under #/paths even when its path item is a $ref, so links'
 * operationRefs match it; every parameter has a schema (a parameter with
 * neither `schema` nor `content` gets a string one, with a warning).
 * Accepted constructs the fuzzer does not use (callbacks, webhooks,
 * per-path servers) leave one warning each; only a really invalid document
 * (a structural member of the wrong JSON type, an unknown location or
 * scheme) is an error. Tuned for multi-MB specs with thousands of
 * operations: one pass, arena allocations sized up front.
 */
#include <stdio.h>
#include <string.h>

#include "spec/walk.h"

static const char *const methods[] = {"get",     "put",  "post",  "delete",
                                      "options", "head", "patch", "trace"};

typedef struct oas {
    af_compiler *c;
    const af_sec_alt *security; /* global requirement */
    uint32_t n_security;
    af_oplist ops;
} oas;

/* A server variable's default: a string (YAML specs also give numbers,
   e.g. an unquoted port). */
static int var_default(af_compiler *c, const af_at *var, char *num, size_t cap,
                       const char **out)
{
    af_at d;
    int rc = af_walk_child(c, var, "default", &d);
    if (rc != 0 || d.node == NULL)
        return rc;
    if (cJSON_IsNumber(d.node)) {
        snprintf(num, cap, "%.17g", d.node->valuedouble);
        *out = num;
        return 0;
    }
    if (!cJSON_IsString(d.node))
        return af_walk_error(c, &d, "expected a string");
    *out = d.node->valuestring;
    return 0;
}

/* Servers: the URL with every {variable} replaced by its default. */
static int server_url(af_compiler *c, const af_at *srv, const char *url,
                      const char **out)
{
    af_at vars;
    char buf[2048];
    size_t n = 0;
    int rc = af_walk_object(c, srv, "variables", &vars);
    for (const char *p = url; rc == 0 && *p != '\0' && n + 1 < sizeof buf;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (end == NULL) {
            buf[n++] = *p++;
            continue;
        }
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        af_at var;
        const char *dflt = NULL;
        char num[64];
        rc = af_walk_object(c, &vars, name, &var);
        if (rc == 0 && var.node != NULL)
            rc = var_default(c, &var, num, sizeof num, &dflt);
        if (rc == 0 && dflt == NULL)
            af_compile_warn(c, srv->ptr, "server variable '%s' has no default",
                            name);
        int k = dflt != NULL ? snprintf(buf + n, sizeof buf - n, "%s", dflt)
                             : snprintf(buf + n, sizeof buf - n, "%.*s",
                                        (int)(end - p + 1), p);
        n += k > 0 ? (size_t)k : 0;
        p = end + 1;
    }
    buf[n < sizeof buf ? n : sizeof buf - 1] = '\0';
    *out = rc == 0 ? af_walk_strdup(c, buf) : NULL;
    return rc != 0 ? rc : *out == NULL ? AF_ENOMEM : 0;
}

static int servers(af_compiler *c, const af_at *root)
{
    af_at list;
    int rc = af_walk_array(c, root, "servers", &list);
    if (rc != 0 || list.node == NULL)
        return rc;
    af_server *out =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(list.node), sizeof *out);
    if (out == NULL)
        return AF_ENOMEM;
    uint32_t n = 0, i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list.node)
    {
        af_at srv;
        const char *url = NULL;
        rc = af_walk_item(c, &list, item, i++, &srv);
        if (rc == 0)
            rc = af_walk_deref(c, &srv);
        if (rc == 0)
            rc = af_walk_string(c, &srv, "url", &url);
        if (rc == 0 && url == NULL)
            af_compile_warn(c, srv.ptr, "server has no 'url': ignored");
        if (rc == 0 && url != NULL)
            rc = server_url(c, &srv, url, &out[n++].url);
        if (rc != 0)
            return rc;
    }
    c->m->servers = out;
    c->m->n_servers = n;
    c->m->base_path = n > 0 ? af_walk_base_path(c, out[0].url) : "";
    return c->m->base_path == NULL ? AF_ENOMEM : 0;
}

static int param_in(af_compiler *c, const af_at *at, const char *in,
                    af_param_in *out)
{
    static const char *const names[] = {"path", "query", "header", "cookie"};
    for (int i = 0; i < 4; i++)
        if (strcmp(in, names[i]) == 0) {
            *out = (af_param_in)i;
            return 0;
        }
    af_at where;
    int rc = af_walk_child(c, at, "in", &where);
    return rc != 0 ? rc
                   : af_walk_error(c, &where, "unknown parameter location '%s'",
                                   in);
}

/* OpenAPI 3.0 §4.7.12.4 style values and the locations they apply to. */
static int param_style(af_compiler *c, const af_at *at, af_param *p)
{
    static const struct {
        const char *name;
        af_style style;
        unsigned ins; /* bit per af_param_in */
    } styles[] = {
        {"matrix", AF_STYLE_MATRIX, 1u << AF_IN_PATH},
        {"label", AF_STYLE_LABEL, 1u << AF_IN_PATH},
        {"form", AF_STYLE_FORM, 1u << AF_IN_QUERY | 1u << AF_IN_COOKIE},
        {"simple", AF_STYLE_SIMPLE, 1u << AF_IN_PATH | 1u << AF_IN_HEADER},
        {"spaceDelimited", AF_STYLE_SPACE_DELIMITED, 1u << AF_IN_QUERY},
        {"pipeDelimited", AF_STYLE_PIPE_DELIMITED, 1u << AF_IN_QUERY},
        {"deepObject", AF_STYLE_DEEP_OBJECT, 1u << AF_IN_QUERY},
    };
    const char *name = NULL;
    bool is_form = p->in == AF_IN_QUERY || p->in == AF_IN_COOKIE;
    p->style = is_form ? AF_STYLE_FORM : AF_STYLE_SIMPLE;
    int rc = af_walk_string(c, at, "style", &name);
    for (size_t i = 0;
         rc == 0 && name != NULL && i < sizeof styles / sizeof *styles; i++) {
        if (strcmp(name, styles[i].name) != 0)
            continue;
        if (styles[i].ins & 1u << p->in)
            p->style = styles[i].style;
        else
            af_compile_warn(c, at->ptr,
                            "style '%s' does not apply to %s parameters: "
                            "the default is used",
                            name, af_param_in_name(p->in));
        return 0;
    }
    if (rc == 0 && name != NULL) {
        af_at where;
        rc = af_walk_child(c, at, "style", &where);
        return rc != 0 ? rc
                       : af_walk_error(c, &where, "unknown style '%s'", name);
    }
    return rc;
}

/* `schema`, else `content` with one media type; else a string. */
static int param_schema(af_compiler *c, const af_at *at, af_param *p)
{
    af_at content;
    int rc = af_walk_schema(c, at, "schema", &p->schema);
    if (rc == 0 && p->schema == AF_NONE)
        rc = af_walk_object(c, at, "content", &content);
    if (rc != 0 || p->schema != AF_NONE)
        return rc;
    const af_media *media = NULL;
    uint32_t n = 0;
    if (content.node != NULL)
        rc = af_oas_media_map(c, &content, &media, &n);
    if (rc != 0)
        return rc;
    if (n > 1)
        af_compile_warn(c, content.ptr,
                        "parameter content has %u media types: the first is "
                        "used",
                        n);
    if (n > 0) {
        p->media_type = media[0].type;
        p->schema = media[0].schema;
        if (media[0].examples != NULL)
            p->examples = media[0].examples;
    }
    if (p->schema == AF_NONE) {
        af_compile_warn(c, at->ptr,
                        "parameter '%s' has no schema: treated as a string",
                        p->name);
        p->schema = af_walk_string_schema(c, at);
    }
    return p->schema == AF_NONE ? af_walk_failed(c) : 0;
}

static int param_flags(af_compiler *c, const af_at *at, af_param *p)
{
    int rc = af_walk_bool(c, at, "required", &p->is_required);
    if (rc == 0)
        rc = af_walk_bool(c, at, "deprecated", &p->is_deprecated);
    if (rc == 0 && p->in == AF_IN_QUERY)
        rc = af_walk_bool(c, at, "allowEmptyValue", &p->allow_empty_value);
    if (rc == 0 && p->in == AF_IN_QUERY)
        rc = af_walk_bool(c, at, "allowReserved", &p->allow_reserved);
    if (rc == 0)
        rc = param_style(c, at, p);
    p->explode = p->style == AF_STYLE_FORM;
    if (rc == 0)
        rc = af_walk_bool(c, at, "explode", &p->explode);
    if (rc == 0 && p->in == AF_IN_PATH && !p->is_required) {
        /* OpenAPI 3.0 §4.7.12.2: required MUST be true for path */
        af_compile_warn(c, at->ptr,
                        "path parameter '%s' must be required: treated as "
                        "required",
                        p->name);
        p->is_required = true;
    }
    return rc;
}

/* One Parameter Object; *is_ignored for the headers OpenAPI ignores. */
static int param(af_compiler *c, af_at at, af_param *p, bool *is_ignored)
{
    const char *name = NULL, *in = NULL;
    memset(p, 0, sizeof *p);
    p->pointer = af_walk_strdup(c, at.ptr);
    int rc = p->pointer == NULL ? AF_ENOMEM : af_walk_deref(c, &at);
    if (rc == 0)
        rc = af_walk_string(c, &at, "name", &name);
    if (rc == 0 && name == NULL)
        return af_walk_error(c, &at, "parameter has no 'name'");
    if (rc == 0)
        rc = af_walk_string(c, &at, "in", &in);
    if (rc == 0 && in == NULL)
        return af_walk_error(c, &at, "parameter has no 'in'");
    if (rc == 0)
        rc = param_in(c, &at, in, &p->in);
    if (rc != 0)
        return rc;
    *is_ignored = p->in == AF_IN_HEADER && af_walk_header_ignored(name);
    if (*is_ignored) {
        /* OpenAPI 3.0 §4.7.12.2: Accept, Content-Type and Authorization
           header parameters SHALL be ignored */
        af_compile_warn(c, p->pointer, "header parameter '%s' is ignored",
                        name);
        return 0;
    }
    p->name = af_walk_strdup(c, name);
    rc = p->name == NULL ? AF_ENOMEM : param_flags(c, &at, p);
    if (rc == 0)
        rc = param_schema(c, &at, p);
    cJSON *examples = (cJSON *)p->examples;
    if (rc == 0)
        rc = af_oas_examples(c, &at, &examples);
    p->examples = examples;
    return rc;
}

/* The `parameters` list of a path item or operation. */
static int param_list(af_compiler *c, const af_at *owner, af_param **out,
                      uint32_t *n)
{
    af_at list;
    *n = 0;
    int rc = af_walk_array(c, owner, "parameters", &list);
    size_t size = list.node != NULL ? (size_t)cJSON_GetArraySize(list.node) : 0;
    *out = rc == 0 ? af_walk_calloc(c, size, sizeof **out) : NULL;
    if (*out == NULL)
        return rc != 0 ? rc : AF_ENOMEM;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list.node)
    {
        af_at at;
        af_param p;
        bool is_ignored = false;
        rc = af_walk_item(c, &list, item, i++, &at);
        if (rc == 0)
            rc = param(c, at, &p, &is_ignored);
        if (rc != 0)
            return rc;
        if (!is_ignored)
            af_walk_param_put(*out, n, &p);
    }
    return 0;
}

/* Path-level parameters merged with the operation's, which override by
   (name, in); then reconciled with the path template. */
static int op_params(af_compiler *c, const af_at *at, const af_param *shared,
                     uint32_t n_shared, af_operation *op)
{
    af_param *own;
    uint32_t n_own, n = 0;
    int rc = param_list(c, at, &own, &n_own);
    uint32_t vars = af_walk_path_vars(op->path);
    af_param *all =
        rc == 0 ? af_walk_calloc(c, n_shared + n_own + vars, sizeof *all)
                : NULL;
    if (all == NULL)
        return rc != 0 ? rc : AF_ENOMEM;
    for (uint32_t i = 0; i < n_shared; i++)
        af_walk_param_put(all, &n, &shared[i]);
    for (uint32_t i = 0; i < n_own; i++)
        af_walk_param_put(all, &n, &own[i]);
    rc = af_walk_path_params(c, at, op->path, all, &n);
    op->params = all;
    op->n_params = n;
    return rc;
}

static void op_unused(af_compiler *c, const af_at *at)
{
    af_at v;
    if (af_walk_child(c, at, "callbacks", &v) == 0 && v.node != NULL)
        af_compile_warn(c, v.ptr, "callbacks are not generated");
    if (af_walk_child(c, at, "servers", &v) == 0 && v.node != NULL)
        af_compile_warn(c, v.ptr, "operation servers are not used");
}

/* One operation: at is where it is, logical its place under #/paths. */
static int operation(oas *o, const char *path, const char *method,
                     const af_at *at, const char *logical,
                     const af_param *shared, uint32_t n_shared)
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
        rc = op_params(c, at, shared, n_shared, &op);
    if (rc == 0)
        rc = af_oas_body(c, at, &op.body);
    if (rc == 0)
        rc = af_oas_responses(c, at, &op.responses, &op.n_responses);
    if (rc == 0)
        rc = af_walk_op_security(c, at, o->security, o->n_security, &op);
    if (rc != 0)
        return rc;
    op_unused(c, at);
    return af_walk_push_op(c, &o->ops, &op);
}

static int path_item(oas *o, const char *path, const af_at *entry)
{
    af_compiler *c = o->c;
    af_at at = *entry;
    if (at.node != NULL && cJSON_IsNull(at.node)) {
        af_compile_warn(c, at.ptr, "path item is empty");
        return 0;
    }
    af_param *shared;
    uint32_t n_shared;
    int rc = af_walk_deref(c, &at);
    if (rc == 0)
        rc = param_list(c, &at, &shared, &n_shared);
    af_at v;
    if (rc == 0 && af_walk_child(c, &at, "servers", &v) == 0 && v.node)
        af_compile_warn(c, v.ptr, "path servers are not used");
    for (size_t i = 0; rc == 0 && i < sizeof methods / sizeof *methods; i++) {
        af_at op, logical;
        rc = af_walk_child(c, &at, methods[i], &op);
        if (rc == 0 && op.node != NULL)
            rc = af_walk_child(c, entry, methods[i], &logical);
        if (rc == 0 && op.node != NULL)
            rc = operation(o, path, methods[i], &op, logical.ptr, shared,
                           n_shared);
    }
    return rc;
}

static int paths(oas *o, const af_at *root)
{
    af_compiler *c = o->c;
    af_at list;
    int rc = af_walk_object(c, root, "paths", &list);
    if (rc != 0)
        return rc;
    if (list.node == NULL && c->m->dialect == AF_DIALECT_OAS30)
        return af_walk_error(c, root, "document has no 'paths'");
    const cJSON *item;
    cJSON_ArrayForEach(item, list.node)
    {
        af_at at;
        rc = af_walk_item(c, &list, item, 0, &at);
        if (rc != 0)
            return rc;
        if (strncmp(item->string, "x-", 2) == 0)
            continue;
        if (item->string[0] != '/') {
            af_compile_warn(c, at.ptr, "path does not begin with '/': ignored");
            continue;
        }
        rc = path_item(o, item->string, &at);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int api_key_scheme(af_compiler *c, const af_at *at, af_sec_scheme *s)
{
    const char *name = NULL, *in = NULL;
    s->type = AF_SEC_API_KEY;
    int rc = af_walk_string(c, at, "name", &name);
    if (rc == 0)
        rc = af_walk_string(c, at, "in", &in);
    if (rc == 0 && (name == NULL || in == NULL))
        return af_walk_error(c, at, "apiKey scheme needs 'name' and 'in'");
    if (rc == 0 && strcmp(in, "path") == 0)
        return af_walk_error(c, at, "unknown apiKey location 'path'");
    if (rc == 0)
        rc = param_in(c, at, in, &s->in);
    s->param_name = rc == 0 ? af_walk_strdup(c, name) : NULL;
    return rc != 0 ? rc : s->param_name == NULL ? AF_ENOMEM : 0;
}

static int http_scheme(af_compiler *c, const af_at *at, af_sec_scheme *s)
{
    const char *scheme = NULL, *format = NULL;
    s->type = AF_SEC_HTTP;
    int rc = af_walk_string(c, at, "scheme", &scheme);
    if (rc == 0 && scheme == NULL)
        return af_walk_error(c, at, "http scheme has no 'scheme'");
    if (rc == 0)
        rc = af_walk_string(c, at, "bearerFormat", &format);
    s->scheme = rc == 0 ? af_walk_case(c, scheme, false) : NULL;
    if (rc == 0 && format != NULL &&
        (s->bearer_format = af_walk_strdup(c, format)) == NULL)
        return AF_ENOMEM;
    return rc != 0 ? rc : s->scheme == NULL ? AF_ENOMEM : 0;
}

static int sec_scheme_type(af_compiler *c, const af_at *at, af_sec_scheme *s)
{
    static const struct {
        const char *name;
        af_sec_type type;
    } others[] = {{"oauth2", AF_SEC_OAUTH2},
                  {"openIdConnect", AF_SEC_OPENID},
                  {"mutualTLS", AF_SEC_MUTUAL_TLS}};
    const char *type = NULL;
    int rc = af_walk_string(c, at, "type", &type);
    if (rc == 0 && type == NULL)
        return af_walk_error(c, at, "security scheme has no 'type'");
    if (rc != 0)
        return rc;
    if (strcmp(type, "apiKey") == 0)
        return api_key_scheme(c, at, s);
    if (strcmp(type, "http") == 0)
        return http_scheme(c, at, s);
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        if (strcmp(type, others[i].name) == 0) {
            s->type = others[i].type;
            return 0;
        }
    af_at where;
    rc = af_walk_child(c, at, "type", &where);
    return rc != 0 ? rc
                   : af_walk_error(c, &where,
                                   "unknown security scheme type '%s'", type);
}

static int sec_scheme(af_compiler *c, af_at *at, void *slot)
{
    af_sec_scheme *s = slot;
    int rc = af_walk_named(c, at, &s->name, &s->pointer);
    return rc != 0 ? rc : sec_scheme_type(c, at, s);
}

static int sec_schemes(af_compiler *c, const af_at *components)
{
    void *s;
    int rc =
        af_walk_map(c, components, "securitySchemes", sizeof(af_sec_scheme),
                    sec_scheme, &s, &c->m->n_schemes);
    if (s != NULL)
        c->m->schemes = s;
    return rc;
}

/* Every schema of components/schemas, so they are compiled (and checked)
   even when unused, in document order. */
static int component_schemas(af_compiler *c, const af_at *components)
{
    af_at map;
    int rc = af_walk_object(c, components, "schemas", &map);
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        af_idx idx;
        if (rc == 0)
            rc = af_walk_schema(c, &map, item->string, &idx);
        if (rc != 0)
            return rc;
    }
    return rc;
}

static int document(oas *o, const af_at *root)
{
    af_compiler *c = o->c;
    af_at info, components, security, v;
    const char *title = NULL;
    int rc = af_walk_object(c, root, "info", &info);
    if (rc == 0)
        rc = af_walk_string(c, &info, "title", &title);
    if (rc == 0 && title != NULL)
        c->m->title = af_walk_strdup(c, title);
    if (rc == 0)
        rc = servers(c, root);
    if (rc == 0)
        rc = af_walk_object(c, root, "components", &components);
    if (rc == 0)
        rc = component_schemas(c, &components);
    if (rc == 0)
        rc = sec_schemes(c, &components);
    if (rc == 0)
        rc = af_walk_array(c, root, "security", &security);
    if (rc == 0 && security.node != NULL)
        rc = af_walk_security(c, &security, &o->security, &o->n_security);
    if (rc == 0)
        rc = paths(o, root);
    if (rc == 0 && c->m->dialect == AF_DIALECT_OAS31 &&
        af_walk_child(c, root, "webhooks", &v) == 0 && v.node != NULL)
        af_compile_warn(c, v.ptr, "webhooks are not generated");
    return rc;
}

int af_compile_openapi3(af_compiler *c, const af_doc *doc)
{
    oas o = {.c = c};
    af_at root;
    af_walk_root(doc, &root);
    int rc = document(&o, &root);
    if (rc != 0)
        return rc;
    c->m->ops = o.ops.ops;
    c->m->n_ops = o.ops.n;
    af_oas_resolve_links(c);
    return 0;
}
