/*
 * nofeedback.c - apifuzz without coverage feedback, for make bench-bugs:
 * the decoder fed by random bytes from a seeded PRNG (inputs of uniform
 * random length 0..max_len), each program run in-process through the
 * runner with the same checks as the fuzzers (the schema-driven random
 * testing of Schemathesis, without its network). Built per service with
 * -DNOFEEDBACK_SERVICE=NAME_service over the service's fuzz-mode objects
 * (the fuzzers' own, so coverage counts the same edges) and apifuzz's
 * uninstrumented mode-svc library.
 *
 *   NAME_nofeedback [-seed=N] [-max_total_time=S] [-runs=N] [-max_len=N]
 *                   [-timeout=S] [-artifact_prefix=DIR/] [-cov_out=FILE]
 *
 * A check failure does not stop the loop (the runner's failure hook):
 * the first finding of an input (what a fuzzer's abort would report) is
 * printed as "nofeedback: finding SECONDS SIGNATURE FILE", its input
 * saved once per signature. A sanitizer crash ends the process: its
 * input is saved from the death callback and "nofeedback: crash SECONDS
 * FILE execs=N" printed after the report; the caller restarts with the
 * next seed. A hang past -timeout is saved as timeout-* and ends the process
 * (exit 70). At the end: "nofeedback: done execs=N seconds=S cov=C
 * findings=F". The edges seen (one byte per coverage counter) are
 * written to -cov_out at every exit, so restarts can be added up.
 *
 * Same plan as the fuzzers' (APIFUZZ_MODE, APIFUZZ_MAX_CALLS,
 * APIFUZZ_OPERATION, APIFUZZ_AUTH), so every saved input replays with
 * NAME_fuzzer -runs=0.
 */
#define _DEFAULT_SOURCE /* setitimer */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "apifuzz.h"
#include "engine/crash.h"
#include "engine/runner.h"
#include "engine/spec_embed.h"

#ifndef NOFEEDBACK_SERVICE
#error "build with -DNOFEEDBACK_SERVICE=<name>_service"
#endif
extern const apifuzz_service NOFEEDBACK_SERVICE;

#define MAX_REGIONS 64
#define MAX_SIGNATURES 4096
#define MAX_LEN_CAP (1u << 20)

static struct {
    uint64_t seed, runs;
    double max_seconds, timeout;
    size_t max_len;
    const char *prefix, *cov_out;
} opt = {1, 0, 0, 10, 4096, "./", NULL};

/* The input being run, for the death callback and the watchdog. */
static struct {
    const uint8_t *data;
    size_t len;
    double start, input_start;
    bool is_reported; /* its first finding was taken */
    uint64_t findings, execs;
    af_runner *runner;
    char *sigs[MAX_SIGNATURES];
    size_t n_sigs;
} cur;

/* Coverage: the service's inline 8-bit counters, folded into `seen`
   after every input (libFuzzer's "cov" counts the same edges). */
static struct {
    uint8_t *start[MAX_REGIONS], *end[MAX_REGIONS];
    size_t n_regions, n_counters, n_covered;
    uint8_t *seen;
} cov;

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end);
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end)
{
    if (cov.n_regions < MAX_REGIONS && start < end) {
        cov.start[cov.n_regions] = start;
        cov.end[cov.n_regions++] = end;
        cov.n_counters += (size_t)(end - start);
    }
}

void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end);
void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end)
{
    (void)beg;
    (void)end;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fold_coverage(void)
{
    uint8_t *seen = cov.seen;
    for (size_t r = 0; r < cov.n_regions; r++) {
        for (uint8_t *c = cov.start[r]; c < cov.end[r]; c++, seen++) {
            if (*c == 0)
                continue;
            *c = 0;
            if (*seen == 0) {
                *seen = 1;
                cov.n_covered++;
            }
        }
    }
}

/* Async-signal-safe enough for a dying process: open, write, close. */
static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            break;
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

static void write_coverage(void)
{
    if (opt.cov_out != NULL && cov.seen != NULL)
        write_file(opt.cov_out, cov.seen, cov.n_counters);
}

/* prefix + kind + FNV-1a of the input, in buf. */
static const char *save_input(char *buf, size_t cap, const char *kind)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < cur.len; i++)
        h = (h ^ cur.data[i]) * 1099511628211u;
    snprintf(buf, cap, "%s%s-%016llx", opt.prefix, kind, (unsigned long long)h);
    write_file(buf, cur.data, cur.len);
    return buf;
}

/* Saves the input as KIND-HASH and prints "nofeedback: KIND SECONDS
   FILE" with write(2): called from the death callback and the watchdog,
   where stdio's buffer may be in any state. */
static void save_dying_input(const char *kind)
{
    char path[4096], line[4200];
    save_input(path, sizeof path, kind);
    int n =
        snprintf(line, sizeof line, "nofeedback: %s %.3f %s execs=%llu\n", kind,
                 now() - cur.start, path, (unsigned long long)cur.execs);
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        if (write(STDOUT_FILENO, line, len) < 0)
            return; /* nowhere left to tell */
    }
}

static void on_death(void)
{
    fold_coverage();
    write_coverage();
    if (cur.data != NULL)
        save_dying_input("crash");
}

