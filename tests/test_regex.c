/*
 * test_regex.c - the ECMA-262 pattern generator, judged by PCRE2.
 *
 * Every generated string must match its pattern under PCRE2 (compiled
 * with PCRE2_UTF, unanchored, as JSON Schema matches; ALT_BSUX for the
 * ECMA escapes \u and \x, DOLLAR_ENDONLY and MATCH_UNSET_BACKREF for
 * ECMA's $ and backreferences).
 */
#include "testutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen/choice.h"
#include "gen/regex.h"
#include "util/arena.h"
#include "util/error.h"

#define SEED 0x7265676578ull /* "regex" */
#define PER_PATTERN 500

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static void fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rnd();
}

static pcre2_code *pcre_compile_ecma(const char *src)
{
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS |
                          PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_UNSET_BACKREF,
                      &code, &off, cc);
    pcre2_compile_context_free(cc);
    return re;
}

/* af_regex_match_fn over a pcre2_code, with a match limit: random
   patterns can backtrack catastrophically. */
static int pcre_match(const void *code, const char *s, size_t len)
{
    static pcre2_match_context *mc;
    if (mc == NULL) {
        mc = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(mc, 200000);
        pcre2_set_depth_limit(mc, 10000);
    }
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, mc);
    pcre2_match_data_free(md);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

/* Code points of UTF-8 text. */
static size_t n_code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

static const char *const patterns[] = {
    "^[a-zA-Z0-9_-]{1,64}$",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
    "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]"
    "{3}-[0-9a-fA-F]{12}$",
    "^(\\+|-)?\\d+(\\.\\d+)?$",
    "[^/]+",
    "^[A-Z]{2,3}$",
    "^(cat|dog|bird)$",
    "^(?:(?:a|b)c|d(?:e|f)+)*$",
    "^a+?b*?c??$",
    "\\bfoo\\b",
    "^\\u00e9\\u{1F600}caf\\u00E9$",
    "^\\w+$",
    "^\\W+$",
    "^\\s*$",
    "^\\S{3}$",
    "^\\D\\d$",
    "^[\\d\\s]+$",
    "^[^\\d\\s]+$",
    "^.{2,5}$",
    "^[^a-z]$",
    "abc",
    "^$",
    "^\\x41\\x42\\t\\n\\r\\v\\f\\0$",
    "^\\cJ\\cm$",
    "^(?<year>\\d{4})-(?<month>0[1-9]|1[0-2])$",
    "^(a|b)\\1$",
    "^(?<q>['\"]).*\\k<q>$",
    "^(?=.*[A-Z])(?=.*\\d)[A-Za-z\\d]{8,16}$",
    "^(?!admin$)[a-z]+$",
    "(?<=\\$)\\d+",
    "^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$",
    "^https?://[a-z0-9.-]+(/[^\\s]*)?$",
    "^(\\d{1,3}\\.){3}\\d{1,3}$",
    "^[A-Z][a-z]+( [A-Z][a-z]+)*$",
    "^#[0-9a-fA-F]{6}$",
    "^\\+?[1-9]\\d{1,14}$",
    "^a[a-z]{0}b$",
    "^(ab){2,}$",
    "^a{3}$",
    "^a{2,4}?$",
    "x*",
    "^(|a)$",
    "^(a|)+$",
    "^(?:a*)*b$",
    "^[\\u4e00-\\u9fff]+$",
    "^[^\\u0000-\\u007f]+$",
    "^[\\]\\[\\\\-]+$",
    "^[-a][a-]$",
    "^\\.\\*\\+\\?\\(\\)\\{\\}\\|\\^\\$\\/$",
    "^a{$",
    "^x{1,2}}$",
    "^[a-c][x-z]\\B[m-n]$",
    "a\\Bb",
    "^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    "@example\\.com$",
    "^[A-Z]{3}\\d{3}$",
    "^(true|false)$",
    "^(GET|POST|PUT|DELETE|PATCH)$",
    "^v\\d+(\\.\\d+){0,2}(-[a-z]+)?$",
    "^[^]$",
    "^(a|ab)(c|bcd)(d*)$",
    "[\\s\\S]{3}",
    "^[\\w.-]+$",
    "^\\d+(,\\d+)*$",
    "^[ -~]{5,10}$",
    "^.*$",
    "^a|b$",
    "^(?:\\((?:[^()]|\\([^()]*\\))*\\))$",
    "^[\xf0\x9f\x98\x80-\xf0\x9f\x98\x82]$",
    "\xc3\xa9+",
    "^[^\\W\\d_]+$",
    "^\\b\\w+\\b$",
    "(foo|bar)\\b",
    "^[^\\S\\n]+$",
    "^(?:(a)|b)\\1c$",
    "^[\\b]$",
    "^\\d{2}(?:\\.\\d{1,3})?%$",
    "^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$",
};
#define N_PATTERNS (sizeof patterns / sizeof patterns[0])

