/*
 * lint.c - `apifuzz lint SPEC [--json] [--root DIR]`: load and compile a spec,
 * print what the model holds (version, title, counts) and every model warning.
 *
 * Invariants: exit 0 when the spec compiled (warnings allowed), 2 on any
 * usage or spec error; the located error goes to stderr in the
 * "file:line:col: pointer: message" form of af_error_format. Text that
 * comes from the spec (title, warning messages) is printed with control
 * characters replaced, so a hostile spec cannot drive the terminal.
 * Besides the model's warnings, lint says where generation is weaker than
 * the spec: a `pattern` the ECMA-262 generator cannot parse (strings there
 * are generated without it) or one with lookarounds or backreferences
 * (generated, then filtered with PCRE2 a bounded number of times).
 * Tuned for one spec per run: output is built after the model is
 * complete, nothing is streamed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "gen/regex.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

typedef struct lint_args {
    const char *spec;
    const char *root; /* confines relative $refs; NULL: the spec's folder */
    bool is_json;
} lint_args;

static const char usage_text[] =
    "usage: apifuzz lint SPEC [--json] [--root DIR]\n";

static const char help_text[] =
    "\n"
    "Loads SPEC (OpenAPI 3.0, 3.1 or Swagger 2.0; JSON or YAML, with\n"
    "relative $refs), compiles it and prints a summary: the version, the\n"
    "title, the number of operations, schemas, media types and security\n"
    "schemes, then one 'warning: POINTER: MESSAGE' line per construct that\n"
    "is accepted but not used for generation.\n"
    "\n"
    "  --json     print the summary as one JSON object\n"
    "  --root DIR relative $refs may reach files under DIR (default: the\n"
    "             spec's own folder; nothing outside it is ever read)\n"
    "  -h, --help print this help\n"
    "\n"
    "Exit status: 0 the spec loaded (warnings allowed), 2 it did not (the\n"
    "located error is printed on stderr) or the arguments were wrong.\n";

/* Returns -1 to continue, else the exit status (help or usage error). */
static int parse_args(int argc, char **argv, lint_args *out)
{
    bool no_more_options = false;
    *out = (lint_args){NULL, NULL, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!no_more_options && strcmp(a, "--") == 0) {
            no_more_options = true;
        } else if (!no_more_options &&
                   (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return 0;
        } else if (!no_more_options && strcmp(a, "--json") == 0) {
            out->is_json = true;
        } else if (!no_more_options && strcmp(a, "--root") == 0) {
            if (i + 1 >= argc) {
                fputs("apifuzz lint: --root needs a DIR\n", stderr);
                fputs(usage_text, stderr);
                return 2;
            }
            out->root = argv[++i];
        } else if (!no_more_options && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "apifuzz lint: unknown option '%s'\n", a);
            fputs(usage_text, stderr);
            return 2;
        } else if (out->spec != NULL) {
            fprintf(stderr, "apifuzz lint: only one SPEC, got '%s' too\n", a);
            fputs(usage_text, stderr);
            return 2;
        } else {
            out->spec = a;
        }
    }
    if (out->spec == NULL) {
        fputs("apifuzz lint: no SPEC given\n", stderr);
        fputs(usage_text, stderr);
        return 2;
    }
    return -1;
}

/* Model warnings followed by generation warnings, all in one arena. */
typedef struct warning_list {
    af_warning *items;
    uint32_t n, cap;
} warning_list;

static void add_warning(af_arena *a, warning_list *w, const char *pointer,
                        const char *message)
{
    if (message == NULL)
        return; /* out of memory: the warning is dropped */
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 16;
        af_warning *grown =
            af_arena_grow(a, w->items, w->n, cap, sizeof *grown);
        if (grown == NULL)
            return;
        w->items = grown;
        w->cap = cap;
    }
    w->items[w->n++] = (af_warning){pointer, message};
}

static void check_pattern(af_arena *a, warning_list *w, const char *pointer,
                          const char *pattern)
{
    af_regex *re = NULL;
    char msg[256];
    if (af_regex_compile(a, pattern, &re, msg, sizeof msg) < 0)
        add_warning(a, w, pointer,
                    af_arena_printf(a,
                                    "pattern is not generated (%s): strings "
                                    "here are generated without it",
                                    msg));
    else if (af_regex_needs_filter(re))
        add_warning(a, w, pointer,
                    af_arena_strdup(a, "pattern has lookarounds or "
                                       "backreferences: strings are "
                                       "generated, then filtered with PCRE2 "
                                       "(bounded tries)"));
}

static void collect_warnings(af_arena *a, const af_model *m, warning_list *w)
{
    for (uint32_t i = 0; i < m->n_warnings; i++)
        add_warning(a, w, m->warnings[i].pointer, m->warnings[i].message);
    for (uint32_t i = 0; i < m->n_schemas; i++) {
        const af_schema *s = &m->schemas[i];
        if (s->pattern != NULL && !(s->flags & AF_SCHEMA_PATTERN_BAD))
            check_pattern(a, w, s->pointer, s->pattern);
        for (uint32_t k = 0; k < s->n_pattern_props; k++)
            if (s->pattern_props[k].re != NULL)
                check_pattern(a, w, s->pointer, s->pattern_props[k].pattern);
    }
}

