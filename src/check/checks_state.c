/*
 * checks_state.c - checks across the calls of one program and across
 * reruns: use_after_free, ensure_resource_availability (resources by
 * rendered path), deterministic (status and body of a rerun after
 * reset), unsupported_method (RFC 9110 §15.5.6: 405 with an Allow
 * header).
 *
 * A resource is created by a 201: at its Location (scheme and authority
 * dropped), else at the request path plus "/" and the body's top-level
 * "id". A 2xx DELETE deletes the request path (and forgets it as
 * created). Paths compare byte for byte as rendered.
 */
#include "check/checks_internal.h"

#include <string.h>
#include <strings.h>

static bool is_on(const af_check_ctx *ctx, af_check_id id)
{
    return (ctx->opts.enabled & AF_CHECK_BIT(id)) != 0;
}

static int32_t find_path(const af_resource *rs, uint32_t n, const char *path)
{
    for (uint32_t i = 0; i < n; i++)
        if (rs[i].path != NULL && strcmp(rs[i].path, path) == 0)
            return (int32_t)i;
    return -1;
}

static void add_path(af_check_ctx *ctx, bool is_created, const char *path,
                     uint32_t call)
{
    af_resource **rs = is_created ? &ctx->created : &ctx->deleted;
    uint32_t *n = is_created ? &ctx->n_created : &ctx->n_deleted;
    uint32_t *cap = is_created ? &ctx->cap_created : &ctx->cap_deleted;
    if (path == NULL || find_path(*rs, *n, path) >= 0)
        return;
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 4;
        af_resource *g = af_arena_grow(ctx->arena, *rs, *n, c, sizeof *g);
        if (g == NULL)
            return;
        *rs = g;
        *cap = c;
    }
    (*rs)[(*n)++] = (af_resource){path, call};
}

static const char *created_path(af_check_ctx *ctx, const af_exchange *x)
{
    const char *loc = af_response_header(x->response, "Location");
    if (loc != NULL) {
        const char *auth = strstr(loc, "://");
        if (auth != NULL)
            loc = strchr(auth + 3, '/') ? strchr(auth + 3, '/') : "/";
        return af_arena_strndup(ctx->arena, loc, strcspn(loc, "?#"));
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(x->json, "id");
    const char *path = x->rendered->req.path;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (cJSON_IsString(id))
        return af_arena_printf(ctx->arena, "%.*s/%s", (int)n, path,
                               id->valuestring);
    if (cJSON_IsNumber(id))
        return af_arena_printf(ctx->arena, "%.*s/%.17g", (int)n, path,
                               id->valuedouble);
    return NULL;
}

static void state_finding(af_check_ctx *ctx, af_check_id check, uint32_t i,
                          const af_exchange *x, const af_resource *r,
                          const char *what)
{
    af_finding *f = af_checks_add(ctx, check, i, x);
    if (f == NULL)
        return;
    f->reason =
        af_arena_printf(ctx->arena,
                        "%s %s by call %u, then %s %s "
                        "was answered %d",
                        r->path, what, r->call + 1, x->rendered->req.method,
                        r->path, x->response->status);
    f->expected =
        check == AF_CHECK_USE_AFTER_FREE ? "404 or 410" : "the resource found";
    f->got = af_arena_printf(ctx->arena, "%d", x->response->status);
}

void af_checks_state(af_check_ctx *ctx, uint32_t index, const af_exchange *x)
{
    const char *method = x->rendered->req.method;
    const char *path = x->rendered->req.path;
    int st = x->response->status;
    bool is_2xx = st >= 200 && st <= 299;
    bool is_write = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
    int32_t d = find_path(ctx->deleted, ctx->n_deleted, path);
    if (is_on(ctx, AF_CHECK_USE_AFTER_FREE) && d >= 0 && is_2xx && !is_write)
        state_finding(ctx, AF_CHECK_USE_AFTER_FREE, index, x, &ctx->deleted[d],
                      "was deleted");
    int32_t c = find_path(ctx->created, ctx->n_created, path);
    if (is_on(ctx, AF_CHECK_ENSURE_RESOURCE_AVAILABILITY) && c >= 0 &&
        st == 404 && strcmp(method, "GET") == 0)
        state_finding(ctx, AF_CHECK_ENSURE_RESOURCE_AVAILABILITY, index, x,
                      &ctx->created[c], "was created");
    if (st == 201 && is_write) {
        const char *p = created_path(ctx, x);
        add_path(ctx, true, p, index);
        int32_t k = p ? find_path(ctx->deleted, ctx->n_deleted, p) : -1;
        if (k >= 0)
            ctx->deleted[k].path = NULL; /* recreated */
    }
    if (is_2xx && strcmp(method, "DELETE") == 0) {
        add_path(ctx, false, path, index);
        if (c >= 0)
            ctx->created[c].path = NULL;
    }
}

uint32_t af_checks_deterministic(af_check_ctx *ctx, uint32_t index,
                                 const af_exchange *x,
                                 const apifuzz_response *a,
                                 const apifuzz_response *b)
{
    bool same =
        a->status == b->status && a->body_len == b->body_len &&
        (a->body_len == 0 || memcmp(a->body, b->body, a->body_len) == 0);
    if (same || !is_on(ctx, AF_CHECK_DETERMINISTIC))
        return 0;
    af_finding *f = af_checks_add(ctx, AF_CHECK_DETERMINISTIC, index, x);
    if (f == NULL)
        return 0;
    f->status = b->status;
    f->reason = a->status != b->status
                    ? "the same program after reset got another status"
                    : "the same program after reset got another body";
    f->expected = af_arena_printf(ctx->arena, "%d with a %zu-byte body",
                                  a->status, a->body_len);
    f->got = af_arena_printf(ctx->arena, "%d with a %zu-byte body", b->status,
                             b->body_len);
    return 1;
}

const char *af_checks_undocumented_method(const af_model *m, uint32_t op)
{
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE",
                                          "PATCH"};
    const char *path = m->ops[op].path;
    for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++) {
        bool is_documented = false;
        for (uint32_t i = 0; i < m->n_ops && !is_documented; i++)
            is_documented = strcmp(m->ops[i].path, path) == 0 &&
                            strcmp(m->ops[i].method, methods[k]) == 0;
        if (!is_documented)
            return methods[k];
    }
    return NULL;
}

uint32_t af_checks_unsupported(af_check_ctx *ctx, uint32_t index,
                               const af_exchange *x, const char *method,
                               const apifuzz_response *r)
{
    bool has_allow = af_response_header(r, "Allow") != NULL;
    if ((r->status == 405 && has_allow) ||
        !is_on(ctx, AF_CHECK_UNSUPPORTED_METHOD))
        return 0;
    af_finding *f = af_checks_add(ctx, AF_CHECK_UNSUPPORTED_METHOD, index, x);
    if (f == NULL)
        return 0;
    f->method = method;
    f->status = r->status;
    f->reason = r->status == 405 ? "405 without an Allow header"
                                 : "an undocumented method was not refused";
    f->expected = "405 with an Allow header";
    f->got = af_arena_printf(ctx->arena, "%d%s", r->status,
                             has_allow ? "" : " without Allow");
    return 1;
}
