/*
 * encode_format.c - format strings for the encoder: the inverse of
 * format.c's generators. Each parses the string into the choices format.c
 * reads (date parts as integers, segments as raw bytes, base64 as its
 * decoded bytes) and refuses, as "unsupported", the valid strings the
 * generator never makes (more than 9 fractional digits, mixed-case UUIDs,
 * values beyond the length caps): the decoder's round-trip check would
 * catch them anyway, this gives the reason. URIs, e-mails and IPv6 not in
 * the simple shapes take the "free" choice: their own bytes.
 */
#include "gen/encode_internal.h"

#include <stdio.h>
#include <string.h>

static int shape(af_ectx *e, af_format f)
{
    static const char *const names[] = {
        [AF_FORMAT_DATE] = "YYYY-MM-DD (years 1..9999)",
        [AF_FORMAT_DATE_TIME] =
            "YYYY-MM-DDTHH:MM:SS[.1-9 digits] with Z or +hh:mm",
        [AF_FORMAT_TIME] = "HH:MM:SS[.1-9 digits] with Z or +hh:mm",
        [AF_FORMAT_EMAIL] = "printable ASCII RFC 5321 address",
        [AF_FORMAT_IDN_EMAIL] = "printable ASCII RFC 5321 address",
        [AF_FORMAT_IPV6] = "printable ASCII RFC 4291 address",
        [AF_FORMAT_UUID] = "lower-case or upper-case hex",
    };
    const char *n = (size_t)f < sizeof names / sizeof *names && names[f]
                        ? names[f]
                        : "the generator's shape";
    return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                         "format value outside what is generated (%s)", n);
}

static int wint(af_ectx *e, int64_t lo, int64_t hi, int64_t v)
{
    return af_enc_status(e, af_choice_write_int(e->w, lo, hi, v),
                         AF_ENC_UNSUPPORTED, "a format part");
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* n decimal digits at s, -1 when not digits. */
static int num(const char *s, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

static int enc_date(af_ectx *e, const char *s, size_t len)
{
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return shape(e, AF_FORMAT_DATE);
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return shape(e, AF_FORMAT_DATE);
    int rc = wint(e, -1999, 7999, y - 2000);
    if (rc == 0)
        rc = wint(e, 0, 11, m - 1);
    if (rc == 0)
        rc = wint(e, 0, days_in(y, m) - 1, d - 1);
    return rc;
}

/* Fractional digits after HH:MM:SS: their count (1..9) when frac_room,
   0 when none, -1 when not generated. */
static int frac_digits(const char *s, size_t len, bool frac_room)
{
    if (len <= 8 || s[8] != '.')
        return 0;
    size_t k = 9;
    while (k < len && s[k] >= '0' && s[k] <= '9')
        k++;
    return frac_room && k > 9 && k <= 18 ? (int)(k - 9) : -1;
}

static int enc_time(af_ectx *e, af_format f, const char *s, size_t len,
                    bool has_room, bool frac_room)
{
    if (len < 9 || s[2] != ':' || s[5] != ':')
        return shape(e, f);
    int h = num(s, 2), mi = num(s + 3, 2), sec = num(s + 6, 2);
    int fd = frac_digits(s, len, frac_room);
    if (fd < 0)
        return shape(e, f);
    const char *frac = s + 9;
    size_t skip = fd > 0 ? (size_t)fd + 1 : 0;
    s += skip, len -= skip;
    bool is_z = len == 9 && s[8] == 'Z';
    bool is_off =
        has_room && len == 14 && (s[8] == '+' || s[8] == '-') && s[11] == ':';
    int oh = is_off ? num(s + 9, 2) : 0, om = is_off ? num(s + 12, 2) : 0;
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
        (!is_z && !is_off) || oh < 0 || oh > 23 || om < 0 || om > 59)
        return shape(e, f);
    int rc = wint(e, 0, 23, h);
    if (rc == 0)
        rc = wint(e, 0, 59, mi);
    if (rc == 0)
        rc = wint(e, 0, 59, sec);
    if (rc == 0)
        rc = af_enc_status(e,
                           af_choice_write_index(e->w, frac_room ? 6 : 3,
                                                 (is_z          ? 0
                                                  : s[8] == '+' ? 1
                                                                : 2) +
                                                     (fd > 0 ? 3 : 0)),
                           AF_ENC_UNSUPPORTED, "the offset");
    if (rc == 0 && fd > 0)
        rc = af_enc_status(e,
                           af_choice_write_bytes(e->w, 1, 9, frac, (size_t)fd),
                           AF_ENC_UNSUPPORTED, "the fraction");
    if (rc == 0 && is_off)
        rc = wint(e, 0, 23, oh);
    if (rc == 0 && is_off)
        rc = wint(e, 0, 59, om);
    return rc;
}

static int wbytes(af_ectx *e, size_t lo, size_t hi, const void *p, size_t n)
{
    if (n < lo || n > hi)
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                             "format part of %zu characters, generated "
                             "%zu..%zu",
                             n, lo, hi);
    return af_enc_status(e, af_choice_write_bytes(e->w, lo, hi, p, n),
                         AF_ENC_UNSUPPORTED, "a format segment");
}

