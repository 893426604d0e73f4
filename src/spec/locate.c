/*
 * locate.c - af_doc_locate: from a JSON pointer back to a line and column
 * of the text, for error reports.
 *
 * The DOM stores no positions (a 4 MB spec has 200k nodes), so the text
 * is re-read on demand (a file's text is read again from the file, which
 * must still have the size it had when parsed): JSON by a small scanner that
 * walks only the members on the pointer's path and skips everything else; YAML
 * by re-parsing libyaml events, following aliases and merge keys (`<<`) back to
 * their anchors by restarting the parse, a bounded number of times. An object
 * member is reported at its key, an array element at its first character, the
 * root at 1:1, anything not found at 0:0.
 *
 * Invariants: never reads outside doc->text[0..len), never crashes on any
 * pointer or any text (a doc's text need not even be valid: reports only).
 * Columns count characters, as libyaml's marks do.
 */
#include "spec/load_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Parses of the text one YAML lookup may do (aliases and merge keys
   restart it). */
#define MAX_HOPS 16
/* Merge sources remembered per mapping on the pointer's path. */
#define MAX_MERGES 8

/* One reference token, in two readings: ~-unescaped and %XX-decoded (a
   URI fragment), and ~-unescaped only (a plain pointer whose key holds a
   '%'). A key matching either is the member. */
typedef struct token {
    const char *dec, *raw;
    size_t dec_len, raw_len;
} token;

typedef struct path {
    token *tok;
    size_t n;
    char *buf;
} path;

void af_doc_position(const char *text, size_t len, size_t off, int *line,
                     int *col)
{
    if (off > len)
        off = len;
    long l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l > INT32_MAX ? INT32_MAX : (int)l;
    *col = c > INT32_MAX ? INT32_MAX : (int)c;
}

/* ---- pointers ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out (n bytes suffice); returns the length. */
static size_t unescape(const char *s, size_t n, char *out, bool percent)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            out[k++] = s[++i] == '0' ? '~' : '/';
        } else if (percent && s[i] == '%' && i + 2 < n &&
                   hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out[k++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    return k;
}

/* Splits "#/a/b" or "/a/b" into tokens; "" and "#" are the root. */
static bool path_parse(const char *pointer, path *p)
{
    memset(p, 0, sizeof *p);
    if (pointer[0] == '#')
        pointer++;
    if (pointer[0] == '\0')
        return true;
    if (pointer[0] != '/')
        return false;
    size_t len = strlen(pointer);
    for (size_t i = 0; i < len; i++)
        p->n += pointer[i] == '/';
    p->tok = calloc(p->n != 0 ? p->n : 1, sizeof *p->tok);
    p->buf = malloc(2 * len + 1);
    if (p->tok == NULL || p->buf == NULL)
        return false;
    char *out = p->buf;
    const char *s = pointer + 1;
    for (size_t t = 0; t < p->n; t++) {
        const char *slash = strchr(s, '/');
        size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
        p->tok[t].dec = out;
        p->tok[t].dec_len = unescape(s, n, out, true);
        out += p->tok[t].dec_len;
        p->tok[t].raw = out;
        p->tok[t].raw_len = unescape(s, n, out, false);
        out += p->tok[t].raw_len;
        s += n + 1;
    }
    return true;
}

static void path_free(path *p)
{
    free(p->tok);
    free(p->buf);
}

/* An array index token: digits only, no sign. */
static bool token_index(const token *t, size_t *out)
{
    if (t->raw_len == 0 || t->raw_len > 18)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < t->raw_len; i++) {
        if (t->raw[i] < '0' || t->raw[i] > '9')
            return false;
        v = v * 10 + (size_t)(t->raw[i] - '0');
    }
    *out = v;
    return true;
}

static bool token_equals(const token *t, const char *s, size_t n)
{
    return (n == t->dec_len && memcmp(s, t->dec, n) == 0) ||
           (n == t->raw_len && memcmp(s, t->raw, n) == 0);
}

/* ---- JSON ---- */

typedef struct scan {
    const char *p, *end;
} scan;

/* Whitespace as cJSON sees it: every byte up to ' ' (so a stray control
   character between tokens, which cJSON accepts, is skipped here too). */
static void skip_ws(scan *s)
{
    while (s->p < s->end && (unsigned char)*s->p <= ' ')
        s->p++;
}

static bool skip_string(scan *s)
{
    for (s->p++; s->p < s->end; s->p++) {
        if (*s->p == '\\')
            s->p++;
        else if (*s->p == '"')
            return s->p++, true;
    }
    return false;
}

