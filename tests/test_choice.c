/*
 * test_choice.c - the choice stream: totality, zero is simplest, shapes,
 * locality of spans, and round-trip through the writer.
 */
#include "testutil.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen/choice.h"
#include "util/arena.h"
#include "util/error.h"

#define SEED 0x5eed1234abcdull

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static void seed(void)
{
    rng_state = SEED;
    printf("# seed %#llx\n", (unsigned long long)SEED);
}

/* A random int64 biased towards small magnitudes and limits. */
static int64_t rnd_int(void)
{
    switch (rnd() % 4) {
    case 0:
        return (int64_t)(rnd() % 200) - 100;
    case 1:
        return (int64_t)rnd();
    case 2:
        return (int64_t)(int32_t)rnd();
    default:
        return rnd() & 1 ? INT64_MAX - (int64_t)(rnd() % 4)
                         : INT64_MIN + (int64_t)(rnd() % 4);
    }
}

static void fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rnd();
}

static void test_reads_past_the_end_return_the_simplest_values(void **state)
{
    (void)state;
    af_choices c;
    af_choice_init(&c, NULL, 0);
    assert_int_equal(af_choice_index(&c, 1000), 0);
    assert_false(af_choice_bool(&c));
    assert_int_equal(af_choice_int(&c, 5, 10), 5);
    assert_int_equal(af_choice_int(&c, -10, -5), -5);
    assert_int_equal(af_choice_int(&c, -3, 3), 0);
    assert_int_equal(af_choice_int(&c, INT64_MIN, INT64_MAX), 0);
    assert_true(af_choice_double(&c, -1, 1, 0, 0) == 0.0);
    assert_true(af_choice_double(&c, 0, 10, AF_CHOICE_EXCL_LO, 0) == 1.0);
    assert_true(af_choice_double(&c, 0.25, 10, 0, 0.25) == 0.25);
    assert_int_equal(af_choice_size(&c, 100000), 0);
    assert_int_equal(af_choice_uint64(&c), 0);
    const uint8_t *p;
    size_t n;
    af_choice_bytes(&c, 3, 10, &p, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "\0\0\0", 3);
    /* the cursor counts virtual zeros: 2 + 1 + 4*1 + 3*1 + 1 + 8 + (1+3) */
    assert_int_equal(af_choice_pos(&c), 23);
    assert_true(af_choice_exhausted(&c));
}

static void test_index_width_grows_with_n_and_wraps_modulo_n(void **state)
{
    (void)state;
    const uint8_t in[] = {7, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 200, 9};
    af_choices c;
    af_choice_init(&c, in, sizeof in);
    assert_int_equal(af_choice_index(&c, 1), 0);
    assert_int_equal(af_choice_pos(&c), 0);
    assert_int_equal(af_choice_index(&c, 256), 7);
    assert_int_equal(af_choice_index(&c, 65536), 0x1234);
    assert_int_equal(af_choice_index(&c, (uint64_t)1 << 32), 0xffffffffu);
    assert_int_equal(af_choice_pos(&c), 7);
    assert_int_equal(af_choice_index(&c, 100), 0); /* 200 % 100 */
    assert_int_equal(af_choice_index(&c, 0), 0);
    assert_int_equal(af_choice_index(&c, 10), 9);
    assert_int_equal(af_choice_pos(&c), 9);
}

