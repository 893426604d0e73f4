/*
 * style.c - parameter serialization: the OpenAPI `style` / `explode`
 * rules (OpenAPI 3.1.1 §4.8.12.4 "Style Values" and its examples table,
 * which corrects 3.0.3's label and pipeDelimited rows to RFC 6570) and
 * Swagger 2.0's collectionFormat (csv, ssv, tsv, pipes, multi, compiled
 * into the same styles), with RFC 3986 percent-encoding.
 *
 * Decisions where the specification leaves the behaviour open (each is a
 * test in tests/test_style.c):
 * - An empty array or object, and null, serialize as the empty string
 *   does (";color", ".", "color=", ""), so a required parameter is never
 *   dropped; RFC 6570 would leave an undefined value out entirely.
 * - Array items and object values that are themselves arrays or objects
 *   are written as JSON text (then percent-encoded), except under
 *   deepObject, which nests: color[a][b]=1, arrays of primitives repeat
 *   the key (color[a]=1&color[a]=2), arrays of objects are indexed
 *   (color[a][0][b]=1).
 * - spaceDelimited, pipeDelimited (and tsv) with explode, which are n/a,
 *   render as without explode; deepObject of a primitive or array renders
 *   as form with explode; a query-only style elsewhere degrades to simple
 *   with its delimiter (Swagger ssv/pipes/tsv on path and header).
 * - Header values are not percent-encoded (RFC 6570 encoding is not HTTP
 *   header syntax); only bytes a field value cannot hold (controls, a
 *   leading or trailing space) are, and inside arrays and objects the
 *   delimiters , and = too.
 * - Cookies use form style with "; " between exploded pairs (a Cookie
 *   header holds one pair per cookie), values percent-encoded.
 * - allowReserved keeps RFC 3986 reserved characters and percent triplets
 *   as they are, but still encodes # [ ] (not allowed in a query) and
 *   & = + (delimiters of the query itself), as OpenAPI 3.1.1 requires.
 *
 * Tuned for short values: one table lookup per byte, runs copied whole.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wire/render.h"

static const char hex_upper[] = "0123456789ABCDEF";

/* Per-byte class bits for the encodings. */
enum {
    C_UNRESERVED = 1u << 0,  /* ALPHA DIGIT - . _ ~ */
    C_RESERVED_OK = 1u << 1, /* reserved, kept under allowReserved */
    C_PATH_OK = 1u << 2      /* pchar beyond unreserved, and '/' */
};

/* classes[c]: C_UNRESERVED for ALPHA DIGIT - . _ ~ (RFC 3986 §2.3);
   C_RESERVED_OK for the reserved characters allowReserved keeps:
   : / ? @ ! $ ' ( ) * , ; (§2.2 without # [ ] & = +); C_PATH_OK for
   the rest of pchar (§3.3: sub-delims, ':' and '@') and '/'. */
/* clang-format off */
static const unsigned char classes[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 6, 0, 0, 6, 0, 4, 6, 6, 6, 6, 4, 6, 1, 1, 6,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 6, 0, 4, 0, 2,
    6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static bool keeps(const unsigned char *p, size_t i, size_t len, af_esc esc)
{
    unsigned char c = p[i];
    switch (esc) {
    case AF_ESC_URI:
        return classes[c] & C_UNRESERVED;
    case AF_ESC_URI_RESERVED:
        if (c == '%')
            return i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2]);
        return classes[c] & (C_UNRESERVED | C_RESERVED_OK);
    case AF_ESC_PATH_LITERAL:
        if (c == '%')
            return i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2]);
        return classes[c] & (C_UNRESERVED | C_PATH_OK);
    case AF_ESC_HEADER:
        return c >= 0x20 && c != 0x7F;
    default: /* AF_ESC_HEADER_ITEM */
        return c >= 0x20 && c != 0x7F && c != ',' && c != '=';
    }
}

void af_pct_encode(af_wbuf *b, const char *s, size_t len, af_esc esc)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (keeps(p, i, len, esc))
            continue;
        char trip[3] = {'%', hex_upper[p[i] >> 4], hex_upper[p[i] & 15]};
        af_wbuf_put(b, p + run, i - run);
        af_wbuf_put(b, trip, 3);
        run = i + 1;
    }
    af_wbuf_put(b, p + run, len - run);
}

void af_style_text(af_wbuf *b, const af_value *v, const af_render_env *env)
{
    v = af_render_deref(v, env);
    switch (v->kind) {
    case AF_V_BOOL:
        af_wbuf_puts(b, v->u.b ? "true" : "false");
        break;
    case AF_V_INT:
        af_wbuf_put_int(b, v->u.i);
        break;
    case AF_V_NUMBER:
        af_json_number(b, v->u.d);
        break;
    case AF_V_STRING:
    case AF_V_RAW:
        af_wbuf_put(b, v->u.str.s, v->u.str.len);
        break;
    case AF_V_ARRAY:
    case AF_V_OBJECT:
        af_json_write(b, v, env);
        break;
    default: /* null */
        break;
    }
}

