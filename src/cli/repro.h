/*
 * repro.h - what `apifuzz repro` (repro.c) hands to its C writer
 * (repro_c.c): the decoded program rendered with a token for each
 * back-reference, and where the service's sources are. Private to
 * src/cli.
 */
#ifndef AF_CLI_REPRO_H
#define AF_CLI_REPRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen/gen.h"
#include "gen/program.h"
#include "spec/model.h"
#include "util/arena.h"
#include "wire/render.h"

#define AF_REPRO_MAX_SOURCES 64

/* A back-reference met while rendering call `call`: rendered as token;
   fallback and fallback_json are its fallback value as text (a
   parameter's) and as JSON (a JSON body's). */
typedef struct af_repro_ref {
    char token[24];
    uint32_t call;
    const af_backref *ref;
    const char *fallback, *fallback_json;
} af_repro_ref;

/* The service: its folder (the spec's), its C sources without the
   harness (malloc'd paths, sorted) and its apifuzz_service symbol. */
typedef struct af_repro_service {
    char dir[4096];
    char symbol[128];
    char *sources[AF_REPRO_MAX_SOURCES];
    size_t n_sources;
    bool has_harness;
} af_repro_service;

typedef struct af_repro_input {
    const char *file, *spec; /* as given (for the comment) */
    af_gen_mode mode;
    const af_model *m;
    const af_program *p;
    const af_rendered *rs; /* per call of p, tokens in place */
    const af_repro_ref *refs;
    uint32_t n_refs;
} af_repro_input;

/* Writes the C program replaying in through svc's contract to out;
   scratch texts come from a. Returns 0, or 2 when writing failed. */
int af_repro_write_c(FILE *out, const af_repro_input *in,
                     const af_repro_service *svc, af_arena *a);

/* The fixed text of every generated program (repro_rt.c): NULL-ended
   lines, the types before the requests and the code after them. */
extern const char *const af_repro_rt_types[];
extern const char *const af_repro_rt_code[];

#endif
