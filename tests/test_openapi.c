/*
 * test_openapi.c - OpenAPI 3.0 / 3.1 documents compiled into the model
 * (model.c, openapi.c, content.c, walk.c), from small inline YAML specs.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/model.h"
#include "specutil.h"

static const af_response *response_of(const af_operation *op, const char *key)
{
    for (uint32_t i = 0; i < op->n_responses; i++)
        if (strcmp(op->responses[i].key, key) == 0)
            return &op->responses[i];
    fail_msg("no response %s", key);
    return NULL;
}

/* The pointer of the warning whose message contains text, or NULL. */
static const char *warning_at(const af_model *m, const char *text)
{
    for (uint32_t i = 0; i < m->n_warnings; i++)
        if (strstr(m->warnings[i].message, text) != NULL)
            return m->warnings[i].pointer;
    return NULL;
}

static uint32_t types_of(const af_model *m, af_idx i)
{
    const af_schema *s = af_model_schema(m, i);
    assert_non_null(s);
    return s->types;
}

#define HEAD30 "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n"
#define HEAD31 "openapi: 3.1.0\ninfo: {title: T, version: '1'}\n"

static void test_version_field_selects_the_dialect(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(HEAD30 "paths: {}\n");
    assert_int_equal(m->dialect, AF_DIALECT_OAS30);
    assert_string_equal(m->version, "3.0.3");
    assert_string_equal(m->title, "T");
    af_model_free(m);
    m = af_test_spec_load(HEAD31);
    assert_int_equal(m->dialect, AF_DIALECT_OAS31);
    assert_string_equal(m->version, "3.1.0");
    assert_int_equal(m->n_ops, 0);
    af_model_free(m);
}

static void test_unknown_versions_and_documents_are_errors(void **state)
{
    (void)state;
    assert_string_equal(
        af_test_spec_load_error("openapi: '4.0'\npaths: {}\n", AF_ESPEC),
        "spec.yaml:1:1: #/openapi: unsupported OpenAPI "
        "version '4.0'");
    assert_string_equal(af_test_spec_load_error("info: {title: x}\n", AF_ESPEC),
                        "spec.yaml:1:1: #: not an OpenAPI or Swagger "
                        "document: no 'openapi' or 'swagger' field");
    assert_string_equal(
        af_test_spec_load_error("swagger: '1.2'\n", AF_ESPEC),
        "spec.yaml:1:1: #/swagger: unsupported Swagger version '1.2'");
}

static void test_paths_are_required_in_30_only(void **state)
{
    (void)state;
    assert_string_equal(af_test_spec_load_error(HEAD30, AF_ESPEC),
                        "spec.yaml:1:1: #: document has no 'paths'");
    af_model *m = af_test_spec_load(
        HEAD31 "webhooks:\n  ping:\n    post:\n"
               "      responses: {'200': {description: ok}}\n");
    assert_non_null(warning_at(m, "webhooks are not generated"));
    assert_string_equal(warning_at(m, "webhooks"), "#/webhooks");
    af_model_free(m);
}

static void test_operations_keep_method_path_id_tags_and_pointer(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "paths:\n"
                                 "  /pets:\n"
                                 "    get:\n"
                                 "      operationId: listPets\n"
                                 "      tags: [pets, read]\n"
                                 "      responses: {'200': {description: ok}}\n"
                                 "    delete:\n"
                                 "      deprecated: true\n"
                                 "      responses: {'204': {description: ok}}\n"
                                 "    x-note: ignored\n");
    assert_int_equal(m->n_ops, 2);
    assert_string_equal(m->ops[0].method, "GET");
    assert_string_equal(m->ops[1].method, "DELETE");
    assert_string_equal(m->ops[0].path, "/pets");
    assert_string_equal(m->ops[0].operation_id, "listPets");
    assert_null(m->ops[1].operation_id);
    assert_int_equal(m->ops[0].n_tags, 2);
    assert_string_equal(m->ops[0].tags[1], "read");
    assert_false(m->ops[0].is_deprecated);
    assert_true(m->ops[1].is_deprecated);
    assert_string_equal(m->ops[0].pointer, "#/paths/~1pets/get");
    assert_int_equal(af_model_find_op(m, "listPets"), 0);
    assert_int_equal(af_model_find_op(m, "nope"), -1);
    af_model_free(m);
}

