/*
 * dict.c - `apifuzz dict SPEC`: prints a libFuzzer / AFL++ dictionary of
 * the spec's words, one `"token"` line each.
 *
 * Tokens, in this order (each kept at its first appearance): per
 * operation the literal pieces of its path template, its parameter
 * names and their values (enum, const, examples, default), its request
 * media types and body examples, its response header names; then per
 * schema node its property names, enum, const, examples and default;
 * then the security schemes' parameter names; then typical literals of
 * every format the spec uses ("2024-01-01", "::1", "https://"). Values
 * nested in object and array examples are walked (keys and scalars).
 * Numbers and booleans are their JSON text.
 *
 * Invariants: the output is deterministic (the same spec prints the same
 * lines); tokens are 1..64 bytes (libFuzzer ignores longer dictionary
 * words and afl-fuzz stops at 128); every byte outside printable ASCII,
 * and `"` and `\`, is written as an escape both engines read (\xNN, \",
 * \\). Runs once per target build: clarity over speed, but the token set
 * is hashed so that large specs (thousands of schemas) stay linear.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define TOKEN_MAX 64
#define WALK_DEPTH 8

typedef struct token {
    const char *s;
    size_t len;
} token;

typedef struct dict {
    af_arena *a;
    token *toks; /* in order of first appearance */
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 empty */
    uint32_t n_slots;
    uint32_t formats; /* af_format values seen, as bits */
    bool is_oom;
} dict;

static const char usage_text[] = "usage: apifuzz dict SPEC\n";

static const char help_text[] =
    "\n"
    "Prints a fuzzing dictionary of SPEC's words, one \"token\" line each,\n"
    "for libFuzzer's -dict= and afl-fuzz's -x: path segments, parameter\n"
    "and property names, enum values, examples and defaults, media types,\n"
    "header names, and typical literals of the formats the spec uses.\n"
    "Tokens are deduplicated, at most 64 bytes, in a stable order; bytes\n"
    "outside printable ASCII are written as \\xNN.\n"
    "\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 printed, 2 a usage or spec error.\n";

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 0x01000193u;
    return h;
}

/* Doubles the slot table and reinserts every token. */
static bool rehash(dict *d)
{
    uint32_t n_slots = d->n_slots == 0 ? 256 : d->n_slots * 2;
    uint32_t *slots = af_arena_calloc(d->a, n_slots, sizeof *slots);
    if (slots == NULL)
        return false;
    for (uint32_t k = 0; k < d->n; k++) {
        uint32_t i = hash_bytes(d->toks[k].s, d->toks[k].len) & (n_slots - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n_slots - 1);
        slots[i] = k + 1;
    }
    d->slots = slots;
    d->n_slots = n_slots;
    return true;
}

static void add(dict *d, const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > TOKEN_MAX || d->is_oom)
        return;
    if ((d->n + 1) * 2 > d->n_slots && !rehash(d)) {
        d->is_oom = true;
        return;
    }
    uint32_t i = hash_bytes(s, len) & (d->n_slots - 1);
    for (; d->slots[i] != 0; i = (i + 1) & (d->n_slots - 1)) {
        const token *t = &d->toks[d->slots[i] - 1];
        if (t->len == len && memcmp(t->s, s, len) == 0)
            return;
    }
    if (d->n == d->cap) {
        uint32_t cap = d->cap == 0 ? 64 : d->cap * 2;
        token *grown = af_arena_grow(d->a, d->toks, d->n, cap, sizeof *grown);
        if (grown == NULL) {
            d->is_oom = true;
            return;
        }
        d->toks = grown;
        d->cap = cap;
    }
    d->toks[d->n] = (token){s, len};
    d->slots[i] = ++d->n;
}

static void add_str(dict *d, const char *s)
{
    if (s != NULL)
        add(d, s, strlen(s));
}

