/*
 * fuzzer.c - the libFuzzer entry points behind APIFUZZ_TARGET
 * (include/apifuzz.h): start-up, one execution, the custom mutator and
 * crossover. The same object also serves AFL++ binaries (afl-clang-fast
 * with libAFLDriver.a calls LLVMFuzzerInitialize/TestOneInput; its
 * mutator is the separate libapifuzz_afl.so).
 *
 * Start-up reads the environment:
 *   APIFUZZ_SPEC=path      the spec, instead of the one embedded at build
 *   APIFUZZ_MODE=m         positive | negative | mixed (default mixed)
 *   APIFUZZ_MAX_CALLS=k    calls per program (default 4)
 *   APIFUZZ_OPERATION=id   only this operation
 *   APIFUZZ_AUTH, APIFUZZ_CHECKS, APIFUZZ_MAX_RESPONSE_MS (runner, gen)
 *   APIFUZZ_STATS=file     API coverage statistics at exit (feedback.h)
 *   APIFUZZ_HAR=file       every request and response as HAR 1.2 (har.h)
 *   APIFUZZ_TIMING=1       at exit, apifuzz's share of each execution
 *                          (time in the harness and the mutator outside
 *                          the service's handle) on stderr
 *   APIFUZZ_PRINT_SPEC=1   print the embedded spec to stdout and exit
 *                          (how tools read a binary's spec)
 *   APIFUZZ_MINIMIZE=file  shrink that failing input and exit
 *                          (minimize.h; `make minimize`)
 * and `-dict=FILE` from argv, whose tokens the mutator splices into
 * string values (libFuzzer passes them only to LLVMFuzzerMutate).
 *
 * Invariants: everything of one execution lives in the runner's arena;
 * the mutator keeps no state between calls beyond the dictionary, so
 * -fork and -jobs children behave alike. A broken spec or a failing init
 * is a clear message and exit status 1 before any input runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apifuzz.h"
#include "engine/crash.h"
#include "engine/feedback.h"
#include "engine/har.h"
#include "engine/minimize.h"
#include "engine/runner.h"
#include "engine/spec_embed.h"
#include "gen/mutate.h"

/* libFuzzer's byte mutator; absent (or returning 0) under AFL++. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
    __attribute__((weak));

static struct {
    af_model *m;
    af_gen *g;
    af_runner *r;
    af_mutator *mu;
    double run_ms, mutate_ms; /* APIFUZZ_TIMING */
    uint64_t n_run, n_mutate;
} F;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void print_timing(void)
{
    double svc = af_runner_service_ms(F.r);
    double own = F.run_ms - svc + F.mutate_ms;
    double all = F.run_ms + F.mutate_ms;
    fprintf(stderr,
            "apifuzz: timing: %llu executions, %.1f us each in the harness "
            "(%.1f us in the service), %llu mutations of %.1f us; "
            "apifuzz's share of each execution: %.1f%%\n",
            (unsigned long long)F.n_run,
            F.n_run ? 1e3 * F.run_ms / (double)F.n_run : 0.0,
            F.n_run ? 1e3 * svc / (double)F.n_run : 0.0,
            (unsigned long long)F.n_mutate,
            F.n_mutate ? 1e3 * F.mutate_ms / (double)F.n_mutate : 0.0,
            all > 0 ? 100.0 * own / all : 0.0);
}

static void die(const char *what, const af_error *err)
{
    char buf[1400];
    fprintf(stderr, "apifuzz: %s: %s\n", what,
            err != NULL && err->code != 0
                ? af_error_format(err, buf, sizeof buf)
                : "failed");
    exit(1);
}

