/*
 * model.h - the compiled, immutable model of an API description.
 *
 * OpenAPI 3.0.x, 3.1.x and Swagger 2.0 compile into this one shape; the DOM
 * is freed afterwards and every later stage (decoder, renderer, validator,
 * checks) reads the model only. Schemas are nodes of one array addressed by
 * af_idx, so a recursive schema is an index cycle. All memory belongs to the
 * model (its arena, its schema array, its cJSON values) and lives until
 * af_model_free; the model is never modified after compilation, so it may be
 * shared by threads.
 *
 * Dialects: OpenAPI 3.0 and Swagger 2.0 schemas follow JSON Schema draft 4
 * with OpenAPI's changes (nullable / x-nullable, boolean exclusive bounds,
 * $ref siblings ignored); OpenAPI 3.1 follows JSON Schema 2020-12. The
 * compiler normalizes both exclusive styles into one representation.
 */
#ifndef AF_MODEL_H
#define AF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util/arena.h"
#include "util/error.h"

typedef int32_t af_idx; /* index into af_model.schemas; AF_NONE absent */
#define AF_NONE ((af_idx)-1)

typedef enum af_dialect {
    AF_DIALECT_SWAGGER2 = 1, /* Swagger 2.0: draft 4 + x-nullable */
    AF_DIALECT_OAS30,        /* OpenAPI 3.0.x: draft 4 subset + nullable */
    AF_DIALECT_OAS31,        /* OpenAPI 3.1.x: JSON Schema 2020-12 */
    AF_DIALECT_DRAFT4,       /* plain JSON Schema (validate command, tests) */
    AF_DIALECT_DRAFT7,
    AF_DIALECT_DRAFT2020
} af_dialect;

/* JSON types as a bit set. AF_TYPE_INTEGER is a number with zero fraction. */
enum {
    AF_TYPE_NULL = 1u << 0,
    AF_TYPE_BOOLEAN = 1u << 1,
    AF_TYPE_OBJECT = 1u << 2,
    AF_TYPE_ARRAY = 1u << 3,
    AF_TYPE_NUMBER = 1u << 4,
    AF_TYPE_STRING = 1u << 5,
    AF_TYPE_INTEGER = 1u << 6,
    AF_TYPE_ANY = (1u << 7) - 1
};

/* Known formats; AF_FORMAT_OTHER keeps its name in format_name. */
typedef enum af_format {
    AF_FORMAT_NONE = 0,
    AF_FORMAT_OTHER,
    AF_FORMAT_DATE,
    AF_FORMAT_DATE_TIME,
    AF_FORMAT_TIME,
    AF_FORMAT_DURATION,
    AF_FORMAT_EMAIL,
    AF_FORMAT_IDN_EMAIL,
    AF_FORMAT_HOSTNAME,
    AF_FORMAT_IDN_HOSTNAME,
    AF_FORMAT_IPV4,
    AF_FORMAT_IPV6,
    AF_FORMAT_URI,
    AF_FORMAT_URI_REFERENCE,
    AF_FORMAT_IRI,
    AF_FORMAT_IRI_REFERENCE,
    AF_FORMAT_URI_TEMPLATE,
    AF_FORMAT_UUID,
    AF_FORMAT_JSON_POINTER,
    AF_FORMAT_RELATIVE_JSON_POINTER,
    AF_FORMAT_REGEX,
    AF_FORMAT_BYTE,   /* base64 */
    AF_FORMAT_BINARY, /* any octets */
    AF_FORMAT_PASSWORD,
    AF_FORMAT_INT32,
    AF_FORMAT_INT64,
    AF_FORMAT_FLOAT,
    AF_FORMAT_DOUBLE
} af_format;