/* The serializer's state for one value. */
typedef struct sty {
    af_wbuf *b;
    const af_render_env *env;
    const char *name;
    af_param_in in;
    af_style style; /* effective: normalized for the location */
    bool explode;
    af_esc esc;       /* for names, keys and values */
    const char *sep;  /* between exploded pairs: "&" or "; " */
    uint32_t n_pairs; /* deepObject pairs written */
} sty;

/* Appends text escaped for the location. */
static void put_esc(sty *s, const char *p, size_t len)
{
    af_pct_encode(s->b, p, len, s->esc);
}

static void put_value(sty *s, const af_value *v)
{
    v = af_render_deref(v, s->env);
    if (v->kind == AF_V_STRING || v->kind == AF_V_RAW) {
        put_esc(s, v->u.str.s, v->u.str.len);
        return;
    }
    char small[48];
    af_wbuf tmp;
    if (v->kind == AF_V_ARRAY || v->kind == AF_V_OBJECT)
        af_wbuf_init(&tmp, s->env->arena, 64);
    else
        af_wbuf_init_fixed(&tmp, small, sizeof small);
    af_style_text(&tmp, v, s->env);
    if (tmp.is_oom)
        s->b->is_oom = true;
    put_esc(s, tmp.data, tmp.len);
}

static bool value_is_empty(const af_value *v)
{
    switch (v->kind) {
    case AF_V_STRING:
    case AF_V_RAW:
        return v->u.str.len == 0;
    case AF_V_ARRAY:
        return v->u.arr.n == 0;
    case AF_V_OBJECT:
        return v->u.obj.n == 0;
    case AF_V_NULL:
        return true;
    default:
        return false;
    }
}

static void put_name(sty *s, const char *name)
{
    put_esc(s, name, strlen(name));
}

/* The delimiter between the items of a non-exploded list. */
static const char *list_delim(const sty *s)
{
    bool is_uri = s->in != AF_IN_HEADER;
    switch (s->style) {
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

static bool is_named_style(af_style st)
{
    return st == AF_STYLE_FORM || st == AF_STYLE_SPACE_DELIMITED ||
           st == AF_STYLE_PIPE_DELIMITED || st == AF_STYLE_TAB_DELIMITED ||
           st == AF_STYLE_DEEP_OBJECT;
}

/* The primitive (or empty) case, and the prefix of non-exploded lists. */
static void put_prefix(sty *s, bool is_empty)
{
    switch (s->style) {
    case AF_STYLE_MATRIX:
        af_wbuf_putc(s->b, ';');
        put_name(s, s->name);
        if (!is_empty)
            af_wbuf_putc(s->b, '=');
        break;
    case AF_STYLE_LABEL:
        af_wbuf_putc(s->b, '.');
        break;
    case AF_STYLE_SIMPLE:
        break;
    default: /* named unless a list style lent to a path or header */
        if (s->in == AF_IN_PATH || s->in == AF_IN_HEADER)
            break;
        put_name(s, s->name);
        af_wbuf_putc(s->b, '=');
        break;
    }
}

/* RFC 6570 explode of a list: each item its own name=value (form,
   matrix), or its own .label; simple keeps the comma. */
static void put_item_exploded(sty *s, const af_value *item, uint32_t i)
{
    item = af_render_deref(item, s->env);
    switch (s->style) {
    case AF_STYLE_MATRIX:
        put_prefix(s, value_is_empty(item));
        break;
    case AF_STYLE_LABEL:
        af_wbuf_putc(s->b, '.');
        break;
    case AF_STYLE_SIMPLE:
        if (i > 0)
            af_wbuf_putc(s->b, ',');
        break;
    default:
        if (i > 0)
            af_wbuf_puts(s->b, s->sep);
        put_name(s, s->name);
        af_wbuf_putc(s->b, '=');
        break;
    }
    put_value(s, item);
}

static void write_array(sty *s, const af_value *v)
{
    const af_value *items = v->u.arr.items;
    if (s->explode &&
        (s->style == AF_STYLE_MATRIX || s->style == AF_STYLE_LABEL ||
         s->style == AF_STYLE_SIMPLE || s->style == AF_STYLE_FORM)) {
        for (uint32_t i = 0; i < v->u.arr.n; i++)
            put_item_exploded(s, &items[i], i);
        return;
    }
    const char *delim = list_delim(s);
    put_prefix(s, false);
    for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i > 0)
            af_wbuf_puts(s->b, delim);
        put_value(s, &items[i]);
    }
}

