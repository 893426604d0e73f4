/*
 * format.c - strings of the JSON Schema / OpenAPI formats, generated from
 * choices, a checker for the same formats, and invalid examples for
 * negative mode.
 *
 * Generated strings conform to the format definitions (RFC 3339 date,
 * date-time, time and duration (Appendix A), RFC 5321-style email, RFC
 * 1123 hostnames, dotted-quad IPv4, RFC 4291 IPv6, RFC 3986 URI and
 * URI-reference, RFC 4122 UUID, RFC 4648 base64, RFC 6901 JSON pointers)
 * and respect minLength/maxLength where the format allows it; whether a
 * format fits the lengths is decided from the lengths alone, before any
 * read, so the bytes a string consumes stay a function of its schema and
 * its own bytes. Zero choices give the simplest string of each format
 * ("2000-01-01", "a@example.com", "0.0.0.0", "http://a"). Non-zero
 * choices widen the shapes to real-world values: fractional seconds,
 * upper-case UUIDs, and "free" URIs, e-mails and IPv6 addresses, read as
 * raw bytes and kept verbatim when they conform (else mapped to a simple
 * conformant value), so any conformant example has choices giving it.
 */
#include "gen/gen_internal.h"
#include "check/validate.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char hostchars[] = "abcdefghijklmnopqrstuvwxyz0123456789-.";
static const char pathchars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/";
static const char hexdigits[] = "0123456789abcdef";

/* n..max characters of set read from the input (a byte in the set is
   kept, others map into it; 0 gives set[0]). */
static int segment(af_gctx *x, const char *set, size_t min, size_t max,
                   char *dst, size_t *n)
{
    const uint8_t *p;
    size_t len, k = strlen(set);
    af_choice_bytes(x->c, min, max, &p, &len);
    for (size_t i = 0; i < len; i++)
        dst[i] = p[i] != 0 && memchr(set, p[i], k) != NULL ? (char)p[i]
                                                           : set[p[i] % k];
    for (size_t i = len; i < min; i++)
        dst[i] = set[0];
    *n = len > min ? len : min;
    return 0;
}

