/*
 * refindex.c - the indexes ref.c keeps over a docset's documents: the
 * identifier index (`$id`/`id` and anchors of each document), the member
 * index (keys of big objects) and the resolution cache ((base, $ref) ->
 * target).
 *
 * Invariants: the identifier index of a document is built on first need
 * and holds only identifier and anchor entries; a document whose parser
 * saw no identifier keyword (most OpenAPI files) is not even walked, and
 * pointers are only written for entries. The member index and the cache borrow
 * the documents' nodes and are freed with the docset; the cache is emptied
 * whenever a document is added or an identifier index is rebuilt, so an
 * entry never outlives what it was computed from.
 *
 * Tuned for specs of 4-10 MB with 10^4 $refs to 10^3 distinct targets
 * under objects of 10^3 members (#/components/schemas): a repeated $ref
 * is one hash probe, a new one a walk whose big steps are hash probes.
 */
#include "spec/ref_internal.h"

#include "spec/load_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *af_ref_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL; /* FNV-1a */
    return h;
}

static uint64_t hash_ptr(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 29;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32);
}

/* ---- identifier rules ---------------------------------------------------- */

int af_ref_ids_from_schema(const char *uri)
{
    if (strstr(uri, "draft-03") != NULL || strstr(uri, "draft-04") != NULL)
        return AF_IDS_DRAFT4;
    if (strstr(uri, "draft-06") != NULL || strstr(uri, "draft-07") != NULL)
        return AF_IDS_DRAFT6;
    if (strstr(uri, "2019-09") != NULL)
        return AF_IDS_2019;
    if (strstr(uri, "2020-12") != NULL)
        return AF_IDS_2020;
    return 0;
}

int af_ref_detect_ids(const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "$schema");
    if (cJSON_IsString(v))
        return af_ref_ids_from_schema(v->valuestring);
    v = cJSON_GetObjectItemCaseSensitive(root, "openapi");
    if (cJSON_IsString(v))
        return strncmp(v->valuestring, "3.0", 3) == 0 ? AF_IDS_DRAFT6
                                                      : AF_IDS_2020;
    if (cJSON_GetObjectItemCaseSensitive(root, "swagger") != NULL)
        return AF_IDS_DRAFT6;
    return 0;
}

enum { ROLE_NONE, ROLE_DATA, ROLE_MAP };

/* Keywords whose value maps names to schemas (or OpenAPI objects): their
   members are named by the user, so "default" there is not data. And
   instance data, never schemas: an `$id` inside them identifies nothing. */
static const struct {
    const char *name;
    int role;
} roles[] = {
    {"properties", ROLE_MAP},
    {"patternProperties", ROLE_MAP},
    {"$defs", ROLE_MAP},
    {"definitions", ROLE_MAP},
    {"dependentSchemas", ROLE_MAP},
    {"dependencies", ROLE_MAP},
    {"schemas", ROLE_MAP},
    {"responses", ROLE_MAP},
    {"parameters", ROLE_MAP},
    {"headers", ROLE_MAP},
    {"requestBodies", ROLE_MAP},
    {"securitySchemes", ROLE_MAP},
    {"links", ROLE_MAP},
    {"callbacks", ROLE_MAP},
    {"pathItems", ROLE_MAP},
    {"content", ROLE_MAP},
    {"encoding", ROLE_MAP},
    {"enum", ROLE_DATA},
    {"const", ROLE_DATA},
    {"examples", ROLE_DATA},
    {"example", ROLE_DATA},
    {"default", ROLE_DATA},
};

/* Every member key of every object is classified: most are rejected by
   their first letter. */
static int key_role(const char *key)
{
    if (key == NULL || key[0] == '\0' || strchr("$cdehlprs", key[0]) == NULL)
        return ROLE_NONE;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].name[0] == key[0] && strcmp(roles[i].name, key) == 0)
            return roles[i].role;
    return ROLE_NONE;
}

/* ---- the identifier index ------------------------------------------------ */