/* One key=value of an exploded object. */
static void put_pair_exploded(sty *s, const af_member *m, uint32_t i)
{
    const af_value *val = af_render_deref(&m->value, s->env);
    const char *key = m->name != NULL ? m->name : "";
    switch (s->style) {
    case AF_STYLE_MATRIX:
        af_wbuf_putc(s->b, ';');
        break;
    case AF_STYLE_LABEL:
        af_wbuf_putc(s->b, '.');
        break;
    case AF_STYLE_SIMPLE:
        if (i > 0)
            af_wbuf_putc(s->b, ',');
        break;
    default:
        if (i > 0)
            af_wbuf_puts(s->b, s->sep);
        break;
    }
    put_name(s, key);
    if (s->style == AF_STYLE_MATRIX && value_is_empty(val))
        return;
    af_wbuf_putc(s->b, '=');
    put_value(s, val);
}

/* deepObject: one key=value pair (an empty value stays empty). */
static void deep_pair(sty *s, const af_wbuf *key, const af_value *v)
{
    if (s->n_pairs++ > 0)
        af_wbuf_puts(s->b, s->sep);
    af_wbuf_put(s->b, key->data, key->len);
    af_wbuf_putc(s->b, '=');
    if (!value_is_empty(v))
        put_value(s, v);
}

static void deep_key(sty *s, af_wbuf *key, const char *part, size_t plen)
{
    af_wbuf_puts(key, "%5B");
    af_pct_encode(key, part, plen, s->esc);
    af_wbuf_puts(key, "%5D");
}

/* deepObject nesting: name[k1][k2]=v; arrays of primitives repeat the
   key, arrays of arrays or objects index it: name[k][0][x]=v. */
static void deep_value(sty *s, af_wbuf *key, const af_value *v, int depth)
{
    v = af_render_deref(v, s->env);
    size_t mark = key->len;
    bool can_nest = depth < AF_RENDER_MAX_DEPTH;
    if (v->kind == AF_V_OBJECT && v->u.obj.n > 0 && can_nest) {
        for (uint32_t i = 0; i < v->u.obj.n; i++) {
            const char *k = v->u.obj.members[i].name;
            k = k != NULL ? k : "";
            deep_key(s, key, k, strlen(k));
            deep_value(s, key, &v->u.obj.members[i].value, depth + 1);
            key->len = mark;
        }
        return;
    }
    if (v->kind == AF_V_ARRAY && v->u.arr.n > 0 && can_nest) {
        for (uint32_t i = 0; i < v->u.arr.n; i++) {
            const af_value *it = af_render_deref(&v->u.arr.items[i], s->env);
            if (it->kind == AF_V_OBJECT || it->kind == AF_V_ARRAY) {
                char idx[16];
                int n = snprintf(idx, sizeof idx, "%" PRIu32, i);
                deep_key(s, key, idx, (size_t)n);
            }
            deep_value(s, key, it, depth + 1);
            key->len = mark;
        }
        return;
    }
    deep_pair(s, key, v);
}

static void write_deep(sty *s, const af_value *v)
{
    af_wbuf key;
    af_wbuf_init(&key, s->env->arena, 64);
    af_pct_encode(&key, s->name, strlen(s->name), s->esc);
    deep_value(s, &key, v, 0);
    if (key.is_oom)
        s->b->is_oom = true;
}

static void write_object(sty *s, const af_value *v)
{
    const af_member *ms = v->u.obj.members;
    if (s->style == AF_STYLE_DEEP_OBJECT) {
        write_deep(s, v);
        return;
    }
    if (s->explode &&
        (s->style == AF_STYLE_MATRIX || s->style == AF_STYLE_LABEL ||
         s->style == AF_STYLE_SIMPLE || s->style == AF_STYLE_FORM)) {
        for (uint32_t i = 0; i < v->u.obj.n; i++)
            put_pair_exploded(s, &ms[i], i);
        return;
    }
    const char *delim = list_delim(s);
    put_prefix(s, false);
    for (uint32_t i = 0; i < v->u.obj.n; i++) {
        const char *key = ms[i].name != NULL ? ms[i].name : "";
        if (i > 0)
            af_wbuf_puts(s->b, delim);
        put_name(s, key);
        af_wbuf_puts(s->b, delim);
        put_value(s, &ms[i].value);
    }
}

