/*
 * validate.c - `apifuzz validate`: validates JSON instances, one per line,
 * against a JSON Schema (or a schema inside an OpenAPI document) with the
 * validator of src/check/.
 *
 * Output: per instance line `valid`, or `invalid <instance-pointer>
 * <schema-pointer> <reason>` for its first error (pointers in URI
 * fragment form: "#" is the root), then `valid N invalid M`. Blank lines
 * are skipped. Exit 0 when every instance is valid, 1 when one is not (a
 * line that is not JSON counts as invalid), 2 on a usage or schema error.
 * Text taken from the instance (member names in pointers and reasons) is
 * printed with control characters replaced, so one instance is always
 * one line. Tuned for streams of many instances: the schema compiles
 * once and one arena is reset between lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check/schemadoc.h"
#include "check/validate.h"
#include "cli/cli.h"
#include "spec/doc.h"
#include "util/error.h"

typedef struct validate_args {
    const char *schema, *instances, *pointer, *remotes;
    af_dialect dialect;
    af_validate_opts opts;
} validate_args;

static const char usage_text[] =
    "usage: apifuzz validate [--dialect D] [--pointer PTR] [--formats]\n"
    "                        [--direction request|response] [--remotes DIR]\n"
    "                        SCHEMA [INSTANCES.jsonl]\n";

static const char help_text[] =
    "\n"
    "Validates each line of INSTANCES.jsonl (stdin when not given) against\n"
    "the schema in SCHEMA (JSON or YAML) and prints per line 'valid' or\n"
    "'invalid INSTANCE-POINTER SCHEMA-POINTER REASON' (the first error),\n"
    "then 'valid N invalid M'.\n"
    "\n"
    "  --dialect D     draft4, draft7, draft2020-12, openapi-3.0,\n"
    "                  openapi-3.1 (default: from the document's openapi\n"
    "                  or swagger field, else draft2020-12)\n"
    "  --pointer PTR   the schema inside SCHEMA, e.g.\n"
    "                  '#/components/schemas/Booking' (default: the root)\n"
    "  --formats       assert 'format' also where the dialect makes it an\n"
    "                  annotation (draft2020-12, openapi-3.1)\n"
    "  --direction D   request: readOnly properties are not allowed;\n"
    "                  response: writeOnly properties are not allowed\n"
    "  --remotes DIR   map http://localhost:1234/ to DIR for remote $refs\n"
    "                  (default: $JSTS_REMOTES); nothing is fetched\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 all instances valid, 1 some invalid, 2 usage or schema\n"
    "error.\n";

/* "apifuzz validate: MSG 'ARG'" (ARG NULL: none) and the usage. */
static int usage_error(const char *msg, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "apifuzz validate: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "apifuzz validate: %s\n", msg);
    fputs(usage_text, stderr);
    return 2;
}

/* An option with a value at argv[*i]; NULL when it is missing. */
static const char *value_of(int argc, char **argv, int *i)
{
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static int option(int argc, char **argv, int *i, void *arg)
{
    validate_args *out = arg;
    const char *a = argv[*i], *v = NULL;
    if (strcmp(a, "--formats") == 0) {
        out->opts.formats = AF_FORMATS_ASSERT;
        return -1;
    }
    bool has_value =
        strcmp(a, "--dialect") == 0 || strcmp(a, "--pointer") == 0 ||
        strcmp(a, "--remotes") == 0 || strcmp(a, "--direction") == 0;
    if (!has_value)
        return usage_error("unknown option", a);
    if ((v = value_of(argc, argv, i)) == NULL)
        return usage_error("a value is needed by", a);
    if (strcmp(a, "--pointer") == 0)
        out->pointer = v;
    else if (strcmp(a, "--remotes") == 0)
        out->remotes = v;
    else if (strcmp(a, "--dialect") == 0 &&
             (out->dialect = af_schemadoc_dialect(v)) == 0)
        return usage_error("unknown dialect", v);
    else if (strcmp(a, "--direction") == 0 && strcmp(v, "request") == 0)
        out->opts.direction = AF_DIRECTION_REQUEST;
    else if (strcmp(a, "--direction") == 0 && strcmp(v, "response") == 0)
        out->opts.direction = AF_DIRECTION_RESPONSE;
    else if (strcmp(a, "--direction") == 0)
        return usage_error("unknown direction", v);
    return -1;
}

static int operand(char *a, void *arg)
{
    validate_args *out = arg;
    if (out->schema == NULL)
        out->schema = a;
    else if (out->instances == NULL)
        out->instances = a;
    else
        return usage_error("too many arguments at", a);
    return -1;
}

/* Returns -1 to continue, else the exit status (help or usage error). */
static int parse_args(int argc, char **argv, validate_args *out)
{
    memset(out, 0, sizeof *out);
    out->remotes = getenv("JSTS_REMOTES");
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, option,
                               operand, out);
    if (rc >= 0)
        return rc;
    if (out->schema == NULL)
        return usage_error("no SCHEMA given", NULL);
    if (out->remotes != NULL && out->remotes[0] == '\0')
        out->remotes = NULL;
    return -1;
}

