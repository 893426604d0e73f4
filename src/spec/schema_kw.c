/*
 * schema_kw.c - the scalar keyword groups of a schema node: type and
 * format, values (enum, const, default, examples), numbers, strings; the
 * keyword table; format names; display pointers and diagnostics of
 * keywords; the standard meta-schema URIs and $vocabulary.
 *
 * Real-world specs carry quirks (minimum: "1", required: true on a
 * property, multipleOf: 0): a keyword of the wrong JSON type is a warning
 * naming its pointer and is ignored, so the spec still loads. Only what
 * makes the description meaningless (an unknown type name) is an error.
 */
#include "spec/schema_kw.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/pattern.h"

/* Sorted by name (strcmp) for bsearch. */
static const struct kw_name {
    const char *name;
    af_kw kw;
} kw_names[] = {
    {"$dynamicAnchor", AF_KW_DYNAMIC_ANCHOR},
    {"$dynamicRef", AF_KW_DYNAMIC_REF},
    {"$recursiveAnchor", AF_KW_RECURSIVE_ANCHOR},
    {"$recursiveRef", AF_KW_RECURSIVE_REF},
    {"$ref", AF_KW_REF},
    {"additionalItems", AF_KW_ADDITIONAL_ITEMS},
    {"additionalProperties", AF_KW_ADDITIONAL_PROPERTIES},
    {"allOf", AF_KW_ALL_OF},
    {"anyOf", AF_KW_ANY_OF},
    {"const", AF_KW_CONST},
    {"contains", AF_KW_CONTAINS},
    {"default", AF_KW_DEFAULT},
    {"dependencies", AF_KW_DEPENDENCIES},
    {"dependentRequired", AF_KW_DEPENDENT_REQUIRED},
    {"dependentSchemas", AF_KW_DEPENDENT_SCHEMAS},
    {"deprecated", AF_KW_DEPRECATED},
    {"discriminator", AF_KW_DISCRIMINATOR},
    {"else", AF_KW_ELSE},
    {"enum", AF_KW_ENUM},
    {"example", AF_KW_EXAMPLE},
    {"examples", AF_KW_EXAMPLES},
    {"exclusiveMaximum", AF_KW_EXCLUSIVE_MAXIMUM},
    {"exclusiveMinimum", AF_KW_EXCLUSIVE_MINIMUM},
    {"format", AF_KW_FORMAT},
    {"if", AF_KW_IF},
    {"items", AF_KW_ITEMS},
    {"maxContains", AF_KW_MAX_CONTAINS},
    {"maxItems", AF_KW_MAX_ITEMS},
    {"maxLength", AF_KW_MAX_LENGTH},
    {"maxProperties", AF_KW_MAX_PROPERTIES},
    {"maximum", AF_KW_MAXIMUM},
    {"minContains", AF_KW_MIN_CONTAINS},
    {"minItems", AF_KW_MIN_ITEMS},
    {"minLength", AF_KW_MIN_LENGTH},
    {"minProperties", AF_KW_MIN_PROPERTIES},
    {"minimum", AF_KW_MINIMUM},
    {"multipleOf", AF_KW_MULTIPLE_OF},
    {"not", AF_KW_NOT},
    {"nullable", AF_KW_NULLABLE},
    {"oneOf", AF_KW_ONE_OF},
    {"pattern", AF_KW_PATTERN},
    {"patternProperties", AF_KW_PATTERN_PROPERTIES},
    {"prefixItems", AF_KW_PREFIX_ITEMS},
    {"properties", AF_KW_PROPERTIES},
    {"propertyNames", AF_KW_PROPERTY_NAMES},
    {"readOnly", AF_KW_READ_ONLY},
    {"required", AF_KW_REQUIRED},
    {"then", AF_KW_THEN},
    {"title", AF_KW_TITLE},
    {"type", AF_KW_TYPE},
    {"unevaluatedItems", AF_KW_UNEVALUATED_ITEMS},
    {"unevaluatedProperties", AF_KW_UNEVALUATED_PROPERTIES},
    {"uniqueItems", AF_KW_UNIQUE_ITEMS},
    {"writeOnly", AF_KW_WRITE_ONLY},
    {"x-nullable", AF_KW_X_NULLABLE},
};

/* A binary search of kw_names; the first bytes are compared before
   strcmp (both as unsigned char, strcmp's order), which settles most
   steps without a call: this runs once per member of every schema. */
