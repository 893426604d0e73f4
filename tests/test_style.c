/*
 * test_style.c - parameter serialization (src/wire/style.c): every row of
 * the OpenAPI 3.1.1 "Style Examples" table, percent-encoding and
 * allowReserved, deepObject nesting, headers, cookies, Swagger 2.0
 * collectionFormat, and the documented choices where the table says n/a.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/model.h"
#include "wire/render.h"

static af_arena arena;

static int setup(void **state)
{
    (void)state;
    af_arena_init(&arena);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    af_arena_free(&arena);
    return 0;
}

static af_value str_n(const char *s, size_t len)
{
    af_value v = {.kind = AF_V_STRING, .schema = AF_NONE};
    v.u.str.s = s;
    v.u.str.len = len;
    return v;
}

static af_value str(const char *s)
{
    return str_n(s, strlen(s));
}

static af_value num_i(int64_t i)
{
    af_value v = {.kind = AF_V_INT, .schema = AF_NONE};
    v.u.i = i;
    return v;
}

static af_value num_d(double d)
{
    af_value v = {.kind = AF_V_NUMBER, .schema = AF_NONE};
    v.u.d = d;
    return v;
}

static af_value null_v(void)
{
    return (af_value){.kind = AF_V_NULL, .schema = AF_NONE};
}

/* An array of n values given as af_value arguments. */
static af_value arr(uint32_t n, ...)
{
    af_value v = {.kind = AF_V_ARRAY, .schema = AF_NONE};
    v.u.arr.items = af_arena_calloc(&arena, n + 1, sizeof(af_value));
    v.u.arr.n = n;
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        v.u.arr.items[i] = va_arg(ap, af_value);
    va_end(ap);
    return v;
}

/* An object of n members given as (const char *, af_value) pairs. */
static af_value obj(uint32_t n, ...)
{
    af_value v = {.kind = AF_V_OBJECT, .schema = AF_NONE};
    v.u.obj.members = af_arena_calloc(&arena, n + 1, sizeof(af_member));
    v.u.obj.n = n;
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) {
        v.u.obj.members[i].name = va_arg(ap, const char *);
        v.u.obj.members[i].value = va_arg(ap, af_value);
    }
    va_end(ap);
    return v;
}

static af_value color_array(void)
{
    return arr(3, str("blue"), str("black"), str("brown"));
}

static af_value color_object(void)
{
    return obj(3, "R", num_i(100), "G", num_i(200), "B", num_i(150));
}

static const char *styled_in(af_param_in in, af_style style, bool explode,
                             bool allow_reserved, const char *name, af_value v)
{
    af_render_env env = {NULL, NULL, NULL, &arena};
    af_style_spec spec = {name, in, style, explode, allow_reserved};
    af_wbuf b;
    af_wbuf_init(&b, &arena, 16);
    af_style_write(&b, &spec, &v, &env);
    const char *text = af_wbuf_cstr(&b);
    assert_non_null(text);
    return text;
}

static const char *styled(af_param_in in, af_style style, bool explode,
                          af_value v)
{
    return styled_in(in, style, explode, false, "color", v);
}

/* One row of the table: style, explode, location, then the expected
   text for the empty string, "blue", the array and the object (NULL:
   n/a in the table). The "?" the 3.1.1 table puts before query examples
   is not part of a parameter's text. */
typedef struct row {
    af_style style;
    bool explode;
    af_param_in in;
    const char *empty, *string, *array, *object;
} row;

