/*
 * payload.c - bodies read as JSON instances by media type (payload.h).
 *
 * JSON: af_jsonarena_parse (cJSON's language, into the per-input arena),
 * so a body is never read past its length and needs no NUL; only
 * whitespace may follow the value.
 * application/x-www-form-urlencoded (WHATWG URL §5.1: '&' separated
 * pairs, '+' is a space, percent-decoding) and multipart/form-data (RFC
 * 7578: parts between "--boundary" lines, the field name from
 * Content-Disposition, a JSON part parsed) become an object of fields.
 * Other media types are one string (bytes that are not text included:
 * validation of such bodies is about their length and pattern only).
 *
 * Memory: every tree, string and scratch buffer comes from the caller's
 * arena; nothing here calls malloc or cJSON's allocator.
 *
 * Workload: response bodies of a few KiB; one pass, no recursion but
 * the JSON parser's own (bounded by CJSON_NESTING_LIMIT).
 */
#include "check/payload.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/jsonarena.h"

bool af_payload_is_json(const char *type)
{
    if (type == NULL)
        return false;
    size_t n = strcspn(type, "; \t");
    return (n == 16 && strncasecmp(type, "application/json", 16) == 0) ||
           (n >= 5 && strncasecmp(type + n - 5, "+json", 5) == 0);
}

static const char *strcasestr_portable(const char *h, const char *n)
{
    size_t k = strlen(n);
    for (; *h; h++)
        if (strncasecmp(h, n, k) == 0)
            return h;
    return NULL;
}

static bool type_is(const char *ct, const char *want)
{
    size_t n = strcspn(ct, "; \t");
    return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

int af_payload_candidates(af_arena *a, const char *text, size_t len,
                          cJSON *out[4])
{
    int n = 0;
    out[n++] = af_jsonarena_string(a, text, len);
    char buf[64];
    if (len > 0 && len < sizeof buf) {
        memcpy(buf, text, len);
        buf[len] = 0;
        char *end;
        errno = 0;
        double d = strtod(buf, &end);
        bool is_json_number = *end == 0 && !isspace((unsigned char)buf[0]) &&
                              isfinite(d) && strpbrk(buf, "xXnN") == NULL;
        if (is_json_number)
            out[n++] = af_jsonarena_number(a, d);
        if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0)
            out[n++] =
                af_jsonarena_node(a, buf[0] == 't' ? cJSON_True : cJSON_False);
        if (strcmp(buf, "null") == 0)
            out[n++] = af_jsonarena_node(a, cJSON_NULL);
    } else if (len == 0) {
        out[n++] = af_jsonarena_node(a, cJSON_NULL);
    }
    return n;
}

static int parse_json(af_arena *a, const unsigned char *body, size_t len,
                      cJSON **out, af_error *err)
{
    size_t at = 0;
    cJSON *v = NULL;
    int rc = af_jsonarena_parse(a, body, len, &v, &at);
    if (rc == AF_ENOMEM)
        return rc; /* af_payload_parse tells */
    if (rc != 0)
        return af_error_set(err, AF_ESYNTAX, NULL, NULL, 0, 0,
                            "the body is not JSON (error near byte %zu of %zu)",
                            at, len);
    while (at < len && strchr(" \t\r\n", body[at]) != NULL && body[at] != 0)
        at++;
    if (at < len)
        return af_error_set(err, AF_ESYNTAX, NULL, NULL, 0, 0,
                            "bytes follow the JSON value (at byte %zu of %zu)",
                            at, len);
    *out = v;
    return 0;
}

/* The schema of property `name` of object schema `schema`; AF_NONE. */
static af_idx prop_schema(const af_model *m, af_idx schema, const char *name)
{
    const af_schema *s = m != NULL ? af_model_schema(m, schema) : NULL;
    if (s == NULL)
        return AF_NONE;
    for (uint32_t i = 0; i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0)
            return s->props[i].schema;
    return s->additional_properties;
}

/* A field value as its property's schema types suggest. */
static cJSON *field_value(af_arena *a, const af_model *m, af_idx schema,
                          const char *text, size_t len)
{
    const af_schema *s = m != NULL ? af_model_schema(m, schema) : NULL;
    uint32_t types = s != NULL && (s->flags & AF_SCHEMA_HAS_TYPE)
                         ? s->types
                         : AF_TYPE_STRING;
    if (types & AF_TYPE_ARRAY)
        types = AF_TYPE_STRING; /* items of repeated fields stay text */
    cJSON *c[4];
    int n = af_payload_candidates(a, text, len, c);
    for (int i = 0; i < n; i++)
        if (c[i] == NULL)
            return NULL; /* out of memory: no reading is left out */
    int pick = 0;
    for (int i = 1; i < n && !(types & AF_TYPE_STRING); i++) {
        bool fits = (cJSON_IsNumber(c[i]) &&
                     (types & (AF_TYPE_NUMBER | AF_TYPE_INTEGER))) ||
                    (cJSON_IsBool(c[i]) && (types & AF_TYPE_BOOLEAN)) ||
                    (cJSON_IsNull(c[i]) && (types & AF_TYPE_NULL));
        if (fits && pick == 0)
            pick = i;
    }
    return c[pick]; /* the others stay in the arena until its reset */
}

