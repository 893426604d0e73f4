/*
 * har2corpus.c - `apifuzz har2corpus SPEC FILE.har DIR`: recorded traffic
 * (a browser's or proxy's HAR export, a test run's, or a fuzzer binary's
 * APIFUZZ_HAR capture) becomes seed inputs: each entry whose request is
 * a positive call of an operation of the plan is encoded (af_call_encode)
 * into the choice bytes that decode back to that call, so the seed sends
 * the same request. Consecutive entries of one recorded program (the
 * `_apifuzz` program and input apifuzz writes; for other recordings, of
 * one page, or of the whole session) become programs of several calls
 * (af_program_encode, at most --calls calls each), which keeps their
 * order and so the state one call leaves for the next; --single writes
 * one call per input.
 *
 * Every entry that gives no input is reported on stderr with the reason
 * (no operation for its method and path, a required value missing, a
 * value the encoder cannot represent: the encoder's message). Files are
 * named by the SHA-1 of their bytes, as libFuzzer names corpus files,
 * and existing ones are kept. Credentials are the plan's (APIFUZZ_AUTH),
 * not the recorded ones. Runs once per import: every entry is matched
 * and encoded on its own, checked by decoding it back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/har_read.h"
#include "util/sha1.h"

typedef struct h2c_args {
    const char *spec, *har, *dir;
    bool is_single;
    bool is_listed;
    af_gen_opts opts;
} h2c_args;

/* A matched entry waiting in the current program. */
typedef struct pending {
    int index;  /* entry index */
    char *what; /* "METHOD URL" for reports (malloc'd) */
    af_har_call call;
} pending;

typedef struct run {
    const af_gen *g;
    const char *dir;
    bool is_single;
    bool is_listed;       /* --list */
    af_arena entry_arena; /* reading and matching one entry */
    af_arena a;           /* encoding one program; reset after each */
    pending group[AF_GEN_MAX_CALLS];
    uint32_t n_group;
    int64_t program;   /* the group's recorded program; -2 entries
                          without one (grouped by page), -1 none */
    const char *input; /* its input or page (in the HAR's tree) */
    uint32_t n_encoded, n_refused, n_noted, n_files, n_new, n_multi;
    uint32_t n_failed_writes;
} run;

static const char usage_text[] =
    "usage: apifuzz har2corpus SPEC FILE.har DIR [--mode positive|mixed]\n"
    "                          [--calls K] [--operation ID|--path P]\n"
    "                          [--single] [--list]\n";

static const char help_text[] =
    "\n"
    "Turns the requests recorded in FILE.har (HAR 1.1 or 1.2: a browser's\n"
    "or proxy's export, or a fuzzer binary's APIFUZZ_HAR capture) into seed\n"
    "inputs for the fuzz target of SPEC, written into DIR (created when\n"
    "missing) and named by the SHA-1 of their bytes. Each entry whose\n"
    "request is a positive call of an operation (method and path template,\n"
    "below the spec's base path) is encoded so that it decodes back to\n"
    "that call. Consecutive entries of one recorded program (or page, or\n"
    "the whole session) become programs of up to K calls, so each call\n"
    "finds the state the earlier ones left. Every entry that gives no\n"
    "input is reported on stderr with the reason.\n"
    "Credentials come from APIFUZZ_AUTH, not from the recording.\n"
    "\n"
    "  --mode M        positive or mixed (default mixed, as the fuzzer's\n"
    "                  APIFUZZ_MODE): the inputs decode as meant only under\n"
    "                  the same mode\n"
    "  --calls K       at most K calls per program (1-16, default 4, as\n"
    "                  APIFUZZ_MAX_CALLS)\n"
    "  --operation ID, --path P\n"
    "                  only these operations (as APIFUZZ_OPERATION)\n"
    "  --single        one call per input, never programs of several\n"
    "  --list          print a line per input written (or already there):\n"
    "                  its name, then the indexes of its entries\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 inputs written (entries may have been left out), 1 no\n"
    "entry gave an input, 2 a usage, spec or file error.\n";

/* ---- arguments ---- */

static int h2c_option(int argc, char **argv, int *i, void *arg)
{
    h2c_args *out = arg;
    const char *a = argv[*i];
    if (strcmp(a, "--single") == 0 || strcmp(a, "--list") == 0) {
        *(a[2] == 's' ? &out->is_single : &out->is_listed) = true;
        return -1;
    }
    if (strcmp(a, "--mode") == 0) {
        const char *v = *i + 1 < argc ? argv[++*i] : NULL;
        if (v == NULL)
            return af_cli_usage_error("har2corpus", usage_text,
                                      "a value is needed by", a);
        if (strcmp(v, "positive") != 0 && strcmp(v, "mixed") != 0)
            return af_cli_usage_error("har2corpus", usage_text,
                                      "--mode takes positive or mixed (the "
                                      "encoder writes positive calls), not",
                                      v);
        out->opts.mode = v[0] == 'p' ? AF_GEN_POSITIVE : AF_GEN_MIXED;
        return -1;
    }
    if (strcmp(a, "--negative") == 0 || strcmp(a, "--mixed") == 0)
        return af_cli_usage_error("har2corpus", usage_text,
                                  "use --mode instead of", a);
    int rc =
        af_cli_plan_option("har2corpus", usage_text, argc, argv, i, &out->opts);
    if (rc == 0)
        return af_cli_usage_error("har2corpus", usage_text, "unknown option",
                                  a);
    return rc == 1 ? -1 : rc;
}

