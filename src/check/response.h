/*
 * response.h - the apifuzz_response of the service contract, and the
 * parser of whole HTTP/1.1 responses given with apifuzz_response_raw.
 *
 * A response belongs to one call of one program; it and everything it
 * points to live in the per-input arena given to af_response_init (the
 * service's header strings and body bytes are copied in), so it stays
 * valid until that arena is reset. Sizes are bounded: a body longer than
 * AF_RESPONSE_MAX_BODY is cut there (is_truncated), headers past
 * AF_RESPONSE_MAX_HEADERS are dropped (is_truncated), and a header name
 * or value longer than AF_RESPONSE_MAX_FIELD is cut.
 *
 * A response that breaks HTTP (a malformed raw response, a status outside
 * 100..599, a header name that is not a token, a CR or LF inside a value)
 * is marked is_malformed with a reason: the malformed_response check
 * reports it as a finding.
 */
#ifndef AF_RESPONSE_H
#define AF_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "apifuzz.h"
#include "util/arena.h"

#define AF_RESPONSE_MAX_BODY (1u << 20)
#define AF_RESPONSE_MAX_HEADERS 128
#define AF_RESPONSE_MAX_FIELD 8192
/* A raw response longer than this is refused as malformed. */
#define AF_RESPONSE_MAX_RAW (AF_RESPONSE_MAX_BODY + 256u * 1024u)

struct apifuzz_response {
    af_arena *arena;
    int status; /* 200 until the service sets one */
    bool has_status;
    apifuzz_header *headers; /* names and values NUL-terminated */
    size_t n_headers, cap_headers;
    unsigned char *body; /* NUL-terminated (not counted in body_len) */
    size_t body_len, body_cap;
    bool is_truncated;
    bool is_malformed;
    const char *malformed; /* why, when is_malformed */
};

/* An empty response (status 200, no headers, no body) in arena a. */
void af_response_init(apifuzz_response *r, af_arena *a);

/* The value of the first header named name (case-insensitive), or NULL. */
const char *af_response_header(const apifuzz_response *r, const char *name);

/* The media type of the Content-Type header, lower case, without
   parameters or spaces ("application/json"), in the arena; NULL when
   there is no Content-Type. */
const char *af_response_media_type(const apifuzz_response *r);

/* The first time it is called, marks r malformed with reason why. */
void af_response_set_malformed(apifuzz_response *r, const char *why);

#endif
