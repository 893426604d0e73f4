/*
 * mutate.c - the structure-aware mutator's core (DESIGN.md step 6): the
 * mutator's lifetime, af_mutate (decode, pick an operation by weight,
 * apply it by span replacement, fit the output into max_size), the
 * crossover, the description of the last operation, and the plain byte
 * mutations used inside string leaves when the engine offers none.
 *
 * Invariants: the output is 1..max_size bytes and depends only on the
 * input, the seed and the dictionary (the PRNG is seeded by every call;
 * the scratch arena is reset by every call); the input is read whole
 * before the output is written over it, so size may exceed max_size
 * (libFuzzer's -minimize_crash). Any output decodes (the decoder is
 * total), so an operation that cannot apply only costs a retry.
 *
 * Tuned for one call per execution on specs like the booking API: one
 * decode and walk of the input, one operation, one pass to assemble.
 */
#include "gen/mutate_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const af_mut_op_names[MOP_COUNT] = {
    "regen",   "bound",   "toggle",   "items",  "branch", "callins",
    "calldel", "calldup", "callswap", "link",   "neg",    "bytes",
    "dict",    "num",     "splice",   "shrink", "raw"};

/* Relative weights of the operations where they apply. */
static const uint8_t op_weight[MOP_COUNT] = {
    [MOP_REGEN] = 18,   [MOP_BOUND] = 12,  [MOP_TOGGLE] = 12, [MOP_ITEMS] = 8,
    [MOP_BRANCH] = 8,   [MOP_CALLINS] = 4, [MOP_CALLDEL] = 3, [MOP_CALLDUP] = 3,
    [MOP_CALLSWAP] = 2, [MOP_LINK] = 6,    [MOP_NEG] = 6,     [MOP_BYTES] = 12,
    [MOP_DICT] = 6,     [MOP_NUM] = 10};

