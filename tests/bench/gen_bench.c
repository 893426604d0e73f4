/*
 * gen_bench.c - `make bench`: decode and render time per call.
 *
 *   gen_bench [-n N] [--positive|--negative|--mixed] SPEC
 *
 * Loads SPEC, builds the plan (mixed mode by default, as the fuzzer runs),
 * then for N (default 100000) inputs of random bytes (xorshift64* from a
 * fixed seed, 16..1024 bytes) decodes a program with af_program_decode
 * and renders every call with af_render_call (no resolver), in one arena
 * reset per input, as the fuzzing loop does. Each input's decode time and
 * render time are divided by its number of calls; the medians (and the
 * 90th percentile of the sum) over the inputs are printed on one line:
 *
 *   spec=... mode=mixed inputs=N calls=C decode_ns=D render_ns=R
 *   total_ns=T p90_total_ns=P
 *
 * Timing uses CLOCK_MONOTONIC around each stage (its cost, some 20 ns per
 * reading, is included, which errs on the slow side). Generating the
 * random bytes is not timed. Exit 1 when the spec does not load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen/gen.h"
#include "wire/render.h"

#define MAX_INPUT 1024
#define MIN_INPUT 16

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t random_input(uint8_t *buf)
{
    size_t len = MIN_INPUT + (size_t)(rnd() % (MAX_INPUT - MIN_INPUT + 1));
    for (size_t k = 0; k < len; k += 8) {
        uint64_t w = rnd();
        size_t n = len - k < 8 ? len - k : 8;
        memcpy(buf + k, &w, n);
    }
    return len;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[n]; sorts v. */
static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n == 0 ? 0 : v[(size_t)(q * (double)(n - 1))];
}

static int parse_args(int argc, char **argv, const char **spec, long *n,
                      af_gen_mode *mode)
{
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "-n") == 0 && k + 1 < argc)
            *n = strtol(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "--positive") == 0)
            *mode = AF_GEN_POSITIVE;
        else if (strcmp(argv[k], "--negative") == 0)
            *mode = AF_GEN_NEGATIVE;
        else if (strcmp(argv[k], "--mixed") == 0)
            *mode = AF_GEN_MIXED;
        else
            *spec = argv[k];
    }
    if (*spec == NULL || *n <= 0) {
        fprintf(stderr, "usage: gen_bench [-n N] "
                        "[--positive|--negative|--mixed] SPEC\n");
        return -1;
    }
    return 0;
}

typedef struct timings {
    double *decode, *render, *total; /* per call, one entry per input */
    size_t n;
    uint64_t calls;
} timings;

/* Decodes and renders one input, recording its per-call times. */
static int run_one(const af_gen *g, af_arena *a, const uint8_t *in, size_t len,
                   timings *t)
{
    af_program p;
    af_rendered r;
    af_error err;
    af_arena_reset(a);
    double t0 = now_ns();
    if (af_program_decode(g, a, in, len, &p, &err) != 0)
        return -1;
    double t1 = now_ns();
    for (uint32_t c = 0; c < p.n_calls; c++)
        if (af_render_call(g->model, &p.calls[c], NULL, NULL, a, &r, &err) != 0)
            return -1;
    double t2 = now_ns();
    double calls = p.n_calls;
    t->decode[t->n] = (t1 - t0) / calls;
    t->render[t->n] = (t2 - t1) / calls;
    t->total[t->n] = (t2 - t0) / calls;
    t->n++;
    t->calls += p.n_calls;
    return 0;
}

int main(int argc, char **argv)
{
    const char *spec = NULL;
    long n = 100000;
    af_gen_mode mode = AF_GEN_MIXED;
    if (parse_args(argc, argv, &spec, &n, &mode) != 0)
        return 2;
    af_model *m = NULL;
    af_gen *g = NULL;
    af_error err;
    af_gen_opts opts = {.mode = mode};
    if (af_model_load(spec, &m, &err) != 0 ||
        af_gen_new(m, &opts, &g, &err) != 0) {
        char buf[1400];
        fprintf(stderr, "gen_bench: %s\n",
                af_error_format(&err, buf, sizeof buf));
        af_model_free(m);
        return 1;
    }
    timings t = {malloc((size_t)n * sizeof(double)),
                 malloc((size_t)n * sizeof(double)),
                 malloc((size_t)n * sizeof(double)), 0, 0};
    static uint8_t in[MAX_INPUT];
    af_arena a;
    af_arena_init(&a);
    int rc = t.decode != NULL && t.render != NULL && t.total != NULL ? 0 : 1;
    for (long k = 0; rc == 0 && k < n; k++)
        rc = run_one(g, &a, in, random_input(in), &t);
    if (rc == 0)
        printf("spec=%s mode=%s inputs=%zu calls=%llu decode_ns=%.0f "
               "render_ns=%.0f total_ns=%.0f p90_total_ns=%.0f\n",
               spec, af_gen_mode_name(mode), t.n, (unsigned long long)t.calls,
               quantile(t.decode, t.n, 0.5), quantile(t.render, t.n, 0.5),
               quantile(t.total, t.n, 0.5), quantile(t.total, t.n, 0.9));
    else
        fprintf(stderr, "gen_bench: decoding or rendering failed\n");
    free(t.decode);
    free(t.render);
    free(t.total);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
    return rc;
}
