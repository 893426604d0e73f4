/*
 * mutate_fresh.c - fresh bytes for the mutator: a node's (or a call's)
 * choices drawn at random, decoded in the node's context (plan node,
 * depth, ASCII and form modes, the body's back-reference hook) and cut
 * to exactly the bytes the decoder read. Such bytes replace a span
 * without disturbing what follows (DESIGN.md "Local"); forced first
 * bytes (a branch index, a shape byte) steer the new value.
 *
 * Random bytes lean toward zero and small values (short strings and
 * arrays, simple numbers), as most of a useful request is.
 */
#include "gen/mutate_internal.h"

#include <string.h>

uint8_t *af_mut_random_bytes(af_mutator *mu, size_t n)
{
    uint8_t *p = af_arena_alloc(&mu->arena, n + 1);
    if (p == NULL)
        return NULL;
    uint64_t r = 0;
    for (size_t k = 0; k < n; k++) {
        if ((k & 3) == 0)
            r = af_mrng_next(&mu->rng);
        unsigned b = r & 0xff, sel = (r >> 8) & 3;
        p[k] = (uint8_t)(sel == 0 ? 0 : sel == 1 ? b & 7 : b);
        r >>= 16;
    }
    return p;
}

uint8_t *af_mut_copy(af_mutator *mu, const af_mlayout *l, uint32_t from,
                     uint32_t to)
{
    size_t n = to > from ? to - from : 0;
    uint8_t *p = af_arena_alloc(&mu->arena, n + 1);
    if (p == NULL)
        return NULL;
    size_t real = from < l->size ? (to < l->size ? to : l->size) - from : 0;
    if (real > 0)
        memcpy(p, l->data + from, real);
    memset(p + real, 0, n - real);
    return p;
}

af_mctx af_mut_node_ctx(const af_mlayout *l, const af_mnode *n)
{
    af_mctx cx = {.gnode = n->gnode,
                  .depth = n->depth,
                  .flags =
                      (uint16_t)(n->flags & (NF_ASCII | NF_FORM | NF_HOOK)),
                  .op = l->calls[n->call].op,
                  .is_bin = (n->flags & NF_BIN) != 0};
    return cx;
}

typedef struct hookctx {
    const af_gen *g;
    uint32_t op;
} hookctx;

/* decode.c fed_value's reads for a fed body member: producer, value. */
static int fed_hook(af_gctx *x, const char *name, af_idx schema, af_value *v)
{
    const hookctx *h = x->hook_data;
    if (!af_mut_body_fed(h->g, h->op, name))
        return 0;
    size_t start = af_choice_pos(x->c);
    af_choice_index(x->c, 256);
    int rc = af_gen_value(x, schema, v);
    v->start = (uint32_t)start;
    return rc < 0 ? rc : 1;
}

/* The bytes a node in context cx reads from r (n bytes). */
static int measure(af_mutator *mu, const af_mctx *cx, const uint8_t *r,
                   size_t n, size_t *used, af_value *val)
{
    af_value scratch;
    val = val != NULL ? val : &scratch;
    af_choices c;
    af_choice_init(&c, r, n);
    if (cx->is_bin) {
        const uint8_t *p;
        size_t len;
        af_choice_bytes(&c, 0, AF_GEN_MAX_RENDERED / 4, &p, &len);
        memset(val, 0, sizeof *val);
        val->kind = AF_V_STRING;
        val->u.str.s = (const char *)p;
        val->u.str.len = len;
        *used = af_choice_pos(&c);
        return 0;
    }
    af_gctx x;
    hookctx h = {mu->g, cx->op};
    af_gen_ctx_init(&x, mu->g, &mu->arena, &c, true);
    x.depth = cx->depth;
    x.is_ascii = (cx->flags & NF_ASCII) != 0;
    x.is_form = (cx->flags & NF_FORM) != 0;
    if (cx->flags & NF_HOOK) {
        x.hook = fed_hook;
        x.hook_data = &h;
    }
    int rc = af_gen_value(&x, cx->gnode, val);
    if (rc < 0 || x.status < 0)
        return AF_ENOMEM;
    *used = af_choice_pos(&c);
    return 0;
}

/* Bytes that read exactly their length: r (n bytes) padded with zeros
   until the decoder stops before their end (a byte string cut by the
   end of its buffer reads short, so "all of it" proves nothing). */
static int settle(af_mutator *mu, const af_mctx *cx, const uint8_t *r, size_t n,
                  size_t used, const uint8_t **out, size_t *out_len,
                  af_value *val)
{
    for (int t = 0; t < 4; t++) {
        size_t m = used + 16;
        uint8_t *z = af_arena_calloc(&mu->arena, m + 1, 1);
        if (z == NULL)
            return AF_ENOMEM;
        memcpy(z, r, n < m ? n : m);
        r = z, n = m;
        int rc = measure(mu, cx, r, n, &used, val);
        if (rc < 0)
            return rc;
        if (used < n)
            break;
    }
    *out = r;
    *out_len = used < n ? used : n;
    return 0;
}

int af_mut_fresh(af_mutator *mu, const af_mctx *cx, const uint8_t *head,
                 size_t head_len, const uint8_t **out, size_t *out_len,
                 af_value *val)
{
    size_t tail = 64, used = 0, n = 0;
    uint8_t *r = NULL;
    for (int t = 0; t < 3; t++, tail *= 8) {
        n = head_len + tail;
        r = af_mut_random_bytes(mu, n);
        if (r == NULL)
            return AF_ENOMEM;
        if (head_len > 0)
            memcpy(r, head, head_len);
        int rc = measure(mu, cx, r, n, &used, val);
        if (rc < 0)
            return rc;
        if (used < n) { /* read to the end: maybe cut short */
            *out = r;
            *out_len = used;
            return 0;
        }
    }
    return settle(mu, cx, r, n, used, out, out_len, val);
}

int af_mut_zero_len(af_mutator *mu, const af_mctx *cx, size_t *len)
{
    return measure(mu, cx, NULL, 0, len, NULL);
}

int af_mut_fresh_call(af_mutator *mu, uint32_t op, int is_neg,
                      const uint8_t **out, size_t *out_len)
{
    const af_gen *g = mu->g;
    uint32_t w = af_mut_index_width(g->n_ops);
    for (size_t n = 128; n <= 8192; n *= 8) {
        uint8_t *r = af_mut_random_bytes(mu, n);
        if (r == NULL)
            return AF_ENOMEM;
        if (op != UINT32_MAX)
            af_mut_put_index(r, g->n_ops, op);
        if (g->opts.mode == AF_GEN_MIXED && is_neg >= 0)
            r[w] = (uint8_t)is_neg;
        af_program p;
        if (af_program_decode(g, &mu->arena, r, n, &p, NULL) < 0)
            return AF_ENOMEM;
        if (p.calls[0].end < n) {
            *out = r;
            *out_len = p.calls[0].end;
            return 0;
        }
    }
    /* the simplest call of op: zeros */
    uint8_t z[8] = {0};
    af_mut_put_index(z, g->n_ops, op != UINT32_MAX ? op : 0);
    af_program p;
    if (af_program_decode(g, &mu->arena, z, w, &p, NULL) < 0)
        return AF_ENOMEM;
    uint8_t *r = af_arena_calloc(&mu->arena, p.calls[0].end + 1, 1);
    if (r == NULL)
        return AF_ENOMEM;
    af_mut_put_index(r, g->n_ops, op != UINT32_MAX ? op : 0);
    *out = r;
    *out_len = p.calls[0].end;
    return 0;
}
