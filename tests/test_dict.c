/*
 * test_dict.c - `apifuzz dict` and `apifuzz seeds` end to end: runs the
 * built command ($O/asan/apifuzz) on a small spec written to a temporary
 * folder and checks the dictionary's tokens (path pieces, names, enum
 * values, examples, format literals, media types, header names), its
 * escapes, length bound, order and deduplication; the seed files (named
 * by SHA-1, decodable by `apifuzz show`, one per operation, the
 * producer -> consumer pair, enum variants, the empty input), that a
 * second run adds nothing, the modes, and the usage errors (exit 2).
 */
#include "testutil.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char spec_yaml[] =
    "openapi: 3.0.3\n"
    "info: {title: Dict, version: '1.0'}\n"
    "paths:\n"
    "  /shelves/{shelf_id}/books.json:\n"
    "    get:\n"
    "      operationId: listBooks\n"
    "      parameters:\n"
    "        - {name: shelf_id, in: path, required: true,\n"
    "           schema: {type: integer}}\n"
    "        - {name: sort, in: query,\n"
    "           schema: {type: string, enum: [title, \"say \\\"hi\\\"\"]}}\n"
    "      responses:\n"
    "        '200':\n"
    "          description: ok\n"
    "          headers: {X-Rate-Limit: {schema: {type: integer}}}\n"
    "  /books:\n"
    "    post:\n"
    "      operationId: addBook\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/json:\n"
    "            schema:\n"
    "              type: object\n"
    "              required: [title, genre]\n"
    "              properties:\n"
    "                title: {type: string, example: \"caf\\xe9\\\\x\"}\n"
    "                genre: {type: string, enum: [novel, poetry, essay]}\n"
    "                added: {type: string, format: date-time}\n"
    "                note: {type: string, example: "
    "\"0123456789012345678901234567890123456789012345678901234567890123"
    "456789\"}\n"
    "      responses:\n"
    "        '201':\n"
    "          description: created\n"
    "          content:\n"
    "            application/json:\n"
    "              schema:\n"
    "                type: object\n"
    "                properties: {id: {type: integer}, title: {type: "
    "string}}\n"
    "  /books/{id}:\n"
    "    get:\n"
    "      operationId: getBook\n"
    "      parameters:\n"
    "        - {name: id, in: path, required: true, schema: {type: "
    "integer}}\n"
    "      responses: {'200': {description: ok}}\n";

typedef struct fixture {
    char *dir;
    char spec[1024];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->dir = af_test_tmpdir();
    *state = f;
    if (f->dir == NULL)
        return -1;
    snprintf(f->spec, sizeof f->spec, "%s/spec.yaml", f->dir);
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

/* Runs the command line tmpl with {spec} and {dir} replaced by the
   spec's path and dir (quote them in tmpl). */
static af_test_output run(const char *tmpl, const fixture *f, const char *dir)
{
    char args[4096];
    size_t n = 0;
    for (const char *p = tmpl; *p != 0 && n + 1200 < sizeof args;) {
        if (strncmp(p, "{spec}", 6) == 0) {
            n += (size_t)snprintf(args + n, sizeof args - n, "%s", f->spec);
            p += 6;
        } else if (strncmp(p, "{dir}", 5) == 0) {
            n += (size_t)snprintf(args + n, sizeof args - n, "%s", dir);
            p += 5;
        } else {
            args[n++] = *p++;
        }
    }
    args[n] = 0;
    af_test_output r;
    af_test_run_bin(args, &r);
    return r;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("expected \"%s\" in:\n%s", needle, haystack);
}

/* The position of the line `"token"` in the dictionary, or -1. */
static long line_of(const char *dict, const char *token)
{
    char want[256];
    snprintf(want, sizeof want, "\n\"%s\"\n", token);
    const char *p = strstr(dict, want);
    return p == NULL ? -1 : p - dict;
}

static void test_dict_lists_the_words_of_the_spec(void **state)
{
    af_test_output r = run("dict '{spec}'", *state, "");
    assert_int_equal(r.status, 0);
    static const char *const tokens[] = {
        "shelves",      "books.json",
        "shelf_id",     "sort",
        "title",        "books",
        "genre",        "novel",
        "poetry",       "essay",
        "added",        "note",
        "id",           "application/json",
        "X-Rate-Limit", "2024-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
        if (line_of(r.out, tokens[i]) < 0)
            fail_msg("token \"%s\" missing from:\n%s", tokens[i], r.out);
    /* path pieces first, in document order; format literals last */
    assert_true(line_of(r.out, "shelves") < line_of(r.out, "books.json"));
    assert_true(line_of(r.out, "genre") <
                line_of(r.out, "2024-01-01T00:00:00Z"));
    af_test_output_free(&r);
}

static void test_dict_escapes_quotes_backslashes_and_non_ascii(void **state)
{
    af_test_output r = run("dict '{spec}'", *state, "");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "\n\"say \\\"hi\\\"\"\n");
    assert_contains(r.out, "\n\"caf\\xC3\\xA9\\\\x\"\n");
    for (const unsigned char *p = (const unsigned char *)r.out; *p; p++)
        if (*p != '\n' && (*p < 0x20 || *p >= 0x7f))
            fail_msg("raw byte 0x%02x in the dictionary", *p);
    af_test_output_free(&r);
}

static void test_dict_keeps_tokens_unique_and_short(void **state)
{
    af_test_output r = run("dict '{spec}'", *state, "");
    assert_int_equal(r.status, 0);
    const char *first = strstr(r.out, "\n\"title\"\n");
    assert_null(strstr(first + 1, "\n\"title\"\n"));
    assert_null(strstr(r.out, "0123456789012345678901234567890123456789"
                              "0123456789012345678901234567"));
    unsigned n = 0;
    for (const char *p = strchr(r.out, '\n'); p != NULL;
         p = strchr(p + 1, '\n'))
        n += p[1] == '"';
    char head[64];
    snprintf(head, sizeof head, "# apifuzz dict: %u tokens\n", n);
    assert_contains(r.out, head);
    af_test_output_free(&r);
}

static void test_dict_is_deterministic(void **state)
{
    af_test_output a = run("dict '{spec}'", *state, "");
    af_test_output b = run("dict '{spec}'", *state, "");
    assert_string_equal(a.out, b.out);
    af_test_output_free(&a);
    af_test_output_free(&b);
}

/* The names of the files in dir (sorted), NULL-terminated. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **names = calloc(1024, sizeof *names);
    assert_non_null(names);
    *n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && *n < 1023;)
        if (e->d_name[0] != '.')
            names[(*n)++] = strdup(e->d_name);
    closedir(d);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void test_seeds_are_named_by_sha1_and_decode(void **state)
{
    fixture *f = *state;
    char dir[1200], cmd[4096];
    snprintf(dir, sizeof dir, "%s/seeds/nested", f->dir);
    af_test_output r = run("seeds '{spec}' '{dir}'", f, dir);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "apifuzz seeds: ");
    af_test_output_free(&r);
    size_t n;
    char **names = list_dir(dir, &n);
    assert_true(n >= 6); /* 3 ops x 2 modes + pair + empty, deduplicated */
    bool has_empty = false;
    for (size_t i = 0; i < n; i++) {
        has_empty |=
            strcmp(names[i], "da39a3ee5e6b4b0d3255bfef95601890afd80709") == 0;
        snprintf(cmd, sizeof cmd,
                 "test \"$(sha1sum < '%s/%s' | cut -c1-40)\" = '%s'", dir,
                 names[i], names[i]);
        af_test_output s;
        if (af_test_run(cmd, &s) != 0)
            fail_msg("%s is not named by the SHA-1 of its bytes", names[i]);
        af_test_output_free(&s);
    }
    assert_true(has_empty);
    free_list(names, n);
    r = run("show '{spec}' --mixed --format curl '{dir}'/*", f, dir);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "-X 'POST' 'http://localhost/books'");
    assert_contains(r.out, "-X 'GET' 'http://localhost/books/");
    assert_contains(r.out, "/shelves/");
    assert_contains(r.out, "\"genre\":\"poetry\""); /* an enum variant */
    assert_contains(r.out, "2 calls");              /* addBook -> getBook */
    af_test_output_free(&r);
}