static bool skip_value(scan *s)
{
    if (s->p >= s->end)
        return false;
    if (*s->p == '"')
        return skip_string(s);
    if (*s->p != '{' && *s->p != '[') {
        while (s->p < s->end && (unsigned char)*s->p > ' ' &&
               strchr(",}]", *s->p) == NULL)
            s->p++;
        return true;
    }
    size_t depth = 0;
    while (s->p < s->end) {
        char c = *s->p;
        if (c == '"') {
            if (!skip_string(s))
                return false;
            continue;
        }
        s->p++;
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return true;
    }
    return false;
}

static int hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Compares decoded bytes, as they come, with both readings of a token. */
typedef struct cmp {
    const token *t;
    size_t k;
    bool dec, raw;
} cmp;

static void cmp_byte(cmp *c, unsigned char b)
{
    c->dec =
        c->dec && c->k < c->t->dec_len && (unsigned char)c->t->dec[c->k] == b;
    c->raw =
        c->raw && c->k < c->t->raw_len && (unsigned char)c->t->raw[c->k] == b;
    c->k++;
}

static void cmp_code_point(cmp *c, unsigned long cp)
{
    if (cp < 0x80) {
        cmp_byte(c, (unsigned char)cp);
        return;
    }
    int n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    cmp_byte(c, (unsigned char)(lead[n] | (cp >> (6 * (n - 1)))));
    for (int i = n - 2; i >= 0; i--)
        cmp_byte(c, (unsigned char)(0x80 | ((cp >> (6 * i)) & 0x3F)));
}

static int simple_escape(char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}

/* s->p is at the 'u' of \uXXXX: reads it (and a low surrogate after a
   high one), leaving s->p on the last hex digit. */
static bool read_u_escape(scan *s, unsigned long *cp)
{
    int v = hex4(s->p + 1, s->end);
    if (v < 0)
        return false;
    s->p += 4;
    *cp = (unsigned long)v;
    if (v < 0xD800 || v >= 0xDC00 || s->end - s->p < 7 || s->p[1] != '\\' ||
        s->p[2] != 'u')
        return true;
    int lo = hex4(s->p + 3, s->end);
    if (lo >= 0xDC00 && lo < 0xE000) {
        *cp = 0x10000 + (((unsigned long)v - 0xD800) << 10) +
              ((unsigned long)lo - 0xDC00);
        s->p += 6;
    }
    return true;
}

/* Reads the JSON string at s->p (a key); *ok tells whether it was well
   formed, the result whether its decoded bytes equal the token. */
static bool key_equals(scan *s, const token *t, bool *ok)
{
    cmp c = {t, 0, true, true};
    *ok = false;
    for (s->p++; s->p < s->end; s->p++) {
        char ch = *s->p;
        if (ch == '"') {
            s->p++;
            *ok = true;
            return (c.dec && c.k == t->dec_len) || (c.raw && c.k == t->raw_len);
        }
        if (ch != '\\') {
            cmp_byte(&c, (unsigned char)ch);
            continue;
        }
        if (++s->p >= s->end)
            return false;
        unsigned long cp;
        if (*s->p == 'u') {
            if (!read_u_escape(s, &cp))
                return false;
            cmp_code_point(&c, cp);
            continue;
        }
        int e = simple_escape(*s->p);
        if (e < 0)
            return false;
        cmp_byte(&c, (unsigned char)e);
    }
    return false;
}

/* s->p is at '{': moves to the value of the nth member named t, setting
 *at to its key. */
static bool json_member(scan *s, const token *t, int nth, const char **at)
{
    s->p++;
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return false;
        const char *key = s->p;
        bool ok;
        bool match = key_equals(s, t, &ok);
        skip_ws(s);
        if (!ok || s->p >= s->end || *s->p != ':')
            return false;
        s->p++;
        skip_ws(s);
        if (match && --nth <= 0) {
            *at = key;
            return true;
        }
        if (!skip_value(s))
            return false;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ',')
            return false;
        s->p++;
    }
}

static bool json_element(scan *s, const token *t, const char **at)
{
    size_t index;
    if (!token_index(t, &index))
        return false;
    s->p++;
    skip_ws(s);
    for (size_t i = 0; i < index; i++) {
        if (!skip_value(s))
            return false;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ',')
            return false;
        s->p++;
        skip_ws(s);
    }
    if (s->p >= s->end || *s->p == ']')
        return false;
    *at = s->p;
    return true;
}

