/*
 * render.h - step 3 of DESIGN.md: a decoded call (gen/program.h) becomes
 * a wire request, the apifuzz_request of the service contract, together
 * with the same request as raw HTTP/1.1 bytes and as a curl command.
 *
 * Invariants of every rendered request:
 * - The path and query are percent-encoded per RFC 3986 (OpenAPI
 *   parameter styles, RFC 6570 expansions); neither they, the request line
 *   nor any header value ever holds a raw CR, LF, NUL or other control
 *   byte, so `raw` is always a well-formed HTTP/1.1 request whose request
 *   line, headers and body agree byte for byte with the struct fields.
 * - Content-Length equals body_len whenever it is sent (a body is sent,
 *   or the method is POST, PUT or PATCH); Content-Type is the call's
 *   content type (plus the boundary for multipart bodies).
 * - A body longer than AF_GEN_MAX_RENDERED bytes is cut to its first
 *   AF_GEN_MAX_RENDERED bytes (the same bytes every time) and
 *   af_rendered.is_body_truncated is set: such a call cannot be judged as
 *   positive any more.
 * - Deterministic: the same model, call and resolver answers give the same
 *   bytes. Everything is allocated from the caller's per-input arena.
 *
 * Tuned for the fuzzing loop: one pass per part into arena buffers that
 * grow by doubling, no malloc, a few hundred nanoseconds for a small call.
 */
#ifndef AF_RENDER_H
#define AF_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apifuzz.h"
#include "gen/program.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

/* The Host header of every rendered request. */
#define AF_RENDER_HOST "localhost"
/* Nesting followed when rendering a value; deeper values render as null. */
#define AF_RENDER_MAX_DEPTH 64
/* Back-references followed in a row before the fallback is used. */
#define AF_RENDER_MAX_HOPS 8

/* Resolves a back-reference to the value of the producer's response field
   (owned by the caller, valid until the render returns), or NULL when it
   is not available: then ref->fallback is rendered. */
typedef const af_value *(*af_backref_fn)(void *ctx, const af_backref *ref);

/* One present parameter of a rendered call, as serialized:
   path   - the text that replaced {name} in the template (";id=5", "5");
   query  - its part of the query ("color=blue&color=black");
   header - the header value;
   cookie - its part of the Cookie header ("session=abc"). */
typedef struct af_rendered_param {
    uint32_t param; /* index into the operation's params */
    af_param_in in;
    const char *text;
} af_rendered_param;

typedef struct af_rendered {
    apifuzz_request req;             /* every pointer into the arena */
    const char *content_type;        /* the Content-Type sent; NULL none */
    const char *boundary;            /* multipart boundary; NULL otherwise */
    const af_rendered_param *params; /* present params, operation order */
    uint32_t n_params;
    const char *cookie;     /* the Cookie header value; NULL none */
    bool is_body_truncated; /* body cut at AF_GEN_MAX_RENDERED */
} af_rendered;

/* Renders call of model m into *out, allocating from a. resolve (may be
   NULL) answers back-references; without it every back-reference renders
   its fallback. The path is m->base_path followed by the operation's
   template with the path parameters substituted; the Host header is
   AF_RENDER_HOST. Returns 0, AF_EUSAGE (err says why) when the call does
   not fit the model (an index out of range), or AF_ENOMEM. */
int af_render_call(const af_model *m, const af_call *call,
                   af_backref_fn resolve, void *ctx, af_arena *a,
                   af_rendered *out, af_error *err);

/* The request as a shell command line (POSIX sh / bash): curl with the
   method, the URL base_url + target (base_url NULL: "http://localhost"),
   every header but Host and Content-Length, and the body byte for byte:
   `--data-binary $'...'` when it holds no NUL byte, else the body is piped
   from printf with octal escapes. NUL-terminated, in a; NULL when out of
   memory. */
const char *af_render_curl(af_arena *a, const apifuzz_request *r,
                           const char *base_url);

/* The raw HTTP/1.1 request made printable for a report (lossy: for
   people; the curl line is the exact reproduction): CR LF line ends, in
   the head and the body, become LF; other body bytes that are not
   printable UTF-8 text (or tab, LF) become \xHH and a backslash \\; at
   most max_body body bytes are shown, then "... (N more bytes)".
   NUL-terminated, in a; NULL when out of memory. */
const char *af_render_http_text(af_arena *a, const apifuzz_request *r,
                                size_t max_body);

/* The Authorization header of an http, oauth2 or openIdConnect
   credential, as the renderer sends it and the decoder predicts it
   (src/gen/auth.c): *prefix ("Basic ", "Bearer ", or "<Scheme> " with the
   first letter of any other http scheme upper-cased) goes out as is, then
   *rest (base64(value) for basic, else value) header-escaped. Returns 1
   with both set (strings in a or static), 0 when the scheme sends no
   Authorization header this way (apiKey, mutualTLS), or AF_ENOMEM. */