/* format.c gen_free: the string's own bytes, when kept verbatim. */
static bool free_fits(af_format f, size_t min, size_t max, const char *s,
                      size_t len)
{
    size_t lo, hi;
    return af_gen_format_free_range(f, min, max, &lo, &hi) && len >= lo &&
           len <= hi && af_gen_format_free_ok(f, s, len);
}

static int enc_free(af_ectx *e, af_format f, size_t min, size_t max,
                    const char *s, size_t len)
{
    size_t lo, hi;
    if (!free_fits(f, min, max, s, len))
        return shape(e, f);
    af_gen_format_free_range(f, min, max, &lo, &hi);
    return wbytes(e, lo, hi, s, len);
}

static int windex(af_ectx *e, uint64_t n, uint64_t v)
{
    return af_enc_status(e, af_choice_write_index(e->w, n, v),
                         AF_ENC_UNSUPPORTED, "a format shape");
}

static int enc_duration(af_ectx *e, size_t min, size_t max, const char *s,
                        size_t len)
{
    static const char *const units[] = {"D", "W", "Y", "M", "TH", "TM", "TS"};
    if (len < 3 || s[0] != 'P')
        return shape(e, AF_FORMAT_DURATION);
    bool is_t = s[1] == 'T';
    char u[3] = {0};
    if (is_t)
        u[0] = 'T';
    u[is_t ? 1 : 0] = s[len - 1];
    int k = 0;
    while (k < 7 && strcmp(units[k], u) != 0)
        k++;
    if (k == 7 || (is_t && max < 4))
        return shape(e, AF_FORMAT_DURATION);
    size_t fixed = 1 + strlen(u);
    size_t lo = min > fixed ? min - fixed : 1, hi = max - fixed;
    if (hi > 9)
        hi = 9;
    if (lo > hi)
        lo = hi;
    size_t p = is_t ? 2 : 1;
    if (len < p + 1 || num(s + p, (int)(len - 1 - p)) < 0)
        return shape(e, AF_FORMAT_DURATION);
    int rc = af_enc_status(e, af_choice_write_index(e->w, 7, (uint64_t)k),
                           AF_ENC_UNSUPPORTED, "the unit");
    return rc == 0 ? wbytes(e, lo, hi, s + p, len - 1 - p) : rc;
}

