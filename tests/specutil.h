/*
 * specutil.h - loading small inline specs into the model in tests, and
 * finding an operation or a parameter in it (failing the test when absent).
 *
 * Header-only (static inline functions) so that only the tests that
 * include it depend on the model; specs are a few lines, so lookups are
 * linear scans.
 */
#ifndef AF_SPECUTIL_H
#define AF_SPECUTIL_H

#include <string.h>

#include "spec/model.h"
#include "testutil.h"

/* The model of the YAML/JSON text yaml (named "spec.yaml"); fails the test,
   printing the error, when it does not load. */
static inline af_model *af_test_spec_load(const char *yaml)
{
    af_model *m = NULL;
    af_error err;
    int rc =
        af_model_load_text(yaml, strlen(yaml), "spec.yaml", NULL, &m, &err);
    if (rc != 0) {
        char buf[1024];
        print_error("%s\n", af_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, 0);
    assert_non_null(m);
    return m;
}

/* Loads a spec that must fail with code (return value and err.code);
   returns the formatted error (a static buffer). */
static inline const char *af_test_spec_load_error(const char *yaml, int code)
{
    static char buf[1024];
    af_model *m = NULL;
    af_error err;
    int rc =
        af_model_load_text(yaml, strlen(yaml), "spec.yaml", NULL, &m, &err);
    assert_null(m);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    return af_error_format(&err, buf, sizeof buf);
}

/* The operation METHOD PATH of m. */
static inline const af_operation *
af_test_op_at(const af_model *m, const char *method, const char *path)
{
    for (uint32_t i = 0; i < m->n_ops; i++)
        if (strcmp(m->ops[i].method, method) == 0 &&
            strcmp(m->ops[i].path, path) == 0)
            return &m->ops[i];
    fail_msg("no operation %s %s", method, path);
    return NULL;
}

/* The parameter NAME in IN of op. */
static inline const af_param *af_test_param_of(const af_operation *op,
                                               const char *name, af_param_in in)
{
    for (uint32_t i = 0; i < op->n_params; i++)
        if (op->params[i].in == in && strcmp(op->params[i].name, name) == 0)
            return &op->params[i];
    fail_msg("no %s parameter %s", af_param_in_name(in), name);
    return NULL;
}

#endif