static int h2c_operand(char *a, void *arg)
{
    h2c_args *out = arg;
    const char **slot = out->spec == NULL  ? &out->spec
                        : out->har == NULL ? &out->har
                        : out->dir == NULL ? &out->dir
                                           : NULL;
    if (slot == NULL)
        return af_cli_usage_error("har2corpus", usage_text,
                                  "unexpected argument", a);
    *slot = a;
    return -1;
}

/* ---- output ---- */

static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static void report(int index, const char *what, const char *why)
{
    fprintf(stderr, "apifuzz har2corpus: entry %d", index);
    if (what != NULL) {
        fputs(" (", stderr);
        put_clean(stderr, what);
        fputc(')', stderr);
    }
    fputs(": ", stderr);
    put_clean(stderr, why);
    fputc('\n', stderr);
}

/* mkdir -p. 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (p == NULL || p[0] == 0) {
        free(p);
        errno = p == NULL ? ENOMEM : ENOENT;
        return -1;
    }
    for (char *c = p + 1;; c++) {
        bool is_end = *c == 0;
        if (*c != '/' && !is_end)
            continue;
        *c = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            break;
        if (is_end)
            break;
        *c = '/';
    }
    free(p);
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    errno = ENOTDIR;
    return S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Writes the input of group calls [from, from + n). */
static void write_input(run *r, const uint8_t *data, size_t len, uint32_t from,
                        uint32_t n)
{
    char hex[41];
    af_sha1_hex(data, len, hex);
    if (r->is_listed) {
        printf("%s", hex);
        for (uint32_t k = from; k < from + n; k++)
            printf(" %d", r->group[k].index);
        putchar('\n');
    }
    char *path = af_arena_printf(&r->a, "%s/%s", r->dir, hex);
    FILE *f = path != NULL ? fopen(path, "wbx") : NULL; /* C11: new only */
    r->n_files++;
    if (f == NULL && errno == EEXIST)
        return;
    bool is_ok = f != NULL && (len == 0 || fwrite(data, 1, len, f) == len);
    if (f != NULL && fclose(f) != 0)
        is_ok = false;
    if (is_ok) {
        r->n_new++;
        return;
    }
    fputs("apifuzz har2corpus: cannot write ", stderr);
    put_clean(stderr, path != NULL ? path : r->dir);
    fprintf(stderr, ": %s\n", strerror(errno));
    r->n_failed_writes++;
}

/* ---- encoding ---- */

/* Encodes n calls of the group from `from` as one program (n == 1: one
   call), into r->a. */
static int encode(run *r, uint32_t from, uint32_t n, const uint8_t **data,
                  size_t *len, af_error *err)
{
    uint32_t ops[AF_GEN_MAX_CALLS];
    af_call_spec specs[AF_GEN_MAX_CALLS];
    for (uint32_t k = 0; k < n; k++) {
        const af_har_call *c = &r->group[from + k].call;
        ops[k] = c->op;
        specs[k] = (af_call_spec){c->params, c->media, c->body};
    }
    af_choice_writer w;
    af_error_clear(err);
    af_choice_writer_init(&w, &r->a);
    int rc = n == 1 ? af_call_encode(r->g, &w, ops[0], &specs[0], err)
                    : af_program_encode(r->g, &w, ops, specs, n, err);
    if (rc == 0)
        rc = af_choice_writer_finish(&w, data, len);
    if (rc == AF_ENOMEM)
        af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    return rc;
}

/* Encodes and writes calls [from, from + n) one per input. */
static void write_singles(run *r, uint32_t from, uint32_t n)
{
    for (uint32_t k = from; k < from + n; k++) {
        const uint8_t *data;
        size_t len;
        af_error err;
        af_arena_reset(&r->a);
        if (encode(r, k, 1, &data, &len, &err) == 0)
            write_input(r, data, len, k, 1);
    }
}

/* Writes the group (every call of it encodes alone): as programs of up
   to max_calls calls, or one call per input with --single or when the
   group holds one call. */
