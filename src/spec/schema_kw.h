/*
 * schema_kw.h - private interface between schema.c (memo, references,
 * recursion) and schema_kw.c / schema_obj.c (the keywords).
 *
 * Invariant: c->sch is realloc'ed whenever a child schema is compiled, so
 * keyword code never holds an af_schema * across af_schema_child or
 * af_schema_ref: it computes the child index first, then writes the field
 * through AF_SCH(x).
 */
#ifndef AF_SCHEMA_KW_H
#define AF_SCHEMA_KW_H

#include <stdbool.h>
#include <stdint.h>

#include "spec/compile.h"

/* Keywords read by the compiler; one pass over a node's members files
   each under its enum (af_schema_kw_index), so a keyword lookup is an
   array read instead of a scan of the object. */
typedef enum af_kw {
    AF_KW_REF,
    AF_KW_DYNAMIC_REF,
    AF_KW_RECURSIVE_REF,
    AF_KW_DYNAMIC_ANCHOR,
    AF_KW_RECURSIVE_ANCHOR,
    AF_KW_TYPE,
    AF_KW_NULLABLE,
    AF_KW_X_NULLABLE,
    AF_KW_FORMAT,
    AF_KW_ENUM,
    AF_KW_CONST,
    AF_KW_DEFAULT,
    AF_KW_EXAMPLE,
    AF_KW_EXAMPLES,
    AF_KW_TITLE,
    AF_KW_READ_ONLY,
    AF_KW_WRITE_ONLY,
    AF_KW_DEPRECATED,
    AF_KW_MINIMUM,
    AF_KW_MAXIMUM,
    AF_KW_EXCLUSIVE_MINIMUM,
    AF_KW_EXCLUSIVE_MAXIMUM,
    AF_KW_MULTIPLE_OF,
    AF_KW_MIN_LENGTH,
    AF_KW_MAX_LENGTH,
    AF_KW_PATTERN,
    AF_KW_ITEMS,
    AF_KW_ADDITIONAL_ITEMS,
    AF_KW_PREFIX_ITEMS,
    AF_KW_MIN_ITEMS,
    AF_KW_MAX_ITEMS,
    AF_KW_UNIQUE_ITEMS,
    AF_KW_CONTAINS,
    AF_KW_MIN_CONTAINS,
    AF_KW_MAX_CONTAINS,
    AF_KW_UNEVALUATED_ITEMS,
    AF_KW_PROPERTIES,
    AF_KW_REQUIRED,
    AF_KW_ADDITIONAL_PROPERTIES,
    AF_KW_PATTERN_PROPERTIES,
    AF_KW_MIN_PROPERTIES,
    AF_KW_MAX_PROPERTIES,
    AF_KW_PROPERTY_NAMES,
    AF_KW_UNEVALUATED_PROPERTIES,
    AF_KW_DEPENDENT_REQUIRED,
    AF_KW_DEPENDENT_SCHEMAS,
    AF_KW_DEPENDENCIES,
    AF_KW_ALL_OF,
    AF_KW_ANY_OF,
    AF_KW_ONE_OF,
    AF_KW_NOT,
    AF_KW_IF,
    AF_KW_THEN,
    AF_KW_ELSE,
    AF_KW_DISCRIMINATOR,
    AF_KW_COUNT
} af_kw;

/* The schema node being compiled. */
typedef struct af_sctx {
    af_compiler *c;
    const af_doc *doc;
    const cJSON *node;   /* a JSON object */
    const char *pointer; /* display pointer of node, in the model arena */
    af_idx idx;          /* its slot in c->sch */
    const cJSON *kw[AF_KW_COUNT]; /* members of node by keyword; NULL */
} af_sctx;

#define AF_SCH(x) (&(x)->c->sch[(x)->idx])

/* The keyword named name, or -1 when the compiler does not read it. */
int af_schema_kw_index(const char *name);

/* Compiles the schema child, found at x's pointer + "/kw" and, when given,
   "/token" or "/index" (index < 0: none); returns its index or AF_NONE
   with c->err set. */
af_idx af_schema_child(const af_sctx *x, const cJSON *child, const char *kw,
                       const char *token, int index);

/* Resolves ref, found at from (a display pointer; NULL: x's pointer), to a
   schema index, following $refs that replace their node. Errors go to err
   (c->err, or a local one for best-effort lookups). */
af_idx af_schema_ref(const af_sctx *x, const char *from, const char *ref,
                     af_error *err);

/* x's pointer extended by "/kw" and, when given, "/token" or "/index",
   escaped; in the model arena (NULL when out of memory). */
const char *af_schema_ptr(const af_sctx *x, const char *kw, const char *token,
                          int index);

/* A warning at x's pointer + "/kw" (+ "/index" when index >= 0). */
void af_schema_warn(const af_sctx *x, const char *kw, int index,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A located error (af_doc_error) at x's pointer + "/kw" (+ "/index");
   returns code. */
int af_schema_error(const af_sctx *x, int code, const char *kw, int index,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Out of memory at x: sets c->err, returns AF_ENOMEM. */
int af_schema_oom(const af_sctx *x);

/* The status to return after a child failed: c->err's code. */
int af_schema_failed(const af_sctx *x);

/* Scalar keyword readers (schema_kw.c). A value of the wrong JSON type is
   warned about and reads as absent. get_count: a non-negative integer
   (2.0 too), clamped below AF_UNBOUNDED; get_string: copied into the
   arena, < 0 only when out of memory. */
bool af_schema_get_count(const af_sctx *x, af_kw k, uint32_t *out);
void af_schema_set_flag(const af_sctx *x, af_kw k, uint32_t flag);
int af_schema_get_string(const af_sctx *x, af_kw k, const char **out);

/* The dialect of a standard meta-schema URI ("http://json-schema.org/
   draft-07/schema#", ...), or 0 (schema_kw.c). */
af_dialect af_schema_metaschema_of(const char *uri);

/* Whether the meta-schema named by doc's `$schema` lists the validation
   vocabulary (2019-09+ $vocabulary); true when it does not say. */
bool af_schema_read_vocab(af_compiler *c, const af_doc *doc);

/* Forgets the validation vocabulary's keywords of x (they are then
   annotations). */
void af_schema_drop_validation(af_sctx *x);

/* The keyword groups (schema_kw.c, schema_obj.c); each returns 0 or < 0
   with c->err set. */
int af_schema_kw_type(const af_sctx *x);
int af_schema_kw_values(const af_sctx *x);
int af_schema_kw_numbers(const af_sctx *x);
int af_schema_kw_strings(const af_sctx *x);
int af_schema_kw_arrays(const af_sctx *x);
int af_schema_kw_objects(const af_sctx *x);
int af_schema_kw_dependencies(const af_sctx *x);
int af_schema_kw_composition(const af_sctx *x);
int af_schema_kw_discriminator(const af_sctx *x);

#endif