static void test_operation_parameters_override_path_parameters(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /pets:\n"
               "    parameters:\n"
               "      - {name: limit, in: query, schema: {type: "
               "string}}\n"
               "      - {name: X-Trace, in: header, schema: {type: "
               "string}}\n"
               "    get:\n"
               "      parameters:\n"
               "        - {name: limit, in: query, required: true,\n"
               "           schema: {type: integer}}\n"
               "        - {name: x-trace, in: header, schema: {type: "
               "integer}}\n"
               "        - {name: limit, in: cookie, schema: {type: "
               "boolean}}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/pets");
    assert_int_equal(op->n_params, 3);
    const af_param *limit = af_test_param_of(op, "limit", AF_IN_QUERY);
    assert_true(limit->is_required);
    assert_true(types_of(m, limit->schema) & AF_TYPE_INTEGER);
    assert_string_equal(limit->pointer, "#/paths/~1pets/get/parameters/0");
    /* header names compare case-insensitively: the operation's wins */
    const af_param *trace = af_test_param_of(op, "x-trace", AF_IN_HEADER);
    assert_true(types_of(m, trace->schema) & AF_TYPE_INTEGER);
    assert_true(
        types_of(m, af_test_param_of(op, "limit", AF_IN_COOKIE)->schema) &
        AF_TYPE_BOOLEAN);
    af_model_free(m);
}

static void test_styles_and_explode_default_by_location(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /a/{id}:\n"
               "    get:\n"
               "      parameters:\n"
               "        - {name: id, in: path, required: true, schema: {}}\n"
               "        - {name: q, in: query, schema: {}}\n"
               "        - {name: h, in: header, schema: {}}\n"
               "        - {name: c, in: cookie, schema: {}}\n"
               "        - {name: d, in: query, style: deepObject,\n"
               "           allowReserved: true, allowEmptyValue: true,\n"
               "           schema: {type: object}}\n"
               "        - {name: p, in: query, style: pipeDelimited,\n"
               "           explode: true, schema: {type: array}}\n"
               "        - {name: n, in: query, explode: false, schema: {}}\n"
               "        - {name: l, in: header, style: label, schema: {}}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/a/{id}");
    const af_param *p = af_test_param_of(op, "id", AF_IN_PATH);
    assert_int_equal(p->style, AF_STYLE_SIMPLE);
    assert_false(p->explode);
    p = af_test_param_of(op, "q", AF_IN_QUERY);
    assert_int_equal(p->style, AF_STYLE_FORM);
    assert_true(p->explode);
    assert_false(p->allow_reserved);
    p = af_test_param_of(op, "h", AF_IN_HEADER);
    assert_int_equal(p->style, AF_STYLE_SIMPLE);
    assert_false(p->explode);
    p = af_test_param_of(op, "c", AF_IN_COOKIE);
    assert_int_equal(p->style, AF_STYLE_FORM);
    assert_true(p->explode);
    p = af_test_param_of(op, "d", AF_IN_QUERY);
    assert_int_equal(p->style, AF_STYLE_DEEP_OBJECT);
    assert_false(p->explode);
    assert_true(p->allow_reserved);
    assert_true(p->allow_empty_value);
    p = af_test_param_of(op, "p", AF_IN_QUERY);
    assert_int_equal(p->style, AF_STYLE_PIPE_DELIMITED);
    assert_true(p->explode);
    assert_false(af_test_param_of(op, "n", AF_IN_QUERY)->explode);
    /* label does not apply to headers: warned, default kept */
    assert_int_equal(af_test_param_of(op, "l", AF_IN_HEADER)->style,
                     AF_STYLE_SIMPLE);
    assert_non_null(warning_at(m, "style 'label' does not apply"));
    af_model_free(m);
}

static void test_path_parameters_are_always_required(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /a/{id}:\n"
               "    get:\n"
               "      parameters:\n"
               "        - {name: id, in: path, required: "
               "false, schema: {type: integer}}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_param *p =
        af_test_param_of(af_test_op_at(m, "GET", "/a/{id}"), "id", AF_IN_PATH);
    assert_true(p->is_required);
    assert_string_equal(warning_at(m, "must be required"),
                        "#/paths/~1a~1{id}/get/parameters/0");
    af_model_free(m);
}

static void test_undeclared_path_variables_get_string_parameters(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /users/{user}/posts/{post}:\n"
               "    get:\n"
               "      parameters:\n"
               "        - {name: user, in: path, required: "
               "true, schema: {type: integer}}\n"
               "        - {name: stray, in: path, required: "
               "true, schema: {type: integer}}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_operation *op =
        af_test_op_at(m, "GET", "/users/{user}/posts/{post}");
    assert_int_equal(op->n_params, 2);
    const af_param *post = af_test_param_of(op, "post", AF_IN_PATH);
    assert_true(post->is_required);
    assert_int_equal(post->style, AF_STYLE_SIMPLE);
    assert_int_equal(types_of(m, post->schema), AF_TYPE_STRING);
    assert_string_equal(warning_at(m, "'post' is not declared"),
                        "#/paths/~1users~1{user}~1posts~1{post}/get");
    assert_non_null(warning_at(m, "'stray' is not in the path template"));
    af_model_free(m);
}

