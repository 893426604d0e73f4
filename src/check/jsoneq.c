/*
 * jsoneq.c - JSON equality as JSON Schema defines it (§4.2.2 of 2020-12
 * core: numbers equal by value, so 1 == 1.0; objects equal regardless of
 * member order; false != 0), a hash consistent with it, and the
 * duplicate search behind uniqueItems.
 *
 * uniqueItems on a large array is n log n: items are hashed into the
 * arena, sorted by hash, and only items with equal hashes are compared.
 * Small arrays (the usual case) are compared pairwise without allocating.
 */
#include "check/validate_internal.h"

#include <stdlib.h>
#include <string.h>

static int kind(const cJSON *v)
{
    return v->type & 0xFF;
}

static bool objects_equal(const cJSON *a, const cJSON *b)
{
    size_t na = 0, nb = 0;
    for (const cJSON *c = a->child; c != NULL; c = c->next)
        na++;
    for (const cJSON *c = b->child; c != NULL; c = c->next)
        nb++;
    if (na != nb)
        return false;
    for (const cJSON *c = a->child; c != NULL; c = c->next) {
        const cJSON *d = b->child;
        while (d != NULL && strcmp(d->string, c->string) != 0)
            d = d->next;
        if (d == NULL || !af_json_equal(c, d))
            return false;
    }
    return true;
}

bool af_json_equal(const cJSON *a, const cJSON *b)
{
    if (a == NULL || b == NULL || kind(a) != kind(b))
        return false;
    switch (kind(a)) {
    case cJSON_Number:
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
    case cJSON_Raw:
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *c = a->child, *d = b->child;
        for (; c != NULL && d != NULL; c = c->next, d = d->next)
            if (!af_json_equal(c, d))
                return false;
        return c == NULL && d == NULL;
    }
    case cJSON_Object:
        return objects_equal(a, b);
    default:
        return true; /* null, true, false: the kind says it all */
    }
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

uint64_t af_json_hash(const cJSON *v)
{
    switch (kind(v)) {
    case cJSON_Number: {
        double d = v->valuedouble == 0 ? 0 : v->valuedouble; /* -0 == 0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(bits ^ 0x1);
    }
    case cJSON_String:
    case cJSON_Raw:
        return mix(str_hash(v->valuestring) ^ 0x2);
    case cJSON_Array: {
        uint64_t h = 0x3;
        for (const cJSON *c = v->child; c != NULL; c = c->next)
            h = mix(h * 31 + af_json_hash(c));
        return h;
    }
    case cJSON_Object: {
        uint64_t h = 0x4; /* a sum: member order does not matter */
        for (const cJSON *c = v->child; c != NULL; c = c->next)
            h += mix(str_hash(c->string) * 7 + af_json_hash(c));
        return mix(h);
    }
    default:
        return mix((uint64_t)kind(v) + 0x100);
    }
}

typedef struct hashed {
    uint64_t h;
    int64_t index;
    const cJSON *v;
} hashed;

static int by_hash(const void *a, const void *b)
{
    const hashed *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int64_t pairwise(const cJSON *arr, int64_t *first)
{
    int64_t j = 0;
    for (const cJSON *b = arr->child; b != NULL; b = b->next, j++) {
        int64_t i = 0;
        for (const cJSON *a = arr->child; a != b; a = a->next, i++) {
            if (af_json_equal(a, b)) {
                *first = i;
                return j;
            }
        }
    }
    return -1;
}

int64_t af_json_duplicate(af_arena *a, const cJSON *arr, int64_t *first)
{
    int64_t n = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next)
        n++;
    if (n <= 16)
        return pairwise(arr, first);
    hashed *h = af_arena_alloc(a, (size_t)n * sizeof *h);
    if (h == NULL)
        return -2;
    int64_t i = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++)
        h[i] = (hashed){af_json_hash(c), i, c};
    qsort(h, (size_t)n, sizeof *h, by_hash);
    for (i = 0; i + 1 < n; i++)
        for (int64_t j = i + 1; j < n && h[j].h == h[i].h; j++)
            if (af_json_equal(h[i].v, h[j].v)) {
                *first = h[i].index;
                return h[j].index;
            }
    return -1;
}
