/*
 * test_lint.c - `apifuzz lint` end to end: runs the built command
 * ($O/asan/apifuzz, O from the environment, default "build") on specs
 * written to a temporary folder and checks its exit status, its text and
 * JSON output (parsed back with cJSON and compared with the model that
 * af_model_load builds in this process) and its located errors.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "spec/model.h"

/* Two operations, one shared schema through $ref, two media types, one
   security scheme. */
static const char petstore_yaml[] =
    "openapi: 3.0.3\n"
    "info:\n"
    "  title: Lint Pets\n"
    "  version: '1.0'\n"
    "paths:\n"
    "  /pets:\n"
    "    get:\n"
    "      operationId: listPets\n"
    "      parameters:\n"
    "        - name: limit\n"
    "          in: query\n"
    "          schema: {type: integer, minimum: 1}\n"
    "      responses:\n"
    "        '200':\n"
    "          description: pets\n"
    "          content:\n"
    "            application/json:\n"
    "              schema:\n"
    "                type: array\n"
    "                items: {$ref: '#/components/schemas/Pet'}\n"
    "    post:\n"
    "      operationId: addPet\n"
    "      security: [{key: []}]\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          text/plain:\n"
    "            schema: {type: string}\n"
    "      responses:\n"
    "        '201':\n"
    "          description: created\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: {$ref: '#/components/schemas/Pet'}\n"
    "components:\n"
    "  securitySchemes:\n"
    "    key: {type: apiKey, in: header, name: X-Key}\n"
    "  schemas:\n"
    "    Pet:\n"
    "      type: object\n"
    "      required: [id]\n"
    "      properties:\n"
    "        id: {type: integer, format: int64}\n"
    "        name: {type: string}\n";

/* responses is a number: an error at a known line (9) and pointer. */
static const char broken_yaml[] = "openapi: 3.0.3\n"
                                  "info:\n"
                                  "  title: Broken\n"
                                  "  version: '1.0'\n"
                                  "paths:\n"
                                  "  /pets:\n"
                                  "    get:\n"
                                  "      operationId: listPets\n"
                                  "      responses: 42\n";

/* A JSON syntax error (a missing comma) on line 3. */
static const char bad_syntax_json[] = "{\n"
                                      "  \"openapi\": \"3.0.3\"\n"
                                      "  \"info\": {}\n"
                                      "}\n";

typedef struct fixture {
    char *dir;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->dir = af_test_tmpdir();
    *state = f;
    return f->dir != NULL ? 0 : -1;
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

static char *path_in(const fixture *f, const char *name)
{
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", f->dir, name);
    return p;
}

static char *write_spec(const fixture *f, const char *name, const char *text)
{
    char *p = path_in(f, name);
    assert_int_equal(af_test_write_file(p, text), 0);
    return p;
}

/* Runs "$bin lint ARGS" (args already shell-quoted). */
static af_test_output run_lint(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "lint %s", args);
    af_test_output r;
    af_test_run_bin(cmd, &r);
    return r;
}

/* The model the command should describe, built in this process. */
static af_model *load_model(const char *path)
{
    af_model *m = NULL;
    af_error err;
    af_error_clear(&err);
    int rc = af_model_load(path, &m, &err);
    if (rc < 0) {
        char buf[1536];
        fail_msg("af_model_load(%s): %s", path,
                 af_error_format(&err, buf, sizeof buf));
    }
    return m;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("expected \"%s\" in:\n%s", needle, haystack);
}

static void test_lint_prints_a_summary_of_a_valid_spec(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "pets.yaml", petstore_yaml);
    af_model *m = load_model(spec);
    char arg[1100], line[128];
    snprintf(arg, sizeof arg, "'%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_contains(r.out, "version: 3.0.3 (OpenAPI 3.0)\n");
    assert_contains(r.out, "title: Lint Pets\n");
    assert_contains(r.out, "operations: 2\n");
    assert_contains(r.out, "media types: 2\n");
    assert_contains(r.out, "security schemes: 1\n");
    snprintf(line, sizeof line, "schemas: %u\n", (unsigned)m->n_schemas);
    assert_contains(r.out, line);
    snprintf(line, sizeof line, "warnings: %u\n", (unsigned)m->n_warnings);
    assert_contains(r.out, line);
    af_test_output_free(&r);
    af_model_free(m);
}

static void assert_json_number(const cJSON *o, const char *key, double want)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("\"%s\" is not a number", key);
    assert_true(v->valuedouble == want);
}

static void assert_json_string(const cJSON *o, const char *key,
                               const char *want)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v))
        fail_msg("\"%s\" is not a string", key);
    assert_string_equal(v->valuestring, want);
}