static void show(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    out[o] = '\0';
}

/* Generates from one input and checks the result under PCRE2. */
static void check_one(const char *src, const af_regex *re, pcre2_code *pc,
                      const uint8_t *in, size_t n, af_arena *a, int i)
{
    af_choices c;
    af_choice_init(&c, in, n);
    char *s;
    size_t len;
    /* the matcher only where the generator needs one, so that a wrong
       string is not hidden by a retry */
    bool needs = af_regex_needs_filter(re);
    int rc = af_regex_generate_ex(re, needs ? pcre_match : NULL, pc, &c, a, 0,
                                  200, &s, &len);
    char shown[1024];
    show(s, len, shown, sizeof shown);
    if (rc != 0)
        fail_msg("/%s/ case %d (seed %#llx): rc %d, string \"%s\"", src, i,
                 (unsigned long long)SEED, rc, shown);
    if (pcre_match(pc, s, len) != 1)
        fail_msg("/%s/ case %d (seed %#llx): \"%s\" does not match", src, i,
                 (unsigned long long)SEED, shown);
    assert_true(n_code_points(s, len) <= 200 + 2 * AF_REGEX_MAX_AFFIX);
    assert_int_equal(s[len], '\0');
}

static void test_every_generated_string_matches_under_pcre2(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    size_t total = 0;
    for (size_t k = 0; k < N_PATTERNS; k++) {
        af_regex *re;
        char err[256];
        int rc = af_regex_compile(&model, patterns[k], &re, err, sizeof err);
        if (rc != 0)
            fail_msg("/%s/ does not compile: %s", patterns[k], err);
        pcre2_code *pc = pcre_compile_ecma(patterns[k]);
        if (pc == NULL)
            fail_msg("/%s/: PCRE2 refuses it", patterns[k]);
        static const uint8_t zeros[64];
        check_one(patterns[k], re, pc, zeros, sizeof zeros, &input, -1);
        for (int i = 0; i < PER_PATTERN; i++) {
            uint8_t in[96];
            size_t n = rnd() % sizeof in;
            fill(in, n);
            check_one(patterns[k], re, pc, in, n, &input, i);
            af_arena_reset(&input);
            total++;
        }
        pcre2_code_free(pc);
    }
    af_test_info("%zu patterns, %zu generated strings, all match", N_PATTERNS,
                 total);
    af_arena_free(&model);
    af_arena_free(&input);
}

static char *gen_zero(af_arena *model, af_arena *input, const char *src)
{
    af_regex *re;
    char err[256];
    if (af_regex_compile(model, src, &re, err, sizeof err) != 0)
        fail_msg("/%s/: %s", src, err);
    af_choices c;
    af_choice_init(&c, NULL, 0);
    char *s;
    size_t len;
    assert_int_equal(af_regex_generate(re, &c, input, 100, &s, &len), 0);
    assert_int_equal(len, strlen(s));
    assert_int_equal(n_code_points(s, len), af_regex_min_len(re));
    return s;
}

static void test_zero_choices_give_the_shortest_simplest_match(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"^[a-zA-Z0-9_-]{1,64}$", "a"},
        {"^\\d{4}-\\d{2}-\\d{2}$", "0000-00-00"},
        {"^[A-Z]{2,3}$", "AA"},
        {"^(cat|dog|bird)$", "cat"},
        {"^(bird|dog|cat)$", "dog"},
        {"[^/]+", "a"},
        {"^(\\+|-)?\\d+(\\.\\d+)?$", "0"},
        {"^a{3}$", "aaa"},
        {"^\\s*$", ""},
        {"^\\W+$", " "},
        {"x*", ""},
        {"^#[0-9a-fA-F]{6}$", "#aaaaaa"},
        {"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-"
         "[0-9a-f]{12}$",
         "aaaaaaaa-aaaa-1aaa-aaaa-aaaaaaaaaaaa"},
        {"^(true|false)$", "true"},
        {"^.{2,5}$", "aa"},
        {"^[^a-z]$", "A"},
        {"^\\u00e9+$", "\xc3\xa9"},
    };
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(gen_zero(&model, &input, cases[i][0]), cases[i][1]);
    af_arena_free(&model);
    af_arena_free(&input);
}

