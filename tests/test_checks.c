/*
 * test_checks.c - the named checks (src/check/checks*.c), their
 * selection, the failure report (report.c) and the in-process runner
 * (src/engine/runner.c), driven against the test service svc_checks.c
 * over tests/specs/checks.yaml: one operation per check breaks it on
 * purpose; every check must fire on its operation and on nothing else,
 * with the expected signature line in the report.
 *
 * Single-call inputs are random byte strings (fixed seed) decoded by a
 * plan filtered to one operation; stateful programs (create, delete,
 * fetch through back-references) are built by hand. The runner's memory
 * is watched through the sanitizer's malloc hook and counting cJSON
 * hooks: once warm, checking an input allocates nothing outside the
 * per-input arena.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "check/checks.h"
#include "engine/runner.h"
#include "gen/gen.h"

extern const apifuzz_service af_test_checks_service;

#define SPEC "tests/specs/checks.yaml"
#define MAX_SEEN 64

typedef struct seen {
    af_check_id check[MAX_SEEN];
    char op[MAX_SEEN][64];
    char signature[MAX_SEEN][160];
    uint32_t n, total;
} seen;

static af_model *model;
static FILE *devnull;

/* Every malloc of the process while is_counting (the sanitizer's hook,
   installed once), and every allocation through cJSON's hooks. */
static volatile long n_mallocs, n_cjson_mallocs;
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

static void *cjson_malloc(size_t n)
{
    n_cjson_mallocs++;
    return malloc(n);
}

static int setup(void **state)
{
    (void)state;
    if (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0)
        return -1;
    af_error err;
    if (af_model_load(SPEC, &model, &err) != 0) {
        char buf[1024];
        fprintf(stderr, "%s\n", af_error_format(&err, buf, sizeof buf));
        return -1;
    }
    devnull = fopen("/dev/null", "w");
    return devnull == NULL;
}

static int teardown(void **state)
{
    (void)state;
    af_model_free(model);
    fclose(devnull);
    return 0;
}

static void record(void *ctx, const af_finding *f, const char *report)
{
    seen *s = ctx;
    s->total++;
    if (s->n == MAX_SEEN)
        return;
    s->check[s->n] = f->check;
    snprintf(s->op[s->n], sizeof s->op[0], "%s %s", f->method, f->path);
    const char *sig = strstr(report, "\napifuzz-signature: ");
    assert_non_null(sig);
    snprintf(s->signature[s->n], sizeof s->signature[0], "%.*s",
             (int)strcspn(sig + 20, "\n"), sig + 20);
    assert_non_null(strstr(report, "apifuzz: "));
    assert_non_null(strstr(report, "Program (curl):\ncurl "));
    s->n++;
}

static af_gen *plan(const char *operation, af_gen_mode mode)
{
    af_gen_opts o = {.mode = mode, .operation = operation, .max_calls = 2};
    af_gen *g = NULL;
    af_error err;
    if (af_gen_new(model, &o, &g, &err) != 0)
        fail_msg("af_gen_new(%s): %s", operation, err.message);
    return g;
}

static af_runner *runner(af_gen *g, seen *s, uint32_t max_ms)
{
    af_runner_opts o = {.checks = "all",
                        .max_response_ms = max_ms,
                        .report = devnull,
                        .on_failure = record,
                        .ctx = s};
    af_runner *r = NULL;
    af_error err;
    if (af_runner_new(model, g, &af_test_checks_service, &o, &r, &err) != 0)
        fail_msg("af_runner_new: %s", err.message);
    return r;
}

static uint64_t rng_state;

static uint8_t next_byte(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 24);
}

/* Runs `inputs` random inputs (and the empty one) for operation `op`. */
static void drive(const char *op, af_gen_mode mode, int inputs, uint32_t max_ms,
                  seen *s)
{
    memset(s, 0, sizeof *s);
    af_gen *g = plan(op, mode);
    af_runner *r = runner(g, s, max_ms);
    rng_state = 0x9e3779b97f4a7c15ull;
    assert_true(af_runner_run(r, NULL, 0) >= 0);
    for (int i = 0; i < inputs; i++) {
        uint8_t buf[64];
        size_t len = 1 + next_byte() % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = next_byte();
        assert_true(af_runner_run(r, buf, len) >= 0);
    }
    af_runner_free(r);
    af_gen_free(g);
}

