/*
 * test_json_render.c - af_value trees as JSON text (src/wire/json.c):
 * string escaping, UTF-8, numbers that round-trip, raw values, and random
 * trees read back through cJSON.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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

static af_value num_d(double d)
{
    af_value v = {.kind = AF_V_NUMBER, .schema = AF_NONE};
    v.u.d = d;
    return v;
}

static af_value num_i(int64_t i)
{
    af_value v = {.kind = AF_V_INT, .schema = AF_NONE};
    v.u.i = i;
    return v;
}

static const char *json_of(const af_value *v, size_t *len)
{
    af_render_env env = {NULL, NULL, NULL, &arena};
    af_wbuf b;
    af_wbuf_init(&b, &arena, 16);
    af_json_write(&b, v, &env);
    const char *text = af_wbuf_cstr(&b);
    assert_non_null(text);
    if (len != NULL)
        *len = b.len;
    return text;
}

static const char *json(af_value v)
{
    return json_of(&v, NULL);
}

static void test_control_characters_use_short_or_unicode_escapes(void **state)
{
    (void)state;
    assert_string_equal(json(str_n("\"\\/\b\f\n\r\t\x01\x1f\x7f\0", 12)),
                        "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f"
                        "\\u0000\"");
    /* Every byte 1..127 reads back through cJSON unchanged. */
    char all[127];
    for (int i = 0; i < 127; i++)
        all[i] = (char)(i + 1);
    const char *text = json(str_n(all, sizeof all));
    cJSON *parsed = cJSON_Parse(text);
    assert_non_null(parsed);
    assert_true(cJSON_IsString(parsed));
    assert_int_equal(strlen(parsed->valuestring), sizeof all);
    assert_memory_equal(parsed->valuestring, all, sizeof all);
    cJSON_Delete(parsed);
}

static void test_non_ascii_utf8_is_kept_verbatim_and_reads_back(void **state)
{
    (void)state;
    const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf";
    const char *text = json(str_n(s, strlen(s)));
    assert_int_equal(strlen(text), strlen(s) + 2);
    assert_memory_equal(text + 1, s, strlen(s));
    cJSON *parsed = cJSON_Parse(text);
    assert_non_null(parsed);
    assert_string_equal(parsed->valuestring, s);
    cJSON_Delete(parsed);
}

static void test_invalid_utf8_bytes_become_u00xx_escapes(void **state)
{
    (void)state;
    /* lone continuation, truncated sequence, surrogate, overlong, past
       U+10FFFF, 0xFF */
    const char *bad = "\x80|\xc3|\xed\xa0\x80|\xc0\xaf|\xf4\x90\x80\x80|\xff";
    assert_string_equal(json(str_n(bad, strlen(bad))),
                        "\"\\u0080|\\u00c3|\\u00ed\\u00a0\\u0080|\\u00c0"
                        "\\u00af|\\u00f4\\u0090\\u0080\\u0080|\\u00ff\"");
    /* A valid sequence right after an invalid byte survives. */
    assert_string_equal(json(str_n("\xe2\xc3\xa9", 3)), "\"\\u00e2\xc3\xa9\"");
}

static void test_integers_are_exact(void **state)
{
    (void)state;
    assert_string_equal(json(num_i(INT64_MIN)), "-9223372036854775808");
    assert_string_equal(json(num_i(INT64_MAX)), "9223372036854775807");
    assert_string_equal(json(num_i(0)), "0");
    assert_string_equal(json(num_i(-1)), "-1");
}

static void test_doubles_are_shortest_text_that_reads_back(void **state)
{
    (void)state;
    assert_string_equal(json(num_d(0.1)), "0.1");
    assert_string_equal(json(num_d(1.5)), "1.5");
    assert_string_equal(json(num_d(3)), "3");
    assert_string_equal(json(num_d(1e300)), "1e+300");
    assert_string_equal(json(num_d(1.0 / 3)), "0.3333333333333333");
    assert_string_equal(json(num_d(5e-324)), "4.94065645841247e-324");
    assert_string_equal(json(num_d(DBL_MAX)), "1.7976931348623157e+308");
    /* Random bit patterns (fixed seed) read back bit for bit, by strtod
       and by cJSON. */
    unsigned seed = 12345;
    print_message("seed %u\n", seed);
    srand(seed);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = 0;
        for (int k = 0; k < 4; k++)
            bits = bits << 16 | (uint64_t)(rand() & 0xFFFF);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        const char *text = json(num_d(d));
        double back = strtod(text, NULL);
        assert_memory_equal(&back, &d, sizeof d);
        cJSON *parsed = cJSON_Parse(text);
        assert_non_null(parsed);
        assert_true(parsed->valuedouble == d);
        cJSON_Delete(parsed);
        af_arena_reset(&arena);
    }
}