int af_mutator_new(const af_gen *g, af_mutator **out, af_error *err)
{
    *out = NULL;
    if (g == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_mutator_new: no plan");
    af_mutator *mu = calloc(1, sizeof *mu);
    if (mu == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    mu->g = g;
    af_arena_init(&mu->arena);
    if (af_mut_dict_from_spec(mu) < 0) {
        af_mutator_free(mu);
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                            "out of memory building the dictionary");
    }
    *out = mu;
    return 0;
}

void af_mutator_free(af_mutator *mu)
{
    if (mu == NULL)
        return;
    af_mut_layout_free(&mu->la);
    af_mut_layout_free(&mu->lb);
    af_mut_dict_free(mu);
    af_mut_shrink_free(mu);
    af_arena_free(&mu->arena);
    free(mu->out);
    free(mu);
}

void af_mutator_only(af_mutator *mu, uint32_t mask)
{
    mu->op_mask = mask;
}

const af_mlast *af_mutator_last(const af_mutator *mu)
{
    return &mu->last;
}

const char *af_mutator_describe(const af_mutator *mu)
{
    return mu != NULL ? mu->desc : "";
}

static void describe(af_mutator *mu, const af_mlayout *l)
{
    const af_mlast *t = &mu->last;
    bool is_neg = t->call >= 0 && (uint32_t)t->call < l->n_calls &&
                  l->calls[t->call].is_neg && t->op != MOP_NEG;
    snprintf(mu->desc, sizeof mu->desc, "%s%s%s", af_mut_op_names[t->op],
             t->suffix != NULL ? t->suffix : "", is_neg ? "+neg" : "");
}

/* ---- edits ---- */

void af_medits_add(af_medits *e, uint32_t off, uint32_t del, const uint8_t *ins,
                   uint32_t ins_len)
{
    if (e->n < AF_MUT_MAX_EDITS)
        e->e[e->n++] = (af_medit){off, del, ins, ins_len};
}

static bool reserve(af_mutator *mu, size_t n)
{
    if (n <= mu->out_cap)
        return true;
    size_t cap = mu->out_cap ? mu->out_cap : 4096;
    while (cap < n)
        cap *= 2;
    uint8_t *p = realloc(mu->out, cap);
    if (p == NULL)
        return false;
    mu->out = p;
    mu->out_cap = cap;
    return true;
}

/* Copies l's bytes [from, to) (zeros past the end) to dst. */
static void put_range(uint8_t *dst, const af_mlayout *l, size_t from, size_t to)
{
    size_t real = from < l->size ? (to < l->size ? to : l->size) - from : 0;
    if (real > 0)
        memcpy(dst, l->data + from, real);
    memset(dst + real, 0, (to - from) - real);
}

static void sort_edits(af_medits *e)
{
    for (uint32_t i = 1; i < e->n; i++)
        for (uint32_t j = i; j > 0 && e->e[j - 1].off > e->e[j].off; j--) {
            af_medit t = e->e[j];
            e->e[j] = e->e[j - 1];
            e->e[j - 1] = t;
        }
}

size_t af_mut_assemble(af_mutator *mu, const af_mlayout *l,
                       const af_medits *edits)
{
    af_medits e = *edits;
    sort_edits(&e);
    size_t total = 0, cur = 0;
    for (uint32_t k = 0; k < e.n; k++) {
        if (e.e[k].off < cur)
            return SIZE_MAX; /* overlapping edits: a bug, refused */
        total += (e.e[k].off - cur) + e.e[k].ins_len;
        cur = (size_t)e.e[k].off + e.e[k].del;
    }
    total += cur < l->size ? l->size - cur : 0;
    if (!reserve(mu, total + 1))
        return SIZE_MAX;
    size_t o = 0;
    cur = 0;
    for (uint32_t k = 0; k < e.n; k++) {
        put_range(mu->out + o, l, cur, e.e[k].off);
        o += e.e[k].off - cur;
        if (e.e[k].ins_len > 0)
            memcpy(mu->out + o, e.e[k].ins, e.e[k].ins_len);
        o += e.e[k].ins_len;
        cur = (size_t)e.e[k].off + e.e[k].del;
    }
    if (cur < l->size) {
        memcpy(mu->out + o, l->data + cur, l->size - cur);
        o += l->size - cur;
    }
    return o;
}

/* ---- inputs cut short ---- */

/* The leaf read last when it reaches the input's end: maybe a byte
   string cut short. */
static const af_mnode *end_leaf(const af_mlayout *l)
{
    if (l->prog.end < l->size)
        return NULL;
    for (uint32_t k = l->n_nodes; k-- > 0;) {
        const af_mnode *n = &l->nodes[k];
        if (n->end == l->size && n->kind != MK_OBJ && n->kind != MK_ARR)
            return n;
    }
    return NULL;
}

/* A byte string cut by the end of the input reads short (choice.h), and
   whatever an operation appends after it (a member switched on, a call)
   would be read as part of it. Such an input is made whole first: a
   plain string's length is rewritten to the bytes it holds (the same
   program); another string gets the zeros it would read (its tail turns
   to simplest characters). */
int af_mut_layout_whole(af_mutator *mu, af_mlayout *l, const uint8_t *data,
                        size_t size)
{
    int rc = af_mut_layout(mu, l, data, size);
    const af_mnode *n = rc == 0 ? end_leaf(l) : NULL;
    if (n == NULL)
        return rc;
    af_mnode cut = *n;
    uint8_t *w = af_arena_alloc(&mu->arena, size + 4096);
    if (w == NULL)
        return AF_ENOMEM;
    size_t wl = size;
    memcpy(w, data, size);
    if (cut.flags & NF_CUT) {
        uint8_t len[12];
        uint32_t ll =
            af_mut_put_size(len, (uint64_t)cut.span + 1, cut.count - cut.min);
        af_medits e = {.n = 0};
        af_medits_add(&e, cut.content, cut.data - cut.content, len, ll);
        wl = af_mut_assemble(mu, l, &e);
        if (wl == SIZE_MAX || wl > size)
            return af_mut_layout(mu, l, data, size);
        memcpy(w, mu->out, wl);
        return af_mut_layout(mu, l, w, wl);
    }
    memset(w + size, 0, 4096);
    if ((rc = af_mut_layout(mu, &mu->lb, w, size + 4096)) < 0)
        return rc;
    for (uint32_t k = 0; k < mu->lb.n_nodes; k++) {
        const af_mnode *m = &mu->lb.nodes[k];
        if (m->vstart == cut.vstart && m->kind == cut.kind &&
            m->end > cut.end && m->end <= size + 4096)
            wl = m->end;
    }
    return af_mut_layout(mu, l, wl > size ? w : data, wl);
}

/* ---- af_mutate ---- */

static void seed_rng(af_mutator *mu, uint32_t seed, uint32_t salt)
{
    mu->rng.s = ((uint64_t)seed << 32 | salt) ^ 0x5eedf00dcafef00dull;
    af_mrng_next(&mu->rng);
}

static af_mop choose_op(af_mutator *mu, const af_mlayout *l)
{
    uint32_t w[MOP_COUNT] = {0}, total = 0;
    for (int op = 0; op < MOP_COUNT; op++) {
        if (op_weight[op] == 0 ||
            (mu->op_mask != 0 && !(mu->op_mask & (1u << op))))
            continue;
        if (af_mut_op_targets(mu, l, (af_mop)op) > 0)
            total += w[op] = op_weight[op];
    }
    if (total == 0)
        return MOP_RAW;
    uint32_t r = af_mrng_below(&mu->rng, total);
    for (int op = 0; op < MOP_COUNT; op++) {
        if (r < w[op])
            return (af_mop)op;
        r -= w[op];
    }
    return MOP_RAW;
}

/* A random structured shrinking step (the input is over max_size). */
static bool shrink_step(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    if (af_mut_shrink_list(mu, l, false) < 0 || mu->n_cands == 0)
        return false;
    uint32_t n = mu->n_cands < 8 ? mu->n_cands : 8; /* the biggest */
    *e = *af_mut_shrink_edits(mu, af_mrng_below(&mu->rng, n));
    mu->last = (af_mlast){MOP_SHRINK, -1, 0, 0, false, false, "", false};
    return true;
}

/* Plain byte mutation of the whole input: the last resort. */
static size_t raw_mutate(af_mutator *mu, const uint8_t *data, size_t size,
                         size_t max_size)
{
    size_t cap = max_size < size + 64 ? max_size : size + 64;
    size_t len = size < cap ? size : cap;
    if (!reserve(mu, cap + 1))
        return 0;
    if (len > 0)
        memcpy(mu->out, data, len);
    mu->last = (af_mlast){MOP_RAW, -1, 0, 0, false, false, "", false};
    return af_mut_bytes_own(mu, mu->out, len, cap);
}

static bool is_same(const af_mutator *mu, size_t len, const uint8_t *data,
                    size_t size)
{
    return len == size && (size == 0 || memcmp(mu->out, data, size) == 0);
}

/* Tries a few operations; the output's size, 0 when none worked. */
static size_t try_ops(af_mutator *mu, const uint8_t *data, size_t size,
                      size_t max_size)
{
    af_mlayout *l = &mu->la;
    if (af_mut_layout_whole(mu, l, data, size) < 0)
        return 0;
    bool is_rewritten = l->data != data;
    for (int attempt = 0; attempt < 6; attempt++) {
        af_medits e = {.n = 0};
        bool ok;
        if (size > max_size && attempt < 2)
            ok = shrink_step(mu, l, &e);
        else
            ok = af_mut_apply_op(mu, l, choose_op(mu, l), &e);
        if (!ok)
            continue;
        mu->last.is_rewritten = is_rewritten;
        if (mu->last.is_same && attempt < 5)
            continue; /* the node decodes as before: wasted */
        size_t len = af_mut_assemble(mu, l, &e);
        if (len == SIZE_MAX || is_same(mu, len, data, size))
            continue;
        if (len > max_size && attempt < 4 && size <= max_size)
            continue; /* another operation may fit */
        describe(mu, l);
        if (len == 0 && reserve(mu, 1))
            mu->out[0] = 0; /* never empty */
        return len > 0 ? len : 1;
    }
    return 0;
}

size_t af_mutate(af_mutator *mu, uint8_t *data, size_t size, size_t max_size,
                 uint32_t seed, af_bytes_fn bytes)
{
    if (mu == NULL || data == NULL || max_size == 0)
        return 0;
    af_arena_reset(&mu->arena);
    mu->is_cached = false;
    seed_rng(mu, seed, 0x6d75);
    mu->bytes = bytes;
    mu->last = (af_mlast){MOP_RAW, -1, 0, 0, false, false, "", false};
    size_t len = try_ops(mu, data, size, max_size);
    if (len == 0) {
        len = raw_mutate(mu, data, size, max_size);
        snprintf(mu->desc, sizeof mu->desc, "raw");
    }
    if (len > max_size)
        len = max_size;
    if (len == 0) {
        if (!reserve(mu, 1))
            return 1; /* data[0] kept as it is */
        mu->out[0] = (uint8_t)af_mrng_next(&mu->rng);
        len = 1;
    }
    memcpy(data, mu->out, len);
    return len;
}

/* ---- crossover ---- */

/* A node of b with a's node's plan node and context. */
static const af_mnode *matching(af_mutator *mu, const af_mnode *x)
{
    const af_mlayout *lb = &mu->lb;
    uint32_t count = 0, k = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (count == 0)
                return NULL;
            k = af_mrng_below(&mu->rng, count);
        }
        for (uint32_t i = 0; i < lb->n_nodes; i++) {
            const af_mnode *y = &lb->nodes[i];
            bool ok =
                y->gnode == x->gnode &&
                (y->flags & (NF_CONTEXT | NF_BIN)) ==
                    (x->flags & (NF_CONTEXT | NF_BIN)) &&
                (y->depth == x->depth || (y->depth < AF_GEN_MAX_DEPTH / 2 &&
                                          x->depth < AF_GEN_MAX_DEPTH / 2)) &&
                y->end <= lb->size;
            if (ok && pass == 0)
                count++;
            else if (ok && k-- == 0)
                return y;
        }
    }
    return NULL;
}