int af_schema_kw_index(const char *name)
{
    if (name == NULL)
        return -1;
    size_t lo = 0, hi = sizeof kw_names / sizeof kw_names[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = kw_names[mid].name;
        int d = (int)(unsigned char)name[0] - (int)(unsigned char)k[0];
        if (d == 0)
            d = strcmp(name, k);
        if (d == 0)
            return (int)kw_names[mid].kw;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* Formats by name; the index is the af_format value. */
static const char *const format_names[] = {
    [AF_FORMAT_NONE] = "none",
    [AF_FORMAT_OTHER] = "other",
    [AF_FORMAT_DATE] = "date",
    [AF_FORMAT_DATE_TIME] = "date-time",
    [AF_FORMAT_TIME] = "time",
    [AF_FORMAT_DURATION] = "duration",
    [AF_FORMAT_EMAIL] = "email",
    [AF_FORMAT_IDN_EMAIL] = "idn-email",
    [AF_FORMAT_HOSTNAME] = "hostname",
    [AF_FORMAT_IDN_HOSTNAME] = "idn-hostname",
    [AF_FORMAT_IPV4] = "ipv4",
    [AF_FORMAT_IPV6] = "ipv6",
    [AF_FORMAT_URI] = "uri",
    [AF_FORMAT_URI_REFERENCE] = "uri-reference",
    [AF_FORMAT_IRI] = "iri",
    [AF_FORMAT_IRI_REFERENCE] = "iri-reference",
    [AF_FORMAT_URI_TEMPLATE] = "uri-template",
    [AF_FORMAT_UUID] = "uuid",
    [AF_FORMAT_JSON_POINTER] = "json-pointer",
    [AF_FORMAT_RELATIVE_JSON_POINTER] = "relative-json-pointer",
    [AF_FORMAT_REGEX] = "regex",
    [AF_FORMAT_BYTE] = "byte",
    [AF_FORMAT_BINARY] = "binary",
    [AF_FORMAT_PASSWORD] = "password",
    [AF_FORMAT_INT32] = "int32",
    [AF_FORMAT_INT64] = "int64",
    [AF_FORMAT_FLOAT] = "float",
    [AF_FORMAT_DOUBLE] = "double",
};
#define N_FORMATS (sizeof format_names / sizeof format_names[0])

const char *af_format_name(af_format f)
{
    return (size_t)f < N_FORMATS ? format_names[f] : "other";
}

af_format af_format_parse(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return AF_FORMAT_NONE;
    for (size_t i = AF_FORMAT_DATE; i < N_FORMATS; i++)
        if (strcmp(name, format_names[i]) == 0)
            return (af_format)i;
    return AF_FORMAT_OTHER;
}

/* A count keyword (minLength, maxItems, ...): a non-negative integer,
   also written as a float (2.0). */
bool af_schema_get_count(const af_sctx *x, af_kw k, uint32_t *out)
{
    const cJSON *v = x->kw[k];
    if (v == NULL)
        return false;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    if (!(d >= 0) || d != floor(d)) {
        af_schema_warn(x, v->string, -1,
                       "expected a non-negative integer; ignored");
        return false;
    }
    *out = d >= (double)(UINT32_MAX - 1) ? UINT32_MAX - 1 : (uint32_t)d;
    return true;
}

static bool get_number(const af_sctx *x, af_kw k, double *out)
{
    const cJSON *v = x->kw[k];
    if (v == NULL)
        return false;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        af_schema_warn(x, v->string, -1, "expected a number; ignored");
        return false;
    }
    *out = v->valuedouble;
    return true;
}

void af_schema_set_flag(const af_sctx *x, af_kw k, uint32_t flag)
{
    const cJSON *v = x->kw[k];
    if (v == NULL)
        return;
    if (!cJSON_IsBool(v))
        af_schema_warn(x, v->string, -1, "expected a boolean; ignored");
    else if (cJSON_IsTrue(v))
        AF_SCH(x)->flags |= flag;
}

/* A string keyword copied into the arena; *out NULL when absent or not a
   string (warned). */
int af_schema_get_string(const af_sctx *x, af_kw k, const char **out)
{
    const cJSON *v = x->kw[k];
    *out = NULL;
    if (v == NULL)
        return 0;
    if (!cJSON_IsString(v)) {
        af_schema_warn(x, v->string, -1, "expected a string; ignored");
        return 0;
    }
    *out = af_arena_strdup(&x->c->m->arena, v->valuestring);
    return *out != NULL ? 0 : af_schema_oom(x);
}

static uint32_t type_bit(const char *name)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } types[] = {
        {"null", AF_TYPE_NULL},       {"boolean", AF_TYPE_BOOLEAN},
        {"object", AF_TYPE_OBJECT},   {"array", AF_TYPE_ARRAY},
        {"number", AF_TYPE_NUMBER},   {"string", AF_TYPE_STRING},
        {"integer", AF_TYPE_INTEGER},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i].name) == 0)
            return types[i].bit;
    return 0;
}

