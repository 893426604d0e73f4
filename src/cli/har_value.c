/*
 * har_value.c - parameter values back from their wire texts, for
 * `apifuzz har2corpus` (har_read.h): the inverse of src/wire/style.c's
 * OpenAPI styles (simple, label, matrix, form, spaceDelimited,
 * pipeDelimited, deepObject; explode or not) and of its percent-encoding,
 * with each primitive typed by its schema (an enum member it spells, a
 * number, boolean or null where the schema allows one, else a string).
 *
 * Invariants: reads what style.c writes and what common clients send
 * ('+' for a space in a query, '|' or ' ' unencoded); a text that cannot
 * be read is an error naming the parameter, never a guess that would
 * encode another request. Values are cJSON trees owned by the caller.
 * Runs once per imported request: plain loops, no caching.
 */
#include "cli/har_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/render.h"

#define SCHEMA_DEPTH 16

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *af_har_pct_decode(af_arena *a, const char *s, size_t n, bool is_form,
                        size_t *len)
{
    char *d = af_arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; d != NULL && i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo >= 0) {
            d[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            d[k++] = is_form && s[i] == '+' ? ' ' : s[i];
        }
    }
    if (d != NULL)
        d[k] = 0;
    if (len != NULL)
        *len = k;
    return d;
}

/* ---- schemas ---- */

static const af_schema *schema_at(const af_model *m, af_idx i)
{
    return i >= 0 && (uint32_t)i < m->n_schemas ? &m->schemas[i] : NULL;
}

static uint32_t types_at(const af_model *m, af_idx i, int depth)
{
    const af_schema *s = schema_at(m, i);
    if (s == NULL || depth > SCHEMA_DEPTH)
        return AF_TYPE_ANY;
    uint32_t t = s->types;
    if (s->flags & AF_SCHEMA_NULLABLE)
        t |= AF_TYPE_NULL;
    if (s->ref != AF_NONE)
        t &= types_at(m, s->ref, depth + 1);
    for (uint32_t k = 0; k < s->n_all_of; k++)
        t &= types_at(m, s->all_of[k], depth + 1);
    const af_idx *alts = s->n_one_of > 0 ? s->one_of : s->any_of;
    uint32_t n_alts = s->n_one_of > 0 ? s->n_one_of : s->n_any_of;
    uint32_t u = n_alts > 0 ? 0 : AF_TYPE_ANY;
    for (uint32_t k = 0; k < n_alts; k++)
        u |= types_at(m, alts[k], depth + 1);
    return t & u;
}

uint32_t af_har_types(const af_model *m, af_idx schema)
{
    uint32_t t = types_at(m, schema, 0);
    return t & AF_TYPE_NUMBER ? t | AF_TYPE_INTEGER : t;
}

/* The enum (or const, as a one-member list in *one) the schema or its
   $ref / allOf members carry; NULL none. */
static const cJSON *enum_at(const af_model *m, af_idx i, int depth,
                            const cJSON **one)
{
    const af_schema *s = schema_at(m, i);
    if (s == NULL || depth > SCHEMA_DEPTH)
        return NULL;
    if (s->flags & AF_SCHEMA_HAS_CONST) {
        *one = s->const_value;
        return s->const_value;
    }
    if (s->flags & AF_SCHEMA_HAS_ENUM)
        return s->enum_values;
    const cJSON *e =
        s->ref != AF_NONE ? enum_at(m, s->ref, depth + 1, one) : NULL;
    for (uint32_t k = 0; e == NULL && k < s->n_all_of; k++)
        e = enum_at(m, s->all_of[k], depth + 1, one);
    return e;
}

/* Whether a JSON primitive is written as text (style.c af_style_text). */
static bool spells(const cJSON *v, const char *text, size_t len)
{
    if (cJSON_IsString(v))
        return strlen(v->valuestring) == len &&
               memcmp(v->valuestring, text, len) == 0;
    if (cJSON_IsBool(v))
        return strcmp(cJSON_IsTrue(v) ? "true" : "false", text) == 0;
    if (cJSON_IsNull(v))
        return len == 0;
    if (!cJSON_IsNumber(v))
        return false;
    char *end;
    double d = strtod(text, &end);
    return len > 0 && end == text + len && d == v->valuedouble;
}

