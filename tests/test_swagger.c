/*
 * test_swagger.c - Swagger 2.0 documents converted into the model
 * (swagger.c): parameters, bodies, forms, collectionFormat, consumes and
 * produces, servers, security definitions.
 */
#include "testutil.h"

#include <string.h>

#include "spec/model.h"
#include "specutil.h"

static const af_schema *schema_of(const af_model *m, af_idx i)
{
    const af_schema *s = af_model_schema(m, i);
    assert_non_null(s);
    return s;
}

/* The named property's schema of an object schema. */
static const af_schema *prop_of(const af_model *m, const af_schema *s,
                                const char *name, bool *is_required)
{
    for (uint32_t i = 0; i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0) {
            *is_required = s->props[i].is_required;
            return schema_of(m, s->props[i].schema);
        }
    fail_msg("no property %s", name);
    return NULL;
}

static bool has_warning(const af_model *m, const char *text)
{
    for (uint32_t i = 0; i < m->n_warnings; i++)
        if (strstr(m->warnings[i].message, text) != NULL)
            return true;
    return false;
}

#define HEAD "swagger: '2.0'\ninfo: {title: S, version: '1'}\n"
#define OK "      responses: {'200': {description: ok}}\n"

static void test_unquoted_version_and_title_are_read(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load("swagger: 2.0\ninfo: {title: S}\npaths: {}\n");
    assert_int_equal(m->dialect, AF_DIALECT_SWAGGER2);
    assert_string_equal(m->version, "2.0");
    assert_string_equal(m->title, "S");
    af_model_free(m);
}

static void test_host_schemes_and_base_path_become_servers(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(HEAD "host: api.example.com:8080\n"
                                         "basePath: /v1/\n"
                                         "schemes: [https, http]\n"
                                         "paths: {}\n");
    assert_int_equal(m->n_servers, 2);
    assert_string_equal(m->servers[0].url, "https://api.example.com:8080/v1");
    assert_string_equal(m->servers[1].url, "http://api.example.com:8080/v1");
    assert_string_equal(m->base_path, "/v1");
    af_model_free(m);
    m = af_test_spec_load(HEAD "basePath: /\npaths: {}\n");
    assert_string_equal(m->base_path, "");
    assert_int_equal(m->n_servers, 1);
    assert_string_equal(m->servers[0].url, "/");
    af_model_free(m);
    m = af_test_spec_load(HEAD "host: h.io\npaths: {}\n");
    assert_string_equal(m->servers[0].url, "http://h.io");
    af_model_free(m);
}

static void test_non_body_parameters_get_synthesized_schemas(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD "paths:\n"
                               "  /s:\n"
                               "    get:\n"
                               "      parameters:\n"
                               "        - name: n\n"
                               "          in: query\n"
                               "          type: integer\n"
                               "          minimum: 1\n"
                               "          maximum: 10\n"
                               "          exclusiveMaximum: true\n"
                               "          default: 5\n"
                               "          description: not a schema keyword\n"
                               "        - name: e\n"
                               "          in: header\n"
                               "          type: string\n"
                               "          enum: [a, b]\n"
                               "          x-nullable: true\n"
                               "          required: true\n"
                               "        - name: ids\n"
                               "          in: query\n"
                               "          type: array\n"
                               "          maxItems: 3\n"
                               "          items: {type: string, pattern: "
                               "'^[a-z]+$',\n"
                               "                  minLength: 2}\n" OK);
    const af_operation *op = af_test_op_at(m, "GET", "/s");
    const af_param *n = af_test_param_of(op, "n", AF_IN_QUERY);
    assert_false(n->is_required);
    const af_schema *s = schema_of(m, n->schema);
    assert_true(s->types & AF_TYPE_INTEGER);
    assert_true(s->flags & AF_SCHEMA_HAS_MINIMUM);
    assert_true(s->flags & AF_SCHEMA_EXCL_MAXIMUM);
    assert_true(s->maximum == 10.0);
    assert_non_null(s->default_value);
    assert_string_equal(s->pointer, "#/paths/~1s/get/parameters/0");
    const af_param *e = af_test_param_of(op, "e", AF_IN_HEADER);
    assert_true(e->is_required);
    s = schema_of(m, e->schema);
    assert_true(s->flags & AF_SCHEMA_HAS_ENUM);
    assert_true(s->flags & AF_SCHEMA_NULLABLE);
    s = schema_of(m, af_test_param_of(op, "ids", AF_IN_QUERY)->schema);
    assert_int_equal(s->max_items, 3);
    const af_schema *items = schema_of(m, s->items);
    assert_string_equal(items->pattern, "^[a-z]+$");
    assert_int_equal(items->min_length, 2);
    af_model_free(m);
}

