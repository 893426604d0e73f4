/*
 * encode_call.c - whole calls and programs for the encoder, mirroring
 * decode.c's reading order: operation index, the positive flag (mixed
 * mode), per parameter its presence, producer byte and value (the
 * Authorization parameter of a secured operation takes the security
 * alternative instead), the security alternative, the body's presence,
 * media type and value; and af_examples_seeds, which turns the spec's
 * examples into one-call programs.
 *
 * Invariants: every call written is decoded back and compared before it
 * is kept; a required value not given is written as the simplest value
 * (the zero choices the decoder reads for it). Back-references always
 * choose "fresh" (producer byte 0). Runs once per seed corpus.
 */
#include "gen/encode_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const in_names[] = {"path", "query", "header", "cookie"};

static const char *in_name(af_param_in in)
{
    return (unsigned)in < 4 ? in_names[in] : "param";
}

static const cJSON *param_value(const af_call_spec *spec, const af_param *p)
{
    if (spec == NULL || spec->params == NULL)
        return NULL;
    char key[300];
    snprintf(key, sizeof key, "%s:%s", in_name(p->in), p->name);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec->params, key);
    return v != NULL ? v
                     : cJSON_GetObjectItemCaseSensitive(spec->params, p->name);
}

/* The zero choices the decoder reads for the simplest value of schema. */
static int write_simplest(af_ectx *e, af_idx schema, bool is_binary)
{
    static const uint8_t zeros[64];
    af_choices c;
    af_gctx x;
    af_value v;
    af_choice_init(&c, NULL, 0);
    af_gen_ctx_init(&x, e->g, e->w->arena, &c, true);
    x.is_ascii = e->is_ascii;
    x.is_form = e->is_form;
    if (is_binary) {
        const uint8_t *p;
        size_t len;
        af_choice_bytes(&c, 0, AF_GEN_MAX_RENDERED / 4, &p, &len);
    } else if (af_gen_value(&x, schema, &v) < 0) {
        return AF_ENOMEM;
    }
    for (size_t n = af_choice_pos(&c); n > 0;) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (af_choice_write_raw(e->w, zeros, k) < 0)
            return AF_ENOMEM;
        n -= k;
    }
    return 0;
}

static bool has_feed(const af_gen *g, uint32_t op, uint32_t param)
{
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++)
        if (g->feeds[f].consumer_param == param)
            return true;
    return false;
}

/* The Authorization text the first security alternative puts into the
   operation's Authorization parameter (decode.c auth_arg), NULL none. */
static const char *auth_text(af_ectx *e, const af_operation *o)
{
    const af_sec_alt *alt = &o->security[0];
    af_cred *cr = af_arena_calloc(e->w->arena, alt->n_schemes + 1, sizeof *cr);
    uint32_t n = 0;
    const char *text = NULL;
    if (cr == NULL)
        return NULL;
    for (uint32_t k = 0; k < alt->n_schemes; k++) {
        int32_t s = alt->schemes[k];
        if (s < 0 || (uint32_t)s >= e->g->model->n_schemes)
            continue;
        cr[n].scheme = s;
        cr[n++].value = e->g->creds[s];
    }
    if (af_gen_auth_text(e->g, e->w->arena, cr, n, &text) < 0)
        return NULL;
    return text;
}

static int enc_param(af_ectx *e, uint32_t op, uint32_t j, const af_param *p,
                     const cJSON *v)
{
    int rc = 0;
    e->ptr_len = 0;
    af_enc_push(e, in_name(p->in));
    af_enc_push(e, p->name);
    if (!p->is_required) {
        rc = af_choice_write_bool(e->w, v != NULL);
        if (v == NULL || rc < 0)
            return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "presence");
        if (af_gen_is_unsat(e->g, p->schema))
            return af_enc_refuse(e, AF_ENC_INVALID, "no value satisfies it");
    }
    e->is_ascii = p->in == AF_IN_HEADER || p->in == AF_IN_COOKIE;
    e->is_form = p->in == AF_IN_QUERY;
    if (has_feed(e->g, op, j))
        rc = af_enc_status(e, af_choice_write_index(e->w, 256, 0),
                           AF_ENC_UNSUPPORTED, "the producer choice");
    if (rc == 0)
        rc = v != NULL ? af_enc_value(e, p->schema, v)
                       : write_simplest(e, p->schema, false);
    e->is_ascii = e->is_form = false;
    return rc;
}

