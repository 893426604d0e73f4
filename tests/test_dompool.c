/*
 * test_dompool.c - the memory of a parsed tree (dompool.c) as the loader
 * uses it: nodes and strings in the doc's pool, strings shared once
 * interned, cJSON back on malloc after a parse, and a file's text let go
 * (and read again to locate an error), whether the file is mapped or read.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec/doc.h"

/* A JSON array of n objects alike but for "name", then tail. Its strings
   take over 4 MB (the size from which a JSON doc's strings are interned)
   for n >= 25000. malloc'd. */
static char *big_json(int n, const char *tail)
{
    static const char desc[] =
        "A description long enough that copying it for every element "
        "would show: the same words, over and over, in every object of "
        "this array, as descriptions repeat in big specs.";
    size_t cap = (size_t)n * (sizeof desc + 96) + strlen(tail) + 16;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t len = 0;
    s[len++] = '[';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "{\"type\": \"string\", \"name\": \"n%d\", "
                                "\"description\": \"%s\"},\n",
                                i, desc);
    len += (size_t)snprintf(s + len, cap - len, "%s]", tail);
    assert_true(len < cap);
    return s;
}

static af_doc *parse_ok(const char *text, af_doc_format fmt)
{
    af_doc *doc = NULL;
    af_error err;
    af_error_clear(&err);
    if (af_doc_parse(text, strlen(text), "t", fmt, &doc, &err) != 0)
        fail_msg("%s", err.message);
    return doc;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    assert_non_null(m);
    return m;
}

static void test_big_json_doc_shares_equal_strings(void **state)
{
    (void)state;
    char *text = big_json(30000, "{\"last\": true}");
    assert_true(strlen(text) > ((size_t)4 << 20));
    af_doc *doc = parse_ok(text, AF_DOC_JSON);
    const cJSON *a = cJSON_GetArrayItem(doc->root, 0);
    const cJSON *b = cJSON_GetArrayItem(doc->root, 29999);
    assert_ptr_equal(member(a, "type")->valuestring,
                     member(b, "type")->valuestring);
    assert_ptr_equal(member(a, "description")->string,
                     member(b, "description")->string);
    assert_ptr_equal(member(a, "description")->valuestring,
                     member(b, "description")->valuestring);
    assert_string_equal(member(a, "name")->valuestring, "n0");
    assert_string_equal(member(b, "name")->valuestring, "n29999");
    assert_true(
        cJSON_IsTrue(member(cJSON_GetArrayItem(doc->root, 30000), "last")));
    af_doc_free(doc);
    free(text);
}

static void test_big_json_doc_still_finds_a_duplicate_key(void **state)
{
    (void)state;
    char *text = big_json(30000, "{\"k\": 1, \"x\": 2, \"k\": 3}");
    af_doc *doc = (af_doc *)1;
    af_error err;
    int rc =
        af_doc_parse(text, strlen(text), "big.json", AF_DOC_JSON, &doc, &err);
    assert_int_equal(rc, AF_ESYNTAX);
    assert_null(doc);
    assert_string_equal(err.pointer, "#/30000/k");
    assert_int_equal(err.line, 30001);
    assert_non_null(strstr(err.message, "duplicate key 'k'"));
    free(text);
}

static void test_yaml_doc_shares_equal_strings(void **state)
{
    (void)state;
    af_doc *doc = parse_ok("a: {type: string, format: uuid}\n"
                           "b:\n  type: string\n  format: date\n",
                           AF_DOC_YAML);
    const cJSON *a = member(doc->root, "a"), *b = member(doc->root, "b");
    assert_ptr_equal(member(a, "type")->string, member(b, "type")->string);
    assert_ptr_equal(member(a, "type")->valuestring,
                     member(b, "type")->valuestring);
    assert_string_equal(member(a, "format")->valuestring, "uuid");
    assert_string_equal(member(b, "format")->valuestring, "date");
    af_doc_free(doc);
}

