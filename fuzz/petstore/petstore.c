/*
 * petstore.c - the petstore example service (openapi.yaml beside it):
 * the apifuzz_service object, routing, the parameters every operation
 * shares (X-Request-Id, the session cookie, the body's media type) and
 * the replies.
 *
 * Invariants: every answer is a status the spec documents for the
 * operation routed to, with an `application/json` Error body for every
 * error; the X-Request-Id header is echoed only once it matched its
 * pattern, so a reply header never carries request bytes unchecked.
 *
 * Tuned for in-process fuzzing: one SQLite connection for the process,
 * tables dropped and recreated by reset, no global state but ps_state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "petstore.h"

/* ---- replies ---- */

static void common_headers(ps_ctx *c)
{
    if (c->request_id != NULL)
        apifuzz_response_header(c->res, "X-Request-Id", c->request_id);
}

void ps_reply_text_json(ps_ctx *c, int status, const char *json)
{
    apifuzz_response_status(c->res, status);
    apifuzz_response_header(c->res, "Content-Type", "application/json");
    common_headers(c);
    apifuzz_response_body(c->res, json, strlen(json));
}

void ps_reply_json(ps_ctx *c, int status, cJSON *body)
{
    char *text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (text == NULL) {
        ps_reply_error(c, 503, "out of memory");
        return;
    }
    ps_reply_text_json(c, status, text);
    free(text);
}

void ps_reply_error(ps_ctx *c, int status, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *e = cJSON_CreateObject();
    if (e == NULL || cJSON_AddNumberToObject(e, "code", status) == NULL ||
        cJSON_AddStringToObject(e, "message", msg) == NULL) {
        cJSON_Delete(e);
        ps_reply_text_json(c, status, "{\"code\":0,\"message\":\"\"}");
        return;
    }
    char *text = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    ps_reply_text_json(c, status,
                       text != NULL ? text : "{\"code\":0,\"message\":\"\"}");
    free(text);
}

void ps_reply_bytes(ps_ctx *c, int status, const char *type, const void *data,
                    size_t len)
{
    apifuzz_response_status(c->res, status);
    apifuzz_response_header(c->res, "Content-Type", type);
    common_headers(c);
    apifuzz_response_body(c->res, data, len);
}

void ps_reply_empty(ps_ctx *c, int status)
{
    apifuzz_response_status(c->res, status);
    common_headers(c);
}

/* ---- text helpers ---- */

long ps_utf8_chars(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    for (size_t i = 0; i < len; n++) {
        unsigned char b = p[i];
        size_t k = b < 0x80                ? 1
                   : b >= 0xC2 && b < 0xE0 ? 2
                   : b >= 0xE0 && b < 0xF0 ? 3
                   : b >= 0xF0 && b < 0xF5 ? 4
                                           : 0;
        if (k == 0 || k > len - i)
            return -1;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return -1;
        /* RFC 3629: no overlong forms, surrogates or code points past
           U+10FFFF. */
        if ((b == 0xE0 && p[i + 1] < 0xA0) || (b == 0xED && p[i + 1] > 0x9F) ||
            (b == 0xF0 && p[i + 1] < 0x90) || (b == 0xF4 && p[i + 1] > 0x8F))
            return -1;
        i += k;
    }
    return n;
}

bool ps_str_chars(const char *s, long lo, long hi)
{
    long n = ps_utf8_chars(s, strlen(s));
    return n >= lo && n <= hi;
}

bool ps_parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool is_neg = len > 0 && s[0] == '-';
    i += is_neg;
    if (i == len)
        return false;
    uint64_t v = 0, lim = is_neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = is_neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* ---- request parameters ---- */

const char *ps_header(const ps_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->req->header_count; i++)
        if (strcasecmp(c->req->headers[i].name, name) == 0)
            return c->req->headers[i].value;
    return NULL;
}

int ps_hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The raw value of the session cookie (RFC 6265 cookie-string: pairs
   separated by "; "), or false when there is none. */
static bool find_session(const ps_ctx *c, ps_span *out)
{
    const char *h = ps_header(c, "Cookie");
    for (const char *p = h; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n >= 8 && strncmp(p, "session=", 8) == 0) {
            *out = (ps_span){p + 8, n - 8};
            return true;
        }
        p += n;
    }
    return false;
}

/* v percent-decoded (form style) into out; false when it does not fit. */
static bool pct_decode(ps_span v, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < v.len; i++) {
        int hi = i + 2 < v.len ? ps_hex_value(v.p[i + 1]) : -1;
        int lo = i + 2 < v.len ? ps_hex_value(v.p[i + 2]) : -1;
        if (k + 1 >= cap)
            return false;
        if (v.p[i] == '%' && hi >= 0 && lo >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else
            out[k++] = v.p[i];
    }
    out[k] = '\0';
    return true;
}

bool ps_has_session(const ps_ctx *c)
{
    ps_span v;
    return find_session(c, &v);
}

bool ps_require_session(ps_ctx *c)
{
    ps_span raw;
    char v[64];
    if (!find_session(c, &raw)) {
        ps_reply_error(c, 401, "a session cookie is required");
        return false;
    }
    bool is_ok = pct_decode(raw, v, sizeof v);
    size_t n = is_ok ? strlen(v) : 0;
    is_ok = is_ok && n >= 8 && n <= 32;
    for (size_t i = 0; is_ok && i < n; i++)
        is_ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
                (v[i] >= '0' && v[i] <= '9');
    if (!is_ok)
        ps_reply_error(c, 401, "the session cookie is not valid");
    return is_ok;
}

