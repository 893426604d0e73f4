/*
 * test_testdata_specs.c - acceptance of issue 2: every spec of the shared
 * testdata loads and compiles with af_model_load, or fails with the
 * located error this file expects for it (the table below, each entry with
 * the reason the spec really is invalid, checked by reading the spec).
 *
 * Specs are the .json/.yaml/.yml files under openapi-examples/ (but not
 * meta-schemas/, which are JSON Schemas of OpenAPI itself, not API
 * descriptions), schemathesis-example/ and real-world-specs/. In
 * petstore-separate/ only spec/swagger.json and spec/swagger.yaml are
 * specs; the other files there are fragments they $ref (a bare schema, a
 * map of parameters), loaded through those roots. Those two roots $ref
 * ../common/Error.*, outside their own folder, so af_model_load rejects
 * them (issue 2 confines relative $refs to the root file's folder); the
 * test checks that they load once the confinement root is widened to
 * petstore-separate/ (af_model_load_root; `apifuzz lint --root`). One
 * cmocka case per
 * folder; every failure names the file and the error, and the run prints
 * "N of M specs loaded (K expected failures)".
 */
#include "testutil.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec/model.h"

typedef struct expected_failure {
    const char *file;   /* path under the testdata folder */
    const char *substr; /* must occur in the formatted error */
    const char *reason; /* why the spec is rejected (verified) */
    /* When set: the spec is valid and only leaves the directory tree its
       $refs are confined to; with this folder (under the testdata) as the
       confinement root, af_model_load_root must load it. */
    const char *loads_with_root;
} expected_failure;

#define SEPARATE(fmt)                                                          \
    {                                                                          \
        "openapi-examples/v2.0/" fmt "/petstore-separate/spec/swagger." fmt,   \
            "$ref leaves the spec's directory: '../common/Error." fmt "'",     \
            "valid Swagger 2.0, but its default response $refs "               \
            "../common/Error." fmt                                             \
            ", outside spec/, the root file's folder, to "                     \
            "which issue 2 confines relative $refs",                           \
            "openapi-examples/v2.0/" fmt "/petstore-separate"                  \
    }

static const expected_failure expected_failures[] = {
    SEPARATE("json"),
    SEPARATE("yaml"),
    {"real-world-specs/emb__ocvn-rest.json",
     "$ref '#/definitions/TextSearchRequest' points to nothing",
     "8 parameters use \"$ref\": \"#/definitions/TextSearchRequest\" but "
     "definitions has no TextSearchRequest (a dangling $ref, as "
     "SOURCES.md says)",
     NULL},
};

typedef struct tally {
    unsigned n_specs, n_loaded, n_expected, n_bad;
} tally;

static tally total;

typedef struct path_list {
    char **paths;
    size_t n, cap;
} path_list;

static bool has_spec_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL &&
           (strcmp(dot, ".json") == 0 || strcmp(dot, ".yaml") == 0 ||
            strcmp(dot, ".yml") == 0);
}

/* petstore-separate's fragments are loaded through spec/swagger.*. */
static bool is_spec_path(const char *rel)
{
    if (strstr(rel, "/meta-schemas/") != NULL ||
        strncmp(rel, "meta-schemas/", 13) == 0)
        return false;
    const char *sep = strstr(rel, "petstore-separate/");
    if (sep != NULL) {
        const char *rest = sep + strlen("petstore-separate/");
        return strcmp(rest, "spec/swagger.json") == 0 ||
               strcmp(rest, "spec/swagger.yaml") == 0;
    }
    const char *base = strrchr(rel, '/');
    return has_spec_extension(base != NULL ? base + 1 : rel);
}

static void push(path_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap != 0 ? l->cap * 2 : 64;
        l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
        assert_non_null(l->paths);
    }
    l->paths[l->n] = strdup(path);
    assert_non_null(l->paths[l->n]);
    l->n++;
}

/* Collects spec files under root/rel (rel relative to the testdata). */
static void collect(const char *root, const char *rel, path_list *out)
{
    char dir_path[2048];
    snprintf(dir_path, sizeof dir_path, "%s/%s", root, rel);
    DIR *d = opendir(dir_path);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024], full[3072];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            collect(root, sub, out);
        else if (S_ISREG(st.st_mode) && is_spec_path(sub))
            push(out, sub);
    }
    closedir(d);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const expected_failure *expected_for(const char *rel)
{
    for (size_t i = 0;
         i < sizeof expected_failures / sizeof expected_failures[0]; i++)
        if (strcmp(expected_failures[i].file, rel) == 0)
            return &expected_failures[i];
    return NULL;
}