/* Every finding is `check` on `op`, with its signature; at least one. */
static void assert_only(const seen *s, af_check_id check, const char *op)
{
    if (s->total == 0)
        fail_msg("%s never fired on %s", af_check_name(check), op);
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->check[i] != check || strcmp(s->op[i], op) != 0)
            fail_msg("expected only %s on %s, got %s on %s (%s)",
                     af_check_name(check), op, af_check_name(s->check[i]),
                     s->op[i], s->signature[i]);
        char want[160];
        snprintf(want, sizeof want, "%s:%s:", af_check_name(check), op);
        assert_true(strncmp(s->signature[i], want, strlen(want)) == 0);
    }
}

static void assert_none(const seen *s, const char *op)
{
    if (s->total > 0)
        fail_msg("%s: expected no finding, got %s (%s)", op,
                 af_check_name(s->check[0]), s->signature[0]);
}

/* ---- selection ---- */

static void test_selection_parses_all_default_lists_and_signs(void **state)
{
    (void)state;
    uint32_t set, all = (1u << AF_CHECK_COUNT) - 1;
    assert_int_equal(af_checks_parse(NULL, &set, NULL), 0);
    assert_int_equal(set, af_checks_default());
    assert_false(set & AF_CHECK_BIT(AF_CHECK_POSITIVE_DATA_ACCEPTANCE));
    assert_false(set & AF_CHECK_BIT(AF_CHECK_DETERMINISTIC));
    assert_true(set & AF_CHECK_BIT(AF_CHECK_IGNORED_AUTH));
    assert_int_equal(af_checks_parse("all", &set, NULL), 0);
    assert_int_equal(set, all);
    assert_int_equal(
        af_checks_parse("all,-positive_data_acceptance", &set, NULL), 0);
    assert_int_equal(set,
                     all & ~AF_CHECK_BIT(AF_CHECK_POSITIVE_DATA_ACCEPTANCE));
    assert_int_equal(af_checks_parse("+deterministic", &set, NULL), 0);
    assert_int_equal(set, af_checks_default() |
                              AF_CHECK_BIT(AF_CHECK_DETERMINISTIC));
    assert_int_equal(
        af_checks_parse("not_a_server_error, use_after_free", &set, NULL), 0);
    assert_int_equal(set, AF_CHECK_BIT(AF_CHECK_NOT_A_SERVER_ERROR) |
                              AF_CHECK_BIT(AF_CHECK_USE_AFTER_FREE));
    af_error err;
    assert_int_equal(af_checks_parse("default,bogus", &set, &err), AF_EUSAGE);
    assert_non_null(strstr(err.message, "bogus"));
}

/* ---- one operation per check ---- */

static void test_controls_pass_every_check(void **state)
{
    (void)state;
    seen s;
    drive("control", AF_GEN_MIXED, 20, 2000, &s);
    assert_none(&s, "GET /ok");
    drive("raw_control", AF_GEN_MIXED, 20, 2000, &s);
    assert_none(&s, "GET /raw");
}

typedef struct expect {
    const char *op_id;
    const char *op;
    af_check_id check;
    af_gen_mode mode;
} expect;