static const cJSON *enum_match(const af_model *m, af_idx schema,
                               const char *text, size_t len)
{
    const cJSON *one = NULL;
    const cJSON *e = enum_at(m, schema, 0, &one);
    if (one != NULL)
        return spells(one, text, len) ? one : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, e)
    {
        if (spells(it, text, len))
            return it;
    }
    return NULL;
}

/* RFC 8259 §6 number syntax, the whole text. */
static bool is_number(const char *s, size_t len)
{
    size_t i = s[0] == '-';
    size_t digits = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == digits || (s[digits] == '0' && i > digits + 1))
        return false;
    if (i < len && s[i] == '.') {
        size_t f = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i += i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-') ? 2 : 1;
        size_t x = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == x)
            return false;
    }
    return i == len;
}

/* A primitive of types t from its text (no enum, no JSON). */
static cJSON *typed_text(uint32_t t, const char *text, size_t len)
{
    if ((t & (AF_TYPE_NUMBER | AF_TYPE_INTEGER)) && is_number(text, len))
        return cJSON_CreateNumber(strtod(text, NULL));
    if ((t & AF_TYPE_BOOLEAN) &&
        (strcmp(text, "true") == 0 || strcmp(text, "false") == 0))
        return cJSON_CreateBool(text[0] == 't');
    if ((t & AF_TYPE_NULL) && !(t & AF_TYPE_STRING) &&
        (len == 0 || strcmp(text, "null") == 0))
        return cJSON_CreateNull();
    return cJSON_CreateString(text);
}

/* Whether the number text reads back exactly from a double: cJSON, and
   so the encoder, hold numbers as doubles, so an integer beyond 2^53
   would silently become another one. */
static bool is_exact(const char *s, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
            return true; /* a fraction: the nearest double is meant */
        digits += s[i] >= '0' && s[i] <= '9';
    }
    if (digits <= 15)
        return true;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    double d = (double)v;
    return errno == 0 && d < 9.2e18 && d > -9.2e18 && (long long)d == v;
}

/* The first number of a JSON text that a double cannot hold exactly,
   NULL when there is none. */
static const char *json_inexact(const char *text, size_t len)
{
    bool is_in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (is_in_string) {
            i += c == '\\';
            is_in_string = c != '"';
            continue;
        }
        is_in_string = c == '"';
        if (c != '-' && (c < '0' || c > '9'))
            continue;
        size_t n = 0;
        while (i + n < len && strchr("-+0123456789.eE", text[i + n]) != NULL)
            n++;
        if (!is_exact(text + i, n))
            return text + i;
        i += n - 1;
    }
    return NULL;
}

static int inexact(af_error *err, const char *text)
{
    return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                        "the number %.*s is beyond what the encoder holds "
                        "exactly (a double: integers up to 2^53)",
                        (int)strspn(text, "-+0123456789.eE"), text);
}

cJSON *af_har_parse_json(const char *text, size_t len, const char *what,
                         af_error *err)
{
    const char *bad = json_inexact(text, len);
    cJSON *j = bad == NULL ? cJSON_ParseWithLength(text, len) : NULL;
    if (bad != NULL)
        inexact(err, bad);
    else if (j == NULL)
        af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                     "%s is not the JSON its media type says", what);
    return j;
}

cJSON *af_har_typed(const af_model *m, af_idx schema, const char *text,
                    size_t len, af_error *err)
{
    uint32_t t = af_har_types(m, schema);
    const cJSON *e = enum_match(m, schema, text, len);
    bool is_json = (t & (AF_TYPE_ARRAY | AF_TYPE_OBJECT)) != 0 &&
                   !(t & AF_TYPE_STRING) && len > 0 &&
                   (text[0] == '[' || text[0] == '{');
    bool is_num =
        (t & (AF_TYPE_NUMBER | AF_TYPE_INTEGER)) && is_number(text, len);
    if (e == NULL && ((is_json && json_inexact(text, len) != NULL) ||
                      (is_num && !is_exact(text, len)))) {
        inexact(err, is_num ? text : json_inexact(text, len));
        return NULL;
    }
    cJSON *out = e != NULL ? cJSON_Duplicate(e, true)
                 : is_json ? cJSON_ParseWithLength(text, len)
                           : NULL;
    if (out == NULL)
        out = typed_text(t, text, len);
    if (out == NULL)
        af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    return out;
}

