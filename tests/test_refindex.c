/*
 * test_refindex.c - the indexes behind $ref resolution (refindex.c): the
 * resolution cache, the member index of big objects (af_docset_member and
 * pointer walks through it) and the identifier index of documents with
 * and without `$id`s.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/doc.h"
#include "spec/ref.h"

static af_docset *embedded(const char *text)
{
    af_doc *doc = NULL;
    af_error err;
    af_error_clear(&err);
    if (af_doc_parse(text, strlen(text), "spec.json", AF_DOC_JSON, &doc,
                     &err) != 0)
        fail_msg("%s", err.message);
    af_docset *ds = NULL;
    assert_int_equal(af_docset_new(doc, "", &ds, &err), 0);
    return ds;
}

static af_ref_target resolve_ok(af_docset *ds, const char *from,
                                const char *ref)
{
    af_ref_target t;
    af_error err;
    af_error_clear(&err);
    if (af_ref_resolve(ds, NULL, from, NULL, ref, &t, &err) != 0)
        fail_msg("%s: %s", ref, err.message);
    return t;
}

/* {"openapi": "3.0.3", "defs": {"k0": {"v": 0}, ... "k<n-1>": ...,
   "a/b": {"v": -1}, "m~n": {"v": -2}}}, malloc'd. */
static char *many_defs(int n)
{
    size_t cap = (size_t)n * 32 + 128;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t len =
        (size_t)snprintf(s, cap, "{\"openapi\": \"3.0.3\", \"defs\": {");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "\"k%d\": {\"v\": %d}, ", i,
                                i);
    snprintf(s + len, cap - len,
             "\"a/b\": {\"v\": -1}, \"m~n\": {\"v\": -2}}}");
    return s;
}

static double v_of(const af_ref_target *t)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t->node, "v");
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void test_repeated_ref_resolves_to_the_same_target(void **state)
{
    (void)state;
    char *text = many_defs(50);
    af_docset *ds = embedded(text);
    af_ref_target a = resolve_ok(ds, "#/x", "#/defs/k7");
    af_ref_target b = resolve_ok(ds, "#/y/z", "#/defs/k7");
    assert_ptr_equal(a.node, b.node);
    assert_string_equal(a.pointer, "#/defs/k7");
    assert_string_equal(b.pointer, "#/defs/k7");
    assert_string_equal(a.base_uri, b.base_uri);
    assert_int_equal(v_of(&b), 7);
    af_docset_free(ds);
    free(text);
}

static void test_walks_through_big_objects_find_every_member(void **state)
{
    (void)state;
    char *text = many_defs(300);
    af_docset *ds = embedded(text);
    char ref[32];
    for (int i = 0; i < 300; i += 37) {
        snprintf(ref, sizeof ref, "#/defs/k%d", i);
        af_ref_target t = resolve_ok(ds, NULL, ref);
        assert_int_equal(v_of(&t), i);
    }
    af_ref_target t = resolve_ok(ds, NULL, "#/defs/a~1b");
    assert_true(v_of(&t) == -1);
    t = resolve_ok(ds, NULL, "#/defs/m~0n");
    assert_true(v_of(&t) == -2);
    assert_string_equal(t.pointer, "#/defs/m~0n");
    af_error err;
    assert_int_equal(
        af_ref_resolve(ds, NULL, "#/p", NULL, "#/defs/k300", &t, &err),
        AF_EREF);
    assert_non_null(strstr(err.message, "no 'k300' in #/defs"));
    af_docset_free(ds);
    free(text);
}

/* af_docset_member answers as cJSON does, for objects of every size, in
   the set's documents (hashed when big) and outside them (scanned). */
static void test_docset_member_agrees_with_cjson(void **state)
{
    (void)state;
    char *text = many_defs(40);
    af_docset *ds = embedded(text);
    const cJSON *defs =
        cJSON_GetObjectItemCaseSensitive(af_docset_root(ds)->root, "defs");
    cJSON *outside = cJSON_Duplicate(defs, 1);
    const cJSON *objs[] = {defs, outside};
    char key[16];
    for (size_t o = 0; o < 2; o++) {
        for (int i = 0; i < 45; i++) {
            snprintf(key, sizeof key, "k%d", i);
            assert_ptr_equal(af_docset_member(ds, objs[o], key),
                             cJSON_GetObjectItemCaseSensitive(objs[o], key));
        }
        assert_non_null(af_docset_member(ds, objs[o], "m~n"));
        assert_null(af_docset_member(ds, objs[o], ""));
    }
    const cJSON *small = cJSON_GetObjectItemCaseSensitive(defs, "k3");
    assert_ptr_equal(af_docset_member(NULL, small, "v"), small->child);
    assert_null(af_docset_member(ds, cJSON_GetArrayItem(defs, 0), "nope"));
    assert_null(af_docset_member(ds, small->child, "v")); /* not an object */
    cJSON_Delete(outside);
    af_docset_free(ds);
    free(text);
}

/* A document without identifiers is not indexed, yet one whose `$id`
   hides deep inside resolves through it. */
static void test_ids_are_found_only_where_they_are(void **state)
{
    (void)state;
    af_docset *plain = embedded("{\"openapi\": \"3.1.0\", \"components\": "
                                "{\"schemas\": {\"A\": {\"properties\": "
                                "{\"$id\": {\"type\": \"string\"}}}}}}");
    af_ref_target t =
        resolve_ok(plain, NULL, "#/components/schemas/A/properties/$id");
    assert_string_equal(t.pointer, "#/components/schemas/A/properties/$id");
    af_error err;
    assert_int_equal(af_ref_resolve(plain, NULL, "#/x", NULL,
                                    "http://example.com/a#/", &t, &err),
                     AF_EUNSUPPORTED);
    af_docset_free(plain);
    af_docset *with_id =
        embedded("{\"openapi\": \"3.1.0\", \"components\": {\"schemas\": "
                 "{\"A\": {\"$id\": \"http://example.com/a\", \"$defs\": "
                 "{\"B\": {\"type\": \"integer\"}}}}}}");
    t = resolve_ok(with_id, NULL, "http://example.com/a#/$defs/B");
    assert_string_equal(t.pointer, "#/components/schemas/A/$defs/B");
    assert_string_equal(t.base_uri, "http://example.com/a");
    af_docset_free(with_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeated_ref_resolves_to_the_same_target),
        cmocka_unit_test(test_walks_through_big_objects_find_every_member),
        cmocka_unit_test(test_docset_member_agrees_with_cjson),
        cmocka_unit_test(test_ids_are_found_only_where_they_are),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
