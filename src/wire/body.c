/*
 * body.c - request bodies by media type (OpenAPI 3.1.1 §4.8.14 Media
 * Type Object, §4.8.15 Encoding Object; RFC 7578 multipart/form-data).
 *
 * - application/json and every +json type: JSON text (json.c).
 * - application/x-www-form-urlencoded: the object's properties as
 *   name=value pairs joined by '&', percent-encoded per RFC 3986 (space
 *   as %20, which every form decoder reads). A property whose Encoding
 *   Object sets a non-default style, explode or allowReserved uses that
 *   RFC 6570 style (style.c); otherwise its contentType decides (JSON
 *   types give JSON text), and without one arrays repeat the name per item
 *   (form, explode), objects are JSON text, primitives their text.
 * - multipart types: one part per property and per item of an array
 *   property (RFC 7578 §4.3), each with Content-Disposition form-data; name
 * (and filename for non-text parts) and its Content-Type: the encoding's
 *   contentType (first of a list), else application/octet-stream for
 *   string/binary (and 3.0's format base64), application/json for objects
 *   and arrays, text/plain otherwise. Parts are rendered first; the
 *   boundary is "apifuzz-" and 16 hex digits of a hash of the parts,
 *   changed until it occurs nowhere in them (a hostile body would need to
 *   contain 64 hash-derived candidates for the last one to be kept).
 * - Everything else: JSON text for arrays and objects, else the value's
 *   text (strings byte for byte, so binary octet-stream bodies are exact;
 *   null is "null").
 * A body that is not an object under a form or multipart type (a negative
 * call's wrong type) is written as text without any framing, and an
 * AF_V_RAW body is always verbatim.
 *
 * Tuned for small bodies per fuzz input: one pass into an arena buffer
 * capped at AF_GEN_MAX_RENDERED; multipart renders its parts once into one
 * buffer and copies them behind the boundaries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wire/render.h"

#define BOUNDARY_TRIES 64

static size_t base_len(const char *type)
{
    size_t n = 0;
    while (type[n] != '\0' && type[n] != ';' && type[n] != ' ' &&
           type[n] != '\t' && type[n] != ',')
        n++;
    return n;
}

static bool base_is(const char *type, const char *want)
{
    size_t n = base_len(type);
    return n == strlen(want) && strncmp(type, want, n) == 0;
}

bool af_media_is_json(const char *type)
{
    if (type == NULL)
        return false;
    size_t n = base_len(type);
    return base_is(type, "application/json") ||
           (n >= 5 && strncmp(type + n - 5, "+json", 5) == 0);
}

static bool is_multipart(const char *type)
{
    return strncmp(type, "multipart/", 10) == 0;
}

static void write_text(af_wbuf *b, const af_value *v, const af_render_env *env)
{
    v = af_render_deref(v, env);
    if (v->kind == AF_V_NULL)
        af_wbuf_puts(b, "null");
    else
        af_style_text(b, v, env);
}

static bool is_structured(const af_value *v)
{
    return v->kind == AF_V_ARRAY || v->kind == AF_V_OBJECT;
}

static const af_encoding *find_encoding(const af_media *media, const char *name)
{
    if (media == NULL || name == NULL)
        return NULL;
    for (uint32_t i = 0; i < media->n_encodings; i++)
        if (media->encodings[i].name != NULL &&
            strcmp(media->encodings[i].name, name) == 0)
            return &media->encodings[i];
    return NULL;
}

/* One form value: JSON when the content type says so (or, without one,
   for arrays and objects), else text; percent-encoded. */
static void form_value(af_wbuf *b, const af_value *v, const char *ct,
                       const af_render_env *env)
{
    af_wbuf tmp;
    bool is_json = ct != NULL ? af_media_is_json(ct) : is_structured(v);
    af_wbuf_init(&tmp, env->arena, 64);
    if (is_json)
        af_json_write(&tmp, v, env);
    else
        af_style_text(&tmp, v, env);
    if (tmp.is_oom)
        b->is_oom = true;
    af_pct_encode(b, tmp.data, tmp.len, AF_ESC_URI);
}