static int enc_ipv4(af_ectx *e, size_t min, size_t max, const char *s)
{
    int lo = min > 7 ? 100 : 0, hi = max < 15 ? 9 : 255, o[4];
    char back[20];
    if (sscanf(s, "%d.%d.%d.%d", &o[0], &o[1], &o[2], &o[3]) != 4)
        return shape(e, AF_FORMAT_IPV4);
    snprintf(back, sizeof back, "%d.%d.%d.%d", o[0], o[1], o[2], o[3]);
    if (strcmp(back, s) != 0)
        return shape(e, AF_FORMAT_IPV4);
    int rc = 0;
    for (int k = 0; k < 4 && rc == 0; k++)
        rc = o[k] < lo || o[k] > hi ? shape(e, AF_FORMAT_IPV4)
                                    : wint(e, lo, hi, o[k]);
    return rc;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The 8 groups of the expanded lower-case form, false when s is not. */
static bool ipv6_groups(const char *s, size_t len, int v[8])
{
    if (len != 39)
        return false;
    for (int k = 0; k < 8; k++) {
        const char *g = s + 5 * k;
        v[k] = 0;
        for (int d = 0; d < 4; d++)
            v[k] = hexval(g[d]) < 0 || g[d] < '0' || g[d] > 'f' || v[k] < 0
                       ? -1
                       : v[k] * 16 + hexval(g[d]);
        if (v[k] < 0 || (k < 7 && g[4] != ':'))
            return false;
    }
    return true;
}

static int enc_ipv6(af_ectx *e, size_t min, size_t max, const char *s,
                    size_t len)
{
    int v[8];
    if (!ipv6_groups(s, len, v)) {
        if (!free_fits(AF_FORMAT_IPV6, min, max, s, len))
            return shape(e, AF_FORMAT_IPV6);
        int rc = windex(e, 2, 1);
        return rc == 0 ? enc_free(e, AF_FORMAT_IPV6, min, max, s, len) : rc;
    }
    int rc = windex(e, 2, 0);
    for (int k = 0; k < 8 && rc == 0; k++)
        rc = wint(e, 0, 0xffff, v[k]);
    return rc;
}

static int enc_uuid(af_ectx *e, const char *s, size_t len)
{
    uint8_t raw[16];
    size_t p = 0;
    bool lower = false, upper = false;
    for (size_t k = 0; k < len; k++)
        lower |= s[k] >= 'a' && s[k] <= 'f',
            upper |= s[k] >= 'A' && s[k] <= 'F';
    if (len != 36 || (lower && upper))
        return shape(e, AF_FORMAT_UUID);
    for (size_t k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10) {
            if (s[p++] != '-')
                return shape(e, AF_FORMAT_UUID);
        }
        int hi = hexval(s[p]), lo = hexval(s[p + 1]);
        if (hi < 0 || lo < 0)
            return shape(e, AF_FORMAT_UUID);
        raw[k] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    int rc = wbytes(e, 16, 16, raw, 16);
    return rc == 0 ? windex(e, 2, upper ? 1 : 0) : rc;
}

static int enc_email(af_ectx *e, size_t min, size_t max, const char *s,
                     size_t len)
{
    static const char domain[] = "@example.com";
    size_t fixed = sizeof domain - 1;
    size_t lo = min > fixed + 1 ? min - fixed : 1, hi = max - fixed;
    if (hi > 64)
        hi = 64;
    if (lo > hi)
        lo = hi;
    bool simple = len > fixed && strcmp(s + len - fixed, domain) == 0 &&
                  len - fixed >= lo && len - fixed <= hi;
    for (size_t k = 0; simple && k < len - fixed; k++)
        simple = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9');
    if (!simple) {
        if (!free_fits(AF_FORMAT_EMAIL, min, max, s, len))
            return shape(e, AF_FORMAT_EMAIL);
        int rc = windex(e, 2, 1);
        return rc == 0 ? enc_free(e, AF_FORMAT_EMAIL, min, max, s, len) : rc;
    }
    int rc = windex(e, 2, 0);
    return rc == 0 ? wbytes(e, lo, hi, s, len - fixed) : rc;
}

/* Whether s has format.c's simple URI shape: "http(s)://a", then a path
   of unreserved characters and '/' starting with '/', within the caps. */
static bool simple_uri(af_format f, size_t min, size_t max, const char *s,
                       size_t len)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                              "TUVWXYZ0123456789-._~/";
    bool is_abs = f != AF_FORMAT_URI_REFERENCE &&
                  f != AF_FORMAT_IRI_REFERENCE && f != AF_FORMAT_JSON_POINTER;
    size_t p = 0;
    if (is_abs)
        p = strncmp(s, "http://a", 8) == 0    ? 8
            : strncmp(s, "https://a", 9) == 0 ? 9
                                              : 0;
    if ((is_abs && p == 0) ||
        ((p > 0 || f == AF_FORMAT_JSON_POINTER) && len > p && s[p] != '/'))
        return false;
    for (size_t k = p; k < len; k++)
        if (strchr(set, s[k]) == NULL || s[k] == '\0')
            return false;
    if (!is_abs && len >= 2 && s[0] == '/' && s[1] == '/')
        return false;
    size_t lo = min > p ? min - p : 0, hi = max - p;
    if (hi > lo + 64)
        hi = lo + 64;
    return len - p >= lo && len - p <= hi;
}

