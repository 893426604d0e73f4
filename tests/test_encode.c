/*
 * test_encode.c - the encoder (DESIGN.md "Round-trip", issue 3 acceptance
 * (6)): every example value of every spec encodes into choices that
 * decode back to it, or is refused for a reason; refusals of class
 * "invalid" must really be invalid per the independent validator
 * (src/check, request direction). Plus one test per construct.
 */
#include "genutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/validate.h"

/* ---- helpers ---- */

static const char unit_spec[] =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "paths:\n"
    "  /items/{id}:\n"
    "    post:\n"
    "      parameters:\n"
    "        - {name: id, in: path, required: true, schema: {type: integer}}\n"
    "        - {name: q, in: query, schema: {type: string, maxLength: 5}}\n"
    "      requestBody:\n"
    "        required: true\n"
    "        content:\n"
    "          application/json:\n"
    "            schema: {$ref: '#/components/schemas/Obj'}\n"
    "      responses: {'200': {description: ok}}\n"
    "components:\n"
    "  schemas:\n"
    "    Int: {type: integer, minimum: -5, maximum: 1000}\n"
    "    Dbl: {type: number, minimum: 0.5, exclusiveMaximum: true, "
    "maximum: 10}\n"
    "    Mul: {type: integer, multipleOf: 7}\n"
    "    Pat: {type: string, pattern: '^[A-Z]{2}-[0-9]{3}$'}\n"
    "    Date: {type: string, format: date}\n"
    "    DT: {type: string, format: date-time}\n"
    "    Uuid: {type: string, format: uuid}\n"
    "    Mail: {type: string, format: email}\n"
    "    Color: {type: string, enum: [red, green, blue]}\n"
    "    Null: {type: string, nullable: true, maxLength: 3}\n"
    "    Arr: {type: array, items: {type: integer}, maxItems: 4}\n"
    "    Obj:\n"
    "      type: object\n"
    "      required: [name]\n"
    "      properties:\n"
    "        name: {type: string}\n"
    "        age: {type: integer, minimum: 0}\n"
    "        tags: {type: array, items: {type: string}}\n"
    "        inner:\n"
    "          type: object\n"
    "          properties: {x: {type: boolean}}\n"
    "          additionalProperties: false\n"
    "    One:\n"
    "      oneOf:\n"
    "        - {type: object, required: [cat], properties: {cat: {type: "
    "string}}, additionalProperties: false}\n"
    "        - {type: object, required: [dog], properties: {dog: {type: "
    "integer}}, additionalProperties: false}\n";

typedef struct fixture {
    af_model *m;
    af_gen *g;
    af_arena a;
} fixture;

static int setup(void **state)
{
    static fixture f;
    char path[600], *dir = af_test_tmpdir();
    snprintf(path, sizeof path, "%s/encode-unit.yaml", dir);
    free(dir);
    assert_int_equal(af_test_write_file(path, unit_spec), 0);
    f.m = af_test_load_spec(path);
    assert_non_null(f.m);
    f.g = af_test_plan(f.m, AF_GEN_POSITIVE, NULL);
    assert_non_null(f.g);
    af_arena_init(&f.a);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    af_gen_free(f->g);
    af_model_free(f->m);
    af_arena_free(&f->a);
    return 0;
}

static af_idx schema_named(const af_model *m, const char *name)
{
    char ptr[200];
    snprintf(ptr, sizeof ptr, "#/components/schemas/%s", name);
    for (uint32_t k = 0; k < m->n_schemas; k++)
        if (m->schemas[k].pointer && strcmp(m->schemas[k].pointer, ptr) == 0)
            return (af_idx)k;
    fail_msg("no schema %s", name);
    return AF_NONE;
}

/* Encodes json under schema `name`; 0 or the refusal, with the decoded
   value compared when it encoded. */
static int encode(fixture *f, const char *name, const char *json, af_error *err)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    af_idx s = schema_named(f->m, name);
    af_choice_writer w;
    af_choice_writer_init(&w, &f->a);
    int rc = af_value_encode(f->g, &w, s, true, j, err);
    if (rc == 0) {
        const uint8_t *data;
        size_t len;
        assert_int_equal(af_choice_writer_finish(&w, &data, &len), 0);
        af_choices c;
        af_value v;
        af_choice_init(&c, data, len);
        assert_int_equal(af_value_decode(f->g, &f->a, &c, s, true, &v), 0);
        assert_true(af_value_equal_json(&v, j));
    }
    cJSON_Delete(j);
    return rc;
}

static void ok(void **state, const char *name, const char *json)
{
    af_error err;
    int rc = encode(*state, name, json, &err);
    if (rc != 0)
        fail_msg("%s %s: %s", name, json, err.message);
}