static bool splice_node(af_mutator *mu, af_medits *e)
{
    const af_mlayout *la = &mu->la;
    for (int t = 0; t < 8 && la->n_nodes > 0; t++) {
        const af_mnode *x = &la->nodes[af_mrng_below(&mu->rng, la->n_nodes)];
        const af_mnode *y = matching(mu, x);
        if (y == NULL)
            continue;
        af_medits_add(e, x->start, x->end - x->start, mu->lb.data + y->start,
                      y->end - y->start);
        mu->last = (af_mlast){
            MOP_SPLICE, (int32_t)x->call, x->start, x->end, true, false, "",
            false};
        return true;
    }
    return false;
}

static bool splice_call(af_mutator *mu, af_medits *e)
{
    af_mlayout *la = &mu->la, *lb = &mu->lb;
    if (lb->n_calls == 0 || la->n_calls == 0)
        return false;
    const af_mcall *y = &lb->calls[af_mrng_below(&mu->rng, lb->n_calls)];
    uint32_t c =
        af_mrng_below(&mu->rng, la->n_calls + (la->n_calls < mu->g->max_calls));
    uint8_t *p = af_mut_copy(mu, lb, y->start, y->end);
    uint8_t *q = af_arena_alloc(&mu->arena, y->end - y->start + 2);
    if (p == NULL || q == NULL)
        return false;
    uint32_t n = y->end - y->start;
    if (c < la->n_calls) {
        memcpy(q, p, n);
        q[n] = 1;
        af_medits_add(e, la->calls[c].start, 0, q, n + 1);
    } else {
        q[0] = 1;
        memcpy(q + 1, p, n);
        af_medits_add(e, la->calls[la->n_calls - 1].end, 0, q, n + 1);
    }
    mu->last =
        (af_mlast){MOP_SPLICE, (int32_t)c, 0, 0, false, false, "", false};
    return true;
}

