/*
 * gen.c - `apifuzz gen SPEC`: decodes N programs from seeded random
 * inputs and prints each call as one JSON line (issue 3's format); and
 * what `gen` and `show` share: the plan options, loading a spec into a
 * plan, and the JSON line of one call.
 *
 * Inputs: a SplitMix64 stream (Steele, Lea, Flood 2014: a Weyl sequence
 * with step 0x9e3779b97f4a7c15 through a 64-bit finalizer) seeded with
 * --seed gives, per program, one word choosing the input's shape and then
 * its bytes. Lengths are spread over four classes of equal weight (0-15,
 * 16-255, 256-1023, 1024-4095 bytes), so short inputs (mostly zeros read
 * past the end: one call, simplest values) and long ones (up to the call
 * limit, large values) both appear; one input in four holds small bytes
 * (0-3), as mutated fuzz inputs often do, which pick the boundary shapes
 * of the choice stream. The same seed always prints the same lines.
 *
 * The JSON line of a call: the request as rendered (path, query, headers
 * with back-references rendered as their fallback, since no service
 * runs), the decoded parameter values before serialization, and the body:
 * the JSON value for a JSON media type, else the rendered body as a
 * string (malformed JSON bodies too; bytes that are not UTF-8 become
 * \u00XX, one code point per byte); media_type is the media type the call
 * sends (null without a body). Tuned for throughput: one arena reset per
 * program, one buffer per line, stdout fully buffered.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define INPUT_MAX 4096

typedef struct gen_args {
    const char *spec;
    uint64_t n_programs;
    uint64_t seed;
    af_gen_opts opts;
} gen_args;

static const char usage_text[] =
    "usage: apifuzz gen SPEC [-n N] [--seed S] [--negative|--mixed]\n"
    "                   [--operation ID|--path P] [--calls K]\n";

static const char help_text[] =
    "\n"
    "Decodes N programs from seeded random inputs and prints every call as\n"
    "one JSON line: program, call, operation, method, path_template, path,\n"
    "query, headers, path_params, query_params, header_params,\n"
    "cookie_params, media_type, body, mode and violation. A summary line\n"
    "(programs, calls, requests/s) goes to stderr.\n"
    "\n"
    "  -n N            programs to print (default 10)\n"
    "  --seed S        seed of the input generator (default 1); the same\n"
    "                  seed prints the same lines\n"
    "  --negative      every call carries one violation\n"
    "  --mixed         each call positive or negative by choice\n"
    "  --operation ID  only this operation (operationId or 'METHOD /path')\n"
    "  --path P        only operations of this path template\n"
    "  --calls K       at most K calls per program (1-16, default 4)\n"
    "  -h, --help      print this help\n"
    "\n"
    "Credentials come from APIFUZZ_AUTH ('bearerAuth=TOKEN;api_key=KEY;\n"
    "basic=user:pass'), else placeholders.\n"
    "\n"
    "Exit status: 0 printed, 2 a usage or spec error.\n";

/* ---- shared with show ---- */

int af_cli_parse_args(int argc, char **argv, const char *usage,
                      const char *help, af_cli_option_fn option,
                      af_cli_operand_fn operand, void *out)
{
    bool no_more_options = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        int rc;
        if (!no_more_options && strcmp(a, "--") == 0) {
            no_more_options = true;
            continue;
        }
        if (!no_more_options &&
            (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(usage, stdout);
            fputs(help, stdout);
            return 0;
        }
        if (!no_more_options && a[0] == '-' && a[1] != '\0')
            rc = option(argc, argv, &i, out);
        else
            rc = operand(a, out);
        if (rc >= 0)
            return rc;
    }
    return -1;
}

int af_cli_usage_error(const char *cmd, const char *usage, const char *msg,
                       const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "apifuzz %s: %s '%s'\n", cmd, msg, arg);
    else
        fprintf(stderr, "apifuzz %s: %s\n", cmd, msg);
    fputs(usage, stderr);
    return 2;
}

int af_cli_parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return -1;
    char *end = NULL;
    bool is_hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    errno = 0;
    unsigned long long v = strtoull(text, &end, is_hex ? 16 : 10);
    if (errno != 0 || end == text || *end != '\0' || v > max)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int set_mode(const char *cmd, const char *usage, af_gen_opts *opts,
                    af_gen_mode mode)
{
    if (opts->mode != AF_GEN_POSITIVE && opts->mode != mode)
        return af_cli_usage_error(
            cmd, usage, "--negative and --mixed exclude each other", NULL);
    opts->mode = mode;
    return 1;
}