static void test_content_parameters_use_their_one_media_type(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /s:\n"
               "    get:\n"
               "      parameters:\n"
               "        - name: filter\n"
               "          in: query\n"
               "          content:\n"
               "            Application/JSON:\n"
               "              schema: {type: object}\n"
               "              example: {a: 1}\n"
               "            text/plain: {schema: {type: "
               "string}}\n"
               "        - {name: bare, in: query}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/s");
    const af_param *f = af_test_param_of(op, "filter", AF_IN_QUERY);
    assert_string_equal(f->media_type, "application/json");
    assert_int_equal(types_of(m, f->schema), AF_TYPE_OBJECT);
    assert_non_null(f->examples);
    assert_int_equal(cJSON_GetArraySize(f->examples), 1);
    assert_non_null(warning_at(m, "2 media types: the first is used"));
    const af_param *bare = af_test_param_of(op, "bare", AF_IN_QUERY);
    assert_null(bare->media_type);
    assert_int_equal(types_of(m, bare->schema), AF_TYPE_STRING);
    assert_non_null(warning_at(m, "'bare' has no schema"));
    af_model_free(m);
}

static void
test_accept_content_type_authorization_headers_are_ignored(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /s:\n"
               "    get:\n"
               "      parameters:\n"
               "        - {name: Accept, in: header, schema: "
               "{}}\n"
               "        - {name: content-type, in: header, "
               "schema: {}}\n"
               "        - {name: AUTHORIZATION, in: header, "
               "schema: {}}\n"
               "        - {name: Accept, in: query, schema: "
               "{}}\n"
               "      responses: {'200': {description: ok}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/s");
    assert_int_equal(op->n_params, 1);
    assert_int_equal(op->params[0].in, AF_IN_QUERY);
    assert_string_equal(warning_at(m, "'content-type' is ignored"),
                        "#/paths/~1s/get/parameters/1");
    af_model_free(m);
}

static void test_parameter_examples_collect_example_and_examples(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "paths:\n"
                                 "  /s:\n"
                                 "    get:\n"
                                 "      parameters:\n"
                                 "        - name: q\n"
                                 "          in: query\n"
                                 "          schema: {type: string}\n"
                                 "          examples:\n"
                                 "            one: {value: abc}\n"
                                 "            two: {$ref: "
                                 "'#/components/examples/Two'}\n"
                                 "            far: {externalValue: 'x.json'}\n"
                                 "      responses: {'200': {description: ok}}\n"
                                 "components:\n"
                                 "  examples:\n"
                                 "    Two: {value: def}\n");
    const af_param *q =
        af_test_param_of(af_test_op_at(m, "GET", "/s"), "q", AF_IN_QUERY);
    assert_int_equal(cJSON_GetArraySize(q->examples), 2);
    assert_string_equal(cJSON_GetArrayItem(q->examples, 0)->valuestring, "abc");
    assert_string_equal(cJSON_GetArrayItem(q->examples, 1)->valuestring, "def");
    af_model_free(m);
}

static void test_references_to_path_items_and_parameters_resolve(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD31 "paths:\n"
               "  /pets/{id}:\n"
               "    $ref: '#/components/pathItems/Pet'\n"
               "components:\n"
               "  parameters:\n"
               "    Id: {$ref: '#/components/parameters/RealId'}\n"
               "    RealId: {name: id, in: path, required: true,\n"
               "             schema: {type: integer}}\n"
               "  pathItems:\n"
               "    Pet:\n"
               "      parameters: [{$ref: '#/components/parameters/Id'}]\n"
               "      get:\n"
               "        operationId: getPet\n"
               "        responses: {'200': {description: ok}}\n");
    assert_int_equal(m->n_ops, 1);
    const af_operation *op = &m->ops[0];
    assert_string_equal(op->path, "/pets/{id}");
    assert_string_equal(op->pointer, "#/paths/~1pets~1{id}/get");
    const af_param *id = af_test_param_of(op, "id", AF_IN_PATH);
    assert_true(types_of(m, id->schema) & AF_TYPE_INTEGER);
    assert_string_equal(id->pointer, "#/components/pathItems/Pet/parameters/0");
    af_model_free(m);
}

static void test_a_cycle_of_parameter_refs_is_an_error(void **state)
{
    (void)state;
    const char *msg = af_test_spec_load_error(
        HEAD30 "paths:\n"
               "  /s:\n"
               "    get:\n"
               "      parameters: [{$ref: '#/components/parameters/A'}]\n"
               "      responses: {'200': {description: ok}}\n"
               "components:\n"
               "  parameters:\n"
               "    A: {$ref: '#/components/parameters/B'}\n"
               "    B: {$ref: '#/components/parameters/A'}\n",
        AF_ESPEC);
    assert_string_equal(msg, "spec.yaml:6:20: #/paths/~1s/get/parameters/0: "
                             "cycle of $refs");
}