size_t af_crossover(af_mutator *mu, const uint8_t *a, size_t a_len,
                    const uint8_t *b, size_t b_len, uint8_t *out,
                    size_t max_size, uint32_t seed)
{
    if (mu == NULL || out == NULL || max_size == 0)
        return 0;
    af_arena_reset(&mu->arena);
    mu->is_cached = false;
    seed_rng(mu, seed, 0x7878);
    a = a != NULL ? a : (const uint8_t *)"";
    b = b != NULL ? b : (const uint8_t *)"";
    size_t len = 0;
    af_medits e = {.n = 0};
    if (af_mut_layout_whole(mu, &mu->la, a, a_len) == 0 &&
        af_mut_layout(mu, &mu->lb, b, b_len) == 0) {
        bool ok = af_mrng_below(&mu->rng, 4) != 0 && splice_node(mu, &e);
        if (!ok)
            ok = splice_call(mu, &e);
        len = ok ? af_mut_assemble(mu, &mu->la, &e) : 0;
        snprintf(mu->desc, sizeof mu->desc, "%s",
                 mu->last.is_node ? "splice" : "splice+call");
    }
    if (len == 0 || len == SIZE_MAX) { /* a, or b when a is empty */
        len = a_len > 0 ? a_len : b_len;
        len = len < max_size ? len : max_size;
        if (len > 0)
            memcpy(out, a_len > 0 ? a : b, len);
        else
            out[len++] = 0;
        return len;
    }
    len = len < max_size ? len : max_size;
    memcpy(out, mu->out, len);
    return len;
}