/* Scalars as text, keys and members of containers, depth-bounded. */
static void add_json(dict *d, const cJSON *v, int depth)
{
    if (v == NULL || depth > WALK_DEPTH)
        return;
    if (cJSON_IsString(v)) {
        add_str(d, v->valuestring);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        for (const cJSON *c = v->child; c != NULL; c = c->next) {
            if (cJSON_IsObject(v))
                add_str(d, c->string);
            add_json(d, c, depth + 1);
        }
    } else if (!cJSON_IsInvalid(v)) {
        char *text = cJSON_PrintUnformatted(v);
        if (text != NULL)
            add(d, af_arena_strdup(d->a, text), strlen(text));
        cJSON_free(text);
    }
}

/* The literal pieces of a path template: "/items/{id}.json" gives
   "items" and ".json". */
static void add_path(dict *d, const char *path)
{
    const char *p = path;
    while (p != NULL && *p != 0) {
        size_t n = strcspn(p, "/{");
        add(d, p, n);
        p += n;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            p = close != NULL ? close + 1 : p + strlen(p);
        } else if (*p == '/') {
            p++;
        }
    }
}

static void add_schema_values(dict *d, const af_schema *s)
{
    if (s->format != AF_FORMAT_NONE && s->format < 32)
        d->formats |= 1u << s->format;
    add_json(d, s->enum_values, 0);
    add_json(d, s->const_value, 0);
    add_json(d, s->examples, 0);
    add_json(d, s->default_value, 0);
}

static void add_operation(dict *d, const af_model *m, const af_operation *op)
{
    add_path(d, op->path);
    for (uint32_t k = 0; k < op->n_params; k++) {
        add_str(d, op->params[k].name);
        add_json(d, op->params[k].examples, 0);
        const af_schema *s = af_model_schema(m, op->params[k].schema);
        if (s != NULL)
            add_schema_values(d, s);
    }
    for (uint32_t k = 0; op->body != NULL && k < op->body->n_media; k++) {
        add_str(d, op->body->media[k].type);
        add_json(d, op->body->media[k].examples, 0);
    }
    for (uint32_t r = 0; r < op->n_responses; r++)
        for (uint32_t h = 0; h < op->responses[r].n_headers; h++)
            add_str(d, op->responses[r].headers[h].name);
}

/* Typical literals per format: what a parser of that format looks for. */
static const struct {
    af_format format;
    const char *literals[5];
} format_literals[] = {
    {AF_FORMAT_DATE, {"2024-01-01", "-02-29", "9999-12-31"}},
    {AF_FORMAT_DATE_TIME, {"2024-01-01T00:00:00Z", "T", "Z", "+00:00", ".5"}},
    {AF_FORMAT_TIME, {"00:00:00Z", "23:59:60Z", "+01:00"}},
    {AF_FORMAT_DURATION, {"P1D", "PT1H", "P1Y2M", "PT0.5S", "P1W"}},
    {AF_FORMAT_EMAIL, {"@", "a@example.com", "\"a b\"@example.com"}},
    {AF_FORMAT_IDN_EMAIL, {"@", "\xc3\xa9@example.com"}},
    {AF_FORMAT_HOSTNAME, {"example.com", "localhost", "xn--"}},
    {AF_FORMAT_IDN_HOSTNAME, {"example.com", "xn--", "\xc3\xa9.example"}},
    {AF_FORMAT_IPV4, {"127.0.0.1", "0.0.0.0", "255.255.255.255"}},
    {AF_FORMAT_IPV6, {"::1", "::", "::ffff:127.0.0.1", "fe80::1%eth0"}},
    {AF_FORMAT_URI, {"http://", "https://", "https://example.com/", "?", "#"}},
    {AF_FORMAT_URI_REFERENCE, {"/", "../", "?", "#", "//example.com"}},
    {AF_FORMAT_IRI, {"https://", "https://\xc3\xa9.example/"}},
    {AF_FORMAT_IRI_REFERENCE, {"/", "?", "#"}},
    {AF_FORMAT_URI_TEMPLATE, {"{", "}", "{?q}", "{/p*}"}},
    {AF_FORMAT_UUID, {"00000000-0000-0000-0000-000000000000", "-"}},
    {AF_FORMAT_JSON_POINTER, {"/", "~0", "~1"}},
    {AF_FORMAT_RELATIVE_JSON_POINTER, {"0", "1/", "0#"}},
    {AF_FORMAT_REGEX, {"^", "$", ".*", "(", "[a-z]"}},
    {AF_FORMAT_BYTE, {"=", "==", "AA==", "+/"}},
    {AF_FORMAT_INT32, {"2147483647", "-2147483648"}},
    {AF_FORMAT_INT64, {"9223372036854775807", "-9223372036854775808"}},
    {AF_FORMAT_FLOAT, {"3.4028235e38", "1e-45", "NaN"}},
    {AF_FORMAT_DOUBLE, {"1.7976931348623157e308", "5e-324", "-0"}},
};

