/*
 * regex_gen.c - generating strings from a compiled pattern (regex.h).
 *
 * One walk of the program per attempt, reading choices in output order:
 * an alternative by index (alternatives are sorted shortest first), a
 * repetition count as extras over the minimum (at most AF_REGEX_MAX_EXTRA),
 * a class member (printable ASCII first). A budget argument, the shortest
 * length the rest of the pattern still needs, keeps every choice inside
 * max_len: a choice that would not fit falls back to a shorter one, so
 * the walk never backtracks. Anchors and word boundaries are recorded
 * where they occur and checked on the finished string; lookarounds and
 * backreferences are left to the caller's matcher. Failed attempts are
 * retried with zero choices, then with pseudo-random ones derived from the
 * input, so the result is still a function of the input bytes.
 *
 * On the decoder's hot path: no allocation except the result (and the
 * capture table of patterns with backreferences); the output is built in
 * a stack buffer and copied once into the input arena.
 */
#include "gen/regex.h"

#include <string.h>

#include "gen/regex_prog.h"
#include "util/error.h"

/* Bounds on one attempt: program steps, recorded assertions. */
#define MAX_STEPS (1u << 17)
#define MAX_MARKS 256
#define BUF_BYTES (4 * AF_REGEX_MAX_OUTPUT + 8)
#define UNSET UINT32_MAX

typedef struct mark {
    uint8_t op;   /* RX_BOL, RX_EOL, RX_WORDB, RX_NWORDB */
    uint32_t pos; /* byte offset in the output */
} mark;

typedef struct gen {
    const af_regex *re;
    af_choices *c;
    char *buf;     /* BUF_BYTES */
    size_t len;    /* bytes */
    size_t n_cp;   /* code points */
    size_t max_cp; /* never exceeded */
    size_t want_cp;
    uint32_t *caps; /* start, end per group (index 2*g); NULL: untracked */
    mark marks[MAX_MARKS];
    size_t n_marks;
    size_t steps;
    bool is_failed;
    bool is_forcing; /* repetitions grow towards want_cp */
} gen;

static void emit(gen *g, uint32_t cp)
{
    if (g->len + 4 > BUF_BYTES) {
        g->is_failed = true;
        return;
    }
    unsigned char *o = (unsigned char *)g->buf + g->len;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        g->len += 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        g->len += 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        g->len += 3;
    } else {
        o[0] = (unsigned char)(0xf0 | cp >> 18);
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        g->len += 4;
    }
    g->n_cp++;
}

/* Whether need more code points, then reserve more, still fit. */
static inline bool fits(const gen *g, size_t need, size_t reserve)
{
    return g->n_cp + need + reserve <= g->max_cp;
}

/* A member of s: printable ASCII by index, the last index meaning "one
   of the others". */
static uint32_t set_member(const rx_set *s, af_choices *c)
{
    if (s->n_ascii > 0) {
        uint64_t i = af_choice_index(c, s->n_ascii + (s->n_other > 0));
        if (i < s->n_ascii)
            return (unsigned char)s->ascii[i];
    }
    uint64_t k = af_choice_index(c, s->n_other);
    for (uint32_t r = 0; r < s->n_other_ranges; r++) {
        uint64_t size = (uint64_t)s->other[2 * r + 1] - s->other[2 * r] + 1;
        if (k < size)
            return s->other[2 * r] + (uint32_t)k;
        k -= size;
    }
    return 'a'; /* not reached: k < n_other */
}

static void gen_node(gen *g, uint32_t idx, size_t reserve);

static void gen_cat(gen *g, const rx_node *n, size_t reserve)
{
    size_t rest = n->min_len; /* finite: the node fit */
    for (uint32_t i = 0; i < n->y && !g->is_failed; i++) {
        uint32_t kid = g->re->kids[n->x + i];
        rest -= g->re->nodes[kid].min_len;
        gen_node(g, kid, reserve + rest);
    }
}

static void gen_alt(gen *g, const rx_node *n, size_t reserve)
{
    const uint32_t *kids = g->re->kids + n->x;
    uint64_t i = af_choice_index(g->c, n->y);
    /* sorted shortest first: kid 0 fits, since the node did */
    while (i > 0 && !fits(g, g->re->nodes[kids[i]].min_len, reserve))
        i--;
    gen_node(g, kids[i], reserve);
}

