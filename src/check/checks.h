/*
 * checks.h - the named checks of DESIGN.md (Schemathesis names) that
 * judge each exchange of a program, and their selection.
 *
 * A check context lives for one program: it holds the stateful checks'
 * memory (resources created and deleted so far, by rendered path) and
 * the findings, all in the per-input arena. The runner feeds it every
 * exchange in order (af_checks_exchange); deterministic and
 * unsupported_method need the runner to send extra requests, so they are
 * judged by the af_checks_* functions it calls for them.
 */
#ifndef AF_CHECKS_H
#define AF_CHECKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "check/response.h"
#include "gen/program.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"
#include "wire/render.h"

typedef enum af_check_id {
    AF_CHECK_NOT_A_SERVER_ERROR = 0,
    AF_CHECK_STATUS_CODE_CONFORMANCE,
    AF_CHECK_CONTENT_TYPE_CONFORMANCE,
    AF_CHECK_RESPONSE_HEADERS_CONFORMANCE,
    AF_CHECK_RESPONSE_SCHEMA_CONFORMANCE,
    AF_CHECK_NEGATIVE_DATA_REJECTION,
    AF_CHECK_POSITIVE_DATA_ACCEPTANCE,
    AF_CHECK_USE_AFTER_FREE,
    AF_CHECK_ENSURE_RESOURCE_AVAILABILITY,
    AF_CHECK_IGNORED_AUTH,
    AF_CHECK_MAX_RESPONSE_TIME,
    AF_CHECK_DETERMINISTIC,
    AF_CHECK_UNSUPPORTED_METHOD,
    AF_CHECK_MISSING_REQUIRED_HEADER,
    AF_CHECK_MALFORMED_RESPONSE, /* apifuzz's own: the response is not
                                    valid HTTP (raw bytes, bad status) */
    AF_CHECK_COUNT
} af_check_id;

#define AF_CHECK_BIT(id) (1u << (id))

/* The default selection: the conformance checks, not_a_server_error,
   negative_data_rejection, use_after_free, ensure_resource_availability,
   ignored_auth, malformed_response. */
uint32_t af_checks_default(void);

/* "not_a_server_error", ...; NULL for an unknown id. */
const char *af_check_name(af_check_id id);

/* Parses a selection (APIFUZZ_CHECKS syntax): comma-separated items,
   each `all`, `default`, `none`, a check name (added), `+name` (added)
   or `-name` (removed), applied left to right from an empty set; a list
   of only +/- items starts from the defaults. NULL or "" gives the
   defaults. Returns 0, or AF_EUSAGE naming the unknown item. */
int af_checks_parse(const char *spec, uint32_t *out, af_error *err);

/* What one check found. Strings live in the arena. */
typedef struct af_finding {
    af_check_id check;
    uint32_t call;        /* index of the call in the program */
    const char *method;   /* the method judged (unsupported_method: the
                             undocumented one sent) */
    const char *path;     /* the operation's path template */
    int status;           /* the response status */
    const char *reason;   /* one line: what is wrong */
    const char *instance; /* JSON pointer into the response (or request)
                             body; "" when none */
    const char *schema;   /* pointer into the spec; "" when none */
    const char *expected; /* "" when not applicable */
    const char *got;
} af_finding;

/* One call as sent and answered. */
typedef struct af_exchange {
    const af_call *call;
    const af_rendered *rendered;
    const apifuzz_response *response;
    const cJSON *json; /* the response body parsed as JSON when its
                          Content-Type is JSON and it parses; else NULL.
                          Lives in the per-input arena: read only, never
                          cJSON_Delete it */
    double elapsed_ms;
} af_exchange;

typedef struct af_check_opts {
    uint32_t enabled;         /* AF_CHECK_BIT set */
    uint32_t max_response_ms; /* max_response_time's bound */
    bool is_format_strict;    /* negative_data_rejection also on soft
                                 (format) violations */
} af_check_opts;

typedef struct af_resource {
    const char *path; /* rendered path */
    uint32_t call;    /* the call that created / deleted it */
} af_resource;

typedef struct af_check_ctx {
    const af_model *model;
    af_check_opts opts;
    af_arena *arena;
    af_resource *created, *deleted;
    uint32_t n_created, n_deleted, cap_created, cap_deleted;
    af_finding *findings;
    uint32_t n_findings, cap_findings;
} af_check_ctx;

/* A fresh context for one program; nothing allocated until used. */
void af_checks_begin(af_check_ctx *ctx, const af_model *m,
                     const af_check_opts *opts, af_arena *a);

/* Runs the enabled per-exchange checks on exchange x, call `index` of
   the program, in table order, and updates the resource state. Returns
   the number of findings added (ctx->findings[n_findings - k ..]). */
uint32_t af_checks_exchange(af_check_ctx *ctx, uint32_t index,
                            const af_exchange *x);

/* deterministic: the rerun's response b of call `index` against the
   first run's a (status and body). Returns 1 when a finding was added. */
uint32_t af_checks_deterministic(af_check_ctx *ctx, uint32_t index,
                                 const af_exchange *x,
                                 const apifuzz_response *a,
                                 const apifuzz_response *b);

/* unsupported_method: the response r to method `method`, which the spec
   does not document on the path of x's operation. Returns 1 when a
   finding was added. */
uint32_t af_checks_unsupported(af_check_ctx *ctx, uint32_t index,
                               const af_exchange *x, const char *method,
                               const apifuzz_response *r);

/* An undocumented method for the path of operation op (the first of
   GET, PUT, POST, DELETE, PATCH the path lacks), or NULL. */
const char *af_checks_undocumented_method(const af_model *m, uint32_t op);

/* The report of finding f (issue 4's order): headline, reason with
   pointers and expected/got, the failing response (status, headers,
   the first 1 KiB of the body), the program up to the failing call as
   raw HTTP and as curl lines, and the signature line. xs are the
   program's exchanges (n of them). Uses a for the texts. */
void af_report_write(FILE *out, const af_model *m, const af_finding *f,
                     const af_exchange *xs, uint32_t n, af_arena *a);

/* The signature line's value: "<check>:<METHOD path>:<status>:<schema>",
   in a. */
const char *af_report_signature(const af_finding *f, af_arena *a);

#endif
