/*
 * sha1.c - SHA-1 of a byte string (sha1.h), FIPS 180-4 §6.1.
 *
 * Invariants: big-endian message schedule, the length appended in bits
 * as a 64-bit big-endian number in the last block. Tuned for names of
 * fuzz inputs (a few KiB each): straightforward, no unrolling.
 */
#include "util/sha1.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

/* FIPS 180-4 §4.1.1: f_t and K_t by round. */
static uint32_t round_f(int t, uint32_t b, uint32_t c, uint32_t d, uint32_t *k)
{
    if (t < 20) {
        *k = 0x5a827999u;
        return (b & c) | (~b & d);
    }
    if (t < 40) {
        *k = 0x6ed9eba1u;
        return b ^ c ^ d;
    }
    if (t < 60) {
        *k = 0x8f1bbcdcu;
        return (b & c) | (b & d) | (c & d);
    }
    *k = 0xca62c1d6u;
    return b ^ c ^ d;
}

static void compress(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 80; t++)
        w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t v[5];
    memcpy(v, h, sizeof v);
    for (int t = 0; t < 80; t++) {
        uint32_t k;
        uint32_t f = round_f(t, v[1], v[2], v[3], &k);
        uint32_t tmp = rol(v[0], 5) + f + v[4] + k + w[t];
        v[4] = v[3];
        v[3] = v[2];
        v[2] = rol(v[1], 30);
        v[1] = v[0];
        v[0] = tmp;
    }
    for (int i = 0; i < 5; i++)
        h[i] += v[i];
}

void af_sha1_hex(const void *data, size_t len, char hex[41])
{
    const uint8_t *p = data;
    uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                     0xc3d2e1f0u};
    size_t full = len / 64 * 64;
    for (size_t i = 0; i < full; i += 64)
        compress(h, p + i);
    /* §5.1.1: a 1 bit, zeros, then the length in bits. */
    uint8_t tail[128] = {0};
    size_t rest = len - full;
    if (rest > 0)
        memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    size_t n_tail = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[n_tail - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t i = 0; i < n_tail; i += 64)
        compress(h, tail + i);
    for (int i = 0; i < 5; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)h[i]);
}
