/*
 * pattern.c - ECMA-262 `pattern` translated to PCRE2 and matched with
 * bounds (semantics in pattern.h).
 *
 * The translation is one pass over the source that tracks only whether it
 * is inside a character class; it rewrites the constructs whose meaning
 * differs (`.`, \s, \S, surrogate-pair escapes, `[` inside a class) and
 * copies everything else, leaving syntax checks to pcre2_compile.
 * Compilation happens once per pattern at model load; matching is the hot
 * path (validator, decoder), so codes are JIT-compiled when the library
 * can, and a match that overflows the small JIT stack is retried by the
 * interpreter, which is bounded by the same limits.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "spec/pattern.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Largest JIT stack of one thread (bytes). */
#define AF_PATTERN_JIT_STACK (1024 * 1024)

/* ECMA-262 WhiteSpace and LineTerminator code points (for \s). */
#define ECMA_SPACE                                                             \
    "\\t\\n\\x0b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f"     \
    "\\u205f\\u3000\\ufeff"
/* ECMA-262 `.`: anything but a LineTerminator. */
#define ECMA_DOT "[^\\n\\r\\u2028\\u2029]"

/* What af_pattern_compile hands out: a counted reference to one code, so
   that every schema with the same source can share it (pattern_cache). */
typedef struct pat {
    pcre2_code *re;
    atomic_uint refs;
} pat;

