/*
 * test_load.c - the spec DOM loader: JSON and YAML into cJSON, errors with
 * positions, af_doc_locate, files and format detection, and every spec of
 * the shared test data.
 */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spec/doc.h"
#include "util/error.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Parses text that must load; returns the doc. */
static af_doc *parse_ok(const char *text, af_doc_format fmt)
{
    af_doc *doc = NULL;
    af_error err;
    af_error_clear(&err);
    int rc = af_doc_parse(text, strlen(text), "t", fmt, &doc, &err);
    if (rc != 0)
        print_error("unexpected error: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_non_null(doc);
    assert_non_null(doc->root);
    return doc;
}

/* Parses text that must fail with code at line:col. */
static void parse_fails(const char *text, size_t len, af_doc_format fmt,
                        int code, int line, int col, const char *message)
{
    af_doc *doc = (af_doc *)1;
    af_error err;
    af_error_clear(&err);
    int rc = af_doc_parse(text, len, "spec.txt", fmt, &doc, &err);
    if (rc != code || err.line != line || err.col != col ||
        strstr(err.message, message) == NULL)
        print_error("got %d at %d:%d '%s' (pointer '%s')\n", rc, err.line,
                    err.col, err.message, err.pointer);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_null(doc);
    assert_string_equal(err.file, "spec.txt");
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_non_null(strstr(err.message, message));
}

static const cJSON *at(const af_doc *doc, const char *path)
{
    const cJSON *node = doc->root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "/"); tok != NULL; tok = strtok(NULL, "/")) {
        if (cJSON_IsArray(node))
            node = cJSON_GetArrayItem(node, atoi(tok));
        else
            node = cJSON_GetObjectItemCaseSensitive(node, tok);
        assert_non_null(node);
    }
    return node;
}

static void want_string(const af_doc *doc, const char *path, const char *want)
{
    const cJSON *node = at(doc, path);
    assert_true(cJSON_IsString(node));
    assert_string_equal(node->valuestring, want);
}

static void want_number(const af_doc *doc, const char *path, double want)
{
    const cJSON *node = at(doc, path);
    assert_true(cJSON_IsNumber(node));
    assert_true(node->valuedouble == want);
}

/* ---- JSON ---- */

static void test_json_builds_the_tree(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("{\"a\": [1, \"x\", true, null, {\"b\": 2.5}],"
                           " \"c~\": {}}",
                           AF_DOC_JSON);
    assert_int_equal(doc->format, AF_DOC_JSON);
    want_number(doc, "a/0", 1);
    want_string(doc, "a/1", "x");
    assert_true(cJSON_IsTrue(at(doc, "a/2")));
    assert_true(cJSON_IsNull(at(doc, "a/3")));
    want_number(doc, "a/4/b", 2.5);
    assert_true(cJSON_IsObject(at(doc, "c~")));
    assert_string_equal(doc->name, "t");
    af_doc_free(doc);
}

static void test_json_syntax_error_is_located(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": 1,\n  \"b\": ]\n}\n";
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 3, 8,
                "JSON syntax error near ']'");
    text = "{\"a\": [1, 2";
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 1, 12,
                "unexpected end of input");
    text = "{\"a\": 1} x";
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 1, 10, "near 'x'");
    text = "{\"\xc3\xa9\": tru}";
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 1, 7,
                "near 'tru}'");
}

static void test_json_duplicate_key_is_located_at_the_second_key(void **state)
{
    (void)state;
    const char *text = "{\"a\": {\"x\": 1,\n  \"y\": {\"x\": 0},\n"
                       "  \"x\": 2}}";
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 3, 3,
                "duplicate key 'x'");
    af_error err;
    af_doc *doc;
    af_doc_parse(text, strlen(text), "d.json", AF_DOC_AUTO, &doc, &err);
    assert_string_equal(err.pointer, "#/a/x");
}

static void test_json_duplicate_key_in_a_big_object_is_found(void **state)
{
    (void)state;
    char text[4096] = "{";
    for (int i = 0; i < 200; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "\"k%d\": %d,\n", i, i);
    strcat(text, "\"k/~\": 1,\n\"k150\": 0, \"k/~\": 2}");
    parse_fails(text, strlen(text), AF_DOC_JSON, AF_ESYNTAX, 202, 1,
                "duplicate key 'k150'");
}

