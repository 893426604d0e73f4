/*
 * har.c - APIFUZZ_HAR: every exchange of a run as one HAR 1.2 file
 * (har.h).
 *
 * Invariants: between two writes the file on disk is a complete HAR
 * document (entries, then the closing "\n]}}\n", flushed and the file
 * cut after it), so a crash leaves a valid file; the entry awaiting its
 * response is the last one and is overwritten in place when the response
 * comes. Only the process that opened the file writes to it. Strings go
 * out as JSON strings with every byte that is not UTF-8 escaped (valid
 * UTF-8 text, as HAR requires); bodies that are not UTF-8 text (or hold
 * NUL bytes) go out in base64 with `encoding` (response content, HAR
 * 1.2) or `_encoding` (postData, which HAR 1.2 gives no encoding).
 *
 * Tuned for replays: one entry is built in a private arena, reset per
 * entry, then written with two stdio calls, a flush and a truncate.
 */
#include "engine/har.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "check/response.h"
#include "util/base64.h"
#include "util/sha1.h"
#include "wire/render.h"

#define HAR_TRAILER "\n]}}\n"
#define HAR_CREATOR_VERSION "0.1.0"
#define PATH_MAX_LEN 4096
#define BACKREF_DEPTH 16

static struct har {
    FILE *f;
    char path[PATH_MAX_LEN];
    pid_t pid; /* the process that writes */
    const af_gen *g;
    off_t head_end;  /* where the first entry goes */
    off_t end;       /* where the next entry goes */
    off_t pending;   /* start of the entry awaiting its response; -1 */
    int64_t program; /* index of the current program; -1 before */
    bool has_input;  /* af_runner_run announced the next program */
    bool is_timed;   /* APIFUZZ_HAR_TIMINGS=1 */
    char input[41];  /* SHA-1 of the current input; "" none */
    char started[40];
    af_exchange_fn prev; /* the hook chained behind */
    void *prev_ctx;
    af_arena arena;
} H;

/* ---- JSON pieces ---- */

static void put_str(af_wbuf *b, const char *s)
{
    if (s == NULL)
        af_wbuf_puts(b, "null");
    else
        af_json_string(b, s, strlen(s));
}