/* Turns field `old` (not an array) into an array holding its former
   value, in place: its name and its position among the fields stay. */
static cJSON *into_array(af_arena *a, cJSON *old)
{
    cJSON *first = af_jsonarena_node(a, cJSON_NULL);
    if (first == NULL)
        return NULL;
    *first = *old;
    first->next = first->prev = NULL;
    first->string = NULL;
    old->type = cJSON_Array;
    old->child = NULL;
    old->valuestring = NULL;
    old->valueint = 0;
    old->valuedouble = 0;
    af_jsonarena_append(old, first);
    return old;
}

/* Adds a field; a repeated name (or an array-typed property) collects
   an array. v NULL (its making ran out of memory) or no memory left:
   AF_ENOMEM, so no field is ever silently left out. */
static int add_field(af_arena *a, cJSON *obj, const af_model *m, af_idx schema,
                     const char *name, cJSON *v)
{
    if (v == NULL)
        return AF_ENOMEM;
    cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, name);
    const af_schema *s =
        m != NULL ? af_model_schema(m, prop_schema(m, schema, name)) : NULL;
    bool is_array = s != NULL && (s->flags & AF_SCHEMA_HAS_TYPE) &&
                    (s->types & AF_TYPE_ARRAY);
    if (old == NULL && is_array) {
        old = af_jsonarena_node(a, cJSON_Array);
        if (old == NULL || !af_jsonarena_add(a, obj, name, old))
            return AF_ENOMEM;
    } else if (old == NULL) {
        return af_jsonarena_add(a, obj, name, v) ? 0 : AF_ENOMEM;
    } else if (!cJSON_IsArray(old) && into_array(a, old) == NULL) {
        return AF_ENOMEM;
    }
    af_jsonarena_append(old, v);
    return 0;
}