static void expect_error(const char *src, int code)
{
    af_arena model;
    af_arena_init(&model);
    af_regex *re = (af_regex *)&model;
    char err[256] = "untouched";
    int rc = af_regex_compile(&model, src, &re, err, sizeof err);
    if (rc != code)
        fail_msg("/%s/: expected %d, got %d (%s)", src, code, rc, err);
    assert_null(re);
    assert_true(strlen(err) > 0);
    assert_non_null(strstr(err, "at offset"));
    af_arena_free(&model);
}

static void test_invalid_patterns_give_an_error_message(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "(",       "a)",
        "[a",      "a**",
        "*a",      "a{2,1}",
        "\\",      "[z-a]",
        "\\1",     "(?i)a",
        "\\k<x>",  "\\u12",
        "\\xZZ",   "(?<n>a)(?<n>b)",
        "[\\d-z]", "\\uD800",
        "a{1}{2}", "\\a",
        "^*",      "\\b+",
        "a+*",     "(?<1a>x)",
        "\\c1",    "\\01",
        "(?<=a)*", "\xff",
        "\xc3",    "\\u{110000}",
        "a??+",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(bad[i], AF_ESPEC);
    expect_error("\\p{L}", AF_EUNSUPPORTED);
    expect_error("[\\P{L}]", AF_EUNSUPPORTED);
}

