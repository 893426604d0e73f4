/*
 * test_validate.c - the validator: each keyword group, the dialect
 * differences (nullable, exclusive bounds, $ref siblings, format), the
 * directions (readOnly, writeOnly), error reports with their pointers in
 * first-error and all-errors modes, the bounds (deep instances, $ref
 * loops, the arena), the format checkers, and `apifuzz validate` end to
 * end through $O/asan/apifuzz.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/schemadoc.h"
#include "check/validate.h"

typedef struct vt {
    af_model *m;
    af_idx root;
    af_arena a;
    af_validation v;
    int rc;
} vt;

/* Compiles schema (JSON text) in dialect d at pointer (NULL: the root). */
static void vt_compile(vt *t, af_dialect d, const char *schema,
                       const char *pointer)
{
    memset(t, 0, sizeof *t);
    af_arena_init(&t->a);
    af_schemadoc_opts o = {d, pointer, NULL, NULL};
    af_error err;
    int rc = af_schemadoc_load_text(schema, strlen(schema), "s.json", "", &o,
                                    &t->m, &t->root, &err);
    if (rc != 0)
        fail_msg("compile: %s", err.message);
}

static void vt_free(vt *t)
{
    af_model_free(t->m);
    af_arena_free(&t->a);
}

/* Validates the JSON text inst with options o (NULL: defaults). */
static bool vt_check(vt *t, const char *inst, const af_validate_opts *o)
{
    cJSON *j = cJSON_Parse(inst);
    if (j == NULL)
        fail_msg("bad instance %s", inst);
    af_arena_reset(&t->a);
    t->rc = af_validate(t->m, t->root, j, o, &t->a, &t->v);
    cJSON_Delete(j);
    return t->rc == 0 && t->v.is_valid;
}

/* Validity of inst against schema in dialect d, in one go. */
static bool valid_in(af_dialect d, const char *schema, const char *inst)
{
    vt t;
    vt_compile(&t, d, schema, NULL);
    bool ok = vt_check(&t, inst, NULL);
    vt_free(&t);
    return ok;
}

static bool valid(const char *schema, const char *inst)
{
    return valid_in(AF_DIALECT_DRAFT2020, schema, inst);
}

static void test_types_treat_a_zero_fraction_as_an_integer(void **state)
{
    (void)state;
    assert_true(valid("{\"type\": \"integer\"}", "1.0"));
    assert_true(valid("{\"type\": \"integer\"}", "-7"));
    assert_false(valid("{\"type\": \"integer\"}", "1.5"));
    assert_true(valid("{\"type\": \"number\"}", "3"));
    assert_false(valid("{\"type\": \"string\"}", "3"));
    assert_true(valid("{\"type\": [\"string\", \"null\"]}", "null"));
    assert_false(valid("{\"type\": \"boolean\"}", "0"));
    assert_true(valid("{\"type\": \"object\"}", "{}"));
    assert_false(valid("{\"type\": \"array\"}", "{}"));
}

static void test_nullable_adds_null_in_openapi_30_only(void **state)
{
    (void)state;
    const char *s = "{\"type\": \"string\", \"nullable\": true}";
    assert_true(valid_in(AF_DIALECT_OAS30, s, "null"));
    assert_true(valid_in(AF_DIALECT_SWAGGER2,
                         "{\"type\": \"string\", \"x-nullable\": true}",
                         "null"));
    assert_false(valid_in(AF_DIALECT_OAS31, s, "null"));
    assert_true(valid_in(AF_DIALECT_OAS31, "{\"type\": [\"string\", \"null\"]}",
                         "null"));
    /* OAS 3.0.3: other keywords still apply; enum must list null */
    assert_false(valid_in(AF_DIALECT_OAS30,
                          "{\"type\": \"string\", \"nullable\": true, "
                          "\"enum\": [\"a\"]}",
                          "null"));
}

static void test_exclusive_bounds_follow_the_dialect(void **state)
{
    (void)state;
    const char *d4 = "{\"minimum\": 5, \"exclusiveMinimum\": true, "
                     "\"maximum\": 9, \"exclusiveMaximum\": true}";
    assert_false(valid_in(AF_DIALECT_OAS30, d4, "5"));
    assert_true(valid_in(AF_DIALECT_OAS30, d4, "5.5"));
    assert_false(valid_in(AF_DIALECT_DRAFT4, d4, "9"));
    const char *d20 = "{\"exclusiveMinimum\": 5, \"maximum\": 9}";
    assert_false(valid(d20, "5"));
    assert_true(valid(d20, "5.0001"));
    assert_true(valid(d20, "9"));
    assert_false(valid(d20, "9.5"));
}

