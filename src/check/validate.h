/*
 * validate.h - JSON Schema validation of a JSON instance (a cJSON tree)
 * against a node of the compiled model.
 *
 * Semantics follow the model's dialect: OpenAPI 3.0 / Swagger 2.0 / draft 4
 * (nullable and x-nullable, boolean exclusive bounds, normalized by the
 * compiler), draft 7, and 2020-12 / OpenAPI 3.1 ($ref beside keywords,
 * $dynamicRef with the dynamic scope, unevaluatedProperties/Items through
 * the annotations of successful branches). readOnly and writeOnly are
 * honoured by direction; discriminator is an annotation only.
 *
 * Memory: everything (errors, pointers, annotation sets) comes from the
 * caller's arena, which the caller resets between instances; nothing is
 * malloc'ed on the validation path, except PCRE2's per-thread match data
 * and the format checker's Unicode classes (once per thread / process),
 * and the compile that asserting `format: regex` needs. Recursion is
 * bounded (AF_VALIDATE_MAX_DEPTH): a recursive schema on a deep instance,
 * or a $ref loop that never descends into the instance, ends in an
 * error, never in a stack overflow; so is the total work
 * (AF_VALIDATE_MAX_STEPS).
 *
 * Tuned for response bodies of a few KiB against OpenAPI schemas of tens
 * of properties: a valid instance is checked in a few microseconds, and
 * error texts are only built for the errors reported.
 */
#ifndef AF_VALIDATE_H
#define AF_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "spec/model.h"
#include "util/arena.h"

/* Nested schema applications (instance depth and $ref hops together). */
#define AF_VALIDATE_MAX_DEPTH 512
/* Schema applications in one validation: a bound on the work a hostile
   instance can cause (nested anyOf branches that fail late are otherwise
   exponential in the instance's depth). */
#define AF_VALIDATE_MAX_STEPS 10000000
/* Errors kept in all-errors mode when opts->max_errors is 0. */
#define AF_VALIDATE_MAX_ERRORS 100

typedef enum af_direction {
    AF_DIRECTION_NONE = 0, /* readOnly and writeOnly are annotations */
    AF_DIRECTION_REQUEST,  /* readOnly properties are not allowed; a
                              required readOnly property may be missing */
    AF_DIRECTION_RESPONSE  /* writeOnly properties are not allowed; a
                              required writeOnly property may be missing */
} af_direction;

typedef enum af_formats {
    AF_FORMATS_DEFAULT = 0, /* per dialect: asserted in OpenAPI 3.0,
                               Swagger 2.0, drafts 4 and 7; annotations in
                               2020-12 and OpenAPI 3.1 */
    AF_FORMATS_ASSERT,      /* the formats we know are asserted */
    AF_FORMATS_ANNOTATE     /* format never fails */
} af_formats;

typedef struct af_validate_opts {
    af_direction direction;
    bool all_errors; /* report every error (up to max_errors); else
                        stop at the first */
    af_formats formats;
    uint32_t max_errors; /* 0: AF_VALIDATE_MAX_ERRORS */
} af_validate_opts;

/* One failed assertion. Strings live in the arena. */
typedef struct af_verror {
    const char *instance; /* JSON pointer into the instance: "" for the
                             root, "/items/0/id" */
    const char *schema;   /* the schema node's pointer plus the keyword:
                             "#/components/schemas/Booking/properties/id/type" */
    const char *reason;   /* "expected integer, got string" */
} af_verror;

typedef struct af_validation {
    bool is_valid;
    const af_verror *errors; /* n_errors entries, in the arena */
    uint32_t n_errors;       /* >= 1 when !is_valid */
    bool is_truncated;       /* max_errors were found and the search
                                stopped there: there may be more */
} af_validation;

/* Validates instance against schema node `schema` of m. opts may be NULL
   (defaults: no direction, first error, formats per dialect). Returns 0
   with out->is_valid telling the verdict; AF_ELIMIT when a bound stopped
   it (depth, steps, or a pattern's match limit): out->is_valid is false
   and the last error says which; AF_ENOMEM when the arena refused memory
   (out->is_valid false); AF_EUSAGE for a NULL argument or a bad index.
   Deterministic; m is only read, so threads may share it (one arena per
   thread). */
int af_validate(const af_model *m, af_idx schema, const cJSON *instance,
                const af_validate_opts *opts, af_arena *a, af_validation *out);

/* Whether the known format f accepts the string s (len bytes): the
   checks behind `format` (format.c). Unknown formats, binary and
   password accept anything. */
bool af_format_check_string(af_format f, const char *s, size_t len);

/* Whether the number d fits format f (int32, int64, float, double;
   others accept any number). */
bool af_format_check_number(af_format f, double d);

#endif
