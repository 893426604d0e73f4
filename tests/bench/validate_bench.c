/*
 * validate_bench.c - `make bench`: validation time per response instance.
 *
 *   validate_bench [-v] [-n N] [-k K] SPEC
 *
 * Takes the JSON schemas of the 2xx responses of up to K operations of
 * SPEC (default 4; the first ones in model order with a JSON response
 * schema; a spec without any, like the booking example, gives its JSON
 * request body schemas instead: source=request-bodies), and for each makes N
 * instances (default 2000): a value decoded with af_value_decode (response
 * direction: is_request false) from random bytes (xorshift64* from a fixed
 * seed), written as JSON text by af_json_write and parsed by cJSON. Per
 * instance it times af_validate (response direction, formats per dialect, first
 * error; the arena reset included) and cJSON_ParseWithLength of the same text,
 * then prints per schema and for the spec as a whole the medians:
 *
 *   spec=... schemas=S source=... instances=I bytes=B validate_ns=V parse_ns=P
 *   ratio=V/P valid_pct=X
 *
 * (bytes is the median text length; instances holding an integer beyond
 * 2^53, which cJSON rounds, are left out). Instances come from the decoder, so
 * nearly all are valid: a valid instance is the work a check does on
 * every conforming response; -v prints the invalid ones (a decoder or
 * validator disagreement) on stderr. Exit 1 when the spec does not load or has
 * no JSON response schema.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "check/validate.h"
#include "gen/gen.h"
#include "wire/render.h"

#define MAX_INPUT 1024
#define MAX_SCHEMAS 16

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t random_input(uint8_t *buf)
{
    size_t len = 16 + (size_t)(rnd() % (MAX_INPUT - 15));
    for (size_t k = 0; k < len; k += 8) {
        uint64_t w = rnd();
        memcpy(buf + k, &w, len - k < 8 ? len - k : 8);
    }
    return len;
}

static bool is_verbose; /* -v: print the invalid instances */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n == 0 ? 0 : v[(n - 1) / 2];
}

/* The JSON schema of op's first 2xx response; AF_NONE when none. */
static af_idx response_schema(const af_operation *op)
{
    for (uint32_t r = 0; r < op->n_responses; r++) {
        const af_response *resp = &op->responses[r];
        if (resp->status_lo < 200 || resp->status_hi > 299)
            continue;
        for (uint32_t k = 0; k < resp->n_media; k++)
            if (af_media_is_json(resp->media[k].type) &&
                resp->media[k].schema != AF_NONE)
                return resp->media[k].schema;
    }
    return AF_NONE;
}

/* Whether v holds an integer beyond 2^53: cJSON keeps numbers as
   doubles, so int64 bounds would fail on rounding, not on the value. */
static bool has_big_int(const af_value *v)
{
    if (v->kind == AF_V_INT)
        return v->u.i > (1ll << 53) || v->u.i < -(1ll << 53);
    for (uint32_t k = 0; v->kind == AF_V_ARRAY && k < v->u.arr.n; k++)
        if (has_big_int(&v->u.arr.items[k]))
            return true;
    for (uint32_t k = 0; v->kind == AF_V_OBJECT && k < v->u.obj.n; k++)
        if (has_big_int(&v->u.obj.members[k].value))
            return true;
    return false;
}

/* Samples of one run: per instance validate and parse ns, text bytes. */
typedef struct samples {
    double *validate, *parse, *bytes;
    size_t n, n_valid;
} samples;

/* Makes one instance for schema s and times its validation and parse. */
static void measure_one(const af_gen *g, af_idx s, af_arena *a, samples *out)
{
    static uint8_t in[MAX_INPUT];
    af_choices c;
    af_value v;
    af_arena_reset(a);
    af_choice_init(&c, in, random_input(in));
    if (af_value_decode(g, a, &c, s, false, &v) != 0 || has_big_int(&v))
        return;
    af_render_env env = {g->model, NULL, NULL, a};
    af_wbuf b;
    af_wbuf_init(&b, a, 256);
    af_json_write(&b, &v, &env);
    const char *text = af_wbuf_cstr(&b);
    cJSON *j = text != NULL ? cJSON_ParseWithLength(text, b.len) : NULL;
    if (j == NULL)
        return;
    char *copy = strndup(text, b.len); /* survives the arena reset */
    af_validate_opts o = {.direction = AF_DIRECTION_RESPONSE};
    af_validation res;
    double t0 = now_ns();
    af_arena_reset(a);
    int rc = af_validate(g->model, s, j, &o, a, &res);
    double t1 = now_ns();
    cJSON *again = cJSON_ParseWithLength(copy, b.len);
    double t2 = now_ns();
    out->validate[out->n] = t1 - t0;
    out->parse[out->n] = t2 - t1;
    out->bytes[out->n] = (double)b.len;
    out->n++;
    out->n_valid += rc == 0 && res.is_valid;
    if (is_verbose && rc == 0 && !res.is_valid)
        fprintf(stderr, "invalid: %s\n  at '%s' by %s: %s\n", copy,
                res.errors[0].instance, res.errors[0].schema,
                res.errors[0].reason);
    cJSON_Delete(again);
    cJSON_Delete(j);
    free(copy);
}