static void test_json_with_a_nul_byte_is_a_syntax_error(void **state)
{
    (void)state;
    const char text[] = "{\"a\":\n \"x\0y\"}";
    parse_fails(text, sizeof text - 1, AF_DOC_JSON, AF_ESYNTAX, 2, 4,
                "NUL byte");
}

static void test_json_text_need_not_be_nul_terminated(void **state)
{
    (void)state;
    const char text[] = "[1, 2]garbage";
    af_doc *doc;
    assert_int_equal(af_doc_parse(text, 6, "x", AF_DOC_JSON, &doc, NULL), 0);
    assert_int_equal(cJSON_GetArraySize(doc->root), 2);
    assert_int_equal(doc->len, 6);
    assert_string_equal(doc->text, "[1, 2]");
    af_doc_free(doc);
}

static char *nested(const char *open, int depth, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc((size_t)depth * (lo + lc) + 1), *p = s;
    for (int i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    for (int i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void test_json_deep_nesting_is_a_limit_error(void **state)
{
    (void)state;
    char *ok = nested("[", AF_DOC_MAX_DEPTH, "]");
    af_doc *doc = parse_ok(ok, AF_DOC_JSON);
    af_doc_free(doc);
    free(ok);
    int depths[] = {AF_DOC_MAX_DEPTH + 1, 900, 5000, 100000};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        char *deep = nested("{\"a\":[", depths[i], "]}");
        parse_fails(deep, strlen(deep), AF_DOC_JSON, AF_ELIMIT, 1,
                    6 * AF_DOC_MAX_DEPTH / 2 + 1, "nesting deeper than 512");
        free(deep);
    }
}

/* ---- YAML ---- */

enum { T_NULL, T_BOOL, T_NUM, T_STR };

typedef struct scalar_case {
    const char *text;
    int type;
    double num; /* T_NUM; T_BOOL: 0 or 1 */
    const char *str;
} scalar_case;

static void check_scalar(const scalar_case *c)
{
    char text[128];
    snprintf(text, sizeof text, "v: %s\n", c->text);
    af_doc *doc = parse_ok(text, AF_DOC_YAML);
    const cJSON *v = at(doc, "v");
    bool same = false;
    switch (c->type) {
    case T_NULL:
        same = cJSON_IsNull(v);
        break;
    case T_BOOL:
        same = c->num != 0 ? cJSON_IsTrue(v) : cJSON_IsFalse(v);
        break;
    case T_NUM:
        same = cJSON_IsNumber(v) && (isnan(c->num) ? isnan(v->valuedouble)
                                                   : v->valuedouble == c->num);
        break;
    default:
        same = cJSON_IsString(v) && strcmp(v->valuestring, c->str) == 0;
    }
    if (!same)
        print_error("scalar '%s' typed wrongly\n", c->text);
    assert_true(same);
    af_doc_free(doc);
}

static void test_yaml_plain_scalars_follow_the_core_schema(void **state)
{
    (void)state;
    static const scalar_case cases[] = {
        {"", T_NULL, 0, NULL},
        {"~", T_NULL, 0, NULL},
        {"null", T_NULL, 0, NULL},
        {"Null", T_NULL, 0, NULL},
        {"NULL", T_NULL, 0, NULL},
        {"nULL", T_STR, 0, "nULL"},
        {"true", T_BOOL, 1, NULL},
        {"True", T_BOOL, 1, NULL},
        {"TRUE", T_BOOL, 1, NULL},
        {"false", T_BOOL, 0, NULL},
        {"False", T_BOOL, 0, NULL},
        {"FALSE", T_BOOL, 0, NULL},
        {"yes", T_STR, 0, "yes"},
        {"no", T_STR, 0, "no"},
        {"on", T_STR, 0, "on"},
        {"off", T_STR, 0, "off"},
        {"0", T_NUM, 0, NULL},
        {"42", T_NUM, 42, NULL},
        {"-17", T_NUM, -17, NULL},
        {"+17", T_NUM, 17, NULL},
        {"012", T_NUM, 12, NULL},
        {"0x1F", T_NUM, 31, NULL},
        {"0xff", T_NUM, 255, NULL},
        {"0o17", T_NUM, 15, NULL},
        {"0o18", T_STR, 0, "0o18"},
        {"0xg", T_STR, 0, "0xg"},
        {"1.5", T_NUM, 1.5, NULL},
        {"-0.25", T_NUM, -0.25, NULL},
        {".5", T_NUM, 0.5, NULL},
        {"1.", T_NUM, 1, NULL},
        {"1e3", T_NUM, 1000, NULL},
        {"2.5E-1", T_NUM, 0.25, NULL},
        {"+1.0e+2", T_NUM, 100, NULL},
        {".inf", T_NUM, INFINITY, NULL},
        {".Inf", T_NUM, INFINITY, NULL},
        {"+.INF", T_NUM, INFINITY, NULL},
        {"-.inf", T_NUM, -INFINITY, NULL},
        {".nan", T_NUM, NAN, NULL},
        {".NaN", T_NUM, NAN, NULL},
        {".NAN", T_NUM, NAN, NULL},
        {".nAn", T_STR, 0, ".nAn"},
        {"1e", T_STR, 0, "1e"},
        {".", T_STR, 0, "."},
        {"+", T_STR, 0, "+"},
        {"-.", T_STR, 0, "-."},
        {"1_000", T_STR, 0, "1_000"},
        {"1.2.3", T_STR, 0, "1.2.3"},
        {"3.0.1", T_STR, 0, "3.0.1"},
        {"2023-09-12", T_STR, 0, "2023-09-12"},
        {"12:30", T_STR, 0, "12:30"},
        {"inf", T_STR, 0, "inf"},
        {"nan", T_STR, 0, "nan"},
        {"0x", T_STR, 0, "0x"},
        {"application/json", T_STR, 0, "application/json"},
        {"'42'", T_STR, 0, "42"},
        {"\"true\"", T_STR, 0, "true"},
        {"'~'", T_STR, 0, "~"},
        {"\"\"", T_STR, 0, ""},
        {"'null'", T_STR, 0, "null"},
        {"!!str 42", T_STR, 0, "42"},
        {"!!str true", T_STR, 0, "true"},
        {"!!str", T_STR, 0, ""},
        {"!!int \"12\"", T_NUM, 12, NULL},
        {"!!int 0x10", T_NUM, 16, NULL},
        {"!!float 1", T_NUM, 1, NULL},
        {"!!float '2.5'", T_NUM, 2.5, NULL},
        {"!!float .inf", T_NUM, INFINITY, NULL},
        {"!!bool 'false'", T_BOOL, 0, NULL},
        {"!!null ''", T_NULL, 0, NULL},
        {"!!null ~", T_NULL, 0, NULL},
        {"! 42", T_STR, 0, "42"},
        {"!custom 42", T_STR, 0, "42"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_scalar(&cases[i]);
}

static void test_yaml_tagged_value_that_does_not_fit_is_an_error(void **state)
{
    (void)state;
    const char *text = "a: 1\nb: !!int abc\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 2, 4,
                "'abc' is not a valid !!int");
    text = "a: !!bool yes\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 1, 4,
                "not a valid !!bool");
    text = "a: !!float x\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 1, 4,
                "not a valid !!float");
    text = "a: !!null 0\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 1, 4,
                "not a valid !!null");
}