static void test_collection_formats_map_to_styles(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "paths:\n"
             "  /s/{p}:\n"
             "    get:\n"
             "      parameters:\n"
             "        - {name: p, in: path, required: true, "
             "type: array, items: {type: string}}\n"
             "        - {name: csv, in: query, type: array, "
             "items: {type: string}}\n"
             "        - {name: ssv, in: query, type: array, "
             "collectionFormat: ssv}\n"
             "        - {name: tsv, in: query, type: array, "
             "collectionFormat: tsv}\n"
             "        - {name: pipes, in: query, type: array, "
             "collectionFormat: pipes}\n"
             "        - {name: multi, in: query, type: array, "
             "collectionFormat: multi}\n"
             "        - {name: h, in: header, type: array, "
             "collectionFormat: csv}\n"
             "        - {name: one, in: query, type: string}\n"
             "" OK);
    const af_operation *op = af_test_op_at(m, "GET", "/s/{p}");
    const af_param *p = af_test_param_of(op, "p", AF_IN_PATH);
    assert_int_equal(p->style, AF_STYLE_SIMPLE);
    assert_false(p->explode);
    p = af_test_param_of(op, "csv", AF_IN_QUERY);
    assert_int_equal(p->style, AF_STYLE_FORM);
    assert_false(p->explode);
    assert_int_equal(af_test_param_of(op, "ssv", AF_IN_QUERY)->style,
                     AF_STYLE_SPACE_DELIMITED);
    assert_int_equal(af_test_param_of(op, "tsv", AF_IN_QUERY)->style,
                     AF_STYLE_TAB_DELIMITED);
    assert_int_equal(af_test_param_of(op, "pipes", AF_IN_QUERY)->style,
                     AF_STYLE_PIPE_DELIMITED);
    p = af_test_param_of(op, "multi", AF_IN_QUERY);
    assert_int_equal(p->style, AF_STYLE_FORM);
    assert_true(p->explode);
    p = af_test_param_of(op, "h", AF_IN_HEADER);
    assert_int_equal(p->style, AF_STYLE_SIMPLE);
    assert_false(p->explode);
    assert_true(af_test_param_of(op, "one", AF_IN_QUERY)->explode);
    af_model_free(m);
}

static void test_body_parameter_has_one_media_per_consumes(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "consumes: [application/json, Application/XML]\n"
             "paths:\n"
             "  /pets:\n"
             "    post:\n"
             "      parameters:\n"
             "        - {name: pet, in: body, required: true,\n"
             "           schema: {$ref: '#/definitions/Pet'}}\n"
             "" OK "    put:\n"
             "      consumes: [text/plain]\n"
             "      parameters:\n"
             "        - {name: pet, in: body, schema: {type: "
             "string}}\n"
             "" OK "definitions:\n"
             "  Pet: {type: object, required: [name],\n"
             "        properties: {name: {type: string}}}\n");
    const af_body *b = af_test_op_at(m, "POST", "/pets")->body;
    assert_non_null(b);
    assert_true(b->is_required);
    assert_int_equal(b->n_media, 2);
    assert_string_equal(b->media[0].type, "application/json");
    assert_string_equal(b->media[1].type, "application/xml");
    assert_int_equal(b->media[0].schema, b->media[1].schema);
    assert_string_equal(schema_of(m, b->media[0].schema)->pointer,
                        "#/definitions/Pet");
    assert_string_equal(b->pointer, "#/paths/~1pets/post/parameters/0");
    const af_body *put = af_test_op_at(m, "PUT", "/pets")->body;
    assert_false(put->is_required);
    assert_int_equal(put->n_media, 1);
    assert_string_equal(put->media[0].type, "text/plain");
    assert_int_equal(af_test_op_at(m, "POST", "/pets")->n_params, 0);
    af_model_free(m);
}