static void test_multiple_of_copes_with_binary_fractions(void **state)
{
    (void)state;
    assert_true(valid("{\"multipleOf\": 0.0001}", "0.0075"));
    assert_false(valid("{\"multipleOf\": 0.0001}", "0.00751"));
    assert_true(valid("{\"multipleOf\": 0.1}", "0.3"));
    assert_true(valid("{\"multipleOf\": 0.01}", "19.99"));
    assert_true(valid("{\"multipleOf\": 0.5}", "1e308"));
    assert_false(valid("{\"multipleOf\": 3}", "10"));
}

static void test_string_lengths_count_code_points(void **state)
{
    (void)state;
    assert_true(valid("{\"maxLength\": 1}", "\"\\u00e9\""));
    assert_true(valid("{\"maxLength\": 1}", "\"\\ud83d\\ude00\""));
    assert_false(valid("{\"maxLength\": 1}", "\"ab\""));
    assert_false(valid("{\"minLength\": 2}", "\"\\u00e9\""));
    assert_true(valid("{\"pattern\": \"^[a-z]+$\"}", "\"abc\""));
    assert_false(valid("{\"pattern\": \"^[a-z]+$\"}", "\"abC\""));
    assert_true(valid("{\"pattern\": \"b\"}", "\"abc\"")); /* unanchored */
}

static void test_enum_and_const_use_json_equality(void **state)
{
    (void)state;
    assert_true(valid("{\"const\": 1}", "1.0"));
    assert_false(valid("{\"const\": false}", "0"));
    assert_true(valid("{\"const\": {\"a\": 1, \"b\": [1, 2]}}",
                      "{\"b\": [1.0, 2], \"a\": 1}"));
    assert_false(valid("{\"const\": {\"a\": 1}}", "{\"a\": 1, \"b\": 2}"));
    assert_true(valid("{\"enum\": [\"x\", null, [1]]}", "[1]"));
    assert_false(valid("{\"enum\": [\"x\", null, [1]]}", "[1, 1]"));
}

static void test_unique_items_finds_duplicates_in_long_arrays(void **state)
{
    (void)state;
    char inst[2048] = "[";
    for (int i = 0; i < 100; i++)
        snprintf(inst + strlen(inst), sizeof inst - strlen(inst),
                 "%s{\"k\": %d}", i ? "," : "", i);
    strcat(inst, "]");
    assert_true(valid("{\"uniqueItems\": true}", inst));
    strcpy(inst + strlen(inst) - 1, ", {\"k\": 42.0}]");
    vt t;
    vt_compile(&t, AF_DIALECT_DRAFT2020, "{\"uniqueItems\": true}", NULL);
    assert_false(vt_check(&t, inst, NULL));
    assert_string_equal(t.v.errors[0].reason, "items 42 and 100 are equal");
    vt_free(&t);
    assert_false(valid("{\"uniqueItems\": true}", "[1, 1.0]"));
    assert_true(valid("{\"uniqueItems\": true}", "[0, false]"));
}

static void test_array_keywords_apply_by_position(void **state)
{
    (void)state;
    const char *s = "{\"prefixItems\": [{\"type\": \"integer\"}], "
                    "\"items\": {\"type\": \"string\"}, \"minItems\": 1}";
    assert_true(valid(s, "[1, \"a\", \"b\"]"));
    assert_false(valid(s, "[\"a\"]"));
    assert_false(valid(s, "[1, 2]"));
    assert_false(valid(s, "[]"));
    const char *d7 = "{\"items\": [{\"type\": \"integer\"}], "
                     "\"additionalItems\": false}";
    assert_true(valid_in(AF_DIALECT_DRAFT7, d7, "[1]"));
    assert_false(valid_in(AF_DIALECT_DRAFT7, d7, "[1, 2]"));
    const char *c = "{\"contains\": {\"const\": 1}, \"minContains\": 2, "
                    "\"maxContains\": 3}";
    assert_false(valid(c, "[1, 2]"));
    assert_true(valid(c, "[1, 1, 2]"));
    assert_false(valid(c, "[1, 1, 1, 1]"));
}

