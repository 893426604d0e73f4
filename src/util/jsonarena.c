/*
 * jsonarena.c - a JSON parser into cJSON nodes in an af_arena, and node
 * builders (jsonarena.h), for everything of one input: response bodies,
 * the checks' re-parses of requests, form and multipart fields.
 *
 * Hand-written instead of cJSON_Parse under cJSON_InitHooks because
 * cJSON has no per-call allocator. Its hooks are one process-global pair
 * that spec/dompool.c points at its pool while a spec loads and resets
 * to malloc afterwards; cJSON's clean-up after a failed parse frees
 * through whichever hooks are global at that moment, not those the parse
 * started with; and every cJSON parse writes a global error pointer. So
 * a scoped hook would free() arena blocks (or leak pool ones) as soon as
 * a spec load or a second runner (runner.h: one per thread) ran in
 * another thread. This file has no global state at all (the decimal
 * point for strtod is read with the MT-safe nl_langinfo).
 *
 * The language is that of the cJSON we link (1.7.15), so leaving its
 * allocator changed no verdict: the same texts parse, to the same trees,
 * ending (or failing) at the same byte. That includes its leniencies:
 * leading zeros, "1." and "-.5"; any byte up to 0x20 as whitespace; raw
 * control bytes and invalid UTF-8 in strings; a \u escape with a bad hex
 * digit read as U+0000; a leading UTF-8 BOM skipped when at least two
 * bytes follow it; nesting up to 1000 levels; a number as long as its
 * run of number bytes (strtod's longest prefix of it; the 1.7.14 source
 * stopped at 63 characters). tests/test_jsonarena.c compares the two on
 * generated texts, valid and broken.
 *
 * Invariants: no byte at or past len is read; recursion is bounded by
 * the nesting limit; every node is zeroed before it is filled; a list's
 * first child has the last child as prev, as cJSON keeps it.
 *
 * Tuned for response bodies of a few KiB: nodes come in cache-line
 * slabs apart from the strings (the validator walks them right after);
 * a string without escapes is found with two memchr and copied with one
 * memcpy; integers of up to 15 digits (exact in a double) skip strtod.
 * A 1.2 KB booking list parses in 2.0 us where cJSON takes 4.6 us with
 * its malloc and free.
 */
#include "util/jsonarena.h"

#include <langinfo.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define MAX_DEPTH 1000 /* CJSON_NESTING_LIMIT */
#define MAX_FAST_DIGITS 15

typedef struct parser {
    af_arena *a;
    const unsigned char *s;
    size_t len;
    size_t at; /* the next byte; may pass len only on failure */
    unsigned depth;
    cJSON *slab; /* nodes not yet used, n_slab of them */
    size_t n_slab, next_slab;
    char point; /* the locale's decimal point for strtod; 0: not asked */
    bool is_oom;
} parser;

static bool value(parser *p, cJSON *n);

/* cJSON's whitespace: any byte up to 0x20. Stopped by the end, it rests
   on the last byte, as cJSON does (error offsets depend on it). */
static void skip_ws(parser *p)
{
    if (p->at >= p->len)
        return;
    while (p->at < p->len && p->s[p->at] <= 0x20)
        p->at++;
    if (p->at == p->len)
        p->at--;
}

/* Nodes come in cache-line-aligned slabs, apart from the strings, so a
   walk over the tree touches one line per node. The first slab holds at
   most 32 nodes and no more than the text can have (len / 2 + 1: every
   value but one takes a separator); each next one doubles. */
static cJSON *new_node(parser *p)
{
    if (p->n_slab == 0) {
        size_t want = p->next_slab, line = 64;
        unsigned char *raw = af_arena_alloc(p->a, want * sizeof(cJSON) + line);
        if (raw == NULL) {
            p->is_oom = true;
            return NULL;
        }
        p->slab = (cJSON *)(raw + (line - (uintptr_t)raw % line) % line);
        p->n_slab = want;
        p->next_slab = want * 2;
    }
    p->n_slab--;
    cJSON *n = p->slab++;
    memset(n, 0, sizeof *n);
    return n;
}

/* ---- strings ---- */

/* Four hex digits; 0 when one is not a hex digit (cJSON's reading). */
static unsigned hex4(const unsigned char *h)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = h[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return 0;
        v = v << 4 | d;
    }
    return v;
}

static char *put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* A \u escape at u (before end, the closing quote) into *o: the bytes
   it takes (6, or 12 for a surrogate pair), 0 when invalid. RFC 8259 §7;
   a lone surrogate is refused, as cJSON refuses it. */
static size_t unicode(const unsigned char *u, const unsigned char *end,
                      char **o)
{
    if (end - u < 6)
        return 0;
    uint32_t cp = hex4(u + 2);
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return 0;
    size_t used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        const unsigned char *lo = u + 6;
        if (end - lo < 6 || lo[0] != '\\' || lo[1] != 'u')
            return 0;
        uint32_t low = hex4(lo + 2);
        if (low < 0xDC00 || low > 0xDFFF)
            return 0;
        cp = 0x10000 + ((cp & 0x3FF) << 10 | (low & 0x3FF));
        used = 12;
    }
    *o = put_utf8(*o, cp);
    return used;
}