static void print_row(const char *what, samples *s)
{
    double v = median(s->validate, s->n), p = median(s->parse, s->n);
    printf("%s instances=%zu bytes=%.0f validate_ns=%.0f parse_ns=%.0f "
           "ratio=%.2f valid_pct=%.1f\n",
           what, s->n, median(s->bytes, s->n), v, p, p > 0 ? v / p : 0,
           s->n ? 100.0 * (double)s->n_valid / (double)s->n : 0);
}

/* op's JSON request body schema; AF_NONE when none. */
static af_idx body_schema(const af_operation *op)
{
    for (uint32_t k = 0; op->body != NULL && k < op->body->n_media; k++)
        if (af_media_is_json(op->body->media[k].type) &&
            op->body->media[k].schema != AF_NONE)
            return op->body->media[k].schema;
    return AF_NONE;
}

/* Up to max_schemas distinct response schemas, in model order; when the
   spec has none (the booking example), request body schemas instead. */
static uint32_t pick_schemas(const af_model *m, af_idx *out,
                             uint32_t max_schemas, bool *is_body)
{
    uint32_t n = 0;
    for (int pass = 0; pass < 2 && n == 0; pass++) {
        *is_body = pass == 1;
        for (uint32_t k = 0; k < m->n_ops && n < max_schemas; k++) {
            af_idx s = pass == 0 ? response_schema(&m->ops[k])
                                 : body_schema(&m->ops[k]);
            bool is_new = s != AF_NONE;
            for (uint32_t j = 0; j < n && is_new; j++)
                is_new = out[j] != s;
            if (is_new)
                out[n++] = s;
        }
    }
    return n;
}

static samples samples_new(size_t cap)
{
    samples s = {malloc(cap * sizeof(double)), malloc(cap * sizeof(double)),
                 malloc(cap * sizeof(double)), 0, 0};
    if (s.validate == NULL || s.parse == NULL || s.bytes == NULL)
        abort();
    return s;
}

static void samples_free(samples *s)
{
    free(s->validate);
    free(s->parse);
    free(s->bytes);
}

static void run(const af_gen *g, const char *spec, const af_idx *schemas,
                uint32_t n_schemas, bool is_body, long n)
{
    samples all = samples_new((size_t)n * n_schemas);
    af_arena a;
    af_arena_init(&a);
    for (uint32_t k = 0; k < n_schemas; k++) {
        samples one = samples_new((size_t)n);
        for (long i = 0; i < n; i++)
            measure_one(g, schemas[k], &a, &one);
        memcpy(all.validate + all.n, one.validate, one.n * sizeof(double));
        memcpy(all.parse + all.n, one.parse, one.n * sizeof(double));
        memcpy(all.bytes + all.n, one.bytes, one.n * sizeof(double));
        all.n += one.n;
        all.n_valid += one.n_valid;
        char what[600];
        snprintf(what, sizeof what, "  schema=%s",
                 g->model->schemas[schemas[k]].pointer);
        print_row(what, &one);
        samples_free(&one);
    }
    char what[600];
    snprintf(what, sizeof what, "spec=%s schemas=%u source=%s", spec, n_schemas,
             is_body ? "request-bodies" : "responses");
    print_row(what, &all);
    samples_free(&all);
    af_arena_free(&a);
}

int main(int argc, char **argv)
{
    const char *spec = NULL;
    long n = 2000, max_schemas = 4;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "-n") == 0 && k + 1 < argc)
            n = strtol(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "-v") == 0)
            is_verbose = true;
        else if (strcmp(argv[k], "-k") == 0 && k + 1 < argc)
            max_schemas = strtol(argv[++k], NULL, 10);
        else
            spec = argv[k];
    }
    if (spec == NULL || n <= 0 || max_schemas <= 0 ||
        max_schemas > MAX_SCHEMAS) {
        fprintf(stderr, "usage: validate_bench [-v] [-n N] [-k K<=16] SPEC\n");
        return 2;
    }
    af_model *m = NULL;
    af_gen *g = NULL;
    af_error err;
    if (af_model_load(spec, &m, &err) != 0 ||
        af_gen_new(m, NULL, &g, &err) != 0) {
        char buf[1400];
        fprintf(stderr, "validate_bench: %s\n",
                af_error_format(&err, buf, sizeof buf));
        af_model_free(m);
        return 1;
    }
    af_idx schemas[MAX_SCHEMAS];
    bool is_body = false;
    uint32_t n_schemas =
        pick_schemas(m, schemas, (uint32_t)max_schemas, &is_body);
    if (n_schemas == 0)
        fprintf(stderr, "validate_bench: %s: no JSON response schema\n", spec);
    else
        run(g, spec, schemas, n_schemas, is_body, n);
    af_gen_free(g);
    af_model_free(m);
    return n_schemas == 0;
}
