/*
 * validate_internal.h - the validator's state, shared by validate.c (the
 * driver: errors, pointers, composition, references, dynamic scope,
 * unevaluated*), validate_kw.c (the assertions and the object and array
 * applicators), jsoneq.c (JSON equality) and meta.c (the built-in
 * meta-schema check).
 *
 * Conventions: every check returns true when the instance passes. A
 * failing check in a reporting context records an error (af_v_fail) and
 * the caller goes on only when af_v_more says so (all-errors mode);
 * inside a branch whose errors are not reported (anyOf, oneOf, not, if,
 * contains) `quiet` is > 0 and the first failure ends the branch.
 */
#ifndef AF_VALIDATE_INTERNAL_H
#define AF_VALIDATE_INTERNAL_H

#include "check/validate.h"

/* Evaluated members of an object or items of an array (by position), the
   annotations unevaluatedProperties/Items read. */
typedef struct af_bits {
    uint64_t *words;
    uint32_t n; /* positions */
} af_bits;

/* A step of the instance pointer: a member name or an array index. */
typedef struct af_vstep {
    const char *key; /* NULL: index */
    uint32_t index;
} af_vstep;

typedef struct af_vctx {
    const af_model *m;
    af_arena *a;
    af_direction direction;
    bool is_all; /* all-errors mode */
    bool assert_formats;
    uint32_t max_errors;
    unsigned quiet;  /* > 0: errors are not recorded */
    bool is_stopped; /* the verdict is known to be false: unwind */
    int status;      /* 0, AF_ELIMIT or AF_ENOMEM */
    uint32_t depth;
    uint32_t steps; /* schema applications so far */
    uint32_t n_path, n_scope;
    af_verror *errors;
    uint32_t n_errors, cap_errors;
    bool is_truncated;
    /* last, so that the fields above can be cleared alone */
    af_vstep path[AF_VALIDATE_MAX_DEPTH + 1];  /* the instance pointer */
    uint32_t scope[AF_VALIDATE_MAX_DEPTH + 1]; /* dynamic scope: resources */
} af_vctx;

/* The schema at index i. */
static inline const af_schema *af_v_schema(const af_vctx *x, af_idx i)
{
    return &x->m->schemas[i];
}

/* Whether a failed check should let the evaluation go on (reporting,
   all-errors mode, not stopped). */
static inline bool af_v_more(const af_vctx *x)
{
    return x->quiet == 0 && x->is_all && !x->is_stopped;
}

/* Applies schema i to v (validate.c). ev: the evaluated set of v to mark
   (NULL when no unevaluated* keyword above needs it). */
bool af_v_eval(af_vctx *x, af_idx i, const cJSON *v, af_bits *ev);

/* As af_v_eval for v found at member key (index when key is NULL) of the
   current instance: the instance pointer grows by that step. */
bool af_v_eval_at(af_vctx *x, af_idx i, const cJSON *v, const char *key,
                  uint32_t index);

/* Records an error at the current instance for keyword kw of s (kw may be
   NULL: the node itself) and returns false. Never fails: when the arena
   refuses, the status becomes AF_ENOMEM. */
bool af_v_fail(af_vctx *x, const af_schema *s, const char *kw, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* A bound was hit: records the error, sets the status, stops. */
bool af_v_limit(af_vctx *x, const af_schema *s, const char *kw,
                const char *why);

/* A fresh, empty evaluated set of n positions; NULL when out of memory
   (the status is set). */
af_bits *af_v_bits_new(af_vctx *x, uint32_t n);

static inline void af_bits_set(af_bits *b, uint32_t i)
{
    if (b != NULL && i < b->n)
        b->words[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline bool af_bits_has(const af_bits *b, uint32_t i)
{
    return i < b->n && (b->words[i / 64] >> (i % 64) & 1) != 0;
}

/* The keyword groups (validate_kw.c); each returns true when v passes. */
bool af_v_type(af_vctx *x, const af_schema *s, const cJSON *v);
bool af_v_values(af_vctx *x, const af_schema *s, const cJSON *v);
bool af_v_number(af_vctx *x, const af_schema *s, double d);
bool af_v_string(af_vctx *x, const af_schema *s, const char *str);
bool af_v_array(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev);
bool af_v_object(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev);

/* "integer", "string", ... for v. */
const char *af_v_type_name(const cJSON *v);

/* Writes d in its shortest round-tripping form into buf. */
const char *af_v_num(char *buf, size_t cap, double d);

/* JSON equality (jsoneq.c): numbers by value (1 == 1.0), objects
   regardless of member order, false != 0. depth bounds the recursion
   (cJSON trees are at most CJSON_NESTING_LIMIT deep anyway). */
bool af_json_equal(const cJSON *a, const cJSON *b);

/* A hash consistent with af_json_equal. */
uint64_t af_json_hash(const cJSON *v);

/* The index of the first item equal to an earlier one in arr, or -1
   (the earlier one in *first); n log n with the hashes in the arena.
   -2 when out of memory. */
int64_t af_json_duplicate(af_arena *a, const cJSON *arr, int64_t *first);

/* The built-in check of a standard meta-schema (meta.c): whether v is a
   schema of dialect d; on failure writes where and why into why. */
bool af_meta_check(af_dialect d, const cJSON *v, char *why, size_t cap);

#endif
