/*
 * fuzz.c - self-fuzz target for the decoder and the renderer: any bytes,
 * against a few embedded specs (specs.c) in positive, negative and mixed
 * mode. The first byte picks the spec and the mode; the rest is decoded
 * by af_program_decode into a per-input arena, and every call is rendered
 * with af_render_call (no resolver: back-references render their
 * fallback).
 *
 * Invariants checked (__builtin_trap on violation, so libFuzzer keeps the
 * input):
 * - decoding never fails and gives 1..max_calls calls; the program span
 *   starts at 0, and calls, arguments and values nest inside their parent
 *   in decoding order, never ending before they start;
 * - rendering never fails; the raw request starts with "METHOD "; the
 *   target and header values hold no CR, LF or NUL; a Content-Length
 *   header, when sent, equals body_len, and is sent whenever there is a
 *   body or the method is POST, PUT or PATCH; the raw request ends with
 *   the body bytes;
 * - a positive call has every required parameter, and its present
 *   arguments and body pass af_value_matches (the generator's matcher);
 * - a positive call's JSON body (not truncated, no integer beyond 2^53,
 *   which cJSON cannot carry) written by af_json_write parses with cJSON
 *   and is valid per the independent validator af_validate (request
 *   direction, formats per dialect): the fuzzer is a conformance oracle.
 * Tuned for inputs of up to a few KiB; each input costs a few tens of
 * microseconds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "check/validate.h"
#include "gen/gen.h"
#include "wire/render.h"

#include "specs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MODES 3

static af_model *models[AF_FUZZ_N_SPECS];
static af_gen *plans[AF_FUZZ_N_SPECS][N_MODES];
static af_arena arena;

static void fail(const char *what)
{
    fprintf(stderr, "decode fuzzer: invariant failed: %s\n", what);
    __builtin_trap();
}

static void require(bool ok, const char *what)
{
    if (!ok)
        fail(what);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const af_gen_mode modes[N_MODES] = {AF_GEN_POSITIVE, AF_GEN_NEGATIVE,
                                               AF_GEN_MIXED};
    af_error err;
    char buf[1400];
    for (int s = 0; s < AF_FUZZ_N_SPECS; s++) {
        const af_fuzz_spec *sp = &af_fuzz_specs[s];
        if (af_model_load_text(sp->text, sp->len, sp->name, NULL, &models[s],
                               &err) != 0) {
            fprintf(stderr, "%s\n", af_error_format(&err, buf, sizeof buf));
            fail("an embedded spec does not load");
        }
        for (int k = 0; k < N_MODES; k++) {
            af_gen_opts o = {.mode = modes[k]};
            if (af_gen_new(models[s], &o, &plans[s][k], &err) != 0) {
                fprintf(stderr, "%s\n", af_error_format(&err, buf, sizeof buf));
                fail("no plan for an embedded spec");
            }
        }
    }
    af_arena_init(&arena);
    arena.limit = (size_t)256 << 20;
    return 0;
}

/* ---- spans ---- */

static uint32_t n_children(const af_value *v)
{
    return v->kind == AF_V_ARRAY    ? v->u.arr.n
           : v->kind == AF_V_OBJECT ? v->u.obj.n
                                    : 0;
}

static const af_value *child(const af_value *v, uint32_t k)
{
    return v->kind == AF_V_ARRAY ? &v->u.arr.items[k]
                                 : &v->u.obj.members[k].value;
}

/* v lies in [lo, hi) and its children follow one another inside it. */
static void check_value_span(const af_value *v, uint32_t lo, uint32_t hi)
{
    require(v->start <= v->end && v->start >= lo && v->end <= hi,
            "a value's span is outside its parent's");
    if (v->kind == AF_V_BACKREF) {
        if (v->u.ref.fallback != NULL)
            check_value_span(v->u.ref.fallback, v->start, v->end);
        return;
    }
    uint32_t at = v->start;
    for (uint32_t k = 0; k < n_children(v); k++) {
        const af_value *c = child(v, k);
        require(c->start >= at, "sibling spans overlap or are out of order");
        check_value_span(c, v->start, v->end);
        at = c->end;
    }
}

static void check_spans(const af_program *p)
{
    require(p->start == 0 && p->start <= p->end,
            "the program span does not start at 0");
    uint32_t at = p->start;
    for (uint32_t c = 0; c < p->n_calls; c++) {
        const af_call *call = &p->calls[c];
        require(call->start >= at && call->start <= call->end &&
                    call->end <= p->end,
                "a call's span is out of order or outside the program");
        uint32_t in = call->start;
        for (uint32_t j = 0; j < call->n_args; j++) {
            const af_value *v = &call->args[j].value;
            require(v->start >= in, "argument spans are out of order");
            check_value_span(v, call->start, call->end);
            in = v->end;
        }
        if (call->body != NULL) {
            require(call->body->start >= in, "the body span is out of order");
            check_value_span(call->body, call->start, call->end);
        }
        at = call->end;
    }
}

/* ---- the rendered request ---- */