static void test_seeds_rerun_adds_nothing(void **state)
{
    fixture *f = *state;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/again", f->dir);
    af_test_output r = run("seeds '{spec}' '{dir}'", f, dir);
    assert_int_equal(r.status, 0);
    af_test_output_free(&r);
    r = run("seeds '{spec}' '{dir}'", f, dir);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, " (0 new) ");
    af_test_output_free(&r);
}

static void test_seeds_follow_the_mode(void **state)
{
    fixture *f = *state;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/neg", f->dir);
    af_test_output r = run("seeds '{spec}' '{dir}' --mode negative", f, dir);
    assert_int_equal(r.status, 0);
    af_test_output_free(&r);
    r = run("show '{spec}' --negative --format curl '{dir}'/*", f, dir);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "(positive)"));
    af_test_output_free(&r);
    snprintf(dir, sizeof dir, "%s/pos", f->dir);
    r = run("seeds '{spec}' '{dir}' --mode positive --calls 1", f, dir);
    assert_int_equal(r.status, 0);
    af_test_output_free(&r);
    r = run("show '{spec}' '{dir}'/*", f, dir);
    assert_null(strstr(r.out, "(negative"));
    assert_null(strstr(r.out, "2 calls"));
    af_test_output_free(&r);
}

static void test_usage_errors_exit_2(void **state)
{
    static const char *const bad[] = {
        "dict",
        "dict '{spec}' extra",
        "dict '{spec}' --bogus",
        "dict /no/such/spec.yaml",
        "seeds '{spec}'",
        "seeds '{spec}' '{dir}' --mode sideways",
        "seeds '{spec}' '{dir}' --calls 0",
        "seeds '{spec}' '{dir}' --negative",
        "seeds '{spec}' /dev/null/x",
    };
    fixture *f = *state;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/usage", f->dir);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        af_test_output r = run(bad[i], f, dir);
        if (r.status != 2)
            fail_msg("'%s' exited %d, not 2", bad[i], r.status);
        assert_true(strlen(r.err) > 0);
        af_test_output_free(&r);
    }
    af_test_output r = run("dict --help", f, "");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: apifuzz dict SPEC");
    af_test_output_free(&r);
    r = run("seeds --help", f, "");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "--mode");
    af_test_output_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dict_lists_the_words_of_the_spec),
        cmocka_unit_test(test_dict_escapes_quotes_backslashes_and_non_ascii),
        cmocka_unit_test(test_dict_keeps_tokens_unique_and_short),
        cmocka_unit_test(test_dict_is_deterministic),
        cmocka_unit_test(test_seeds_are_named_by_sha1_and_decode),
        cmocka_unit_test(test_seeds_rerun_adds_nothing),
        cmocka_unit_test(test_seeds_follow_the_mode),
        cmocka_unit_test(test_usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