static void test_negative_zero_keeps_its_sign(void **state)
{
    (void)state;
    const char *text = json(num_d(-0.0));
    assert_string_equal(text, "-0.0");
    assert_true(signbit(strtod(text, NULL)));
    assert_string_equal(json(num_d(0.0)), "0");
}

static void test_nan_and_infinities_never_appear(void **state)
{
    (void)state;
    assert_string_equal(json(num_d(NAN)), "0");
    assert_string_equal(json(num_d(INFINITY)), "1.7976931348623157e+308");
    assert_string_equal(json(num_d(-INFINITY)), "-1.7976931348623157e+308");
}

static void test_structures_render_compactly_in_member_order(void **state)
{
    (void)state;
    af_value items[4] = {num_i(1),
                         {.kind = AF_V_BOOL, .u.b = true},
                         {.kind = AF_V_NULL},
                         str_n("x", 1)};
    af_member members[3] = {
        {"a b", {.kind = AF_V_ARRAY, .u.arr = {items, 4}}},
        {"", {.kind = AF_V_OBJECT, .u.obj = {NULL, 0}}},
        {"q\"", {.kind = AF_V_ARRAY, .u.arr = {NULL, 0}}},
    };
    af_value v = {.kind = AF_V_OBJECT, .u.obj = {members, 3}};
    assert_string_equal(json(v),
                        "{\"a b\":[1,true,null,\"x\"],\"\":{},\"q\\\"\":[]}");
}

static void test_raw_values_are_copied_verbatim(void **state)
{
    (void)state;
    af_value raw = {.kind = AF_V_RAW};
    raw.u.str.s = "{\"a\":\x01";
    raw.u.str.len = 6;
    af_member m = {"x", raw};
    af_value v = {.kind = AF_V_OBJECT, .u.obj = {&m, 1}};
    assert_string_equal(json(v), "{\"x\":{\"a\":\x01}");
}

static void test_nesting_past_the_cap_renders_null(void **state)
{
    (void)state;
    enum { DEPTH = 100 };
    af_value *chain = af_arena_calloc(&arena, DEPTH, sizeof *chain);
    for (int i = 0; i < DEPTH - 1; i++) {
        chain[i].kind = AF_V_ARRAY;
        chain[i].u.arr.items = &chain[i + 1];
        chain[i].u.arr.n = 1;
    }
    chain[DEPTH - 1] = num_i(7);
    size_t len;
    const char *text = json_of(&chain[0], &len);
    cJSON *parsed = cJSON_Parse(text);
    assert_non_null(parsed);
    cJSON_Delete(parsed);
    assert_null(strstr(text, "7"));
    assert_non_null(strstr(text, "null"));
    assert_int_equal(len, (AF_RENDER_MAX_DEPTH + 1) * 2 + 4);
}

static const af_value *resolve_name(void *ctx, const af_backref *ref)
{
    (void)ref;
    return ctx;
}

static void test_backrefs_render_the_resolved_value_or_fallback(void **state)
{
    (void)state;
    af_value fallback = num_i(1), answer = str_n("r", 1);
    af_value ref = {.kind = AF_V_BACKREF};
    ref.u.ref = (af_backref){0, "/id", &fallback};
    af_render_env env = {NULL, resolve_name, &answer, &arena};
    af_wbuf b;
    af_wbuf_init(&b, &arena, 8);
    af_json_write(&b, &ref, &env);
    env.ctx = NULL;
    af_json_write(&b, &ref, &env);
    assert_string_equal(af_wbuf_cstr(&b), "\"r\"1");
}

/* ---- random trees through cJSON ---- */

static uint32_t rng;