/* One type name into *bits. Swagger 2.0's "file" (§ Schema Object, for
   responses and formData) is binary string content. */
static int type_name(const af_sctx *x, const cJSON *t, int index,
                     uint32_t *bits, bool *is_file)
{
    if (!cJSON_IsString(t)) {
        af_schema_warn(x, "type", index, "expected a type name; ignored");
        return 0;
    }
    uint32_t bit = type_bit(t->valuestring);
    if (bit == 0 && strcmp(t->valuestring, "file") == 0) {
        if (x->c->m->dialect != AF_DIALECT_SWAGGER2)
            af_schema_warn(x, "type", index,
                           "type 'file' is Swagger 2.0; read as a binary "
                           "string");
        *is_file = true;
        bit = AF_TYPE_STRING;
    }
    if (bit == 0)
        return af_schema_error(x, AF_ESPEC, "type", index,
                               "unknown type '%.64s'", t->valuestring);
    *bits |= bit;
    return 0;
}

static int types(const af_sctx *x, bool *is_file)
{
    const cJSON *t = x->kw[AF_KW_TYPE];
    uint32_t bits = 0;
    int rc = 0;
    if (t == NULL)
        return 0;
    if (cJSON_IsArray(t)) {
        int i = 0;
        for (const cJSON *e = t->child; e != NULL && rc == 0; e = e->next)
            rc = type_name(x, e, i++, &bits, is_file);
    } else if (cJSON_IsString(t)) {
        rc = type_name(x, t, -1, &bits, is_file);
    } else {
        af_schema_warn(x, "type", -1,
                       "expected a type name or an array of them; ignored");
    }
    if (rc == 0 && bits != 0) {
        AF_SCH(x)->types = bits;
        AF_SCH(x)->flags |= AF_SCHEMA_HAS_TYPE;
    }
    return rc;
}

/* nullable is OpenAPI 3.0's (§4.7.24.1), x-nullable Swagger 2.0's vendor
   form; OpenAPI 3.1 spells it type: [..., "null"]. */
static void nullable(const af_sctx *x)
{
    af_dialect d = x->c->m->dialect;
    bool is_oas2_3 = d == AF_DIALECT_SWAGGER2 || d == AF_DIALECT_OAS30;
    if (is_oas2_3) {
        af_schema_set_flag(x, AF_KW_NULLABLE, AF_SCHEMA_NULLABLE);
        af_schema_set_flag(x, AF_KW_X_NULLABLE, AF_SCHEMA_NULLABLE);
    } else if (cJSON_IsTrue(x->kw[AF_KW_NULLABLE])) {
        af_schema_warn(x, "nullable", -1,
                       "nullable is not a keyword here (OpenAPI 3.1 uses "
                       "type: [..., \"null\"]); ignored");
    }
}

int af_schema_kw_type(const af_sctx *x)
{
    bool is_file = false;
    int rc = types(x, &is_file);
    if (rc < 0)
        return rc;
    nullable(x);
    const char *name = NULL;
    rc = af_schema_get_string(x, AF_KW_FORMAT, &name);
    if (rc < 0)
        return rc;
    if (name == NULL && is_file)
        name = "binary";
    if (name != NULL) {
        AF_SCH(x)->format_name = name;
        AF_SCH(x)->format = af_format_parse(name);
    }
    return 0;
}

