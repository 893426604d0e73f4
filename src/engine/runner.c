/*
 * runner.c - one input through decode, render, handle and check
 * (runner.h), in-process: the service's handle is a plain function call.
 *
 * Invariants: everything of one input comes from the runner's arena,
 * the parsed JSON bodies included (util/jsonarena.h), so nothing is
 * freed one by one; a back-reference is filled only from an
 * earlier call answered 2xx whose JSON body has the field, else the
 * renderer uses the fallback, so nothing ever dangles. The program being
 * run is published in a static pointer for the crash context.
 *
 * Tuned for the fuzzing loop: per call one render, one handle, one JSON
 * parse when the response is JSON, the enabled checks; reports are
 * built only when a check fails.
 */
#include "engine/runner.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/payload.h"
#include "check/response.h"
#include "wire/render.h"

#define BACKREF_MAX_DEPTH 16

struct af_runner {
    const af_model *m;
    const af_gen *g;
    const apifuzz_service *svc;
    void *state;
    af_runner_opts opts;
    af_check_opts copts;
    af_arena arena;
    /* the program being run */
    const af_program *prog;
    af_exchange *xs;
    uint32_t n_xs;
    int findings;
    bool is_rerun;     /* the deterministic check's second run */
    double service_ms; /* handle and reset, since af_runner_new */
};

static af_runner *current; /* for the crash context */

af_arena *af_runner_arena(af_runner *r)
{
    return &r->arena;
}

double af_runner_service_ms(const af_runner *r)
{
    return r->service_ms;
}

uint32_t af_runner_checks(const af_runner *r)
{
    return r->copts.enabled;
}

static uint32_t env_ms(void)
{
    const char *s = getenv("APIFUZZ_MAX_RESPONSE_MS");
    char *end;
    unsigned long v = s != NULL ? strtoul(s, &end, 10) : 0;
    return s != NULL && *end == 0 && v > 0 && v <= UINT32_MAX ? (uint32_t)v
                                                              : 1000;
}

