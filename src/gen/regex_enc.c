/*
 * regex_enc.c - the inverse of generation: the choices from which the
 * generator (regex_gen.c) produces a given string, so that spec examples
 * of patterned strings become seeds (DESIGN.md's round-trip property).
 *
 * A backtracking matcher walks the program in the generator's order and
 * logs, along the path that consumes the string, every read the generator
 * will make: affixes, alternative indexes, repetition counts (a
 * placeholder filled in when the repetition stops), class members. The
 * log is written through the choice writer and checked by generating from
 * it. Continuations are frames on the C stack, so nothing is allocated
 * but the log; a step budget and a bound on the stack used keep hostile
 * patterns and long strings bounded. Not on the hot path: runs once per
 * example.
 */
#include "gen/regex.h"

#include <stdlib.h>
#include <string.h>

#include "gen/regex_prog.h"
#include "util/error.h"

#define MAX_STEPS (1u << 20)
/* Machine stack the search may use (continuations live there). */
#define MAX_STACK ((uintptr_t)1024 * 1024)
#define UNSET UINT32_MAX

enum op_kind { OP_INDEX, OP_SIZE, OP_BOOL, OP_EXTRA };

/* One read of the generator, to be written: index/size (n, v), bool (v),
   a repetition count (room, v). */
typedef struct op {
    uint8_t kind;
    uint64_t n, v;
} op;

typedef struct enc {
    const af_regex *re;
    const unsigned char *s;
    size_t len;
    op *log; /* malloc */
    size_t n_log, cap_log;
    uint32_t *caps; /* start, end per group; NULL without backreferences */
    size_t steps;
    uintptr_t stack_base; /* frame address where the search started */
    int status;           /* AF_ELIMIT (gave up) or AF_ENOMEM; 0 otherwise */
    size_t want;          /* min_len as the generator uses it */
    size_t n_cp;          /* code points of s */
    size_t pad_front;     /* bytes of s that are padding put in front */
} enc;

enum frame_kind { F_END, F_CAT, F_TOP, F_REP, F_GROUP };

/* What remains to match after the current node. */
typedef struct frame {
    uint8_t kind;
    uint32_t node;  /* the CAT, root, REP or GROUP node */
    uint32_t i;     /* CAT, TOP: next kid; REP: iterations done */
    size_t at;      /* REP: start of the last iteration; GROUP: start */
    bool was_empty; /* REP: the iteration before the last matched "" */
    size_t log_at;  /* REP: its count in the log */
    const struct frame *next;
} frame;

static bool push_op(enc *e, uint8_t kind, uint64_t n, uint64_t v)
{
    if (e->n_log == e->cap_log) {
        size_t cap = e->cap_log != 0 ? e->cap_log * 2 : 64;
        op *log = realloc(e->log, cap * sizeof *log);
        if (log == NULL) {
            e->status = AF_ENOMEM;
            return false;
        }
        e->log = log;
        e->cap_log = cap;
    }
    e->log[e->n_log++] = (op){kind, n, v};
    return true;
}

/* The code point at pos and its length in bytes; 0 at the end or on
   invalid UTF-8. */
static size_t cp_at(const enc *e, size_t pos, uint32_t *cp)
{
    if (pos >= e->len)
        return 0;
    const unsigned char *p = e->s + pos;
    unsigned b = p[0];
    size_t n = b < 0x80                ? 1
               : b >= 0xc2 && b < 0xe0 ? 2
               : b >= 0xe0 && b < 0xf0 ? 3
               : b >= 0xf0 && b < 0xf5 ? 4
                                       : 0;
    if (n == 0 || n > e->len - pos)
        return 0;
    uint32_t v = n == 1 ? b : b & (0xffu >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3fu);
    }
    *cp = v;
    return n;
}