static void test_object_keywords_split_members_by_name(void **state)
{
    (void)state;
    const char *s = "{\"properties\": {\"a\": {\"type\": \"integer\"}}, "
                    "\"patternProperties\": {\"^x-\": {\"type\": \"string\"}}, "
                    "\"additionalProperties\": false, \"required\": [\"a\"], "
                    "\"propertyNames\": {\"maxLength\": 5}}";
    assert_true(valid(s, "{\"a\": 1, \"x-y\": \"z\"}"));
    assert_false(valid(s, "{\"a\": 1, \"x-y\": 2}"));
    assert_false(valid(s, "{\"a\": 1, \"b\": 2}"));
    assert_false(valid(s, "{\"x-y\": \"z\"}"));
    assert_false(valid(s, "{\"a\": 1, \"x-long\": \"z\"}"));
    const char *d = "{\"dependentRequired\": {\"a\": [\"b\"]}, "
                    "\"dependentSchemas\": {\"c\": {\"minProperties\": 2}}}";
    assert_false(valid(d, "{\"a\": 1}"));
    assert_true(valid(d, "{\"a\": 1, \"b\": 2}"));
    assert_false(valid(d, "{\"c\": 1}"));
    assert_true(valid(d, "{\"c\": 1, \"d\": 1}"));
}

static void test_composition_counts_matching_branches(void **state)
{
    (void)state;
    const char *one = "{\"oneOf\": [{\"type\": \"integer\"}, "
                      "{\"minimum\": 2}]}";
    assert_true(valid(one, "1"));
    assert_false(valid(one, "3"));  /* both */
    assert_true(valid(one, "2.5")); /* only the second */
    assert_false(valid("{\"anyOf\": [{\"type\": \"string\"}, "
                       "{\"type\": \"null\"}]}",
                       "1"));
    assert_false(valid("{\"allOf\": [{\"type\": \"integer\"}, "
                       "{\"maximum\": 3}]}",
                       "4"));
    assert_false(valid("{\"not\": {\"type\": \"null\"}}", "null"));
    const char *cond = "{\"if\": {\"minimum\": 10}, \"then\": "
                       "{\"multipleOf\": 5}, \"else\": {\"maximum\": 3}}";
    assert_true(valid(cond, "15"));
    assert_false(valid(cond, "12"));
    assert_false(valid(cond, "5"));
    assert_true(valid(cond, "2"));
}

static void test_ref_siblings_apply_in_2020_and_not_before(void **state)
{
    (void)state;
    const char *s = "{\"$defs\": {\"i\": {\"type\": \"integer\"}}, "
                    "\"properties\": {\"p\": {\"$ref\": \"#/$defs/i\", "
                    "\"maximum\": 3}}}";
    assert_false(valid(s, "{\"p\": 4}"));
    const char *d7 = "{\"definitions\": {\"i\": {\"type\": \"integer\"}}, "
                     "\"properties\": {\"p\": {\"$ref\": \"#/definitions/i\", "
                     "\"maximum\": 3}}}";
    assert_true(valid_in(AF_DIALECT_DRAFT7, d7, "{\"p\": 4}"));
    assert_false(valid_in(AF_DIALECT_DRAFT7, d7, "{\"p\": \"4\"}"));
}

static void test_dynamic_ref_lands_on_the_outermost_anchor(void **state)
{
    (void)state;
    const char *s =
        "{\"$id\": \"https://x.test/root\", \"$ref\": \"list\", "
        "\"$defs\": {\"s\": {\"$dynamicAnchor\": \"item\", "
        "\"type\": \"string\"}, \"list\": {\"$id\": \"list\", "
        "\"type\": \"array\", \"items\": {\"$dynamicRef\": \"#item\"}, "
        "\"$defs\": {\"any\": {\"$dynamicAnchor\": \"item\"}}}}}";
    assert_true(valid(s, "[\"a\", \"b\"]"));
    assert_false(valid(s, "[\"a\", 1]"));
}

