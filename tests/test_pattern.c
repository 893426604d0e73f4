/*
 * test_pattern.c - ECMA-262 patterns on PCRE2: translation, search
 * semantics, UTF-8 and the bounds on catastrophic backtracking.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spec/pattern.h"
#include "util/error.h"

/* Compiles pat (which must compile) and matches s against it. */
static int match(const char *pat, const char *s)
{
    void *re = NULL;
    char msg[256];
    int rc = af_pattern_compile(pat, &re, msg, sizeof msg);
    if (rc != 0)
        fail_msg("pattern %s did not compile: %s", pat, msg);
    int m = af_pattern_match(re, s, strlen(s));
    af_pattern_free(re);
    return m;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_pattern_search_is_unanchored(void **state)
{
    (void)state;
    assert_int_equal(match("b", "abc"), 1);
    assert_int_equal(match("^b", "abc"), 0);
    assert_int_equal(match("c$", "abc"), 1);
    assert_int_equal(match("x", "abc"), 0);
    assert_int_equal(match("", ""), 1);
    assert_int_equal(match("^$", ""), 1);
}

static void test_pattern_dollar_matches_only_at_the_very_end(void **state)
{
    (void)state;
    assert_int_equal(match("^a$", "a"), 1);
    assert_int_equal(match("^a$", "a\n"), 0);
    assert_int_equal(match("^a$", "a\nb"), 0);
}

static void test_pattern_dot_excludes_ecma_line_terminators(void **state)
{
    (void)state;
    assert_int_equal(match("^.$", "x"), 1);
    assert_int_equal(match("^.$", "\xc3\xa9"), 1); /* é: one code point */
    assert_int_equal(match("^.$", "\x0b"), 1);     /* VT is not a newline */
    assert_int_equal(match("^.$", "\n"), 0);
    assert_int_equal(match("^.$", "\r"), 0);
    assert_int_equal(match("^.$", "\xe2\x80\xa8"), 0); /* U+2028 */
    assert_int_equal(match("^.$", "\xe2\x80\xa9"), 0); /* U+2029 */
    assert_int_equal(match("^[.]$", "x"), 0);          /* literal in class */
    assert_int_equal(match("^[.]$", "."), 1);
}

static void test_pattern_digit_and_word_classes_are_ascii(void **state)
{
    (void)state;
    assert_int_equal(match("^\\d+$", "0129"), 1);
    assert_int_equal(match("^\\d$", "\xd9\xa3"), 0); /* U+0663 ARABIC 3 */
    assert_int_equal(match("^\\w+$", "a_Z9"), 1);
    assert_int_equal(match("^\\w$", "\xc3\xa9"), 0);
    assert_int_equal(match("^\\W$", "\xc3\xa9"), 1);
    assert_int_equal(match("^[\\w-]+$", "a-b"), 1);
}

static void test_pattern_space_class_includes_ecma_unicode_spaces(void **state)
{
    (void)state;
    assert_int_equal(match("^\\s$", " "), 1);
    assert_int_equal(match("^\\s$", "\t"), 1);
    assert_int_equal(match("^\\s$", "\xc2\xa0"), 1);     /* U+00A0 */
    assert_int_equal(match("^\\s$", "\xef\xbb\xbf"), 1); /* U+FEFF */
    assert_int_equal(match("^\\s$", "\xe3\x80\x80"), 1); /* U+3000 */
    assert_int_equal(match("^\\s$", "x"), 0);
    assert_int_equal(match("^\\S$", "\xe3\x80\x80"), 0);
    assert_int_equal(match("^\\S$", "x"), 1);
    assert_int_equal(match("^[\\sx]+$", "x\xe2\x80\x83x"), 1); /* U+2003 */
}

static void test_pattern_unicode_escapes_follow_ecma(void **state)
{
    (void)state;
    assert_int_equal(match("^\\u00e9$", "\xc3\xa9"), 1);
    assert_int_equal(match("^\\u{1F600}$", "\xf0\x9f\x98\x80"), 1);
    assert_int_equal(match("^\\uD83D\\uDE00$", "\xf0\x9f\x98\x80"), 1);
    assert_int_equal(match("^[\\uD83D\\uDE00x]+$", "x\xf0\x9f\x98\x80"), 1);
    assert_int_equal(match("^\\x41$", "A"), 1);
    assert_int_equal(match("^\\U$", "U"), 1);
}

static void test_pattern_unicode_properties_take_long_names(void **state)
{
    (void)state;
    assert_int_equal(match("^\\p{Letter}+$", "\xc3\xa9t\xc3\xa9"), 1);
    assert_int_equal(match("^\\p{Letter}+$", "a1"), 0);
    assert_int_equal(match("^\\P{Uppercase_Letter}$", "a"), 1);
    assert_int_equal(match("^\\p{General_Category=Lu}$", "A"), 1);
    assert_int_equal(match("^\\p{gc=Decimal_Number}$", "\xd9\xa3"), 1);
    assert_int_equal(match("^\\p{digit}+$", "42"), 1);
    assert_int_equal(match("^[\\p{L}\\p{Nd}]+$", "x9"), 1);
    assert_int_equal(match("^\\p{Greek}$", "\xce\xb1"), 1); /* α */
}

static void test_pattern_quantifiers_count_code_points(void **state)
{
    (void)state;
    assert_int_equal(match("^.{2}$", "\xc3\xa9\xc3\xbc"), 1);
    assert_int_equal(match("^.{4}$", "\xc3\xa9\xc3\xbc"), 0);
    assert_int_equal(match("^[^a]$", "\xf0\x9f\x98\x80"), 1);
}

static void test_pattern_empty_classes_follow_ecma(void **state)
{
    (void)state;
    assert_int_equal(match("[]", "anything"), 0);
    assert_int_equal(match("^[^]$", "x"), 1);
    assert_int_equal(match("^[^]$", "\n"), 1);
}

static void test_pattern_bracket_inside_class_is_literal(void **state)
{
    (void)state;
    /* PCRE2 would read [[:alpha:]] as a POSIX class; ECMA does not. */
    assert_int_equal(match("^[[:a]+$", "[:a"), 1);
    assert_int_equal(match("^[[:alpha:]]$", "p]"), 1);
    assert_int_equal(match("^[\\]]$", "]"), 1);
}

static void test_pattern_unset_backreference_matches_empty(void **state)
{
    (void)state;
    assert_int_equal(match("^(?:(a)|b)\\1$", "b"), 1);
    assert_int_equal(match("^(a)\\1$", "aa"), 1);
}

static void test_pattern_common_real_world_patterns(void **state)
{
    (void)state;
    assert_int_equal(match("^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\\.[a-z.]+$",
                           "jo.e+x@example.co.uk"),
                     1);
    assert_int_equal(match("^\\+?[1-9]\\d{1,14}$", "+4915112345678"), 1);
    assert_int_equal(match("^[\\w\\-\\.]+$", "a-b.c"), 1);
    assert_int_equal(match("^\\d{4}-\\d{2}-\\d{2}$", "2024-02-30"), 1);
    assert_int_equal(match("^\\/api\\/v[0-9]$", "/api/v2"), 1);
}

static void test_pattern_that_does_not_compile_reports_why(void **state)
{
    (void)state;
    const char *bad[] = {"(",        "[a-", "a{2,1}", "\\p{NoSuchProperty}",
                         "(?<=a+)b", "\\"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *re = (void *)1;
        char msg[256];
        int rc = af_pattern_compile(bad[i], &re, msg, sizeof msg);
        assert_int_equal(rc, AF_ESPEC);
        assert_null(re);
        assert_true(strlen(msg) > 0);
    }
}

static void test_pattern_too_long_is_refused(void **state)
{
    (void)state;
    size_t n = AF_PATTERN_MAX_LEN + 1;
    char *src = malloc(n + 1);
    assert_non_null(src);
    memset(src, 'a', n);
    src[n] = '\0';
    void *re = NULL;
    char msg[128];
    assert_int_equal(af_pattern_compile(src, &re, msg, sizeof msg), AF_ESPEC);
    assert_null(re);
    assert_non_null(strstr(msg, "longer"));
    free(src);
}

static void test_pattern_invalid_utf8_subject_is_an_error(void **state)
{
    (void)state;
    assert_int_equal(match("a", "a\xff"), AF_EUSAGE);
    assert_int_equal(af_pattern_match(NULL, "a", 1), AF_EUSAGE);
}

static void test_pattern_catastrophic_backtracking_is_bounded(void **state)
{
    (void)state;
    const char *evil[] = {"^(a+)+$", "^(a|aa)+$", "^(a|a?)+$", "^(\\w+\\s?)*$"};
    char subject[64];
    memset(subject, 'a', 48);
    strcpy(subject + 48, "!");
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        void *re = NULL;
        assert_int_equal(af_pattern_compile(evil[i], &re, NULL, 0), 0);
        double t0 = seconds_now();
        int rc = af_pattern_match(re, subject, strlen(subject));
        double dt = seconds_now() - t0;
        assert_true(rc == AF_ELIMIT || rc == 0);
        assert_true(dt < 1.0);
        af_test_info("%s on 48 a's and '!': %s in %.1f ms", evil[i],
                     rc == AF_ELIMIT ? "limit" : "no match", dt * 1e3);
        af_pattern_free(re);
    }
}