static bool is_clean(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

static void check_rendered(const af_rendered *r)
{
    const apifuzz_request *q = &r->req;
    size_t mlen = strlen(q->method);
    require(q->raw_len > mlen && memcmp(q->raw, q->method, mlen) == 0 &&
                q->raw[mlen] == ' ',
            "the raw request does not start with the method");
    require(is_clean(q->target), "the target holds CR or LF");
    require(q->raw_len >= q->body_len &&
                (q->body_len == 0 || memcmp(q->raw + q->raw_len - q->body_len,
                                            q->body, q->body_len) == 0),
            "the raw request does not end with the body");
    bool has_length = false;
    for (size_t k = 0; k < q->header_count; k++) {
        const apifuzz_header *h = &q->headers[k];
        require(is_clean(h->name) && is_clean(h->value),
                "a header holds CR or LF");
        if (strcasecmp(h->name, "Content-Length") != 0)
            continue;
        char want[32];
        snprintf(want, sizeof want, "%zu", q->body_len);
        require(strcmp(h->value, want) == 0,
                "Content-Length is not the body length");
        has_length = true;
    }
    bool needs_length = q->body_len > 0 || strcmp(q->method, "POST") == 0 ||
                        strcmp(q->method, "PUT") == 0 ||
                        strcmp(q->method, "PATCH") == 0;
    require(has_length || !needs_length, "Content-Length is missing");
}

/* ---- positive calls ---- */

static bool has_big_int(const af_value *v, unsigned depth)
{
    while (v->kind == AF_V_BACKREF && v->u.ref.fallback != NULL)
        v = v->u.ref.fallback;
    if (v->kind == AF_V_INT)
        return v->u.i > (1ll << 53) || v->u.i < -(1ll << 53);
    for (uint32_t k = 0; k < n_children(v) && depth < AF_RENDER_MAX_DEPTH; k++)
        if (has_big_int(child(v, k), depth + 1))
            return true;
    return false;
}

/* The independent validator judges the JSON text of the body. */
static void check_json_body(const af_model *m, af_idx schema,
                            const af_value *body)
{
    af_render_env env = {m, NULL, NULL, &arena};
    af_wbuf b;
    af_wbuf_init(&b, &arena, 256);
    af_json_write(&b, body, &env);
    const char *text = af_wbuf_cstr(&b);
    if (text == NULL || b.is_truncated)
        return;
    cJSON *j = cJSON_ParseWithLength(text, b.len);
    require(j != NULL, "af_json_write wrote text cJSON cannot parse");
    af_validate_opts o = {.direction = AF_DIRECTION_REQUEST};
    af_validation out;
    int rc = af_validate(m, schema, j, &o, &arena, &out);
    if (rc == 0 && !out.is_valid)
        fprintf(stderr, "body %s\nrejected at '%s' by %s: %s\n", text,
                out.errors[0].instance, out.errors[0].schema,
                out.errors[0].reason);
    cJSON_Delete(j);
    require(rc != 0 || out.is_valid,
            "the validator rejects a positive call's JSON body");
}

static void check_positive(const af_gen *g, const af_call *call,
                           const af_rendered *r)
{
    const af_model *m = g->model;
    const af_operation *op = &m->ops[call->op];
    require(call->n_args == op->n_params, "one argument per parameter");
    for (uint32_t k = 0; k < call->n_args; k++) {
        const af_arg *a = &call->args[k];
        const af_param *p = &op->params[a->param];
        require(a->is_present || !p->is_required,
                "a positive call lacks a required parameter");
        require(!a->is_present || af_value_matches(g, p->schema, &a->value),
                "a positive argument does not match its schema");
    }
    if (call->body == NULL || call->media < 0)
        return;
    const af_media *media = &op->body->media[call->media];
    if (media->schema == AF_NONE)
        return;
    require(af_value_matches(g, media->schema, call->body),
            "a positive body does not match its schema");
    if (call->content_type != NULL && af_media_is_json(call->content_type) &&
        call->body->kind != AF_V_RAW && !r->is_body_truncated &&
        !has_big_int(call->body, 0))
        check_json_body(m, media->schema, call->body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned pick = data[0];
    const af_gen *g =
        plans[pick % AF_FUZZ_N_SPECS][pick / AF_FUZZ_N_SPECS % N_MODES];
    af_arena_reset(&arena);
    af_program prog;
    af_error err;
    require(af_program_decode(g, &arena, data + 1, size - 1, &prog, &err) == 0,
            "af_program_decode failed");
    require(prog.n_calls >= 1 && prog.n_calls <= g->max_calls,
            "the number of calls is out of range");
    check_spans(&prog);
    for (uint32_t c = 0; c < prog.n_calls; c++) {
        const af_call *call = &prog.calls[c];
        require(call->op < g->model->n_ops, "a call's operation is bad");
        af_rendered r;
        require(af_render_call(g->model, call, NULL, NULL, &arena, &r, &err) ==
                    0,
                "af_render_call failed");
        check_rendered(&r);
        if (!call->is_negative)
            check_positive(g, call, &r);
    }
    return 0;
}