static void test_size_favours_small_values_and_round_trips(void **state)
{
    (void)state;
    const uint8_t in[] = {5, 0x85, 0x01, 0xff, 0xff, 0xff};
    af_choices c;
    af_choice_init(&c, in, sizeof in);
    assert_int_equal(af_choice_size(&c, 1000), 5);
    assert_int_equal(af_choice_size(&c, 1000), 133);
    /* width for n=100 is one byte: the high bit is ignored there */
    assert_int_equal(af_choice_size(&c, 100), 127 % 100);
    assert_int_equal(af_choice_pos(&c), 4);
    af_arena a;
    af_arena_init(&a);
    const uint64_t ns[] = {2, 100, 128, 129, 300, 16384, 16385, 70000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (uint64_t v = 0; v < ns[i]; v++) {
            af_choice_writer w;
            af_choice_writer_init(&w, &a);
            assert_int_equal(af_choice_write_size(&w, ns[i], v), 0);
            af_choice_init(&c, w.buf, w.len);
            assert_int_equal(af_choice_size(&c, ns[i]), v);
            assert_int_equal(af_choice_pos(&c), w.len);
            af_arena_reset(&a);
        }
    af_arena_free(&a);
}

static void test_index_bool_and_uint64_round_trip(void **state)
{
    (void)state;
    seed();
    af_arena a;
    af_arena_init(&a);
    for (uint64_t n = 0; n <= 600; n++)
        for (uint64_t v = 0; v < (n > 0 ? n : 1); v++) {
            af_choice_writer w;
            af_choice_writer_init(&w, &a);
            assert_int_equal(af_choice_write_index(&w, n, v), 0);
            af_choices c;
            af_choice_init(&c, w.buf, w.len);
            assert_int_equal(af_choice_index(&c, n), v);
            assert_int_equal(af_choice_pos(&c), w.len);
            af_arena_reset(&a);
        }
    for (int i = 0; i < 100000; i++) {
        uint64_t n = rnd() >> (rnd() % 64), v = n > 0 ? rnd() % n : 0;
        uint64_t raw = rnd();
        bool b = rnd() & 1;
        af_choice_writer w;
        af_choice_writer_init(&w, &a);
        assert_int_equal(af_choice_write_index(&w, n, v), 0);
        assert_int_equal(af_choice_write_bool(&w, b), 0);
        assert_int_equal(af_choice_write_uint64(&w, raw), 0);
        af_choices c;
        af_choice_init(&c, w.buf, w.len);
        assert_int_equal(af_choice_index(&c, n), v);
        assert_int_equal(af_choice_bool(&c), b);
        assert_int_equal(af_choice_uint64(&c), raw);
        assert_int_equal(af_choice_pos(&c), w.len);
        af_arena_reset(&a);
    }
    af_arena_free(&a);
}

static void test_int_simplest_is_the_allowed_value_closest_to_zero(void **state)
{
    (void)state;
    assert_int_equal(af_choice_int_simplest(5, 10), 5);
    assert_int_equal(af_choice_int_simplest(-10, -5), -5);
    assert_int_equal(af_choice_int_simplest(-3, 3), 0);
    assert_int_equal(af_choice_int_simplest(0, 0), 0);
    assert_int_equal(af_choice_int_simplest(7, 3), 7);
    af_choices c;
    af_choice_init(&c, "\x05", 1);
    assert_int_equal(af_choice_int(&c, 7, 3), 7);
    assert_int_equal(af_choice_pos(&c), 0);
}

static int64_t read_int_shape(uint8_t s, int64_t lo, int64_t hi)
{
    af_choices c;
    af_choice_init(&c, &s, 1);
    int64_t v = af_choice_int(&c, lo, hi);
    assert_int_equal(af_choice_pos(&c), s < 128 ? 1 : 9);
    return v;
}

static void test_int_shape_byte_reaches_every_boundary(void **state)
{
    (void)state;
    const int64_t expect[] = {0, -100, 100, -99, 99, 0, -1};
    for (uint8_t s = 0; s <= 6; s++)
        assert_int_equal(read_int_shape(s, -100, 100), expect[s]);
    /* type limits appear among shapes 7..54 */
    const int64_t limits[] = {127,
                              128,
                              255,
                              -128,
                              32767,
                              -32768,
                              65535,
                              INT32_MAX,
                              INT32_MIN,
                              UINT32_MAX,
                              INT64_MAX,
                              INT64_MIN,
                              (int64_t)1 << 53};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        bool is_found = false;
        for (unsigned s = 7; s < 55; s++)
            is_found |=
                read_int_shape((uint8_t)s, INT64_MIN, INT64_MAX) == limits[i];
        assert_true(is_found);
    }
    /* out-of-range shapes give the nearest bound */
    assert_int_equal(read_int_shape(5, 10, 20), 10);
    assert_int_equal(read_int_shape(6, 10, 20), 10);
    assert_int_equal(read_int_shape(3, 4, 4), 4);
    for (unsigned s = 0; s < 128; s++) {
        int64_t v = read_int_shape((uint8_t)s, 10, 20);
        assert_true(v >= 10 && v <= 20);
    }
}