static void test_nesting_depth_and_length_are_bounded(void **state)
{
    (void)state;
    char src[AF_REGEX_MAX_SOURCE + 2];
    int d = AF_REGEX_MAX_DEPTH;
    memset(src, '(', (size_t)d);
    src[d] = 'a';
    memset(src + d + 1, ')', (size_t)d);
    src[2 * d + 1] = '\0';
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    af_regex *re;
    char err[256];
    assert_int_equal(af_regex_compile(&model, src, &re, err, sizeof err), 0);
    af_choices c;
    af_choice_init(&c, NULL, 0);
    char *s;
    size_t len;
    assert_int_equal(af_regex_generate(re, &c, &input, 10, &s, &len), 0);
    assert_string_equal(s, "a");
    memset(src, '(', (size_t)d + 1);
    src[d + 1] = 'a';
    memset(src + d + 2, ')', (size_t)d + 1);
    src[2 * d + 3] = '\0';
    expect_error(src, AF_ELIMIT);
    memset(src, 'a', sizeof src - 1);
    src[sizeof src - 1] = '\0';
    expect_error(src, AF_ELIMIT);
    /* a huge repetition is refused at generation, not attempted */
    assert_int_equal(
        af_regex_compile(&model, "^(a{1000}){1000}$", &re, err, sizeof err), 0);
    assert_int_equal(af_regex_generate(re, &c, &input, 4096, &s, &len),
                     AF_ELIMIT);
    assert_string_equal(s, "");
    /* nested zero-width loops stay bounded */
    assert_int_equal(
        af_regex_compile(&model, "((((((a?)*)*)*)*)*)*b", &re, err, sizeof err),
        0);
    uint8_t ones[4096];
    memset(ones, 0xff, sizeof ones);
    af_choice_init(&c, ones, sizeof ones);
    int rc = af_regex_generate(re, &c, &input, 4096, &s, &len);
    assert_true(rc == 0 || rc == AF_ELIMIT);
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_empty_class_and_impossible_anchors_fail_cleanly(void **state)
{
    (void)state;
    static const char *const never[] = {"[]", "a^b", "a$b", "^\\bx\\B$", "a[]"};
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, never[i], &re, err, sizeof err), 0);
        af_choices c;
        af_choice_init(&c, "\x01\x02\x03", 3);
        char *s;
        size_t len;
        assert_int_equal(af_regex_generate(re, &c, &input, 50, &s, &len),
                         AF_ELIMIT);
        assert_non_null(s);
    }
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_lengths_respect_max_and_reach_min(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    static const char *const srcs[] = {"^[a-z]+$", "\\d", "^\\w{2,}x$",
                                       "^(ab|c)*$", "[\\u4e00-\\u9fff]+$"};
    for (size_t k = 0; k < sizeof srcs / sizeof srcs[0]; k++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, srcs[k], &re, err, sizeof err), 0);
        pcre2_code *pc = pcre_compile_ecma(srcs[k]);
        for (int i = 0; i < 300; i++) {
            uint8_t in[64];
            fill(in, sizeof in);
            size_t min = rnd() % 30, max = min + 1 + rnd() % 30;
            if (max < af_regex_min_len(re))
                max = af_regex_min_len(re) + rnd() % 30;
            af_choices c;
            af_choice_init(&c, in, sizeof in);
            char *s;
            size_t len;
            int rc = af_regex_generate_ex(re, NULL, NULL, &c, &input, min, max,
                                          &s, &len);
            if (rc != 0)
                fail_msg("/%s/ [%zu, %zu] case %d: rc %d", srcs[k], min, max, i,
                         rc);
            size_t n = n_code_points(s, len);
            assert_true(n >= min && n <= max);
            assert_int_equal(pcre_match(pc, s, len), 1);
        }
        pcre2_code_free(pc);
    }
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_negated_classes_reach_beyond_ascii(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    af_regex *re;
    char err[256];
    assert_int_equal(af_regex_compile(&model, "^[^a-z]$", &re, err, sizeof err),
                     0);
    int n_other = 0;
    for (int i = 0; i < 2000; i++) {
        uint8_t in[8];
        fill(in, sizeof in);
        af_choices c;
        af_choice_init(&c, in, sizeof in);
        char *s;
        size_t len;
        assert_int_equal(af_regex_generate(re, &c, &input, 10, &s, &len), 0);
        unsigned char ch = (unsigned char)s[0];
        assert_false(len == 1 && ch >= 'a' && ch <= 'z');
        n_other += len > 1 || ch < 0x20 || ch == 0x7f;
        af_arena_reset(&input);
    }
    assert_true(n_other > 0 && n_other < 1000);
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_lookarounds_and_backreferences_need_the_filter(void **state)
{
    (void)state;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    static const char *const srcs[] = {"(a)\\1", "a(?=b)",        "(?<!x)y",
                                       "q(?!z)", "(?<n>.)\\k<n>", "abc",
                                       "^\\bx$"};
    static const bool needs[] = {true, true, true, true, true, false, false};
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, srcs[i], &re, err, sizeof err), 0);
        assert_int_equal(af_regex_needs_filter(re), needs[i]);
        af_choices c;
        af_choice_init(&c, NULL, 0);
        char *s;
        size_t len;
        int rc = af_regex_generate(re, &c, &input, 10, &s, &len);
        assert_int_equal(rc, needs[i] ? AF_EUNSUPPORTED : 0);
    }
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_generation_is_deterministic_and_reads_one_span(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    af_regex *re;
    char err[256];
    assert_int_equal(
        af_regex_compile(&model, "^[a-z]{1,10}(-\\d+)*$", &re, err, sizeof err),
        0);
    for (int i = 0; i < 500; i++) {
        uint8_t in[80];
        fill(in, sizeof in);
        char *s1, *s2;
        size_t l1, l2;
        af_choices c1, c2;
        af_choice_init(&c1, in, sizeof in);
        af_choice_init(&c2, in, sizeof in);
        assert_int_equal(af_regex_generate(re, &c1, &input, 64, &s1, &l1), 0);
        size_t end = af_choice_pos(&c1);
        /* the next read starts right after the string's span */
        af_choices rest;
        af_choice_init(&rest, end < sizeof in ? in + end : NULL,
                       end < sizeof in ? sizeof in - end : 0);
        assert_int_equal(af_choice_int(&c1, 0, 1000),
                         af_choice_int(&rest, 0, 1000));
        af_choice_init(&c2, in, sizeof in);
        assert_int_equal(af_regex_generate(re, &c2, &input, 64, &s2, &l2), 0);
        assert_int_equal(af_choice_pos(&c2), end);
        assert_int_equal(l1, l2);
        assert_memory_equal(s1, s2, l1);
        af_arena_reset(&input);
    }
    af_arena_free(&model);
    af_arena_free(&input);
}

