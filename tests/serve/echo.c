/*
 * echo.c - serve mode's test service (tests/t_serve.sh, spec echo.yaml):
 * answers with the apifuzz_request it was handed, as JSON, so the test
 * can compare what serve mode gives a service with the bytes sent:
 *
 *   {"count":N,"method":..,"target":..,"path":..,"query":..,
 *    "headers":[[name,value],..],"body":B64,"raw":B64}
 *
 * count is the number of requests handled since the last reset (state
 * that persists between requests). A few paths answer otherwise, to
 * exercise the response side:
 *   /raw             a chunked raw HTTP/1.1 answer (apifuzz_response_raw):
 *                    201, X-Raw: yes, text/plain "hello world"
 *   /bad-header      a header value with CR LF (malformed: served as 502)
 *   /status/NNN      status NNN, empty body
 *   /big/N           N bytes of 'x' as application/octet-stream
 *   /size            {"body_len":N,"raw_len":N} (bodies too large to echo)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apifuzz.h"

typedef struct echo_state {
    long count;
} echo_state;

static int init(void **state)
{
    *state = calloc(1, sizeof(echo_state));
    return *state == NULL;
}

static void reset(void *state)
{
    ((echo_state *)state)->count = 0;
}

static void fini(void *state)
{
    free(state);
}

static cJSON *b64(const void *data, size_t len)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = malloc(len / 3 * 4 + 5);
    size_t o = 0;
    if (out == NULL)
        return cJSON_CreateNull();
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        v |= i + 1 < len ? (unsigned)p[i + 1] << 8 : 0;
        v |= i + 2 < len ? p[i + 2] : 0;
        out[o++] = abc[v >> 18];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? abc[v & 63] : '=';
    }
    out[o] = 0;
    cJSON *s = cJSON_CreateString(out);
    free(out);
    return s;
}

static void echo(const echo_state *s, const apifuzz_request *q,
                 apifuzz_response *resp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)s->count);
    cJSON_AddStringToObject(o, "method", q->method);
    cJSON_AddStringToObject(o, "target", q->target);
    cJSON_AddStringToObject(o, "path", q->path);
    cJSON_AddStringToObject(o, "query", q->query);
    cJSON *hs = cJSON_AddArrayToObject(o, "headers");
    for (size_t i = 0; i < q->header_count; i++) {
        cJSON *h = cJSON_CreateArray();
        cJSON_AddItemToArray(h, cJSON_CreateString(q->headers[i].name));
        cJSON_AddItemToArray(h, cJSON_CreateString(q->headers[i].value));
        cJSON_AddItemToArray(hs, h);
    }
    cJSON_AddItemToObject(o, "body", b64(q->body, q->body_len));
    cJSON_AddItemToObject(o, "raw", b64(q->raw, q->raw_len));
    char *text = cJSON_PrintUnformatted(o);
    apifuzz_response_status(resp, text != NULL ? 200 : 500);
    apifuzz_response_header(resp, "Content-Type", "application/json");
    if (text != NULL)
        apifuzz_response_body(resp, text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(o);
}

static void big(const char *n_text, apifuzz_response *resp)
{
    long n = strtol(n_text, NULL, 10);
    char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    apifuzz_response_header(resp, "Content-Type", "application/octet-stream");
    for (long done = 0; n > 0 && done < n && done < (1L << 20);
         done += (long)sizeof chunk) {
        long left = n - done;
        apifuzz_response_body(resp, chunk,
                              left < (long)sizeof chunk ? (size_t)left
                                                        : sizeof chunk);
    }
}

static void size(const apifuzz_request *q, apifuzz_response *resp)
{
    char text[96];
    snprintf(text, sizeof text, "{\"body_len\":%zu,\"raw_len\":%zu}",
             q->body_len, q->raw_len);
    apifuzz_response_header(resp, "Content-Type", "application/json");
    apifuzz_response_body(resp, text, strlen(text));
}

static void handle(void *state, const apifuzz_request *q,
                   apifuzz_response *resp)
{
    static const char raw[] = "HTTP/1.1 201 Created\r\n"
                              "X-Raw: yes\r\n"
                              "Content-Type: text/plain\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "\r\n"
                              "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n";
    echo_state *s = state;
    s->count++;
    if (strcmp(q->path, "/raw") == 0)
        apifuzz_response_raw(resp, raw, sizeof raw - 1);
    else if (strcmp(q->path, "/bad-header") == 0)
        apifuzz_response_header(resp, "X-Bad", "a\r\nInjected: 1");
    else if (strncmp(q->path, "/status/", 8) == 0)
        apifuzz_response_status(resp, atoi(q->path + 8));
    else if (strncmp(q->path, "/big/", 5) == 0)
        big(q->path + 5, resp);
    else if (strcmp(q->path, "/size") == 0)
        size(q, resp);
    else
        echo(s, q, resp);
}

const apifuzz_service echo_service = {init, reset, handle, fini};