static void test_body_defaults_to_json_and_needs_a_schema(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD "paths:\n"
                               "  /p:\n"
                               "    post:\n"
                               "      parameters: [{name: b, in: body, schema: "
                               "{}}]\n" OK);
    assert_string_equal(af_test_op_at(m, "POST", "/p")->body->media[0].type,
                        "application/json");
    af_model_free(m);
    assert_string_equal(
        af_test_spec_load_error(HEAD "paths:\n"
                                     "  /p:\n"
                                     "    post:\n"
                                     "      parameters: [{name: b, in: "
                                     "body}]\n" OK,
                                AF_ESPEC),
        "spec.yaml:6:20: #/paths/~1p/post/parameters/0: body "
        "parameter has no 'schema'");
}

static void test_form_data_becomes_an_urlencoded_object(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "paths:\n"
             "  /f:\n"
             "    post:\n"
             "      parameters:\n"
             "        - {name: name, in: formData, type: "
             "string, required: true}\n"
             "        - {name: age, in: formData, type: "
             "integer}\n"
             "        - {name: tags, in: formData, type: array,"
             "\n"
             "           items: {type: string}, "
             "collectionFormat: multi}\n"
             "        - {name: q, in: query, type: string}\n"
             "" OK);
    const af_operation *op = af_test_op_at(m, "POST", "/f");
    assert_int_equal(op->n_params, 1);
    const af_body *b = op->body;
    assert_non_null(b);
    assert_true(b->is_required);
    assert_int_equal(b->n_media, 1);
    assert_string_equal(b->media[0].type, "application/x-www-form-urlencoded");
    const af_schema *s = schema_of(m, b->media[0].schema);
    assert_int_equal(s->types, AF_TYPE_OBJECT);
    assert_int_equal(s->n_props, 3);
    bool is_required = false;
    assert_true(prop_of(m, s, "name", &is_required)->types & AF_TYPE_STRING);
    assert_true(is_required);
    assert_true(prop_of(m, s, "age", &is_required)->types & AF_TYPE_INTEGER);
    assert_false(is_required);
    assert_int_equal(b->media[0].n_encodings, 1);
    assert_string_equal(b->media[0].encodings[0].name, "tags");
    assert_int_equal(b->media[0].encodings[0].style, AF_STYLE_FORM);
    assert_true(b->media[0].encodings[0].explode);
    af_model_free(m);
}

static void test_files_or_consumes_make_forms_multipart(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "paths:\n"
             "  /up:\n"
             "    post:\n"
             "      parameters:\n"
             "        - {name: file, in: formData, type: file}\n"
             "" OK "  /say:\n"
             "    post:\n"
             "      consumes: [multipart/form-data]\n"
             "      parameters:\n"
             "        - {name: text, in: formData, type: "
             "string}\n" OK);
    const af_body *b = af_test_op_at(m, "POST", "/up")->body;
    assert_string_equal(b->media[0].type, "multipart/form-data");
    assert_false(b->is_required);
    bool is_required;
    const af_schema *file =
        prop_of(m, schema_of(m, b->media[0].schema), "file", &is_required);
    assert_int_equal(file->types, AF_TYPE_STRING);
    assert_int_equal(file->format, AF_FORMAT_BINARY);
    assert_string_equal(af_test_op_at(m, "POST", "/say")->body->media[0].type,
                        "multipart/form-data");
    af_model_free(m);
}

