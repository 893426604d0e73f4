/*
 * har_read.c - reading HAR files for `apifuzz har2corpus` (har_read.h):
 * the log's entries and, per entry, the request as sent: method, path and
 * query split from the URL, headers, cookies, the body (postData.text,
 * base64-decoded when `encoding` or `_encoding` says so, or rebuilt from
 * postData.params), and apifuzz's own `_apifuzz` hints when present.
 *
 * Invariants: never trusts the file: every field is type-checked, a
 * missing optional field reads as absent, a malformed entry is an error
 * for that entry only. HAR 1.1 and 1.2 files (browsers, proxies, test
 * tools, apifuzz's APIFUZZ_HAR) read alike. Runs once per import.
 */
#include "cli/har_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"

#define HAR_FILE_MAX (1ul << 30)

/* The whole file, NUL-terminated (malloc'd), or NULL with err set. */
static char *read_file(const char *path, size_t *len, af_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        af_error_set(err, AF_EIO, path, NULL, 0, 0, "cannot open: %s",
                     strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 1 >= cap) {
            size_t grown_cap = cap == 0 ? 65536 : cap * 2;
            char *grown = cap > HAR_FILE_MAX ? NULL : realloc(buf, grown_cap);
            if (grown == NULL)
                break;
            buf = grown;
            cap = grown_cap;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    bool is_ok = buf != NULL && !ferror(f) && feof(f);
    fclose(f);
    if (!is_ok) {
        free(buf);
        af_error_set(err, AF_EIO, path, NULL, 0, 0,
                     "cannot read (larger than 1 GiB, or a read error)");
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int af_har_load(const char *path, cJSON **root, const cJSON **entries,
                af_error *err)
{
    size_t len = 0;
    char *text = read_file(path, &len, err);
    if (text == NULL)
        return AF_EIO;
    const char *end = NULL;
    /* HAR 1.2: readers accept and ignore a byte order mark. */
    size_t bom = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    *root = cJSON_ParseWithLengthOpts(text + bom, len - bom, &end, false);
    size_t at = end != NULL ? (size_t)(end - text) : 0;
    free(text);
    if (*root == NULL)
        return af_error_set(err, AF_ESYNTAX, path, NULL, 0, 0,
                            "not JSON (near byte %zu)", at);
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(*root, "log");
    *entries = cJSON_GetObjectItemCaseSensitive(log, "entries");
    if (!cJSON_IsObject(log) || !cJSON_IsArray(*entries)) {
        cJSON_Delete(*root);
        *root = NULL;
        return af_error_set(err, AF_ESPEC, path, "/log/entries", 0, 0,
                            "not a HAR file: no log.entries array");
    }
    return 0;
}

static const char *str_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A HAR name/value list (headers, cookies, params) into the arena;
   entries without string name and value are left out. */
static int read_kv(af_arena *a, const cJSON *list, const af_har_kv **out,
                   size_t *n)
{
    int count = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
    af_har_kv *kv = af_arena_calloc(a, (size_t)count + 1, sizeof *kv);
    if (kv == NULL)
        return AF_ENOMEM;
    size_t k = 0;
    const cJSON *first = cJSON_IsArray(list) ? list->child : NULL;
    for (const cJSON *it = first; it != NULL; it = it->next) {
        const char *name = str_at(it, "name"), *value = str_at(it, "value");
        if (name == NULL)
            continue;
        kv[k].name = name;
        kv[k++].value = value != NULL ? value : "";
    }
    *out = kv;
    *n = k;
    return 0;
}

/* Splits a URL into path and query: the scheme and authority go, and
   the fragment; a relative URL is taken as a path. */
static int split_url(af_arena *a, const char *url, af_har_req *q)
{
    const char *p = url;
    const char *scheme_end = strstr(url, "://");
    if (scheme_end != NULL &&
        strcspn(url, "/?#") > (size_t)(scheme_end - url)) {
        p = scheme_end + 3;
        p += strcspn(p, "/?#");
    }
    size_t path_len = strcspn(p, "?#");
    const char *query = p[path_len] == '?' ? p + path_len + 1 : "";
    size_t query_len = strcspn(query, "#");
    q->path = path_len > 0 ? af_arena_strndup(a, p, path_len) : "/";
    q->query = af_arena_strndup(a, query, query_len);
    return q->path != NULL && q->query != NULL ? 0 : AF_ENOMEM;
}

/* postData.params as an urlencoded body (HAR writers give params
   instead of text for form posts). */
static int params_body(af_arena *a, const cJSON *params, af_har_req *q)
{
    static const char hex[] = "0123456789ABCDEF";
    const af_har_kv *kv;
    size_t n, len = 0;
    if (read_kv(a, params, &kv, &n) != 0)
        return AF_ENOMEM;
    for (size_t k = 0; k < n; k++)
        len += 3 * (strlen(kv[k].name) + strlen(kv[k].value)) + 2;
    char *out = af_arena_alloc(a, len + 1), *o = out;
    if (out == NULL)
        return AF_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            *o++ = '&';
        for (int part = 0; part < 2; part++) {
            const char *s = part == 0 ? kv[k].name : kv[k].value;
            for (; *s != 0; s++) {
                unsigned char c = (unsigned char)*s;
                bool is_plain = (c >= 'A' && c <= 'Z') ||
                                (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || strchr("-._~", c);
                if (is_plain) {
                    *o++ = (char)c;
                } else {
                    *o++ = '%';
                    *o++ = hex[c >> 4];
                    *o++ = hex[c & 15];
                }
            }
            if (part == 0)
                *o++ = '=';
        }
    }
    q->body = (const uint8_t *)out;
    q->body_len = (size_t)(o - out);
    return 0;
}

static int read_body(af_arena *a, const cJSON *post, af_har_req *q,
                     af_error *err)
{
    const char *text = str_at(post, "text");
    const char *enc = str_at(post, "_encoding");
    enc = enc != NULL ? enc : str_at(post, "encoding");
    if (text == NULL) {
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(post, "params");
        return cJSON_GetArraySize(params) > 0 ? params_body(a, params, q) : 0;
    }
    size_t n = strlen(text);
    if (enc == NULL || strcmp(enc, "base64") != 0) {
        q->body = (const uint8_t *)text;
        q->body_len = n;
        return 0;
    }
    uint8_t *bytes = af_arena_alloc(a, n / 4 * 3 + 4);
    if (bytes == NULL)
        return AF_ENOMEM;
    long len = af_base64_decode(text, n, bytes);
    if (len < 0)
        return af_error_set(err, AF_ESPEC, NULL, NULL, 0, 0,
                            "postData.text is not base64 as its encoding "
                            "says");
    q->body = bytes;
    q->body_len = (size_t)len;
    return 0;
}

static void read_meta(const cJSON *entry, af_har_req *q)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(entry, "_apifuzz");
    q->program = -1;
    if (!cJSON_IsObject(meta))
        return;
    q->has_meta = true;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(meta, "program");
    if (cJSON_IsNumber(prog) && prog->valuedouble >= 0 &&
        prog->valuedouble < 9e15)
        q->program = (int64_t)prog->valuedouble;
    q->input = str_at(meta, "input");
    const char *mode = str_at(meta, "mode");
    q->is_negative = mode != NULL && strcmp(mode, "negative") == 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, "violation");
    q->violation = str_at(v, "kind");
}

const char *af_har_header(const af_har_req *q, const char *name)
{
    for (size_t k = 0; k < q->n_headers; k++)
        if (strcasecmp(q->headers[k].name, name) == 0)
            return q->headers[k].value;
    return NULL;
}

int af_har_read_entry(af_arena *a, const cJSON *entry, af_har_req *out,
                      af_error *err)
{
    memset(out, 0, sizeof *out);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    const char *url = str_at(req, "url");
    out->method = str_at(req, "method");
    if (!cJSON_IsObject(req) || url == NULL || out->method == NULL)
        return af_error_set(err, AF_ESPEC, NULL, NULL, 0, 0,
                            "not a HAR entry: no request with a method and "
                            "a url");
    int rc = split_url(a, url, out);
    if (rc == 0)
        rc = read_kv(a, cJSON_GetObjectItemCaseSensitive(req, "headers"),
                     &out->headers, &out->n_headers);
    if (rc == 0)
        rc = read_kv(a, cJSON_GetObjectItemCaseSensitive(req, "cookies"),
                     &out->cookies, &out->n_cookies);
    const cJSON *post = cJSON_GetObjectItemCaseSensitive(req, "postData");
    if (rc == 0 && cJSON_IsObject(post))
        rc = read_body(a, post, out, err);
    if (rc == AF_ENOMEM)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    if (rc != 0)
        return rc;
    out->content_type = af_har_header(out, "Content-Type");
    if (out->content_type == NULL && cJSON_IsObject(post))
        out->content_type = str_at(post, "mimeType");
    if (out->content_type != NULL && out->content_type[0] == 0)
        out->content_type = NULL;
    out->pageref = str_at(entry, "pageref");
    read_meta(entry, out);
    return 0;
}
