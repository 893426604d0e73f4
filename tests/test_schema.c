/*
 * test_schema.c - the schema compiler: every keyword group by dialect,
 * $ref cycles and sharing, $ref siblings by dialect, tolerance of quirky
 * real-world keywords, located errors and the bounds on hostile input.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemautil.h"
#include "spec/pattern.h"
#include "spec/schema_kw.h"

#define OAS30 "openapi: 3.0.3\ncomponents:\n  schemas:\n"
#define OAS31 "openapi: 3.1.0\ncomponents:\n  schemas:\n"
#define SWAGGER "swagger: '2.0'\ndefinitions:\n"

/* Compiles #/components/schemas/<name> of an OpenAPI 3 YAML text. */
static const af_schema *compile(af_test_schemas *t, af_dialect d,
                                const char *text, const char *name)
{
    char ptr[256];
    snprintf(ptr, sizeof ptr, "#/components/schemas/%s", name);
    af_idx i = af_test_schemas_compile(t, d, "spec.yaml", text, ptr);
    if (i == AF_NONE)
        fail_msg("compile failed: %s: %s", t->err.pointer, t->err.message);
    return af_test_schema(t, i);
}

static const af_schema *prop(const af_test_schemas *t, const af_schema *s,
                             const char *name)
{
    af_idx i = af_test_prop(s, name);
    assert_true(i != AF_NONE);
    return af_test_schema(t, i);
}

static void test_schema_type_names_single_array_and_absent(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(&t, AF_DIALECT_OAS31,
                                 OAS31 "    S:\n      properties:\n"
                                       "        s: {type: string}\n"
                                       "        i: {type: integer}\n"
                                       "        n: {type: number}\n"
                                       "        sn: {type: [string, 'null']}\n"
                                       "        any: {description: anything}\n",
                                 "S");
    assert_int_equal(s->types, AF_TYPE_ANY);
    assert_false(s->flags & AF_SCHEMA_HAS_TYPE);
    assert_int_equal(prop(&t, s, "s")->types, AF_TYPE_STRING);
    assert_true(prop(&t, s, "s")->flags & AF_SCHEMA_HAS_TYPE);
    assert_int_equal(prop(&t, s, "i")->types, AF_TYPE_INTEGER);
    assert_int_equal(prop(&t, s, "n")->types, AF_TYPE_NUMBER);
    assert_int_equal(prop(&t, s, "sn")->types, AF_TYPE_STRING | AF_TYPE_NULL);
    assert_int_equal(prop(&t, s, "any")->types, AF_TYPE_ANY);
    assert_string_equal(prop(&t, s, "sn")->pointer,
                        "#/components/schemas/S/properties/sn");
    af_test_schemas_free(&t);
}

static void test_schema_unknown_type_is_a_located_error(void **state)
{
    (void)state;
    af_test_schemas t;
    const char *text = OAS30 "    S:\n      type: object\n      properties:\n"
                             "        a:\n          type: strnig\n";
    af_idx i = af_test_schemas_compile(&t, AF_DIALECT_OAS30, "spec.yaml", text,
                                       "#/components/schemas/S");
    assert_int_equal(i, AF_NONE);
    assert_int_equal(t.err.code, AF_ESPEC);
    assert_string_equal(t.err.pointer,
                        "#/components/schemas/S/properties/a/type");
    assert_int_equal(t.err.line, 8);
    assert_non_null(strstr(t.err.message, "strnig"));
    af_test_schemas_free(&t);
}

static void test_schema_swagger_file_type_is_a_binary_string(void **state)
{
    (void)state;
    af_test_schemas t;
    af_idx i = af_test_schemas_compile(&t, AF_DIALECT_SWAGGER2, "s.yaml",
                                       SWAGGER "  F: {type: file}\n",
                                       "#/definitions/F");
    const af_schema *s = af_test_schema(&t, i);
    assert_non_null(s);
    assert_int_equal(s->types, AF_TYPE_STRING);
    assert_int_equal(s->format, AF_FORMAT_BINARY);
    assert_int_equal(af_test_warnings(&t, NULL, NULL), 0);
    af_test_schemas_free(&t);
}

static void test_schema_nullable_by_dialect(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S: {type: string, nullable: true}\n", "S");
    assert_true(s->flags & AF_SCHEMA_NULLABLE);
    af_test_schemas_free(&t);

    af_idx i = af_test_schemas_compile(
        &t, AF_DIALECT_SWAGGER2, "s.yaml",
        SWAGGER "  S: {type: string, x-nullable: true}\n", "#/definitions/S");
    assert_true(af_test_schema(&t, i)->flags & AF_SCHEMA_NULLABLE);
    af_test_schemas_free(&t);

    s = compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S: {type: string, nullable: true}\n", "S");
    assert_false(s->flags & AF_SCHEMA_NULLABLE);
    assert_int_equal(af_test_warnings(&t, "/S/nullable", "3.1"), 1);
    af_test_schemas_free(&t);
}