static void form_member(af_wbuf *b, const af_media *media, const af_member *m,
                        const af_render_env *env)
{
    const char *name = m->name != NULL ? m->name : "";
    const af_encoding *e = find_encoding(media, name);
    const af_value *v = af_render_deref(&m->value, env);
    if (e != NULL &&
        (e->style != AF_STYLE_FORM || !e->explode || e->allow_reserved)) {
        af_style_spec spec = {name, AF_IN_QUERY, e->style, e->explode,
                              e->allow_reserved};
        af_style_write(b, &spec, v, env);
        return;
    }
    const char *ct = e != NULL ? e->content_type : NULL;
    if (v->kind == AF_V_ARRAY && v->u.arr.n > 0) {
        for (uint32_t i = 0; i < v->u.arr.n; i++) {
            if (i > 0)
                af_wbuf_putc(b, '&');
            af_pct_encode(b, name, strlen(name), AF_ESC_URI);
            af_wbuf_putc(b, '=');
            form_value(b, af_render_deref(&v->u.arr.items[i], env), ct, env);
        }
        return;
    }
    af_pct_encode(b, name, strlen(name), AF_ESC_URI);
    af_wbuf_putc(b, '=');
    if (v->kind != AF_V_ARRAY) /* an empty array: name= */
        form_value(b, v, ct, env);
}

static void write_form(af_wbuf *b, const af_media *media, const af_value *v,
                       const af_render_env *env)
{
    if (v->kind != AF_V_OBJECT) {
        write_text(b, v, env);
        return;
    }
    for (uint32_t i = 0; i < v->u.obj.n; i++) {
        if (i > 0)
            af_wbuf_putc(b, '&');
        form_member(b, media, &v->u.obj.members[i], env);
    }
}

/* ---- multipart ---- */

/* The first media type of an Encoding Object's comma-separated list; a
   range (image/ *) is not a type a part can carry: octet-stream. */
static const char *first_type(const char *list, af_arena *a)
{
    while (*list == ' ' || *list == '\t')
        list++;
    size_t n = strcspn(list, ",");
    while (n > 0 && (list[n - 1] == ' ' || list[n - 1] == '\t'))
        n--;
    if (n == 0 || memchr(list, '*', n) != NULL)
        return "application/octet-stream";
    if (list[n] == '\0')
        return list;
    const char *copy = af_arena_strndup(a, list, n);
    return copy != NULL ? copy : "application/octet-stream";
}

static bool is_file_schema(const af_render_env *env, af_idx idx)
{
    const af_schema *s = af_model_schema(env->model, idx);
    if (s == NULL || !(s->types & AF_TYPE_STRING))
        return false;
    return s->format == AF_FORMAT_BINARY ||
           (s->format_name != NULL && strcmp(s->format_name, "base64") == 0);
}

/* The Content-Type of one part (OpenAPI 3.0.3 / 3.1.1 multipart
   defaults). */
static const char *part_type(const af_encoding *e, const af_value *item,
                             const af_render_env *env)
{
    if (e != NULL && e->content_type != NULL)
        return first_type(e->content_type, env->arena);
    if (item->schema != AF_NONE && is_file_schema(env, item->schema))
        return "application/octet-stream";
    if (is_structured(item))
        return "application/json";
    return "text/plain";
}

/* A quoted-string parameter value of Content-Disposition: RFC 7578 §4.2
   and HTML's form encoding percent-encode " CR LF (and here every other
   control byte, so a part header never breaks). */
static void put_quoted(af_wbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    af_wbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p < 0x20 || *p == 0x7F) {
            char trip[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            af_wbuf_put(b, trip, 3);
        } else
            af_wbuf_putc(b, (char)*p);
    }
    af_wbuf_putc(b, '"');
}

typedef struct parts {
    af_wbuf buf;  /* every part: headers, blank line, content */
    size_t *ends; /* end offset of each part in buf */
    uint32_t n, cap;
} parts;