/* af_schema.flags */
enum {
    AF_SCHEMA_FALSE = 1u << 0,    /* the boolean schema false */
    AF_SCHEMA_NULLABLE = 1u << 1, /* OAS 3.0 nullable / x-nullable */
    AF_SCHEMA_READ_ONLY = 1u << 2,
    AF_SCHEMA_WRITE_ONLY = 1u << 3,
    AF_SCHEMA_UNIQUE_ITEMS = 1u << 4,
    AF_SCHEMA_DEPRECATED = 1u << 5,
    AF_SCHEMA_HAS_MINIMUM = 1u << 6,
    AF_SCHEMA_HAS_MAXIMUM = 1u << 7,
    AF_SCHEMA_EXCL_MINIMUM = 1u << 8, /* minimum is exclusive */
    AF_SCHEMA_EXCL_MAXIMUM = 1u << 9, /* maximum is exclusive */
    AF_SCHEMA_HAS_MULTIPLE = 1u << 10,
    AF_SCHEMA_HAS_CONST = 1u << 11,
    AF_SCHEMA_HAS_ENUM = 1u << 12,
    AF_SCHEMA_HAS_TYPE = 1u << 13,        /* `type` was given (types valid) */
    AF_SCHEMA_PATTERN_BAD = 1u << 14,     /* pattern did not compile: ignored */
    AF_SCHEMA_RECURSIVE_ANCHOR = 1u << 15 /* $recursiveAnchor: true */
};

/* A schema's named property. */
typedef struct af_prop {
    const char *name;
    af_idx schema;
    bool is_required; /* listed in `required` */
} af_prop;

/* patternProperties entry. */
typedef struct af_pattern_prop {
    const char *pattern;
    void *re; /* pattern.h handle, NULL when it did not compile */
    af_idx schema;
} af_pattern_prop;

/* discriminator mapping entry: value -> schema. */
typedef struct af_mapping {
    const char *value;
    af_idx schema;
} af_mapping;

/* A 2020-12 $dynamicAnchor (or a 2019-09 `$recursiveAnchor: true`, name
   "") of a schema resource: where a $dynamicRef naming it lands while
   that resource is in the dynamic scope. */
typedef struct af_dyn_anchor {
    uint32_t resource; /* af_schema.resource of the resource holding it */
    const char *name;
    af_idx schema;
} af_dyn_anchor;

/* dependentRequired (and draft-4 dependencies with an array). */
typedef struct af_dep_required {
    const char *name;
    const char **required;
    uint32_t n_required;
} af_dep_required;

/* dependentSchemas (and draft-4 dependencies with a schema). */
typedef struct af_dep_schema {
    const char *name;
    af_idx schema;
} af_dep_schema;

#define AF_UNBOUNDED UINT32_MAX

typedef struct af_schema {
    const char *pointer; /* "#/components/schemas/Pet", file-qualified
                            ("other.yaml#/X") for other files; for reports */
    uint32_t flags;      /* AF_SCHEMA_* */
    uint32_t types;      /* AF_TYPE_* bits; AF_TYPE_ANY when no `type` */
    af_format format;
    const char *format_name; /* as written; NULL when no format */

    /* numbers */
    double minimum, maximum; /* valid with HAS_MINIMUM / HAS_MAXIMUM */
    double multiple_of;      /* valid with HAS_MULTIPLE */

    /* strings; lengths count code points */
    uint32_t min_length, max_length; /* max AF_UNBOUNDED when none */
    const char *pattern;             /* ECMA-262 source; NULL none */
    void *pattern_re;                /* pattern.h handle, match-limited */

    /* arrays */
    uint32_t min_items, max_items; /* max AF_UNBOUNDED when none */
    af_idx items;                  /* schema of items after prefix; AF_NONE */
    const af_idx *prefix_items;    /* 2020-12 prefixItems, draft-4 items[] */
    uint32_t n_prefix_items;
    af_idx contains;
    uint32_t min_contains, max_contains; /* default 1, AF_UNBOUNDED */
    af_idx unevaluated_items;

    /* objects */
    const af_prop *props; /* in document order */
    uint32_t n_props;
    const char *const *required; /* every name in `required`, in order */
    uint32_t n_required;
    af_idx additional_properties; /* AF_NONE: any allowed */
    const af_pattern_prop *pattern_props;
    uint32_t n_pattern_props;
    uint32_t min_properties, max_properties; /* max AF_UNBOUNDED when none */
    af_idx property_names;
    const af_dep_required *dep_required;
    uint32_t n_dep_required;
    const af_dep_schema *dep_schemas;
    uint32_t n_dep_schemas;
    af_idx unevaluated_properties;

    /* composition and references */
    const af_idx *all_of, *any_of, *one_of;
    uint32_t n_all_of, n_any_of, n_one_of;
    af_idx not_schema;
    af_idx if_schema, then_schema, else_schema;
    af_idx ref;         /* $ref applied beside the other keywords (2020-12,
                           draft 7 has none: a pure $ref node is replaced
                           by its target) */
    af_idx dynamic_ref; /* $dynamicRef / $recursiveRef: initial target */
    const char *dynamic_anchor;   /* $dynamicAnchor name; NULL none */
    const char *dynamic_ref_name; /* the plain-name fragment of
                                     $dynamicRef ("" for $recursiveRef);
                                     NULL: it names no anchor */
    uint32_t resource;            /* 2020-12: the schema resource this node lies
                                     in (1-based id; 0 not tracked) */
    af_dialect metaschema;        /* a $ref to a standard meta-schema URI: the
                                     instance must be a schema of this dialect
                                     (a built-in check); 0 none */

    /* discriminator */
    const char *discriminator; /* propertyName; NULL none */
    const af_mapping *mapping;
    uint32_t n_mapping;

    /* values: cJSON trees owned by the model; NULL when absent */
    const cJSON *const_value;
    const cJSON *enum_values; /* a cJSON array */
    const cJSON *default_value;
    const cJSON *examples; /* a cJSON array: example, then examples[] */
    const char *title;
} af_schema;

