/*
 * cache.c - recently used bookings in front of the store: a list that
 * owns every cached copy (newest first, at most CACHE_MAX, the oldest
 * evicted) and a direct-mapped index from id to the newest copy.
 *
 * Invariants: every copy is on the list exactly once and freed only by
 * unlinking it from there; an index slot names an id and a copy of that
 * id, or is empty. A put never reads the slot it overwrites, so an older
 * copy of the same id simply stays on the list until evicted. Planted
 * bug 7 (BUGS.md) breaks the index invariant in booking_cache_remove.
 * Tuned for programs of a few calls: a handful of copies, O(1) lookups,
 * removal walks the list.
 */
#include "booking.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 256
#define CACHE_MAX 64

typedef struct entry {
    struct entry *prev, *next;
    booking b;
} entry;

typedef struct slot {
    int32_t id;
    entry *e; /* NULL: empty */
} slot;

struct booking_cache {
    entry *head, *tail;
    uint32_t n;
    slot index[CACHE_SLOTS];
};

static slot *slot_of(booking_cache *c, int64_t id)
{
    return &c->index[(uint64_t)id % CACHE_SLOTS];
}

booking_cache *booking_cache_new(void)
{
    return calloc(1, sizeof(booking_cache));
}

static void unlink_entry(booking_cache *c, entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    c->n--;
}

void booking_cache_clear(booking_cache *c)
{
    for (entry *e = c->head, *next; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    memset(c, 0, sizeof *c);
}

void booking_cache_free(booking_cache *c)
{
    if (c == NULL)
        return;
    booking_cache_clear(c);
    free(c);
}

static void evict_oldest(booking_cache *c)
{
    entry *e = c->tail;
    slot *s = slot_of(c, e->b.id);
    if (s->e == e)
        s->e = NULL;
    unlink_entry(c, e);
    free(e);
}

void booking_cache_put(booking_cache *c, const booking *b)
{
    entry *e = malloc(sizeof *e);
    if (e == NULL)
        return; /* a cache may forget */
    e->b = *b;
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    else
        c->tail = e;
    c->head = e;
    c->n++;
    *slot_of(c, b->id) = (slot){b->id, e};
    if (c->n > CACHE_MAX)
        evict_oldest(c);
}

bool booking_cache_get(booking_cache *c, int64_t id, booking *out)
{
    if (id < INT32_MIN || id > INT32_MAX)
        return false;
    const slot *s = slot_of(c, id);
    if (s->e == NULL || s->id != id)
        return false;
    *out = s->e->b;
    return true;
}

void booking_cache_remove(booking_cache *c, int32_t id)
{
    for (entry *e = c->head, *next; e != NULL; e = next) {
        next = e->next;
        if (e->b.id != id)
            continue;
#ifndef BOOKING_FIXED /* bug 7 */
            /* Planted bug 7: the index slot is left pointing at the copy
               freed below; the next GET of this id reads freed memory. */
#else
        slot *s = slot_of(c, id);
        if (s->e == e)
            s->e = NULL;
#endif
        unlink_entry(c, e);
        free(e);
    }
}