static void test_schema_formats_known_and_other(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      properties:\n"
                      "        when: {type: string, format: date-time}\n"
                      "        mine: {type: string, format: my-format}\n"
                      "        plain: {type: string}\n"
                      "        big: {type: integer, format: int64}\n",
                "S");
    assert_int_equal(prop(&t, s, "when")->format, AF_FORMAT_DATE_TIME);
    assert_string_equal(prop(&t, s, "when")->format_name, "date-time");
    assert_int_equal(prop(&t, s, "mine")->format, AF_FORMAT_OTHER);
    assert_string_equal(prop(&t, s, "mine")->format_name, "my-format");
    assert_int_equal(prop(&t, s, "plain")->format, AF_FORMAT_NONE);
    assert_null(prop(&t, s, "plain")->format_name);
    assert_int_equal(prop(&t, s, "big")->format, AF_FORMAT_INT64);
    assert_int_equal(af_format_parse("uuid"), AF_FORMAT_UUID);
    assert_string_equal(af_format_name(AF_FORMAT_IPV6), "ipv6");
    for (int f = AF_FORMAT_DATE; f <= AF_FORMAT_DOUBLE; f++)
        assert_int_equal(af_format_parse(af_format_name((af_format)f)), f);
    af_test_schemas_free(&t);
}

static void test_schema_values_enum_const_default_examples(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S:\n      title: Status\n"
                      "      enum: [open, closed, null]\n"
                      "      const: open\n      default: closed\n"
                      "      example: open\n      examples: [closed, x]\n",
                "S");
    assert_true(s->flags & AF_SCHEMA_HAS_ENUM);
    assert_int_equal(cJSON_GetArraySize(s->enum_values), 3);
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(s->enum_values, 2)));
    assert_true(s->flags & AF_SCHEMA_HAS_CONST);
    assert_string_equal(s->const_value->valuestring, "open");
    assert_string_equal(s->default_value->valuestring, "closed");
    assert_int_equal(cJSON_GetArraySize(s->examples), 3);
    assert_string_equal(cJSON_GetArrayItem(s->examples, 0)->valuestring,
                        "open");
    assert_string_equal(cJSON_GetArrayItem(s->examples, 2)->valuestring, "x");
    assert_string_equal(s->title, "Status");
    af_test_schemas_free(&t);
}

static void test_schema_const_null_and_empty_enum_are_kept(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S: {const: null}\n    E: {enum: []}\n", "S");
    assert_true(s->flags & AF_SCHEMA_HAS_CONST);
    assert_true(cJSON_IsNull(s->const_value));
    /* 2020-12 §6.1.2: an empty enum admits no value; kept, and warned */
    const af_schema *e =
        af_test_schema(&t, af_test_schemas_at(&t, "#/components/schemas/E"));
    assert_true(e->flags & AF_SCHEMA_HAS_ENUM);
    assert_int_equal(cJSON_GetArraySize(e->enum_values), 0);
    assert_int_equal(af_test_warnings(&t, "/E/enum", "no value"), 1);
    af_test_schemas_free(&t);
}

static void test_schema_numbers_boolean_exclusive_style(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(
        &t, AF_DIALECT_OAS30,
        OAS30 "    S:\n      properties:\n"
              "        a: {minimum: 1, exclusiveMinimum: true, maximum: 10,"
              " exclusiveMaximum: false}\n"
              "        b: {exclusiveMaximum: true}\n"
              "        c: {multipleOf: 0.5}\n",
        "S");
    const af_schema *a = prop(&t, s, "a");
    assert_true(a->flags & AF_SCHEMA_HAS_MINIMUM);
    assert_true(a->flags & AF_SCHEMA_EXCL_MINIMUM);
    assert_true(a->minimum == 1.0);
    assert_true(a->flags & AF_SCHEMA_HAS_MAXIMUM);
    assert_false(a->flags & AF_SCHEMA_EXCL_MAXIMUM);
    assert_true(a->maximum == 10.0);
    const af_schema *b = prop(&t, s, "b");
    assert_false(b->flags & (AF_SCHEMA_HAS_MAXIMUM | AF_SCHEMA_EXCL_MAXIMUM));
    assert_int_equal(af_test_warnings(&t, "/b/exclusiveMaximum", NULL), 1);
    const af_schema *c = prop(&t, s, "c");
    assert_true(c->flags & AF_SCHEMA_HAS_MULTIPLE);
    assert_true(c->multiple_of == 0.5);
    af_test_schemas_free(&t);
}