/* Unescapes s[from..end) into o (room for end - from + 1 bytes: no
   escape makes its text longer). On a bad escape p->at is its offset. */
static bool unescape(parser *p, size_t from, size_t end, char *o)
{
    static const char simple[128] = {
        ['b'] = '\b', ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r',
        ['t'] = '\t', ['"'] = '"',  ['\\'] = '\\', ['/'] = '/'};
    const unsigned char *s = p->s;
    for (size_t i = from; i < end;) {
        if (s[i] != '\\') {
            *o++ = (char)s[i++];
            continue;
        }
        unsigned char c = s[i + 1]; /* the scan kept it before end */
        size_t used = 2;
        if (c == 'u')
            used = unicode(s + i, s + end, &o);
        else if (c < 128 && simple[c] != 0)
            *o++ = simple[c];
        else
            used = 0;
        if (used == 0) {
            p->at = i;
            return false;
        }
        i += used;
    }
    *o = '\0';
    return true;
}

/* The offset of the quote closing the string whose text starts at from,
   a backslash taking the byte after it along; len when there is none.
   *has_escape tells whether a backslash was seen. */
static size_t string_end(const parser *p, size_t from, bool *has_escape)
{
    const unsigned char *s = p->s, *q = memchr(s + from, '"', p->len - from);
    size_t stop = q != NULL ? (size_t)(q - s) : p->len;
    const unsigned char *b = memchr(s + from, '\\', stop - from);
    *has_escape = b != NULL;
    if (b == NULL)
        return stop;
    size_t i = (size_t)(b - s); /* no quote before the first backslash */
    while (i < p->len && s[i] != '"') {
        if (s[i] == '\\' && ++i >= p->len)
            return p->len; /* a backslash as the last byte */
        i++;
    }
    return i;
}

/* The string at p->at (which must be a quote) into *out. Failing, p->at
   is the offset after the opening quote, or that of a bad escape. */
static bool string(parser *p, char **out)
{
    size_t open = p->at;
    if (open >= p->len || p->s[open] != '"') {
        p->at = open + 1;
        return false;
    }
    bool has_escape;
    size_t close = string_end(p, open + 1, &has_escape);
    if (close >= p->len) {
        p->at = open + 1;
        return false;
    }
    size_t n = close - open - 1;
    char *o = af_arena_alloc(p->a, n + 1);
    if (o == NULL) {
        p->is_oom = true;
        return false;
    }
    if (!has_escape) {
        memcpy(o, p->s + open + 1, n);
        o[n] = '\0';
    } else if (!unescape(p, open + 1, close, o)) {
        return false;
    }
    *out = o;
    p->at = close + 1;
    return true;
}

/* ---- numbers ---- */

static bool is_number_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

/* [-]digits with at most MAX_FAST_DIGITS digits: the exact double. */
static bool fast_integer(const unsigned char *s, size_t n, double *out)
{
    bool is_neg = n > 0 && s[0] == '-';
    size_t i = is_neg;
    if (n == i || n - i > MAX_FAST_DIGITS)
        return false;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = is_neg ? -(double)v : (double)v;
    return true;
}

/* strtod over the run of number bytes (cJSON's reading: it takes the
   longest prefix strtod accepts); 0 when none. */
