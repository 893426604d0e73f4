/*
 * content.c - OpenAPI 3.x request bodies, responses, headers, media types,
 * encodings, examples and links into the model.
 *
 * Invariants: media types are stored lower-case, one entry per type;
 * response keys are an exact status (100..599), a class range ("2XX",
 * "2xx") or "default" (0..0); a header always has a schema (a string one
 * when the spec gives none); link parameters keep runtime expressions and
 * strings as written, other constants as JSON text. Link targets are
 * resolved after every operation exists (af_oas_resolve_links). Tuned like
 * openapi.c: one pass, arrays sized from the DOM up front.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec/walk.h"

int af_oas_examples(af_compiler *c, const af_at *at, cJSON **list)
{
    af_at one, map;
    int rc = af_walk_child(c, at, "example", &one);
    if (rc == 0 && one.node != NULL && !cJSON_IsNull(one.node))
        rc = af_walk_example(c, list, one.node);
    if (rc == 0)
        rc = af_walk_child(c, at, "examples", &map);
    if (rc != 0 || map.node == NULL)
        return rc;
    if (!cJSON_IsObject(map.node)) {
        af_compile_warn(c, map.ptr, "'examples' is not a map: ignored");
        return 0;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        af_at ex, value;
        rc = af_walk_item(c, &map, item, 0, &ex);
        if (rc == 0)
            rc = af_walk_deref(c, &ex);
        if (rc == 0)
            rc = af_walk_child(c, &ex, "value", &value);
        if (rc == 0 && value.node != NULL)
            rc = af_walk_example(c, list, value.node);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int encoding_style(af_compiler *c, const af_at *at, af_encoding *e)
{
    static const struct {
        const char *name;
        af_style style;
    } styles[] = {{"form", AF_STYLE_FORM},
                  {"spaceDelimited", AF_STYLE_SPACE_DELIMITED},
                  {"pipeDelimited", AF_STYLE_PIPE_DELIMITED},
                  {"deepObject", AF_STYLE_DEEP_OBJECT}};
    const char *name = NULL;
    e->style = AF_STYLE_FORM;
    int rc = af_walk_string(c, at, "style", &name);
    if (rc != 0 || name == NULL)
        return rc;
    for (size_t i = 0; i < sizeof styles / sizeof *styles; i++)
        if (strcmp(name, styles[i].name) == 0) {
            e->style = styles[i].style;
            return 0;
        }
    af_at where;
    rc = af_walk_child(c, at, "style", &where);
    return rc != 0 ? rc : af_walk_error(c, &where, "unknown style '%s'", name);
}

static int encoding(af_compiler *c, af_at *at, void *slot)
{
    af_encoding *e = slot;
    const char *type = NULL;
    if (!cJSON_IsObject(at->node))
        return af_walk_error(c, at, "expected an object");
    e->name = af_walk_strdup(c, at->node->string);
    int rc = e->name == NULL ? AF_ENOMEM
                             : af_walk_string(c, at, "contentType", &type);
    if (rc == 0 && type != NULL &&
        (e->content_type = af_walk_case(c, type, false)) == NULL)
        rc = AF_ENOMEM;
    if (rc == 0)
        rc = encoding_style(c, at, e);
    e->explode = e->style == AF_STYLE_FORM;
    if (rc == 0)
        rc = af_walk_bool(c, at, "explode", &e->explode);
    if (rc == 0)
        rc = af_walk_bool(c, at, "allowReserved", &e->allow_reserved);
    af_at headers;
    if (rc == 0 && af_walk_child(c, at, "headers", &headers) == 0 &&
        headers.node != NULL)
        af_compile_warn(c, headers.ptr, "encoding headers are not generated");
    return rc;
}

static int encodings(af_compiler *c, const af_at *media, af_media *out)
{
    void *e;
    int rc = af_walk_map(c, media, "encoding", sizeof(af_encoding), encoding,
                         &e, &out->n_encodings);
    out->encodings = e;
    return rc;
}

static int media(af_compiler *c, const af_at *at, const char *type,
                 af_media *out)
{
    if (!cJSON_IsObject(at->node))
        return af_walk_error(c, at, "expected an object");
    out->type = type;
    int rc = af_walk_schema(c, at, "schema", &out->schema);
    cJSON *examples = NULL;
    if (rc == 0)
        rc = af_oas_examples(c, at, &examples);
    out->examples = examples;
    if (rc == 0)
        rc = encodings(c, at, out);
    return rc;
}

int af_oas_media_map(af_compiler *c, const af_at *content, const af_media **out,
                     uint32_t *n)
{
    af_media *m =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(content->node), sizeof *m);
    if (m == NULL)
        return AF_ENOMEM;
    uint32_t k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, content->node)
    {
        af_at at;
        int rc = af_walk_item(c, content, item, 0, &at);
        char *type = rc == 0 ? af_walk_case(c, item->string, false) : NULL;
        if (rc != 0 || type == NULL)
            return rc != 0 ? rc : AF_ENOMEM;
        bool is_dup = false;
        for (uint32_t i = 0; i < k && !is_dup; i++)
            is_dup = strcmp(m[i].type, type) == 0;
        if (is_dup) {
            af_compile_warn(c, at.ptr,
                            "media type '%s' appears twice: "
                            "the first is used",
                            type);
            continue;
        }
        rc = media(c, &at, type, &m[k]);
        if (rc != 0)
            return rc;
        k++;
    }
    *out = m;
    *n = k;
    return 0;
}

int af_oas_body(af_compiler *c, const af_at *op, const af_body **out)
{
    af_at at, content;
    *out = NULL;
    int rc = af_walk_child(c, op, "requestBody", &at);
    if (rc != 0 || at.node == NULL)
        return rc;
    af_body *b = af_walk_calloc(c, 1, sizeof *b);
    if (b == NULL || (b->pointer = af_walk_strdup(c, at.ptr)) == NULL)
        return AF_ENOMEM;
    rc = af_walk_deref(c, &at);
    if (rc == 0)
        rc = af_walk_bool(c, &at, "required", &b->is_required);
    if (rc == 0)
        rc = af_walk_object(c, &at, "content", &content);
    if (rc != 0)
        return rc;
    if (content.node == NULL) {
        af_compile_warn(c, at.ptr, "request body has no 'content': ignored");
        return 0;
    }
    rc = af_oas_media_map(c, &content, &b->media, &b->n_media);
    *out = b;
    return rc;
}

/* A header: `schema`, else the first media type's schema, else string. */
static int header(af_compiler *c, af_at *at, void *slot)
{
    af_header *h = slot;
    af_at content;
    if (strcasecmp(at->node->string, "content-type") == 0) {
        /* OpenAPI 3.0 §4.7.17.1: a Content-Type header is ignored */
        af_compile_warn(c, at->ptr, "header '%s' is ignored", at->node->string);
        return AF_WALK_SKIP;
    }
    int rc = af_walk_named(c, at, &h->name, &h->pointer);
    if (rc == 0)
        rc = af_walk_bool(c, at, "required", &h->is_required);
    if (rc == 0)
        rc = af_walk_schema(c, at, "schema", &h->schema);
    if (rc == 0 && h->schema == AF_NONE)
        rc = af_walk_object(c, at, "content", &content);
    if (rc == 0 && h->schema == AF_NONE && content.node != NULL) {
        const af_media *m;
        uint32_t n;
        rc = af_oas_media_map(c, &content, &m, &n);
        h->schema = rc == 0 && n > 0 ? m[0].schema : AF_NONE;
    }
    if (rc == 0 && h->schema == AF_NONE) {
        h->schema = af_walk_string_schema(c, at);
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

/* A constant or expression as text: strings as written, else JSON. */
static const char *link_value(af_compiler *c, const cJSON *v)
{
    if (cJSON_IsString(v))
        return af_walk_strdup(c, v->valuestring);
    char *json = cJSON_PrintUnformatted(v);
    const char *copy = json != NULL ? af_walk_strdup(c, json) : NULL;
    if (json == NULL)
        af_walk_nomem(c);
    free(json);
    return copy;
}

static int link_params(af_compiler *c, const af_at *at, af_link *l)
{
    af_at map;
    int rc = af_walk_object(c, at, "parameters", &map);
    if (rc != 0 || map.node == NULL)
        return rc;
    af_link_param *p =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(map.node), sizeof *p);
    if (p == NULL)
        return AF_ENOMEM;
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        p[l->n_params].name = af_walk_strdup(c, item->string);
        p[l->n_params].expression = link_value(c, item);
        if (p[l->n_params].name == NULL || p[l->n_params].expression == NULL)
            return AF_ENOMEM;
        l->n_params++;
    }
    l->params = p;
    return 0;
}