static void test_unevaluated_sees_only_successful_branches(void **state)
{
    (void)state;
    const char *s = "{\"anyOf\": [{\"properties\": {\"a\": "
                    "{\"type\": \"integer\"}}}, {\"properties\": {\"b\": "
                    "{\"type\": \"integer\"}}, \"required\": [\"b\"]}], "
                    "\"unevaluatedProperties\": false}";
    assert_true(valid(s, "{\"a\": 1}"));
    assert_true(valid(s, "{\"a\": 1, \"b\": 2}"));
    assert_false(valid(s, "{\"a\": 1, \"c\": 2}"));
    assert_false(valid("{\"not\": {\"properties\": {\"a\": false}}, "
                       "\"unevaluatedProperties\": false}",
                       "{\"a\": 1}"));
    const char *items = "{\"prefixItems\": [true], \"contains\": "
                        "{\"type\": \"string\"}, \"unevaluatedItems\": false}";
    assert_true(valid(items, "[1, \"a\", \"b\"]"));
    assert_false(valid(items, "[1, \"a\", 2]"));
}

static void test_discriminator_is_only_an_annotation(void **state)
{
    (void)state;
    const char *spec =
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": "
        "\"1\"}, \"paths\": {}, \"components\": {\"schemas\": {"
        "\"Pet\": {\"oneOf\": [{\"$ref\": \"#/components/schemas/Cat\"}, "
        "{\"$ref\": \"#/components/schemas/Dog\"}], \"discriminator\": "
        "{\"propertyName\": \"kind\"}}, "
        "\"Cat\": {\"type\": \"object\", \"required\": [\"kind\", \"meow\"]}, "
        "\"Dog\": {\"type\": \"object\", \"required\": [\"kind\", "
        "\"bark\"]}}}}";
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30, spec, "#/components/schemas/Pet");
    /* "kind" says Dog, but the oneOf alone decides */
    assert_true(vt_check(&t, "{\"kind\": \"Dog\", \"meow\": 1}", NULL));
    assert_false(vt_check(&t, "{\"kind\": \"Cat\"}", NULL));
    /* ... but when nothing matches, the named branch explains why */
    assert_string_equal(t.v.errors[0].schema,
                        "#/components/schemas/Cat/required");
    assert_string_equal(t.v.errors[0].reason,
                        "missing required property 'meow'");
    af_validate_opts all = {.all_errors = true};
    assert_false(vt_check(&t, "{\"kind\": \"Cat\"}", &all));
    assert_int_equal(t.v.n_errors, 2);
    assert_string_equal(t.v.errors[1].schema, "#/components/schemas/Pet/oneOf");
    vt_free(&t);
}

static const char booking[] =
    "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": "
    "\"1\"}, \"paths\": {}, \"components\": {\"schemas\": {\"Booking\": {"
    "\"type\": \"object\", \"required\": [\"id\", \"guest\", \"pin\"], "
    "\"properties\": {\"id\": {\"type\": \"integer\", \"readOnly\": true}, "
    "\"guest\": {\"type\": \"string\", \"minLength\": 1}, "
    "\"pin\": {\"type\": \"string\", \"writeOnly\": true}, "
    "\"nights\": {\"type\": \"integer\", \"minimum\": 1}, "
    "\"email\": {\"type\": \"string\", \"format\": \"email\"}}}}}}";

static void test_read_only_is_refused_in_requests_only(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30, booking, "#/components/schemas/Booking");
    af_validate_opts req = {.direction = AF_DIRECTION_REQUEST};
    af_validate_opts resp = {.direction = AF_DIRECTION_RESPONSE};
    /* a request leaves out the readOnly id even though it is required */
    assert_true(vt_check(&t, "{\"guest\": \"a\", \"pin\": \"1\"}", &req));
    assert_false(
        vt_check(&t, "{\"id\": 1, \"guest\": \"a\", \"pin\": \"1\"}", &req));
    assert_string_equal(t.v.errors[0].instance, "/id");
    assert_string_equal(t.v.errors[0].schema,
                        "#/components/schemas/Booking/properties/id/readOnly");
    /* a response leaves out the writeOnly pin, and may not carry it */
    assert_true(vt_check(&t, "{\"id\": 1, \"guest\": \"a\"}", &resp));
    assert_false(
        vt_check(&t, "{\"id\": 1, \"guest\": \"a\", \"pin\": \"1\"}", &resp));
    assert_false(vt_check(&t, "{\"guest\": \"a\"}", &resp));
    assert_true(
        vt_check(&t, "{\"id\": 1, \"guest\": \"a\", \"pin\": \"1\"}", NULL));
    vt_free(&t);
}