/* ---- plain byte mutations ---- */

/* Bytes that often matter to parsers and services. */
static const char *const tricky[] = {
    "'",    "\"", "\\",   "../",      "%00",        "%s%n",
    "<a>",  "{}", "[]",   "-1",       "0",          "null",
    "true", " ",  "\r\n", "\xc3\xa9", "9999999999", "\xf0\x9f\x98\x80",
    "${x}", "*"};

static size_t insert_at(uint8_t *buf, size_t len, size_t cap, size_t at,
                        const uint8_t *p, size_t n)
{
    if (n > cap - len)
        n = cap - len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, p, n);
    return len + n;
}

/* One plain mutation of buf (len bytes, room for cap); the new length. */
static size_t byte_step(af_mrng *r, uint8_t *buf, size_t len, size_t cap)
{
    uint32_t at = af_mrng_below(r, (uint32_t)len + 1);
    uint32_t pick = af_mrng_below(r, len > 0 ? 8 : 2);
    if (pick == 0 && len < cap) { /* a tricky token */
        const char *t =
            tricky[af_mrng_below(r, sizeof tricky / sizeof *tricky)];
        return insert_at(buf, len, cap, at, (const uint8_t *)t, strlen(t));
    }
    if (pick <= 1 && len < cap) { /* random bytes */
        uint8_t b[4];
        uint32_t n = 1 + af_mrng_below(r, 4);
        for (uint32_t k = 0; k < n; k++)
            b[k] = (uint8_t)af_mrng_next(r);
        return insert_at(buf, len, cap, at, b, n);
    }
    if (len == 0)
        return len;
    at = af_mrng_below(r, (uint32_t)len);
    switch (pick) {
    case 2: /* bit flip */
        buf[at] ^= (uint8_t)(1u << af_mrng_below(r, 8));
        return len;
    case 3: /* a byte */
        buf[at] = (uint8_t)af_mrng_next(r);
        return len;
    case 4: { /* erase a range */
        uint32_t n = 1 + af_mrng_below(r, (uint32_t)(len - at));
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    case 5: { /* repeat a chunk */
        uint32_t n = 1 + af_mrng_below(r, (uint32_t)(len - at));
        uint8_t chunk[64];
        n = n < sizeof chunk ? n : sizeof chunk;
        memcpy(chunk, buf + at, n);
        return insert_at(buf, len, cap, af_mrng_below(r, (uint32_t)len + 1),
                         chunk, n);
    }
    case 6: /* a digit or letter nudged */
        buf[at] = (uint8_t)(buf[at] + (af_mrng_below(r, 2) ? 1 : -1));
        return len;
    default: /* cut */
        return at;
    }
}

size_t af_mut_bytes_own(af_mutator *mu, uint8_t *buf, size_t len, size_t cap)
{
    uint32_t times = 1 + af_mrng_below(&mu->rng, 3);
    if (len > cap)
        len = cap;
    for (uint32_t t = 0; t < times; t++)
        len = byte_step(&mu->rng, buf, len, cap);
    return len;
}
