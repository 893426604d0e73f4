/*
 * test_jsonarena.c - JSON trees in the per-input arena
 * (src/util/jsonarena.c): the parser accepts exactly cJSON's language,
 * to the same trees and the same end or error offsets (checked against
 * the linked cJSON on 20,000 generated texts, valid and broken, and on
 * its quirks one by one), reads nothing past the length, stops nesting
 * where cJSON does, reads long numbers whole, tells a full arena from
 * bad syntax, and allocates nothing but from the arena; the builders
 * keep cJSON's list invariants.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "util/error.h"
#include "util/jsonarena.h"

static af_arena arena;

/* ---- counting every malloc of the process (the sanitizer's hook) ---- */

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
    /* installed once per process: the runtime keeps a few hook slots */
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0;
}

static int teardown(void **state)
{
    (void)state;
    af_arena_free(&arena);
    return 0;
}

/* ---- comparing with cJSON ---- */

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether trees a (cJSON's) and b (ours) are alike, node for node, and
   b keeps cJSON's links (first child's prev is the last child). */
static bool same_tree(const cJSON *a, const cJSON *b)
{
    if (a->type != b->type || a->valueint != b->valueint ||
        !same_double(a->valuedouble, b->valuedouble) ||
        !same_str(a->valuestring, b->valuestring) ||
        !same_str(a->string, b->string))
        return false;
    const cJSON *x = a->child, *y = b->child, *last = NULL;
    for (; x != NULL && y != NULL; x = x->next, y = y->next) {
        if (last != NULL && y->prev != last)
            return false;
        if (!same_tree(x, y))
            return false;
        last = y;
    }
    return x == NULL && y == NULL &&
           (b->child == NULL || b->child->prev == last);
}

/* Parses text (len bytes, a NUL after them) both ways and fails the test
   when they differ. Returns whether it parsed. */
static bool agree(const char *text, size_t len, const char *what)
{
    const char *cend = NULL;
    cJSON *c = cJSON_ParseWithLengthOpts(text, len, &cend, false);
    size_t end = 0;
    cJSON *t = NULL;
    af_arena_reset(&arena);
    int rc = af_jsonarena_parse(&arena, text, len, &t, &end);
    size_t want_end = cend != NULL ? (size_t)(cend - text) : 0;
    bool is_same = (c != NULL) == (rc == 0) && end == want_end &&
                   (c == NULL || same_tree(c, t)) &&
                   (rc == 0 || rc == AF_ESYNTAX) && (rc == 0) == (t != NULL);
    if (!is_same) {
        char *ours = t != NULL ? cJSON_PrintUnformatted(t) : NULL;
        char *theirs = c != NULL ? cJSON_PrintUnformatted(c) : NULL;
        fail_msg("%s: text %zu bytes '%.*s': cJSON %s end %zu, ours rc %d "
                 "end %zu %s",
                 what, len, (int)len, text, theirs ? theirs : "(fail)",
                 want_end, rc, end, ours ? ours : "(fail)");
    }
    cJSON_Delete(c);
    return rc == 0;
}

static bool agree_str(const char *text)
{
    return agree(text, strlen(text), "case");
}

/* ---- generated texts ---- */

static uint64_t rng = 0x853c49e6748fea9bull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 16) % n);
}

typedef struct buf {
    char s[4096];
    size_t len;
} buf;

static void put(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n < sizeof b->s - 1) {
        memcpy(b->s + b->len, s, n);
        b->len += n;
    }
}

static void put_byte(buf *b, char c)
{
    if (b->len < sizeof b->s - 1)
        b->s[b->len++] = c;
}

static void ws(buf *b)
{
    static const char odd[] = {' ', '\t', '\r', '\n', '\v', '\f', 1, 0x1f};
    for (uint32_t n = rnd(4) == 0 ? rnd(3) : 0; n > 0; n--)
        put_byte(b, rnd(8) == 0 ? odd[rnd(sizeof odd)] : " \n\t"[rnd(3)]);
}

static void digits(buf *b, uint32_t n)
{
    for (; n > 0; n--)
        put_byte(b, (char)('0' + rnd(10)));
}

