/*
 * baseline.c - the shared half of the benchmark's plain libFuzzer
 * harnesses (baseline.h): reading an input FuzzedDataProvider style and
 * calling the service once per call, aborting on a 5xx.
 *
 * Responses are apifuzz_response objects (the service contract has no
 * other), built in one arena reset per input; nothing of apifuzz's
 * decoder, renderer or checks is used. Tuned for nothing: it is the
 * yardstick.
 */
#include "baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/response.h"
#include "util/arena.h"

typedef struct fdp {
    const uint8_t *p;
    size_t n;
} fdp;

static af_arena arena;

static uint8_t take_byte(fdp *d)
{
    if (d->n == 0)
        return 0;
    d->n--;
    return *d->p++;
}

/* ConsumeRandomLengthString: up to max bytes into out (max + 1 bytes,
   NUL-terminated; the string may hold NULs); returns its length. */
static size_t take_string(fdp *d, char *out, size_t max)
{
    size_t len = 0;
    while (d->n > 0 && len < max) {
        char c = (char)take_byte(d);
        if (c == '\\' && d->n > 0) {
            char next = (char)take_byte(d);
            if (next != '\\')
                break;
        }
        out[len++] = c;
    }
    out[len] = 0;
    return len;
}

void *baseline_init(const apifuzz_service *service)
{
    void *state = NULL;
    af_arena_init(&arena);
    if (service->init != NULL && service->init(&state) != 0) {
        fprintf(stderr, "baseline: the service's init failed\n");
        abort();
    }
    return state;
}

static size_t fill_headers(const baseline_op *op, apifuzz_header *out)
{
    size_t n = 0;
    if (op->content_type != NULL)
        out[n++] = (apifuzz_header){"Content-Type", op->content_type};
    for (size_t i = 0; i < BASELINE_MAX_HEADERS; i++) {
        if (op->headers[i].name == NULL)
            break;
        out[n++] = op->headers[i];
    }
    return n;
}

static void call(const apifuzz_service *service, void *state,
                 const baseline_op *op, const char *param, const char *body,
                 size_t body_len)
{
    apifuzz_header headers[BASELINE_MAX_HEADERS + 1];
    apifuzz_request q;
    memset(&q, 0, sizeof q);
    q.method = op->method;
    q.path = op->has_param && !op->is_query
                 ? af_arena_printf(&arena, "%s%s%s", op->prefix, param,
                                   op->suffix != NULL ? op->suffix : "")
                 : op->prefix;
    q.query = op->has_param && op->is_query ? param : "";
    q.target = *q.query != 0 ? af_arena_printf(&arena, "%s?%s", q.path, q.query)
                             : q.path;
    q.headers = headers;
    q.header_count = fill_headers(op, headers);
    if (op->content_type != NULL) {
        q.body = (const unsigned char *)body;
        q.body_len = body_len;
    }
    if (q.path == NULL || q.target == NULL)
        return; /* the arena refused memory: skip, as a user would */
    apifuzz_response r;
    af_response_init(&r, &arena);
    service->handle(state, &q, &r);
    if (r.status >= 500 && r.status <= 599) {
        fprintf(stderr, "baseline: 5xx: %s %d\n", op->name, r.status);
        abort();
    }
}

void baseline_run(const apifuzz_service *service, void *state,
                  const baseline_op *ops, size_t n_ops, const uint8_t *data,
                  size_t size)
{
    static char param[BASELINE_MAX_PARAM + 1], body[BASELINE_MAX_BODY + 1];
    fdp d = {data, size};
    af_arena_reset(&arena);
    service->reset(state);
    for (int i = 0; i < BASELINE_MAX_CALLS && d.n > 0; i++) {
        const baseline_op *op = &ops[take_byte(&d) % n_ops];
        param[0] = 0;
        size_t body_len = 0;
        if (op->has_param)
            take_string(&d, param, BASELINE_MAX_PARAM);
        if (op->content_type != NULL)
            body_len = take_string(&d, body, BASELINE_MAX_BODY);
        call(service, state, op, param, body, body_len);
    }
}