/* The reads that make set_member (regex_gen.c) give cp. */
static bool push_member(enc *e, const rx_set *set, uint32_t cp)
{
    bool has_other = set->n_other > 0;
    for (uint32_t i = 0; i < set->n_ascii; i++)
        if ((unsigned char)set->ascii[i] == cp)
            return push_op(e, OP_INDEX, set->n_ascii + has_other, i);
    uint64_t k = 0;
    for (uint32_t r = 0; r < set->n_other_ranges; r++) {
        uint32_t lo = set->other[2 * r], hi = set->other[2 * r + 1];
        if (cp >= lo && cp <= hi) {
            k += cp - lo;
            return (set->n_ascii == 0 ||
                    push_op(e, OP_INDEX, set->n_ascii + 1, set->n_ascii)) &&
                   push_op(e, OP_INDEX, set->n_other, k);
        }
        k += (uint64_t)hi - lo + 1;
    }
    return false;
}

static bool is_word_at(const enc *e, size_t pos)
{
    if (pos >= e->len)
        return false;
    int ch = e->s[pos];
    return (ch >= '0' && ch <= '9') ||
           ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || ch == '_';
}

static bool run(enc *e, size_t pos, const frame *k);
static bool match_node(enc *e, uint32_t idx, size_t pos, const frame *k);

/* A single code point node (CHAR or SET) at pos. */
static bool match_char(enc *e, const rx_node *n, size_t pos, const frame *k)
{
    uint32_t cp;
    size_t w = cp_at(e, pos, &cp);
    if (w == 0)
        return false;
    if (n->op == RX_CHAR)
        return cp == n->x && run(e, pos + w, k);
    size_t mark = e->n_log;
    if (push_member(e, &e->re->sets[n->x], cp) && run(e, pos + w, k))
        return true;
    e->n_log = mark;
    return false;
}

static bool match_alt(enc *e, const rx_node *n, size_t pos, const frame *k)
{
    size_t mark = e->n_log;
    for (uint32_t i = 0; i < n->y && e->status == 0; i++) {
        if (push_op(e, OP_INDEX, n->y, i) &&
            match_node(e, e->re->kids[n->x + i], pos, k))
            return true;
        e->n_log = mark;
    }
    return false;
}

static bool match_rep(enc *e, uint32_t idx, size_t pos, const frame *k)
{
    const rx_node *n = &e->re->nodes[idx];
    if (e->re->nodes[n->x].min_len == RX_INF)
        return run(e, pos, k); /* the generator reads nothing here */
    uint32_t min = e->re->nodes[n->x].is_nullable ? 0 : n->y;
    uint32_t room = n->z == RX_INF ? RX_INF : n->z - min;
    size_t mark = e->n_log;
    if (!push_op(e, OP_EXTRA, room, 0))
        return false;
    frame f = {F_REP, idx, 0, pos, false, mark, k};
    if (run(e, pos, &f))
        return true;
    e->n_log = mark;
    return false;
}

static bool match_assert(enc *e, const rx_node *n, size_t pos, const frame *k)
{
    bool before = pos > 0 && is_word_at(e, pos - 1);
    bool after = is_word_at(e, pos);
    switch (n->op) {
    case RX_BOL:
        return pos == 0 && run(e, pos, k);
    case RX_EOL:
        return pos == e->len && run(e, pos, k);
    case RX_WORDB:
        return before != after && run(e, pos, k);
    default:
        return before == after && run(e, pos, k);
    }
}

static bool match_backref(enc *e, const rx_node *n, size_t pos, const frame *k)
{
    if (e->caps == NULL || e->caps[2 * n->x + 1] == UNSET)
        return run(e, pos, k);
    size_t from = e->caps[2 * n->x], to = e->caps[2 * n->x + 1];
    size_t l = to - from;
    return l <= e->len - pos && memcmp(e->s + pos, e->s + from, l) == 0 &&
           run(e, pos + l, k);
}

/* Counts a step; false when over the step or stack budget. */
static bool enter(enc *e)
{
    if (e->status != 0)
        return false;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t used =
        e->stack_base > here ? e->stack_base - here : here - e->stack_base;
    if (++e->steps > MAX_STEPS || used > MAX_STACK) {
        e->status = AF_ELIMIT;
        return false;
    }
    return true;
}

