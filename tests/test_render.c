/*
 * test_render.c - calls rendered into requests (src/wire/render.c,
 * curl.c): the booking API, every parameter location, every credential
 * kind, raw HTTP consistency, control bytes, back-references, refused
 * calls, curl lines run through bash, the printable HTTP text, and the
 * time per call.
 */
#include "testutil.h"

#include <time.h>

#include "renderutil.h"

#include "gen/gen.h"

/* ---- booking ---- */

static void test_booking_post_sends_json_with_type_and_length(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_call c = new_call(m, op_of(m, "POST", "/bookings/"));
    set_body(m, &c, "application/json",
             obj(3, "id", num_i(1), "name", str("Al \"B\""), "is_active",
                 (af_value){.kind = AF_V_BOOL, .u.b = true}));
    af_rendered r = render(m, &c);
    assert_string_equal(r.req.method, "POST");
    assert_string_equal(r.req.target, "/api/bookings/");
    assert_string_equal(
        body_text(&r),
        "{\"id\":1,\"name\":\"Al \\\"B\\\"\",\"is_active\":true}");
    assert_string_equal(header_of(&r.req, "Content-Type"), "application/json");
    assert_string_equal(header_of(&r.req, "Content-Length"), "43");
    assert_string_equal(
        r.req.raw, "POST /api/bookings/ HTTP/1.1\r\n"
                   "Host: localhost\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: 43\r\n\r\n"
                   "{\"id\":1,\"name\":\"Al \\\"B\\\"\",\"is_active\":true}");
    af_model_free(m);
}

static void
test_booking_get_fills_path_and_query_under_the_base_path(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_call c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    set_arg(m, &c, "booking_id", num_i(12));
    af_rendered r = render(m, &c);
    assert_string_equal(r.req.target, "/api/bookings/12");
    assert_string_equal(r.req.query, "");
    assert_null(header_of(&r.req, "Content-Length"));
    assert_null(header_of(&r.req, "Content-Type"));
    assert_int_equal(r.n_params, 1);
    assert_string_equal(r.params[0].text, "12");

    af_call list = new_call(m, op_of(m, "GET", "/bookings/"));
    r = render(m, &list);
    assert_string_equal(r.req.target, "/api/bookings/");
    set_arg(m, &list, "limit", num_i(5));
    r = render(m, &list);
    assert_string_equal(r.req.target, "/api/bookings/?limit=5");
    assert_string_equal(r.req.path, "/api/bookings/");
    assert_string_equal(r.req.query, "limit=5");
    af_model_free(m);
}

static void test_post_without_body_sends_a_zero_length(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_call c = new_call(m, op_of(m, "POST", "/bookings/"));
    af_rendered r = render(m, &c);
    assert_string_equal(header_of(&r.req, "Content-Length"), "0");
    assert_null(header_of(&r.req, "Content-Type"));
    assert_non_null(r.req.body);
    af_model_free(m);
}

/* ---- parameters and credentials ---- */

static void test_parameters_land_in_every_location(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    set_arg(m, &c, "q", str("x y"));
    set_arg(m, &c, "tags", arr(2, str("t1"), str("t&2")));
    set_arg(m, &c, "X-Trace", str("abc"));
    set_arg(m, &c, "content-length", str("999"));
    set_arg(m, &c, "Cookie", str("c=1"));
    set_arg(m, &c, "lang", str("en"));
    set_arg(m, &c, "prefs", obj(2, "a", num_i(1), "b", str("x")));
    af_rendered r = render(m, &c);
    assert_string_equal(r.req.path, "/v1/things/5/parts/;part=a;part=b%2Fc");
    assert_string_equal(r.req.query, "q=x%20y&tags=t1&tags=t%262");
    assert_string_equal(header_of(&r.req, "X-Trace"), "abc");
    /* Accept is ignored by OpenAPI (the model drops it); Content-Length
       would break the framing. */
    assert_null(header_of(&r.req, "Accept"));
    assert_string_equal(header_of(&r.req, "Content-Length"), "0");
    /* The Cookie header parameter joins the cookies: one Cookie header. */
    assert_string_equal(header_of(&r.req, "Cookie"),
                        "c=1; lang=en; prefs=a,1,b,x");
    assert_string_equal(r.cookie, "c=1; lang=en; prefs=a,1,b,x");
    assert_int_equal(r.n_params, 8);
    assert_string_equal(r.params[1].text, ";part=a;part=b%2Fc");
    assert_int_equal(r.params[1].in, AF_IN_PATH);
    assert_string_equal(r.params[3].text, "tags=t1&tags=t%262");
    af_model_free(m);
}