static void test_schema_numbers_numeric_exclusive_style(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(
        &t, AF_DIALECT_OAS31,
        OAS31 "    S:\n      properties:\n"
              "        only: {exclusiveMinimum: 5}\n"
              "        tighter_excl: {minimum: 3, exclusiveMinimum: 5}\n"
              "        tighter_incl: {minimum: 7, exclusiveMinimum: 5}\n"
              "        same: {maximum: 10, exclusiveMaximum: 10}\n"
              "        upper: {maximum: 8, exclusiveMaximum: 10}\n"
              "        zero: {multipleOf: 0}\n",
        "S");
    const af_schema *p = prop(&t, s, "only");
    assert_true(p->flags & AF_SCHEMA_HAS_MINIMUM);
    assert_true(p->flags & AF_SCHEMA_EXCL_MINIMUM);
    assert_true(p->minimum == 5.0);
    p = prop(&t, s, "tighter_excl");
    assert_true(p->minimum == 5.0 && (p->flags & AF_SCHEMA_EXCL_MINIMUM));
    p = prop(&t, s, "tighter_incl");
    assert_true(p->minimum == 7.0 && !(p->flags & AF_SCHEMA_EXCL_MINIMUM));
    p = prop(&t, s, "same");
    assert_true(p->maximum == 10.0 && (p->flags & AF_SCHEMA_EXCL_MAXIMUM));
    p = prop(&t, s, "upper");
    assert_true(p->maximum == 8.0 && !(p->flags & AF_SCHEMA_EXCL_MAXIMUM));
    assert_false(prop(&t, s, "zero")->flags & AF_SCHEMA_HAS_MULTIPLE);
    assert_int_equal(af_test_warnings(&t, "/zero/multipleOf", NULL), 1);
    af_test_schemas_free(&t);
}

static void test_schema_strings_lengths_and_pattern(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(&t, AF_DIALECT_OAS30,
                                 "{\"openapi\": \"3.0.3\", \"components\": "
                                 "{\"schemas\": {\"S\": {\"type\": \"string\","
                                 " \"minLength\": 2.0, \"maxLength\": 8,"
                                 " \"pattern\": \"^[a-z]+\\\\d$\"}}}}",
                                 "S");
    assert_int_equal(s->min_length, 2);
    assert_int_equal(s->max_length, 8);
    assert_string_equal(s->pattern, "^[a-z]+\\d$");
    assert_non_null(s->pattern_re);
    assert_false(s->flags & AF_SCHEMA_PATTERN_BAD);
    assert_int_equal(af_pattern_match(s->pattern_re, "abc1", 4), 1);
    assert_int_equal(af_pattern_match(s->pattern_re, "abc", 3), 0);
    af_test_schemas_free(&t);

    s = compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S: {type: string, minLength: -1, maxLength: 1.5}\n",
                "S");
    assert_int_equal(s->min_length, 0);
    assert_int_equal(s->max_length, AF_UNBOUNDED);
    assert_int_equal(af_test_warnings(&t, "/S/minLength", "non-negative"), 1);
    assert_int_equal(af_test_warnings(&t, "/S/maxLength", "non-negative"), 1);
    af_test_schemas_free(&t);
}

static void test_schema_bad_pattern_is_flagged_and_warned(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      type: object\n"
                      "      properties:\n        a: {type: string, "
                      "pattern: '([a-z]'}\n"
                      "      patternProperties:\n        '^x-(': {}\n",
                "S");
    const af_schema *a = prop(&t, s, "a");
    assert_true(a->flags & AF_SCHEMA_PATTERN_BAD);
    assert_null(a->pattern_re);
    assert_string_equal(a->pattern, "([a-z]");
    assert_int_equal(af_test_warnings(&t, "/a/pattern", "does not compile"), 1);
    assert_int_equal(s->n_pattern_props, 1);
    assert_null(s->pattern_props[0].re);
    assert_int_equal(af_test_warnings(&t, NULL, "patternProperties"), 1);
    af_test_schemas_free(&t);
}

static void test_schema_arrays_draft4_tuple_and_additional_items(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      type: array\n"
                      "      items: [{type: string}, {type: integer}]\n"
                      "      additionalItems: false\n"
                      "      minItems: 1\n      maxItems: 3\n"
                      "      uniqueItems: true\n",
                "S");
    assert_int_equal(s->n_prefix_items, 2);
    assert_int_equal(af_test_schema(&t, s->prefix_items[0])->types,
                     AF_TYPE_STRING);
    assert_string_equal(af_test_schema(&t, s->prefix_items[1])->pointer,
                        "#/components/schemas/S/items/1");
    assert_true(s->items != AF_NONE);
    assert_true(af_test_schema(&t, s->items)->flags & AF_SCHEMA_FALSE);
    assert_int_equal(s->min_items, 1);
    assert_int_equal(s->max_items, 3);
    assert_true(s->flags & AF_SCHEMA_UNIQUE_ITEMS);
    assert_int_equal(s->contains, AF_NONE);
    assert_int_equal(s->min_contains, 1);
    assert_int_equal(s->max_contains, AF_UNBOUNDED);
    af_test_schemas_free(&t);
}

static void test_schema_arrays_2020_prefix_items_and_contains(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S:\n      type: array\n"
                      "      prefixItems: [{const: a}]\n"
                      "      items: {type: integer}\n"
                      "      contains: {minimum: 5}\n"
                      "      minContains: 2\n      maxContains: 4\n"
                      "      unevaluatedItems: false\n",
                "S");
    assert_int_equal(s->n_prefix_items, 1);
    assert_int_equal(af_test_schema(&t, s->items)->types, AF_TYPE_INTEGER);
    assert_true(af_test_schema(&t, s->contains)->flags & AF_SCHEMA_HAS_MINIMUM);
    assert_int_equal(s->min_contains, 2);
    assert_int_equal(s->max_contains, 4);
    assert_true(af_test_schema(&t, s->unevaluated_items)->flags &
                AF_SCHEMA_FALSE);
    af_test_schemas_free(&t);
}

