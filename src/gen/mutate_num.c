/*
 * mutate_num.c - the mutator's number operation ("num"): an integer or
 * number node is rewritten into its raw shape (choice.h: shape 128 and
 * 8 little-endian bytes of its value for integers and for the k of a
 * multipleOf, shape 192 and the IEEE-754 bits for other doubles), and
 * those 8 bytes go through the engine's byte mutator.
 *
 * Why: libFuzzer's comparison feedback (TORC) learns that the service
 * compared count == 42 and writes the other operand over occurrences of
 * the first in the bytes it mutates. The value the service compared is
 * the node's decoded value, and in the raw shape it is exactly those
 * bytes (the low 4 for a 32-bit comparison), so the replacement lands
 * and reads back as 42. Without an engine (AFL++'s libAFLDriver, NULL,
 * or a mutator that returns 0) the bytes get our own AFL-style
 * mutations: arithmetic by 1..35, interesting 8/16/32-bit values, bit
 * and byte flips.
 *
 * Invariants: only the node's span [vstart, end) is replaced (its
 * branch, type and enum indexes are kept), so the rest of the input
 * decodes as before; the decoder maps a raw value out of the schema's
 * range back into it (af_choice_int, af_choice_double), so positive
 * mode stays conformant. Nodes whose bytes are not the layout expected
 * here (a range with one value reads nothing) are not targets.
 *
 * Tuned for one mutation per execution: a scan of the layout's nodes,
 * one 8-byte mutation, one small decode.
 */
#include "gen/mutate_internal.h"

#include <math.h>
#include <string.h>

enum { RAW_INT = 128, RAW_DOUBLE = 192, RAW_LEN = 8 };

/* The raw encoding of a number node's current value. */
typedef struct numraw {
    uint8_t shape; /* RAW_INT or RAW_DOUBLE */
    uint64_t bits; /* little-endian value bytes */
} numraw;

static bool is_multiple(const af_schema *s)
{
    return (s->flags & AF_SCHEMA_HAS_MULTIPLE) && s->multiple_of > 0 &&
           isfinite(s->multiple_of);
}

/* An integer node's raw bits: its value, or its k when the decoder read
   a multiple k * step (value.c int_multiple). */
static uint64_t int_bits(const af_schema *s, int64_t v)
{
    if (!is_multiple(s))
        return (uint64_t)v;
    int64_t lo, hi, klo, khi;
    af_gen_int_bounds(s, &lo, &hi);
    int64_t st = af_gen_int_step(s->multiple_of, lo, hi, &klo, &khi);
    return (uint64_t)(v / st);
}

/* A number node's raw bits: its IEEE-754 bits, or the k of a multiple
   (af_choice_double reads k as an integer then). */
static bool double_bits(const af_schema *s, double v, numraw *out)
{
    if (is_multiple(s)) {
        double k = nearbyint(v / s->multiple_of);
        if (!(fabs(k) <= 0x1p53))
            return false;
        out->shape = RAW_INT;
        out->bits = (uint64_t)(int64_t)k;
        return true;
    }
    out->shape = RAW_DOUBLE;
    memcpy(&out->bits, &v, sizeof v);
    return true;
}

/* How many bytes a number read takes after its shape byte s. */
static uint32_t shape_tail(uint8_t raw_shape, uint8_t s)
{
    if (raw_shape == RAW_INT)
        return s >= RAW_INT ? RAW_LEN : 0;
    return s >= RAW_DOUBLE ? RAW_LEN : s >= RAW_INT ? 2 : 0;
}

/* n's raw encoding; false when n is no number, is fed by a producer, or
   its span is not one number read at n->content. */
static bool raw_of(const af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                   numraw *out)
{
    if ((n->kind != MK_INT && n->kind != MK_NUM) || (n->flags & NF_LINKED) ||
        n->view == AF_NONE)
        return false;
    const af_schema *s = mu->g->nodes[n->view].raw;
    if (n->kind == MK_INT) {
        out->shape = RAW_INT;
        out->bits = int_bits(s, n->v->u.i);
    } else if (!double_bits(s, n->v->u.d, out)) {
        return false;
    }
    uint8_t shape = af_mut_byte(l, n->content);
    return n->end == n->content + 1 + shape_tail(out->shape, shape);
}

uint32_t af_mut_num_targets(const af_mutator *mu, const af_mlayout *l)
{
    uint32_t count = 0;
    numraw r;
    for (uint32_t k = 0; k < l->n_nodes; k++)
        count += raw_of(mu, l, &l->nodes[k], &r);
    return count;
}