static void test_int_small_shapes_step_away_from_the_simplest(void **state)
{
    (void)state;
    for (unsigned s = 55; s < 128; s++)
        assert_int_equal(read_int_shape((uint8_t)s, 1, 1000), 1 + (s - 54));
    for (unsigned s = 55; s < 128; s++)
        assert_int_equal(read_int_shape((uint8_t)s, -1000, -1),
                         -1 - (int64_t)(s - 54));
    assert_int_equal(read_int_shape(55, -1000, 1000), 1);
    assert_int_equal(read_int_shape(91, -1000, 1000), 37);
    assert_int_equal(read_int_shape(92, -1000, 1000), -1);
    assert_int_equal(read_int_shape(127, -1000, 1000), -36);
    assert_int_equal(read_int_shape(127, 0, 5), 5);
}

static int64_t read_raw_int(uint64_t raw, int64_t lo, int64_t hi)
{
    uint8_t in[9] = {0x80};
    for (int i = 0; i < 8; i++)
        in[1 + i] = (uint8_t)(raw >> (8 * i));
    af_choices c;
    af_choice_init(&c, in, sizeof in);
    return af_choice_int(&c, lo, hi);
}

static void test_int_raw_shape_lands_comparison_operands(void **state)
{
    (void)state;
    /* a value in range reads back as itself */
    assert_int_equal(read_raw_int(12345678, INT32_MIN, INT32_MAX), 12345678);
    assert_int_equal(read_raw_int((uint64_t)-5, INT32_MIN, INT32_MAX), -5);
    /* libFuzzer replaced the 4-byte image of -5 by a 32-bit magic: the
       upper bytes still hold -5's sign extension */
    uint64_t raw = 0xffffffff00000000ull | 0xdeadbeefu;
    assert_int_equal(read_raw_int(raw, 0, UINT32_MAX), 0xdeadbeef);
    raw = 0xffffffff00000000ull | 1000000u;
    assert_int_equal(read_raw_int(raw, INT32_MIN, INT32_MAX), 1000000);
    /* a 2-byte comparison against a uint16 field */
    raw = 0xffffffffffff0000ull | 443u;
    assert_int_equal(read_raw_int(raw, 0, 65535), 443);
    /* zero raw is the simplest; +1 in the low byte is +1 in value */
    assert_int_equal(read_raw_int(0, 100, 200), 100);
    assert_int_equal(read_raw_int(0, -200, -100), -100);
    assert_int_equal(read_raw_int(150, 100, 200), 150);
    assert_int_equal(read_raw_int(151, 100, 200), 151);
    assert_int_equal(read_raw_int((uint64_t)INT64_MIN, INT64_MIN, INT64_MAX),
                     INT64_MIN);
}

static void write_read_int(af_arena *a, int64_t lo, int64_t hi, int64_t v)
{
    af_choice_writer w;
    af_choice_writer_init(&w, a);
    if (af_choice_write_int(&w, lo, hi, v) != 0)
        fail_msg("write_int(%" PRId64 ", %" PRId64 ", %" PRId64 ") failed", lo,
                 hi, v);
    af_choices c;
    af_choice_init(&c, w.buf, w.len);
    int64_t got = af_choice_int(&c, lo, hi);
    if (got != v || af_choice_pos(&c) != w.len)
        fail_msg("[%" PRId64 ", %" PRId64 "]: wrote %" PRId64 ", read %" PRId64,
                 lo, hi, v, got);
    if (v == af_choice_int_simplest(lo, hi)) {
        const uint8_t *out;
        size_t n;
        assert_int_equal(af_choice_writer_finish(&w, &out, &n), 0);
        assert_int_equal(n, 0); /* the simplest value is the empty input */
    }
    if (w.len > 1) /* raw only when no one-byte shape gives v */
        for (unsigned s = 0; s < 128; s++)
            assert_true(read_int_shape((uint8_t)s, lo, hi) != v);
}

