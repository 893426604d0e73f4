/*
 * har_read.h - what `apifuzz har2corpus` (har2corpus.c) shares with its
 * helpers: reading HAR files (har_read.c), finding the operation of a
 * recorded request and turning the request back into parameter values
 * and a body (har_match.c), and reading parameter texts by their
 * OpenAPI style (har_value.c).
 *
 * Lifetimes: a parsed HAR (cJSON) lives until the caller deletes it;
 * every af_har_req string lives in the arena given to af_har_read_entry;
 * the cJSON values of an af_har_call are owned by the call (freed by
 * af_har_call_free).
 */
#ifndef AF_HAR_READ_H
#define AF_HAR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gen/gen.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

/* A name and a value (NUL-terminated, in the arena). */
typedef struct af_har_kv {
    const char *name, *value;
} af_har_kv;

/* One recorded request. */
typedef struct af_har_req {
    const char *method;
    const char *path;  /* as sent (percent-encoded), without query */
    const char *query; /* without '?'; "" none */
    const af_har_kv *headers;
    size_t n_headers;
    const af_har_kv *cookies; /* request.cookies (used without a Cookie
                                 header) */
    size_t n_cookies;
    const char *content_type; /* the Content-Type header, else
                                 postData.mimeType; NULL none */
    const uint8_t *body;      /* NULL when no body was sent */
    size_t body_len;
    const char *pageref; /* the entry's page, NULL none */
    /* the entry's _apifuzz object, when apifuzz wrote it */
    bool has_meta;
    int64_t program; /* -1 unknown */
    const char *input;
    bool is_negative;
    const char *violation; /* its kind, NULL none */
} af_har_req;

/* Reads a HAR file (at most 1 GiB) and returns its root and its
   log.entries array. 0, or AF_EIO / AF_ESYNTAX / AF_ESPEC with err
   saying why. *root is freed with cJSON_Delete. */
int af_har_load(const char *path, cJSON **root, const cJSON **entries,
                af_error *err);

/* Reads one entry's request into out (strings in a). 0, or AF_ESPEC
   when the entry is not a HAR entry with a request (err says why). */
int af_har_read_entry(af_arena *a, const cJSON *entry, af_har_req *out,
                      af_error *err);

/* The first header named name (case-insensitive), NULL none. */
const char *af_har_header(const af_har_req *q, const char *name);

/* ---- har_match.c ---- */

/* A request turned into a call of the plan. */
typedef struct af_har_call {
    uint32_t op;    /* model operation index */
    cJSON *params;  /* "in:name" -> value, for af_call_spec.params */
    int32_t media;  /* index into op->body->media; -1 none */
    cJSON *body;    /* NULL none */
    char note[256]; /* what the seed leaves out (query parameters the
                       spec does not know); "" none */
} af_har_call;

/* Finds the operation of q in the plan (method and path template, after
   the base path) and reads the call's parameters and body from it.
   0, or AF_EUSAGE with err's message saying why the request cannot be
   one positive call of the plan (no operation, a required parameter or
   body missing, a value that does not parse). On success free out with
   af_har_call_free. */
int af_har_match(const af_gen *g, af_arena *a, const af_har_req *q,
                 af_har_call *out, af_error *err);

void af_har_call_free(af_har_call *c);

/* ---- har_value.c: texts by style, typed by schema ---- */

/* Percent-decodes n bytes of s into the arena (NUL-terminated; *len
   set); '+' becomes a space when is_form. NULL when out of memory. */
char *af_har_pct_decode(af_arena *a, const char *s, size_t n, bool is_form,
                        size_t *len);

/* The JSON value of a primitive text for schema (an enum member it
   spells, else a number, boolean or null the schema's types allow, else
   the string); JSON text for array and object schemas. NULL with err set
   when a number in it cannot be held exactly (an integer beyond 2^53:
   the encoder takes doubles) or out of memory. */
cJSON *af_har_typed(const af_model *m, af_idx schema, const char *text,
                    size_t len, af_error *err);

/* A JSON text (len bytes) parsed, or NULL with err saying why: not JSON
   (`what` names the text), or a number a double cannot hold exactly. */
cJSON *af_har_parse_json(const char *text, size_t len, const char *what,
                         af_error *err);

/* The schema's types (AF_TYPE_* bits) through $ref, allOf, anyOf and
   oneOf. */
uint32_t af_har_types(const af_model *m, af_idx schema);

/* The schema of property name of an object schema (through $ref and
   allOf; additionalProperties otherwise), AF_NONE when unknown. */
af_idx af_har_prop_schema(const af_model *m, af_idx schema, const char *name);

/* The items schema of an array schema, AF_NONE when unknown. */
af_idx af_har_items_schema(const af_model *m, af_idx schema);

/* Query or cookie pairs, raw (still percent-encoded). */
typedef struct af_har_pairs {
    const af_har_kv *kv;
    size_t n;
} af_har_pairs;

/* The value of parameter p of operation op, read by its style and
   explode from text (path and header parameters: the one raw text, NULL
   when absent) or pairs (query and cookie parameters: every pair of the
   query or the Cookie header). 0 with *out NULL when the parameter is
   absent, 0 with *out set (the caller owns it), or AF_EUSAGE with err
   naming the parameter when its text does not read (AF_ENOMEM). */
int af_har_param_value(const af_model *m, af_arena *a, const af_param *p,
                       const char *text, const af_har_pairs *pairs,
                       const af_operation *op, cJSON **out, af_error *err);

#endif
