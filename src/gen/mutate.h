/*
 * mutate.h - the structure-aware mutator (DESIGN.md step 6): one core used
 * by two thin engine shims (libFuzzer's LLVMFuzzerCustomMutator /
 * LLVMFuzzerCustomCrossOver in src/engine/fuzzer.c, AFL++'s
 * afl_custom_fuzz / afl_custom_trim in src/engine/afl.c) and by the
 * structured minimizer.
 *
 * A mutation decodes the input into a program (gen.h), picks a node by a
 * weighted choice, applies one structure-aware operation and writes the
 * result back by span replacement: the bytes of the node's span are
 * replaced by the choice bytes of the new node (encoded with the encoder,
 * or fresh random choice bytes), everything outside the span is kept, so
 * the other nodes decode as before (DESIGN.md "Local").
 *
 * Contract with the engines:
 * - The output is 1..max_size bytes (never 0); size may exceed max_size
 *   (libFuzzer's -minimize_crash), the output still fits max_size.
 * - Deterministic: the same input, seed and dictionary give the same
 *   output. No state carries from one call to the next except the
 *   dictionary (loaded at start-up) and scratch memory, so -fork/-jobs
 *   children behave alike.
 * - The engine's byte mutator (LLVMFuzzerMutate) is optional: NULL, or a
 *   function returning 0 (AFL++'s libAFLDriver), makes the core use its
 *   own byte mutations.
 * Not thread-safe: one mutator per thread.
 */
#ifndef AF_MUTATE_H
#define AF_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"
#include "util/error.h"

typedef struct af_mutator af_mutator;

/* The engine's byte mutator, LLVMFuzzerMutate's shape: mutates
   data[0..size) in place within max_size bytes and returns the new size
   (0: it did nothing). */
typedef size_t (*af_bytes_fn)(uint8_t *data, size_t size, size_t max_size);

/* Builds a mutator over plan g (borrowed; must outlive it), with the
   spec's own dictionary: enum values, property names, path segments,
   examples. */
int af_mutator_new(const af_gen *g, af_mutator **out, af_error *err);

void af_mutator_free(af_mutator *mu);

/* Adds one dictionary token (spliced inside string leaves): 0 (also for
   a token already there), AF_EUSAGE for an empty token or one over 128
   bytes, AF_ELIMIT past 65536 tokens, AF_ENOMEM. */
int af_mutator_add_token(af_mutator *mu, const void *token, size_t len);

/* Loads a libFuzzer/AFL++ dictionary file (`name="value"` or `"value"`
   lines, `#` comments, \\ \" \xNN escapes; AFL++'s `name@level=`
   accepted). Returns the number of tokens added (entries already in the
   dictionary count too), or a negative AF_E* with err naming the file and
   line (AF_EIO unreadable, AF_ESYNTAX a malformed line). */
int af_mutator_load_dict(af_mutator *mu, const char *path, af_error *err);

/* The number of dictionary tokens (spec's and added). */
size_t af_mutator_token_count(const af_mutator *mu);

/* One mutation of data in place (the buffer holds max_size bytes).
   Returns the new size, 1..max_size. bytes: the engine's byte mutator or
   NULL. */
size_t af_mutate(af_mutator *mu, uint8_t *data, size_t size, size_t max_size,
                 uint32_t seed, af_bytes_fn bytes);

/* Crossover: a node of b spliced into a where the schema node matches,
   else a whole call of b inserted into a. Writes at most max_size bytes
   to out and returns the size (never 0 when max_size > 0). */
size_t af_crossover(af_mutator *mu, const uint8_t *a, size_t a_len,
                    const uint8_t *b, size_t b_len, uint8_t *out,
                    size_t max_size, uint32_t seed);

/* A short, filename-safe name of the last mutation ("op3+neg",
   "regen", "splice"), for afl_custom_describe; "" before the first. */
const char *af_mutator_describe(const af_mutator *mu);

/* Structured shrinking: the number of simplification candidates of data
   (drop a call, drop an optional parameter or property, shorten an array
   or a string, move a number toward its simplest value), biggest first. */
uint32_t af_shrink_count(af_mutator *mu, const uint8_t *data, size_t size);

/* Writes candidate k (< af_shrink_count) of data to out (at most max_size
   bytes) and returns its size; 0 when k is out of range. Each candidate
   decodes to a program that is simpler than data's. */
size_t af_shrink_candidate(af_mutator *mu, const uint8_t *data, size_t size,
                           uint32_t k, uint8_t *out, size_t max_size);

#endif