static void test_int_round_trips_exhaustively_for_small_ranges(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    for (int64_t lo = -20; lo <= 20; lo++)
        for (int64_t hi = lo; hi <= 20; hi++)
            for (int64_t v = lo; v <= hi; v++)
                write_read_int(&a, lo, hi, v);
    const int64_t edges[][2] = {{INT64_MAX - 40, INT64_MAX},
                                {INT64_MIN, INT64_MIN + 40},
                                {-100, 1000},
                                {0, 300}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (int64_t v = edges[i][0];; v++) {
            write_read_int(&a, edges[i][0], edges[i][1], v);
            af_arena_reset(&a);
            if (v == edges[i][1])
                break;
        }
    af_arena_free(&a);
}

static void test_int_round_trips_randomly_for_large_ranges(void **state)
{
    (void)state;
    seed();
    af_arena a;
    af_arena_init(&a);
    for (int i = 0; i < 100000; i++) {
        int64_t lo = rnd_int(), hi = rnd_int();
        if (lo > hi) {
            int64_t t = lo;
            lo = hi;
            hi = t;
        }
        int64_t v =
            rnd() % 3 == 0 ? rnd_int() : (int64_t)((uint64_t)lo + rnd() % 7);
        if (v < lo || v > hi)
            v = (int64_t)((uint64_t)hi - rnd() % 3);
        if (v < lo || v > hi)
            v = lo;
        write_read_int(&a, lo, hi, v);
        af_arena_reset(&a);
    }
    af_arena_free(&a);
}

static void test_int_writer_rejects_values_out_of_range(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    af_choice_writer w;
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_int(&w, 1, 10, 11), AF_EUSAGE);
    /* the first error sticks */
    assert_int_equal(af_choice_write_int(&w, 1, 10, 5), AF_EUSAGE);
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_index(&w, 10, 10), AF_EUSAGE);
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_double(&w, 0, 1, 0, 0, NAN), AF_EUSAGE);
    af_choice_writer_init(&w, &a);
    assert_int_equal(
        af_choice_write_double(&w, 0, 1, AF_CHOICE_EXCL_HI, 0, 1.0), AF_EUSAGE);
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_double(&w, 0, 10, 0, 3, 4.0), AF_EUSAGE);
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_bytes(&w, 2, 4, "abcde", 5), AF_EUSAGE);
    af_arena_free(&a);
}

static void test_random_bytes_always_read_in_range(void **state)
{
    (void)state;
    seed();
    uint8_t buf[64];
    for (int i = 0; i < 50000; i++) {
        size_t n = rnd() % sizeof buf;
        fill(buf, n);
        af_choices c;
        af_choice_init(&c, buf, n);
        int64_t lo = rnd_int(), hi = rnd_int();
        if (lo > hi) {
            int64_t t = lo;
            lo = hi;
            hi = t;
        }
        int64_t v = af_choice_int(&c, lo, hi);
        assert_true(v >= lo && v <= hi);
        uint64_t k = rnd() % 1000 + 1;
        assert_true(af_choice_index(&c, k) < k);
        assert_true(af_choice_size(&c, k) < k);
        double dl = (double)(int32_t)rnd() / 7,
               dh = dl + 1 + (double)(rnd() % 50);
        unsigned fl = (unsigned)(rnd() % 4);
        double d = af_choice_double(&c, dl, dh, fl, 0);
        assert_true(isfinite(d) && d >= dl && d <= dh);
        assert_true(!(fl & AF_CHOICE_EXCL_LO) || d > dl);
        assert_true(!(fl & AF_CHOICE_EXCL_HI) || d < dh);
        d = af_choice_double(&c, -INFINITY, INFINITY, 0, 0);
        assert_true(isfinite(d));
        const uint8_t *p;
        size_t len;
        af_choice_bytes(&c, 2, 20, &p, &len);
        assert_true(len >= 2 && len <= 20);
        assert_non_null(p);
    }
}