static void test_schema_objects_properties_required_additional(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      type: object\n"
                      "      required: [zeta, id, ghost]\n"
                      "      properties:\n"
                      "        zeta: {type: string}\n"
                      "        id: {type: integer}\n"
                      "        alpha: {type: boolean}\n"
                      "      additionalProperties: false\n"
                      "      patternProperties:\n"
                      "        '^x-': {type: string}\n"
                      "      minProperties: 1\n      maxProperties: 9\n"
                      "    M:\n      additionalProperties: {type: integer}\n"
                      "      propertyNames: {pattern: '^[a-z]+$'}\n",
                "S");
    assert_int_equal(s->n_props, 3);
    assert_string_equal(s->props[0].name, "zeta");
    assert_string_equal(s->props[1].name, "id");
    assert_string_equal(s->props[2].name, "alpha");
    assert_true(s->props[0].is_required);
    assert_true(s->props[1].is_required);
    assert_false(s->props[2].is_required);
    assert_int_equal(s->n_required, 3);
    assert_string_equal(s->required[2], "ghost");
    assert_true(af_test_schema(&t, s->additional_properties)->flags &
                AF_SCHEMA_FALSE);
    assert_int_equal(s->n_pattern_props, 1);
    assert_string_equal(s->pattern_props[0].pattern, "^x-");
    assert_int_equal(af_pattern_match(s->pattern_props[0].re, "x-a", 3), 1);
    assert_int_equal(s->min_properties, 1);
    assert_int_equal(s->max_properties, 9);
    assert_int_equal(af_test_warnings(&t, NULL, NULL), 0);

    const af_schema *m =
        af_test_schema(&t, af_test_schemas_at(&t, "#/components/schemas/M"));
    assert_int_equal(af_test_schema(&t, m->additional_properties)->types,
                     AF_TYPE_INTEGER);
    assert_non_null(af_test_schema(&t, m->property_names)->pattern_re);
    af_test_schemas_free(&t);
}

static void test_schema_composition_lists_and_not(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n"
                      "      allOf: [{type: object}, {required: [a]}]\n"
                      "      anyOf: [{type: string}]\n"
                      "      oneOf: [{type: integer}, {type: number}, {}]\n"
                      "      not: {type: 'null'}\n",
                "S");
    assert_int_equal(s->n_all_of, 2);
    assert_int_equal(s->n_any_of, 1);
    assert_int_equal(s->n_one_of, 3);
    assert_int_equal(af_test_schema(&t, s->one_of[1])->types, AF_TYPE_NUMBER);
    assert_int_equal(af_test_schema(&t, s->not_schema)->types, AF_TYPE_NULL);
    assert_string_equal(af_test_schema(&t, s->all_of[1])->pointer,
                        "#/components/schemas/S/allOf/1");
    af_test_schemas_free(&t);
}

static void test_schema_conditionals_if_then_else(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S:\n      if: {properties: {kind: {const: a}}}\n"
                      "      then: {required: [x]}\n"
                      "      else: {required: [y]}\n",
                "S");
    assert_true(s->if_schema != AF_NONE);
    assert_int_equal(af_test_schema(&t, s->then_schema)->n_required, 1);
    assert_string_equal(af_test_schema(&t, s->else_schema)->required[0], "y");
    af_test_schemas_free(&t);
}

static void test_schema_dependencies_in_every_form(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S:\n"
                      "      dependentRequired: {card: [billing, cvv]}\n"
                      "      dependentSchemas: {vip: {required: [level]}}\n",
                "S");
    assert_int_equal(s->n_dep_required, 1);
    assert_string_equal(s->dep_required[0].name, "card");
    assert_int_equal(s->dep_required[0].n_required, 2);
    assert_string_equal(s->dep_required[0].required[1], "cvv");
    assert_int_equal(s->n_dep_schemas, 1);
    assert_string_equal(s->dep_schemas[0].name, "vip");
    assert_int_equal(af_test_schema(&t, s->dep_schemas[0].schema)->n_required,
                     1);
    af_test_schemas_free(&t);

    s = compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      dependencies:\n"
                      "        a: [b]\n        c: {required: [d]}\n",
                "S");
    assert_int_equal(s->n_dep_required, 1);
    assert_string_equal(s->dep_required[0].required[0], "b");
    assert_int_equal(s->n_dep_schemas, 1);
    assert_string_equal(s->dep_schemas[0].name, "c");
    af_test_schemas_free(&t);
}

static const char *const pets30 =
    OAS30 "    Pet:\n      type: object\n"
          "      discriminator:\n        propertyName: kind\n"
          "        mapping:\n"
          "          dog: '#/components/schemas/Dog'\n"
          "          cat: Cat\n"
          "          bird: Nope\n"
          "      oneOf: [{$ref: '#/components/schemas/Dog'},"
          " {$ref: '#/components/schemas/Cat'}]\n"
          "    Dog: {type: object, properties: {bark: {type: boolean}}}\n"
          "    Cat: {type: object, properties: {purr: {type: boolean}}}\n";

