/*
 * choice.h - the choice stream: a fuzz input read as a sequence of
 * decisions, and its inverse, the choice writer.
 *
 * Every decoder decision (which operation, is this field present, how long
 * is this array, which integer) is one read from an af_choices. The reads
 * are designed for DESIGN.md's decoder properties:
 *
 * - Total: any byte string is a valid stream. Reads past the end return
 *   zero bytes, so every read always yields a value in its range.
 * - Zero is simplest: an all-zero read is the simplest option of every
 *   kind (index 0, false, the integer closest to 0 in range, the shortest
 *   byte string). Truncating or zeroing an input therefore simplifies it,
 *   which is what byte-level minimizers (-minimize_crash, afl-tmin) do.
 * - Local: every read advances a cursor; af_choice_pos gives its byte
 *   offset, which keeps counting past the end of the input as if it were
 *   zeros. A caller records each node's span [start, end) and nodes read in
 *   order own contiguous, nested spans. How many bytes a read consumes
 *   depends only on its arguments and its own bytes, never on earlier
 *   values, with one documented exception: the global byte-string budget.
 * - Round-trip: for each read, the writer (af_choice_write_*) produces the
 *   simplest bytes that read back to exactly a given value.
 * - Fast: reads never allocate and cost O(1) (a byte string is returned as
 *   a pointer into the input, not copied).
 *
 * Integers and doubles start with a shape byte (see af_choice_int) so that
 * boundary values are one byte away from any input, and a raw 8-byte
 * little-endian shape lets libFuzzer's comparison feedback (which writes
 * the other operand of a comparison into the input) land magic numbers.
 *
 * Lifetime: an af_choices borrows the input bytes; pointers returned by
 * af_choice_bytes point into them (or into a static zero buffer) and stay
 * valid as long as the input does. Not thread-safe per stream; distinct
 * streams are independent.
 */
#ifndef AF_CHOICE_H
#define AF_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

/* Longest byte string one af_choice_bytes returns. */
#define AF_CHOICE_MAX_BYTES 65536u
/* Total length of the byte strings of one stream. Past it, byte strings
   get their minimum length (the one non-local rule: once an input has
   spent the budget, later strings shrink). */
#define AF_CHOICE_BYTES_BUDGET (1u << 20)

/* af_choice_double flags */
enum {
    AF_CHOICE_EXCL_LO = 1u << 0, /* lo itself is not allowed */
    AF_CHOICE_EXCL_HI = 1u << 1  /* hi itself is not allowed */
};

typedef struct af_choices {
    const uint8_t *data; /* the input (borrowed) */
    size_t len;
    size_t pos;        /* bytes consumed; may exceed len (virtual zeros) */
    size_t bytes_left; /* what remains of AF_CHOICE_BYTES_BUDGET */
} af_choices;

/* A stream over len bytes of data (data may be NULL when len is 0). */
void af_choice_init(af_choices *c, const void *data, size_t len);

/* The cursor: bytes consumed so far, counting virtual zeros past the end.
   A node's span is [pos before its reads, pos after them). */
static inline size_t af_choice_pos(const af_choices *c)
{
    return c->pos;
}

/* True once the cursor is at or past the end of the input: every further
   read returns the simplest option. */
static inline bool af_choice_exhausted(const af_choices *c)
{
    return c->pos >= c->len;
}

/* An index in [0, n). Reads w little-endian bytes, w the smallest width
   holding n - 1 (0 bytes for n <= 1, 1 for n <= 256, 2 for n <= 65536,
   ...), reduced modulo n: a value below n reads back as itself, so a byte
   change by +1 is an index change by +1. 0 -> 0. n == 0 returns 0. */
uint64_t af_choice_index(af_choices *c, uint64_t n);

/* A count in [0, n) that favours small values: LEB128 (7 bits per byte,
   high bit = another byte follows, at most the width n - 1 needs),
   modulo n. Random bytes give a count below 128 half the time. Used for
   lengths (arrays, strings). 0 -> 0. */
uint64_t af_choice_size(af_choices *c, uint64_t n);

/* One byte; its low bit. 0 -> false. */
bool af_choice_bool(af_choices *c);

/* 8 raw bytes, little-endian. */
uint64_t af_choice_uint64(af_choices *c);

/* The simplest value of [lo, hi]: the allowed value closest to 0 (lo when
   lo > 0, hi when hi < 0, else 0). lo > hi returns lo. */
int64_t af_choice_int_simplest(int64_t lo, int64_t hi);

/* An integer in [lo, hi]. A shape byte s selects:
     0         the simplest value (af_choice_int_simplest)
     1..6      lo, hi, lo+1, hi-1, 0, -1
     7..54     ±2^p-1, ±2^p, ±2^p+1 for p in 7 8 15 16 31 32 53 63
     55..127   a small offset from the simplest: +1..+73 when the simplest
               is lo, -1..-73 when it is hi, else +1..+37 (55..91) and
               -1..-36 (92..127)
     128..255  8 raw little-endian bytes follow: kept when in range;
               else, when the bytes above its low 4 (2, 1) are all 0x00 or
               all 0xff, its int32/uint32 (16-, 8-bit) truncation if that
               is in range; else reduced modulo the range size from the
               simplest end (raw 0 is the simplest)
   A shape whose value is out of range gives the nearest bound. So one
   byte reaches every boundary, and a comparison operand written over the
   raw bytes reads back as itself. lo > hi returns lo and reads nothing. */
