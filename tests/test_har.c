/*
 * test_har.c - traffic capture (src/engine/har.c, APIFUZZ_HAR) over a
 * small service with binary bodies, cookies and redirects: the file is
 * HAR 1.2 with the fields HAR readers use, binary bodies in base64, the
 * `_apifuzz` program and call indexes, the request on disk before the
 * service answers, forked children silent; the runner's input and
 * request hooks it relies on; and the base64 and SHA-1 helpers it
 * writes with (RFC 4648 and FIPS 180 vectors).
 */
#include "genutil.h"
#include "specutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/runner.h"
#include "util/base64.h"
#include "util/sha1.h"

/* The capture is engine glue, linked into fuzzer binaries only, not into
   the library the tests link: it is compiled into this test. */
#include "engine/har.c"

static const char spec[] =
    "openapi: 3.0.3\n"
    "info: {title: har test, version: '1'}\n"
    "paths:\n"
    "  /blobs:\n"
    "    post:\n"
    "      operationId: putBlob\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/octet-stream:\n"
    "            schema: {type: string, format: binary}\n"
    "      responses: {'201': {description: created}}\n"
    "  /things/{id}:\n"
    "    get:\n"
    "      operationId: getThing\n"
    "      parameters:\n"
    "        - {name: id, in: path, required: true,\n"
    "           schema: {type: integer, minimum: 1, maximum: 9}}\n"
    "        - {name: q, in: query, required: true,\n"
    "           schema: {type: string, enum: ['a b', c]}}\n"
    "        - {name: sid, in: cookie, required: true,\n"
    "           schema: {type: string, enum: [s1]}}\n"
    "      responses: {'200': {description: ok}}\n";

/* ---- the service ---- */

static struct {
    char har[512];    /* the capture's file, read while handling */
    bool is_checking; /* GET reads the file */
    bool was_pending; /* ... and found its own request unanswered */
    int handled;
    char log[64]; /* 'r' request hook, 'h' handle, in order */
} S;

static void log_event(char c)
{
    size_t n = strlen(S.log);
    if (n + 1 < sizeof S.log)
        S.log[n] = c;
}

/* Whether the file on disk is JSON whose last entry awaits its
   response. */
static bool last_entry_is_pending(void)
{
    char *text = af_test_read_file(S.har, NULL);
    cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
    const cJSON *es =
        cJSON_GetObjectItem(cJSON_GetObjectItem(root, "log"), "entries");
    const cJSON *last = cJSON_GetArrayItem(es, cJSON_GetArraySize(es) - 1);
    const cJSON *meta = cJSON_GetObjectItem(last, "_apifuzz");
    const cJSON *status =
        cJSON_GetObjectItem(cJSON_GetObjectItem(last, "response"), "status");
    bool is_pending = cJSON_IsFalse(cJSON_GetObjectItem(meta, "answered")) &&
                      cJSON_IsNumber(status) && status->valueint == 0;
    cJSON_Delete(root);
    free(text);
    return is_pending;
}

static void handle(void *state, const apifuzz_request *q, apifuzz_response *r)
{
    (void)state;
    S.handled++;
    log_event('h');
    if (strcmp(q->method, "POST") == 0) {
        apifuzz_response_status(r, 201);
        apifuzz_response_header(r, "Content-Type", "application/octet-stream");
        apifuzz_response_header(r, "Location", "/things/1");
        apifuzz_response_header(r, "Set-Cookie", "sid=s1; Path=/");
        apifuzz_response_body(r, q->body, q->body_len);
        apifuzz_response_body(r, "\xff\x00", 2);
        return;
    }
    if (S.is_checking)
        S.was_pending = last_entry_is_pending();
    apifuzz_response_status(r, 200);
    apifuzz_response_header(r, "Content-Type", "application/json");
    apifuzz_response_body(r, "{\"ok\":true}", 11);
}

static const apifuzz_service service = {NULL, NULL, handle, NULL};

/* ---- fixtures ---- */