static int enc_uri(af_ectx *e, af_format f, size_t min, size_t max,
                   const char *s, size_t len)
{
    static const char *const schemes[] = {"http://a", "https://a"};
    size_t p = 0, lo_free, hi_free;
    int rc = 0;
    bool is_ref = f == AF_FORMAT_URI_REFERENCE || f == AF_FORMAT_IRI_REFERENCE;
    bool has_free = af_gen_format_free_range(f, min, max, &lo_free, &hi_free);
    uint64_t n = (is_ref ? 1 : 2) + (has_free ? 1 : 0);
    if (has_free && !simple_uri(f, min, max, s, len)) {
        rc = windex(e, n, is_ref ? 1 : 2);
        return rc == 0 ? enc_free(e, f, min, max, s, len) : rc;
    }
    if (is_ref)
        rc = windex(e, n, 0);
    else if (f != AF_FORMAT_JSON_POINTER) {
        int k = strncmp(s, schemes[0], 8) == 0   ? 0
                : strncmp(s, schemes[1], 9) == 0 ? 1
                                                 : -1;
        if (k < 0)
            return shape(e, f);
        p = strlen(schemes[k]);
        rc = windex(e, n, (uint64_t)k);
    }
    /* format.c: the path after the authority starts with '/', from a
       fixed character set */
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                              "TUVWXYZ0123456789-._~/";
    if ((p > 0 || f == AF_FORMAT_JSON_POINTER) && len > p && s[p] != '/')
        return shape(e, f);
    for (size_t k = p; k < len; k++)
        if (strchr(set, s[k]) == NULL)
            return shape(e, f);
    size_t lo = min > p ? min - p : 0, hi = max - p;
    if (hi > lo + 64)
        hi = lo + 64;
    return rc == 0 ? wbytes(e, lo, hi, s + p, len - p) : rc;
}

static int enc_base64(af_ectx *e, size_t min, size_t max, const char *s,
                      size_t len)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[400];
    size_t n = 0;
    if (len % 4 != 0 || len / 4 * 3 > sizeof raw)
        return shape(e, AF_FORMAT_BYTE);
    for (size_t k = 0; k < len; k += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int d = 0; d < 4; d++) {
            const char *q = s[k + d] == '=' ? NULL : strchr(tab, s[k + d]);
            if (q == NULL && s[k + d] != '=')
                return shape(e, AF_FORMAT_BYTE);
            pad += q == NULL;
            v = v << 6 | (q != NULL ? (uint32_t)(q - tab) : 0);
        }
        for (int d = 0; d < 3 - pad; d++)
            raw[n++] = (uint8_t)(v >> (16 - 8 * d));
    }
    size_t lo = min > 0 ? 3 * ((min + 3) / 4 - 1) + 1 : 0, hi = 3 * (max / 4);
    if (hi > lo + 96)
        hi = lo + 96;
    return wbytes(e, lo, hi, raw, n);
}