static void
test_pattern_long_subject_with_group_repetition_matches(void **state)
{
    (void)state;
    size_t n = 20000;
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = i % 2 ? 'a' : 'b';
    s[n] = '\0';
    assert_int_equal(match("^(a|b)*$", s), 1);
    free(s);
}

static void *match_many(void *arg)
{
    void *re = arg;
    intptr_t hits = 0;
    for (int i = 0; i < 2000; i++)
        hits += af_pattern_match(re, "id-42", 5) == 1;
    af_pattern_thread_cleanup();
    return (void *)hits;
}

static void test_pattern_one_code_is_matched_by_threads(void **state)
{
    (void)state;
    void *re = NULL;
    assert_int_equal(af_pattern_compile("^id-\\d+$", &re, NULL, 0), 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, match_many, re), 0);
    for (int i = 0; i < 3; i++) {
        void *hits = NULL;
        pthread_join(t[i], &hits);
        assert_int_equal((intptr_t)hits, 2000);
    }
    af_pattern_free(re);
}

static void test_pattern_cache_shares_one_code_per_source(void **state)
{
    (void)state;
    af_pattern_cache *cache = NULL;
    void *a = NULL, *b = NULL, *other = NULL, *bad = NULL;
    char msg[256];
    assert_int_equal(
        af_pattern_cache_compile(&cache, "^x\\d+$", &a, msg, sizeof msg), 0);
    assert_int_equal(
        af_pattern_cache_compile(&cache, "^x\\d+$", &b, msg, sizeof msg), 0);
    assert_int_equal(
        af_pattern_cache_compile(&cache, "^y$", &other, msg, sizeof msg), 0);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, other);
    assert_int_equal(
        af_pattern_cache_compile(&cache, "(", &bad, msg, sizeof msg), AF_ESPEC);
    assert_null(bad);
    assert_true(strlen(msg) > 0);
    /* references outlive the cache and are dropped in any order */
    af_pattern_cache_free(cache);
    af_pattern_free(a);
    assert_int_equal(af_pattern_match(b, "x12", 3), 1);
    assert_int_equal(af_pattern_match(other, "x12", 3), 0);
    af_pattern_free(b);
    af_pattern_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_search_is_unanchored),
        cmocka_unit_test(test_pattern_dollar_matches_only_at_the_very_end),
        cmocka_unit_test(test_pattern_dot_excludes_ecma_line_terminators),
        cmocka_unit_test(test_pattern_digit_and_word_classes_are_ascii),
        cmocka_unit_test(test_pattern_space_class_includes_ecma_unicode_spaces),
        cmocka_unit_test(test_pattern_unicode_escapes_follow_ecma),
        cmocka_unit_test(test_pattern_unicode_properties_take_long_names),
        cmocka_unit_test(test_pattern_quantifiers_count_code_points),
        cmocka_unit_test(test_pattern_empty_classes_follow_ecma),
        cmocka_unit_test(test_pattern_bracket_inside_class_is_literal),
        cmocka_unit_test(test_pattern_unset_backreference_matches_empty),
        cmocka_unit_test(test_pattern_common_real_world_patterns),
        cmocka_unit_test(test_pattern_that_does_not_compile_reports_why),
        cmocka_unit_test(test_pattern_too_long_is_refused),
        cmocka_unit_test(test_pattern_invalid_utf8_subject_is_an_error),
        cmocka_unit_test(test_pattern_catastrophic_backtracking_is_bounded),
        cmocka_unit_test(
            test_pattern_long_subject_with_group_repetition_matches),
        cmocka_unit_test(test_pattern_one_code_is_matched_by_threads),
        cmocka_unit_test(test_pattern_cache_shares_one_code_per_source),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    af_pattern_thread_cleanup();
    return rc;
}