static size_t pct_decode(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            s[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n &&
                   isxdigit((unsigned char)s[i + 1]) &&
                   isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            s[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

static int parse_form(af_arena *a, const unsigned char *body, size_t len,
                      const af_model *m, af_idx schema, cJSON **out)
{
    cJSON *obj = af_jsonarena_node(a, cJSON_Object);
    char *buf = af_arena_alloc(a, len + 1);
    if (obj == NULL || buf == NULL)
        return AF_ENOMEM;
    if (len > 0)
        memcpy(buf, body, len);
    buf[len] = 0;
    for (size_t i = 0; i < len;) {
        size_t n = strcspn(buf + i, "&");
        char *pair = buf + i, *eq = memchr(pair, '=', n);
        size_t klen = eq != NULL ? (size_t)(eq - pair) : n;
        size_t vlen = eq != NULL ? n - klen - 1 : 0;
        if (n > 0) {
            klen = pct_decode(pair, klen);
            pair[klen] = 0;
            char *val = eq != NULL ? eq + 1 : pair + klen;
            vlen = pct_decode(val, vlen);
            af_idx ps = prop_schema(m, schema, pair);
            if (add_field(a, obj, m, schema, pair,
                          field_value(a, m, ps, val, vlen)) != 0)
                return AF_ENOMEM;
        }
        i += n + 1;
    }
    *out = obj;
    return 0;
}

/* RFC 2046 §5.1.1: the boundary parameter, quoted or not. */
static bool boundary_of(const char *ct, char *out, size_t cap)
{
    const char *b = strcasestr_portable(ct, "boundary=");
    if (b == NULL)
        return false;
    b += 9;
    bool is_quoted = *b == '"';
    b += is_quoted;
    size_t n = strcspn(b, is_quoted ? "\"" : "; \t");
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, b, n);
    out[n] = 0;
    return true;
}

/* The value of parameter `key` ("name") of a Content-Disposition. */
static bool disposition_param(const char *h, size_t n, const char *key,
                              char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 1 < n; i++) {
        bool at_start = i == 0 || h[i - 1] == ';' || h[i - 1] == ' ';
        if (!at_start || strncasecmp(h + i, key, klen) != 0 ||
            h[i + klen] != '=')
            continue;
        const char *v = h + i + klen + 1, *end = h + n;
        bool is_quoted = v < end && *v == '"';
        v += is_quoted;
        size_t len = 0;
        while (v + len < end && v[len] != (is_quoted ? '"' : ';'))
            len++;
        if (len >= cap)
            return false;
        memcpy(out, v, len);
        out[len] = 0;
        return true;
    }
    return false;
}

static const unsigned char *find(const unsigned char *p, size_t n,
                                 const char *needle, size_t nlen)
{
    for (size_t i = 0; nlen <= n && i <= n - nlen; i++)
        if (p[i] == (unsigned char)needle[0] &&
            memcmp(p + i, needle, nlen) == 0)
            return p + i;
    return NULL;
}

typedef struct part {
    char name[256];
    char type[128];
} part;

/* The header lines of one part, up to the empty line. */
static const unsigned char *part_headers(const unsigned char *p,
                                         const unsigned char *end, part *pt)
{
    pt->name[0] = pt->type[0] = 0;
    for (;;) {
        const unsigned char *nl = find(p, (size_t)(end - p), "\r\n", 2);
        if (nl == NULL)
            return NULL;
        size_t n = (size_t)(nl - p);
        if (n == 0)
            return nl + 2;
        const char *h = (const char *)p;
        if (n > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0)
            disposition_param(h + 20, n - 20, "name", pt->name,
                              sizeof pt->name);
        else if (n > 13 && strncasecmp(h, "Content-Type:", 13) == 0) {
            size_t k = 13;
            while (k < n && h[k] == ' ')
                k++;
            size_t tl = n - k < sizeof pt->type ? n - k : sizeof pt->type - 1;
            memcpy(pt->type, h + k, tl);
            pt->type[tl] = 0;
        }
        p = nl + 2;
    }
}

static int add_part(af_arena *a, cJSON *obj, const part *pt,
                    const unsigned char *data, size_t len, const af_model *m,
                    af_idx schema)
{
    cJSON *v = NULL;
    if (af_payload_is_json(pt->type)) {
        int rc = parse_json(a, data, len, &v, NULL);
        if (rc != 0)
            return rc;
    } else {
        v = field_value(a, m, prop_schema(m, schema, pt->name),
                        (const char *)data, len);
    }
    return add_field(a, obj, m, schema, pt->name, v);
}

static int parse_multipart(af_arena *a, const char *ct,
                           const unsigned char *body, size_t len,
                           const af_model *m, af_idx schema, cJSON **out,
                           af_error *err)
{
    char delim[80] = "\r\n--";
    if (!boundary_of(ct, delim + 4, sizeof delim - 4))
        return af_error_set(err, AF_ESYNTAX, NULL, NULL, 0, 0,
                            "a multipart body without a boundary parameter");
    size_t dlen = strlen(delim);
    const unsigned char *end = body + len;
    const unsigned char *p =
        len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0
            ? body + dlen - 2
            : find(body, len, delim, dlen);
    cJSON *obj = af_jsonarena_node(a, cJSON_Object);
    if (obj == NULL)
        return AF_ENOMEM;
    const char *why = "a multipart body without its first boundary";
    while (p != NULL) {
        if (p != body + dlen - 2 && p[0] == '\r')
            p += dlen;
        if (end - p >= 2 && memcmp(p, "--", 2) == 0) {
            why = NULL;
            break;
        }
        why = "a multipart boundary line does not end with CR LF";
        if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
            break;
        part pt;
        const unsigned char *data = part_headers(p + 2, end, &pt);
        why = "a multipart part has no end of its headers";
        if (data == NULL)
            break;
        const unsigned char *next =
            find(data, (size_t)(end - data), delim, dlen);
        why = "a multipart part is not closed by a boundary";
        if (next == NULL)
            break;
        int rc = add_part(a, obj, &pt, data, (size_t)(next - data), m, schema);
        if (rc == AF_ENOMEM)
            return rc;
        why = "a multipart JSON part is not JSON";
        if (rc != 0)
            break;
        p = next;
        why = NULL;
    }
    if (why != NULL)
        return af_error_set(err, AF_ESYNTAX, NULL, NULL, 0, 0, "%s", why);
    *out = obj;
    return 0;
}

int af_payload_parse(af_arena *a, const char *content_type,
                     const unsigned char *body, size_t len, const af_model *m,
                     af_idx schema, cJSON **out, af_error *err)
{
    *out = NULL;
    static const unsigned char empty[1];
    if (body == NULL) {
        body = empty;
        len = 0;
    }
    const char *ct = content_type != NULL ? content_type : "";
    while (*ct == ' ')
        ct++;
    int rc = 0;
    if (af_payload_is_json(ct))
        rc = parse_json(a, body, len, out, err);
    else if (type_is(ct, "application/x-www-form-urlencoded"))
        rc = parse_form(a, body, len, m, schema, out);
    else if (type_is(ct, "multipart/form-data"))
        rc = parse_multipart(a, ct, body, len, m, schema, out, err);
    else
        *out = af_jsonarena_string(a, (const char *)body, len);
    if (rc == AF_ENOMEM || (rc == 0 && *out == NULL))
        rc = af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                          "out of memory parsing a body");
    return rc;
}
