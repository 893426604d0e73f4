/*
 * repro.c - `apifuzz repro --c FILE [--spec SPEC]`: prints a failing
 * fuzz input as a small, self-contained C program for the user's
 * regression suite. It links the service's own sources (not the fuzz
 * harness, not apifuzz) and sends the program's requests, rendered now
 * and embedded as C string literals, through the service contract:
 * init, reset, handle for each call in order, fini; it prints each
 * status and body and exits 1 on a 5xx or an undocumented status (a
 * sanitizer finding reproduces as the crash it was).
 *
 * The program defines the contract's four apifuzz_response functions
 * itself (a recorder of status, headers and body), so it needs no
 * apifuzz library; the fixed part of its text is in repro_rt.c.
 *
 * Back-references cannot be rendered now: their values come from
 * responses. Each is rendered as a unique token (letters and digits, so
 * every escaping keeps it), found again in the target, header values or
 * body, and the generated program replaces the token at run time with
 * the producer's response field, or the fallback when that call was not
 * 2xx JSON holding it, as apifuzz's runner does (primitive values are
 * exact; objects and arrays in a path or query are approximated as JSON
 * text). cJSON is then needed to build the program.
 *
 * The plan options must match the ones the input was fuzzed with: the
 * fuzzer's defaults (mixed mode) and its environment (APIFUZZ_MODE,
 * APIFUZZ_MAX_CALLS, APIFUZZ_OPERATION, APIFUZZ_AUTH) apply unless
 * options say otherwise. Not on a hot path: one input, read whole.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/repro.h"

#define FILE_MAX (16u << 20)
#define MAX_REFS 256

typedef struct repro_args {
    const char *file, *spec, *service;
    bool is_c, has_mode;
    af_gen_opts opts;
} repro_args;

static const char usage_text[] =
    "usage: apifuzz repro --c FILE [--spec SPEC] [--service SYMBOL]\n"
    "                     [--positive|--negative|--mixed]\n"
    "                     [--operation ID|--path P] [--calls K]\n";

static const char help_text[] =
    "\n"
    "Prints FILE (a fuzz input, e.g. a crash file of `make fuzz`) as a C\n"
    "program that links the service's sources and replays the program's\n"
    "requests through the service contract: for a regression suite. The\n"
    "build line is in the program's opening comment.\n"
    "\n"
    "  --c              print C (the one format so far)\n"
    "  --spec SPEC      the service's spec; default: the openapi.yaml or\n"
    "                   .json of fuzz/NAME/ or tests/fuzz/NAME/, NAME the\n"
    "                   folder holding FILE (findings/NAME/crash-...)\n"
    "  --service SYM    the apifuzz_service object; default: the one the\n"
    "                   harness names in APIFUZZ_TARGET, else NAME_service\n"
    "  --positive, --negative, --mixed, --operation ID, --path P,\n"
    "  --calls K        the plan the input was fuzzed with (default: the\n"
    "                   fuzzer's: APIFUZZ_MODE, else mixed; "
    "APIFUZZ_MAX_CALLS,\n"
    "                   APIFUZZ_OPERATION)\n"
    "  -h, --help       print this help\n"
    "\n"
    "Exit status: 0 printed, 2 a usage or spec error or an unreadable FILE.\n";

static int set_mode(repro_args *out, const char *a, af_gen_mode mode)
{
    if (out->has_mode && out->opts.mode != mode)
        return af_cli_usage_error("repro", usage_text,
                                  "give one of --positive, --negative, "
                                  "--mixed, not also",
                                  a);
    out->has_mode = true;
    out->opts.mode = mode;
    return -1;
}

static int repro_option(int argc, char **argv, int *i, void *arg)
{
    repro_args *out = arg;
    const char *a = argv[*i];
    if (strcmp(a, "--c") == 0) {
        out->is_c = true;
        return -1;
    }
    if (strcmp(a, "--positive") == 0 || strcmp(a, "--negative") == 0 ||
        strcmp(a, "--mixed") == 0)
        return set_mode(out, a,
                        a[2] == 'p'   ? AF_GEN_POSITIVE
                        : a[2] == 'n' ? AF_GEN_NEGATIVE
                                      : AF_GEN_MIXED);
    int rc = af_cli_plan_option("repro", usage_text, argc, argv, i, &out->opts);
    if (rc != 0)
        return rc == 1 ? -1 : rc;
    const char **slot = strcmp(a, "--spec") == 0      ? &out->spec
                        : strcmp(a, "--service") == 0 ? &out->service
                                                      : NULL;
    if (slot == NULL)
        return af_cli_usage_error("repro", usage_text, "unknown option", a);
    if (*i + 1 >= argc)
        return af_cli_usage_error("repro", usage_text, "a value is needed by",
                                  a);
    *slot = argv[++*i];
    return -1;
}

static int repro_operand(char *a, void *arg)
{
    repro_args *out = arg;
    if (out->file != NULL)
        return af_cli_usage_error("repro", usage_text, "one FILE only, not", a);
    out->file = a;
    return -1;
}

/* The fuzzer's plan from its environment, where options left it. */
static int env_plan(repro_args *args)
{
    const char *mode = getenv("APIFUZZ_MODE");
    if (!args->has_mode) {
        args->opts.mode = AF_GEN_MIXED;
        if (mode != NULL && strcmp(mode, "positive") == 0)
            args->opts.mode = AF_GEN_POSITIVE;
        else if (mode != NULL && strcmp(mode, "negative") == 0)
            args->opts.mode = AF_GEN_NEGATIVE;
    }
    const char *calls = getenv("APIFUZZ_MAX_CALLS");
    uint64_t k = 0;
    if (args->opts.max_calls == 0 && calls != NULL && *calls != 0) {
        if (af_cli_parse_u64(calls, AF_GEN_MAX_CALLS, &k) != 0 || k == 0)
            return af_cli_usage_error("repro", usage_text,
                                      "APIFUZZ_MAX_CALLS is not 1..16:", calls);
        args->opts.max_calls = (uint32_t)k;
    }
    const char *op = getenv("APIFUZZ_OPERATION");
    if (args->opts.operation == NULL && args->opts.path == NULL && op != NULL &&
        *op != 0)
        args->opts.operation = op;
    return -1;
}