static af_cred cred(const af_model *m, const char *scheme, const char *value)
{
    int32_t i = af_model_find_scheme(m, scheme);
    assert_true(i >= 0);
    return (af_cred){i, value, false};
}

static void test_credentials_of_every_scheme_are_sent(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    af_cred creds[] = {
        cred(m, "key_header", "K1"),   cred(m, "key_query", "K 2"),
        cred(m, "key_cookie", "K3"),   cred(m, "basic", "user:pass"),
        cred(m, "bearer", "tok"),      cred(m, "digest", "d=1"),
        cred(m, "oauth", "o\r\nX: 1"),
    };
    c.creds = creds;
    c.n_creds = sizeof creds / sizeof *creds;
    set_arg(m, &c, "q", str("v"));
    af_rendered r = render(m, &c);
    assert_string_equal(header_of(&r.req, "X-API-Key"), "K1");
    assert_string_equal(r.req.query, "q=v&api%20key=K%202");
    assert_string_equal(header_of(&r.req, "Cookie"), "session=K3");
    int n_auth = 0;
    const char *want[] = {"Basic dXNlcjpwYXNz", "Bearer tok", "Digest d=1",
                          "Bearer o%0D%0AX: 1"};
    for (size_t i = 0; i < r.req.header_count; i++)
        if (strcmp(r.req.headers[i].name, "Authorization") == 0)
            assert_string_equal(r.req.headers[i].value, want[n_auth++]);
    assert_int_equal(n_auth, 4);
    af_model_free(m);
}

static void
test_control_bytes_never_reach_the_request_line_or_headers(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = new_call(m, op_of(m, "POST", "/things/{id}/parts/{part}"));
    set_arg(m, &c, "id", str("1 HTTP/1.1\r\nHost: evil\r\n\r\n"));
    set_arg(m, &c, "part", arr(1, str_n("\0", 1)));
    set_arg(m, &c, "q", str("\r\n"));
    set_arg(m, &c, "X-Trace", str(" \r\nSet-Cookie: x "));
    set_arg(m, &c, "lang", str("a\nb"));
    af_rendered r = render(m, &c); /* check_raw asserts the invariants */
    assert_string_equal(header_of(&r.req, "X-Trace"),
                        "%20%0D%0ASet-Cookie: x%20");
    assert_string_equal(r.req.path,
                        "/v1/things/1%20HTTP%2F1.1%0D%0AHost%3A%20evil%0D%0A"
                        "%0D%0A/parts/;part=%00");
    af_model_free(m);
}

static void test_missing_path_parameters_leave_an_empty_segment(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_call c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    af_rendered r = render(m, &c); /* AF_VIOL_MISSING_PARAM */
    assert_string_equal(r.req.target, "/api/bookings/");
    af_model_free(m);
}

static const af_value *resolve_id(void *ctx, const af_backref *ref)
{
    return ref->call == 0 && strcmp(ref->pointer, "/id") == 0 ? ctx : NULL;
}

static void
test_backrefs_take_the_response_value_else_the_fallback(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_call c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    af_value ref = {.kind = AF_V_BACKREF, .schema = AF_NONE};
    ref.u.ref = (af_backref){0, "/id", boxed(num_i(3))};
    set_arg(m, &c, "booking_id", ref);
    af_value answer = num_i(77);
    assert_string_equal(render_with(m, &c, resolve_id, &answer).req.path,
                        "/api/bookings/77");
    assert_string_equal(render(m, &c).req.path, "/api/bookings/3");
    c.args[0].value.u.ref.call = 1;
    assert_string_equal(render_with(m, &c, resolve_id, &answer).req.path,
                        "/api/bookings/3");
    af_model_free(m);
}

static void test_calls_that_do_not_fit_the_model_are_refused(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_rendered r;
    af_error err;
    af_call c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    c.op = m->n_ops;
    assert_int_equal(af_render_call(m, &c, NULL, NULL, &arena, &r, &err),
                     AF_EUSAGE);
    c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    c.args[0].param = 9;
    assert_int_equal(af_render_call(m, &c, NULL, NULL, &arena, &r, &err),
                     AF_EUSAGE);
    c = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    c.media = 0; /* this operation has no body */
    assert_int_equal(af_render_call(m, &c, NULL, NULL, &arena, &r, &err),
                     AF_EUSAGE);
    c.media = -1;
    af_cred bad = {5, "x", false};
    c.creds = &bad;
    c.n_creds = 1;
    assert_int_equal(af_render_call(m, &c, NULL, NULL, &arena, &r, &err),
                     AF_EUSAGE);
    assert_non_null(strstr(err.message, "security scheme"));
    af_model_free(m);
}

