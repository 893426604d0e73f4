/*
 * test_response.c - the service's answer (src/check/response.c): the
 * contract's setters, whole raw HTTP/1.1 responses (Content-Length,
 * chunked, read to the end), malformed ones as findings, size limits;
 * and bodies read by media type (src/check/payload.c), all in the arena.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "check/payload.h"
#include "check/response.h"

static af_arena arena;

/* Every malloc of the process while is_counting (the sanitizer's hook). */
static volatile long n_mallocs;
static volatile int is_counting;

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (is_counting)
        n_mallocs++;
}

static void on_free(const volatile void *p)
{
    (void)p;
}

static int setup(void **state)
{
    (void)state;
    af_arena_init(&arena);
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0;
}

static int teardown(void **state)
{
    (void)state;
    af_arena_free(&arena);
    return 0;
}

static apifuzz_response *fresh(void)
{
    apifuzz_response *r = af_arena_alloc(&arena, sizeof *r);
    af_response_init(r, &arena);
    return r;
}

static apifuzz_response *raw(const char *text, int want_rc)
{
    apifuzz_response *r = fresh();
    int rc = apifuzz_response_raw(r, text, strlen(text));
    if (rc != want_rc)
        fail_msg("raw rc %d (want %d), reason %s for:\n%s", rc, want_rc,
                 r->malformed ? r->malformed : "-", text);
    return r;
}

static void test_setters_fill_status_headers_and_appended_body(void **state)
{
    (void)state;
    apifuzz_response *r = fresh();
    assert_int_equal(r->status, 200);
    apifuzz_response_status(r, 201);
    apifuzz_response_header(r, "Content-Type", "Application/JSON; charset=x");
    apifuzz_response_body(r, "{\"a\":", 5);
    apifuzz_response_body(r, "1}", 2);
    assert_int_equal(r->status, 201);
    assert_string_equal(af_response_header(r, "content-type"),
                        "Application/JSON; charset=x");
    assert_string_equal(af_response_media_type(r), "application/json");
    assert_int_equal(r->body_len, 7);
    assert_string_equal((const char *)r->body, "{\"a\":1}");
    assert_false(r->is_malformed);
}

static void test_raw_response_with_content_length_is_parsed(void **state)
{
    (void)state;
    apifuzz_response *r = raw("HTTP/1.1 404 Not Found\r\n"
                              "Content-Type: text/plain\r\n"
                              "Content-Length: 4\r\n"
                              "X-Empty:\r\n\r\nnopeX"
                              "",
                              -1);
    assert_string_equal(r->malformed, "bytes follow the Content-Length body");
    r = raw("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            "Content-Length: 4\r\nX-Empty:  \r\n\r\nnope",
            0);
    assert_int_equal(r->status, 404);
    assert_int_equal(r->n_headers, 3);
    assert_string_equal(af_response_header(r, "x-empty"), "");
    assert_int_equal(r->body_len, 4);
    assert_memory_equal(r->body, "nope", 4);
}

static void test_raw_chunked_body_is_joined_and_trailers_dropped(void **state)
{
    (void)state;
    apifuzz_response *r = raw("HTTP/1.1 200 OK\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n"
                              "1;name=value\r\n \r\n"
                              "A\r\n0123456789\r\n"
                              "0\r\nTrailer: x\r\n\r\n",
                              0);
    assert_int_equal(r->body_len, 16);
    assert_memory_equal(r->body, "hello 0123456789", 16);
    assert_null(af_response_header(r, "Trailer"));
}

static void test_raw_bare_lf_and_body_to_the_end_are_accepted(void **state)
{
    (void)state;
    apifuzz_response *r = raw("HTTP/1.0 200\nA: b\n\nrest of it", 0);
    assert_int_equal(r->status, 200);
    assert_string_equal(af_response_header(r, "A"), "b");
    assert_int_equal(r->body_len, 10);
}

static void test_malformed_raw_responses_are_findings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "HTTP/1.1 200 OK",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n",
        "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "fffffffffffffffff\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX",
        "HTTP/1.1 204 No Content\r\n\r\nbody",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        apifuzz_response *r = raw(bad[i], -1);
        assert_true(r->is_malformed);
        assert_non_null(r->malformed);
    }
    apifuzz_response *r = fresh();
    assert_int_equal(apifuzz_response_raw(r, NULL, 3), -1);
}

static void test_bad_status_and_header_injection_are_malformed(void **state)
{
    (void)state;
    apifuzz_response *r = fresh();
    apifuzz_response_status(r, 1000);
    assert_true(r->is_malformed);
    assert_string_equal(r->malformed, "status 1000 is not in 100..599");
    r = fresh();
    apifuzz_response_header(r, "Set-Cookie", "a=b\r\nX-Evil: 1");
    assert_true(r->is_malformed);
    r = fresh();
    apifuzz_response_header(r, "", "x");
    assert_true(r->is_malformed);
}