static void test_request_bodies_keep_media_types_and_encodings(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /up:\n"
               "    post:\n"
               "      requestBody:\n"
               "        required: true\n"
               "        content:\n"
               "          Multipart/Form-Data:\n"
               "            schema:\n"
               "              type: object\n"
               "              properties:\n"
               "                tags: {type: array, items: {type: string}}\n"
               "                file: {type: string, format: binary}\n"
               "            encoding:\n"
               "              tags: {style: pipeDelimited, explode: false,\n"
               "                     allowReserved: true}\n"
               "              file: {contentType: Image/PNG}\n"
               "          application/json:\n"
               "            schema: {type: object}\n"
               "            examples: {a: {value: {x: 1}}}\n"
               "      responses: {'201': {description: ok}}\n"
               "  /ref:\n"
               "    put:\n"
               "      requestBody: {$ref: '#/components/requestBodies/B'}\n"
               "      responses: {'201': {description: ok}}\n"
               "components:\n"
               "  requestBodies:\n"
               "    B: {content: {text/plain: {}}}\n");
    const af_body *b = af_test_op_at(m, "POST", "/up")->body;
    assert_non_null(b);
    assert_true(b->is_required);
    assert_string_equal(b->pointer, "#/paths/~1up/post/requestBody");
    assert_int_equal(b->n_media, 2);
    const af_media *mp = &b->media[0];
    assert_string_equal(mp->type, "multipart/form-data");
    assert_int_equal(types_of(m, mp->schema), AF_TYPE_OBJECT);
    assert_int_equal(mp->n_encodings, 2);
    assert_string_equal(mp->encodings[0].name, "tags");
    assert_int_equal(mp->encodings[0].style, AF_STYLE_PIPE_DELIMITED);
    assert_false(mp->encodings[0].explode);
    assert_true(mp->encodings[0].allow_reserved);
    assert_null(mp->encodings[0].content_type);
    assert_string_equal(mp->encodings[1].content_type, "image/png");
    assert_int_equal(mp->encodings[1].style, AF_STYLE_FORM);
    assert_true(mp->encodings[1].explode);
    assert_int_equal(cJSON_GetArraySize(b->media[1].examples), 1);
    const af_body *r = af_test_op_at(m, "PUT", "/ref")->body;
    assert_false(r->is_required);
    assert_int_equal(r->n_media, 1);
    assert_string_equal(r->media[0].type, "text/plain");
    assert_int_equal(r->media[0].schema, AF_NONE);
    assert_null(af_test_op_at(m, "POST", "/up")->responses[0].media);
    assert_int_equal(m->n_media_types, 3);
    af_model_free(m);
}

static void test_response_keys_give_status_ranges(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "paths:\n"
                                 "  /s:\n"
                                 "    get:\n"
                                 "      responses:\n"
                                 "        '200': {description: ok}\n"
                                 "        2XX: {description: ok}\n"
                                 "        4xx: {description: bad}\n"
                                 "        default: {description: other}\n"
                                 "        x-extra: 1\n"
                                 "        '20': {description: nope}\n"
                                 "        '600': {description: nope}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/s");
    assert_int_equal(op->n_responses, 4);
    assert_int_equal(response_of(op, "200")->status_lo, 200);
    assert_int_equal(response_of(op, "200")->status_hi, 200);
    assert_int_equal(response_of(op, "2XX")->status_lo, 200);
    assert_int_equal(response_of(op, "2XX")->status_hi, 299);
    assert_int_equal(response_of(op, "4xx")->status_lo, 400);
    assert_int_equal(response_of(op, "4xx")->status_hi, 499);
    assert_int_equal(response_of(op, "default")->status_lo, 0);
    assert_int_equal(response_of(op, "default")->status_hi, 0);
    assert_string_equal(warning_at(m, "response key '20'"),
                        "#/paths/~1s/get/responses/20");
    assert_non_null(warning_at(m, "response key '600'"));
    af_model_free(m);
}

static void test_responses_are_required_in_30_and_optional_in_31(void **state)
{
    (void)state;
    const char *paths = "paths:\n  /s:\n    get: {operationId: x}\n";
    char text[512];
    snprintf(text, sizeof text, "%s%s", HEAD30, paths);
    assert_string_equal(
        af_test_spec_load_error(text, AF_ESPEC),
        "spec.yaml:5:5: #/paths/~1s/get: operation has no 'responses'");
    snprintf(text, sizeof text, "%s%s", HEAD31, paths);
    af_model *m = af_test_spec_load(text);
    assert_int_equal(m->ops[0].n_responses, 0);
    assert_string_equal(warning_at(m, "no 'responses'"), "#/paths/~1s/get");
    af_model_free(m);
}