static void refused(void **state, const char *name, const char *json,
                    const char *cls)
{
    af_error err;
    assert_int_equal(encode(*state, name, json, &err), AF_EUSAGE);
    if (strncmp(err.message, cls, strlen(cls)) != 0)
        fail_msg("%s %s: %s (wanted %s)", name, json, err.message, cls);
}

/* ---- constructs ---- */

static void test_integers_encode_at_and_inside_their_bounds(void **state)
{
    ok(state, "Int", "-5");
    ok(state, "Int", "1000");
    ok(state, "Int", "0");
    ok(state, "Int", "77");
    refused(state, "Int", "1001", "invalid");
    refused(state, "Int", "1.5", "invalid");
}

static void test_doubles_and_multiples_round_trip(void **state)
{
    ok(state, "Dbl", "0.5");
    ok(state, "Dbl", "3.14159");
    ok(state, "Dbl", "9.999");
    refused(state, "Dbl", "10", "invalid");
    ok(state, "Mul", "0");
    ok(state, "Mul", "-49");
    ok(state, "Mul", "700");
    refused(state, "Mul", "8", "invalid");
}

static void test_strings_with_pattern_and_formats_round_trip(void **state)
{
    ok(state, "Pat", "\"AB-123\"");
    refused(state, "Pat", "\"ab-123\"", "invalid");
    ok(state, "Date", "\"2024-02-29\"");
    ok(state, "DT", "\"2017-07-21T17:32:28Z\"");
    ok(state, "Uuid", "\"3fa85f64-5717-4562-b3fc-2c963f66afa6\"");
    ok(state, "Mail", "\"bob@example.com\"");
    ok(state, "Mail", "\"bob.smith+tag@other.org\"");
    ok(state, "DT", "\"2017-07-21T17:32:28.123Z\"");
    ok(state, "DT", "\"2017-07-21T17:32:28.5+02:00\"");
    ok(state, "Uuid", "\"3FA85F64-5717-4562-B3FC-2C963F66AFA6\"");
    refused(state, "Uuid", "\"3fA85f64-5717-4562-b3fc-2c963f66afa6\"",
            "unsupported");
    refused(state, "DT", "\"2017-07-21T17:32:28.1234567890Z\"", "unsupported");
}

static void test_enums_encode_their_index(void **state)
{
    ok(state, "Color", "\"red\"");
    ok(state, "Color", "\"blue\"");
    refused(state, "Color", "\"pink\"", "invalid");
}

static void test_nullable_takes_null_or_its_type(void **state)
{
    ok(state, "Null", "null");
    ok(state, "Null", "\"abc\"");
    refused(state, "Null", "\"abcd\"", "invalid");
}

static void test_nested_objects_with_optional_members_round_trip(void **state)
{
    ok(state, "Obj", "{\"name\":\"x\"}");
    ok(state, "Obj", "{\"age\":3,\"name\":\"Zoë\",\"tags\":[\"a\",\"b\"]}");
    ok(state, "Obj", "{\"name\":\"\",\"inner\":{\"x\":true}}");
    refused(state, "Obj", "{\"age\":3}", "invalid");
    refused(state, "Obj", "{\"name\":\"a\",\"inner\":{\"y\":1}}", "invalid");
}

static void test_arrays_encode_length_then_items(void **state)
{
    ok(state, "Arr", "[]");
    ok(state, "Arr", "[1,2,3,4]");
    refused(state, "Arr", "[1,2,3,4,5]", "invalid");
}

static void test_one_of_picks_the_branch_that_gives_the_value(void **state)
{
    ok(state, "One", "{\"cat\":\"tom\"}");
    ok(state, "One", "{\"dog\":5}");
    refused(state, "One", "{\"cow\":1}", "invalid");
}

static void test_a_call_with_params_and_body_round_trips(void **state)
{
    fixture *f = *state;
    cJSON *params = cJSON_Parse("{\"id\": 42, \"q\": \"hi\"}");
    cJSON *body = cJSON_Parse("{\"name\": \"n\", \"age\": 9}");
    af_call_spec spec = {params, 0, body};
    af_choice_writer w;
    af_choice_writer_init(&w, &f->a);
    af_error err;
    int rc = af_call_encode(f->g, &w, 0, &spec, &err);
    if (rc != 0)
        fail_msg("%s", err.message);
    const uint8_t *data;
    size_t len;
    assert_int_equal(af_choice_writer_finish(&w, &data, &len), 0);
    af_program p;
    assert_int_equal(af_program_decode(f->g, &f->a, data, len, &p, NULL), 0);
    assert_int_equal(p.n_calls, 1);
    assert_true(p.calls[0].args[0].is_present);
    assert_int_equal(p.calls[0].args[0].value.u.i, 42);
    assert_true(af_value_equal_json(p.calls[0].body, body));
    cJSON_Delete(params);
    cJSON_Delete(body);
}

/* ---- round-trip over every spec's examples ---- */

typedef struct tally {
    int encoded, invalid, cap, unsupported, wrong;
} tally;