static void add_formats(dict *d)
{
    size_t n = sizeof format_literals / sizeof format_literals[0];
    for (size_t k = 0; k < n; k++) {
        if (!(d->formats & (1u << format_literals[k].format)))
            continue;
        for (size_t j = 0; j < 5 && format_literals[k].literals[j]; j++)
            add_str(d, format_literals[k].literals[j]);
    }
}

static void collect(dict *d, const af_model *m)
{
    add_path(d, m->base_path);
    for (uint32_t k = 0; k < m->n_ops; k++)
        add_operation(d, m, &m->ops[k]);
    for (uint32_t k = 0; k < m->n_schemas; k++) {
        const af_schema *s = &m->schemas[k];
        for (uint32_t p = 0; p < s->n_props; p++)
            add_str(d, s->props[p].name);
        add_schema_values(d, s);
    }
    for (uint32_t k = 0; k < m->n_schemes; k++)
        add_str(d, m->schemes[k].param_name);
    add_formats(d);
}

/* One dictionary line: both engines read \\, \" and \xNN. */
static void put_token(FILE *out, const token *t)
{
    fputc('"', out);
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\x%02X", c);
        else
            fputc(c, out);
    }
    fputs("\"\n", out);
}

/* Prints s with control characters (and DEL) as '?'. */
static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static int dict_option(int argc, char **argv, int *i, void *arg)
{
    (void)argc;
    (void)arg;
    return af_cli_usage_error("dict", usage_text, "unknown option", argv[*i]);
}

static int dict_operand(char *a, void *arg)
{
    const char **spec = arg;
    if (*spec != NULL)
        return af_cli_usage_error("dict", usage_text, "one SPEC only, not", a);
    *spec = a;
    return -1;
}

int af_cli_dict(int argc, char **argv)
{
    const char *spec = NULL;
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, dict_option,
                               dict_operand, &spec);
    if (rc >= 0)
        return rc;
    if (spec == NULL)
        return af_cli_usage_error("dict", usage_text, "no SPEC given", NULL);
    af_model *m = NULL;
    af_error err;
    char buf[1536];
    af_error_clear(&err);
    if (af_model_load(spec, &m, &err) < 0 || m == NULL) {
        fputs("apifuzz dict: ", stderr);
        if (err.file[0] == '\0') {
            put_clean(stderr, spec);
            fputs(": ", stderr);
        }
        put_clean(stderr, af_error_format(&err, buf, sizeof buf));
        fputc('\n', stderr);
        return 2;
    }
    af_arena a;
    af_arena_init(&a);
    dict d = {.a = &a};
    collect(&d, m);
    printf("# apifuzz dict: %u tokens\n", d.n);
    for (uint32_t k = 0; k < d.n; k++)
        put_token(stdout, &d.toks[k]);
    rc = 0;
    if (d.is_oom) {
        fputs("apifuzz dict: out of memory\n", stderr);
        rc = 2;
    } else if (fflush(stdout) != 0) {
        fputs("apifuzz dict: cannot write the output\n", stderr);
        rc = 2;
    }
    af_arena_free(&a);
    af_model_free(m);
    return rc;
}