static const expect singles[] = {
    {"server_error", "GET /server-error", AF_CHECK_NOT_A_SERVER_ERROR,
     AF_GEN_POSITIVE},
    {"undocumented_status", "GET /undocumented-status",
     AF_CHECK_STATUS_CODE_CONFORMANCE, AF_GEN_POSITIVE},
    {"wrong_content_type", "GET /wrong-content-type",
     AF_CHECK_CONTENT_TYPE_CONFORMANCE, AF_GEN_POSITIVE},
    {"missing_response_header", "GET /missing-response-header",
     AF_CHECK_RESPONSE_HEADERS_CONFORMANCE, AF_GEN_POSITIVE},
    {"bad_schema", "GET /bad-schema", AF_CHECK_RESPONSE_SCHEMA_CONFORMANCE,
     AF_GEN_POSITIVE},
    {"malformed", "GET /malformed", AF_CHECK_MALFORMED_RESPONSE,
     AF_GEN_POSITIVE},
    {"negative", "GET /negative", AF_CHECK_NEGATIVE_DATA_REJECTION,
     AF_GEN_MIXED},
    {"positive", "GET /positive", AF_CHECK_POSITIVE_DATA_ACCEPTANCE,
     AF_GEN_MIXED},
    {"secure", "GET /secure", AF_CHECK_IGNORED_AUTH, AF_GEN_MIXED},
    {"needs_header", "GET /needs-header", AF_CHECK_MISSING_REQUIRED_HEADER,
     AF_GEN_MIXED},
    {"random", "GET /random", AF_CHECK_DETERMINISTIC, AF_GEN_POSITIVE},
    {"unsupported", "PUT /unsupported", AF_CHECK_UNSUPPORTED_METHOD,
     AF_GEN_POSITIVE},
};

static void test_each_check_fires_on_its_operation_only(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
        seen s;
        drive(singles[i].op_id, singles[i].mode, 40, 2000, &s);
        assert_only(&s, singles[i].check, singles[i].op);
    }
}

static void test_slow_operation_fails_max_response_time(void **state)
{
    (void)state;
    seen s;
    drive("slow", AF_GEN_POSITIVE, 1, 10, &s);
    assert_only(&s, AF_CHECK_MAX_RESPONSE_TIME, "GET /slow");
}