static bool match_node(enc *e, uint32_t idx, size_t pos, const frame *k)
{
    if (!enter(e))
        return false;
    const rx_node *n = &e->re->nodes[idx];
    bool is_ok = false;
    switch ((enum rx_op)n->op) {
    case RX_EMPTY:
    case RX_LOOK: /* the caller's filter judges it */
        is_ok = run(e, pos, k);
        break;
    case RX_CHAR:
    case RX_SET:
        is_ok = match_char(e, n, pos, k);
        break;
    case RX_CAT: {
        frame f = {F_CAT, idx, 0, 0, false, 0, k};
        is_ok = run(e, pos, &f);
        break;
    }
    case RX_ALT:
        is_ok = match_alt(e, n, pos, k);
        break;
    case RX_REP:
        is_ok = match_rep(e, idx, pos, k);
        break;
    case RX_GROUP: {
        frame f = {F_GROUP, idx, 0, pos, false, 0, k};
        is_ok = match_node(e, n->x, pos, &f);
        break;
    }
    case RX_BACKREF:
        is_ok = match_backref(e, n, pos, k);
        break;
    default:
        is_ok = match_assert(e, n, pos, k);
        break;
    }
    return is_ok;
}

/* Whether af_regex_read_extra can give extra with this room. */
static bool extra_fits(uint32_t room, uint64_t extra)
{
    if (extra > room)
        return false;
    return room <= AF_REGEX_MAX_EXTRA || extra <= AF_REGEX_MAX_EXTRA ||
           extra <= AF_REGEX_MAX_OUTPUT;
}

/* After f->i iterations of a repetition: stop here (fewest repetitions
   first), or match one more. */
static bool run_rep(enc *e, size_t pos, const frame *f)
{
    const rx_node *n = &e->re->nodes[f->node];
    uint32_t min = e->re->nodes[n->x].is_nullable ? 0 : n->y;
    uint32_t room = n->z == RX_INF ? RX_INF : n->z - min;
    uint32_t done = f->i;
    /* An empty optional iteration only matters for what a group inside
       captured; two in a row never do (and would loop). */
    bool is_empty = done > min && pos == f->at;
    if (is_empty && (!e->re->has_backref || f->was_empty))
        return false;
    if (done >= min && extra_fits(room, done - min)) {
        e->log[f->log_at].v = done - min;
        if (run(e, pos, f->next) || e->status != 0)
            return e->status == 0;
    }
    if (done < min || extra_fits(room, (uint64_t)done + 1 - min)) {
        frame g = {F_REP, f->node, done + 1, pos, is_empty, f->log_at, f->next};
        return match_node(e, n->x, pos, &g);
    }
    return false;
}

static bool run_group(enc *e, size_t pos, const frame *f)
{
    if (e->caps == NULL)
        return run(e, pos, f->next);
    uint32_t *cap = &e->caps[2 * e->re->nodes[f->node].y];
    uint32_t old[2] = {cap[0], cap[1]};
    cap[0] = (uint32_t)f->at;
    cap[1] = (uint32_t)pos;
    if (run(e, pos, f->next))
        return true;
    cap[0] = old[0];
    cap[1] = old[1];
    return false;
}

/* The generator writes out the content of a positive lookbehind opening
   the pattern and of a positive lookahead closing it (regex_gen.c). */
static uint32_t top_kid(const enc *e, uint32_t idx, bool is_first, bool is_last)
{
    const rx_node *n = &e->re->nodes[idx];
    if (n->op != RX_LOOK || (n->y & RX_LOOK_NEGATIVE) != 0)
        return idx;
    bool is_behind = (n->y & RX_LOOK_BEHIND) != 0;
    return (is_behind ? is_first : is_last) ? n->x : idx;
}

static bool run_list(enc *e, size_t pos, const frame *f)
{
    const rx_node *n = &e->re->nodes[f->node];
    if (f->i == n->y)
        return run(e, pos, f->next);
    uint32_t kid = e->re->kids[n->x + f->i];
    if (f->kind == F_TOP)
        kid = top_kid(e, kid, f->i == 0, f->i + 1 == n->y);
    frame g = {f->kind, f->node, f->i + 1, 0, false, 0, f->next};
    return match_node(e, kid, pos, &g);
}