static void test_schema_discriminator_mapping_by_ref_and_by_name(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(&t, AF_DIALECT_OAS30, pets30, "Pet");
    assert_string_equal(s->discriminator, "kind");
    assert_int_equal(s->n_mapping, 2);
    assert_string_equal(s->mapping[0].value, "dog");
    assert_string_equal(s->mapping[1].value, "cat");
    af_idx dog = s->mapping[0].schema, cat = s->mapping[1].schema;
    assert_int_equal(s->one_of[0], dog);
    assert_int_equal(s->one_of[1], cat);
    assert_string_equal(af_test_schema(&t, cat)->pointer,
                        "#/components/schemas/Cat");
    assert_int_equal(af_test_warnings(&t, NULL, "'bird'"), 1);
    af_test_schemas_free(&t);

    af_idx i = af_test_schemas_compile(
        &t, AF_DIALECT_SWAGGER2, "s.yaml",
        SWAGGER "  Pet:\n    type: object\n    discriminator: kind\n"
                "  Dog:\n    allOf: [{$ref: '#/definitions/Pet'}]\n",
        "#/definitions/Pet");
    assert_string_equal(af_test_schema(&t, i)->discriminator, "kind");
    af_test_schemas_free(&t);
}

static void test_schema_swagger_mapping_names_read_definitions(void **state)
{
    (void)state;
    af_test_schemas t;
    af_idx i = af_test_schemas_compile(
        &t, AF_DIALECT_SWAGGER2, "s.yaml",
        SWAGGER "  Pet:\n    discriminator: {propertyName: kind, "
                "mapping: {d: Dog}}\n"
                "  Dog: {type: object}\n",
        "#/definitions/Pet");
    const af_schema *s = af_test_schema(&t, i);
    assert_int_equal(s->n_mapping, 1);
    assert_string_equal(af_test_schema(&t, s->mapping[0].schema)->pointer,
                        "#/definitions/Dog");
    af_test_schemas_free(&t);
}

static void test_schema_read_write_only_and_deprecated(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      properties:\n"
                      "        id: {type: string, readOnly: true}\n"
                      "        pw: {type: string, writeOnly: true}\n"
                      "        old: {type: string, deprecated: true}\n",
                "S");
    assert_true(prop(&t, s, "id")->flags & AF_SCHEMA_READ_ONLY);
    assert_false(prop(&t, s, "id")->flags & AF_SCHEMA_WRITE_ONLY);
    assert_true(prop(&t, s, "pw")->flags & AF_SCHEMA_WRITE_ONLY);
    assert_true(prop(&t, s, "old")->flags & AF_SCHEMA_DEPRECATED);
    af_test_schemas_free(&t);
}

static void test_schema_ref_cycle_becomes_an_index_cycle(void **state)
{
    (void)state;
    af_test_schemas t;
    af_idx a = af_test_schemas_compile(
        &t, AF_DIALECT_OAS30, "spec.yaml",
        OAS30 "    A:\n      properties:\n"
              "        b: {$ref: '#/components/schemas/B'}\n"
              "    B:\n      properties:\n"
              "        a: {$ref: '#/components/schemas/A'}\n",
        "#/components/schemas/A");
    assert_true(a != AF_NONE);
    af_idx b = af_test_prop(af_test_schema(&t, a), "b");
    assert_true(b != AF_NONE && b != a);
    assert_int_equal(af_test_prop(af_test_schema(&t, b), "a"), a);
    assert_string_equal(af_test_schema(&t, b)->pointer,
                        "#/components/schemas/B");
    assert_int_equal(t.c.n_sch, 2);
    af_test_schemas_free(&t);
}

static void test_schema_self_recursive_tree(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    Node:\n      type: object\n      properties:\n"
                      "        value: {type: integer}\n"
                      "        children:\n          type: array\n"
                      "          items: {$ref: '#/components/schemas/Node'}\n",
                "Node");
    const af_schema *kids = prop(&t, s, "children");
    assert_int_equal(kids->items, t.root);
    af_test_schemas_free(&t);
}

static void test_schema_two_refs_to_one_schema_share_an_index(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    Pair:\n      properties:\n"
                      "        left: {$ref: '#/components/schemas/Pet'}\n"
                      "        right: {$ref: '#/components/schemas/Pet'}\n"
                      "    Pet: {type: object}\n",
                "Pair");
    af_idx left = af_test_prop(s, "left"), right = af_test_prop(s, "right");
    assert_int_equal(left, right);
    assert_int_equal(t.c.n_sch, 2);
    assert_int_equal(af_test_schemas_at(&t, "#/components/schemas/Pet"), left);
    assert_int_equal(af_test_schemas_at(&t, "#/components/schemas/Pair"), 0);
    assert_int_equal(t.c.n_sch, 2);
    af_test_schemas_free(&t);
}

static void test_schema_oas30_ref_siblings_are_ignored(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      properties:\n"
                      "        p:\n          $ref: '#/components/schemas/Pet'\n"
                      "          maxLength: 3\n          nullable: true\n"
                      "    Pet: {type: string}\n",
                "S");
    af_idx p = af_test_prop(s, "p");
    assert_int_equal(p, af_test_schemas_at(&t, "#/components/schemas/Pet"));
    const af_schema *pet = af_test_schema(&t, p);
    assert_int_equal(pet->max_length, AF_UNBOUNDED);
    assert_false(pet->flags & AF_SCHEMA_NULLABLE);
    af_test_schemas_free(&t);
}

