/*
 * test_gen_cli.c - `apifuzz gen` and `apifuzz show` end to end: runs the
 * built command ($O/asan/apifuzz, O from the environment, default
 * "build") through popen on a small spec written to a temporary folder,
 * parses its JSON lines back with cJSON and checks the fields of issue 3,
 * determinism by seed, the mode and operation options, the three show
 * formats (an empty input file included) and the usage errors (exit 2).
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Five operations: query, header and cookie parameters; a required JSON
   body under an API key; a path parameter; one operation without an
   operationId; a form body. Each has a place for a violation. */
static const char spec_yaml[] =
    "openapi: 3.0.3\n"
    "info: {title: Gen CLI, version: '1.0'}\n"
    "servers: [{url: 'http://api.example.com/v1'}]\n"
    "components:\n"
    "  securitySchemes:\n"
    "    key: {type: apiKey, in: header, name: X-Key}\n"
    "paths:\n"
    "  /items:\n"
    "    get:\n"
    "      operationId: listItems\n"
    "      parameters:\n"
    "        - {name: limit, in: query, required: true,\n"
    "           schema: {type: integer, minimum: 1, maximum: 50}}\n"
    "        - {name: X-Trace, in: header, schema: {type: string}}\n"
    "        - {name: session, in: cookie, schema: {type: string}}\n"
    "      responses: {'200': {description: ok}}\n"
    "    post:\n"
    "      operationId: addItem\n"
    "      security: [{key: []}]\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/json:\n"
    "            schema:\n"
    "              type: object\n"
    "              required: [name]\n"
    "              properties:\n"
    "                name: {type: string, maxLength: 10}\n"
    "                count: {type: integer, minimum: 0}\n"
    "      responses: {'201': {description: created}}\n"
    "  /items/{id}:\n"
    "    parameters:\n"
    "      - {name: id, in: path, required: true, schema: {type: integer}}\n"
    "    get:\n"
    "      operationId: getItem\n"
    "      responses: {'200': {description: ok}}\n"
    "    delete:\n"
    "      responses: {'204': {description: gone}}\n"
    "    put:\n"
    "      operationId: noteItem\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/x-www-form-urlencoded:\n"
    "            schema:\n"
    "              type: object\n"
    "              required: [note]\n"
    "              properties:\n"
    "                note: {type: string, maxLength: 5}\n"
    "      responses: {'200': {description: ok}}\n";

static const char *const fields[] = {
    "program",       "call",         "operation",     "method",
    "path_template", "path",         "query",         "headers",
    "path_params",   "query_params", "header_params", "cookie_params",
    "media_type",    "body",         "mode",          "violation"};
#define N_FIELDS (sizeof fields / sizeof fields[0])

typedef struct fixture {
    char *dir;
    char spec[1024];
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", f->dir, name);
    return p;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->dir = af_test_tmpdir();
    *state = f;
    if (f->dir == NULL)
        return -1;
    snprintf(f->spec, sizeof f->spec, "%s", path_in(f, "spec.yaml"));
    return af_test_write_file(f->spec, spec_yaml);
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f->dir);
    free(f);
    return 0;
}

/* Runs "$bin ARGS" (args already shell-quoted). */
static af_test_output run(const char *args)
{
    af_test_output r;
    af_test_run_bin(args, &r);
    return r;
}

/* "gen 'SPEC' ARGS" */
static af_test_output gen(const fixture *f, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "gen '%s' %s", f->spec, args);
    return run(cmd);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("expected \"%s\" in:\n%s", needle, haystack);
}

/* The JSON lines of out, parsed (each must parse). *n gets the count;
   free with free_lines. */
