/*
 * exchange.c - serve mode's translation between HTTP as libmicrohttpd
 * received it and the service contract (serve.h tells the rules).
 *
 * Request: the target is the raw one from the URI callback (an
 * absolute-form target is cut to its origin-form, RFC 9112 §3.2.2);
 * headers come in the order received with their names as spelled (the
 * library trims spaces around values, as the renderer never sends any);
 * `raw` is rebuilt from those fields, so it agrees with them byte for byte
 * as a rendered request does. Response: the service's fields copied out
 * of the per-request arena into a libmicrohttpd response.
 *
 * Runs under the server's service lock with the server's arena: no malloc
 * per request beyond libmicrohttpd's own response object.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "check/response.h"
#include "serve/serve.h"
#include "wire/render.h"

typedef struct collect {
    af_arena *arena;
    apifuzz_header *headers;
    size_t n, cap;
    int te_at;       /* index of the first Transfer-Encoding; -1 none */
    size_t body_len; /* for the Content-Length that replaces it */
    bool is_oom;
} collect;

static void push(collect *k, const char *name, const char *value)
{
    if (k->n == k->cap) {
        k->is_oom = true;
        return;
    }
    k->headers[k->n].name = name;
    k->headers[k->n].value = value != NULL ? value : "";
    k->n++;
}

/* A chunked body arrives de-chunked: its framing headers give way to the
   one Content-Length the renderer would have sent. */
static enum MHD_Result take_header(void *ctx, enum MHD_ValueKind kind,
                                   const char *name, const char *value)
{
    collect *k = ctx;
    (void)kind;
    if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        if (k->te_at < 0)
            k->te_at = (int)k->n;
        else
            return MHD_YES;
        af_wbuf len;
        af_wbuf_init(&len, k->arena, 24);
        af_wbuf_put_int(&len, (int64_t)k->body_len);
        const char *text = af_wbuf_cstr(&len);
        k->is_oom |= text == NULL;
        push(k, MHD_HTTP_HEADER_CONTENT_LENGTH, text);
        return MHD_YES;
    }
    push(k, name, value);
    return MHD_YES;
}

static bool has_transfer_encoding(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(
               c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

static bool collect_headers(af_arena *a, struct MHD_Connection *c,
                            size_t body_len, apifuzz_request *q)
{
    int n = MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL);
    collect k = {a, NULL, 0, 0, -1, body_len, false};
    k.cap = n > 0 ? (size_t)n : 0;
    k.headers = af_arena_calloc(a, k.cap + 1, sizeof *k.headers);
    if (k.headers == NULL)
        return false;
    if (has_transfer_encoding(c)) {
        /* Any Content-Length beside Transfer-Encoding is void (RFC 9112
           §6.3): collect without it, then let take_header add ours. */
        collect all = k;
        MHD_get_connection_values(c, MHD_HEADER_KIND, take_header, &all);
        k.n = 0;
        for (size_t i = 0; i < all.n; i++)
            if (strcasecmp(all.headers[i].name,
                           MHD_HTTP_HEADER_CONTENT_LENGTH) != 0 ||
                (int)i == all.te_at)
                k.headers[k.n++] = all.headers[i];
        k.is_oom = all.is_oom;
    } else {
        MHD_get_connection_values(c, MHD_HEADER_KIND, take_header, &k);
    }
    q->headers = k.headers;
    q->header_count = k.n;
    return !k.is_oom;
}

/* RFC 9112 §3.2.2: "http://host:port/p?q" is served as "/p?q". */
static const char *origin_form(const char *target)
{
    size_t skip = 0;
    if (strncasecmp(target, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(target, "https://", 8) == 0)
        skip = 8;
    if (skip == 0)
        return target;
    const char *p = target + skip + strcspn(target + skip, "/?");
    return *p == '/' ? p : "/";
}

static bool split_target(af_arena *a, const char *target, apifuzz_request *q)
{
    q->target = origin_form(target);
    size_t path_len = strcspn(q->target, "?");
    q->path = af_arena_strndup(a, q->target, path_len);
    q->query = q->target[path_len] == '?' ? q->target + path_len + 1 : "";
    return q->path != NULL;
}

static bool build_raw(af_arena *a, apifuzz_request *q)
{
    af_wbuf b;
    af_wbuf_init(&b, a, 256 + q->body_len);
    af_wbuf_puts(&b, q->method);
    af_wbuf_putc(&b, ' ');
    af_wbuf_puts(&b, q->target);
    af_wbuf_puts(&b, " HTTP/1.1\r\n");
    for (size_t i = 0; i < q->header_count; i++) {
        af_wbuf_puts(&b, q->headers[i].name);
        af_wbuf_puts(&b, ": ");
        af_wbuf_puts(&b, q->headers[i].value);
        af_wbuf_puts(&b, "\r\n");
    }
    af_wbuf_puts(&b, "\r\n");
    af_wbuf_put(&b, q->body, q->body_len);
    q->raw = af_wbuf_cstr(&b);
    q->raw_len = b.len;
    return q->raw != NULL;
}

bool af_serve_request(af_arena *a, struct MHD_Connection *c, const char *method,
                      const af_serve_req *r, apifuzz_request *q)
{
    memset(q, 0, sizeof *q);
    q->method = method;
    q->body = r->body != NULL ? r->body : (const unsigned char *)"";
    q->body_len = r->body_len;
    return split_target(a, r->target, q) &&
           collect_headers(a, c, r->body_len, q) && build_raw(a, q);
}

/* ---- responses ---- */

struct MHD_Response *af_serve_text(const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (r != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; charset=utf-8");
    return r;
}

/* The server frames the body itself; the service's framing headers
   would contradict it. */
static bool is_framing(const char *name)
{
    return strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0 ||
           strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0;
}

static struct MHD_Response *bad_gateway(const char *why, unsigned *status)
{
    char text[512];
    int n =
        snprintf(text, sizeof text,
                 "apifuzz serve: the service's answer breaks HTTP: %s\n", why);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        n > 0 && (size_t)n < sizeof text ? (size_t)n : sizeof text - 1, text,
        MHD_RESPMEM_MUST_COPY);
    if (r != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; charset=utf-8");
    *status = MHD_HTTP_BAD_GATEWAY;
    return r;
}

struct MHD_Response *af_serve_response(const apifuzz_response *resp,
                                       unsigned *status, const char **why)
{
    *why = NULL;
    if (resp->is_malformed)
        *why = resp->malformed;
    else if (resp->status < 200)
        *why = "a 1xx status cannot end an exchange";
    if (*why != NULL)
        return bad_gateway(*why, status);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, resp->body_len > 0 ? resp->body : NULL,
        MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < resp->n_headers; i++)
        if (!is_framing(resp->headers[i].name))
            MHD_add_response_header(r, resp->headers[i].name,
                                    resp->headers[i].value);
    *status = (unsigned)resp->status;
    return r;
}