/* ---- where the service is ---- */

/* The spec of the target whose findings folder holds file, or NULL. */
static char *guess_spec(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return NULL;
    *slash = 0;
    slash = strrchr(dir, '/');
    const char *name = slash != NULL ? slash + 1 : dir;
    static const char *const dirs[] = {"fuzz/", "tests/fuzz/"};
    static const char *const files[] = {"/openapi.yaml", "/openapi.json"};
    for (size_t i = 0; i < 4; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s%s%s", dirs[i / 2], name, files[i % 2]);
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            fclose(f);
            return strdup(path);
        }
    }
    return NULL;
}

/* The symbol inside "APIFUZZ_TARGET(" of text, copied to out. */
static bool target_symbol(const char *text, char *out, size_t cap)
{
    const char *p = strstr(text, "APIFUZZ_TARGET(");
    if (p == NULL)
        return false;
    p += strlen("APIFUZZ_TARGET(");
    size_t n = 0;
    while (*p == ' ')
        p++;
    while (n + 1 < cap &&
           (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
            (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
        n++;
    memcpy(out, p, n);
    out[n] = 0;
    return n > 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The service folder's C sources without the harness (sorted, into
   svc->sources) and the service symbol the harness names. */
static void scan_service(const char *dir, af_repro_service *svc)
{
    DIR *d = opendir(dir[0] != 0 ? dir : ".");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL &&
           svc->n_sources < AF_REPRO_MAX_SOURCES) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s%s%s", dir, dir[0] ? "/" : "",
                 e->d_name);
        size_t len = 0;
        char *text = af_cli_read_file(path, FILE_MAX, &len);
        if (text != NULL &&
            target_symbol(text, svc->symbol, sizeof svc->symbol))
            svc->has_harness = true;
        else if ((svc->sources[svc->n_sources] = strdup(path)) != NULL)
            svc->n_sources++;
        free(text);
    }
    if (d != NULL)
        closedir(d);
    qsort(svc->sources, svc->n_sources, sizeof *svc->sources, by_name);
}

static void service_of(const char *spec, const char *symbol,
                       af_repro_service *svc)
{
    memset(svc, 0, sizeof *svc);
    snprintf(svc->dir, sizeof svc->dir, "%s", spec);
    char *slash = strrchr(svc->dir, '/');
    if (slash != NULL)
        *slash = 0;
    else
        svc->dir[0] = 0;
    scan_service(svc->dir, svc);
    const char *base = strrchr(svc->dir, '/');
    base = base != NULL ? base + 1 : svc->dir[0] ? svc->dir : "service";
    if (symbol != NULL)
        snprintf(svc->symbol, sizeof svc->symbol, "%s", symbol);
    else if (!svc->has_harness)
        snprintf(svc->symbol, sizeof svc->symbol, "%s_service", base);
}

/* ---- rendering with tokens for back-references ---- */

typedef struct token_ctx {
    af_arena *a;
    uint32_t index; /* the call being rendered */
    af_repro_ref *refs;
    uint32_t n_refs;
} token_ctx;

static const af_value *token_of(void *vctx, const af_backref *ref)
{
    token_ctx *c = vctx;
    if (ref->call >= c->index || c->n_refs == MAX_REFS)
        return NULL; /* the runner renders the fallback too */
    af_repro_ref *r = &c->refs[c->n_refs];
    af_value *v = af_arena_calloc(c->a, 1, sizeof *v);
    if (v == NULL)
        return NULL;
    snprintf(r->token, sizeof r->token, "APIFUZZREF%uX", c->n_refs);
    r->call = c->index;
    r->ref = ref;
    c->n_refs++;
    v->kind = AF_V_STRING;
    v->schema = AF_NONE;
    v->u.str.s = r->token;
    v->u.str.len = strlen(r->token);
    return v;
}