uint64_t af_regex_read_extra(af_choices *c, uint32_t room)
{
    if (room <= AF_REGEX_MAX_EXTRA)
        return af_choice_index(c, (uint64_t)room + 1);
    uint64_t b = af_choice_index(c, 256);
    if (b < RX_EXTRA_LONG)
        return b % (AF_REGEX_MAX_EXTRA + 1);
    uint64_t most = room < AF_REGEX_MAX_OUTPUT ? room : AF_REGEX_MAX_OUTPUT;
    return AF_REGEX_MAX_EXTRA + 1 +
           af_choice_size(c, most - AF_REGEX_MAX_EXTRA);
}

static void gen_rep(gen *g, const rx_node *n, size_t reserve)
{
    const rx_node *ch = &g->re->nodes[n->x];
    if (ch->min_len == RX_INF)
        return; /* only zero repetitions can match */
    /* X{n} generates as X{0,n} when X matches "" freely (regex_prog.h) */
    uint32_t min = ch->is_nullable ? 0 : n->y;
    uint32_t room = n->z == RX_INF ? RX_INF : n->z - min;
    uint64_t extra = af_regex_read_extra(g->c, room);
    size_t m = ch->min_len;
    for (uint32_t i = 0; i < min && !g->is_failed; i++)
        gen_node(g, n->x, reserve + (size_t)(min - 1 - i) * m);
    uint64_t done = min;
    for (uint64_t e = 0; e < extra && fits(g, m, reserve); e++, done++)
        gen_node(g, n->x, reserve);
    /* growing towards the wanted length (retries only, so that attempt 0
       can give every string): later parts add at least reserve, so this
       repetition takes the rest */
    while (g->is_forcing && !g->is_failed && g->n_cp + reserve < g->want_cp &&
           (n->z == RX_INF || done < n->z) && fits(g, m, reserve)) {
        size_t before = g->n_cp;
        gen_node(g, n->x, reserve);
        done++;
        if (g->n_cp == before)
            break;
    }
}

static void gen_backref(gen *g, const rx_node *n, size_t reserve)
{
    if (g->caps == NULL || g->caps[2 * n->x + 1] == UNSET)
        return; /* an unset (or still open) group matches "" */
    size_t from = g->caps[2 * n->x], to = g->caps[2 * n->x + 1];
    size_t cps = 0;
    for (size_t i = from; i < to; i++)
        cps += ((unsigned char)g->buf[i] & 0xc0) != 0x80;
    if (!fits(g, cps, reserve) || g->len + (to - from) > BUF_BYTES) {
        g->is_failed = true;
        return;
    }
    memcpy(g->buf + g->len, g->buf + from, to - from);
    g->len += to - from;
    g->n_cp += cps;
}

static void gen_mark(gen *g, uint8_t op)
{
    if (g->n_marks == MAX_MARKS) {
        g->is_failed = true;
        return;
    }
    g->marks[g->n_marks++] = (mark){op, (uint32_t)g->len};
}

static void gen_node(gen *g, uint32_t idx, size_t reserve)
{
    if (g->is_failed || ++g->steps > MAX_STEPS) {
        g->is_failed = true;
        return;
    }
    const rx_node *n = &g->re->nodes[idx];
    switch ((enum rx_op)n->op) {
    case RX_CHAR:
        emit(g, n->x);
        break;
    case RX_SET:
        emit(g, set_member(&g->re->sets[n->x], g->c));
        break;
    case RX_CAT:
        gen_cat(g, n, reserve);
        break;
    case RX_ALT:
        gen_alt(g, n, reserve);
        break;
    case RX_REP:
        gen_rep(g, n, reserve);
        break;
    case RX_GROUP: {
        uint32_t start = (uint32_t)g->len;
        gen_node(g, n->x, reserve);
        if (g->caps != NULL) {
            g->caps[2 * n->y] = start;
            g->caps[2 * n->y + 1] = (uint32_t)g->len;
        }
        break;
    }
    case RX_BOL:
    case RX_EOL:
    case RX_WORDB:
    case RX_NWORDB:
        gen_mark(g, n->op);
        break;
    case RX_BACKREF:
        gen_backref(g, n, reserve);
        break;
    case RX_EMPTY:
    case RX_LOOK: /* left to the filter */
        break;
    }
}

static bool is_word(int ch)
{
    return (ch >= '0' && ch <= '9') ||
           ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || ch == '_';
}

