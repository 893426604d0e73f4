/*
 * shrink.c - structured shrinking (AFL++'s custom trim, `make minimize`,
 * libFuzzer's -minimize_crash through af_mutate): the simplification
 * candidates of an input, biggest first:
 *   the unread tail cut; a call dropped; a negative call made positive;
 *   an optional parameter, property or body left out; array items
 *   dropped (the last one, or all beyond minItems); a plain string
 *   halved or shortened by a byte at either end; a back-reference cut; a
 *   node replaced by its simplest value (all-zero choices: the number
 *   closest to 0, the first branch, enum value or type); and as a last
 *   resort the input cut to 1/2, 3/4 and all but its last byte.
 *
 * Invariants: every candidate decodes (the decoder is total) and is
 * simpler than the input: fewer bytes, or as many with a smaller byte
 * sum (zero is simplest); its edits lie within the input. Deterministic:
 * the list depends on the input only.
 *
 * Not on the per-execution path: a trim step lists the candidates again
 * (one decode and a zero-value decode per node), cheap next to the
 * target's execution it pays for.
 */
#include "gen/mutate_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CANDS 1024

typedef struct af_mcand {
    af_medits e;
    int64_t size_delta; /* output size - input size */
    int64_t sum_delta;  /* output byte sum - input byte sum */
    uint8_t is_cut;     /* a plain truncation: last */
} af_mcand;

static int64_t byte_sum(const af_mlayout *l, uint32_t from, uint32_t to)
{
    int64_t s = 0;
    for (uint32_t k = from; k < to && k < l->size; k++)
        s += l->data[k];
    return s;
}

/* Adds e when it is simpler than the input. */
static void add(af_mutator *mu, const af_mlayout *l, const af_medits *e,
                bool is_cut)
{
    int64_t dsize = 0, dsum = 0;
    for (uint32_t k = 0; k < e->n; k++) {
        const af_medit *d = &e->e[k];
        if (d->off > l->size)
            return;
        uint32_t end =
            d->off + d->del < l->size ? d->off + d->del : (uint32_t)l->size;
        dsize += (int64_t)d->ins_len - (end - d->off);
        dsum -= byte_sum(l, d->off, end);
        for (uint32_t i = 0; i < d->ins_len; i++)
            dsum += d->ins[i];
    }
    if ((int64_t)l->size + dsize < 1 || dsize > 0 || (dsize == 0 && dsum >= 0))
        return;
    if (mu->n_cands == mu->cap_cands) {
        if (mu->cap_cands >= MAX_CANDS)
            return;
        uint32_t cap = mu->cap_cands ? 2 * mu->cap_cands : 64;
        af_mcand *p = realloc(mu->cands, cap * sizeof *p);
        if (p == NULL)
            return;
        mu->cands = p;
        mu->cap_cands = cap;
    }
    mu->cands[mu->n_cands++] = (af_mcand){*e, dsize, dsum, is_cut};
}

static void add1(af_mutator *mu, const af_mlayout *l, uint32_t off,
                 uint32_t del, const uint8_t *ins, uint32_t ins_len)
{
    af_medits e = {.n = 0};
    af_medits_add(&e, off, del, ins, ins_len);
    add(mu, l, &e, false);
}

static const uint8_t zeros[16];

static void call_cands(af_mutator *mu, const af_mlayout *l)
{
    for (uint32_t c = 0; c < l->n_calls; c++) {
        const af_mcall *mc = &l->calls[c];
        if (l->n_calls > 1 && c == 0)
            add1(mu, l, mc->start, l->calls[1].start - mc->start, NULL, 0);
        else if (l->n_calls > 1)
            add1(mu, l, mc->start - 1, mc->end - mc->start + 1, NULL, 0);
        if (mc->neg_byte != UINT32_MAX && mc->is_neg) {
            af_medits e = {.n = 0};
            af_medits_add(&e, mc->neg_byte, 1, zeros, 1);
            af_medits_add(&e, mc->end - 3, 3, NULL, 0);
            add(mu, l, &e, false);
        }
    }
    for (uint32_t k = 0; k < l->n_slots; k++)
        if (l->slots[k].is_present)
            add1(mu, l, l->slots[k].byte, l->slots[k].end - l->slots[k].byte,
                 zeros, 1);
}

