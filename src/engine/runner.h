/*
 * runner.h - the in-process runner: one fuzz input through DESIGN.md's
 * steps 2-5 (decode, render, handle, check). Engine glue (libFuzzer and
 * AFL++ entry points) lives elsewhere and calls only this.
 *
 * Lifetimes: a runner is built once per process over a model, a plan and
 * a service (all borrowed; they must outlive it); it calls the service's
 * init at af_runner_new and fini at af_runner_free. Each af_runner_run
 * resets the runner's per-input arena, so everything of one input
 * (program, requests, responses, findings, report texts) is gone when the
 * next input starts. Not thread-safe: one runner per thread.
 */
#ifndef AF_RUNNER_H
#define AF_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "apifuzz.h"
#include "check/checks.h"
#include "gen/gen.h"
#include "spec/model.h"
#include "util/error.h"

/* Called for each finding after its report was written; report is the
   whole report text (NUL-terminated, valid during the call). When it
   returns, the runner goes on checking. */
typedef void (*af_failure_fn)(void *ctx, const af_finding *f,
                              const char *report);

/* Called after each exchange was checked, before its findings are
   reported: the call's index, the exchange, and the AF_CHECK_BIT set of
   the checks that failed on it. For the engines' API-level feedback and
   coverage statistics; must not keep pointers into the exchange. */
typedef void (*af_exchange_fn)(void *ctx, uint32_t index, const af_exchange *x,
                               uint32_t failed);

/* Called by af_runner_run with the input, before it is decoded. For
   traffic capture (engine/har.h); must not keep the pointer. */
typedef void (*af_input_fn)(void *ctx, const uint8_t *data, size_t len);

/* Called when call `index` of the program was rendered, just before the
   service handles it (not for the extra requests of the deterministic
   and unsupported_method checks). Capture records the request here, so
   a crash inside the service still leaves it on record; must not keep
   pointers into the call or the rendering. */
typedef void (*af_request_fn)(void *ctx, uint32_t index, const af_call *call,
                              const af_rendered *rendered);

typedef struct af_runner_opts {
    const char *checks;       /* APIFUZZ_CHECKS syntax; NULL: the environment
                                 variable APIFUZZ_CHECKS, else the defaults */
    uint32_t max_response_ms; /* 0: $APIFUZZ_MAX_RESPONSE_MS, else 1000 */
    bool is_format_strict;    /* format violations count as negative */
    FILE *report;             /* where reports go; NULL: stderr */
    af_failure_fn on_failure; /* NULL: abort() after the report */
    void *ctx;
    size_t arena_limit;         /* bytes per input; 0: 256 MiB */
    af_exchange_fn on_exchange; /* NULL: none */
    void *exchange_ctx;
    af_input_fn on_input;     /* NULL: none */
    af_request_fn on_request; /* NULL: none */
    void *capture_ctx;        /* passed to on_input and on_request */
} af_runner_opts;

typedef struct af_runner af_runner;

/* Builds a runner and calls service->init. Fails with AF_EUSAGE for a
   bad check selection or a service without handle, or when init returns
   nonzero. */
int af_runner_new(const af_model *m, const af_gen *g,
                  const apifuzz_service *service, const af_runner_opts *opts,
                  af_runner **out, af_error *err);

/* Calls the service's fini and frees the runner. */
void af_runner_free(af_runner *r);

/* Runs one input: resets the arena, decodes the program, resets the
   service, runs the calls in order (back-references filled from earlier
   responses' JSON bodies), checks them. Returns the number of findings
   (each already reported; without a failure hook the first aborts), or
   a negative AF_E* when the arena refused memory. Deterministic for a
   deterministic service. */
int af_runner_run(af_runner *r, const uint8_t *data, size_t len);

/* As af_runner_run for a program built by the caller (tests, replays),
   which must live in af_runner_arena(r) or outlive the call. Does not
   reset the arena. */
int af_runner_run_program(af_runner *r, const af_program *p);

/* The per-input arena (reset by af_runner_run). */
af_arena *af_runner_arena(af_runner *r);

/* Milliseconds spent inside the service (handle and reset) since the
   runner was built: the part of each execution that is not apifuzz's. */
double af_runner_service_ms(const af_runner *r);

/* The enabled checks (AF_CHECK_BIT set). */
uint32_t af_runner_checks(const af_runner *r);

/* Writes the program being run (the calls rendered so far, as curl
   lines) to out; nothing when no program is running. Async-signal-unsafe
   (it formats with stdio): for death callbacks, where the process is
   going down anyway. */
void af_runner_print_context(FILE *out);

/* Registers af_runner_print_context(stderr) as the sanitizer death
   callback when the program runs under a sanitizer runtime; no-op
   otherwise. For engine glue; tests do not need it. */
void af_runner_install_crash_context(void);

#endif
