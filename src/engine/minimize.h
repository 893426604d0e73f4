/*
 * minimize.h - the structured crash minimizer behind `make minimize`:
 * shrinks a failing input to the simplest program that still fails the
 * same way, using the mutator's shrinking candidates (mutate.h
 * af_shrink_candidate: drop a call, an optional field, array items;
 * shorten strings; move numbers toward their simplest value).
 *
 * Each try runs in a forked child with its stderr captured, so a crash
 * of the service (the point of the exercise) does not end the
 * minimizer. Two runs fail "the same way" when they have the same
 * signature (af_minimize_signature): the apifuzz-signature line of a
 * check's report, or for a sanitizer or signal crash
 * "<kind>:<operation>:<top three frames in the service>".
 * tools/signature.py computes the same signature from a replay's stderr
 * for `make fuzz` and `make triage`.
 */
#ifndef AF_MINIMIZE_H
#define AF_MINIMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/runner.h"
#include "gen/gen.h"
#include "gen/mutate.h"

/* The signature of a failed run: text is what it wrote to stderr
   (NUL-terminated), status its waitpid status; g and the input decode
   the operation that crashed (the last call of the crash context). The
   signature goes to out (at most cap bytes, NUL-terminated); "" when
   the run did not fail (exit status 0 and no report). */
void af_minimize_signature(const af_gen *g, const uint8_t *data, size_t len,
                           const char *text, int status, char *out, size_t cap);

/* With APIFUZZ_MINIMIZE=FILE in the environment: minimizes FILE with
   runner r (whose plan is g) and mutator mu, writes the result to
   $APIFUZZ_MINIMIZE_OUT (default FILE.min), and exits: 0 when written,
   1 when FILE does not fail or cannot be read or written. Progress and
   the signature go to stderr. Optional: APIFUZZ_MINIMIZE_RUNS (tries,
   default 4000), APIFUZZ_MINIMIZE_TIMEOUT (seconds per try, default
   10). Returns (0) only when APIFUZZ_MINIMIZE is not set. */
int af_minimize_from_env(const af_gen *g, af_runner *r, af_mutator *mu);

#endif
