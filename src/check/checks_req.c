/*
 * checks_req.c - checks of what a request meant: negative_data_rejection,
 * positive_data_acceptance, ignored_auth, missing_required_header.
 *
 * Negative verdicts never trust the decoder's record alone: the recorded
 * violation is re-checked on the rendered request (a back-reference may
 * have been filled with a valid value, a shrunken input may have lost
 * it, a string "5" sent for an integer is indistinguishable on the wire
 * from 5). A parameter is re-read from its rendered text in every way a
 * server could read it (string, number, boolean, null); it is still a
 * violation only when no reading validates. Bodies are re-parsed from the
 * bytes sent and validated in the request direction. A violation that a
 * more specific enabled check judges (credentials: ignored_auth; a
 * missing required header: missing_required_header) is left to it.
 */
#include "check/checks_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/payload.h"
#include "check/validate.h"
#include "gen/gen.h"

static const char *in_names[] = {"path", "query", "header", "cookie"};

/* Whether JSON pointer ptr is "/<in>/<name>" (name ~-escaped). */
static bool names_param(const char *ptr, const af_param *p)
{
    const char *in = (unsigned)p->in < 4 ? in_names[p->in] : "";
    size_t n = strlen(in);
    if (ptr[0] != '/' || strncmp(ptr + 1, in, n) != 0 || ptr[n + 1] != '/')
        return false;
    const char *s = ptr + n + 2, *name = p->name;
    for (; *s && *name; s++, name++) {
        char c = *s;
        if (c == '~' && (s[1] == '0' || s[1] == '1'))
            c = *++s == '0' ? '~' : '/';
        if (c != *name)
            return false;
    }
    return *s == 0 && *name == 0;
}

static int32_t param_of(const af_operation *op, const char *ptr)
{
    for (uint32_t j = 0; ptr != NULL && j < op->n_params; j++)
        if (names_param(ptr, &op->params[j]))
            return (int32_t)j;
    return -1;
}

static const af_rendered_param *rendered_param(const af_rendered *r, uint32_t j)
{
    for (uint32_t k = 0; k < r->n_params; k++)
        if (r->params[k].param == j)
            return &r->params[k];
    return NULL;
}

static bool has_header(const apifuzz_request *q, const char *name)
{
    for (size_t i = 0; i < q->header_count; i++)
        if (strcasecmp(q->headers[i].name, name) == 0)
            return true;
    return false;
}

/* The scalar a server reads from a parameter's rendered text (style
   prefix and the rest of an exploded list stripped, percent-decoded). */
static size_t scalar_text(const af_param *p, const char *text, char *out,
                          size_t cap)
{
    if ((p->in == AF_IN_QUERY || p->in == AF_IN_COOKIE ||
         p->style == AF_STYLE_MATRIX) &&
        strchr(text, '=') != NULL)
        text = strchr(text, '=') + 1;
    else if (p->style == AF_STYLE_LABEL && *text == '.')
        text++;
    size_t n = strcspn(text, p->in == AF_IN_COOKIE ? ";" : "&;");
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (p->in != AF_IN_HEADER && text[i] == '%' && i + 2 < n &&
            isxdigit((unsigned char)text[i + 1]) &&
            isxdigit((unsigned char)text[i + 2])) {
            char hex[3] = {text[i + 1], text[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = text[i];
        }
    }
    out[o] = 0;
    return o;
}

static bool param_holds(const af_check_ctx *ctx, const af_exchange *x,
                        int32_t j)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    const af_param *p = &op->params[j];
    const af_rendered_param *rp = rendered_param(x->rendered, (uint32_t)j);
    if (rp == NULL)
        return p->is_required; /* sent without it: still invalid if
                                  required */
    const af_schema *s = af_model_schema(ctx->model, p->schema);
    bool is_scalar = s != NULL && (s->flags & AF_SCHEMA_HAS_TYPE) &&
                     !(s->types & (AF_TYPE_ARRAY | AF_TYPE_OBJECT)) &&
                     p->media_type == NULL;
    if (!is_scalar)
        return true; /* structured values: the decoder's matcher judged */
    char buf[1024];
    size_t n = scalar_text(p, rp->text, buf, sizeof buf);
    cJSON *c[4];
    int k = af_payload_candidates(ctx->arena, buf, n, c);
    bool is_valid = false;
    for (int i = 0; i < k; i++)
        if (c[i] == NULL)
            return false; /* out of memory: not confirmed */
    af_validate_opts vo = {.direction = AF_DIRECTION_REQUEST};
    for (int i = 0; i < k; i++) {
        af_validation v;
        if (!is_valid && c[i] != NULL &&
            af_validate(ctx->model, p->schema, c[i], &vo, ctx->arena, &v) == 0)
            is_valid = v.is_valid;
    }
    return !is_valid;
}