/* After a parse cJSON allocates with malloc again: its trees and copies
   of the doc's nodes can be deleted (ASan checks every free). */
static void test_cjson_uses_malloc_again_after_a_parse(void **state)
{
    (void)state;
    af_doc *doc =
        parse_ok("{\"a\": {\"b\": [1, \"two\", {\"c\": null}]}}", AF_DOC_JSON);
    cJSON *copy = cJSON_Duplicate(member(doc->root, "a"), 1);
    assert_non_null(copy);
    af_doc_free(doc);
    cJSON *fresh = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(fresh, "k", "v"));
    assert_true(cJSON_AddItemToObject(fresh, "copy", copy));
    char *printed = cJSON_PrintUnformatted(fresh);
    assert_string_equal(
        printed, "{\"k\":\"v\",\"copy\":{\"b\":[1,\"two\",{\"c\":null}]}}");
    free(printed);
    cJSON_Delete(fresh);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    assert_non_null(path);
    snprintf(path, n, "%s/%s", dir, name);
    assert_int_equal(af_test_write_file(path, text), 0);
    return path;
}

static void
test_file_doc_lets_go_of_its_text_and_locates_from_the_file(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    const char *text = "{\n  \"a\": 1,\n  \"b\": [true,\n        false]\n}\n";
    char *path = write_tmp(dir, "spec.json", text);
    af_doc *doc = NULL;
    af_error err;
    assert_int_equal(af_doc_load_file(path, &doc, &err), 0);
    assert_null(doc->text);
    assert_int_equal(doc->len, strlen(text));
    int line, col;
    af_doc_locate(doc, "#/b/1", &line, &col);
    assert_int_equal(line, 4);
    assert_int_equal(col, 9);
    /* a file that changed since it was parsed locates nothing */
    assert_int_equal(af_test_write_file(path, "{\"b\": [1, 2]}"), 0);
    af_doc_locate(doc, "#/b/1", &line, &col);
    assert_int_equal(line, 0);
    assert_int_equal(col, 0);
    af_doc_free(doc);
    unlink(path);
    free(path);
    rmdir(dir);
    free(dir);
}

/* A file is mapped unless its size is a multiple of the page size (its
   NUL would lie past the mapping): both load alike, and text after the
   JSON value is an error either way. */
static void test_files_mapped_or_read_load_alike(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    long page = sysconf(_SC_PAGESIZE);
    assert_true(page > 64 && page < 1 << 20);
    char *text = malloc((size_t)page + 2);
    assert_non_null(text);
    for (long extra = 0; extra <= 1; extra++) {
        memset(text, ' ', (size_t)(page + extra));
        memcpy(text, "{\"a\": [1, 2]}", 13);
        text[page + extra] = '\0';
        char *path = write_tmp(dir, "pad.json", text);
        af_doc *doc = NULL;
        af_error err;
        assert_int_equal(af_doc_load_file(path, &doc, &err), 0);
        assert_int_equal(doc->len, (size_t)(page + extra));
        assert_int_equal(cJSON_GetArraySize(member(doc->root, "a")), 2);
        af_doc_free(doc);
        text[page + extra - 1] = 'x';
        assert_int_equal(af_test_write_file(path, text), 0);
        assert_int_equal(af_doc_load_file(path, &doc, &err), AF_ESYNTAX);
        assert_non_null(strstr(err.message, "near 'x'"));
        unlink(path);
        free(path);
    }
    free(text);
    rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_json_doc_shares_equal_strings),
        cmocka_unit_test(test_big_json_doc_still_finds_a_duplicate_key),
        cmocka_unit_test(test_yaml_doc_shares_equal_strings),
        cmocka_unit_test(test_cjson_uses_malloc_again_after_a_parse),
        cmocka_unit_test(
            test_file_doc_lets_go_of_its_text_and_locates_from_the_file),
        cmocka_unit_test(test_files_mapped_or_read_load_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
