/*
 * pattern.h - JSON Schema `pattern` (ECMA-262 regular expressions) on PCRE2.
 *
 * A pattern is translated from ECMA-262 (as with the `u` flag) to PCRE2
 * where the two differ, compiled once at model load, and matched many
 * times per second by the validator and the decoder. Matching is an
 * unanchored search (JSON Schema §6.3.3) bounded by a match limit, a depth
 * limit and a heap limit, so a catastrophic pattern costs milliseconds and
 * yields an error instead of hanging the fuzzer.
 *
 * Semantics chosen (ECMA-262 with `u`, no other flags):
 * - subjects and patterns are UTF-8; lengths count bytes here.
 * - \d \w \b are ASCII-only, as in ECMA; \s and `.` follow ECMA's
 *   WhiteSpace/LineTerminator sets (`.` matches all but \n \r U+2028
 *   U+2029); \S inside a class is PCRE2's (ASCII) \S.
 * - $ matches only at the very end (no "before a final newline").
 * - \p{...} with Unicode's long General_Category names (\p{Letter},
 *   \p{gc=Lu}, \p{digit}) as well as PCRE2's short ones and scripts.
 * - \uXXXX, \u{X...}, surrogate pairs \uD83D\uDE00, \xHH; `[]` never
 *   matches, `[^]` matches any character; an unset backreference matches
 *   the empty string.
 * - PCRE2-only syntax (possessive quantifiers, (?i), \A \z ...) is accepted;
 *   ECMA-only syntax PCRE2 lacks (variable-length lookbehind) does not
 *   compile and the caller treats the pattern as unusable.
 *
 * Thread safety: compiled codes are immutable; matching uses one shared
 * match context (limits) and one match data block per thread.
 */
#ifndef AF_PATTERN_H
#define AF_PATTERN_H

#include <stddef.h>

/* Bounds on one match (PCRE2 units: backtracking steps, nested
   backtracking points, KiB of backtracking heap). */
#define AF_PATTERN_MATCH_LIMIT 1000000u
#define AF_PATTERN_DEPTH_LIMIT 100000u
#define AF_PATTERN_HEAP_LIMIT_KIB 16384u
/* Longest pattern source accepted, in bytes. */
#define AF_PATTERN_MAX_LEN 32768u

/* Compiles the ECMA-262 source ecma (NUL-terminated UTF-8) into *out_code
   (an opaque, reference-counted handle on a JIT-compiled pcre2_code_8:
   one reference, owned by the caller, dropped with af_pattern_free).
   Returns 0, or AF_ESPEC when the pattern does not compile, with PCRE2's
   message and the offset written into errbuf (cap bytes; may be NULL),
   or AF_ENOMEM. *out_code is NULL on failure. */
int af_pattern_compile(const char *ecma, void **out_code, char *errbuf,
                       size_t cap);

/* Searches s (len bytes of UTF-8) for the pattern anywhere. Returns 1 on a
   match, 0 on none, AF_ELIMIT when a match bound was hit, AF_EUSAGE when
   s is not valid UTF-8 or code is NULL, AF_ENOMEM. Thread-safe. */
int af_pattern_match(const void *code, const char *s, size_t len);

/* Drops one reference to a code from af_pattern_compile or
   af_pattern_cache_compile; the last one frees it. NULL is ignored. */
void af_pattern_free(void *code);

/* Compiled codes by source, for one model load: a spec repeats the same
   few patterns thousands of times (every copy of a shared schema), and
   compiling (with JIT) costs far more than a lookup. The cache holds one
   reference per distinct source; every code it hands out is a reference
   of its own, so owners free their codes as if compiled alone, in any
   order before or after af_pattern_cache_free. Reference counts are
   atomic; the cache itself is for one thread. */
typedef struct af_pattern_cache af_pattern_cache;

/* As af_pattern_compile, through *cache (created on first use; NULL
   cache: no caching). A source that fails to compile is not remembered
   (the next attempt fails the same way, with the same message). */
int af_pattern_cache_compile(af_pattern_cache **cache, const char *ecma,
                             void **out_code, char *errbuf, size_t cap);

/* Frees the cache and drops its references; NULL is ignored. */
void af_pattern_cache_free(af_pattern_cache *cache);

/* Frees the calling thread's match data and JIT stack (optional; for tidy
   thread exit). A later match simply allocates it again. */
void af_pattern_thread_cleanup(void);

#endif