static void load_spec(void)
{
    af_error err;
    af_error_clear(&err);
    const char *path = getenv("APIFUZZ_SPEC");
    int rc;
    if (path != NULL && *path != 0) {
        rc = af_model_load(path, &F.m, &err);
    } else if (af_spec_embedded_len() > 0) {
        rc = af_model_load_text(af_spec_embedded_text(), af_spec_embedded_len(),
                                af_spec_embedded_name(), NULL, &F.m, &err);
    } else {
        fprintf(stderr, "apifuzz: no spec: this binary embeds none; set "
                        "APIFUZZ_SPEC=path\n");
        exit(1);
    }
    if (rc != 0)
        die("cannot load the spec", &err);
}

static void build_plan(void)
{
    af_gen_opts o;
    af_error err;
    af_error_clear(&err);
    if (af_gen_opts_from_env(&o, &err) != 0 ||
        af_gen_new(F.m, &o, &F.g, &err) != 0)
        die("cannot build the generator", &err);
}

/* -dict=FILE (libFuzzer's flag; AFL++'s -x is read by the AFL mutator). */
static void load_dicts(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-dict=", 6) != 0)
            continue;
        af_error err;
        af_error_clear(&err);
        if (af_mutator_load_dict(F.mu, argv[i] + 6, &err) < 0)
            die("cannot read the dictionary", &err);
    }
}

int apifuzz_fuzzer_initialize(const apifuzz_service *service, int *argc,
                              char ***argv)
{
    if (getenv("APIFUZZ_PRINT_SPEC") != NULL) {
        fwrite(af_spec_embedded_text(), 1, af_spec_embedded_len(), stdout);
        exit(fflush(stdout) == 0 ? 0 : 1);
    }
    load_spec();
    build_plan();
    af_error err;
    af_error_clear(&err);
    if (af_feedback_init(F.m) != 0)
        die("statistics", NULL);
    af_runner_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.on_exchange = af_feedback_exchange;
    if (af_har_setup(&ro, F.g) != 0) /* APIFUZZ_HAR: chains on_exchange */
        exit(1);
    if (af_runner_new(F.m, F.g, service, &ro, &F.r, &err) != 0)
        die("cannot start the service", &err);
    if (af_mutator_new(F.g, &F.mu, &err) != 0)
        die("cannot build the mutator", &err);
    if (argc != NULL && argv != NULL)
        load_dicts(*argc, *argv);
    if (getenv("APIFUZZ_TIMING") != NULL)
        atexit(print_timing);
    if (getenv("APIFUZZ_MINIMIZE") != NULL) /* make minimize: exits */
        af_minimize_from_env(F.g, F.r, F.mu);
    return 0;
}

int apifuzz_fuzzer_run(const unsigned char *data, size_t size)
{
    if (F.r == NULL) /* a driver that skipped LLVMFuzzerInitialize */
        return 0;
    af_crash_install(); /* after the engine's handlers, chaining to them */
    double t0 = now_ms();
    int rc = af_runner_run(F.r, data, size);
    F.run_ms += now_ms() - t0;
    F.n_run++;
    if (rc < 0) {
        fprintf(stderr,
                "apifuzz: input skipped: the per-input arena refused "
                "memory (%d)\n",
                rc);
    }
    return 0;
}

size_t apifuzz_fuzzer_mutate(unsigned char *data, size_t size, size_t max_size,
                             unsigned int seed)
{
    if (F.mu == NULL)
        return size < max_size ? size : max_size;
    double t0 = now_ms();
    size_t n = af_mutate(F.mu, data, size, max_size, seed,
                         LLVMFuzzerMutate != NULL ? LLVMFuzzerMutate : NULL);
    F.mutate_ms += now_ms() - t0;
    F.n_mutate++;
    return n;
}

size_t apifuzz_fuzzer_crossover(const unsigned char *data1, size_t size1,
                                const unsigned char *data2, size_t size2,
                                unsigned char *out, size_t max_out_size,
                                unsigned int seed)
{
    if (F.mu == NULL)
        return 0;
    return af_crossover(F.mu, data1, size1, data2, size2, out, max_out_size,
                        seed);
}