static const row table[] = {
    {AF_STYLE_MATRIX, false, AF_IN_PATH, ";color", ";color=blue",
     ";color=blue,black,brown", ";color=R,100,G,200,B,150"},
    {AF_STYLE_MATRIX, true, AF_IN_PATH, ";color", ";color=blue",
     ";color=blue;color=black;color=brown", ";R=100;G=200;B=150"},
    {AF_STYLE_LABEL, false, AF_IN_PATH, ".", ".blue", ".blue,black,brown",
     ".R,100,G,200,B,150"},
    {AF_STYLE_LABEL, true, AF_IN_PATH, ".", ".blue", ".blue.black.brown",
     ".R=100.G=200.B=150"},
    {AF_STYLE_SIMPLE, false, AF_IN_PATH, "", "blue", "blue,black,brown",
     "R,100,G,200,B,150"},
    {AF_STYLE_SIMPLE, true, AF_IN_PATH, "", "blue", "blue,black,brown",
     "R=100,G=200,B=150"},
    {AF_STYLE_SIMPLE, false, AF_IN_HEADER, "", "blue", "blue,black,brown",
     "R,100,G,200,B,150"},
    {AF_STYLE_SIMPLE, true, AF_IN_HEADER, "", "blue", "blue,black,brown",
     "R=100,G=200,B=150"},
    {AF_STYLE_FORM, false, AF_IN_QUERY, "color=", "color=blue",
     "color=blue,black,brown", "color=R,100,G,200,B,150"},
    {AF_STYLE_FORM, true, AF_IN_QUERY, "color=", "color=blue",
     "color=blue&color=black&color=brown", "R=100&G=200&B=150"},
    {AF_STYLE_SPACE_DELIMITED, false, AF_IN_QUERY, NULL, NULL,
     "color=blue%20black%20brown", "color=R%20100%20G%20200%20B%20150"},
    {AF_STYLE_PIPE_DELIMITED, false, AF_IN_QUERY, NULL, NULL,
     "color=blue%7Cblack%7Cbrown", "color=R%7C100%7CG%7C200%7CB%7C150"},
    {AF_STYLE_DEEP_OBJECT, true, AF_IN_QUERY, NULL, NULL, NULL,
     "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"},
};

static void test_every_row_of_the_style_examples_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const row *r = &table[i];
        print_message("row %zu: %s explode=%d in %s\n", i,
                      af_style_name(r->style), r->explode,
                      af_param_in_name(r->in));
        if (r->empty != NULL)
            assert_string_equal(styled(r->in, r->style, r->explode, str("")),
                                r->empty);
        if (r->string != NULL)
            assert_string_equal(
                styled(r->in, r->style, r->explode, str("blue")), r->string);
        if (r->array != NULL)
            assert_string_equal(
                styled(r->in, r->style, r->explode, color_array()), r->array);
        if (r->object != NULL)
            assert_string_equal(
                styled(r->in, r->style, r->explode, color_object()), r->object);
    }
}

static void test_na_combinations_render_as_documented(void **state)
{
    (void)state;
    /* spaceDelimited / pipeDelimited with explode: as without. */
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_SPACE_DELIMITED, true, color_array()),
        "color=blue%20black%20brown");
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_PIPE_DELIMITED, true, color_object()),
        "color=R%7C100%7CG%7C200%7CB%7C150");
    /* a primitive under a list-only style: form. */
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_PIPE_DELIMITED, false, str("blue")),
        "color=blue");
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_DEEP_OBJECT, true, str("blue")),
        "color=blue");
    /* deepObject of an array: form, explode. */
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_DEEP_OBJECT, true, color_array()),
        "color=blue&color=black&color=brown");
}

static void test_empty_lists_and_null_render_like_the_empty_string(void **state)
{
    (void)state;
    af_value empty_arr = arr(0), empty_obj = obj(0);
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const row *r = &table[i];
        if (r->empty == NULL)
            continue;
        assert_string_equal(styled(r->in, r->style, r->explode, empty_arr),
                            r->empty);
        assert_string_equal(styled(r->in, r->style, r->explode, empty_obj),
                            r->empty);
        assert_string_equal(styled(r->in, r->style, r->explode, null_v()),
                            r->empty);
    }
}

static void test_matrix_leaves_out_the_equals_sign_of_empty_items(void **state)
{
    (void)state;
    /* RFC 6570 §3.2.7: ";" expansion writes name alone for empty values. */
    assert_string_equal(styled(AF_IN_PATH, AF_STYLE_MATRIX, true,
                               arr(3, str(""), str("a"), str(""))),
                        ";color;color=a;color");
    assert_string_equal(styled(AF_IN_PATH, AF_STYLE_MATRIX, true,
                               obj(2, "R", str(""), "G", str("x"))),
                        ";R;G=x");
}

