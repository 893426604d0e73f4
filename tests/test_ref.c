/*
 * test_ref.c - JSON pointers, URI resolution and $ref resolution over a
 * docset: relative files, confinement, remotes, identifiers, errors.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/doc.h"
#include "spec/ref.h"

/* ---- helpers ------------------------------------------------------------ */

/* Paths created under the temporary tree, removed in reverse order. */
static char *created[64];
static int n_created;

static void remember(const char *path)
{
    assert_true(n_created < 64);
    created[n_created++] = strdup(path);
}

static char *path_in(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

/* Writes dir/rel, creating the directories on the way. */
static void put(const char *dir, const char *rel, const char *text)
{
    char *p = path_in(dir, rel);
    for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        struct stat st;
        if (stat(p, &st) != 0) {
            assert_int_equal(mkdir(p, 0700), 0);
            remember(p);
        }
        *s = '/';
    }
    assert_int_equal(af_test_write_file(p, text), 0);
    remember(p);
    free(p);
}

static void put_link(const char *dir, const char *rel, const char *target)
{
    char *p = path_in(dir, rel);
    assert_int_equal(symlink(target, p), 0);
    remember(p);
    free(p);
}

static char *tree(void)
{
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    n_created = 0;
    return dir;
}

static void tree_free(char *dir)
{
    while (n_created > 0) {
        char *p = created[--n_created];
        if (unlink(p) != 0)
            rmdir(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

static af_docset *open_set(const char *dir, const char *rel,
                           const char *root_dir)
{
    char *p = path_in(dir, rel);
    af_doc *doc = NULL;
    af_error err;
    int rc = af_doc_load_file(p, &doc, &err);
    if (rc != 0)
        fail_msg("%s: %s", p, err.message);
    free(p);
    af_docset *ds = NULL;
    assert_int_equal(af_docset_new(doc, root_dir, &ds, &err), 0);
    return ds;
}

static af_docset *embedded(const char *text)
{
    af_doc *doc = NULL;
    af_error err;
    int rc = af_doc_parse(text, strlen(text), "schema.json", AF_DOC_JSON, &doc,
                          &err);
    if (rc != 0)
        fail_msg("%s", err.message);
    af_docset *ds = NULL;
    assert_int_equal(af_docset_new(doc, "", &ds, &err), 0);
    return ds;
}

/* Resolves ref written at from_pointer of the root; asserts success. */
static af_ref_target ok_at(af_docset *ds, const af_doc *from,
                           const char *from_pointer, const char *ref)
{
    af_ref_target t;
    af_error err;
    af_error_clear(&err);
    int rc = af_ref_resolve(ds, from, from_pointer, NULL, ref, &t, &err);
    if (rc != 0)
        fail_msg("%s: %s", ref, err.message);
    return t;
}

static af_ref_target ok(af_docset *ds, const char *ref)
{
    return ok_at(ds, NULL, "#", ref);
}

static const char *str_at(const cJSON *node, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, key);
    return cJSON_IsString(v) ? v->valuestring : "(none)";
}

/* ---- pointers ----------------------------------------------------------- */

static const char pointer_doc[] =
    "{\"a/b\": {\"m~n\": 1}, \"%\": 2, \"/\": 3, \"c%d\": 4, \"~\": 5,"
    " \"list\": [10, 20, 30], \"\": 6}";

static double num_at(const cJSON *root, const char *pointer)
{
    const cJSON *out = NULL;
    int rc = af_pointer_get(root, pointer, &out);
    if (rc != 0)
        fail_msg("pointer '%s': %d", pointer, rc);
    assert_true(cJSON_IsNumber(out));
    return out->valuedouble;
}

static void test_pointer_unescapes_tilde_slash_and_percent(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse(pointer_doc);
    assert_int_equal(num_at(root, "/a~1b/m~0n"), 1);
    assert_int_equal(num_at(root, "#/a~1b/m~0n"), 1);
    assert_int_equal(num_at(root, "#/%25"), 2);
    assert_int_equal(num_at(root, "#/%2F"), 3);
    assert_int_equal(num_at(root, "#/%7E1"), 3); /* %XX first, then ~1 */
    assert_int_equal(num_at(root, "/~0"), 5);
    assert_int_equal(num_at(root, "/c%d"), 4); /* plain form: no %XX */
    assert_int_equal(num_at(root, "/"), 6);    /* the empty key */
    const cJSON *out = NULL;
    assert_int_equal(af_pointer_get(root, "/~2", &out), AF_EREF);
    assert_int_equal(af_pointer_get(root, "#/%2", &out), AF_EREF);
    assert_null(out);
    cJSON_Delete(root);
}

static void test_pointer_empty_and_hash_name_the_whole_document(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse(pointer_doc);
    const cJSON *out = NULL;
    assert_int_equal(af_pointer_get(root, "", &out), 0);
    assert_ptr_equal(out, root);
    out = NULL;
    assert_int_equal(af_pointer_get(root, "#", &out), 0);
    assert_ptr_equal(out, root);
    assert_int_equal(af_pointer_get(root, "a", &out), AF_EREF);
    cJSON_Delete(root);
}

static void test_pointer_indexes_arrays_in_plain_decimal(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse(pointer_doc);
    assert_int_equal(num_at(root, "/list/0"), 10);
    assert_int_equal(num_at(root, "#/list/2"), 30);
    const cJSON *out;
    assert_int_equal(af_pointer_get(root, "/list/01", &out), AF_EREF);
    assert_int_equal(af_pointer_get(root, "/list/3", &out), AF_EREF);
    assert_int_equal(af_pointer_get(root, "/list/-", &out), AF_EREF);
    assert_int_equal(af_pointer_get(root, "/list/+1", &out), AF_EREF);
    assert_int_equal(af_pointer_get(root, "/list/99999999999999999999", &out),
                     AF_EREF);
    cJSON_Delete(root);
}

static void test_pointer_walk_names_the_missing_member(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse(pointer_doc);
    af_pointer_trace tr;
    assert_int_equal(af_pointer_walk(root, "#/a~1b/no%20pe/x", &tr), AF_EREF);
    assert_string_equal(tr.token, "no pe");
    assert_string_equal(tr.pointer, "/a~1b");
    assert_false(tr.bad_escape);
    assert_int_equal(af_pointer_walk(root, "#/a~1b/m~0n", &tr), 0);
    assert_string_equal(tr.pointer, "/a~1b/m~0n");
    assert_int_equal(af_pointer_walk(root, "#/a~1b/m~0n/deeper", &tr), AF_EREF);
    assert_true(cJSON_IsNumber(tr.last));
    cJSON_Delete(root);
}

static void test_pointer_unescape_decodes_one_token(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(af_pointer_unescape("a~1b~0", 6, out, sizeof out), 4);
    assert_string_equal(out, "a/b~");
    assert_int_equal(af_pointer_unescape("%7E0x", 5, out, sizeof out), 2);
    assert_string_equal(out, "~x");
    assert_int_equal(af_pointer_unescape("a%00b", 5, out, sizeof out), 3);
    assert_int_equal(af_pointer_unescape("~", 1, out, sizeof out), AF_EREF);
    assert_int_equal(af_pointer_unescape("%zz", 3, out, sizeof out), AF_EREF);
    assert_int_equal(af_pointer_unescape("12345678", 8, out, sizeof out),
                     AF_ELIMIT);
}

static void test_pointer_append_escapes_and_refuses_overflow(void **state)
{
    (void)state;
    char buf[16] = "";
    assert_int_equal(af_pointer_append(buf, sizeof buf, "a/b"), 0);
    assert_int_equal(af_pointer_append(buf, sizeof buf, "m~n"), 0);
    assert_string_equal(buf, "/a~1b/m~0n");
    assert_int_equal(af_pointer_append_index(buf, sizeof buf, 42), 0);
    assert_string_equal(buf, "/a~1b/m~0n/42"); /* 13 bytes + NUL */
    assert_int_equal(af_pointer_append(buf, sizeof buf, "xy"), AF_ELIMIT);
    assert_int_equal(af_pointer_append(buf, sizeof buf, "/"), AF_ELIMIT);
    assert_int_equal(af_pointer_append_index(buf, sizeof buf, 10), AF_ELIMIT);
    assert_string_equal(buf, "/a~1b/m~0n/42");
    assert_int_equal(af_pointer_append(buf, sizeof buf, "x"), 0);
    assert_string_equal(buf, "/a~1b/m~0n/42/x"); /* exactly full */
    char tiny[3] = "";
    assert_int_equal(af_pointer_append(tiny, sizeof tiny, "~"), AF_ELIMIT);
    assert_string_equal(tiny, "");
}

/* ---- URIs ---------------------------------------------------------------- */

static void test_uri_resolution_follows_rfc3986_examples(void **state)
{
    (void)state;
    /* RFC 3986 §5.4.1 and §5.4.2 */
    static const char *const cases[][2] = {
        {"g:h", "g:h"},
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"},
        {";x", "http://a/b/c/;x"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g#s/../x", "http://a/b/c/g#s/../x"},
        {"http:g", "http:g"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = af_uri_resolve("http://a/b/c/d;p?q", cases[i][0]);
        assert_non_null(got);
        if (strcmp(got, cases[i][1]) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i][0], got,
                     cases[i][1]);
        free(got);
    }
    char *u = af_uri_resolve("urn:uuid:1234", "#/$defs/a");
    assert_string_equal(u, "urn:uuid:1234#/$defs/a");
    free(u);
    u = af_uri_from_path("/tmp/a b/100%#?.yaml");
    assert_string_equal(u, "file:///tmp/a%20b/100%25%23%3F.yaml");
    free(u);
}

/* ---- files ----------------------------------------------------------------
 */

static const char root_yaml[] = "openapi: 3.0.3\n"                 /* 1 */
                                "info: {title: t, version: '1'}\n" /* 2 */
                                "paths: {}\n"                      /* 3 */
                                "components:\n"                    /* 4 */
                                "  schemas:\n"                     /* 5 */
                                "    Pet:\n"                       /* 6 */
                                "      $ref: 'models/pet.yaml#/Pet'\n"
                                "    Err:\n" /* 8 */
                                "      $ref: './common.yaml#/Error'\n"
                                "    Bad:\n" /* 10 */
                                "      $ref: '#/components/schemas/Nope'\n"
                                "    BadFile:\n" /* 12 */
                                "      $ref: common.yaml#/Nope\n"
                                "    Self:\n" /* 14 */
                                "      $ref: '#/components/schemas/Self'\n";

static const char pet_yaml[] = "Pet:\n"
                               "  type: object\n"
                               "  properties:\n"
                               "    owner:\n"
                               "      $ref: '../common.yaml#/Owner'\n";

static const char common_json[] =
    "{\"Error\": {\"type\": \"object\"}, \"Owner\": {\"type\": \"string\"}}";

static char *three_files(void)
{
    char *dir = tree();
    put(dir, "api/openapi.yaml", root_yaml);
    put(dir, "api/models/pet.yaml", pet_yaml);
    put(dir, "api/common.yaml", common_json);
    put(dir, "outside.yaml", "X: {type: string}\n");
    return dir;
}

static void test_relative_files_resolve_across_three_files(void **state)
{
    (void)state;
    char *dir = three_files();
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    af_ref_target pet =
        ok_at(ds, NULL, "#/components/schemas/Pet", "models/pet.yaml#/Pet");
    assert_string_equal(pet.pointer, "models/pet.yaml#/Pet");
    assert_string_equal(str_at(pet.node, "type"), "object");
    assert_true(strncmp(pet.base_uri, "file:///", 8) == 0);
    assert_non_null(strstr(pet.base_uri, "/api/models/pet.yaml"));

    af_ref_target owner =
        ok_at(ds, pet.doc, "/Pet/properties/owner", "../common.yaml#/Owner");
    assert_string_equal(owner.pointer, "common.yaml#/Owner");
    assert_string_equal(str_at(owner.node, "type"), "string");
    assert_int_equal(af_docset_count(ds), 3);

    af_ref_target err = ok(ds, "./common.yaml#/Error");
    assert_ptr_equal(err.doc, owner.doc); /* loaded once */
    af_ref_target again = ok(ds, "models/../common.yaml#/Owner");
    assert_ptr_equal(again.node, owner.node);
    assert_int_equal(af_docset_count(ds), 3);

    af_ref_target local = ok(ds, "#/components/schemas/Err");
    assert_string_equal(local.pointer, "#/components/schemas/Err");
    assert_string_equal(str_at(local.node, "$ref"), "./common.yaml#/Error");
    af_docset_free(ds);
    tree_free(dir);
}

static void expect_error(af_docset *ds, const af_doc *from, const char *at,
                         const char *ref, int code, const char *message)
{
    af_ref_target t;
    af_error err;
    af_error_clear(&err);
    assert_int_equal(af_ref_resolve(ds, from, at, NULL, ref, &t, &err), code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.message, message);
}

static void test_refs_leaving_the_tree_are_refused(void **state)
{
    (void)state;
    char *dir = three_files();
    put_link(dir, "api/escape.yaml", "../outside.yaml");
    put_link(dir, "api/alias.yaml", "common.yaml");
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    expect_error(ds, NULL, "#", "../outside.yaml#/X", AF_EREF,
                 "$ref leaves the spec's directory: '../outside.yaml#/X'");
    expect_error(ds, NULL, "#", "../../../../etc/passwd", AF_EREF,
                 "$ref leaves the spec's directory: '../../../../etc/passwd'");
    expect_error(ds, NULL, "#", "/etc/passwd", AF_EREF,
                 "$ref leaves the spec's directory: '/etc/passwd'");
    expect_error(ds, NULL, "#", "escape.yaml#/X", AF_EREF,
                 "$ref leaves the spec's directory: 'escape.yaml#/X'");
    assert_int_equal(af_docset_count(ds), 1);
    /* a symlink that stays inside is the file it names, loaded once */
    af_ref_target a = ok(ds, "alias.yaml#/Owner");
    af_ref_target b = ok(ds, "common.yaml#/Owner");
    assert_ptr_equal(a.node, b.node);
    assert_int_equal(af_docset_count(ds), 2);
    af_docset_free(ds);

    /* the same file with the parent as root directory may reach it */
    ds = open_set(dir, "api/openapi.yaml", dir);
    af_ref_target out = ok(ds, "../outside.yaml#/X");
    assert_string_equal(out.pointer, "outside.yaml#/X");
    af_docset_free(ds);
    tree_free(dir);
}

static void test_dangling_refs_name_the_missing_token_at_the_ref(void **state)
{
    (void)state;
    char *dir = three_files();
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    af_ref_target t;
    af_error err;
    assert_int_equal(af_ref_resolve(ds, NULL, "#/components/schemas/Bad", NULL,
                                    "#/components/schemas/Nope", &t, &err),
                     AF_EREF);
    assert_string_equal(err.message, "$ref '#/components/schemas/Nope' points "
                                     "to nothing: no 'Nope' in "
                                     "#/components/schemas");
    assert_string_equal(err.pointer, "#/components/schemas/Bad/$ref");
    assert_non_null(strstr(err.file, "api/openapi.yaml"));
    assert_int_equal(err.line, 11);
    assert_int_equal(err.col, 7);

    assert_int_equal(af_ref_resolve(ds, NULL, "/components/schemas/BadFile",
                                    NULL, "common.yaml#/Nope", &t, &err),
                     AF_EREF);
    assert_string_equal(err.message, "$ref 'common.yaml#/Nope' points to "
                                     "nothing in common.yaml: no 'Nope' in #");
    assert_int_equal(err.line, 13);
    assert_int_equal(err.col, 7);
    assert_string_equal(err.pointer, "#/components/schemas/BadFile/$ref");

    expect_error(ds, NULL, "#", "#/info/title/x", AF_EREF,
                 "$ref '#/info/title/x' points to nothing: no 'x' in "
                 "#/info/title, which is a string");
    expect_error(ds, NULL, "#", "nope.yaml#/X", AF_EREF,
                 "$ref 'nope.yaml#/X' points to nothing: no file nope.yaml");
    af_docset_free(ds);
    tree_free(dir);
}

static void test_unreadable_file_reports_the_ref_and_the_loader(void **state)
{
    (void)state;
    char *dir = three_files();
    put(dir, "api/broken.json", "{\"a\": [1, 2}\n");
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    af_ref_target t;
    af_error err;
    int rc = af_ref_resolve(ds, NULL, "#/components/schemas/Pet", NULL,
                            "broken.json#/a", &t, &err);
    assert_true(rc < 0);
    assert_non_null(strstr(err.file, "api/openapi.yaml"));
    assert_int_equal(err.line, 7);
    const char *prefix = "$ref 'broken.json#/a': cannot load broken.json: ";
    assert_true(strncmp(err.message, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(err.message, "broken.json:1:")); /* loader's */
    af_docset_free(ds);
    tree_free(dir);
}

static void test_remote_refs_are_refused_with_the_ref_named(void **state)
{
    (void)state;
    char *dir = three_files();
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    af_ref_target t;
    af_error err;
    const char *ref = "https://example.com/schemas/pet.json#/Pet";
    assert_int_equal(af_ref_resolve(ds, NULL, "#/components/schemas/Pet", NULL,
                                    ref, &t, &err),
                     AF_EUNSUPPORTED);
    assert_string_equal(err.message, "remote $ref not supported: "
                                     "https://example.com/schemas/pet.json"
                                     "#/Pet");
    assert_int_equal(err.line, 7);
    assert_int_equal(err.col, 7);
    expect_error(ds, NULL, "#", "ftp://host/x.yaml", AF_EUNSUPPORTED,
                 "remote $ref not supported: ftp://host/x.yaml");
    af_docset_free(ds);
    tree_free(dir);
}

static void test_mapped_remote_resolves_under_its_directory(void **state)
{
    (void)state;
    char *dir = tree();
    put(dir, "remotes/integer.json", "{\"type\": \"integer\"}");
    put(dir, "remotes/sub/defs.json",
        "{\"$defs\": {\"a\": {\"$ref\": \"../integer.json\"}}}");
    af_docset *ds = embedded("{\"$ref\": \"http://localhost:1234/sub/"
                             "defs.json#/$defs/a\"}");
    char *remotes = path_in(dir, "remotes");
    af_error err;
    assert_int_equal(
        af_docset_map_remote(ds, "http://localhost:1234/", remotes, &err), 0);
    af_ref_target a = ok(ds, "http://localhost:1234/sub/defs.json#/$defs/a");
    assert_string_equal(a.pointer,
                        "http://localhost:1234/sub/defs.json#/$defs/a");
    assert_string_equal(a.base_uri, "http://localhost:1234/sub/defs.json");
    /* the target is itself a $ref: the caller follows it, from there */
    assert_string_equal(str_at(a.node, "$ref"), "../integer.json");
    af_ref_target i = ok_at(ds, a.doc, "/$defs/a", "../integer.json");
    assert_string_equal(i.pointer, "http://localhost:1234/integer.json#");
    assert_string_equal(str_at(i.node, "type"), "integer");
    assert_int_equal(af_docset_count(ds), 3);
    expect_error(ds, NULL, "#", "http://localhost:1234/none.json", AF_EREF,
                 "$ref 'http://localhost:1234/none.json' points to nothing: "
                 "no file none.json");
    expect_error(ds, NULL, "#", "http://localhost:4321/integer.json",
                 AF_EUNSUPPORTED,
                 "remote $ref not supported: "
                 "http://localhost:4321/integer.json");
    free(remotes);
    af_docset_free(ds);
    tree_free(dir);
}

static void test_embedded_spec_forbids_relative_files(void **state)
{
    (void)state;
    af_docset *ds = embedded("{\"a\": {\"b\": true}}");
    af_ref_target t = ok(ds, "#/a/b");
    assert_true(cJSON_IsTrue(t.node));
    assert_string_equal(t.pointer, "#/a/b");
    expect_error(ds, NULL, "#", "other.yaml#/X", AF_EREF,
                 "relative $ref not allowed for an embedded spec: "
                 "'other.yaml#/X'");
    af_docset_free(ds);
}

/* ---- identifiers ----------------------------------------------------------
 */

static const char ids_2020[] =
    "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
    " \"$id\": \"http://example.com/root.json\","
    " \"$defs\": {"
    "  \"A\": {\"$anchor\": \"foo\", \"type\": \"integer\"},"
    "  \"B\": {\"$id\": \"nested/other.json\", \"$defs\": {"
    "    \"X\": {\"$anchor\": \"bar\", \"type\": \"string\"},"
    "    \"Y\": {\"$id\": \"t/inner.json\", \"type\": \"boolean\"}}},"
    "  \"C\": {\"$id\": \"urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed\","
    "         \"$defs\": {\"D\": {\"type\": \"null\"}}},"
    "  \"E\": {\"enum\": [{\"$id\": \"http://example.com/fake.json\"}]},"
    "  \"F\": {\"$dynamicAnchor\": \"dyn\", \"type\": \"array\"},"
    "  \"p%41q\": {\"$id\": \"pct/\", \"$defs\": {\"z\": {}}}}}";

static void test_2020_ids_and_anchors_resolve_with_nested_bases(void **state)
{
    (void)state;
    af_docset *ds = embedded(ids_2020);
    af_ref_target t = ok(ds, "#foo");
    assert_string_equal(t.pointer, "#/$defs/A");
    assert_string_equal(t.base_uri, "http://example.com/root.json");
    t = ok(ds, "nested/other.json#bar");
    assert_string_equal(t.pointer, "#/$defs/B/$defs/X");
    assert_string_equal(t.base_uri, "http://example.com/nested/other.json");
    t = ok(ds, "http://example.com/nested/t/inner.json");
    assert_string_equal(t.pointer, "#/$defs/B/$defs/Y");
    assert_string_equal(str_at(t.node, "type"), "boolean");
    /* the base at the target is the one before its own $id */
    assert_string_equal(t.base_uri, "http://example.com/nested/other.json");
    /* inside B, relative refs resolve against nested/other.json */
    t = ok_at(ds, NULL, "/$defs/B", "t/inner.json");
    assert_string_equal(t.pointer, "#/$defs/B/$defs/Y");
    t = ok_at(ds, NULL, "#/$defs/B", "#/$defs/X");
    assert_string_equal(t.pointer, "#/$defs/B/$defs/X");
    t = ok(ds, "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed#/$defs/D");
    assert_string_equal(t.pointer, "#/$defs/C/$defs/D");
    t = ok(ds, "#dyn");
    assert_string_equal(t.pointer, "#/$defs/F");
    /* out->pointer is not %-encoded; fed back as from_pointer it works */
    t = ok(ds, "pct/");
    assert_string_equal(t.pointer, "#/$defs/p%41q");
    t = ok_at(ds, NULL, t.pointer, "#/$defs/z");
    assert_string_equal(t.pointer, "#/$defs/p%41q/$defs/z");
    t = ok(ds, "root.json#/$defs/A");
    assert_string_equal(t.pointer, "#/$defs/A");
    expect_error(ds, NULL, "#", "t/inner.json", AF_EUNSUPPORTED,
                 "remote $ref not supported: t/inner.json");
    expect_error(ds, NULL, "#", "http://example.com/fake.json", AF_EUNSUPPORTED,
                 "remote $ref not supported: http://example.com/fake.json");
    expect_error(ds, NULL, "#", "#nope", AF_EREF,
                 "$ref '#nope' points to nothing: no anchor 'nope' in "
                 "http://example.com/root.json");
    af_docset_free(ds);
}

static const char ids_draft4[] =
    "{\"id\": \"http://localhost:1234/root\","
    " \"definitions\": {"
    "  \"A\": {\"id\": \"#foo\", \"type\": \"integer\"},"
    "  \"B\": {\"id\": \"nested/\", \"definitions\": {"
    "    \"C\": {\"id\": \"#bar\", \"type\": \"string\"}}},"
    "  \"R\": {\"id\": \"ignored/\", \"$ref\": \"#foo\"},"
    "  \"S\": {\"$id\": \"#notdraft4\"}}}";

static void test_draft4_id_and_hash_anchor_resolve(void **state)
{
    (void)state;
    af_docset *ds = embedded(ids_draft4);
    af_docset_set_default_schema(ds, "http://json-schema.org/draft-04/schema#");
    af_ref_target t = ok(ds, "#foo");
    assert_string_equal(t.pointer, "#/definitions/A");
    t = ok(ds, "nested/#bar");
    assert_string_equal(t.pointer, "#/definitions/B/definitions/C");
    assert_string_equal(t.base_uri, "http://localhost:1234/nested/");
    t = ok_at(ds, NULL, "#/definitions/B", "#bar");
    assert_string_equal(t.pointer, "#/definitions/B/definitions/C");
    /* beside $ref, id does not change the base (drafts 4-7) */
    t = ok_at(ds, NULL, "#/definitions/R", "#foo");
    assert_string_equal(t.pointer, "#/definitions/A");
    expect_error(ds, NULL, "#", "#notdraft4", AF_EREF,
                 "$ref '#notdraft4' points to nothing: no anchor "
                 "'notdraft4' in http://localhost:1234/root");
    af_docset_free(ds);
}

static void test_self_referencing_ref_resolves_without_looping(void **state)
{
    (void)state;
    char *dir = three_files();
    af_docset *ds = open_set(dir, "api/openapi.yaml", NULL);
    const cJSON *self = NULL;
    assert_int_equal(af_pointer_get(af_docset_root(ds)->root,
                                    "/components/schemas/Self", &self),
                     0);
    af_ref_target t = ok_at(ds, NULL, "#/components/schemas/Self",
                            "#/components/schemas/Self");
    assert_ptr_equal(t.node, self);
    for (int i = 0; i < 3; i++)
        t = ok_at(ds, t.doc, t.pointer, str_at(t.node, "$ref"));
    assert_ptr_equal(t.node, self);
    af_docset_free(ds);
    tree_free(dir);
}

/* ---- the shared test data -------------------------------------------------
 */

typedef struct ref_walk {
    af_docset *ds;
    const af_doc *docs[32];
    int n_docs;
    int n_refs;
    int n_failed;
} ref_walk;

static void note_doc(ref_walk *w, const af_doc *doc)
{
    for (int i = 0; i < w->n_docs; i++)
        if (w->docs[i] == doc)
            return;
    if (w->n_docs < 32)
        w->docs[w->n_docs++] = doc;
}

static void resolve_all(ref_walk *w, const af_doc *doc, const cJSON *node,
                        char *ptr, size_t cap)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
    if (cJSON_IsString(ref)) {
        af_ref_target t;
        af_error err;
        w->n_refs++;
        if (af_ref_resolve(w->ds, doc, ptr, NULL, ref->valuestring, &t, &err) !=
            0) {
            char buf[1024];
            print_message("%s\n", af_error_format(&err, buf, sizeof buf));
            w->n_failed++;
        } else {
            note_doc(w, t.doc);
        }
    }
    size_t len = strlen(ptr), i = 0;
    for (const cJSON *ch = node->child; ch != NULL; ch = ch->next, i++) {
        int rc = cJSON_IsObject(node) ? af_pointer_append(ptr, cap, ch->string)
                                      : af_pointer_append_index(ptr, cap, i);
        assert_int_equal(rc, 0);
        resolve_all(w, doc, ch, ptr, cap);
        ptr[len] = '\0';
    }
}

static void test_petstore_separate_refs_all_resolve(void **state)
{
    (void)state;
    const char *data = af_test_testdata();
    if (data == NULL)
        af_test_skip_no_testdata();
    char *top = path_in(data, "openapi-examples/v2.0/json/petstore-separate");
    af_docset *ds = open_set(top, "spec/swagger.json", top);
    ref_walk w = {.ds = ds};
    note_doc(&w, af_docset_root(ds));
    for (int i = 0; i < w.n_docs; i++) {
        char ptr[1024] = "#";
        resolve_all(&w, w.docs[i], w.docs[i]->root, ptr, sizeof ptr);
    }
    assert_int_equal(w.n_failed, 0);
    assert_int_equal(w.n_refs, 11);
    assert_int_equal(af_docset_count(ds), 5);
    af_test_info("petstore-separate: %d $refs resolved across %zu files",
                 w.n_refs, af_docset_count(ds));
    af_docset_free(ds);

    /* with the default root (spec/), ../common/Error.json is outside */
    ds = open_set(top, "spec/swagger.json", NULL);
    expect_error(ds, NULL, "#", "../common/Error.json", AF_EREF,
                 "$ref leaves the spec's directory: '../common/Error.json'");
    af_docset_free(ds);
    free(top);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointer_unescapes_tilde_slash_and_percent),
        cmocka_unit_test(test_pointer_empty_and_hash_name_the_whole_document),
        cmocka_unit_test(test_pointer_indexes_arrays_in_plain_decimal),
        cmocka_unit_test(test_pointer_walk_names_the_missing_member),
        cmocka_unit_test(test_pointer_unescape_decodes_one_token),
        cmocka_unit_test(test_pointer_append_escapes_and_refuses_overflow),
        cmocka_unit_test(test_uri_resolution_follows_rfc3986_examples),
        cmocka_unit_test(test_relative_files_resolve_across_three_files),
        cmocka_unit_test(test_refs_leaving_the_tree_are_refused),
        cmocka_unit_test(test_dangling_refs_name_the_missing_token_at_the_ref),
        cmocka_unit_test(test_unreadable_file_reports_the_ref_and_the_loader),
        cmocka_unit_test(test_remote_refs_are_refused_with_the_ref_named),
        cmocka_unit_test(test_mapped_remote_resolves_under_its_directory),
        cmocka_unit_test(test_embedded_spec_forbids_relative_files),
        cmocka_unit_test(test_2020_ids_and_anchors_resolve_with_nested_bases),
        cmocka_unit_test(test_draft4_id_and_hash_anchor_resolve),
        cmocka_unit_test(test_self_referencing_ref_resolves_without_looping),
        cmocka_unit_test(test_petstore_separate_refs_all_resolve),
    };
    return cmocka_run_group_tests_name("ref", tests, NULL, NULL);
}