static size_t slow_number(parser *p, const unsigned char *s, size_t n,
                          double *out)
{
    char local[64], *buf = local;
    if (n >= sizeof local && (buf = af_arena_alloc(p->a, n + 1)) == NULL) {
        p->is_oom = true;
        return 0;
    }
    if (p->point == 0) { /* as cJSON, for strtod; MT-safe, unlike localeconv */
        const char *dp = nl_langinfo(RADIXCHAR);
        p->point = dp != NULL && dp[0] != '\0' ? dp[0] : '.';
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == '.' ? p->point : (char)s[i];
    buf[n] = '\0';
    char *stop;
    *out = strtod(buf, &stop);
    return (size_t)(stop - buf);
}

static int saturate(double d)
{
    if (d >= INT_MAX)
        return INT_MAX;
    if (d <= (double)INT_MIN)
        return INT_MIN;
    return (int)d;
}

static bool number(parser *p, cJSON *n)
{
    const unsigned char *s = p->s + p->at;
    size_t run = 0, left = p->len - p->at, used = 0;
    while (run < left && is_number_byte(s[run]))
        run++;
    double d;
    if (fast_integer(s, run, &d))
        used = run;
    else
        used = slow_number(p, s, run, &d);
    if (used == 0)
        return false;
    n->type = cJSON_Number;
    n->valuedouble = d;
    n->valueint = saturate(d);
    p->at += used;
    return true;
}

/* ---- arrays and objects ---- */

/* One member of an object at p->at: "key" : value. */
static bool member(parser *p, cJSON *n)
{
    if (!string(p, &n->string))
        return false;
    skip_ws(p);
    if (p->at >= p->len || p->s[p->at] != ':')
        return false;
    p->at++;
    skip_ws(p);
    return value(p, n);
}

/* An array or an object (is_object) at p->at, its opening bracket. */
static bool list(parser *p, cJSON *n, bool is_object)
{
    unsigned char close = is_object ? '}' : ']';
    if (p->depth >= MAX_DEPTH)
        return false;
    p->depth++;
    p->at++;
    skip_ws(p);
    cJSON *head = NULL, *last = NULL;
    if (p->at >= p->len) {
        p->at--;
        return false;
    }
    if (p->s[p->at] != close) {
        for (;;) {
            cJSON *c = new_node(p);
            if (c == NULL)
                return false;
            if (head == NULL) {
                head = c;
            } else {
                last->next = c;
                c->prev = last;
            }
            last = c;
            if (!(is_object ? member(p, c) : value(p, c)))
                return false;
            skip_ws(p);
            if (p->at >= p->len || p->s[p->at] != ',')
                break;
            p->at++;
            skip_ws(p);
        }
        if (p->at >= p->len || p->s[p->at] != close)
            return false;
        head->prev = last;
    }
    p->depth--;
    p->at++;
    n->type = is_object ? cJSON_Object : cJSON_Array;
    n->child = head;
    return true;
}

/* One value at p->at (no whitespace before it). */
static bool value(parser *p, cJSON *n)
{
    const unsigned char *s = p->s + p->at;
    size_t left = p->len - p->at;
    if (left >= 4 && memcmp(s, "null", 4) == 0) {
        n->type = cJSON_NULL;
        p->at += 4;
        return true;
    }
    if (left >= 5 && memcmp(s, "false", 5) == 0) {
        n->type = cJSON_False;
        p->at += 5;
        return true;
    }
    if (left >= 4 && memcmp(s, "true", 4) == 0) {
        n->type = cJSON_True;
        n->valueint = 1;
        p->at += 4;
        return true;
    }
    if (left == 0)
        return false;
    if (s[0] == '"') {
        n->type = cJSON_String;
        return string(p, &n->valuestring);
    }
    if (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
        return number(p, n);
    if (s[0] == '[' || s[0] == '{')
        return list(p, n, s[0] == '{');
    return false;
}

/* ---- entry points ---- */

int af_jsonarena_parse(af_arena *a, const void *text, size_t len, cJSON **out,
                       size_t *end)
{
    parser p = {.a = a, .s = text, .len = len, .next_slab = len / 2 + 1};
    if (p.next_slab > 32)
        p.next_slab = 32;
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    *out = NULL;
    bool is_ok = false;
    cJSON *root = NULL;
    if (len > 0) {
        if (len > 4 && memcmp(p.s, bom, 3) == 0)
            p.at = 3; /* cJSON skips a BOM only with 2+ bytes after it */
        skip_ws(&p);
        root = new_node(&p);
        is_ok = root != NULL && value(&p, root);
    }
    if (is_ok) {
        *out = root;
    } else if (p.at >= len) {
        p.at = len > 0 ? len - 1 : 0; /* cJSON's error offset */
    }
    if (end != NULL)
        *end = p.at;
    if (p.is_oom)
        return AF_ENOMEM;
    return is_ok ? 0 : AF_ESYNTAX;
}

cJSON *af_jsonarena_node(af_arena *a, int type)
{
    cJSON *n = af_arena_calloc(a, 1, sizeof *n);
    if (n != NULL)
        n->type = type;
    if (n != NULL && type == cJSON_True)
        n->valueint = 1;
    return n;
}

cJSON *af_jsonarena_string(af_arena *a, const char *s, size_t len)
{
    cJSON *n = af_jsonarena_node(a, cJSON_String);
    char *copy = n != NULL ? af_arena_alloc(a, len + 1) : NULL;
    if (copy == NULL)
        return NULL;
    if (len > 0)
        memcpy(copy, s, len);
    copy[len] = '\0';
    n->valuestring = copy;
    return n;
}

cJSON *af_jsonarena_number(af_arena *a, double d)
{
    cJSON *n = af_jsonarena_node(a, cJSON_Number);
    if (n != NULL) {
        n->valuedouble = d;
        n->valueint = saturate(d);
    }
    return n;
}

void af_jsonarena_append(cJSON *parent, cJSON *item)
{
    cJSON *head = parent->child;
    item->next = NULL;
    if (head == NULL) {
        parent->child = item;
        item->prev = item;
        return;
    }
    cJSON *last = head->prev;
    if (last == NULL) /* a list that did not keep cJSON's invariant */
        for (last = head; last->next != NULL; last = last->next)
            ;
    last->next = item;
    item->prev = last;
    head->prev = item;
}

bool af_jsonarena_add(af_arena *a, cJSON *obj, const char *key, cJSON *item)
{
    char *copy = af_arena_strdup(a, key);
    if (copy == NULL)
        return false;
    item->string = copy;
    af_jsonarena_append(obj, item);
    return true;
}