static void test_response_headers_content_and_refs(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /s:\n"
               "    get:\n"
               "      responses:\n"
               "        '200':\n"
               "          description: ok\n"
               "          headers:\n"
               "            X-Rate: {required: true, schema: {type: "
               "integer}}\n"
               "            X-Id: {$ref: '#/components/headers/Id'}\n"
               "            X-Bare: {description: no schema}\n"
               "            Content-Type: {schema: {type: string}}\n"
               "          content:\n"
               "            application/json: {schema: {type: array}}\n"
               "        '404': {$ref: '#/components/responses/NotFound'}\n"
               "components:\n"
               "  headers:\n"
               "    Id: {content: {text/plain: {schema: {type: number}}}}\n"
               "  responses:\n"
               "    NotFound:\n"
               "      description: nf\n"
               "      content: {application/problem+json: {schema: {}}}\n");
    const af_operation *op = af_test_op_at(m, "GET", "/s");
    const af_response *r = response_of(op, "200");
    assert_int_equal(r->n_headers, 3);
    assert_string_equal(r->headers[0].name, "X-Rate");
    assert_true(r->headers[0].is_required);
    assert_true(types_of(m, r->headers[0].schema) & AF_TYPE_INTEGER);
    assert_false(r->headers[1].is_required);
    assert_true(types_of(m, r->headers[1].schema) & AF_TYPE_NUMBER);
    assert_string_equal(r->headers[1].pointer,
                        "#/paths/~1s/get/responses/200/headers/X-Id");
    assert_int_equal(types_of(m, r->headers[2].schema), AF_TYPE_STRING);
    assert_non_null(warning_at(m, "header 'Content-Type' is ignored"));
    assert_int_equal(r->n_media, 1);
    assert_int_equal(types_of(m, r->media[0].schema), AF_TYPE_ARRAY);
    const af_response *nf = response_of(op, "404");
    assert_string_equal(nf->pointer, "#/paths/~1s/get/responses/404");
    assert_string_equal(nf->media[0].type, "application/problem+json");
    af_model_free(m);
}

static void test_links_resolve_to_their_target_operations(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /users:\n"
               "    post:\n"
               "      operationId: createUser\n"
               "      responses:\n"
               "        '201':\n"
               "          description: created\n"
               "          links:\n"
               "            GetUser:\n"
               "              operationId: getUser\n"
               "              parameters: {id: '$response.body#/id',\n"
               "                           limit: 10, flag: true}\n"
               "              requestBody: '$request.body'\n"
               "            ByRef:\n"
               "              operationRef: '#/paths/~1users~1%7Bid%7D/get'\n"
               "            Shared: {$ref: '#/components/links/L'}\n"
               "            Lost: {operationId: nowhere}\n"
               "            Empty: {description: nothing}\n"
               "  /users/{id}:\n"
               "    get:\n"
               "      operationId: getUser\n"
               "      parameters: [{name: id, in: path, required: true,\n"
               "                    schema: {type: string}}]\n"
               "      responses: {'200': {description: ok}}\n"
               "components:\n"
               "  links:\n"
               "    L: {operationId: createUser, parameters: {x: [1, 2]}}\n");
    const af_response *r =
        response_of(af_test_op_at(m, "POST", "/users"), "201");
    assert_int_equal(r->n_links, 4);
    const af_link *l = &r->links[0];
    assert_string_equal(l->name, "GetUser");
    assert_string_equal(l->operation_id, "getUser");
    assert_int_equal(l->target_op, 1);
    assert_int_equal(l->n_params, 3);
    assert_string_equal(l->params[0].name, "id");
    assert_string_equal(l->params[0].expression, "$response.body#/id");
    assert_string_equal(l->params[1].expression, "10");
    assert_string_equal(l->params[2].expression, "true");
    assert_string_equal(l->request_body, "$request.body");
    assert_string_equal(l->pointer,
                        "#/paths/~1users/post/responses/201/links/GetUser");
    assert_null(r->links[1].operation_id);
    assert_int_equal(r->links[1].target_op, 1);
    assert_int_equal(r->links[2].target_op, 0);
    assert_string_equal(r->links[2].params[0].expression, "[1,2]");
    assert_int_equal(r->links[3].target_op, -1);
    assert_non_null(warning_at(m, "link target operation 'nowhere'"));
    assert_non_null(warning_at(m, "no operationId or operationRef"));
    af_model_free(m);
}

