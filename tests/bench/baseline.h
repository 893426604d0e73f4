/*
 * baseline.h - the plain libFuzzer harness a user would write without
 * apifuzz, shared by the benchmark's baselines (fuzz/booking_baseline/,
 * fuzz/petstore_baseline/): each names its operations in a table and
 * hands every input to baseline_run.
 *
 * An input is read FuzzedDataProvider style, front to back: per call
 * one byte choosing the operation, then a random-length string (the
 * path parameter, or the query string of a collection operation) when
 * the operation has one, then a random-length string as the raw body
 * when it takes one; up to BASELINE_MAX_CALLS calls
 * while bytes remain, so stateful bugs stay reachable. Random-length
 * strings end at a backslash followed by any other byte ("\\" is one
 * backslash), as libFuzzer's ConsumeRandomLengthString does. Requests
 * carry the fixed headers of their table entry (media type, a valid
 * credential) and nothing else.
 *
 * The only check is the one a user makes: a 5xx answer aborts, after a
 * line "baseline: 5xx: METHOD TEMPLATE STATUS" on stderr (the benchmark
 * turns it into not_a_server_error's signature). Sanitizers catch the
 * rest. No schema is looked at.
 */
#ifndef BASELINE_H
#define BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apifuzz.h"

#define BASELINE_MAX_CALLS 4
#define BASELINE_MAX_PARAM 256 /* bytes of a path parameter or query */
#define BASELINE_MAX_BODY 4096 /* bytes of a body */
#define BASELINE_MAX_HEADERS 4

typedef struct baseline_op {
    const char *method;
    const char *name;         /* "METHOD /template", for the 5xx line */
    const char *prefix;       /* the path before the parameter */
    const char *suffix;       /* the path after it ("" when none) */
    bool is_query;            /* the parameter is the query string */
    bool has_param;           /* false: the path is prefix alone */
    const char *content_type; /* NULL: no body */
    /* Fixed headers; the first {NULL, NULL} ends the list. */
    apifuzz_header headers[BASELINE_MAX_HEADERS];
} baseline_op;

/* Calls service->init once; aborts when it fails. */
void *baseline_init(const apifuzz_service *service);

/* Runs one input: resets the service, then its calls in order. */
void baseline_run(const apifuzz_service *service, void *state,
                  const baseline_op *ops, size_t n_ops, const uint8_t *data,
                  size_t size);

#endif
