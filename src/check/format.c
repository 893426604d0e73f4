/*
 * format.c - `format` assertions: dates and times (RFC 3339, with the
 * leap-second rule), durations (RFC 3339 appendix A), e-mail addresses
 * (RFC 5321 mailbox, RFC 6531 for idn-email), IPv4 and IPv6 (RFC 2673 /
 * RFC 4291 text forms), URIs and IRIs (RFC 3986 / RFC 3987), URI
 * templates (RFC 6570), UUIDs (RFC 4122), JSON pointers (RFC 6901) and
 * relative ones, ECMA-262 regular expressions, base64 (byte) and the
 * numeric OpenAPI formats. Host names are in format_idn.c.
 *
 * Every check is a hand-written scanner over the bytes: no allocation, no
 * locale (isdigit would accept other digits in some locales), and
 * anything outside ASCII is rejected except where the format admits
 * Unicode (idn-*, iri*, uri-template literals).
 */
#include "check/format.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "spec/pattern.h"

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* n digits at s as a number; -1 when one is not a digit. */
static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---- dates and times (RFC 3339 §5.6) ------------------------------------ */

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool full_date(const char *s, size_t len)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= days[m - 1] + (m == 2 && is_leap(y));
}

/* time-offset: Z or +hh:mm / -hh:mm, as minutes east of UTC. */
static bool offset(const char *s, size_t len, int *minutes)
{
    if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *minutes = 0;
        return true;
    }
    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return false;
    int h = num(s + 1, 2), m = num(s + 4, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

/* full-time; a leap second (:60) only at 23:59 UTC. */
static bool full_time(const char *s, size_t len)
{
    if (len < 9 || s[2] != ':' || s[5] != ':')
        return false;
    int h = num(s, 2), m = num(s + 3, 2), sec = num(s + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
        return false;
    size_t i = 8;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == start)
            return false;
    }
    int off = 0;
    if (!offset(s + i, len - i, &off))
        return false;
    int utc = ((h * 60 + m - off) % 1440 + 1440) % 1440;
    return sec < 60 || utc == 23 * 60 + 59;
}

static bool date_time(const char *s, size_t len)
{
    return len > 11 && (s[10] == 'T' || s[10] == 't') && full_date(s, 10) &&
           full_time(s + 11, len - 11);
}

/* The units of one part of a duration must be a run of `order` (Y M D or
   H M S) with no gaps: dur-year = 1*DIGIT "Y" [dur-month], ... */
static bool dur_part(const char *s, size_t len, size_t *i, const char *order)
{
    int last = -1;
    while (*i < len && is_digit(s[*i])) {
        while (*i < len && is_digit(s[*i]))
            (*i)++;
        const char *u = *i < len ? strchr(order, s[*i]) : NULL;
        int at = u != NULL && *u != '\0' ? (int)(u - order) : -1;
        if (at < 0 || (last >= 0 && at != last + 1))
            return false;
        last = at;
        (*i)++;
    }
    return last >= 0;
}

static bool duration(const char *s, size_t len)
{
    if (len < 3 || s[0] != 'P')
        return false;
    size_t i = 1;
    if (s[i] != 'T') {
        size_t start = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i < len && s[i] == 'W' && i > start)
            return i + 1 == len; /* dur-week stands alone */
        i = start;
        if (!dur_part(s, len, &i, "YMD"))
            return false;
    }
    if (i == len)
        return true;
    if (s[i] != 'T')
        return false;
    i++;
    return dur_part(s, len, &i, "HMS") && i == len;
}

/* ---- IP addresses ---------------------------------------------------------
 */

bool af_format_ipv4(const char *s, size_t len)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && (i >= len || s[i++] != '.'))
            return false;
        size_t start = i;
        int v = 0;
        while (i < len && is_digit(s[i]) && i - start < 4)
            v = v * 10 + (s[i++] - '0');
        size_t n = i - start;
        if (n == 0 || n > 3 || v > 255 || (n > 1 && s[start] == '0'))
            return false;
    }
    return i == len;
}