typedef struct fx {
    af_model *m;
    af_gen *g;
    char *dir;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->m = af_test_spec_load(spec);
    f->g = af_test_plan(f->m, AF_GEN_MIXED, NULL);
    f->dir = af_test_tmpdir();
    snprintf(S.har, sizeof S.har, "%s/t.har", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    af_har_close();
    af_gen_free(f->g);
    af_model_free(f->m);
    free(f->dir);
    free(f);
    memset(&S, 0, sizeof S);
    return 0;
}

static uint32_t op_index(const af_model *m, const char *id)
{
    for (uint32_t k = 0; k < m->n_ops; k++)
        if (strcmp(m->ops[k].operation_id, id) == 0)
            return k;
    fail_msg("no operation %s", id);
    return 0;
}

/* The input of a program: putBlob(body) when with_blob, then getThing. */
static const uint8_t *program(fx *f, af_arena *a, bool with_blob, size_t *len)
{
    cJSON *params = cJSON_Parse(
        "{\"path:id\":3,\"query:q\":\"a b\",\"cookie:sid\":\"s1\"}");
    cJSON *blob = cJSON_CreateString("\xff\xfe");
    uint32_t ops[2] = {op_index(f->m, "putBlob"), op_index(f->m, "getThing")};
    af_call_spec specs[2] = {{NULL, 0, blob}, {params, -1, NULL}};
    af_choice_writer w;
    af_error err;
    af_choice_writer_init(&w, a);
    int rc = with_blob ? af_program_encode(f->g, &w, ops, specs, 2, &err)
                       : af_call_encode(f->g, &w, ops[1], &specs[1], &err);
    if (rc != 0)
        fail_msg("encode: %s", err.message);
    const uint8_t *data;
    assert_int_equal(af_choice_writer_finish(&w, &data, len), 0);
    cJSON_Delete(params);
    cJSON_Delete(blob);
    return data;
}

static af_runner *runner(fx *f, af_runner_opts *o)
{
    af_runner *r = NULL;
    af_error err;
    if (af_runner_new(f->m, f->g, &service, o, &r, &err) != 0)
        fail_msg("af_runner_new: %s", err.message);
    return r;
}

static cJSON *read_har(void)
{
    char *text = af_test_read_file(S.har, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    return root;
}

static const cJSON *at(const cJSON *v, const char *path)
{
    char key[64];
    while (v != NULL && *path != 0) {
        size_t n = strcspn(path, "/");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(key))
                             : cJSON_GetObjectItemCaseSensitive(v, key);
        path += n + (path[n] == '/');
    }
    if (v == NULL)
        fail_msg("no %s in the HAR", path);
    return v;
}

static const char *str(const cJSON *root, const char *path)
{
    const cJSON *v = at(root, path);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static double num(const cJSON *root, const char *path)
{
    const cJSON *v = at(root, path);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* The bytes of a base64 text. */
static size_t unbase64(const char *text, uint8_t *out)
{
    long n = af_base64_decode(text, strlen(text), out);
    assert_true(n >= 0);
    return (size_t)n;
}

/* Runs putBlob + getThing, then getThing alone, with the capture. */
static cJSON *capture_two_programs(fx *f, char input0[41])
{
    af_runner_opts o = {.checks = "none"};
    assert_int_equal(af_har_open(S.har, &o, f->g), 0);
    af_runner *r = runner(f, &o);
    size_t len;
    const uint8_t *in = program(f, af_runner_arena(r), true, &len);
    uint8_t copy[256];
    assert_true(len <= sizeof copy);
    memcpy(copy, in, len);
    af_sha1_hex(copy, len, input0);
    assert_true(af_runner_run(r, copy, len) >= 0);
    in = program(f, af_runner_arena(r), false, &len);
    memcpy(copy, in, len);
    assert_true(af_runner_run(r, copy, len) >= 0);
    af_runner_free(r);
    af_har_close();
    return read_har();
}

/* ---- tests ---- */

static void test_capture_writes_every_exchange_as_a_har_entry(void **state)
{
    char input0[41];
    cJSON *h = capture_two_programs(*state, input0);
    assert_string_equal(str(h, "log/version"), "1.2");
    assert_string_equal(str(h, "log/creator/name"), "apifuzz");
    assert_int_equal(cJSON_GetArraySize(at(h, "log/entries")), 3);
    assert_string_equal(str(h, "log/entries/0/request/method"), "POST");
    assert_string_equal(str(h, "log/entries/0/request/url"),
                        "http://localhost/blobs");
    assert_string_equal(str(h, "log/entries/0/request/httpVersion"),
                        "HTTP/1.1");
    assert_int_equal(num(h, "log/entries/0/response/status"), 201);
    assert_string_equal(str(h, "log/entries/0/response/statusText"), "Created");
    assert_string_equal(str(h, "log/entries/0/response/redirectURL"),
                        "/things/1");
    assert_string_equal(str(h, "log/entries/0/response/cookies/0/name"), "sid");
    assert_string_equal(str(h, "log/entries/0/response/cookies/0/value"), "s1");
    assert_true(cJSON_IsObject(at(h, "log/entries/0/cache")));
    assert_int_equal(num(h, "log/entries/0/time"), 0);
    assert_int_equal(num(h, "log/entries/0/timings/wait"), 0);
    assert_string_equal(str(h, "log/entries/1/request/url"),
                        "http://localhost/things/3?q=a%20b");
    assert_string_equal(str(h, "log/entries/1/request/queryString/0/value"),
                        "a b");
    assert_string_equal(str(h, "log/entries/1/request/cookies/0/name"), "sid");
    assert_string_equal(str(h, "log/entries/1/response/content/text"),
                        "{\"ok\":true}");
    cJSON_Delete(h);
}

static void test_binary_bodies_are_written_in_base64(void **state)
{
    char input0[41];
    cJSON *h = capture_two_programs(*state, input0);
    uint8_t bytes[64];
    assert_string_equal(str(h, "log/entries/0/request/postData/mimeType"),
                        "application/octet-stream");
    assert_string_equal(str(h, "log/entries/0/request/postData/_encoding"),
                        "base64");
    size_t n = unbase64(str(h, "log/entries/0/request/postData/text"), bytes);
    assert_int_equal(n, 2);
    assert_memory_equal(bytes, "\xff\xfe", 2);
    assert_int_equal(num(h, "log/entries/0/request/bodySize"), 2);
    assert_string_equal(str(h, "log/entries/0/response/content/encoding"),
                        "base64");
    n = unbase64(str(h, "log/entries/0/response/content/text"), bytes);
    assert_int_equal(n, 4);
    assert_memory_equal(bytes, "\xff\xfe\xff\x00", 4);
    assert_int_equal(num(h, "log/entries/0/response/content/size"), 4);
    assert_int_equal(num(h, "log/entries/0/response/bodySize"), 4);
    cJSON_Delete(h);
}

static void test_entries_name_their_input_program_and_call(void **state)
{
    char input0[41];
    cJSON *h = capture_two_programs(*state, input0);
    assert_string_equal(str(h, "log/entries/0/_apifuzz/input"), input0);
    assert_string_equal(str(h, "log/entries/0/_apifuzz/operation"), "putBlob");
    assert_string_equal(str(h, "log/entries/0/_apifuzz/mode"), "positive");
    assert_true(cJSON_IsNull(at(h, "log/entries/0/_apifuzz/violation")));
    assert_true(cJSON_IsTrue(at(h, "log/entries/0/_apifuzz/answered")));
    static const int want[3][2] = {{0, 0}, {0, 1}, {1, 0}};
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "log/entries/%d/_apifuzz/program", k);
        assert_int_equal(num(h, path), want[k][0]);
        snprintf(path, sizeof path, "log/entries/%d/_apifuzz/call", k);
        assert_int_equal(num(h, path), want[k][1]);
    }
    assert_string_equal(str(h, "log/entries/2/_apifuzz/operation"), "getThing");
    cJSON_Delete(h);
}

static void test_request_is_on_disk_before_the_service_answers(void **state)
{
    fx *f = *state;
    af_runner_opts o = {.checks = "none"};
    assert_int_equal(af_har_open(S.har, &o, f->g), 0);
    af_runner *r = runner(f, &o);
    size_t len;
    const uint8_t *in = program(f, af_runner_arena(r), false, &len);
    uint8_t copy[256];
    memcpy(copy, in, len);
    S.is_checking = true;
    assert_true(af_runner_run(r, copy, len) >= 0);
    assert_true(S.was_pending);
    af_runner_free(r);
    af_har_close();
    cJSON *h = read_har(); /* and answered afterwards */
    assert_int_equal(num(h, "log/entries/0/response/status"), 200);
    assert_true(cJSON_IsTrue(at(h, "log/entries/0/_apifuzz/answered")));
    cJSON_Delete(h);
}

static int exchanges_seen;

static void count_exchange(void *ctx, uint32_t index, const af_exchange *x,
                           uint32_t failed)
{
    (void)ctx, (void)index, (void)x, (void)failed;
    exchanges_seen++;
}

static void test_capture_chains_the_previous_exchange_hook(void **state)
{
    fx *f = *state;
    af_runner_opts o = {.checks = "none", .on_exchange = count_exchange};
    exchanges_seen = 0;
    assert_int_equal(af_har_open(S.har, &o, f->g), 0);
    assert_ptr_not_equal(o.on_exchange, count_exchange);
    af_runner *r = runner(f, &o);
    size_t len;
    const uint8_t *in = program(f, af_runner_arena(r), true, &len);
    uint8_t copy[256];
    memcpy(copy, in, len);
    assert_true(af_runner_run(r, copy, len) >= 0);
    af_runner_free(r);
    assert_int_equal(exchanges_seen, 2);
}

static void test_forked_children_write_nothing(void **state)
{
    fx *f = *state;
    af_runner_opts o = {.checks = "none"};
    assert_int_equal(af_har_open(S.har, &o, f->g), 0);
    af_runner *r = runner(f, &o);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        af_runner_run(r, NULL, 0);
        exit(0); /* atexit handlers too: still nothing written */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cJSON *h = read_har();
    assert_int_equal(cJSON_GetArraySize(at(h, "log/entries")), 0);
    cJSON_Delete(h);
    assert_true(af_runner_run(r, NULL, 0) >= 0);
    af_runner_free(r);
    af_har_close();
    h = read_har();
    assert_int_equal(cJSON_GetArraySize(at(h, "log/entries")), 1);
    cJSON_Delete(h);
}

static void test_percent_p_in_the_name_is_the_process_id(void **state)
{
    fx *f = *state;
    char pattern[600], want[600];
    snprintf(pattern, sizeof pattern, "%s/run-%%p.har", f->dir);
    snprintf(want, sizeof want, "%s/run-%ld.har", f->dir, (long)getpid());
    af_runner_opts o = {.checks = "none"};
    assert_int_equal(af_har_open(pattern, &o, f->g), 0);
    af_har_close();
    char *text = af_test_read_file(want, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"entries\":["));
    free(text);
}

