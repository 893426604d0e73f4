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

/* The engine glue behind APIFUZZ_TARGET (src/engine/fuzzer.c); not for
   direct use. */
int apifuzz_fuzzer_initialize(const apifuzz_service *service, int *argc,
                              char ***argv);
int apifuzz_fuzzer_run(const unsigned char *data, size_t size);
size_t apifuzz_fuzzer_mutate(unsigned char *data, size_t size, size_t max_size,
                             unsigned int seed);
size_t apifuzz_fuzzer_crossover(const unsigned char *data1, size_t size1,
                                const unsigned char *data2, size_t size2,
                                unsigned char *out, size_t max_out_size,
                                unsigned int seed);

/* Built with -DAPIFUZZ_NO_CUSTOM_MUTATOR, a target leaves libFuzzer's own
   byte mutations in charge (the decoder still reads every input). */
#ifdef APIFUZZ_NO_CUSTOM_MUTATOR
#define APIFUZZ_TARGET_MUTATOR_
#else
#define APIFUZZ_TARGET_MUTATOR_                                                \
    size_t LLVMFuzzerCustomMutator(unsigned char *data, size_t size,           \
                                   size_t max_size, unsigned int seed);        \
    size_t LLVMFuzzerCustomMutator(unsigned char *data, size_t size,           \
                                   size_t max_size, unsigned int seed)         \
    {                                                                          \
        return apifuzz_fuzzer_mutate(data, size, max_size, seed);              \
    }                                                                          \
    size_t LLVMFuzzerCustomCrossOver(const unsigned char *data1, size_t size1, \
                                     const unsigned char *data2, size_t size2, \
                                     unsigned char *out, size_t max_out_size,  \
                                     unsigned int seed);                       \
    size_t LLVMFuzzerCustomCrossOver(const unsigned char *data1, size_t size1, \
                                     const unsigned char *data2, size_t size2, \
                                     unsigned char *out, size_t max_out_size,  \
                                     unsigned int seed)                        \
    {                                                                          \
        return apifuzz_fuzzer_crossover(data1, size1, data2, size2, out,       \
                                        max_out_size, seed);                   \
    }
#endif

/* In the harness source, with `service` an object of type
   apifuzz_service: defines the libFuzzer entry points
   (LLVMFuzzerInitialize, LLVMFuzzerTestOneInput, LLVMFuzzerCustomMutator,
   LLVMFuzzerCustomCrossOver) for this service and the spec embedded at
   build time (APIFUZZ_SPEC=path overrides it). Use it once, at file
   scope, followed by a semicolon. */
#define APIFUZZ_TARGET(service)                                                \
    int LLVMFuzzerInitialize(int *argc, char ***argv);                         \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                          \
    {                                                                          \
        return apifuzz_fuzzer_initialize(&(service), argc, argv);              \
    }                                                                          \
    int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);        \
    int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)         \
    {                                                                          \
        return apifuzz_fuzzer_run(data, size);                                 \
    }                                                                          \
    APIFUZZ_TARGET_MUTATOR_                                                    \
    typedef int apifuzz_target_defined_

#ifdef __cplusplus
}
#endif

#endif