static size_t count_cp(const enc *e, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += (e->s[i] & 0xc0) != 0x80;
    return n;
}

/* Free characters (the generator's set_member over `.`) for [from, to). */
static bool free_chars(enc *e, size_t from, size_t to)
{
    const rx_set *set = &e->re->sets[e->re->dot_set];
    for (size_t pos = from; pos < to;) {
        uint32_t cp;
        size_t w = cp_at(e, pos, &cp);
        if (w == 0 || !push_member(e, set, cp))
            return false;
        pos += w;
    }
    return true;
}

/* A free prefix or suffix: the code points of [from, to). */
static bool affix(enc *e, size_t from, size_t to)
{
    size_t n = count_cp(e, from, to);
    return n > 0 && n <= AF_REGEX_MAX_AFFIX && push_op(e, OP_BOOL, 0, 1) &&
           push_op(e, OP_SIZE, AF_REGEX_MAX_AFFIX, n - 1) &&
           free_chars(e, from, to);
}

/* The suffix [pos, split) and, when the string is exactly the wanted
   length, padding [split, len) after it (regex_gen.c's pad). */
static bool suffix_and_pad(enc *e, size_t pos, size_t split)
{
    if (split < e->len && e->n_cp != e->want)
        return false;
    return (split == pos ? push_op(e, OP_BOOL, 0, 0) : affix(e, pos, split)) &&
           free_chars(e, split, e->len);
}

static bool run_end(enc *e, size_t pos)
{
    size_t mark = e->n_log;
    if (e->re->has_eol) {
        if (pos == e->len && free_chars(e, 0, e->pad_front))
            return true;
        e->n_log = mark;
        return false;
    }
    /* the whole rest as suffix first, then shorter suffixes and padding */
    for (size_t split = e->len;; split--) {
        if ((split == e->len || (e->s[split] & 0xc0) != 0x80) &&
            suffix_and_pad(e, pos, split))
            return true;
        e->n_log = mark;
        if (split == pos || e->status != 0)
            return false;
    }
}

static bool run(enc *e, size_t pos, const frame *k)
{
    if (!enter(e))
        return false;
    switch (k->kind) {
    case F_END:
        return run_end(e, pos);
    case F_REP:
        return run_rep(e, pos, k);
    case F_GROUP:
        return run_group(e, pos, k);
    default:
        return run_list(e, pos, k);
    }
}

static bool match_root(enc *e, size_t pos, const frame *end)
{
    uint32_t root = e->re->root;
    if (e->re->nodes[root].op == RX_CAT) {
        frame f = {F_TOP, root, 0, 0, false, 0, end};
        return run(e, pos, &f);
    }
    return match_node(e, top_kid(e, root, true, true), pos, end);
}

/* Tries free prefixes of 0..AF_REGEX_MAX_AFFIX code points from from. */
static bool search_prefix(enc *e, size_t from)
{
    frame end = {F_END, 0, 0, 0, false, 0, NULL};
    size_t p = from;
    for (unsigned n_cp = 0;; n_cp++) {
        size_t mark = e->n_log;
        bool is_ok = e->re->has_bol || (n_cp == 0 ? push_op(e, OP_BOOL, 0, 0)
                                                  : affix(e, from, p));
        if (is_ok && match_root(e, p, &end))
            return true;
        e->n_log = mark;
        uint32_t cp;
        size_t w = cp_at(e, p, &cp);
        if (e->re->has_bol || n_cp == AF_REGEX_MAX_AFFIX || w == 0 ||
            e->status != 0)
            return false;
        p += w;
    }
}

