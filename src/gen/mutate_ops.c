/*
 * mutate_ops.c - the mutator's structure-aware operations over a layout
 * (mutate_walk.c): each picks a target (a node, a slot, a call) and
 * returns the edits that change it, computed from the choice encodings
 * of choice.h and the decoder's reading order:
 *   regen     the node's bytes replaced by fresh random choices
 *   bound     a number's shape byte set to a boundary shape (lo, hi,
 *             lo+1, hi-1, 0, -1, ±2^p±1, small offsets), a boolean
 *             flipped, a string's length set to its minimum or maximum
 *   toggle    an optional parameter, property or body in or out
 *   items     an array item added (fresh), removed or duplicated
 *   branch    another oneOf/anyOf branch, JSON type or enum value
 *   call*     a call inserted, deleted, duplicated, or two swapped
 *   link      a producer byte wired to an earlier call (inserting a
 *             producer call when there is none), or cut
 *   neg       a call flipped positive/negative, or its violation moved
 *   bytes     a string's bytes through the engine's byte mutator (or
 *             ours), dict a dictionary token spliced into them
 *   num       a number's raw bytes through it (mutate_num.c)
 * Node operations replace exactly the node's span with bytes measured by
 * decoding them, so the rest of the input decodes as before.
 *
 * Tuned for one operation per execution: a scan of the nodes to pick a
 * target, then one or two small decodes of fresh bytes.
 */
#include "gen/mutate_internal.h"

#include <string.h>

typedef bool (*node_pred)(const af_mutator *mu, const af_mnode *n);

static bool any_node(const af_mutator *mu, const af_mnode *n)
{
    (void)mu, (void)n;
    return true;
}

static bool is_bound(const af_mutator *mu, const af_mnode *n)
{
    (void)mu;
    return n->kind == MK_INT || n->kind == MK_NUM || n->kind == MK_BOOL ||
           ((n->kind == MK_STR || n->kind == MK_BIN) && n->span > 0) ||
           (n->kind == MK_ARR && (n->flags & NF_ITEMS_OK) && n->span > 0);
}

static bool is_branch(const af_mutator *mu, const af_mnode *n)
{
    (void)mu;
    return n->n_bsel > 1 || n->n_types > 1 ||
           (n->kind == MK_ENUM && n->n_sel > 1);
}

static bool is_items(const af_mutator *mu, const af_mnode *n)
{
    (void)mu;
    return n->kind == MK_ARR && (n->flags & NF_ITEMS_OK) &&
           (n->count < n->min + n->span || n->count > n->min);
}

static bool is_fed(const af_mutator *mu, const af_mnode *n)
{
    (void)mu;
    return (n->flags & NF_FED) != 0;
}

static bool is_text(const af_mutator *mu, const af_mnode *n)
{
    (void)mu;
    return n->kind == MK_STR || n->kind == MK_BIN || n->kind == MK_PSTR;
}

static bool is_dict_target(const af_mutator *mu, const af_mnode *n)
{
    return mu->n_tokens > 0 && (n->kind == MK_STR || n->kind == MK_BIN);
}

static uint32_t count_nodes(const af_mutator *mu, const af_mlayout *l,
                            node_pred pred)
{
    uint32_t count = 0;
    for (uint32_t k = 0; k < l->n_nodes; k++)
        count += pred(mu, &l->nodes[k]);
    return count;
}

static const af_mnode *pick_node(af_mutator *mu, const af_mlayout *l,
                                 node_pred pred)
{
    uint32_t count = count_nodes(mu, l, pred);
    if (count == 0)
        return NULL;
    uint32_t k = af_mrng_below(&mu->rng, count);
    for (uint32_t i = 0; i < l->n_nodes; i++)
        if (pred(mu, &l->nodes[i]) && k-- == 0)
            return &l->nodes[i];
    return NULL;
}

static uint32_t neg_calls(const af_mlayout *l)
{
    uint32_t count = 0;
    for (uint32_t c = 0; c < l->n_calls; c++)
        count += l->calls[c].neg_byte != UINT32_MAX || l->calls[c].is_neg;
    return count;
}