typedef enum af_param_in {
    AF_IN_PATH = 0,
    AF_IN_QUERY,
    AF_IN_HEADER,
    AF_IN_COOKIE
} af_param_in;

typedef enum af_style {
    AF_STYLE_SIMPLE = 0,
    AF_STYLE_LABEL,
    AF_STYLE_MATRIX,
    AF_STYLE_FORM,
    AF_STYLE_SPACE_DELIMITED,
    AF_STYLE_PIPE_DELIMITED,
    AF_STYLE_DEEP_OBJECT,
    AF_STYLE_TAB_DELIMITED /* Swagger 2.0 collectionFormat tsv */
} af_style;

typedef struct af_param {
    const char *name;
    af_param_in in;
    af_style style;
    bool explode;
    bool is_required;
    bool allow_reserved;
    bool allow_empty_value;
    bool is_deprecated;
    af_idx schema;          /* from `schema`, or from `content`'s one entry;
                               never AF_NONE (a string schema when the
                               spec gives none) */
    const char *media_type; /* when given by `content`; NULL otherwise */
    const cJSON *examples;  /* cJSON array, NULL none */
    const char *pointer;
} af_param;

/* Encoding Object of a form or multipart body property. */
typedef struct af_encoding {
    const char *name;
    const char *content_type; /* NULL: the default for the value */
    af_style style;
    bool explode;
    bool allow_reserved;
} af_encoding;

typedef struct af_media {
    const char *type; /* "application/json", "image/png", ... (lower case) */
    af_idx schema;    /* AF_NONE when the media type has no schema */
    const cJSON *examples; /* cJSON array of example values, NULL none */
    const af_encoding *encodings;
    uint32_t n_encodings;
} af_media;

typedef struct af_body {
    bool is_required;
    const af_media *media;
    uint32_t n_media;
    const char *pointer;
} af_body;

typedef struct af_header {
    const char *name;
    bool is_required;
    af_idx schema; /* never AF_NONE (a string schema when none given) */
    const char *pointer;
} af_header;

/* A link parameter: name and runtime expression ("$response.body#/id").
   A string is kept as written (an expression, or a constant string that
   may embed {expressions}); any other constant is its JSON text ("10"). */
typedef struct af_link_param {
    const char *name;
    const char *expression;
} af_link_param;

typedef struct af_link {
    const char *name;
    const char *operation_id;  /* NULL when given by operationRef */
    const char *operation_ref; /* NULL when given by operationId */
    int32_t target_op;         /* index into ops, -1 when unresolved */
    const af_link_param *params;
    uint32_t n_params;
    const char *request_body; /* expression, NULL none */
    const char *pointer;
} af_link;

typedef struct af_response {
    const char *key; /* "200", "4XX", "default" as written */
    int status_lo;   /* 200..200 exact, 400..499 range, 0..0 default */
    int status_hi;
    const af_header *headers;
    uint32_t n_headers;
    const af_media *media;
    uint32_t n_media;
    const af_link *links;
    uint32_t n_links;
    const char *pointer;
} af_response;