/* ---- our own mutations of the 8 raw bytes ---- */

/* AFL's interesting 8-, 16- and 32-bit values. */
static const int32_t interesting[] = {
    -128,  -1,    0,         1,          16,        32,       64,
    100,   127,   -32768,    -129,       128,       255,      256,
    512,   1000,  1024,      4096,       32767,     -32769,   32768,
    65535, 65536, 100663045, -100663046, INT32_MAX, INT32_MIN};

static uint64_t own_int(af_mrng *r, uint64_t v)
{
    uint32_t k = af_mrng_below(r, 8);
    switch (af_mrng_below(r, 4)) {
    case 0: { /* arithmetic: +-1..35 */
        uint64_t d = 1 + af_mrng_below(r, 35);
        return af_mrng_below(r, 2) ? v + d : v - d;
    }
    case 1: { /* an interesting value, sign- or zero-extended */
        int32_t x = interesting[af_mrng_below(r, sizeof interesting /
                                                     sizeof *interesting)];
        return af_mrng_below(r, 4) ? (uint64_t)(int64_t)x : (uint32_t)x;
    }
    case 2: /* a bit flip, mostly in the low 4 bytes */
        return v ^ (1ull << af_mrng_below(r, af_mrng_below(r, 2) ? 32 : 64));
    default: /* a random byte */
        return (v & ~(0xffull << (8 * k))) |
               ((uint64_t)(uint8_t)af_mrng_next(r) << (8 * k));
    }
}

static uint64_t own_double(af_mrng *r, uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    switch (af_mrng_below(r, 3)) {
    case 0: { /* arithmetic on the value */
        double d = 1 + af_mrng_below(r, 35);
        v = af_mrng_below(r, 2) ? v + d : v - d;
        break;
    }
    case 1: /* an interesting value */
        v = interesting[af_mrng_below(r, sizeof interesting /
                                             sizeof *interesting)];
        break;
    default: /* a bit of the mantissa or exponent */
        return bits ^ (1ull << af_mrng_below(r, 64));
    }
    memcpy(&bits, &v, sizeof v);
    return bits;
}

/* The 8 raw bytes mutated: through the engine's byte mutator when it
   does something (3 times in 4), else ours. Bytes the engine dropped
   read as zeros. */
static void mutate_raw(af_mutator *mu, numraw *nr)
{
    uint8_t b[RAW_LEN];
    for (int i = 0; i < RAW_LEN; i++)
        b[i] = (uint8_t)(nr->bits >> (8 * i));
    size_t got = 0;
    if (mu->bytes != NULL && af_mrng_below(&mu->rng, 4) != 0)
        got = mu->bytes(b, RAW_LEN, RAW_LEN);
    if (got == 0) {
        nr->bits = nr->shape == RAW_DOUBLE ? own_double(&mu->rng, nr->bits)
                                           : own_int(&mu->rng, nr->bits);
        return;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < RAW_LEN && i < got; i++)
        v |= (uint64_t)b[i] << (8 * i);
    nr->bits = v;
}

bool af_mut_op_num(af_mutator *mu, af_mlayout *l, af_medits *e)
{
    uint32_t count = af_mut_num_targets(mu, l);
    if (count == 0)
        return false;
    uint32_t k = af_mrng_below(&mu->rng, count);
    numraw nr = {0, 0};
    const af_mnode *n = NULL;
    for (uint32_t i = 0; i < l->n_nodes && n == NULL; i++)
        if (raw_of(mu, l, &l->nodes[i], &nr) && k-- == 0)
            n = &l->nodes[i];
    if (n == NULL)
        return false;
    mutate_raw(mu, &nr);
    uint32_t hl = n->content - n->vstart;
    const uint8_t *idx = af_mut_copy(mu, l, n->vstart, n->content);
    uint8_t *h = af_arena_alloc(&mu->arena, hl + 1 + RAW_LEN);
    if (idx == NULL || h == NULL)
        return false;
    memcpy(h, idx, hl);
    h[hl] = nr.shape;
    for (int i = 0; i < RAW_LEN; i++)
        h[hl + 1 + i] = (uint8_t)(nr.bits >> (8 * i));
    return af_mut_replace_node(mu, l, n, h, hl + 1 + RAW_LEN, e, MOP_NUM);
}