static int finish(af_gctx *x, const char *buf, size_t len, char **out,
                  size_t *out_len)
{
    *out = af_arena_strndup(x->a, buf, len);
    if (*out == NULL)
        return af_gen_oom(x);
    *out_len = len;
    return 1;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static size_t put_date(af_gctx *x, char *b)
{
    int y = 2000 + (int)af_choice_int(x->c, -1999, 7999);
    int m = 1 + (int)af_choice_int(x->c, 0, 11);
    int d = 1 + (int)af_choice_int(x->c, 0, days_in(y, m) - 1);
    return (size_t)snprintf(b, 16, "%04d-%02d-%02d", y, m, d);
}

/* RFC 3339 full-time: time and offset ("Z" or +hh:mm); the offset form
   only when max allows 14 characters, fractional seconds (1..9 digits,
   the offset choices 3..5) only when it allows 24. */
static size_t put_time(af_gctx *x, char *b, bool has_room, bool frac_room)
{
    int h = (int)af_choice_int(x->c, 0, 23);
    int mi = (int)af_choice_int(x->c, 0, 59);
    int s = (int)af_choice_int(x->c, 0, 59);
    uint64_t tz = af_choice_index(x->c, frac_room ? 6 : 3);
    size_t n = (size_t)snprintf(b, 16, "%02d:%02d:%02d", h, mi, s);
    if (tz >= 3) {
        size_t digits;
        b[n++] = '.';
        segment(x, "0123456789", 1, 9, b + n, &digits);
        n += digits;
        tz -= 3;
    }
    if (tz == 0 || !has_room)
        return n + (size_t)snprintf(b + n, 4, "Z");
    int oh = (int)af_choice_int(x->c, 0, 23),
        om = (int)af_choice_int(x->c, 0, 59);
    return n + (size_t)snprintf(b + n, 8, "%c%02d:%02d", tz == 1 ? '+' : '-',
                                oh, om);
}

bool af_gen_format_free_ok(af_format f, const char *s, size_t len)
{
    for (size_t k = 0; k < len; k++)
        if (s[k] <= ' ' || s[k] > '~')
            return false;
    return af_gen_format_check(f, s, len) && af_format_check_string(f, s, len);
}

bool af_gen_format_free_range(af_format f, size_t min, size_t max, size_t *lo,
                              size_t *hi)
{
    size_t floor = 0, cap = 400;
    switch (f) {
    case AF_FORMAT_URI:
    case AF_FORMAT_IRI:
        floor = 8; /* the fallback "http://a" */
        break;
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI_REFERENCE:
        break;
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        floor = 3, cap = 66; /* the fallback "a@a"; local part <= 64 */
        break;
    case AF_FORMAT_IPV6:
        if (min > 2) /* the fallback "::" */
            return false;
        floor = 2, cap = 45;
        break;
    default:
        return false;
    }
    *lo = min > floor ? min : floor;
    *hi = max < cap ? max : cap;
    return *lo <= *hi;
}

/* A free shape: raw bytes kept when they conform, else fallback's value
   (conformant and within the lengths read). */
static int gen_free(af_gctx *x, af_format f, size_t min, size_t max, char *b,
                    size_t *n, void (*fallback)(char *, size_t *))
{
    size_t lo, hi, len;
    const uint8_t *p;
    if (!af_gen_format_free_range(f, min, max, &lo, &hi))
        lo = hi = 0;
    af_choice_bytes(x->c, lo, hi, &p, &len);
    memcpy(b, p, len);
    memset(b + len, 'a', len < lo ? lo - len : 0);
    *n = len > lo ? len : lo;
    if (!af_gen_format_free_ok(f, b, *n))
        fallback(b, n);
    return 0;
}

static void map_into(const char *set, char *b, size_t n)
{
    size_t k = strlen(set);
    for (size_t i = 0; i < n; i++)
        if (b[i] == 0 || memchr(set, b[i], k) == NULL)
            b[i] = set[(uint8_t)b[i] % k];
}

/* "http://a" and a path, the length kept (at least 8). */
static void uri_fallback(char *b, size_t *n)
{
    map_into(pathchars, b, *n);
    memcpy(b, "http://a", 8);
    if (*n > 8)
        b[8] = '/';
}

/* A path-absolute reference ("/a..."), the length kept. */
static void ref_fallback(char *b, size_t *n)
{
    map_into(pathchars, b, *n);
    if (*n > 0)
        b[0] = '/';
    if (*n > 1 && b[1] == '/')
        b[1] = 'a';
}

/* alnum local part "@a", the length kept (at least 3). */
static void email_fallback(char *b, size_t *n)
{
    map_into(alnum, b, *n);
    memcpy(b + *n - 2, "@a", 2);
}

static void ipv6_fallback(char *b, size_t *n)
{
    memcpy(b, "::", 2);
    *n = 2;
}

static int gen_duration(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    static const char *const units[] = {"D", "W", "Y", "M", "TH", "TM", "TS"};
    const char *u = units[af_choice_index(x->c, 7)];
    if (u[0] == 'T' && max < 4)
        u = "D";
    size_t fixed = 1 + strlen(u), digits;
    b[0] = 'P';
    size_t lo = min > fixed ? min - fixed : 1, hi = max - fixed;
    if (hi > 9)
        hi = 9;
    if (lo > hi)
        lo = hi;
    size_t p = 1;
    if (u[0] == 'T')
        b[p++] = 'T';
    segment(x, "0123456789", lo, hi, b + p, &digits);
    p += digits;
    b[p++] = u[strlen(u) - 1];
    *n = p;
    return 0;
}

static int gen_ipv4(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    int lo = min > 7 ? 100 : 0, hi = max < 15 ? 9 : 255;
    int o[4];
    for (int k = 0; k < 4; k++)
        o[k] = (int)af_choice_int(x->c, lo, hi);
    *n = (size_t)snprintf(b, 20, "%d.%d.%d.%d", o[0], o[1], o[2], o[3]);
    return 0;
}

/* Choice 0: 8 groups of 4 lower-case hex digits; 1: free. */
static int gen_ipv6(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    size_t lo, hi;
    if (af_choice_index(x->c, 2) == 1 &&
        af_gen_format_free_range(AF_FORMAT_IPV6, min, max, &lo, &hi))
        return gen_free(x, AF_FORMAT_IPV6, min, max, b, n, ipv6_fallback);
    size_t p = 0;
    for (int k = 0; k < 8; k++) {
        unsigned v = (unsigned)af_choice_int(x->c, 0, 0xffff);
        p += (size_t)snprintf(b + p, 8, "%s%04x", k ? ":" : "", v);
    }
    *n = p;
    return 0;
}

static int gen_uuid(af_gctx *x, char *b, size_t *n)
{
    const uint8_t *raw;
    size_t len;
    af_choice_bytes(x->c, 16, 16, &raw, &len);
    size_t p = 0;
    for (size_t k = 0; k < 16; k++) {
        uint8_t v = k < len ? raw[k] : 0;
        if (k == 4 || k == 6 || k == 8 || k == 10)
            b[p++] = '-';
        b[p++] = hexdigits[v >> 4];
        b[p++] = hexdigits[v & 15];
    }
    if (af_choice_index(x->c, 2) == 1) /* upper case */
        for (size_t k = 0; k < p; k++)
            b[k] = b[k] >= 'a' && b[k] <= 'f' ? (char)(b[k] - 32) : b[k];
    *n = p;
    return 0;
}

/* RFC 1123 hostname from a segment: labels of letters, digits and
   hyphens, never starting or ending with a hyphen, at most 63 long; the
   last label starts with a letter so it is never all-numeric. */
static void fix_hostname(char *b, size_t n)
{
    size_t label = 0;
    for (size_t k = 0; k < n; k++) {
        bool first = k == 0 || b[k - 1] == '.';
        bool last = k + 1 == n || b[k + 1] == '.';
        if (b[k] == '.' && (first || last || label == 0))
            b[k] = 'a';
        if (b[k] == '-' && (first || last))
            b[k] = 'a';
        label = b[k] == '.' ? 0 : label + 1;
        if (label > 63)
            b[k] = '.', label = 0;
    }
    size_t start = n;
    while (start > 0 && b[start - 1] != '.')
        start--;
    if (start < n && !(b[start] >= 'a' && b[start] <= 'z'))
        b[start] = 'a';
}

static int gen_hostname(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    size_t lo = min > 1 ? min : 1, hi = max < 253 ? max : 253;
    if (hi > lo + 32)
        hi = lo + 32;
    segment(x, hostchars, lo, hi, b, n);
    fix_hostname(b, *n);
    return 0;
}

static int gen_email(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    static const char domain[] = "@example.com";
    size_t fixed = sizeof domain - 1;
    size_t flo, fhi;
    if (af_choice_index(x->c, 2) == 1 &&
        af_gen_format_free_range(AF_FORMAT_EMAIL, min, max, &flo, &fhi))
        return gen_free(x, AF_FORMAT_EMAIL, min, max, b, n, email_fallback);
    size_t lo = min > fixed + 1 ? min - fixed : 1, hi = max - fixed;
    if (hi > 64)
        hi = 64;
    if (lo > hi)
        lo = hi;
    size_t local;
    segment(x, alnum, lo, hi, b, &local);
    memcpy(b + local, domain, fixed);
    *n = local + fixed;
    return 0;
}

static int gen_uri(af_gctx *x, af_format f, size_t min, size_t max, char *b,
                   size_t *n)
{
    static const char *const schemes[] = {"http://a", "https://a"};
    size_t p = 0, lo_free, hi_free;
    bool is_ref = f == AF_FORMAT_URI_REFERENCE || f == AF_FORMAT_IRI_REFERENCE;
    bool has_free = af_gen_format_free_range(f, min, max, &lo_free, &hi_free);
    uint64_t pick = 0;
    if (f != AF_FORMAT_JSON_POINTER)
        pick = af_choice_index(x->c, (is_ref ? 1 : 2) + (has_free ? 1 : 0));
    if (has_free && pick == (is_ref ? 1 : 2))
        return gen_free(x, f, min, max, b, n,
                        is_ref ? ref_fallback : uri_fallback);
    if (!is_ref && f != AF_FORMAT_JSON_POINTER) {
        const char *s = schemes[pick];
        p = strlen(s);
        memcpy(b, s, p);
    }
    size_t lo = min > p ? min - p : 0, hi = max - p, len;
    if (hi > lo + 64)
        hi = lo + 64;
    segment(x,
            f == AF_FORMAT_JSON_POINTER ? "/abcdefghijklmnopqrstuvwxyz"
                                        : pathchars,
            lo, hi, b + p, &len);
    if (len > 0 && p > 0)
        b[p] = '/'; /* a path after an authority starts with '/' */
    if (f == AF_FORMAT_JSON_POINTER && len > 0)
        b[p] = '/';
    if (f == AF_FORMAT_URI_REFERENCE || f == AF_FORMAT_IRI_REFERENCE)
        for (size_t k = 0; k + 1 < len && b[k] == '/' && b[k + 1] == '/'; k++)
            b[k + 1] = 'a'; /* not a network-path reference */
    *n = p + len;
    return 0;
}

static int gen_base64(af_gctx *x, size_t min, size_t max, char *b, size_t *n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t lo = min > 0 ? 3 * ((min + 3) / 4 - 1) + 1 : 0;
    size_t hi = 3 * (max / 4);
    if (hi > lo + 96)
        hi = lo + 96;
    const uint8_t *raw;
    size_t len, p = 0;
    af_choice_bytes(x->c, lo, hi, &raw, &len);
    for (size_t k = 0; k < len; k += 3) {
        uint32_t v = (uint32_t)raw[k] << 16;
        if (k + 1 < len)
            v |= (uint32_t)raw[k + 1] << 8;
        if (k + 2 < len)
            v |= raw[k + 2];
        b[p++] = tab[v >> 18];
        b[p++] = tab[(v >> 12) & 63];
        b[p++] = k + 1 < len ? tab[(v >> 6) & 63] : '=';
        b[p++] = k + 2 < len ? tab[v & 63] : '=';
    }
    *n = p;
    return 0;
}

/* Shortest and longest strings a format can produce here; 0, 0 when the
   format is generated as a plain string. */
static void format_range(af_format f, size_t *lo, size_t *hi)
{
    *lo = *hi = 0;
    switch (f) {
    case AF_FORMAT_DATE:
        *lo = *hi = 10;
        break;
    case AF_FORMAT_DATE_TIME:
        *lo = *hi = 20; /* 25 with an offset, when it fits */
        break;
    case AF_FORMAT_TIME:
        *lo = *hi = 9; /* 14 with an offset */
        break;
    case AF_FORMAT_DURATION:
        *lo = 3, *hi = 11;
        break;
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        *lo = 13, *hi = 76;
        break;
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        *lo = 1, *hi = 253;
        break;
    case AF_FORMAT_IPV4:
        *lo = 7, *hi = 15;
        break;
    case AF_FORMAT_IPV6:
        *lo = *hi = 39;
        break;
    case AF_FORMAT_URI:
    case AF_FORMAT_IRI:
    case AF_FORMAT_URI_TEMPLATE:
        *lo = 9, *hi = 400;
        break;
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        *lo = 1, *hi = 400;
        break;
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI_REFERENCE:
    case AF_FORMAT_JSON_POINTER:
    case AF_FORMAT_REGEX:
    case AF_FORMAT_BYTE:
        *lo = 0, *hi = 400;
        break;
    case AF_FORMAT_UUID:
        *lo = *hi = 36;
        break;
    default:
        break;
    }
}

int af_gen_format(af_gctx *x, af_format f, size_t min, size_t max, char **out,
                  size_t *out_len)
{
    size_t lo, hi;
    format_range(f, &lo, &hi);
    if (hi == 0 || max < lo || min > hi ||
        (f == AF_FORMAT_BYTE && max < 4 && min > 0))
        return 0;
    char b[1024];
    size_t n = 0;
    switch (f) {
    case AF_FORMAT_DATE:
        n = put_date(x, b);
        break;
    case AF_FORMAT_DATE_TIME:
        n = put_date(x, b);
        b[n++] = 'T';
        n += put_time(x, b + n, max >= 25, max >= 35);
        break;
    case AF_FORMAT_TIME:
        n = put_time(x, b, max >= 14, max >= 24);
        break;
    case AF_FORMAT_DURATION:
        gen_duration(x, min, max, b, &n);
        break;
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        gen_email(x, min, max, b, &n);
        break;
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        gen_hostname(x, min, max, b, &n);
        break;
    case AF_FORMAT_IPV4:
        gen_ipv4(x, min, max, b, &n);
        break;
    case AF_FORMAT_IPV6:
        gen_ipv6(x, min, max, b, &n);
        break;
    case AF_FORMAT_UUID:
        gen_uuid(x, b, &n);
        break;
    case AF_FORMAT_BYTE:
        gen_base64(x, min, max, b, &n);
        break;
    case AF_FORMAT_REGEX:
        segment(x, alnum, min, max < min + 64 ? max : min + 64, b, &n);
        break;
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        b[0] = '0';
        gen_uri(x, AF_FORMAT_JSON_POINTER, min > 1 ? min - 1 : 0, max - 1,
                b + 1, &n);
        n++;
        break;
    default:
        gen_uri(x, f, min, max, b, &n);
        break;
    }
    return finish(x, b, n, out, out_len);
}

/* ---- checks ---- */

static bool digits(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    return true;
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool check_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
        !digits(s + 5, 2) || !digits(s + 8, 2))
        return false;
    int y = num2(s) * 100 + num2(s + 2), m = num2(s + 5), d = num2(s + 8);
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in(y, m);
}

