/*
 * response.c - the service's answer: status, headers and body set through
 * the contract's functions, or a whole HTTP/1.1 response parsed from
 * bytes (RFC 9112: status line, header fields, Content-Length or chunked
 * transfer coding, else the body runs to the end).
 *
 * Invariants: every byte kept is a copy in the per-input arena; sizes are
 * bounded (response.h); a response that breaks HTTP is marked malformed
 * once, with the first reason, and is still usable (status and headers
 * parsed so far). The parser never reads past len and never recurses.
 *
 * Tuned for small in-process answers: headers in a doubling array, the
 * body appended into a doubling buffer, no malloc.
 */
#include "check/response.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

void af_response_init(apifuzz_response *r, af_arena *a)
{
    memset(r, 0, sizeof *r);
    r->arena = a;
    r->status = 200;
}

void af_response_set_malformed(apifuzz_response *r, const char *why)
{
    if (r->is_malformed)
        return;
    r->is_malformed = true;
    r->malformed = why;
}

void apifuzz_response_status(apifuzz_response *r, int status)
{
    if (r == NULL)
        return;
    r->status = status;
    r->has_status = true;
    if (status < 100 || status > 599)
        af_response_set_malformed(
            r,
            af_arena_printf(r->arena, "status %d is not in 100..599", status));
}

/* RFC 9110 §5.6.2: token characters. */
static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void check_field(apifuzz_response *r, const char *name, size_t nlen,
                        const char *value, size_t vlen)
{
    if (nlen == 0)
        af_response_set_malformed(r, "a header has an empty name");
    for (size_t i = 0; i < nlen; i++)
        if (!is_tchar((unsigned char)name[i])) {
            af_response_set_malformed(r, "a header name is not a token");
            break;
        }
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '\r' || c == '\n' || c == 0) {
            af_response_set_malformed(
                r, "a header value holds CR, LF or NUL (header injection)");
            break;
        }
    }
}

static void add_header(apifuzz_response *r, const char *name, size_t nlen,
                       const char *value, size_t vlen)
{
    check_field(r, name, nlen, value, vlen);
    if (r->n_headers >= AF_RESPONSE_MAX_HEADERS) {
        r->is_truncated = true;
        return;
    }
    if (r->n_headers == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 8;
        apifuzz_header *h =
            af_arena_grow(r->arena, r->headers, r->n_headers, cap, sizeof *h);
        if (h == NULL)
            return;
        r->headers = h;
        r->cap_headers = cap;
    }
    if (nlen > AF_RESPONSE_MAX_FIELD || vlen > AF_RESPONSE_MAX_FIELD)
        r->is_truncated = true;
    nlen = nlen > AF_RESPONSE_MAX_FIELD ? AF_RESPONSE_MAX_FIELD : nlen;
    vlen = vlen > AF_RESPONSE_MAX_FIELD ? AF_RESPONSE_MAX_FIELD : vlen;
    apifuzz_header *h = &r->headers[r->n_headers];
    h->name = af_arena_strndup(r->arena, name, nlen);
    h->value = af_arena_strndup(r->arena, value, vlen);
    if (h->name != NULL && h->value != NULL)
        r->n_headers++;
}

void apifuzz_response_header(apifuzz_response *r, const char *name,
                             const char *value)
{
    if (r == NULL || name == NULL)
        return;
    if (value == NULL)
        value = "";
    add_header(r, name, strnlen(name, AF_RESPONSE_MAX_FIELD + 1), value,
               strnlen(value, AF_RESPONSE_MAX_FIELD + 1));
}

void apifuzz_response_body(apifuzz_response *r, const void *data, size_t len)
{
    if (r == NULL || (data == NULL && len > 0))
        return;
    if (len > AF_RESPONSE_MAX_BODY - r->body_len) {
        len = AF_RESPONSE_MAX_BODY - r->body_len;
        r->is_truncated = true;
    }
    if (r->body_len + len + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 256;
        while (cap < r->body_len + len + 1)
            cap *= 2;
        unsigned char *b =
            af_arena_grow(r->arena, r->body, r->body_len, cap, 1);
        if (b == NULL)
            return;
        r->body = b;
        r->body_cap = cap;
    }
    if (len > 0)
        memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body[r->body_len] = 0;
}

