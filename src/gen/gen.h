/*
 * gen.h - the generator: a per-process plan built from the model, and the
 * total decoder that turns any byte string into a program (program.h).
 *
 * The plan (af_gen) is built once by af_gen_new and is immutable after:
 * the operations to decode (after the filter), a compiled af_regex per
 * schema pattern, the producer->consumer feeds (OpenAPI links, else
 * inferred from names and types), credentials per security scheme
 * (APIFUZZ_AUTH-style string, else placeholders), and for each allOf node
 * the merged view of its branches. Threads may share a plan; each thread
 * decodes into its own arena.
 *
 * Decoding (af_program_decode) has DESIGN.md's properties: total (every
 * byte string gives a program; the only failure is the arena refusing
 * memory), zero is simplest (all-zero input: one call of the first
 * operation with required parameters only, shortest arrays and strings,
 * numbers closest to 0 as choice.h defines them), local (every value and
 * call records its span of the input; spans nest and come in decoding
 * order, a container's own choice bytes lying between its children; the
 * bytes a node consumes depend only on its schema and its own bytes, with
 * three exceptions: which producers a back-reference can pick depends on
 * the earlier calls, the per-call node and string budgets, and a byte
 * string cut by the end of the input), and deterministic. Caps (program.h
 * AF_GEN_*, gen_internal.h) bound depth, calls, items, properties,
 * strings and nodes per call, so recursive schemas stay bounded. A value
 * regenerated from derived choices (a oneOf value that matched two
 * branches, a duplicate under uniqueItems) keeps its own span, and its
 * descendants get empty spans.
 *
 * What the renderer reads (program.h), with the decoder's conventions:
 * - af_call.op indexes model->ops (not g->ops); args are one per operation
 *   parameter, in the operation's order; an absent optional parameter has
 *   is_present false (in negative mode a required one may be absent too).
 * - af_call.media indexes op->body->media, -1 when no body is sent;
 *   af_call.content_type is the Content-Type to send (the media type's
 *   name; another one under AF_VIOL_CONTENT_TYPE; NULL when no body).
 * - Values follow the schema's JSON types: a `number` schema may give an
 *   integral AF_V_NUMBER; `integer` gives AF_V_INT. Strings are valid
 *   UTF-8 (printable ASCII only in header and cookie parameters, except
 *   where a pattern asks otherwise), but a body of a binary media type
 *   (octet-stream, image/..., no schema) is an AF_V_STRING of raw bytes.
 * - A value of kind AF_V_BACKREF stands for a response field of an earlier
 *   call; render u.ref.fallback when the runtime value is not available.
 * - A body of kind AF_V_RAW (u.str) is sent verbatim (malformed JSON).
 * - af_cred.value: bearer token, API key, or "user:pass" for basic (the
 *   renderer base64-encodes it); is_corrupt marks a corrupted credential.
 *   AF_VIOL_AUTH_MISSING: n_creds is 0.
 * - A call decoded negative that has nothing to violate (no parameter,
 *   body or credentials) is left positive: is_negative false.
 */
#ifndef AF_GEN_H
#define AF_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/choice.h"
#include "gen/program.h"
#include "gen/regex.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

typedef enum af_gen_mode {
    AF_GEN_POSITIVE = 0, /* every call conforms to the spec */
    AF_GEN_NEGATIVE,     /* every call carries exactly one violation */
    AF_GEN_MIXED         /* each call positive or negative by choice */
} af_gen_mode;

typedef struct af_gen_opts {
    uint32_t max_calls; /* calls per program, 1..AF_GEN_MAX_CALLS; 0:
                           AF_GEN_MAX_CALLS_DEFAULT */
    af_gen_mode mode;
    const char *operation; /* filter: an operationId, or "METHOD /path"
                              (e.g. "GET /pets/{id}"); NULL: all */
    const char *path;      /* filter: a path template; NULL: all */
    const char *auth;      /* "bearerAuth=TOKEN;api_key=KEY;basic=u:p"
                              (APIFUZZ_AUTH syntax: scheme name, or the
                              words bearer / basic / apikey, = value);
                              NULL: placeholders for every scheme */
    bool keep_read_only;   /* generate readOnly properties in requests
                              (default false: left out) */
} af_gen_opts;