static void test_schema_oas31_ref_siblings_are_kept(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS31,
                OAS31 "    S:\n      properties:\n"
                      "        p:\n          $ref: '#/components/schemas/Pet'\n"
                      "          maxLength: 3\n"
                      "        q:\n          $ref: '#/components/schemas/Pet'\n"
                      "          description: only an annotation\n"
                      "    Pet: {type: string}\n",
                "S");
    af_idx pet = af_test_schemas_at(&t, "#/components/schemas/Pet");
    af_idx p = af_test_prop(af_test_schema(&t, 0), "p");
    assert_true(p != pet);
    assert_int_equal(af_test_schema(&t, p)->ref, pet);
    assert_int_equal(af_test_schema(&t, p)->max_length, 3);
    assert_int_equal(af_test_prop(af_test_schema(&t, 0), "q"), pet);
    (void)s;
    af_test_schemas_free(&t);
}

static void test_schema_wrong_typed_keywords_warn_and_still_load(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      type: object\n      properties:\n"
                      "        a: {type: string, required: true}\n"
                      "        n: {type: integer, minimum: '1'}\n"
                      "        u: {type: array, uniqueItems: 'yes'}\n"
                      "        e: {enum: open}\n"
                      "        x: {allOf: {type: string}}\n"
                      "      required: [a]\n",
                "S");
    assert_true(s->props[0].is_required);
    assert_int_equal(prop(&t, s, "a")->n_required, 0);
    assert_int_equal(af_test_warnings(&t, "/properties/a/required", NULL), 1);
    assert_false(prop(&t, s, "n")->flags & AF_SCHEMA_HAS_MINIMUM);
    assert_int_equal(af_test_warnings(&t, "/properties/n/minimum", NULL), 1);
    assert_false(prop(&t, s, "u")->flags & AF_SCHEMA_UNIQUE_ITEMS);
    assert_int_equal(af_test_warnings(&t, "/properties/u/uniqueItems", NULL),
                     1);
    assert_false(prop(&t, s, "e")->flags & AF_SCHEMA_HAS_ENUM);
    assert_int_equal(prop(&t, s, "x")->n_all_of, 0);
    assert_int_equal(af_test_warnings(&t, NULL, NULL), 5);
    af_test_schemas_free(&t);
}

static void test_schema_non_object_schema_is_a_located_error(void **state)
{
    (void)state;
    af_test_schemas t;
    af_idx i = af_test_schemas_compile(
        &t, AF_DIALECT_OAS30, "spec.yaml",
        OAS30 "    S:\n      properties:\n        a: string\n",
        "#/components/schemas/S");
    assert_int_equal(i, AF_NONE);
    assert_int_equal(t.err.code, AF_ESPEC);
    assert_string_equal(t.err.pointer, "#/components/schemas/S/properties/a");
    assert_string_equal(t.err.file, "spec.yaml");
    assert_int_equal(t.err.line, 6);
    assert_non_null(strstr(t.err.message, "expected a schema object"));
    af_test_schemas_free(&t);
}

static void test_schema_boolean_schemas(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s = compile(
        &t, AF_DIALECT_OAS31,
        OAS31
        "    S:\n      properties:\n        yes: true\n        no: false\n",
        "S");
    assert_false(prop(&t, s, "yes")->flags & AF_SCHEMA_FALSE);
    assert_int_equal(prop(&t, s, "yes")->types, AF_TYPE_ANY);
    assert_true(prop(&t, s, "no")->flags & AF_SCHEMA_FALSE);
    assert_int_equal(af_test_warnings(&t, NULL, NULL), 0);
    af_test_schemas_free(&t);

    s = compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      properties:\n        no: false\n"
                      "      additionalProperties: false\n",
                "S");
    assert_true(prop(&t, s, "no")->flags & AF_SCHEMA_FALSE);
    assert_int_equal(af_test_warnings(&t, "/properties/no", "boolean"), 1);
    assert_int_equal(af_test_warnings(&t, NULL, NULL), 1);
    af_test_schemas_free(&t);
}

/* depth nested schemas: {"properties": {"a": {"properties": ... {}}}}. */
static char *nested_json(int depth)
{
    size_t cap = (size_t)depth * 24 + 128;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"openapi\": \"3.1.0\", \"x\": ");
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(s + n, cap - n, "{\"properties\": {\"a\": ");
    n += (size_t)snprintf(s + n, cap - n, "{}");
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(s + n, cap - n, "}}");
    snprintf(s + n, cap - n, "}");
    return s;
}

