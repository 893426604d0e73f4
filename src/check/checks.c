/*
 * checks.c - the named checks of DESIGN.md's table, judged on each
 * exchange of a program (checks.h), and their selection.
 *
 * Semantics follow Schemathesis where it has the check: a documented
 * status is an exact code, then a range (4XX), then `default`; a media
 * type matches exactly or by wildcard; bodies and headers are validated
 * in the response direction (writeOnly properties must not appear).
 * Checks that need a documented response skip undocumented statuses
 * (status_code_conformance reports those), and response_schema_conformance
 * skips undocumented media types (content_type_conformance reports those),
 * so one fault gives one finding.
 *
 * Stateful checks remember resources by rendered path: a 201 creates
 * Location (else the request path plus the body's "id"), a 2xx DELETE
 * deletes its path. Everything lives in the per-input arena.
 */
#include "check/checks.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/checks_internal.h"
#include "check/payload.h"
#include "check/validate.h"

static const char *const names[AF_CHECK_COUNT] = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "max_response_time",
    "deterministic",
    "unsupported_method",
    "missing_required_header",
    "malformed_response",
};

const char *af_check_name(af_check_id id)
{
    return (unsigned)id < AF_CHECK_COUNT ? names[id] : NULL;
}

uint32_t af_checks_default(void)
{
    static const af_check_id on[] = {
        AF_CHECK_NOT_A_SERVER_ERROR,
        AF_CHECK_STATUS_CODE_CONFORMANCE,
        AF_CHECK_CONTENT_TYPE_CONFORMANCE,
        AF_CHECK_RESPONSE_HEADERS_CONFORMANCE,
        AF_CHECK_RESPONSE_SCHEMA_CONFORMANCE,
        AF_CHECK_NEGATIVE_DATA_REJECTION,
        AF_CHECK_USE_AFTER_FREE,
        AF_CHECK_ENSURE_RESOURCE_AVAILABILITY,
        AF_CHECK_IGNORED_AUTH,
        AF_CHECK_MALFORMED_RESPONSE,
    };
    uint32_t set = 0;
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        set |= AF_CHECK_BIT(on[i]);
    return set;
}

static int find_check(const char *s, size_t n)
{
    for (int i = 0; i < AF_CHECK_COUNT; i++)
        if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0)
            return i;
    return -1;
}

static bool only_signed_items(const char *s)
{
    for (const char *p = s; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p != 0 && *p != '+' && *p != '-')
            return false;
        p += strcspn(p, ",");
    }
    return true;
}

int af_checks_parse(const char *spec, uint32_t *out, af_error *err)
{
    uint32_t all = (1u << AF_CHECK_COUNT) - 1;
    uint32_t set = 0;
    if (spec == NULL || *spec == 0 || only_signed_items(spec))
        set = af_checks_default();
    for (const char *p = spec ? spec : ""; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        char sign = *p == '+' || *p == '-' ? *p : '+';
        const char *w = p + (*p == '+' || *p == '-');
        size_t wn = n - (size_t)(w - p);
        uint32_t bits = 0;
        int id = find_check(w, wn);
        if (wn == 3 && strncmp(w, "all", 3) == 0)
            bits = all;
        else if (wn == 7 && strncmp(w, "default", 7) == 0)
            bits = af_checks_default();
        else if (wn == 4 && strncmp(w, "none", 4) == 0)
            bits = all, sign = '-';
        else if (id >= 0)
            bits = AF_CHECK_BIT(id);
        else
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "APIFUZZ_CHECKS: unknown check '%.*s'", (int)wn,
                                w);
        set = sign == '-' ? set & ~bits : set | bits;
        p += n;
    }
    *out = set;
    return 0;
}

/* ---- findings ---- */

void af_checks_begin(af_check_ctx *ctx, const af_model *m,
                     const af_check_opts *opts, af_arena *a)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->model = m;
    ctx->arena = a;
    if (opts != NULL)
        ctx->opts = *opts;
    else
        ctx->opts.enabled = af_checks_default();
}

af_finding *af_checks_add(af_check_ctx *ctx, af_check_id check, uint32_t index,
                          const af_exchange *x)
{
    if (ctx->n_findings == ctx->cap_findings) {
        uint32_t cap = ctx->cap_findings ? ctx->cap_findings * 2 : 4;
        af_finding *f = af_arena_grow(ctx->arena, ctx->findings,
                                      ctx->n_findings, cap, sizeof *f);
        if (f == NULL)
            return NULL;
        ctx->findings = f;
        ctx->cap_findings = cap;
    }
    const af_operation *op = &ctx->model->ops[x->call->op];
    af_finding *f = &ctx->findings[ctx->n_findings++];
    *f = (af_finding){.check = check,
                      .call = index,
                      .method = op->method,
                      .path = op->path,
                      .status = x->response->status,
                      .reason = "",
                      .instance = "",
                      .schema = "",
                      .expected = "",
                      .got = ""};
    return f;
}

