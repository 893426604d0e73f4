/*
 * fuzz.c - self-fuzz target for spec loading: the input bytes are a spec,
 * loaded and compiled by af_model_load_text once as JSON (x.json) and once
 * as YAML (x.yaml), with relative $refs forbidden (base_dir NULL).
 *
 * Invariant checked: any byte string either compiles into a model or
 * yields an error with a message; ASan/UBSan and the harness's leak check
 * catch the rest. Tuned for specs of a few KiB (the seeds are the testdata
 * specs under 64 KiB), so each input is two full loads.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spec/model.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_as(const uint8_t *data, size_t size, const char *name)
{
    af_model *m = NULL;
    af_error err;
    af_error_clear(&err);
    int rc = af_model_load_text((const char *)data, size, name, NULL, &m, &err);
    if (rc < 0) {
        /* A failure must say what failed. */
        if (err.code >= 0 || err.message[0] == '\0')
            abort();
        return;
    }
    if (m == NULL)
        abort();
    af_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_as(data, size, "x.json");
    load_as(data, size, "x.yaml");
    return 0;
}
