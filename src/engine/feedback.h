/*
 * feedback.h - API-level feedback and API coverage statistics, fed by the
 * runner's per-exchange hook (runner.h af_exchange_fn).
 *
 * Feedback: each (operation, status, failed checks, response shape) seen
 * is a feature for the engine, so an input that reaches a new response
 * is kept even when it adds no new edge. Under libFuzzer the features are
 * extra counters (the __libfuzzer_extra_counters section); under AFL++
 * the same bits go into its coverage map, above the last edge the
 * compiler assigned (__afl_final_loc), where no edge lives. The response
 * shape stands in for the oneOf branch answered: a hash of the names of
 * the JSON body's top-level members (or the type of a non-object body).
 *
 * Statistics: with APIFUZZ_STATS=FILE, the (operation, status) pairs seen
 * and the checks that failed are written to FILE as JSON when the process
 * exits (the summary of `make fuzz` and the coverage report read it).
 */
#ifndef AF_FEEDBACK_H
#define AF_FEEDBACK_H

#include <stdint.h>

#include "check/checks.h"
#include "spec/model.h"

/* Prepares feedback for model m (borrowed; must outlive the process's
   runs). Reads APIFUZZ_STATS. Returns 0 or AF_ENOMEM. */
int af_feedback_init(const af_model *m);

/* The runner hook: ctx is unused. */
void af_feedback_exchange(void *ctx, uint32_t index, const af_exchange *x,
                          uint32_t failed);

/* Writes the statistics now (also done at exit when APIFUZZ_STATS is
   set). Returns 0, or -1 when the file cannot be written. */
int af_feedback_write_stats(const char *path);

#endif