/* ---- curl and display ---- */

/* Runs a curl line in bash with a stand-in curl that records its
   arguments (NUL-separated) and stdin; returns the argument count. */
static int run_curl(const char *line, const char *dir, char **args, int max,
                    char **stdin_data, size_t *stdin_len)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/run.sh", dir);
    char *script = af_arena_printf(
        &arena,
        "D='%s'\n"
        "curl() { : > \"$D/args\"; for a in \"$@\"; do printf '%%s\\0' "
        "\"$a\" >> \"$D/args\"; done;\n"
        "  if [ \"${!#}\" = @- ]; then cat > \"$D/stdin\"; fi; }\n"
        "%s\n",
        dir, line);
    assert_int_equal(af_test_write_file(path, script), 0);
    snprintf(cmd, sizeof cmd, "bash '%s'", path);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/args", dir);
    size_t len;
    char *all = af_test_read_file(path, &len);
    assert_non_null(all);
    int n = 0;
    for (size_t i = 0; i < len; i += strlen(all + i) + 1) {
        assert_true(n < max);
        args[n++] = af_arena_strdup(&arena, all + i);
    }
    free(all);
    snprintf(path, sizeof path, "%s/stdin", dir);
    *stdin_data = af_test_read_file(path, stdin_len);
    remove(path);
    return n;
}

static int arg_index(char **args, int n, const char *want)
{
    for (int i = 0; i < n; i++)
        if (strcmp(args[i], want) == 0)
            return i;
    return -1;
}

static void check_curl_body(const af_model *m, af_call *c, const char *dir,
                            bool is_piped)
{
    af_rendered r = render(m, c);
    const char *line = af_render_curl(&arena, &r.req, NULL);
    assert_non_null(line);
    char *args[64], *in = NULL;
    size_t in_len = 0;
    int n = run_curl(line, dir, args, 64, &in, &in_len);
    int i = arg_index(args, n, "--data-binary");
    assert_true(i >= 0 && i + 1 < n);
    if (is_piped) {
        assert_string_equal(args[i + 1], "@-");
        assert_non_null(in);
        assert_int_equal(in_len, r.req.body_len);
        assert_memory_equal(in, r.req.body, in_len);
    } else {
        assert_null(in);
        assert_int_equal(strlen(args[i + 1]), r.req.body_len);
        assert_memory_equal(args[i + 1], r.req.body, r.req.body_len);
    }
    free(in);
    assert_string_equal(args[arg_index(args, n, "-X") + 1], "POST");
    assert_true(arg_index(args, n,
                          "http://localhost/v1/things/5/parts/"
                          ";part=a;part=b%2Fc?q=it%27s") >= 0);
    assert_true(arg_index(args, n, "X-Trace: it's \"q\" $HOME `x`") >= 0);
    assert_true(arg_index(args, n, "Content-Type: text/plain") >= 0);
    assert_true(arg_index(args, n, "Host: localhost") < 0);
}

static void test_curl_lines_send_the_same_bytes_through_bash(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    af_call c = sink_call(m);
    set_arg(m, &c, "q", str("it's"));
    set_arg(m, &c, "X-Trace", str("it's \"q\" $HOME `x`"));
    static const char quotes[] = "it's \"q\"\n$HOME `ls` \\ \\x41 %s\t\xc3\xa9";
    set_body(m, &c, "text/plain", str(quotes));
    check_curl_body(m, &c, dir, false);
    static const char nul[] = "a\0b'\"\n%d\\\0";
    set_body(m, &c, "text/plain", str_n(nul, sizeof nul));
    check_curl_body(m, &c, dir, true);
    set_body(m, &c, "text/plain", str("@/etc/passwd"));
    check_curl_body(m, &c, dir, true);
    set_body(m, &c, "text/plain", str_n("-n\0", 3));
    check_curl_body(m, &c, dir, true);
    /* An empty header value is kept (curl drops "Name:"). */
    set_arg(m, &c, "X-Trace", str(""));
    af_rendered r = render(m, &c);
    assert_non_null(
        strstr(af_render_curl(&arena, &r.req, "http://h:1/"), "'X-Trace;'"));
    free(dir);
    af_model_free(m);
}