/* With a $ and no ^, padding to the wanted length goes in front. */
static bool search(enc *e)
{
    bool can_pad_front =
        !e->re->has_bol && e->re->has_eol && e->n_cp == e->want;
    for (e->pad_front = 0;;) {
        if (search_prefix(e, e->pad_front))
            return true;
        uint32_t cp;
        size_t w = cp_at(e, e->pad_front, &cp);
        if (!can_pad_front || w == 0 || e->status != 0)
            return false;
        e->pad_front += w;
    }
}

static int write_extra(af_choice_writer *w, uint32_t room, uint64_t extra)
{
    if (room <= AF_REGEX_MAX_EXTRA)
        return af_choice_write_index(w, (uint64_t)room + 1, extra);
    if (extra <= AF_REGEX_MAX_EXTRA)
        return af_choice_write_index(w, 256, extra);
    uint64_t most = room < AF_REGEX_MAX_OUTPUT ? room : AF_REGEX_MAX_OUTPUT;
    af_choice_write_index(w, 256, RX_EXTRA_LONG);
    return af_choice_write_size(w, most - AF_REGEX_MAX_EXTRA,
                                extra - AF_REGEX_MAX_EXTRA - 1);
}

static int write_log(const enc *e, af_choice_writer *w)
{
    for (size_t i = 0; i < e->n_log && w->status == 0; i++) {
        const op *o = &e->log[i];
        switch (o->kind) {
        case OP_INDEX:
            af_choice_write_index(w, o->n, o->v);
            break;
        case OP_SIZE:
            af_choice_write_size(w, o->n, o->v);
            break;
        case OP_BOOL:
            af_choice_write_bool(w, o->v != 0);
            break;
        default:
            write_extra(w, (uint32_t)o->n, o->v);
            break;
        }
    }
    return w->status;
}

/* Whether generating from what was written since start gives s again,
   reading exactly those bytes. */
static bool regenerates(const af_regex *re, af_choice_writer *w, size_t start,
                        const char *s, size_t len, size_t min_len,
                        size_t max_len)
{
    af_choices c;
    af_choice_init(&c, w->buf != NULL ? w->buf + start : NULL, w->len - start);
    char *out;
    size_t n;
    int rc = af_regex_generate_ex(re, NULL, NULL, &c, w->arena, min_len,
                                  max_len, &out, &n);
    bool is_ok = rc == 0 || (rc == AF_EUNSUPPORTED && re->needs_filter);
    return is_ok && n == len && memcmp(out, s, len) == 0 &&
           af_choice_pos(&c) == w->len - start;
}

int af_regex_encode(const af_regex *re, af_choice_writer *w, const char *s,
                    size_t len, size_t min_len, size_t max_len)
{
    if (re == NULL || w == NULL || (s == NULL && len > 0))
        return AF_EUSAGE;
    if (w->status != 0)
        return w->status;
    enc e = {.re = re, .s = (const unsigned char *)(s != NULL ? s : "")};
    e.len = len;
    e.n_cp = count_cp(&e, 0, len);
    size_t max_cp =
        max_len < AF_REGEX_MAX_OUTPUT ? max_len : AF_REGEX_MAX_OUTPUT;
    e.want = min_len < max_cp ? min_len : max_cp;
    if (e.n_cp < e.want || e.n_cp > max_cp)
        return AF_EUSAGE;
    if (re->has_backref) {
        e.caps = malloc(2 * ((size_t)re->n_groups + 1) * sizeof *e.caps);
        if (e.caps == NULL)
            return AF_ENOMEM;
        memset(e.caps, 0xff, 2 * ((size_t)re->n_groups + 1) * sizeof *e.caps);
    }
    e.stack_base = (uintptr_t)__builtin_frame_address(0);
    bool is_found = search(&e);
    int rc = is_found ? 0 : e.status != 0 ? e.status : AF_EUSAGE;
    size_t start = w->len;
    if (rc == 0)
        rc = write_log(&e, w);
    if (rc == 0 && !regenerates(re, w, start, s, len, min_len, max_len)) {
        w->len = start; /* too short, too long, or beyond a cap */
        rc = AF_EUSAGE;
    }
    free(e.log);
    free(e.caps);
    return rc;
}