bool af_format_ipv6(const char *s, size_t len)
{
    size_t i = 0;
    int groups = 0;
    bool has_gap = false;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        has_gap = true;
        i = 2;
    } else if (len == 0 || s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t j = i;
        while (j < len && is_hex(s[j]) && j - i < 5)
            j++;
        if (j < len && s[j] == '.') { /* an IPv4 tail */
            if (!af_format_ipv4(s + i, len - i))
                return false;
            groups += 2;
            break;
        }
        if (j == i || j - i > 4)
            return false;
        groups++;
        i = j;
        if (i == len)
            break;
        if (s[i++] != ':' || i == len)
            return false;
        if (s[i] == ':') {
            if (has_gap)
                return false;
            has_gap = true;
            i++;
        }
    }
    return has_gap ? groups <= 7 : groups == 8;
}

/* ---- e-mail (RFC 5321 §4.1.2, RFC 6531 §3.3) ---------------------------- */

static bool is_atext(int c, bool is_idn)
{
    return is_alpha(c) || is_digit(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) ||
           (is_idn && (unsigned char)c >= 0x80);
}

/* The local part at s; *end is the index of the '@' after it. */
static bool local_part(const char *s, size_t len, bool is_idn, size_t *end)
{
    size_t i = 0;
    if (len > 0 && s[0] == '"') {
        for (i = 1; i < len && s[i] != '"'; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\\' && i + 1 < len && s[i + 1] >= 32 && s[i + 1] < 127)
                i++;
            else if (c < 32 || c == 127 || c == '\\' || (c >= 0x80 && !is_idn))
                return false;
        }
        i++;
    } else {
        for (; i < len && s[i] != '@'; i++) {
            bool is_dot = s[i] == '.';
            if (is_dot ? i == 0 || s[i - 1] == '.'
                       : !is_atext((unsigned char)s[i], is_idn))
                return false;
        }
        if (i == 0 || s[i - 1] == '.')
            return false;
    }
    *end = i;
    return i < len && s[i] == '@' && i <= 64;
}

static bool email(const char *s, size_t len, bool is_idn)
{
    size_t at;
    if (!local_part(s, len, is_idn, &at))
        return false;
    const char *d = s + at + 1;
    size_t n = len - at - 1;
    if (n >= 2 && d[0] == '[' && d[n - 1] == ']') {
        if (n > 7 && strncmp(d + 1, "IPv6:", 5) == 0)
            return af_format_ipv6(d + 6, n - 7);
        return af_format_ipv4(d + 1, n - 2);
    }
    return af_format_hostname(d, n, is_idn);
}

/* ---- small string formats ------------------------------------------------ */

static bool uuid(const char *s, size_t len)
{
    if (len != 36)
        return false;
    for (size_t i = 0; i < len; i++) {
        bool is_dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (is_dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return true;
}

static bool json_pointer(const char *s, size_t len)
{
    if (len > 0 && s[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '~' &&
            (i + 1 == len || (s[i + 1] != '0' && s[i + 1] != '1')))
            return false;
    return true;
}

/* draft-handrews-relative-json-pointer: an integer, then '#' or a JSON
   pointer. */
static bool relative_json_pointer(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_digit(s[i]))
        i++;
    if (i == 0 || (i > 1 && s[0] == '0'))
        return false;
    if (i < len && s[i] == '#')
        return i + 1 == len;
    return json_pointer(s + i, len - i);
}

/* RFC 4648 §4 base64 with padding. */
static bool base64(const char *s, size_t len)
{
    if (len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '=')
            return i + 2 >= len && (i + 1 == len || s[i + 1] == '=');
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/')
            return false;
    }
    return true;
}

/* ECMA-262 (with the `u` flag) rejects what PCRE2 accepts beyond it:
   identity escapes of letters (\a), inline flags and comments ((?i),
   (?#...)), Python named groups ((?P<n>...)). */
static bool ecma_only(const char *s, size_t len)
{
    static const char escapes[] = "dDwWsSbBfnrtv0cxupPk123456789";
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == '\\') {
            char c = s[++i];
            if (is_alpha(c) && strchr(escapes, c) == NULL)
                return false;
        } else if (s[i] == '(' && s[i + 1] == '?') {
            const char *r = s + i + 2;
            size_t left = len - i - 2;
            bool is_ok = left > 0 && (*r == ':' || *r == '=' || *r == '!' ||
                                      (*r == '<' && left > 1));
            if (!is_ok)
                return false;
        }
    }
    return true;
}