static void
test_query_values_are_percent_encoded_except_unreserved(void **state)
{
    (void)state;
    const char *all = "a b/c?d#e&f=g+h%i[j]k,l;m:n@o!p$q'r(s)t*u~v-w.x_y\"z";
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_FORM, true, str(all)),
        "color=a%20b%2Fc%3Fd%23e%26f%3Dg%2Bh%25i%5Bj%5Dk%2Cl%3Bm%3An%40o%21p"
        "%24q%27r%28s%29t%2Au~v-w.x_y%22z");
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, true,
                               str("caf\xc3\xa9 \xe2\x82\xac")),
                        "color=caf%C3%A9%20%E2%82%AC");
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_FORM, true, str_n("a\0b\r\n", 5)),
        "color=a%00b%0D%0A");
    /* Names are encoded the same way. */
    assert_string_equal(styled_in(AF_IN_QUERY, AF_STYLE_FORM, true, false,
                                  "filter[name]", str("x")),
                        "filter%5Bname%5D=x");
}

static void
test_allow_reserved_keeps_reserved_but_not_query_delimiters(void **state)
{
    (void)state;
    const char *all = "a b/c?d#e&f=g+h%i[j]k,l;m:n@o!p$q'r(s)t*u~%41%4";
    assert_string_equal(
        styled_in(AF_IN_QUERY, AF_STYLE_FORM, true, true, "color", str(all)),
        "color=a%20b/c?d%23e%26f%3Dg%2Bh%25i%5Bj%5Dk,l;m:n@o!p$q'r(s)t*u~"
        "%41%254");
    /* Without it the same percent triplet is data: %25 41. */
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, true, str("%41")),
                        "color=%2541");
}

static void test_path_values_encode_slash_question_mark_and_hash(void **state)
{
    (void)state;
    assert_string_equal(
        styled(AF_IN_PATH, AF_STYLE_SIMPLE, false, str("../a/b?c#d e")),
        "..%2Fa%2Fb%3Fc%23d%20e");
    /* A comma inside an item is data, the delimiter is not. */
    assert_string_equal(styled(AF_IN_PATH, AF_STYLE_SIMPLE, false,
                               arr(2, str("a,b"), str("c"))),
                        "a%2Cb,c");
    assert_string_equal(
        styled(AF_IN_PATH, AF_STYLE_LABEL, true, arr(2, str("a.b"), str("c"))),
        ".a.b.c");
}

static void test_numbers_and_booleans_use_their_json_text(void **state)
{
    (void)state;
    af_value t = {.kind = AF_V_BOOL, .schema = AF_NONE, .u.b = true};
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, true, t),
                        "color=true");
    assert_string_equal(
        styled(AF_IN_QUERY, AF_STYLE_FORM, true, num_i(INT64_MIN)),
        "color=-9223372036854775808");
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, true, num_d(1.5)),
                        "color=1.5");
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, true, num_d(1e300)),
                        "color=1e%2B300");
    assert_string_equal(styled(AF_IN_PATH, AF_STYLE_SIMPLE, false,
                               arr(3, num_d(-0.0), num_i(-1), t)),
                        "-0.0,-1,true");
}

static void test_nested_values_are_json_text_outside_deep_object(void **state)
{
    (void)state;
    af_value v = arr(2, obj(1, "a", num_i(1)), arr(1, str("x")));
    assert_string_equal(styled(AF_IN_QUERY, AF_STYLE_FORM, false, v),
                        "color=%7B%22a%22%3A1%7D,%5B%22x%22%5D");
}

static void test_deep_object_nests_objects_and_arrays(void **state)
{
    (void)state;
    af_value v =
        obj(4, "a", obj(1, "b", num_i(1)), "c", arr(2, num_i(1), num_i(2)), "d",
            arr(1, obj(1, "e", str("x y"))), "f", obj(0));
    assert_string_equal(
        styled_in(AF_IN_QUERY, AF_STYLE_DEEP_OBJECT, true, false, "q", v),
        "q%5Ba%5D%5Bb%5D=1&q%5Bc%5D=1&q%5Bc%5D=2"
        "&q%5Bd%5D%5B0%5D%5Be%5D=x%20y&q%5Bf%5D=");
    /* Keys are data: their brackets are encoded too. */
    assert_string_equal(styled_in(AF_IN_QUERY, AF_STYLE_DEEP_OBJECT, true,
                                  false, "q", obj(1, "a]b", str("1"))),
                        "q%5Ba%5Db%5D=1");
}