static void test_formats_assert_by_dialect_or_by_flag(void **state)
{
    (void)state;
    const char *s = "{\"type\": \"string\", \"format\": \"date\"}";
    af_validate_opts yes = {.formats = AF_FORMATS_ASSERT};
    af_validate_opts no = {.formats = AF_FORMATS_ANNOTATE};
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30, s, NULL);
    assert_false(vt_check(&t, "\"2021-02-29\"", NULL));
    assert_true(vt_check(&t, "\"2021-02-29\"", &no));
    assert_true(vt_check(&t, "\"2020-02-29\"", NULL));
    vt_free(&t);
    vt_compile(&t, AF_DIALECT_OAS31, s, NULL);
    assert_true(vt_check(&t, "\"2021-02-29\"", NULL));
    assert_false(vt_check(&t, "\"2021-02-29\"", &yes));
    vt_free(&t);
    vt_compile(&t, AF_DIALECT_OAS30,
               "{\"type\": \"integer\", \"format\": "
               "\"int32\"}",
               NULL);
    assert_true(vt_check(&t, "2147483647", NULL));
    assert_false(vt_check(&t, "2147483648", NULL));
    vt_free(&t);
}

/* Found by the python3-jsonschema cross-check: INT64_MAX reads as the
   double 2^63 and was rejected as out of range. */
static void test_int64_accepts_its_whole_range_despite_doubles(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30,
               "{\"type\": \"integer\", \"format\": \"int64\"}", NULL);
    assert_true(vt_check(&t, "9223372036854775807", NULL));
    assert_true(vt_check(&t, "9223372036854775806", NULL));
    assert_true(vt_check(&t, "-9223372036854775808", NULL));
    assert_false(vt_check(&t, "9223372036854777856", NULL)); /* 2^63+2048 */
    assert_false(vt_check(&t, "-9223372036854777856", NULL));
    assert_false(vt_check(&t, "1e19", NULL));
    vt_free(&t);
}

static void test_first_error_mode_reports_one_with_pointers(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30, booking, "#/components/schemas/Booking");
    const char *bad = "{\"id\": \"x\", \"guest\": \"\", \"pin\": \"1\", "
                      "\"nights\": 0, \"email\": \"nope\"}";
    assert_false(vt_check(&t, bad, NULL));
    assert_int_equal(t.v.n_errors, 1);
    assert_string_equal(t.v.errors[0].instance, "/id");
    assert_string_equal(t.v.errors[0].schema,
                        "#/components/schemas/Booking/properties/id/type");
    assert_string_equal(t.v.errors[0].reason, "expected integer, got string");
    af_validate_opts all = {.all_errors = true};
    assert_false(vt_check(&t, bad, &all));
    assert_int_equal(t.v.n_errors, 4);
    assert_string_equal(t.v.errors[1].instance, "/guest");
    assert_string_equal(t.v.errors[1].reason,
                        "length 0 is less than minLength 1");
    assert_string_equal(
        t.v.errors[2].schema,
        "#/components/schemas/Booking/properties/nights/minimum");
    assert_string_equal(t.v.errors[2].reason, "0 is less than the minimum 1");
    assert_string_equal(t.v.errors[3].instance, "/email");
    assert_string_equal(t.v.errors[3].reason, "not a valid email");
    af_validate_opts two = {.all_errors = true, .max_errors = 2};
    assert_false(vt_check(&t, bad, &two));
    assert_int_equal(t.v.n_errors, 2);
    assert_true(t.v.is_truncated);
    vt_free(&t);
}

static void test_pointers_escape_member_names(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_DRAFT2020,
               "{\"properties\": {\"a/b~c\": {\"items\": "
               "{\"type\": \"integer\"}}}}",
               NULL);
    assert_false(vt_check(&t, "{\"a/b~c\": [1, \"x\"]}", NULL));
    assert_string_equal(t.v.errors[0].instance, "/a~1b~0c/1");
    assert_string_equal(t.v.errors[0].schema,
                        "#/properties/a~1b~0c/items/type");
    vt_free(&t);
}