/* Compiles under PCRE2. ES2018 allows lookbehinds of any length, which
   PCRE2 before 10.43 refuses to compile; such a pattern is still a valid
   ECMA-262 regex (a `pattern` using it is ignored with a warning). */
static bool regex(const char *s, size_t len)
{
    if (strlen(s) != len || !ecma_only(s, len))
        return false;
    void *code = NULL;
    char msg[256] = "";
    int rc = af_pattern_compile(s, &code, msg, sizeof msg);
    af_pattern_free(code);
    return rc == 0 || strstr(msg, "not fixed length") != NULL;
}

bool af_format_check_string(af_format f, const char *s, size_t len)
{
    switch (f) {
    case AF_FORMAT_DATE:
        return full_date(s, len);
    case AF_FORMAT_DATE_TIME:
        return date_time(s, len);
    case AF_FORMAT_TIME:
        return full_time(s, len);
    case AF_FORMAT_DURATION:
        return duration(s, len);
    case AF_FORMAT_EMAIL:
    case AF_FORMAT_IDN_EMAIL:
        return email(s, len, f == AF_FORMAT_IDN_EMAIL);
    case AF_FORMAT_HOSTNAME:
    case AF_FORMAT_IDN_HOSTNAME:
        return af_format_hostname(s, len, f == AF_FORMAT_IDN_HOSTNAME);
    case AF_FORMAT_IPV4:
        return af_format_ipv4(s, len);
    case AF_FORMAT_IPV6:
        return af_format_ipv6(s, len);
    case AF_FORMAT_URI:
    case AF_FORMAT_URI_REFERENCE:
    case AF_FORMAT_IRI:
    case AF_FORMAT_IRI_REFERENCE:
        return af_format_uri(s, len, f == AF_FORMAT_URI || f == AF_FORMAT_IRI,
                             f == AF_FORMAT_IRI ||
                                 f == AF_FORMAT_IRI_REFERENCE);
    case AF_FORMAT_URI_TEMPLATE:
        return af_format_uri_template(s, len);
    case AF_FORMAT_UUID:
        return uuid(s, len);
    case AF_FORMAT_JSON_POINTER:
        return json_pointer(s, len);
    case AF_FORMAT_RELATIVE_JSON_POINTER:
        return relative_json_pointer(s, len);
    case AF_FORMAT_REGEX:
        return regex(s, len);
    case AF_FORMAT_BYTE:
        return base64(s, len);
    default:
        return true;
    }
}

bool af_format_check_number(af_format f, double d)
{
    switch (f) {
    case AF_FORMAT_INT32:
        return d >= -2147483648.0 && d <= 2147483647.0;
    case AF_FORMAT_INT64:
        /* Instances are doubles (cJSON): every integer from 2^63 - 512 up
           to INT64_MAX reads as 2^63, so 2^63 itself must pass or
           INT64_MAX would be rejected. The cost: 2^63 (one past the range)
           is accepted too; telling them apart needs the number's text. */
        return d >= -9223372036854775808.0 && d <= 9223372036854775808.0;
    case AF_FORMAT_FLOAT:
        return fabs(d) <= FLT_MAX;
    case AF_FORMAT_DOUBLE:
        return isfinite(d);
    default:
        return true;
    }
}