static void assert_json_warnings(const cJSON *o, const af_model *m)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "warnings");
    assert_true(cJSON_IsArray(w));
    assert_int_equal(cJSON_GetArraySize(w), m->n_warnings);
    for (uint32_t i = 0; i < m->n_warnings; i++) {
        const cJSON *e = cJSON_GetArrayItem(w, (int)i);
        assert_json_string(e, "pointer", m->warnings[i].pointer);
        assert_json_string(e, "message", m->warnings[i].message);
    }
}

static void test_lint_json_output_matches_the_model(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "pets.yaml", petstore_yaml);
    af_model *m = load_model(spec);
    char arg[1100];
    snprintf(arg, sizeof arg, "--json '%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%s", r.out);
    assert_true(cJSON_IsObject(o));
    assert_json_string(o, "openapi", "3.0.3");
    assert_json_string(o, "dialect", "OpenAPI 3.0");
    assert_json_string(o, "title", "Lint Pets");
    assert_json_string(o, "file", spec);
    assert_json_number(o, "operations", 2);
    assert_json_number(o, "media_types", 2);
    assert_json_number(o, "security_schemes", 1);
    assert_json_number(o, "schemas", m->n_schemas);
    assert_true(m->n_schemas >= 3); /* Pet, id, name at least */
    assert_json_warnings(o, m);
    cJSON_Delete(o);
    af_test_output_free(&r);
    af_model_free(m);
}

static void test_lint_reports_swagger_2_version(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(
        f, "sw.json",
        "{\"swagger\": \"2.0\", \"info\": {\"title\": \"S\", \"version\": "
        "\"1\"}, \"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": "
        "{\"description\": \"ok\"}}}}}}");
    char arg[1100];
    snprintf(arg, sizeof arg, "'%s' --json", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    assert_json_string(o, "openapi", "2.0");
    assert_json_string(o, "dialect", "Swagger 2.0");
    assert_json_number(o, "operations", 1);
    cJSON_Delete(o);
    af_test_output_free(&r);
}

static void test_lint_locates_a_spec_error_and_exits_2(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "broken.yaml", broken_yaml);
    char arg[1100], want[1200];
    snprintf(arg, sizeof arg, "'%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    snprintf(want, sizeof want, "%s:9:", spec);
    assert_contains(r.err, want);
    assert_contains(r.err, "#/paths/~1pets/get/responses");
    af_test_output_free(&r);
}

static void test_lint_json_error_is_an_object_naming_the_place(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "broken.yaml", broken_yaml);
    char arg[1100];
    snprintf(arg, sizeof arg, "--json '%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "#/paths/~1pets/get/responses");
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    assert_true(cJSON_IsObject(e));
    assert_json_string(e, "file", spec);
    assert_json_number(e, "line", 9);
    assert_json_string(e, "pointer", "#/paths/~1pets/get/responses");
    cJSON_Delete(o);
    af_test_output_free(&r);
}

static void test_lint_locates_a_json_syntax_error(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "syntax.json", bad_syntax_json);
    char arg[1100], want[1200];
    snprintf(arg, sizeof arg, "'%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    snprintf(want, sizeof want, "%s:3:", spec);
    assert_contains(r.err, want);
    af_test_output_free(&r);
}

static void test_lint_reports_a_missing_file(void **state)
{
    fixture *f = *state;
    char arg[1100];
    snprintf(arg, sizeof arg, "'%s'", path_in(f, "nope.yaml"));
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_contains(r.err, "nope.yaml");
    af_test_output_free(&r);
}

/* Runs lint on text written to name; returns the exit status. */
static int lint_status_of(fixture *f, const char *name, const char *text)
{
    char arg[1100];
    snprintf(arg, sizeof arg, "'%s'", write_spec(f, name, text));
    af_test_output r = run_lint(arg);
    int status = r.status;
    if (status == 2 && strstr(r.err, name) == NULL)
        fail_msg("%s: the error does not name the file:\n%s", name, r.err);
    af_test_output_free(&r);
    return status;
}

static void test_lint_rejects_hostile_files_without_crashing(void **state)
{
    fixture *f = *state;
    static const char *const invalid[] = {
        "",
        "\x01\x02\xff\xfe binary",
        "[1, 2, 3]",
        "a: &a [*a]\n",
        "openapi: 9.9.9\ninfo: {title: t, version: '1'}\npaths: {}\n",
        "{\"openapi\": \"3.0.3\", \"openapi\": \"3.0.3\"}",
    };
    /* Doubtful, but never a crash: exit 0 or 2. */
    static const char *const odd[] = {
        "openapi: 3.0.3\n",
        "{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": {\"$ref\": \"#\"}}}",
        ("swagger: '2.0'\ninfo: {title: t, version: '1'}\n"
         "paths: {/a: {get: {responses: {}}}}\n"),
    };
    char name[32];
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        snprintf(name, sizeof name, "invalid%zu.yaml", i);
        int status = lint_status_of(f, name, invalid[i]);
        if (status != 2)
            fail_msg("%s: exit %d, want 2", name, status);
    }
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        snprintf(name, sizeof name, "odd%zu.yaml", i);
        int status = lint_status_of(f, name, odd[i]);
        if (status != 0 && status != 2)
            fail_msg("%s: exit %d, want 0 or 2", name, status);
    }
    char arg[1100];
    snprintf(arg, sizeof arg, "'%s'", f->dir);
    af_test_output r = run_lint(arg); /* a directory */
    assert_int_equal(r.status, 2);
    af_test_output_free(&r);
}

