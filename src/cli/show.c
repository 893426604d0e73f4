/*
 * show.c - `apifuzz show SPEC FILE...`: decodes fuzz inputs (any bytes,
 * the empty file too) with the spec's plan and prints each program as raw
 * HTTP, as curl commands, or as gen's JSON lines.
 *
 * Output per file: a "# FILE: N bytes, K calls" heading (http and curl
 * formats), then per format and call a "# call J: OPERATION (mode)" line
 * and the request; http is the request made printable by af_render_http_text
 * (lossy, for people), curl is one exact, runnable command per call, so
 * the curl format is a shell script. The default prints both, http
 * first. json prints gen's lines, with "program" the file's position
 * among the FILE arguments (0-based). The plan options must match the
 * ones the inputs were fuzzed with (a --mixed input decodes differently
 * in positive mode). Back-references render as their fallback.
 *
 * Text from the spec and file names are printed with control characters
 * replaced; the request texts are already printable. Not on a hot path:
 * one file at a time, read whole (at most 16 MiB).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define FILE_MAX (16u << 20)
#define HTTP_BODY_MAX 4096

enum { SHOW_HTTP = 1, SHOW_CURL = 2, SHOW_JSON = 4 };

typedef struct show_args {
    const char *spec;
    char **files;
    int n_files;
    unsigned format; /* SHOW_* bits */
    af_gen_opts opts;
} show_args;

static const char usage_text[] =
    "usage: apifuzz show SPEC FILE... [--format http|curl|json]\n"
    "                    [--negative|--mixed] [--operation ID|--path P]\n"
    "                    [--calls K]\n";

static const char help_text[] =
    "\n"
    "Decodes each FILE (a fuzz input: any bytes) into a program with the\n"
    "plan of SPEC and prints its calls as raw HTTP and as curl commands.\n"
    "\n"
    "  --format F      http, curl or json (gen's JSON lines); default:\n"
    "                  http, then curl\n"
    "  --negative, --mixed, --operation ID, --path P, --calls K\n"
    "                  the plan options, as for gen: use the ones the\n"
    "                  inputs were made with\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 printed, 2 a usage or spec error or a FILE that could\n"
    "not be read (the other files are still shown).\n";

static int show_option(int argc, char **argv, int *i, void *arg)
{
    show_args *out = arg;
    const char *a = argv[*i];
    int rc = af_cli_plan_option("show", usage_text, argc, argv, i, &out->opts);
    if (rc != 0)
        return rc == 1 ? -1 : rc;
    if (strcmp(a, "--format") != 0)
        return af_cli_usage_error("show", usage_text, "unknown option", a);
    const char *v = *i + 1 < argc ? argv[++*i] : NULL;
    if (v == NULL)
        return af_cli_usage_error("show", usage_text, "a value is needed by",
                                  a);
    if (strcmp(v, "http") == 0)
        out->format = SHOW_HTTP;
    else if (strcmp(v, "curl") == 0)
        out->format = SHOW_CURL;
    else if (strcmp(v, "json") == 0)
        out->format = SHOW_JSON;
    else
        return af_cli_usage_error("show", usage_text, "unknown format", v);
    return -1;
}

static int show_operand(char *a, void *arg)
{
    show_args *out = arg;
    if (out->spec == NULL)
        out->spec = a;
    else
        out->files[out->n_files++] = a;
    return -1;
}

/* Returns -1 to continue, else the exit status (help or usage error).
   out->files holds the FILE arguments (argv order, options removed). */
static int parse_args(int argc, char **argv, show_args *out)
{
    memset(out, 0, sizeof *out);
    out->format = SHOW_HTTP | SHOW_CURL;
    out->files = calloc((size_t)argc + 1, sizeof *out->files);
    if (out->files == NULL)
        return af_cli_usage_error("show", "", "out of memory", NULL);
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, show_option,
                               show_operand, out);
    if (rc >= 0)
        return rc;
    if (out->spec == NULL)
        return af_cli_usage_error("show", usage_text, "no SPEC given", NULL);
    if (out->n_files == 0)
        return af_cli_usage_error("show", usage_text, "no FILE given", NULL);
    return -1;
}

static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

/* The whole file (malloc'd; a 1-byte buffer for an empty one), or NULL
   with the reason printed. */