static double read_double_shape(uint8_t s, double lo, double hi, unsigned flags)
{
    af_choices c;
    af_choice_init(&c, &s, 1);
    return af_choice_double(&c, lo, hi, flags, 0);
}

static void test_double_simplest_and_boundaries_are_exact(void **state)
{
    (void)state;
    assert_true(af_choice_double_simplest(0, 10, AF_CHOICE_EXCL_LO) == 1.0);
    assert_true(af_choice_double_simplest(0, 0.5, AF_CHOICE_EXCL_LO) == 0.1);
    assert_true(af_choice_double_simplest(-3.5, -1.2, 0) == -2.0);
    assert_true(af_choice_double_simplest(2.5, 2.5, 0) == 2.5);
    assert_true(af_choice_double_simplest(-INFINITY, NAN, 0) == 0.0);
    unsigned both = AF_CHOICE_EXCL_LO | AF_CHOICE_EXCL_HI;
    assert_true(read_double_shape(1, 0, 10, 0) == 0.0);
    assert_true(read_double_shape(2, 0, 10, 0) == 10.0);
    assert_true(read_double_shape(1, 0, 10, both) == nextafter(0, 1));
    assert_true(read_double_shape(2, 0, 10, both) == nextafter(10, 0));
    assert_true(read_double_shape(3, 0, 10, 0) == nextafter(0, 1));
    assert_true(read_double_shape(4, 0, 10, 0) == nextafter(10, 0));
    assert_true(read_double_shape(2, 0, INFINITY, 0) == DBL_MAX);
    assert_true(read_double_shape(72, 0, 100, 0) == 1.0);
    double neg_zero = read_double_shape(6, -1, 1, 0);
    assert_true(neg_zero == 0.0 && signbit(neg_zero));
    /* two bytes of decimals after shape 128 */
    const uint8_t dec[] = {128, 0x39, 0x05}; /* 1337 / 100 */
    af_choices c;
    af_choice_init(&c, dec, sizeof dec);
    assert_true(af_choice_double(&c, 0, 100, 0, 0) == 13.37);
    /* empty ranges read nothing */
    af_choice_init(&c, dec, sizeof dec);
    assert_true(af_choice_double(&c, 1, 1, AF_CHOICE_EXCL_LO, 0) ==
                nextafter(1, 2));
    assert_int_equal(af_choice_pos(&c), 0);
}

static void test_double_multiple_of_divides_back_exactly(void **state)
{
    (void)state;
    seed();
    const double ms[] = {0.01, 0.1, 0.25, 5, 3, 1e-5, 7.3};
    uint8_t buf[16];
    for (int i = 0; i < 30000; i++) {
        double m = ms[rnd() % (sizeof ms / sizeof ms[0])];
        double lo = (double)((int64_t)(rnd() % 2000) - 1000) / 10;
        double hi = lo + (double)(rnd() % 1000);
        fill(buf, sizeof buf);
        af_choices c;
        af_choice_init(&c, buf, sizeof buf);
        double v = af_choice_double(&c, lo, hi, 0, m);
        assert_true(v >= lo && v <= hi);
        double q = v / m;
        if (ceil(lo / m) > floor(hi / m)) { /* no multiple in range */
            assert_true(v == af_choice_double_simplest(lo, hi, 0));
            continue;
        }
        if (q != nearbyint(q))
            fail_msg("%.17g / %.17g = %.17g (seed %#llx, case %d)", v, m, q,
                     (unsigned long long)SEED, i);
    }
    af_choices c;
    af_choice_init(&c, NULL, 0);
    assert_true(af_choice_double(&c, 0.3, 10, AF_CHOICE_EXCL_LO, 0.1) == 0.4);
    assert_true(af_choice_double(&c, -1, 1, 0, 0.1) == 0.0);
}