static af_idx prop_at(const af_model *m, af_idx i, const char *name, int depth)
{
    const af_schema *s = schema_at(m, i);
    if (s == NULL || depth > SCHEMA_DEPTH)
        return AF_NONE;
    for (uint32_t k = 0; k < s->n_props; k++)
        if (strcmp(s->props[k].name, name) == 0)
            return s->props[k].schema;
    af_idx found =
        s->ref != AF_NONE ? prop_at(m, s->ref, name, depth + 1) : AF_NONE;
    for (uint32_t k = 0; found == AF_NONE && k < s->n_all_of; k++)
        found = prop_at(m, s->all_of[k], name, depth + 1);
    if (found == AF_NONE && depth == 0)
        found = s->additional_properties;
    return found;
}

af_idx af_har_prop_schema(const af_model *m, af_idx schema, const char *name)
{
    return prop_at(m, schema, name, 0);
}

af_idx af_har_items_schema(const af_model *m, af_idx schema)
{
    for (int depth = 0; depth < SCHEMA_DEPTH; depth++) {
        const af_schema *s = schema_at(m, schema);
        if (s == NULL)
            return AF_NONE;
        if (s->items != AF_NONE)
            return s->items;
        if (s->n_prefix_items > 0)
            return s->prefix_items[0];
        schema = s->ref != AF_NONE ? s->ref
                 : s->n_all_of > 0 ? s->all_of[0]
                                   : AF_NONE;
    }
    return AF_NONE;
}

/* ---- texts by style ---- */

typedef struct piece {
    const char *s;
    size_t len;
} piece;

typedef struct pieces {
    piece *p;
    size_t n;
} pieces;

/* How a piece is decoded: header values are not percent-encoded
   (style.c), query texts may carry '+' for a space. */
enum { RAW = 0, PCT, FORM };

typedef struct pctx {
    const af_model *m;
    af_arena *a;
    const af_param *p;
    const af_operation *op;
    af_error *err;
    int how;
} pctx;

static int refuse(pctx *c, const char *why)
{
    static const char *const in[] = {"path", "query", "header", "cookie"};
    return af_error_set(
        c->err, AF_EUSAGE, NULL, NULL, 0, 0, "%s parameter '%s': %s",
        (unsigned)c->p->in < 4 ? in[c->p->in] : "?", c->p->name, why);
}