static int set_filter(const char *cmd, const char *usage, const char **slot,
                      const char *other, const char *opt, const char *value)
{
    if (value == NULL)
        return af_cli_usage_error(cmd, usage, "a value is needed by", opt);
    if (other != NULL)
        return af_cli_usage_error(
            cmd, usage, "--operation and --path exclude each other", NULL);
    *slot = value;
    return 1;
}

int af_cli_plan_option(const char *cmd, const char *usage, int argc,
                       char **argv, int *i, af_gen_opts *opts)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (strcmp(a, "--negative") == 0)
        return set_mode(cmd, usage, opts, AF_GEN_NEGATIVE);
    if (strcmp(a, "--mixed") == 0)
        return set_mode(cmd, usage, opts, AF_GEN_MIXED);
    if (strcmp(a, "--operation") != 0 && strcmp(a, "--path") != 0 &&
        strcmp(a, "--calls") != 0)
        return 0;
    if (v != NULL)
        (*i)++;
    if (strcmp(a, "--operation") == 0)
        return set_filter(cmd, usage, &opts->operation, opts->path, a, v);
    if (strcmp(a, "--path") == 0)
        return set_filter(cmd, usage, &opts->path, opts->operation, a, v);
    uint64_t k = 0;
    if (v == NULL)
        return af_cli_usage_error(cmd, usage, "a value is needed by", a);
    if (af_cli_parse_u64(v, AF_GEN_MAX_CALLS, &k) != 0 || k == 0)
        return af_cli_usage_error(
            cmd, usage, "--calls takes a number from 1 to 16, not", v);
    opts->max_calls = (uint32_t)k;
    return 1;
}

/* Prints s with control characters (and DEL) as '?'. */
static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

int af_cli_plan_load(const char *cmd, const char *spec, const af_gen_opts *opts,
                     af_model **m, af_gen **g)
{
    af_error err;
    char buf[1536];
    af_error_clear(&err);
    *m = NULL;
    *g = NULL;
    if (af_model_load(spec, m, &err) < 0 || *m == NULL) {
        fprintf(stderr, "apifuzz %s: ", cmd);
        if (err.file[0] == '\0') {
            put_clean(stderr, spec);
            fputs(": ", stderr);
        }
        put_clean(stderr, af_error_format(&err, buf, sizeof buf));
        fputc('\n', stderr);
        return 2;
    }
    af_gen_opts o = *opts;
    const char *auth = getenv("APIFUZZ_AUTH");
    if (o.auth == NULL && auth != NULL && auth[0] != '\0')
        o.auth = auth;
    if (af_gen_new(*m, &o, g, &err) < 0 || *g == NULL) {
        fprintf(stderr, "apifuzz %s: ", cmd);
        put_clean(stderr, spec);
        fputs(": ", stderr);
        put_clean(stderr, err.message);
        fputc('\n', stderr);
        af_model_free(*m);
        *m = NULL;
        return 2;
    }
    return 0;
}

/* ---- the JSON line of a call ---- */

static void put_key(af_wbuf *b, const char *key)
{
    af_wbuf_putc(b, ',');
    af_wbuf_putc(b, '"');
    af_wbuf_puts(b, key);
    af_wbuf_puts(b, "\":");
}

static void put_string(af_wbuf *b, const char *s)
{
    if (s == NULL)
        af_wbuf_puts(b, "null");
    else
        af_json_string(b, s, strlen(s));
}

static void put_params(af_wbuf *b, const af_render_env *env,
                       const af_operation *op, const af_call *call,
                       af_param_in in)
{
    bool is_first = true;
    af_wbuf_putc(b, '{');
    for (uint32_t k = 0; k < call->n_args; k++) {
        const af_arg *arg = &call->args[k];
        if (!arg->is_present || arg->param >= op->n_params ||
            op->params[arg->param].in != in)
            continue;
        if (!is_first)
            af_wbuf_putc(b, ',');
        is_first = false;
        put_string(b, op->params[arg->param].name);
        af_wbuf_putc(b, ':');
        af_json_write(b, &arg->value, env);
    }
    af_wbuf_putc(b, '}');
}