/* example (OpenAPI) and examples (JSON Schema: an array) as one array. */
static int examples(const af_sctx *x)
{
    const cJSON *one = x->kw[AF_KW_EXAMPLE], *many = x->kw[AF_KW_EXAMPLES];
    if (many != NULL && !cJSON_IsArray(many)) {
        af_schema_warn(x, "examples", -1,
                       "expected an array of values; ignored");
        many = NULL;
    }
    if (one == NULL && many == NULL)
        return 0;
    cJSON *all = cJSON_CreateArray();
    bool is_ok = all != NULL;
    if (is_ok && one != NULL)
        is_ok = cJSON_AddItemToArray(all, cJSON_Duplicate(one, true));
    for (const cJSON *e = many ? many->child : NULL; is_ok && e; e = e->next)
        is_ok = cJSON_AddItemToArray(all, cJSON_Duplicate(e, true));
    const cJSON *kept = is_ok ? af_compile_keep(x->c, all) : NULL;
    cJSON_Delete(all);
    if (kept == NULL)
        return af_schema_oom(x);
    AF_SCH(x)->examples = kept;
    return 0;
}

/* Keeps a value of the DOM in the model; *out NULL when absent. */
static int keep(const af_sctx *x, af_kw k, const cJSON **out)
{
    *out = NULL;
    if (x->kw[k] == NULL)
        return 0;
    *out = af_compile_keep(x->c, x->kw[k]);
    return *out != NULL ? 0 : af_schema_oom(x);
}

static int enum_values(const af_sctx *x)
{
    const cJSON *e = x->kw[AF_KW_ENUM];
    if (e == NULL)
        return 0;
    if (!cJSON_IsArray(e)) {
        af_schema_warn(x, "enum", -1, "expected an array of values; ignored");
        return 0;
    }
    if (e->child == NULL)
        af_schema_warn(x, "enum", -1, "empty: no value is valid");
    const cJSON *kept = NULL;
    int rc = keep(x, AF_KW_ENUM, &kept);
    if (rc == 0) {
        AF_SCH(x)->enum_values = kept;
        AF_SCH(x)->flags |= AF_SCHEMA_HAS_ENUM;
    }
    return rc;
}

int af_schema_kw_values(const af_sctx *x)
{
    const cJSON *v = NULL;
    const char *title = NULL;
    int rc = enum_values(x);
    if (rc == 0 && (rc = keep(x, AF_KW_CONST, &v)) == 0 && v != NULL) {
        AF_SCH(x)->const_value = v;
        AF_SCH(x)->flags |= AF_SCHEMA_HAS_CONST;
    }
    if (rc == 0 && (rc = keep(x, AF_KW_DEFAULT, &v)) == 0)
        AF_SCH(x)->default_value = v;
    if (rc == 0)
        rc = examples(x);
    if (rc == 0 && (rc = af_schema_get_string(x, AF_KW_TITLE, &title)) == 0)
        AF_SCH(x)->title = title;
    af_schema_set_flag(x, AF_KW_READ_ONLY, AF_SCHEMA_READ_ONLY);
    af_schema_set_flag(x, AF_KW_WRITE_ONLY, AF_SCHEMA_WRITE_ONLY);
    af_schema_set_flag(x, AF_KW_DEPRECATED, AF_SCHEMA_DEPRECATED);
    return rc;
}

/* One side of a numeric range. */
typedef struct bound {
    bool is_set, is_exclusive;
    double value;
} bound;

/* Applies exclusiveMinimum/-Maximum (is_upper) to b. Draft 4 and OpenAPI
   3.0 write a boolean that makes minimum/maximum exclusive; draft 6+ and
   OpenAPI 3.1 a number that is a bound of its own. Both are read in every
   dialect; when both bounds are given the tighter one is kept. */
static void exclusive(const af_sctx *x, af_kw k, bool is_upper, bound *b)
{
    const cJSON *e = x->kw[k];
    if (e == NULL)
        return;
    if (cJSON_IsBool(e)) {
        if (cJSON_IsTrue(e) && !b->is_set)
            af_schema_warn(x, e->string, -1, "true without %s; ignored",
                           is_upper ? "maximum" : "minimum");
        else if (cJSON_IsTrue(e))
            b->is_exclusive = true;
        return;
    }
    if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
        af_schema_warn(x, e->string, -1,
                       "expected a number or a boolean; ignored");
        return;
    }
    double v = e->valuedouble;
    bool is_tighter = !b->is_set || (is_upper ? v <= b->value : v >= b->value);
    if (is_tighter)
        *b = (bound){true, true, v};
}