static void test_yaml_block_scalars_are_strings(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("lit: |\n  line 1\n  42\n"
                           "fold: >\n  a\n  b\n\n  c\n"
                           "strip: |-\n  x\n"
                           "num: |\n  12\n"
                           "dq: \"a\\tb\\u00e9\"\n"
                           "multi: one\n  two\n",
                           AF_DOC_YAML);
    want_string(doc, "lit", "line 1\n42\n");
    want_string(doc, "fold", "a b\nc\n");
    want_string(doc, "strip", "x");
    want_string(doc, "num", "12\n");
    want_string(doc, "dq", "a\tb\xc3\xa9");
    want_string(doc, "multi", "one two");
    af_doc_free(doc);
}

static void test_yaml_keys_are_always_strings(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("responses:\n  200: ok\n  404: {x: 1}\n"
                           "  default: d\ntrue: t\n~: n\n1.5: f\n"
                           "'quoted': q\n",
                           AF_DOC_YAML);
    want_string(doc, "responses/200", "ok");
    want_number(doc, "responses/404/x", 1);
    want_string(doc, "responses/default", "d");
    want_string(doc, "true", "t");
    want_string(doc, "~", "n");
    want_string(doc, "1.5", "f");
    want_string(doc, "quoted", "q");
    af_doc_free(doc);
}