static int nomem(pctx *c)
{
    return af_error_set(c->err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
}

/* s[0..len) cut at every delim; an empty text gives no pieces. */
static int split(af_arena *a, const char *s, size_t len, const char *delim,
                 pieces *out)
{
    size_t dl = strlen(delim), n = len > 0;
    for (size_t i = 0; len > 0 && i + dl <= len; i++)
        if (memcmp(s + i, delim, dl) == 0)
            n++, i += dl - 1;
    out->p = af_arena_calloc(a, n + 1, sizeof *out->p);
    out->n = 0;
    if (out->p == NULL)
        return AF_ENOMEM;
    size_t start = 0;
    for (size_t i = 0; len > 0 && i <= len; i++) {
        if (i < len && (i + dl > len || memcmp(s + i, delim, dl) != 0))
            continue;
        out->p[out->n++] = (piece){s + start, i - start};
        start = i + dl;
        i += dl - 1;
    }
    return 0;
}

static cJSON *typed_piece(pctx *c, af_idx schema, piece pc)
{
    size_t len = pc.len;
    char *text = c->how == RAW ? af_arena_strndup(c->a, pc.s, pc.len)
                               : af_har_pct_decode(c->a, pc.s, pc.len,
                                                   c->how == FORM, &len);
    if (text == NULL) {
        nomem(c);
        return NULL;
    }
    return af_har_typed(c->m, schema, text, len, c->err);
}

static bool name_is(pctx *c, const af_har_kv *kv, const char *name)
{
    char *d = af_har_pct_decode(c->a, kv->name, strlen(kv->name), true, NULL);
    return d != NULL && strcmp(d, name) == 0;
}

/* The values of the pairs named like the parameter. */
static int named(pctx *c, const af_har_pairs *pairs, pieces *out)
{
    out->p = af_arena_calloc(c->a, pairs->n + 1, sizeof *out->p);
    out->n = 0;
    if (out->p == NULL)
        return AF_ENOMEM;
    for (size_t k = 0; k < pairs->n; k++)
        if (name_is(c, &pairs->kv[k], c->p->name))
            out->p[out->n++] =
                (piece){pairs->kv[k].value, strlen(pairs->kv[k].value)};
    return 0;
}

/* The raw delimiter of a non-exploded list in this location. */
static const char *list_delim(const af_param *p)
{
    bool is_uri = p->in != AF_IN_HEADER;
    switch (p->style) {
    case AF_STYLE_SPACE_DELIMITED:
        return is_uri ? "%20" : " ";
    case AF_STYLE_PIPE_DELIMITED:
        return is_uri ? "%7C" : "|";
    case AF_STYLE_TAB_DELIMITED:
        return is_uri ? "%09" : "\t";
    default:
        return ",";
    }
}

/* The path text without its label '.' or matrix ";name" / ";name=". */
static int strip_prefix(pctx *c, piece *t)
{
    if (c->p->in != AF_IN_PATH)
        return 0;
    if (c->p->style == AF_STYLE_LABEL) {
        if (t->len == 0 || t->s[0] != '.')
            return refuse(c, "a label-style value starts with '.'");
        t->s++, t->len--;
    } else if (c->p->style == AF_STYLE_MATRIX) {
        size_t n = strlen(c->p->name);
        if (t->len < n + 1 || t->s[0] != ';' ||
            memcmp(t->s + 1, c->p->name, n) != 0)
            return refuse(c, "a matrix-style value starts with ';name'");
        size_t skip = n + 1 + (t->len > n + 1 && t->s[n + 1] == '=');
        t->s += skip, t->len -= skip;
    }
    return 0;
}

/* The one text of a path or header parameter, or the first pair's value
   of a query or cookie one; *found false when absent. */
static int one_text(pctx *c, const char *text, const af_har_pairs *pairs,
                    piece *out, bool *found)
{
    if (c->p->in == AF_IN_PATH || c->p->in == AF_IN_HEADER) {
        *found = text != NULL;
        *out = (piece){text, text != NULL ? strlen(text) : 0};
        return *found ? strip_prefix(c, out) : 0;
    }
    pieces ps;
    if (named(c, pairs, &ps) != 0)
        return nomem(c);
    *found = ps.n > 0;
    if (ps.n > 0)
        *out = ps.p[0];
    return 0;
}

static int primitive(pctx *c, const char *text, const af_har_pairs *pairs,
                     cJSON **out)
{
    piece t;
    bool found = false;
    int rc = one_text(c, text, pairs, &t, &found);
    if (rc != 0 || !found)
        return rc;
    if (c->p->media_type != NULL && af_media_is_json(c->p->media_type)) {
        size_t len = t.len;
        char *d = c->how == RAW ? af_arena_strndup(c->a, t.s, t.len)
                                : af_har_pct_decode(c->a, t.s, t.len,
                                                    c->how == FORM, &len);
        if (d == NULL)
            return nomem(c);
        *out = af_har_parse_json(d, len, "the value", c->err);
        return *out != NULL ? 0 : c->err->code;
    }
    *out = typed_piece(c, c->p->schema, t);
    return *out != NULL ? 0 : c->err->code;
}

/* The raw items of an array parameter. */
static int array_pieces(pctx *c, const char *text, const af_har_pairs *pairs,
                        pieces *out, bool *found)
{
    const af_param *p = c->p;
    bool is_named = p->in == AF_IN_QUERY || p->in == AF_IN_COOKIE;
    if (is_named && p->explode &&
        (p->style == AF_STYLE_FORM || p->style == AF_STYLE_DEEP_OBJECT)) {
        int rc = named(c, pairs, out);
        *found = out->n > 0;
        /* style.c writes an empty array as "name=" */
        if (out->n == 1 && out->p[0].len == 0)
            out->n = 0;
        return rc != 0 ? nomem(c) : 0;
    }
    piece t;
    int rc = one_text(c, text, pairs, &t, found);
    if (rc != 0 || !*found)
        return rc;
    const char *delim = list_delim(p);
    if (p->in == AF_IN_PATH && p->explode && p->style == AF_STYLE_LABEL)
        delim = ".";
    else if (p->in == AF_IN_PATH && p->explode && p->style == AF_STYLE_MATRIX)
        delim = af_arena_printf(c->a, ";%s=", p->name);
    /* what clients send unencoded: a space or '+', a bare '|' */
    if (strcmp(delim, "%20") == 0 && strstr(t.s, delim) == NULL)
        delim = memchr(t.s, '+', t.len) != NULL ? "+" : " ";
    else if (strcmp(delim, "%7C") == 0 && memchr(t.s, '|', t.len) != NULL)
        delim = "|";
    if (delim == NULL || split(c->a, t.s, t.len, delim, out) != 0)
        return nomem(c);
    return 0;
}

static int array_value(pctx *c, const char *text, const af_har_pairs *pairs,
                       cJSON **out)
{
    pieces ps;
    bool found = false;
    int rc = array_pieces(c, text, pairs, &ps, &found);
    if (rc != 0 || !found)
        return rc;
    af_idx items = af_har_items_schema(c->m, c->p->schema);
    int how = c->how;
    c->how = how == RAW ? PCT : how; /* items escape , and = */
    *out = cJSON_CreateArray();
    rc = *out != NULL ? 0 : nomem(c);
    for (size_t k = 0; rc == 0 && k < ps.n; k++) {
        cJSON *v = typed_piece(c, items, ps.p[k]);
        rc = v == NULL ? c->err->code : 0;
        if (v != NULL && !cJSON_AddItemToArray(*out, v)) {
            cJSON_Delete(v);
            rc = nomem(c);
        }
    }
    c->how = how;
    if (rc != 0) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- objects ---- */

/* Adds property `name` (decoded) with the value's text. */
static int add_named(pctx *c, cJSON *obj, const char *name, piece value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        return refuse(c, "a property is given twice");
    af_idx ps = af_har_prop_schema(c->m, c->p->schema, name);
    cJSON *v = typed_piece(c, ps, value);
    if (v == NULL)
        return c->err->code;
    if (!cJSON_AddItemToObject(obj, name, v)) {
        cJSON_Delete(v);
        return nomem(c);
    }
    return 0;
}

static int add_member(pctx *c, cJSON *obj, piece key, piece value)
{
    char *name = c->how == RAW ? af_arena_strndup(c->a, key.s, key.len)
                               : af_har_pct_decode(c->a, key.s, key.len,
                                                   c->how == FORM, NULL);
    return name != NULL ? add_named(c, obj, name, value) : nomem(c);
}

/* Whether a query or cookie name belongs to something else: another
   parameter of the operation, or an API key of the spec. */
static bool is_claimed(pctx *c, const af_har_kv *kv)
{
    for (uint32_t k = 0; k < c->op->n_params; k++) {
        const af_param *o = &c->op->params[k];
        if (o != c->p && o->in == c->p->in && name_is(c, kv, o->name))
            return true;
    }
    for (uint32_t k = 0; k < c->m->n_schemes; k++) {
        const af_sec_scheme *s = &c->m->schemes[k];
        if (s->type == AF_SEC_API_KEY && s->in == c->p->in &&
            s->param_name != NULL && name_is(c, kv, s->param_name))
            return true;
    }
    return false;
}

/* "name=": how style.c writes an empty object in a query or cookie. */
static bool is_empty_marker(pctx *c, const af_har_kv *kv)
{
    return kv->value[0] == 0 && name_is(c, kv, c->p->name);
}

/* form, explode: every pair nobody else claims is a property. */
static int form_members(pctx *c, const af_har_pairs *pairs, cJSON *obj,
                        bool *found)
{
    for (size_t k = 0; k < pairs->n; k++) {
        const af_har_kv *kv = &pairs->kv[k];
        if (is_claimed(c, kv))
            continue;
        *found = true;
        if (is_empty_marker(c, kv))
            continue;
        int rc = add_member(c, obj, (piece){kv->name, strlen(kv->name)},
                            (piece){kv->value, strlen(kv->value)});
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* deepObject: name[key]=value pairs (one level of keys). */
static int deep_members(pctx *c, const af_har_pairs *pairs, cJSON *obj,
                        bool *found)
{
    size_t n = strlen(c->p->name);
    for (size_t k = 0; k < pairs->n; k++) {
        const af_har_kv *kv = &pairs->kv[k];
        char *d =
            af_har_pct_decode(c->a, kv->name, strlen(kv->name), true, NULL);
        if (d == NULL)
            return nomem(c);
        *found = *found || is_empty_marker(c, kv);
        if (strncmp(d, c->p->name, n) != 0 || d[n] != '[')
            continue;
        size_t klen = strcspn(d + n + 1, "]");
        if (d[n + 1 + klen] != ']' || d[n + 2 + klen] != 0)
            return refuse(c, "nested deepObject keys are not read");
        *found = true;
        d[n + 1 + klen] = 0;
        int rc =
            add_named(c, obj, d + n + 1, (piece){kv->value, strlen(kv->value)});
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The "k,v,k,v" (or exploded "k=v,k=v") text of an object. */
static int listed_members(pctx *c, const char *text, const af_har_pairs *pairs,
                          cJSON *obj, bool *found)
{
    const af_param *p = c->p;
    bool is_matrix_x =
        p->in == AF_IN_PATH && p->explode && p->style == AF_STYLE_MATRIX;
    piece t = {text, text != NULL ? strlen(text) : 0};
    int rc = 0;
    if (is_matrix_x) { /* ";k1=v1;k2=v2": no parameter name */
        *found = text != NULL && t.len > 0 && text[0] == ';';
        t.s++, t.len -= *found;
    } else {
        rc = one_text(c, text, pairs, &t, found);
    }
    if (rc != 0 || !*found)
        return rc;
    bool is_x = p->explode && p->style != AF_STYLE_FORM;
    const char *delim = !is_x                        ? list_delim(p)
                        : p->style == AF_STYLE_LABEL ? "."
                        : is_matrix_x                ? ";"
                                                     : ",";
    pieces ps;
    if (split(c->a, t.s, t.len, delim, &ps) != 0)
        return nomem(c);
    if (!is_x && ps.n % 2 != 0)
        return refuse(c, "an object's text has a key without a value");
    for (size_t k = 0; rc == 0 && k < ps.n; k += is_x ? 1 : 2) {
        piece key = ps.p[k], value = is_x ? ps.p[k] : ps.p[k + 1];
        const char *eq = is_x ? memchr(key.s, '=', key.len) : NULL;
        if (is_x) {
            key.len = eq != NULL ? (size_t)(eq - key.s) : key.len;
            value.s = eq != NULL ? eq + 1 : key.s + key.len;
            value.len = (size_t)(ps.p[k].s + ps.p[k].len - value.s);
        }
        rc = add_member(c, obj, key, value);
    }
    return rc;
}

static int object_value(pctx *c, const char *text, const af_har_pairs *pairs,
                        cJSON **out)
{
    const af_param *p = c->p;
    bool is_named = p->in == AF_IN_QUERY || p->in == AF_IN_COOKIE;
    bool found = false;
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return nomem(c);
    int rc;
    if (is_named && p->style == AF_STYLE_DEEP_OBJECT)
        rc = deep_members(c, pairs, obj, &found);
    else if (is_named && p->style == AF_STYLE_FORM && p->explode)
        rc = form_members(c, pairs, obj, &found);
    else
        rc = listed_members(c, text, pairs, obj, &found);
    if (rc != 0 || (!found && !p->is_required)) {
        cJSON_Delete(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

int af_har_param_value(const af_model *m, af_arena *a, const af_param *p,
                       const char *text, const af_har_pairs *pairs,
                       const af_operation *op, cJSON **out, af_error *err)
{
    af_error own;
    int how = p->in == AF_IN_HEADER ? RAW : p->in == AF_IN_QUERY ? FORM : PCT;
    pctx c = {m, a, p, op, err != NULL ? err : &own, how};
    *out = NULL;
    uint32_t t = af_har_types(m, p->schema) & ~(uint32_t)AF_TYPE_NULL;
    if (p->media_type == NULL && t == AF_TYPE_ARRAY)
        return array_value(&c, text, pairs, out);
    if (p->media_type == NULL && t == AF_TYPE_OBJECT)
        return object_value(&c, text, pairs, out);
    return primitive(&c, text, pairs, out);
}