/* One Link Object; skipped when it names no operation. */
static int link(af_compiler *c, af_at *at, void *slot)
{
    af_link *l = slot;
    const char *id = NULL, *ref = NULL;
    l->target_op = -1;
    int rc = af_walk_named(c, at, &l->name, &l->pointer);
    if (rc == 0)
        rc = af_walk_string(c, at, "operationId", &id);
    if (rc == 0)
        rc = af_walk_string(c, at, "operationRef", &ref);
    if (rc != 0)
        return rc;
    if (id == NULL && ref == NULL) {
        af_compile_warn(c, l->pointer,
                        "link has no operationId or operationRef: ignored");
        return AF_WALK_SKIP;
    }
    if ((id != NULL && (l->operation_id = af_walk_strdup(c, id)) == NULL) ||
        (id == NULL && (l->operation_ref = af_walk_strdup(c, ref)) == NULL))
        return AF_ENOMEM;
    af_at body;
    rc = link_params(c, at, l);
    if (rc == 0)
        rc = af_walk_child(c, at, "requestBody", &body);
    if (rc == 0 && body.node != NULL &&
        (l->request_body = link_value(c, body.node)) == NULL)
        rc = AF_ENOMEM;
    return rc;
}

static int links(af_compiler *c, const af_at *resp, af_response *r)
{
    void *l;
    int rc =
        af_walk_map(c, resp, "links", sizeof(af_link), link, &l, &r->n_links);
    r->links = l;
    return rc;
}