static void test_yaml_flow_style_builds_the_same_tree(void **state)
{
    (void)state;
    af_doc *block =
        parse_ok("a:\n  - 1\n  - x: [true, null]\n    y: 'z'\n", AF_DOC_YAML);
    af_doc *flow = parse_ok("{a: [1, {x: [true, null], y: 'z'}]}", AF_DOC_YAML);
    af_doc *json = parse_ok("{\"a\": [1, {\"x\": [true, null], \"y\": \"z\"}]}",
                            AF_DOC_JSON);
    assert_true(cJSON_Compare(block->root, flow->root, 1));
    assert_true(cJSON_Compare(block->root, json->root, 1));
    af_doc_free(block);
    af_doc_free(flow);
    af_doc_free(json);
}

static void test_yaml_alias_is_a_deep_copy_of_its_anchor(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("base: &b\n  type: object\n  props: [1, 2]\n"
                           "copy: *b\nlist: [*b, &s str, *s]\n",
                           AF_DOC_YAML);
    assert_true(cJSON_Compare(at(doc, "base"), at(doc, "copy"), 1));
    assert_true(at(doc, "base") != at(doc, "copy"));
    assert_true(at(doc, "base/props") != at(doc, "copy/props"));
    want_string(doc, "list/0/type", "object");
    want_string(doc, "list/2", "str");
    assert_string_equal(at(doc, "copy")->string, "copy");
    af_doc_free(doc);
}

static void test_yaml_merge_keys_let_explicit_keys_win(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("one: &one {a: 1, b: 1}\n"
                           "two: &two {b: 2, c: 2}\n"
                           "single:\n  <<: *one\n  a: 9\n"
                           "many:\n  d: 4\n  <<: [*one, *two]\n  b: 5\n"
                           "inline:\n  <<: {z: 26}\n",
                           AF_DOC_YAML);
    want_number(doc, "single/a", 9);
    want_number(doc, "single/b", 1);
    assert_int_equal(cJSON_GetArraySize(at(doc, "single")), 2);
    want_number(doc, "many/a", 1);
    want_number(doc, "many/b", 5);
    want_number(doc, "many/c", 2);
    want_number(doc, "many/d", 4);
    assert_int_equal(cJSON_GetArraySize(at(doc, "many")), 4);
    want_number(doc, "inline/z", 26);
    assert_null(cJSON_GetObjectItem(at(doc, "many"), "<<"));
    af_doc_free(doc);
    const char *text = "a: &a [1]\nb:\n  <<: *a\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 3, 7,
                "merge key '<<' must be a mapping");
}

static void test_yaml_billion_laughs_is_a_quick_limit_error(void **state)
{
    (void)state;
    const char *text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    double t0 = now_ms();
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ELIMIT, 7, 8,
                "alias expansion exceeds 1000000 nodes");
    double ms = now_ms() - t0;
    assert_true(ms < 5000);
    /* Merge keys are expansion too. */
    text = "a: &a {k0: [x, x, x, x, x, x, x, x, x, x]}\n"
           "b: &b {<<: *a, k1: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]}\n"
           "c: &c {<<: *b, k2: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]}\n"
           "d: &d {<<: *c, k3: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}\n"
           "e: &e {<<: *d, k4: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]}\n"
           "f: &f {<<: *e, k5: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}\n"
           "g: &g {<<: *f, k6: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]}\n";
    af_doc *doc;
    af_error err;
    assert_int_equal(
        af_doc_parse(text, strlen(text), "m", AF_DOC_YAML, &doc, &err),
        AF_ELIMIT);
}

static void test_yaml_undefined_alias_is_an_error(void **state)
{
    (void)state;
    const char *text = "a: 1\nb:\n  - *nothere\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 3, 5,
                "undefined alias '*nothere'");
    text = "a: &x [1, *x]\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 1, 11,
                "inside the node it names");
}

static void test_yaml_duplicate_key_is_located_at_the_second_key(void **state)
{
    (void)state;
    const char *text = "paths:\n  /pets:\n    get: {}\n    put: {}\n"
                       "    get: {}\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 5, 5,
                "duplicate key 'get'");
    af_error err;
    af_doc *doc;
    af_doc_parse(text, strlen(text), "d.yaml", AF_DOC_AUTO, &doc, &err);
    assert_string_equal(err.pointer, "#/paths/~1pets/get");
    text = "{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10,\n"
           " k: 11, 'a': 12}";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 2, 9,
                "duplicate key 'a'");
    text = "200: x\n'200': y\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 2, 1,
                "duplicate key '200'");
}

