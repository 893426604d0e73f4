/*
 * load_bench.c - the apifuzz side of `make bench`: loads and compiles one
 * spec with af_model_load, once per process, and prints one line
 *   ms=<load+compile milliseconds> rss_kb=<peak RSS> ops=<n> schemas=<n>
 * With --parse-only it only parses the file into the DOM
 * (af_doc_load_file), to show what parsing alone costs:
 *   ms=<parse milliseconds> rss_kb=<peak RSS>
 * tests/bench/run.sh builds it with clang -O2 against the release
 * libapifuzz.a and runs it several times (one process per run, so peak
 * RSS is that of a single load, as a fuzzer's start-up would see it).
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "spec/doc.h"
#include "spec/model.h"
#include "util/error.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const af_error *err)
{
    char buf[1536];
    fprintf(stderr, "%s\n", af_error_format(err, buf, sizeof buf));
    return 2;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int parse_only(const char *path)
{
    af_doc *doc = NULL;
    af_error err;
    af_error_clear(&err);
    double t0 = now_ms();
    int rc = af_doc_load_file(path, &doc, &err);
    double ms = now_ms() - t0;
    if (rc < 0)
        return fail(&err);
    af_doc_free(doc);
    printf("ms=%.2f rss_kb=%ld\n", ms, peak_rss_kb());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--parse-only") == 0)
        return parse_only(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: load_bench [--parse-only] SPEC\n");
        return 2;
    }
    af_model *m = NULL;
    af_error err;
    af_error_clear(&err);
    double t0 = now_ms();
    int rc = af_model_load(argv[1], &m, &err);
    double ms = now_ms() - t0;
    if (rc < 0)
        return fail(&err);
    unsigned ops = m->n_ops, schemas = m->n_schemas;
    af_model_free(m);
    printf("ms=%.2f rss_kb=%ld ops=%u schemas=%u\n", ms, peak_rss_kb(), ops,
           schemas);
    return 0;
}
