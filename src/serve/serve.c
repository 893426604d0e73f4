/*
 * serve.c - the serve-mode server (serve.h): libmicrohttpd's daemon with
 * its own threads, the request life cycle (target captured before any
 * decoding, body gathered up to the bound, then one dispatch), the
 * control and spec routes, and the call into the service.
 *
 * Invariants: the service, its state and the per-request arena are only
 * touched under `lock`, so a service written for the single-threaded
 * fuzzer is safe behind any number of connections; libmicrohttpd answers
 * what never reaches a handler itself (400 for malformed requests, 431
 * for oversized headers) and keeps serving. A body over max_body is
 * answered 413: at once when the client waits for 100 Continue (the body
 * is never sent; the connection closes), else once the body has been
 * received and dropped (the connection stays open).
 *
 * Tuned for a test client on loopback: keep-alive connections, small
 * requests, a few thousand exchanges per second; the service call, not
 * the I/O, is the serialized part.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "check/response.h"
#include "serve/serve.h"

/* RFC 9110 §15.5.14 (the library's own name for it changed over time). */
#define HTTP_CONTENT_TOO_LARGE 413u

struct af_server {
    struct MHD_Daemon *daemon;
    const apifuzz_service *svc;
    void *state;
    bool has_state;
    af_serve_opts opts;
    af_serve_spec spec;
    pthread_mutex_t lock; /* guards svc calls, state, arena, n_requests */
    af_arena arena;       /* one request's translation and answer */
    unsigned long n_requests;
    uint16_t port;
};

/* ---- request life cycle ---- */

/* libmicrohttpd's URI callback: the target as sent, before the library
   splits and percent-decodes it; its result is the request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    af_serve_req *r = calloc(1, sizeof *r);
    if (r != NULL && (r->target = strdup(uri)) == NULL) {
        free(r);
        r = NULL;
    }
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    af_serve_req *r = *ctx;
    if (r != NULL) {
        free(r->target);
        free(r->body);
        free(r);
    }
    *ctx = NULL;
}

static void take_body(af_serve_req *r, const char *data, size_t n,
                      size_t max_body)
{
    if (r->is_too_large)
        return;
    if (n > max_body - r->body_len) {
        r->is_too_large = true;
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
        return;
    }
    if (r->body_len + n > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n)
            cap *= 2;
        unsigned char *b = realloc(r->body, cap);
        if (b == NULL) {
            r->is_too_large = true; /* answered 413 rather than crash */
            return;
        }
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
}

/* A client that waits for 100 Continue (curl does past 1 KiB) is told
   413 at once and never sends the body. Any other client is sending the
   body already: it is read and dropped, so the client gets to read the
   413 and the connection stays usable (answering early would close it
   with unread bytes, a reset before the client reads anything). */
static bool is_refused_early(struct MHD_Connection *c, size_t max_body)
{
    const char *cl = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *expect =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    if (cl == NULL || expect == NULL || strcasecmp(expect, "100-continue") != 0)
        return false;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && n > max_body;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *resp)
{
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- routes ---- */

static enum MHD_Result reset_route(af_server *s, struct MHD_Connection *c,
                                   const char *method)
{
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
        struct MHD_Response *r = af_serve_text("use POST\n");
        if (r != NULL)
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    }
    pthread_mutex_lock(&s->lock);
    if (s->svc->reset != NULL)
        s->svc->reset(s->state);
    pthread_mutex_unlock(&s->lock);
    return reply(c, MHD_HTTP_NO_CONTENT, af_serve_text(""));
}

static void log_exchange(const af_serve_opts *o, const apifuzz_request *q,
                         unsigned status, const char *why)
{
    if (!o->is_logging)
        return;
    fprintf(stderr, "%s %s -> %u%s%s\n", q->method, q->target, status,
            why != NULL ? ": malformed answer: " : "", why != NULL ? why : "");
}

static enum MHD_Result service_route(af_server *s, struct MHD_Connection *c,
                                     const char *method, const af_serve_req *r)
{
    struct MHD_Response *out = NULL;
    unsigned status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    const char *why = NULL;
    apifuzz_request q;
    apifuzz_response resp;
    pthread_mutex_lock(&s->lock);
    af_arena_reset(&s->arena);
    if (af_serve_request(&s->arena, c, method, r, &q)) {
        if (s->opts.is_reset_each && s->svc->reset != NULL)
            s->svc->reset(s->state);
        af_response_init(&resp, &s->arena);
        s->svc->handle(s->state, &q, &resp);
        out = af_serve_response(&resp, &status, &why);
        log_exchange(&s->opts, &q, status, why);
    }
    s->n_requests++;
    pthread_mutex_unlock(&s->lock);
    if (out == NULL)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                     af_serve_text("apifuzz serve: out of memory\n"));
    return reply(c, status, out);
}

