/*
 * multipart.c - a multipart/form-data parser (RFC 7578 over RFC 2046
 * §5.1.1): the boundary from the Content-Type, then parts separated by
 * CRLF "--" boundary, each with header lines (Content-Disposition:
 * form-data; name="..."[; filename="..."], Content-Type), a blank line
 * and its content, up to the close delimiter "--" boundary "--".
 *
 * Invariants: parts point into the caller's body (no copies but the
 * names); a body without a close delimiter, a part without a
 * form-data Content-Disposition or name, a header line without a colon,
 * or more than PS_MAX_PARTS parts is an error. Field names are
 * percent-decoded (RFC 7578 §4.2, as HTML forms escape '"'), at most
 * PS_FIELD_NAME_MAX bytes (the spec's propertyNames pattern allows 32
 * characters). A preamble before the first delimiter and the epilogue
 * after the last are ignored.
 *
 * Tuned for small forms: one pass, memchr then memcmp for the delimiter.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "petstore.h"

#define PS_MAX_PARTS 32
#define PS_FIELD_NAME_MAX 32
#define PS_BOUNDARY_MAX 70 /* RFC 2046 §5.1.1 */

/* The boundary parameter of a multipart Content-Type (quoted or not). */
static bool get_boundary(const char *ct, char *out, size_t cap)
{
    const char *p = ct;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        bool is_quoted = *p == '"';
        p += is_quoted;
        size_t n = strcspn(p, is_quoted ? "\"" : "; \t");
        if (n == 0 || n > PS_BOUNDARY_MAX || n >= cap ||
            (is_quoted && p[n] != '"'))
            return false;
        memcpy(out, p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* Where needle (m > 0 bytes) first occurs in hay (n bytes), or NULL. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
    const char *p = hay, *end = hay + n;
    while ((size_t)(end - p) >= m) {
        p = memchr(p, needle[0], (size_t)(end - p) - m + 1);
        if (p == NULL || memcmp(p, needle, m) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* One parameter of a Content-Disposition value at *p (after its ';'):
   token "=" (quoted-string / token), RFC 6266 §4.1 (RFC 7578 escapes by
   percent-encoding, so a quoted value has no backslash escapes). */
static bool next_param(const char **p, const char *end, ps_span *key,
                       ps_span *val)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (eq == NULL || eq == s)
        return false;
    *key = (ps_span){s, (size_t)(eq - s)};
    const char *v = eq + 1, *q;
    if (v < end && *v == '"') {
        q = memchr(v + 1, '"', (size_t)(end - v - 1));
        if (q == NULL)
            return false;
        *val = (ps_span){v + 1, (size_t)(q - v - 1)};
        q++;
    } else {
        q = v;
        while (q < end && *q != ';' && *q != ' ' && *q != '\t')
            q++;
        *val = (ps_span){v, (size_t)(q - v)};
    }
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < end && *q != ';')
        return false;
    *p = q < end ? q + 1 : q;
    return true;
}

static bool key_is(ps_span key, const char *want)
{
    return key.len == strlen(want) && strncasecmp(key.p, want, key.len) == 0;
}

/* The field name, percent-decoded into a new string. */
static char *field_name(ps_span raw)
{
#ifdef PETSTORE_FIXED
    char name[PS_FIELD_NAME_MAX + 1];
#else
    /* BUG PS1: no room for the NUL of a name of the longest length. */
    char name[PS_FIELD_NAME_MAX];
#endif
    if (raw.len > PS_FIELD_NAME_MAX)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < raw.len; i++) {
        int hi = i + 2 < raw.len ? ps_hex_value(raw.p[i + 1]) : -1;
        int lo = i + 2 < raw.len ? ps_hex_value(raw.p[i + 2]) : -1;
        if (raw.p[i] == '%' && hi >= 0 && lo >= 0) {
            name[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else
            name[k++] = raw.p[i];
    }
    name[k] = '\0';
    if (memchr(name, '\0', k) != NULL)
        return NULL;
    return strdup(name);
}

/* One header line of a part (without its CRLF). */
static int part_header(ps_part *part, ps_span line)
{
    const char *colon = memchr(line.p, ':', line.len);
    if (colon == NULL)
        return -1;
    size_t nlen = (size_t)(colon - line.p);
    ps_span v = {colon + 1, line.len - nlen - 1};
    while (v.len > 0 && (v.p[0] == ' ' || v.p[0] == '\t'))
        v.p++, v.len--;
    if (nlen == 12 && strncasecmp(line.p, "Content-Type", 12) == 0) {
        if (v.len >= sizeof part->type)
            return -1;
        memcpy(part->type, v.p, v.len);
        part->type[v.len] = '\0';
        return 0;
    }
    if (nlen != 19 || strncasecmp(line.p, "Content-Disposition", 19) != 0)
        return 0; /* other headers are allowed and ignored */
    if (v.len < 9 || strncasecmp(v.p, "form-data", 9) != 0 ||
        part->name != NULL)
        return -1;
    const char *p = v.p + 9, *end = v.p + v.len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p++ != ';')
        return -1;
    while (p < end) {
        ps_span key, val;
        if (!next_param(&p, end, &key, &val))
            return -1;
        if (key_is(key, "filename"))
            part->has_filename = true;
        else if (key_is(key, "name") && part->name == NULL) {
            part->name = field_name(val);
            if (part->name == NULL)
                return -1;
        }
    }
    return part->name != NULL ? 0 : -1;
}

/* The headers of a part from p: lines up to an empty one. Returns the
   start of the content, or NULL. */
static const char *part_headers(ps_part *part, const char *p, const char *end)
{
    while (p < end) {
        const char *eol = find(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            return NULL;
        if (eol == p)
            return part->name != NULL ? p + 2 : NULL;
        if (part_header(part, (ps_span){p, (size_t)(eol - p)}) < 0)
            return NULL;
        p = eol + 2;
    }
    return NULL;
}

/* After a delimiter: "--" ends the body, else transport padding and
   CRLF start a part. Sets *is_last. */
static const char *after_delimiter(const char *p, const char *end,
                                   bool *is_last)
{
    *is_last = end - p >= 2 && p[0] == '-' && p[1] == '-';
    if (*is_last)
        return p + 2;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return end - p >= 2 && p[0] == '\r' && p[1] == '\n' ? p + 2 : NULL;
}

static int add_part(ps_form *f, const ps_part *part)
{
    if (f->n == PS_MAX_PARTS)
        return -1;
    if (f->parts == NULL) {
        f->parts = calloc(PS_MAX_PARTS, sizeof *f->parts);
        if (f->parts == NULL)
            return -1;
    }
    f->parts[f->n++] = *part;
    return 0;
}

static int parse_parts(ps_form *f, const char *body, size_t len,
                       const char *dash_bnd, const char **why)
{
    const char *end = body + len, *p = body;
    size_t dlen = strlen(dash_bnd);
    /* The first delimiter may open the body or follow a preamble. */
    if (len < dlen || memcmp(body, dash_bnd + 2, dlen - 2) != 0) {
        p = find(body, len, dash_bnd, dlen);
        if (p == NULL) {
            *why = "the body has no multipart delimiter";
            return -1;
        }
        p += 2;
    }
    p += dlen - 2;
    for (;;) {
        bool is_last = false;
        p = after_delimiter(p, end, &is_last);
        if (p == NULL || is_last) {
            *why = "a multipart delimiter is malformed";
            return is_last ? 0 : -1;
        }
        ps_part part = {0};
        const char *content = part_headers(&part, p, end);
        const char *next =
            content != NULL
                ? find(content, (size_t)(end - content), dash_bnd, dlen)
                : NULL;
        if (next == NULL || add_part(f, &part) < 0) {
            free(part.name);
            *why = content == NULL ? "a part's headers are malformed"
                                   : "the multipart body is not closed";
            return -1;
        }
        f->parts[f->n - 1].data = (ps_span){content, (size_t)(next - content)};
        p = next + dlen;
    }
}

int ps_multipart_parse(const char *content_type, const unsigned char *body,
                       size_t len, ps_form *out, const char **why)
{
    char bnd[PS_BOUNDARY_MAX + 8];
    memset(out, 0, sizeof *out);
    /* The delimiter is CRLF "--" boundary; the first one may come first
       in the body, without its CRLF. */
    memcpy(bnd, "\r\n--", 4);
    if (content_type == NULL ||
        !get_boundary(content_type, bnd + 4, sizeof bnd - 4)) {
        *why = "the multipart Content-Type has no boundary";
        return -1;
    }
    return parse_parts(out, (const char *)body, len, bnd, why);
}

void ps_form_free(ps_form *f)
{
    for (uint32_t i = 0; i < f->n; i++)
        free(f->parts[i].name);
    free(f->parts);
    f->parts = NULL;
    f->n = 0;
}