/* ECMA-262 (and PCRE2 without UCP): ^ $ at the ends only (no multiline),
   \b between a word character ([0-9A-Za-z_]) and something else. */
static bool marks_hold(const gen *g)
{
    for (size_t i = 0; i < g->n_marks; i++) {
        size_t p = g->marks[i].pos;
        bool before = p > 0 && is_word((unsigned char)g->buf[p - 1]);
        bool after = p < g->len && is_word((unsigned char)g->buf[p]);
        switch (g->marks[i].op) {
        case RX_BOL:
            if (p != 0)
                return false;
            break;
        case RX_EOL:
            if (p != g->len)
                return false;
            break;
        case RX_WORDB:
            if (before == after)
                return false;
            break;
        default:
            if (before != after)
                return false;
            break;
        }
    }
    return true;
}

/* A positive lookbehind opening the pattern (lookahead closing it) holds
   when its content is written just before (after) the match: the
   unanchored search then finds the match next to it. */
static bool is_edge_look(const gen *g, uint32_t idx, bool is_start)
{
    const rx_node *n = &g->re->nodes[idx];
    return n->op == RX_LOOK && (n->y & RX_LOOK_NEGATIVE) == 0 &&
           ((n->y & RX_LOOK_BEHIND) != 0) == is_start;
}

static void gen_top_kid(gen *g, uint32_t kid, bool is_first, bool is_last,
                        size_t reserve)
{
    if ((is_first && is_edge_look(g, kid, true)) ||
        (is_last && is_edge_look(g, kid, false))) {
        uint32_t content = g->re->nodes[kid].x;
        if (fits(g, g->re->nodes[content].min_len, reserve))
            gen_node(g, content, reserve);
        return;
    }
    gen_node(g, kid, reserve);
}

/* The root, with its edge lookarounds written out. */
static void gen_top(gen *g)
{
    const rx_node *n = &g->re->nodes[g->re->root];
    if (n->op != RX_CAT) {
        gen_top_kid(g, g->re->root, true, true, 0);
        return;
    }
    size_t rest = n->min_len;
    for (uint32_t i = 0; i < n->y && !g->is_failed; i++) {
        uint32_t kid = g->re->kids[n->x + i];
        rest -= g->re->nodes[kid].min_len;
        gen_top_kid(g, kid, i == 0, i + 1 == n->y, rest);
    }
}

/* A free prefix or suffix of an unanchored pattern, by choice. */
static void affix(gen *g, size_t reserve)
{
    if (!af_choice_bool(g->c))
        return;
    size_t n = 1 + (size_t)af_choice_size(g->c, AF_REGEX_MAX_AFFIX);
    const rx_set *free_chars = &g->re->sets[g->re->dot_set];
    for (size_t i = 0; i < n && fits(g, 1, reserve) && !g->is_failed; i++)
        emit(g, set_member(free_chars, g->c));
}

static void reverse(char *s, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

/* Free characters up to the wanted length: appended when the pattern
   has no $, else put in front when it has no ^. */
static void pad(gen *g)
{
    if (g->is_failed || g->n_cp >= g->want_cp ||
        (g->re->has_eol && g->re->has_bol))
        return;
    size_t old = g->len;
    const rx_set *free_chars = &g->re->sets[g->re->dot_set];
    while (g->n_cp < g->want_cp && fits(g, 1, 0) && !g->is_failed)
        emit(g, set_member(free_chars, g->c));
    if (!g->re->has_eol)
        return;
    size_t added = g->len - old; /* rotate the padding to the front */
    reverse(g->buf, g->len);
    reverse(g->buf, added);
    reverse(g->buf + added, old);
    for (size_t i = 0; i < g->n_marks; i++)
        g->marks[i].pos += (uint32_t)added;
}

static bool attempt(gen *g, af_choices *c)
{
    g->c = c;
    g->len = g->n_cp = g->n_marks = g->steps = 0;
    g->is_failed = false;
    if (g->caps != NULL)
        memset(g->caps, 0xff,
               2 * ((size_t)g->re->n_groups + 1) * sizeof *g->caps);
    const rx_node *root = &g->re->nodes[g->re->root];
    if (!g->re->has_bol)
        affix(g, root->min_len);
    gen_top(g);
    if (!g->re->has_eol)
        affix(g, 0);
    pad(g);
    return !g->is_failed && g->n_cp >= g->want_cp && marks_hold(g);
}

/* Pseudo-random choices for retry t, derived from the bytes the first
   attempt read (so the result stays a function of the input). */
static void derive(uint8_t *out, size_t n, const af_choices *c, size_t start,
                   unsigned t)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (t * 0x9e3779b97f4a7c15ull);
    size_t end = c->pos < c->len ? c->pos : c->len;
    for (size_t i = start; i < end; i++)
        h = (h ^ c->data[i]) * 0x100000001b3ull;
    if (h == 0)
        h = 1;
    for (size_t i = 0; i < n; i++) {
        h ^= h >> 12;
        h ^= h << 25;
        h ^= h >> 27;
        out[i] = (uint8_t)((h * 0x2545f4914f6cdd1dull) >> 56);
    }
}