uint32_t af_mut_op_targets(const af_mutator *mu, const af_mlayout *l, af_mop op)
{
    uint32_t n = l->n_calls, max = mu->g->max_calls;
    switch (op) {
    case MOP_REGEN:
        return l->n_nodes;
    case MOP_BOUND:
        return count_nodes(mu, l, is_bound);
    case MOP_TOGGLE:
        return l->n_slots;
    case MOP_ITEMS:
        return count_nodes(mu, l, is_items);
    case MOP_BRANCH:
        return count_nodes(mu, l, is_branch);
    case MOP_CALLINS:
        return max > 1 ? n + 1 : 0;
    case MOP_CALLDEL:
    case MOP_CALLSWAP:
        return n > 1 ? n : 0;
    case MOP_CALLDUP:
        return n < max ? n : 0;
    case MOP_LINK:
        return count_nodes(mu, l, is_fed);
    case MOP_NEG:
        return neg_calls(l);
    case MOP_BYTES:
        return count_nodes(mu, l, is_text);
    case MOP_DICT:
        return count_nodes(mu, l, is_dict_target);
    case MOP_NUM:
        return af_mut_num_targets(mu, l);
    default:
        return 0;
    }
}

static void note(af_mutator *mu, af_mop op, int32_t call, uint32_t start,
                 uint32_t end, bool is_node)
{
    mu->last = (af_mlast){op, call, start, end, is_node, false, "", false};
}

/* A buffer of the arena holding l's bytes [from, to) then room. */
static uint8_t *prefix(af_mutator *mu, const af_mlayout *l, uint32_t from,
                       uint32_t to, size_t room)
{
    uint8_t *p = af_arena_alloc(&mu->arena, (to - from) + room + 1);
    if (p == NULL)
        return NULL;
    const uint8_t *c = af_mut_copy(mu, l, from, to);
    if (c == NULL)
        return NULL;
    memcpy(p, c, to - from);
    return p;
}

/* Notes whether the value stayed the same (the caller then tries
   something else). */
bool af_mut_replace_node(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                         const uint8_t *head, size_t head_len, af_medits *e,
                         af_mop op)
{
    af_mctx cx = af_mut_node_ctx(l, n);
    const uint8_t *b;
    size_t len;
    af_value v;
    if (af_mut_fresh(mu, &cx, head, head_len, &b, &len, &v) < 0)
        return false;
    af_medits_add(e, n->vstart, n->end - n->vstart, b, (uint32_t)len);
    note(mu, op, (int32_t)n->call, n->vstart, n->end, true);
    mu->last.is_same = n->kind != MK_OTHER && af_value_equal(n->v, &v);
    return true;
}

/* Fresh bytes for item j of array n. */
static bool fresh_item(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                       uint32_t j, const uint8_t **b, size_t *len)
{
    const af_schema *s = mu->g->nodes[n->view].raw;
    af_mctx cx = af_mut_node_ctx(l, n);
    cx.gnode = j < s->n_prefix_items ? s->prefix_items[j] : s->items;
    cx.depth = (uint16_t)(n->depth + 1);
    cx.flags &= NF_ASCII | NF_FORM;
    return af_mut_fresh(mu, &cx, NULL, 0, b, len, NULL) == 0;
}

/* Where item j of array n starts (its end of items for j == count). */
static uint32_t item_at(const af_mnode *n, uint32_t j)
{
    const af_value *it = n->v->u.arr.items;
    return j < n->count ? it[j].start
           : n->count   ? it[n->count - 1].end
                        : n->data;
}

/* Array n's length choice rewritten for want items. */
static bool set_count(af_mutator *mu, const af_mnode *n, uint32_t want,
                      af_medits *e)
{
    uint8_t *len = af_arena_alloc(&mu->arena, 12);
    if (len == NULL)
        return false;
    uint32_t ll = af_mut_put_size(len, (uint64_t)n->span + 1, want - n->min);
    af_medits_add(e, n->content, n->data - n->content, len, ll);
    return true;
}

/* ---- regen, bound, branch ---- */

static bool op_regen(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, any_node);
    return n != NULL && af_mut_replace_node(mu, l, n, NULL, 0, e, MOP_REGEN);
}

/* choice.h: integer shapes 1..6 are the boundaries, 7..54 powers of two
   around them, 55..127 small offsets; doubles 1..10, 11..71, 72..127. */