static bool is_on(const af_check_ctx *ctx, af_check_id id)
{
    return (ctx->opts.enabled & AF_CHECK_BIT(id)) != 0;
}

/* ---- documented responses ---- */

const af_response *af_checks_documented(const af_operation *op, int status)
{
    const af_response *range = NULL, *dflt = NULL;
    for (uint32_t i = 0; i < op->n_responses; i++) {
        const af_response *r = &op->responses[i];
        if (r->status_lo == status && r->status_hi == status)
            return r;
        if (r->status_lo <= status && status <= r->status_hi &&
            r->status_lo != r->status_hi)
            range = r;
        if (r->status_lo == 0 && r->status_hi == 0)
            dflt = r;
    }
    return range != NULL ? range : dflt;
}

/* RFC 9110 §12.5.1 media ranges: type/subtype, type/ *, * / *. */
bool af_checks_media_matches(const char *documented, const char *got)
{
    size_t dn = strcspn(documented, "; "), gn = strcspn(got, "; ");
    if (dn == 3 && strncmp(documented, "*/*", 3) == 0)
        return true;
    const char *ds = memchr(documented, '/', dn);
    if (ds != NULL && ds[1] == '*' && (size_t)(ds + 2 - documented) == dn)
        return strncasecmp(documented, got, (size_t)(ds - documented) + 1) == 0;
    return dn == gn && strncasecmp(documented, got, dn) == 0;
}

static const af_media *media_for(const af_response *doc, const char *type)
{
    const af_media *wild = NULL;
    for (uint32_t i = 0; type != NULL && i < doc->n_media; i++) {
        if (strcasecmp(doc->media[i].type, type) == 0)
            return &doc->media[i];
        if (wild == NULL && af_checks_media_matches(doc->media[i].type, type))
            wild = &doc->media[i];
    }
    return wild;
}

static const char *documented_list(af_arena *a, const af_operation *op)
{
    const char *s = "";
    for (uint32_t i = 0; i < op->n_responses; i++)
        s = af_arena_printf(a, "%s%s%s", s, i ? ", " : "",
                            op->responses[i].key);
    return s;
}

/* ---- stateless checks ---- */

static void server_error(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    if (x->response->status < 500)
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_NOT_A_SERVER_ERROR, i, x);
    if (f == NULL)
        return;
    f->reason = "the server answered with a 5xx status";
    f->expected = "a status below 500";
    f->got = af_arena_printf(ctx->arena, "%d", x->response->status);
}

static void status_code(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    if (op->n_responses == 0 ||
        af_checks_documented(op, x->response->status) != NULL)
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_STATUS_CODE_CONFORMANCE, i, x);
    if (f == NULL)
        return;
    f->reason = "the status code is not documented for the operation";
    f->schema = af_arena_printf(ctx->arena, "%s/responses", op->pointer);
    f->expected = documented_list(ctx->arena, op);
    f->got = af_arena_printf(ctx->arena, "%d", x->response->status);
}

static void content_type(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    const af_response *doc = af_checks_documented(op, x->response->status);
    if (doc == NULL || doc->n_media == 0)
        return;
    const char *type = af_response_media_type(x->response);
    if (type == NULL && x->response->body_len == 0)
        return;
    if (media_for(doc, type) != NULL)
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_CONTENT_TYPE_CONFORMANCE, i, x);
    if (f == NULL)
        return;
    const char *list = "";
    for (uint32_t k = 0; k < doc->n_media; k++)
        list = af_arena_printf(ctx->arena, "%s%s%s", list, k ? ", " : "",
                               doc->media[k].type);
    f->reason = type == NULL ? "the response has a body but no Content-Type"
                             : "the Content-Type is not documented for "
                               "this status";
    f->schema = af_arena_printf(ctx->arena, "%s/content", doc->pointer);
    f->expected = list;
    f->got = type != NULL ? type : "(none)";
}

/* Whether a header's text value validates as any of its readings. */
static bool header_valid(af_check_ctx *ctx, af_idx schema, const char *value,
                         const af_verror **first)
{
    cJSON *c[4];
    int n = af_payload_candidates(ctx->arena, value, strlen(value), c);
    bool ok = false;
    for (int k = 0; k < n; k++)
        if (c[k] == NULL)
            return true; /* out of memory: cannot judge, no finding */
    af_validate_opts vo = {.direction = AF_DIRECTION_RESPONSE};
    for (int k = 0; k < n; k++) {
        af_validation v;
        if (!ok && c[k] != NULL &&
            af_validate(ctx->model, schema, c[k], &vo, ctx->arena, &v) == 0) {
            ok = v.is_valid;
            if (!ok && k == 0 && v.n_errors > 0)
                *first = v.errors;
        }
    }
    return ok;
}

