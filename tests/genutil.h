/*
 * genutil.h - helpers of the generator's tests (see genutil.c).
 */
#ifndef AF_GENUTIL_H
#define AF_GENUTIL_H

#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>

#include "gen/gen.h"
#include "gen/gen_internal.h"

#define AF_TEST_TRICKY "tests/specs/gen/tricky-3.0.yaml"
#define AF_TEST_TRICKY31 "tests/specs/gen/tricky-3.1.yaml"
#define AF_TEST_PETSTORE "tests/specs/ok/petstore-3.0.yaml"

/* Seeded xorshift; af_test_random_input fills 0..max bytes (now and then
   biased toward small byte values, as mutated inputs are). */
void af_test_seed(uint64_t seed);
uint64_t af_test_rnd(void);
size_t af_test_random_input(uint8_t *buf, size_t max);

/* Loads a spec (a failure fails the test, except for the shared
   real-world specs, which give NULL). */
af_model *af_test_load_spec(const char *path);
/* A plan with mode and an operation filter; NULL when the spec has no
   operations (webhooks only). */
af_gen *af_test_plan(const af_model *m, af_gen_mode mode, const char *op);
/* Our specs, then the shared examples and real-world specs found. */
int af_test_spec_paths(char paths[][512], int cap);

/* Prints a value as JSON-ish text (errors: to stderr via print_error). */
void af_test_dump_value(const af_value *v);
/* Spans of calls, arguments and values nest and come in order. */
bool af_test_spans_ok(const af_program *p);
const af_value *af_test_member(const af_value *o, const char *name);
bool af_test_is_json_media(const af_operation *op, int32_t media);
/* Strings with a known format conform to it, along the schema views. */
bool af_test_formats_ok(const af_gen *g, af_idx i, const af_value *v,
                        unsigned depth);
double af_test_num(const af_value *v);
bool af_test_is_unique(const af_value *arr);

/* The value at a request pointer of a call ("/query/limit",
   "/body/a/0"), the schema over it, and the parameter index (-1 body). */
const af_value *af_test_resolve(const af_gen *g, const af_call *call,
                                const char *ptr, af_idx *schema, int32_t *arg);
/* Whether a negative call's recorded violation holds in the call: the
   keyword named is violated by the value at the request pointer. */
bool af_test_call_violated(const af_gen *g, const af_call *call);

/* The validator of src/check judges v against schema i (request
   direction, formats per dialect); why gets its first error. */
bool af_test_validator_accepts(const af_model *m, af_idx i, const af_value *v,
                               af_arena *a, char *why, size_t cap);
/* v holds an integer beyond 2^53, which cJSON cannot carry exactly. */
bool af_test_has_big_int(const af_value *v);

/* Pre-order list of a program's nodes with what identifies each. */
typedef struct flat {
    const af_value *v;
    uint32_t depth;
    uint32_t size;   /* nodes in its subtree, itself included */
    bool is_fragile; /* under uniqueItems or a checked (oneOf/not) node */
} flat;

typedef struct flist {
    flat *f;
    uint32_t n, cap;
} flist;

void af_test_flatten(const af_gen *g, flist *l, const af_value *v,
                     uint32_t depth, bool fragile);
/* Every argument (absent ones as null) and body of every call. */
void af_test_flatten_program(const af_gen *g, flist *l, const af_program *p);
/* Same kind, schema and scalar (or member names / item count). */
bool af_test_same_node(const af_value *a, const af_value *b);
/* Same calls and the same nodes with the same spans. */
bool af_test_same_program(const af_gen *g, const af_program *a,
                          const af_program *b);

#endif