static uint8_t bound_shape(af_mrng *r, bool is_int, uint8_t old)
{
    uint32_t p = af_mrng_below(r, 100);
    uint8_t s;
    if (is_int)
        s = (uint8_t)(p < 55   ? 1 + af_mrng_below(r, 6)
                      : p < 85 ? 7 + af_mrng_below(r, 48)
                               : 55 + af_mrng_below(r, 73));
    else
        s = (uint8_t)(p < 55   ? 1 + af_mrng_below(r, 10)
                      : p < 85 ? 11 + af_mrng_below(r, 61)
                               : 72 + af_mrng_below(r, 56));
    return s == old ? (uint8_t)(s == 1 ? 2 : 1) : s;
}

/* A plain string of len bytes (padded to the minimum with letters). */
static bool rewrite_string(af_mutator *mu, const af_mlayout *l,
                           const af_mnode *n, const uint8_t *bytes, size_t len,
                           af_medits *e, af_mop op)
{
    size_t hl = n->content - n->vstart;
    if (len > (size_t)n->min + n->span)
        len = (size_t)n->min + n->span;
    size_t pad = len < n->min ? n->min - len : 0;
    uint8_t *h = prefix(mu, l, n->vstart, n->content, 10 + len + pad);
    if (h == NULL)
        return false;
    hl += af_mut_put_size(h + hl, (uint64_t)n->span + 1, len + pad - n->min);
    memcpy(h + hl, bytes, len);
    for (size_t k = 0; k < pad; k++)
        h[hl + len + k] = (uint8_t)('a' + af_mrng_below(&mu->rng, 26));
    return af_mut_replace_node(mu, l, n, h, hl + len + pad, e, op);
}

static bool bound_length(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                         af_medits *e)
{
    uint32_t lo = n->min, hi = n->min + n->span;
    uint32_t opts[6] = {lo, hi, lo + 1, hi - 1, lo + 256, 1};
    uint32_t want = opts[af_mrng_below(&mu->rng, n->kind == MK_BIN ? 6 : 4)];
    if (want == n->count)
        want = want == lo ? hi : lo;
    if (want > hi)
        want = hi;
    uint8_t *b = af_mut_copy(mu, l, n->data, n->data + n->count);
    uint8_t *s = af_arena_alloc(&mu->arena, want + 1);
    if (b == NULL || s == NULL)
        return false;
    for (uint32_t k = 0; k < want; k++)
        s[k] = k < n->count ? b[k] : (uint8_t)('a' + k % 26);
    return rewrite_string(mu, l, n, s, want, e, MOP_BOUND);
}

/* An array at its minimum or maximum length (the generator's cap):
   items dropped from the end, or fresh ones appended. */
static bool bound_items(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                        af_medits *e)
{
    uint32_t hi = n->min + n->span, count = n->count;
    uint32_t want =
        count == n->min || (count != hi && af_mrng_below(&mu->rng, 2)) ? hi
                                                                       : n->min;
    if (!set_count(mu, n, want, e))
        return false;
    if (want < count) {
        af_medits_add(e, item_at(n, want), item_at(n, count) - item_at(n, want),
                      NULL, 0);
    } else {
        uint8_t *all = af_arena_alloc(&mu->arena, 1), *p;
        size_t total = 0;
        for (uint32_t j = count; j < want && all != NULL; j++) {
            const uint8_t *b;
            size_t bl;
            if (!fresh_item(mu, l, n, j, &b, &bl) ||
                (p = af_arena_grow(&mu->arena, all, total, total + bl + 1,
                                   1)) == NULL)
                return false;
            memcpy(p + total, b, bl);
            all = p;
            total += bl;
        }
        af_medits_add(e, item_at(n, count), 0, all, (uint32_t)total);
    }
    note(mu, MOP_BOUND, (int32_t)n->call, n->start, n->end, false);
    return true;
}

static bool op_bound(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_bound);
    if (n == NULL)
        return false;
    if (n->kind == MK_STR || n->kind == MK_BIN)
        return bound_length(mu, l, n, e);
    if (n->kind == MK_ARR)
        return bound_items(mu, l, n, e);
    size_t hl = n->content - n->vstart;
    uint8_t *h = prefix(mu, l, n->vstart, n->content, 1);
    if (h == NULL)
        return false;
    uint8_t old = af_mut_byte(l, n->content);
    h[hl] = n->kind == MK_BOOL ? (uint8_t)(old ^ 1)
                               : bound_shape(&mu->rng, n->kind == MK_INT, old);
    return af_mut_replace_node(mu, l, n, h, hl + 1, e, MOP_BOUND);
}

