/*
 * renderutil.h - shared by the renderer tests (test_render.c,
 * test_body.c): two specs, hand-built values and calls, and check_raw, the
 * HTTP/1.1 reader that asserts a request's raw bytes agree with its
 * fields.
 *
 * Header-only (static functions) like schemautil.h; each test file gets
 * its own arena `arena`, set up and torn down by the group.
 */
#ifndef AF_RENDERUTIL_H
#define AF_RENDERUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testutil.h"

#include "spec/model.h"
#include "wire/render.h"

static af_arena arena;

static inline int af_test_render_setup(void **state)
{
    (void)state;
    af_arena_init(&arena);
    return 0;
}

static inline int af_test_render_teardown(void **state)
{
    (void)state;
    af_arena_free(&arena);
    return 0;
}

static const char booking_spec[] =
    "openapi: 3.0.0\n"
    "info: {title: Booking API, version: 1.0.0}\n"
    "servers: [{url: 'http://127.0.0.1:5000/api'}]\n"
    "paths:\n"
    "  /bookings/{booking_id}:\n"
    "    parameters:\n"
    "      - {in: path, name: booking_id, required: true,\n"
    "         schema: {format: int32, type: integer}}\n"
    "    get:\n"
    "      operationId: get_booking_by_id\n"
    "      responses: {'200': {description: OK}}\n"
    "  /bookings/:\n"
    "    post:\n"
    "      operationId: create_booking\n"
    "      responses: {'201': {description: OK}}\n"
    "      requestBody:\n"
    "        content:\n"
    "          application/json:\n"
    "            schema: {$ref: '#/components/schemas/Booking'}\n"
    "    get:\n"
    "      operationId: get_bookings\n"
    "      parameters:\n"
    "        - {in: query, name: limit,\n"
    "           schema: {type: integer, minimum: 1, maximum: 2147483647}}\n"
    "      responses: {'200': {description: OK}}\n"
    "components:\n"
    "  schemas:\n"
    "    Booking:\n"
    "      type: object\n"
    "      properties:\n"
    "        id: {type: integer}\n"
    "        name: {type: string}\n"
    "        is_active: {type: boolean}\n";

static const char sink_spec[] =
    "openapi: 3.0.3\n"
    "info: {title: sink, version: '1'}\n"
    "servers: [{url: 'http://example.com/v1/'}]\n"
    "components:\n"
    "  securitySchemes:\n"
    "    key_header: {type: apiKey, in: header, name: X-API-Key}\n"
    "    key_query: {type: apiKey, in: query, name: api key}\n"
    "    key_cookie: {type: apiKey, in: cookie, name: session}\n"
    "    basic: {type: http, scheme: basic}\n"
    "    bearer: {type: http, scheme: bearer}\n"
    "    digest: {type: http, scheme: digest}\n"
    "    oauth:\n"
    "      type: oauth2\n"
    "      flows: {clientCredentials: {tokenUrl: 'http://x/t', scopes: {}}}\n"
    "paths:\n"
    "  /things/{id}/parts/{part}:\n"
    "    parameters:\n"
    "      - {name: id, in: path, required: true, schema: {type: integer}}\n"
    "      - {name: part, in: path, required: true, style: matrix,\n"
    "         explode: true, schema: {type: array, items: {type: string}}}\n"
    "    post:\n"
    "      operationId: sink\n"
    "      parameters:\n"
    "        - {name: q, in: query, schema: {type: string}}\n"
    "        - {name: tags, in: query,\n"
    "           schema: {type: array, items: {type: string}}}\n"
    "        - {name: X-Trace, in: header, schema: {type: string}}\n"
    "        - {name: Accept, in: header, schema: {type: string}}\n"
    "        - {name: content-length, in: header, schema: {type: string}}\n"
    "        - {name: Cookie, in: header, schema: {type: string}}\n"
    "        - {name: lang, in: cookie, schema: {type: string}}\n"
    "        - {name: prefs, in: cookie, explode: false,\n"
    "           schema: {type: object}}\n"
    "      security: [{key_header: [], key_query: [], key_cookie: []}]\n"
    "      requestBody:\n"
    "        content:\n"
    "          application/json: {schema: {type: object}}\n"
    "          application/x-www-form-urlencoded:\n"
    "            schema:\n"
    "              type: object\n"
    "              properties:\n"
    "                name: {type: string}\n"
    "                tags: {type: array, items: {type: string}}\n"
    "                meta: {type: object}\n"
    "                color: {type: array, items: {type: string}}\n"
    "                id: {type: string}\n"
    "            encoding:\n"
    "              color: {style: pipeDelimited}\n"
    "              id: {contentType: application/json}\n"
    "          multipart/form-data:\n"
    "            schema:\n"
    "              type: object\n"
    "              properties:\n"
    "                id: {type: string}\n"
    "                file: {type: string, format: binary}\n"
    "                files: {type: array,\n"
    "                        items: {type: string, format: binary}}\n"
    "                meta: {type: object}\n"
    "                tags: {type: array, items: {type: string}}\n"
    "            encoding:\n"
    "              file: {contentType: 'image/png, image/jpeg'}\n"
    "          text/plain: {schema: {type: string}}\n"
    "          application/octet-stream:\n"
    "            schema: {type: string, format: binary}\n"
    "          application/vnd.api+json: {schema: {type: object}}\n"
    "          application/xml: {schema: {}}\n"
    "          '*/*': {schema: {type: string}}\n"
    "      responses: {'200': {description: ok}}\n";