static void write_read_double(af_arena *a, double lo, double hi, unsigned flags,
                              double m, double v)
{
    af_choice_writer w;
    af_choice_writer_init(&w, a);
    int rc = af_choice_write_double(&w, lo, hi, flags, m, v);
    if (rc != 0)
        fail_msg("write_double(%.17g, %.17g, %u, %g, %.17g) = %d", lo, hi,
                 flags, m, v, rc);
    af_choices c;
    af_choice_init(&c, w.buf, w.len);
    double got = af_choice_double(&c, lo, hi, flags, m);
    if (memcmp(&got, &v, sizeof v) != 0 || af_choice_pos(&c) != w.len)
        fail_msg("wrote %.17g, read %.17g", v, got);
}

static void test_double_round_trips(void **state)
{
    (void)state;
    seed();
    af_arena a;
    af_arena_init(&a);
    uint8_t buf[16];
    for (int i = 0; i < 50000; i++) {
        double lo = rnd() % 4 == 0 ? -INFINITY : (double)(int32_t)rnd() / 16;
        double hi = rnd() % 4 == 0 ? INFINITY : lo + (double)(rnd() % 5000);
        unsigned flags = (unsigned)(rnd() % 4);
        double m = rnd() % 3 == 0 ? 0.5 : 0;
        /* values: whatever random input reads, which must round-trip */
        fill(buf, sizeof buf);
        af_choices c;
        af_choice_init(&c, buf, sizeof buf);
        double v = af_choice_double(&c, lo, hi, flags, m);
        write_read_double(&a, lo, hi, flags, m, v);
        af_arena_reset(&a);
    }
    write_read_double(&a, 0, 100, 0, 0, 42.42);
    write_read_double(&a, -100, 100, 0, 0, -0.0);
    write_read_double(&a, -1e300, 1e300, 0, 0, 1.2345678901234567e200);
    write_read_double(&a, 0, 1, AF_CHOICE_EXCL_LO, 0, DBL_TRUE_MIN);
    af_choice_writer w;
    af_choice_writer_init(&w, &a);
    assert_int_equal(af_choice_write_double(&w, 5, 100, 0, 0, 5.0), 0);
    const uint8_t *out;
    size_t n;
    assert_int_equal(af_choice_writer_finish(&w, &out, &n), 0);
    assert_int_equal(n, 0);
    af_arena_free(&a);
}

