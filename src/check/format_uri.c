/*
 * format_uri.c - the uri, uri-reference, iri, iri-reference and
 * uri-template formats: RFC 3986 §3 and §4.2 (IRIs per RFC 3987 admit
 * non-ASCII UTF-8 wherever ucschar is allowed) and RFC 6570 §2.
 *
 * A URI is split at its first '#' and first '?' into hier-part, query and
 * fragment; each part is checked against its character set, and the
 * authority (userinfo, IP literal or reg-name, port) on its own. Nothing
 * is normalized or allocated.
 */
#include "check/format.h"

#include <string.h>

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_unreserved(int c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static bool is_sub_delim(int c)
{
    return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Characters of a component: unreserved, sub-delims, those in extra,
   pct-encoded, and (IRIs) anything beyond ASCII. */
static bool component(const char *s, size_t len, const char *extra, bool is_iri)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return false;
            i += 2;
        } else if (c >= 0x80) {
            if (!is_iri)
                return false;
        } else if (!is_unreserved(c) && !is_sub_delim(c) &&
                   (c == '\0' || strchr(extra, c) == NULL)) {
            return false;
        }
    }
    return true;
}

static size_t find(const char *s, size_t from, size_t to, char c)
{
    while (from < to && s[from] != c)
        from++;
    return from;
}

/* RFC 3986 §3.1: the index of the ':' ending a scheme, or 0. */
static size_t scheme_end(const char *s, size_t len)
{
    if (len == 0 || !is_alpha(s[0]))
        return 0;
    size_t i = 1;
    while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' ||
                       s[i] == '-' || s[i] == '.'))
        i++;
    return i < len && s[i] == ':' ? i : 0;
}

/* IP-literal without its brackets: IPv6address or IPvFuture. */
static bool ip_literal(const char *s, size_t len)
{
    if (len == 0 || (s[0] != 'v' && s[0] != 'V'))
        return af_format_ipv6(s, len);
    size_t i = 1;
    while (i < len && is_hex(s[i]))
        i++;
    if (i == 1 || i >= len || s[i] != '.' || i + 1 == len)
        return false;
    return component(s + i + 1, len - i - 1, ":", false);
}

static bool port(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

static bool authority(const char *a, size_t n, bool is_iri)
{
    const char *at = memchr(a, '@', n);
    if (at != NULL) {
        if (!component(a, (size_t)(at - a), ":", is_iri))
            return false;
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL || !ip_literal(a + 1, (size_t)(close - a - 1)))
            return false;
        size_t rest = n - (size_t)(close + 1 - a);
        return rest == 0 || (close[1] == ':' && port(close + 2, rest - 1));
    }
    const char *colon = memchr(a, ':', n);
    size_t host = colon != NULL ? (size_t)(colon - a) : n;
    return component(a, host, "", is_iri) &&
           (colon == NULL || port(colon + 1, n - host - 1));
}

bool af_format_uri(const char *s, size_t len, bool is_absolute, bool is_iri)
{
    size_t colon = scheme_end(s, len);
    if (colon == 0 && is_absolute)
        return false;
    size_t rest = colon > 0 ? colon + 1 : 0;
    size_t hash = find(s, rest, len, '#');
    if (hash < len && !component(s + hash + 1, len - hash - 1, ":@/?", is_iri))
        return false;
    size_t q = find(s, rest, hash, '?');
    if (q < hash && !component(s + q + 1, hash - q - 1, ":@/?", is_iri))
        return false;
    const char *h = s + rest;
    size_t n = q - rest;
    if (n >= 2 && h[0] == '/' && h[1] == '/') {
        size_t end = find(h, 2, n, '/');
        return authority(h + 2, end - 2, is_iri) &&
               component(h + end, n - end, ":@/", is_iri);
    }
    /* a relative path's first segment has no ':' (path-noscheme) */
    if (colon == 0 && memchr(h, ':', find(h, 0, n, '/')) != NULL)
        return false;
    return component(h, n, ":@/", is_iri);
}

/* ---- RFC 6570 -------------------------------------------------------------
 */

/* literals: any character but CTL, SP, DQUOTE, %, <, >, \, ^, `, {, |, }
   (the apostrophe is allowed, as erratum 6937 reads it). */
static bool is_literal(unsigned char c)
{
    return c >= 0x80 ||
           (c > 0x20 && c < 0x7F && strchr("\"%<>\\^`{|}", c) == NULL);
}

/* varspec = varname [ ":" max-length / "*" ] */
static bool varspec(const char *v, size_t n)
{
    size_t i = 0;
    bool is_after_dot = true; /* no dot first, none twice, none last */
    while (i < n && v[i] != ':' && v[i] != '*') {
        if (v[i] == '.') {
            if (is_after_dot)
                return false;
            is_after_dot = true;
            i++;
            continue;
        }
        if (v[i] == '%' && i + 2 < n && is_hex(v[i + 1]) && is_hex(v[i + 2]))
            i += 3;
        else if (is_alpha(v[i]) || is_digit(v[i]) || v[i] == '_')
            i++;
        else
            return false;
        is_after_dot = false;
    }
    if (i == 0 || is_after_dot)
        return false;
    if (i == n)
        return true;
    if (v[i] == '*')
        return i + 1 == n;
    size_t digits = n - i - 1;
    return digits >= 1 && digits <= 4 && v[i + 1] != '0' &&
           port(v + i + 1, digits);
}

static bool expression(const char *e, size_t n)
{
    if (n > 0 && strchr("+#./;?&", e[0]) != NULL) {
        e++;
        n--;
    }
    if (n == 0)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && e[i] != ',')
            continue;
        if (!varspec(e + start, i - start))
            return false;
        start = i + 1;
    }
    return true;
}

bool af_format_uri_template(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '{') {
            size_t close = i + 1;
            while (close < len && s[close] != '}' && s[close] != '{')
                close++;
            if (close == len || s[close] != '}' ||
                !expression(s + i + 1, close - i - 1))
                return false;
            i = close;
        } else if (c == '%') {
            if (i + 2 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return false;
            i += 2;
        } else if (!is_literal(c)) {
            return false;
        }
    }
    return true;
}