/* {"a": {"a": ... 1 ... }} n deep. */
static char *nested(int n)
{
    char *s = malloc((size_t)n * 7 + 8), *p = s;
    for (int i = 0; i < n; i++)
        p += sprintf(p, "{\"a\": ");
    p += sprintf(p, "1");
    for (int i = 0; i < n; i++)
        *p++ = '}';
    *p = '\0';
    return s;
}

static void test_deep_recursion_ends_in_an_error_not_a_crash(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_DRAFT2020,
               "{\"type\": [\"object\", \"integer\"], \"properties\": "
               "{\"a\": {\"$ref\": \"#\"}}}",
               NULL);
    char *ok = nested(100), *deep = nested(900);
    assert_true(vt_check(&t, ok, NULL));
    assert_false(vt_check(&t, deep, NULL));
    assert_int_equal(t.rc, AF_ELIMIT);
    assert_non_null(strstr(t.v.errors[t.v.n_errors - 1].reason, "nested"));
    free(ok);
    free(deep);
    vt_free(&t);
    /* a $ref loop that never descends into the instance */
    vt_compile(&t, AF_DIALECT_DRAFT2020,
               "{\"$defs\": {\"x\": {\"allOf\": [{\"$ref\": \"#/$defs/x\"}]}}, "
               "\"not\": {\"$ref\": \"#/$defs/x\"}}",
               NULL);
    assert_false(vt_check(&t, "1", NULL));
    assert_int_equal(t.rc, AF_ELIMIT);
    vt_free(&t);
}

static void test_validation_allocates_only_from_the_arena(void **state)
{
    (void)state;
    vt t;
    vt_compile(&t, AF_DIALECT_OAS30, booking, "#/components/schemas/Booking");
    cJSON *good = cJSON_Parse("{\"id\": 1, \"guest\": \"a\", \"pin\": \"1\", "
                              "\"email\": \"a@b.example\", \"nights\": 3}");
    cJSON *bad = cJSON_Parse("{\"id\": \"x\", \"guest\": \"\"}");
    af_validate_opts all = {.all_errors = true};
    size_t most = 0;
    for (int i = 0; i < 10000; i++) {
        af_arena_reset(&t.a);
        assert_int_equal(
            af_validate(t.m, t.root, i % 2 ? bad : good, &all, &t.a, &t.v), 0);
        assert_int_equal(t.v.is_valid, i % 2 == 0);
        most = t.a.total > most ? t.a.total : most;
    }
    assert_true(most < 4096);
    /* an arena that refuses memory gives AF_ENOMEM, not a crash */
    af_arena_reset(&t.a);
    t.a.limit = 16;
    assert_int_equal(af_validate(t.m, t.root, bad, &all, &t.a, &t.v),
                     AF_ENOMEM);
    assert_false(t.v.is_valid);
    cJSON_Delete(good);
    cJSON_Delete(bad);
    vt_free(&t);
}

static void test_meta_schema_refs_use_the_built_in_check(void **state)
{
    (void)state;
    const char *s = "{\"$ref\": \"http://json-schema.org/draft-07/schema#\"}";
    assert_true(valid_in(AF_DIALECT_DRAFT7, s,
                         "{\"properties\": {\"a\": {\"type\": \"string\"}}}"));
    assert_false(valid_in(AF_DIALECT_DRAFT7, s, "{\"minLength\": -1}"));
    assert_false(
        valid_in(AF_DIALECT_DRAFT7, s, "{\"items\": [{\"type\": \"nope\"}]}"));
    assert_true(valid_in(AF_DIALECT_DRAFT7, s, "true"));
    const char *d4 = "{\"$ref\": \"http://json-schema.org/draft-04/schema#\"}";
    assert_false(valid_in(AF_DIALECT_DRAFT4, d4, "true"));
}