/* A schema node of the plan. Nodes 0..model->n_schemas-1 are the
   model's; later ones are synthesized (merged allOf views, a property
   constrained by several allOf branches, oneOf/anyOf branches merged with
   their parent's other keywords). Private to src/gen. */
typedef struct af_gen_node {
    const af_schema *raw;       /* the node's keywords (model or synthesized) */
    af_idx view;                /* node generated from: raw without allOf, the
                                   branches merged in; itself when no allOf */
    af_idx origin;              /* the model node it stands for (values record
                                   this in af_value.schema) */
    const af_idx *branch_views; /* per oneOf (else anyOf) branch: the
                                   branch merged with the other keywords */
    af_regex *regex;            /* compiled `pattern`; NULL none/unusable */
    af_regex *const *prop_regex; /* per patternProperties entry */
    uint32_t check;              /* CHECK_* bits (gen_internal.h): what the
                                    matcher must confirm after generating */
    bool is_unsat; /* no value can satisfy it (unsat.c): optional members,
                      items and parameters under it are left out */
} af_gen_node;

struct af_gen {
    const af_model *model; /* borrowed; must outlive the plan */
    af_gen_opts opts;      /* strings copied into the plan's arena */
    uint32_t max_calls;

    const uint32_t *ops; /* the operations decoded, indexes into model->ops,
                            in model order (the filter applied) */
    uint32_t n_ops;

    const af_feed *feeds; /* sorted by consumer_op, then consumer_param */
    uint32_t n_feeds;
    const uint32_t *feed_first; /* model->n_ops + 1 entries: the feeds
                                   consumed by model op k are
                                   feeds[feed_first[k] .. feed_first[k+1]) */

    const char *const *creds;        /* per model->schemes: the credential value
                                        (token, key, "user:pass") */
    const bool *cred_is_placeholder; /* per scheme: not from opts.auth */

    af_gen_node *nodes; /* model nodes, then synthesized ones */
    uint32_t n_nodes, cap_nodes;
    af_idx any; /* a synthesized empty schema: any value */

    af_arena arena; /* private: owns everything above */
};

/* The plan options of a fuzzer binary, from its environment:
   APIFUZZ_MODE (positive | negative | mixed, default mixed),
   APIFUZZ_MAX_CALLS (1..AF_GEN_MAX_CALLS), APIFUZZ_OPERATION and
   APIFUZZ_AUTH (the strings borrowed from the environment). Every engine
   reads them through this, so an input decodes alike everywhere. Returns
   0, or AF_EUSAGE with the variable named in err. */
int af_gen_opts_from_env(af_gen_opts *o, af_error *err);

/* Builds the plan for m with opts (NULL: defaults). Fails with AF_EUSAGE
   when the filter matches no operation (message names the filter), the
   model has no operations, or the auth string is malformed; or
   AF_ENOMEM. Unusable patterns do not fail: strings under them are
   generated without the pattern (lint warns). *out is freed with
   af_gen_free. */
int af_gen_new(const af_model *m, const af_gen_opts *opts, af_gen **out,
               af_error *err);

void af_gen_free(af_gen *g);

/* Decodes the input (len bytes; data may be NULL when len is 0) into a
   program of 1..g->max_calls calls. Everything *out points to lives in
   arena a (the per-input arena; reset it between inputs). Never fails on
   any input; returns AF_ENOMEM only when the arena refuses memory.
   Deterministic: the same plan and bytes give the same program. */
int af_program_decode(const af_gen *g, af_arena *a, const uint8_t *data,
                      size_t len, af_program *out, af_error *err);