int af_schema_kw_numbers(const af_sctx *x)
{
    bound lo = {false, false, 0}, hi = {false, false, 0};
    lo.is_set = get_number(x, AF_KW_MINIMUM, &lo.value);
    hi.is_set = get_number(x, AF_KW_MAXIMUM, &hi.value);
    exclusive(x, AF_KW_EXCLUSIVE_MINIMUM, false, &lo);
    exclusive(x, AF_KW_EXCLUSIVE_MAXIMUM, true, &hi);
    af_schema *s = AF_SCH(x);
    if (lo.is_set) {
        s->minimum = lo.value;
        s->flags |= AF_SCHEMA_HAS_MINIMUM;
        s->flags |= lo.is_exclusive ? AF_SCHEMA_EXCL_MINIMUM : 0;
    }
    if (hi.is_set) {
        s->maximum = hi.value;
        s->flags |= AF_SCHEMA_HAS_MAXIMUM;
        s->flags |= hi.is_exclusive ? AF_SCHEMA_EXCL_MAXIMUM : 0;
    }
    double m = 0;
    if (!get_number(x, AF_KW_MULTIPLE_OF, &m))
        return 0;
    if (m > 0) {
        s->multiple_of = m;
        s->flags |= AF_SCHEMA_HAS_MULTIPLE;
    } else {
        af_schema_warn(x, "multipleOf", -1, "must be greater than 0; ignored");
    }
    return 0;
}

int af_schema_kw_strings(const af_sctx *x)
{
    uint32_t n = 0;
    if (af_schema_get_count(x, AF_KW_MIN_LENGTH, &n))
        AF_SCH(x)->min_length = n;
    if (af_schema_get_count(x, AF_KW_MAX_LENGTH, &n))
        AF_SCH(x)->max_length = n;
    const char *src = NULL;
    int rc = af_schema_get_string(x, AF_KW_PATTERN, &src);
    if (rc < 0 || src == NULL)
        return rc;
    void *re = NULL;
    char msg[256];
    rc = af_compile_pattern(x->c, src, &re, msg, sizeof msg);
    if (rc == AF_ENOMEM)
        return af_schema_oom(x);
    AF_SCH(x)->pattern = src;
    AF_SCH(x)->pattern_re = re;
    if (rc < 0) {
        AF_SCH(x)->flags |= AF_SCHEMA_PATTERN_BAD;
        af_schema_warn(x, "pattern", -1,
                       "pattern does not compile: %s; ignored", msg);
    }
    return 0;
}

/* ---- pointers and diagnostics ---------------------------------------- */

/* The fragment of a display pointer ("other.yaml#/X" -> "#/X"). */
static const char *frag(const char *pointer)
{
    const char *hash = strchr(pointer, '#');
    return hash != NULL ? hash : pointer;
}

/* Bytes of token escaped as a JSON pointer token (~0, ~1); *plain set
   to token's length when it needs no escape (the usual case). */
static size_t escaped_len(const char *token, size_t *plain)
{
    size_t n = strcspn(token, "~/");
    *plain = n;
    if (token[n] == '\0')
        return n;
    *plain = SIZE_MAX;
    for (const char *s = token + n; *s != '\0'; s++)
        n += *s == '~' || *s == '/' ? 2 : 1;
    return n;
}

/* "/" + token escaped; plain as escaped_len set it. */
static char *put_token(char *out, const char *token, size_t plain)
{
    *out++ = '/';
    if (plain != SIZE_MAX) {
        memcpy(out, token, plain);
        return out + plain;
    }
    for (const char *s = token; *s != '\0'; s++) {
        if (*s == '~' || *s == '/') {
            *out++ = '~';
            *out++ = *s == '~' ? '0' : '1';
        } else {
            *out++ = *s;
        }
    }
    return out;
}

const char *af_schema_ptr(const af_sctx *x, const char *kw, const char *token,
                          int index)
{
    char num[16] = "";
    if (token == NULL && index >= 0) {
        snprintf(num, sizeof num, "%d", index);
        token = num;
    }
    size_t n = strlen(x->pointer), kw_plain = 0, token_plain = 0;
    size_t len = n + 1;
    len += kw != NULL ? escaped_len(kw, &kw_plain) + 1 : 0;
    len += token != NULL ? escaped_len(token, &token_plain) + 1 : 0;
    char *p = af_arena_alloc(&x->c->m->arena, len);
    if (p == NULL)
        return NULL;
    memcpy(p, x->pointer, n);
    char *end = p + n;
    if (kw != NULL)
        end = put_token(end, kw, kw_plain);
    if (token != NULL)
        end = put_token(end, token, token_plain);
    *end = '\0';
    return p;
}

