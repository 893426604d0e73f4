/*
 * render.c - a decoded call becomes an apifuzz_request and its raw
 * HTTP/1.1 bytes (DESIGN.md step 3); the arena buffers every serializer
 * of src/wire writes into.
 *
 * Order of the request: the path is base_path + the template with path
 * parameters substituted (literal template text percent-encoded where it
 * is not a valid path character); the query holds the query parameters in
 * operation order, then query API keys; headers are Host, the header
 * parameters in operation order, the credentials, Cookie (cookie
 * parameters, then cookie API keys), Content-Type, Content-Length.
 * Header parameters named Accept or Content-Type are not sent (OpenAPI
 * 3.1.1 §4.8.12.1: such definitions SHALL be ignored; the model already
 * drops them, and Authorization too, for OpenAPI 3), nor are Host,
 * Content-Length and Transfer-Encoding (they would break the framing of
 * `raw`). A Swagger 2.0 header parameter named Authorization is sent as
 * given, and then a credential that would also go into Authorization is
 * not (one Authorization header, the one the spec describes); a header
 * parameter named Cookie joins the cookie parameters, so there is one Cookie
 * header. Header names keep RFC 9110 token characters and percent-encode the
 * rest, so no name or value can split a header line.
 *
 * Credentials (af_cred, values as the decoder chose them, corrupt ones
 * included): apiKey in its header, query or cookie; http basic as
 * "Basic " + base64(user:pass); http bearer, oauth2 and openIdConnect as
 * "Bearer " + token; any other http scheme as "<Scheme> " + value;
 * mutualTLS has nothing to send.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire/render.h"

#include "util/base64.h"

/* ---- buffers ---- */

void af_wbuf_init(af_wbuf *b, af_arena *a, size_t cap)
{
    b->arena = a;
    b->len = 0;
    b->limit = SIZE_MAX;
    b->is_truncated = false;
    b->data = cap > 0 ? af_arena_alloc(a, cap) : NULL;
    b->cap = b->data != NULL ? cap : 0;
    b->is_oom = cap > 0 && b->data == NULL;
}

void af_wbuf_init_fixed(af_wbuf *b, char *mem, size_t cap)
{
    b->arena = NULL;
    b->data = mem;
    b->len = 0;
    b->cap = cap;
    b->limit = cap;
    b->is_truncated = false;
    b->is_oom = false;
}

bool af_wbuf_reserve(af_wbuf *b, size_t n)
{
    if (b->is_oom)
        return false;
    if (n <= b->cap - b->len)
        return true;
    if (b->arena == NULL || n > SIZE_MAX / 4 - b->len) {
        b->is_truncated = true;
        return false;
    }
    size_t cap = b->cap > 0 ? b->cap * 2 : 64;
    while (cap - b->len < n)
        cap *= 2;
    char *data = af_arena_alloc(b->arena, cap);
    if (data == NULL) {
        b->is_oom = true;
        return false;
    }
    if (b->len > 0)
        memcpy(data, b->data, b->len);
    b->data = data;
    b->cap = cap;
    return true;
}

