/*
 * decode.c - the total decoder: input bytes -> a program of calls.
 *
 * Reading order of one call (each step a choice; zero is simplest):
 *   operation index; negative flag (mixed mode only); per parameter in
 *   the operation's order: presence (optional ones only), then, when the
 *   plan has feeds for it, a producer byte, then the value; security
 *   alternative (read at a header parameter named Authorization instead,
 *   when the operation has one: see auth_arg); body presence (optional bodies
 * only), media type, value; in negative mode the violation's place and variant.
 * Between calls a byte says whether another call follows (zero: the program
 * ends).
 *
 * A back-reference is a choice among the producers existing at that
 * point: the producer byte p selects "fresh" when 0 or when no earlier
 * call produces the value, else producer (p - 1) mod count. The fallback
 * value is always decoded, so the bytes a parameter consumes never depend
 * on earlier calls: programs stay local, and a mutation that removes a
 * producer leaves a plain value behind, never a dangling reference.
 */
#include "gen/gen_internal.h"

#include <string.h>

typedef struct dctx {
    const af_gen *g;
    af_arena *a;
    af_choices c;
    af_call *calls; /* decoded so far */
    uint32_t n_calls;
    const af_operation *op;
    uint32_t op_index;
    int32_t auth_param; /* header parameter named Authorization; -1 */
    int32_t alt;        /* security alternative chosen; -1 not yet */
} dctx;

/* Whether feed fd feeds (param, name): a parameter, or with name a body
   member. */
static bool feeds_it(const af_feed *fd, uint32_t param, const char *name)
{
    return fd->consumer_param == param &&
           (name == NULL || (fd->consumer_pointer != NULL &&
                             strcmp(fd->consumer_pointer + 1, name) == 0));
}

/* The n-th (earlier call, feed) pair of the current op's feeds for
   (param, name), in call order; returns how many there are when n is
   past them (*call untouched, *out NULL). */
static uint32_t producer_at(const dctx *d, uint32_t param, const char *name,
                            uint32_t n, uint32_t *call, const af_feed **out)
{
    const af_gen *g = d->g;
    uint32_t lo = g->feed_first[d->op_index];
    uint32_t hi = g->feed_first[d->op_index + 1];
    uint32_t seen = 0;
    *out = NULL;
    for (uint32_t i = 0; i < d->n_calls; i++)
        for (uint32_t f = lo; f < hi; f++) {
            const af_feed *fd = &g->feeds[f];
            if (!feeds_it(fd, param, name) || d->calls[i].op != fd->producer_op)
                continue;
            if (seen++ == n) {
                *call = i;
                *out = fd;
                return seen;
            }
        }
    return seen;
}

/* The producer a back-reference byte p picks: none for 0 or when no
   earlier call produces the value, else the (p - 1) mod count-th. */
static const af_feed *pick_producer(const dctx *d, uint32_t param,
                                    const char *name, uint64_t p,
                                    uint32_t *call)
{
    const af_feed *f;
    uint32_t count = producer_at(d, param, name, UINT32_MAX, call, &f);
    if (count == 0 || p == 0)
        return NULL;
    producer_at(d, param, name, (uint32_t)((p - 1) % count), call, &f);
    return f;
}

static bool has_feed(const dctx *d, uint32_t param, const char *name)
{
    const af_gen *g = d->g;
    for (uint32_t f = g->feed_first[d->op_index];
         f < g->feed_first[d->op_index + 1]; f++)
        if (feeds_it(&g->feeds[f], param, name))
            return true;
    return false;
}

/* A value that may come from an earlier call: producer byte, then the
   fallback value. */
