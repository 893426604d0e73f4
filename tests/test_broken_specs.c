/*
 * test_broken_specs.c - data-driven: every folder of tests/specs/broken/
 * holds a spec (the file named spec.*, with any files it refers to) and
 * `expected`, the exact error line af_model_load must give for it
 * (af_error_format, with the case folder's path left out of file names).
 * Each folder is one test case; the set must not shrink below 12.
 * Also loads every spec of tests/specs/ok/ (*.yaml, *.json), which must
 * compile without a warning.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/model.h"

#define BROKEN_DIR "tests/specs/broken"
#define OK_DIR "tests/specs/ok"
#define MAX_CASES 256

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of dir's entries not starting with '.'; NULL-ended. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = calloc(MAX_CASES + 1, sizeof *names);
    *n = 0;
    if (d == NULL || names == NULL) {
        if (d != NULL)
            closedir(d);
        return names;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < MAX_CASES)
        if (e->d_name[0] != '.')
            names[(*n)++] = strdup(e->d_name);
    closedir(d);
    qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

static void free_list(char **names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

/* The case's root spec: its file named spec.<ext>. */
static int spec_path(const char *dir, char *out, size_t cap)
{
    size_t n;
    char **names = list_dir(dir, &n);
    int rc = -1;
    for (size_t i = 0; i < n && rc != 0; i++)
        if (strncmp(names[i], "spec.", 5) == 0) {
            snprintf(out, cap, "%s/%s", dir, names[i]);
            rc = 0;
        }
    free_list(names);
    return rc;
}

/* Removes every occurrence of prefix from s (in place). */
static void strip(char *s, const char *prefix)
{
    size_t len = strlen(prefix);
    for (char *p = strstr(s, prefix); p != NULL; p = strstr(p, prefix))
        memmove(p, p + len, strlen(p + len) + 1);
}

static void test_broken_spec_fails_with_expected_error(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX], want_path[PATH_MAX], got[1024], prefix[PATH_MAX + 1];
    assert_int_equal(spec_path(dir, path, sizeof path), 0);
    snprintf(want_path, sizeof want_path, "%s/expected", dir);
    char *want = af_test_read_file(want_path, NULL);
    assert_non_null(want);
    want[strcspn(want, "\n")] = '\0';

    af_model *m = NULL;
    af_error err;
    int rc = af_model_load(path, &m, &err);
    assert_null(m);
    assert_true(rc < 0);
    af_error_format(&err, got, sizeof got);
    char *real = realpath(dir, NULL);
    if (real != NULL) {
        snprintf(prefix, sizeof prefix, "%s/", real);
        strip(got, prefix);
        free(real);
    }
    snprintf(prefix, sizeof prefix, "%s/", dir);
    strip(got, prefix);
    if (strcmp(got, want) != 0)
        print_error("%s:\n  want: %s\n  got:  %s\n", dir, want, got);
    assert_string_equal(got, want);
    free(want);
}

static void test_every_ok_spec_loads(void **state)
{
    (void)state;
    size_t n;
    char **names = list_dir(OK_DIR, &n);
    size_t loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], buf[1024];
        const char *ext = strrchr(names[i], '.');
        if (ext == NULL ||
            (strcmp(ext, ".yaml") != 0 && strcmp(ext, ".json") != 0))
            continue; /* parts/: files the specs refer to */
        snprintf(path, sizeof path, "%s/%s", OK_DIR, names[i]);
        af_model *m = NULL;
        af_error err;
        int rc = af_model_load(path, &m, &err);
        if (rc != 0)
            print_error("%s\n", af_error_format(&err, buf, sizeof buf));
        assert_int_equal(rc, 0);
        assert_true(m->n_ops > 0);
        for (uint32_t k = 0; k < m->n_warnings; k++)
            print_error("%s: %s: %s\n", path, m->warnings[k].pointer,
                        m->warnings[k].message);
        assert_int_equal(m->n_warnings, 0);
        af_model_free(m);
        loaded++;
    }
    assert_true(loaded >= 3);
    af_test_info("%zu valid specs loaded without warnings", loaded);
    free_list(names);
}

int main(void)
{
    size_t n;
    char **names = list_dir(BROKEN_DIR, &n);
    struct CMUnitTest *tests = calloc(n + 1, sizeof *tests);
    char **dirs = calloc(n + 1, sizeof *dirs);
    if (names == NULL || tests == NULL || dirs == NULL || n < 12) {
        fprintf(stderr, "%s: %zu cases found (run from the repo root)\n",
                BROKEN_DIR, n);
        return 1;
    }
    char **test_names = calloc(n + 1, sizeof *test_names);
    if (test_names == NULL)
        return 1;
    for (size_t i = 0; i < n; i++) {
        dirs[i] = malloc(strlen(BROKEN_DIR) + strlen(names[i]) + 2);
        sprintf(dirs[i], "%s/%s", BROKEN_DIR, names[i]);
        test_names[i] = malloc(strlen(names[i]) + 32);
        sprintf(test_names[i], "%s_gives_its_expected_error", names[i]);
        tests[i] = (struct CMUnitTest){
            .name = test_names[i],
            .test_func = test_broken_spec_fails_with_expected_error,
            .initial_state = dirs[i]};
    }
    tests[n] = (struct CMUnitTest){.name = "every_ok_spec_loads",
                                   .test_func = test_every_ok_spec_loads};
    int rc = _cmocka_run_group_tests("broken_specs", tests, n + 1, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(dirs[i]);
        free(test_names[i]);
    }
    free(test_names);
    free(dirs);
    free(tests);
    free_list(names);
    return rc;
}
