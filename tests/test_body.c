/*
 * test_body.c - request bodies by media type (src/wire/body.c), parsed
 * back: multipart/form-data with a strict RFC 2046 reader written here,
 * application/x-www-form-urlencoded with its encodings, text, octet and
 * other types, wrong Content-Type and malformed bodies, and the size cap.
 */
#include "testutil.h"

#include "renderutil.h"

/* ---- bodies ---- */

static void assert_part(const mpart *p, const char *name, const char *type,
                        const void *data, size_t len)
{
    assert_string_equal(p->name, name);
    assert_string_equal(p->type, type);
    assert_int_equal(p->len, len);
    assert_memory_equal(p->data, data, len);
}

static void test_multipart_body_parses_back_into_its_parts(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    static const char bin[] = "\0\r\n--x\xff\r\n\r\n";
    set_body(m, &c, "multipart/form-data", obj(0));
    af_value file = str_n(bin, sizeof bin);
    file.schema = prop_schema(m, &c, "file");
    af_value f1 = str_n("one", 3), f2 = str_n("\0two", 4);
    f1.schema = f2.schema =
        af_model_schema(m, prop_schema(m, &c, "files"))->items;
    *c.body = obj(5, "id", str("42"), "file", file, "files", arr(2, f1, f2),
                  "meta", obj(1, "a", arr(1, num_i(1))), "tags",
                  arr(2, str("t1"), str("t\"2")));
    af_rendered r = render(m, &c);
    mpart parts[8];
    assert_int_equal(parse_multipart(&r, parts, 8), 7);
    assert_part(&parts[0], "id", "text/plain", "42", 2);
    assert_false(parts[0].has_filename);
    assert_part(&parts[1], "file", "image/png", bin, sizeof bin);
    assert_true(parts[1].has_filename);
    assert_part(&parts[2], "files", "application/octet-stream", "one", 3);
    assert_part(&parts[3], "files", "application/octet-stream", "\0two", 4);
    assert_true(parts[3].has_filename);
    assert_part(&parts[4], "meta", "application/json", "{\"a\":[1]}", 9);
    assert_part(&parts[5], "tags", "text/plain", "t1", 2);
    assert_part(&parts[6], "tags", "text/plain", "t\"2", 3);
    af_model_free(m);
}

static void test_multipart_names_are_quoted_safely(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    set_body(m, &c, "multipart/form-data", obj(1, "a\"b\r\nc", str("v")));
    af_rendered r = render(m, &c);
    assert_non_null(strstr(body_text(&r), "name=\"a%22b%0D%0Ac\""));
    af_model_free(m);
}

static void test_multipart_boundary_never_occurs_in_random_parts(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    uint32_t rng = 99;
    print_message("seed %u\n", rng);
    for (int round = 0; round < 300; round++) {
        af_call c = sink_call(m);
        size_t n = 1 + (rng >> 8) % 200;
        char *data = af_arena_alloc(&arena, n + 40);
        size_t len = 0;
        while (len < n) {
            rng = rng * 1103515245u + 12345u;
            if ((rng >> 20) % 7 == 0) {
                memcpy(data + len, "\r\n--apifuzz-", 12);
                len += 12;
            } else
                data[len++] = (char)(rng >> 16);
        }
        set_body(m, &c, "multipart/form-data",
                 obj(2, "id", str_n(data, len), "x", str("y")));
        af_rendered r = render(m, &c);
        mpart parts[4];
        assert_int_equal(parse_multipart(&r, parts, 4), 2);
        assert_part(&parts[0], "id", "text/plain", data, len);
        assert_part(&parts[1], "x", "text/plain", "y", 1);
        af_arena_reset(&arena);
    }
    af_model_free(m);
}

/* The pairs of a form body, percent-decoded, as "name=value\n" lines. */
static const char *decode_form(const unsigned char *p, size_t len)
{
    af_wbuf out;
    af_wbuf_init(&out, &arena, 64);
    for (size_t i = 0; i <= len; i++) {
        if (i == len || p[i] == '&') {
            af_wbuf_putc(&out, '\n');
            continue;
        }
        if (p[i] == '%' && i + 2 < len) {
            char hex[3] = {(char)p[i + 1], (char)p[i + 2], 0};
            af_wbuf_putc(&out, (char)strtol(hex, NULL, 16));
            i += 2;
        } else {
            /* Every byte outside the unreserved set arrives encoded. */
            assert_true(p[i] == '=' || strchr("-._~", p[i]) ||
                        (p[i] >= '0' && p[i] <= '9') ||
                        ((p[i] | 32) >= 'a' && (p[i] | 32) <= 'z') ||
                        p[i] == '%');
            af_wbuf_putc(&out, (char)p[i]);
        }
    }
    return af_wbuf_cstr(&out);
}

static void test_form_body_parses_back_with_its_encodings(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    set_body(m, &c, "application/x-www-form-urlencoded",
             obj(5, "name", str("a b&c=d+\xc3\xa9"), "tags",
                 arr(2, str("t1"), str("t 2")), "meta", obj(1, "k", str("v")),
                 "color", arr(2, str("r"), str("g")), "id", str("x")));
    af_rendered r = render(m, &c);
    assert_string_equal(body_text(&r),
                        "name=a%20b%26c%3Dd%2B%C3%A9&tags=t1&tags=t%202"
                        "&meta=%7B%22k%22%3A%22v%22%7D&color=r%7Cg&id=%22x%22");
    assert_string_equal(decode_form(r.req.body, r.req.body_len),
                        "name=a b&c=d+\xc3\xa9\ntags=t1\ntags=t 2\n"
                        "meta={\"k\":\"v\"}\ncolor=r|g\nid=\"x\"\n");
    assert_string_equal(header_of(&r.req, "Content-Type"),
                        "application/x-www-form-urlencoded");
    af_model_free(m);
}