static cJSON **parse_lines(const char *out, size_t *n)
{
    size_t cap = 16;
    cJSON **lines = malloc(cap * sizeof *lines);
    assert_non_null(lines);
    *n = 0;
    for (const char *p = out; *p != '\0';) {
        const char *end = strchr(p, '\n');
        assert_non_null(end);
        cJSON *j = cJSON_ParseWithLength(p, (size_t)(end - p));
        if (j == NULL)
            fail_msg("not a JSON line: %.*s", (int)(end - p), p);
        if (*n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
            assert_non_null(lines);
        }
        lines[(*n)++] = j;
        p = end + 1;
    }
    return lines;
}

static void free_lines(cJSON **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    free(lines);
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        fail_msg("no \"%s\" in %s", key, cJSON_PrintUnformatted(obj));
    return v;
}

static const char *get_string(const cJSON *obj, const char *key)
{
    const cJSON *v = get(obj, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static bool is_string_object(const cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return false;
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        if (!cJSON_IsString(m))
            return false;
    }
    return true;
}

/* The violation object of a negative call: four fields, typed. */
static void assert_violation(const cJSON *v)
{
    assert_true(cJSON_IsObject(v));
    assert_int_equal(cJSON_GetArraySize(v), 4);
    assert_true(strlen(get_string(v, "kind")) > 0);
    assert_true(cJSON_IsString(get(v, "request_pointer")));
    assert_true(cJSON_IsString(get(v, "schema_pointer")));
    assert_true(cJSON_IsBool(get(v, "soft")));
}

/* Every field of issue 3 with its type, nothing else; mode and
   violation agree; a JSON body is a value, a form body a string. */
static void assert_call_line(const cJSON *c)
{
    assert_int_equal(cJSON_GetArraySize(c), (int)N_FIELDS);
    for (size_t i = 0; i < N_FIELDS; i++)
        get(c, fields[i]);
    assert_true(cJSON_IsNumber(get(c, "program")));
    assert_true(cJSON_IsNumber(get(c, "call")));
    assert_true(get_string(c, "path")[0] == '/');
    assert_true(strncmp(get_string(c, "path"), "/v1/items", 9) == 0);
    assert_true(get_string(c, "path_template")[0] == '/');
    assert_true(cJSON_IsString(get(c, "query")));
    assert_true(is_string_object(get(c, "headers")));
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(get(c, "headers"), "Host")
            ->valuestring,
        "localhost");
    assert_true(cJSON_IsObject(get(c, "path_params")));
    assert_true(cJSON_IsObject(get(c, "query_params")));
    assert_true(cJSON_IsObject(get(c, "header_params")));
    assert_true(cJSON_IsObject(get(c, "cookie_params")));
    const cJSON *media = get(c, "media_type");
    const cJSON *body = get(c, "body");
    assert_true(cJSON_IsNull(media) || cJSON_IsString(media));
    assert_int_equal(cJSON_IsNull(media), cJSON_IsNull(body));
    if (cJSON_IsString(media) &&
        strcmp(media->valuestring, "application/x-www-form-urlencoded") == 0)
        assert_true(cJSON_IsString(body));
    const char *mode = get_string(c, "mode");
    if (strcmp(mode, "positive") == 0)
        assert_true(cJSON_IsNull(get(c, "violation")));
    else if (strcmp(mode, "negative") == 0)
        assert_violation(get(c, "violation"));
    else
        fail_msg("mode is \"%s\"", mode);
}

static void test_gen_prints_every_field_of_every_call(void **state)
{
    fixture *f = *state;
    af_test_output r = gen(f, "-n 40 --seed 3 --mixed");
    assert_int_equal(r.status, 0);
    size_t n = 0;
    cJSON **lines = parse_lines(r.out, &n);
    assert_true(n >= 40);
    int program = -1, call = 0;
    for (size_t i = 0; i < n; i++) {
        assert_call_line(lines[i]);
        int p = get(lines[i], "program")->valueint;
        int c = get(lines[i], "call")->valueint;
        if (p != program) { /* programs 0..N-1 in order, calls from 0 */
            assert_int_equal(p, program + 1);
            assert_int_equal(c, 0);
            program = p;
        } else {
            assert_int_equal(c, call + 1);
        }
        call = c;
    }
    assert_int_equal(program, 39);
    assert_contains(r.err, "40 programs");
    assert_contains(r.err, "requests/s");
    free_lines(lines, n);
    af_test_output_free(&r);
}