static bool op_branch(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_branch);
    if (n == NULL)
        return false;
    uint32_t at[3] = {0}, nsel[3] = {0}, k = 0;
    if (n->n_bsel > 1)
        at[k] = n->bsel, nsel[k++] = n->n_bsel;
    if (n->n_types > 1)
        at[k] = n->tsel, nsel[k++] = n->n_types;
    if (n->kind == MK_ENUM && n->n_sel > 1)
        at[k] = n->sel, nsel[k++] = n->n_sel;
    if (k == 0)
        return false;
    uint32_t c = af_mrng_below(&mu->rng, k);
    uint32_t w = af_mut_index_width(nsel[c]);
    uint64_t old = 0;
    for (uint32_t i = 0; i < w; i++)
        old |= (uint64_t)af_mut_byte(l, at[c] + i) << (8 * i);
    old %= nsel[c];
    uint64_t v = (old + 1 + af_mrng_below(&mu->rng, nsel[c] - 1)) % nsel[c];
    size_t hl = at[c] - n->vstart;
    uint8_t *h = prefix(mu, l, n->vstart, at[c], 8);
    if (h == NULL)
        return false;
    hl += af_mut_put_index(h + hl, nsel[c], v);
    return af_mut_replace_node(mu, l, n, h, hl, e, MOP_BRANCH);
}

/* ---- toggle, items ---- */

/* A value for slot s: presence byte 1, [media index], [producer], bytes. */
static bool slot_value(af_mutator *mu, const af_mlayout *l, const af_mslot *s,
                       const uint8_t **out, size_t *len)
{
    af_mctx cx = {.gnode = s->gnode,
                  .depth = s->depth,
                  .flags = (uint16_t)(s->flags & (NF_ASCII | NF_FORM)),
                  .op = l->calls[s->call].op};
    uint8_t head[12] = {1};
    size_t hl = 1;
    if (s->kind == SLOT_BODY) {
        const af_body *b = mu->g->model->ops[cx.op].body;
        uint32_t k = af_mrng_below(&mu->rng, b->n_media);
        const af_media *m = &b->media[k];
        hl += af_mut_put_index(head + hl, b->n_media, k);
        cx.gnode = m->schema;
        cx.flags = NF_HOOK | (strstr(m->type, "form") ? NF_FORM : 0);
        cx.is_bin = af_mut_is_binary(mu->g, m);
    } else if (s->flags & NF_FED) {
        head[hl++] = 0; /* fresh, not a back-reference */
    }
    const uint8_t *v;
    size_t vl;
    if (af_mut_fresh(mu, &cx, NULL, 0, &v, &vl, NULL) < 0)
        return false;
    uint8_t *b = af_arena_alloc(&mu->arena, hl + vl + 1);
    if (b == NULL)
        return false;
    memcpy(b, head, hl);
    memcpy(b + hl, v, vl);
    *out = b;
    *len = hl + vl;
    return true;
}

static bool op_toggle(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    if (l->n_slots == 0)
        return false;
    const af_mslot *s = &l->slots[af_mrng_below(&mu->rng, l->n_slots)];
    static const uint8_t zero = 0;
    if (s->is_present) {
        af_medits_add(e, s->byte, s->end - s->byte, &zero, 1);
    } else {
        const uint8_t *b;
        size_t len;
        if (!slot_value(mu, l, s, &b, &len))
            return false;
        af_medits_add(e, s->byte, 1, b, (uint32_t)len);
    }
    note(mu, MOP_TOGGLE, (int32_t)s->call, s->byte, s->end, false);
    return true;
}

/* A fresh item inserted at a random position of array n. */
static bool add_item(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                     af_medits *e)
{
    uint32_t j = af_mrng_below(&mu->rng, n->count + 1);
    const uint8_t *b;
    size_t bl;
    if (!fresh_item(mu, l, n, j, &b, &bl))
        return false;
    af_medits_add(e, item_at(n, j), 0, b, (uint32_t)bl);
    return true;
}