int af_runner_new(const af_model *m, const af_gen *g,
                  const apifuzz_service *service, const af_runner_opts *opts,
                  af_runner **out, af_error *err)
{
    *out = NULL;
    if (m == NULL || g == NULL || service == NULL || service->handle == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_runner_new: no model, plan or handle");
    af_runner *r = calloc(1, sizeof *r);
    if (r == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    r->m = m;
    r->g = g;
    r->svc = service;
    if (opts != NULL)
        r->opts = *opts;
    const char *sel =
        r->opts.checks ? r->opts.checks : getenv("APIFUZZ_CHECKS");
    int rc = af_checks_parse(sel, &r->copts.enabled, err);
    r->copts.max_response_ms =
        r->opts.max_response_ms ? r->opts.max_response_ms : env_ms();
    r->copts.is_format_strict = r->opts.is_format_strict;
    af_arena_init(&r->arena);
    r->arena.limit = r->opts.arena_limit ? r->opts.arena_limit : 256u << 20;
    if (rc == 0 && service->init != NULL && service->init(&r->state) != 0)
        rc = af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                          "the service's init failed");
    if (rc != 0) {
        af_arena_free(&r->arena);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void af_runner_free(af_runner *r)
{
    if (r == NULL)
        return;
    if (r->svc->fini != NULL)
        r->svc->fini(r->state);
    if (current == r)
        current = NULL;
    af_arena_free(&r->arena);
    free(r);
}

/* ---- back-references ---- */

/* RFC 6901 evaluation over a cJSON tree. */
static const cJSON *json_at(const cJSON *v, const char *ptr)
{
    while (v != NULL && ptr != NULL && *ptr == '/') {
        char tok[256];
        size_t n = 0;
        for (ptr++; *ptr && *ptr != '/' && n + 1 < sizeof tok; ptr++) {
            char c = *ptr;
            if (c == '~' && (ptr[1] == '0' || ptr[1] == '1'))
                c = *++ptr == '0' ? '~' : '/';
            tok[n++] = c;
        }
        tok[n] = 0;
        if (cJSON_IsArray(v)) {
            char *end;
            long k = strtol(tok, &end, 10);
            v = *end == 0 && n > 0 ? cJSON_GetArrayItem(v, (int)k) : NULL;
        } else {
            v = cJSON_GetObjectItemCaseSensitive(v, tok);
        }
    }
    return v;
}

static bool to_value(af_arena *a, const cJSON *j, af_value *out, int depth);

static bool to_members(af_arena *a, const cJSON *j, af_value *out, int depth)
{
    uint32_t n = (uint32_t)cJSON_GetArraySize(j), k = 0;
    bool is_obj = cJSON_IsObject(j);
    af_member *ms = is_obj ? af_arena_calloc(a, n + 1, sizeof *ms) : NULL;
    af_value *is = is_obj ? NULL : af_arena_calloc(a, n + 1, sizeof *is);
    if (ms == NULL && is == NULL)
        return false;
    for (const cJSON *c = j->child; c != NULL && k < n; c = c->next, k++) {
        if (is_obj)
            ms[k].name = c->string;
        if (!to_value(a, c, is_obj ? &ms[k].value : &is[k], depth + 1))
            return false;
    }
    out->kind = is_obj ? AF_V_OBJECT : AF_V_ARRAY;
    if (is_obj)
        out->u.obj.members = ms, out->u.obj.n = k;
    else
        out->u.arr.items = is, out->u.arr.n = k;
    return true;
}

static bool to_value(af_arena *a, const cJSON *j, af_value *out, int depth)
{
    memset(out, 0, sizeof *out);
    out->schema = AF_NONE;
    if (depth > BACKREF_MAX_DEPTH || cJSON_IsNull(j)) {
        out->kind = AF_V_NULL;
    } else if (cJSON_IsBool(j)) {
        out->kind = AF_V_BOOL;
        out->u.b = cJSON_IsTrue(j);
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        bool is_int = d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18;
        out->kind = is_int ? AF_V_INT : AF_V_NUMBER;
        if (is_int)
            out->u.i = (int64_t)d;
        else
            out->u.d = d;
    } else if (cJSON_IsString(j)) {
        out->kind = AF_V_STRING;
        out->u.str.s = j->valuestring;
        out->u.str.len = strlen(j->valuestring);
    } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        return to_members(a, j, out, depth);
    } else {
        return false;
    }
    return true;
}

typedef struct resolve_ctx {
    af_runner *r;
    uint32_t index; /* the call being rendered */
} resolve_ctx;

static const af_value *resolve(void *vctx, const af_backref *ref)
{
    resolve_ctx *c = vctx;
    if (ref->call >= c->index || ref->call >= c->r->n_xs)
        return NULL;
    const af_exchange *x = &c->r->xs[ref->call];
    int st = x->response != NULL ? x->response->status : 0;
    if (st < 200 || st > 299)
        return NULL;
    const cJSON *j = json_at(x->json, ref->pointer);
    af_value *v = j != NULL ? af_arena_alloc(&c->r->arena, sizeof *v) : NULL;
    return v != NULL && to_value(&c->r->arena, j, v, 0) ? v : NULL;
}

/* ---- one call ---- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void reset_service(af_runner *r)
{
    double t0 = now_ms();
    r->svc->reset(r->state);
    r->service_ms += now_ms() - t0;
}

static apifuzz_response *handle(af_runner *r, const apifuzz_request *q,
                                double *elapsed_ms)
{
    apifuzz_response *resp = af_arena_alloc(&r->arena, sizeof *resp);
    if (resp == NULL)
        return NULL;
    af_response_init(resp, &r->arena);
    double t0 = now_ms();
    r->svc->handle(r->state, q, resp);
    *elapsed_ms = now_ms() - t0;
    r->service_ms += *elapsed_ms;
    return resp;
}

static cJSON *parse_json(af_arena *a, const apifuzz_response *resp)
{
    const char *type = af_response_media_type(resp);
    cJSON *j = NULL;
    if (af_payload_is_json(type) &&
        af_payload_parse(a, type, resp->body, resp->body_len, NULL, AF_NONE, &j,
                         NULL) != 0)
        j = NULL;
    return j;
}

/* Renders and sends call i into r->xs[i]. */
static int exchange(af_runner *r, uint32_t i)
{
    af_exchange *x = &r->xs[i];
    af_rendered *rd = af_arena_alloc(&r->arena, sizeof *rd);
    if (rd == NULL)
        return AF_ENOMEM;
    resolve_ctx rc = {r, i};
    memset(x, 0, sizeof *x);
    x->call = &r->prog->calls[i];
    int st = af_render_call(r->m, x->call, resolve, &rc, &r->arena, rd, NULL);
    if (st != 0)
        return st;
    x->rendered = rd;
    if (r->opts.on_request != NULL && !r->is_rerun)
        r->opts.on_request(r->opts.capture_ctx, i, x->call, rd);
    x->response = handle(r, &rd->req, &x->elapsed_ms);
    if (x->response == NULL)
        return AF_ENOMEM;
    x->json = parse_json(&r->arena, x->response);
    return 0;
}

/* ---- findings ---- */

static void report(af_runner *r, af_check_ctx *ctx, uint32_t first)
{
    for (uint32_t k = first; k < ctx->n_findings; k++) {
        const af_finding *f = &ctx->findings[k];
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (mem != NULL) {
            af_report_write(mem, r->m, f, r->xs, r->n_xs, &r->arena);
            fclose(mem);
        }
        FILE *out = r->opts.report ? r->opts.report : stderr;
        fputs(text ? text
                   : "apifuzz: a check failed (no memory for the "
                     "report)\n",
              out);
        fflush(out);
        r->findings++;
        if (r->opts.on_failure == NULL) {
            current = NULL; /* the report above already shows the program */
            abort();
        }
        r->opts.on_failure(r->opts.ctx, f, text ? text : "");
        free(text);
    }
}

/* unsupported_method: call i's request again with a method its path
   does not document. */
static void try_unsupported(af_runner *r, af_check_ctx *ctx, uint32_t i)
{
    const af_exchange *x = &r->xs[i];
    const char *method = af_checks_undocumented_method(r->m, x->call->op);
    if (method == NULL)
        return;
    apifuzz_request q = x->rendered->req;
    const char *sp = memchr(q.raw, ' ', q.raw_len);
    size_t rest = sp != NULL ? q.raw_len - (size_t)(sp - q.raw) : 0;
    char *raw = af_arena_printf(&r->arena, "%s%.*s", method, (int)rest,
                                sp != NULL ? sp : "");
    if (raw == NULL)
        return;
    q.method = method;
    q.raw = raw;
    q.raw_len = strlen(method) + rest;
    double ms;
    apifuzz_response *resp = handle(r, &q, &ms);
    if (resp != NULL)
        af_checks_unsupported(ctx, i, x, method, resp);
}

/* deterministic: reset, the same calls again, status and body compared. */
static int rerun(af_runner *r, af_check_ctx *ctx)
{
    uint32_t n = r->n_xs;
    af_exchange *first = af_arena_memdup(&r->arena, r->xs, n * sizeof *first);
    if (first == NULL)
        return AF_ENOMEM;
    if (r->svc->reset != NULL)
        reset_service(r);
    int rc = 0;
    uint32_t i = 0;
    r->is_rerun = true;
    for (r->n_xs = 0; i < n && rc == 0; i++) {
        rc = exchange(r, i);
        if (rc == 0)
            r->n_xs = i + 1;
        if (rc == 0 &&
            af_checks_deterministic(ctx, i, &r->xs[i], first[i].response,
                                    r->xs[i].response) > 0)
            break;
    }
    r->is_rerun = false;
    memcpy(r->xs, first, n * sizeof *first);
    r->n_xs = n;
    return rc;
}

static uint32_t failed_bits(const af_check_ctx *ctx, uint32_t first)
{
    uint32_t bits = 0;
    for (uint32_t k = first; k < ctx->n_findings; k++)
        bits |= AF_CHECK_BIT(ctx->findings[k].check);
    return bits;
}

static int run_calls(af_runner *r, af_check_ctx *ctx)
{
    bool is_unsupported_on =
        (r->copts.enabled & AF_CHECK_BIT(AF_CHECK_UNSUPPORTED_METHOD)) != 0;
    for (uint32_t i = 0; i < r->prog->n_calls; i++) {
        int rc = exchange(r, i);
        if (rc != 0)
            return rc;
        r->n_xs = i + 1;
        uint32_t before = ctx->n_findings;
        af_checks_exchange(ctx, i, &r->xs[i]);
        if (is_unsupported_on)
            try_unsupported(r, ctx, i);
        if (r->opts.on_exchange != NULL)
            r->opts.on_exchange(r->opts.exchange_ctx, i, &r->xs[i],
                                failed_bits(ctx, before));
        report(r, ctx, before);
    }
    if (r->copts.enabled & AF_CHECK_BIT(AF_CHECK_DETERMINISTIC)) {
        uint32_t before = ctx->n_findings;
        int rc = rerun(r, ctx);
        if (rc != 0)
            return rc;
        report(r, ctx, before);
    }
    return 0;
}

int af_runner_run_program(af_runner *r, const af_program *p)
{
    r->prog = p;
    r->n_xs = 0;
    r->findings = 0;
    r->xs = af_arena_calloc(&r->arena, p->n_calls + 1, sizeof *r->xs);
    if (r->xs == NULL)
        return AF_ENOMEM;
    if (r->svc->reset != NULL)
        reset_service(r);
    af_check_ctx ctx;
    af_checks_begin(&ctx, r->m, &r->copts, &r->arena);
    current = r;
    int rc = run_calls(r, &ctx);
    current = NULL;
    r->prog = NULL;
    r->n_xs = 0;
    return rc < 0 ? rc : r->findings;
}

int af_runner_run(af_runner *r, const uint8_t *data, size_t len)
{
    af_arena_reset(&r->arena);
    if (r->opts.on_input != NULL)
        r->opts.on_input(r->opts.capture_ctx, data, len);
    af_program *p = af_arena_alloc(&r->arena, sizeof *p);
    if (p == NULL)
        return AF_ENOMEM;
    int rc = af_program_decode(r->g, &r->arena, data, len, p, NULL);
    return rc < 0 ? rc : af_runner_run_program(r, p);
}

/* ---- crash context ---- */

void af_runner_print_context(FILE *out)
{
    af_runner *r = current;
    if (r == NULL || r->prog == NULL)
        return;
    /* The calls answered, and the one being handled when it crashed. */
    uint32_t n = r->n_xs;
    if (n < r->prog->n_calls && r->xs[n].rendered != NULL)
        n++;
    fprintf(out,
            "apifuzz: crash while running a program of %u calls; the "
            "requests sent (the last one crashed):\n",
            r->prog->n_calls);
    for (uint32_t i = 0; i < n; i++) {
        const char *c =
            r->xs[i].rendered
                ? af_render_curl(&r->arena, &r->xs[i].rendered->req, NULL)
                : NULL;
        fprintf(out, "%s\n", c ? c : "# (not rendered)");
    }
    fflush(out);
}

static void death_callback(void)
{
    af_runner_print_context(stderr);
}

/* Declared weak: present only when a sanitizer runtime is linked. */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

void af_runner_install_crash_context(void)
{
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(death_callback);
}