static void test_responses_use_produces_examples_and_headers(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "produces: [application/json, text/csv]\n"
             "paths:\n"
             "  /r:\n"
             "    get:\n"
             "      responses:\n"
             "        '200':\n"
             "          description: ok\n"
             "          schema: {type: array, items: {type: "
             "integer}}\n"
             "          examples: {application/json: [1, 2]}\n"
             "          headers:\n"
             "            X-Count: {type: integer, minimum: 0}\n"
             "            X-List: {type: array, items: {type: "
             "string}}\n"
             "        '204': {description: none}\n"
             "        default: {description: err, schema: "
             "{type: object}}\n"
             "  /img:\n"
             "    get:\n"
             "      produces: [image/png]\n"
             "      responses: {'200': {description: ok, "
             "schema: {type: file}}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/r");
    assert_int_equal(op->n_responses, 3);
    const af_response *r = &op->responses[0];
    assert_int_equal(r->status_lo, 200);
    assert_int_equal(r->n_media, 2);
    assert_string_equal(r->media[0].type, "application/json");
    assert_string_equal(r->media[1].type, "text/csv");
    assert_int_equal(schema_of(m, r->media[0].schema)->types, AF_TYPE_ARRAY);
    assert_int_equal(cJSON_GetArraySize(r->media[0].examples), 1);
    assert_null(r->media[1].examples);
    assert_int_equal(r->n_headers, 2);
    assert_string_equal(r->headers[0].name, "X-Count");
    assert_false(r->headers[0].is_required);
    assert_true(schema_of(m, r->headers[0].schema)->flags &
                AF_SCHEMA_HAS_MINIMUM);
    assert_int_equal(schema_of(m, r->headers[1].schema)->types, AF_TYPE_ARRAY);
    assert_int_equal(op->responses[1].n_media, 0);
    assert_int_equal(op->responses[2].status_lo, 0);
    const af_response *img = &af_test_op_at(m, "GET", "/img")->responses[0];
    assert_int_equal(img->n_media, 1);
    assert_string_equal(img->media[0].type, "image/png");
    assert_int_equal(schema_of(m, img->media[0].schema)->format,
                     AF_FORMAT_BINARY);
    assert_int_equal(m->n_media_types, 3);
    af_model_free(m);
}

static void test_shared_and_path_level_parameters_merge(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "parameters:\n"
             "  Limit: {name: limit, in: query, type: "
             "integer}\n"
             "paths:\n"
             "  /s/{id}:\n"
             "    parameters:\n"
             "      - {$ref: '#/parameters/Limit'}\n"
             "      - {name: id, in: path, type: string}\n"
             "    get:\n"
             "      parameters:\n"
             "        - {name: limit, in: query, type: string, "
             "required: true}\n" OK "    delete:\n" OK);
    const af_operation *get = af_test_op_at(m, "GET", "/s/{id}");
    assert_int_equal(get->n_params, 2);
    const af_param *limit = af_test_param_of(get, "limit", AF_IN_QUERY);
    assert_true(limit->is_required);
    assert_int_equal(schema_of(m, limit->schema)->types, AF_TYPE_STRING);
    const af_param *id = af_test_param_of(get, "id", AF_IN_PATH);
    assert_true(id->is_required);
    assert_true(has_warning(m, "'id' must be required"));
    const af_operation *del = af_test_op_at(m, "DELETE", "/s/{id}");
    limit = af_test_param_of(del, "limit", AF_IN_QUERY);
    assert_false(limit->is_required);
    assert_string_equal(limit->pointer, "#/paths/~1s~1{id}/parameters/0");
    assert_true(schema_of(m, limit->schema)->types & AF_TYPE_INTEGER);
    af_model_free(m);
}

