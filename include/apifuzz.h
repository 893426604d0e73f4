/*
 * apifuzz.h - the service contract: the one thing a user writes.
 *
 * A service is compiled into the fuzz harness and called in-process. It
 * receives each request as a filled apifuzz_request (all pointers valid
 * until handle returns) and answers through the opaque apifuzz_response,
 * whose memory belongs to apifuzz's per-input arena. `reset` runs before
 * each program, so every input is deterministic.
 *
 * This header must stay this small and this stable (DESIGN.md).
 */
#ifndef APIFUZZ_H
#define APIFUZZ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct apifuzz_header {
    const char *name, *value;
} apifuzz_header;

typedef struct apifuzz_request {
    const char *method;            /* "GET", "POST", ... */
    const char *target;            /* path and query, as on the wire */
    const char *path;              /* percent-encoded path, no query */
    const char *query;             /* without '?', "" when none */
    const apifuzz_header *headers; /* includes Content-Type and Cookie */
    size_t header_count;
    const unsigned char *body;
    size_t body_len;
    const char *raw; /* the same request as HTTP/1.1 */
    size_t raw_len;
} apifuzz_request;

typedef struct apifuzz_response apifuzz_response; /* opaque, arena-backed */

void apifuzz_response_status(apifuzz_response *, int status);
void apifuzz_response_header(apifuzz_response *, const char *name,
                             const char *value);
/* Appends len bytes to the body. */
void apifuzz_response_body(apifuzz_response *, const void *data, size_t len);
/* The whole response as HTTP/1.1 bytes; parsed by apifuzz. Returns 0, or
   -1 when it is malformed (itself a finding). */
int apifuzz_response_raw(apifuzz_response *, const void *http, size_t len);

typedef struct apifuzz_service {
    int (*init)(void **state);  /* once per process; nonzero aborts */
    void (*reset)(void *state); /* before each program: initial state */
    void (*handle)(void *state, const apifuzz_request *, apifuzz_response *);
    void (*fini)(void *state); /* may be NULL */
} apifuzz_service;

#ifdef __cplusplus
}
#endif

#endif