static int fed_value(af_gctx *x, dctx *d, uint32_t param, const char *name,
                     af_idx schema, af_value *out)
{
    size_t start = af_choice_pos(x->c);
    uint64_t p = af_choice_index(x->c, 256);
    af_value *fb = af_arena_alloc(x->a, sizeof *fb);
    if (fb == NULL)
        return af_gen_oom(x);
    int rc = af_gen_value(x, schema, fb);
    if (rc < 0)
        return rc;
    uint32_t call = 0;
    const af_feed *f = pick_producer(d, param, name, p, &call);
    if (f == NULL) {
        *out = *fb;
        out->start = (uint32_t)start;
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->kind = AF_V_BACKREF;
    out->schema = fb->schema;
    out->u.ref.call = call;
    out->u.ref.pointer = f->producer_pointer;
    out->u.ref.fallback = fb;
    out->start = (uint32_t)start;
    out->end = (uint32_t)af_choice_pos(x->c);
    return 0;
}

static int body_hook(af_gctx *x, const char *name, af_idx schema, af_value *v)
{
    dctx *d = x->hook_data;
    if (!has_feed(d, UINT32_MAX, name))
        return 0;
    int rc = fed_value(x, d, UINT32_MAX, name, schema, v);
    return rc < 0 ? rc : 1;
}

/* Fills the call's credentials for the alternative picked by a choice. */
static int choose_creds(af_gctx *x, dctx *d, af_call *call)
{
    const af_operation *op = d->op;
    d->alt = (int32_t)af_choice_index(x->c, op->n_security);
    const af_sec_alt *alt = &op->security[d->alt];
    call->creds =
        af_arena_calloc(x->a, alt->n_schemes + 1, sizeof *call->creds);
    if (call->creds == NULL)
        return af_gen_oom(x);
    for (uint32_t k = 0; k < alt->n_schemes; k++) {
        int32_t s = alt->schemes[k];
        if (s < 0 || (uint32_t)s >= d->g->model->n_schemes)
            continue;
        af_cred *cr = &call->creds[call->n_creds++];
        cr->scheme = s;
        cr->value = d->g->creds[s];
    }
    return 0;
}

/* The header parameter named Authorization of an operation with
   security: the alternative is chosen here, first, and when it puts a
   credential into Authorization the parameter is present and holds
   exactly that header text (the renderer then sends it instead of the
   credential). Returns 1 when so set, 0 to decode the parameter as
   usual, < 0 on error. The span covers the alternative's choice. */
static int auth_arg(af_gctx *x, dctx *d, af_call *call, af_arg *arg)
{
    uint32_t at = (uint32_t)af_choice_pos(x->c);
    const char *text = NULL;
    int rc = choose_creds(x, d, call);
    if (rc == 0)
        rc = af_gen_auth_text(d->g, x->a, call->creds, call->n_creds, &text);
    if (rc < 0)
        return af_gen_oom(x);
    if (text == NULL)
        return 0;
    arg->is_present = true;
    arg->value.kind = AF_V_STRING;
    arg->value.schema = d->op->params[arg->param].schema;
    arg->value.u.str.s = text;
    arg->value.u.str.len = strlen(text);
    arg->value.start = at;
    arg->value.end = (uint32_t)af_choice_pos(x->c);
    return 1;
}

static int decode_args(af_gctx *x, dctx *d, af_call *call)
{
    const af_operation *op = d->op;
    call->n_args = op->n_params;
    call->args = af_arena_calloc(x->a, op->n_params + 1, sizeof *call->args);
    if (call->args == NULL)
        return af_gen_oom(x);
    for (uint32_t j = 0; j < op->n_params; j++) {
        const af_param *p = &op->params[j];
        af_arg *arg = &call->args[j];
        arg->param = j;
        arg->value.schema = AF_NONE;
        if ((int32_t)j == d->auth_param) {
            int rc = auth_arg(x, d, call, arg);
            if (rc != 0) {
                if (rc < 0)
                    return rc;
                continue;
            }
        }
        arg->is_present = p->is_required || af_choice_bool(x->c);
        /* an optional parameter no value satisfies stays out */
        if (!p->is_required && af_gen_is_unsat(d->g, p->schema))
            arg->is_present = false;
        uint32_t at = (uint32_t)af_choice_pos(x->c);
        arg->value.start = arg->value.end = at;
        if (!arg->is_present)
            continue;
        x->is_ascii = p->in == AF_IN_HEADER || p->in == AF_IN_COOKIE;
        x->is_form = p->in == AF_IN_QUERY;
        int rc = has_feed(d, j, NULL)
                     ? fed_value(x, d, j, NULL, p->schema, &arg->value)
                     : af_gen_value(x, p->schema, &arg->value);
        x->is_ascii = x->is_form = false;
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int decode_creds(af_gctx *x, dctx *d, af_call *call)
{
    if (d->op->n_security == 0 || d->alt >= 0)
        return 0;
    return choose_creds(x, d, call);
}

/* Media types whose bodies are bytes, not a structured value. */
static bool is_binary(const af_gen *g, const af_media *m)
{
    if (strstr(m->type, "json") != NULL || strncmp(m->type, "text/", 5) == 0 ||
        strstr(m->type, "form") != NULL || strstr(m->type, "xml") != NULL)
        return false;
    if (m->schema == AF_NONE)
        return true;
    const af_schema *s = af_gen_view(g, m->schema);
    return (s->types & AF_TYPE_STRING) &&
           (s->format == AF_FORMAT_BINARY || s->format == AF_FORMAT_NONE);
}

static int decode_body(af_gctx *x, dctx *d, af_call *call)
{
    const af_body *b = d->op->body;
    call->media = -1;
    if (b == NULL || b->n_media == 0)
        return 0;
    if (!b->is_required && !af_choice_bool(x->c))
        return 0;
    uint32_t k = (uint32_t)af_choice_index(x->c, b->n_media);
    const af_media *m = &b->media[k];
    af_value *v = af_arena_calloc(x->a, 1, sizeof *v);
    if (v == NULL)
        return af_gen_oom(x);
    call->media = (int32_t)k;
    call->content_type = m->type;
    call->body = v;
    if (is_binary(d->g, m)) {
        size_t start = af_choice_pos(x->c);
        const uint8_t *p;
        size_t len;
        af_choice_bytes(x->c, 0, AF_GEN_MAX_RENDERED / 4, &p, &len);
        v->kind = AF_V_STRING;
        v->schema = m->schema;
        v->u.str.s = (const char *)p;
        v->u.str.len = len;
        v->start = (uint32_t)start;
        v->end = (uint32_t)af_choice_pos(x->c);
        return 0;
    }
    x->hook = body_hook;
    x->hook_data = d;
    x->is_form = strstr(m->type, "form") != NULL; /* urlencoded, multipart */
    int rc = af_gen_value(x, m->schema, v);
    x->hook = NULL;
    x->is_form = false;
    return rc;
}

static int decode_call(dctx *d, af_call *call)
{
    const af_gen *g = d->g;
    af_gctx x;
    af_gen_ctx_init(&x, g, d->a, &d->c, true);
    memset(call, 0, sizeof *call);
    call->start = (uint32_t)af_choice_pos(&d->c);
    d->op_index = g->ops[af_choice_index(&d->c, g->n_ops)];
    d->op = &g->model->ops[d->op_index];
    call->op = d->op_index;
    d->alt = -1;
    d->auth_param = d->op->n_security > 0 ? af_gen_auth_param(d->op) : -1;
    call->media = -1;
    call->is_negative = g->opts.mode == AF_GEN_NEGATIVE ||
                        (g->opts.mode == AF_GEN_MIXED && af_choice_bool(&d->c));
    int rc = decode_args(&x, d, call);
    if (rc == 0)
        rc = decode_creds(&x, d, call);
    if (rc == 0)
        rc = decode_body(&x, d, call);
    if (rc == 0 && call->is_negative)
        rc = af_gen_negative(&x, call);
    call->end = (uint32_t)af_choice_pos(&d->c);
    return rc < 0 ? rc : x.status;
}

int af_program_decode(const af_gen *g, af_arena *a, const uint8_t *data,
                      size_t len, af_program *out, af_error *err)
{
    memset(out, 0, sizeof *out);
    if (g == NULL || a == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_program_decode: no plan or arena");
    dctx d = {.g = g, .a = a};
    af_choice_init(&d.c, data, len);
    d.calls = af_arena_alloc(a, g->max_calls * sizeof *d.calls);
    if (d.calls == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                            "out of memory decoding a program");
    while (d.n_calls < g->max_calls) {
        if (d.n_calls > 0 && !af_choice_bool(&d.c))
            break;
        int rc = decode_call(&d, &d.calls[d.n_calls]);
        if (rc < 0)
            return af_error_set(err, rc, NULL, NULL, 0, 0,
                                "out of memory decoding a program");
        d.n_calls++;
    }
    out->calls = d.calls;
    out->n_calls = d.n_calls;
    out->start = 0;
    out->end = (uint32_t)af_choice_pos(&d.c);
    return 0;
}