void af_wbuf_put(af_wbuf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (n > b->limit - b->len) {
        n = b->limit - b->len;
        b->is_truncated = true;
        if (n == 0)
            return;
    }
    if (af_wbuf_reserve(b, n)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

void af_wbuf_puts(af_wbuf *b, const char *s)
{
    af_wbuf_put(b, s, strlen(s));
}

void af_wbuf_putc(af_wbuf *b, char c)
{
    if (b->len < b->cap && b->len < b->limit)
        b->data[b->len++] = c;
    else
        af_wbuf_put(b, &c, 1);
}

void af_wbuf_put_int(af_wbuf *b, int64_t i)
{
    char text[24];
    size_t n = sizeof text;
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do {
        text[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (i < 0)
        text[--n] = '-';
    af_wbuf_put(b, text + n, sizeof text - n);
}

const char *af_wbuf_cstr(af_wbuf *b)
{
    if (b->is_oom)
        return NULL;
    if (b->len == b->cap) {
        size_t keep = b->limit;
        b->limit = SIZE_MAX;
        bool ok = af_wbuf_reserve(b, 1);
        b->limit = keep;
        if (!ok)
            return NULL;
    }
    b->data[b->len] = '\0';
    return b->data;
}

static const af_value null_value = {.kind = AF_V_NULL, .schema = AF_NONE};

const af_value *af_render_deref(const af_value *v, const af_render_env *env)
{
    for (int hop = 0; v != NULL && v->kind == AF_V_BACKREF; hop++) {
        const af_value *got = NULL;
        if (hop >= 2 * AF_RENDER_MAX_HOPS)
            return &null_value;
        if (hop < AF_RENDER_MAX_HOPS && env != NULL && env->resolve != NULL)
            got = env->resolve(env->ctx, &v->u.ref);
        v = got != NULL ? got : v->u.ref.fallback;
    }
    return v != NULL ? v : &null_value;
}

/* ---- one call ---- */

typedef struct rctx {
    const af_model *m;
    const af_operation *op;
    const af_call *call;
    af_render_env env;
    af_arena *a;
    af_wbuf query, cookie;
    const char **path_text; /* per op param: the substituted text */
    apifuzz_header *headers;
    size_t n_headers;
    bool is_auth_param_sent; /* a header parameter named Authorization */
    af_rendered_param *params;
    uint32_t n_params;
    bool is_oom;
} rctx;

static int check_call(const af_model *m, const af_call *call, af_error *err)
{
    if (call->op >= m->n_ops)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "call of operation %" PRIu32 " of %" PRIu32,
                            call->op, m->n_ops);
    const af_operation *op = &m->ops[call->op];
    for (uint32_t i = 0; i < call->n_args; i++)
        if (call->args[i].param >= op->n_params)
            return af_error_set(err, AF_EUSAGE, NULL, op->pointer, 0, 0,
                                "argument of parameter %" PRIu32 " of %" PRIu32,
                                call->args[i].param, op->n_params);
    if (call->media >= 0 &&
        (op->body == NULL || (uint32_t)call->media >= op->body->n_media))
        return af_error_set(err, AF_EUSAGE, NULL, op->pointer, 0, 0,
                            "body of media type %" PRId32 " not described",
                            call->media);
    for (uint32_t i = 0; i < call->n_creds; i++)
        if (call->creds[i].scheme < 0 ||
            (uint32_t)call->creds[i].scheme >= m->n_schemes)
            return af_error_set(err, AF_EUSAGE, NULL, op->pointer, 0, 0,
                                "credentials of security scheme %" PRId32,
                                call->creds[i].scheme);
    return 0;
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 9110 §5.1: a field name is a token; other bytes percent-encoded. */
static const char *header_name(rctx *r, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0;
    while (p[i] != '\0' && is_tchar(p[i]))
        i++;
    if (p[i] == '\0' && i > 0)
        return name;
    if (name[0] == '\0')
        return "X-Empty-Name";
    af_wbuf b;
    af_wbuf_init(&b, r->a, strlen(name) * 3 + 1);
    for (; *p; p++) {
        char trip[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        if (is_tchar(*p))
            af_wbuf_putc(&b, (char)*p);
        else
            af_wbuf_put(&b, trip, 3);
    }
    return af_wbuf_cstr(&b);
}

static void add_header(rctx *r, const char *name, const char *value)
{
    if (name == NULL || value == NULL) {
        r->is_oom = true;
        return;
    }
    r->headers[r->n_headers].name = name;
    r->headers[r->n_headers].value = value;
    r->n_headers++;
}

/* Header parameters that are not sent (see the file comment). */
static bool is_reserved_header(const char *name)
{
    static const char *const names[] = {"accept", "content-type", "host",
                                        "content-length", "transfer-encoding"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

static void append_sep(af_wbuf *b, const char *sep)
{
    if (b->len > 0)
        af_wbuf_puts(b, sep);
}

static void render_arg(rctx *r, const af_arg *arg)
{
    const af_param *p = &r->op->params[arg->param];
    if (p->in == AF_IN_HEADER && is_reserved_header(p->name))
        return;
    if (p->in == AF_IN_HEADER && strcasecmp(p->name, "Authorization") == 0)
        r->is_auth_param_sent = true;
    af_wbuf b;
    af_wbuf_init(&b, r->a, 32);
    af_style_param(&b, p, &arg->value, &r->env);
    const char *text = af_wbuf_cstr(&b);
    if (text == NULL) {
        r->is_oom = true;
        return;
    }
    r->params[r->n_params++] = (af_rendered_param){arg->param, p->in, text};
    if (p->in == AF_IN_PATH) {
        r->path_text[arg->param] = text;
    } else if (p->in == AF_IN_QUERY) {
        append_sep(&r->query, "&");
        af_wbuf_put(&r->query, text, b.len);
    } else if (p->in == AF_IN_COOKIE ||
               (p->in == AF_IN_HEADER && strcasecmp(p->name, "cookie") == 0)) {
        append_sep(&r->cookie, "; ");
        af_wbuf_put(&r->cookie, text, b.len);
    } else {
        add_header(r, header_name(r, p->name), text);
    }
}

static int32_t path_param(const af_operation *op, const char *name, size_t len)
{
    for (uint32_t i = 0; i < op->n_params; i++) {
        const af_param *p = &op->params[i];
        if (p->in == AF_IN_PATH && strncmp(p->name, name, len) == 0 &&
            p->name[len] == '\0')
            return (int32_t)i;
    }
    return -1;
}

static const char *render_path(rctx *r)
{
    af_wbuf b;
    const char *base = r->m->base_path != NULL ? r->m->base_path : "";
    const char *t = r->op->path != NULL ? r->op->path : "";
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    af_wbuf_init(&b, r->a, base_len + strlen(t) + 32);
    if (base_len > 0 && base[0] != '/')
        af_wbuf_putc(&b, '/');
    af_pct_encode(&b, base, base_len, AF_ESC_PATH_LITERAL);
    if (t[0] != '/')
        af_wbuf_putc(&b, '/');
    while (*t != '\0') {
        const char *open = strchr(t, '{');
        const char *close = open != NULL ? strchr(open, '}') : NULL;
        if (close == NULL) {
            af_pct_encode(&b, t, strlen(t), AF_ESC_PATH_LITERAL);
            break;
        }
        af_pct_encode(&b, t, (size_t)(open - t), AF_ESC_PATH_LITERAL);
        int32_t i = path_param(r->op, open + 1, (size_t)(close - open - 1));
        if (i < 0)
            af_pct_encode(&b, open, (size_t)(close - open + 1),
                          AF_ESC_PATH_LITERAL);
        else if (r->path_text[i] != NULL)
            af_wbuf_puts(&b, r->path_text[i]);
        t = close + 1;
    }
    return af_wbuf_cstr(&b);
}

/* ---- credentials ---- */

static const char *base64(af_arena *a, const char *s)
{
    size_t len = strlen(s);
    char *out = af_arena_alloc(a, af_base64_len(len) + 1);
    if (out != NULL)
        af_base64_encode(s, len, out);
    return out;
}

/* A header value: prefix + value with control bytes percent-encoded. */
static const char *header_value(rctx *r, const char *prefix, const char *value)
{
    af_wbuf b;
    af_wbuf_init(&b, r->a, strlen(prefix) + strlen(value) + 8);
    af_wbuf_puts(&b, prefix);
    af_pct_encode(&b, value, strlen(value), AF_ESC_HEADER);
    return af_wbuf_cstr(&b);
}

static void add_api_key(rctx *r, const af_sec_scheme *s, const char *value)
{
    const char *name = s->param_name != NULL ? s->param_name : "";
    if (s->in == AF_IN_HEADER) {
        add_header(r, header_name(r, name), header_value(r, "", value));
        return;
    }
    af_wbuf *b = s->in == AF_IN_QUERY ? &r->query : &r->cookie;
    append_sep(b, s->in == AF_IN_QUERY ? "&" : "; ");
    af_pct_encode(b, name, strlen(name), AF_ESC_URI);
    af_wbuf_putc(b, '=');
    af_pct_encode(b, value, strlen(value), AF_ESC_URI);
}

int af_render_auth_header(af_arena *a, const af_sec_scheme *s,
                          const char *value, const char **prefix,
                          const char **rest)
{
    const char *scheme = s->scheme != NULL ? s->scheme : "";
    *prefix = "Bearer ";
    *rest = value;
    switch (s->type) {
    case AF_SEC_HTTP:
        if (strcasecmp(scheme, "basic") == 0) {
            *prefix = "Basic ";
            *rest = base64(a, value);
            return *rest != NULL ? 1 : AF_ENOMEM;
        }
        if (strcasecmp(scheme, "bearer") != 0 && scheme[0] != '\0') {
            char first = scheme[0] >= 'a' && scheme[0] <= 'z'
                             ? (char)(scheme[0] - 'a' + 'A')
                             : scheme[0];
            *prefix = af_arena_printf(a, "%c%s ", first, scheme + 1);
            return *prefix != NULL ? 1 : AF_ENOMEM;
        }
        return 1;
    case AF_SEC_OAUTH2:
    case AF_SEC_OPENID:
        return 1;
    default: /* apiKey: sent under its name; mutualTLS: nothing to send */
        return 0;
    }
}

static void add_cred(rctx *r, const af_cred *c)
{
    const af_sec_scheme *s = &r->m->schemes[c->scheme];
    const char *value = c->value != NULL ? c->value : "";
    const char *prefix, *rest;
    if (s->type == AF_SEC_API_KEY) {
        add_api_key(r, s, value);
        return;
    }
    if (r->is_auth_param_sent)
        return; /* a header parameter named Authorization was sent */
    int rc = af_render_auth_header(r->a, s, value, &prefix, &rest);
    if (rc != 0)
        add_header(r, "Authorization",
                   rc > 0 ? header_value(r, prefix, rest) : NULL);
}

/* ---- body, headers, raw ---- */

/* A wildcard media type is no Content-Type: text/ * becomes text/plain,
   any other range application/octet-stream. */
static const char *concrete_type(const char *type)
{
    if (strchr(type, '*') == NULL)
        return type;
    return strncmp(type, "text/", 5) == 0 ? "text/plain"
                                          : "application/octet-stream";
}

static void render_body(rctx *r, af_rendered *out)
{
    const af_call *call = r->call;
    const af_media *media =
        call->media >= 0 ? &r->op->body->media[call->media] : NULL;
    const char *ct = call->content_type;
    if (ct == NULL && call->body != NULL && media != NULL)
        ct = media->type;
    if (call->body != NULL) {
        af_wbuf b;
        af_wbuf_init(&b, r->a, 256);
        b.limit = AF_GEN_MAX_RENDERED;
        af_body_write(&b, media, call->body, &r->env, &out->boundary);
        r->is_oom |= b.is_oom;
        out->is_body_truncated = b.is_truncated;
        out->req.body = (const unsigned char *)(b.len > 0 ? b.data : "");
        out->req.body_len = b.len;
    }
    if (ct == NULL)
        return;
    ct = concrete_type(ct);
    if (out->boundary != NULL && strncmp(ct, "multipart/", 10) == 0)
        ct = af_arena_printf(r->a, "%s; boundary=%s", ct, out->boundary);
    out->content_type = ct != NULL ? header_value(r, "", ct) : NULL;
    r->is_oom |= out->content_type == NULL;
}

static bool sends_length(const af_rendered *out, const char *method)
{
    return out->content_type != NULL || out->req.body_len > 0 ||
           strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static void finish_headers(rctx *r, af_rendered *out)
{
    const char *cookie = af_wbuf_cstr(&r->cookie);
    r->is_oom |= cookie == NULL;
    if (r->cookie.len > 0) {
        out->cookie = cookie;
        add_header(r, "Cookie", cookie);
    }
    if (out->content_type != NULL)
        add_header(r, "Content-Type", out->content_type);
    if (sends_length(out, out->req.method)) {
        af_wbuf len;
        af_wbuf_init(&len, r->a, 24);
        af_wbuf_put_int(&len, (int64_t)out->req.body_len);
        add_header(r, "Content-Length", af_wbuf_cstr(&len));
    }
    out->req.headers = r->headers;
    out->req.header_count = r->n_headers;
}

static int render_raw(rctx *r, apifuzz_request *req)
{
    af_wbuf b;
    af_wbuf_init(&b, r->a, 256 + req->body_len);
    af_wbuf_puts(&b, req->method);
    af_wbuf_putc(&b, ' ');
    af_wbuf_puts(&b, req->target);
    af_wbuf_puts(&b, " HTTP/1.1\r\n");
    for (size_t i = 0; i < req->header_count; i++) {
        af_wbuf_puts(&b, req->headers[i].name);
        af_wbuf_puts(&b, ": ");
        af_wbuf_puts(&b, req->headers[i].value);
        af_wbuf_puts(&b, "\r\n");
    }
    af_wbuf_puts(&b, "\r\n");
    af_wbuf_put(&b, req->body, req->body_len);
    req->raw = af_wbuf_cstr(&b);
    req->raw_len = b.len;
    return req->raw != NULL ? 0 : AF_ENOMEM;
}

static int rctx_init(rctx *r, const af_model *m, const af_call *call,
                     af_arena *a)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->op = &m->ops[call->op];
    r->call = call;
    r->a = a;
    r->env = (af_render_env){m, NULL, NULL, a};
    size_t n_headers = 4 + (size_t)call->n_args + call->n_creds;
    r->headers = af_arena_calloc(a, n_headers, sizeof *r->headers);
    r->params = af_arena_calloc(a, call->n_args + 1, sizeof *r->params);
    r->path_text =
        af_arena_calloc(a, r->op->n_params + 1, sizeof *r->path_text);
    af_wbuf_init(&r->query, a, 128);
    af_wbuf_init(&r->cookie, a, 32);
    if (r->headers == NULL || r->params == NULL || r->path_text == NULL)
        return AF_ENOMEM;
    return 0;
}

static const char *join_target(rctx *r, const char *path, const char *query)
{
    if (query[0] == '\0')
        return path;
    af_wbuf b;
    size_t path_len = strlen(path), query_len = strlen(query);
    af_wbuf_init(&b, r->a, path_len + query_len + 2);
    af_wbuf_put(&b, path, path_len);
    af_wbuf_putc(&b, '?');
    af_wbuf_put(&b, query, query_len);
    return af_wbuf_cstr(&b);
}

int af_render_call(const af_model *m, const af_call *call,
                   af_backref_fn resolve, void *ctx, af_arena *a,
                   af_rendered *out, af_error *err)
{
    rctx r;
    memset(out, 0, sizeof *out);
    out->req.body = (const unsigned char *)"";
    int rc = check_call(m, call, err);
    if (rc == 0)
        rc = rctx_init(&r, m, call, a);
    if (rc != 0)
        return rc == AF_ENOMEM ? af_error_set(err, rc, NULL, NULL, 0, 0,
                                              "out of memory rendering")
                               : rc;
    r.env.resolve = resolve;
    r.env.ctx = ctx;
    out->req.method = r.op->method;
    add_header(&r, "Host", AF_RENDER_HOST);
    for (uint32_t i = 0; i < call->n_args; i++)
        if (call->args[i].is_present)
            render_arg(&r, &call->args[i]);
    for (uint32_t i = 0; i < call->n_creds; i++)
        add_cred(&r, &call->creds[i]);
    render_body(&r, out);
    finish_headers(&r, out);
    out->params = r.params;
    out->n_params = r.n_params;
    out->req.path = render_path(&r);
    out->req.query = af_wbuf_cstr(&r.query);
    if (out->req.path != NULL && out->req.query != NULL)
        out->req.target = join_target(&r, out->req.path, out->req.query);
    if (r.is_oom || r.query.is_oom || r.cookie.is_oom ||
        out->req.target == NULL || render_raw(&r, &out->req) != 0)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                            "out of memory rendering");
    return 0;
}