static void number(buf *b)
{
    static const char *const odd[] = {
        "-",   "--1", "1e",   "1e+",   "-.5",
        "1.",  "01",  "-0",   "1.5.3", "1e5e5",
        "0x1", "-e5", "1E-2", "1-2",   "123456789012345678"};
    if (rnd(6) == 0) {
        put(b, odd[rnd(sizeof odd / sizeof odd[0])]);
        return;
    }
    if (rnd(3) == 0)
        put_byte(b, '-');
    digits(b, 1 + rnd(rnd(4) == 0 ? (rnd(8) == 0 ? 90 : 20) : 4));
    if (rnd(3) == 0) {
        put_byte(b, '.');
        digits(b, rnd(8));
    }
    if (rnd(4) == 0) {
        put_byte(b, "eE"[rnd(2)]);
        if (rnd(2))
            put_byte(b, "+-"[rnd(2)]);
        digits(b, rnd(4));
    }
}

static void escape(buf *b)
{
    static const char *const esc[] = {"\\n",
                                      "\\t",
                                      "\\\"",
                                      "\\\\",
                                      "\\/",
                                      "\\b",
                                      "\\f",
                                      "\\r",
                                      "\\u00e9",
                                      "\\u20AC",
                                      "\\u0000",
                                      "\\u00G0",
                                      "\\ud83d",
                                      "\\ude00",
                                      "\\ud83d\\ude00",
                                      "\\ud800x",
                                      "\\ud800\\u0041",
                                      "\\x",
                                      "\\u12",
                                      "\\uDBFF\\uDFFF"};
    put(b, esc[rnd(sizeof esc / sizeof esc[0])]);
}

static void string(buf *b)
{
    put_byte(b, '"');
    for (uint32_t n = rnd(10); n > 0; n--) {
        uint32_t k = rnd(12);
        if (k < 7)
            put_byte(b, (char)('a' + rnd(26)));
        else if (k < 9)
            escape(b);
        else if (k == 9)
            put_byte(b, (char)(0x80 + rnd(0x80)));
        else if (k == 10)
            put_byte(b, (char)rnd(0x20));
        else
            put(b, " ");
    }
    put_byte(b, '"');
}

static void value(buf *b, int depth);

static void list(buf *b, int depth, bool is_object)
{
    put_byte(b, is_object ? '{' : '[');
    ws(b);
    for (uint32_t i = 0, n = rnd(5); i < n; i++) {
        if (i > 0) {
            put_byte(b, ',');
            ws(b);
        }
        if (is_object) {
            string(b);
            ws(b);
            put_byte(b, ':');
            ws(b);
        }
        value(b, depth + 1);
        ws(b);
    }
    put_byte(b, is_object ? '}' : ']');
}

static void value(buf *b, int depth)
{
    static const char *const words[] = {"null", "true", "false", "nul",
                                        "tru",  "fals", "NaN",   "nullx"};
    uint32_t k = rnd(depth > 4 ? 5 : 8);
    if (k == 0)
        put(b, words[rnd(rnd(4) == 0 ? 8 : 3)]);
    else if (k < 3)
        number(b);
    else if (k < 5)
        string(b);
    else
        list(b, depth, k == 7 || (k == 6 && rnd(2)));
}

/* 0 to 3 edits: a byte deleted, inserted, replaced, or the end cut. */
static void mutate(buf *b)
{
    static const char pool[] = "{}[],:\"\\ -+0123456789.eEtrufalsn\x01\xff";
    for (uint32_t n = rnd(2) ? 0 : 1 + rnd(3); n > 0 && b->len > 0; n--) {
        size_t at = rnd((uint32_t)b->len);
        switch (rnd(4)) {
        case 0:
            memmove(b->s + at, b->s + at + 1, b->len - at - 1);
            b->len--;
            break;
        case 1:
            if (b->len + 1 < sizeof b->s) {
                memmove(b->s + at + 1, b->s + at, b->len - at);
                b->s[at] = pool[rnd(sizeof pool - 1)];
                b->len++;
            }
            break;
        case 2:
            b->s[at] = pool[rnd(sizeof pool - 1)];
            break;
        default:
            b->len = at;
        }
    }
}