/* The style as it applies in this location (see the file comment). */
static af_style effective_style(af_param_in in, af_style st)
{
    bool is_query_style = is_named_style(st);
    switch (in) {
    case AF_IN_PATH:
        return st == AF_STYLE_FORM || st == AF_STYLE_DEEP_OBJECT
                   ? AF_STYLE_SIMPLE
                   : st;
    case AF_IN_HEADER:
        return st == AF_STYLE_SPACE_DELIMITED ||
                       st == AF_STYLE_PIPE_DELIMITED ||
                       st == AF_STYLE_TAB_DELIMITED
                   ? st
                   : AF_STYLE_SIMPLE;
    case AF_IN_COOKIE:
        return st == AF_STYLE_DEEP_OBJECT || !is_query_style ? AF_STYLE_FORM
                                                             : st;
    default:
        return is_query_style ? st : AF_STYLE_FORM;
    }
}

static void sty_init(sty *s, af_wbuf *b, const af_style_spec *spec,
                     const af_render_env *env)
{
    s->b = b;
    s->env = env;
    s->name = spec->name != NULL ? spec->name : "";
    s->in = spec->in;
    s->style = effective_style(spec->in, spec->style);
    s->explode = spec->explode;
    s->sep = spec->in == AF_IN_COOKIE ? "; " : "&";
    s->n_pairs = 0;
    if (spec->in == AF_IN_HEADER)
        s->esc = AF_ESC_HEADER;
    else if (spec->in == AF_IN_QUERY && spec->allow_reserved)
        s->esc = AF_ESC_URI_RESERVED;
    else
        s->esc = AF_ESC_URI;
}

static void write_styled(sty *s, const af_value *v)
{
    bool is_list = v->kind == AF_V_ARRAY || v->kind == AF_V_OBJECT;
    if (!is_list || value_is_empty(v)) {
        put_prefix(s, value_is_empty(v));
        if (!is_list)
            put_value(s, v);
        return;
    }
    if (s->in == AF_IN_HEADER)
        s->esc = AF_ESC_HEADER_ITEM;
    if (s->style == AF_STYLE_DEEP_OBJECT && v->kind == AF_V_ARRAY) {
        s->style = AF_STYLE_FORM;
        s->explode = true;
    }
    if (v->kind == AF_V_ARRAY)
        write_array(s, v);
    else
        write_object(s, v);
}

/* RFC 9110 §5.5: a field value has no leading or trailing whitespace, so
   such spaces of the value written since `start` are percent-encoded. */
static void header_edges(af_wbuf *b, size_t start)
{
    size_t len = b->len - start;
    if (len == 0 || b->is_oom ||
        (b->data[start] != ' ' && b->data[b->len - 1] != ' '))
        return;
    char *copy = af_arena_memdup(b->arena, b->data + start, len);
    if (copy == NULL) {
        b->is_oom = true;
        return;
    }
    size_t first = 0, last = len;
    while (first < len && copy[first] == ' ')
        first++;
    while (last > first && copy[last - 1] == ' ')
        last--;
    b->len = start;
    for (size_t i = 0; i < first; i++)
        af_wbuf_puts(b, "%20");
    af_wbuf_put(b, copy + first, last - first);
    for (size_t i = last; i < len; i++)
        af_wbuf_puts(b, "%20");
}

void af_style_write(af_wbuf *b, const af_style_spec *spec, const af_value *v,
                    const af_render_env *env)
{
    sty s;
    size_t start = b->len;
    sty_init(&s, b, spec, env);
    write_styled(&s, af_render_deref(v, env));
    if (spec->in == AF_IN_HEADER)
        header_edges(b, start);
}

/* A parameter with `content`: the value serialized by its media type
   (JSON, else as text), then escaped for the location. */
static void content_param(af_wbuf *b, const af_param *p, const af_value *v,
                          const af_render_env *env)
{
    af_wbuf text;
    size_t start = b->len;
    af_wbuf_init(&text, env->arena, 64);
    if (af_media_is_json(p->media_type))
        af_json_write(&text, v, env);
    else
        af_style_text(&text, v, env);
    if (text.is_oom)
        b->is_oom = true;
    if (p->in == AF_IN_QUERY || p->in == AF_IN_COOKIE) {
        af_pct_encode(b, p->name, strlen(p->name), AF_ESC_URI);
        af_wbuf_putc(b, '=');
    }
    af_pct_encode(b, text.data, text.len,
                  p->in == AF_IN_HEADER ? AF_ESC_HEADER : AF_ESC_URI);
    if (p->in == AF_IN_HEADER)
        header_edges(b, start);
}

void af_style_param(af_wbuf *b, const af_param *p, const af_value *v,
                    const af_render_env *env)
{
    if (p->media_type != NULL) {
        content_param(b, p, v, env);
        return;
    }
    af_style_spec spec = {p->name, p->in, p->style, p->explode,
                          p->allow_reserved};
    af_style_write(b, &spec, v, env);
}
