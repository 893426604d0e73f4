/*
 * http.c - the booking service's reading of raw requests and writing of
 * responses: header lookup, percent-decoding (RFC 3986 §2.1), query
 * parameters (form style, '&'-separated, first occurrence wins), strict
 * decimal integers, media types, UTF-8 (RFC 3629), JSON answers.
 *
 * Strictness is the point: a value the spec does not allow must never
 * be read as one it does ("+5", " 5", "5x", "" are not integers), so
 * the fixed service rejects every invalid request. Never reads past a
 * given length; decoded text goes to caller buffers, NUL-terminated.
 */
#include "booking.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *booking_http_header(const apifuzz_request *q, const char *name)
{
    for (size_t i = 0; i < q->header_count; i++)
        if (q->headers[i].name != NULL &&
            strcasecmp(q->headers[i].name, name) == 0)
            return q->headers[i].value;
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long booking_http_decode(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return (long)o;
}

int booking_http_query(const char *query, const char *name, char *out,
                       size_t cap)
{
    char key[64];
    for (const char *p = query; p != NULL && *p != 0;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t klen = eq != NULL ? (size_t)(eq - p) : n;
        long k = booking_http_decode(p, klen, key, sizeof key);
        if (k >= 0 && strcmp(key, name) == 0) {
            if (eq == NULL) {
                out[0] = 0;
                return 1;
            }
            return booking_http_decode(eq + 1, n - klen - 1, out, cap) < 0 ? -1
                                                                           : 1;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return 0;
}

bool booking_http_int(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    const char *p = text;
    bool is_negative = *p == '-';
    if (is_negative)
        p++;
    if (*p == 0)
        return false;
    int64_t v = 0;
    for (; *p != 0; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (INT64_MAX - 9) / 10)
            return false; /* far outside any range asked for */
        v = v * 10 + (*p - '0');
    }
    v = is_negative ? -v : v;
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool booking_http_is_json(const apifuzz_request *q)
{
    const char *ct = booking_http_header(q, "Content-Type");
    if (ct == NULL)
        return false;
    size_t n = strcspn(ct, "; \t");
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* The length of the UTF-8 sequence at b (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *b, size_t n)
{
    unsigned c = b[0];
    size_t len = c < 0x80   ? 1
                 : c < 0xc2 ? 0
                 : c < 0xe0 ? 2
                 : c < 0xf0 ? 3
                 : c < 0xf5 ? 4
                            : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((b[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && b[1] < 0xa0) || (c == 0xed && b[1] > 0x9f) ||
        (c == 0xf0 && b[1] < 0x90) || (c == 0xf4 && b[1] > 0x8f))
        return 0; /* overlong, surrogate, above U+10FFFF */
    return len;
}

bool booking_http_is_utf8(const unsigned char *b, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(b + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void booking_http_json(apifuzz_response *r, int status, cJSON *v)
{
    char *text = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        status = 500;
        apifuzz_response_status(r, status);
        apifuzz_response_header(r, "Content-Type", "application/json");
        apifuzz_response_body(r, oom, sizeof oom - 1);
        return;
    }
    apifuzz_response_status(r, status);
    apifuzz_response_header(r, "Content-Type", "application/json");
    apifuzz_response_body(r, text, strlen(text));
    cJSON_free(text);
}

void booking_http_error(apifuzz_response *r, int status, const char *message)
{
    cJSON *v = cJSON_CreateObject();
    if (v != NULL && cJSON_AddStringToObject(v, "error", message) == NULL) {
        cJSON_Delete(v);
        v = NULL;
    }
    booking_http_json(r, status, v);
}