static void
test_gen_names_an_operation_without_id_by_method_and_path(void **state)
{
    fixture *f = *state;
    af_test_output r = gen(f, "-n 5 --operation 'DELETE /items/{id}'");
    assert_int_equal(r.status, 0);
    size_t n = 0;
    cJSON **lines = parse_lines(r.out, &n);
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(get_string(lines[i], "operation"),
                            "DELETE /items/{id}");
        assert_string_equal(get_string(lines[i], "method"), "DELETE");
        assert_true(cJSON_IsNumber(
            get(get(lines[i], "path_params"), "id"))); /* decoded value */
    }
    free_lines(lines, n);
    af_test_output_free(&r);
}

static void
test_gen_is_deterministic_for_a_seed_and_varies_across_seeds(void **state)
{
    fixture *f = *state;
    af_test_output a = gen(f, "-n 30 --seed 11 --mixed");
    af_test_output b = gen(f, "-n 30 --seed 11 --mixed");
    af_test_output c = gen(f, "-n 30 --seed 12 --mixed");
    assert_int_equal(a.status, 0);
    assert_int_equal(c.status, 0);
    assert_string_equal(a.out, b.out);
    assert_true(strcmp(a.out, c.out) != 0);
    af_test_output_free(&a);
    af_test_output_free(&b);
    af_test_output_free(&c);
}

/* Counts the calls of out whose mode is `mode`; *total gets all. */
static size_t count_mode(const char *out, const char *mode, size_t *total)
{
    size_t n = 0, k = 0;
    cJSON **lines = parse_lines(out, &n);
    for (size_t i = 0; i < n; i++)
        k += strcmp(get_string(lines[i], "mode"), mode) == 0;
    free_lines(lines, n);
    *total = n;
    return k;
}

static void test_gen_modes_select_positive_negative_or_both(void **state)
{
    fixture *f = *state;
    size_t total = 0;
    af_test_output r = gen(f, "-n 60 --negative");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_mode(r.out, "negative", &total), total);
    af_test_output_free(&r);
    r = gen(f, "-n 60");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_mode(r.out, "positive", &total), total);
    af_test_output_free(&r);
    r = gen(f, "-n 60 --mixed");
    assert_int_equal(r.status, 0);
    size_t neg = count_mode(r.out, "negative", &total);
    assert_true(neg > 0 && neg < total);
    af_test_output_free(&r);
}

static void
test_gen_operation_and_path_filters_keep_only_those_calls(void **state)
{
    fixture *f = *state;
    size_t n = 0;
    af_test_output r = gen(f, "-n 20 --operation getItem");
    assert_int_equal(r.status, 0);
    cJSON **lines = parse_lines(r.out, &n);
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(get_string(lines[i], "operation"), "getItem");
    free_lines(lines, n);
    af_test_output_free(&r);

    r = gen(f, "-n 30 --path /items --mixed");
    assert_int_equal(r.status, 0);
    lines = parse_lines(r.out, &n);
    bool seen_get = false, seen_post = false;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(get_string(lines[i], "path_template"), "/items");
        seen_get |= strcmp(get_string(lines[i], "method"), "GET") == 0;
        seen_post |= strcmp(get_string(lines[i], "method"), "POST") == 0;
    }
    assert_true(seen_get && seen_post);
    free_lines(lines, n);
    af_test_output_free(&r);

    r = gen(f, "--operation noSuchOp");
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_contains(r.err, "noSuchOp");
    af_test_output_free(&r);
}