int af_render_auth_header(af_arena *a, const af_sec_scheme *s,
                          const char *value, const char **prefix,
                          const char **rest);

/* ---- Internal to src/wire (style.c, json.c, body.c, render.c) ---- */

/* What every serializer needs: the model and the resolver. */
typedef struct af_render_env {
    const af_model *model;
    af_backref_fn resolve;
    void *ctx;
    af_arena *arena;
} af_render_env;

/* A growable byte buffer in an arena. Writes past `limit` are dropped
   and set is_truncated; a failed allocation sets is_oom (later writes are
   dropped). data is not NUL-terminated until af_wbuf_cstr. */
typedef struct af_wbuf {
    af_arena *arena;
    char *data;
    size_t len, cap;
    size_t limit; /* SIZE_MAX: none */
    bool is_truncated;
    bool is_oom;
} af_wbuf;

void af_wbuf_init(af_wbuf *b, af_arena *a, size_t cap);
/* A buffer over caller memory that never grows (writes past cap are
   dropped and set is_truncated). */
void af_wbuf_init_fixed(af_wbuf *b, char *mem, size_t cap);
/* Makes room for n more bytes; false when full or out of memory. */
bool af_wbuf_reserve(af_wbuf *b, size_t n);
void af_wbuf_put(af_wbuf *b, const void *p, size_t n);
void af_wbuf_puts(af_wbuf *b, const char *s);
void af_wbuf_putc(af_wbuf *b, char c);
/* The decimal text of i (no printf: this is on every call's path). */
void af_wbuf_put_int(af_wbuf *b, int64_t i);
/* NUL-terminates (the NUL is not counted in len); NULL when out of
   memory. */
const char *af_wbuf_cstr(af_wbuf *b);

/* v with back-references followed (the resolver's answer, else the
   fallback; a missing fallback is null). Never NULL. */
const af_value *af_render_deref(const af_value *v, const af_render_env *env);

/* Whether a media type (lower case, parameters allowed) is JSON:
   application/json or any type with the +json suffix. */
bool af_media_is_json(const char *type);

/* json.c: v as compact JSON text. Strings are escaped (control bytes as
   \uXXXX or short escapes, bytes that are not valid UTF-8 as \u00XX, so
   the text is always valid UTF-8); integers exact; other numbers in the
   shortest %.15g..%.17g form that reads back to the same double, -0 as
   "-0.0", NaN as 0 and infinities as the largest finite double; AF_V_RAW
   verbatim. */
/* Length of the valid UTF-8 sequence at p (n > 0 bytes left), else 0. */
size_t af_utf8_len(const unsigned char *p, size_t n);

void af_json_write(af_wbuf *b, const af_value *v, const af_render_env *env);
void af_json_string(af_wbuf *b, const char *s, size_t len);
void af_json_number(af_wbuf *b, double d);

/* style.c: how one value is written in one place. */
typedef enum af_esc {
    AF_ESC_URI = 0,      /* all but RFC 3986 unreserved percent-encoded */
    AF_ESC_URI_RESERVED, /* allowReserved: reserved characters and
                            percent triplets kept, except # [ ] & = + */
    AF_ESC_HEADER,       /* header value: control bytes percent-encoded */
    AF_ESC_HEADER_ITEM,  /* as HEADER, and the delimiters , = too */
    AF_ESC_PATH_LITERAL  /* template text: RFC 3986 pchar, '/' and
                            percent triplets kept */
} af_esc;

void af_pct_encode(af_wbuf *b, const char *s, size_t len, af_esc esc);

/* The text of a primitive (string bytes, integer, number as in JSON,
   true/false, null as ""), or the JSON text of an array or object. */
void af_style_text(af_wbuf *b, const af_value *v, const af_render_env *env);

/* A parameter-like serialization: the value named `name` in location
   `in` with an OpenAPI style. Query and cookie output is the whole
   "name=value" text (pairs joined by '&' in a query, "; " in a cookie);
   path output is what replaces {name}; header output is the value. */
typedef struct af_style_spec {
    const char *name;
    af_param_in in;
    af_style style;
    bool explode;
    bool allow_reserved;
} af_style_spec;

void af_style_write(af_wbuf *b, const af_style_spec *s, const af_value *v,
                    const af_render_env *env);

/* Parameter p with value v, as af_rendered_param.text describes; a
   parameter with `content` is serialized by its media type. */
void af_style_param(af_wbuf *b, const af_param *p, const af_value *v,
                    const af_render_env *env);

/* body.c: the body v for media type `media`. *boundary is set for a
   multipart body (else NULL). */
void af_body_write(af_wbuf *b, const af_media *media, const af_value *v,
                   const af_render_env *env, const char **boundary);

#endif