int64_t af_choice_int(af_choices *c, int64_t lo, int64_t hi);

/* The simplest double of the range (see af_choice_double); the low
   boundary when the range is empty. */
double af_choice_double_simplest(double lo, double hi, unsigned flags);

/* A finite double in lo..hi (AF_CHOICE_EXCL_* make a bound exclusive; an
   infinite or NaN bound means none; the result is always finite).
   Boundaries are exact: with an exclusive bound the boundary is the
   nearest double inside it. A shape byte s selects:
     0         the simplest: the integer closest to 0 in range, else the
               shortest decimal (0.1, 0.01, ...) closest to 0 in range
     1..4      low boundary, high boundary, the doubles just inside them
     5..10     0, -0, 1, -1, 0.5, -0.5
     11..58    the integer shapes 7..54 as doubles
     59..71    DBL_MAX, -DBL_MAX, DBL_MIN, DBL_TRUE_MIN, DBL_EPSILON,
               FLT_MAX, -FLT_MAX, FLT_MIN, 0.1, 1e21, -1e21, 1e-7, 1e15
     72..127   simplest + 1..56 (as for integers: away from the bound, or
               +1..+28 / -1..-28 when the simplest is inside)
     128..191  2 bytes follow: simplest + d/100 (d unsigned when the
               simplest is a bound, else signed)
     192..255  8 raw bytes follow: an IEEE-754 double, kept when finite and
               in range, else mapped linearly into the range
   Out-of-range shapes give the nearest boundary. With multiple_of > 0 the
   value is k * multiple_of for an integer k read by af_choice_int over the
   allowed k (so k's shapes apply), adjusted by at most two ulps so that
   value / multiple_of == k exactly, as validators check (when no double
   does that for k, the nearest k within 8 that has one); when no
   multiple is in range, the
   simplest value of the range is returned. An empty range returns its low
   boundary and reads nothing. */
double af_choice_double(af_choices *c, double lo, double hi, unsigned flags,
                        double multiple_of);

/* A byte string of length in [min_len, max_len] (both capped at
   AF_CHOICE_MAX_BYTES; max_len below min_len means min_len): a length
   read by af_choice_size over the allowed lengths, then that many raw
   bytes kept verbatim, so dictionary tokens and byte mutations act inside
   the value. *ptr points into the input, or into a static zero buffer
   when the bytes lie past its end; a string cut by the end of the input
   is shortened to the bytes available (never below min_len). Past
   AF_CHOICE_BYTES_BUDGET the length is min_len. Never NULL. */
void af_choice_bytes(af_choices *c, size_t min_len, size_t max_len,
                     const uint8_t **ptr, size_t *len);

/*
 * The writer: the inverse of the reads. Each af_choice_write_X(w, args,
 * v) appends the bytes that af_choice_X(args) reads back as exactly v,
 * choosing the simplest encoding (shape 0 when v is the simplest, else
 * the lowest shape that gives v, else raw). Each write checks itself by
 * reading its bytes back. Returns 0, AF_EUSAGE when v is not a possible
 * result of that read (out of range, not finite, not a multiple), or
 * AF_ENOMEM; after an error the writer keeps failing with the first
 * error. The buffer lives in the arena.
 */
typedef struct af_choice_writer {
    af_arena *arena;
    uint8_t *buf;
    size_t len, cap;
    size_t keep;       /* end of the last byte string (not trimmed) */
    size_t bytes_used; /* mirrors the reader's byte-string budget */
    int status;        /* first error, 0 none */
} af_choice_writer;

void af_choice_writer_init(af_choice_writer *w, af_arena *a);

/* Bytes written so far: the reader's af_choice_pos at the same point. */
static inline size_t af_choice_writer_pos(const af_choice_writer *w)
{
    return w->len;
}

int af_choice_write_index(af_choice_writer *w, uint64_t n, uint64_t v);
int af_choice_write_size(af_choice_writer *w, uint64_t n, uint64_t v);
int af_choice_write_bool(af_choice_writer *w, bool v);
int af_choice_write_uint64(af_choice_writer *w, uint64_t v);
int af_choice_write_int(af_choice_writer *w, int64_t lo, int64_t hi, int64_t v);
int af_choice_write_double(af_choice_writer *w, double lo, double hi,
                           unsigned flags, double multiple_of, double v);
int af_choice_write_bytes(af_choice_writer *w, size_t min_len, size_t max_len,
                          const void *data, size_t len);

/* Appends raw bytes (for callers that build streams by hand). */
int af_choice_write_raw(af_choice_writer *w, const void *data, size_t len);

/* The stream: *out (in the arena) and *len, with trailing zero bytes
   dropped (they read the same as the end of input) except those inside
   byte strings. Returns the writer's status. */
int af_choice_writer_finish(af_choice_writer *w, const uint8_t **out,
                            size_t *len);

#endif