static int enc_params(af_ectx *e, uint32_t op, const af_call_spec *spec,
                      bool *auth_done)
{
    const af_operation *o = &e->g->model->ops[op];
    int32_t auth = o->n_security > 0 ? af_gen_auth_param(o) : -1;
    for (uint32_t j = 0; j < o->n_params; j++) {
        if ((int32_t)j == auth) {
            int rc = af_choice_write_index(e->w, o->n_security, 0);
            if (rc < 0)
                return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "security");
            *auth_done = true;
            if (auth_text(e, o) != NULL)
                continue;
        }
        int rc = enc_param(e, op, j, &o->params[j],
                           param_value(spec, &o->params[j]));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* decode.c is_binary: media types whose bodies are raw bytes. */
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

static int enc_body(af_ectx *e, uint32_t op, const af_call_spec *spec)
{
    const af_body *b = e->g->model->ops[op].body;
    int32_t k = spec != NULL ? spec->media : -1;
    e->ptr_len = 0;
    af_enc_push(e, "body");
    if (b == NULL || b->n_media == 0)
        return k < 0 ? 0 : af_enc_refuse(e, AF_ENC_INVALID, "no request body");
    if (k >= (int32_t)b->n_media)
        return af_enc_refuse(e, AF_ENC_INVALID, "no media type %d", k);
    int rc = 0;
    if (!b->is_required && (rc = af_choice_write_bool(e->w, k >= 0)) < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "body presence");
    if (k < 0 && !b->is_required)
        return 0;
    const af_media *m = &b->media[k < 0 ? 0 : k];
    if ((rc = af_choice_write_index(e->w, b->n_media,
                                    k < 0 ? 0 : (uint64_t)k)) < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "the media type");
    const cJSON *v = k >= 0 ? spec->body : NULL;
    if (is_binary(e->g, m)) {
        if (v == NULL)
            return write_simplest(e, m->schema, true);
        if (!cJSON_IsString(v))
            return af_enc_refuse(e, AF_ENC_INVALID, "binary body not a string");
        size_t len = strlen(v->valuestring);
        return af_enc_status(e,
                             af_choice_write_bytes(e->w, 0,
                                                   AF_GEN_MAX_RENDERED / 4,
                                                   v->valuestring, len),
                             AF_ENC_CAP, "the body bytes");
    }
    e->is_form = strstr(m->type, "form") != NULL;
    e->hook_op = op;
    rc = v != NULL ? af_enc_value(e, m->schema, v)
                   : write_simplest(e, m->schema, false);
    e->hook_op = UINT32_MAX;
    e->is_form = false;
    return rc;
}

/* Whether the decoded call is the one asked for. */
static bool call_matches(const af_gen *g, const af_call *c, uint32_t op,
                         const af_call_spec *spec)
{
    const af_operation *o = &g->model->ops[op];
    int32_t auth = o->n_security > 0 ? af_gen_auth_param(o) : -1;
    if (c->op != op || c->is_negative || c->n_args != o->n_params)
        return false;
    for (uint32_t j = 0; j < o->n_params; j++) {
        const cJSON *v = param_value(spec, &o->params[j]);
        const af_arg *a = &c->args[j];
        if ((int32_t)j == auth && a->is_present)
            continue;
        if (v != NULL ? !a->is_present || !af_value_equal_json(&a->value, v)
                      : a->is_present && !o->params[j].is_required)
            return false;
    }
    int32_t k = spec != NULL ? spec->media : -1;
    if (k < 0)
        return c->media < 0 || (o->body != NULL && o->body->is_required);
    const af_value *bv = c->body;
    if (c->media != k || bv == NULL)
        return false;
    if (bv->kind == AF_V_STRING && cJSON_IsString(spec->body))
        return bv->u.str.len == strlen(spec->body->valuestring) &&
               memcmp(bv->u.str.s, spec->body->valuestring, bv->u.str.len) == 0;
    return af_value_equal_json(bv, spec->body);
}

static int enc_call(af_ectx *e, uint32_t op, const af_call_spec *spec)
{
    const af_gen *g = e->g;
    uint32_t k = 0;
    while (k < g->n_ops && g->ops[k] != op)
        k++;
    if (g->opts.mode == AF_GEN_NEGATIVE)
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED, "negative-mode plan");
    if (k == g->n_ops)
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                             "operation %u not in the "
                             "plan",
                             op);
    int rc = af_choice_write_index(e->w, g->n_ops, k);
    if (rc == 0 && g->opts.mode == AF_GEN_MIXED)
        rc = af_choice_write_bool(e->w, false);
    if (rc < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "the operation");
    bool auth_done = false;
    rc = enc_params(e, op, spec, &auth_done);
    if (rc == 0 && g->model->ops[op].n_security > 0 && !auth_done)
        rc = af_enc_status(
            e, af_choice_write_index(e->w, g->model->ops[op].n_security, 0),
            AF_ENC_UNSUPPORTED, "security");
    return rc == 0 ? enc_body(e, op, spec) : rc;
}