static bool body_holds(const af_check_ctx *ctx, const af_exchange *x)
{
    const af_operation *op = &ctx->model->ops[x->call->op];
    const apifuzz_request *q = &x->rendered->req;
    if (op->body == NULL || x->call->media < 0 ||
        (uint32_t)x->call->media >= op->body->n_media)
        return true;
    const af_media *m = &op->body->media[x->call->media];
    if (m->schema == AF_NONE)
        return true;
    cJSON *inst = NULL;
    int rc = af_payload_parse(ctx->arena, x->rendered->content_type, q->body,
                              q->body_len, ctx->model, m->schema, &inst, NULL);
    if (rc != 0)
        return rc == AF_ESYNTAX; /* what was sent does not even parse */
    af_validate_opts vo = {.direction = AF_DIRECTION_REQUEST};
    af_validation v;
    rc = af_validate(ctx->model, m->schema, inst, &vo, ctx->arena, &v);
    return rc != 0 || !v.is_valid;
}

static bool content_type_holds(const af_operation *op, const char *ct)
{
    if (ct == NULL || op->body == NULL)
        return ct != NULL;
    for (uint32_t k = 0; k < op->body->n_media; k++)
        if (af_checks_media_matches(op->body->media[k].type, ct))
            return false;
    return true;
}

static bool auth_missing_holds(const af_check_ctx *ctx, const af_exchange *x)
{
    const char *ptr = x->call->violation.request_pointer;
    const char *name =
        ptr != NULL && strncmp(ptr, "/auth/", 6) == 0 ? ptr + 6 : "";
    int32_t s = af_model_find_scheme(ctx->model, name);
    const apifuzz_request *q = &x->rendered->req;
    if (s < 0)
        return true; /* a ~-escaped name: trust the record */
    const af_sec_scheme *sc = &ctx->model->schemes[s];
    if (sc->type != AF_SEC_API_KEY)
        return !has_header(q, "Authorization");
    const char *pn = sc->param_name ? sc->param_name : "";
    if (sc->in == AF_IN_HEADER)
        return !has_header(q, pn);
    const char *hay = sc->in == AF_IN_QUERY ? q->query : x->rendered->cookie;
    return hay == NULL || strstr(hay, pn) == NULL;
}

bool af_checks_violation_holds(const af_check_ctx *ctx, const af_exchange *x)
{
    const af_call *c = x->call;
    const af_operation *op = &ctx->model->ops[c->op];
    const char *ptr = c->violation.request_pointer;
    const apifuzz_request *q = &x->rendered->req;
    switch (c->violation.kind) {
    case AF_VIOL_NONE:
        return false;
    case AF_VIOL_MISSING_PARAM: {
        int32_t j = param_of(op, ptr);
        if (j < 0)
            return true;
        if (op->params[j].in == AF_IN_HEADER)
            return !has_header(q, op->params[j].name);
        return rendered_param(x->rendered, (uint32_t)j) == NULL;
    }
    case AF_VIOL_MISSING_BODY:
        return q->body_len == 0;
    case AF_VIOL_MALFORMED_BODY: {
        cJSON *v = NULL;
        return af_payload_parse(ctx->arena, "application/json", q->body,
                                q->body_len, NULL, AF_NONE, &v,
                                NULL) == AF_ESYNTAX;
    }
    case AF_VIOL_CONTENT_TYPE:
        return content_type_holds(op, x->rendered->content_type);
    case AF_VIOL_AUTH_MISSING:
        return auth_missing_holds(ctx, x);
    case AF_VIOL_AUTH_CORRUPT:
        return true; /* the corrupted credential is what was rendered */
    default:
        break;
    }
    if (ptr != NULL && strncmp(ptr, "/body", 5) == 0)
        return body_holds(ctx, x);
    int32_t j = param_of(op, ptr);
    return j < 0 || param_holds(ctx, x, j);
}