static void test_gen_calls_bounds_the_program_length(void **state)
{
    fixture *f = *state;
    size_t n = 0;
    af_test_output r = gen(f, "-n 50 --calls 1");
    assert_int_equal(r.status, 0);
    cJSON **lines = parse_lines(r.out, &n);
    assert_int_equal(n, 50);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(get(lines[i], "call")->valueint, 0);
    free_lines(lines, n);
    af_test_output_free(&r);

    r = gen(f, "-n 100 --seed 5");
    assert_int_equal(r.status, 0);
    lines = parse_lines(r.out, &n);
    int longest = 0;
    for (size_t i = 0; i < n; i++) {
        int c = get(lines[i], "call")->valueint;
        longest = c > longest ? c : longest;
    }
    assert_true(longest >= 1 && longest <= 3); /* short and long programs */
    free_lines(lines, n);
    af_test_output_free(&r);
}

static void test_gen_bad_arguments_exit_2_with_usage(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "",           "-n",
        "-n abc",     "-n -1",
        "--seed x",   "--calls 0",
        "--calls 17", "--negative --mixed",
        "--bogus",    "--operation getItem --path /items",
        "--operation"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        af_test_output r = bad[i][0] == '\0' ? run("gen") : gen(f, bad[i]);
        if (r.status != 2)
            fail_msg("gen %s: exit %d", bad[i], r.status);
        assert_string_equal(r.out, "");
        assert_contains(r.err, "usage: apifuzz gen");
        af_test_output_free(&r);
    }
    char args[1200];
    snprintf(args, sizeof args, "gen '%s'", path_in(f, "missing.yaml"));
    af_test_output r = run(args);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "missing.yaml");
    af_test_output_free(&r);
    r = run("gen --help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: apifuzz gen");
    af_test_output_free(&r);
}

/* ---- show ---- */

static char *write_input(const fixture *f, const char *name,
                         const unsigned char *bytes, size_t len)
{
    char *p = path_in(f, name);
    FILE *out = fopen(p, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
    return p;
}

/* Writes three inputs: empty, zeros, and bytes that pick operation 1
   (addItem, with its body). The command line names them in that order. */
static void write_inputs(const fixture *f, char *args, size_t cap,
                         const char *options)
{
    static const unsigned char zeros[16] = {0};
    static const unsigned char pick[24] = {1, 0, 3, 'a', 'b', 'c', 1};
    char empty[1024], zero[1024], other[1024];
    snprintf(empty, sizeof empty, "%s", write_input(f, "empty.bin", zeros, 0));
    snprintf(zero, sizeof zero, "%s",
             write_input(f, "zeros.bin", zeros, sizeof zeros));
    snprintf(other, sizeof other, "%s",
             write_input(f, "pick.bin", pick, sizeof pick));
    snprintf(args, cap, "show '%s' '%s' '%s' '%s' %s", f->spec, empty, zero,
             other, options);
}

static void test_show_prints_http_then_curl_for_each_input(void **state)
{
    fixture *f = *state;
    char args[4096];
    write_inputs(f, args, sizeof args, "");
    af_test_output r = run(args);
    assert_int_equal(r.status, 0);
    /* The empty input is the simplest request of the first operation. */
    assert_contains(r.out, "empty.bin: 0 bytes, 1 call\n# call 0: listItems "
                           "(positive)\nGET /v1/items?limit=1 HTTP/1.1\n");
    assert_contains(r.out, "Host: localhost\n");
    const char *http = strstr(r.out, "GET /v1/items?limit=1 HTTP/1.1");
    const char *curl = strstr(r.out, "curl ");
    assert_non_null(curl);
    assert_true(http < curl);
    assert_contains(r.out, "'http://localhost/v1/items?limit=1'");
    assert_contains(r.out, "pick.bin: 24 bytes");
    assert_contains(r.out, "POST /v1/items HTTP/1.1\n");
    assert_contains(r.out, "Content-Type: application/json\n");
    af_test_output_free(&r);
}

static void
test_show_format_curl_prints_only_commands_and_comments(void **state)
{
    fixture *f = *state;
    char args[4096];
    write_inputs(f, args, sizeof args, "--format curl");
    af_test_output r = run(args);
    assert_int_equal(r.status, 0);
    size_t n_curl = 0;
    for (char *line = strtok(r.out, "\n"); line != NULL;
         line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "curl ", 5) != 0)
            fail_msg("not a curl command: %s", line);
        n_curl++;
    }
    assert_true(n_curl >= 3);
    af_test_output_free(&r);
}

