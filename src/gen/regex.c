/*
 * regex.c - parsing an ECMA-262 pattern into a generation program (see
 * regex.h for the syntax accepted, regex_prog.h for the program).
 *
 * One recursive-descent pass builds the node tree bottom-up, so each
 * node's facts (shortest and longest match, nullability) are known when
 * its parent is made, and alternatives are sorted shortest first (choice
 * 0 is the shortest match). Character classes are computed twice, as
 * ECMA-262 and as PCRE2 read them, and intersected, so every member is a
 * match under both. Work buffers are malloc'd and freed before return; the
 * finished program is copied compactly into the model's arena.
 *
 * Runs once per pattern at model load; tuned for small patterns but
 * bounded for hostile ones (source length, nesting depth, no quadratic
 * steps on long alternations).
 */
#include "gen/regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/regex_prog.h"
#include "util/error.h"

/* ---- the parser ---- */

typedef struct name_def {
    const char *name;
    size_t len;
    uint32_t group;
} name_def;

typedef struct ref_use {
    uint32_t node;
    size_t at;        /* offset in the source, for messages */
    const char *name; /* \k<name>; NULL for \N */
    size_t name_len;
} ref_use;

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    int code; /* first error, 0 none */
    char *err;
    size_t err_cap;
    unsigned depth;
    rx_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *stack; /* kids being collected */
    size_t n_stack, cap_stack;
    uint32_t *kids;
    size_t n_kids, cap_kids;
    rx_ranges *sets;
    size_t n_sets, cap_sets;
    name_def *names;
    size_t n_names, cap_names;
    ref_use *refs;
    size_t n_refs, cap_refs;
    uint32_t n_groups;
    bool has_bol, has_eol, has_wordb, has_look;
} parser;

static int perr(parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(parser *p, int code, const char *fmt, ...)
{
    if (p->code != 0)
        return p->code;
    p->code = code;
    if (p->err != NULL && p->err_cap > 0) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->err_cap, "%s at offset %zu", msg, p->pos);
    }
    return code;
}

/* arr (a malloc'd array of *cap elements) with room for need: grown, or
   unchanged with p->code set when out of memory. */
static void *grow(parser *p, void *arr, size_t need, size_t *cap, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t ncap = *cap != 0 ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *a = realloc(arr, ncap * elem);
    if (a == NULL) {
        perr(p, AF_ENOMEM, "out of memory");
        return arr;
    }
    *cap = ncap;
    return a;
}

/* True when p->field has room for need elements (and no error is set). */
#define RESERVE(p, field, need, cap)                                           \
    ((p)->field =                                                              \
         grow((p), (p)->field, (need), &(p)->cap, sizeof *(p)->field),         \
     (p)->code == 0)

static inline uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a >= RX_INF - b ? RX_INF : a + b;
}

static inline uint32_t sat_mul(uint32_t a, uint32_t b)
{
    if (a == 0 || b == 0)
        return 0;
    return a >= RX_INF / b ? RX_INF : a * b;
}