static uint8_t *read_input(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    bool is_too_large = false, is_failed = false;
    while (f != NULL) {
        if (n == cap) {
            is_too_large = cap > FILE_MAX;
            size_t new_cap = cap == 0 ? 4096 : cap * 2;
            new_cap = new_cap > FILE_MAX + 1 ? FILE_MAX + 1 : new_cap;
            uint8_t *grown = is_too_large ? NULL : realloc(buf, new_cap);
            if (grown == NULL) {
                is_failed = true;
                break;
            }
            buf = grown;
            cap = new_cap;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    bool is_ok = f != NULL && !ferror(f) && !is_failed && buf != NULL;
    if (f != NULL)
        fclose(f);
    if (!is_ok) {
        fputs("apifuzz show: ", stderr);
        put_clean(stderr, path);
        fputs(is_too_large ? ": larger than 16 MiB\n" : ": cannot read\n",
              stderr);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void put_heading(const af_model *m, const af_call *call, uint32_t j)
{
    const af_operation *op = &m->ops[call->op];
    printf("# call %u: ", (unsigned)j);
    if (op->operation_id != NULL) {
        put_clean(stdout, op->operation_id);
    } else {
        put_clean(stdout, op->method);
        putchar(' ');
        put_clean(stdout, op->path);
    }
    if (!call->is_negative) {
        puts(" (positive)");
        return;
    }
    printf(" (negative: %s at ", af_violation_name(call->violation.kind));
    put_clean(stdout, call->violation.request_pointer != NULL
                          ? call->violation.request_pointer
                          : "?");
    puts(call->violation.is_soft ? ", soft)" : ")");
}

/* Prints program p (decoded from file number `index`) in one format. */
static int show_as(const af_model *m, const af_program *p, af_arena *a,
                   unsigned format, uint64_t index)
{
    af_error err;
    for (uint32_t j = 0; j < p->n_calls; j++) {
        af_rendered r;
        if (af_render_call(m, &p->calls[j], NULL, NULL, a, &r, &err) != 0) {
            fprintf(stderr, "apifuzz show: call %u: %s\n", (unsigned)j,
                    err.message);
            return 2;
        }
        const char *text = NULL;
        if (format == SHOW_JSON) {
            af_wbuf line;
            af_wbuf_init(&line, a, 1024);
            af_cli_call_json(&line, m, &p->calls[j], &r, index, j);
            text = af_wbuf_cstr(&line);
        } else {
            put_heading(m, &p->calls[j], j);
            text = format == SHOW_HTTP
                       ? af_render_http_text(a, &r.req, HTTP_BODY_MAX)
                       : af_render_curl(a, &r.req, NULL);
        }
        if (text == NULL) {
            fputs("apifuzz show: out of memory\n", stderr);
            return 2;
        }
        size_t len = strlen(text);
        fputs(text, stdout);
        if (format != SHOW_JSON && (len == 0 || text[len - 1] != '\n'))
            putchar('\n');
    }
    return 0;
}

static int show_file(const af_model *m, const af_gen *g, af_arena *a,
                     const char *path, unsigned format, uint64_t index)
{
    size_t len = 0;
    uint8_t *in = read_input(path, &len);
    if (in == NULL)
        return 2;
    af_program p;
    af_error err;
    af_arena_reset(a);
    int rc = af_program_decode(g, a, in, len, &p, &err);
    if (rc != 0) {
        fprintf(stderr, "apifuzz show: %s\n", err.message);
        free(in);
        return 2;
    }
    if (format != SHOW_JSON) {
        fputs("# ", stdout);
        put_clean(stdout, path);
        printf(": %zu bytes, %u call%s\n", len, (unsigned)p.n_calls,
               p.n_calls == 1 ? "" : "s");
    }
    for (unsigned f = SHOW_HTTP; rc == 0 && f <= SHOW_JSON; f <<= 1)
        if (format & f)
            rc = show_as(m, &p, a, f, index);
    free(in);
    return rc;
}

int af_cli_show(int argc, char **argv)
{
    show_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0) {
        free(args.files);
        return rc;
    }
    af_model *m = NULL;
    af_gen *g = NULL;
    if (af_cli_plan_load("show", args.spec, &args.opts, &m, &g) != 0) {
        free(args.files);
        return 2;
    }
    af_arena a;
    af_arena_init(&a);
    rc = 0;
    for (int i = 0; i < args.n_files; i++)
        if (show_file(m, g, &a, args.files[i], args.format, (uint64_t)i) != 0)
            rc = 2;
    if (fflush(stdout) != 0)
        rc = 2;
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
    free(args.files);
    return rc;
}