static void headers(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    const af_response *doc = af_checks_documented(op, x->response->status);
    for (uint32_t k = 0; doc != NULL && k < doc->n_headers; k++) {
        const af_header *h = &doc->headers[k];
        if (strcasecmp(h->name, "Content-Type") == 0)
            continue; /* OpenAPI 3 §4.8.17.1: ignored */
        const char *v = af_response_header(x->response, h->name);
        const af_verror *e = NULL;
        if ((v == NULL && !h->is_required) ||
            (v != NULL && header_valid(ctx, h->schema, v, &e)))
            continue;
        af_finding *f =
            af_checks_add(ctx, AF_CHECK_RESPONSE_HEADERS_CONFORMANCE, i, x);
        if (f == NULL)
            return;
        f->reason =
            v == NULL
                ? af_arena_printf(ctx->arena, "required header %s is missing",
                                  h->name)
                : af_arena_printf(ctx->arena, "header %s: %s", h->name,
                                  e ? e->reason : "invalid");
        f->schema = e != NULL ? e->schema : h->pointer;
        f->expected = v == NULL ? "the header present" : "a valid value";
        f->got = v != NULL ? v : "(absent)";
        return;
    }
}

static void schema_finding(af_check_ctx *ctx, uint32_t i, const af_exchange *x,
                           const af_media *m, const af_verror *e,
                           const char *why)
{
    af_finding *f =
        af_checks_add(ctx, AF_CHECK_RESPONSE_SCHEMA_CONFORMANCE, i, x);
    if (f == NULL)
        return;
    const af_schema *s = af_model_schema(ctx->model, m->schema);
    f->reason = e != NULL ? e->reason : why;
    f->instance = e != NULL ? e->instance : "";
    f->schema = e != NULL ? e->schema : (s && s->pointer ? s->pointer : "");
    f->expected = e != NULL ? "a body valid against the schema"
                            : af_arena_printf(ctx->arena, "a %s body", m->type);
    f->got = e != NULL
                 ? af_arena_printf(ctx->arena, "invalid at '%s'", e->instance)
                 : why;
}

static void body_schema(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    const af_response *doc = af_checks_documented(op, x->response->status);
    if (doc == NULL || doc->n_media == 0)
        return;
    const char *type = af_response_media_type(x->response);
    const af_media *m = media_for(doc, type != NULL ? type : "");
    if (m == NULL || m->schema == AF_NONE)
        return;
    cJSON *parsed = NULL;
    const cJSON *inst = x->json;
    af_error err;
    if (inst == NULL) {
        const char *ct = af_response_header(x->response, "Content-Type");
        int rc = af_payload_parse(ctx->arena, ct, x->response->body,
                                  x->response->body_len, ctx->model, m->schema,
                                  &parsed, &err);
        if (rc == AF_ENOMEM)
            return; /* cannot judge: no finding */
        if (rc != 0) {
            schema_finding(ctx, i, x, m, NULL,
                           af_arena_strdup(ctx->arena, err.message));
            return;
        }
        inst = parsed;
    }
    af_validate_opts vo = {.direction = AF_DIRECTION_RESPONSE};
    af_validation v;
    int rc = af_validate(ctx->model, m->schema, inst, &vo, ctx->arena, &v);
    if (rc != AF_ENOMEM && !v.is_valid && v.n_errors > 0)
        schema_finding(ctx, i, x, m, &v.errors[0], NULL);
}

static void malformed(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    if (!x->response->is_malformed)
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_MALFORMED_RESPONSE, i, x);
    if (f == NULL)
        return;
    f->reason = x->response->malformed;
    f->expected = "a valid HTTP/1.1 response";
    f->got = x->response->malformed;
}

static void response_time(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    uint32_t bound = ctx->opts.max_response_ms;
    if (bound == 0 || x->elapsed_ms <= bound)
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_MAX_RESPONSE_TIME, i, x);
    if (f == NULL)
        return;
    f->reason = "the response took longer than the bound";
    f->expected = af_arena_printf(ctx->arena, "at most %u ms", bound);
    f->got = af_arena_printf(ctx->arena, "%.1f ms", x->elapsed_ms);
}

uint32_t af_checks_exchange(af_check_ctx *ctx, uint32_t index,
                            const af_exchange *x)
{
    uint32_t before = ctx->n_findings;
    if (is_on(ctx, AF_CHECK_NOT_A_SERVER_ERROR))
        server_error(ctx, index, x);
    if (is_on(ctx, AF_CHECK_STATUS_CODE_CONFORMANCE))
        status_code(ctx, index, x);
    if (is_on(ctx, AF_CHECK_CONTENT_TYPE_CONFORMANCE))
        content_type(ctx, index, x);
    if (is_on(ctx, AF_CHECK_RESPONSE_HEADERS_CONFORMANCE))
        headers(ctx, index, x);
    if (is_on(ctx, AF_CHECK_RESPONSE_SCHEMA_CONFORMANCE))
        body_schema(ctx, index, x);
    af_checks_request(ctx, index, x);
    af_checks_state(ctx, index, x);
    if (is_on(ctx, AF_CHECK_MAX_RESPONSE_TIME))
        response_time(ctx, index, x);
    if (is_on(ctx, AF_CHECK_MALFORMED_RESPONSE))
        malformed(ctx, index, x);
    return ctx->n_findings - before;
}