/* format.c format_range: whether f is generated for these lengths. */
static bool is_generated(af_format f, size_t min, size_t max)
{
    size_t lo = 0, hi = 0;
    switch (f) {
    case AF_FORMAT_DATE:
        lo = hi = 10;
        break;
    case AF_FORMAT_DATE_TIME:
        lo = hi = 20;
        break;
    case AF_FORMAT_TIME:
        lo = hi = 9;
        break;
    case AF_FORMAT_DURATION:
        lo = 3, hi = 11;
        break;
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        lo = 13, hi = 76;
        break;
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        lo = 1, hi = 253;
        break;
    case AF_FORMAT_IPV4:
        lo = 7, hi = 15;
        break;
    case AF_FORMAT_IPV6:
        lo = hi = 39;
        break;
    case AF_FORMAT_URI:
    case AF_FORMAT_IRI:
    case AF_FORMAT_URI_TEMPLATE:
        lo = 9, hi = 400;
        break;
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        lo = 1, hi = 400;
        break;
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI_REFERENCE:
    case AF_FORMAT_JSON_POINTER:
    case AF_FORMAT_REGEX:
    case AF_FORMAT_BYTE:
        lo = 0, hi = 400;
        break;
    case AF_FORMAT_UUID:
        lo = hi = 36;
        break;
    default:
        break;
    }
    return hi != 0 && max >= lo && min <= hi &&
           !(f == AF_FORMAT_BYTE && max < 4 && min > 0);
}

static int enc_segments(af_ectx *e, af_format f, size_t min, size_t max,
                        const char *s, size_t len)
{
    size_t lo, hi;
    switch (f) {
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        lo = min > 1 ? min : 1, hi = max < 253 ? max : 253;
        if (hi > lo + 32)
            hi = lo + 32;
        return wbytes(e, lo, hi, s, len);
    case AF_FORMAT_REGEX:
        return wbytes(e, min, max < min + 64 ? max : min + 64, s, len);
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        if (len == 0 || s[0] != '0')
            return shape(e, f);
        return enc_uri(e, AF_FORMAT_JSON_POINTER, min > 1 ? min - 1 : 0,
                       max - 1, s + 1, len - 1);
    default:
        return enc_uri(e, f, min, max, s, len);
    }
}

int af_enc_format(af_ectx *e, af_format f, size_t min, size_t max,
                  const char *s, size_t len)
{
    if (!is_generated(f, min, max))
        return 0;
    int rc;
    switch (f) {
    case AF_FORMAT_DATE:
        rc = len == 10 ? enc_date(e, s, len) : shape(e, f);
        break;
    case AF_FORMAT_DATE_TIME:
        rc = len > 11 && s[10] == 'T' ? enc_date(e, s, 10) : shape(e, f);
        if (rc == 0)
            rc = enc_time(e, f, s + 11, len - 11, max >= 25, max >= 35);
        break;
    case AF_FORMAT_TIME:
        rc = enc_time(e, f, s, len, max >= 14, max >= 24);
        break;
    case AF_FORMAT_DURATION:
        rc = enc_duration(e, min, max, s, len);
        break;
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        rc = enc_email(e, min, max, s, len);
        break;
    case AF_FORMAT_IPV4:
        rc = enc_ipv4(e, min, max, s);
        break;
    case AF_FORMAT_IPV6:
        rc = enc_ipv6(e, min, max, s, len);
        break;
    case AF_FORMAT_UUID:
        rc = enc_uuid(e, s, len);
        break;
    case AF_FORMAT_BYTE:
        rc = enc_base64(e, min, max, s, len);
        break;
    default:
        rc = enc_segments(e, f, min, max, s, len);
        break;
    }
    return rc < 0 ? rc : 1;
}