/* X-Request-Id: optional, ^[A-Za-z0-9-]{1,64}$. */
static bool check_request_id(ps_ctx *c)
{
    const char *v = ps_header(c, "X-Request-Id");
    if (v == NULL)
        return true;
    size_t n = strlen(v);
    bool is_ok = n >= 1 && n <= 64;
    for (size_t i = 0; is_ok && i < n; i++)
        is_ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
                (v[i] >= '0' && v[i] <= '9') || v[i] == '-';
    if (!is_ok) {
        ps_reply_error(c, 400, "X-Request-Id does not match its pattern");
        return false;
    }
    c->request_id = v;
    return true;
}

bool ps_require_media(ps_ctx *c, const char *type)
{
    const char *ct = ps_header(c, "Content-Type");
    if (ct == NULL && c->req->body_len == 0) {
        ps_reply_error(c, 400, "a request body is required");
        return false;
    }
    size_t n = ct != NULL ? strcspn(ct, "; \t") : 0;
    if (ct == NULL || n != strlen(type) || strncasecmp(ct, type, n) != 0) {
        ps_reply_error(c, 415, "the body must be %s", type);
        return false;
    }
    return true;
}

cJSON *ps_parse_json_body(ps_ctx *c)
{
    size_t len = c->req->body_len;
    char *buf = malloc(len + 1);
    if (buf == NULL) {
        ps_reply_error(c, 503, "out of memory");
        return NULL;
    }
    if (len > 0)
        memcpy(buf, c->req->body, len);
    buf[len] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    /* RFC 8259: only whitespace may follow the value. */
    while (j != NULL && end != NULL && end < buf + len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (j != NULL && end != buf + len) {
        cJSON_Delete(j);
        j = NULL;
    }
    free(buf);
    if (j == NULL)
        ps_reply_error(c, 400, "the body is not JSON");
    return j;
}

/* ---- routing ---- */

static void not_allowed(ps_ctx *c, const char *allow)
{
    apifuzz_response_header(c->res, "Allow", allow);
    ps_reply_error(c, 405, "method not allowed; use %s", allow);
}

static bool is_method(const ps_ctx *c, const char *m)
{
    return strcmp(c->req->method, m) == 0;
}

static void route_pets(ps_ctx *c)
{
    if (is_method(c, "GET"))
        ps_pets_list(c);
    else if (is_method(c, "POST"))
        ps_pets_add(c);
    else
        not_allowed(c, "GET, POST");
}

static void route_pet(ps_ctx *c, int64_t id)
{
    if (is_method(c, "GET"))
        ps_pet_get(c, id);
    else if (is_method(c, "PATCH"))
        ps_pet_update(c, id);
    else if (is_method(c, "DELETE"))
        ps_pet_delete(c, id);
    else
        not_allowed(c, "GET, PATCH, DELETE");
}

static void route_photo(ps_ctx *c, int64_t id)
{
    if (is_method(c, "GET"))
        ps_photo_get(c, id);
    else if (is_method(c, "POST"))
        ps_photo_upload(c, id);
    else
        not_allowed(c, "GET, POST");
}

/* /pets/{id} and /pets/{id}/photo: rest is what follows "/pets/". */
static void route_pet_paths(ps_ctx *c, const char *rest)
{
    size_t n = strcspn(rest, "/");
    const char *tail = rest + n;
    if (strcmp(tail, "") != 0 && strcmp(tail, "/photo") != 0) {
        ps_reply_error(c, 404, "no such path");
        return;
    }
    int64_t id = 0;
    if (!ps_parse_int64(rest, n, &id) || id < 1) {
        ps_reply_error(c, 400, "the pet id must be an integer from 1");
        return;
    }
    if (*tail == '\0')
        route_pet(c, id);
    else
        route_photo(c, id);
}

static void route(ps_ctx *c)
{
    const char *path = c->req->path;
    size_t base = strlen(PS_BASE);
    if (strncmp(path, PS_BASE, base) != 0) {
        ps_reply_error(c, 404, "no such path");
        return;
    }
    path += base;
    if (strcmp(path, "/pets") == 0)
        route_pets(c);
    else if (strncmp(path, "/pets/", 6) == 0)
        route_pet_paths(c, path + 6);
    else if (strcmp(path, "/categories") == 0) {
        if (is_method(c, "GET"))
            ps_categories_list(c);
        else
            not_allowed(c, "GET");
    } else
        ps_reply_error(c, 404, "no such path");
}

/* ---- the service ---- */

static int petstore_init(void **state)
{
    ps_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    if (ps_store_open(st) != 0) {
        ps_store_close(st);
        free(st);
        return -1;
    }
    *state = st;
    return 0;
}

static void petstore_reset(void *state)
{
    ps_state *st = state;
    ps_pet_cache_clear(st);
    ps_photo_cache_clear(st);
    if (ps_store_reset(st) != 0) {
        fprintf(stderr, "petstore: reset failed: %s\n", sqlite3_errmsg(st->db));
        abort();
    }
}

static void petstore_handle(void *state, const apifuzz_request *req,
                            apifuzz_response *res)
{
    ps_ctx c = {.st = state, .req = req, .res = res};
    if (check_request_id(&c))
        route(&c);
}

static void petstore_fini(void *state)
{
    ps_state *st = state;
    ps_pet_cache_clear(st);
    ps_photo_cache_clear(st);
    ps_store_close(st);
    free(st);
}

const apifuzz_service petstore_service = {
    .init = petstore_init,
    .reset = petstore_reset,
    .handle = petstore_handle,
    .fini = petstore_fini,
};