static void items_cands(af_mutator *mu, const af_mlayout *l, const af_mnode *n)
{
    const af_value *it = n->v->u.arr.items;
    uint32_t lens[2] = {n->count - 1, n->min}, k = 0;
    for (int v = 0; v < 2 && n->count > n->min; v++) {
        if (v == 1 && n->count - n->min < 2)
            break;
        uint8_t *b = af_arena_alloc(&mu->arena, 12);
        if (b == NULL)
            return;
        uint32_t bl =
            af_mut_put_size(b, (uint64_t)n->span + 1, lens[v] - n->min);
        af_medits e = {.n = 0};
        af_medits_add(&e, n->content, n->data - n->content, b, bl);
        k = lens[v];
        af_medits_add(&e, it[k].start, it[n->count - 1].end - it[k].start, NULL,
                      0);
        add(mu, l, &e, false);
    }
}

/* A plain string of count bytes [from, from + count) of the old ones. */
static void string_cand(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                        uint32_t from, uint32_t count)
{
    uint8_t *b = af_arena_alloc(&mu->arena, 12 + count);
    const uint8_t *old =
        af_mut_copy(mu, l, n->data + from, n->data + from + count);
    if (b == NULL || old == NULL)
        return;
    uint32_t bl = af_mut_put_size(b, (uint64_t)n->span + 1, count - n->min);
    memcpy(b + bl, old, count);
    add1(mu, l, n->content, n->end - n->content, b, bl + count);
}

/* Simplest-value lengths already measured (nodes share schemas). */
typedef struct zmemo {
    af_mctx cx[64];
    size_t len[64];
    uint32_t n;
} zmemo;

static bool zero_len(af_mutator *mu, zmemo *z, const af_mctx *cx, size_t *len)
{
    for (uint32_t k = 0; k < z->n; k++)
        if (z->cx[k].gnode == cx->gnode && z->cx[k].depth == cx->depth &&
            z->cx[k].flags == cx->flags && z->cx[k].op == cx->op &&
            z->cx[k].is_bin == cx->is_bin) {
            *len = z->len[k];
            return true;
        }
    if (af_mut_zero_len(mu, cx, len) < 0)
        return false;
    if (z->n < 64) {
        z->cx[z->n] = *cx;
        z->len[z->n++] = *len;
    }
    return true;
}

static void zero_cand(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                      zmemo *z)
{
    af_mctx cx = af_mut_node_ctx(l, n);
    size_t zl;
    if (!zero_len(mu, z, &cx, &zl) || zl > n->end - n->vstart)
        return;
    uint8_t *b = af_arena_calloc(&mu->arena, zl + 1, 1);
    if (b != NULL)
        add1(mu, l, n->vstart, n->end - n->vstart, b, (uint32_t)zl);
}

static void node_cands(af_mutator *mu, const af_mlayout *l, bool is_full)
{
    zmemo z = {.n = 0};
    for (uint32_t k = 0; k < l->n_nodes && k < MAX_CANDS; k++) {
        const af_mnode *n = &l->nodes[k];
        if (n->kind == MK_ARR && (n->flags & NF_ITEMS_OK))
            items_cands(mu, l, n);
        if ((n->kind == MK_STR || n->kind == MK_BIN) && n->count > n->min) {
            uint32_t extra = n->count - n->min;
            if (extra >= 2)
                string_cand(mu, l, n, 0, n->min + extra / 2);
            string_cand(mu, l, n, 0, n->count - 1);
            string_cand(mu, l, n, 1, n->count - 1);
        }
        if ((n->flags & NF_FED) && af_mut_byte(l, n->start) != 0)
            add1(mu, l, n->start, 1, zeros, 1);
        if (is_full)
            zero_cand(mu, l, n, &z);
    }
}