static bool op_items(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_items);
    if (n == NULL)
        return false;
    const af_value *it = n->v->u.arr.items;
    uint32_t count = n->count, j;
    bool can_grow = count < n->min + n->span;
    bool can_shrink = count > n->min;
    uint32_t act = af_mrng_below(&mu->rng, 3); /* 0 add, 1 remove, 2 dup */
    if ((act != 1 && !can_grow) || (act == 2 && count == 0))
        act = can_shrink ? 1 : 0;
    if ((act == 1 && !can_shrink) || (act != 1 && !can_grow))
        return false;
    if (!set_count(mu, n, act == 1 ? count - 1 : count + 1, e))
        return false;
    if (act == 1) {
        j = af_mrng_below(&mu->rng, count);
        af_medits_add(e, it[j].start, it[j].end - it[j].start, NULL, 0);
    } else if (act == 2) {
        j = af_mrng_below(&mu->rng, count);
        const uint8_t *b = af_mut_copy(mu, l, it[j].start, it[j].end);
        if (b == NULL)
            return false;
        af_medits_add(e, it[j].end, 0, b, it[j].end - it[j].start);
    } else if (!add_item(mu, l, n, e)) {
        return false;
    }
    note(mu, MOP_ITEMS, (int32_t)n->call, n->start, n->end, false);
    return true;
}

/* ---- calls ---- */

static bool insert_call(af_mutator *mu, af_mlayout *l, uint32_t c,
                        const uint8_t *b, size_t len, af_medits *e)
{
    uint8_t *p = af_arena_alloc(&mu->arena, len + 2);
    if (p == NULL)
        return false;
    if (c < l->n_calls) { /* the call, then "another follows" */
        memcpy(p, b, len);
        p[len] = 1;
        af_medits_add(e, l->calls[c].start, 0, p, (uint32_t)len + 1);
    } else { /* after the last call: "another follows", the call */
        p[0] = 1;
        memcpy(p + 1, b, len);
        af_medits_add(e, l->calls[l->n_calls - 1].end, 0, p, (uint32_t)len + 1);
    }
    return true;
}

static bool op_callins(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    /* after the last call only while another may follow */
    bool at_end = l->n_calls < mu->g->max_calls;
    uint32_t c = af_mrng_below(&mu->rng, l->n_calls + at_end);
    const uint8_t *b;
    size_t len;
    int neg = af_mrng_below(&mu->rng, 4) == 0;
    if (af_mut_fresh_call(mu, UINT32_MAX, neg, &b, &len) < 0 ||
        !insert_call(mu, l, c, b, len, e))
        return false;
    note(mu, MOP_CALLINS, (int32_t)c, 0, 0, false);
    return true;
}

static bool op_calldel(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    if (l->n_calls < 2)
        return false;
    uint32_t c = af_mrng_below(&mu->rng, l->n_calls);
    const af_mcall *mc = &l->calls[c];
    if (c == 0)
        af_medits_add(e, mc->start, l->calls[1].start - mc->start, NULL, 0);
    else
        af_medits_add(e, mc->start - 1, mc->end - mc->start + 1, NULL, 0);
    note(mu, MOP_CALLDEL, (int32_t)c, 0, 0, false);
    return true;
}

static bool op_calldup(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    if (l->n_calls == 0 || l->n_calls >= mu->g->max_calls)
        return false;
    uint32_t c = af_mrng_below(&mu->rng, l->n_calls);
    const af_mcall *mc = &l->calls[c];
    uint8_t *p = af_arena_alloc(&mu->arena, mc->end - mc->start + 2);
    const uint8_t *b = af_mut_copy(mu, l, mc->start, mc->end);
    if (p == NULL || b == NULL)
        return false;
    p[0] = 1;
    memcpy(p + 1, b, mc->end - mc->start);
    af_medits_add(e, mc->end, 0, p, mc->end - mc->start + 1);
    note(mu, MOP_CALLDUP, (int32_t)c, 0, 0, false);
    return true;
}

static bool op_callswap(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    if (l->n_calls < 2)
        return false;
    uint32_t c = af_mrng_below(&mu->rng, l->n_calls - 1);
    const af_mcall *x = &l->calls[c], *y = &l->calls[c + 1];
    uint32_t lx = x->end - x->start, ly = y->end - y->start;
    uint8_t *p = af_arena_alloc(&mu->arena, lx + ly + 2);
    const uint8_t *bx = af_mut_copy(mu, l, x->start, x->end);
    const uint8_t *by = af_mut_copy(mu, l, y->start, y->end);
    if (p == NULL || bx == NULL || by == NULL)
        return false;
    memcpy(p, by, ly);
    p[ly] = af_mut_byte(l, y->start - 1);
    memcpy(p + ly + 1, bx, lx);
    af_medits_add(e, x->start, y->end - x->start, p, lx + ly + 1);
    note(mu, MOP_CALLSWAP, (int32_t)c, 0, 0, false);
    return true;
}