static void test_sizes_are_bounded(void **state)
{
    (void)state;
    apifuzz_response *r = fresh();
    size_t big = AF_RESPONSE_MAX_BODY / 2 + 10;
    char *chunk = calloc(1, big);
    apifuzz_response_body(r, chunk, big);
    apifuzz_response_body(r, chunk, big);
    assert_int_equal(r->body_len, AF_RESPONSE_MAX_BODY);
    assert_true(r->is_truncated);
    free(chunk);
    r = fresh();
    for (int i = 0; i < AF_RESPONSE_MAX_HEADERS + 5; i++)
        apifuzz_response_header(r, "X", "y");
    assert_int_equal(r->n_headers, AF_RESPONSE_MAX_HEADERS);
    char *huge = malloc(AF_RESPONSE_MAX_FIELD * 2 + 1);
    memset(huge, 'v', AF_RESPONSE_MAX_FIELD * 2);
    huge[AF_RESPONSE_MAX_FIELD * 2] = 0;
    r = fresh();
    apifuzz_response_header(r, "Long", huge);
    assert_int_equal(strlen(af_response_header(r, "Long")),
                     AF_RESPONSE_MAX_FIELD);
    free(huge);
    r = fresh();
    char *flood = calloc(1, AF_RESPONSE_MAX_RAW + 1);
    assert_int_equal(apifuzz_response_raw(r, flood, AF_RESPONSE_MAX_RAW + 1),
                     -1);
    free(flood);
}

/* ---- bodies by media type ---- */

static cJSON *parse(const char *ct, const char *body, int want_rc)
{
    cJSON *v = NULL;
    af_error err;
    int rc = af_payload_parse(&arena, ct, (const unsigned char *)body,
                              strlen(body), NULL, AF_NONE, &v, &err);
    assert_int_equal(rc, want_rc);
    return v;
}

static void assert_json(cJSON *v, const char *want)
{
    char *s = cJSON_PrintUnformatted(v);
    assert_string_equal(s, want);
    free(s);
}

static void test_json_bodies_are_length_bounded_and_whole(void **state)
{
    (void)state;
    assert_json(parse("application/problem+json", " {\"a\":[1]} \n", 0),
                "{\"a\":[1]}");
    assert_null(parse("application/json", "{\"a\":1} x", AF_ESYNTAX));
    assert_null(parse("application/json", "", AF_ESYNTAX));
    cJSON *v = NULL;
    /* not NUL-terminated: the parse stops at the length */
    assert_int_equal(af_payload_parse(&arena, "application/json",
                                      (const unsigned char *)"[1,2]xyz", 5,
                                      NULL, AF_NONE, &v, NULL),
                     0);
    assert_json(v, "[1,2]");
}

static void test_form_and_multipart_bodies_become_objects(void **state)
{
    (void)state;
    assert_json(
        parse("application/x-www-form-urlencoded", "a=1&b=x+y%21&a=2&c", 0),
        "{\"a\":[\"1\",\"2\"],\"b\":\"x y!\",\"c\":\"\"}");
    assert_json(parse("multipart/form-data; boundary=\"XyZ\"",
                      "--XyZ\r\n"
                      "Content-Disposition: form-data; name=\"name\"\r\n\r\n"
                      "Al\r\n"
                      "--XyZ\r\n"
                      "Content-Disposition: form-data; name=meta\r\n"
                      "Content-Type: application/json\r\n\r\n"
                      "{\"k\":true}\r\n"
                      "--XyZ--\r\n",
                      0),
                "{\"name\":\"Al\",\"meta\":{\"k\":true}}");
    assert_null(parse("multipart/form-data", "--x\r\n", AF_ESYNTAX));
    assert_null(parse("multipart/form-data; boundary=x",
                      "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                      "unclosed",
                      AF_ESYNTAX));
    assert_json(parse("text/plain", "hi", 0), "\"hi\"");
}

static void test_repeated_fields_become_arrays_in_place(void **state)
{
    (void)state;
    assert_json(
        parse("application/x-www-form-urlencoded", "a=1&b=2&a=3&a=4", 0),
        "{\"a\":[\"1\",\"3\",\"4\"],\"b\":\"2\"}");
    assert_json(parse("multipart/form-data; boundary=b",
                      "--b\r\n"
                      "Content-Disposition: form-data; name=\"m\"\r\n"
                      "Content-Type: application/json\r\n\r\n"
                      "{\"k\":[1]}\r\n"
                      "--b\r\n"
                      "Content-Disposition: form-data; name=\"m\"\r\n"
                      "Content-Type: application/json\r\n\r\n"
                      "null\r\n"
                      "--b--\r\n",
                      0),
                "{\"m\":[{\"k\":[1]},null]}");
}

