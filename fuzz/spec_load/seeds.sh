#!/usr/bin/env bash
# fuzz/spec_load/seeds.sh DIR - fills DIR with seed specs for the
# spec_load fuzzer: every testdata spec under 64 KiB (when
# $APIFUZZ_TESTDATA, default ../shared/testdata, exists) and a few tiny
# specs written here (YAML anchors and aliases, flow style, block scalars,
# JSON with escapes, Swagger 2.0). Prints the seed files written.
set -eu
dir=${1:?usage: seeds.sh DIR}
mkdir -p "$dir"
td=${APIFUZZ_TESTDATA:-../shared/testdata}

if [ -d "$td" ]; then
    find "$td/openapi-examples" "$td/schemathesis-example" \
        "$td/real-world-specs" -type f \
        \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' \) \
        -not -path '*/meta-schemas/*' -size -64k 2>/dev/null |
        sort | while read -r f; do
            rel=${f#"$td"/}
            out="$dir/td_${rel//\//_}"
            cp "$f" "$out"
            echo "$out"
        done
fi

seed() { # name, text on stdin
    cat >"$dir/$1"
    echo "$dir/$1"
}

seed tiny_anchors.yaml <<'SPEC'
openapi: 3.0.3
info: {title: anchors, version: '1'}
x-common: &err
  description: error
  content:
    application/json:
      schema: &errschema
        type: object
        required: [code]
        properties:
          code: {type: integer, minimum: 0, maximum: 599}
          message: {type: string, maxLength: 200}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[a-z0-9-]+$'}}
    get:
      responses:
        '200':
          description: |
            an item,
            described over lines
          content:
            application/json:
              schema:
                oneOf:
                  - {type: integer, format: int64}
                  - {type: string, enum: [a, b, null], nullable: true}
        4XX: *err
        default:
          description: >-
            folded
            text
          content:
            application/json: {schema: *errschema}
SPEC

seed tiny_recursive.json <<'SPEC'
{"openapi": "3.1.0", "info": {"title": "t\u00e9\n", "version": "1"},
 "paths": {"/n": {"post": {"requestBody": {"content": {"application/json":
  {"schema": {"$ref": "#/components/schemas/Node"}}}},
  "responses": {"201": {"description": "ok", "headers": {"Location":
   {"required": true, "schema": {"type": "string", "format": "uri"}}}}}}}},
 "components": {"schemas": {"Node": {"type": ["object", "null"],
  "properties": {"next": {"$ref": "#/components/schemas/Node"},
   "tags": {"type": "array", "prefixItems": [{"const": 1}],
    "items": {"type": "string"}, "uniqueItems": true}},
  "additionalProperties": false, "exclusiveMinimum": 0}}}}
SPEC

seed tiny_swagger.yaml <<'SPEC'
swagger: '2.0'
info: {title: sw, version: '1'}
basePath: /v1
consumes: [application/json, application/x-www-form-urlencoded]
paths:
  /p:
    post:
      parameters:
        - {name: q, in: query, type: array, items: {type: integer}, collectionFormat: pipes}
        - {name: body, in: body, schema: {$ref: '#/definitions/P'}}
      responses: {'200': {description: ok, schema: {type: string, x-nullable: true}}}
definitions:
  P: {type: object, properties: {a: {type: number, exclusiveMaximum: true, maximum: 1.5e3}}}
securityDefinitions:
  basic: {type: basic}
security: [{basic: []}]
SPEC

seed tiny_scalars.yaml <<'SPEC'
openapi: "3.0.0"
info: {title: scalars, version: 1.0}
paths:
  /s:
    get:
      parameters:
        - {name: h, in: header, schema: {type: integer, default: 0x1F, maximum: 0o17, minimum: -.inf}}
        - {name: c, in: cookie, schema: {type: number, default: .nan, example: 1e-3}}
        - {name: b, in: query, style: deepObject, explode: true, schema: {type: object, default: {x: ~, y: yes}}}
      responses: {default: {description: ~}}
SPEC