/* x's pointer + "/kw" (+ "/index") into buf; never fails (truncates). */
static void kw_pointer(const af_sctx *x, const char *kw, int index, char *buf,
                       size_t cap)
{
    int n = snprintf(buf, cap, "%s", x->pointer);
    if (kw != NULL && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "/%s", kw);
    if (index >= 0 && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, "/%d", index);
}

void af_schema_warn(const af_sctx *x, const char *kw, int index,
                    const char *fmt, ...)
{
    char ptr[1024], msg[512];
    kw_pointer(x, kw, index, ptr, sizeof ptr);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    af_compile_warn(x->c, ptr, "%s", msg);
}

int af_schema_error(const af_sctx *x, int code, const char *kw, int index,
                    const char *fmt, ...)
{
    char ptr[1024], msg[512];
    kw_pointer(x, kw, index, ptr, sizeof ptr);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return af_doc_error(x->c->err, code, x->doc, frag(ptr), "%s", msg);
}

/* ---- meta-schemas and vocabularies ----------------------------------- */

/* The dialect of a standard meta-schema URI, or 0. */
af_dialect af_schema_metaschema_of(const char *uri)
{
    static const struct {
        const char *uri;
        af_dialect d;
    } metas[] = {
        {"http://json-schema.org/draft-04/schema", AF_DIALECT_DRAFT4},
        {"http://json-schema.org/draft-06/schema", AF_DIALECT_DRAFT7},
        {"http://json-schema.org/draft-07/schema", AF_DIALECT_DRAFT7},
        {"https://json-schema.org/draft/2019-09/schema", AF_DIALECT_DRAFT2020},
        {"https://json-schema.org/draft/2020-12/schema", AF_DIALECT_DRAFT2020},
    };
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        size_t n = strlen(metas[i].uri);
        if (strncmp(uri, metas[i].uri, n) == 0 &&
            (uri[n] == '\0' || (uri[n] == '#' && uri[n + 1] == '\0')))
            return metas[i].d;
    }
    return 0;
}

/* Whether the meta-schema of doc lists the validation vocabulary
   (2019-09+ §8.1.2 $vocabulary); true when it does not say. */
bool af_schema_read_vocab(af_compiler *c, const af_doc *doc)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc->root, "$schema");
    if (!cJSON_IsString(s) || af_schema_metaschema_of(s->valuestring) != 0)
        return true;
    af_error e;
    af_ref_target t;
    af_error_clear(&e);
    if (af_ref_resolve(c->ds, doc, NULL, NULL, s->valuestring, &t, &e) < 0)
        return true;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t.node, "$vocabulary");
    if (!cJSON_IsObject(v))
        return true;
    for (const cJSON *m = v->child; m != NULL; m = m->next) {
        const char *tail = strrchr(m->string, '/');
        if (tail != NULL && strcmp(tail, "/validation") == 0)
            return true;
    }
    return false;
}

/* Without the validation vocabulary its keywords are annotations. */
void af_schema_drop_validation(af_sctx *x)
{
    static const af_kw kws[] = {AF_KW_TYPE,           AF_KW_ENUM,
                                AF_KW_CONST,          AF_KW_MULTIPLE_OF,
                                AF_KW_MAXIMUM,        AF_KW_EXCLUSIVE_MAXIMUM,
                                AF_KW_MINIMUM,        AF_KW_EXCLUSIVE_MINIMUM,
                                AF_KW_MAX_LENGTH,     AF_KW_MIN_LENGTH,
                                AF_KW_PATTERN,        AF_KW_MAX_ITEMS,
                                AF_KW_MIN_ITEMS,      AF_KW_UNIQUE_ITEMS,
                                AF_KW_MAX_CONTAINS,   AF_KW_MIN_CONTAINS,
                                AF_KW_MAX_PROPERTIES, AF_KW_MIN_PROPERTIES,
                                AF_KW_REQUIRED,       AF_KW_DEPENDENT_REQUIRED};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        x->kw[kws[i]] = NULL;
}
