/*
 * curl.c - a rendered request for people: a curl command line that sends
 * the same bytes, and the raw HTTP made printable for reports.
 *
 * Shell quoting is byte exact in bash, zsh and ksh: text of printable
 * ASCII without a single quote goes in '...'; anything else in $'...'
 * with \xHH for every byte outside printable ASCII and \' \\ escaped. A
 * shell argument cannot hold a NUL byte, so a body containing one (or
 * starting with '@', which --data-binary would read as a file name) is
 * piped from printf, whose format escapes every such byte as \ooo and
 * doubles % and backslash. curl's own additions are neutralized: -g (no
 * URL globbing), --path-as-is (no dot-segment squashing), an empty
 * Content-Type when the request has none but a body, "Name;" for an empty
 * header value (curl drops "Name:").
 *
 * Not on the fuzzing path: used for reports and `apifuzz show`, so it
 * favours exactness and readability over speed.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire/render.h"

static const char hex_digits[] = "0123456789abcdef";

static bool is_plain(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7E || p[i] == '\'')
            return false;
    return true;
}

/* One shell word holding exactly the len bytes at s (no NUL among them). */
static void sh_quote(af_wbuf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    if (is_plain(p, len)) {
        af_wbuf_putc(b, '\'');
        af_wbuf_put(b, s, len);
        af_wbuf_putc(b, '\'');
        return;
    }
    af_wbuf_puts(b, "$'");
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\'' || p[i] == '\\') {
            af_wbuf_putc(b, '\\');
            af_wbuf_putc(b, (char)p[i]);
        } else if (p[i] >= 0x20 && p[i] <= 0x7E) {
            af_wbuf_putc(b, (char)p[i]);
        } else {
            char esc[4] = {'\\', 'x', hex_digits[p[i] >> 4],
                           hex_digits[p[i] & 15]};
            af_wbuf_put(b, esc, 4);
        }
    }
    af_wbuf_putc(b, '\'');
}

/* printf 'FORMAT' whose output is exactly the len bytes at s. */
static void printf_body(af_wbuf *b, const unsigned char *p, size_t len)
{
    af_wbuf_puts(b, "printf '");
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '%')
            af_wbuf_puts(b, "%%");
        else if (p[i] == '\\')
            af_wbuf_puts(b, "\\\\");
        else if (p[i] == '\'')
            af_wbuf_puts(b, "'\\''");
        else if (p[i] >= 0x20 && p[i] <= 0x7E && (i > 0 || p[i] != '-'))
            af_wbuf_putc(b, (char)p[i]);
        else { /* a leading '-' too: printf would read an option */
            char esc[4] = {'\\', (char)('0' + (p[i] >> 6)),
                           (char)('0' + ((p[i] >> 3) & 7)),
                           (char)('0' + (p[i] & 7))};
            af_wbuf_put(b, esc, 4);
        }
    }
    af_wbuf_puts(b, "' | ");
}

static void put_header_arg(af_wbuf *b, const apifuzz_header *h, af_arena *a)
{
    af_wbuf arg;
    af_wbuf_init(&arg, a, 64);
    af_wbuf_puts(&arg, h->name);
    af_wbuf_puts(&arg, h->value[0] == '\0' ? ";" : ": ");
    af_wbuf_puts(&arg, h->value);
    af_wbuf_puts(b, " -H ");
    sh_quote(b, arg.data, arg.len);
    if (arg.is_oom)
        b->is_oom = true;
}

static bool has_header(const apifuzz_request *r, const char *name)
{
    for (size_t i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return true;
    return false;
}

static void put_url(af_wbuf *b, const apifuzz_request *r, const char *base,
                    af_arena *a)
{
    af_wbuf url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    af_wbuf_init(&url, a, n + strlen(r->target) + 1);
    af_wbuf_put(&url, base, n);
    af_wbuf_puts(&url, r->target);
    sh_quote(b, url.data, url.len);
    if (url.is_oom)
        b->is_oom = true;
}

const char *af_render_curl(af_arena *a, const apifuzz_request *r,
                           const char *base_url)
{
    af_wbuf b;
    bool has_length = has_header(r, "Content-Length");
    bool has_data = r->body_len > 0 || has_length;
    bool is_piped =
        r->body_len > 0 &&
        (memchr(r->body, 0, r->body_len) != NULL || r->body[0] == '@');
    af_wbuf_init(&b, a, 256 + r->body_len * 2);
    if (is_piped)
        printf_body(&b, r->body, r->body_len);
    af_wbuf_puts(&b, "curl -sS -g --path-as-is");
    if (strcmp(r->method, "HEAD") == 0)
        af_wbuf_puts(&b, " --head ");
    else {
        af_wbuf_puts(&b, " -X ");
        sh_quote(&b, r->method, strlen(r->method));
        af_wbuf_putc(&b, ' ');
    }
    put_url(&b, r, base_url != NULL ? base_url : "http://" AF_RENDER_HOST, a);
    for (size_t i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, "Host") != 0 &&
            strcasecmp(r->headers[i].name, "Content-Length") != 0)
            put_header_arg(&b, &r->headers[i], a);
    if (has_data && !has_header(r, "Content-Type"))
        af_wbuf_puts(&b, " -H 'Content-Type:'");
    if (is_piped)
        af_wbuf_puts(&b, " --data-binary @-");
    else if (has_data) {
        af_wbuf_puts(&b, " --data-binary ");
        sh_quote(&b, (const char *)r->body, r->body_len);
    }
    return af_wbuf_cstr(&b);
}

/* One body byte sequence at p for display; returns bytes consumed. */
static size_t put_display(af_wbuf *b, const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0x80 ? af_utf8_len(p, n) : 0;
    if (len > 0) {
        af_wbuf_put(b, p, len);
        return len;
    }
    if (p[0] == '\\')
        af_wbuf_puts(b, "\\\\");
    else if ((p[0] >= 0x20 && p[0] < 0x7F) || p[0] == '\n' || p[0] == '\t')
        af_wbuf_putc(b, (char)p[0]);
    else {
        char esc[4] = {'\\', 'x', hex_digits[p[0] >> 4], hex_digits[p[0] & 15]};
        af_wbuf_put(b, esc, 4);
    }
    return 1;
}

const char *af_render_http_text(af_arena *a, const apifuzz_request *r,
                                size_t max_body)
{
    af_wbuf b;
    size_t shown = r->body_len < max_body ? r->body_len : max_body;
    af_wbuf_init(&b, a, 256 + shown * 2);
    af_wbuf_puts(&b, r->method);
    af_wbuf_putc(&b, ' ');
    af_wbuf_puts(&b, r->target);
    af_wbuf_puts(&b, " HTTP/1.1\n");
    for (size_t i = 0; i < r->header_count; i++) {
        af_wbuf_puts(&b, r->headers[i].name);
        af_wbuf_puts(&b, ": ");
        af_wbuf_puts(&b, r->headers[i].value);
        af_wbuf_putc(&b, '\n');
    }
    af_wbuf_putc(&b, '\n');
    for (size_t i = 0; i < shown;) {
        if (r->body[i] == '\r' && i + 1 < shown && r->body[i + 1] == '\n')
            i++; /* CR LF shows as a line end */
        i += put_display(&b, r->body + i, shown - i);
    }
    if (shown < r->body_len) {
        char more[64];
        snprintf(more, sizeof more, "\n... (%zu more bytes)",
                 r->body_len - shown);
        af_wbuf_puts(&b, more);
    }
    return af_wbuf_cstr(&b);
}