static void test_http_text_shows_binary_bodies_escaped(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    set_body(m, &c, "text/plain", str_n("a\0b\r\n\xc3\xa9\\\xff", 10));
    af_rendered r = render(m, &c);
    const char *text = af_render_http_text(&arena, &r.req, 1000);
    assert_non_null(strstr(text, "POST /v1/things/5/parts/;part=a;part=b%2Fc"
                                 " HTTP/1.1\nHost: localhost\n"));
    assert_non_null(strstr(text, "\n\na\\x00b\n\xc3\xa9\\\\\\xff"));
    text = af_render_http_text(&arena, &r.req, 3);
    assert_non_null(strstr(text, "\n\na\\x00b\n... (7 more bytes)"));
    af_model_free(m);
}

/* ---- speed ---- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void test_render_time_per_call_for_booking_calls(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_arena a;
    af_arena_init(&a);
    af_call post = new_call(m, op_of(m, "POST", "/bookings/"));
    set_body(m, &post, "application/json",
             obj(3, "id", num_i(123456), "name", str("Jane Doe"), "is_active",
                 (af_value){.kind = AF_V_BOOL, .u.b = true}));
    af_call get = new_call(m, op_of(m, "GET", "/bookings/{booking_id}"));
    set_arg(m, &get, "booking_id", num_i(42));
    enum { N = 20000 };
    double t0 = now_ns();
    for (int i = 0; i < N; i++) {
        af_rendered r;
        af_arena_reset(&a);
        assert_int_equal(
            af_render_call(m, i & 1 ? &get : &post, NULL, NULL, &a, &r, NULL),
            0);
    }
    double ns = (now_ns() - t0) / N;
    af_test_info("render: %.0f ns per booking call (POST json / GET path, "
                 "ASan+UBSan build, %d calls)",
                 ns, N);
    af_arena_free(&a);
    af_model_free(m);
}

/* ---- decoded programs ---- */

typedef struct decode_stats {
    uint32_t inputs, calls, negative, backrefs;
    uint32_t json_bodies, multipart_bodies, form_bodies;
} decode_stats;

static bool has_backref(const af_value *v, int depth)
{
    if (v == NULL || depth > AF_RENDER_MAX_DEPTH)
        return false;
    if (v->kind == AF_V_BACKREF)
        return true;
    for (uint32_t i = 0; v->kind == AF_V_ARRAY && i < v->u.arr.n; i++)
        if (has_backref(&v->u.arr.items[i], depth + 1))
            return true;
    for (uint32_t i = 0; v->kind == AF_V_OBJECT && i < v->u.obj.n; i++)
        if (has_backref(&v->u.obj.members[i].value, depth + 1))
            return true;
    return false;
}

/* Renders every call of one decoded program and checks it. */
static void check_program(const af_model *m, const af_program *p,
                          decode_stats *st)
{
    for (uint32_t i = 0; i < p->n_calls; i++) {
        const af_call *c = &p->calls[i];
        af_rendered r = render(m, c);
        st->calls++;
        st->negative += c->is_negative;
        for (uint32_t k = 0; k < c->n_args; k++)
            st->backrefs += has_backref(&c->args[k].value, 0);
        const char *ct = c->content_type;
        const af_value *body = af_render_deref(c->body, NULL);
        if (c->body != NULL && body->kind == AF_V_OBJECT && ct != NULL &&
            strcmp(ct, "application/x-www-form-urlencoded") == 0) {
            const char *text = body_text(&r);
            if (!r.is_body_truncated && !is_uri_text(text))
                fail_msg("form body is not percent-encoded: %s", text);
            st->form_bodies++;
        }
        if (r.boundary != NULL && r.content_type != NULL &&
            strstr(r.content_type, "boundary=") != NULL) {
            mpart parts[64];
            parse_multipart(&r, parts, 64);
            st->multipart_bodies++;
        }
        bool is_json_body = c->body != NULL && ct != NULL &&
                            af_media_is_json(ct) && body->kind != AF_V_RAW &&
                            !r.is_body_truncated;
        if (!is_json_body)
            continue;
        cJSON *parsed =
            cJSON_ParseWithLength((const char *)r.req.body, r.req.body_len);
        if (parsed == NULL)
            fail_msg("%s %s: body is not JSON: %s", r.req.method, r.req.target,
                     body_text(&r));
        cJSON_Delete(parsed);
        st->json_bodies++;
    }
}

static void decode_and_render(const af_model *m, const char *name, int n,
                              decode_stats *st)
{
    af_gen *g = NULL;
    af_error err;
    af_gen_opts opts = {.mode = AF_GEN_MIXED};
    if (af_gen_new(m, &opts, &g, &err) != 0)
        fail_msg("%s: %s", name, err.message);
    af_arena a;
    af_arena_init(&a);
    uint32_t rng = 7;
    uint8_t data[512];
    for (int i = 0; i <= n; i++) {
        rng = rng * 1103515245u + 12345u;
        size_t len = i == 0 ? 0 : (rng >> 8) % sizeof data;
        for (size_t k = 0; k < len; k++) {
            rng = rng * 1103515245u + 12345u;
            data[k] = (uint8_t)(rng >> 16);
        }
        af_program p;
        af_arena_reset(&a);
        assert_int_equal(af_program_decode(g, &a, data, len, &p, NULL), 0);
        check_program(m, &p, st);
        af_arena_reset(&arena);
    }
    st->inputs += (uint32_t)n + 1;
    af_arena_free(&a);
    af_gen_free(g);
}