#define N_TEXTS 20000

static void test_parse_agrees_with_cjson_on_generated_texts(void **state)
{
    (void)state;
    int n_parsed = 0;
    for (int i = 0; i < N_TEXTS; i++) {
        buf b = {.len = 0};
        if (rnd(20) == 0)
            put(&b, "\xEF\xBB\xBF");
        ws(&b);
        value(&b, 0);
        ws(&b);
        if (rnd(10) == 0)
            put(&b, "x");
        mutate(&b);
        b.s[b.len] = 0; /* cJSON may look one byte past the length */
        char what[64];
        snprintf(what, sizeof what, "text %d (seed 0x853c49e6748fea9b)", i);
        n_parsed += agree(b.s, b.len, what);
    }
    af_test_info("%d texts compared with cJSON, %d of them JSON", N_TEXTS,
                 n_parsed);
    /* both kinds in numbers: the generator is not degenerate */
    assert_true(n_parsed > N_TEXTS / 4 && n_parsed < N_TEXTS * 3 / 4);
}

static void test_parse_agrees_with_cjson_on_its_quirks(void **state)
{
    (void)state;
    /* leniencies cJSON has and we keep */
    static const char *const accepted[] = {"01",
                                           "-01",
                                           "1.",
                                           "-.5",
                                           "1e5",
                                           "\v1",
                                           "\x01[\x02]",
                                           "nullx",
                                           "[\"\\u00G0\"]",
                                           "\"\x01\x7f\xff\"",
                                           "\"\\ud83d\\ude00\"",
                                           "{\"a\":1,\"a\":2}",
                                           "\xEF\xBB\xBF[1]",
                                           "1 2",
                                           "\"\\u0000x\"",
                                           "[1,2] ",
                                           "{\"\":{}}",
                                           "-0",
                                           "1e400",
                                           "true"};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        if (!agree_str(accepted[i]))
            fail_msg("'%s' is not JSON", accepted[i]);
    static const char *const refused[] = {"",
                                          "  ",
                                          "[1,]",
                                          "{\"a\":1,}",
                                          "{a:1}",
                                          "[1 ",
                                          "\"abc\\",
                                          "\"abc",
                                          "\"\\ud800\"",
                                          "\"\\udc00\"",
                                          "\"\\ud800\\u0041\"",
                                          "\"\\x\"",
                                          "\"\\u12\"",
                                          "+1",
                                          ".5",
                                          "-",
                                          "--1",
                                          "nul",
                                          "{\"a\" 1}",
                                          "[",
                                          "{",
                                          "\xEF\xBB\xBF\x31",
                                          "{\"a\":1,",
                                          "[1,"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (agree_str(refused[i]))
            fail_msg("'%s' parsed", refused[i]);
}

static char *nested(int depth)
{
    char *s = malloc(2 * (size_t)depth + 1);
    assert_non_null(s);
    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[2 * depth] = 0;
    return s;
}

static void test_nesting_stops_where_cjson_stops(void **state)
{
    (void)state;
    char *ok = nested(1000), *deep = nested(1001);
    assert_true(agree(ok, strlen(ok), "1000 levels"));
    assert_false(agree(deep, strlen(deep), "1001 levels"));
    free(ok);
    free(deep);
}

static void test_long_numbers_are_read_whole(void **state)
{
    (void)state;
    /* the cJSON 1.7.14 source reads 63 characters and refuses the rest;
       the linked one, like this parser, reads the whole number */
    char text[128] = "[1.";
    memset(text + 3, '0', 90);
    strcpy(text + 93, "1]");
    assert_true(agree(text, strlen(text), "a 95-character number"));
    cJSON *t = NULL;
    size_t end = 0;
    assert_int_equal(af_jsonarena_parse(&arena, text, strlen(text), &t, &end),
                     0);
    assert_int_equal(end, strlen(text));
    assert_true(cJSON_IsNumber(t->child) && t->child->valuedouble == 1.0);
}

static void test_parse_reads_no_byte_past_the_length(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "{\"key\": [1, -2.5e3, \"a\\u00e9\\ud83d\\ude00\", true, null]}",
        "\"\\",
        "{\"a\":1,",
        "[1,",
        "12345678901234567890",
        "\xEF\xBB\xBF{}",
        "{\"a\"   :   \"b\"   }   "};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]);
        for (size_t n = 0; n <= len; n++) {
            char *exact = malloc(n != 0 ? n : 1); /* ASan guards the end */
            assert_non_null(exact);
            memcpy(exact, texts[i], n);
            cJSON *t = NULL;
            size_t end = 0;
            int rc = af_jsonarena_parse(&arena, exact, n, &t, &end);
            assert_true(rc == 0 || rc == AF_ESYNTAX);
            assert_true(end <= n);
            free(exact);
        }
    }
}