static void cut_cands(af_mutator *mu, const af_mlayout *l)
{
    size_t size = l->size, end = l->prog.end;
    if (end < size) /* bytes the decoder never reads */
        add1(mu, l, (uint32_t)end, (uint32_t)(size - end), NULL, 0);
    size_t cuts[3] = {size / 2, size - size / 4, size - 1};
    for (int k = 0; k < 3; k++) {
        if (cuts[k] == 0 || cuts[k] >= end || (k > 0 && cuts[k] == cuts[k - 1]))
            continue;
        af_medits e = {.n = 0};
        af_medits_add(&e, (uint32_t)cuts[k], (uint32_t)(size - cuts[k]), NULL,
                      0);
        add(mu, l, &e, true);
    }
}

/* Biggest first: structural before plain cuts, then by bytes saved,
   then by byte sum lowered. */
static int cmp_cand(const void *pa, const void *pb)
{
    const af_mcand *a = pa, *b = pb;
    if (a->is_cut != b->is_cut)
        return a->is_cut - b->is_cut;
    if (a->size_delta != b->size_delta)
        return a->size_delta < b->size_delta ? -1 : 1;
    if (a->sum_delta != b->sum_delta)
        return a->sum_delta < b->sum_delta ? -1 : 1;
    return a->e.e[0].off < b->e.e[0].off ? -1 : a->e.e[0].off > b->e.e[0].off;
}

int af_mut_shrink_list(af_mutator *mu, af_mlayout *l, bool is_full)
{
    mu->n_cands = 0;
    cut_cands(mu, l);
    /* the unread tail first: it changes nothing */
    uint32_t first = mu->n_cands > 0 && !mu->cands[0].is_cut ? 1 : 0;
    call_cands(mu, l);
    node_cands(mu, l, is_full);
    if (mu->n_cands > first)
        qsort(mu->cands + first, mu->n_cands - first, sizeof *mu->cands,
              cmp_cand);
    return 0;
}

const af_medits *af_mut_shrink_edits(const af_mutator *mu, uint32_t k)
{
    return &mu->cands[k].e;
}

void af_mut_shrink_free(af_mutator *mu)
{
    free(mu->cands);
    mu->cands = NULL;
    mu->n_cands = mu->cap_cands = 0;
}

static uint64_t fingerprint(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    for (size_t k = 0; k < n; k++)
        h = (h ^ p[k]) * 0x100000001b3ull;
    return h;
}

/* The candidates of data, listed again only when data changed (a trim
   asks for them one by one). */
static int prepare(af_mutator *mu, const uint8_t *data, size_t size)
{
    uint64_t key = fingerprint(data, size);
    if (mu->is_cached && mu->cache_key == key && mu->cache_size == size) {
        mu->la.data = data;
        return 0;
    }
    af_arena_reset(&mu->arena);
    mu->is_cached = false;
    int rc = af_mut_layout(mu, &mu->la, data, size);
    if (rc == 0)
        rc = af_mut_shrink_list(mu, &mu->la, true);
    if (rc < 0)
        return rc;
    mu->is_cached = true;
    mu->cache_key = key;
    mu->cache_size = size;
    return 0;
}

uint32_t af_shrink_count(af_mutator *mu, const uint8_t *data, size_t size)
{
    if (mu == NULL)
        return 0;
    data = data != NULL ? data : (const uint8_t *)"";
    return prepare(mu, data, size) == 0 ? mu->n_cands : 0;
}

size_t af_shrink_candidate(af_mutator *mu, const uint8_t *data, size_t size,
                           uint32_t k, uint8_t *out, size_t max_size)
{
    if (out == NULL || max_size == 0 || k >= af_shrink_count(mu, data, size))
        return 0;
    size_t len = af_mut_assemble(mu, &mu->la, &mu->cands[k].e);
    if (len == SIZE_MAX || len == 0)
        return 0;
    len = len < max_size ? len : max_size;
    memcpy(out, mu->out, len);
    return len;
}