#define SECURITY_SCHEMES                                                       \
    "components:\n"                                                            \
    "  securitySchemes:\n"                                                     \
    "    key: {type: apiKey, in: header, name: X-API-Key}\n"                   \
    "    basic: {type: http, scheme: Basic}\n"                                 \
    "    jwt: {type: http, scheme: bearer, bearerFormat: JWT}\n"               \
    "    oauth: {type: oauth2, flows: {}}\n"                                   \
    "    oidc: {type: openIdConnect, openIdConnectUrl: 'https://x'}\n"         \
    "    ck: {type: apiKey, in: cookie, name: sid}\n"

static void test_security_schemes_are_compiled(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(HEAD30 "paths: {}\n" SECURITY_SCHEMES);
    assert_int_equal(m->n_schemes, 6);
    const af_sec_scheme *s = &m->schemes[af_model_find_scheme(m, "key")];
    assert_int_equal(s->type, AF_SEC_API_KEY);
    assert_int_equal(s->in, AF_IN_HEADER);
    assert_string_equal(s->param_name, "X-API-Key");
    assert_string_equal(s->pointer, "#/components/securitySchemes/key");
    s = &m->schemes[af_model_find_scheme(m, "basic")];
    assert_int_equal(s->type, AF_SEC_HTTP);
    assert_string_equal(s->scheme, "basic");
    s = &m->schemes[af_model_find_scheme(m, "jwt")];
    assert_string_equal(s->bearer_format, "JWT");
    assert_int_equal(m->schemes[3].type, AF_SEC_OAUTH2);
    assert_int_equal(m->schemes[4].type, AF_SEC_OPENID);
    assert_int_equal(m->schemes[5].in, AF_IN_COOKIE);
    assert_int_equal(af_model_find_scheme(m, "none"), -1);
    af_model_free(m);
}

static void test_security_global_operation_empty_and_anonymous(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "security: [{key: []}, {basic: [], jwt: []}]\n"
                                 "paths:\n"
                                 "  /global:\n"
                                 "    get: {responses: {'200': {description: "
                                 "ok}}}\n"
                                 "  /own:\n"
                                 "    get:\n"
                                 "      security: [{oauth: [read]}, {}]\n"
                                 "      responses: {'200': {description: ok}}\n"
                                 "  /open:\n"
                                 "    get:\n"
                                 "      security: []\n"
                                 "      responses: {'200': {description: ok}}\n"
                                 "" SECURITY_SCHEMES);
    const af_operation *g = af_test_op_at(m, "GET", "/global");
    assert_int_equal(g->n_security, 2);
    assert_int_equal(g->security[0].n_schemes, 1);
    assert_int_equal(g->security[0].schemes[0], af_model_find_scheme(m, "key"));
    assert_int_equal(g->security[1].n_schemes, 2);
    assert_int_equal(g->security[1].schemes[1], af_model_find_scheme(m, "jwt"));
    const af_operation *own = af_test_op_at(m, "GET", "/own");
    assert_int_equal(own->n_security, 2);
    assert_int_equal(own->security[0].schemes[0],
                     af_model_find_scheme(m, "oauth"));
    assert_int_equal(own->security[1].n_schemes, 0);
    assert_int_equal(af_test_op_at(m, "GET", "/open")->n_security, 0);
    af_model_free(m);
}

static void test_an_unknown_security_scheme_is_a_located_error(void **state)
{
    (void)state;
    const char *msg = af_test_spec_load_error(HEAD30 "paths:\n"
                                                     "  /s:\n"
                                                     "    get:\n"
                                                     "      security:\n"
                                                     "        - nope: []\n"
                                                     "      responses: {'200': "
                                                     "{description: ok}}\n",
                                              AF_ESPEC);
    assert_string_equal(msg, "spec.yaml:7:11: #/paths/~1s/get/security/0/"
                             "nope: unknown security scheme 'nope'");
}

static void test_servers_substitute_variables_and_set_base_path(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "servers:\n"
               "  - url: '{scheme}://api.example.com:{port}/{v}/'\n"
               "    variables:\n"
               "      scheme: {default: https, enum: [http, https]}\n"
               "      port: {default: 8443}\n"
               "      v: {default: v2}\n"
               "  - url: /local\n"
               "paths: {}\n");
    assert_int_equal(m->n_servers, 2);
    assert_string_equal(m->servers[0].url, "https://api.example.com:8443/v2/");
    assert_string_equal(m->servers[1].url, "/local");
    assert_string_equal(m->base_path, "/v2");
    af_model_free(m);
    m = af_test_spec_load(HEAD30
                          "servers: [{url: 'https://x.io/'}]\npaths: {}\n");
    assert_string_equal(m->base_path, "");
    af_model_free(m);
    m = af_test_spec_load(HEAD30 "servers: [{url: '/api/v1'}]\npaths: {}\n");
    assert_string_equal(m->base_path, "/api/v1");
    af_model_free(m);
    m = af_test_spec_load(HEAD30 "paths: {}\n");
    assert_int_equal(m->n_servers, 0);
    assert_string_equal(m->base_path, "");
    af_model_free(m);
}

