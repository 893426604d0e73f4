/*
 * ceiling.c - the ceiling of `make bench`'s engine benchmark: the same
 * service, fed one fixed pre-rendered program in a loop, as a libFuzzer
 * (or AFL++) target that ignores its input. The full harness's exec/s
 * divided by this one's is the share of each execution the service gets;
 * the rest is apifuzz (decode, render, checks, mutation).
 *
 * At start-up it decodes a fixed mix of programs, so the service does
 * the same kind of work as under the fuzzer: 256 random inputs of 0-256
 * bytes from a fixed seed (or the one file named by
 * APIFUZZ_CEILING_INPUT), rendered with every back-reference at its
 * fallback. Each execution then runs only reset + handle for the next
 * program of the mix. Built per service target with
 * -DCEILING_SERVICE=NAME_service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apifuzz.h"
#include "check/response.h"
#include "engine/spec_embed.h"
#include "gen/gen.h"
#include "wire/render.h"

#ifndef CEILING_SERVICE
#error "build with -DCEILING_SERVICE=<name>_service"
#endif
extern const apifuzz_service CEILING_SERVICE;

#define N_PROGRAMS 256

typedef struct fixed_program {
    apifuzz_request *reqs;
    uint32_t n;
} fixed_program;

static af_arena fixed, per_input;
static fixed_program progs[N_PROGRAMS];
static uint32_t n_progs, next_prog, n_reqs;
static void *state;
static af_model *m; /* kept for the process: reachable, not a leak */
static af_gen *g;

static void die(const char *what)
{
    fprintf(stderr, "ceiling: %s\n", what);
    exit(1);
}

static uint8_t *read_input(size_t *len)
{
    const char *path = getenv("APIFUZZ_CEILING_INPUT");
    *len = 0;
    if (path == NULL)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("cannot read APIFUZZ_CEILING_INPUT");
    static uint8_t buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* Decodes and renders one program into the mix. */
static void render_program(const uint8_t *data, size_t len)
{
    af_program p;
    if (af_program_decode(g, &fixed, data, len, &p, NULL) != 0)
        die("out of memory");
    fixed_program *fp = &progs[n_progs++];
    fp->reqs = af_arena_calloc(&fixed, p.n_calls, sizeof *fp->reqs);
    if (fp->reqs == NULL)
        die("out of memory");
    for (uint32_t i = 0; i < p.n_calls; i++) {
        af_rendered rd;
        if (af_render_call(m, &p.calls[i], NULL, NULL, &fixed, &rd, NULL) != 0)
            die("cannot render the program");
        fp->reqs[fp->n++] = rd.req;
    }
    n_reqs += fp->n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    af_gen_opts o = {.mode = AF_GEN_MIXED};
    if (af_model_load_text(af_spec_embedded_text(), af_spec_embedded_len(),
                           af_spec_embedded_name(), NULL, &m, NULL) != 0 ||
        af_gen_new(m, &o, &g, NULL) != 0)
        die("cannot load the embedded spec");
    af_arena_init(&fixed);
    af_arena_init(&per_input);
    size_t len;
    const uint8_t *file = read_input(&len);
    uint64_t x = 0x9e3779b97f4a7c15u;
    static uint8_t buf[256];
    for (uint32_t k = 0; k < (file != NULL ? 1u : N_PROGRAMS); k++) {
        const uint8_t *data = file;
        if (file == NULL) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            len = (size_t)(x % (sizeof buf + 1));
            for (size_t i = 0; i < len; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[i] = (uint8_t)x;
            }
            data = buf;
        }
        render_program(data, len);
    }
    if (CEILING_SERVICE.init != NULL && CEILING_SERVICE.init(&state) != 0)
        die("the service's init failed");
    fprintf(stderr, "ceiling: %u programs, %u requests in the mix\n", n_progs,
            n_reqs);
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    (void)data;
    (void)size;
    af_arena_reset(&per_input);
    if (CEILING_SERVICE.reset != NULL)
        CEILING_SERVICE.reset(state);
    const fixed_program *fp = &progs[next_prog++ % n_progs];
    for (uint32_t i = 0; i < fp->n; i++) {
        apifuzz_response *resp = af_arena_alloc(&per_input, sizeof *resp);
        if (resp == NULL)
            die("out of memory");
        af_response_init(resp, &per_input);
        CEILING_SERVICE.handle(state, &fp->reqs[i], resp);
    }
    return 0;
}