/* A located error names its file and a line or a pointer. */
static bool is_located(const af_error *err)
{
    return err->file[0] != '\0' && (err->line > 0 || err->pointer[0] != '\0');
}

/* The spec at path loads when its $refs may reach anywhere under root. */
static bool loads_with_root(const char *path, const char *root)
{
    af_model *m = NULL;
    af_error err;
    af_error_clear(&err);
    if (af_model_load_root(path, root, &m, &err) < 0) {
        char msg[1536];
        print_error("%s: does not load with root %s either: %s\n", path, root,
                    af_error_format(&err, msg, sizeof msg));
        return false;
    }
    af_model_free(m);
    return true;
}

/* Checks a failure against the table; false (after printing why) when it
   was not expected. */
static bool is_expected_failure(const char *root, const char *rel,
                                const af_error *err,
                                const expected_failure *want)
{
    char msg[1536];
    af_error_format(err, msg, sizeof msg);
    if (want == NULL) {
        print_error("%s: failed to load: %s\n", rel, msg);
        return false;
    }
    if (strstr(msg, want->substr) == NULL || !is_located(err)) {
        print_error("%s: failed with \"%s\", expected a located error "
                    "containing \"%s\"\n",
                    rel, msg, want->substr);
        return false;
    }
    if (want->loads_with_root != NULL) {
        char path[2048], dir[2048];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(dir, sizeof dir, "%s/%s", root, want->loads_with_root);
        return loads_with_root(path, dir);
    }
    return true;
}

/* Loads one spec; returns false (after printing why) when the outcome is
   not the expected one. */
static bool check_spec(const char *root, const char *rel, tally *t)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    const expected_failure *want = expected_for(rel);
    af_model *m = NULL;
    af_error err;
    af_error_clear(&err);
    int rc = af_model_load(path, &m, &err);
    t->n_specs++;
    if (rc >= 0) {
        af_model_free(m);
        t->n_loaded++;
        if (want == NULL)
            return true;
        print_error("%s: loaded, but expected to fail with \"%s\" (%s)\n", rel,
                    want->substr, want->reason);
        return false;
    }
    if (!is_expected_failure(root, rel, &err, want))
        return false;
    t->n_expected++;
    return true;
}

static void check_folder(const char *folder)
{
    const char *root = af_test_testdata();
    if (root == NULL)
        af_test_skip_no_testdata();
    path_list list = {0};
    collect(root, folder, &list);
    if (list.n == 0)
        fail_msg("no specs found under %s/%s", root, folder);
    qsort(list.paths, list.n, sizeof *list.paths, compare_paths);
    tally t = {0};
    for (size_t i = 0; i < list.n; i++) {
        if (!check_spec(root, list.paths[i], &t))
            t.n_bad++;
        free(list.paths[i]);
    }
    free(list.paths);
    af_test_info("%s: %u of %u specs loaded (%u expected failures)", folder,
                 t.n_loaded, t.n_specs, t.n_expected);
    total.n_specs += t.n_specs;
    total.n_loaded += t.n_loaded;
    total.n_expected += t.n_expected;
    total.n_bad += t.n_bad;
    if (t.n_bad != 0)
        fail_msg("%u of %u specs in %s did not load as expected", t.n_bad,
                 t.n_specs, folder);
}

static void test_openapi_examples_all_load(void **state)
{
    (void)state;
    check_folder("openapi-examples");
}

static void test_schemathesis_example_specs_load(void **state)
{
    (void)state;
    check_folder("schemathesis-example");
}

static void test_real_world_specs_load_or_fail_as_expected(void **state)
{
    (void)state;
    check_folder("real-world-specs");
}

static void test_every_expected_failure_names_an_existing_spec(void **state)
{
    (void)state;
    const char *root = af_test_testdata();
    if (root == NULL)
        af_test_skip_no_testdata();
    for (size_t i = 0;
         i < sizeof expected_failures / sizeof expected_failures[0]; i++) {
        char path[2048];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", root, expected_failures[i].file);
        if (stat(path, &st) != 0 || !is_spec_path(expected_failures[i].file))
            fail_msg("expected failure %s is not a spec of the testdata",
                     expected_failures[i].file);
    }
}

static int print_total(void **state)
{
    (void)state;
    if (total.n_specs != 0)
        af_test_info("%u of %u specs loaded (%u expected failures)",
                     total.n_loaded, total.n_specs, total.n_expected);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_examples_all_load),
        cmocka_unit_test(test_schemathesis_example_specs_load),
        cmocka_unit_test(test_real_world_specs_load_or_fail_as_expected),
        cmocka_unit_test(test_every_expected_failure_names_an_existing_spec),
    };
    return cmocka_run_group_tests(tests, NULL, print_total);
}