static void test_yaml_second_document_is_an_error(void **state)
{
    (void)state;
    const char *text = "a: 1\n---\nb: 2\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 2, 1,
                "more than one document");
}

static void test_empty_input_is_an_empty_document_error(void **state)
{
    (void)state;
    parse_fails("", 0, AF_DOC_YAML, AF_ESYNTAX, 1, 1, "empty document");
    parse_fails("", 0, AF_DOC_AUTO, AF_ESYNTAX, 1, 1, "empty document");
    parse_fails("# only a comment\n\n", 18, AF_DOC_YAML, AF_ESYNTAX, 3, 1,
                "empty document");
    parse_fails(" \n\t", 3, AF_DOC_JSON, AF_ESYNTAX, 1, 1, "empty document");
}

static void test_yaml_syntax_error_is_located(void **state)
{
    (void)state;
    const char *text = "openapi: 3.0.0\ninfo:\n  title: x\n   bad: y\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 4, 7,
                "mapping values are not allowed");
    text = "a: [1, 2\nb: 3\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ESYNTAX, 2, 2,
                "YAML syntax error");
    const char with_nul[] = "a: x\0y\n";
    parse_fails(with_nul, sizeof with_nul - 1, AF_DOC_YAML, AF_ESYNTAX, 1, 5,
                "control characters are not allowed");
}

static void test_yaml_deep_nesting_is_a_limit_error(void **state)
{
    (void)state;
    char *ok = nested("[", AF_DOC_MAX_DEPTH, "]");
    af_doc *doc = parse_ok(ok, AF_DOC_YAML);
    af_doc_free(doc);
    free(ok);
    char *deep = nested("[", 100000, "]");
    parse_fails(deep, strlen(deep), AF_DOC_YAML, AF_ELIMIT, 1,
                AF_DOC_MAX_DEPTH + 1, "nesting deeper than 512");
    free(deep);
    /* Aliases cannot stack depth past the bound either. */
    char *inner = nested("[", 300, "]");
    char *outer = nested("[", 250, "]");
    size_t half = strlen(outer) / 2;
    char text[4096];
    snprintf(text, sizeof text, "a: &a %s\nb: %.*s*a%s\n", inner, (int)half,
             outer, outer + half);
    free(inner);
    free(outer);
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_ELIMIT, 2, 254,
                "nesting deeper than 512");
}

static void test_yaml_collection_as_a_key_is_refused(void **state)
{
    (void)state;
    const char *text = "a: 1\n? [x, y]\n: 2\n";
    parse_fails(text, strlen(text), AF_DOC_YAML, AF_EUNSUPPORTED, 2, 3,
                "sequence as a mapping key");
    text = "k: &k key\n*k : 1\n";
    af_doc *doc = parse_ok(text, AF_DOC_YAML);
    want_number(doc, "key", 1);
    af_doc_free(doc);
}

/* ---- af_doc_locate ---- */