static void test_unused_constructs_warn_with_their_pointer(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "paths:\n"
                                 "  /s:\n"
                                 "    servers: [{url: /x}]\n"
                                 "    post:\n"
                                 "      callbacks:\n"
                                 "        onEvent: {}\n"
                                 "      servers: [{url: /y}]\n"
                                 "      responses: {'200': {description: ok}}\n"
                                 "  nothing: {}\n");
    assert_string_equal(warning_at(m, "callbacks are not generated"),
                        "#/paths/~1s/post/callbacks");
    assert_string_equal(warning_at(m, "operation servers"),
                        "#/paths/~1s/post/servers");
    assert_string_equal(warning_at(m, "path servers"), "#/paths/~1s/servers");
    assert_string_equal(warning_at(m, "does not begin with '/'"),
                        "#/paths/nothing");
    af_model_free(m);
}

static void test_structural_members_of_the_wrong_type_are_errors(void **state)
{
    (void)state;
    assert_string_equal(
        af_test_spec_load_error(
            HEAD30 "paths:\n  /s:\n    get:\n      responses: []\n", AF_ESPEC),
        "spec.yaml:6:7: #/paths/~1s/get/responses: expected an object");
    assert_string_equal(
        af_test_spec_load_error(HEAD30 "paths:\n  /s:\n    get: 3\n", AF_ESPEC),
        "spec.yaml:5:5: #/paths/~1s/get: expected an object");
    assert_string_equal(
        af_test_spec_load_error(HEAD30
                                "paths:\n  /s:\n    get:\n"
                                "      parameters: [{name: a, in: body}]\n"
                                "      responses: {}\n",
                                AF_ESPEC),
        "spec.yaml:6:30: #/paths/~1s/get/parameters/0/in: unknown parameter "
        "location 'body'");
}

static void test_duplicate_operation_ids_warn(void **state)
{
    (void)state;
    af_model *m = af_test_spec_load(
        HEAD30 "paths:\n"
               "  /a: {get: {operationId: x, responses: {}}}\n"
               "  /b: {get: {operationId: x, responses: {}}}\n");
    assert_string_equal(warning_at(m, "duplicate operationId 'x'"),
                        "#/paths/~1b/get");
    assert_int_equal(af_model_find_op(m, "x"), 0);
    af_model_free(m);
}

static void test_component_schemas_compile_even_when_unused(void **state)
{
    (void)state;
    af_model *m =
        af_test_spec_load(HEAD30 "paths: {}\n"
                                 "components:\n"
                                 "  schemas:\n"
                                 "    A: {type: string}\n"
                                 "    B: {type: object, properties: {a: {$ref: "
                                 "'#/components/schemas/A'}}}\n");
    assert_true(m->n_schemas >= 2);
    assert_string_equal(af_model_schema(m, 0)->pointer,
                        "#/components/schemas/A");
    assert_null(af_model_schema(m, -1));
    assert_null(af_model_schema(m, (af_idx)m->n_schemas));
    af_model_free(m);
}

static void test_embedded_specs_resolve_files_only_with_a_base_dir(void **state)
{
    (void)state;
    char *dir = af_test_tmpdir();
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/common.yaml", dir);
    assert_int_equal(
        af_test_write_file(path, "Pet: {type: object}\n"
                                 "Id: {name: id, in: path, required: true,\n"
                                 "     schema: {$ref: '#/Pet'}}\n"
                                 "Bad: {name: x, in: nowhere}\n"),
        0);
    const char *yaml = HEAD31 "paths:\n"
                              "  /p/{id}:\n"
                              "    get:\n"
                              "      parameters: [{$ref: 'common.yaml#/Id'}]\n"
                              "      responses: {'200': {description: ok}}\n";
    af_model *m = NULL;
    af_error err;
    assert_int_equal(
        af_model_load_text(yaml, strlen(yaml), "spec.yaml", dir, &m, &err), 0);
    const af_param *id = af_test_param_of(&m->ops[0], "id", AF_IN_PATH);
    assert_non_null(strstr(id->pointer, "#/paths/~1p~1{id}/get/parameters/0"));
    assert_non_null(
        strstr(af_model_schema(m, id->schema)->pointer, "common.yaml#/Pet"));
    af_model_free(m);
    assert_int_not_equal(
        af_model_load_text(yaml, strlen(yaml), "spec.yaml", NULL, &m, &err), 0);
    assert_null(m);
    assert_int_not_equal(err.code, AF_OK);
    /* an error inside the other file is located there */
    const char *bad = HEAD31 "paths:\n"
                             "  /p:\n"
                             "    get:\n"
                             "      parameters: [{$ref: 'common.yaml#/Bad'}]\n";
    assert_int_equal(
        af_model_load_text(bad, strlen(bad), "spec.yaml", dir, &m, &err),
        AF_ESPEC);
    assert_non_null(strstr(err.file, "common.yaml"));
    assert_string_equal(err.pointer, "#/Bad/in");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.col, 16);
    remove(path);
    remove(dir);
    free(dir);
}

