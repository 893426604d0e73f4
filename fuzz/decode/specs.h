/*
 * specs.h - the specs embedded in the decode fuzzer (specs.c).
 */
#ifndef AF_FUZZ_DECODE_SPECS_H
#define AF_FUZZ_DECODE_SPECS_H

#include <stddef.h>

#define AF_FUZZ_N_SPECS 3

typedef struct af_fuzz_spec {
    const char *name; /* the file name given to the loader (format guess) */
    const char *text;
    size_t len;
} af_fuzz_spec;

extern const af_fuzz_spec af_fuzz_specs[AF_FUZZ_N_SPECS];

#endif