static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static af_value random_value(int depth)
{
    af_value v = {.schema = AF_NONE};
    uint32_t pick = next() % (depth > 3 ? 5 : 7);
    switch (pick) {
    case 0:
        v.kind = AF_V_NULL;
        break;
    case 1:
        v.kind = AF_V_BOOL;
        v.u.b = next() & 1;
        break;
    case 2:
        v = num_i((int64_t)(next() % 2000000) - 1000000);
        break;
    case 3:
        v = num_d(((double)next() - 8e6) / 7.0);
        break;
    case 4: {
        size_t n = next() % 12;
        char *s = af_arena_alloc(&arena, n + 1);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(1 + next() % 127);
        v = str_n(s, n);
        break;
    }
    case 5:
        v.kind = AF_V_ARRAY;
        v.u.arr.n = next() % 4;
        v.u.arr.items = af_arena_calloc(&arena, v.u.arr.n + 1, sizeof v);
        for (uint32_t i = 0; i < v.u.arr.n; i++)
            v.u.arr.items[i] = random_value(depth + 1);
        break;
    default:
        v.kind = AF_V_OBJECT;
        v.u.obj.n = next() % 4;
        v.u.obj.members =
            af_arena_calloc(&arena, v.u.obj.n + 1, sizeof(af_member));
        for (uint32_t i = 0; i < v.u.obj.n; i++) {
            v.u.obj.members[i].name = af_arena_printf(&arena, "k%u\n", i);
            v.u.obj.members[i].value = random_value(depth + 1);
        }
        break;
    }
    return v;
}

static bool same(const af_value *v, const cJSON *j)
{
    switch (v->kind) {
    case AF_V_NULL:
        return cJSON_IsNull(j);
    case AF_V_BOOL:
        return v->u.b ? cJSON_IsTrue(j) : cJSON_IsFalse(j);
    case AF_V_INT:
        return cJSON_IsNumber(j) && j->valuedouble == (double)v->u.i;
    case AF_V_NUMBER:
        return cJSON_IsNumber(j) && j->valuedouble == v->u.d;
    case AF_V_STRING:
        return cJSON_IsString(j) && strlen(j->valuestring) == v->u.str.len &&
               memcmp(j->valuestring, v->u.str.s, v->u.str.len) == 0;
    case AF_V_ARRAY:
        if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != (int)v->u.arr.n)
            return false;
        for (uint32_t i = 0; i < v->u.arr.n; i++)
            if (!same(&v->u.arr.items[i], cJSON_GetArrayItem(j, (int)i)))
                return false;
        return true;
    case AF_V_OBJECT:
        if (!cJSON_IsObject(j) || cJSON_GetArraySize(j) != (int)v->u.obj.n)
            return false;
        for (uint32_t i = 0; i < v->u.obj.n; i++) {
            const cJSON *item = cJSON_GetArrayItem(j, (int)i);
            if (strcmp(item->string, v->u.obj.members[i].name) != 0 ||
                !same(&v->u.obj.members[i].value, item))
                return false;
        }
        return true;
    default:
        return false;
    }
}

static void test_random_trees_read_back_equal_through_cjson(void **state)
{
    (void)state;
    rng = 2024;
    print_message("seed %u\n", rng);
    for (int i = 0; i < 3000; i++) {
        af_value v = random_value(0);
        size_t len;
        const char *text = json_of(&v, &len);
        cJSON *parsed = cJSON_ParseWithLength(text, len);
        if (parsed == NULL || !same(&v, parsed))
            fail_msg("tree %d does not read back: %s", i, text);
        cJSON_Delete(parsed);
        af_arena_reset(&arena);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_use_short_or_unicode_escapes),
        cmocka_unit_test(test_non_ascii_utf8_is_kept_verbatim_and_reads_back),
        cmocka_unit_test(test_invalid_utf8_bytes_become_u00xx_escapes),
        cmocka_unit_test(test_integers_are_exact),
        cmocka_unit_test(test_doubles_are_shortest_text_that_reads_back),
        cmocka_unit_test(test_negative_zero_keeps_its_sign),
        cmocka_unit_test(test_nan_and_infinities_never_appear),
        cmocka_unit_test(test_structures_render_compactly_in_member_order),
        cmocka_unit_test(test_raw_values_are_copied_verbatim),
        cmocka_unit_test(test_nesting_past_the_cap_renders_null),
        cmocka_unit_test(test_backrefs_render_the_resolved_value_or_fallback),
        cmocka_unit_test(test_random_trees_read_back_equal_through_cjson),
    };
    return cmocka_run_group_tests_name("json_render", tests, setup, teardown);
}