static void add_part(parts *ps, const char *name, const af_encoding *e,
                     const af_value *item, const af_render_env *env)
{
    af_wbuf *b = &ps->buf;
    item = af_render_deref(item, env);
    const char *ct = part_type(e, item, env);
    bool is_text = strncmp(ct, "text/", 5) == 0 || af_media_is_json(ct);
    af_wbuf_puts(b, "Content-Disposition: form-data; name=");
    put_quoted(b, name);
    if (!is_text) {
        af_wbuf_puts(b, "; filename=");
        put_quoted(b, name);
    }
    af_wbuf_puts(b, "\r\nContent-Type: ");
    af_wbuf_puts(b, ct);
    af_wbuf_puts(b, "\r\n\r\n");
    if (item->kind == AF_V_RAW)
        af_wbuf_put(b, item->u.str.s, item->u.str.len);
    else if (af_media_is_json(ct))
        af_json_write(b, item, env);
    else
        write_text(b, item, env);
    if (ps->n == ps->cap) {
        uint32_t cap = ps->cap * 2 + 8;
        size_t *ends =
            af_arena_grow(env->arena, ps->ends, ps->n, cap, sizeof *ends);
        if (ends == NULL) {
            b->is_oom = true;
            return;
        }
        ps->ends = ends;
        ps->cap = cap;
    }
    ps->ends[ps->n++] = b->len;
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/* Whether needle (n bytes, n > 0) occurs in hay (len bytes). */
static bool contains(const char *hay, size_t len, const char *needle, size_t n)
{
    const char *p = hay, *end = hay + len;
    while ((size_t)(end - p) >= n) {
        p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
        if (p == NULL)
            return false;
        if (memcmp(p, needle, n) == 0)
            return true;
        p++;
    }
    return false;
}

/* A boundary that occurs nowhere in the rendered parts. */
static const char *choose_boundary(const parts *ps, af_arena *a)
{
    char cand[32];
    uint64_t h = fnv1a(ps->buf.data, ps->buf.len);
    for (int i = 0; i < BOUNDARY_TRIES; i++) {
        snprintf(cand, sizeof cand, "apifuzz-%016" PRIx64, h + (uint64_t)i);
        if (i == BOUNDARY_TRIES - 1 ||
            !contains(ps->buf.data, ps->buf.len, cand, strlen(cand)))
            break;
    }
    return af_arena_strdup(a, cand);
}

static void write_multipart(af_wbuf *b, const af_media *media,
                            const af_value *v, const af_render_env *env,
                            const char **boundary)
{
    parts ps = {.n = 0};
    af_wbuf_init(&ps.buf, env->arena, 256);
    ps.buf.limit = b->limit;
    for (uint32_t i = 0; i < v->u.obj.n; i++) {
        const af_member *m = &v->u.obj.members[i];
        const char *name = m->name != NULL ? m->name : "";
        const af_encoding *e = find_encoding(media, name);
        const af_value *val = af_render_deref(&m->value, env);
        if (val->kind != AF_V_ARRAY)
            add_part(&ps, name, e, val, env);
        for (uint32_t j = 0; val->kind == AF_V_ARRAY && j < val->u.arr.n; j++)
            add_part(&ps, name, e, &val->u.arr.items[j], env);
    }
    const char *bnd = choose_boundary(&ps, env->arena);
    if (ps.buf.is_oom || bnd == NULL) {
        b->is_oom = true;
        return;
    }
    size_t start = 0;
    for (uint32_t i = 0; i < ps.n; i++) {
        af_wbuf_puts(b, "--");
        af_wbuf_puts(b, bnd);
        af_wbuf_puts(b, "\r\n");
        af_wbuf_put(b, ps.buf.data + start, ps.ends[i] - start);
        af_wbuf_puts(b, "\r\n");
        start = ps.ends[i];
    }
    af_wbuf_puts(b, "--");
    af_wbuf_puts(b, bnd);
    af_wbuf_puts(b, "--\r\n");
    *boundary = bnd;
}

void af_body_write(af_wbuf *b, const af_media *media, const af_value *v,
                   const af_render_env *env, const char **boundary)
{
    const char *type = media != NULL && media->type != NULL ? media->type : "";
    *boundary = NULL;
    v = af_render_deref(v, env);
    if (v->kind == AF_V_RAW)
        af_wbuf_put(b, v->u.str.s, v->u.str.len);
    else if (af_media_is_json(type))
        af_json_write(b, v, env);
    else if (base_is(type, "application/x-www-form-urlencoded"))
        write_form(b, media, v, env);
    else if (is_multipart(type) && v->kind == AF_V_OBJECT)
        write_multipart(b, media, v, env, boundary);
    else if (is_structured(v))
        af_json_write(b, v, env);
    else
        write_text(b, v, env);
}