/* ---- link, neg ---- */

static bool feeds_it(const af_feed *fd, uint32_t param, const char *name)
{
    return fd->consumer_param == param &&
           (name == NULL || (fd->consumer_pointer != NULL &&
                             strcmp(fd->consumer_pointer + 1, name) == 0));
}

/* decode.c producer_at: how many (earlier call, feed) pairs there are. */
static uint32_t producers(const af_gen *g, const af_mlayout *l, uint32_t c,
                          uint32_t param, const char *name,
                          const af_feed **first)
{
    uint32_t op = l->calls[c].op, count = 0;
    *first = NULL;
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++) {
        if (!feeds_it(&g->feeds[f], param, name))
            continue;
        if (*first == NULL)
            *first = &g->feeds[f];
        for (uint32_t i = 0; i < c; i++)
            count += l->calls[i].op == g->feeds[f].producer_op;
    }
    return count;
}

/* No producer yet: a fresh call of the producer's operation is inserted
   before the consumer, and the producer byte picks it. */
static bool link_new(af_mutator *mu, af_mlayout *l, const af_mnode *n,
                     const af_feed *f, af_medits *e)
{
    const af_gen *g = mu->g;
    uint32_t k = 0;
    while (k < g->n_ops && g->ops[k] != f->producer_op)
        k++;
    if (k == g->n_ops || l->n_calls >= g->max_calls)
        return false;
    const uint8_t *b;
    size_t len;
    static const uint8_t one = 1;
    if (af_mut_fresh_call(mu, k, 0, &b, &len) < 0 ||
        !insert_call(mu, l, n->call, b, len, e))
        return false;
    af_medits_add(e, n->start, 1, &one, 1);
    return true;
}

static bool op_link(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_fed);
    if (n == NULL)
        return false;
    const af_feed *first;
    uint32_t count = producers(mu->g, l, n->call, n->param, n->name, &first);
    uint8_t cur = af_mut_byte(l, n->start);
    uint8_t *b = af_arena_alloc(&mu->arena, 1);
    if (b == NULL || first == NULL)
        return false;
    if (count == 0) {
        if (!link_new(mu, l, n, first, e))
            return false;
        note(mu, MOP_LINK, (int32_t)n->call, n->start, n->start + 1, false);
        mu->last.suffix = "+callins";
        return true;
    }
    /* decode.c: byte p picks fresh (0) or producer (p - 1) mod count */
    uint32_t now = cur == 0 ? UINT32_MAX : (cur - 1u) % count;
    uint32_t pick = af_mrng_below(&mu->rng, count);
    if (now != UINT32_MAX && (count == 1 || af_mrng_below(&mu->rng, 3) == 0))
        *b = 0; /* cut the link: a fresh value */
    else
        *b = (uint8_t)(1 + (pick != now ? pick : (pick + 1) % count) % 255);
    af_medits_add(e, n->start, 1, b, 1);
    note(mu, MOP_LINK, (int32_t)n->call, n->start, n->start + 1, false);
    return true;
}

static bool op_neg(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    uint32_t k = neg_calls(l), c = 0;
    if (k == 0)
        return false;
    k = af_mrng_below(&mu->rng, k);
    for (; c < l->n_calls; c++)
        if ((l->calls[c].neg_byte != UINT32_MAX || l->calls[c].is_neg) &&
            k-- == 0)
            break;
    const af_mcall *mc = &l->calls[c];
    uint8_t *b = af_mut_random_bytes(mu, 4);
    if (b == NULL)
        return false;
    bool flip = mc->neg_byte != UINT32_MAX &&
                (!mc->is_neg || af_mrng_below(&mu->rng, 2) == 0);
    if (flip && mc->is_neg) { /* positive: flag 0, violation bytes out */
        b[0] = 0;
        af_medits_add(e, mc->neg_byte, 1, b, 1);
        af_medits_add(e, mc->end - 3, 3, NULL, 0);
    } else if (flip) { /* negative: flag 1, violation bytes in */
        b[3] = 1;
        af_medits_add(e, mc->neg_byte, 1, b + 3, 1);
        af_medits_add(e, mc->end, 0, b, 3);
    } else { /* another place and variant of the violation */
        af_medits_add(e, mc->end - 3, 3, b, 3);
    }
    note(mu, MOP_NEG, (int32_t)c, 0, 0, false);
    return true;
}