static void test_schema_deep_nesting_is_bounded(void **state)
{
    (void)state;
    af_test_schemas t;
    char *ok = nested_json(100);
    af_idx i =
        af_test_schemas_compile(&t, AF_DIALECT_OAS31, "d.json", ok, "#/x");
    assert_true(i != AF_NONE);
    assert_int_equal(t.c.n_sch, 101);
    af_test_schemas_free(&t);
    free(ok);

    char *deep = nested_json(200);
    i = af_test_schemas_compile(&t, AF_DIALECT_OAS31, "d.json", deep, "#/x");
    assert_int_equal(i, AF_NONE);
    assert_int_equal(t.err.code, AF_ELIMIT);
    assert_non_null(strstr(t.err.message, "nested"));
    af_test_schemas_free(&t);
    free(deep);
}

static void test_schema_long_ref_chain_does_not_recurse(void **state)
{
    (void)state;
    int n = 3000;
    size_t cap = (size_t)n * 96 + 128;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(
        s, cap, "{\"openapi\": \"3.0.3\", \"components\": {\"schemas\": {");
    for (int i = 0; i < n; i++)
        len +=
            (size_t)snprintf(s + len, cap - len,
                             "\"S%d\": {\"properties\": {\"next\": {\"$ref\": "
                             "\"#/components/schemas/S%d\"}}},",
                             i, (i + 1) % n);
    snprintf(s + len - 1, cap - len + 1, "}}}");
    af_test_schemas t;
    af_idx i = af_test_schemas_compile(&t, AF_DIALECT_OAS30, "c.json", s,
                                       "#/components/schemas/S0");
    assert_true(i != AF_NONE);
    assert_int_equal(t.c.n_sch, (uint32_t)n);
    af_idx at = i;
    for (int k = 0; k < n; k++)
        at = af_test_prop(af_test_schema(&t, at), "next");
    assert_int_equal(at, i);
    af_test_schemas_free(&t);
    free(s);
}

static void test_schema_plain_ref_cycle_is_warned(void **state)
{
    (void)state;
    af_test_schemas t;
    const af_schema *s =
        compile(&t, AF_DIALECT_OAS30,
                OAS30 "    S:\n      properties:\n"
                      "        p: {$ref: '#/components/schemas/A'}\n"
                      "    A: {$ref: '#/components/schemas/B'}\n"
                      "    B: {$ref: '#/components/schemas/A'}\n",
                "S");
    const af_schema *p = prop(&t, s, "p");
    assert_int_equal(p->types, AF_TYPE_ANY);
    assert_int_equal(af_test_warnings(&t, NULL, "cycle"), 1);
    assert_int_equal(af_test_schemas_at(&t, "#/components/schemas/A"),
                     af_test_prop(s, "p"));
    af_test_schemas_free(&t);
}

static void test_schema_dangling_ref_is_an_error(void **state)
{
    (void)state;
    af_test_schemas t;
    af_idx i = af_test_schemas_compile(
        &t, AF_DIALECT_OAS30, "spec.yaml",
        OAS30 "    S:\n      items: {$ref: '#/components/schemas/Nope'}\n",
        "#/components/schemas/S");
    assert_int_equal(i, AF_NONE);
    assert_int_equal(t.err.code, AF_EREF);
    af_test_schemas_free(&t);
}

static void test_schema_ref_into_another_file_is_file_qualified(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    char spec[512], common[512];
    snprintf(spec, sizeof spec, "%s/spec.yaml", dir);
    snprintf(common, sizeof common, "%s/common.yaml", dir);
    assert_int_equal(
        af_test_write_file(spec,
                           OAS30 "    S:\n      properties:\n"
                                 "        m: {$ref: 'common.yaml#/Money'}\n"),
        0);
    assert_int_equal(
        af_test_write_file(common, "Money:\n  type: object\n  properties:\n"
                                   "    cents: {type: integer}\n"),
        0);
    af_doc *doc = NULL;
    af_test_schemas t;
    assert_int_equal(af_doc_load_file(spec, &doc, NULL), 0);
    assert_int_equal(af_test_schemas_init(&t, AF_DIALECT_OAS30, doc, dir), 0);
    af_idx i = af_test_schemas_at(&t, "#/components/schemas/S");
    assert_true(i != AF_NONE);
    const af_schema *m = prop(&t, af_test_schema(&t, i), "m");
    assert_string_equal(m->pointer, "common.yaml#/Money");
    assert_string_equal(prop(&t, m, "cents")->pointer,
                        "common.yaml#/Money/properties/cents");
    af_test_schemas_free(&t);
    remove(spec);
    remove(common);
    remove(dir);
    free(dir);
}

static void test_schema_dynamic_refs_and_anchors(void **state)
{
    (void)state;
    af_test_schemas t;
    const char *text =
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
        " \"$id\": \"https://example.com/tree\", \"$dynamicAnchor\": \"node\","
        " \"type\": \"object\", \"properties\": {\"kids\": {\"type\": "
        "\"array\", \"items\": {\"$dynamicRef\": \"#node\"}}},"
        " \"$defs\": {\"r\": {\"$recursiveAnchor\": true}}}";
    af_idx i =
        af_test_schemas_compile(&t, AF_DIALECT_DRAFT2020, "t.json", text, "#");
    if (i == AF_NONE)
        fail_msg("%s: %s", t.err.pointer, t.err.message);
    const af_schema *s = af_test_schema(&t, i);
    assert_string_equal(s->dynamic_anchor, "node");
    const af_schema *items = af_test_schema(&t, prop(&t, s, "kids")->items);
    assert_int_equal(items->dynamic_ref, i);
    af_idx r = af_test_schemas_at(&t, "#/$defs/r");
    assert_true(af_test_schema(&t, r)->flags & AF_SCHEMA_RECURSIVE_ANCHOR);
    af_test_schemas_free(&t);
}