static void test_bytes_point_into_the_input_verbatim(void **state)
{
    (void)state;
    const uint8_t in[] = {3, 'a', 'b', 'c', 2, 'x'};
    af_choices c;
    af_choice_init(&c, in, sizeof in);
    const uint8_t *p;
    size_t n;
    af_choice_bytes(&c, 0, 100, &p, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(p, in + 1);
    /* cut by the end of the input: shortened to what is there */
    af_choice_bytes(&c, 0, 100, &p, &n);
    assert_int_equal(n, 1);
    assert_ptr_equal(p, in + 5);
    assert_int_equal(af_choice_pos(&c), 6);
    /* past the end: the minimum length, zeros */
    af_choice_bytes(&c, 4, 100, &p, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(p, "\0\0\0\0", 4);
    /* cut below min_len: zeros of min_len */
    const uint8_t short_in[] = {5, 'a'};
    af_choice_init(&c, short_in, sizeof short_in);
    af_choice_bytes(&c, 3, 10, &p, &n);
    assert_int_equal(n, 8); /* 3 + 5 */
    assert_memory_equal(p, "\0\0\0\0\0\0\0\0", 8);
}

static void test_bytes_lengths_are_capped(void **state)
{
    (void)state;
    uint8_t in[4] = {0xff, 0xff, 0xff, 0};
    af_choices c;
    af_choice_init(&c, in, sizeof in);
    const uint8_t *p;
    size_t n;
    af_choice_bytes(&c, 0, SIZE_MAX, &p, &n);
    assert_true(n <= AF_CHOICE_MAX_BYTES);
    af_choice_init(&c, NULL, 0);
    af_choice_bytes(&c, SIZE_MAX, SIZE_MAX, &p, &n);
    assert_int_equal(n, AF_CHOICE_MAX_BYTES);
    /* the global budget: once spent, strings have their minimum length */
    static uint8_t big[AF_CHOICE_BYTES_BUDGET + 4 * AF_CHOICE_MAX_BYTES];
    size_t off = 0;
    af_arena a;
    af_arena_init(&a);
    af_choice_writer w;
    af_choice_writer_init(&w, &a);
    while (w.bytes_used + AF_CHOICE_MAX_BYTES <= AF_CHOICE_BYTES_BUDGET)
        assert_int_equal(
            af_choice_write_bytes(&w, 0, SIZE_MAX, big, AF_CHOICE_MAX_BYTES),
            0);
    assert_int_equal(
        af_choice_write_bytes(&w, 0, SIZE_MAX, big, AF_CHOICE_MAX_BYTES),
        AF_ELIMIT);
    memcpy(big, w.buf, w.len);
    off = w.len;
    big[off] = 0xff; /* a long string when the budget would allow it */
    big[off + 1] = 0xff;
    big[off + 2] = 0x03;
    af_choice_init(&c, big, sizeof big);
    for (int i = 0; i < 16; i++)
        af_choice_bytes(&c, 0, SIZE_MAX, &p, &n);
    assert_int_equal(af_choice_pos(&c), off);
    af_choice_bytes(&c, 0, SIZE_MAX, &p, &n);
    assert_int_equal(n, 0);
    af_choice_bytes(&c, 7, SIZE_MAX, &p, &n);
    assert_int_equal(n, 7);
    af_arena_free(&a);
}

static void test_bytes_round_trip_and_trailing_zeros_stay(void **state)
{
    (void)state;
    seed();
    af_arena a;
    af_arena_init(&a);
    for (int i = 0; i < 2000; i++) {
        uint8_t data[300];
        size_t min = rnd() % 10, max = min + rnd() % 290;
        size_t len = min + rnd() % (max - min + 1);
        fill(data, len);
        if (len > 0 && rnd() % 2)
            data[len - 1] = 0;
        af_choice_writer w;
        af_choice_writer_init(&w, &a);
        assert_int_equal(af_choice_write_bytes(&w, min, max, data, len), 0);
        assert_int_equal(af_choice_write_int(&w, 0, 10, 0), 0);
        const uint8_t *out;
        size_t n;
        assert_int_equal(af_choice_writer_finish(&w, &out, &n), 0);
        af_choices c;
        af_choice_init(&c, out, n);
        const uint8_t *p;
        size_t got;
        af_choice_bytes(&c, min, max, &p, &got);
        assert_int_equal(got, len);
        if (len > 0)
            assert_memory_equal(p, data, len);
        assert_int_equal(af_choice_int(&c, 0, 10), 0);
        af_arena_reset(&a);
    }
    af_arena_free(&a);
}

/* A fixed sequence of reads; vals[i] summarizes read i, spans[i] its span. */
enum { N_READS = 8 };
static void decode_seq(const uint8_t *in, size_t n, uint64_t vals[N_READS],
                       size_t spans[N_READS][2])
{
    af_choices c;
    af_choice_init(&c, in, n);
    for (int i = 0; i < N_READS; i++) {
        spans[i][0] = af_choice_pos(&c);
        const uint8_t *p;
        size_t len;
        switch (i % 4) {
        case 0:
            vals[i] = (uint64_t)af_choice_int(&c, -1000, 1000000);
            break;
        case 1:
            af_choice_bytes(&c, 0, 12, &p, &len);
            vals[i] = len;
            for (size_t k = 0; k < len; k++)
                vals[i] = vals[i] * 131 + p[k];
            break;
        case 2:
            vals[i] = af_choice_index(&c, 300);
            break;
        default: {
            double d = af_choice_double(&c, -5, 5, AF_CHOICE_EXCL_HI, 0);
            memcpy(&vals[i], &d, sizeof d);
        }
        }
        spans[i][1] = af_choice_pos(&c);
    }
}

static void test_replacing_one_span_changes_only_that_value(void **state)
{
    (void)state;
    seed();
    for (int iter = 0; iter < 5000; iter++) {
        uint8_t a[128], b[128], mix[256];
        fill(a, sizeof a);
        fill(b, sizeof b);
        uint64_t va[N_READS], vb[N_READS], vm[N_READS];
        size_t sa[N_READS][2], sb[N_READS][2], sm[N_READS][2];
        decode_seq(a, sizeof a, va, sa);
        decode_seq(b, sizeof b, vb, sb);
        int k = (int)(rnd() % N_READS);
        if (sa[N_READS - 1][1] > sizeof a || sb[k][1] > sizeof b)
            continue;
        size_t n = 0, blen = sb[k][1] - sb[k][0];
        memcpy(mix, a, sa[k][0]);
        n = sa[k][0];
        memcpy(mix + n, b + sb[k][0], blen);
        n += blen;
        memcpy(mix + n, a + sa[k][1], sizeof a - sa[k][1]);
        n += sizeof a - sa[k][1];
        decode_seq(mix, n, vm, sm);
        for (int i = 0; i < N_READS; i++) {
            uint64_t want = i == k ? vb[i] : va[i];
            if (vm[i] != want)
                fail_msg("iteration %d: read %d changed after replacing span "
                         "%d (seed %#llx)",
                         iter, i, k, (unsigned long long)SEED);
            assert_int_equal(sm[i][1] - sm[i][0], i == k ? sb[i][1] - sb[i][0]
                                                         : sa[i][1] - sa[i][0]);
        }
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_reads_are_fast(void **state)
{
    (void)state;
    seed();
    static uint8_t in[1 << 16];
    fill(in, sizeof in);
    const int rounds = 200;
    uint64_t sink = 0, reads = 0;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        af_choices c;
        af_choice_init(&c, in, sizeof in);
        while (!af_choice_exhausted(&c)) {
            sink += af_choice_index(&c, 7);
            sink += (uint64_t)af_choice_int(&c, 0, 1000);
            sink += af_choice_bool(&c);
            const uint8_t *p;
            size_t n;
            af_choice_bytes(&c, 0, 16, &p, &n);
            sink += n;
            reads += 4;
        }
    }
    double dt = now_s() - t0;
    af_test_info("choice reads: %.1f M reads/s (this build; sink %llu)",
                 (double)reads / dt / 1e6, (unsigned long long)(sink & 1));
    assert_true(reads > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_past_the_end_return_the_simplest_values),
        cmocka_unit_test(test_index_width_grows_with_n_and_wraps_modulo_n),
        cmocka_unit_test(test_size_favours_small_values_and_round_trips),
        cmocka_unit_test(test_index_bool_and_uint64_round_trip),
        cmocka_unit_test(
            test_int_simplest_is_the_allowed_value_closest_to_zero),
        cmocka_unit_test(test_int_shape_byte_reaches_every_boundary),
        cmocka_unit_test(test_int_small_shapes_step_away_from_the_simplest),
        cmocka_unit_test(test_int_raw_shape_lands_comparison_operands),
        cmocka_unit_test(test_int_round_trips_exhaustively_for_small_ranges),
        cmocka_unit_test(test_int_round_trips_randomly_for_large_ranges),
        cmocka_unit_test(test_int_writer_rejects_values_out_of_range),
        cmocka_unit_test(test_random_bytes_always_read_in_range),
        cmocka_unit_test(test_double_simplest_and_boundaries_are_exact),
        cmocka_unit_test(test_double_multiple_of_divides_back_exactly),
        cmocka_unit_test(test_double_round_trips),
        cmocka_unit_test(test_bytes_point_into_the_input_verbatim),
        cmocka_unit_test(test_bytes_lengths_are_capped),
        cmocka_unit_test(test_bytes_round_trip_and_trailing_zeros_stay),
        cmocka_unit_test(test_replacing_one_span_changes_only_that_value),
        cmocka_unit_test(test_reads_are_fast),
    };
    return cmocka_run_group_tests_name("choice", tests, NULL, NULL);
}