static void test_format_checkers_accept_and_refuse(void **state)
{
    (void)state;
    static const struct {
        af_format f;
        const char *s;
        bool ok;
    } cases[] = {
        {AF_FORMAT_DATE_TIME, "1998-12-31T23:59:60Z", true},
        {AF_FORMAT_DATE_TIME, "1998-12-31T22:59:60Z", false},
        {AF_FORMAT_DATE_TIME, "1998-12-31T15:59:60.123-08:00", true},
        {AF_FORMAT_TIME, "08:30:06+00:20", true},
        {AF_FORMAT_DURATION, "P1Y2M3DT4H5M6S", true},
        {AF_FORMAT_DURATION, "P1Y2D", false},
        {AF_FORMAT_EMAIL, "\"joe bloggs\"@example.com", true},
        {AF_FORMAT_EMAIL, "te..st@example.com", false},
        {AF_FORMAT_IPV4, "192.168.0.1", true},
        {AF_FORMAT_IPV4, "192.168.0.01", false},
        {AF_FORMAT_IPV6, "1::d6:192.168.0.1", true},
        {AF_FORMAT_IPV6, "1::d6::42", false},
        {AF_FORMAT_HOSTNAME, "xn--9n2bp8q.xn--9t4b11yi5a", true},
        {AF_FORMAT_HOSTNAME, "xn--X", false},
        {AF_FORMAT_IDN_HOSTNAME, "\xec\x8b\xa4\xeb\xa1\x80.test", true},
        {AF_FORMAT_URI, "http://[::1]:80/a?b#c", true},
        {AF_FORMAT_URI, "/relative", false},
        {AF_FORMAT_URI_REFERENCE, "/relative", true},
        {AF_FORMAT_URI_TEMPLATE, "/a/{b}{?c,d*}", true},
        {AF_FORMAT_URI_TEMPLATE, "{a", false},
        {AF_FORMAT_UUID, "2eb8aa08-aa98-11ea-b4aa-73b441d16380", true},
        {AF_FORMAT_JSON_POINTER, "/a~2", false},
        {AF_FORMAT_RELATIVE_JSON_POINTER, "1/a", true},
        {AF_FORMAT_REGEX, "^(abc]", false},
        {AF_FORMAT_BYTE, "aGVsbG8=", true},
        {AF_FORMAT_BYTE, "aGVsbG8", false},
        {AF_FORMAT_BINARY, "\x01\x02", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got =
            af_format_check_string(cases[i].f, cases[i].s, strlen(cases[i].s));
        if (got != cases[i].ok)
            fail_msg("%s '%s': got %d", af_format_name(cases[i].f), cases[i].s,
                     got);
    }
}

/* Runs `apifuzz validate ARGS` with stdin from in; the output (stdout
   and stderr) in out. -1 when the command is not built. */
static int run_cli(const char *args, const char *in, char *out, size_t cap)
{
    const char *bin = af_test_bin();
    if (access(bin, X_OK) != 0)
        return -1;
    char *dir = af_test_tmpdir(), path[600], cmd[2048];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    af_test_write_file(path, in);
    snprintf(cmd, sizeof cmd, "'%s' validate %s < '%s' 2>&1", bin, args, path);
    af_test_output r;
    int status = af_test_run(cmd, &r);
    snprintf(out, cap, "%s", r.out);
    af_test_output_free(&r);
    unlink(path);
    rmdir(dir);
    free(dir);
    return status;
}

static void test_cli_validates_each_line_and_counts(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir(), path[600], args[800], out[4096];
    snprintf(path, sizeof path, "%s/spec.json", dir);
    af_test_write_file(path, booking);
    snprintf(args, sizeof args,
             "--dialect openapi-3.0 --pointer '#/components/schemas/Booking' "
             "%s",
             path);
    int rc = run_cli(args,
                     "{\"id\": 1, \"guest\": \"a\", \"pin\": \"2\"}\n\n"
                     "{\"id\": \"x\", \"guest\": \"a\", \"pin\": \"2\"}\n",
                     out, sizeof out);
    if (rc == -1) {
        af_test_note_skip("apifuzz binary not built (set O)");
        skip();
    }
    assert_int_equal(rc, 1);
    assert_string_equal(out, "valid\n"
                             "invalid #/id "
                             "#/components/schemas/Booking/properties/id/type "
                             "expected integer, got string\n"
                             "valid 1 invalid 1\n");
    rc = run_cli(args, "{\"id\": 1, \"guest\": \"a\", \"pin\": \"2\"}\n", out,
                 sizeof out);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "valid\nvalid 1 invalid 0\n");
    snprintf(args, sizeof args, "--dialect nope %s", path);
    assert_int_equal(run_cli(args, "", out, sizeof out), 2);
    snprintf(args, sizeof args, "--pointer '#/nowhere' %s", path);
    assert_int_equal(run_cli(args, "", out, sizeof out), 2);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void test_cli_asserts_formats_on_request(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir(), path[600], args[800], out[4096];
    snprintf(path, sizeof path, "%s/s.json", dir);
    af_test_write_file(path, "{\"format\": \"ipv4\"}");
    snprintf(args, sizeof args, "--dialect draft2020-12 %s", path);
    int rc = run_cli(args, "\"1.2.3.999\"\nnot json\n", out, sizeof out);
    if (rc == -1) {
        af_test_note_skip("apifuzz binary not built (set O)");
        skip();
    }
    assert_int_equal(rc, 1);
    assert_string_equal(out, "valid\ninvalid # - not a JSON value\n"
                             "valid 1 invalid 1\n");
    snprintf(args, sizeof args, "--formats --dialect draft2020-12 %s", path);
    assert_int_equal(run_cli(args, "\"1.2.3.999\"\n", out, sizeof out), 1);
    assert_string_equal(out, "invalid # #/format not a valid ipv4\n"
                             "valid 0 invalid 1\n");
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void test_cli_maps_remote_refs_to_a_folder(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir(), path[600], remote[600], args[1400];
    char out[4096];
    snprintf(path, sizeof path, "%s/s.json", dir);
    snprintf(remote, sizeof remote, "%s/int.json", dir);
    af_test_write_file(path, "{\"$ref\": \"http://localhost:1234/int.json\"}");
    af_test_write_file(remote, "{\"type\": \"integer\"}");
    snprintf(args, sizeof args, "--remotes %s %s", dir, path);
    int rc = run_cli(args, "1\n\"a\"\n", out, sizeof out);
    if (rc == -1) {
        af_test_note_skip("apifuzz binary not built (set O)");
        skip();
    }
    assert_int_equal(rc, 1);
    assert_string_equal(out,
                        "valid\ninvalid # http://localhost:1234/int.json#/type "
                        "expected integer, got string\n"
                        "valid 1 invalid 1\n");
    /* the same through JSTS_REMOTES; without it the $ref cannot load */
    snprintf(args, sizeof args, "%s", path);
    assert_int_equal(run_cli(args, "1\n", out, sizeof out), 2);
    assert_non_null(strstr(out, "remote $ref not supported"));
    setenv("JSTS_REMOTES", dir, 1);
    assert_int_equal(run_cli(args, "1\n", out, sizeof out), 0);
    unsetenv("JSTS_REMOTES");
    unlink(path);
    unlink(remote);
    rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_treat_a_zero_fraction_as_an_integer),
        cmocka_unit_test(test_nullable_adds_null_in_openapi_30_only),
        cmocka_unit_test(test_exclusive_bounds_follow_the_dialect),
        cmocka_unit_test(test_multiple_of_copes_with_binary_fractions),
        cmocka_unit_test(test_string_lengths_count_code_points),
        cmocka_unit_test(test_enum_and_const_use_json_equality),
        cmocka_unit_test(test_unique_items_finds_duplicates_in_long_arrays),
        cmocka_unit_test(test_array_keywords_apply_by_position),
        cmocka_unit_test(test_object_keywords_split_members_by_name),
        cmocka_unit_test(test_composition_counts_matching_branches),
        cmocka_unit_test(test_ref_siblings_apply_in_2020_and_not_before),
        cmocka_unit_test(test_dynamic_ref_lands_on_the_outermost_anchor),
        cmocka_unit_test(test_unevaluated_sees_only_successful_branches),
        cmocka_unit_test(test_discriminator_is_only_an_annotation),
        cmocka_unit_test(test_read_only_is_refused_in_requests_only),
        cmocka_unit_test(test_formats_assert_by_dialect_or_by_flag),
        cmocka_unit_test(test_int64_accepts_its_whole_range_despite_doubles),
        cmocka_unit_test(test_first_error_mode_reports_one_with_pointers),
        cmocka_unit_test(test_pointers_escape_member_names),
        cmocka_unit_test(test_deep_recursion_ends_in_an_error_not_a_crash),
        cmocka_unit_test(test_validation_allocates_only_from_the_arena),
        cmocka_unit_test(test_meta_schema_refs_use_the_built_in_check),
        cmocka_unit_test(test_format_checkers_accept_and_refuse),
        cmocka_unit_test(test_cli_validates_each_line_and_counts),
        cmocka_unit_test(test_cli_asserts_formats_on_request),
        cmocka_unit_test(test_cli_maps_remote_refs_to_a_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
