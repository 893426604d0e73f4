/*
 * feedback.c - API-level feedback for the engines and API coverage
 * statistics (feedback.h).
 *
 * Invariants: the hook never allocates; a feature is one saturating
 * 8-bit counter chosen by a hash of (operation, status, failed checks,
 * response shape), so equal exchanges always hit the same counter.
 * Under AFL++ the hash also bumps one byte of AFL's map: the map is
 * sized by the compiler to the edges it placed (AFL++ 4.x shrinks it to
 * __afl_final_loc), so the feature shares its byte with an edge, as
 * AFL's own hashed edges do; a new hit-count bucket there is new
 * coverage to afl-fuzz.
 *
 * Tuned for the fuzzing loop: a few dozen instructions per exchange.
 */
#include "engine/feedback.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check/response.h"

#define N_FEATURES 8192u
#define N_STATUS 600

/* libFuzzer reads every byte of this section as extra counters. */
__attribute__((
    used,
    section("__libfuzzer_extra_counters"))) static uint8_t features[N_FEATURES];

/* AFL++'s map, in binaries built with afl-clang-fast (which defines
   __AFL_COMPILER and exports its runtime's symbols). Looked up with
   dlsym: the instrumentation pass inserts its own __afl_area_ptr into
   every module, and a declaration here would collide with it (the
   module's copy gets renamed and stays undefined). */
#ifdef __AFL_COMPILER
#include <dlfcn.h>

static uint8_t **afl_area; /* &__afl_area_ptr */
static uint32_t *afl_size; /* &__afl_final_loc: the map size afl-fuzz uses */

static void afl_lookup(void)
{
    afl_area = (uint8_t **)dlsym(RTLD_DEFAULT, "__afl_area_ptr");
    afl_size = (uint32_t *)dlsym(RTLD_DEFAULT, "__afl_final_loc");
}

static void afl_bump(uint32_t h)
{
    if (afl_area != NULL && *afl_area != NULL && afl_size != NULL &&
        *afl_size > 1)
        (*afl_area)[1 + h % (*afl_size - 1)]++;
}
#else
static void afl_lookup(void)
{
}

static void afl_bump(uint32_t h)
{
    (void)h;
}
#endif

typedef struct op_stats {
    uint64_t seen[(N_STATUS + 63) / 64]; /* status codes answered */
    uint32_t failed;                     /* AF_CHECK_BIT set */
    uint64_t calls;
} op_stats;

static const af_model *model;
static op_stats *stats; /* per model op; NULL when not collecting */
static const char *stats_path;

static uint32_t mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x01000193u; /* FNV-1a prime */
    return h ^ (h >> 15);
}

static uint32_t name_hash(uint32_t h, const char *s)
{
    for (; *s != 0; s++)
        h = (h ^ (uint8_t)*s) * 0x01000193u;
    return h;
}

/* The member names of an object body, else its type. */
static uint32_t shape(const cJSON *j)
{
    if (j == NULL)
        return 1;
    if (!cJSON_IsObject(j))
        return 2u + (uint32_t)(j->type & 0xff);
    uint32_t h = 0x811c9dc5u;
    for (const cJSON *c = j->child; c != NULL; c = c->next)
        if (c->string != NULL)
            h = name_hash(h, c->string);
    return h;
}

void af_feedback_exchange(void *ctx, uint32_t index, const af_exchange *x,
                          uint32_t failed)
{
    (void)ctx;
    (void)index;
    uint32_t op = x->call->op;
    int status = x->response->status;
    uint32_t h = mix(mix(mix(mix(0x811c9dc5u, op), (uint32_t)status), failed),
                     shape(x->json));
    uint8_t *f = &features[h % N_FEATURES];
    if (*f != 0xff)
        (*f)++;
    afl_bump(h);
    if (stats != NULL && op < model->n_ops) {
        op_stats *s = &stats[op];
        if (status >= 0 && status < N_STATUS)
            s->seen[status / 64] |= 1ull << (status % 64);
        s->failed |= failed;
        s->calls++;
    }
}

static cJSON *op_json(uint32_t k)
{
    const af_operation *op = &model->ops[k];
    const op_stats *s = &stats[k];
    cJSON *o = cJSON_CreateObject();
    cJSON *doc = cJSON_AddArrayToObject(o, "documented");
    cJSON *seen = cJSON_AddArrayToObject(o, "seen");
    cJSON *failed = cJSON_AddArrayToObject(o, "failed_checks");
    cJSON_AddStringToObject(o, "method", op->method);
    cJSON_AddStringToObject(o, "path", op->path);
    if (op->operation_id != NULL)
        cJSON_AddStringToObject(o, "operation_id", op->operation_id);
    cJSON_AddNumberToObject(o, "calls", (double)s->calls);
    for (uint32_t r = 0; doc != NULL && r < op->n_responses; r++)
        cJSON_AddItemToArray(doc, cJSON_CreateString(op->responses[r].key));
    for (int st = 0; seen != NULL && st < N_STATUS; st++)
        if (s->seen[st / 64] & (1ull << (st % 64)))
            cJSON_AddItemToArray(seen, cJSON_CreateNumber(st));
    for (int c = 0; failed != NULL && c < AF_CHECK_COUNT; c++)
        if (s->failed & AF_CHECK_BIT(c))
            cJSON_AddItemToArray(failed, cJSON_CreateString(af_check_name(c)));
    return o;
}

int af_feedback_write_stats(const char *path)
{
    if (stats == NULL || path == NULL)
        return -1;
    cJSON *root = cJSON_CreateObject();
    cJSON *ops = cJSON_AddArrayToObject(root, "operations");
    for (uint32_t k = 0; ops != NULL && k < model->n_ops; k++)
        cJSON_AddItemToArray(ops, op_json(k));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = text != NULL ? fopen(path, "w") : NULL;
    int rc = f != NULL && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    cJSON_free(text);
    return rc;
}

static void write_at_exit(void)
{
    if (af_feedback_write_stats(stats_path) != 0)
        fprintf(stderr, "apifuzz: cannot write APIFUZZ_STATS=%s\n", stats_path);
}

int af_feedback_init(const af_model *m)
{
    model = m;
    afl_lookup();
    const char *path = getenv("APIFUZZ_STATS");
    if (path == NULL || *path == 0)
        return 0;
    stats = calloc(m->n_ops ? m->n_ops : 1, sizeof *stats);
    if (stats == NULL)
        return AF_ENOMEM;
    stats_path = path;
    atexit(write_at_exit);
    return 0;
}
