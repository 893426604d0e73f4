/*
 * dompool.c - the memory of a parsed tree: every cJSON node and string of
 * a doc made by load.c lives in the doc's pool, so a tree is built by bump
 * allocation and freed at once, chunk by chunk.
 *
 * While a parse runs (af_doc_pool_begin .. af_doc_pool_end), cJSON's hooks
 * point here: blocks of a node's size go to the node region, everything
 * else (strings) to the raw region. Strings are interned into the string
 * region, one copy per distinct string (af_doc_pool_strndup): YAML's as
 * they are made, a big JSON document's by load.c's walk over the finished
 * tree, after which the raw region is given back (af_doc_pool_drop_raw).
 *
 * Invariants: the hooks allocate from the pool only in the thread that
 * began it, and hand anything else to malloc/free; nodes never point into
 * a region that was freed; interned strings are shared between nodes, so
 * no string of the tree may be written.
 *
 * Tuned for 4-10 MB specs: a node costs its 64 bytes (malloc would add 16
 * and a free), and keys, types, formats and $ref strings repeat so much
 * that one copy of each saves most of the strings' memory (7 MB -> 0.3 MB
 * for the 10 MB benchmark spec; load.c interns a JSON doc's strings only
 * when they exceed 4 MB). Chunks of 1 MB and more are mapped directly and
 * backed 512 KB ahead of use (one madvise call instead of 128 page
 * faults); freeing them returns the memory at once and leaves malloc's
 * heuristics alone.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include "spec/load_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
#define REDZONE 8 /* poisoned bytes after each block: overflows are caught */
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define REDZONE 0
#endif

#define MIN_CHUNK ((size_t)64 * 1024)
#define MAPPED_CHUNK ((size_t)1 << 20) /* from here on, mmap */
#define POPULATE_STEP ((size_t)512 * 1024)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Cleared when the kernel does not know MADV_POPULATE_WRITE. */
static _Thread_local bool can_populate = true;

typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t size; /* bytes allocated, header included */
    size_t cap;  /* bytes of data */
    _Alignas(16) unsigned char data[];
} pool_chunk;

/* A bump region: a list of chunks, allocating from the newest. */
typedef struct region {
    pool_chunk *head;
    size_t used;      /* bytes used in head */
    size_t populated; /* bytes of a mapped head known to be backed */
    size_t next_cap;  /* data bytes of the next chunk */
} region;

/* One interned string. */
typedef struct istr {
    const char *s; /* NULL: empty slot */
    size_t len;
    uint64_t hash;
} istr;

typedef struct dom_pool {
    region nodes;   /* blocks of sizeof(cJSON) */
    region raw;     /* strings cJSON makes while it parses */
    region strings; /* interned strings */
    istr *table;    /* open addressing, cap a power of two, load <= 1/2 */
    size_t table_cap, n_strings;
    struct dom_pool *outer; /* the pool active before this one */
} dom_pool;

/* Every doc load.c makes: the public part first, so an af_doc * from
   af_doc_alloc is a pool_doc * as well. */
typedef struct pool_doc {
    af_doc doc;
    dom_pool *pool;   /* owns every node and string of doc.root */
    unsigned id_keys; /* AF_DOC_KEY_* seen while parsing */
} pool_doc;

/* The pool cJSON allocates from; NULL: plain malloc. Per thread, so a
   parse in one thread never hands its pool to another thread's cJSON. */
static _Thread_local dom_pool *active_pool;

static dom_pool *pool_of(const af_doc *doc)
{
    return ((const pool_doc *)doc)->pool;
}

/* ---- regions ---- */

static pool_chunk *chunk_new(size_t cap)
{
    size_t size = sizeof(pool_chunk) + cap;
    pool_chunk *c;
    if (size >= MAPPED_CHUNK) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        c = p != MAP_FAILED ? p : NULL;
    } else {
        c = malloc(size);
    }
    if (c == NULL)
        return NULL;
    c->size = size;
    c->cap = cap;
    POISON(c->data, cap);
    return c;
}

static void chunk_free(pool_chunk *c)
{
    UNPOISON(c->data, c->cap);
    if (c->size >= MAPPED_CHUNK)
        munmap(c, c->size);
    else
        free(c);
}