static void locate_json(const af_doc *doc, const path *p, int nth, int *line,
                        int *col)
{
    scan s = {doc->text, doc->text + doc->len};
    if (doc->len >= 3 && memcmp(s.p, "\xEF\xBB\xBF", 3) == 0)
        s.p += 3;
    const char *at = s.p;
    for (size_t i = 0; i < p->n; i++) {
        skip_ws(&s);
        if (s.p >= s.end)
            return;
        bool found = false;
        if (*s.p == '{')
            found = json_member(&s, &p->tok[i], i + 1 == p->n ? nth : 1, &at);
        else if (*s.p == '[')
            found = json_element(&s, &p->tok[i], &at);
        if (!found)
            return;
    }
    af_doc_position(doc->text, doc->len, (size_t)(at - doc->text), line, col);
}

/* ---- YAML ---- */

/* A libyaml event stream over doc's text; ev is event number count - 1. */
typedef struct ywalk {
    yaml_parser_t parser;
    yaml_event_t ev;
    bool is_open, has_ev;
    size_t count;
} ywalk;

static bool yw_open(ywalk *w, const af_doc *doc)
{
    memset(w, 0, sizeof *w);
    if (!yaml_parser_initialize(&w->parser))
        return false;
    w->is_open = true;
    yaml_parser_set_input_string(&w->parser, (const unsigned char *)doc->text,
                                 doc->len);
    return true;
}

static void yw_close(ywalk *w)
{
    if (w->has_ev)
        yaml_event_delete(&w->ev);
    if (w->is_open)
        yaml_parser_delete(&w->parser);
}

static bool yw_next(ywalk *w)
{
    if (w->has_ev) {
        if (w->ev.type == YAML_STREAM_END_EVENT)
            return false;
        yaml_event_delete(&w->ev);
        w->has_ev = false;
    }
    if (!yaml_parser_parse(&w->parser, &w->ev))
        return false;
    w->has_ev = true;
    w->count++;
    return true;
}

static bool is_node_start(const yaml_event_t *ev)
{
    return ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
           ev->type == YAML_SEQUENCE_START_EVENT ||
           ev->type == YAML_MAPPING_START_EVENT;
}

/* Moves to event number index, or to the root node when index is 0. */
static bool yw_seek(ywalk *w, size_t index)
{
    while (yw_next(w)) {
        if (index == 0 ? is_node_start(&w->ev) : w->count - 1 == index)
            return true;
    }
    return false;
}

/* The current event starts a node: moves to its last event. */
static bool yw_skip(ywalk *w)
{
    size_t depth = 0;
    do {
        yaml_event_type_t type = w->ev.type;
        if (type == YAML_SEQUENCE_START_EVENT ||
            type == YAML_MAPPING_START_EVENT)
            depth++;
        else if (type == YAML_SEQUENCE_END_EVENT ||
                 type == YAML_MAPPING_END_EVENT)
            depth--;
        if (depth == 0)
            return true;
    } while (yw_next(w));
    return false;
}

static const char *event_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return (const char *)ev->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return (const char *)ev->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT:
        return (const char *)ev->data.mapping_start.anchor;
    default:
        return NULL;
    }
}

/* The event number of the last node anchored as name before character
   index before (the alias), or 0. */
static size_t find_anchor(const af_doc *doc, const char *name, size_t before)
{
    ywalk w;
    size_t found = 0;
    if (yw_open(&w, doc)) {
        while (yw_next(&w) && w.ev.start_mark.index < before) {
            const char *anchor = event_anchor(&w.ev);
            if (anchor != NULL && strcmp(anchor, name) == 0)
                found = w.count - 1;
        }
    }
    yw_close(&w);
    return found;
}

static bool yaml_follow(const af_doc *doc, const path *p, size_t i,
                        size_t start, int *hops, yaml_mark_t *at);

/* The current event is the value of a merge key: notes where each merged
   mapping (or alias to one) starts, and moves past the value. */
static bool note_merges(ywalk *w, size_t *merges, size_t *n)
{
    if (w->ev.type != YAML_SEQUENCE_START_EVENT) {
        if (*n < MAX_MERGES)
            merges[(*n)++] = w->count - 1;
        return yw_skip(w);
    }
    while (yw_next(w) && w->ev.type != YAML_SEQUENCE_END_EVENT) {
        if (*n < MAX_MERGES)
            merges[(*n)++] = w->count - 1;
        if (!yw_skip(w))
            return false;
    }
    return w->has_ev && w->ev.type == YAML_SEQUENCE_END_EVENT;
}

enum { NOT_FOUND, AT_VALUE, RESOLVED };

/* The current event starts a mapping: moves to the value of the member
   named by token i (AT_VALUE, *at set to its key), or finds it through a
   merge key (RESOLVED: *at is the final answer). */
