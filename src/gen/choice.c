/*
 * choice.c - reading fuzz input bytes as choices, and writing choices back
 * as bytes (see choice.h for the encodings).
 *
 * Invariants: a read consumes a number of bytes fixed by its arguments and
 * its own leading bytes; bytes past the end read as zero; zero bytes give
 * the simplest value. Every writer output reads back to the value written
 * (each write reads itself back to check).
 *
 * Tuned for the decoder's hot path: a whole API call (tens of reads) must
 * decode in well under 2 us, so reads are branch-light byte loops with no
 * allocation; the writer (seed generation) favours obviousness over speed.
 */
#include "gen/choice.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "util/error.h"

static const uint8_t zeros[AF_CHOICE_MAX_BYTES];

/* The integer shapes 7..54: ±2^p-1, ±2^p, ±2^p+1 (saturated to int64). */
#define P2(p) ((int64_t)1 << (p))
#define NEAR(p) P2(p) - 1, P2(p), P2(p) + 1, -P2(p) - 1, -P2(p), -P2(p) + 1
static const int64_t magic_int[48] = {
    NEAR(7),   NEAR(8),   NEAR(15),     NEAR(16),  NEAR(31),
    NEAR(32),  NEAR(53),  INT64_MAX,    INT64_MAX, INT64_MAX,
    INT64_MIN, INT64_MIN, INT64_MIN + 1};
#undef NEAR
#undef P2

/* The double shapes 59..71. */
static const double magic_double[13] = {
    DBL_MAX, -DBL_MAX, DBL_MIN, DBL_TRUE_MIN, DBL_EPSILON, FLT_MAX, -FLT_MAX,
    FLT_MIN, 0.1,      1e21,    -1e21,        1e-7,        1e15};

enum {
    SHAPE_FIRST_MAGIC = 7,
    SHAPE_FIRST_SMALL = 55,
    SHAPE_RAW = 128,
    DSHAPE_FIRST_MAGIC = 11,
    DSHAPE_FIRST_DMAGIC = 59,
    DSHAPE_FIRST_SMALL = 72,
    DSHAPE_DECIMAL = 128,
    DSHAPE_RAW = 192
};

void af_choice_init(af_choices *c, const void *data, size_t len)
{
    c->data = data;
    c->len = data != NULL ? len : 0;
    c->pos = 0;
    c->bytes_left = AF_CHOICE_BYTES_BUDGET;
}

static inline uint8_t next_byte(af_choices *c)
{
    size_t p = c->pos++;
    return p < c->len ? c->data[p] : 0;
}

static inline uint64_t read_le(af_choices *c, unsigned width)
{
    uint64_t v = 0;
    if (c->pos < c->len && c->len - c->pos >= width) {
        const uint8_t *p = c->data + c->pos;
        for (unsigned i = 0; i < width; i++)
            v |= (uint64_t)p[i] << (8 * i);
        c->pos += width;
        return v;
    }
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)next_byte(c) << (8 * i);
    return v;
}

/* v mod n, n > 0; a 32-bit division when both fit (several times
   faster than a 64-bit one on x86-64). */
static inline uint64_t mod(uint64_t v, uint64_t n)
{
    if (v < n)
        return v;
    if (((v | n) >> 32) == 0)
        return (uint32_t)v % (uint32_t)n;
    return v % n;
}

/* Bytes needed for max (0 for 0). */
static inline unsigned byte_width(uint64_t max)
{
    return max == 0 ? 0 : (unsigned)(64 - __builtin_clzll(max) + 7) / 8;
}

/* LEB128 groups needed for max (0 for 0). */
static inline unsigned leb_width(uint64_t max)
{
    return max == 0 ? 0 : (unsigned)(64 - __builtin_clzll(max) + 6) / 7;
}

uint64_t af_choice_index(af_choices *c, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t v = read_le(c, byte_width(n - 1));
    return (n & (n - 1)) == 0 ? v & (n - 1) : mod(v, n);
}

