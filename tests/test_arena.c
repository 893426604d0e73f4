/*
 * test_arena.c - the region allocator.
 */
#include "testutil.h"

#include <string.h>

#include "util/arena.h"
#include "util/error.h"

static void test_arena_allocations_are_aligned_and_distinct(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    char *p = af_arena_alloc(&a, 3);
    char *q = af_arena_alloc(&a, 5);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(p != q);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_int_equal((uintptr_t)q % 16, 0);
    memcpy(p, "ab", 3);
    memcpy(q, "cdef", 5);
    assert_string_equal(p, "ab");
    assert_string_equal(q, "cdef");
    af_arena_free(&a);
}

static void test_arena_grows_past_one_chunk(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    char *big = af_arena_alloc(&a, (size_t)1 << 20);
    assert_non_null(big);
    memset(big, 'x', (size_t)1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_non_null(af_arena_printf(&a, "item %d", i));
    assert_true(a.total >= ((size_t)1 << 20));
    af_arena_free(&a);
}

static void test_arena_reset_forgets_everything_and_reuses_memory(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++)
            assert_non_null(af_arena_strdup(&a, "some string of text"));
        af_arena_reset(&a);
        assert_int_equal(a.total, 0);
    }
    af_arena_free(&a);
}

static void test_arena_limit_refuses_allocations_past_it(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    a.limit = 100;
    assert_non_null(af_arena_alloc(&a, 60));
    assert_null(af_arena_alloc(&a, 60));
    assert_non_null(af_arena_alloc(&a, 40));
    assert_null(af_arena_alloc(&a, (size_t)-1));
    af_arena_free(&a);
}

static void test_arena_grow_keeps_old_elements(void **state)
{
    (void)state;
    af_arena a;
    af_arena_init(&a);
    int *v = af_arena_alloc(&a, 2 * sizeof *v);
    v[0] = 7;
    v[1] = 9;
    int *w = af_arena_grow(&a, v, 2, 10, sizeof *v);
    assert_int_equal(w[0], 7);
    assert_int_equal(w[1], 9);
    assert_null(af_arena_calloc(&a, (size_t)-1, 16));
    af_arena_free(&a);
}

static void test_error_format_puts_location_first(void **state)
{
    (void)state;
    af_error err;
    char buf[1024];
    af_error_set(&err, AF_ESPEC, "petstore.yaml", "#/paths/~1pets/get", 41, 9,
                 "expected an %s", "object");
    assert_string_equal(af_error_format(&err, buf, sizeof buf),
                        "petstore.yaml:41:9: #/paths/~1pets/get: "
                        "expected an object");
    af_error_set(&err, AF_EIO, NULL, NULL, 0, 0, "cannot open x");
    assert_string_equal(af_error_format(&err, buf, sizeof buf),
                        "cannot open x");
    assert_int_equal(af_error_set(NULL, AF_EREF, NULL, NULL, 0, 0, "x"),
                     AF_EREF);
    char tiny[8];
    af_error_set(&err, AF_ESPEC, "f", NULL, 1, 2, "long message here");
    assert_int_equal(strlen(af_error_format(&err, tiny, sizeof tiny)), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_allocations_are_aligned_and_distinct),
        cmocka_unit_test(test_arena_grows_past_one_chunk),
        cmocka_unit_test(test_arena_reset_forgets_everything_and_reuses_memory),
        cmocka_unit_test(test_arena_limit_refuses_allocations_past_it),
        cmocka_unit_test(test_arena_grow_keeps_old_elements),
        cmocka_unit_test(test_error_format_puts_location_first),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