/* Random patterns: never a crash; when PCRE2 agrees the pattern is valid
   and it needs no filter, the generated string must match. */
static void test_random_patterns_never_crash(void **state)
{
    (void)state;
    rng_state = SEED;
    static const char alphabet[] =
        "()[]{}|*+?.^$\\-,:=!<>0123456789abdswDSWBkux"
        "cpP/ \xc3\xa9";
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    int n_ok = 0, n_checked = 0;
    for (int i = 0; i < 10000; i++) {
        char src[48];
        size_t n = rnd() % (sizeof src - 1);
        bool is_raw = i % 2 == 0; /* raw bytes, or mostly syntax */
        for (size_t k = 0; k < n; k++) {
            char ch = is_raw || rnd() % 4 == 0
                          ? (char)(rnd() % 255 + 1)
                          : alphabet[rnd() % (sizeof alphabet - 1)];
            src[k] = ch;
        }
        src[n] = '\0';
        af_regex *re;
        char err[128];
        int rc = af_regex_compile(&model, src, &re, err, sizeof err);
        if (rc != 0) {
            assert_true(rc < 0 && strlen(err) > 0);
            continue;
        }
        n_ok++;
        uint8_t in[64];
        fill(in, sizeof in);
        af_choices c;
        af_choice_init(&c, in, sizeof in);
        char *s;
        size_t len;
        pcre2_code *pc = pcre_compile_ecma(src);
        bool needs = af_regex_needs_filter(re);
        rc = af_regex_generate_ex(re, pc != NULL && needs ? pcre_match : NULL,
                                  pc, &c, &input, 0, 100, &s, &len);
        if (pc != NULL && rc == 0) {
            n_checked++;
            char shown[256];
            show(s, len, shown, sizeof shown);
            if (pcre_match(pc, s, len) != 1)
                fail_msg("random /%s/: \"%s\" does not match", src, shown);
        }
        pcre2_code_free(pc);
        af_arena_reset(&input);
        if (i % 1000 == 999)
            af_arena_reset(&model);
    }
    af_test_info("random patterns: %d of 10000 compile, %d generated and "
                 "checked",
                 n_ok, n_checked);
    af_arena_free(&model);
    af_arena_free(&input);
}

/* Encodes s for re and checks that generating from the bytes gives s. */
static int encode_and_back(const af_regex *re, const char *s, size_t len,
                           size_t min, size_t max, af_arena *a)
{
    af_choice_writer w;
    af_choice_writer_init(&w, a);
    int rc = af_regex_encode(re, &w, s, len, min, max);
    if (rc != 0) {
        assert_int_equal(w.len, 0); /* nothing written */
        return rc;
    }
    const uint8_t *bytes;
    size_t n;
    assert_int_equal(af_choice_writer_finish(&w, &bytes, &n), 0);
    af_choices c;
    af_choice_init(&c, bytes, n);
    char *out;
    size_t out_len;
    rc = af_regex_generate_ex(re, NULL, NULL, &c, a, min, max, &out, &out_len);
    assert_true(rc == 0 ||
                (rc == AF_EUNSUPPORTED && af_regex_needs_filter(re)));
    assert_int_equal(out_len, len);
    assert_memory_equal(out, s, len);
    return 0;
}

static void test_generated_strings_encode_back_to_themselves(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    size_t n_done = 0;
    for (size_t k = 0; k < N_PATTERNS; k++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, patterns[k], &re, err, sizeof err), 0);
        pcre2_code *pc = pcre_compile_ecma(patterns[k]);
        for (int i = 0; i < 100; i++) {
            uint8_t in[96];
            fill(in, sizeof in);
            size_t min = i % 3 == 0 ? rnd() % 12 : 0;
            af_choices c;
            af_choice_init(&c, in, rnd() % sizeof in);
            char *s;
            size_t len;
            bool needs = af_regex_needs_filter(re);
            if (af_regex_generate_ex(re, needs ? pcre_match : NULL, pc, &c,
                                     &input, min, 60, &s, &len) != 0)
                continue;
            int rc = encode_and_back(re, s, len, min, 60, &input);
            if (rc != 0)
                fail_msg("/%s/ case %d: \"%s\" does not encode (%d)",
                         patterns[k], i, s, rc);
            n_done++;
            af_arena_reset(&input);
        }
        pcre2_code_free(pc);
    }
    af_test_info("%zu generated strings encoded and decoded back", n_done);
    af_arena_free(&model);
    af_arena_free(&input);
}