static void test_boolean_schemas_are_accepted_in_31_only(void **state)
{
    (void)state;
    const char *params = "paths:\n"
                         "  /s:\n"
                         "    get:\n"
                         "      parameters: [{name: q, in: query, schema: "
                         "true}]\n"
                         "      responses: {'200': {description: ok}}\n";
    char text[512];
    snprintf(text, sizeof text, "%s%s", HEAD31, params);
    af_model *m = af_test_spec_load(text);
    assert_int_equal(m->ops[0].n_params, 1);
    assert_int_not_equal(m->ops[0].params[0].schema, AF_NONE);
    af_model_free(m);
    snprintf(text, sizeof text, "%s%s", HEAD30, params);
    assert_string_equal(af_test_spec_load_error(text, AF_ESPEC),
                        "spec.yaml:6:41: #/paths/~1s/get/parameters/0/schema: "
                        "expected an object");
}

static void test_bad_arguments_are_usage_errors(void **state)
{
    (void)state;
    af_model *m = NULL;
    af_error err;
    assert_int_equal(af_model_load(NULL, &m, &err), AF_EUSAGE);
    assert_int_equal(af_model_load_text(NULL, 0, "x", NULL, &m, &err),
                     AF_EUSAGE);
    assert_int_equal(af_model_load("/nonexistent/spec.yaml", &m, NULL), AF_EIO);
    assert_null(m);
    af_model_free(NULL);
    assert_int_equal(af_model_find_op(NULL, "x"), -1);
}

static void test_names_print_locations_and_styles(void **state)
{
    (void)state;
    assert_string_equal(af_param_in_name(AF_IN_COOKIE), "cookie");
    assert_string_equal(af_style_name(AF_STYLE_DEEP_OBJECT), "deepObject");
    assert_string_equal(af_style_name(AF_STYLE_TAB_DELIMITED), "tabDelimited");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_field_selects_the_dialect),
        cmocka_unit_test(test_unknown_versions_and_documents_are_errors),
        cmocka_unit_test(test_paths_are_required_in_30_only),
        cmocka_unit_test(test_operations_keep_method_path_id_tags_and_pointer),
        cmocka_unit_test(test_operation_parameters_override_path_parameters),
        cmocka_unit_test(test_styles_and_explode_default_by_location),
        cmocka_unit_test(test_path_parameters_are_always_required),
        cmocka_unit_test(test_undeclared_path_variables_get_string_parameters),
        cmocka_unit_test(test_content_parameters_use_their_one_media_type),
        cmocka_unit_test(
            test_accept_content_type_authorization_headers_are_ignored),
        cmocka_unit_test(test_parameter_examples_collect_example_and_examples),
        cmocka_unit_test(test_references_to_path_items_and_parameters_resolve),
        cmocka_unit_test(test_a_cycle_of_parameter_refs_is_an_error),
        cmocka_unit_test(test_request_bodies_keep_media_types_and_encodings),
        cmocka_unit_test(test_response_keys_give_status_ranges),
        cmocka_unit_test(test_responses_are_required_in_30_and_optional_in_31),
        cmocka_unit_test(test_response_headers_content_and_refs),
        cmocka_unit_test(test_links_resolve_to_their_target_operations),
        cmocka_unit_test(test_security_schemes_are_compiled),
        cmocka_unit_test(test_security_global_operation_empty_and_anonymous),
        cmocka_unit_test(test_an_unknown_security_scheme_is_a_located_error),
        cmocka_unit_test(test_servers_substitute_variables_and_set_base_path),
        cmocka_unit_test(test_unused_constructs_warn_with_their_pointer),
        cmocka_unit_test(test_structural_members_of_the_wrong_type_are_errors),
        cmocka_unit_test(test_duplicate_operation_ids_warn),
        cmocka_unit_test(test_component_schemas_compile_even_when_unused),
        cmocka_unit_test(
            test_embedded_specs_resolve_files_only_with_a_base_dir),
        cmocka_unit_test(test_boolean_schemas_are_accepted_in_31_only),
        cmocka_unit_test(test_bad_arguments_are_usage_errors),
        cmocka_unit_test(test_names_print_locations_and_styles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