static void test_lint_without_a_spec_prints_usage_and_exits_2(void **state)
{
    (void)state;
    af_test_output r = run_lint("");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "usage: apifuzz lint SPEC [--json]");
    af_test_output_free(&r);
}

static void test_lint_rejects_unknown_options_and_two_specs(void **state)
{
    fixture *f = *state;
    char *spec = write_spec(f, "pets.yaml", petstore_yaml);
    char arg[2300];
    snprintf(arg, sizeof arg, "--jsn '%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown option '--jsn'");
    assert_contains(r.err, "usage:");
    af_test_output_free(&r);
    snprintf(arg, sizeof arg, "'%s' '%s'", spec, spec);
    r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "usage:");
    assert_string_equal(r.out, "");
    af_test_output_free(&r);
}

static void test_lint_help_prints_usage_and_exits_0(void **state)
{
    (void)state;
    af_test_output r = run_lint("--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: apifuzz lint SPEC [--json]");
    assert_string_equal(r.err, "");
    af_test_output_free(&r);
}

/* A spec in sub/ whose $ref climbs to ../common.yaml. */
static void test_lint_root_widens_where_refs_may_reach(void **state)
{
    fixture *f = *state;
    char *sub = path_in(f, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    write_spec(f, "common.yaml",
               "Error:\n  type: object\n  properties:\n"
               "    message: {type: string}\n");
    char *spec = write_spec(f, "sub/spec.yaml",
                            "openapi: 3.0.3\n"
                            "info: {title: t, version: '1'}\n"
                            "paths:\n"
                            "  /x:\n"
                            "    get:\n"
                            "      responses:\n"
                            "        '404':\n"
                            "          description: no\n"
                            "          content:\n"
                            "            application/json:\n"
                            "              schema:\n"
                            "                $ref: '../common.yaml#/Error'\n");
    char arg[2400];
    snprintf(arg, sizeof arg, "'%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "$ref leaves the spec's directory");
    assert_contains(r.err, "sub/spec.yaml:12:");
    af_test_output_free(&r);
    snprintf(arg, sizeof arg, "--root '%s' '%s'", f->dir, spec);
    r = run_lint(arg);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "operations: 1\n");
    af_test_output_free(&r);
    r = run_lint("--root");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--root needs a DIR");
    af_test_output_free(&r);
}

static void
test_lint_warns_where_patterns_are_not_generated_exactly(void **state)
{
    fixture *f = *state;
    char *spec =
        write_spec(f, "patterns.yaml",
                   "openapi: 3.0.3\n"
                   "info: {title: t, version: '1'}\n"
                   "paths: {}\n"
                   "components:\n"
                   "  schemas:\n"
                   "    Plain: {type: string, pattern: '^[a-z]+$'}\n"
                   "    Look: {type: string, pattern: '^(?=.*\\d)\\w+$'}\n"
                   "    Back: {type: string, pattern: '^(a)\\1$'}\n");
    char arg[1100];
    snprintf(arg, sizeof arg, "'%s'", spec);
    af_test_output r = run_lint(arg);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "warnings: 2\n");
    assert_contains(r.out, "warning: #/components/schemas/Look: pattern has "
                           "lookarounds or backreferences");
    assert_contains(r.out, "warning: #/components/schemas/Back: pattern has "
                           "lookarounds or backreferences");
    assert_null(strstr(r.out, "schemas/Plain"));
    af_test_output_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_lint_prints_a_summary_of_a_valid_spec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lint_json_output_matches_the_model,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lint_reports_swagger_2_version,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_locates_a_spec_error_and_exits_2, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_json_error_is_an_object_naming_the_place, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_lint_locates_a_json_syntax_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lint_reports_a_missing_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_rejects_hostile_files_without_crashing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_without_a_spec_prints_usage_and_exits_2, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_rejects_unknown_options_and_two_specs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lint_help_prints_usage_and_exits_0,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_root_widens_where_refs_may_reach, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lint_warns_where_patterns_are_not_generated_exactly, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