static void test_examples_encode_and_mismatches_are_refused(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
         "john.doe.the.third@mail.example.com"},
        {"^\\d{4}-\\d{2}-\\d{2}$", "2024-01-31"},
        {"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-"
         "[0-9a-f]{12}$",
         "123e4567-e89b-12d3-a456-426614174000"},
        {"^a+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"\\d+", "ab123cd"},
        {"^(a|b)\\1c$", "bbc"},
        {"(?<=\\$)\\d+", "$42"},
        {"^(?:\\((?:[^()]|\\([^()]*\\))*\\))$", "(a(b)c)"},
        {"^\\u00e9\\u{1F600}$", "\xc3\xa9\xf0\x9f\x98\x80"},
        {"[^/]+", "caf\xc3\xa9 \xe4\xb8\xad/"},
    };
    static const char *const bad[][2] = {
        {"^\\d{4}$", "12345"},
        {"^[a-z]+$", "abc1"},
        {"\\d", "abcdefghij5klmnopqrstu"}, /* affixes of at most 8 */
        {"^a$", "\xff"},
    };
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, ok[i][0], &re, err, sizeof err), 0);
        int rc =
            encode_and_back(re, ok[i][1], strlen(ok[i][1]), 0, 100, &input);
        if (rc != 0)
            fail_msg("/%s/: \"%s\" does not encode (%d)", ok[i][0], ok[i][1],
                     rc);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        af_regex *re;
        char err[256];
        assert_int_equal(
            af_regex_compile(&model, bad[i][0], &re, err, sizeof err), 0);
        assert_int_equal(
            encode_and_back(re, bad[i][1], strlen(bad[i][1]), 0, 100, &input),
            AF_EUSAGE);
    }
    /* length bounds are the generator's: too short or too long is refused */
    af_regex *re;
    char err[256];
    assert_int_equal(af_regex_compile(&model, "^[a-z]+$", &re, err, sizeof err),
                     0);
    assert_int_equal(encode_and_back(re, "abc", 3, 5, 10, &input), AF_EUSAGE);
    assert_int_equal(encode_and_back(re, "abcdefghijk", 11, 0, 10, &input),
                     AF_EUSAGE);
    assert_int_equal(encode_and_back(re, "abcde", 5, 5, 10, &input), 0);
    af_arena_free(&model);
    af_arena_free(&input);
}

/* Random well-formed-ish patterns from a small grammar of the syntax.
   No `[]`: PCRE2 10.42 never matches a quantified empty class ([]*x does
   not match "x"), where ECMA-262 matches. */
static void grammar_alt(char *o, size_t *n, int depth);

static void grammar_atom(char *o, size_t *n, int depth)
{
    static const char *const atoms[] = {
        "a",        "b",         "\\d",   "\\w",   "\\s",    "\\D",
        "\\W",      "\\S",       ".",     "[a-c]", "[^a]",   "[^\\s]",
        "[\\d_]",   "\\b",       "\\B",   "^",     "$",      "\\u00e9",
        "\\x41",    "\xc3\xa9",  "\\.",   "-",     "[^]",    "\\n",
        "\\t",      "\\0",       "\\cA",  "{",     "}",      "]",
        "x{2}",     "\\1",       "(?=a)", "(?!b)", "(?<=a)", "(?<!b)",
        "[\\W\\d]", "\\u{10000}"};
    static const char *const quants[] = {"",   "",    "",      "*",    "+",
                                         "?",  "{2}", "{1,3}", "{0,}", "*?",
                                         "+?", "??",  "{2,4}?"};
    static const char *const opens[] = {"(", "(?:", "(?=", "(?!"};
    if (*n > 200)
        return;
    const char *q = quants[rnd() % (sizeof quants / sizeof quants[0])];
    if (depth < 4 && rnd() % 4 == 0) {
        const char *op = opens[rnd() % (sizeof opens / sizeof opens[0])];
        *n += (size_t)sprintf(o + *n, "%s", op);
        grammar_alt(o, n, depth + 1);
        *n += (size_t)sprintf(o + *n, ")%s", q);
        return;
    }
    const char *a = atoms[rnd() % (sizeof atoms / sizeof atoms[0])];
    *n += (size_t)sprintf(o + *n, "%s%s", a, q);
}

