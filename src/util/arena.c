/*
 * arena.c - chunked bump allocator (see arena.h).
 *
 * Tuned for many small allocations (strings, value nodes) per fuzz input,
 * reset tens of thousands of times a second: the first chunk is 64 KiB and
 * chunks double, so an input of any size needs O(log n) mallocs once and
 * none afterwards.
 */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AF_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define AF_HAVE_ASAN 1
#endif

#ifdef AF_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN 16u
#define FIRST_CHUNK ((size_t)64 * 1024)

struct af_arena_chunk {
    af_arena_chunk *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void af_arena_init(af_arena *a)
{
    memset(a, 0, sizeof *a);
}

static void free_chain(af_arena_chunk *c)
{
    while (c != NULL) {
        af_arena_chunk *next = c->next;
        UNPOISON(c->data, c->cap);
        free(c);
        c = next;
    }
}

void af_arena_free(af_arena *a)
{
    free_chain(a->head);
    size_t limit = a->limit;
    af_arena_init(a);
    a->limit = limit;
}

#ifdef AF_ARENA_MALLOC

void af_arena_reset(af_arena *a)
{
    af_arena_free(a);
}

void *af_arena_alloc(af_arena *a, size_t size)
{
    if (a->limit != 0 && (size > a->limit || a->total > a->limit - size))
        return NULL;
    af_arena_chunk *c = malloc(sizeof *c + (size ? size : 1));
    if (c == NULL)
        return NULL;
    c->cap = size;
    c->next = a->head;
    a->head = c;
    a->total += size;
    return c->data;
}

#else

void af_arena_reset(af_arena *a)
{
    af_arena_chunk *keep = a->head;
    for (af_arena_chunk *c = a->head; c != NULL; c = c->next)
        if (c->cap > keep->cap)
            keep = c;
    af_arena_chunk *c = a->head;
    while (c != NULL) {
        af_arena_chunk *next = c->next;
        if (c != keep) {
            UNPOISON(c->data, c->cap);
            free(c);
        }
        c = next;
    }
    a->head = keep;
    if (keep != NULL) {
        keep->next = NULL;
        POISON(keep->data, keep->cap);
    }
    a->used = 0;
    a->total = 0;
}

static af_arena_chunk *new_chunk(af_arena *a, size_t size)
{
    size_t cap = a->head != NULL ? a->head->cap * 2 : FIRST_CHUNK;
    while (cap < size)
        cap *= 2;
    af_arena_chunk *c = malloc(sizeof *c + cap);
    if (c == NULL)
        return NULL;
    c->cap = cap;
    c->next = a->head;
    POISON(c->data, cap);
    return c;
}

void *af_arena_alloc(af_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    if (a->limit != 0 && (size > a->limit || a->total > a->limit - size))
        return NULL;
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need == 0)
        need = ALIGN;
    if (a->head == NULL || a->head->cap - a->used < need) {
        af_arena_chunk *c = new_chunk(a, need);
        if (c == NULL)
            return NULL;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += need;
    a->total += size;
    UNPOISON(p, size ? size : 1);
    return p;
}

#endif

void *af_arena_calloc(af_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = af_arena_alloc(a, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *af_arena_memdup(af_arena *a, const void *p, size_t len)
{
    if (p == NULL)
        return NULL;
    void *q = af_arena_alloc(a, len);
    if (q != NULL && len > 0)
        memcpy(q, p, len);
    return q;
}

char *af_arena_strndup(af_arena *a, const char *s, size_t len)
{
    if (s == NULL)
        return NULL;
    char *q = af_arena_alloc(a, len + 1);
    if (q == NULL)
        return NULL;
    memcpy(q, s, len);
    q[len] = '\0';
    return q;
}

char *af_arena_strdup(af_arena *a, const char *s)
{
    return s == NULL ? NULL : af_arena_strndup(a, s, strlen(s));
}

char *af_arena_printf(af_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *q = af_arena_alloc(a, (size_t)n + 1);
    if (q == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}

void *af_arena_grow(af_arena *a, const void *old, size_t old_n, size_t new_n,
                    size_t elem_size)
{
    if (elem_size != 0 && new_n > SIZE_MAX / elem_size)
        return NULL;
    void *p = af_arena_alloc(a, new_n * elem_size);
    if (p != NULL && old != NULL && old_n > 0)
        memcpy(p, old, (old_n < new_n ? old_n : new_n) * elem_size);
    return p;
}