/* ---- bytes, dict ---- */

/* A pattern or format string: a few of its choice bytes changed, the
   rest re-read. */
static bool perturb(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                    af_medits *e)
{
    uint32_t len = n->end - n->vstart;
    uint8_t *h = prefix(mu, l, n->vstart, n->end, 0);
    if (h == NULL)
        return false;
    uint32_t times = 1 + af_mrng_below(&mu->rng, 3);
    for (uint32_t t = 0; t < times; t++)
        h[af_mrng_below(&mu->rng, len)] ^=
            (uint8_t)(1u << af_mrng_below(&mu->rng, 8));
    return af_mut_replace_node(mu, l, n, h, len, e, MOP_BYTES);
}

static bool op_bytes(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_text);
    if (n == NULL)
        return false;
    if (n->kind == MK_PSTR)
        return perturb(mu, l, n, e);
    size_t cap = (size_t)n->min + n->span, len = n->count;
    uint8_t *buf = af_arena_alloc(&mu->arena, cap + 1);
    const uint8_t *old = af_mut_copy(mu, l, n->data, n->data + n->count);
    if (buf == NULL || old == NULL || cap == 0)
        return false;
    memcpy(buf, old, len);
    size_t got = 0;
    if (mu->bytes != NULL) {
        if (len == 0)
            buf[len++] = (uint8_t)('a' + af_mrng_below(&mu->rng, 26));
        got = mu->bytes(buf, len, cap);
    }
    if (got == 0)
        got = af_mut_bytes_own(mu, buf, n->count, cap);
    return rewrite_string(mu, l, n, buf, got > cap ? cap : got, e, MOP_BYTES);
}

static bool op_dict(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    const af_mnode *n = pick_node(mu, l, is_dict_target);
    if (n == NULL)
        return false;
    size_t tl, cap = (size_t)n->min + n->span, len = n->count;
    const uint8_t *t =
        af_mut_token(mu, af_mrng_below(&mu->rng, mu->n_tokens), &tl);
    const uint8_t *old = af_mut_copy(mu, l, n->data, n->data + n->count);
    uint8_t *buf = af_arena_alloc(&mu->arena, len + tl + 1);
    if (old == NULL || buf == NULL)
        return false;
    uint32_t how = af_mrng_below(&mu->rng, 5),
             at = af_mrng_below(&mu->rng, (uint32_t)len + 1);
    size_t out;
    if (how < 2 || len == 0) { /* the whole string */
        memcpy(buf, t, tl);
        out = tl;
    } else if (how < 4) { /* inserted */
        memcpy(buf, old, at);
        memcpy(buf + at, t, tl);
        memcpy(buf + at + tl, old + at, len - at);
        out = len + tl;
    } else { /* overwritten */
        memcpy(buf, old, len);
        size_t k = tl < len - at ? tl : len - at;
        memcpy(buf + at, t, k);
        out = len;
    }
    return rewrite_string(mu, l, n, buf, out > cap ? cap : out, e, MOP_DICT);
}

bool af_mut_apply_op(af_mutator *mu, af_mlayout *l, af_mop op, af_medits *e)
{
    static bool (*const ops[])(af_mutator *, af_mlayout *, af_medits *) = {
        [MOP_REGEN] = op_regen,       [MOP_BOUND] = op_bound,
        [MOP_TOGGLE] = op_toggle,     [MOP_ITEMS] = op_items,
        [MOP_BRANCH] = op_branch,     [MOP_CALLINS] = op_callins,
        [MOP_CALLDEL] = op_calldel,   [MOP_CALLDUP] = op_calldup,
        [MOP_CALLSWAP] = op_callswap, [MOP_LINK] = op_link,
        [MOP_NEG] = op_neg,           [MOP_BYTES] = op_bytes,
        [MOP_DICT] = op_dict,         [MOP_NUM] = af_mut_op_num};
    e->n = 0;
    if ((unsigned)op >= sizeof ops / sizeof ops[0] || ops[op] == NULL)
        return false;
    return ops[op](mu, l, e);
}
