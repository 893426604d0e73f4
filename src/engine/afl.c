/*
 * afl.c - the AFL++ custom mutator hooks (libapifuzz_afl.so, loaded by
 * afl-fuzz through AFL_CUSTOM_MUTATOR_LIBRARY): a thin shim over the one
 * core mutator (gen/mutate.h), as libFuzzer's hooks in fuzzer.c are.
 *
 * - afl_custom_fuzz: one structure-aware mutation (or, with a second
 *   queue entry at hand, now and then a crossover) of a copy of the input
 *   in our own buffer; 1..max_size bytes, never 0.
 * - afl_custom_init_trim / _trim / _post_trim: structured shrinking. The
 *   candidates of the current input are tried in order (biggest
 *   simplification first); when afl-fuzz reports one kept the same path,
 *   it becomes the current input and its own candidate list starts over.
 *   Only candidates no longer than the current input are offered (older
 *   afl-fuzz copies the trimmed bytes over its own buffer of the input's
 *   size), and a step budget bounds the executions spent per queue entry.
 * - No afl_custom_post_process: afl-fuzz would call it on every execution.
 *
 * Meant to run with AFL_CUSTOM_MUTATOR_ONLY=1: otherwise afl-fuzz's havoc
 * and splice stages take most executions (on the plant test service the
 * planted bug was found within 200,000 executions in 15 of 16 runs with
 * it, 5 of 12 without).
 * Dictionaries: APIFUZZ_DICT=file, and afl-fuzz's own -x (afl_setup.c).
 *
 * Invariants: determinism comes from the seed afl-fuzz passes to init
 * (fixed by `afl-fuzz -s`), stepped once per mutation; the buffers
 * returned stay valid until the next call of the same hook. A failed
 * start-up returns NULL after a clear message; the hooks then refuse to
 * produce inputs, so afl-fuzz stops instead of fuzzing without us.
 * Tuned for short inputs (tens to a few thousand bytes) and tens of
 * thousands of calls per second.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/afl_setup.h"

/* AFL++ 4.04c's custom mutator API (docs/custom_mutators.md); Debian ships
   no afl-fuzz.h, and afl_state_t stays opaque. */
typedef struct afl_state afl_state_t;

void *afl_custom_init(afl_state_t *afl, unsigned int seed);
unsigned int afl_custom_fuzz_count(void *data, const unsigned char *buf,
                                   size_t buf_size);
size_t afl_custom_fuzz(void *data, unsigned char *buf, size_t buf_size,
                       unsigned char **out_buf, unsigned char *add_buf,
                       size_t add_buf_size, size_t max_size);
const char *afl_custom_describe(void *data, size_t max_description_len);
int afl_custom_init_trim(void *data, unsigned char *buf, size_t buf_size);
size_t afl_custom_trim(void *data, unsigned char **out_buf);
int afl_custom_post_trim(void *data, unsigned char success);
unsigned char afl_custom_queue_new_entry(void *data,
                                         const unsigned char *filename_new,
                                         const unsigned char *filename_orig);
void afl_custom_deinit(void *data);

#define OUT_CAP_MIN 65536u  /* output cap unless the input is longer */
#define CROSSOVER_ONE_IN 8u /* crossover share when add_buf is given */
#define FUZZ_COUNT_MIN 64u  /* afl_custom_fuzz_count's range */
#define FUZZ_COUNT_MAX 256u
#define TRIM_STEPS_MAX 512u    /* executions per queue entry when trimming */
#define TRIM_STEPS_PER_CAND 4u /* budget per candidate of the first input */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

typedef struct afl_mutator {
    af_afl_core core;
    uint64_t rng;
    bytes out; /* afl_custom_fuzz's result */
    char desc[64];
    /* trimming: the input kept so far and the candidate on offer */
    bytes cur, cand;
    uint32_t n_cand, next_cand, steps, max_steps;
    uint64_t queue_entries;
} afl_mutator;