static void expect_at(const af_doc *doc, const char *pointer, int line, int col)
{
    int l = -1, c = -1;
    af_doc_locate(doc, pointer, &l, &c);
    if (l != line || c != col)
        print_error("%s: got %d:%d, want %d:%d\n", pointer, l, c, line, col);
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void test_locate_json_follows_escaped_tokens_and_indexes(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("{\n"
                           "  \"paths\": {\n"
                           "    \"/pets/{id}\": {\"get\": {\"x\": 1}},\n"
                           "    \"a~b\": [10, {\"s\": \"\\\"}\"}, [7, 8]],\n"
                           "    \"\\u00e9\\/%\": 3,\n"
                           "    \"sp ace\": 4\n"
                           "  }\n"
                           "}\n",
                           AF_DOC_JSON);
    expect_at(doc, "", 1, 1);
    expect_at(doc, "#", 1, 1);
    expect_at(doc, "#/paths", 2, 3);
    expect_at(doc, "#/paths/~1pets~1{id}", 3, 5);
    expect_at(doc, "#/paths/~1pets~1%7Bid%7D/get/x", 3, 28);
    expect_at(doc, "/paths/a~0b", 4, 5);
    expect_at(doc, "#/paths/a~0b/0", 4, 13);
    expect_at(doc, "#/paths/a~0b/1/s", 4, 18);
    expect_at(doc, "#/paths/a~0b/2/1", 4, 35);
    expect_at(doc, "#/paths/%C3%A9~1%25", 5, 5);
    expect_at(doc, "#/paths/\xc3\xa9~1%", 5, 5);
    expect_at(doc, "#/paths/sp%20ace", 6, 5);
    expect_at(doc, "#/paths/a~0b/3", 0, 0);
    expect_at(doc, "#/paths/missing", 0, 0);
    expect_at(doc, "#/paths/a~0b/-", 0, 0);
    expect_at(doc, "#/paths/sp ace/x", 0, 0);
    af_doc_free(doc);
}

static void
test_locate_yaml_follows_keys_indexes_aliases_and_merges(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("openapi: 3.0.0\n"
                           "paths:\n"
                           "  /pets/{id}:\n"
                           "    get:\n"
                           "      parameters:\n"
                           "        - name: id\n"
                           "        - &p {name: q, in: query}\n"
                           "  a~b: *p\n"
                           "  merged:\n"
                           "    <<: [{x: 1}, *p]\n"
                           "    own: 2\n"
                           "  200: {}\n",
                           AF_DOC_YAML);
    expect_at(doc, "#", 1, 1);
    expect_at(doc, "#/openapi", 1, 1);
    expect_at(doc, "#/paths/~1pets~1{id}", 3, 3);
    expect_at(doc, "#/paths/~1pets~1%7Bid%7D/get/parameters", 5, 7);
    expect_at(doc, "#/paths/~1pets~1{id}/get/parameters/0", 6, 11);
    expect_at(doc, "#/paths/~1pets~1{id}/get/parameters/0/name", 6, 11);
    expect_at(doc, "#/paths/~1pets~1{id}/get/parameters/1/in", 7, 24);
    expect_at(doc, "#/paths/a~0b", 8, 3);
    expect_at(doc, "#/paths/a~0b/in", 7, 24);
    expect_at(doc, "#/paths/merged/own", 11, 5);
    expect_at(doc, "#/paths/merged/x", 10, 11);
    expect_at(doc, "#/paths/merged/name", 7, 15);
    expect_at(doc, "#/paths/200", 12, 3);
    expect_at(doc, "#/paths/~1pets~1{id}/get/parameters/2", 0, 0);
    expect_at(doc, "#/paths/nothere", 0, 0);
    af_doc_free(doc);
}

static void test_locate_never_crashes_on_any_pointer(void **state)
{
    (void)state;
    static const char *const pointers[] = {"",
                                           "#",
                                           "/",
                                           "//",
                                           "#//",
                                           "x",
                                           "#x",
                                           "/~",
                                           "/~2",
                                           "/%",
                                           "/%4",
                                           "/%zz",
                                           "/a/99999999999999999999999",
                                           "/a/-1",
                                           "/a/0/0/0/0/0",
                                           "/a/b/c",
                                           "/~1~0~",
                                           "#/a%2Fb",
                                           "/\xff\xfe",
                                           NULL};
    static const char *const texts[] = {"{\"a\": [1, {\"b\": \"\\u12\"}]",
                                        "{\"a\": [1, 2], \"\": 3}",
                                        "a: [1, {b: c}]\n",
                                        "a: *x\n",
                                        "a: [unclosed\n",
                                        "\"a",
                                        "{\"a\":",
                                        "[1,",
                                        NULL};
    for (size_t t = 0; texts[t] != NULL; t++) {
        for (int fmt = AF_DOC_JSON; fmt <= AF_DOC_YAML; fmt++) {
            af_doc doc = {NULL, "x", (char *)texts[t], strlen(texts[t]), fmt};
            for (size_t p = 0; pointers[p] != NULL; p++) {
                int line = -1, col = -1;
                af_doc_locate(&doc, pointers[p], &line, &col);
                assert_true(line >= 0 && col >= 0);
            }
        }
    }
    char long_ptr[5000];
    for (size_t i = 0; i + 2 < sizeof long_ptr; i += 2)
        memcpy(long_ptr + i, "/a", 2);
    long_ptr[sizeof long_ptr - 2] = '\0';
    af_doc *doc = parse_ok("{\"a\": {\"a\": 1}}", AF_DOC_JSON);
    expect_at(doc, long_ptr, 0, 0);
    int line, col;
    af_doc_locate(NULL, "/a", &line, &col);
    assert_int_equal(line, 0);
    af_doc_locate(doc, NULL, &line, &col);
    assert_int_equal(col, 0);
    af_doc_free(doc);
}

static void test_doc_error_fills_name_pointer_and_position(void **state)
{
    (void)state;
    af_doc *doc;
    const char *text = "info:\n  title: x\npaths:\n  /a: 1\n";
    assert_int_equal(
        af_doc_parse(text, strlen(text), "api.yaml", AF_DOC_AUTO, &doc, NULL),
        0);
    af_error err;
    assert_int_equal(af_doc_error(&err, AF_ESPEC, doc, "#/paths/~1a",
                                  "expected an %s", "object"),
                     AF_ESPEC);
    char buf[1024];
    assert_string_equal(af_error_format(&err, buf, sizeof buf),
                        "api.yaml:4:3: #/paths/~1a: expected an object");
    af_doc_error(&err, AF_ESPEC, doc, "#/nothere", "x");
    assert_int_equal(err.line, 0);
    assert_int_equal(af_doc_error(NULL, AF_EREF, doc, "#", "x"), AF_EREF);
    af_doc_free(doc);
}

/* ---- files and formats ---- */

static void test_load_file_reports_a_missing_file(void **state)
{
    (void)state;
    af_doc *doc = (af_doc *)1;
    af_error err;
    assert_int_equal(af_doc_load_file("/nonexistent/dir/spec.yaml", &doc, &err),
                     AF_EIO);
    assert_null(doc);
    assert_int_equal(err.code, AF_EIO);
    assert_non_null(strstr(err.message, "/nonexistent/dir/spec.yaml"));
    assert_string_equal(err.file, "/nonexistent/dir/spec.yaml");
    char *dir = af_test_tmpdir();
    assert_int_equal(af_doc_load_file(dir, &doc, &err), AF_EIO);
    assert_non_null(strstr(err.message, dir));
    rmdir(dir);
    free(dir);
}

static void test_load_file_picks_the_format_and_keeps_the_name(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    char path[512];
    struct {
        const char *file, *text;
        af_doc_format want;
    } cases[] = {
        {"a.json", "{\"a\": 1}", AF_DOC_JSON},
        {"a.JSON", "  [1]", AF_DOC_JSON},
        {"a.yaml", "{a: 1}", AF_DOC_YAML},
        {"a.yml", "a: 1", AF_DOC_YAML},
        {"noext", "\n  {\"a\": 1}", AF_DOC_JSON},
        {"noext2", "\xEF\xBB\xBF[1]", AF_DOC_JSON},
        {"spec.txt", "a: {b: 1}", AF_DOC_YAML},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        assert_int_equal(af_test_write_file(path, cases[i].text), 0);
        af_doc *doc;
        af_error err;
        int rc = af_doc_load_file(path, &doc, &err);
        if (rc != 0)
            print_error("%s: %s\n", cases[i].file, err.message);
        assert_int_equal(rc, 0);
        assert_int_equal(doc->format, cases[i].want);
        assert_string_equal(doc->name, path);
        assert_int_equal(doc->len, strlen(cases[i].text));
        af_doc_free(doc);
        unlink(path);
    }
    /* The extension wins over the content. */
    af_doc *doc;
    af_error err;
    assert_int_equal(af_doc_parse("a: 1", 4, "x.json", AF_DOC_AUTO, &doc, &err),
                     AF_ESYNTAX);
    assert_int_equal(af_doc_parse("[1]", 3, NULL, AF_DOC_YAML, &doc, &err), 0);
    assert_int_equal(doc->format, AF_DOC_YAML);
    assert_string_equal(doc->name, "<input>");
    af_doc_free(doc);
    rmdir(dir);
    free(dir);
}

static void test_load_file_refuses_a_file_over_the_size_limit(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/huge.json", dir);
    assert_int_equal(af_test_write_file(path, "{}"), 0);
    assert_int_equal(truncate(path, (off_t)AF_DOC_MAX_SIZE + 1), 0);
    af_doc *doc;
    af_error err;
    assert_int_equal(af_doc_load_file(path, &doc, &err), AF_ELIMIT);
    assert_non_null(strstr(err.message, "larger than"));
    assert_int_equal(
        af_doc_parse("{}", AF_DOC_MAX_SIZE + 1, "x", AF_DOC_JSON, &doc, &err),
        AF_ELIMIT);
    assert_int_equal(af_doc_parse(NULL, 0, "x", AF_DOC_JSON, NULL, &err),
                     AF_EUSAGE);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* ---- the shared test data ---- */

typedef struct walk_stats {
    int parsed;
    double big_ms[2];
} walk_stats;

static void parse_tree(const char *dir, walk_stats *st)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        if (S_ISDIR(sb.st_mode)) {
            parse_tree(path, st);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (!(n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) &&
            !(n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0))
            continue;
        af_doc *doc;
        af_error err;
        double t0 = now_ms();
        int rc = af_doc_load_file(path, &doc, &err);
        double ms = now_ms() - t0;
        if (rc != 0) {
            char buf[1200];
            print_error("%s\n", af_error_format(&err, buf, sizeof buf));
        }
        assert_int_equal(rc, 0);
        if (strstr(e->d_name, "github.com__api.github.com__2022") != NULL)
            st->big_ms[0] = ms;
        if (strstr(e->d_name, "stripe.com__api__2023") != NULL)
            st->big_ms[1] = ms;
        st->parsed++;
        af_doc_free(doc);
    }
    closedir(d);
}

static void test_every_testdata_spec_parses(void **state)
{
    (void)state;
    const char *data = af_test_testdata();
    if (data == NULL)
        af_test_skip_no_testdata();
    walk_stats st = {0, {0, 0}};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/openapi-examples", data);
    parse_tree(dir, &st);
    snprintf(dir, sizeof dir, "%s/real-world-specs", data);
    parse_tree(dir, &st);
    assert_true(st.parsed > 80);
    af_test_info("%d testdata specs parsed; github 4 MB JSON %.0f ms, "
                 "stripe 4 MB YAML %.0f ms (ASan build)",
                 st.parsed, st.big_ms[0], st.big_ms[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_builds_the_tree),
        cmocka_unit_test(test_json_syntax_error_is_located),
        cmocka_unit_test(test_json_duplicate_key_is_located_at_the_second_key),
        cmocka_unit_test(test_json_duplicate_key_in_a_big_object_is_found),
        cmocka_unit_test(test_json_with_a_nul_byte_is_a_syntax_error),
        cmocka_unit_test(test_json_text_need_not_be_nul_terminated),
        cmocka_unit_test(test_json_deep_nesting_is_a_limit_error),
        cmocka_unit_test(test_yaml_plain_scalars_follow_the_core_schema),
        cmocka_unit_test(test_yaml_tagged_value_that_does_not_fit_is_an_error),
        cmocka_unit_test(test_yaml_block_scalars_are_strings),
        cmocka_unit_test(test_yaml_keys_are_always_strings),
        cmocka_unit_test(test_yaml_flow_style_builds_the_same_tree),
        cmocka_unit_test(test_yaml_alias_is_a_deep_copy_of_its_anchor),
        cmocka_unit_test(test_yaml_merge_keys_let_explicit_keys_win),
        cmocka_unit_test(test_yaml_billion_laughs_is_a_quick_limit_error),
        cmocka_unit_test(test_yaml_undefined_alias_is_an_error),
        cmocka_unit_test(test_yaml_duplicate_key_is_located_at_the_second_key),
        cmocka_unit_test(test_yaml_second_document_is_an_error),
        cmocka_unit_test(test_empty_input_is_an_empty_document_error),
        cmocka_unit_test(test_yaml_syntax_error_is_located),
        cmocka_unit_test(test_yaml_deep_nesting_is_a_limit_error),
        cmocka_unit_test(test_yaml_collection_as_a_key_is_refused),
        cmocka_unit_test(test_locate_json_follows_escaped_tokens_and_indexes),
        cmocka_unit_test(
            test_locate_yaml_follows_keys_indexes_aliases_and_merges),
        cmocka_unit_test(test_locate_never_crashes_on_any_pointer),
        cmocka_unit_test(test_doc_error_fills_name_pointer_and_position),
        cmocka_unit_test(test_load_file_reports_a_missing_file),
        cmocka_unit_test(test_load_file_picks_the_format_and_keeps_the_name),
        cmocka_unit_test(test_load_file_refuses_a_file_over_the_size_limit),
        cmocka_unit_test(test_every_testdata_spec_parses),
    };
    return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