/* The dialect a document declares (openapi / swagger), else 2020-12. */
static af_dialect guess_dialect(const char *path)
{
    af_doc *doc = NULL;
    if (af_doc_load_file(path, &doc, NULL) != 0)
        return AF_DIALECT_DRAFT2020; /* the real load reports the error */
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc->root, "openapi");
    af_dialect d = AF_DIALECT_DRAFT2020;
    if (cJSON_IsString(v))
        d = strncmp(v->valuestring, "3.0", 3) == 0 ? AF_DIALECT_OAS30
                                                   : AF_DIALECT_OAS31;
    else if (cJSON_GetObjectItemCaseSensitive(doc->root, "swagger") != NULL)
        d = AF_DIALECT_SWAGGER2;
    af_doc_free(doc);
    return d;
}

/* Prints s with control characters (and DEL) as '?'. */
static void put_clean(const char *s, FILE *out)
{
    for (; *s != '\0'; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s, out);
}

static bool check_line(const af_model *m, af_idx root, const validate_args *a,
                       af_arena *arena, const char *line, size_t len)
{
    const char *end = NULL;
    cJSON *inst = cJSON_ParseWithLengthOpts(line, len, &end, false);
    size_t used = inst != NULL ? (size_t)(end - line) : 0;
    while (inst != NULL && used < len &&
           (line[used] == ' ' || line[used] == '\t' || line[used] == '\r'))
        used++;
    if (inst == NULL || used < len) {
        cJSON_Delete(inst);
        printf("invalid # - not a JSON value\n");
        return false;
    }
    af_validation v;
    int rc = af_validate(m, root, inst, &a->opts, arena, &v);
    cJSON_Delete(inst);
    if (rc == 0 && v.is_valid) {
        puts("valid");
    } else if (v.n_errors > 0) {
        fputs("invalid #", stdout);
        put_clean(v.errors[0].instance, stdout);
        putchar(' ');
        put_clean(v.errors[0].schema, stdout);
        putchar(' ');
        put_clean(v.errors[0].reason, stdout);
        putchar('\n');
    } else {
        printf("invalid # - %s\n", af_error_name(rc));
    }
    af_arena_reset(arena);
    return rc == 0 && v.is_valid;
}

static int run(const af_model *m, af_idx root, const validate_args *a)
{
    FILE *in = a->instances != NULL ? fopen(a->instances, "rb") : stdin;
    if (in == NULL) {
        perror(a->instances);
        return 2;
    }
    af_arena arena;
    af_arena_init(&arena);
    char *line = NULL;
    size_t cap = 0;
    long n_valid = 0, n_invalid = 0;
    for (ssize_t n; (n = getline(&line, &cap, in)) >= 0;) {
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (strspn(line, " \t") >= len)
            continue;
        if (check_line(m, root, a, &arena, line, len))
            n_valid++;
        else
            n_invalid++;
    }
    free(line);
    af_arena_free(&arena);
    if (in != stdin)
        fclose(in);
    printf("valid %ld invalid %ld\n", n_valid, n_invalid);
    return n_invalid > 0 ? 1 : 0;
}

int af_cli_validate(int argc, char **argv)
{
    validate_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.dialect == 0)
        a.dialect = guess_dialect(a.schema);
    af_schemadoc_opts o = {a.dialect, a.pointer, a.remotes, NULL};
    af_model *m = NULL;
    af_idx root = AF_NONE;
    af_error err;
    if (af_schemadoc_load_file(a.schema, &o, &m, &root, &err) != 0) {
        char buf[1400];
        fprintf(stderr, "apifuzz validate: %s\n",
                af_error_format(&err, buf, sizeof buf));
        return 2;
    }
    rc = run(m, root, &a);
    af_model_free(m);
    return rc;
}