static bool check_time(const char *s, size_t n)
{
    if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2) ||
        !digits(s + 3, 2) || !digits(s + 6, 2) || num2(s) > 23 ||
        num2(s + 3) > 59 || num2(s + 6) > 60)
        return false;
    size_t p = 8;
    if (s[p] == '.') {
        size_t q = ++p;
        while (p < n && s[p] >= '0' && s[p] <= '9')
            p++;
        if (p == q)
            return false;
    }
    if (p + 1 == n && (s[p] == 'Z' || s[p] == 'z'))
        return true;
    return p + 6 == n && (s[p] == '+' || s[p] == '-') && s[p + 3] == ':' &&
           digits(s + p + 1, 2) && digits(s + p + 4, 2) &&
           num2(s + p + 1) <= 23 && num2(s + p + 4) <= 59;
}

/* RFC 3339 Appendix A: P(nW | [nY][nM][nD][T[nH][nM][nS]]). */
static bool check_duration(const char *s, size_t n)
{
    static const char date_units[] = "YMD", time_units[] = "HMS";
    if (n < 3 || s[0] != 'P')
        return false;
    if (s[n - 1] == 'W')
        return n > 2 && digits(s + 1, n - 2);
    size_t p = 1;
    bool in_time = false, any = false;
    const char *units = date_units;
    while (p < n) {
        if (s[p] == 'T' && !in_time) {
            in_time = true, units = time_units, p++;
            if (p == n)
                return false;
            continue;
        }
        size_t q = p;
        while (p < n && s[p] >= '0' && s[p] <= '9')
            p++;
        const char *u = p < n ? strchr(units, s[p]) : NULL;
        if (p == q || u == NULL || s[p] == '\0')
            return false;
        units = u + 1;
        any = true;
        p++;
    }
    return any;
}