/* The source of choices for attempt t: the input (t = 0), the input
   again with repetitions forced to the wanted length (t = 1, only when a
   length is wanted), zeros (t = 2), then noise derived from the input. */
static af_choices *source(af_choices *c, size_t start, unsigned t,
                          af_choices *other, uint8_t *noise, size_t cap)
{
    if (t == 0)
        return c;
    if (t == 1) {
        *other = *c;
        other->pos = start;
        return other;
    }
    derive(noise, cap, c, start, t);
    af_choice_init(other, noise, t == 2 ? 0 : cap);
    return other;
}

static int try_all(gen *g, af_choices *c, af_regex_match_fn match,
                   const void *code)
{
    const rx_node *root = &g->re->nodes[g->re->root];
    if (root->min_len > g->max_cp)
        return AF_ELIMIT; /* nothing fits: "" and no choice read */
    bool can_retry = g->re->has_assert || g->re->needs_filter || g->want_cp > 0;
    if (g->want_cp > root->max_len && g->re->has_bol && g->re->has_eol)
        can_retry = false; /* too short whatever the choices */
    size_t start = af_choice_pos(c);
    uint8_t noise[256];
    af_choices other;
    for (unsigned t = 0; t < AF_REGEX_MAX_TRIES; t++) {
        if (t == 1 && g->want_cp == 0)
            continue;
        af_choices *src = source(c, start, t, &other, noise, sizeof noise);
        g->is_forcing = t > 0;
        bool is_ok = attempt(g, src) &&
                     (match == NULL || match(code, g->buf, g->len) == 1);
        if (t == 1 && other.pos > c->pos)
            c->pos = other.pos; /* the replay read further: its span */
        if (is_ok)
            return 0;
        if (!can_retry)
            break;
    }
    return AF_ELIMIT;
}

int af_regex_generate_ex(const af_regex *re, af_regex_match_fn match,
                         const void *code, af_choices *c, af_arena *input_arena,
                         size_t min_len, size_t max_len, char **out,
                         size_t *len)
{
    if (re == NULL || c == NULL || input_arena == NULL || out == NULL ||
        len == NULL)
        return AF_EUSAGE;
    char buf[BUF_BYTES];
    gen g; /* not zero-filled: marks[] is only read below n_marks */
    g.re = re;
    g.buf = buf;
    g.caps = NULL;
    g.len = 0;
    g.max_cp = max_len < AF_REGEX_MAX_OUTPUT ? max_len : AF_REGEX_MAX_OUTPUT;
    g.want_cp = min_len < g.max_cp ? min_len : g.max_cp;
    if (re->has_backref) {
        g.caps = af_arena_alloc(input_arena, 2 * ((size_t)re->n_groups + 1) *
                                                 sizeof *g.caps);
        if (g.caps == NULL)
            return AF_ENOMEM;
    }
    int rc = try_all(&g, c, match, code);
    if (rc == 0 && min_len > g.max_cp)
        rc = AF_ELIMIT;
    if (rc == 0 && re->needs_filter && match == NULL)
        rc = AF_EUNSUPPORTED;
    *out = af_arena_strndup(input_arena, buf, g.len);
    *len = g.len;
    return *out == NULL ? AF_ENOMEM : rc;
}

int af_regex_generate(const af_regex *re, af_choices *c, af_arena *input_arena,
                      size_t max_len, char **out, size_t *len)
{
    return af_regex_generate_ex(re, NULL, NULL, c, input_arena, 0, max_len, out,
                                len);
}
