/*
 * regex_prog.h - the compiled form of a pattern, shared by the compiler
 * (regex.c) and the generator (regex_gen.c). Private to src/gen/.
 *
 * A program is a tree of nodes in one array (children by index), built
 * once at model load and read-only afterwards. Every node carries the
 * facts generation needs in O(1): the shortest and longest match in code
 * points and whether it can match the empty string without assertions.
 * Character classes are resolved into sets of code points whose members
 * really satisfy both ECMA-262 and plain PCRE2 readings of the class.
 */
#ifndef AF_REGEX_PROG_H
#define AF_REGEX_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/regex.h"

#define RX_INF UINT32_MAX /* unbounded count or length; impossible min */

enum rx_op {
    RX_EMPTY = 0,
    RX_CHAR,   /* x: code point */
    RX_SET,    /* x: set index */
    RX_CAT,    /* x: first kid in kids[], y: count */
    RX_ALT,    /* x: first kid, y: count; kids sorted by min_len */
    RX_REP,    /* x: child, y: min, z: max (RX_INF unbounded) */
    RX_GROUP,  /* x: child, y: capture number (1-based) */
    RX_BOL,    /* ^ */
    RX_EOL,    /* $ */
    RX_WORDB,  /* \b */
    RX_NWORDB, /* \B */
    RX_LOOK,   /* x: child, y: RX_LOOK_* flags */
    RX_BACKREF /* x: capture number */
};

enum { RX_LOOK_BEHIND = 1u << 0, RX_LOOK_NEGATIVE = 1u << 1 };

typedef struct rx_node {
    uint8_t op;
    bool is_nullable; /* matches "" through a path without assertions */
    uint32_t min_len; /* code points; RX_INF when it cannot match */
    uint32_t max_len; /* code points; RX_INF when unbounded */
    uint32_t x, y, z;
} rx_node;

/* A set of code points, split for choosing: printable ASCII members in
   the preferred order (letters, digits, then the rest ascending), then
   the other members as ranges in ascending order. */
typedef struct rx_set {
    const uint32_t *other; /* n_other_ranges pairs [lo, hi] */
    uint32_t n_other_ranges;
    uint32_t n_other; /* code points in other */
    uint8_t n_ascii;
    char ascii[95];
} rx_set;

/* While compiling (regex_class.c): a sorted list of code point ranges,
   and a class as both ECMA-262 and PCRE2 (no UCP) read it. */
typedef struct rx_ranges {
    uint32_t *r; /* pairs lo, hi (malloc) */
    size_t n;    /* ranges */
    size_t cap;
    bool is_oom;
} rx_ranges;

typedef struct rx_class {
    rx_ranges ecma, pcre;
} rx_class;

#define RX_MAX_CP 0x10FFFFu

/* Adds [lo, hi] to both readings. */
void af_regex_class_add(rx_class *cs, uint32_t lo, uint32_t hi);
/* Adds \d \D \w \W \s or \S (kind is the letter). */
void af_regex_class_escape(rx_class *cs, char kind);
/* Sets cs (empty) to `.`. */
void af_regex_class_dot(rx_class *cs);
/* The members under both readings (negated when asked), without
   surrogates; frees cs. The caller frees the result's r. */
rx_ranges af_regex_class_finish(rx_class *cs, bool is_negated);
/* Fills out from a finished set; the ranges go into the arena. */
bool af_regex_set_fill(af_arena *a, rx_set *out, const rx_ranges *members);

/* A quantifier's repetitions beyond its minimum, from the choices: up to
   AF_REGEX_MAX_EXTRA from one byte, or, when that byte is RX_EXTRA_LONG or
   more (1 in 16), AF_REGEX_MAX_EXTRA + 1 + a size, up to room and
   AF_REGEX_MAX_OUTPUT (regex_gen.c). */
#define RX_EXTRA_LONG 240
uint64_t af_regex_read_extra(af_choices *c, uint32_t room);

struct af_regex {
    const rx_node *nodes;
    uint32_t n_nodes;
    uint32_t root;
    const uint32_t *kids;
    const rx_set *sets;
    uint32_t n_sets;
    uint32_t dot_set; /* the free characters of prefixes and suffixes */
    uint32_t n_groups;
    bool has_bol;      /* a ^ anywhere: no free prefix */
    bool has_eol;      /* a $ anywhere: no free suffix */
    bool has_backref;  /* captures must be tracked */
    bool has_assert;   /* ^ $ \b or \B: checked on the result */
    bool needs_filter; /* lookarounds or backreferences */
};

#endif
