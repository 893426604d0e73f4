/*
 * format_idn.c - the hostname and idn-hostname formats: RFC 1123 labels,
 * A-labels decoded by Punycode (RFC 3492) and re-encoded to be sure they
 * are canonical, and U-labels checked by a reasonable subset of IDNA2008.
 *
 * The subset (RFC 5892 without its generated tables): a code point is
 * PVALID when it is a lowercase, modifier or other letter, a mark or a
 * decimal digit (Unicode general categories, asked of PCRE2), apart from
 * the exceptions of §2.6; the CONTEXTO and CONTEXTJ rules of Appendix A
 * (middle dot, Greek keraia, Hebrew geresh, katakana middle dot, Arabic
 * digits, ZWJ and ZWNJ, with Virama taken from a list and joining types
 * approximated by script); a label may not start with a mark or have
 * "--" in positions 3-4; and the Bidi rule of RFC 5893 §2 for names that
 * hold right-to-left labels. Not done: NFC, and code points whose
 * category admits them but whose NFKC form differs (ª).
 *
 * The category patterns are compiled once per process; a check allocates
 * nothing else (labels are at most 63 octets, so fixed buffers do).
 */
#include "check/format.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "spec/pattern.h"

#define MAX_CPS 256 /* code points of one label (A-labels are <= 63) */

/* ---- code points ----------------------------------------------------------
 */

