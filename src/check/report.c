/*
 * report.c - the failure report of a finding (issue 4 "Reports"), in
 * this order: the headline "apifuzz: <check> failed on <METHOD path>";
 * the reason with instance and schema pointers, expected and got; the
 * failing response (status, headers, the first 1 KiB of the body made
 * printable); the program up to the failing call as raw HTTP and as curl
 * lines (binary-safe, af_render_curl); the signature line for triage.
 *
 * Output goes to one FILE in a few fprintf calls; texts come from the
 * per-input arena. Runs once per finding, so clarity beats speed.
 */
#include "check/checks_internal.h"

#include <string.h>

#define REPORT_BODY_MAX 1024

const char *af_report_signature(const af_finding *f, af_arena *a)
{
    return af_arena_printf(a, "%s:%s %s:%d:%s", af_check_name(f->check),
                           f->method, f->path, f->status, f->schema);
}

/* Body bytes as text: printable ASCII and UTF-8 kept, others \xHH. */
static void put_body(FILE *out, const unsigned char *b, size_t len)
{
    size_t n = len > REPORT_BODY_MAX ? REPORT_BODY_MAX : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && c != '\\'))
            fputc(c, out);
        else if (c == '\\')
            fputs("\\\\", out);
        else if (c != '\r')
            fprintf(out, "\\x%02x", c);
    }
    if (n > 0 && b[n - 1] != '\n')
        fputc('\n', out);
    if (len > n)
        fprintf(out, "... (%zu more bytes)\n", len - n);
}

static void put_response(FILE *out, const apifuzz_response *r)
{
    fprintf(out, "\nResponse:\n  status: %d\n", r->status);
    for (size_t i = 0; i < r->n_headers; i++)
        fprintf(out, "  %s: %s\n", r->headers[i].name, r->headers[i].value);
    if (r->is_malformed)
        fprintf(out, "  (malformed: %s)\n", r->malformed);
    if (r->body_len > 0) {
        fprintf(out, "  body (%zu bytes):\n", r->body_len);
        put_body(out, r->body, r->body_len);
    }
}

void af_report_write(FILE *out, const af_model *m, const af_finding *f,
                     const af_exchange *xs, uint32_t n, af_arena *a)
{
    (void)m;
    fprintf(out, "apifuzz: %s failed on %s %s\n", af_check_name(f->check),
            f->method, f->path);
    fprintf(out, "  reason: %s\n", f->reason);
    if (f->instance[0] != 0)
        fprintf(out, "  instance: %s\n", f->instance);
    if (f->schema[0] != 0)
        fprintf(out, "  schema: %s\n", f->schema);
    if (f->expected[0] != 0 || f->got[0] != 0)
        fprintf(out, "  expected: %s\n  got: %s\n", f->expected, f->got);
    fprintf(out, "  call: %u of %u\n", f->call + 1, n);
    if (f->call < n)
        put_response(out, xs[f->call].response);
    uint32_t last = f->call < n ? f->call + 1 : n;
    fprintf(out, "\nProgram (raw HTTP):\n");
    for (uint32_t i = 0; i < last; i++) {
        const char *t = af_render_http_text(a, &xs[i].rendered->req, 4096);
        fprintf(out, "--- call %u\n%s%s", i + 1, t ? t : "(out of memory)\n",
                t && t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
    }
    fprintf(out, "\nProgram (curl):\n");
    for (uint32_t i = 0; i < last; i++) {
        const char *c = af_render_curl(a, &xs[i].rendered->req, NULL);
        fprintf(out, "%s\n", c ? c : "# (out of memory)");
    }
    fprintf(out, "\napifuzz-signature: %s\n", af_report_signature(f, a));
}
