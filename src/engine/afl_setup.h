/*
 * afl_setup.h - start-up of the AFL++ custom mutator (libapifuzz_afl.so):
 * the spec, the generator plan and the mutator with its dictionaries,
 * built once inside the afl-fuzz process.
 *
 * afl-fuzz knows nothing of specs, so the spec comes from APIFUZZ_SPEC or
 * else from the target binary itself: the target is found on afl-fuzz's
 * own command line (/proc/self/cmdline) and run once with
 * APIFUZZ_PRINT_SPEC=1, which makes an APIFUZZ_TARGET binary print its
 * embedded spec and exit. The plan reads the same environment as the
 * target (src/engine/fuzzer.c: APIFUZZ_MODE, APIFUZZ_MAX_CALLS,
 * APIFUZZ_OPERATION, APIFUZZ_AUTH), so both decode inputs alike.
 */
#ifndef AF_AFL_SETUP_H
#define AF_AFL_SETUP_H

#include <stddef.h>

#include "gen/gen.h"
#include "gen/mutate.h"
#include "spec/model.h"

typedef struct af_afl_core {
    af_model *m;
    af_gen *g;
    af_mutator *mu;
    char spec_from[256]; /* "APIFUZZ_SPEC=path" or the target's path */
} af_afl_core;

/* Builds the model, plan and mutator, and loads the dictionaries
   (APIFUZZ_DICT=file, and afl-fuzz's -x files or directories). Returns 0,
   or -1 after printing one clear "apifuzz: ..." line to stderr; core is
   then empty. */
int af_afl_start(af_afl_core *core);

/* Frees what af_afl_start built (safe on an empty core). */
void af_afl_stop(af_afl_core *core);

/* The index in argv of afl-fuzz's target (the argument after `--`, else
   the first one after the options), or -1. For each -x option, calls
   on_dict(ctx, value) when on_dict is not NULL. */
int af_afl_scan_args(int argc, char *const *argv,
                     void (*on_dict)(void *ctx, const char *value), void *ctx);

#endif