typedef enum af_sec_type {
    AF_SEC_API_KEY = 0,
    AF_SEC_HTTP,
    AF_SEC_OAUTH2,
    AF_SEC_OPENID,
    AF_SEC_MUTUAL_TLS
} af_sec_type;

typedef struct af_sec_scheme {
    const char *name; /* key under securitySchemes / securityDefinitions */
    af_sec_type type;
    af_param_in in;         /* apiKey: header, query or cookie */
    const char *param_name; /* apiKey: the header/query/cookie name */
    const char *scheme;     /* http: "basic", "bearer", ... (lower case);
                               Swagger basic becomes http/basic and
                               Swagger oauth2 stays oauth2 */
    const char *bearer_format;
    const char *pointer;
} af_sec_scheme;

/* One alternative of a security requirement list: all schemes together. */
typedef struct af_sec_alt {
    const int32_t *schemes; /* indexes into model.schemes */
    uint32_t n_schemes;     /* 0: anonymous access is allowed */
} af_sec_alt;

typedef struct af_operation {
    const char *method;       /* "GET", "POST", ... (upper case) */
    const char *path;         /* path template, "/pets/{id}" */
    const char *operation_id; /* NULL when absent */
    const char *const *tags;
    uint32_t n_tags;
    bool is_deprecated;
    const af_param *params; /* path-level merged with operation-level */
    uint32_t n_params;
    const af_body *body; /* NULL: no request body */
    const af_response *responses;
    uint32_t n_responses;
    const af_sec_alt *security; /* effective (operation or global) */
    uint32_t n_security;        /* 0: no security required */
    const char *pointer;        /* "#/paths/~1pets/get" */
} af_operation;

typedef struct af_server {
    const char *url; /* OAS 3 url; Swagger: scheme://host + basePath */
} af_server;

typedef struct af_warning {
    const char *pointer;
    const char *message;
} af_warning;

typedef struct af_model {
    af_dialect dialect;
    const char *version; /* "3.0.3", "3.1.0", "2.0" */
    const char *title;
    const char *base_path; /* path prefix of requests: Swagger basePath or
                              the path of the first server URL; "" none */
    const af_server *servers;
    uint32_t n_servers;
    const af_operation *ops;
    uint32_t n_ops;
    const af_schema *schemas;
    uint32_t n_schemas;
    const af_sec_scheme *schemes;
    uint32_t n_schemes;
    const af_warning *warnings;
    uint32_t n_warnings;
    uint32_t n_media_types; /* distinct media types in bodies and responses */
    const af_dyn_anchor *dynamic_anchors; /* 2020-12 dynamic scope */
    uint32_t n_dynamic_anchors;

    /* private to the model */
    af_arena arena;
    cJSON *values; /* owns the cJSON values referenced above */
} af_model;

/* Loads a spec file (JSON or YAML, with relative $refs), compiles it and
   frees the DOM. On error returns < 0 with err located (file, line, column,
   pointer). *out must be freed with af_model_free. */
int af_model_load(const char *path, af_model **out, af_error *err);

/* As af_model_load, with relative $refs confined to root_dir instead of
   the spec's own directory (NULL: the spec's directory). A spec whose
   $refs climb out of its folder (`../common/Error.yaml`) loads with the
   folder they climb to as root_dir. */
int af_model_load_root(const char *path, const char *root_dir, af_model **out,
                       af_error *err);

/* As af_model_load, from text in memory (an embedded spec); name is used in
   errors and to guess the format; base_dir is the directory for relative
   $refs, or NULL to forbid them. */
int af_model_load_text(const char *text, size_t len, const char *name,
                       const char *base_dir, af_model **out, af_error *err);

void af_model_free(af_model *m);

/* Lookups; -1 / NULL when absent. */
int32_t af_model_find_op(const af_model *m, const char *operation_id);
int32_t af_model_find_scheme(const af_model *m, const char *name);
const af_schema *af_model_schema(const af_model *m, af_idx i);

/* Names for printing. */
const char *af_param_in_name(af_param_in in);
const char *af_style_name(af_style s);
const char *af_format_name(af_format f);
af_format af_format_parse(const char *name);

#endif