static bool check_hostname(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t k = 0; k < n; k++) {
        char ch = s[k];
        if (ch == '.') {
            if (label == 0 || s[k - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || (ch == '-' && label > 0);
        if (!ok || ++label > 63)
            return false;
    }
    return label > 0 && s[n - 1] != '-';
}

static bool check_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (at == NULL || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
        return false;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] <= ' ')
            return false;
    return check_hostname(at + 1, n - (size_t)(at - s) - 1);
}

static bool check_ip(int family, const char *s, size_t n)
{
    char buf[64];
    unsigned char addr[16];
    if (n == 0 || n >= sizeof buf || memchr(s, 0, n) != NULL)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return inet_pton(family, buf, addr) == 1;
}

static bool is_uri_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr("-._~:/?#[]@!$&'()*+,;=%", ch) != NULL);
}

static bool check_uri_chars(const char *s, size_t n, bool is_iri)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)s[k];
        if (ch >= 0x80 && is_iri)
            continue;
        if (!is_uri_char(ch))
            return false;
        if (ch == '%' && (k + 2 >= n || !strchr(hexdigits, s[k + 1] | 0x20) ||
                          !strchr(hexdigits, s[k + 2] | 0x20)))
            return false;
    }
    return true;
}

/* Length of a URI scheme followed by ':' at s, 0 when none. */
static size_t scheme_len(const char *s, size_t n)
{
    size_t k = 0;
    if (n == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
        return 0;
    while (k < n && s[k] != ':') {
        char ch = s[k];
        if (!((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') &&
            !(ch >= '0' && ch <= '9') && ch != '+' && ch != '-' && ch != '.')
            return 0;
        k++;
    }
    return k < n ? k : 0;
}

static bool check_uri_ref(const char *s, size_t n, bool is_abs, bool is_iri)
{
    if (!check_uri_chars(s, n, is_iri))
        return false;
    size_t first = strcspn(s, ":/?#");
    bool has_scheme = first < n && s[first] == ':';
    if (has_scheme && scheme_len(s, n) != first)
        return false;
    return !is_abs || has_scheme;
}

static bool check_uuid(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t k = 0; k < n; k++) {
        bool dash = k == 8 || k == 13 || k == 18 || k == 23;
        if (dash ? s[k] != '-' : !strchr(hexdigits, s[k] | 0x20) || !s[k])
            return false;
    }
    return true;
}

static bool check_base64(const char *s, size_t n)
{
    if (n % 4 != 0)
        return false;
    for (size_t k = 0; k < n; k++) {
        char ch = s[k];
        bool ok = ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
                  (ch == '=' && k + 2 >= n && (k + 1 == n || s[k + 1] == '='));
        if (!ok)
            return false;
    }
    return true;
}

static bool check_pointer(const char *s, size_t n)
{
    if (n > 0 && s[0] != '/')
        return false;
    for (size_t k = 0; k < n; k++)
        if (s[k] == '~' && (k + 1 == n || (s[k + 1] != '0' && s[k + 1] != '1')))
            return false;
    return true;
}

static bool check_relative_pointer(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k == 0 || (s[0] == '0' && k > 1))
        return false;
    return (k + 1 == n && s[k] == '#') || check_pointer(s + k, n - k);
}

bool af_gen_format_check(af_format f, const char *s, size_t n)
{
    switch (f) {
    case AF_FORMAT_DATE:
        return check_date(s, n);
    case AF_FORMAT_TIME:
        return check_time(s, n);
    case AF_FORMAT_DATE_TIME:
        return n > 11 && (s[10] == 'T' || s[10] == 't') && check_date(s, 10) &&
               check_time(s + 11, n - 11);
    case AF_FORMAT_DURATION:
        return check_duration(s, n);
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        return check_email(s, n);
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        return check_hostname(s, n);
    case AF_FORMAT_IPV4:
        return check_ip(AF_INET, s, n);
    case AF_FORMAT_IPV6:
        return check_ip(AF_INET6, s, n);
    case AF_FORMAT_URI:
    case AF_FORMAT_IRI:
        return check_uri_ref(s, n, true, f == AF_FORMAT_IRI);
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI_REFERENCE:
        return check_uri_ref(s, n, false, f == AF_FORMAT_IRI_REFERENCE);
    case AF_FORMAT_UUID:
        return check_uuid(s, n);
    case AF_FORMAT_BYTE:
        return check_base64(s, n);
    case AF_FORMAT_JSON_POINTER:
        return check_pointer(s, n);
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        return check_relative_pointer(s, n);
    default:
        return true;
    }
}

const char *af_gen_format_bad(af_format f)
{
    switch (f) {
    case AF_FORMAT_DATE:
        return "2000-13-01";
    case AF_FORMAT_DATE_TIME:
        return "2000-01-01 25:00";
    case AF_FORMAT_TIME:
        return "24:00:00Z";
    case AF_FORMAT_DURATION:
        return "P1";
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        return "no-at-sign";
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        return "-bad-";
    case AF_FORMAT_IPV4:
        return "256.0.0.1";
    case AF_FORMAT_IPV6:
        return "1:2:3";
    case AF_FORMAT_URI:
    case AF_FORMAT_IRI:
        return "no scheme";
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI_REFERENCE:
        return "a b";
    case AF_FORMAT_UUID:
        return "not-a-uuid";
    case AF_FORMAT_BYTE:
        return "a";
    case AF_FORMAT_JSON_POINTER:
        return "a";
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        return "-1";
    default:
        return NULL;
    }
}