static bool reserve(bytes *b, size_t cap)
{
    if (cap <= b->cap)
        return true;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

/* splitmix64: one 32-bit seed per mutation from afl-fuzz's seed. */
static uint32_t next_seed(afl_mutator *st)
{
    uint64_t z = (st->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(z ^ (z >> 31));
}

static bool refuse(const afl_mutator *st, const char *hook)
{
    if (st != NULL)
        return false;
    fprintf(stderr,
            "apifuzz (AFL++ custom mutator): %s: the mutator did not start "
            "(see the message above); stopping afl-fuzz\n",
            hook);
    return true;
}

void *afl_custom_init(afl_state_t *afl, unsigned int seed)
{
    (void)afl;
    afl_mutator *st = calloc(1, sizeof *st);
    if (st == NULL) {
        fprintf(stderr, "apifuzz (AFL++ custom mutator): out of memory\n");
        return NULL;
    }
    if (af_afl_start(&st->core) != 0) {
        free(st);
        return NULL;
    }
    st->rng = seed;
    fprintf(stderr,
            "apifuzz (AFL++ custom mutator): spec from %s, %u operations, "
            "%zu dictionary tokens\n",
            st->core.spec_from, st->core.g->n_ops,
            af_mutator_token_count(st->core.mu));
    return st;
}

void afl_custom_deinit(void *data)
{
    afl_mutator *st = data;
    if (st == NULL)
        return;
    af_afl_stop(&st->core);
    free(st->out.data);
    free(st->cur.data);
    free(st->cand.data);
    free(st);
}

/* More nodes, more mutations worth trying: the count grows with the
   input, within afl-fuzz's usual havoc range. */
unsigned int afl_custom_fuzz_count(void *data, const unsigned char *buf,
                                   size_t buf_size)
{
    (void)buf;
    if (data == NULL)
        return 1; /* one call to afl_custom_fuzz, which stops afl-fuzz */
    size_t n = FUZZ_COUNT_MIN + buf_size / 2;
    return (unsigned int)(n < FUZZ_COUNT_MAX ? n : FUZZ_COUNT_MAX);
}

size_t afl_custom_fuzz(void *data, unsigned char *buf, size_t buf_size,
                       unsigned char **out_buf, unsigned char *add_buf,
                       size_t add_buf_size, size_t max_size)
{
    afl_mutator *st = data;
    *out_buf = NULL; /* afl-fuzz stops on a NULL buffer */
    if (refuse(st, "afl_custom_fuzz") || max_size == 0)
        return 0;
    size_t cap = buf_size > OUT_CAP_MIN ? buf_size : OUT_CAP_MIN;
    if (cap > max_size)
        cap = max_size;
    size_t room = buf_size > cap ? buf_size : cap;
    if (!reserve(&st->out, room))
        return 0;
    uint32_t seed = next_seed(st);
    size_t len;
    if (add_buf != NULL && add_buf_size > 0 && seed % CROSSOVER_ONE_IN == 0) {
        len = af_crossover(st->core.mu, buf, buf_size, add_buf, add_buf_size,
                           st->out.data, cap, next_seed(st));
    } else {
        if (buf_size > 0)
            memcpy(st->out.data, buf, buf_size);
        len = af_mutate(st->core.mu, st->out.data, buf_size, cap, seed, NULL);
    }
    if (len == 0 || len > cap) { /* the core promises 1..cap; be safe */
        st->out.data[0] = buf_size > 0 ? (uint8_t)(buf[0] + 1) : 1;
        len = 1;
    }
    *out_buf = st->out.data;
    return len;
}

/* Filename-safe: afl-fuzz puts it into queue and crash file names. */
const char *afl_custom_describe(void *data, size_t max_description_len)
{
    afl_mutator *st = data;
    if (st == NULL)
        return "apifuzz";
    const char *d = af_mutator_describe(st->core.mu);
    if (*d == 0)
        d = "apifuzz";
    size_t cap = sizeof st->desc;
    if (max_description_len + 1 < cap)
        cap = max_description_len + 1;
    size_t i = 0;
    for (; d[i] != 0 && i + 1 < cap; i++) {
        char c = d[i];
        bool is_safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || strchr("+-_.", c) != NULL;
        st->desc[i] = is_safe ? c : '_';
    }
    st->desc[i] = 0;
    return st->desc;
}

unsigned char afl_custom_queue_new_entry(void *data,
                                         const unsigned char *filename_new,
                                         const unsigned char *filename_orig)
{
    (void)filename_new;
    (void)filename_orig;
    afl_mutator *st = data;
    if (st != NULL)
        st->queue_entries++;
    return 0; /* the file is left as it is */
}

/* ---- trimming ---- */

/* Finds the next candidate, from next_cand on, that is no longer than
   the current input and differs from it; false when none is left. */
static bool prepare_candidate(afl_mutator *st)
{
    for (; st->next_cand < st->n_cand; st->next_cand++) {
        size_t len =
            af_shrink_candidate(st->core.mu, st->cur.data, st->cur.len,
                                st->next_cand, st->cand.data, st->cur.len);
        if (len == 0 || len > st->cur.len)
            continue;
        if (len == st->cur.len && memcmp(st->cand.data, st->cur.data, len) == 0)
            continue;
        st->cand.len = len;
        return true;
    }
    return false;
}

static void restart_candidates(afl_mutator *st)
{
    st->n_cand = af_shrink_count(st->core.mu, st->cur.data, st->cur.len);
    st->next_cand = 0;
}

int afl_custom_init_trim(void *data, unsigned char *buf, size_t buf_size)
{
    afl_mutator *st = data;
    if (st == NULL || buf_size == 0 || !reserve(&st->cur, buf_size) ||
        !reserve(&st->cand, buf_size))
        return 0; /* no steps: afl-fuzz leaves the entry as it is */
    memcpy(st->cur.data, buf, buf_size);
    st->cur.len = buf_size;
    st->steps = 0;
    restart_candidates(st);
    if (!prepare_candidate(st))
        return 0;
    uint64_t budget = (uint64_t)st->n_cand * TRIM_STEPS_PER_CAND;
    st->max_steps = budget < TRIM_STEPS_MAX ? (uint32_t)budget : TRIM_STEPS_MAX;
    return (int)st->max_steps;
}

size_t afl_custom_trim(void *data, unsigned char **out_buf)
{
    afl_mutator *st = data;
    static unsigned char empty[1];
    if (st == NULL || st->cand.len == 0) { /* not called by afl-fuzz then */
        *out_buf = empty;
        return 0;
    }
    *out_buf = st->cand.data;
    return st->cand.len;
}

/* Returns the next step index; max_steps ends the trimming (afl-fuzz
   loops while the index is below init_trim's result). */
int afl_custom_post_trim(void *data, unsigned char success)
{
    afl_mutator *st = data;
    if (st == NULL)
        return 0;
    st->steps++;
    if (success) {
        bytes kept = st->cur; /* the candidate becomes the input */
        st->cur = st->cand;
        st->cand = kept;
        restart_candidates(st);
    } else {
        st->next_cand++;
    }
    st->cand.len = 0;
    if (st->steps >= st->max_steps || !prepare_candidate(st))
        return (int)st->max_steps;
    return (int)st->steps;
}