static int utf8_decode(const char *s, size_t len, uint32_t *out, int cap)
{
    int n = 0;
    for (size_t i = 0; i < len; n++) {
        unsigned char c = (unsigned char)s[i];
        int more = c < 0x80    ? 0
                   : c >= 0xF0 ? 3
                   : c >= 0xE0 ? 2
                   : c >= 0xC2 ? 1
                               : -1;
        if (more < 0 || c > 0xF4 || i + (size_t)more >= len || n == cap)
            return -1;
        uint32_t cp = more == 0 ? c : c & (0x3F >> more);
        for (int k = 1; k <= more; k++) {
            unsigned char d = (unsigned char)s[i + (size_t)k];
            if ((d & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (d & 0x3F);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        out[n] = cp;
        i += (size_t)more + 1;
    }
    return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- Punycode (RFC 3492 §6) -----------------------------------------------
 */

enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };

static uint32_t adapt(uint32_t delta, uint32_t n_points, bool is_first)
{
    delta = is_first ? delta / DAMP : delta / 2;
    delta += delta / n_points;
    uint32_t k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
        delta /= BASE - TMIN;
        k += BASE;
    }
    return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static uint32_t threshold(uint32_t k, uint32_t bias)
{
    return k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
}

static int digit_of(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0' + 26;
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    return c >= 'A' && c <= 'Z' ? c - 'A' : BASE;
}

static int puny_decode(const char *in, size_t len, uint32_t *out, int cap)
{
    size_t b = len;
    while (b > 0 && in[b - 1] != '-')
        b--;
    int n_out = 0;
    for (size_t j = 0; b > 0 && j + 1 < b; j++) {
        if ((unsigned char)in[j] >= 0x80 || n_out == cap)
            return -1;
        out[n_out++] = (unsigned char)in[j];
    }
    uint32_t n = 128, i = 0, bias = 72;
    for (size_t pos = b; pos < len;) {
        uint32_t old = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            int d = pos < len ? digit_of(in[pos++]) : BASE;
            if (d >= BASE || (uint32_t)d > (UINT32_MAX - i) / w)
                return -1;
            i += (uint32_t)d * w;
            uint32_t t = threshold(k, bias);
            if ((uint32_t)d < t)
                break;
            if (w > UINT32_MAX / (BASE - t))
                return -1;
            w *= BASE - t;
        }
        bias = adapt(i - old, (uint32_t)n_out + 1, old == 0);
        if (i / ((uint32_t)n_out + 1) > 0x10FFFF - n || n_out == cap)
            return -1;
        n += i / ((uint32_t)n_out + 1);
        if (n < 0x80)
            return -1; /* §6.2: a basic code point is never encoded */
        i %= (uint32_t)n_out + 1;
        memmove(out + i + 1, out + i, ((uint32_t)n_out - i) * sizeof *out);
        out[i++] = n;
        n_out++;
    }
    return n_out;
}

static bool put_char(char *out, size_t cap, size_t *len, char c)
{
    if (*len + 1 >= cap)
        return false;
    out[(*len)++] = c;
    return true;
}

static char digit_char(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Encodes n code points; returns the length, or -1 when over cap. */
static int puny_encode(const uint32_t *cp, int n, char *out, size_t cap)
{
    size_t len = 0;
    uint32_t h = 0;
    for (int j = 0; j < n; j++)
        if (cp[j] < 0x80 && !put_char(out, cap, &len, (char)cp[j]))
            return -1;
    h = (uint32_t)len;
    uint32_t b = h, m_n = 128, delta = 0, bias = 72;
    if (b > 0 && !put_char(out, cap, &len, '-'))
        return -1;
    while (h < (uint32_t)n) {
        uint32_t m = UINT32_MAX;
        for (int j = 0; j < n; j++)
            if (cp[j] >= m_n && cp[j] < m)
                m = cp[j];
        delta += (m - m_n) * (h + 1);
        m_n = m;
        for (int j = 0; j < n; j++) {
            if (cp[j] < m_n)
                delta++;
            if (cp[j] != m_n)
                continue;
            uint32_t q = delta;
            for (uint32_t k = BASE;; k += BASE) {
                uint32_t t = threshold(k, bias);
                if (q < t)
                    break;
                if (!put_char(out, cap, &len,
                              digit_char(t + (q - t) % (BASE - t))))
                    return -1;
                q = (q - t) / (BASE - t);
            }
            if (!put_char(out, cap, &len, digit_char(q)))
                return -1;
            bias = adapt(delta, h + 1, h == b);
            delta = 0;
            h++;
        }
        delta++;
        m_n++;
    }
    out[len] = '\0';
    return (int)len;
}

/* ---- Unicode properties, asked of PCRE2 ------------------------------------
 */

enum { P_BASE, P_MARK, P_GREEK, P_HEBREW, P_HKH, P_RTL, P_LETTER, N_PROPS };

static const char *const prop_src[N_PROPS] = {
    [P_BASE] = "^[\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}]$",
    [P_MARK] = "^\\p{M}$",
    [P_GREEK] = "^\\p{Greek}$",
    [P_HEBREW] = "^\\p{Hebrew}$",
    [P_HKH] = "^[\\p{Hiragana}\\p{Katakana}\\p{Han}]$",
    [P_RTL] = ("^(?=[\\p{L}\\p{Mc}])[\\p{Hebrew}\\p{Arabic}\\p{Syriac}"
               "\\p{Thaana}\\p{Nko}\\p{Samaritan}\\p{Mandaic}]$"),
    [P_LETTER] = "^[\\p{L}\\p{Mc}\\p{Nd}]$",
};
static void *props[N_PROPS];
static pthread_once_t props_once = PTHREAD_ONCE_INIT;

static void props_init(void)
{
    for (int i = 0; i < N_PROPS; i++)
        if (af_pattern_compile(prop_src[i], &props[i], NULL, 0) != 0)
            props[i] = NULL;
}

static bool is(int p, uint32_t cp)
{
    pthread_once(&props_once, props_init);
    char buf[4];
    size_t n = utf8_encode(cp, buf);
    return props[p] != NULL && af_pattern_match(props[p], buf, n) == 1;
}

/* Canonical_Combining_Class = Virama, the common ones (Indic scripts). */
static bool is_virama(uint32_t c)
{
    static const uint32_t v[] = {
        0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B,
        0x0D3C, 0x0D4D, 0x0DCA, 0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714,
        0x1715, 0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3,
        0x2D7F, 0xA806, 0xA82C, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] == c)
            return true;
    return false;
}

/* ---- IDNA2008 (RFC 5892) ----------------------------------------------------
 */

static bool in(uint32_t c, uint32_t lo, uint32_t hi)
{
    return c >= lo && c <= hi;
}

/* RFC 5892 §2.6 exceptions: 1 PVALID, -1 DISALLOWED, 0 neither. */
static int exception(uint32_t c)
{
    if (c == 0x00DF || c == 0x03C2 || c == 0x06FD || c == 0x06FE ||
        c == 0x0F0B || c == 0x3007)
        return 1;
    if (c == 0x0640 || c == 0x07FA || c == 0x302E || c == 0x302F ||
        in(c, 0x3031, 0x3035) || c == 0x303B)
        return -1;
    return 0;
}

static bool is_joiner_side(uint32_t c)
{
    return is(P_RTL, c) && !is(P_HEBREW, c); /* Arabic-like: dual-joining */
}

/* ZWNJ: after a Virama, or between joining letters (transparent marks
   allowed around it). */
static bool zwnj_ok(const uint32_t *cp, int n, int i)
{
    if (i > 0 && is_virama(cp[i - 1]))
        return true;
    int l = i - 1, r = i + 1;
    while (l >= 0 && is(P_MARK, cp[l]))
        l--;
    while (r < n && is(P_MARK, cp[r]))
        r++;
    return l >= 0 && r < n && is_joiner_side(cp[l]) && is_joiner_side(cp[r]);
}

static bool has_hkh(const uint32_t *cp, int n)
{
    for (int j = 0; j < n; j++)
        if (cp[j] != 0x30FB && is(P_HKH, cp[j]))
            return true;
    return false;
}

static bool has_range(const uint32_t *cp, int n, uint32_t lo, uint32_t hi)
{
    for (int j = 0; j < n; j++)
        if (in(cp[j], lo, hi))
            return true;
    return false;
}

/* RFC 5892 Appendix A rules, for code point i; 0 when none applies. */
static int context(const uint32_t *cp, int n, int i)
{
    uint32_t c = cp[i];
    switch (c) {
    case 0x00B7:
        return i > 0 && i + 1 < n && cp[i - 1] == 'l' && cp[i + 1] == 'l' ? 1
                                                                          : -1;
    case 0x0375:
        return i + 1 < n && is(P_GREEK, cp[i + 1]) ? 1 : -1;
    case 0x05F3:
    case 0x05F4:
        return i > 0 && is(P_HEBREW, cp[i - 1]) ? 1 : -1;
    case 0x30FB:
        return has_hkh(cp, n) ? 1 : -1;
    case 0x200D:
        return i > 0 && is_virama(cp[i - 1]) ? 1 : -1;
    case 0x200C:
        return zwnj_ok(cp, n, i) ? 1 : -1;
    default:
        break;
    }
    if (in(c, 0x0660, 0x0669))
        return has_range(cp, n, 0x06F0, 0x06F9) ? -1 : 1;
    if (in(c, 0x06F0, 0x06F9))
        return has_range(cp, n, 0x0660, 0x0669) ? -1 : 1;
    return 0;
}

static bool is_ldh(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-';
}

static bool ulabel_ok(const uint32_t *cp, int n)
{
    if (n == 0 || cp[0] == '-' || cp[n - 1] == '-' ||
        (n >= 4 && cp[2] == '-' && cp[3] == '-') || is(P_MARK, cp[0]))
        return false;
    for (int i = 0; i < n; i++) {
        uint32_t c = cp[i];
        int rule = c < 0x80 ? (is_ldh(c) ? 1 : -1) : exception(c);
        if (rule == 0)
            rule = context(cp, n, i);
        if (rule == 0)
            rule = is(P_BASE, c) ? 1 : -1;
        if (rule < 0)
            return false;
    }
    return true;
}

/* ---- Bidi rule (RFC 5893 §2) ------------------------------------------------
 */

typedef enum bidi { B_L, B_R, B_AN, B_EN, B_NSM, B_ON } bidi;

static bidi bidi_of(uint32_t c)
{
    if (in(c, '0', '9') || in(c, 0x06F0, 0x06F9))
        return B_EN;
    if (in(c, 0x0600, 0x0605) || in(c, 0x0660, 0x0669) || c == 0x066B ||
        c == 0x066C || c == 0x06DD || c == 0x08E2)
        return B_AN;
    if (c < 0x80)
        return is_ldh(c) && c != '-' ? B_L : B_ON;
    if (is(P_RTL, c))
        return B_R;
    if (is(P_MARK, c))
        return B_NSM;
    return is(P_LETTER, c) ? B_L : B_ON;
}

static bool bidi_label_ok(const uint32_t *cp, int n)
{
    bidi first = bidi_of(cp[0]), last = first;
    if (first != B_L && first != B_R)
        return false;
    bool is_rtl = first == B_R, has_en = false, has_an = false;
    for (int i = 0; i < n; i++) {
        bidi b = bidi_of(cp[i]);
        if (is_rtl ? b == B_L : b == B_R || b == B_AN)
            return false;
        has_en |= b == B_EN;
        has_an |= b == B_AN;
        last = b != B_NSM ? b : last;
    }
    if (is_rtl)
        return !(has_en && has_an) && last != B_ON && last != B_L;
    return last == B_L || last == B_EN;
}

static bool is_rtl_label(const uint32_t *cp, int n)
{
    for (int i = 0; i < n; i++) {
        bidi b = bidi_of(cp[i]);
        if (b == B_R || b == B_AN)
            return true;
    }
    return false;
}

/* ---- labels and names -------------------------------------------------------
 */

/* One label as code points (A-labels decoded); *alen: octets of its
   A-label form. false when the label is not valid. */
static bool label(const char *s, size_t len, bool is_idn, uint32_t *cp, int *n,
                  size_t *alen)
{
    bool is_ascii = true;
    for (size_t i = 0; i < len; i++)
        is_ascii &= (unsigned char)s[i] < 0x80;
    if (is_ascii) {
        *n = utf8_decode(s, len, cp, MAX_CPS);
        *alen = len;
        if (len == 0 || len > 63 || *n < 0 || s[0] == '-' || s[len - 1] == '-')
            return false;
        for (int i = 0; i < *n; i++)
            if (!is_ldh(cp[i]))
                return false;
        /* "ab--cd" is a valid LDH label (RFC 1123); only xn-- is read */
        if (len < 4 || s[2] != '-' || s[3] != '-' || (s[0] | 0x20) != 'x' ||
            (s[1] | 0x20) != 'n')
            return true;
        char again[64];
        *n = puny_decode(s + 4, len - 4, cp, MAX_CPS);
        int m = *n > 0 ? puny_encode(cp, *n, again, sizeof again) : -1;
        return m >= 0 && (size_t)m == len - 4 &&
               strncasecmp(again, s + 4, len - 4) == 0 &&
               has_range(cp, *n, 0x80, 0x10FFFF) && ulabel_ok(cp, *n);
    }
    *n = is_idn ? utf8_decode(s, len, cp, MAX_CPS) : -1;
    char enc[64];
    int m = *n > 0 ? puny_encode(cp, *n, enc, sizeof enc) : -1;
    *alen = m >= 0 ? (size_t)m + 4 : 0;
    return m >= 0 && *alen <= 63 && ulabel_ok(cp, *n);
}

/* The length of the label separator at s, or 0 (IDNA2003 §3.1 dots). */
static size_t separator(const char *s, size_t left, bool is_idn)
{
    if (s[0] == '.')
        return 1;
    if (!is_idn || left < 3)
        return 0;
    if (memcmp(s, "\xE3\x80\x82", 3) == 0 ||
        memcmp(s, "\xEF\xBC\x8E", 3) == 0 || memcmp(s, "\xEF\xBD\xA1", 3) == 0)
        return 3;
    return 0;
}

/* Walks the labels; with check_bidi, applies the Bidi rule to each. */
static bool labels(const char *s, size_t len, bool is_idn, bool check_bidi,
                   bool *is_bidi)
{
    uint32_t cp[MAX_CPS];
    size_t start = 0, total = 0;
    for (size_t i = 0; i <= len;) {
        size_t sep = i < len ? separator(s + i, len - i, is_idn) : 1;
        if (sep == 0) {
            i++;
            continue;
        }
        int n = 0;
        size_t alen = 0;
        if (!label(s + start, i - start, is_idn, cp, &n, &alen))
            return false;
        *is_bidi |= is_rtl_label(cp, n);
        if (check_bidi && !bidi_label_ok(cp, n))
            return false;
        total += alen + (i < len);
        i += sep;
        start = i;
    }
    return total <= 253;
}

bool af_format_hostname(const char *s, size_t len, bool is_idn)
{
    bool is_bidi = false;
    if (len == 0 || strlen(s) < len || !labels(s, len, is_idn, false, &is_bidi))
        return false;
    return !is_bidi || labels(s, len, is_idn, true, &is_bidi);
}
