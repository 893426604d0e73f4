/*
 * regex.h - strings that match an ECMA-262 regular expression (JSON
 * Schema `pattern`), generated from a choice stream.
 *
 * No regex library in Debian generates strings, so this one is written
 * here. A pattern is parsed once, at model load, into a compact program
 * (af_regex_compile); each generation then walks the program reading
 * choices: which alternative, how many repetitions, which character of a
 * class. The decoder's properties hold: any choices give a string (total),
 * zero choices give the shortest match with the simplest characters ('a'
 * for [a-z], '0' for \d), and the bytes consumed form one span.
 *
 * Syntax: ECMA-262 as with the `u` flag: literals; escapes \t \n \r \v \f
 * \0 \xHH \uHHHH (surrogate pairs combine) \u{H...} \cX and escaped syntax
 * characters; classes with ranges and negation; \d \D \w \W \s \S inside
 * and outside classes; `.`; ^ $ \b \B; groups (capturing, (?:...),
 * (?<name>...)); alternation; * + ? {n} {n,} {n,m} and their lazy forms;
 * lookarounds; backreferences \N and \k<name>. As in Annex B, a `{` or `}`
 * that is not a quantifier and a lone `]` are literals. Unicode property
 * escapes (\p{...}) and PCRE-only syntax are refused with a message.
 *
 * Semantics: a character generated for a class is a member under both
 * ECMA-262 and PCRE2's default (non-UCP) reading of the same source, so
 * \s gives ASCII white space, \S and [^\s] avoid every ECMA white space, `.`
 * avoids every line terminator. Negated classes (and \D \W \S) give code
 * points really outside them: printable ASCII first, then others (never
 * surrogates). JSON Schema patterns are unanchored: when the pattern has
 * no ^ (no $), a free prefix (suffix) of up to AF_REGEX_MAX_AFFIX code
 * points may be added by choice. Lookarounds and backreferences cannot be
 * built by construction; such patterns need a filter (a PCRE2 matcher)
 * and are generated and filtered with at most AF_REGEX_MAX_TRIES tries.
 * Anchors and word boundaries are checked on the generated string, with
 * the same retries.
 *
 * Choices, in output order: a free prefix (bool, count, characters); per
 * alternation an index (alternatives sorted shortest first); per
 * quantifier one byte for up to AF_REGEX_MAX_EXTRA repetitions beyond the
 * minimum, or, for the 16 byte values from 240, a longer count (up to the
 * length bound); per class an index into its printable ASCII members, the
 * last index meaning "another code point" and a second index; then the
 * free suffix. With a wanted minimum length, attempt 0 takes the choices
 * as they are; when the string is too short, the same choices are
 * replayed with repetitions grown to reach it, then zeros, then noise
 * derived from the input; the string's span covers every byte read.
 * af_regex_encode is the inverse: the choices that give a string.
 */
#ifndef AF_REGEX_H
#define AF_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "gen/choice.h"
#include "util/arena.h"

/* Longest pattern source accepted, in bytes. */
#define AF_REGEX_MAX_SOURCE 32768u
/* Deepest nesting of groups accepted. */
#define AF_REGEX_MAX_DEPTH 64
/* Repetitions one choice byte adds beyond a quantifier's minimum (more
   through the rare long form, see above). */
#define AF_REGEX_MAX_EXTRA 8
/* Longest free prefix or suffix of an unanchored pattern (code points). */
#define AF_REGEX_MAX_AFFIX 8
/* Longest generated string, in code points (max_len is capped to it). */
#define AF_REGEX_MAX_OUTPUT 4096
/* Generation attempts: the choices, the choices grown to the wanted
   length, zero choices, then derived pseudo-random choices. */
#define AF_REGEX_MAX_TRIES 16

typedef struct af_regex af_regex;

/* Compiles src (NUL-terminated UTF-8, ECMA-262 syntax) into *out,
   allocated in model_arena (process lifetime; immutable, shareable by
   threads). Returns 0, or AF_ESPEC (syntax error), AF_EUNSUPPORTED (valid
   but not supported, e.g. \p{...}), AF_ELIMIT (too long or too deeply
   nested) or AF_ENOMEM, with a message "<what> at offset N" in err (cap
   bytes; may be NULL). Never crashes on any input. */
int af_regex_compile(af_arena *model_arena, const char *src, af_regex **out,
                     char *err, size_t cap);

/* True when generated strings must be checked by a matcher (lookarounds,
   backreferences). */
bool af_regex_needs_filter(const af_regex *re);

/* Shortest match, in code points; SIZE_MAX when the pattern can match
   nothing for a reason seen without generating (an empty class such as
   `[]` on every path). Anchors in impossible places (`a^b`) are only
   found when generating. */
size_t af_regex_min_len(const af_regex *re);

/* Longest match in code points, SIZE_MAX when unbounded; free prefixes
   and suffixes not counted. */
size_t af_regex_max_len(const af_regex *re);

/* A matcher for filtering: 1 when s (len bytes of UTF-8) matches
   anywhere, 0 when not, negative on error (counted as no match).
   af_pattern_match (spec/pattern.h) has this shape. */
typedef int (*af_regex_match_fn)(const void *code, const char *s, size_t len);

/* Generates a string matching re from the choices, at most max_len code
   points long (capped to AF_REGEX_MAX_OUTPUT). *out is NUL-terminated
   UTF-8 in input_arena and *len its length in bytes. Returns 0 when the
   string matches; otherwise a negative code, and *out still holds a
   string (possibly not matching): AF_ELIMIT when no match fits max_len
   or none was found in AF_REGEX_MAX_TRIES tries, AF_EUNSUPPORTED when
   the pattern needs a filter (use af_regex_generate_ex), AF_ENOMEM. */
int af_regex_generate(const af_regex *re, af_choices *c, af_arena *input_arena,
                      size_t max_len, char **out, size_t *len);

/* As af_regex_generate, with a lower bound on the length in code points
   (best effort: repetitions and free affixes grow to reach it; AF_ELIMIT
   when they cannot) and an optional matcher: when match is not NULL,
   every candidate must also satisfy match(code, s, len) == 1. */
int af_regex_generate_ex(const af_regex *re, af_regex_match_fn match,
                         const void *code, af_choices *c, af_arena *input_arena,
                         size_t min_len, size_t max_len, char **out,
                         size_t *len);

/* The inverse of af_regex_generate_ex: appends to w the choices from
   which generation with the same re, min_len and max_len (and no filter
   rejecting s) gives exactly s (len bytes), so that examples become seeds.
   Lookarounds are not checked (a filter's business). Returns 0;
   AF_EUSAGE when the generator cannot give s (s does not match, is
   shorter than min_len or longer than max_len, or needs a free prefix or
   suffix longer than AF_REGEX_MAX_AFFIX), and then writes nothing;
   AF_ELIMIT when the backtracking search ran out of its step or stack
   budget (pathological patterns; strings past several hundred code
   points, fewer under deep nesting); AF_ENOMEM. Not for hot paths. */
int af_regex_encode(const af_regex *re, af_choice_writer *w, const char *s,
                    size_t len, size_t min_len, size_t max_len);

#endif