/* ---- the checks ---- */

static bool is_on(const af_check_ctx *ctx, af_check_id id)
{
    return (ctx->opts.enabled & AF_CHECK_BIT(id)) != 0;
}

static bool is_auth(af_violation_kind k)
{
    return k == AF_VIOL_AUTH_MISSING || k == AF_VIOL_AUTH_CORRUPT;
}

static bool is_missing_header(const af_check_ctx *ctx, const af_call *c)
{
    if (c->violation.kind != AF_VIOL_MISSING_PARAM)
        return false;
    int32_t j = param_of(&ctx->model->ops[c->op], c->violation.request_pointer);
    return j >= 0 && ctx->model->ops[c->op].params[j].in == AF_IN_HEADER;
}

static void fill_violation(af_check_ctx *ctx, af_finding *f,
                           const af_exchange *x, const char *expected)
{
    const af_violation *v = &x->call->violation;
    f->reason = af_arena_printf(
        ctx->arena, "a request with violation %s at %s was answered %d",
        af_violation_name(v->kind),
        v->request_pointer ? v->request_pointer : "", x->response->status);
    f->instance = v->request_pointer ? v->request_pointer : "";
    f->schema = v->schema_pointer ? v->schema_pointer : "";
    f->expected = expected;
    f->got = af_arena_printf(ctx->arena, "%d", x->response->status);
}

static void negative(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    const af_call *c = x->call;
    int st = x->response->status;
    bool deferred =
        (is_auth(c->violation.kind) && is_on(ctx, AF_CHECK_IGNORED_AUTH)) ||
        (is_missing_header(ctx, c) &&
         is_on(ctx, AF_CHECK_MISSING_REQUIRED_HEADER));
    if (!c->is_negative || c->violation.kind == AF_VIOL_NONE || deferred ||
        (c->violation.is_soft && !ctx->opts.is_format_strict) || st < 200 ||
        st > 299 || !af_checks_violation_holds(ctx, x))
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_NEGATIVE_DATA_REJECTION, i, x);
    if (f != NULL)
        fill_violation(ctx, f, x, "a 4xx status");
}

/* Rejections that positive data may get for reasons outside the request:
   credentials, a resource that does not exist, state, rate limits. */
static bool is_excused(int st)
{
    return st == 401 || st == 403 || st == 404 || st == 409 || st == 429;
}

static void positive(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    int st = x->response->status;
    if (x->call->is_negative || x->rendered->is_body_truncated || st < 400 ||
        st > 499 || is_excused(st))
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_POSITIVE_DATA_ACCEPTANCE, i, x);
    if (f == NULL)
        return;
    f->reason = "a request valid per the spec was rejected";
    f->expected = "a 2xx status";
    f->got = af_arena_printf(ctx->arena, "%d", st);
}

static void ignored_auth(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    int st = x->response->status;
    if (!x->call->is_negative || !is_auth(x->call->violation.kind) ||
        st < 200 || st > 299 || !af_checks_violation_holds(ctx, x))
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_IGNORED_AUTH, i, x);
    if (f != NULL)
        fill_violation(ctx, f, x, "401 or 403");
}

static void missing_header(af_check_ctx *ctx, uint32_t i, const af_exchange *x)
{
    int st = x->response->status;
    if (!x->call->is_negative || !is_missing_header(ctx, x->call) ||
        (st >= 400 && st <= 499) || !af_checks_violation_holds(ctx, x))
        return;
    af_finding *f = af_checks_add(ctx, AF_CHECK_MISSING_REQUIRED_HEADER, i, x);
    if (f != NULL)
        fill_violation(ctx, f, x, "a 4xx status");
}

void af_checks_request(af_check_ctx *ctx, uint32_t index, const af_exchange *x)
{
    if (is_on(ctx, AF_CHECK_NEGATIVE_DATA_REJECTION))
        negative(ctx, index, x);
    if (is_on(ctx, AF_CHECK_POSITIVE_DATA_ACCEPTANCE))
        positive(ctx, index, x);
    if (is_on(ctx, AF_CHECK_IGNORED_AUTH))
        ignored_auth(ctx, index, x);
    if (is_on(ctx, AF_CHECK_MISSING_REQUIRED_HEADER))
        missing_header(ctx, index, x);
}