/* One step from the root to the node being indexed: pointers are only
   written out for the (rare) nodes that get an entry. */
typedef struct path_step {
    const struct path_step *up; /* NULL: the step leaves the root */
    const char *key;            /* member name; NULL: element index */
    size_t index;
} path_step;

/* The keywords that can identify an object, found in one pass. */
typedef struct id_keys {
    const cJSON *ref, *id, *anchor, *dynamic_anchor;
} id_keys;

static bool step_pointer(const path_step *s, char *buf, size_t cap)
{
    if (s == NULL) {
        buf[0] = '\0';
        return true;
    }
    if (!step_pointer(s->up, buf, cap))
        return false;
    int rc = s->key != NULL ? af_pointer_append(buf, cap, s->key)
                            : af_pointer_append_index(buf, cap, s->index);
    return rc == 0;
}

static int add_entry(af_set_doc *d, const path_step *at, const cJSON *node,
                     char *uri, bool anchor)
{
    char ptr[1024];
    if (uri == NULL)
        return AF_ENOMEM;
    if (!step_pointer(at, ptr, sizeof ptr)) {
        free(uri); /* deeper than a pointer can report: not indexed */
        return 0;
    }
    if (d->n_entries == d->cap_entries) {
        size_t cap = d->cap_entries ? d->cap_entries * 2 : 8;
        af_id_entry *e = realloc(d->entries, cap * sizeof *e);
        if (e == NULL) {
            free(uri);
            return AF_ENOMEM;
        }
        d->entries = e;
        d->cap_entries = cap;
    }
    af_id_entry *e = &d->entries[d->n_entries];
    *e = (af_id_entry){uri, strdup(ptr), node, anchor};
    if (e->pointer == NULL) {
        free(e->uri);
        return AF_ENOMEM;
    }
    d->n_entries++;
    d->n_ids += !anchor;
    return 1;
}

static int add_anchor(af_set_doc *d, const path_step *at, const cJSON *node,
                      const char *base, const char *name)
{
    return add_entry(d, at, node, af_ref_strf("%s#%s", base, name), true);
}

/* `$id` (or draft-4 `id`); *inner becomes the base for the node's body. */
static int add_id(af_set_doc *d, const path_step *at, const cJSON *node,
                  const char *base, const char *id, const char **inner)
{
    if (id[0] == '#') {
        /* drafts 4-7: "#foo" names a location; "#" alone says nothing */
        if (d->ids <= AF_IDS_DRAFT6 && id[1] != '\0' && id[1] != '/')
            return add_anchor(d, at, node, base, id + 1);
        return 0;
    }
    char *abs = af_uri_resolve(base, id);
    if (abs == NULL)
        return AF_ENOMEM;
    char *hash = strchr(abs, '#');
    char *frag = NULL;
    if (hash != NULL) {
        *hash = '\0';
        frag = hash + 1;
    }
    int rc = 0;
    if (d->ids <= AF_IDS_DRAFT6 && frag != NULL && *frag != '\0' &&
        *frag != '/')
        rc = add_anchor(d, at, node, abs, frag);
    if (rc < 0) {
        free(abs);
        return rc;
    }
    rc = add_entry(d, at, node, abs, false);
    if (rc > 0)
        *inner = d->entries[d->n_entries - 1].uri;
    return rc;
}

static void find_id_keys(const cJSON *node, int ids, id_keys *k)
{
    const char *id_name = ids == AF_IDS_DRAFT4 ? "id" : "$id";
    memset(k, 0, sizeof *k);
    for (const cJSON *m = node->child; m != NULL; m = m->next) {
        const char *s = m->string;
        if (s == NULL || (s[0] != '$' && s[0] != 'i'))
            continue;
        if (k->ref == NULL && strcmp(s, "$ref") == 0)
            k->ref = m;
        else if (k->id == NULL && strcmp(s, id_name) == 0)
            k->id = m;
        else if (k->anchor == NULL && strcmp(s, "$anchor") == 0)
            k->anchor = m;
        else if (k->dynamic_anchor == NULL && strcmp(s, "$dynamicAnchor") == 0)
            k->dynamic_anchor = m;
    }
}