static enum MHD_Result dispatch(af_server *s, struct MHD_Connection *c,
                                const char *method, const af_serve_req *r)
{
    char path[64]; /* the own routes' paths are short: longer ones match
                      none of them and stay "" here */
    size_t n = strcspn(r->target, "?");
    snprintf(path, sizeof path, "%.*s", (int)(n < sizeof path ? n : 0),
             r->target);
    if (strcmp(path, AF_SERVE_RESET_PATH) == 0)
        return reset_route(s, c, method);
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
        strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
        struct MHD_Response *spec = af_serve_spec_route(&s->spec, path);
        if (spec != NULL)
            return reply(c, MHD_HTTP_OK, spec);
    }
    return service_route(s, c, method, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_len, void **ctx)
{
    af_server *s = cls;
    af_serve_req *r = *ctx;
    (void)url;
    (void)version;
    if (r == NULL)
        return MHD_NO; /* the URI callback ran out of memory */
    if (!r->is_started) {
        r->is_started = true;
        if (!is_refused_early(c, s->opts.max_body))
            return MHD_YES;
        r->is_too_large = true;
        return reply(c, HTTP_CONTENT_TOO_LARGE,
                     af_serve_text("request body too large\n"));
    }
    if (*data_len > 0) {
        take_body(r, data, *data_len, s->opts.max_body);
        *data_len = 0;
        return MHD_YES;
    }
    if (r->is_too_large)
        return reply(c, HTTP_CONTENT_TOO_LARGE,
                     af_serve_text("request body too large\n"));
    return dispatch(s, c, method, r);
}

/* ---- start and stop ---- */

static int parse_addr(const char *text, struct sockaddr_storage *ss,
                      uint16_t port, bool *is_v6)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    *is_v6 = false;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *is_v6 = true;
        return 0;
    }
    return -1;
}

static int start_daemon(af_server *s, af_error *err)
{
    struct sockaddr_storage ss;
    bool is_v6;
    const char *addr = s->opts.listen ? s->opts.listen : "127.0.0.1";
    if (parse_addr(addr, &ss, s->opts.port, &is_v6) != 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "--listen %s: not an IPv4 or IPv6 address", addr);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
    flags |= is_v6 ? MHD_USE_IPv6 : 0;
    flags |= s->opts.is_logging ? MHD_USE_ERROR_LOG : 0;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->opts.threads, MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)256 * 1024, MHD_OPTION_END);
    if (s->daemon == NULL)
        return af_error_set(err, AF_EIO, NULL, NULL, 0, 0,
                            "cannot listen on %s port %u (in use?)", addr,
                            (unsigned)s->opts.port);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : s->opts.port;
    return 0;
}

static int init_service(af_server *s, af_error *err)
{
    if (s->svc == NULL || s->svc->handle == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "the service has no handle function");
    if (s->svc->init != NULL && s->svc->init(&s->state) != 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "the service's init failed");
    s->has_state = true;
    if (s->svc->reset != NULL)
        s->svc->reset(s->state);
    return 0;
}

int af_serve_start(const apifuzz_service *svc, const af_serve_opts *opts,
                   af_server **out, af_error *err)
{
    *out = NULL;
    af_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    s->svc = svc;
    s->opts = *opts;
    if (s->opts.max_body == 0)
        s->opts.max_body = AF_SERVE_MAX_BODY_DEFAULT;
    if (s->opts.threads == 0)
        s->opts.threads = 2;
    af_arena_init(&s->arena);
    pthread_mutex_init(&s->lock, NULL);
    int rc = af_serve_spec_load(&s->spec, err);
    if (rc == 0)
        rc = init_service(s, err);
    if (rc == 0)
        rc = start_daemon(s, err);
    if (rc != 0) {
        af_serve_stop(s);
        return rc;
    }
    *out = s;
    return 0;
}

uint16_t af_serve_port(const af_server *s)
{
    return s->port;
}

void af_serve_stop(af_server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon);
    if (s->has_state && s->svc->fini != NULL)
        s->svc->fini(s->state);
    if (s->opts.is_logging)
        fprintf(stderr, "%s: %lu requests served\n",
                s->opts.name ? s->opts.name : "serve", s->n_requests);
    af_serve_spec_free(&s->spec);
    af_arena_free(&s->arena);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