static void test_text_octet_and_other_types_are_sent_as_documented(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    struct {
        const char *type;
        af_value v;
        const char *sent_type;
        const char *body;
        size_t len;
    } cases[] = {
        {"text/plain", str("l1\nl2"), "text/plain", "l1\nl2", 5},
        {"text/plain", num_i(5), "text/plain", "5", 1},
        {"application/octet-stream", str_n("a\0b\xff", 4),
         "application/octet-stream", "a\0b\xff", 4},
        {"application/vnd.api+json", obj(1, "a", str("\n")),
         "application/vnd.api+json", "{\"a\":\"\\n\"}", 10},
        {"application/xml", obj(1, "a", num_i(1)), "application/xml",
         "{\"a\":1}", 7},
        {"application/xml", str("<a/>"), "application/xml", "<a/>", 4},
        {"*/*", str("any"), "application/octet-stream", "any", 3},
        {"application/json", str("s"), "application/json", "\"s\"", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        af_call c = sink_call(m);
        set_body(m, &c, cases[i].type, cases[i].v);
        af_rendered r = render(m, &c);
        assert_string_equal(header_of(&r.req, "Content-Type"),
                            cases[i].sent_type);
        assert_int_equal(r.req.body_len, cases[i].len);
        assert_memory_equal(r.req.body, cases[i].body, cases[i].len);
    }
    af_model_free(m);
}

static void
test_wrong_content_type_and_malformed_bodies_are_sent_as_asked(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    af_call c = sink_call(m);
    set_body(m, &c, "application/json", obj(1, "a", num_i(1)));
    c.content_type = "text/csv"; /* AF_VIOL_CONTENT_TYPE */
    af_rendered r = render(m, &c);
    assert_string_equal(header_of(&r.req, "Content-Type"), "text/csv");
    assert_string_equal(body_text(&r), "{\"a\":1}");

    set_body(m, &c, "multipart/form-data", obj(1, "a", num_i(1)));
    c.content_type = "application/json";
    r = render(m, &c);
    assert_string_equal(header_of(&r.req, "Content-Type"), "application/json");
    assert_non_null(r.boundary);
    assert_memory_equal(r.req.body, "--apifuzz-", 10);

    af_value raw = {.kind = AF_V_RAW, .schema = AF_NONE};
    raw.u.str.s = "{\"id\":\x01";
    raw.u.str.len = 7;
    set_body(m, &c, "application/json", raw); /* AF_VIOL_MALFORMED_BODY */
    r = render(m, &c);
    assert_int_equal(r.req.body_len, 7);
    assert_memory_equal(r.req.body, "{\"id\":\x01", 7);
    assert_string_equal(header_of(&r.req, "Content-Length"), "7");

    set_body(m, &c, "multipart/form-data", str("not an object"));
    r = render(m, &c);
    assert_null(r.boundary);
    assert_string_equal(header_of(&r.req, "Content-Type"),
                        "multipart/form-data");
    assert_string_equal(body_text(&r), "not an object");
    af_model_free(m);
}

static void test_oversized_bodies_are_cut_at_the_cap_the_same_way(void **state)
{
    (void)state;
    af_model *m = load(sink_spec);
    size_t n = AF_GEN_MAX_RENDERED + 1000;
    char *big = af_arena_alloc(&arena, n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    const char *types[] = {"text/plain", "application/json",
                           "multipart/form-data",
                           "application/x-www-form-urlencoded"};
    for (size_t t = 0; t < 4; t++) {
        af_call c = sink_call(m);
        set_body(m, &c, types[t], obj(1, "id", str_n(big, n)));
        if (t == 0)
            *c.body = str_n(big, n);
        af_rendered r1 = render(m, &c), r2 = render(m, &c);
        assert_true(r1.is_body_truncated);
        assert_int_equal(r1.req.body_len, AF_GEN_MAX_RENDERED);
        assert_int_equal(r2.req.body_len, AF_GEN_MAX_RENDERED);
        assert_memory_equal(r1.req.body, r2.req.body, AF_GEN_MAX_RENDERED);
        if (t == 0)
            assert_memory_equal(r1.req.body, big, AF_GEN_MAX_RENDERED);
    }
    af_call c = sink_call(m);
    set_body(m, &c, "text/plain", str_n(big, AF_GEN_MAX_RENDERED));
    af_rendered r = render(m, &c);
    assert_false(r.is_body_truncated);
    assert_int_equal(r.req.body_len, AF_GEN_MAX_RENDERED);
    af_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart_body_parses_back_into_its_parts),
        cmocka_unit_test(test_multipart_names_are_quoted_safely),
        cmocka_unit_test(test_multipart_boundary_never_occurs_in_random_parts),
        cmocka_unit_test(test_form_body_parses_back_with_its_encodings),
        cmocka_unit_test(
            test_text_octet_and_other_types_are_sent_as_documented),
        cmocka_unit_test(
            test_wrong_content_type_and_malformed_bodies_are_sent_as_asked),
        cmocka_unit_test(test_oversized_bodies_are_cut_at_the_cap_the_same_way),
    };
    return cmocka_run_group_tests_name("body", tests, af_test_render_setup,
                                       af_test_render_teardown);
}
