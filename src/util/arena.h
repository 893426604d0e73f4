/*
 * arena.h - region allocator: the single owner of memory of one lifetime.
 *
 * Two lifetimes use it (STYLE.md): the compiled model (process lifetime,
 * freed once) and everything derived from one fuzz input (reset at the
 * start of the next input). Allocation is a pointer bump in the current
 * chunk; a reset keeps the largest chunk, so a steady fuzzing loop does no
 * malloc at all after warm-up. Objects are never freed one by one.
 *
 * Under AddressSanitizer the unused tail of each chunk is poisoned, so a
 * write past the end of the last object is caught. Built with
 * -DAF_ARENA_MALLOC, every allocation is its own malloc, so ASan also
 * catches overflows from one object into the next.
 */
#ifndef AF_ARENA_H
#define AF_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct af_arena_chunk af_arena_chunk;

typedef struct af_arena {
    af_arena_chunk *head; /* current chunk; older chunks follow */
    size_t used;          /* bytes used in head */
    size_t total;         /* bytes handed out since the last reset */
    size_t limit;         /* 0: unlimited; else allocations fail past it */
} af_arena;

/* An empty arena; allocates nothing until first use. */
void af_arena_init(af_arena *a);

/* Frees every chunk. The arena may be used again afterwards. */
void af_arena_free(af_arena *a);

/* Forgets every allocation, keeping the largest chunk for reuse. */
void af_arena_reset(af_arena *a);

/* size bytes aligned for any object, uninitialized; NULL when out of
   memory or past the limit. A size of 0 returns a valid unique pointer. */
void *af_arena_alloc(af_arena *a, size_t size);

/* As af_arena_alloc, zero-filled. */
void *af_arena_calloc(af_arena *a, size_t n, size_t size);

/* Copies of memory and strings; NULL when out of memory (or s is NULL). */
void *af_arena_memdup(af_arena *a, const void *p, size_t len);
char *af_arena_strdup(af_arena *a, const char *s);
char *af_arena_strndup(af_arena *a, const char *s, size_t len);

/* printf into the arena. */
char *af_arena_printf(af_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grows an arena-owned array: returns a copy of old (old_n elements) with
   room for new_n, or NULL. The old block is abandoned to the arena. */
void *af_arena_grow(af_arena *a, const void *old, size_t old_n, size_t new_n,
                    size_t elem_size);

#endif
