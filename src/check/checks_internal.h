/*
 * checks_internal.h - what checks.c (selection, response checks),
 * checks_req.c (checks of the request's intent: negative, positive,
 * auth, headers), checks_state.c (resources across calls, reruns) and
 * report.c share.
 */
#ifndef AF_CHECKS_INTERNAL_H
#define AF_CHECKS_INTERNAL_H

#include "check/checks.h"

/* Appends a finding for exchange x (call index) with the operation and
   status filled and every text ""; NULL when out of memory. */
af_finding *af_checks_add(af_check_ctx *ctx, af_check_id check, uint32_t index,
                          const af_exchange *x);

/* The documented response of op for status (exact, range, default), or
   NULL. */
const af_response *af_checks_documented(const af_operation *op, int status);

/* Whether a documented media range matches media type got. */
bool af_checks_media_matches(const char *documented, const char *got);

/* Whether the call's recorded violation still holds in the rendered
   request (re-checked on the wire, checks_req.c). */
bool af_checks_violation_holds(const af_check_ctx *ctx, const af_exchange *x);

/* The request-intent checks (checks_req.c) and the stateful ones
   (checks_state.c), each honouring ctx->opts.enabled. */
void af_checks_request(af_check_ctx *ctx, uint32_t index, const af_exchange *x);
void af_checks_state(af_check_ctx *ctx, uint32_t index, const af_exchange *x);

#endif