/* Decodes one positive value for schema node `schema` from the stream c
   (used by af_program_decode, the mutator and tests). out->start/end is
   the span read. Returns 0 or AF_ENOMEM. is_request: readOnly properties
   are left out (unless opts.keep_read_only). */
int af_value_decode(const af_gen *g, af_arena *a, af_choices *c, af_idx schema,
                    bool is_request, af_value *out);

/* Whether value v conforms to schema node `schema` (request direction)
   by the generator's own structural matcher: types, enum/const, bounds,
   lengths, pattern, object and array keywords, allOf/anyOf/oneOf/not,
   if/then/else, $ref. Formats, $dynamicRef and unevaluated* are not
   judged (taken as satisfied), so a value it rejects is invalid. A
   backref matches by its fallback. Used to keep oneOf exclusive and
   violations real; the independent validator is src/check. */
bool af_value_matches(const af_gen *g, af_idx schema, const af_value *v);

/* Stable names: "type", "minimum", ... "auth_corrupt"; "none". */
const char *af_violation_name(af_violation_kind kind);

/* "positive", "negative", "mixed". */
const char *af_gen_mode_name(af_gen_mode mode);

/* ---- the encoder (encode*.c): DESIGN.md "Round-trip" ---- */

/* Appends to w the choices from which af_value_decode(g, ..., schema,
   is_request) gives back exactly value (equal as JSON; member order does
   not matter). Every encoding is checked by decoding it back. Returns 0;
   AF_EUSAGE when the value cannot be represented, w unchanged and err's
   message "<class>: at '<pointer>': <reason>" with class `invalid` (it
   violates the schema), `cap` (it exceeds the generator's caps: items,
   extra members, string lengths, depth) or `unsupported` (valid, but the
   generator never makes it: a format shape, a readOnly member in a
   request, a value a check-and-regenerate loop would replace); or
   AF_ENOMEM. Not for hot paths. */
int af_value_encode(const af_gen *g, af_choice_writer *w, af_idx schema,
                    bool is_request, const cJSON *value, af_error *err);

/* A positive call to encode: parameter values keyed by parameter name
   ("in:name", e.g. "header:id", when names repeat across locations); an
   optional parameter not given is absent, a required one not given gets
   its simplest value. media: index into op->body->media, -1 for no body
   (a required body then gets media 0 and its simplest value). For a
   binary media type the body is a JSON string of the bytes. */
typedef struct af_call_spec {
    const cJSON *params; /* a JSON object, or NULL */
    int32_t media;
    const cJSON *body;
} af_call_spec;

/* Appends the choices of one positive call of model operation `op` (which
   must pass the plan's filter): operation index, the positive flag in
   mixed mode, each parameter, the first security alternative, the body;
   back-references choose "fresh". Checked by decoding the call back.
   Fails with AF_EUSAGE (message as af_value_encode's, naming the
   parameter or body) in negative mode or when a value cannot be
   represented; w is then unchanged. */
int af_call_encode(const af_gen *g, af_choice_writer *w, uint32_t op,
                   const af_call_spec *spec, af_error *err);

/* A program of n calls (1..g->max_calls): the calls with the "another
   call follows" choices between them. */
int af_program_encode(const af_gen *g, af_choice_writer *w, const uint32_t *ops,
                      const af_call_spec *specs, uint32_t n, af_error *err);

/* Seeds from the spec's examples: for each operation of the plan, one
   one-call program per request body example (af_media.examples, then the
   body schema's examples and default) and per parameter example (its
   examples, its schema's examples and default), the other parameters from
   their first example (or simplest values when that does not encode).
   Values that cannot be encoded are skipped. emit gets each program's
   bytes (in a, valid until a is reset) and a short description. Returns
   the number of seeds emitted, or AF_ENOMEM. */
int af_examples_seeds(const af_gen *g, af_arena *a,
                      void (*emit)(void *ctx, const uint8_t *data, size_t len,
                                   const char *what),
                      void *ctx);

#endif
