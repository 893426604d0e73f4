/*
 * opts_env.c - the plan options of a fuzzer binary from its environment
 * (gen.h af_gen_opts_from_env): one reading shared by the libFuzzer entry
 * points, the AFL++ custom mutator and the benchmark's runners, which
 * must decode every input alike.
 */
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"

static int read_mode(af_gen_mode *mode, af_error *err)
{
    const char *s = getenv("APIFUZZ_MODE");
    if (s == NULL || *s == 0 || strcmp(s, "mixed") == 0)
        *mode = AF_GEN_MIXED;
    else if (strcmp(s, "positive") == 0)
        *mode = AF_GEN_POSITIVE;
    else if (strcmp(s, "negative") == 0)
        *mode = AF_GEN_NEGATIVE;
    else
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "APIFUZZ_MODE=%s: expected positive, negative or "
                            "mixed",
                            s);
    return 0;
}

int af_gen_opts_from_env(af_gen_opts *o, af_error *err)
{
    memset(o, 0, sizeof *o);
    int rc = read_mode(&o->mode, err);
    if (rc != 0)
        return rc;
    const char *k = getenv("APIFUZZ_MAX_CALLS");
    if (k != NULL && *k != 0) {
        char *end;
        unsigned long v = strtoul(k, &end, 10);
        if (*end != 0 || v < 1 || v > AF_GEN_MAX_CALLS)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "APIFUZZ_MAX_CALLS=%s: expected 1..%d", k,
                                AF_GEN_MAX_CALLS);
        o->max_calls = (uint32_t)v;
    }
    o->operation = getenv("APIFUZZ_OPERATION");
    o->auth = getenv("APIFUZZ_AUTH");
    return 0;
}