static void flush(run *r)
{
    bool is_program = r->n_group > 1 && !r->is_single;
    uint32_t max = is_program ? r->g->max_calls : 1;
    for (uint32_t from = 0; from < r->n_group; from += max) {
        uint32_t n = r->n_group - from < max ? r->n_group - from : max;
        const uint8_t *data;
        size_t len;
        af_error err;
        af_arena_reset(&r->a);
        if (encode(r, from, n, &data, &len, &err) != 0) {
            write_singles(r, from, n); /* not expected: each call encoded */
            continue;
        }
        write_input(r, data, len, from, n);
        r->n_multi += n > 1;
    }
    for (uint32_t k = 0; k < r->n_group; k++) {
        af_har_call_free(&r->group[k].call);
        free(r->group[k].what);
    }
    r->n_group = 0;
    r->program = -1;
    r->input = NULL;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Queues a matched call when it encodes alone (else reports why). */
static bool queue(run *r, int index, const char *what, af_har_call *call)
{
    pending *p = &r->group[r->n_group];
    p->index = index;
    p->what = strdup(what != NULL ? what : "?");
    p->call = *call;
    const uint8_t *data;
    size_t len;
    af_error err;
    af_arena_reset(&r->a);
    if (encode(r, r->n_group, 1, &data, &len, &err) != 0) {
        report(index, what, err.message);
        r->n_refused++;
        af_har_call_free(&p->call);
        free(p->what);
        return false;
    }
    r->n_group++;
    r->n_encoded++;
    return true;
}

/* Reads, matches and queues entry `index`. */
static void take_entry(run *r, int index, const cJSON *entry)
{
    af_har_req q;
    af_error err;
    af_error_clear(&err);
    af_arena_reset(&r->entry_arena);
    if (af_har_read_entry(&r->entry_arena, entry, &q, &err) != 0) {
        report(index, NULL, err.message);
        r->n_refused++;
        return;
    }
    /* A recorded program, else a page, else the whole session. */
    int64_t program = q.has_meta ? q.program : -2;
    const char *key = q.has_meta ? q.input : q.pageref;
    if (program != r->program || !same_str(key, r->input) ||
        r->n_group == AF_GEN_MAX_CALLS)
        flush(r);
    char *what = af_arena_printf(&r->entry_arena, "%s %s%s%s", q.method, q.path,
                                 q.query[0] != 0 ? "?" : "", q.query);
    af_har_call call;
    if (af_har_match(r->g, &r->entry_arena, &q, &call, &err) != 0) {
        report(index, what, err.message);
        r->n_refused++;
        return;
    }
    if (call.note[0] != 0) {
        report(index, what, call.note);
        r->n_noted++;
    }
    if (!queue(r, index, what, &call))
        return;
    r->program = program;
    r->input = key;
    if (program == -1)
        flush(r);
}

static int import(const af_gen *g, const h2c_args *args, const cJSON *entries)
{
    run r;
    memset(&r, 0, sizeof r);
    r.g = g;
    r.dir = args->dir;
    r.is_single = args->is_single;
    r.is_listed = args->is_listed;
    r.program = -1;
    af_arena_init(&r.entry_arena);
    af_arena_init(&r.a);
    int n = 0;
    for (const cJSON *e = entries->child; e != NULL; e = e->next)
        take_entry(&r, n++, e);
    flush(&r);
    af_arena_free(&r.entry_arena);
    af_arena_free(&r.a);
    printf("apifuzz har2corpus: %d entries: %u encoded into %u input%s (%u "
           "new, %u programs of several calls) in ",
           n, r.n_encoded, r.n_files, r.n_files == 1 ? "" : "s", r.n_new,
           r.n_multi);
    put_clean(stdout, args->dir);
    printf("; %u left out", r.n_refused);
    if (r.n_noted > 0)
        printf(", %u encoded without parts of the request", r.n_noted);
    puts(r.n_refused + r.n_noted > 0 ? " (reasons on stderr)" : "");
    if (r.n_failed_writes > 0)
        return 2;
    return r.n_files == 0 && n > 0 ? 1 : 0;
}

int af_cli_har2corpus(int argc, char **argv)
{
    h2c_args args;
    memset(&args, 0, sizeof args);
    args.opts.mode = AF_GEN_MIXED;
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, h2c_option,
                               h2c_operand, &args);
    if (rc >= 0)
        return rc;
    if (args.dir == NULL)
        return af_cli_usage_error("har2corpus", usage_text,
                                  args.spec == NULL  ? "no SPEC given"
                                  : args.har == NULL ? "no FILE.har given"
                                                     : "no DIR given",
                                  NULL);
    af_model *m = NULL;
    af_gen *g = NULL;
    if (af_cli_plan_load("har2corpus", args.spec, &args.opts, &m, &g) != 0)
        return 2;
    cJSON *root = NULL;
    const cJSON *entries = NULL;
    af_error err;
    af_error_clear(&err);
    char buf[1400];
    if (af_har_load(args.har, &root, &entries, &err) != 0) {
        fprintf(stderr, "apifuzz har2corpus: %s\n",
                af_error_format(&err, buf, sizeof buf));
        rc = 2;
    } else if (make_dirs(args.dir) != 0) {
        fputs("apifuzz har2corpus: cannot create ", stderr);
        put_clean(stderr, args.dir);
        fprintf(stderr, ": %s\n", strerror(errno));
        rc = 2;
    } else {
        rc = import(g, &args, entries);
        if (fflush(stdout) != 0)
            rc = 2;
    }
    cJSON_Delete(root);
    af_gen_free(g);
    af_model_free(m);
    return rc;
}