static void test_schema_every_keyword_is_found_by_name(void **state)
{
    (void)state;
    static const char *const names[] = {"$ref",
                                        "$dynamicRef",
                                        "$recursiveRef",
                                        "$dynamicAnchor",
                                        "$recursiveAnchor",
                                        "type",
                                        "nullable",
                                        "x-nullable",
                                        "format",
                                        "enum",
                                        "const",
                                        "default",
                                        "example",
                                        "examples",
                                        "title",
                                        "readOnly",
                                        "writeOnly",
                                        "deprecated",
                                        "minimum",
                                        "maximum",
                                        "exclusiveMinimum",
                                        "exclusiveMaximum",
                                        "multipleOf",
                                        "minLength",
                                        "maxLength",
                                        "pattern",
                                        "items",
                                        "additionalItems",
                                        "prefixItems",
                                        "minItems",
                                        "maxItems",
                                        "uniqueItems",
                                        "contains",
                                        "minContains",
                                        "maxContains",
                                        "unevaluatedItems",
                                        "properties",
                                        "required",
                                        "additionalProperties",
                                        "patternProperties",
                                        "minProperties",
                                        "maxProperties",
                                        "propertyNames",
                                        "unevaluatedProperties",
                                        "dependentRequired",
                                        "dependentSchemas",
                                        "dependencies",
                                        "allOf",
                                        "anyOf",
                                        "oneOf",
                                        "not",
                                        "if",
                                        "then",
                                        "else",
                                        "discriminator"};
    bool seen[AF_KW_COUNT] = {false};
    assert_int_equal(sizeof names / sizeof names[0], AF_KW_COUNT);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int k = af_schema_kw_index(names[i]);
        assert_true(k >= 0 && k < AF_KW_COUNT);
        assert_false(seen[k]);
        seen[k] = true;
    }
    assert_int_equal(af_schema_kw_index("description"), -1);
    assert_int_equal(af_schema_kw_index("Type"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_type_names_single_array_and_absent),
        cmocka_unit_test(test_schema_unknown_type_is_a_located_error),
        cmocka_unit_test(test_schema_swagger_file_type_is_a_binary_string),
        cmocka_unit_test(test_schema_nullable_by_dialect),
        cmocka_unit_test(test_schema_formats_known_and_other),
        cmocka_unit_test(test_schema_values_enum_const_default_examples),
        cmocka_unit_test(test_schema_const_null_and_empty_enum_are_kept),
        cmocka_unit_test(test_schema_numbers_boolean_exclusive_style),
        cmocka_unit_test(test_schema_numbers_numeric_exclusive_style),
        cmocka_unit_test(test_schema_strings_lengths_and_pattern),
        cmocka_unit_test(test_schema_bad_pattern_is_flagged_and_warned),
        cmocka_unit_test(test_schema_arrays_draft4_tuple_and_additional_items),
        cmocka_unit_test(test_schema_arrays_2020_prefix_items_and_contains),
        cmocka_unit_test(test_schema_objects_properties_required_additional),
        cmocka_unit_test(test_schema_composition_lists_and_not),
        cmocka_unit_test(test_schema_conditionals_if_then_else),
        cmocka_unit_test(test_schema_dependencies_in_every_form),
        cmocka_unit_test(test_schema_discriminator_mapping_by_ref_and_by_name),
        cmocka_unit_test(test_schema_swagger_mapping_names_read_definitions),
        cmocka_unit_test(test_schema_read_write_only_and_deprecated),
        cmocka_unit_test(test_schema_ref_cycle_becomes_an_index_cycle),
        cmocka_unit_test(test_schema_self_recursive_tree),
        cmocka_unit_test(test_schema_two_refs_to_one_schema_share_an_index),
        cmocka_unit_test(test_schema_oas30_ref_siblings_are_ignored),
        cmocka_unit_test(test_schema_oas31_ref_siblings_are_kept),
        cmocka_unit_test(test_schema_wrong_typed_keywords_warn_and_still_load),
        cmocka_unit_test(test_schema_non_object_schema_is_a_located_error),
        cmocka_unit_test(test_schema_boolean_schemas),
        cmocka_unit_test(test_schema_deep_nesting_is_bounded),
        cmocka_unit_test(test_schema_long_ref_chain_does_not_recurse),
        cmocka_unit_test(test_schema_plain_ref_cycle_is_warned),
        cmocka_unit_test(test_schema_dangling_ref_is_an_error),
        cmocka_unit_test(test_schema_ref_into_another_file_is_file_qualified),
        cmocka_unit_test(test_schema_dynamic_refs_and_anchors),
        cmocka_unit_test(test_schema_every_keyword_is_found_by_name),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    af_pattern_thread_cleanup();
    return rc;
}