static int index_ids(af_set_doc *d, const cJSON *node, const path_step *at,
                     const char *base, const char **inner)
{
    id_keys k;
    find_id_keys(node, d->ids, &k);
    int rc = 0;
    /* drafts 4-7: every sibling of $ref is ignored, $id included */
    if (k.id != NULL && cJSON_IsString(k.id) &&
        !(cJSON_IsString(k.ref) && d->ids <= AF_IDS_DRAFT6))
        rc = add_id(d, at, node, base, k.id->valuestring, inner);
    if (rc < 0 || d->ids < AF_IDS_2019)
        return rc;
    if (k.anchor != NULL && cJSON_IsString(k.anchor))
        rc = add_anchor(d, at, node, *inner, k.anchor->valuestring);
    /* 2020-12 §8.2.2: $dynamicAnchor also defines a plain-name fragment */
    const cJSON *dyn = k.dynamic_anchor;
    if (rc >= 0 && d->ids == AF_IDS_2020 && dyn != NULL && cJSON_IsString(dyn))
        rc = add_anchor(d, at, node, *inner, dyn->valuestring);
    return rc;
}

static int index_node(af_set_doc *d, const cJSON *node, const path_step *at,
                      const char *base, bool is_map)
{
    const char *inner = base;
    bool is_object = cJSON_IsObject(node);
    if (is_object && !is_map) {
        int rc = index_ids(d, node, at, base, &inner);
        if (rc < 0)
            return rc;
    }
    size_t i = 0;
    for (const cJSON *ch = node->child; ch != NULL; ch = ch->next, i++) {
        if (!cJSON_IsObject(ch) && !cJSON_IsArray(ch))
            continue;
        bool child_map = false;
        if (is_object && !is_map) {
            int role = key_role(ch->string);
            if (role == ROLE_DATA)
                continue;
            child_map = role == ROLE_MAP;
        }
        const char *key = ch->string != NULL ? ch->string : "";
        path_step step = {at, is_object ? key : NULL, i};
        int rc = index_node(d, ch, &step, inner, child_map);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void af_ref_index_clear(af_set_doc *d)
{
    for (size_t i = 0; i < d->n_entries; i++) {
        free(d->entries[i].uri);
        free(d->entries[i].pointer);
    }
    free(d->entries);
    d->entries = NULL;
    d->n_entries = d->cap_entries = d->n_ids = 0;
    d->indexed = false;
}

int af_ref_index_doc(af_set_doc *d)
{
    if (d->indexed)
        return 0;
    unsigned need =
        d->ids == AF_IDS_DRAFT4 ? AF_DOC_KEY_ID : AF_DOC_KEY_DOLLAR_ID;
    if ((af_doc_id_keys(d->doc) & need) == 0) { /* the parser saw none */
        d->indexed = true;
        return 0;
    }
    int rc = index_node(d, d->doc->root, NULL, d->uri, false);
    if (rc < 0)
        af_ref_index_clear(d);
    d->indexed = rc >= 0;
    return rc < 0 ? rc : 0;
}

const char *af_ref_base_at(const af_set_doc *d, const char *ptr, bool with_self)
{
    const char *best = d->uri;
    size_t best_len = 0;
    for (size_t i = 0; i < d->n_entries; i++) {
        const af_id_entry *e = &d->entries[i];
        size_t n = strlen(e->pointer);
        if (e->is_anchor || strncmp(ptr, e->pointer, n) != 0)
            continue;
        if (ptr[n] != '/' && !(ptr[n] == '\0' && with_self))
            continue;
        if (best == d->uri || n >= best_len) {
            best = e->uri;
            best_len = n;
        }
    }
    return best;
}

/* ---- the member index ---------------------------------------------------- */

typedef struct obj_slot {
    const cJSON *obj; /* a hashed object; NULL: empty */
} obj_slot;

typedef struct member_slot {
    const cJSON *obj; /* NULL: empty */
    const cJSON *member;
    uint64_t hash;
} member_slot;

struct af_ref_members {
    obj_slot *objs; /* the big objects hashed so far */
    size_t objs_cap, n_objs;
    member_slot *members; /* members of the big ones */
    size_t members_cap, n_members;
};

static uint64_t member_hash(const cJSON *obj, const char *key)
{
    return hash_bytes(hash_ptr(obj), key, strlen(key));
}

/* The capacity an open-addressing table needs for n entries at a load of
   at most 1/2 (a power of two); cap itself when that is enough. */
static size_t table_cap(size_t n, size_t cap)
{
    size_t want = cap != 0 ? cap : 64;
    while (2 * n > want)
        want *= 2;
    return want;
}

static void member_insert(af_ref_members *mi, member_slot s)
{
    size_t mask = mi->members_cap - 1;
    size_t i = (size_t)s.hash & mask;
    while (mi->members[i].obj != NULL) {
        const member_slot *o = &mi->members[i];
        if (o->hash == s.hash && o->obj == s.obj &&
            strcmp(o->member->string, s.member->string) == 0)
            return; /* the first member of a name wins, as in cJSON */
        i = (i + 1) & mask;
    }
    mi->members[i] = s;
    mi->n_members++;
}

static bool members_room(af_ref_members *mi, size_t more)
{
    size_t cap = table_cap(mi->n_members + more, mi->members_cap);
    if (cap == mi->members_cap)
        return true;
    member_slot *old = mi->members;
    size_t old_cap = mi->members_cap;
    mi->members = calloc(cap, sizeof *mi->members);
    if (mi->members == NULL) {
        mi->members = old;
        return false;
    }
    mi->members_cap = cap;
    mi->n_members = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].obj != NULL)
            member_insert(mi, old[i]);
    free(old);
    return true;
}

