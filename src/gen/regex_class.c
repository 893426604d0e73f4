/*
 * regex_class.c - the code point sets of character classes: ranges,
 * complement, intersection, and the split used to choose members (see
 * regex_prog.h).
 *
 * Invariants: a finished set holds only code points that are members
 * under both readings of the class (ECMA-262 with `u`, and PCRE2 without
 * UCP), never surrogates. Runs at pattern compile time only; lists are
 * sorted and merged once, so each operation is linear in ranges.
 */
#include <stdint.h>
#include <stdlib.h>

#include "gen/regex_prog.h"

/* Printable ASCII in the order characters are preferred. */
static const char preferred[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789"
                                " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/* ---- sets of code points as sorted lists of ranges ---- */

static void rl_add(rx_ranges *l, uint32_t lo, uint32_t hi)
{
    if (l->is_oom)
        return;
    if (l->n == l->cap) {
        if (l->cap > SIZE_MAX / 16) {
            l->is_oom = true;
            return;
        }
        size_t cap = l->cap != 0 ? l->cap * 2 : 8;
        uint32_t *r = realloc(l->r, cap * 2 * sizeof *r);
        if (r == NULL) {
            l->is_oom = true;
            return;
        }
        l->r = r;
        l->cap = cap;
    }
    l->r[2 * l->n] = lo;
    l->r[2 * l->n + 1] = hi;
    l->n++;
}

static void rl_add_all(rx_ranges *l, const rx_ranges *from)
{
    for (size_t i = 0; i < from->n; i++)
        rl_add(l, from->r[2 * i], from->r[2 * i + 1]);
    l->is_oom |= from->is_oom;
}

static int cmp_range(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and merges overlapping or adjacent ranges. */
static void rl_norm(rx_ranges *l)
{
    if (l->n == 0)
        return;
    qsort(l->r, l->n, 2 * sizeof *l->r, cmp_range);
    size_t out = 0;
    for (size_t i = 1; i < l->n; i++) {
        uint32_t lo = l->r[2 * i], hi = l->r[2 * i + 1];
        if (lo <= l->r[2 * out + 1] + 1) {
            if (hi > l->r[2 * out + 1])
                l->r[2 * out + 1] = hi;
        } else {
            out++;
            l->r[2 * out] = lo;
            l->r[2 * out + 1] = hi;
        }
    }
    l->n = out + 1;
}

/* The complement in [0, RX_MAX_CP] of a normalized list. */
static void rl_invert(rx_ranges *l)
{
    rx_ranges out = {0};
    uint32_t next = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->r[2 * i] > next)
            rl_add(&out, next, l->r[2 * i] - 1);
        next = l->r[2 * i + 1] + 1;
    }
    if (next <= RX_MAX_CP)
        rl_add(&out, next, RX_MAX_CP);
    out.is_oom |= l->is_oom;
    free(l->r);
    *l = out;
}

/* a := a ∩ b, both normalized. */
static void rl_intersect(rx_ranges *a, const rx_ranges *b)
{
    rx_ranges out = {0};
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        uint32_t lo1 = a->r[2 * i], hi1 = a->r[2 * i + 1];
        uint32_t lo2 = b->r[2 * j], hi2 = b->r[2 * j + 1];
        uint32_t lo = lo1 > lo2 ? lo1 : lo2, hi = hi1 < hi2 ? hi1 : hi2;
        if (lo <= hi)
            rl_add(&out, lo, hi);
        if (hi1 < hi2)
            i++;
        else
            j++;
    }
    out.is_oom |= a->is_oom || b->is_oom;
    free(a->r);
    *a = out;
}

static bool rl_has(const rx_ranges *l, uint32_t cp)
{
    for (size_t i = 0; i < l->n; i++)
        if (cp >= l->r[2 * i] && cp <= l->r[2 * i + 1])
            return true;
    return false;
}

void af_regex_class_add(rx_class *cs, uint32_t lo, uint32_t hi)
{
    rl_add(&cs->ecma, lo, hi);
    rl_add(&cs->pcre, lo, hi);
}

