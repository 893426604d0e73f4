/*
 * encode_seeds.c - seed inputs from the spec's examples (DESIGN.md
 * "Round-trip"): each request body example and each parameter example of
 * every operation of the plan becomes a one-call program via
 * af_call_encode. Other parameters take their first example, or their
 * simplest value when the examples together do not encode.
 *
 * Runs once per corpus build; spec examples are few, so every candidate
 * is simply tried.
 */
#include "gen/encode_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct seeds {
    const af_gen *g;
    af_arena *a;
    void (*emit)(void *ctx, const uint8_t *data, size_t len, const char *what);
    void *ctx;
    int count;
} seeds;

/* The k-th example of a value: its own examples, then its schema's
   examples, then the schema's default; NULL past them. */
static const cJSON *example_at(const af_gen *g, const cJSON *own, af_idx schema,
                               int k)
{
    int n = own != NULL ? cJSON_GetArraySize(own) : 0;
    if (k < n)
        return cJSON_GetArrayItem(own, k);
    k -= n;
    if (schema == AF_NONE)
        return NULL;
    const af_schema *s = af_gen_raw(g, schema);
    n = s->examples != NULL ? cJSON_GetArraySize(s->examples) : 0;
    if (k < n)
        return cJSON_GetArrayItem(s->examples, k);
    return k == n ? s->default_value : NULL;
}

/* Tries the call, first with the example parameters, then without. */
static int try_call(seeds *sd, uint32_t op, const af_call_spec *spec,
                    const char *what)
{
    af_call_spec bare = *spec;
    for (int attempt = 0; attempt < 2; attempt++) {
        af_choice_writer w;
        af_choice_writer_init(&w, sd->a);
        af_error err;
        int rc =
            af_call_encode(sd->g, &w, op, attempt == 0 ? spec : &bare, &err);
        if (rc == AF_ENOMEM)
            return rc;
        if (rc == 0) {
            const uint8_t *data;
            size_t len;
            if (af_choice_writer_finish(&w, &data, &len) < 0)
                return AF_ENOMEM;
            sd->emit(sd->ctx, data, len, what);
            sd->count++;
            return 0;
        }
        bare.params = NULL;
        if (spec->params == NULL)
            break;
    }
    return 0;
}

/* The key af_call_encode looks up first: "in:name". */
static void param_key(const af_param *p, char *key, size_t cap)
{
    static const char *const ins[] = {"path", "query", "header", "cookie"};
    snprintf(key, cap, "%s:%s", (unsigned)p->in < 4 ? ins[p->in] : "param",
             p->name);
}

/* The first example of every parameter that has one. */
static cJSON *first_params(const af_gen *g, const af_operation *o)
{
    cJSON *obj = cJSON_CreateObject();
    for (uint32_t j = 0; obj != NULL && j < o->n_params; j++) {
        const af_param *p = &o->params[j];
        const cJSON *ex = example_at(g, p->examples, p->schema, 0);
        char key[300];
        param_key(p, key, sizeof key);
        if (ex != NULL)
            cJSON_AddItemToObject(obj, key, cJSON_Duplicate(ex, true));
    }
    return obj;
}

static int body_seeds(seeds *sd, uint32_t op, cJSON *params)
{
    const af_operation *o = &sd->g->model->ops[op];
    for (uint32_t k = 0; o->body != NULL && k < o->body->n_media; k++) {
        const af_media *m = &o->body->media[k];
        const cJSON *ex;
        for (int i = 0;
             (ex = example_at(sd->g, m->examples, m->schema, i)) != NULL; i++) {
            char what[300];
            snprintf(what, sizeof what, "%s %s body %s example %d", o->method,
                     o->path, m->type, i);
            af_call_spec spec = {params, (int32_t)k, ex};
            int rc = try_call(sd, op, &spec, what);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int param_seeds(seeds *sd, uint32_t op, cJSON *params)
{
    const af_operation *o = &sd->g->model->ops[op];
    for (uint32_t j = 0; j < o->n_params; j++) {
        const af_param *p = &o->params[j];
        const cJSON *ex;
        for (int i = 0;
             (ex = example_at(sd->g, p->examples, p->schema, i)) != NULL; i++) {
            cJSON *mine = cJSON_Duplicate(params, true);
            if (mine == NULL)
                return AF_ENOMEM;
            char key[300];
            param_key(p, key, sizeof key);
            cJSON_DeleteItemFromObjectCaseSensitive(mine, key);
            cJSON_AddItemToObject(mine, key, cJSON_Duplicate(ex, true));
            char what[300];
            snprintf(what, sizeof what, "%s %s parameter %s example %d",
                     o->method, o->path, p->name, i);
            af_call_spec spec = {mine, -1, NULL};
            int rc = try_call(sd, op, &spec, what);
            cJSON_Delete(mine);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int af_examples_seeds(const af_gen *g, af_arena *a,
                      void (*emit)(void *ctx, const uint8_t *data, size_t len,
                                   const char *what),
                      void *ctx)
{
    seeds sd = {g, a, emit, ctx, 0};
    for (uint32_t k = 0; k < g->n_ops; k++) {
        cJSON *params = first_params(g, &g->model->ops[g->ops[k]]);
        if (params == NULL)
            return AF_ENOMEM;
        int rc = body_seeds(&sd, g->ops[k], params);
        if (rc == 0)
            rc = param_seeds(&sd, g->ops[k], params);
        cJSON_Delete(params);
        if (rc < 0)
            return rc;
    }
    return sd.count;
}
