/*
 * base64.c - RFC 4648 §4 base64 (base64.h).
 *
 * Invariants: encoding always pads to a multiple of 4; decoding accepts
 * what encoders in the wild write (line breaks, missing padding) but no
 * other alphabet and no data after padding. Tuned for bodies of at most
 * a few MiB, once per HAR entry.
 */
#include "util/base64.h"

#include <stdbool.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t af_base64_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

size_t af_base64_encode(const void *data, size_t len, char *out)
{
    const uint8_t *p = data;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[n++] = alphabet[v >> 18 & 63];
        out[n++] = alphabet[v >> 12 & 63];
        out[n++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        out[n++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[n] = 0;
    return n;
}

/* The 6-bit value of c, -1 for '=', -2 for white space, -3 otherwise. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    if (c == '=')
        return -1;
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' ? -2 : -3;
}

long af_base64_decode(const char *text, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    int bits = 0;
    long len = 0;
    bool is_padded = false;
    for (size_t i = 0; i < n; i++) {
        int v = sextet(text[i]);
        if (v == -2)
            continue;
        if (v == -3 || (is_padded && v >= 0))
            return -1;
        if (v == -1) {
            is_padded = true;
            continue;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (uint8_t)(acc >> bits);
        }
    }
    /* RFC 4648 §3.5: leftover bits must be zero (and fewer than 6). */
    return bits >= 6 || (acc & ((1u << bits) - 1)) != 0 ? -1 : len;
}