/* ECMA-262 WhiteSpace and LineTerminator (\s). */
static void add_ecma_space(rx_ranges *l)
{
    static const uint32_t sp[][2] = {
        {0x09, 0x0d},     {0x20, 0x20},     {0xa0, 0xa0},     {0x1680, 0x1680},
        {0x2000, 0x200a}, {0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f},
        {0x3000, 0x3000}, {0xfeff, 0xfeff}};
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
        rl_add(l, sp[i][0], sp[i][1]);
}

/* One of \d \D \w \W \s \S, in both readings, normalized. */
void af_regex_class_escape(rx_class *cs, char kind)
{
    rx_class k = {{0}, {0}};
    switch (kind | 0x20) {
    case 'd':
        af_regex_class_add(&k, '0', '9');
        break;
    case 'w':
        af_regex_class_add(&k, '0', '9');
        af_regex_class_add(&k, 'A', 'Z');
        af_regex_class_add(&k, '_', '_');
        af_regex_class_add(&k, 'a', 'z');
        break;
    default: /* s */
        add_ecma_space(&k.ecma);
        rl_add(&k.pcre, 0x09, 0x0d);
        rl_add(&k.pcre, 0x20, 0x20);
        break;
    }
    rl_norm(&k.ecma);
    rl_norm(&k.pcre);
    if (kind >= 'A' && kind <= 'Z') {
        rl_invert(&k.ecma);
        rl_invert(&k.pcre);
    }
    rl_add_all(&cs->ecma, &k.ecma);
    rl_add_all(&cs->pcre, &k.pcre);
    free(k.ecma.r);
    free(k.pcre.r);
}

/* `.`: ECMA excludes its line terminators, PCRE2 its newline. */
void af_regex_class_dot(rx_class *cs)
{
    rl_add(&cs->ecma, 0x0a, 0x0a);
    rl_add(&cs->ecma, 0x0d, 0x0d);
    rl_add(&cs->ecma, 0x2028, 0x2029);
    /* PCRE2's `.` excludes its newline: LF by default, but a build may
       choose CR, CRLF, ANYCRLF, ANY (adds VT, FF, NEL) or NUL */
    rl_add(&cs->pcre, 0x00, 0x00);
    rl_add(&cs->pcre, 0x0a, 0x0d);
    rl_add(&cs->pcre, 0x85, 0x85);
    rl_add(&cs->pcre, 0x2028, 0x2029);
    rl_norm(&cs->ecma);
    rl_norm(&cs->pcre);
    rl_invert(&cs->ecma);
    rl_invert(&cs->pcre);
}

/* The members under both readings, without surrogates (not UTF-8). */
rx_ranges af_regex_class_finish(rx_class *cs, bool is_negated)
{
    rl_norm(&cs->ecma);
    rl_norm(&cs->pcre);
    if (is_negated) {
        rl_invert(&cs->ecma);
        rl_invert(&cs->pcre);
    }
    rl_intersect(&cs->ecma, &cs->pcre);
    rx_ranges valid = {0};
    rl_add(&valid, 0, 0xd7ff);
    rl_add(&valid, 0xe000, RX_MAX_CP);
    rl_intersect(&cs->ecma, &valid);
    free(valid.r);
    free(cs->pcre.r);
    return cs->ecma;
}

bool af_regex_set_fill(af_arena *a, rx_set *out, const rx_ranges *l)
{
    for (const char *ch = preferred; *ch != '\0'; ch++)
        if (rl_has(l, (unsigned char)*ch))
            out->ascii[out->n_ascii++] = *ch;
    uint32_t *other = af_arena_alloc(a, 4 * l->n * sizeof *other);
    if (other == NULL)
        return false;
    uint32_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        uint32_t lo = l->r[2 * i], hi = l->r[2 * i + 1];
        if (lo < 0x20) {
            other[2 * n] = lo;
            other[2 * n++ + 1] = hi < 0x1f ? hi : 0x1f;
        }
        if (hi > 0x7e) {
            other[2 * n] = lo > 0x7f ? lo : 0x7f;
            other[2 * n++ + 1] = hi;
        }
    }
    out->other = other;
    out->n_other_ranges = n;
    for (uint32_t i = 0; i < n; i++)
        out->n_other += other[2 * i + 1] - other[2 * i] + 1;
    return true;
}
