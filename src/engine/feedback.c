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
 * Statistics (APIFUZZ_STATS only) also count, per operation, the calls
 * that sent each parameter and each documented top-level body property
 * (the properties of the media types' object schemas, through $ref,
 * allOf and oneOf/anyOf branches), the negative calls, and the checks
 * enabled; their tables are sized at init, so the hook still never
 * allocates.
 *
 * Tuned for the fuzzing loop: a few dozen instructions per exchange.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */

#include "engine/feedback.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check/response.h"

#define N_FEATURES 8192u
#define N_STATUS 600
#define MAX_BODY_PROPS 128 /* documented body properties listed per op */
#define PROP_DEPTH 8       /* $ref / allOf hops followed to find them */

/* libFuzzer reads every byte of this section as extra counters. */
__attribute__((
    used,
    section("__libfuzzer_extra_counters"))) static uint8_t features[N_FEATURES];

/* AFL++'s map, in binaries linked by afl-clang-fast (which exports its
   runtime's symbols; elsewhere the lookup finds nothing). Looked up with
   dlsym rather than declared: the instrumentation pass inserts its own
   __afl_area_ptr into every module it compiles, and a declaration would
   collide with it. __afl_final_loc is the number of edges placed, which
   is the map size afl-fuzz uses. */
static uint8_t **afl_area;
static uint32_t *afl_size;

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

typedef struct op_stats {
    uint64_t seen[(N_STATUS + 63) / 64]; /* status codes answered */
    uint32_t failed;                     /* AF_CHECK_BIT set */
    uint64_t calls;
    uint64_t negative;     /* calls decoded in negative mode */
    uint64_t *param_calls; /* per op param: calls that sent it */
    const af_prop **props; /* documented top-level body properties */
    uint64_t *prop_calls;  /* per props entry: calls that sent it */
    uint32_t n_props;
    uint64_t other_props; /* calls sending an undocumented property */
} op_stats;

static const af_model *model;
static op_stats *stats; /* per model op; NULL when not collecting */
static const char *stats_path;
static uint32_t checks_enabled; /* AF_CHECK_BIT set, as the runner reads */

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

/* Which parameters and documented body properties call c sent. */
static void count_inputs(op_stats *s, const af_operation *op, const af_call *c)
{
    if (c->is_negative)
        s->negative++;
    for (uint32_t k = 0; k < c->n_args; k++)
        if (c->args[k].is_present && c->args[k].param < op->n_params)
            s->param_calls[c->args[k].param]++;
    if (c->body == NULL || c->body->kind != AF_V_OBJECT)
        return;
    bool is_other = false;
    for (uint32_t m = 0; m < c->body->u.obj.n; m++) {
        const char *name = c->body->u.obj.members[m].name;
        uint32_t p = 0;
        while (p < s->n_props && strcmp(s->props[p]->name, name) != 0)
            p++;
        if (p < s->n_props)
            s->prop_calls[p]++;
        else
            is_other = true;
    }
    s->other_props += is_other;
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
        count_inputs(s, &model->ops[op], x->call);
    }
}

static void add_inputs_json(cJSON *o, const af_operation *op, const op_stats *s)
{
    static const char *const where[] = {"path", "query", "header", "cookie"};
    cJSON *params = cJSON_AddArrayToObject(o, "parameters");
    for (uint32_t p = 0; params != NULL && p < op->n_params; p++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", op->params[p].name);
        cJSON_AddStringToObject(j, "in", where[op->params[p].in & 3]);
        cJSON_AddBoolToObject(j, "required", op->params[p].is_required);
        cJSON_AddNumberToObject(j, "calls", (double)s->param_calls[p]);
        cJSON_AddItemToArray(params, j);
    }
    cJSON *props = cJSON_AddArrayToObject(o, "body_properties");
    for (uint32_t p = 0; props != NULL && p < s->n_props; p++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", s->props[p]->name);
        cJSON_AddBoolToObject(j, "required", s->props[p]->is_required);
        cJSON_AddNumberToObject(j, "calls", (double)s->prop_calls[p]);
        cJSON_AddItemToArray(props, j);
    }
    cJSON_AddBoolToObject(o, "has_body", op->body != NULL);
    cJSON_AddNumberToObject(o, "undocumented_property_calls",
                            (double)s->other_props);
    cJSON_AddNumberToObject(o, "negative_calls", (double)s->negative);
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
    add_inputs_json(o, op, s);
    return o;
}

int af_feedback_write_stats(const char *path)
{
    if (stats == NULL || path == NULL)
        return -1;
    cJSON *root = cJSON_CreateObject();
    cJSON *checks = cJSON_AddArrayToObject(root, "checks_enabled");
    for (int c = 0; checks != NULL && c < AF_CHECK_COUNT; c++)
        if (checks_enabled & AF_CHECK_BIT(c))
            cJSON_AddItemToArray(checks, cJSON_CreateString(af_check_name(c)));
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

static void add_prop(op_stats *s, const af_prop *p)
{
    for (uint32_t k = 0; k < s->n_props; k++)
        if (strcmp(s->props[k]->name, p->name) == 0)
            return;
    if (s->n_props < MAX_BODY_PROPS)
        s->props[s->n_props++] = p;
}

/* The named properties of object schema i, through $ref, allOf and the
   branches of oneOf and anyOf (their union). */
static void add_props(op_stats *s, af_idx i, int depth)
{
    if (i < 0 || (uint32_t)i >= model->n_schemas || depth > PROP_DEPTH)
        return;
    const af_schema *sc = &model->schemas[i];
    for (uint32_t p = 0; p < sc->n_props; p++)
        add_prop(s, &sc->props[p]);
    add_props(s, sc->ref, depth + 1);
    for (uint32_t a = 0; a < sc->n_all_of; a++)
        add_props(s, sc->all_of[a], depth + 1);
    for (uint32_t a = 0; a < sc->n_one_of; a++)
        add_props(s, sc->one_of[a], depth + 1);
    for (uint32_t a = 0; a < sc->n_any_of; a++)
        add_props(s, sc->any_of[a], depth + 1);
}

/* The per-operation input tables; AF_ENOMEM when they do not fit. */
static int alloc_inputs(void)
{
    for (uint32_t k = 0; k < model->n_ops; k++) {
        const af_operation *op = &model->ops[k];
        op_stats *s = &stats[k];
        s->param_calls = calloc(op->n_params + 1, sizeof *s->param_calls);
        s->props = calloc(MAX_BODY_PROPS, sizeof(const af_prop *));
        s->prop_calls = calloc(MAX_BODY_PROPS, sizeof *s->prop_calls);
        if (s->param_calls == NULL || s->props == NULL || s->prop_calls == NULL)
            return AF_ENOMEM;
        for (uint32_t md = 0; op->body != NULL && md < op->body->n_media; md++)
            add_props(s, op->body->media[md].schema, 0);
    }
    return 0;
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
    if (alloc_inputs() != 0)
        return AF_ENOMEM; /* the tables stay: the process exits */
    if (af_checks_parse(getenv("APIFUZZ_CHECKS"), &checks_enabled, NULL) != 0)
        checks_enabled = af_checks_default(); /* the runner rejects it */
    stats_path = path;
    atexit(write_at_exit);
    return 0;
}