/* The fallback of ref as the renderer writes it: text and JSON. */
static void fallback_texts(const af_model *m, af_arena *a, af_repro_ref *r)
{
    static af_value null_value = {.kind = AF_V_NULL, .schema = AF_NONE};
    const af_value *v = r->ref->fallback ? r->ref->fallback : &null_value;
    af_render_env env = {m, NULL, NULL, a};
    af_wbuf text, json;
    af_wbuf_init(&text, a, 32);
    af_wbuf_init(&json, a, 32);
    af_style_text(&text, v, &env);
    af_json_write(&json, v, &env);
    r->fallback = af_wbuf_cstr(&text);
    r->fallback_json = af_wbuf_cstr(&json);
}

static int render_all(const af_model *m, const af_program *p, af_arena *a,
                      af_rendered *rs, token_ctx *tc)
{
    af_error err;
    for (uint32_t j = 0; j < p->n_calls; j++) {
        tc->index = j;
        if (af_render_call(m, &p->calls[j], token_of, tc, a, &rs[j], &err) !=
            0) {
            fprintf(stderr, "apifuzz repro: call %u: %s\n", (unsigned)j + 1,
                    err.message);
            return 2;
        }
    }
    for (uint32_t k = 0; k < tc->n_refs; k++) {
        fallback_texts(m, a, &tc->refs[k]);
        if (tc->refs[k].fallback == NULL || tc->refs[k].fallback_json == NULL) {
            fputs("apifuzz repro: out of memory\n", stderr);
            return 2;
        }
    }
    return 0;
}

/* ---- the command ---- */

static int parse(int argc, char **argv, repro_args *args)
{
    memset(args, 0, sizeof *args);
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, repro_option,
                               repro_operand, args);
    if (rc >= 0)
        return rc;
    if (!args->is_c)
        return af_cli_usage_error("repro", usage_text, "say which format: --c",
                                  NULL);
    if (args->file == NULL)
        return af_cli_usage_error("repro", usage_text, "no FILE given", NULL);
    return env_plan(args);
}

static int decode(const af_gen *g, af_arena *a, const char *file, af_program *p)
{
    size_t len = 0;
    char *in = af_cli_read_file(file, FILE_MAX, &len);
    if (in == NULL) {
        fprintf(stderr, "apifuzz repro: %s: cannot read (or over 16 MiB)\n",
                file);
        return 2;
    }
    af_error err;
    int rc = af_program_decode(g, a, (const uint8_t *)in, len, p, &err);
    free(in);
    if (rc != 0 || p->n_calls == 0) {
        fprintf(stderr, "apifuzz repro: %s: %s\n", file,
                rc != 0 ? err.message : "decodes to no call");
        return 2;
    }
    return 0;
}

static int run(const repro_args *args, const char *spec)
{
    af_model *m = NULL;
    af_gen *g = NULL;
    if (af_cli_plan_load("repro", spec, &args->opts, &m, &g) != 0)
        return 2;
    af_arena a;
    af_arena_init(&a);
    af_program p;
    token_ctx tc = {&a, 0, af_arena_calloc(&a, MAX_REFS, sizeof *tc.refs), 0};
    int rc = tc.refs == NULL ? 2 : decode(g, &a, args->file, &p);
    af_rendered *rs =
        rc == 0 ? af_arena_calloc(&a, p.n_calls, sizeof *rs) : NULL;
    if (rc == 0)
        rc = rs == NULL ? 2 : render_all(m, &p, &a, rs, &tc);
    if (rc == 0) {
        af_repro_service svc;
        service_of(spec, args->service, &svc);
        af_repro_input in = {args->file, spec, args->opts.mode, m,
                             &p,         rs,   tc.refs,         tc.n_refs};
        rc = af_repro_write_c(stdout, &in, &svc, &a);
        for (size_t i = 0; i < svc.n_sources; i++)
            free(svc.sources[i]);
    }
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
    return rc;
}

int af_cli_repro(int argc, char **argv)
{
    repro_args args;
    int rc = parse(argc, argv, &args);
    if (rc >= 0)
        return rc;
    char *guessed = args.spec == NULL ? guess_spec(args.file) : NULL;
    if (args.spec == NULL && guessed == NULL)
        return af_cli_usage_error("repro", usage_text,
                                  "no --spec, and no fuzz/NAME/openapi.* for "
                                  "the folder of",
                                  args.file);
    rc = run(&args, args.spec != NULL ? args.spec : guessed);
    free(guessed);
    return rc;
}
