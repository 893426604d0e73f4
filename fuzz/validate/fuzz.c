/*
 * fuzz.c - self-fuzz target for the validator: the input is a schema and
 * an instance, split at the first 0 byte (no 0 byte: the input is both).
 * The schema is compiled as an inline 2020-12 document and as an OpenAPI
 * 3.0 schema (relative and remote $refs forbidden), and the instance is
 * validated in first-error mode and in all-errors mode with formats
 * asserted and the request direction.
 *
 * Invariants checked: compilation either succeeds or says why; the
 * validator returns 0, AF_ELIMIT or AF_ENOMEM (the arena is capped at 64
 * MiB), a valid verdict has no error and an
 * invalid one has at least one with its three strings; the first-error
 * and all-errors verdicts agree (as they should unless a bound stopped
 * one), and validating twice gives the same verdict (determinism).
 * ASan/UBSan and the leak check catch the rest. Tuned for inputs of a few
 * hundred bytes (the seeds are suite cases).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/schemadoc.h"
#include "check/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static af_arena arena;

static void check(const af_validation *v, int rc)
{
    if (rc != 0 && rc != AF_ELIMIT && rc != AF_ENOMEM)
        abort();
    if (v->is_valid != (v->n_errors == 0) || (v->is_valid && rc != 0))
        abort();
    for (uint32_t i = 0; i < v->n_errors; i++)
        if (v->errors[i].instance == NULL || v->errors[i].schema == NULL ||
            v->errors[i].reason == NULL || v->errors[i].reason[0] == '\0')
            abort();
}

/* The verdict, or -1 when a bound stopped the validation. */
static int verdict(const af_model *m, af_idx root, const cJSON *inst,
                   const af_validate_opts *o)
{
    af_validation v;
    af_arena_reset(&arena);
    int rc = af_validate(m, root, inst, o, &arena, &v);
    check(&v, rc);
    return rc != 0 ? -1 : v.is_valid;
}

static void run(const char *schema, size_t len, af_dialect d, const cJSON *inst)
{
    af_schemadoc_opts o = {d, NULL, NULL, NULL};
    af_model *m = NULL;
    af_idx root = AF_NONE;
    af_error err;
    if (af_schemadoc_load_text(schema, len, "x.json", "", &o, &m, &root,
                               &err) != 0) {
        if (err.code >= 0 || err.message[0] == '\0' || m != NULL)
            abort();
        return;
    }
    af_validate_opts first = {0};
    af_validate_opts all = {.all_errors = true,
                            .formats = AF_FORMATS_ASSERT,
                            .direction = AF_DIRECTION_REQUEST};
    af_validate_opts all_plain = {.all_errors = true};
    int a = verdict(m, root, inst, &first);
    int b = verdict(m, root, inst, &all_plain);
    if (a >= 0 && b >= 0 && a != b)
        abort();
    if (verdict(m, root, inst, &first) != a)
        abort();
    verdict(m, root, inst, &all);
    af_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t slen = nul != NULL ? (size_t)(nul - data) : size;
    const char *ibytes = (const char *)(nul != NULL ? nul + 1 : data);
    size_t ilen = nul != NULL ? size - slen - 1 : size;
    cJSON *inst = cJSON_ParseWithLength(ibytes, ilen);
    if (inst == NULL)
        inst = cJSON_CreateNull();
    if (inst == NULL)
        return 0;
    arena.limit = (size_t)64 << 20;
    run((const char *)data, slen, AF_DIALECT_DRAFT2020, inst);
    run((const char *)data, slen, AF_DIALECT_OAS30, inst);
    cJSON_Delete(inst);
    return 0;
}