static void region_free(region *r)
{
    for (pool_chunk *c = r->head, *next; c != NULL; c = next) {
        next = c->next;
        chunk_free(c);
    }
    r->head = NULL;
    r->used = 0;
}

/* Backs the next POPULATE_STEP bytes of a mapped chunk ahead of use: one
   call instead of 128 page faults, a third less time per page. An error
   (a kernel before 5.14) leaves it to the faults from then on. */
static void populate(region *r)
{
    pool_chunk *c = r->head;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)c->data + r->populated) & ~(page - 1);
    size_t to =
        r->used + POPULATE_STEP < c->cap ? r->used + POPULATE_STEP : c->cap;
    uintptr_t end = ((uintptr_t)c->data + to) & ~(page - 1);
    if (end > from && madvise((void *)from, end - from, MADV_POPULATE_WRITE))
        can_populate = false;
    r->populated = to;
}

static void *region_alloc(region *r, size_t n, size_t align)
{
    n = n != 0 ? n : 1;
    align = REDZONE != 0 ? _Alignof(cJSON) : align;
    size_t at = (r->used + align - 1) & ~(align - 1);
    if (r->head == NULL || at > r->head->cap ||
        n + REDZONE > r->head->cap - at) {
        if (n > SIZE_MAX / 4)
            return NULL;
        size_t cap = r->next_cap;
        while (cap < n + REDZONE)
            cap *= 2;
        pool_chunk *c = chunk_new(cap);
        if (c == NULL)
            return NULL;
        c->next = r->head;
        r->head = c;
        r->next_cap = cap * 2;
        r->populated = 0;
        at = 0;
    }
    unsigned char *p = r->head->data + at;
    r->used = at + n + REDZONE;
    if (r->used > r->populated && r->head->size >= MAPPED_CHUNK && can_populate)
        populate(r);
    UNPOISON(p, n);
    return p;
}

static bool region_owns(const region *r, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    for (const pool_chunk *c = r->head; c != NULL; c = c->next)
        if (a >= (uintptr_t)c->data && a < (uintptr_t)c->data + c->cap)
            return true;
    return false;
}

static size_t hint(size_t bytes)
{
    return bytes > MIN_CHUNK ? bytes : MIN_CHUNK;
}

/* ---- the hooks ---- */

/* cJSON asks for nodes and strings only; a block of a node's size is
   taken for a node (a string of that size wastes nothing there). */
static void *hook_malloc(size_t n)
{
    dom_pool *pl = active_pool;
    if (pl == NULL)
        return malloc(n);
    if (n == sizeof(cJSON))
        return region_alloc(&pl->nodes, n, _Alignof(cJSON));
    return region_alloc(&pl->raw, n, n % _Alignof(cJSON) == 0 ? 8 : 1);
}

/* cJSON frees pool blocks only while a parse fails or an alias copy is
   trimmed: those stay in the pool until the doc goes. */
static void hook_free(void *p)
{
    dom_pool *pl = active_pool;
    if (p == NULL)
        return;
    if (pl == NULL ||
        !(region_owns(&pl->raw, p) || region_owns(&pl->nodes, p) ||
          region_owns(&pl->strings, p)))
        free(p);
}

/* ---- interning ---- */

/* FNV-1a over short strings (keys, types, formats: most of them), words
   of 8 bytes over longer ones. */
static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static istr *table_slot(istr *table, size_t cap, const char *s, size_t n,
                        uint64_t h)
{
    size_t mask = cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        istr *e = &table[i];
        if (e->s == NULL || (e->hash == h && e->len == n && e->s[0] == s[0] &&
                             memcmp(e->s, s, n) == 0))
            return e;
    }
}

static bool table_room(dom_pool *pl)
{
    if (2 * (pl->n_strings + 1) <= pl->table_cap)
        return true;
    size_t cap = pl->table_cap != 0 ? pl->table_cap * 2 : 1024;
    istr *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return false;
    for (size_t i = 0; i < pl->table_cap; i++) {
        const istr *e = &pl->table[i];
        if (e->s != NULL)
            *table_slot(t, cap, e->s, e->len, e->hash) = *e;
    }
    free(pl->table);
    pl->table = t;
    pl->table_cap = cap;
    return true;
}