static int response(af_compiler *c, af_at at, af_response *r)
{
    af_at content;
    int rc = af_walk_named(c, &at, &r->key, &r->pointer);
    if (rc == 0)
        rc = headers(c, &at, r);
    if (rc == 0)
        rc = af_walk_object(c, &at, "content", &content);
    if (rc == 0 && content.node != NULL)
        rc = af_oas_media_map(c, &content, &r->media, &r->n_media);
    if (rc == 0)
        rc = links(c, &at, r);
    return rc;
}

int af_oas_responses(af_compiler *c, const af_at *op, const af_response **out,
                     uint32_t *n)
{
    af_at map;
    int rc = af_walk_object(c, op, "responses", &map);
    if (rc != 0)
        return rc;
    if (map.node == NULL) {
        if (c->m->dialect == AF_DIALECT_OAS30)
            return af_walk_error(c, op, "operation has no 'responses'");
        af_compile_warn(c, op->ptr, "operation has no 'responses'");
        return 0;
    }
    af_response *r =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(map.node), sizeof *r);
    if (r == NULL)
        return AF_ENOMEM;
    uint32_t k = 0;
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
                            "response key '%s' is not a status code, a range "
                            "or 'default': ignored",
                            item->string);
            continue;
        }
        rc = response(c, at, &r[k++]);
        if (rc != 0)
            return rc;
    }
    *out = r;
    *n = k;
    return 0;
}

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes a URI fragment into out (cap bytes); false if too long. */
static bool decode_ref(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s != '\0'; s++) {
        if (n + 1 >= cap)
            return false;
        if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
            out[n++] = (char)(hex(s[1]) * 16 + hex(s[2]));
            s += 2;
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    return true;
}

static int32_t find_op_ref(const af_model *m, const char *ref)
{
    char decoded[AF_AT_PTR];
    if (ref[0] != '#' || !decode_ref(ref, decoded, sizeof decoded))
        return -1;
    for (uint32_t i = 0; i < m->n_ops; i++)
        if (strcmp(m->ops[i].pointer, decoded) == 0)
            return (int32_t)i;
    return -1;
}

void af_oas_resolve_links(af_compiler *c)
{
    const af_model *m = c->m;
    for (uint32_t i = 0; i < m->n_ops; i++) {
        for (uint32_t r = 0; r < m->ops[i].n_responses; r++) {
            const af_response *resp = &m->ops[i].responses[r];
            for (uint32_t k = 0; k < resp->n_links; k++) {
                af_link *l = (af_link *)&resp->links[k];
                l->target_op = l->operation_id != NULL
                                   ? af_model_find_op(m, l->operation_id)
                                   : find_op_ref(m, l->operation_ref);
                if (l->target_op < 0)
                    af_compile_warn(c, l->pointer,
                                    "link target operation '%s' not found",
                                    l->operation_id != NULL ? l->operation_id
                                                            : l->operation_ref);
            }
        }
    }
}
