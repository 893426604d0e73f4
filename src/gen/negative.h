/*
 * negative.h - what negative.c (finding the places a violation applies,
 * choosing one, checking it) and violate.c (applying one) share.
 */
#ifndef AF_NEGATIVE_H
#define AF_NEGATIVE_H

#include "gen/gen_internal.h"

#define MAX_SITES 256

typedef enum site_at {
    AT_PARAM, /* a parameter's value (or its absence) */
    AT_BODY,  /* a body value */
    AT_CALL   /* the body as a whole, content type, credentials */
} site_at;

typedef struct site {
    af_violation_kind kind;
    site_at at;
    uint32_t arg;    /* AT_PARAM: the parameter index */
    af_value *v;     /* the value violated (NULL for call-level sites) */
    af_idx schema;   /* the node governing v */
    const char *ptr; /* request pointer */
    uint32_t member; /* REQUIRED: which member; AT_PARAM: 1 when the
                        parameter was absent (v is a value made for it) */
} site;

typedef struct nctx {
    af_gctx *x;
    af_call *call;
    const af_operation *op;
    site *sites;
    uint32_t n;
    uint8_t variant;
    bool is_text; /* the body is sent as text fields (form, multipart):
                     like parameters, a wrong type is only a string that
                     does not read back as the schema's type */
} nctx;

/* Applies the violation of a value site (AT_PARAM, AT_BODY) / of a
   call-level site (AT_CALL) in place; false when it cannot apply here.
   New arrays are allocated rather than shared ones changed, so the
   caller undoes a failed try by restoring the value and the call. */
bool af_gen_violate_value(nctx *n, const site *st);
bool af_gen_violate_call(nctx *n, const site *st);

#endif