static void put_headers(af_wbuf *b, const apifuzz_request *req)
{
    af_wbuf_putc(b, '{');
    for (size_t k = 0; k < req->header_count; k++) {
        if (k > 0)
            af_wbuf_putc(b, ',');
        put_string(b, req->headers[k].name);
        af_wbuf_putc(b, ':');
        put_string(b, req->headers[k].value);
    }
    af_wbuf_putc(b, '}');
}

/* A JSON media type's body as its value; any other body (and a
   malformed JSON one) as the bytes sent. */
static void put_body(af_wbuf *b, const af_render_env *env,
                     const af_operation *op, const af_call *call,
                     const af_rendered *r)
{
    if (call->body == NULL) {
        af_wbuf_puts(b, "null");
        return;
    }
    const af_media *media = NULL;
    if (op->body != NULL && call->media >= 0 &&
        (uint32_t)call->media < op->body->n_media)
        media = &op->body->media[call->media];
    const af_value *v = af_render_deref(call->body, env);
    if (media != NULL && af_media_is_json(media->type) && v->kind != AF_V_RAW)
        af_json_write(b, call->body, env);
    else
        af_json_string(b, (const char *)r->req.body, r->req.body_len);
}

static void put_violation(af_wbuf *b, const af_call *call)
{
    const af_violation *v = &call->violation;
    if (!call->is_negative || v->kind == AF_VIOL_NONE) {
        af_wbuf_puts(b, "null");
        return;
    }
    af_wbuf_puts(b, "{\"kind\":");
    put_string(b, af_violation_name(v->kind));
    put_key(b, "request_pointer");
    put_string(b, v->request_pointer);
    put_key(b, "schema_pointer");
    put_string(b, v->schema_pointer);
    put_key(b, "soft");
    af_wbuf_puts(b, v->is_soft ? "true" : "false");
    af_wbuf_putc(b, '}');
}

static void put_operation(af_wbuf *b, const af_operation *op)
{
    if (op->operation_id != NULL) {
        put_string(b, op->operation_id);
        return;
    }
    af_wbuf tmp;
    af_wbuf_init(&tmp, b->arena, 64);
    af_wbuf_puts(&tmp, op->method);
    af_wbuf_putc(&tmp, ' ');
    af_wbuf_puts(&tmp, op->path);
    af_json_string(b, tmp.data != NULL ? tmp.data : "", tmp.len);
}

void af_cli_call_json(af_wbuf *b, const af_model *m, const af_call *call,
                      const af_rendered *r, uint64_t program, uint32_t index)
{
    const af_operation *op = &m->ops[call->op];
    af_render_env env = {m, NULL, NULL, b->arena};
    af_wbuf_puts(b, "{\"program\":");
    af_wbuf_put_int(b, (int64_t)program);
    put_key(b, "call");
    af_wbuf_put_int(b, index);
    put_key(b, "operation");
    put_operation(b, op);
    put_key(b, "method");
    put_string(b, op->method);
    put_key(b, "path_template");
    put_string(b, op->path);
    put_key(b, "path");
    put_string(b, r->req.path);
    put_key(b, "query");
    put_string(b, r->req.query);
    put_key(b, "headers");
    put_headers(b, &r->req);
    static const char *const keys[] = {"path_params", "query_params",
                                       "header_params", "cookie_params"};
    for (int in = AF_IN_PATH; in <= AF_IN_COOKIE; in++) {
        put_key(b, keys[in]);
        put_params(b, &env, op, call, (af_param_in)in);
    }
    put_key(b, "media_type");
    put_string(b, call->body != NULL ? call->content_type : NULL);
    put_key(b, "body");
    put_body(b, &env, op, call, r);
    put_key(b, "mode");
    af_wbuf_puts(b, call->is_negative ? "\"negative\"" : "\"positive\"");
    put_key(b, "violation");
    put_violation(b, call);
    af_wbuf_puts(b, "}\n");
}

/* ---- gen ---- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The next input (see the file comment); returns its length. */
static size_t next_input(uint64_t *state, uint8_t *buf)
{
    static const size_t lo[4] = {0, 16, 256, 1024};
    static const size_t hi[4] = {16, 256, 1024, INPUT_MAX};
    uint64_t shape = splitmix64(state);
    unsigned cls = (unsigned)(shape & 3);
    bool is_small = ((shape >> 2) & 3) == 0;
    size_t len = lo[cls] + (size_t)((shape >> 8) % (hi[cls] - lo[cls]));
    uint64_t word = 0;
    for (size_t k = 0; k < len; k++) {
        if (k % 8 == 0)
            word = splitmix64(state);
        uint8_t byte = (uint8_t)(word >> (8 * (k % 8)));
        buf[k] = is_small ? byte & 3 : byte;
    }
    return len;
}

