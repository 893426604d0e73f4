/*
 * replay.c - the in-process side of serve mode's parity test
 * (tests/t_serve.sh): runs fuzz inputs through the in-process runner, as
 * a `-runs=0` replay of the fuzzer would (decode, reset, render with
 * back-references resolved, handle), and prints every exchange as one
 * JSON line:
 *
 *   {"program":P,"call":C,"raw":B64,"status":N,"headers":[[B64,B64],..],
 *    "body":B64,"malformed":null|"why"}
 *
 * raw is the request exactly as rendered, so the test can send the same
 * bytes to NAME_serve and compare the answers. No check runs (checks
 * that send extra requests, deterministic and unsupported_method, would
 * change the sequence). Built per service target with -DREPLAY_TARGET=NAME
 * by mk/serve.mk; the plan options come from APIFUZZ_MODE (default
 * mixed) and APIFUZZ_MAX_CALLS, as for the fuzzer, and APIFUZZ_HAR=FILE
 * also records the run as HAR (engine/har.h), as a fuzzer binary's
 * replay does.
 *
 *   NAME_replay FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apifuzz.h"
#include "check/response.h"
#include "engine/har.h"
#include "engine/runner.h"
#include "engine/spec_embed.h"
#include "gen/gen.h"
#include "wire/render.h"

#ifndef REPLAY_TARGET
#error "build with -DREPLAY_TARGET=NAME (mk/serve.mk does)"
#endif
#define REPLAY_CAT_(a, b) a##b
#define REPLAY_CAT(a, b) REPLAY_CAT_(a, b)
#define SERVICE REPLAY_CAT(REPLAY_TARGET, _service)
extern const apifuzz_service SERVICE;

#define INPUT_MAX (1u << 20)

static int program_index;
static af_model *m;
static af_gen *g;

static void die(const char *what, const af_error *err)
{
    char buf[1400];
    fprintf(stderr, "replay: %s: %s\n", what,
            err != NULL ? af_error_format(err, buf, sizeof buf) : "failed");
    exit(2);
}

static cJSON *b64(const void *data, size_t len)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = malloc(len / 3 * 4 + 5);
    size_t o = 0;
    if (out == NULL)
        die("out of memory", NULL);
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

static void print_exchange(void *ctx, uint32_t index, const af_exchange *x,
                           uint32_t failed)
{
    (void)ctx;
    (void)failed;
    const apifuzz_request *q = &x->rendered->req;
    const apifuzz_response *r = x->response;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "program", program_index);
    cJSON_AddNumberToObject(o, "call", index);
    cJSON_AddItemToObject(o, "raw", b64(q->raw, q->raw_len));
    cJSON_AddNumberToObject(o, "status", r->status);
    cJSON *hs = cJSON_AddArrayToObject(o, "headers");
    for (size_t i = 0; i < r->n_headers; i++) {
        cJSON *h = cJSON_CreateArray();
        const apifuzz_header *rh = &r->headers[i];
        cJSON_AddItemToArray(h, b64(rh->name, strlen(rh->name)));
        cJSON_AddItemToArray(h, b64(rh->value, strlen(rh->value)));
        cJSON_AddItemToArray(hs, h);
    }
    cJSON_AddItemToObject(o, "body", b64(r->body, r->body_len));
    cJSON_AddItemToObject(o, "malformed",
                          r->is_malformed ? cJSON_CreateString(r->malformed)
                                          : cJSON_CreateNull());
    char *line = cJSON_PrintUnformatted(o);
    if (line == NULL)
        die("out of memory", NULL);
    puts(line);
    cJSON_free(line);
    cJSON_Delete(o);
}

static void ignore_finding(void *ctx, const af_finding *f, const char *report)
{
    (void)ctx;
    (void)f;
    (void)report;
}

static size_t read_input(const char *path, unsigned char *buf)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path, NULL);
    size_t len = fread(buf, 1, INPUT_MAX, f);
    fclose(f);
    return len;
}

static af_runner *make_runner(void)
{
    af_error err;
    af_error_clear(&err);
    if (af_model_load_text(af_spec_embedded_text(), af_spec_embedded_len(),
                           af_spec_embedded_name(), NULL, &m, &err) != 0)
        die("cannot load the embedded spec", &err);
    af_gen_opts go;
    memset(&go, 0, sizeof go);
    const char *mode = getenv("APIFUZZ_MODE");
    go.mode = mode == NULL || *mode == 0 || strcmp(mode, "mixed") == 0
                  ? AF_GEN_MIXED
              : strcmp(mode, "negative") == 0 ? AF_GEN_NEGATIVE
                                              : AF_GEN_POSITIVE;
    const char *calls = getenv("APIFUZZ_MAX_CALLS");
    go.max_calls = calls != NULL ? (uint32_t)atoi(calls) : 0;
    if (af_gen_new(m, &go, &g, &err) != 0)
        die("cannot build the plan", &err);
    af_runner_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.checks = "none";
    ro.on_failure = ignore_finding;
    ro.on_exchange = print_exchange;
    if (af_har_setup(&ro, g) != 0)
        die("cannot open APIFUZZ_HAR", NULL);
    af_runner *r;
    if (af_runner_new(m, g, &SERVICE, &ro, &r, &err) != 0)
        die("cannot start the runner", &err);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    af_runner *r = make_runner();
    static unsigned char buf[INPUT_MAX];
    for (int i = 1; i < argc; i++) {
        program_index = i - 1;
        size_t len = read_input(argv[i], buf);
        if (af_runner_run(r, buf, len) < 0)
            die("the runner ran out of memory", NULL);
    }
    af_runner_free(r);
    af_gen_free(g);
    af_model_free(m);
    return fflush(stdout) == 0 ? 0 : 1;
}