static void check_one(const af_gen *g, af_arena *a, af_idx schema,
                      const cJSON *ex, const char *where, tally *t)
{
    af_choice_writer w;
    af_choice_writer_init(&w, a);
    af_error err;
    int rc = af_value_encode(g, &w, schema, true, ex, &err);
    if (rc == 0) {
        t->encoded++;
        return;
    }
    assert_int_equal(rc, AF_EUSAGE);
    if (strncmp(err.message, "cap", 3) == 0) {
        t->cap++;
    } else if (strncmp(err.message, "unsupported", 11) == 0) {
        t->unsupported++;
        af_test_info("  unsupported %s: %s", where, err.message);
    } else {
        t->invalid++;
        af_validate_opts o = {.direction = AF_DIRECTION_REQUEST};
        af_validation res;
        int vr = af_validate(g->model, schema, ex, &o, a, &res);
        if (vr == 0 && res.is_valid) {
            t->wrong++;
            af_test_info("  WRONG refusal %s: %s", where, err.message);
        }
    }
}

static void check_list(const af_gen *g, af_arena *a, af_idx schema,
                       const cJSON *list, const char *where, tally *t)
{
    if (schema == AF_NONE || list == NULL)
        return;
    for (const cJSON *e = list->child; e != NULL; e = e->next)
        check_one(g, a, schema, e, where, t);
}

static void round_trip_spec(const char *path, tally *t)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = m != NULL ? af_test_plan(m, AF_GEN_POSITIVE, NULL) : NULL;
    if (g == NULL) {
        af_model_free(m);
        return;
    }
    af_arena a;
    af_arena_init(&a);
    for (uint32_t k = 0; k < m->n_schemas; k++)
        check_list(g, &a, (af_idx)k, m->schemas[k].examples,
                   m->schemas[k].pointer, t);
    for (uint32_t o = 0; o < m->n_ops; o++) {
        const af_operation *op = &m->ops[o];
        for (uint32_t j = 0; j < op->n_params; j++)
            check_list(g, &a, op->params[j].schema, op->params[j].examples,
                       op->params[j].pointer, t);
        for (uint32_t k = 0; op->body != NULL && k < op->body->n_media; k++)
            check_list(g, &a, op->body->media[k].schema,
                       op->body->media[k].examples, op->body->pointer, t);
        af_arena_reset(&a);
    }
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_every_spec_example_round_trips_or_is_refused(void **state)
{
    (void)state;
    static char paths[64][512];
    int n = af_test_spec_paths(paths, 64);
    tally t = {0};
    for (int k = 0; k < n; k++) {
        tally s = {0};
        round_trip_spec(paths[k], &s);
        af_test_info("%s: encoded %d, refused invalid %d cap %d "
                     "unsupported %d",
                     paths[k], s.encoded, s.invalid, s.cap, s.unsupported);
        t.encoded += s.encoded, t.invalid += s.invalid, t.cap += s.cap;
        t.unsupported += s.unsupported, t.wrong += s.wrong;
    }
    af_test_info("examples: encoded %d, refused invalid %d cap %d "
                 "unsupported %d, wrongly refused %d",
                 t.encoded, t.invalid, t.cap, t.unsupported, t.wrong);
    assert_int_equal(t.wrong, 0);
}

static void count_seed(void *ctx, const uint8_t *data, size_t len,
                       const char *what)
{
    (void)data, (void)len, (void)what;
    (*(int *)ctx)++;
}

static void test_examples_become_one_call_seeds(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(AF_TEST_PETSTORE);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    af_arena a;
    af_arena_init(&a);
    int seen = 0;
    int n = af_examples_seeds(g, &a, count_seed, &seen);
    assert_true(n >= 0);
    assert_int_equal(n, seen);
    af_test_info("petstore: %d seeds from examples", n);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_integers_encode_at_and_inside_their_bounds),
        cmocka_unit_test(test_doubles_and_multiples_round_trip),
        cmocka_unit_test(test_strings_with_pattern_and_formats_round_trip),
        cmocka_unit_test(test_enums_encode_their_index),
        cmocka_unit_test(test_nullable_takes_null_or_its_type),
        cmocka_unit_test(test_nested_objects_with_optional_members_round_trip),
        cmocka_unit_test(test_arrays_encode_length_then_items),
        cmocka_unit_test(test_one_of_picks_the_branch_that_gives_the_value),
        cmocka_unit_test(test_a_call_with_params_and_body_round_trips),
    };
    const struct CMUnitTest specs[] = {
        cmocka_unit_test(test_every_spec_example_round_trips_or_is_refused),
        cmocka_unit_test(test_examples_become_one_call_seeds),
    };
    int rc = cmocka_run_group_tests(unit, setup, teardown);
    return rc + cmocka_run_group_tests(specs, NULL, NULL);
}