static void test_a_full_arena_is_not_a_syntax_error(void **state)
{
    (void)state;
    af_arena small;
    af_arena_init(&small);
    small.limit = 200;
    static const char text[] = "[\"aaaa\", \"bbbb\", \"cccc\", [[[[1]]]]]";
    cJSON *t = NULL;
    assert_int_equal(
        af_jsonarena_parse(&small, text, sizeof text - 1, &t, NULL), AF_ENOMEM);
    assert_null(t);
    af_arena_free(&small);
}

static void test_parse_allocates_only_from_the_arena(void **state)
{
    (void)state;
    char text[2048];
    size_t len = 0;
    text[len++] = '[';
    for (int i = 0; i < 10; i++)
        len += (size_t)snprintf(
            text + len, sizeof text - len,
            "%s{\"id\": %d, \"name\": \"Booking %d\", \"is_active\": true, "
            "\"price\": %d.25, \"guest\": {\"email\": \"a\\u0040b.org\"}}",
            i ? ", " : "", i, i, 100 + i);
    text[len++] = ']';
    cJSON *t = NULL;
    af_arena_reset(&arena);
    assert_int_equal(af_jsonarena_parse(&arena, text, len, &t, NULL), 0);
    n_mallocs = 0;
    is_counting = 1;
    for (int i = 0; i < 1000; i++) {
        af_arena_reset(&arena);
        if (af_jsonarena_parse(&arena, text, len, &t, NULL) != 0)
            break;
    }
    is_counting = 0;
    assert_int_equal(cJSON_GetArraySize(t), 10);
    af_test_info("%zu-byte body parsed 1000 times: %ld mallocs", len,
                 (long)n_mallocs);
    assert_int_equal(n_mallocs, 0);
}

static void test_builders_keep_cjson_list_invariants(void **state)
{
    (void)state;
    af_arena_reset(&arena);
    cJSON *obj = af_jsonarena_node(&arena, cJSON_Object);
    cJSON *arr = af_jsonarena_node(&arena, cJSON_Array);
    assert_true(
        af_jsonarena_add(&arena, obj, "n", af_jsonarena_number(&arena, 3e9)));
    assert_true(af_jsonarena_add(&arena, obj, "list", arr));
    af_jsonarena_append(arr, af_jsonarena_string(&arena, "a\0b", 3));
    af_jsonarena_append(arr, af_jsonarena_node(&arena, cJSON_True));
    af_jsonarena_append(arr, af_jsonarena_node(&arena, cJSON_NULL));
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    assert_ptr_equal(arr->child->prev, cJSON_GetArrayItem(arr, 2));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(obj, "n")->valueint,
                     2147483647);
    assert_int_equal(cJSON_GetArrayItem(arr, 1)->valueint, 1);
    char *s = cJSON_PrintUnformatted(obj);
    assert_string_equal(s, "{\"n\":3000000000,\"list\":[\"a\",true,null]}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_agrees_with_cjson_on_generated_texts),
        cmocka_unit_test(test_parse_agrees_with_cjson_on_its_quirks),
        cmocka_unit_test(test_nesting_stops_where_cjson_stops),
        cmocka_unit_test(test_long_numbers_are_read_whole),
        cmocka_unit_test(test_parse_reads_no_byte_past_the_length),
        cmocka_unit_test(test_a_full_arena_is_not_a_syntax_error),
        cmocka_unit_test(test_parse_allocates_only_from_the_arena),
        cmocka_unit_test(test_builders_keep_cjson_list_invariants),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