static void test_a_full_arena_is_out_of_memory_not_bad_json(void **state)
{
    (void)state;
    af_arena small;
    af_arena_init(&small);
    small.limit = 64; /* one node */
    static const char *const bodies[][2] = {
        {"application/json", "[\"a long enough string\", 1, 2, 3, 4]"},
        {"application/x-www-form-urlencoded", "a=1&b=2"},
        {"multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--"},
        {"text/plain", "a long enough string"}};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        af_arena_reset(&small);
        cJSON *v = NULL;
        af_error err;
        int rc = af_payload_parse(
            &small, bodies[i][0], (const unsigned char *)bodies[i][1],
            strlen(bodies[i][1]), NULL, AF_NONE, &v, &err);
        if (rc != AF_ENOMEM)
            fail_msg("%s: rc %d, want AF_ENOMEM", bodies[i][0], rc);
        assert_null(v);
        assert_string_equal(err.message, "out of memory parsing a body");
        /* the same body parses when memory allows */
        assert_int_equal(af_payload_parse(&arena, bodies[i][0],
                                          (const unsigned char *)bodies[i][1],
                                          strlen(bodies[i][1]), NULL, AF_NONE,
                                          &v, NULL),
                         0);
    }
    af_arena_free(&small);
}

static void
test_bodies_of_every_media_type_allocate_only_from_the_arena(void **state)
{
    (void)state;
    static const char *const bodies[][2] = {
        {"application/json",
         "{\"id\": 1, \"name\": \"Ann \\u00e9\", \"tags\": [\"a\", \"b\"], "
         "\"price\": 12.5, \"ok\": true, \"next\": null}"},
        {"application/json", "{\"unterminated"},
        {"application/x-www-form-urlencoded", "a=1&b=x+y%21&a=2&c"},
        {"multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
         "Al\r\n--XyZ\r\nContent-Disposition: form-data; name=meta\r\n"
         "Content-Type: application/json\r\n\r\n{\"k\":true}\r\n--XyZ--\r\n"},
        {"text/plain", "hi"},
    };
    size_t n = sizeof bodies / sizeof bodies[0];
    for (int round = 0; round < 2; round++) {
        n_mallocs = 0;
        is_counting = round; /* round 0 warms the arena up */
        for (int k = 0; k < 200; k++) {
            af_arena_reset(&arena);
            for (size_t i = 0; i < n; i++) {
                cJSON *v = NULL;
                int rc = af_payload_parse(
                    &arena, bodies[i][0], (const unsigned char *)bodies[i][1],
                    strlen(bodies[i][1]), NULL, AF_NONE, &v, NULL);
                assert_int_equal(rc, i == 1 ? AF_ESYNTAX : 0);
            }
            cJSON *c[4];
            assert_int_equal(af_payload_candidates(&arena, "12", 2, c), 2);
        }
        is_counting = 0;
    }
    assert_int_equal(n_mallocs, 0);
}

static void test_text_values_have_every_reading(void **state)
{
    (void)state;
    cJSON *c[4];
    int n = af_payload_candidates(&arena, "12", 2, c);
    assert_int_equal(n, 2);
    assert_true(cJSON_IsString(c[0]) && cJSON_IsNumber(c[1]));
    n = af_payload_candidates(&arena, "true", 4, c);
    assert_int_equal(n, 2);
    assert_true(cJSON_IsBool(c[1]));
    n = af_payload_candidates(&arena, "0x10", 4, c);
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setters_fill_status_headers_and_appended_body),
        cmocka_unit_test(test_raw_response_with_content_length_is_parsed),
        cmocka_unit_test(test_raw_chunked_body_is_joined_and_trailers_dropped),
        cmocka_unit_test(test_raw_bare_lf_and_body_to_the_end_are_accepted),
        cmocka_unit_test(test_malformed_raw_responses_are_findings),
        cmocka_unit_test(test_bad_status_and_header_injection_are_malformed),
        cmocka_unit_test(test_sizes_are_bounded),
        cmocka_unit_test(test_json_bodies_are_length_bounded_and_whole),
        cmocka_unit_test(test_form_and_multipart_bodies_become_objects),
        cmocka_unit_test(test_repeated_fields_become_arrays_in_place),
        cmocka_unit_test(test_a_full_arena_is_out_of_memory_not_bad_json),
        cmocka_unit_test(
            test_bodies_of_every_media_type_allocate_only_from_the_arena),
        cmocka_unit_test(test_text_values_have_every_reading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