static const char *dialect_name(af_dialect d)
{
    switch (d) {
    case AF_DIALECT_SWAGGER2:
        return "Swagger 2.0";
    case AF_DIALECT_OAS30:
        return "OpenAPI 3.0";
    case AF_DIALECT_OAS31:
        return "OpenAPI 3.1";
    case AF_DIALECT_DRAFT4:
        return "JSON Schema draft 4";
    case AF_DIALECT_DRAFT7:
        return "JSON Schema draft 7";
    case AF_DIALECT_DRAFT2020:
        return "JSON Schema 2020-12";
    }
    return "unknown";
}

/* Prints s with control characters (and DEL) shown as '?'. */
static void put_clean(FILE *out, const char *s)
{
    if (s == NULL) {
        fputs("(none)", out);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static void print_text(const char *spec, const af_model *m,
                       const warning_list *w)
{
    printf("file: ");
    put_clean(stdout, spec);
    printf("\nversion: ");
    put_clean(stdout, m->version);
    printf(" (%s)", dialect_name(m->dialect));
    printf("\ntitle: ");
    put_clean(stdout, m->title);
    printf("\noperations: %u\n", (unsigned)m->n_ops);
    printf("schemas: %u\n", (unsigned)m->n_schemas);
    printf("media types: %u\n", (unsigned)m->n_media_types);
    printf("security schemes: %u\n", (unsigned)m->n_schemes);
    printf("warnings: %u\n", (unsigned)w->n);
    for (uint32_t i = 0; i < w->n; i++) {
        fputs("warning: ", stdout);
        put_clean(stdout, w->items[i].pointer);
        fputs(": ", stdout);
        put_clean(stdout, w->items[i].message);
        fputc('\n', stdout);
    }
}

/* cJSON_Add*ToObject with a NULL string adds null, so spec text that is
   absent needs no special case. Returns false when out of memory. */
static bool add_warnings(cJSON *obj, const warning_list *wl)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "warnings");
    if (arr == NULL)
        return false;
    for (uint32_t i = 0; i < wl->n; i++) {
        cJSON *w = cJSON_CreateObject();
        if (w == NULL)
            return false;
        cJSON_AddItemToArray(arr, w);
        if (cJSON_AddStringToObject(w, "pointer", wl->items[i].pointer) ==
                NULL ||
            cJSON_AddStringToObject(w, "message", wl->items[i].message) == NULL)
            return false;
    }
    return true;
}

static bool add_string_or_null(cJSON *obj, const char *key, const char *s)
{
    if (s == NULL)
        return cJSON_AddNullToObject(obj, key) != NULL;
    return cJSON_AddStringToObject(obj, key, s) != NULL;
}

static cJSON *model_json(const char *spec, const af_model *m,
                         const warning_list *w)
{
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o != NULL && add_string_or_null(o, "file", spec) &&
        add_string_or_null(o, "openapi", m->version) &&
        add_string_or_null(o, "dialect", dialect_name(m->dialect)) &&
        add_string_or_null(o, "title", m->title) &&
        cJSON_AddNumberToObject(o, "operations", m->n_ops) != NULL &&
        cJSON_AddNumberToObject(o, "schemas", m->n_schemas) != NULL &&
        cJSON_AddNumberToObject(o, "media_types", m->n_media_types) != NULL &&
        cJSON_AddNumberToObject(o, "security_schemes", m->n_schemes) != NULL &&
        cJSON_AddNumberToObject(o, "servers", m->n_servers) != NULL &&
        add_warnings(o, w);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *error_json(const char *spec, const af_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    bool ok = e != NULL && add_string_or_null(o, "file", spec) &&
              add_string_or_null(e, "kind", af_error_name(err->code)) &&
              add_string_or_null(e, "file", err->file) &&
              cJSON_AddNumberToObject(e, "line", err->line) != NULL &&
              cJSON_AddNumberToObject(e, "col", err->col) != NULL &&
              add_string_or_null(e, "pointer", err->pointer) &&
              add_string_or_null(e, "message", err->message);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Prints and frees obj; false when it could not be printed. */
static bool print_json(cJSON *obj)
{
    char *s = obj != NULL ? cJSON_Print(obj) : NULL;
    cJSON_Delete(obj);
    if (s == NULL)
        return false;
    puts(s);
    cJSON_free(s);
    return true;
}

static void report_error(const char *spec, const af_error *err, bool is_json)
{
    char buf[1536];
    af_error_format(err, buf, sizeof buf);
    if (err->file[0] == '\0') {
        put_clean(stderr, spec);
        fputs(": ", stderr);
    }
    put_clean(stderr, buf);
    fputc('\n', stderr);
    if (is_json)
        print_json(error_json(spec, err));
}

int af_cli_lint(int argc, char **argv)
{
    lint_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;

    af_error err;
    af_error_clear(&err);
    af_model *m = NULL;
    if (af_model_load_root(args.spec, args.root, &m, &err) < 0 || m == NULL) {
        if (err.code == AF_OK)
            err.code = AF_ESPEC;
        report_error(args.spec, &err, args.is_json);
        return 2;
    }
    status = 0;
    af_arena a;
    af_arena_init(&a);
    warning_list w = {NULL, 0, 0};
    collect_warnings(&a, m, &w);
    if (args.is_json) {
        if (!print_json(model_json(args.spec, m, &w))) {
            fputs("apifuzz lint: out of memory printing JSON\n", stderr);
            status = 2;
        }
    } else {
        print_text(args.spec, m, &w);
    }
    af_arena_free(&a);
    af_model_free(m);
    if (fflush(stdout) != 0)
        status = 2;
    return status;
}
