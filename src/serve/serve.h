/*
 * serve.h - serve mode: a compiled-in service (include/apifuzz.h) behind
 * a real HTTP/1.1 server (libmicrohttpd), so tools that learn from
 * traffic can watch what the fuzzer only calls in-process.
 *
 * Each HTTP request becomes the apifuzz_request the renderer would have
 * built for the same bytes (src/wire/render.h): method, target, path and
 * query exactly as on the wire (no percent-decoding), every header in the
 * order and spelling received (Host, Content-Type, Cookie, Content-Length
 * included), the body bytes, and `raw`, the request re-serialized as
 * HTTP/1.1. A chunked request body is de-chunked; its Transfer-Encoding
 * header (and any Content-Length) becomes one Content-Length, so `raw` is
 * framed as the renderer frames it. The service's answer goes back as it
 * was given: status, headers (Content-Length and Transfer-Encoding are
 * the server's own) and body; a raw answer (apifuzz_response_raw) is
 * served as parsed. An answer that breaks HTTP (response.h: is_malformed)
 * is served as 502 with the reason, as a gateway would.
 *
 * State: init runs once and reset once after it (the state every fuzzed
 * program starts from); then state persists across requests, as with a
 * real server. POST /__apifuzz/reset resets it (204); --reset-each
 * resets before every request. Services are not thread-safe: every call
 * into the service runs under one mutex, while libmicrohttpd's threads do
 * the I/O. The spec embedded at build time (APIFUZZ_SPEC=path overrides
 * it) is served at GET /openapi.json (YAML converted to JSON) and at its
 * own file name (/openapi.yaml) as is, unless the spec documents those
 * paths itself.
 */
#ifndef AF_SERVE_H
#define AF_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apifuzz.h"
#include "util/arena.h"
#include "util/error.h"

/* Request bodies past this are answered 413 unless --max-body says. */
#define AF_SERVE_MAX_BODY_DEFAULT ((size_t)1 << 20)
/* The control endpoint; never forwarded to the service. */
#define AF_SERVE_RESET_PATH "/__apifuzz/reset"

typedef struct af_serve_opts {
    const char *name;   /* the service's name, for messages */
    const char *listen; /* IPv4 or IPv6 address; NULL: 127.0.0.1 */
    uint16_t port;      /* 0: any free port (af_serve_port tells) */
    size_t max_body;    /* 0: AF_SERVE_MAX_BODY_DEFAULT */
    unsigned threads;   /* libmicrohttpd's thread pool; 0: 2 */
    bool is_reset_each; /* reset before every request */
    bool is_logging;    /* one line per request on stderr */
} af_serve_opts;

typedef struct af_server af_server;

/* Loads the spec (APIFUZZ_SPEC, else the embedded one), calls the
   service's init and reset, and starts listening. Returns 0 with *out
   set, AF_ESPEC / AF_ESYNTAX for a spec that does not load, AF_EUSAGE
   for a bad address, a service without handle or a failing init, or
   AF_EIO when the port cannot be bound; err says why. */
int af_serve_start(const apifuzz_service *svc, const af_serve_opts *opts,
                   af_server **out, af_error *err);

/* The port listened on (the one chosen when opts.port was 0). */
uint16_t af_serve_port(const af_server *s);

/* Stops listening (in-flight requests finish first), calls the service's
   fini and frees the server. Prints the request count when logging. */
void af_serve_stop(af_server *s);

/* ---- Internal to src/serve ---- */

/* One request being received: the raw target (from libmicrohttpd's URI
   callback, before any decoding) and the body so far. */
typedef struct af_serve_req {
    char *target;
    unsigned char *body;
    size_t body_len, body_cap;
    bool is_started;
    bool is_too_large;
} af_serve_req;

/* exchange.c: fills *q from the connection's headers, r's target and
   body, allocating from a; false when out of memory. */
struct MHD_Connection;
struct MHD_Response;
bool af_serve_request(af_arena *a, struct MHD_Connection *c, const char *method,
                      const af_serve_req *r, apifuzz_request *q);

/* exchange.c: the libmicrohttpd response for the service's answer (the
   bytes copied) and its status in *status; NULL when out of memory.
   *why is set to the reason when the answer was malformed (502). */
struct MHD_Response *af_serve_response(const apifuzz_response *resp,
                                       unsigned *status, const char **why);

/* exchange.c: a response with a text/plain body (a static string). */
struct MHD_Response *af_serve_text(const char *text);

/* spec.c: the spec texts served. */
typedef struct af_serve_spec {
    char *json; /* the spec as JSON; owned */
    size_t json_len;
    char *text; /* the spec as written; owned */
    size_t text_len;
    char *text_path; /* "/" + its file name; owned */
    const char *text_type;
    bool is_json_shadowed, is_text_shadowed; /* documented by the spec */
} af_serve_spec;

int af_serve_spec_load(af_serve_spec *sp, af_error *err);
void af_serve_spec_free(af_serve_spec *sp);

/* spec.c: the response (to be answered 200) for GET or HEAD of path
   when path names the spec and the spec does not document it; else
   NULL. */
struct MHD_Response *af_serve_spec_route(const af_serve_spec *sp,
                                         const char *path);

#endif