/* Hashes every member of obj; false when out of memory. */
static bool index_members(af_ref_members *mi, const cJSON *obj, size_t n)
{
    if (!members_room(mi, n))
        return false;
    for (const cJSON *m = obj->child; m != NULL; m = m->next)
        if (m->string != NULL)
            member_insert(mi,
                          (member_slot){obj, m, member_hash(obj, m->string)});
    return true;
}

static obj_slot *obj_find(const af_ref_members *mi, const cJSON *obj)
{
    size_t mask = mi->objs_cap - 1;
    for (size_t i = (size_t)hash_ptr(obj) & mask;; i = (i + 1) & mask)
        if (mi->objs[i].obj == obj || mi->objs[i].obj == NULL)
            return &mi->objs[i];
}

static bool objs_room(af_ref_members *mi)
{
    size_t cap = table_cap(mi->n_objs + 1, mi->objs_cap);
    if (cap == mi->objs_cap)
        return true;
    obj_slot *old = mi->objs;
    size_t old_cap = mi->objs_cap;
    mi->objs = calloc(cap, sizeof *mi->objs);
    if (mi->objs == NULL) {
        mi->objs = old;
        return false;
    }
    mi->objs_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].obj != NULL)
            *obj_find(mi, old[i].obj) = old[i];
    free(old);
    return true;
}

/* Hashes obj on first sight; false when out of memory (the caller
   scans). */
static bool hashed(af_ref_members *mi, const cJSON *obj)
{
    if (mi->objs_cap > 0 && obj_find(mi, obj)->obj != NULL)
        return true;
    if (!objs_room(mi) ||
        !index_members(mi, obj, (size_t)cJSON_GetArraySize(obj)))
        return false;
    obj_find(mi, obj)->obj = obj;
    mi->n_objs++;
    return true;
}