static inline af_model *load(const char *yaml)
{
    af_model *m = NULL;
    af_error err;
    int rc = af_model_load_text(yaml, strlen(yaml), "t.yaml", NULL, &m, &err);
    if (rc != 0) {
        char buf[1024];
        fail_msg("%s", af_error_format(&err, buf, sizeof buf));
    }
    return m;
}

/* ---- values and calls ---- */

static inline af_value str_n(const char *s, size_t len)
{
    af_value v = {.kind = AF_V_STRING, .schema = AF_NONE};
    v.u.str.s = s;
    v.u.str.len = len;
    return v;
}

static inline af_value str(const char *s)
{
    return str_n(s, strlen(s));
}

static inline af_value num_i(int64_t i)
{
    af_value v = {.kind = AF_V_INT, .schema = AF_NONE};
    v.u.i = i;
    return v;
}

static inline af_value arr(uint32_t n, ...)
{
    af_value v = {.kind = AF_V_ARRAY, .schema = AF_NONE};
    v.u.arr.items = af_arena_calloc(&arena, n + 1, sizeof(af_value));
    v.u.arr.n = n;
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        v.u.arr.items[i] = va_arg(ap, af_value);
    va_end(ap);
    return v;
}

static inline af_value obj(uint32_t n, ...)
{
    af_value v = {.kind = AF_V_OBJECT, .schema = AF_NONE};
    v.u.obj.members = af_arena_calloc(&arena, n + 1, sizeof(af_member));
    v.u.obj.n = n;
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) {
        v.u.obj.members[i].name = va_arg(ap, const char *);
        v.u.obj.members[i].value = va_arg(ap, af_value);
    }
    va_end(ap);
    return v;
}

static inline af_value *boxed(af_value v)
{
    af_value *p = af_arena_alloc(&arena, sizeof *p);
    *p = v;
    return p;
}

static inline uint32_t op_of(const af_model *m, const char *method,
                             const char *path)
{
    for (uint32_t i = 0; i < m->n_ops; i++)
        if (strcmp(m->ops[i].method, method) == 0 &&
            strcmp(m->ops[i].path, path) == 0)
            return i;
    fail_msg("no operation %s %s", method, path);
    return 0;
}

/* A call of op with one absent argument per parameter. */
static inline af_call new_call(const af_model *m, uint32_t op)
{
    af_call c = {.op = op, .media = -1};
    c.n_args = m->ops[op].n_params;
    c.args = af_arena_calloc(&arena, c.n_args + 1, sizeof *c.args);
    for (uint32_t i = 0; i < c.n_args; i++)
        c.args[i].param = i;
    return c;
}

static inline void set_arg(const af_model *m, af_call *c, const char *name,
                           af_value v)
{
    const af_operation *op = &m->ops[c->op];
    for (uint32_t i = 0; i < op->n_params; i++)
        if (strcmp(op->params[i].name, name) == 0) {
            c->args[i].is_present = true;
            c->args[i].value = v;
            return;
        }
    fail_msg("no parameter %s", name);
}

static inline void set_body(const af_model *m, af_call *c, const char *type,
                            af_value v)
{
    const af_body *body = m->ops[c->op].body;
    for (uint32_t i = 0; i < body->n_media; i++)
        if (strcmp(body->media[i].type, type) == 0) {
            c->media = (int32_t)i;
            c->content_type = body->media[i].type;
            c->body = boxed(v);
            return;
        }
    fail_msg("no media type %s", type);
}

/* A call of the sink operation with its path parameters set. */
static inline af_call sink_call(const af_model *m)
{
    af_call c = new_call(m, op_of(m, "POST", "/things/{id}/parts/{part}"));
    set_arg(m, &c, "id", num_i(5));
    set_arg(m, &c, "part", arr(2, str("a"), str("b/c")));
    return c;
}

/* The schema of property `name` of the body schema for media `type`. */
static inline af_idx prop_schema(const af_model *m, const af_call *c,
                                 const char *name)
{
    const af_media *media = &m->ops[c->op].body->media[c->media];
    const af_schema *s = af_model_schema(m, media->schema);
    for (uint32_t i = 0; i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0)
            return s->props[i].schema;
    fail_msg("no property %s", name);
    return AF_NONE;
}

/* ---- raw HTTP consistency ---- */

static inline bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
            return false;
    return true;
}

static inline bool is_field_value(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
            return false;
    return true;
}

static inline bool is_uri_text(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') ||
              strchr("-._~:/?#[]@!$&'()*+,;=%", *s)))
            return false;
    return true;
}