static void
test_header_values_keep_text_and_encode_what_http_forbids(void **state)
{
    (void)state;
    /* Not percent-encoded: a header is not a URI. */
    assert_string_equal(styled(AF_IN_HEADER, AF_STYLE_SIMPLE, false,
                               str("a b/c?d%e,f=g\xc3\xa9")),
                        "a b/c?d%e,f=g\xc3\xa9");
    /* Control bytes and edge spaces would break or be lost. */
    assert_string_equal(styled(AF_IN_HEADER, AF_STYLE_SIMPLE, false,
                               str_n(" a\r\nX-Evil: 1\tb\0 ", 17)),
                        "%20a%0D%0AX-Evil: 1%09b%00%20");
    /* In lists the delimiters inside items are encoded. */
    assert_string_equal(styled(AF_IN_HEADER, AF_STYLE_SIMPLE, true,
                               obj(2, "k,1", str("v=1"), "k2", str("x y"))),
                        "k%2C1=v%3D1,k2=x y");
}

static void test_cookies_use_form_with_semicolons_between_pairs(void **state)
{
    (void)state;
    assert_string_equal(
        styled(AF_IN_COOKIE, AF_STYLE_FORM, true, color_array()),
        "color=blue; color=black; color=brown");
    assert_string_equal(
        styled(AF_IN_COOKIE, AF_STYLE_FORM, false, color_array()),
        "color=blue,black,brown");
    assert_string_equal(
        styled(AF_IN_COOKIE, AF_STYLE_FORM, true, color_object()),
        "R=100; G=200; B=150");
    assert_string_equal(styled(AF_IN_COOKIE, AF_STYLE_FORM, true, str("a;b c")),
                        "color=a%3Bb%20c");
}

static const af_value *answer_42(void *ctx, const af_backref *ref)
{
    (void)ctx;
    static af_value v = {.kind = AF_V_INT, .schema = AF_NONE, .u.i = 42};
    return ref->call == 0 ? &v : NULL;
}

static void test_backrefs_use_the_resolver_else_the_fallback(void **state)
{
    (void)state;
    af_value fallback = num_i(7);
    af_value ref = {.kind = AF_V_BACKREF, .schema = AF_NONE};
    ref.u.ref = (af_backref){0, "/id", &fallback};
    af_render_env env = {NULL, answer_42, NULL, &arena};
    af_style_spec spec = {"id", AF_IN_PATH, AF_STYLE_SIMPLE, false, false};
    af_wbuf b;
    af_wbuf_init(&b, &arena, 16);
    af_style_write(&b, &spec, &ref, &env);
    assert_string_equal(af_wbuf_cstr(&b), "42");
    ref.u.ref.call = 1; /* the resolver has no answer */
    af_wbuf_init(&b, &arena, 16);
    af_style_write(&b, &spec, &ref, &env);
    assert_string_equal(af_wbuf_cstr(&b), "7");
    env.resolve = NULL;
    ref.u.ref.fallback = NULL;
    af_wbuf_init(&b, &arena, 16);
    af_value list = arr(1, ref);
    af_style_write(&b, &spec, &list, &env);
    assert_string_equal(af_wbuf_cstr(&b), "");
}

static const char swagger[] =
    "swagger: '2.0'\n"
    "info: {title: t, version: '1'}\n"
    "paths:\n"
    "  /items/{ids}:\n"
    "    get:\n"
    "      parameters:\n"
    "        - {name: ids, in: path, required: true, type: array,\n"
    "           items: {type: integer}, collectionFormat: pipes}\n"
    "        - {name: csv, in: query, type: array, items: {type: integer}}\n"
    "        - {name: ssv, in: query, type: array, items: {type: integer},\n"
    "           collectionFormat: ssv}\n"
    "        - {name: tsv, in: query, type: array, items: {type: integer},\n"
    "           collectionFormat: tsv}\n"
    "        - {name: multi, in: query, type: array, items: {type: integer},\n"
    "           collectionFormat: multi}\n"
    "        - {name: X-Ssv, in: header, type: array,\n"
    "           items: {type: integer}, collectionFormat: ssv}\n"
    "        - {name: X-Tsv, in: header, type: array,\n"
    "           items: {type: integer}, collectionFormat: tsv}\n"
    "      responses: {'200': {description: ok}}\n";