/* ---- the runner's hooks ---- */

static size_t input_len_seen;

static void on_input(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx, (void)data;
    input_len_seen = len;
}

static void on_request(void *ctx, uint32_t index, const af_call *call,
                       const af_rendered *rd)
{
    (void)ctx, (void)index, (void)call, (void)rd;
    log_event('r');
}

static void
test_runner_announces_inputs_and_requests_before_handling(void **state)
{
    fx *f = *state;
    af_runner_opts o = {.checks = "deterministic",
                        .on_input = on_input,
                        .on_request = on_request};
    af_runner *r = runner(f, &o);
    size_t len;
    const uint8_t *in = program(f, af_runner_arena(r), true, &len);
    uint8_t copy[256];
    memcpy(copy, in, len);
    assert_true(af_runner_run(r, copy, len) >= 0);
    af_runner_free(r);
    assert_int_equal(input_len_seen, len);
    /* two calls, each announced before it is handled; the
       deterministic check's second run is not announced */
    assert_string_equal(S.log, "rhrhhh");
}

/* ---- the encodings ---- */

static void test_base64_follows_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"",     "f",     "fo",    "foo",
                                        "foob", "fooba", "foobar"};
    static const char *const coded[] = {
        "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int k = 0; k < 7; k++) {
        char out[16];
        uint8_t back[16];
        size_t n = strlen(plain[k]);
        assert_int_equal(af_base64_encode(plain[k], n, out), af_base64_len(n));
        assert_string_equal(out, coded[k]);
        assert_int_equal(af_base64_decode(out, strlen(out), back), (long)n);
        assert_memory_equal(back, plain[k], n);
    }
    uint8_t back[16];
    assert_int_equal(af_base64_decode("Zm9v\r\nYg", 8, back), 4);
    assert_int_equal(af_base64_decode("Zm9v!", 5, back), -1);
    assert_int_equal(af_base64_decode("Zg==Zg==", 8, back), -1);
}

static void test_sha1_follows_fips_vectors(void **state)
{
    (void)state;
    char hex[41];
    af_sha1_hex(NULL, 0, hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    af_sha1_hex("abc", 3, hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    static const char two_blocks[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    af_sha1_hex(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_capture_writes_every_exchange_as_a_har_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_binary_bodies_are_written_in_base64, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_entries_name_their_input_program_and_call, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_request_is_on_disk_before_the_service_answers, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_capture_chains_the_previous_exchange_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forked_children_write_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_percent_p_in_the_name_is_the_process_id, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_runner_announces_inputs_and_requests_before_handling, setup,
            teardown),
        cmocka_unit_test(test_base64_follows_rfc4648_vectors),
        cmocka_unit_test(test_sha1_follows_fips_vectors),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