/* UTF-8 text without NUL bytes: what a HAR `text` can hold verbatim. */
static bool is_text(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (p[i] == 0)
            return false;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = af_utf8_len(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* "text":... and, for bytes that are not text, "<enc_key>":"base64". */
static void put_text(af_wbuf *b, const void *data, size_t len,
                     const char *enc_key)
{
    af_wbuf_puts(b, "\"text\":");
    if (len == 0 || is_text(data, len)) {
        af_json_string(b, len > 0 ? data : "", len);
        return;
    }
    char *t = af_arena_alloc(b->arena, af_base64_len(len) + 1);
    if (t == NULL) {
        b->is_oom = true;
        return;
    }
    size_t n = af_base64_encode(data, len, t);
    af_wbuf_putc(b, '"');
    af_wbuf_put(b, t, n);
    af_wbuf_puts(b, "\",\"");
    af_wbuf_puts(b, enc_key);
    af_wbuf_puts(b, "\":\"base64\"");
}

static void put_pair(af_wbuf *b, const char *name, size_t name_len,
                     const char *value, size_t value_len)
{
    af_wbuf_puts(b, "{\"name\":");
    af_json_string(b, name, name_len);
    af_wbuf_puts(b, ",\"value\":");
    af_json_string(b, value, value_len);
    af_wbuf_putc(b, '}');
}

static void put_headers(af_wbuf *b, const apifuzz_header *h, size_t n)
{
    af_wbuf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            af_wbuf_putc(b, ',');
        put_pair(b, h[k].name, strlen(h[k].name), h[k].value,
                 strlen(h[k].value));
    }
    af_wbuf_putc(b, ']');
}

/* "a=1; b=2" (a Cookie header, or the part of a Set-Cookie before its
   first ';' when is_one) as HAR cookie objects, appended after *n
   earlier ones. */
static void put_cookie_list(af_wbuf *b, const char *s, bool is_one, int *n)
{
    while (s != NULL && *s != 0) {
        while (*s == ' ' || *s == ';')
            s++;
        size_t len = strcspn(s, ";");
        if (len == 0)
            break;
        const char *eq = memchr(s, '=', len);
        size_t name_len = eq != NULL ? (size_t)(eq - s) : len;
        const char *value = eq != NULL ? eq + 1 : s + len;
        if ((*n)++ > 0)
            af_wbuf_putc(b, ',');
        put_pair(b, s, name_len, value, (size_t)(s + len - value));
        if (is_one)
            break;
        s += len;
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A query part, percent-decoded when that gives text, else as sent. */
static void put_decoded(af_wbuf *b, const char *s, size_t n)
{
    char *d = af_arena_alloc(b->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; d != NULL && i < n; i++) {
        int hi = i + 2 < n && s[i] == '%' ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo >= 0) {
            d[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            d[k++] = s[i];
        }
    }
    if (d != NULL && is_text((const unsigned char *)d, k))
        af_json_string(b, d, k);
    else
        af_json_string(b, s, n);
}

static void put_query(af_wbuf *b, const char *q)
{
    af_wbuf_putc(b, '[');
    for (int n = 0; q != NULL && *q != 0; n++) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t name_len = eq != NULL ? (size_t)(eq - q) : len;
        const char *value = eq != NULL ? eq + 1 : q + len;
        if (n > 0)
            af_wbuf_putc(b, ',');
        af_wbuf_puts(b, "{\"name\":");
        put_decoded(b, q, name_len);
        af_wbuf_puts(b, ",\"value\":");
        put_decoded(b, value, (size_t)(q + len - value));
        af_wbuf_putc(b, '}');
        q += len + (q[len] == '&');
    }
    af_wbuf_putc(b, ']');
}

/* ---- request and response ---- */

static void put_request(af_wbuf *b, const af_rendered *rd)
{
    const apifuzz_request *q = &rd->req;
    af_wbuf_puts(b, "{\"method\":");
    put_str(b, q->method);
    af_wbuf_puts(b, ",\"url\":");
    const char *url =
        af_arena_printf(b->arena, "http://%s%s", AF_RENDER_HOST, q->target);
    put_str(b, url != NULL ? url : q->target);
    af_wbuf_puts(b, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[");
    int n = 0;
    put_cookie_list(b, rd->cookie, false, &n);
    af_wbuf_puts(b, "],\"headers\":");
    put_headers(b, q->headers, q->header_count);
    af_wbuf_puts(b, ",\"queryString\":");
    put_query(b, q->query);
    if (q->body_len > 0 || rd->content_type != NULL) {
        af_wbuf_puts(b, ",\"postData\":{\"mimeType\":");
        put_str(b, rd->content_type != NULL ? rd->content_type : "");
        af_wbuf_putc(b, ',');
        put_text(b, q->body, q->body_len, "_encoding");
        af_wbuf_putc(b, '}');
    }
    af_wbuf_puts(b, ",\"headersSize\":");
    af_wbuf_put_int(b, (int64_t)(q->raw_len - q->body_len));
    af_wbuf_puts(b, ",\"bodySize\":");
    af_wbuf_put_int(b, (int64_t)q->body_len);
    af_wbuf_putc(b, '}');
}

/* RFC 9110 §15 reason phrases; "" for the others. */
static const char *status_text(int status)
{
    static const struct {
        int code;
        const char *text;
    } texts[] = {
        {100, "Continue"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {409, "Conflict"},
        {410, "Gone"},
        {411, "Length Required"},
        {412, "Precondition Failed"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {416, "Range Not Satisfiable"},
        {422, "Unprocessable Content"},
        {428, "Precondition Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        if (texts[k].code == status)
            return texts[k].text;
    return "";
}

static void put_response_cookies(af_wbuf *b, const apifuzz_response *r)
{
    int n = 0;
    af_wbuf_putc(b, '[');
    for (size_t k = 0; k < r->n_headers; k++)
        if (strcasecmp(r->headers[k].name, "set-cookie") == 0)
            put_cookie_list(b, r->headers[k].value, true, &n);
    af_wbuf_putc(b, ']');
}

static void put_content(af_wbuf *b, const apifuzz_response *r)
{
    const char *type = af_response_header(r, "Content-Type");
    af_wbuf_puts(b, "{\"size\":");
    af_wbuf_put_int(b, (int64_t)r->body_len);
    af_wbuf_puts(b, ",\"mimeType\":");
    put_str(b, type != NULL ? type : "x-unknown");
    af_wbuf_putc(b, ',');
    put_text(b, r->body, r->body_len, "encoding");
    af_wbuf_putc(b, '}');
}

/* The response; NULL: the one not come yet (a crash inside the service
   leaves it so). */
static void put_response(af_wbuf *b, const apifuzz_response *r)
{
    if (r == NULL) {
        af_wbuf_puts(b, "{\"status\":0,\"statusText\":\"\",\"httpVersion\":"
                        "\"\",\"cookies\":[],\"headers\":[],\"content\":{"
                        "\"size\":0,\"mimeType\":\"x-unknown\"},"
                        "\"redirectURL\":\"\",\"headersSize\":-1,"
                        "\"bodySize\":-1,\"comment\":\"no response: the "
                        "process ended while the service handled this "
                        "request\"}");
        return;
    }
    const char *location = af_response_header(r, "Location");
    af_wbuf_puts(b, "{\"status\":");
    af_wbuf_put_int(b, r->status);
    af_wbuf_puts(b, ",\"statusText\":");
    put_str(b, status_text(r->status));
    af_wbuf_puts(b, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":");
    put_response_cookies(b, r);
    af_wbuf_puts(b, ",\"headers\":");
    put_headers(b, r->headers, r->n_headers);
    af_wbuf_puts(b, ",\"content\":");
    put_content(b, r);
    af_wbuf_puts(b, ",\"redirectURL\":");
    put_str(b, location != NULL ? location : "");
    af_wbuf_puts(b, ",\"headersSize\":-1,\"bodySize\":");
    af_wbuf_put_int(b, (int64_t)r->body_len);
    af_wbuf_putc(b, '}');
}

/* ---- the _apifuzz object ---- */

static bool has_backref(const af_value *v, int depth)
{
    if (v == NULL || depth > BACKREF_DEPTH)
        return false;
    if (v->kind == AF_V_BACKREF)
        return true;
    if (v->kind == AF_V_ARRAY)
        for (uint32_t k = 0; k < v->u.arr.n; k++)
            if (has_backref(&v->u.arr.items[k], depth + 1))
                return true;
    if (v->kind == AF_V_OBJECT)
        for (uint32_t k = 0; k < v->u.obj.n; k++)
            if (has_backref(&v->u.obj.members[k].value, depth + 1))
                return true;
    return false;
}

/* "in:name" of each parameter holding a back-reference, "body" for a
   body holding one. */
static void put_backrefs(af_wbuf *b, const af_operation *op,
                         const af_call *call)
{
    static const char *const in[] = {"path", "query", "header", "cookie"};
    int n = 0;
    af_wbuf_putc(b, '[');
    for (uint32_t k = 0; k < call->n_args; k++) {
        const af_arg *a = &call->args[k];
        if (!a->is_present || a->param >= op->n_params ||
            !has_backref(&a->value, 0))
            continue;
        const af_param *p = &op->params[a->param];
        if (n++ > 0)
            af_wbuf_putc(b, ',');
        put_str(b, af_arena_printf(b->arena, "%s:%s",
                                   (unsigned)p->in < 4 ? in[p->in] : "?",
                                   p->name));
    }
    if (has_backref(call->body, 0))
        af_wbuf_puts(b, n > 0 ? ",\"body\"" : "\"body\"");
    af_wbuf_putc(b, ']');
}

static void put_violation(af_wbuf *b, const af_call *call)
{
    const af_violation *v = &call->violation;
    if (!call->is_negative || v->kind == AF_VIOL_NONE) {
        af_wbuf_puts(b, "null");
        return;
    }
    af_wbuf_puts(b, "{\"kind\":");
    put_str(b, af_violation_name(v->kind));
    af_wbuf_puts(b, ",\"request_pointer\":");
    put_str(b, v->request_pointer);
    af_wbuf_puts(b, ",\"schema_pointer\":");
    put_str(b, v->schema_pointer);
    af_wbuf_puts(b, v->is_soft ? ",\"soft\":true}" : ",\"soft\":false}");
}

static void put_failed(af_wbuf *b, uint32_t failed)
{
    int n = 0;
    af_wbuf_putc(b, '[');
    for (int id = 0; id < AF_CHECK_COUNT; id++) {
        if (!(failed & AF_CHECK_BIT(id)))
            continue;
        if (n++ > 0)
            af_wbuf_putc(b, ',');
        put_str(b, af_check_name((af_check_id)id));
    }
    af_wbuf_putc(b, ']');
}

static void put_meta(af_wbuf *b, uint32_t index, const af_call *call,
                     const af_rendered *rd, const af_exchange *x,
                     uint32_t failed)
{
    const af_operation *op = &H.g->model->ops[call->op];
    af_wbuf_puts(b, "\"_apifuzz\":{\"input\":");
    put_str(b, H.input[0] != 0 ? H.input : NULL);
    af_wbuf_puts(b, ",\"program\":");
    af_wbuf_put_int(b, H.program);
    af_wbuf_puts(b, ",\"call\":");
    af_wbuf_put_int(b, index);
    af_wbuf_puts(b, ",\"operation\":");
    put_str(b, op->operation_id != NULL
                   ? op->operation_id
                   : af_arena_printf(b->arena, "%s %s", op->method, op->path));
    af_wbuf_puts(b, call->is_negative ? ",\"mode\":\"negative\""
                                      : ",\"mode\":\"positive\"");
    af_wbuf_puts(b, ",\"violation\":");
    put_violation(b, call);
    af_wbuf_puts(b, ",\"backrefs\":");
    put_backrefs(b, op, call);
    af_wbuf_puts(b, ",\"failed\":");
    put_failed(b, failed);
    af_wbuf_puts(b, x != NULL ? ",\"answered\":true" : ",\"answered\":false");
    if (rd->is_body_truncated)
        af_wbuf_puts(b, ",\"body_truncated\":true");
    if (x != NULL && x->response->is_malformed) {
        af_wbuf_puts(b, ",\"malformed\":");
        put_str(b, x->response->malformed);
    }
    af_wbuf_putc(b, '}');
}

/* ---- entries ---- */

static void stamp(char out[40])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%03ldZ", (long)(ts.tv_nsec / 1000000));
}

/* The entry (x NULL: awaiting its response), NUL-terminated in H.arena;
   NULL when out of memory. */
static const char *entry_json(uint32_t index, const af_call *call,
                              const af_rendered *rd, const af_exchange *x,
                              uint32_t failed, size_t *len)
{
    af_wbuf b;
    af_wbuf_init(&b, &H.arena, 4096);
    af_wbuf_puts(&b, "{\"startedDateTime\":");
    put_str(&b, H.started);
    af_wbuf_puts(&b, ",\"time\":");
    double ms = H.is_timed && x != NULL ? x->elapsed_ms : 0;
    af_json_number(&b, ms);
    af_wbuf_puts(&b, ",\"request\":");
    put_request(&b, rd);
    af_wbuf_puts(&b, ",\"response\":");
    put_response(&b, x != NULL ? x->response : NULL);
    af_wbuf_puts(&b, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":");
    af_json_number(&b, ms);
    af_wbuf_puts(&b, ",\"receive\":0},");
    put_meta(&b, index, call, rd, x, failed);
    af_wbuf_putc(&b, '}');
    *len = b.len;
    return b.is_oom || b.is_truncated ? NULL : af_wbuf_cstr(&b);
}

static void stop(const char *why)
{
    fprintf(stderr, "apifuzz: APIFUZZ_HAR=%s: %s: %s; capture stopped\n",
            H.path, why, strerror(errno));
    fclose(H.f);
    H.f = NULL;
}

/* Writes json at the pending entry's place (else after the last entry),
   then the closing brackets; the file is cut after them. */
static void write_entry(const char *json, size_t len, bool is_pending)
{
    off_t at = H.pending >= 0 ? H.pending : H.end;
    if (fseeko(H.f, at, SEEK_SET) != 0) {
        stop("cannot seek");
        return;
    }
    fputs(at == H.head_end ? "\n" : ",\n", H.f);
    fwrite(json, 1, len, H.f);
    off_t after = ftello(H.f);
    fputs(HAR_TRAILER, H.f);
    off_t size = ftello(H.f);
    if (after < 0 || size < 0 || fflush(H.f) != 0 || ferror(H.f) ||
        ftruncate(fileno(H.f), size) != 0) {
        stop("cannot write");
        return;
    }
    H.pending = is_pending ? at : -1;
    H.end = after;
}

static void record(uint32_t index, const af_call *call, const af_rendered *rd,
                   const af_exchange *x, uint32_t failed)
{
    size_t len = 0;
    af_arena_reset(&H.arena);
    const char *json = entry_json(index, call, rd, x, failed, &len);
    if (json == NULL) {
        errno = ENOMEM;
        stop("cannot build an entry");
        return;
    }
    write_entry(json, len, x == NULL);
}

/* ---- the runner hooks ---- */

static bool is_writer(void)
{
    return H.f != NULL && getpid() == H.pid;
}

static void har_input(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (!is_writer())
        return;
    af_sha1_hex(data, len, H.input);
    H.program++;
    H.has_input = true;
}

static void har_request(void *ctx, uint32_t index, const af_call *call,
                        const af_rendered *rd)
{
    (void)ctx;
    if (!is_writer())
        return;
    if (index == 0 && !H.has_input) { /* af_runner_run_program */
        H.program++;
        H.input[0] = 0;
    }
    if (index == 0)
        H.has_input = false;
    H.pending = -1; /* one never answered (out of memory) stays as is */
    stamp(H.started);
    record(index, call, rd, NULL, 0);
}

static void har_exchange(void *ctx, uint32_t index, const af_exchange *x,
                         uint32_t failed)
{
    (void)ctx;
    if (H.prev != NULL)
        H.prev(H.prev_ctx, index, x, failed);
    if (is_writer() && x->rendered != NULL && x->response != NULL)
        record(index, x->call, x->rendered, x, failed);
}

/* ---- the file ---- */

void af_har_close(void)
{
    if (!is_writer())
        return;
    if (fclose(H.f) != 0)
        fprintf(stderr, "apifuzz: APIFUZZ_HAR=%s: cannot write: %s\n", H.path,
                strerror(errno));
    H.f = NULL;
    af_arena_free(&H.arena);
}

static void close_at_exit(void)
{
    af_har_close();
}

/* name with "%p" replaced by the process id; false when too long. */
static bool expand(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *s = name; *s != 0; s++) {
        bool is_pid = s[0] == '%' && s[1] == 'p';
        int k = is_pid ? snprintf(out + n, cap - n, "%ld", (long)getpid())
                       : snprintf(out + n, cap - n, "%c", *s);
        if (k < 0 || (size_t)k >= cap - n)
            return false;
        n += (size_t)k;
        s += is_pid;
    }
    return true;
}

static void write_head(void)
{
    const af_model *m = H.g->model;
    af_wbuf b;
    af_wbuf_init(&b, &H.arena, 512);
    af_wbuf_puts(&b, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":"
                     "\"apifuzz\",\"version\":\"" HAR_CREATOR_VERSION "\"},"
                     "\"comment\":\"in-process requests and responses of "
                     "an apifuzz fuzzer binary\",\"_apifuzz\":{\"spec\":");
    put_str(&b, m->title);
    af_wbuf_puts(&b, ",\"base_path\":");
    put_str(&b, m->base_path);
    af_wbuf_puts(&b, ",\"mode\":");
    put_str(&b, af_gen_mode_name(H.g->opts.mode));
    af_wbuf_puts(&b, ",\"max_calls\":");
    af_wbuf_put_int(&b, H.g->max_calls);
    af_wbuf_puts(&b, ",\"operation\":");
    put_str(&b, H.g->opts.operation);
    af_wbuf_puts(&b, "},\"entries\":[");
    fwrite(b.data, 1, b.len, H.f);
    H.head_end = H.end = ftello(H.f);
    fputs(HAR_TRAILER, H.f);
    af_arena_reset(&H.arena);
}

int af_har_open(const char *path, af_runner_opts *opts, const af_gen *g)
{
    static bool is_registered;
    af_har_close();
    memset(&H, 0, sizeof H);
    if (!expand(path, H.path, sizeof H.path)) {
        fprintf(stderr, "apifuzz: APIFUZZ_HAR: the file name is too long\n");
        return -1;
    }
    H.f = fopen(H.path, "wb");
    if (H.f == NULL) {
        fprintf(stderr, "apifuzz: APIFUZZ_HAR=%s: cannot create: %s\n", H.path,
                strerror(errno));
        return -1;
    }
    const char *t = getenv("APIFUZZ_HAR_TIMINGS");
    H.is_timed = t != NULL && strcmp(t, "1") == 0;
    H.pid = getpid();
    H.g = g;
    H.pending = -1;
    H.program = -1;
    af_arena_init(&H.arena);
    write_head();
    if (fflush(H.f) != 0 || ferror(H.f)) {
        stop("cannot write");
        return -1;
    }
    H.prev = opts->on_exchange;
    H.prev_ctx = opts->exchange_ctx;
    opts->on_exchange = har_exchange;
    opts->on_input = har_input;
    opts->on_request = har_request;
    opts->capture_ctx = &H;
    if (!is_registered)
        is_registered = atexit(close_at_exit) == 0;
    return 0;
}

int af_har_setup(af_runner_opts *opts, const af_gen *g)
{
    const char *name = getenv("APIFUZZ_HAR");
    return name != NULL && *name != 0 ? af_har_open(name, opts, g) : 0;
}