static void grammar_alt(char *o, size_t *n, int depth)
{
    int k = 1 + (int)(rnd() % 3);
    for (int i = 0; i < k; i++) {
        if (i > 0)
            o[(*n)++] = '|';
        int m = (int)(rnd() % 4);
        for (int j = 0; j < m; j++)
            grammar_atom(o, n, depth);
    }
    o[*n] = '\0';
}

/* Differential: where PCRE2 and the generator both accept a pattern,
   every string the generator reports as matching does match. */
static void test_grammar_random_patterns_match_under_pcre2(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    int n_both = 0, n_strings = 0;
    for (int i = 0; i < 5000; i++) {
        char src[2048];
        size_t n = 0;
        grammar_alt(src, &n, 0);
        af_regex *re;
        char err[128];
        int rc = af_regex_compile(&model, src, &re, err, sizeof err);
        pcre2_code *pc = pcre_compile_ecma(src);
        if (rc == 0 && pc == NULL)
            fail_msg("/%s/ compiles here but not under PCRE2", src);
        if (rc == 0) {
            n_both++;
            for (int t = 0; t < 10; t++) {
                uint8_t in[64];
                fill(in, sizeof in);
                af_choices c;
                af_choice_init(&c, in, rnd() % sizeof in);
                char *s;
                size_t len;
                bool needs = af_regex_needs_filter(re);
                if (af_regex_generate_ex(re, needs ? pcre_match : NULL, pc, &c,
                                         &input, 0, 100, &s, &len) != 0)
                    continue;
                n_strings++;
                char shown[512];
                show(s, len, shown, sizeof shown);
                if (pcre_match(pc, s, len) != 1)
                    fail_msg("/%s/: \"%s\" does not match", src, shown);
                int erc = encode_and_back(re, s, len, 0, 100, &input);
                if (erc != 0 && erc != AF_ELIMIT)
                    fail_msg("/%s/: \"%s\" does not encode (%d)", src, shown,
                             erc);
            }
        }
        pcre2_code_free(pc);
        af_arena_reset(&input);
        if (i % 500 == 499)
            af_arena_reset(&model);
    }
    af_test_info("grammar patterns: %d of 5000 valid, %d strings checked",
                 n_both, n_strings);
    af_arena_free(&model);
    af_arena_free(&input);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_generation_speed(void **state)
{
    (void)state;
    rng_state = SEED;
    af_arena model, input;
    af_arena_init(&model);
    af_arena_init(&input);
    af_regex *re;
    char err[256];
    assert_int_equal(
        af_regex_compile(&model, "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
                         &re, err, sizeof err),
        0);
    uint8_t in[4096];
    fill(in, sizeof in);
    const int n = 20000;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        af_choices c;
        size_t off = (size_t)(i * 37) % (sizeof in - 128);
        af_choice_init(&c, in + off, 128);
        char *s;
        size_t len;
        assert_int_equal(af_regex_generate(re, &c, &input, 64, &s, &len), 0);
        af_arena_reset(&input);
    }
    double dt = now_s() - t0;
    af_test_info("email-like pattern: %.0f strings/s (this build)", n / dt);
    af_arena_free(&model);
    af_arena_free(&input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_generated_string_matches_under_pcre2),
        cmocka_unit_test(test_zero_choices_give_the_shortest_simplest_match),
        cmocka_unit_test(test_invalid_patterns_give_an_error_message),
        cmocka_unit_test(test_nesting_depth_and_length_are_bounded),
        cmocka_unit_test(test_empty_class_and_impossible_anchors_fail_cleanly),
        cmocka_unit_test(test_lengths_respect_max_and_reach_min),
        cmocka_unit_test(test_negated_classes_reach_beyond_ascii),
        cmocka_unit_test(test_lookarounds_and_backreferences_need_the_filter),
        cmocka_unit_test(test_generation_is_deterministic_and_reads_one_span),
        cmocka_unit_test(test_generated_strings_encode_back_to_themselves),
        cmocka_unit_test(test_examples_encode_and_mismatches_are_refused),
        cmocka_unit_test(test_random_patterns_never_crash),
        cmocka_unit_test(test_grammar_random_patterns_match_under_pcre2),
        cmocka_unit_test(test_generation_speed),
    };
    return cmocka_run_group_tests_name("regex", tests, NULL, NULL);
}