/* The one copy of the n bytes at s (and a NUL); NULL when out of
   memory. */
static char *intern(dom_pool *pl, const char *s, size_t n)
{
    if (pl->table_cap == 0 && !table_room(pl))
        return NULL;
    uint64_t h = str_hash(s, n);
    istr *e = table_slot(pl->table, pl->table_cap, s, n, h);
    if (e->s != NULL)
        return (char *)e->s;
    if (2 * (pl->n_strings + 1) > pl->table_cap) {
        if (!table_room(pl))
            return NULL;
        e = table_slot(pl->table, pl->table_cap, s, n, h);
    }
    char *copy = region_alloc(&pl->strings, n + 1, 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    *e = (istr){copy, n, h};
    pl->n_strings++;
    return copy;
}

/* ---- entry points ---- */

af_doc *af_doc_alloc(void)
{
    pool_doc *box = calloc(1, sizeof *box);
    /* the doc is the first member: the box and the doc are one pointer */
    return (af_doc *)box;
}

int af_doc_pool_begin(af_doc *doc, size_t node_hint, size_t raw_hint)
{
    dom_pool *pl = calloc(1, sizeof *pl);
    if (pl == NULL)
        return AF_ENOMEM;
    pl->nodes.next_cap = hint(node_hint);
    pl->raw.next_cap = hint(raw_hint);
    pl->strings.next_cap = hint(raw_hint / 4);
    pl->outer = active_pool;
    ((pool_doc *)doc)->pool = pl;
    active_pool = pl;
    cJSON_Hooks hooks = {hook_malloc, hook_free};
    cJSON_InitHooks(&hooks);
    return 0;
}

void af_doc_pool_end(af_doc *doc)
{
    dom_pool *pl = pool_of(doc);
    free(pl->table); /* no string is added after the parse */
    pl->table = NULL;
    pl->table_cap = pl->n_strings = 0;
    active_pool = pl->outer;
    if (active_pool == NULL)
        cJSON_InitHooks(NULL); /* malloc, free and realloc again */
}

char *af_doc_pool_strndup(af_doc *doc, const char *s, size_t len)
{
    return intern(pool_of(doc), s, len);
}

size_t af_doc_pool_raw_bytes(const af_doc *doc)
{
    const region *r = &pool_of(doc)->raw;
    size_t n = r->used;
    for (const pool_chunk *c = r->head != NULL ? r->head->next : NULL;
         c != NULL; c = c->next)
        n += c->cap;
    return n;
}

void af_doc_pool_drop_raw(af_doc *doc)
{
    region_free(&pool_of(doc)->raw);
}

bool af_doc_pool_owns_node(const af_doc *doc, const void *p)
{
    const dom_pool *pl = pool_of(doc);
    return pl != NULL && region_owns(&pl->nodes, p);
}

bool af_doc_pool_owns_tree(const af_doc *doc)
{
    return pool_of(doc) != NULL;
}

void af_doc_pool_free(af_doc *doc)
{
    dom_pool *pl = pool_of(doc);
    if (pl == NULL)
        return;
    region_free(&pl->nodes);
    region_free(&pl->raw);
    region_free(&pl->strings);
    free(pl->table);
    free(pl);
    ((pool_doc *)doc)->pool = NULL;
}

unsigned af_doc_key_kind(const char *key)
{
    if (key == NULL || (key[0] != '$' && key[0] != 'i'))
        return 0;
    if (key[0] == 'i')
        return key[1] == 'd' && key[2] == '\0' ? AF_DOC_KEY_ID : 0;
    return strcmp(key, "$id") == 0 || strcmp(key, "$anchor") == 0 ||
                   strcmp(key, "$dynamicAnchor") == 0
               ? AF_DOC_KEY_DOLLAR_ID
               : 0;
}

void af_doc_note_keys(af_doc *doc, unsigned kinds)
{
    ((pool_doc *)doc)->id_keys |= kinds;
}

unsigned af_doc_id_keys(const af_doc *doc)
{
    return ((const pool_doc *)doc)->id_keys;
}