const char *af_response_header(const apifuzz_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

const char *af_response_media_type(const apifuzz_response *r)
{
    const char *ct = af_response_header(r, "Content-Type");
    if (ct == NULL)
        return NULL;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, "; \t");
    char *out = af_arena_strndup(r->arena, ct, n);
    for (size_t i = 0; out != NULL && i < n; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return out;
}

/* ---- raw HTTP/1.1 ---- */

typedef struct rd {
    const char *p;
    size_t len, pos;
} rd;

/* The next line without its CR LF (a bare LF is accepted, RFC 9112
   §2.2); false when no line end is left. */
static bool next_line(rd *d, const char **line, size_t *n)
{
    if (d->pos >= d->len)
        return false;
    const char *nl = memchr(d->p + d->pos, '\n', d->len - d->pos);
    if (nl == NULL)
        return false;
    *line = d->p + d->pos;
    *n = (size_t)(nl - *line);
    if (*n > 0 && (*line)[*n - 1] == '\r')
        (*n)--;
    d->pos = (size_t)(nl - d->p) + 1;
    return true;
}

/* RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]. */
static const char *status_line(apifuzz_response *r, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1'))
        return "the status line does not start with HTTP/1.0 or HTTP/1.1";
    if (s[8] != ' ' || !isdigit((unsigned char)s[9]) ||
        !isdigit((unsigned char)s[10]) || !isdigit((unsigned char)s[11]))
        return "the status line has no 3-digit status code";
    if (n > 12 && s[12] != ' ')
        return "the status code is not followed by a space";
    int status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    apifuzz_response_status(r, status);
    return NULL;
}

static const char *header_line(apifuzz_response *r, const char *s, size_t n)
{
    if (s[0] == ' ' || s[0] == '\t')
        return "obsolete line folding in a header (RFC 9112 §5.2)";
    const char *colon = memchr(s, ':', n);
    if (colon == NULL)
        return "a header line has no colon";
    size_t nlen = (size_t)(colon - s);
    const char *v = colon + 1, *end = s + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    add_header(r, s, nlen, v, (size_t)(end - v));
    return NULL;
}

/* Content-Length: 1*DIGIT; several fields must agree. -1 when invalid,
   -2 when absent. */
static int64_t content_length(const apifuzz_response *r)
{
    int64_t len = -2;
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, "Content-Length") != 0)
            continue;
        const char *v = r->headers[i].value;
        int64_t n = 0;
        if (*v == 0)
            return -1;
        for (; *v; v++) {
            if (!isdigit((unsigned char)*v) || n > INT64_MAX / 100)
                return -1;
            n = n * 10 + (*v - '0');
        }
        if (len >= 0 && n != len)
            return -1;
        len = n;
    }
    return len;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One chunk-size line: 1*HEXDIG [ chunk-ext ]. */
static const char *chunk_size(const char *s, size_t n, size_t *out)
{
    size_t size = 0, i = 0;
    for (; i < n && hexval(s[i]) >= 0; i++) {
        if (size > (SIZE_MAX >> 4) || i >= 16)
            return "a chunk size overflows";
        size = size * 16 + (size_t)hexval(s[i]);
    }
    if (i == 0)
        return "a chunk size is not hexadecimal";
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n && s[i] != ';')
        return "a chunk size line has junk after the size";
    *out = size;
    return NULL;
}

/* RFC 9112 §7.1: chunks, the last chunk, trailer fields, CR LF. */
static const char *chunked_body(apifuzz_response *r, rd *d)
{
    for (;;) {
        const char *line;
        size_t n, size;
        if (!next_line(d, &line, &n))
            return "the chunked body ends inside a chunk size line";
        const char *why = chunk_size(line, n, &size);
        if (why != NULL)
            return why;
        if (size == 0)
            break;
        if (size > d->len - d->pos)
            return "a chunk is longer than the bytes left";
        apifuzz_response_body(r, d->p + d->pos, size);
        d->pos += size;
        if (!next_line(d, &line, &n) || n != 0)
            return "a chunk is not followed by CR LF";
    }
    for (;;) {
        const char *line;
        size_t n;
        if (!next_line(d, &line, &n))
            return "the chunked body has no final CR LF";
        if (n == 0)
            break; /* trailer fields are read and dropped */
    }
    return d->pos == d->len ? NULL : "bytes follow the chunked body";
}

static bool is_chunked(const char *te)
{
    size_t n = strlen(te);
    while (n > 0 && (te[n - 1] == ' ' || te[n - 1] == '\t'))
        n--;
    return n >= 7 && strncasecmp(te + n - 7, "chunked", 7) == 0 &&
           (n == 7 || te[n - 8] == ',' || te[n - 8] == ' ');
}

static const char *raw_body(apifuzz_response *r, rd *d)
{
    const char *te = af_response_header(r, "Transfer-Encoding");
    int64_t cl = content_length(r);
    bool is_bodiless = (r->status >= 100 && r->status < 200) ||
                       r->status == 204 || r->status == 304;
    if (te != NULL && cl != -2)
        return "both Transfer-Encoding and Content-Length (RFC 9112 §6.2)";
    if (cl == -1)
        return "an invalid Content-Length";
    if (is_bodiless)
        return d->pos == d->len ? NULL
                                : "a 1xx, 204 or 304 response has a body";
    if (te != NULL) {
        if (!is_chunked(te))
            return "a transfer coding other than chunked last";
        return chunked_body(r, d);
    }
    size_t left = d->len - d->pos;
    if (cl >= 0 && (uint64_t)cl != left)
        return (uint64_t)cl > left ? "the body is shorter than Content-Length"
                                   : "bytes follow the Content-Length body";
    apifuzz_response_body(r, d->p + d->pos, left);
    return NULL;
}

static const char *parse_raw(apifuzz_response *r, rd *d)
{
    const char *line;
    size_t n;
    if (d->len > AF_RESPONSE_MAX_RAW)
        return "the raw response is larger than AF_RESPONSE_MAX_RAW";
    if (!next_line(d, &line, &n))
        return "no status line";
    const char *why = status_line(r, line, n);
    for (;;) {
        if (why != NULL)
            return why;
        if (!next_line(d, &line, &n))
            return "the header section does not end with an empty line";
        if (n == 0)
            break;
        why = header_line(r, line, n);
    }
    return raw_body(r, d);
}

int apifuzz_response_raw(apifuzz_response *r, const void *http, size_t len)
{
    if (r == NULL)
        return -1;
    if (http == NULL && len > 0) {
        af_response_set_malformed(r, "a NULL raw response");
        return -1;
    }
    rd d = {.p = http, .len = len};
    const char *why = parse_raw(r, &d);
    if (why == NULL)
        return r->is_malformed ? -1 : 0;
    af_response_set_malformed(r, why);
    return -1;
}