static void test_show_format_http_prints_requests_only(void **state)
{
    fixture *f = *state;
    char args[4096];
    write_inputs(f, args, sizeof args, "--format http");
    af_test_output r = run(args);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "GET /v1/items?limit=1 HTTP/1.1\n");
    assert_null(strstr(r.out, "curl "));
    af_test_output_free(&r);
}

static void test_show_format_json_prints_gen_lines_per_input(void **state)
{
    fixture *f = *state;
    char args[4096];
    write_inputs(f, args, sizeof args, "--format json");
    af_test_output r = run(args);
    assert_int_equal(r.status, 0);
    size_t n = 0;
    cJSON **lines = parse_lines(r.out, &n);
    assert_true(n >= 3);
    /* empty input: program 0, one call, the simplest listItems */
    assert_int_equal(get(lines[0], "program")->valueint, 0);
    assert_string_equal(get_string(lines[0], "operation"), "listItems");
    assert_string_equal(get_string(lines[0], "query"), "limit=1");
    assert_int_equal(get(get(lines[0], "query_params"), "limit")->valueint, 1);
    assert_int_equal(get(lines[1], "program")->valueint, 1);
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        assert_call_line(lines[i]);
        int p = get(lines[i], "program")->valueint;
        assert_true(p >= last && p <= 2);
        last = p;
    }
    assert_int_equal(last, 2);
    free_lines(lines, n);
    af_test_output_free(&r);
}

static void test_show_is_deterministic_and_honours_the_mode(void **state)
{
    fixture *f = *state;
    char args[4096];
    write_inputs(f, args, sizeof args, "--format json --negative");
    af_test_output a = run(args);
    af_test_output b = run(args);
    assert_int_equal(a.status, 0);
    assert_string_equal(a.out, b.out);
    size_t total = 0;
    assert_int_equal(count_mode(a.out, "negative", &total), total);
    af_test_output_free(&a);
    af_test_output_free(&b);
}

static void test_show_bad_arguments_and_missing_files_exit_2(void **state)
{
    fixture *f = *state;
    char args[4096];
    snprintf(args, sizeof args, "show '%s'", f->spec);
    af_test_output r = run(args);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "no FILE");
    af_test_output_free(&r);

    write_inputs(f, args, sizeof args, "--format yaml");
    r = run(args);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown format");
    assert_string_equal(r.out, "");
    af_test_output_free(&r);

    /* A missing file is reported; the others are still shown. */
    snprintf(args, sizeof args, "show '%s' '%s' '%s'", f->spec,
             path_in(f, "nope.bin"), path_in(f, "empty.bin"));
    r = run(args);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "nope.bin");
    assert_contains(r.out, "GET /v1/items?limit=1 HTTP/1.1");
    af_test_output_free(&r);

    r = run("show");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "usage: apifuzz show");
    af_test_output_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_gen_prints_every_field_of_every_call, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_names_an_operation_without_id_by_method_and_path, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_is_deterministic_for_a_seed_and_varies_across_seeds, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_modes_select_positive_negative_or_both, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_operation_and_path_filters_keep_only_those_calls, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_calls_bounds_the_program_length, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gen_bad_arguments_exit_2_with_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_prints_http_then_curl_for_each_input, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_format_curl_prints_only_commands_and_comments, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_show_format_http_prints_requests_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_format_json_prints_gen_lines_per_input, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_is_deterministic_and_honours_the_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_show_bad_arguments_and_missing_files_exit_2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