static int gen_option(int argc, char **argv, int *i, void *arg)
{
    gen_args *out = arg;
    const char *a = argv[*i];
    int rc = af_cli_plan_option("gen", usage_text, argc, argv, i, &out->opts);
    if (rc != 0)
        return rc == 1 ? -1 : rc;
    bool is_n = strcmp(a, "-n") == 0, is_seed = strcmp(a, "--seed") == 0;
    if (!is_n && !is_seed)
        return af_cli_usage_error("gen", usage_text, "unknown option", a);
    const char *v = *i + 1 < argc ? argv[++*i] : NULL;
    if (v == NULL)
        return af_cli_usage_error("gen", usage_text, "a value is needed by", a);
    uint64_t *slot = is_n ? &out->n_programs : &out->seed;
    if (af_cli_parse_u64(v, is_n ? 1000000000ull : UINT64_MAX, slot) != 0)
        return af_cli_usage_error(
            "gen", usage_text,
            is_n ? "-n takes a count, not" : "--seed takes a number, not", v);
    return -1;
}

static int gen_operand(char *a, void *arg)
{
    gen_args *out = arg;
    if (out->spec != NULL)
        return af_cli_usage_error("gen", usage_text, "only one SPEC, got", a);
    out->spec = a;
    return -1;
}

/* Returns -1 to continue, else the exit status (help or usage error). */
static int parse_args(int argc, char **argv, gen_args *out)
{
    memset(out, 0, sizeof *out);
    out->n_programs = 10;
    out->seed = 1;
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, gen_option,
                               gen_operand, out);
    if (rc >= 0)
        return rc;
    if (out->spec == NULL)
        return af_cli_usage_error("gen", usage_text, "no SPEC given", NULL);
    return -1;
}

typedef struct gen_stats {
    uint64_t programs, calls;
} gen_stats;

/* Decodes, renders and prints one program. */
static int gen_program(const af_model *m, const af_gen *g, af_arena *a,
                       const uint8_t *in, size_t len, uint64_t index,
                       gen_stats *st)
{
    af_program p;
    af_error err;
    af_arena_reset(a);
    int rc = af_program_decode(g, a, in, len, &p, &err);
    for (uint32_t j = 0; rc == 0 && j < p.n_calls; j++) {
        af_rendered r;
        rc = af_render_call(m, &p.calls[j], NULL, NULL, a, &r, &err);
        if (rc != 0)
            break;
        af_wbuf line;
        af_wbuf_init(&line, a, 1024);
        af_cli_call_json(&line, m, &p.calls[j], &r, index, j);
        if (line.is_oom) {
            rc = af_error_set(&err, AF_ENOMEM, NULL, NULL, 0, 0,
                              "out of memory printing a call");
            break;
        }
        fwrite(line.data, 1, line.len, stdout);
        st->calls++;
    }
    if (rc != 0) {
        fprintf(stderr, "apifuzz gen: program %llu: %s\n",
                (unsigned long long)index, err.message);
        return rc;
    }
    st->programs++;
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int af_cli_gen(int argc, char **argv)
{
    gen_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0)
        return rc;
    af_model *m = NULL;
    af_gen *g = NULL;
    if (af_cli_plan_load("gen", args.spec, &args.opts, &m, &g) != 0)
        return 2;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    uint8_t *in = malloc(INPUT_MAX);
    af_arena a;
    af_arena_init(&a);
    uint64_t state = args.seed;
    gen_stats st = {0, 0};
    double t0 = now_seconds();
    for (uint64_t i = 0; in != NULL && rc < 0 && i < args.n_programs; i++) {
        size_t len = next_input(&state, in);
        if (gen_program(m, g, &a, in, len, i, &st) != 0)
            rc = 2;
    }
    double dt = now_seconds() - t0;
    if (in == NULL)
        rc = 2;
    if (fflush(stdout) != 0)
        rc = 2;
    fprintf(stderr, "apifuzz gen: %llu programs, %llu calls, %.0f requests/s\n",
            (unsigned long long)st.programs, (unsigned long long)st.calls,
            dt > 0 ? (double)st.calls / dt : 0.0);
    free(in);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
    return rc < 0 ? 0 : rc;
}