static void on_alarm(int sig)
{
    (void)sig;
    if (cur.data == NULL || now() - cur.input_start < opt.timeout)
        return;
    save_dying_input("timeout");
    fold_coverage();
    write_coverage();
    _exit(70);
}

static bool is_new_signature(const char *sig)
{
    for (size_t i = 0; i < cur.n_sigs; i++)
        if (strcmp(cur.sigs[i], sig) == 0)
            return false;
    if (cur.n_sigs < MAX_SIGNATURES)
        cur.sigs[cur.n_sigs++] = strdup(sig);
    return true;
}

static void on_failure(void *ctx, const af_finding *f, const char *report)
{
    (void)ctx;
    (void)report;
    if (cur.is_reported)
        return;
    cur.is_reported = true;
    cur.findings++;
    const char *sig = af_report_signature(f, af_runner_arena(cur.runner));
    if (sig == NULL || !is_new_signature(sig))
        return;
    char path[4096];
    save_input(path, sizeof path, "check");
    printf("nofeedback: finding %.3f %s %s\n", now() - cur.start, sig, path);
    fflush(stdout);
}

static void die(const char *what, const af_error *err)
{
    char buf[1400];
    fprintf(stderr, "nofeedback: %s: %s\n", what,
            err != NULL && err->code != 0
                ? af_error_format(err, buf, sizeof buf)
                : "failed");
    exit(1);
}

static bool number_arg(const char *arg, const char *name, double *out)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    char *end;
    *out = strtod(arg + n, &end);
    if (end == arg + n || *end != 0 || *out < 0)
        die(arg, NULL);
    return true;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (number_arg(a, "-seed=", &v))
            opt.seed = (uint64_t)v;
        else if (number_arg(a, "-runs=", &v))
            opt.runs = (uint64_t)v;
        else if (number_arg(a, "-max_total_time=", &v))
            opt.max_seconds = v;
        else if (number_arg(a, "-timeout=", &v))
            opt.timeout = v > 0 ? v : 10;
        else if (number_arg(a, "-max_len=", &v))
            opt.max_len = v < MAX_LEN_CAP ? (size_t)v : MAX_LEN_CAP;
        else if (strncmp(a, "-artifact_prefix=", 17) == 0)
            opt.prefix = a + 17;
        else if (strncmp(a, "-cov_out=", 9) == 0)
            opt.cov_out = a + 9;
        else
            die(a, NULL); /* "unknown option" */
    }
}

/* The fuzzers' plan (src/engine/fuzzer.c), so inputs replay alike. */
static af_gen *build_plan(const af_model *m)
{
    af_gen_opts o;
    af_gen *g = NULL;
    af_error err;
    af_error_clear(&err);
    if (af_gen_opts_from_env(&o, &err) != 0 || af_gen_new(m, &o, &g, &err) != 0)
        die("cannot build the generator", &err);
    return g;
}

static af_runner *start(af_model **m, af_gen **g)
{
    af_error err;
    af_error_clear(&err);
    if (af_model_load_text(af_spec_embedded_text(), af_spec_embedded_len(),
                           af_spec_embedded_name(), NULL, m, &err) != 0)
        die("cannot load the spec", &err);
    *g = build_plan(*m);
    af_runner_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.on_failure = on_failure;
    ro.report = fopen("/dev/null", "w"); /* the signature is enough */
    af_runner *r;
    if (af_runner_new(*m, *g, &NOFEEDBACK_SERVICE, &ro, &r, &err) != 0)
        die("cannot start the service", &err);
    return r;
}

/* splitmix64: a fixed seed gives a fixed input sequence. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void fill(uint8_t *buf, size_t len, uint64_t *state)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t x = next_random(state);
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(buf + i, &x, n);
    }
}

static void install_watchdog(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{1, 0}, {1, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    af_model *m;
    af_gen *g;
    cur.runner = start(&m, &g);
    cov.seen = calloc(cov.n_counters + 1, 1);
    uint8_t *buf = malloc(opt.max_len + 1);
    if (cov.seen == NULL || buf == NULL)
        die("out of memory", NULL);
    fold_coverage(); /* start-up's edges are not the loop's */
    cov.n_covered = 0;
    memset(cov.seen, 0, cov.n_counters);
    __sanitizer_set_death_callback(on_death);
    af_crash_install();
    install_watchdog();
    uint64_t rng = opt.seed;
    cur.start = now();
    for (; opt.runs == 0 || cur.execs < opt.runs; cur.execs++) {
        if ((cur.execs & 63) == 0 && opt.max_seconds > 0 &&
            now() - cur.start >= opt.max_seconds)
            break;
        size_t len = (size_t)(next_random(&rng) % (opt.max_len + 1));
        fill(buf, len, &rng);
        cur.data = buf;
        cur.len = len;
        cur.is_reported = false;
        cur.input_start = now();
        if (af_runner_run(cur.runner, buf, len) < 0)
            fprintf(stderr, "nofeedback: input skipped (arena)\n");
        cur.data = NULL;
        fold_coverage();
    }
    double secs = now() - cur.start;
    printf("nofeedback: done execs=%llu seconds=%.3f cov=%zu findings=%llu\n",
           (unsigned long long)cur.execs, secs, cov.n_covered,
           (unsigned long long)cur.findings);
    write_coverage();
    af_runner_free(cur.runner);
    af_gen_free(g);
    af_model_free(m);
    free(buf);
    return 0;
}