uint64_t af_choice_size(af_choices *c, uint64_t n)
{
    if (n <= 1)
        return 0;
    unsigned width = leb_width(n - 1);
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        uint8_t b = next_byte(c);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0)
            break;
    }
    return mod(v, n);
}

bool af_choice_bool(af_choices *c)
{
    return (next_byte(c) & 1) != 0;
}

uint64_t af_choice_uint64(af_choices *c)
{
    return read_le(c, 8);
}

/* ---- integers ---- */

int64_t af_choice_int_simplest(int64_t lo, int64_t hi)
{
    if (lo > hi || lo > 0)
        return lo;
    return hi < 0 ? hi : 0;
}

static inline int64_t clamp_int(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* simplest moved by k (k >= 1) away from 0, staying in range. */
static int64_t int_step(int64_t lo, int64_t hi, int64_t simplest, int64_t k)
{
    if (k > 0) {
        uint64_t room = (uint64_t)hi - (uint64_t)simplest;
        return room < (uint64_t)k ? hi : simplest + k;
    }
    uint64_t room = (uint64_t)simplest - (uint64_t)lo;
    return room < (uint64_t)-k ? lo : simplest + k;
}

/* The value of a one-byte shape s < SHAPE_RAW over [lo, hi], lo <= hi. */
static int64_t int_shape(int64_t lo, int64_t hi, unsigned s)
{
    int64_t simplest = af_choice_int_simplest(lo, hi);
    switch (s) {
    case 0:
        return simplest;
    case 1:
        return lo;
    case 2:
        return hi;
    case 3:
        return lo < hi ? lo + 1 : lo;
    case 4:
        return lo < hi ? hi - 1 : hi;
    case 5:
        return clamp_int(0, lo, hi);
    case 6:
        return clamp_int(-1, lo, hi);
    default:
        break;
    }
    if (s < SHAPE_FIRST_SMALL)
        return clamp_int(magic_int[s - SHAPE_FIRST_MAGIC], lo, hi);
    int64_t k = (int64_t)s - (SHAPE_FIRST_SMALL - 1); /* 1..73 */
    if (lo >= 0)
        return int_step(lo, hi, simplest, k);
    if (hi <= 0)
        return int_step(lo, hi, simplest, -k);
    return k <= 37 ? int_step(lo, hi, simplest, k)
                   : int_step(lo, hi, simplest, 37 - k);
}

static inline bool in_range(int64_t v, int64_t lo, int64_t hi)
{
    return v >= lo && v <= hi;
}

/* True when the bytes of raw above its low `bits` are a sign or zero
   fill, as after libFuzzer wrote a narrower operand over an in-range
   value. */
static inline bool is_filled_above(uint64_t raw, unsigned bits)
{
    uint64_t top = raw >> bits;
    return top == 0 || top == UINT64_MAX >> bits;
}

/* A raw 8-byte value reduced into [lo, hi] (see af_choice_int). */
static int64_t int_reduce(int64_t lo, int64_t hi, uint64_t raw)
{
    if (in_range((int64_t)raw, lo, hi))
        return (int64_t)raw;
    for (unsigned bits = 32; bits >= 8; bits /= 2) {
        if (!is_filled_above(raw, bits))
            continue;
        uint64_t low = raw & (UINT64_MAX >> (64 - bits));
        int64_t as_signed = (low >> (bits - 1)) != 0
                                ? (int64_t)(low | (UINT64_MAX << bits))
                                : (int64_t)low;
        if (in_range(as_signed, lo, hi))
            return as_signed;
        if (in_range((int64_t)low, lo, hi))
            return (int64_t)low;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* < UINT64_MAX here */
    uint64_t off = mod(raw, span + 1);
    if (hi < 0)
        return (int64_t)((uint64_t)hi - off);
    return (int64_t)((uint64_t)lo + off);
}

int64_t af_choice_int(af_choices *c, int64_t lo, int64_t hi)
{
    if (lo > hi)
        return lo;
    unsigned s = next_byte(c);
    if (s < SHAPE_RAW)
        return int_shape(lo, hi, s);
    return int_reduce(lo, hi, read_le(c, 8));
}

/* ---- doubles ---- */

/* The effective boundaries L <= H (finite); false when the range is
   empty. */
static bool double_bounds(double lo, double hi, unsigned flags, double *L,
                          double *H)
{
    double l = isnan(lo) || lo == -INFINITY ? -DBL_MAX : lo;
    double h = isnan(hi) || hi == INFINITY ? DBL_MAX : hi;
    if ((flags & AF_CHOICE_EXCL_LO) && l == lo)
        l = nextafter(l, INFINITY);
    if ((flags & AF_CHOICE_EXCL_HI) && h == hi)
        h = nextafter(h, -INFINITY);
    *L = l;
    *H = h;
    return isfinite(l) && isfinite(h) && l <= h;
}

/* The simplest value of [a, b], 0 < a <= b: the smallest integer, else
   the smallest number with fewest decimals. */
static double simplest_positive(double a, double b)
{
    double v = ceil(a);
    if (v <= b)
        return v;
    double scale = 1;
    for (int k = 1; k <= 20; k++) {
        scale *= 10;
        v = ceil(a * scale) / scale;
        if (v >= a && v <= b)
            return v;
    }
    return a;
}

static double simplest_in(double L, double H)
{
    if (L <= 0 && H >= 0)
        return 0.0;
    if (L > 0)
        return simplest_positive(L, H);
    return -simplest_positive(-H, -L);
}

double af_choice_double_simplest(double lo, double hi, unsigned flags)
{
    double L, H;
    if (!double_bounds(lo, hi, flags, &L, &H))
        return isfinite(L) ? L : 0.0;
    return simplest_in(L, H);
}

static inline double clamp_double(double v, double L, double H)
{
    return v < L ? L : v > H ? H : v;
}

/* simplest moved by delta away from 0 (delta > 0), or by the signed delta
   when 0 is strictly inside the range; clamped to it. */
static double double_step(double L, double H, double simplest, double delta)
{
    if (L >= 0)
        return clamp_double(simplest + delta, L, H);
    if (H <= 0)
        return clamp_double(simplest - delta, L, H);
    return clamp_double(simplest + delta, L, H);
}

/* The value of a one-byte shape s < DSHAPE_DECIMAL over [L, H]. */
static double double_shape(double L, double H, unsigned s)
{
    static const double fixed[6] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5};
    switch (s) {
    case 0:
        return simplest_in(L, H);
    case 1:
        return L;
    case 2:
        return H;
    case 3:
        return L < H ? nextafter(L, INFINITY) : L;
    case 4:
        return L < H ? nextafter(H, -INFINITY) : H;
    default:
        break;
    }
    if (s < DSHAPE_FIRST_MAGIC)
        return clamp_double(fixed[s - 5], L, H);
    if (s < DSHAPE_FIRST_DMAGIC)
        return clamp_double((double)magic_int[s - DSHAPE_FIRST_MAGIC], L, H);
    if (s < DSHAPE_FIRST_SMALL)
        return clamp_double(magic_double[s - DSHAPE_FIRST_DMAGIC], L, H);
    double k = (double)(s - (DSHAPE_FIRST_SMALL - 1)); /* 1..56 */
    if (L < 0 && H > 0 && k > 28)
        k = 28 - k;
    return double_step(L, H, simplest_in(L, H), k);
}

static double double_decimal(double L, double H, uint16_t d)
{
    double simplest = simplest_in(L, H);
    double delta = L < 0 && H > 0 ? (int16_t)d / 100.0 : d / 100.0;
    return double_step(L, H, simplest, delta);
}

static double double_raw(double L, double H, uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    if (isfinite(v) && v >= L && v <= H)
        return v;
    double frac = (double)(bits >> 11) * 0x1p-53;
    v = L * (1 - frac) + H * frac;
    return clamp_double(v, L, H);
}

static double double_plain(af_choices *c, double L, double H)
{
    unsigned s = next_byte(c);
    if (s < DSHAPE_DECIMAL)
        return double_shape(L, H, s);
    if (s < DSHAPE_RAW)
        return double_decimal(L, H, (uint16_t)read_le(c, 2));
    return double_raw(L, H, read_le(c, 8));
}

/* The multiples k * m allowed in [L, H]: [*kmin, *kmax], kept within
   ±2^53 so that k is exact as a double. False when there are none. */
static bool multiple_range(double L, double H, double m, int64_t *kmin,
                           int64_t *kmax)
{
    const double lim = 0x1p53;
    double a = ceil(L / m), b = floor(H / m);
    a = a < -lim ? -lim : a;
    b = b > lim ? lim : b;
    if (!(a <= b))
        return false;
    *kmin = (int64_t)a;
    *kmax = (int64_t)b;
    return true;
}

/* k * m, nudged by up to two ulps so that it lies in [L, H] and divides
   back to k exactly (what validators check); NAN when no nudge works. */
static double multiple_exact(int64_t k, double m, double L, double H)
{
    double v = (double)k * m;
    double up = v, down = v;
    for (int i = 0; i < 3; i++) {
        if (up >= L && up <= H && up / m == (double)k)
            return up;
        if (down >= L && down <= H && down / m == (double)k)
            return down;
        up = nextafter(up, INFINITY);
        down = nextafter(down, -INFINITY);
    }
    return NAN;
}

static double double_multiple(af_choices *c, double L, double H, double m)
{
    int64_t kmin, kmax;
    if (!multiple_range(L, H, m, &kmin, &kmax))
        return simplest_in(L, H);
    int64_t k = af_choice_int(c, kmin, kmax);
    /* Some k have no double v with v / m == k (m inexact, like 1e-5): the
       nearest k that has one is taken. */
    for (int64_t d = 0; d <= 8; d++) {
        if (k <= kmax - d) {
            double v = multiple_exact(k + d, m, L, H);
            if (!isnan(v))
                return v;
        }
        if (d > 0 && k >= kmin + d) {
            double v = multiple_exact(k - d, m, L, H);
            if (!isnan(v))
                return v;
        }
    }
    return clamp_double((double)k * m, L, H);
}

static inline bool is_multiple_mode(double m)
{
    return m > 0 && isfinite(m);
}

double af_choice_double(af_choices *c, double lo, double hi, unsigned flags,
                        double multiple_of)
{
    double L, H;
    if (!double_bounds(lo, hi, flags, &L, &H))
        return isfinite(L) ? L : 0.0;
    if (is_multiple_mode(multiple_of))
        return double_multiple(c, L, H, multiple_of);
    return double_plain(c, L, H);
}

/* ---- byte strings ---- */

/* The [min, max] af_choice_bytes really uses. */
static void bytes_bounds(size_t *min_len, size_t *max_len)
{
    size_t lo = *min_len < AF_CHOICE_MAX_BYTES ? *min_len : AF_CHOICE_MAX_BYTES;
    size_t hi = *max_len < AF_CHOICE_MAX_BYTES ? *max_len : AF_CHOICE_MAX_BYTES;
    *min_len = lo;
    *max_len = hi < lo ? lo : hi;
}

void af_choice_bytes(af_choices *c, size_t min_len, size_t max_len,
                     const uint8_t **ptr, size_t *len)
{
    bytes_bounds(&min_len, &max_len);
    size_t n = min_len + (size_t)af_choice_size(c, max_len - min_len + 1);
    if (n > min_len && n > c->bytes_left)
        n = c->bytes_left > min_len ? c->bytes_left : min_len;
    size_t avail = c->pos < c->len ? c->len - c->pos : 0;
    if (n > 0 && avail > 0 && (avail >= n || avail >= min_len)) {
        n = avail < n ? avail : n;
        *ptr = c->data + c->pos;
    } else {
        *ptr = zeros;
    }
    *len = n;
    c->pos += n;
    c->bytes_left -= n < c->bytes_left ? n : c->bytes_left;
}

/* ---- the writer ---- */

void af_choice_writer_init(af_choice_writer *w, af_arena *a)
{
    memset(w, 0, sizeof *w);
    w->arena = a;
}

static int fail(af_choice_writer *w, int code)
{
    if (w->status == 0)
        w->status = code;
    return w->status;
}

static int put(af_choice_writer *w, const void *p, size_t n)
{
    if (w->status != 0)
        return w->status;
    if (n == 0)
        return 0;
    if (n > SIZE_MAX / 4 - w->len)
        return fail(w, AF_ENOMEM);
    if (w->len + n > w->cap) {
        size_t cap = w->cap != 0 ? w->cap * 2 : 64;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = af_arena_grow(w->arena, w->buf, w->len, cap, 1);
        if (b == NULL)
            return fail(w, AF_ENOMEM);
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return 0;
}

static int put_byte(af_choice_writer *w, unsigned b)
{
    uint8_t u = (uint8_t)b;
    return put(w, &u, 1);
}

static int put_le(af_choice_writer *w, uint64_t v, unsigned width)
{
    uint8_t b[8];
    for (unsigned i = 0; i < width; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return put(w, b, width);
}

/* A reader over what was written since start, in the budget state the
   real reader has there. */
static void reread(const af_choice_writer *w, size_t start, af_choices *c)
{
    af_choice_init(c, w->buf != NULL ? w->buf + start : NULL, w->len - start);
    c->bytes_left = AF_CHOICE_BYTES_BUDGET - w->bytes_used;
}

/* Ends a write: when the bytes since start did not read back as the value
   (is_same false), they are dropped and the writer fails. */
static int settle(af_choice_writer *w, size_t start, bool is_same)
{
    if (w->status != 0)
        return w->status;
    if (!is_same) {
        w->len = start;
        return fail(w, AF_EUSAGE);
    }
    return 0;
}

int af_choice_write_index(af_choice_writer *w, uint64_t n, uint64_t v)
{
    if (v >= (n > 1 ? n : 1))
        return fail(w, AF_EUSAGE);
    return n <= 1 ? w->status : put_le(w, v, byte_width(n - 1));
}

int af_choice_write_size(af_choice_writer *w, uint64_t n, uint64_t v)
{
    if (v >= (n > 1 ? n : 1))
        return fail(w, AF_EUSAGE);
    if (n <= 1)
        return w->status;
    while (v >= 0x80) {
        put_byte(w, (unsigned)(v & 0x7f) | 0x80);
        v >>= 7;
    }
    return put_byte(w, (unsigned)v);
}

int af_choice_write_bool(af_choice_writer *w, bool v)
{
    return put_byte(w, v ? 1 : 0);
}

int af_choice_write_uint64(af_choice_writer *w, uint64_t v)
{
    return put_le(w, v, 8);
}

int af_choice_write_raw(af_choice_writer *w, const void *data, size_t len)
{
    return put(w, data, len);
}

int af_choice_write_int(af_choice_writer *w, int64_t lo, int64_t hi, int64_t v)
{
    if (lo > hi)
        return v == lo ? w->status : fail(w, AF_EUSAGE);
    if (!in_range(v, lo, hi))
        return fail(w, AF_EUSAGE);
    size_t start = w->len;
    unsigned s = 0;
    while (s < SHAPE_RAW && int_shape(lo, hi, s) != v)
        s++;
    put_byte(w, s);
    if (s == SHAPE_RAW)
        put_le(w, (uint64_t)v, 8);
    af_choices c;
    reread(w, start, &c);
    return settle(w, start, w->status == 0 && af_choice_int(&c, lo, hi) == v);
}

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The simplest plain-double encoding of v, L <= v <= H. */
static void put_double_plain(af_choice_writer *w, double L, double H, double v)
{
    unsigned s = 0;
    while (s < DSHAPE_DECIMAL && !same_double(double_shape(L, H, s), v))
        s++;
    if (s < DSHAPE_DECIMAL) {
        put_byte(w, s);
        return;
    }
    double simplest = simplest_in(L, H);
    bool is_split = L < 0 && H > 0;
    double d =
        nearbyint((L >= 0 || is_split ? v - simplest : simplest - v) * 100);
    if (is_split ? d >= INT16_MIN && d <= INT16_MAX
                 : d >= 0 && d <= UINT16_MAX) {
        uint16_t u = is_split ? (uint16_t)(int16_t)d : (uint16_t)d;
        if (same_double(double_decimal(L, H, u), v)) {
            put_byte(w, DSHAPE_DECIMAL);
            put_le(w, u, 2);
            return;
        }
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_byte(w, DSHAPE_RAW);
    put_le(w, bits, 8);
}

int af_choice_write_double(af_choice_writer *w, double lo, double hi,
                           unsigned flags, double multiple_of, double v)
{
    double L, H;
    int64_t kmin = 0, kmax = 0;
    bool is_multiple = is_multiple_mode(multiple_of);
    if (!double_bounds(lo, hi, flags, &L, &H) ||
        (is_multiple && !multiple_range(L, H, multiple_of, &kmin, &kmax))) {
        af_choices none; /* such a read consumes nothing */
        af_choice_init(&none, NULL, 0);
        double only = af_choice_double(&none, lo, hi, flags, multiple_of);
        return same_double(only, v) ? w->status : fail(w, AF_EUSAGE);
    }
    if (!isfinite(v) || v < L || v > H)
        return fail(w, AF_EUSAGE);
    size_t start = w->len;
    if (is_multiple) {
        double q = nearbyint(v / multiple_of);
        if (!(q >= (double)kmin && q <= (double)kmax))
            return fail(w, AF_EUSAGE);
        af_choice_write_int(w, kmin, kmax, (int64_t)q);
    } else {
        put_double_plain(w, L, H, v);
    }
    af_choices c;
    reread(w, start, &c);
    return settle(
        w, start,
        w->status == 0 &&
            same_double(af_choice_double(&c, lo, hi, flags, multiple_of), v));
}

int af_choice_write_bytes(af_choice_writer *w, size_t min_len, size_t max_len,
                          const void *data, size_t len)
{
    bytes_bounds(&min_len, &max_len);
    if (len < min_len || len > max_len || (data == NULL && len > 0))
        return fail(w, AF_EUSAGE);
    size_t left = AF_CHOICE_BYTES_BUDGET - w->bytes_used;
    if (len > min_len && len > left)
        return fail(w, AF_ELIMIT);
    size_t start = w->len;
    af_choice_write_size(w, max_len - min_len + 1, len - min_len);
    put(w, data, len);
    af_choices c;
    reread(w, start, &c);
    const uint8_t *p;
    size_t n;
    af_choice_bytes(&c, min_len, max_len, &p, &n);
    int rc = settle(w, start,
                    w->status == 0 && n == len &&
                        (len == 0 || memcmp(p, data, len) == 0));
    if (rc == 0) {
        w->keep = w->len;
        w->bytes_used += len < left ? len : left;
    }
    return rc;
}

int af_choice_writer_finish(af_choice_writer *w, const uint8_t **out,
                            size_t *len)
{
    size_t end = w->len;
    while (end > w->keep && w->buf[end - 1] == 0)
        end--;
    *out = w->buf != NULL ? w->buf : zeros;
    *len = end;
    return w->status;
}
