/*
 * program.h - what the decoder produces: programs of calls, each a tree of
 * values, with the span of the input every node was decoded from.
 *
 * Lifetimes: an af_gen (the generator's plan: compiled patterns per schema,
 * producer->consumer pairs, caps) is built once per process from the model
 * and is immutable afterwards. An af_program and every value in it live in
 * the per-input arena passed to af_program_decode; nothing is freed one by
 * one.
 *
 * Spans: every af_value and af_call records [start, end) byte offsets of
 * the input it was decoded from (offsets may exceed the input length: reads
 * past the end are virtual zeros). Spans nest and are contiguous in
 * decoding order, which is what makes mutation a span replacement.
 */
#ifndef AF_PROGRAM_H
#define AF_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/choice.h"
#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

/* Caps that keep a hostile input or a recursive schema bounded. */
#define AF_GEN_MAX_CALLS_DEFAULT 4
#define AF_GEN_MAX_CALLS 16
#define AF_GEN_MAX_DEPTH 12       /* nesting of generated values */
#define AF_GEN_MAX_ITEMS 16       /* array items beyond minItems */
#define AF_GEN_MAX_PROPS 8        /* additional properties generated */
#define AF_GEN_MAX_STRING 256     /* code points beyond minLength */
#define AF_GEN_MAX_RENDERED 65536 /* bytes of one rendered request body */

typedef enum af_vkind {
    AF_V_NULL = 0,
    AF_V_BOOL,
    AF_V_INT,     /* JSON number without fraction (i) */
    AF_V_NUMBER,  /* JSON number (d) */
    AF_V_STRING,  /* UTF-8 text (s, len); also binary for octet bodies */
    AF_V_ARRAY,   /* items[n] */
    AF_V_OBJECT,  /* members[n] */
    AF_V_BACKREF, /* taken from an earlier call's response when run */
    AF_V_RAW      /* bytes rendered verbatim (malformed JSON on purpose) */
} af_vkind;

typedef struct af_value af_value;
typedef struct af_member af_member;

/* A value taken from an earlier call's response: the response body field
   at `pointer` ("/id") of call `call`; `fallback` is the value used when
   that field is absent or the call failed (and by `apifuzz gen`). */
typedef struct af_backref {
    uint32_t call;
    const char *pointer;
    af_value *fallback;
} af_backref;

struct af_value {
    af_vkind kind;
    af_idx schema;       /* the schema it was generated for; AF_NONE */
    uint32_t start, end; /* span in the input */
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            const char *s; /* not NUL-terminated necessarily: use len */
            size_t len;
        } str;
        struct {
            af_value *items;
            uint32_t n;
        } arr;
        struct {
            af_member *members;
            uint32_t n;
        } obj;
        af_backref ref;
    } u;
};

struct af_member {
    const char *name;
    af_value value;
};

/* The kinds of violation of negative mode (DESIGN.md, issue 3). */
typedef enum af_violation_kind {
    AF_VIOL_NONE = 0,
    AF_VIOL_TYPE,    /* wrong JSON type */
    AF_VIOL_MINIMUM, /* number below minimum */
    AF_VIOL_MAXIMUM,
    AF_VIOL_MULTIPLE_OF,
    AF_VIOL_MIN_LENGTH,
    AF_VIOL_MAX_LENGTH,
    AF_VIOL_PATTERN,
    AF_VIOL_FORMAT, /* soft: not a negative_data_rejection finding */
    AF_VIOL_ENUM,
    AF_VIOL_CONST,
    AF_VIOL_REQUIRED,   /* a required property left out */
    AF_VIOL_ADDITIONAL, /* a property where additionalProperties false */
    AF_VIOL_MIN_ITEMS,
    AF_VIOL_MAX_ITEMS,
    AF_VIOL_UNIQUE_ITEMS,
    AF_VIOL_MIN_PROPERTIES,
    AF_VIOL_MAX_PROPERTIES,
    AF_VIOL_ONE_OF, /* matches zero or two branches */
    AF_VIOL_NOT,
    AF_VIOL_MISSING_PARAM,  /* a required parameter left out */
    AF_VIOL_PARAM_TYPE,     /* a parameter value of the wrong type */
    AF_VIOL_MALFORMED_BODY, /* body is not parseable as its media type */
    AF_VIOL_CONTENT_TYPE,   /* a Content-Type the operation does not take */
    AF_VIOL_MISSING_BODY,   /* a required body left out */
    AF_VIOL_AUTH_MISSING,   /* credentials left out */
    AF_VIOL_AUTH_CORRUPT    /* credentials present but wrong */
} af_violation_kind;

typedef struct af_violation {
    af_violation_kind kind;
    bool is_soft;                /* format violations */
    const char *request_pointer; /* "/body/seats/0/row", "/query/limit" */
    const char *schema_pointer;  /* the schema keyword violated */
} af_violation;

/* One parameter of a call, in the order of the operation's params. */
typedef struct af_arg {
    uint32_t param;  /* index into the operation's params */
    bool is_present; /* optional parameters may be absent */
    af_value value;
} af_arg;

/* Credentials for one security scheme of the chosen alternative. */
typedef struct af_cred {
    int32_t scheme;    /* index into model.schemes */
    const char *value; /* token, key, or "user:pass" for basic */
    bool is_corrupt;
} af_cred;

typedef struct af_call {
    uint32_t op; /* index into model.ops */
    bool is_negative;
    af_violation violation; /* kind AF_VIOL_NONE in positive mode */
    af_arg *args;
    uint32_t n_args;
    int32_t media;            /* index into op.body->media; -1: no body */
    af_value *body;           /* NULL: no body */
    const char *content_type; /* Content-Type to send: the media type's
                                 name, another under AF_VIOL_CONTENT_TYPE;
                                 NULL when no body is sent */
    af_cred *creds;
    uint32_t n_creds;
    uint32_t start, end; /* span in the input */
} af_call;

typedef struct af_program {
    af_call *calls;
    uint32_t n_calls;
    uint32_t start, end;
} af_program;

/* A producer -> consumer pair: a field of an operation's response feeds a
   parameter (or body property) of another operation. From OpenAPI links,
   else inferred from names and types. */
typedef struct af_feed {
    uint32_t producer_op;
    const char *producer_pointer; /* "/id" in the response body */
    uint32_t consumer_op;
    uint32_t consumer_param;      /* index into the consumer's params, or
                                     UINT32_MAX for a body property */
    const char *consumer_pointer; /* body property pointer, NULL for a param */
    bool is_from_link;
} af_feed;

typedef struct af_gen af_gen; /* the plan; see gen.h */

#endif