typedef struct buf {
    char *p;
    size_t len, cap;
    bool is_oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->is_oom)
        return;
    if (b->p == NULL || b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->is_oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* The value of 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* UTF-8 encoding of a supplementary-plane code point (4 bytes). */
static void put_astral(buf *b, long cp)
{
    char u[4] = {(char)(0xf0 | (cp >> 18)), (char)(0x80 | ((cp >> 12) & 63)),
                 (char)(0x80 | ((cp >> 6) & 63)), (char)(0x80 | (cp & 63))};
    put(b, u, 4);
}

/* ECMA-262 \p{...} accepts Unicode's long General_Category names
   (PropertyValueAliases.txt); PCRE2 10.42 knows the short ones only. */
static const char *const gc_long_names[][2] = {
    {"Letter", "L"},
    {"Cased_Letter", "L&"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
};

/* \p{Name} or \P{Name} at s: writes PCRE2's spelling and returns the bytes
   consumed, or 0 to copy the escape unchanged. */
static size_t property(buf *b, const char *s)
{
    const char *end = strchr(s + 3, '}');
    if (s[2] != '{' || end == NULL)
        return 0;
    const char *name = s + 3;
    if (strncmp(name, "General_Category=", 17) == 0)
        name += 17;
    else if (strncmp(name, "gc=", 3) == 0)
        name += 3;
    size_t len = (size_t)(end - name);
    const char *gc = NULL;
    for (size_t i = 0; i < sizeof gc_long_names / sizeof gc_long_names[0]; i++)
        if (strlen(gc_long_names[i][0]) == len &&
            strncmp(name, gc_long_names[i][0], len) == 0)
            gc = gc_long_names[i][1];
    put(b, s, 3);
    if (gc != NULL)
        puts_(b, gc);
    else
        put(b, name, len);
    put(b, "}", 1);
    return (size_t)(end - s) + 1;
}

/* Translates the escape at s (s[0] == '\\'); returns bytes consumed. */
static size_t escape(buf *b, const char *s, bool in_class)
{
    if (s[1] == '\0') {
        put(b, s, 1); /* trailing backslash: PCRE2 reports it */
        return 1;
    }
    if (s[1] == 's') {
        puts_(b, in_class ? ECMA_SPACE : "[" ECMA_SPACE "]");
        return 2;
    }
    if (s[1] == 'S' && !in_class) {
        puts_(b, "[^" ECMA_SPACE "]");
        return 2;
    }
    if (s[1] == 'u') {
        /* hex4 stops at the NUL, so s[6] and s[7] are only read when the
           four bytes before them were hex digits. */
        long hi = hex4(s + 2);
        bool is_high = hi >= 0xd800 && hi <= 0xdbff;
        long lo = is_high && s[6] == '\\' && s[7] == 'u' ? hex4(s + 8) : -1;
        if (is_high && lo >= 0xdc00 && lo <= 0xdfff) {
            put_astral(b, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
            return 12;
        }
    }
    if (s[1] == 'p' || s[1] == 'P') {
        size_t n = property(b, s);
        if (n > 0)
            return n;
    }
    put(b, s, 2);
    return 2;
}

/* Writes the PCRE2 form of ecma into b. */
static void translate(buf *b, const char *ecma)
{
    bool in_class = false;
    const char *s = ecma;
    while (*s != '\0') {
        if (*s == '\\') {
            s += escape(b, s, in_class);
            continue;
        }
        if (in_class) {
            /* ECMA has no POSIX [:alpha:] classes: '[' is literal. */
            if (*s == '[')
                puts_(b, "\\[");
            else
                put(b, s, 1);
            if (*s == ']')
                in_class = false;
            s++;
            continue;
        }
        if (*s == '.') {
            puts_(b, ECMA_DOT);
        } else if (*s == '[') {
            put(b, s, 1);
            in_class = true;
            if (s[1] == '^')
                put(b, ++s, 1);
        } else {
            put(b, s, 1);
        }
        s++;
    }
    if (b->p == NULL)
        put(b, "", 0);
}

static int compile_translated(const char *src, void **out_code, char *errbuf,
                              size_t cap)
{
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc == NULL)
        return AF_ENOMEM;
    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
    uint32_t opts = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY |
                    PCRE2_ALLOW_EMPTY_CLASS | PCRE2_MATCH_UNSET_BACKREF;
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts,
                                   &code, &offset, cc);
    pcre2_compile_context_free(cc);
    if (re == NULL) {
        if (code == PCRE2_ERROR_NOMEMORY)
            return AF_ENOMEM;
        if (errbuf != NULL && cap > 0) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
                snprintf((char *)msg, sizeof msg, "error %d", code);
            snprintf(errbuf, cap, "%s (at offset %zu of the PCRE2 form)",
                     (const char *)msg, (size_t)offset);
        }
        return AF_ESPEC;
    }
    /* JIT is an optimization only: without it the interpreter runs. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pat *p = malloc(sizeof *p);
    if (p == NULL) {
        pcre2_code_free(re);
        return AF_ENOMEM;
    }
    p->re = re;
    atomic_init(&p->refs, 1);
    *out_code = p;
    return 0;
}

int af_pattern_compile(const char *ecma, void **out_code, char *errbuf,
                       size_t cap)
{
    if (errbuf != NULL && cap > 0)
        errbuf[0] = '\0';
    if (out_code == NULL)
        return AF_EUSAGE;
    *out_code = NULL;
    if (ecma == NULL)
        return AF_EUSAGE;
    if (strlen(ecma) > AF_PATTERN_MAX_LEN) {
        if (errbuf != NULL && cap > 0)
            snprintf(errbuf, cap, "pattern longer than %u bytes",
                     AF_PATTERN_MAX_LEN);
        return AF_ESPEC;
    }
    buf b = {0};
    translate(&b, ecma);
    int rc =
        b.is_oom ? AF_ENOMEM : compile_translated(b.p, out_code, errbuf, cap);
    free(b.p);
    return rc;
}

static pthread_once_t mctx_once = PTHREAD_ONCE_INIT;
static pcre2_match_context *mctx;
static _Thread_local pcre2_match_data *tls_md;
static _Thread_local pcre2_jit_stack *tls_jit_stack;

/* The context is shared, the JIT stack must not be: PCRE2 asks this
   callback for the stack at each JIT match. NULL means the default 32 KiB
   on the machine stack. */
static pcre2_jit_stack *jit_stack_of_thread(void *data)
{
    (void)data;
    if (tls_jit_stack == NULL)
        tls_jit_stack =
            pcre2_jit_stack_create(32 * 1024, AF_PATTERN_JIT_STACK, NULL);
    return tls_jit_stack;
}

static void mctx_init(void)
{
    mctx = pcre2_match_context_create(NULL);
    if (mctx == NULL)
        return;
    pcre2_jit_stack_assign(mctx, jit_stack_of_thread, NULL);
    pcre2_set_match_limit(mctx, AF_PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(mctx, AF_PATTERN_DEPTH_LIMIT);
    pcre2_set_heap_limit(mctx, AF_PATTERN_HEAP_LIMIT_KIB);
}

static int status(int rc)
{
    if (rc >= 0)
        return 1; /* 0 is "ovector too small": still a match */
    switch (rc) {
    case PCRE2_ERROR_NOMATCH:
        return 0;
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return AF_ELIMIT;
    case PCRE2_ERROR_NOMEMORY:
        return AF_ENOMEM;
    default:
        return AF_EUSAGE; /* invalid UTF-8 subject and the like */
    }
}

int af_pattern_match(const void *code, const char *s, size_t len)
{
    if (code == NULL || (s == NULL && len > 0))
        return AF_EUSAGE;
    if (pthread_once(&mctx_once, mctx_init) != 0 || mctx == NULL)
        return AF_ENOMEM;
    if (tls_md == NULL) {
        tls_md = pcre2_match_data_create(1, NULL);
        if (tls_md == NULL)
            return AF_ENOMEM;
    }
    PCRE2_SPTR subject = (PCRE2_SPTR)(s != NULL ? s : "");
    const pcre2_code *re = ((const pat *)code)->re;
    int rc = pcre2_match(re, subject, len, 0, 0, tls_md, mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(re, subject, len, 0, PCRE2_NO_JIT, tls_md, mctx);
    return status(rc);
}

void af_pattern_free(void *code)
{
    pat *p = code;
    if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    pcre2_code_free(p->re);
    free(p);
}

/* ---- the cache of one model load --------------------------------------- */

struct af_pattern_cache {
    char **keys;   /* sources (malloc copies); NULL empty; open addressing */
    pat **codes;   /* one reference each */
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
};

static size_t cache_slot(const af_pattern_cache *pc, const char *s)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return (size_t)(h ^ (h >> 32)) & (pc->cap - 1);
}

static size_t cache_find(const af_pattern_cache *pc, const char *s)
{
    size_t i = cache_slot(pc, s);
    while (pc->keys[i] != NULL && strcmp(pc->keys[i], s) != 0)
        i = (i + 1) & (pc->cap - 1);
    return i;
}

static int cache_grow(af_pattern_cache *pc)
{
    af_pattern_cache old = *pc;
    pc->cap = old.cap ? old.cap * 2 : 64;
    pc->keys = calloc(pc->cap, sizeof *pc->keys);
    pc->codes = calloc(pc->cap, sizeof(pat *));
    if (pc->keys == NULL || pc->codes == NULL) {
        free(pc->keys);
        free(pc->codes);
        *pc = old;
        return AF_ENOMEM;
    }
    for (size_t i = 0; i < old.cap; i++) {
        if (old.keys[i] == NULL)
            continue;
        size_t k = cache_find(pc, old.keys[i]);
        pc->keys[k] = old.keys[i];
        pc->codes[k] = old.codes[i];
    }
    free(old.keys);
    free(old.codes);
    return 0;
}

/* Keeps a reference to code under ecma; a cache that cannot grow simply
   does not remember it. */
static void cache_put(af_pattern_cache *pc, const char *ecma, pat *code)
{
    if ((pc->n + 1) * 2 > pc->cap && cache_grow(pc) != 0)
        return;
    char *key = strdup(ecma);
    if (key == NULL)
        return;
    size_t i = cache_find(pc, ecma);
    pc->keys[i] = key;
    pc->codes[i] = code;
    atomic_fetch_add(&code->refs, 1);
    pc->n++;
}

int af_pattern_cache_compile(af_pattern_cache **cache, const char *ecma,
                             void **out_code, char *errbuf, size_t cap)
{
    if (cache == NULL || ecma == NULL || out_code == NULL)
        return af_pattern_compile(ecma, out_code, errbuf, cap);
    if (*cache == NULL && (*cache = calloc(1, sizeof **cache)) == NULL)
        return AF_ENOMEM;
    af_pattern_cache *pc = *cache;
    if (pc->n > 0) {
        size_t i = cache_find(pc, ecma);
        if (pc->keys[i] != NULL) {
            if (errbuf != NULL && cap > 0)
                errbuf[0] = '\0';
            atomic_fetch_add(&pc->codes[i]->refs, 1);
            *out_code = pc->codes[i];
            return 0;
        }
    }
    int rc = af_pattern_compile(ecma, out_code, errbuf, cap);
    if (rc == 0)
        cache_put(pc, ecma, *out_code);
    return rc;
}

void af_pattern_cache_free(af_pattern_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < cache->cap; i++) {
        if (cache->keys[i] == NULL)
            continue;
        free(cache->keys[i]);
        af_pattern_free(cache->codes[i]);
    }
    free(cache->keys);
    free(cache->codes);
    free(cache);
}

void af_pattern_thread_cleanup(void)
{
    pcre2_match_data_free(tls_md);
    tls_md = NULL;
    pcre2_jit_stack_free(tls_jit_stack);
    tls_jit_stack = NULL;
}