static int walk_mapping(ywalk *w, const af_doc *doc, const path *p, size_t i,
                        int *hops, yaml_mark_t *at)
{
    size_t merges[MAX_MERGES], n_merges = 0;
    while (yw_next(w) && w->ev.type != YAML_MAPPING_END_EVENT) {
        yaml_mark_t key_mark = w->ev.start_mark;
        bool match = false, merge = false;
        if (w->ev.type == YAML_SCALAR_EVENT) {
            match = token_equals(&p->tok[i], (char *)w->ev.data.scalar.value,
                                 w->ev.data.scalar.length);
            merge = af_doc_yaml_is_merge_key(&w->ev);
        } else if (!yw_skip(w)) {
            return NOT_FOUND;
        }
        if (!yw_next(w))
            return NOT_FOUND;
        if (match) {
            *at = key_mark;
            return AT_VALUE;
        }
        if (!(merge ? note_merges(w, merges, &n_merges) : yw_skip(w)))
            return NOT_FOUND;
    }
    for (size_t k = 0; k < n_merges; k++)
        if (yaml_follow(doc, p, i, merges[k], hops, at))
            return RESOLVED;
    return NOT_FOUND;
}

static bool walk_sequence(ywalk *w, const token *t, yaml_mark_t *at)
{
    size_t index;
    if (!token_index(t, &index))
        return false;
    for (size_t k = 0;; k++) {
        if (!yw_next(w) || w->ev.type == YAML_SEQUENCE_END_EVENT)
            return false;
        if (k == index) {
            *at = w->ev.start_mark;
            return true;
        }
        if (!yw_skip(w))
            return false;
    }
}

/* Follows tokens i.. from the node at the current event. */
static bool yaml_walk(ywalk *w, const af_doc *doc, const path *p, size_t i,
                      int *hops, yaml_mark_t *at)
{
    for (; i < p->n; i++) {
        if (w->ev.type == YAML_ALIAS_EVENT) {
            if (*hops <= 0)
                return false;
            size_t target =
                find_anchor(doc, (const char *)w->ev.data.alias.anchor,
                            w->ev.start_mark.index);
            return target != 0 && yaml_follow(doc, p, i, target, hops, at);
        }
        if (w->ev.type == YAML_SEQUENCE_START_EVENT) {
            if (!walk_sequence(w, &p->tok[i], at))
                return false;
            continue;
        }
        if (w->ev.type != YAML_MAPPING_START_EVENT)
            return false;
        int r = walk_mapping(w, doc, p, i, hops, at);
        if (r != AT_VALUE)
            return r == RESOLVED;
    }
    return true;
}

/* Follows tokens i.. from event number start (0: the root). Every call
   spends one of the lookup's *hops, so hostile merge chains stay cheap. */
static bool yaml_follow(const af_doc *doc, const path *p, size_t i,
                        size_t start, int *hops, yaml_mark_t *at)
{
    if (*hops <= 0)
        return false;
    --*hops;
    ywalk w;
    bool found = yw_open(&w, doc) && yw_seek(&w, start) &&
                 yaml_walk(&w, doc, p, i, hops, at);
    yw_close(&w);
    return found;
}

/* ---- entry points ---- */

static void locate_in_text(const af_doc *doc, const char *pointer, int nth,
                           int *line, int *col)
{
    path p;
    if (path_parse(pointer, &p)) {
        if (p.n == 0) {
            *line = *col = 1;
        } else if (doc->format == AF_DOC_JSON) {
            locate_json(doc, &p, nth, line, col);
        } else {
            yaml_mark_t at;
            int hops = MAX_HOPS;
            if (yaml_follow(doc, &p, 0, 0, &hops, &at) && at.line < INT32_MAX &&
                at.column < INT32_MAX) {
                *line = (int)at.line + 1;
                *col = (int)at.column + 1;
            }
        }
    }
    path_free(&p);
}

/* A file's text was let go after parsing: read it again. */
static void locate_in_file(const af_doc *doc, const char *pointer, int nth,
                           int *line, int *col)
{
    af_doc again = *doc;
    if (af_doc_read_file(doc->name, &again.text, &again.len) != 0)
        return;
    if (again.len == doc->len) /* else it changed: positions would lie */
        locate_in_text(&again, pointer, nth, line, col);
    free(again.text);
}

void af_doc_locate_nth(const af_doc *doc, const char *pointer, int nth,
                       int *line, int *col)
{
    int ignored_line, ignored_col;
    if (line == NULL)
        line = &ignored_line;
    if (col == NULL)
        col = &ignored_col;
    *line = *col = 0;
    if (doc == NULL || pointer == NULL)
        return;
    if (doc->text != NULL)
        locate_in_text(doc, pointer, nth, line, col);
    else if (doc->name != NULL)
        locate_in_file(doc, pointer, nth, line, col);
}

void af_doc_locate(const af_doc *doc, const char *pointer, int *line, int *col)
{
    af_doc_locate_nth(doc, pointer, 1, line, col);
}