static void test_stateful_operations_alone_raise_nothing(void **state)
{
    (void)state;
    static const char *const ops[][2] = {
        {"uaf_create", "POST /uaf"},        {"uaf_get", "GET /uaf/{id}"},
        {"uaf_delete", "DELETE /uaf/{id}"}, {"era_create", "POST /era"},
        {"era_get", "GET /era/{id}"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        seen s;
        drive(ops[i][0], AF_GEN_MIXED, 20, 2000, &s);
        assert_none(&s, ops[i][1]);
    }
}

/* ---- stateful programs, built by hand ---- */

static uint32_t op_index(const char *id)
{
    int32_t k = af_model_find_op(model, id);
    assert_true(k >= 0);
    return (uint32_t)k;
}

/* A call of operation id; when from >= 0, its one path parameter is a
   back-reference to call `from`'s "/id" (fallback 99). */
static af_call call_of(af_arena *a, const char *id, int from)
{
    af_call c = {.op = op_index(id), .media = -1};
    const af_operation *op = &model->ops[c.op];
    c.n_args = op->n_params;
    c.args = af_arena_calloc(a, op->n_params + 1, sizeof *c.args);
    if (op->n_params > 0) {
        af_value *fb = af_arena_calloc(a, 1, sizeof *fb);
        fb->kind = AF_V_INT;
        fb->u.i = 99;
        fb->schema = op->params[0].schema;
        c.args[0].is_present = true;
        c.args[0].value = *fb;
        if (from >= 0) {
            c.args[0].value.kind = AF_V_BACKREF;
            c.args[0].value.u.ref = (af_backref){(uint32_t)from, "/id", fb};
        }
    }
    return c;
}

static int run_calls(const char *const *ids, const int *from, uint32_t n,
                     seen *s)
{
    memset(s, 0, sizeof *s);
    af_gen *g = plan(NULL, AF_GEN_POSITIVE);
    af_runner *r = runner(g, s, 2000);
    af_arena *a = af_runner_arena(r);
    af_program p = {.n_calls = n};
    p.calls = af_arena_calloc(a, n, sizeof *p.calls);
    for (uint32_t i = 0; i < n; i++)
        p.calls[i] = call_of(a, ids[i], from[i]);
    int rc = af_runner_run_program(r, &p);
    af_runner_free(r);
    af_gen_free(g);
    return rc;
}

static void test_fetch_after_delete_is_use_after_free(void **state)
{
    (void)state;
    static const char *const ids[] = {"uaf_create", "uaf_get", "uaf_delete",
                                      "uaf_get"};
    static const int from[] = {-1, 0, 0, 0};
    seen s;
    assert_int_equal(run_calls(ids, from, 4, &s), 1);
    assert_only(&s, AF_CHECK_USE_AFTER_FREE, "GET /uaf/{id}");
    assert_string_equal(s.signature[0], "use_after_free:GET /uaf/{id}:200:");
}

static void test_created_then_missing_is_resource_unavailable(void **state)
{
    (void)state;
    static const char *const ids[] = {"era_create", "era_get"};
    static const int from[] = {-1, 0};
    seen s;
    assert_int_equal(run_calls(ids, from, 2, &s), 1);
    assert_only(&s, AF_CHECK_ENSURE_RESOURCE_AVAILABILITY, "GET /era/{id}");
}

static void test_backref_falls_back_when_the_producer_failed(void **state)
{
    (void)state;
    /* call 0 answers 404 (no resource 99): call 1's reference to it uses
       the fallback 99, and nothing is blamed */
    static const char *const ids[] = {"uaf_get", "uaf_get"};
    static const int from[] = {-1, 0};
    seen s;
    assert_int_equal(run_calls(ids, from, 2, &s), 0);
}

/* ---- negative verdicts are re-checked on the wire ---- */

/* GET /negative (n: integer 1..10) as a negative call with violation
   kind, sending n as the string `text` (NULL: n absent). */
static int run_negative(af_violation_kind kind, bool is_soft, const char *text,
                        seen *s)
{
    memset(s, 0, sizeof *s);
    af_gen *g = plan(NULL, AF_GEN_POSITIVE);
    af_runner *r = runner(g, s, 2000);
    af_arena *a = af_runner_arena(r);
    af_program p = {.n_calls = 1};
    p.calls = af_arena_calloc(a, 1, sizeof *p.calls);
    p.calls[0] = call_of(a, "negative", -1);
    af_call *c = &p.calls[0];
    c->is_negative = true;
    c->violation = (af_violation){kind, is_soft, "/query/n",
                                  "#/paths/~1negative/get/parameters/0"};
    c->args[0].is_present = text != NULL;
    c->args[0].value.kind = AF_V_STRING;
    c->args[0].value.u.str.s = text;
    c->args[0].value.u.str.len = text ? strlen(text) : 0;
    int rc = af_runner_run_program(r, &p);
    af_runner_free(r);
    af_gen_free(g);
    return rc;
}

static void
test_negative_call_is_blamed_only_while_its_violation_holds(void **state)
{
    (void)state;
    seen s;
    assert_int_equal(run_negative(AF_VIOL_PARAM_TYPE, false, "abc", &s), 1);
    assert_only(&s, AF_CHECK_NEGATIVE_DATA_REJECTION, "GET /negative");
    assert_int_equal(run_negative(AF_VIOL_MISSING_PARAM, false, NULL, &s), 1);
    assert_int_equal(run_negative(AF_VIOL_MAXIMUM, false, "11", &s), 1);
    /* "5" for an integer reads as 5 on the wire: valid, not blamed */
    assert_int_equal(run_negative(AF_VIOL_PARAM_TYPE, false, "5", &s), 0);
    /* a recorded missing parameter that is sent after all */
    assert_int_equal(run_negative(AF_VIOL_MISSING_PARAM, false, "3", &s), 0);
    /* soft (format) violations are not negative_data_rejection findings */
    assert_int_equal(run_negative(AF_VIOL_FORMAT, true, "abc", &s), 0);
}

/* ---- memory: the per-input arena only ---- */

/* Runs `inputs` random inputs of operation op twice (every check on, the
   deterministic rerun included): the first pass warms the arena up to
   its largest input; of the second, adds to *clean the inputs that
   raised no finding and to *mallocs the mallocs those made (a finding's
   report is written with open_memstream: its mallocs go with it). */
static void count_op(const char *op, int inputs, long *clean, long *mallocs)
{
    seen s = {0};
    af_gen *g = plan(op, AF_GEN_MIXED);
    af_runner_opts o = {.checks = "all,-max_response_time",
                        .report = devnull,
                        .on_failure = record,
                        .ctx = &s};
    af_runner *r = NULL;
    assert_int_equal(
        af_runner_new(model, g, &af_test_checks_service, &o, &r, NULL), 0);
    for (int pass = 0; pass < 2; pass++) {
        rng_state = 0x2545f4914f6cdd1dull;
        for (int i = 0; i < inputs; i++) {
            uint8_t buf[64];
            size_t len = 1 + next_byte() % sizeof buf;
            for (size_t k = 0; k < len; k++)
                buf[k] = next_byte();
            uint32_t findings = s.total;
            long before = n_mallocs;
            is_counting = pass;
            assert_true(af_runner_run(r, buf, len) >= 0);
            is_counting = 0;
            if (pass == 1 && s.total == findings) {
                (*clean)++;
                *mallocs += n_mallocs - before;
            }
        }
    }
    af_runner_free(r);
    af_gen_free(g);
}

static void test_checking_an_input_allocates_only_from_its_arena(void **state)
{
    (void)state;
    /* every operation but the slow one; JSON bodies, form candidates of
       headers and parameters, request bodies re-parsed, back-references */
    static const char *const ops[] = {"control",
                                      "raw_control",
                                      "server_error",
                                      "undocumented_status",
                                      "wrong_content_type",
                                      "missing_response_header",
                                      "bad_schema",
                                      "malformed",
                                      "negative",
                                      "positive",
                                      "secure",
                                      "needs_header",
                                      "random",
                                      "unsupported",
                                      "uaf_create",
                                      "uaf_get",
                                      "uaf_delete",
                                      "era_create",
                                      "era_get"};
    cJSON_Hooks counting = {cjson_malloc, free};
    cJSON_InitHooks(&counting);
    n_cjson_mallocs = 0;
    long clean = 0, mallocs = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        count_op(ops[i], 150, &clean, &mallocs);
    cJSON_InitHooks(NULL);
    af_test_info("%ld inputs without a finding, %ld mallocs among them; "
                 "%ld allocations through cJSON in all",
                 clean, mallocs, (long)n_cjson_mallocs);
    assert_true(clean > 1000);
    assert_int_equal(n_cjson_mallocs, 0);
    assert_int_equal(mallocs, 0);
}

/* ---- the report ---- */

static void
test_report_lists_reason_response_program_and_signature(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    af_gen *g = plan("bad_schema", AF_GEN_POSITIVE);
    seen s = {0};
    af_runner_opts o = {.report = mem, .on_failure = record, .ctx = &s};
    af_runner *r = NULL;
    assert_int_equal(
        af_runner_new(model, g, &af_test_checks_service, &o, &r, NULL), 0);
    assert_int_equal(af_runner_run(r, NULL, 0), 1);
    af_runner_free(r);
    af_gen_free(g);
    fclose(mem);
    const char *order[] = {
        "apifuzz: response_schema_conformance failed on GET /bad-schema\n",
        "  instance: /ok\n",
        "  schema: #/components/schemas/Ok/properties/ok/type\n",
        "Response:\n  status: 200\n  Content-Type: application/json\n",
        "{\"ok\":\"yes\"}\n",
        "Program (raw HTTP):\n--- call 1\nGET /bad-schema HTTP/1.1\n",
        "Program (curl):\ncurl ",
        ("apifuzz-signature: response_schema_conformance:GET /bad-schema:200:"
         "#/components/schemas/Ok/properties/ok/type\n"),
    };
    const char *at = text;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        if (p == NULL)
            fail_msg("report lacks (in order) '%s':\n%s", order[i], text);
        at = p + strlen(order[i]);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selection_parses_all_default_lists_and_signs),
        cmocka_unit_test(test_controls_pass_every_check),
        cmocka_unit_test(test_each_check_fires_on_its_operation_only),
        cmocka_unit_test(test_slow_operation_fails_max_response_time),
        cmocka_unit_test(test_stateful_operations_alone_raise_nothing),
        cmocka_unit_test(test_fetch_after_delete_is_use_after_free),
        cmocka_unit_test(test_created_then_missing_is_resource_unavailable),
        cmocka_unit_test(test_backref_falls_back_when_the_producer_failed),
        cmocka_unit_test(
            test_negative_call_is_blamed_only_while_its_violation_holds),
        cmocka_unit_test(
            test_report_lists_reason_response_program_and_signature),
        cmocka_unit_test(test_checking_an_input_allocates_only_from_its_arena),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