static const char *param_text(const af_operation *op, const char *name,
                              af_value v)
{
    af_render_env env = {NULL, NULL, NULL, &arena};
    for (uint32_t i = 0; i < op->n_params; i++)
        if (strcmp(op->params[i].name, name) == 0) {
            af_wbuf b;
            af_wbuf_init(&b, &arena, 16);
            af_style_param(&b, &op->params[i], &v, &env);
            return af_wbuf_cstr(&b);
        }
    fail_msg("no parameter %s", name);
    return NULL;
}

static void
test_swagger_collection_formats_render_their_delimiters(void **state)
{
    (void)state;
    af_model *m = NULL;
    af_error err;
    assert_int_equal(
        af_model_load_text(swagger, strlen(swagger), "s.yaml", NULL, &m, &err),
        0);
    const af_operation *op = &m->ops[0];
    af_value v = arr(3, num_i(1), num_i(2), num_i(3));
    assert_string_equal(param_text(op, "ids", v), "1%7C2%7C3");
    assert_string_equal(param_text(op, "csv", v), "csv=1,2,3");
    assert_string_equal(param_text(op, "ssv", v), "ssv=1%202%203");
    assert_string_equal(param_text(op, "tsv", v), "tsv=1%092%093");
    assert_string_equal(param_text(op, "multi", v), "multi=1&multi=2&multi=3");
    assert_string_equal(param_text(op, "X-Ssv", v), "1 2 3");
    assert_string_equal(param_text(op, "X-Tsv", v), "1\t2\t3");
    af_model_free(m);
}

static const char content_spec[] =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "paths:\n"
    "  /x:\n"
    "    get:\n"
    "      parameters:\n"
    "        - name: coordinates\n"
    "          in: query\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: {type: object}\n"
    "        - name: X-Json\n"
    "          in: header\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: {type: object}\n"
    "      responses: {'200': {description: ok}}\n";

static void test_content_parameters_are_serialized_by_media_type(void **state)
{
    (void)state;
    af_model *m = NULL;
    af_error err;
    assert_int_equal(af_model_load_text(content_spec, strlen(content_spec),
                                        "c.yaml", NULL, &m, &err),
                     0);
    af_value v = obj(2, "lat", num_d(1.5), "long", str("a b"));
    assert_string_equal(
        param_text(&m->ops[0], "coordinates", v),
        "coordinates=%7B%22lat%22%3A1.5%2C%22long%22%3A%22a%20b%22%7D");
    assert_string_equal(param_text(&m->ops[0], "X-Json", v),
                        "{\"lat\":1.5,\"long\":\"a b\"}");
    af_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_of_the_style_examples_table),
        cmocka_unit_test(test_na_combinations_render_as_documented),
        cmocka_unit_test(
            test_empty_lists_and_null_render_like_the_empty_string),
        cmocka_unit_test(test_matrix_leaves_out_the_equals_sign_of_empty_items),
        cmocka_unit_test(
            test_query_values_are_percent_encoded_except_unreserved),
        cmocka_unit_test(
            test_allow_reserved_keeps_reserved_but_not_query_delimiters),
        cmocka_unit_test(test_path_values_encode_slash_question_mark_and_hash),
        cmocka_unit_test(test_numbers_and_booleans_use_their_json_text),
        cmocka_unit_test(test_nested_values_are_json_text_outside_deep_object),
        cmocka_unit_test(test_deep_object_nests_objects_and_arrays),
        cmocka_unit_test(
            test_header_values_keep_text_and_encode_what_http_forbids),
        cmocka_unit_test(test_cookies_use_form_with_semicolons_between_pairs),
        cmocka_unit_test(test_backrefs_use_the_resolver_else_the_fallback),
        cmocka_unit_test(
            test_swagger_collection_formats_render_their_delimiters),
        cmocka_unit_test(test_content_parameters_are_serialized_by_media_type),
    };
    return cmocka_run_group_tests_name("style", tests, setup, teardown);
}