static void test_security_definitions_and_requirements(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "securityDefinitions:\n"
             "  basic: {type: basic}\n"
             "  key: {type: apiKey, name: api_key, in: query}\n"
             "  oauth: {type: oauth2, flow: implicit,\n"
             "          authorizationUrl: 'https://x', scopes: "
             "{}}\n"
             "security: [{basic: []}]\n"
             "paths:\n"
             "  /a:\n"
             "    get:\n" OK "  /b:\n"
             "    get:\n"
             "      security: [{key: [], oauth: [read]}]\n" OK "  /c:\n"
             "    get:\n"
             "      security: []\n" OK);
    assert_int_equal(m->n_schemes, 3);
    assert_int_equal(m->schemes[0].type, AF_SEC_HTTP);
    assert_string_equal(m->schemes[0].scheme, "basic");
    assert_int_equal(m->schemes[1].type, AF_SEC_API_KEY);
    assert_int_equal(m->schemes[1].in, AF_IN_QUERY);
    assert_string_equal(m->schemes[1].param_name, "api_key");
    assert_int_equal(m->schemes[2].type, AF_SEC_OAUTH2);
    const af_operation *a = af_test_op_at(m, "GET", "/a");
    assert_int_equal(a->n_security, 1);
    assert_int_equal(a->security[0].schemes[0], 0);
    const af_operation *b = af_test_op_at(m, "GET", "/b");
    assert_int_equal(b->security[0].n_schemes, 2);
    assert_int_equal(b->security[0].schemes[1], 2);
    assert_int_equal(af_test_op_at(m, "GET", "/c")->n_security, 0);
    af_model_free(m);
}

static void test_definitions_compile_and_unknown_locations_fail(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD "paths: {}\n"
                               "definitions:\n"
                               "  A: {type: string, x-nullable: true}\n");
    assert_string_equal(schema_of(m, 0)->pointer, "#/definitions/A");
    assert_true(schema_of(m, 0)->flags & AF_SCHEMA_NULLABLE);
    af_model_free(m);
    assert_string_equal(
        af_test_spec_load_error(HEAD "paths:\n"
                                     "  /p:\n"
                                     "    get:\n"
                                     "      parameters: [{name: c, in: "
                                     "cookie, type: string}]\n" OK,
                                AF_ESPEC),
        "spec.yaml:6:30: #/paths/~1p/get/parameters/0/in: "
        "unknown parameter location 'cookie'");
    assert_string_equal(
        af_test_spec_load_error(HEAD "paths:\n  /p:\n    get: {}\n", AF_ESPEC),
        "spec.yaml:5:5: #/paths/~1p/get: operation has no 'responses'");
}

static void test_accept_and_content_type_headers_are_dropped(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD "paths:\n"
             "  /h:\n"
             "    get:\n"
             "      parameters:\n"
             "        - {name: Accept, in: header, type: "
             "string}\n"
             "        - {name: Content-Type, in: header, type: "
             "string}\n"
             "        - {name: Authorization, in: header, type: "
             "string, required: true}\n" OK);
    const af_operation *op = af_test_op_at(m, "GET", "/h");
    assert_int_equal(op->n_params, 1);
    assert_true(
        af_test_param_of(op, "Authorization", AF_IN_HEADER)->is_required);
    assert_true(has_warning(m, "header parameter 'Accept' is ignored"));
    af_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unquoted_version_and_title_are_read),
        cmocka_unit_test(test_host_schemes_and_base_path_become_servers),
        cmocka_unit_test(test_non_body_parameters_get_synthesized_schemas),
        cmocka_unit_test(test_collection_formats_map_to_styles),
        cmocka_unit_test(test_body_parameter_has_one_media_per_consumes),
        cmocka_unit_test(test_body_defaults_to_json_and_needs_a_schema),
        cmocka_unit_test(test_form_data_becomes_an_urlencoded_object),
        cmocka_unit_test(test_files_or_consumes_make_forms_multipart),
        cmocka_unit_test(test_responses_use_produces_examples_and_headers),
        cmocka_unit_test(test_shared_and_path_level_parameters_merge),
        cmocka_unit_test(test_security_definitions_and_requirements),
        cmocka_unit_test(test_definitions_compile_and_unknown_locations_fail),
        cmocka_unit_test(test_accept_and_content_type_headers_are_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