static inline const char *header_of(const apifuzz_request *r, const char *name)
{
    const char *found = NULL;
    for (size_t i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) {
            assert_null(found); /* at most once */
            found = r->headers[i].value;
        }
    return found;
}

/* The raw bytes, read as HTTP/1.1, say exactly what the fields say. */
static inline void check_raw(const apifuzz_request *r)
{
    const char *p = r->raw;
    char line[4096];
    snprintf(line, sizeof line, "%s %s HTTP/1.1\r\n", r->method, r->target);
    assert_memory_equal(p, line, strlen(line));
    p += strlen(line);
    assert_true(is_uri_text(r->target));
    assert_null(strchr(r->path, '?'));
    if (r->query[0] == '\0')
        assert_string_equal(r->target, r->path);
    else {
        snprintf(line, sizeof line, "%s?%s", r->path, r->query);
        assert_string_equal(r->target, line);
    }
    for (size_t i = 0; i < r->header_count; i++) {
        const apifuzz_header *h = &r->headers[i];
        assert_true(is_token(h->name));
        assert_true(is_field_value(h->value));
        snprintf(line, sizeof line, "%s: %s\r\n", h->name, h->value);
        assert_memory_equal(p, line, strlen(line));
        p += strlen(line);
    }
    assert_memory_equal(p, "\r\n", 2);
    p += 2;
    assert_int_equal((size_t)(p - r->raw) + r->body_len, r->raw_len);
    assert_memory_equal(p, r->body, r->body_len);
    assert_string_equal(header_of(r, "Host"), AF_RENDER_HOST);
    const char *cl = header_of(r, "Content-Length");
    if (cl != NULL)
        assert_int_equal(strtoull(cl, NULL, 10), r->body_len);
    else
        assert_int_equal(r->body_len, 0);
}

static inline af_rendered render_with(const af_model *m, const af_call *c,
                                      af_backref_fn resolve, void *ctx)
{
    af_rendered out;
    af_error err;
    int rc = af_render_call(m, c, resolve, ctx, &arena, &out, &err);
    if (rc != 0)
        fail_msg("render failed: %s", err.message);
    check_raw(&out.req);
    return out;
}

static inline af_rendered render(const af_model *m, const af_call *c)
{
    return render_with(m, c, NULL, NULL);
}

static inline const char *body_text(const af_rendered *r)
{
    return af_arena_strndup(&arena, (const char *)r->req.body, r->req.body_len);
}

/* ---- multipart ---- */

static inline const unsigned char *find_bytes(const unsigned char *p, size_t n,
                                              const char *needle, size_t k)
{
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (memcmp(p + i, needle, k) == 0)
            return p + i;
    return NULL;
}

typedef struct mpart {
    char name[64];
    char type[64];
    bool has_filename;
    const unsigned char *data;
    size_t len;
} mpart;

static inline void parse_part_headers(const char *h, mpart *part)
{
    const char *name = strstr(h, "Content-Disposition: form-data; name=\"");
    assert_non_null(name);
    name += strlen("Content-Disposition: form-data; name=\"");
    size_t n = strcspn(name, "\"");
    assert_true(n < sizeof part->name);
    memcpy(part->name, name, n);
    part->name[n] = '\0';
    part->has_filename = strstr(h, "; filename=\"") != NULL;
    const char *type = strstr(h, "\r\nContent-Type: ");
    assert_non_null(type);
    type += strlen("\r\nContent-Type: ");
    n = strcspn(type, "\r");
    assert_true(n < sizeof part->type);
    memcpy(part->type, type, n);
    part->type[n] = '\0';
}

/* RFC 2046 §5.1.1 framing, read strictly. */
static inline int parse_multipart(const af_rendered *r, mpart *parts, int max)
{
    const char *ct = header_of(&r->req, "Content-Type");
    const char *b = strstr(ct, "; boundary=");
    assert_non_null(b);
    assert_string_equal(b + 11, r->boundary);
    char delim[128];
    snprintf(delim, sizeof delim, "\r\n--%s", r->boundary);
    size_t dl = strlen(delim);
    const unsigned char *p = r->req.body, *end = p + r->req.body_len;
    assert_memory_equal(p, delim + 2, dl - 2);
    p += dl - 2;
    for (int n = 0;; n++) {
        if (end - p == 4 && memcmp(p, "--\r\n", 4) == 0)
            return n;
        assert_true(n < max);
        assert_memory_equal(p, "\r\n", 2);
        p += 2;
        const unsigned char *q = find_bytes(p, (size_t)(end - p), delim, dl);
        assert_non_null(q);
        const unsigned char *h_end =
            find_bytes(p, (size_t)(q - p), "\r\n\r\n", 4);
        assert_non_null(h_end);
        char *headers = af_arena_strndup(&arena, (const char *)p - 2,
                                         (size_t)(h_end - p) + 2);
        parse_part_headers(headers, &parts[n]);
        parts[n].data = h_end + 4;
        parts[n].len = (size_t)(q - parts[n].data);
        p = q + dl;
    }
}

#endif