static uint32_t new_node(parser *p, enum rx_op op, uint32_t x, uint32_t y,
                         uint32_t z)
{
    if (p->code != 0 || !RESERVE(p, nodes, p->n_nodes + 1, cap_nodes))
        return 0;
    rx_node *n = &p->nodes[p->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = (uint8_t)op;
    n->x = x;
    n->y = y;
    n->z = z;
    n->is_nullable = op == RX_EMPTY;
    n->min_len = op == RX_CHAR ? 1 : 0;
    n->max_len = op == RX_CHAR ? 1 : op == RX_BACKREF ? RX_INF : 0;
    return (uint32_t)p->n_nodes++;
}

static void push(parser *p, uint32_t node)
{
    if (p->code == 0 && RESERVE(p, stack, p->n_stack + 1, cap_stack))
        p->stack[p->n_stack++] = node;
}

static uint32_t set_node(parser *p, rx_ranges members)
{
    if (members.is_oom)
        perr(p, AF_ENOMEM, "out of memory");
    if (p->code != 0 || !RESERVE(p, sets, p->n_sets + 1, cap_sets)) {
        free(members.r);
        return 0;
    }
    p->sets[p->n_sets++] = members;
    uint32_t id = new_node(p, RX_SET, (uint32_t)p->n_sets - 1, 0, 0);
    if (p->code == 0) {
        p->nodes[id].min_len = members.n > 0 ? 1 : RX_INF;
        p->nodes[id].max_len = members.n > 0 ? 1 : 0;
    }
    return id;
}

static uint32_t rep_node(parser *p, uint32_t child, uint32_t min, uint32_t max)
{
    uint32_t id = new_node(p, RX_REP, child, min, max);
    if (p->code != 0)
        return 0;
    const rx_node *ch = &p->nodes[child];
    rx_node *n = &p->nodes[id];
    n->is_nullable = min == 0 || ch->is_nullable;
    if (ch->min_len == RX_INF) {
        n->min_len = min == 0 ? 0 : RX_INF;
        n->max_len = 0;
        return id;
    }
    /* X{n} = X{0,n} when X matches "" freely, so its minimum is 0 */
    n->min_len = ch->is_nullable ? 0 : sat_mul(ch->min_len, min);
    if (max == 0 || ch->max_len == 0)
        n->max_len = 0;
    else if (max == RX_INF || ch->max_len == RX_INF)
        n->max_len = RX_INF;
    else
        n->max_len = sat_mul(ch->max_len, max);
    return id;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the kids on the stack from base by shortest match, stably. */
static void sort_by_min_len(parser *p, size_t base)
{
    size_t count = p->n_stack - base;
    uint64_t *keys = malloc(count * sizeof *keys);
    if (keys == NULL) {
        perr(p, AF_ENOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++)
        keys[i] = (uint64_t)p->nodes[p->stack[base + i]].min_len << 32 | i;
    qsort(keys, count, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < count; i++)
        keys[i] = p->stack[base + (keys[i] & 0xffffffffu)];
    for (size_t i = 0; i < count; i++)
        p->stack[base + i] = (uint32_t)keys[i];
    free(keys);
}

static void list_facts(parser *p, rx_node *n)
{
    bool is_cat = n->op == RX_CAT;
    n->min_len = is_cat ? 0 : RX_INF;
    n->max_len = 0;
    n->is_nullable = is_cat;
    for (uint32_t i = 0; i < n->y; i++) {
        const rx_node *k = &p->nodes[p->kids[n->x + i]];
        if (is_cat) {
            n->min_len = sat_add(n->min_len, k->min_len);
            n->max_len = sat_add(n->max_len, k->max_len);
            n->is_nullable &= k->is_nullable;
        } else {
            n->min_len = k->min_len < n->min_len ? k->min_len : n->min_len;
            n->max_len = k->max_len > n->max_len ? k->max_len : n->max_len;
            n->is_nullable |= k->is_nullable;
        }
    }
}

/* Pops the kids pushed since base into a CAT or ALT node (a single kid
   stands for itself, none is EMPTY). */
static uint32_t list_node(parser *p, size_t base, enum rx_op op)
{
    size_t count = p->n_stack - base;
    if (p->code != 0 || count <= 1) {
        uint32_t only = count == 1 ? p->stack[base] : 0;
        p->n_stack = base;
        return count == 1 || p->code != 0 ? only
                                          : new_node(p, RX_EMPTY, 0, 0, 0);
    }
    if (op == RX_ALT)
        sort_by_min_len(p, base);
    if (!RESERVE(p, kids, p->n_kids + count, cap_kids))
        return 0;
    memcpy(p->kids + p->n_kids, p->stack + base, count * sizeof *p->kids);
    p->n_stack = base;
    uint32_t id = new_node(p, op, (uint32_t)p->n_kids, (uint32_t)count, 0);
    p->n_kids += count;
    if (p->code == 0)
        list_facts(p, &p->nodes[id]);
    return id;
}

/* ---- lexical pieces ---- */

static inline int peek(const parser *p, size_t ahead)
{
    return p->pos + ahead < p->len ? p->s[p->pos + ahead] : -1;
}

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* n hex digits at pos (advancing), or -1. */
static long hex_digits(parser *p, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        int d = hex_value(peek(p, 0));
        if (d < 0)
            return -1;
        v = v * 16 + d;
        p->pos++;
    }
    return v;
}

/* Decodes one UTF-8 code point at pos (advancing); -1 when invalid. */
static long utf8_next(parser *p)
{
    const unsigned char *s = p->s + p->pos;
    size_t left = p->len - p->pos;
    unsigned b = s[0];
    size_t n = b < 0x80                ? 1
               : b >= 0xc2 && b < 0xe0 ? 2
               : b >= 0xe0 && b < 0xf0 ? 3
               : b >= 0xf0 && b < 0xf5 ? 4
                                       : 0;
    if (n == 0 || n > left)
        return -1;
    long cp = n == 1 ? (long)b : (long)(b & (0xff >> (n + 1)));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const long min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_of[n] || cp > (long)RX_MAX_CP ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    p->pos += n;
    return cp;
}

static long literal_cp(parser *p)
{
    long cp = utf8_next(p);
    if (cp < 0)
        perr(p, AF_ESPEC, "invalid UTF-8");
    return cp;
}

/* \u escapes after the 'u': {H...}, HHHH, or a surrogate pair. */
static long unicode_escape(parser *p)
{
    if (peek(p, 0) == '{') {
        p->pos++;
        long v = 0;
        size_t start = p->pos;
        while (hex_value(peek(p, 0)) >= 0 && v <= (long)RX_MAX_CP)
            v = v * 16 + hex_value(p->s[p->pos++]);
        if (p->pos == start || peek(p, 0) != '}' || v > (long)RX_MAX_CP)
            return perr(p, AF_ESPEC, "invalid \\u{...} escape"), -1;
        p->pos++;
        if (v >= 0xd800 && v <= 0xdfff)
            return perr(p, AF_ESPEC, "lone surrogate \\u{%lx}", v), -1;
        return v;
    }
    long hi = hex_digits(p, 4);
    if (hi < 0)
        return perr(p, AF_ESPEC, "\\u needs 4 hex digits"), -1;
    if (hi >= 0xd800 && hi <= 0xdbff && peek(p, 0) == '\\' &&
        peek(p, 1) == 'u') {
        size_t save = p->pos;
        p->pos += 2;
        long lo = hex_digits(p, 4);
        if (lo >= 0xdc00 && lo <= 0xdfff)
            return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
        p->pos = save;
    }
    if (hi >= 0xd800 && hi <= 0xdfff)
        return perr(p, AF_ESPEC, "lone surrogate \\u%04lx", hi), -1;
    return hi;
}

/* A character escape, pos just after the backslash; -1 on error. */
static long char_escape(parser *p, bool in_class)
{
    int ch = peek(p, 0);
    if (ch < 0)
        return perr(p, AF_ESPEC, "\\ at end of pattern"), -1;
    static const char simple[] = "t\tn\nr\rv\vf\f";
    for (const char *e = simple; *e != '\0'; e += 2)
        if (ch == e[0]) {
            p->pos++;
            return (unsigned char)e[1];
        }
    if (ch == '0') {
        p->pos++;
        if (peek(p, 0) >= '0' && peek(p, 0) <= '9')
            return perr(p, AF_ESPEC, "octal escapes are not allowed"), -1;
        return 0;
    }
    if (ch == 'x') {
        p->pos++;
        long v = hex_digits(p, 2);
        return v >= 0 ? v : (perr(p, AF_ESPEC, "\\x needs 2 hex digits"), -1);
    }
    if (ch == 'u') {
        p->pos++;
        return unicode_escape(p);
    }
    if (ch == 'c') {
        int x = peek(p, 1);
        if ((x | 0x20) >= 'a' && (x | 0x20) <= 'z') {
            p->pos += 2;
            return x % 32;
        }
        return perr(p, AF_ESPEC, "\\c needs a letter"), -1;
    }
    if (in_class && (ch == 'b' || ch == '-')) {
        p->pos++;
        return ch == 'b' ? 8 : '-';
    }
    if (ch < 0x80 && ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
        return perr(p, AF_ESPEC, "invalid escape \\%c", ch), -1;
    if (ch >= '0' && ch <= '9')
        return perr(p, AF_ESPEC, "invalid escape \\%c", ch), -1;
    return literal_cp(p); /* an escaped syntax or other character */
}

/* ---- character classes ---- */

/* One class atom: a code point (>= 0) or, with *kind set, \d-like. */
static long class_atom(parser *p, char *kind)
{
    *kind = 0;
    if (peek(p, 0) != '\\')
        return literal_cp(p);
    p->pos++;
    int ch = peek(p, 0);
    if (ch >= 0 && strchr("dDwWsS", ch) != NULL) {
        p->pos++;
        *kind = (char)ch;
        return 0;
    }
    if (ch == 'p' || ch == 'P')
        return perr(p, AF_EUNSUPPORTED, "\\%c{...} is not supported", ch), -1;
    if (ch >= '1' && ch <= '9')
        return perr(p, AF_ESPEC, "backreference in a class"), -1;
    if (ch == 'B')
        return perr(p, AF_ESPEC, "\\B in a class"), -1;
    return char_escape(p, true);
}

/* One item (a code point, a range or \d-like) added to cs. */
static void class_item(parser *p, rx_class *cs)
{
    char kind;
    long lo = class_atom(p, &kind);
    if (p->code != 0)
        return;
    if (peek(p, 0) != '-' || peek(p, 1) == ']' || peek(p, 1) < 0) {
        if (kind != 0)
            af_regex_class_escape(cs, kind);
        else
            af_regex_class_add(cs, (uint32_t)lo, (uint32_t)lo);
        return;
    }
    p->pos++;
    char kind2;
    long hi = class_atom(p, &kind2);
    if (p->code != 0)
        return;
    if (kind != 0 || kind2 != 0)
        perr(p, AF_ESPEC, "invalid range in character class");
    else if (lo > hi)
        perr(p, AF_ESPEC, "range out of order in character class");
    else
        af_regex_class_add(cs, (uint32_t)lo, (uint32_t)hi);
}

static uint32_t parse_class(parser *p)
{
    p->pos++; /* [ */
    bool is_negated = peek(p, 0) == '^';
    if (is_negated)
        p->pos++;
    rx_class cs = {{0}, {0}};
    while (p->code == 0 && peek(p, 0) >= 0 && peek(p, 0) != ']')
        class_item(p, &cs);
    if (p->code == 0 && peek(p, 0) != ']')
        perr(p, AF_ESPEC, "missing ]");
    p->pos++;
    rx_ranges members = af_regex_class_finish(&cs, is_negated);
    return set_node(p, members);
}

static uint32_t escape_set(parser *p, char kind)
{
    rx_class cs = {{0}, {0}};
    af_regex_class_escape(&cs, kind);
    return set_node(p, af_regex_class_finish(&cs, false));
}

/* ---- atoms, quantifiers, groups ---- */

static uint32_t parse_alt(parser *p);

/* Reads {n}, {n,} or {n,m} at pos into *min, *max when it is one
   (advancing); otherwise leaves pos and returns false (a literal {). */
static bool brace_quantifier(parser *p, uint32_t *min, uint32_t *max)
{
    size_t at = p->pos + 1;
    uint32_t v[2] = {0, 0};
    int n_digits = 0;
    bool has_comma = false;
    for (; at < p->len; at++) {
        int ch = p->s[at];
        if (ch >= '0' && ch <= '9') {
            uint32_t *d = &v[has_comma];
            *d = *d >= (RX_INF - 1) / 10 ? RX_INF - 1 : *d * 10 + (ch - '0');
            n_digits++;
        } else if (ch == ',' && !has_comma && n_digits > 0) {
            has_comma = true;
            n_digits = 0;
        } else {
            break;
        }
    }
    if (at >= p->len || p->s[at] != '}' || (!has_comma && n_digits == 0))
        return false;
    *min = v[0];
    *max = !has_comma ? v[0] : n_digits > 0 ? v[1] : RX_INF;
    p->pos = at + 1;
    return true;
}

static bool quantifier(parser *p, uint32_t *min, uint32_t *max)
{
    switch (peek(p, 0)) {
    case '*':
        *min = 0, *max = RX_INF;
        break;
    case '+':
        *min = 1, *max = RX_INF;
        break;
    case '?':
        *min = 0, *max = 1;
        break;
    case '{':
        return brace_quantifier(p, min, max);
    default:
        return false;
    }
    p->pos++;
    return true;
}

/* A group name up to '>' (pos after '<'); false when invalid. */
static bool group_name(parser *p, const char **name, size_t *len)
{
    size_t start = p->pos;
    while (peek(p, 0) >= 0 && peek(p, 0) != '>') {
        int ch = peek(p, 0);
        bool is_id = ch == '_' || ch == '$' || ch >= 0x80 ||
                     ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
                     (ch >= '0' && ch <= '9' && p->pos > start);
        if (!is_id)
            return false;
        p->pos++;
    }
    if (peek(p, 0) != '>' || p->pos == start)
        return false;
    *name = (const char *)p->s + start;
    *len = p->pos - start;
    p->pos++;
    return true;
}

static void define_name(parser *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->n_names; i++)
        if (p->names[i].len == len &&
            memcmp(p->names[i].name, name, len) == 0) {
            perr(p, AF_ESPEC, "duplicate group name");
            return;
        }
    if (RESERVE(p, names, p->n_names + 1, cap_names))
        p->names[p->n_names++] = (name_def){name, len, p->n_groups};
}

enum group_kind { GROUP_CAPTURE, GROUP_PLAIN, GROUP_LOOK };

/* After "(?": what kind of group (a named one is numbered here). */
static enum group_kind group_kind(parser *p, bool *is_quantifiable,
                                  uint32_t *look)
{
    int a = peek(p, 0), b = peek(p, 1);
    *look = (a == '<' ? RX_LOOK_BEHIND : 0) |
            (a == '!' || b == '!' ? RX_LOOK_NEGATIVE : 0);
    if (a == ':') {
        p->pos++;
        return GROUP_PLAIN;
    }
    if (a == '=' || a == '!' || (a == '<' && (b == '=' || b == '!'))) {
        p->pos += a == '<' ? 2 : 1;
        *is_quantifiable = a != '<'; /* Annex B: lookaheads only */
        p->has_look = true;
        return GROUP_LOOK;
    }
    const char *name;
    size_t len;
    if (a == '<') {
        p->pos++;
        p->n_groups++;
        if (group_name(p, &name, &len))
            define_name(p, name, len);
        else
            perr(p, AF_ESPEC, "invalid group name");
        return GROUP_CAPTURE;
    }
    perr(p, AF_ESPEC, "invalid group (?%c", a > 0 ? a : '?');
    return GROUP_PLAIN;
}

static uint32_t parse_group(parser *p, bool *is_quantifiable)
{
    p->pos++; /* ( */
    if (++p->depth > AF_REGEX_MAX_DEPTH)
        return perr(p, AF_ELIMIT, "groups nested deeper than %d",
                    AF_REGEX_MAX_DEPTH),
               0;
    enum group_kind kind = GROUP_CAPTURE;
    uint32_t look = 0;
    if (peek(p, 0) == '?') {
        p->pos++;
        kind = group_kind(p, is_quantifiable, &look);
    } else {
        p->n_groups++;
    }
    uint32_t number = p->n_groups;
    uint32_t child = parse_alt(p);
    if (p->code == 0 && peek(p, 0) != ')')
        perr(p, AF_ESPEC, "missing )");
    p->pos++;
    p->depth--;
    if (p->code != 0 || kind == GROUP_PLAIN)
        return child;
    if (kind == GROUP_LOOK)
        return new_node(p, RX_LOOK, child, look, 0);
    uint32_t id = new_node(p, RX_GROUP, child, number, 0);
    if (p->code == 0) {
        p->nodes[id].min_len = p->nodes[child].min_len;
        p->nodes[id].max_len = p->nodes[child].max_len;
        p->nodes[id].is_nullable = p->nodes[child].is_nullable;
    }
    return id;
}

static uint32_t backref(parser *p, const char *name, size_t name_len,
                        uint32_t number)
{
    size_t at = p->pos;
    uint32_t id = new_node(p, RX_BACKREF, number, 0, 0);
    if (RESERVE(p, refs, p->n_refs + 1, cap_refs))
        p->refs[p->n_refs++] = (ref_use){id, at, name, name_len};
    return id;
}

/* An escape outside a class, pos at the backslash. */
static uint32_t atom_escape(parser *p, bool *is_quantifiable)
{
    p->pos++;
    int ch = peek(p, 0);
    if (ch == 'b' || ch == 'B') {
        p->pos++;
        *is_quantifiable = false;
        p->has_wordb = true;
        return new_node(p, ch == 'b' ? RX_WORDB : RX_NWORDB, 0, 0, 0);
    }
    if (ch >= 0 && strchr("dDwWsS", ch) != NULL) {
        p->pos++;
        return escape_set(p, (char)ch);
    }
    if (ch >= '1' && ch <= '9') {
        uint32_t n = 0;
        while (peek(p, 0) >= '0' && peek(p, 0) <= '9') {
            n = n > 100000 ? n : n * 10 + (uint32_t)(p->s[p->pos] - '0');
            p->pos++;
        }
        return backref(p, NULL, 0, n);
    }
    if (ch == 'k') {
        const char *name;
        size_t len;
        p->pos++;
        bool is_ok = peek(p, 0) == '<';
        p->pos += is_ok;
        if (!is_ok || !group_name(p, &name, &len))
            return perr(p, AF_ESPEC, "invalid \\k<name>"), 0;
        return backref(p, name, len, 0);
    }
    if (ch == 'p' || ch == 'P')
        return perr(p, AF_EUNSUPPORTED, "\\%c{...} is not supported", ch), 0;
    long cp = char_escape(p, false);
    return cp < 0 ? 0 : new_node(p, RX_CHAR, (uint32_t)cp, 0, 0);
}

static uint32_t parse_atom(parser *p, bool *is_quantifiable)
{
    *is_quantifiable = true;
    uint32_t min, max;
    switch (peek(p, 0)) {
    case '(':
        return parse_group(p, is_quantifiable);
    case '[':
        return parse_class(p);
    case '.': {
        p->pos++;
        rx_class cs = {{0}, {0}};
        af_regex_class_dot(&cs);
        return set_node(p, af_regex_class_finish(&cs, false));
    }
    case '^':
    case '$':
        *is_quantifiable = false;
        p->has_bol |= peek(p, 0) == '^';
        p->has_eol |= peek(p, 0) == '$';
        return new_node(p, p->s[p->pos++] == '^' ? RX_BOL : RX_EOL, 0, 0, 0);
    case '\\':
        return atom_escape(p, is_quantifiable);
    case '*':
    case '+':
    case '?':
        return perr(p, AF_ESPEC, "nothing to repeat"), 0;
    case '{': {
        size_t save = p->pos;
        if (brace_quantifier(p, &min, &max)) {
            p->pos = save;
            return perr(p, AF_ESPEC, "nothing to repeat"), 0;
        }
        break;
    }
    default:
        break;
    }
    long cp = literal_cp(p);
    return cp < 0 ? 0 : new_node(p, RX_CHAR, (uint32_t)cp, 0, 0);
}

static uint32_t parse_term(parser *p)
{
    bool is_quantifiable;
    uint32_t atom = parse_atom(p, &is_quantifiable);
    uint32_t min, max;
    if (p->code != 0 || !quantifier(p, &min, &max))
        return atom;
    if (!is_quantifiable)
        return perr(p, AF_ESPEC, "nothing to repeat"), 0;
    if (min > max)
        return perr(p, AF_ESPEC, "numbers out of order in {} quantifier"), 0;
    if (peek(p, 0) == '?')
        p->pos++; /* lazy: the same strings */
    uint32_t a, b;
    size_t save = p->pos;
    if (quantifier(p, &a, &b)) {
        p->pos = save;
        return perr(p, AF_ESPEC, "nothing to repeat"), 0;
    }
    return rep_node(p, atom, min, max);
}

static uint32_t parse_seq(parser *p)
{
    size_t base = p->n_stack;
    while (p->code == 0 && peek(p, 0) >= 0 && peek(p, 0) != '|' &&
           peek(p, 0) != ')')
        push(p, parse_term(p));
    return list_node(p, base, RX_CAT);
}

static uint32_t parse_alt(parser *p)
{
    size_t base = p->n_stack;
    push(p, parse_seq(p));
    while (p->code == 0 && peek(p, 0) == '|') {
        p->pos++;
        push(p, parse_seq(p));
    }
    return list_node(p, base, RX_ALT);
}

/* ---- the program ---- */

/* Checks that every backreference names an existing group. */
static void resolve_refs(parser *p)
{
    for (size_t i = 0; i < p->n_refs && p->code == 0; i++) {
        ref_use *r = &p->refs[i];
        rx_node *n = &p->nodes[r->node];
        for (size_t k = 0; r->name != NULL && k < p->n_names; k++)
            if (p->names[k].len == r->name_len &&
                memcmp(p->names[k].name, r->name, r->name_len) == 0)
                n->x = p->names[k].group;
        if (n->x == 0 || n->x > p->n_groups) {
            p->pos = r->at;
            perr(p, AF_ESPEC, "reference to a group that does not exist");
        }
    }
}

static int build(parser *p, af_arena *a, uint32_t root, af_regex **out)
{
    af_regex *re = af_arena_calloc(a, 1, sizeof *re);
    rx_node *nodes =
        af_arena_memdup(a, p->nodes, p->n_nodes * sizeof *p->nodes);
    uint32_t *kids =
        p->n_kids == 0
            ? NULL
            : af_arena_memdup(a, p->kids, p->n_kids * sizeof *p->kids);
    rx_set *sets = af_arena_calloc(a, p->n_sets, sizeof *sets);
    if (re == NULL || nodes == NULL || (kids == NULL && p->n_kids > 0) ||
        sets == NULL)
        return perr(p, AF_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->n_sets; i++)
        if (!af_regex_set_fill(a, &sets[i], &p->sets[i]))
            return perr(p, AF_ENOMEM, "out of memory");
    re->nodes = nodes;
    re->n_nodes = (uint32_t)p->n_nodes;
    re->root = root;
    re->kids = kids;
    re->sets = sets;
    re->n_sets = (uint32_t)p->n_sets;
    re->dot_set = 0;
    re->n_groups = p->n_groups;
    re->has_bol = p->has_bol;
    re->has_eol = p->has_eol;
    re->has_backref = p->n_refs > 0;
    re->has_assert = p->has_bol || p->has_eol || p->has_wordb;
    re->needs_filter = p->has_look || p->n_refs > 0;
    *out = re;
    return 0;
}

static void parser_free(parser *p)
{
    for (size_t i = 0; i < p->n_sets; i++)
        free(p->sets[i].r);
    free(p->sets);
    free(p->nodes);
    free(p->stack);
    free(p->kids);
    free(p->names);
    free(p->refs);
}

int af_regex_compile(af_arena *model_arena, const char *src, af_regex **out,
                     char *err, size_t cap)
{
    if (err != NULL && cap > 0)
        err[0] = '\0';
    if (out == NULL)
        return AF_EUSAGE;
    *out = NULL;
    if (model_arena == NULL || src == NULL)
        return AF_EUSAGE;
    parser p = {.s = (const unsigned char *)src, .err = err, .err_cap = cap};
    p.len = strnlen(src, AF_REGEX_MAX_SOURCE + 1);
    if (p.len > AF_REGEX_MAX_SOURCE)
        return perr(&p, AF_ELIMIT, "pattern longer than %u bytes",
                    AF_REGEX_MAX_SOURCE);
    rx_class dot = {{0}, {0}}; /* set 0: free characters of affixes */
    af_regex_class_dot(&dot);
    set_node(&p, af_regex_class_finish(&dot, false));
    uint32_t root = parse_alt(&p);
    if (p.code == 0 && p.pos < p.len)
        perr(&p, AF_ESPEC, "unmatched )");
    resolve_refs(&p);
    if (p.code == 0)
        build(&p, model_arena, root, out);
    int code = p.code;
    parser_free(&p);
    return code;
}

bool af_regex_needs_filter(const af_regex *re)
{
    return re->needs_filter;
}

size_t af_regex_min_len(const af_regex *re)
{
    uint32_t n = re->nodes[re->root].min_len;
    return n == RX_INF ? SIZE_MAX : n;
}

size_t af_regex_max_len(const af_regex *re)
{
    uint32_t n = re->nodes[re->root].max_len;
    return n == RX_INF ? SIZE_MAX : n;
}
