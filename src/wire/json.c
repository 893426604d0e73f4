/*
 * json.c - af_value trees as compact JSON text (RFC 8259).
 *
 * Invariants: the output is always valid UTF-8 JSON, whatever the value
 * holds: control bytes are escaped, bytes that do not form valid UTF-8
 * (binary strings, lone surrogates, overlong forms) are written as \u00XX
 * (one code point per byte, so the text stays parseable and the mapping is
 * deterministic); integers are exact; doubles use the shortest of %.15g,
 * %.16g and %.17g that reads back to the same bits (-0 is "-0.0" so the
 * sign survives a parser that reads "-0" as an integer); JSON has no NaN
 * or infinities, so NaN is written as 0 and infinities as the largest
 * finite double. AF_V_RAW is copied verbatim (malformed bodies on
 * purpose).
 *
 * Tuned for small bodies rendered per fuzz input: strings are copied in
 * runs between the bytes that need escaping, no per-character calls.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/render.h"

static const char hex_digits[] = "0123456789abcdef";

/* RFC 3629 §4: no overlongs, no surrogates, nothing past U+10FFFF. */
size_t af_utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

static void put_u00(af_wbuf *b, unsigned char c)
{
    char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
    af_wbuf_put(b, esc, sizeof esc);
}

static void put_escape(af_wbuf *b, unsigned char c)
{
    const char *short_esc = NULL;
    switch (c) {
    case '"':
        short_esc = "\\\"";
        break;
    case '\\':
        short_esc = "\\\\";
        break;
    case '\b':
        short_esc = "\\b";
        break;
    case '\f':
        short_esc = "\\f";
        break;
    case '\n':
        short_esc = "\\n";
        break;
    case '\r':
        short_esc = "\\r";
        break;
    case '\t':
        short_esc = "\\t";
        break;
    default:
        put_u00(b, c);
        return;
    }
    af_wbuf_put(b, short_esc, 2);
}

void af_json_string(af_wbuf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    af_wbuf_putc(b, '"');
    while (i < len) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7F) {
            i++;
            continue;
        }
        size_t n = c >= 0x80 ? af_utf8_len(p + i, len - i) : 0;
        if (n > 0) {
            i += n;
            continue;
        }
        af_wbuf_put(b, p + run, i - run);
        put_escape(b, c);
        run = ++i;
    }
    af_wbuf_put(b, p + run, len - run);
    af_wbuf_putc(b, '"');
}

void af_json_number(af_wbuf *b, double d)
{
    char text[40];
    if (isnan(d))
        d = 0;
    else if (isinf(d))
        d = d > 0 ? DBL_MAX : -DBL_MAX;
    if (d == 0) {
        af_wbuf_puts(b, signbit(d) ? "-0.0" : "0");
        return;
    }
    /* The shortest precision that reads back exactly. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        if (prec == 17 || strtod(text, NULL) == d)
            break;
    }
    af_wbuf_puts(b, text);
}

static void write_value(af_wbuf *b, const af_value *v, const af_render_env *env,
                        int depth);

static void write_array(af_wbuf *b, const af_value *v, const af_render_env *env,
                        int depth)
{
    af_wbuf_putc(b, '[');
    for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i > 0)
            af_wbuf_putc(b, ',');
        write_value(b, &v->u.arr.items[i], env, depth + 1);
    }
    af_wbuf_putc(b, ']');
}

static void write_object(af_wbuf *b, const af_value *v,
                         const af_render_env *env, int depth)
{
    af_wbuf_putc(b, '{');
    for (uint32_t i = 0; i < v->u.obj.n; i++) {
        const af_member *m = &v->u.obj.members[i];
        const char *name = m->name != NULL ? m->name : "";
        if (i > 0)
            af_wbuf_putc(b, ',');
        af_json_string(b, name, strlen(name));
        af_wbuf_putc(b, ':');
        write_value(b, &m->value, env, depth + 1);
    }
    af_wbuf_putc(b, '}');
}

static void write_value(af_wbuf *b, const af_value *v, const af_render_env *env,
                        int depth)
{
    v = af_render_deref(v, env);
    if (depth > AF_RENDER_MAX_DEPTH || b->is_oom || b->is_truncated) {
        af_wbuf_puts(b, "null");
        return;
    }
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
        af_json_string(b, v->u.str.s, v->u.str.len);
        break;
    case AF_V_ARRAY:
        write_array(b, v, env, depth);
        break;
    case AF_V_OBJECT:
        write_object(b, v, env, depth);
        break;
    case AF_V_RAW:
        af_wbuf_put(b, v->u.str.s, v->u.str.len);
        break;
    default: /* AF_V_NULL; a back-reference is never left after deref */
        af_wbuf_puts(b, "null");
        break;
    }
}

void af_json_write(af_wbuf *b, const af_value *v, const af_render_env *env)
{
    write_value(b, v, env, 0);
}