const cJSON *af_ref_member(af_ref_members **pmi, const cJSON *obj,
                           const char *key)
{
    if (obj == NULL || key == NULL)
        return NULL;
    if (*pmi == NULL)
        *pmi = calloc(1, sizeof **pmi);
    af_ref_members *mi = *pmi;
    if (mi == NULL || !hashed(mi, obj) || mi->members == NULL)
        return cJSON_GetObjectItemCaseSensitive(obj, key);
    uint64_t h = member_hash(obj, key);
    size_t mask = mi->members_cap - 1;
    for (size_t i = (size_t)h & mask; mi->members[i].obj != NULL;
         i = (i + 1) & mask) {
        const member_slot *m = &mi->members[i];
        if (m->hash == h && m->obj == obj &&
            strcmp(m->member->string, key) == 0)
            return m->member;
    }
    return NULL;
}

void af_ref_members_free(af_ref_members *mi)
{
    if (mi == NULL)
        return;
    free(mi->objs);
    free(mi->members);
    free(mi);
}

/* ---- the resolution cache ------------------------------------------------ */

typedef struct cache_slot {
    char *text;      /* base, NUL, ref, NUL, pointer, NUL; NULL: empty */
    const char *ref; /* in text */
    uint64_t hash;   /* of ref only: a spec has one base or a few */
    af_ref_hit hit;
} cache_slot;

struct af_ref_cache {
    cache_slot *slots;
    size_t cap, n;
};

static uint64_t cache_hash(const char *ref)
{
    return hash_bytes(14695981039346656037ULL, ref, strlen(ref));
}

static cache_slot *cache_find(const af_ref_cache *c, uint64_t h,
                              const char *base, const char *ref)
{
    size_t mask = c->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        cache_slot *s = &c->slots[i];
        if (s->text == NULL)
            return s;
        if (s->hash == h && strcmp(s->ref, ref) == 0 &&
            strcmp(s->text, base) == 0)
            return s;
    }
}

const af_ref_hit *af_ref_cache_get(const af_ref_cache *c, const char *base,
                                   const char *ref)
{
    if (c == NULL || c->n == 0)
        return NULL;
    const cache_slot *s = cache_find(c, cache_hash(ref), base, ref);
    return s->text != NULL ? &s->hit : NULL;
}

static bool cache_room(af_ref_cache *c)
{
    size_t cap = table_cap(c->n + 1, c->cap);
    if (cap == c->cap)
        return true;
    cache_slot *old = c->slots;
    size_t old_cap = c->cap;
    c->slots = calloc(cap, sizeof *c->slots);
    if (c->slots == NULL) {
        c->slots = old;
        return false;
    }
    c->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].text != NULL)
            *cache_find(c, old[i].hash, old[i].text, old[i].ref) = old[i];
    free(old);
    return true;
}

int af_ref_cache_put(af_ref_cache **pc, const char *base, const char *ref,
                     const af_ref_hit *hit)
{
    if (*pc == NULL && (*pc = calloc(1, sizeof **pc)) == NULL)
        return AF_ENOMEM;
    af_ref_cache *c = *pc;
    size_t n_base = strlen(base), n_ref = strlen(ref);
    size_t n_ptr = strlen(hit->pointer);
    char *text = malloc(n_base + n_ref + n_ptr + 3);
    if (text == NULL || !cache_room(c)) {
        free(text);
        return AF_ENOMEM;
    }
    memcpy(text, base, n_base + 1);
    memcpy(text + n_base + 1, ref, n_ref + 1);
    char *ptr = text + n_base + n_ref + 2;
    memcpy(ptr, hit->pointer, n_ptr + 1);
    uint64_t h = cache_hash(ref);
    cache_slot *s = cache_find(c, h, base, ref);
    if (s->text != NULL) { /* already there: keep the first */
        free(text);
        return 0;
    }
    *s = (cache_slot){text, text + n_base + 1, h, *hit};
    s->hit.pointer = ptr;
    c->n++;
    return 0;
}

void af_ref_cache_free(af_ref_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->cap; i++)
        free(c->slots[i].text);
    free(c->slots);
    free(c);
}