static void test_decoded_programs_render_well_formed_requests(void **state)
{
    (void)state;
    decode_stats st = {0};
    af_model *m = load(booking_spec);
    decode_and_render(m, "booking (inline)", 2000, &st);
    af_model_free(m);
    m = load(sink_spec);
    decode_and_render(m, "sink (inline)", 2000, &st);
    af_model_free(m);
    const char *dir = af_test_testdata();
    if (dir == NULL)
        af_test_skip_no_testdata();
    static const char *const specs[] = {
        "openapi-examples/v3.0/petstore-expanded.yaml",
        "openapi-examples/v3.0/link-example.yaml",
        "openapi-examples/v3.0/api-with-examples.yaml",
        "openapi-examples/v2.0/yaml/petstore.yaml",
        "openapi-examples/v2.0/yaml/uber.yaml",
        "real-world-specs/twilio.com__verify__v2.openapi.yaml",
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        char path[1024];
        af_error err;
        snprintf(path, sizeof path, "%s/%s", dir, specs[i]);
        if (af_model_load(path, &m, &err) != 0)
            fail_msg("%s: %s", specs[i], err.message);
        decode_and_render(m, specs[i], 500, &st);
        af_model_free(m);
    }
    af_test_info("decoded programs: 8 specs, %u inputs, %u calls (%u "
                 "negative, %u with a back-reference) rendered well-formed; "
                 "%u JSON, %u multipart, %u form bodies parsed back",
                 st.inputs, st.calls, st.negative, st.backrefs, st.json_bodies,
                 st.multipart_bodies, st.form_bodies);
}

static void test_decode_and_render_time_per_call_for_booking(void **state)
{
    (void)state;
    af_model *m = load(booking_spec);
    af_gen *g = NULL;
    assert_int_equal(af_gen_new(m, NULL, &g, NULL), 0);
    af_arena a;
    af_arena_init(&a);
    uint8_t data[64];
    uint32_t rng = 11, calls = 0;
    enum { N = 20000 };
    double t0 = now_ns();
    for (int i = 0; i < N; i++) {
        for (size_t k = 0; k < sizeof data; k++) {
            rng = rng * 1103515245u + 12345u;
            data[k] = (uint8_t)(rng >> 16);
        }
        af_program p;
        af_arena_reset(&a);
        assert_int_equal(af_program_decode(g, &a, data, sizeof data, &p, NULL),
                         0);
        for (uint32_t k = 0; k < p.n_calls; k++, calls++) {
            af_rendered r;
            assert_int_equal(
                af_render_call(m, &p.calls[k], NULL, NULL, &a, &r, NULL), 0);
        }
    }
    af_test_info("decode+render: %.0f ns per booking call (ASan+UBSan "
                 "build, %u calls)",
                 (now_ns() - t0) / calls, calls);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_booking_post_sends_json_with_type_and_length),
        cmocka_unit_test(
            test_booking_get_fills_path_and_query_under_the_base_path),
        cmocka_unit_test(test_post_without_body_sends_a_zero_length),
        cmocka_unit_test(test_parameters_land_in_every_location),
        cmocka_unit_test(test_credentials_of_every_scheme_are_sent),
        cmocka_unit_test(
            test_control_bytes_never_reach_the_request_line_or_headers),
        cmocka_unit_test(test_missing_path_parameters_leave_an_empty_segment),
        cmocka_unit_test(
            test_backrefs_take_the_response_value_else_the_fallback),
        cmocka_unit_test(test_calls_that_do_not_fit_the_model_are_refused),
        cmocka_unit_test(test_curl_lines_send_the_same_bytes_through_bash),
        cmocka_unit_test(test_http_text_shows_binary_bodies_escaped),
        cmocka_unit_test(test_render_time_per_call_for_booking_calls),
        cmocka_unit_test(test_decoded_programs_render_well_formed_requests),
        cmocka_unit_test(test_decode_and_render_time_per_call_for_booking),
    };
    return cmocka_run_group_tests_name("render", tests, af_test_render_setup,
                                       af_test_render_teardown);
}