static int verify_call(af_ectx *e, size_t from, uint32_t op,
                       const af_call_spec *spec)
{
    af_program p;
    af_choice_writer *w = e->w;
    int rc =
        af_program_decode(e->g, w->arena, w->len > from ? w->buf + from : NULL,
                          w->len - from, &p, NULL);
    if (rc < 0)
        return rc;
    if (p.n_calls < 1 || !call_matches(e->g, &p.calls[0], op, spec)) {
        e->ptr_len = 0;
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                             "cannot encode: the decoder gives another call");
    }
    return 0;
}

int af_call_encode(const af_gen *g, af_choice_writer *w, uint32_t op,
                   const af_call_spec *spec, af_error *err)
{
    if (g == NULL || w == NULL || op >= g->model->n_ops)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_call_encode: no plan, writer or operation");
    af_ectx e;
    af_enc_init(&e, g, w, true);
    af_emark mk = af_enc_mark(&e);
    int rc = enc_call(&e, op, spec);
    if (rc == 0 && w->status != 0)
        rc = af_enc_status(&e, w->status, AF_ENC_UNSUPPORTED, "a choice");
    if (rc == 0)
        rc = verify_call(&e, mk.len, op, spec);
    if (rc == 0)
        return 0;
    af_enc_rollback(&e, &mk);
    if (rc == AF_ENOMEM)
        return af_error_set(err, rc, NULL, NULL, 0, 0,
                            "out of memory encoding a call");
    return af_error_set(err, AF_EUSAGE, NULL, e.ptr, 0, 0, "%s", e.why);
}

int af_program_encode(const af_gen *g, af_choice_writer *w, const uint32_t *ops,
                      const af_call_spec *specs, uint32_t n, af_error *err)
{
    if (g == NULL || w == NULL || n == 0 || n > g->max_calls)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_program_encode: 1..%u calls",
                            g ? g->max_calls : 0);
    size_t start = w->len;
    for (uint32_t k = 0; k < n; k++) {
        int rc = k > 0 ? af_choice_write_bool(w, true) : 0;
        if (rc == 0)
            rc = af_call_encode(g, w, ops[k], &specs[k], err);
        if (rc < 0) {
            w->len = start;
            return rc;
        }
    }
    return 0;
}
