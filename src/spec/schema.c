/*
 * schema.c - compiles schema objects into model nodes: the memo, $ref
 * handling, the recursion guard and the 2020-12 dynamic scope (schema
 * resources and their $dynamicAnchors); the keywords themselves are in
 * schema_kw.c and schema_obj.c.
 *
 * Invariants:
 * - One DOM node is one model node: the memo maps node addresses to
 *   indexes, and a node gets its index before its children compile, so
 *   $ref cycles become index cycles.
 * - A node that is replaced by its $ref target (any $ref node before
 *   2020-12; a node with nothing but $ref in 2020-12, except in plain
 *   2020-12 documents a $ref into another resource) is memoized to the
 *   target's index.
 * - $ref targets are not compiled where they are met: their slot is
 *   reserved and they wait in a pending list drained by the outermost
 *   af_schema_compile. So the C stack grows with the nesting of inline
 *   schemas only (bounded by AF_SCHEMA_MAX_DEPTH), never with the length
 *   of a chain of $refs through a large spec.
 * - Base URIs are not tracked here: ref.c derives the base in force from
 *   the $ids above the pointer of the object holding a $ref, so display
 *   pointers are kept canonical (the target pointers ref.c returns,
 *   extended by escaped tokens).
 * - Dynamic scope (2020-12 only, and only once a $dynamicRef or
 *   $recursiveRef was compiled): after compilation every node learns its
 *   schema resource (the one "#" names there, via ref.c), and each
 *   resource met is scanned once for $dynamicAnchors, which are compiled
 *   and listed in m->dynamic_anchors. Specs without dynamic references
 *   pay nothing. A reference to a standard meta-schema becomes a
 *   built-in node (af_schema.metaschema) instead of a fetch.
 *
 * Tuned for specs with 10^4..10^5 schema nodes (Stripe, GitHub): the memo
 * is open addressing on pointer hashes, keyword lookup is one pass over a
 * node's members, and all strings live in the model arena. The slot array,
 * once big, is backed ahead of use with madvise instead of page faults.
 */
#define _DEFAULT_SOURCE /* madvise */

#include "spec/schema_kw.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spec/pattern.h"

/* Nesting of inline schemas (a hostile spec cannot overflow the stack). */
#define AF_SCHEMA_MAX_DEPTH 128
/* $refs followed in a row before a schema that is not a plain $ref. */
#define AF_SCHEMA_MAX_HOPS 64

typedef struct pending {
    const af_doc *doc;
    const cJSON *node;
    af_idx idx;
} pending;

/* Where a slot's schema lies (for the 2020-12 resource pass). */
typedef struct slot_src {
    const af_doc *doc;
    const cJSON *node; /* NULL: a built-in node */
} slot_src;

/* A 2020-12 schema resource: its root and the root's display pointer. */
typedef struct resource {
    const af_doc *doc;
    const cJSON *node;
    const char *pointer;
} resource;

/* Whether a document's meta-schema lists the validation vocabulary. */
typedef struct vocab {
    const af_doc *doc;
    bool has_validation;
} vocab;

struct af_memo {
    const cJSON **keys; /* open addressing; NULL empty */
    af_idx *vals;
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
    pending *pend; /* $ref targets with a slot, waiting to compile */
    size_t n_pend, cap_pend;
    /* 2020-12 dynamic scope: resources are found after compilation,
       and only when some $dynamicRef or $recursiveRef exists */
    slot_src *src; /* by slot index */
    size_t cap_src;
    resource *res; /* id = index + 1 */
    size_t n_res, cap_res;
    uint32_t n_resolved; /* slots whose resource is set */
    bool is_dynamic;
    vocab *vocabs;
    size_t n_vocabs, cap_vocabs;
    af_idx meta[AF_DIALECT_DRAFT2020 + 1]; /* built-in meta-schema nodes */
    af_pattern_cache *patterns;            /* `pattern` codes by source */
    size_t sch_populated; /* bytes of the slot array backed ahead */
};

int af_memo_new(af_memo **out)
{
    af_memo *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AF_ENOMEM;
    m->cap = 1024;
    for (size_t i = 0; i < sizeof m->meta / sizeof m->meta[0]; i++)
        m->meta[i] = AF_NONE;
    m->keys = calloc(m->cap, sizeof(const cJSON *));
    m->vals = malloc(m->cap * sizeof *m->vals);
    if (m->keys == NULL || m->vals == NULL) {
        af_memo_free(m);
        return AF_ENOMEM;
    }
    *out = m;
    return 0;
}

void af_memo_free(af_memo *memo)
{
    if (memo == NULL)
        return;
    free(memo->keys);
    free(memo->vals);
    free(memo->pend);
    free(memo->src);
    free(memo->res);
    free(memo->vocabs);
    af_pattern_cache_free(memo->patterns);
    free(memo);
}

int af_compile_pattern(af_compiler *c, const char *src, void **out_code,
                       char *errbuf, size_t cap)
{
    return af_pattern_cache_compile(c->memo != NULL ? &c->memo->patterns : NULL,
                                    src, out_code, errbuf, cap);
}

static size_t memo_slot(const af_memo *m, const cJSON *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key;
    h ^= h >> 29;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 32) & (m->cap - 1);
}

static af_idx memo_get(const af_memo *m, const cJSON *key)
{
    for (size_t i = memo_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == NULL)
            return AF_NONE;
    }
}

static void memo_insert(af_memo *m, const cJSON *key, af_idx val)
{
    size_t i = memo_slot(m, key);
    while (m->keys[i] != NULL && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == NULL)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

static int memo_put(af_memo *m, const cJSON *key, af_idx val)
{
    if ((m->n + 1) * 2 > m->cap) {
        af_memo old = *m;
        m->cap *= 2;
        m->n = 0;
        m->keys = calloc(m->cap, sizeof(const cJSON *));
        m->vals = malloc(m->cap * sizeof *m->vals);
        if (m->keys == NULL || m->vals == NULL) {
            free(m->keys);
            free(m->vals);
            *m = old;
            return AF_ENOMEM;
        }
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i] != NULL)
                memo_insert(m, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
    memo_insert(m, key, val);
    return 0;
}

/* The fragment of a display pointer ("other.yaml#/X" -> "#/X"). */
static const char *frag(const char *pointer)
{
    const char *hash = strchr(pointer, '#');
    return hash != NULL ? hash : pointer;
}

/* The same as a plain JSON pointer ("/X"): display pointers escape only
   ~ and /, so a '%' in a name must not be read as percent-encoding. */
static const char *plain(const char *pointer)
{
    const char *f = frag(pointer);
    return f[0] == '#' ? f + 1 : f;
}

static int oom(af_compiler *c, const char *pointer)
{
    return af_error_set(c->err, AF_ENOMEM, NULL, pointer, 0, 0,
                        "out of memory compiling schemas");
}

int af_schema_oom(const af_sctx *x)
{
    return oom(x->c, x->pointer);
}

int af_schema_failed(const af_sctx *x)
{
    const af_error *err = x->c->err;
    return err != NULL && err->code < 0 ? err->code : AF_ESPEC;
}

/* Makes room for n + 1 elements of size in *items (malloc). */
static int grow(void *items, size_t *cap, size_t n, size_t size)
{
    void **p = items;
    if (n < *cap)
        return 0;
    size_t ncap = *cap < 16 ? 16 : *cap * 2;
    void *q = realloc(*p, ncap * size);
    if (q == NULL)
        return AF_ENOMEM;
    *p = q;
    *cap = ncap;
    return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define POPULATE_FROM ((size_t)256 * 1024) /* malloc maps arrays this big */
#define POPULATE_STEP ((size_t)256 * 1024)

/* Cleared when the kernel does not know MADV_POPULATE_WRITE. */
static _Thread_local bool can_populate = true;

/* Backs the slot array POPULATE_STEP bytes ahead of use once it is big:
   its slots are most of the memory a compilation touches (4268 slots,
   1.5 MB, for DocuSign's Swagger spec), and one madvise call costs a
   third less per page than a fault on each. The content is not changed;
   an error leaves it to the faults. */
static void populate_slots(af_compiler *c)
{
    af_memo *m = c->memo;
    size_t used = (size_t)(c->n_sch + 1) * sizeof *c->sch;
    size_t cap = (size_t)c->cap_sch * sizeof *c->sch;
    if (!can_populate || cap < POPULATE_FROM || used <= m->sch_populated)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    size_t to = cap - used > POPULATE_STEP ? used + POPULATE_STEP : cap;
    uintptr_t from = ((uintptr_t)c->sch + used) & ~(page - 1);
    uintptr_t end = ((uintptr_t)c->sch + to) & ~(page - 1);
    if (end > from && madvise((void *)from, end - from, MADV_POPULATE_WRITE))
        can_populate = false;
    m->sch_populated = to;
}

/* A fresh slot with every keyword absent, for node of doc (NULL: a
   built-in node). */
static af_idx new_slot(af_compiler *c, const char *pointer, const af_doc *doc,
                       const cJSON *node)
{
    af_memo *m = c->memo;
    if (grow(&m->src, &m->cap_src, c->n_sch, sizeof *m->src) < 0) {
        oom(c, pointer);
        return AF_NONE;
    }
    m->src[c->n_sch] = (slot_src){doc, node};
    if (c->n_sch == c->cap_sch) {
        uint32_t cap = c->cap_sch < 64 ? 64 : c->cap_sch * 2;
        af_schema *sch = cap > (uint32_t)INT32_MAX
                             ? NULL
                             : realloc(c->sch, (size_t)cap * sizeof *sch);
        if (sch == NULL) {
            oom(c, pointer);
            return AF_NONE;
        }
        c->sch = sch;
        c->cap_sch = cap;
    }
    populate_slots(c);
    af_schema *s = &c->sch[c->n_sch];
    memset(s, 0, sizeof *s);
    s->pointer = pointer;
    s->types = AF_TYPE_ANY;
    s->max_length = s->max_items = s->max_properties = AF_UNBOUNDED;
    s->min_contains = 1;
    s->max_contains = AF_UNBOUNDED;
    s->items = s->contains = s->unevaluated_items = AF_NONE;
    s->additional_properties = s->property_names = AF_NONE;
    s->unevaluated_properties = s->not_schema = AF_NONE;
    s->if_schema = s->then_schema = s->else_schema = AF_NONE;
    s->ref = s->dynamic_ref = AF_NONE;
    return (af_idx)c->n_sch++;
}

static bool is_2020(const af_compiler *c)
{
    return c->m->dialect == AF_DIALECT_OAS31 ||
           c->m->dialect == AF_DIALECT_DRAFT2020;
}

/* Members beside $ref that do not keep a 2020-12 node from being its
   target: they have no field in the model. */
static bool is_ref_annotation(const char *name)
{
    return strcmp(name, "$ref") == 0 || strcmp(name, "description") == 0 ||
           strcmp(name, "$comment") == 0 || strncmp(name, "x-", 2) == 0;
}

/* The $ref of a node that is replaced by its target, else NULL.
   Draft 4/7 and OAS 3.0 (§4.7.24.1, "this object cannot be extended"):
   siblings of $ref are ignored. 2020-12: $ref applies beside siblings.
   A plain 2020-12 schema keeps a $ref that names another resource (not
   "#..."): evaluating it enters that resource's dynamic scope
   (§7.1), which a $dynamicRef further on may depend on. */
static const char *collapsing_ref(const af_compiler *c, const cJSON *node)
{
    if (!cJSON_IsObject(node))
        return NULL;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
    if (!cJSON_IsString(ref))
        return NULL;
    if (c->m->dialect == AF_DIALECT_DRAFT2020 && ref->valuestring[0] != '#')
        return NULL;
    if (is_2020(c))
        for (const cJSON *m = node->child; m != NULL; m = m->next)
            if (!is_ref_annotation(m->string))
                return NULL;
    return ref->valuestring;
}

static int pending_push(af_memo *m, pending p)
{
    if (m->n_pend == m->cap_pend) {
        size_t cap = m->cap_pend < 64 ? 64 : m->cap_pend * 2;
        pending *q = realloc(m->pend, cap * sizeof *q);
        if (q == NULL)
            return AF_ENOMEM;
        m->pend = q;
        m->cap_pend = cap;
    }
    m->pend[m->n_pend++] = p;
    return 0;
}

/* Gives every node in seen (a chain of plain $refs) the index idx. */
static af_idx memo_chain(af_compiler *c, const cJSON **seen, int n, af_idx idx,
                         const char *pointer)
{
    for (int i = 0; i < n && idx != AF_NONE; i++)
        if (memo_put(c->memo, seen[i], idx) < 0)
            return oom(c, pointer), AF_NONE;
    return idx;
}

/* A $ref target met for the first time: a slot now, compiled later. */
static af_idx reserve(af_compiler *c, const af_ref_target *t)
{
    const char *ptr = af_arena_strdup(&c->m->arena, t->pointer);
    if (ptr == NULL)
        return oom(c, t->pointer), AF_NONE;
    af_idx idx = new_slot(c, ptr, t->doc, t->node);
    if (idx == AF_NONE)
        return AF_NONE;
    pending p = {t->doc, t->node, idx};
    if (memo_put(c->memo, t->node, idx) < 0 || pending_push(c->memo, p) < 0)
        return oom(c, ptr), AF_NONE;
    return idx;
}

/* A cycle of plain $refs has no schema in it: it constrains nothing. */
static af_idx ref_cycle(af_compiler *c, const af_ref_target *t)
{
    af_compile_warn(c, t->pointer,
                    "a cycle of $refs with no schema in it; read as an "
                    "empty schema");
    const char *ptr = af_arena_strdup(&c->m->arena, t->pointer);
    if (ptr == NULL)
        return oom(c, t->pointer), AF_NONE;
    af_idx idx = new_slot(c, ptr, t->doc, t->node);
    if (idx != AF_NONE && memo_put(c->memo, t->node, idx) < 0)
        return oom(c, ptr), AF_NONE;
    return idx;
}

static bool seen_has(const cJSON **seen, int n, const cJSON *node)
{
    for (int i = 0; i < n; i++)
        if (seen[i] == node)
            return true;
    return false;
}

/* ---- 2020-12 dynamic scope: schema resources and $dynamicAnchors ----- */

static bool has_own_id(const cJSON *node)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(node, "$id");
    return cJSON_IsString(id) && id->valuestring[0] != '\0' &&
           id->valuestring[0] != '#';
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Keywords whose members are named by the user, and instance data. */
static const char *const name_maps[] = {
    "properties",       "patternProperties", "$defs",   "definitions",
    "dependentSchemas", "dependencies",      "schemas", NULL};
static const char *const data_keys[] = {"enum",    "const",   "examples",
                                        "example", "default", NULL};

/* A slot for node, found by a scan rather than a $ref. */
static af_idx reserve_node(af_compiler *c, const af_doc *doc, const cJSON *node,
                           const char *pointer)
{
    af_idx idx = memo_get(c->memo, node);
    if (idx != AF_NONE)
        return idx;
    const char *ptr = af_arena_strdup(&c->m->arena, pointer);
    if (ptr == NULL)
        return oom(c, pointer), AF_NONE;
    idx = new_slot(c, ptr, doc, node);
    if (idx == AF_NONE)
        return AF_NONE;
    pending p = {doc, node, idx};
    if (memo_put(c->memo, node, idx) < 0 || pending_push(c->memo, p) < 0)
        return oom(c, ptr), AF_NONE;
    return idx;
}

static int add_dyn(af_compiler *c, uint32_t res, const char *name, af_idx idx)
{
    af_model *m = c->m;
    af_dyn_anchor *d =
        af_arena_grow(&m->arena, m->dynamic_anchors, m->n_dynamic_anchors,
                      m->n_dynamic_anchors + 1, sizeof *d);
    const char *copy = af_arena_strdup(&m->arena, name);
    if (d == NULL || copy == NULL)
        return oom(c, name);
    d[m->n_dynamic_anchors] = (af_dyn_anchor){res, copy, idx};
    m->dynamic_anchors = d;
    m->n_dynamic_anchors++;
    return 0;
}

typedef struct scan {
    af_compiler *c;
    const af_doc *doc;
    uint32_t res;
    char ptr[1024]; /* display pointer of the node being scanned */
} scan;

/* A $dynamicAnchor (anywhere in the resource) or a $recursiveAnchor (at
   its root) registers the node for the dynamic scope. */
static int scan_anchor(scan *sc, const cJSON *node, bool is_root)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(node, "$dynamicAnchor");
    bool is_rec = is_root && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                                 node, "$recursiveAnchor"));
    if (!cJSON_IsString(a) && !is_rec)
        return 0;
    af_idx idx = reserve_node(sc->c, sc->doc, node, sc->ptr);
    if (idx == AF_NONE)
        return sc->c->err != NULL ? sc->c->err->code : AF_ENOMEM;
    int rc =
        cJSON_IsString(a) ? add_dyn(sc->c, sc->res, a->valuestring, idx) : 0;
    return rc == 0 && is_rec ? add_dyn(sc->c, sc->res, "", idx) : rc;
}

/* Walks the schemas of one resource, stopping at embedded resources. */
static int scan_node(scan *sc, const cJSON *node, bool is_root, bool is_map,
                     int depth)
{
    bool is_schema = cJSON_IsObject(node) && !is_map;
    if (depth > AF_DOC_MAX_DEPTH || (is_schema && !is_root && has_own_id(node)))
        return 0;
    int rc = is_schema ? scan_anchor(sc, node, is_root) : 0;
    size_t plen = strlen(sc->ptr), i = 0;
    for (const cJSON *ch = node->child; ch && rc == 0; ch = ch->next, i++) {
        if ((!cJSON_IsObject(ch) && !cJSON_IsArray(ch)) ||
            (is_schema && in_list(data_keys, ch->string)))
            continue;
        bool is_child_map = is_schema && in_list(name_maps, ch->string);
        if (cJSON_IsArray(node)
                ? af_pointer_append_index(sc->ptr, sizeof sc->ptr, i)
                : af_pointer_append(sc->ptr, sizeof sc->ptr, ch->string))
            continue;
        rc = scan_node(sc, ch, false, is_child_map, depth + 1);
        sc->ptr[plen] = '\0';
    }
    return rc;
}

/* The id of the resource rooted at node (display pointer ptr), scanning
   it for anchors when it is new; 0 when out of memory. */
static uint32_t intern(af_compiler *c, const af_doc *doc, const cJSON *node,
                       const char *ptr)
{
    af_memo *m = c->memo;
    for (size_t i = 0; i < m->n_res; i++)
        if (m->res[i].node == node)
            return (uint32_t)i + 1;
    const char *copy = af_arena_strdup(&c->m->arena, ptr);
    if (copy == NULL || grow(&m->res, &m->cap_res, m->n_res, sizeof *m->res))
        return oom(c, ptr), 0;
    m->res[m->n_res++] = (resource){doc, node, copy};
    scan sc = {c, doc, (uint32_t)m->n_res, ""};
    snprintf(sc.ptr, sizeof sc.ptr, "%s", ptr);
    return scan_node(&sc, node, true, false, 0) == 0 ? sc.res : 0;
}

/* The resource of slot i: the one "#" means there (the nearest $id
   above it, its own included, or its document). */
static uint32_t resource_of(af_compiler *c, af_idx i)
{
    slot_src src = c->memo->src[i];
    if (src.node == NULL)
        return 0;
    af_error e;
    af_ref_target t;
    af_error_clear(&e);
    if (af_ref_resolve(c->ds, src.doc, plain(c->sch[i].pointer), NULL, "#", &t,
                       &e) < 0)
        return 0;
    return intern(c, t.doc, t.node, t.pointer);
}

static int drain(af_compiler *c);

/* Gives every slot its resource, compiling the $dynamicAnchor nodes of
   the resources met (which may bring more slots and resources). */
static int resolve_resources(af_compiler *c)
{
    af_memo *m = c->memo;
    while (m->n_resolved < c->n_sch) {
        af_idx i = (af_idx)m->n_resolved++;
        uint32_t r = resource_of(c, i);
        if (c->err != NULL && c->err->code == AF_ENOMEM)
            return AF_ENOMEM;
        c->sch[i].resource = r;
        int rc = drain(c);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- vocabularies and the standard meta-schemas ------------------------ */

/* A $ref to a standard meta-schema that no loaded document provides:
   a built-in node (nothing is fetched), else AF_NONE. */
static af_idx builtin_meta(const af_sctx *x, const char *from, const char *ref)
{
    af_dialect d = af_schema_metaschema_of(ref);
    if (d == 0)
        return AF_NONE;
    af_error e;
    af_ref_target t;
    af_error_clear(&e);
    if (af_ref_resolve(x->c->ds, x->doc, plain(from), NULL, ref, &t, &e) == 0)
        return AF_NONE;
    af_memo *m = x->c->memo;
    if (m->meta[d] != AF_NONE)
        return m->meta[d];
    const char *ptr = af_arena_strdup(&x->c->m->arena, ref);
    af_idx idx = ptr != NULL ? new_slot(x->c, ptr, NULL, NULL) : AF_NONE;
    if (ptr == NULL)
        oom(x->c, ref);
    if (idx != AF_NONE)
        x->c->sch[idx].metaschema = d;
    return m->meta[d] = idx;
}

static bool has_validation_vocab(af_compiler *c, const af_doc *doc)
{
    af_memo *m = c->memo;
    for (size_t i = 0; i < m->n_vocabs; i++)
        if (m->vocabs[i].doc == doc)
            return m->vocabs[i].has_validation;
    bool has = af_schema_read_vocab(c, doc);
    if (grow(&m->vocabs, &m->cap_vocabs, m->n_vocabs, sizeof *m->vocabs) == 0)
        m->vocabs[m->n_vocabs++] = (vocab){doc, has};
    return has;
}

af_idx af_schema_ref(const af_sctx *x, const char *from, const char *ref,
                     af_error *err)
{
    af_compiler *c = x->c;
    const af_doc *doc = x->doc;
    const cJSON *seen[AF_SCHEMA_MAX_HOPS];
    af_ref_target t;
    from = from != NULL ? from : x->pointer;
    af_idx meta = builtin_meta(x, from, ref);
    if (meta != AF_NONE)
        return meta;
    for (int n = 0; n < AF_SCHEMA_MAX_HOPS; n++) {
        if (af_ref_resolve(c->ds, doc, plain(from), NULL, ref, &t, err) < 0)
            return AF_NONE;
        af_idx idx = memo_get(c->memo, t.node);
        const char *next = collapsing_ref(c, t.node);
        if (idx == AF_NONE && seen_has(seen, n, t.node))
            idx = ref_cycle(c, &t);
        else if (idx == AF_NONE && next == NULL)
            idx = reserve(c, &t);
        if (idx != AF_NONE || next == NULL || seen_has(seen, n, t.node))
            return memo_chain(c, seen, n, idx, t.pointer);
        seen[n] = t.node; /* a plain $ref again: follow it */
        doc = t.doc;
        from = af_arena_strdup(&c->m->arena, t.pointer);
        ref = next;
        if (from == NULL)
            return oom(c, t.pointer), AF_NONE;
    }
    af_error_set(err, AF_ELIMIT, x->doc->name, frag(x->pointer), 0, 0,
                 "more than %d $refs in a row", AF_SCHEMA_MAX_HOPS);
    return AF_NONE;
}

/* A $dynamicRef (or $recursiveRef) r whose initial target is t, and the
   anchor it names: the plain-name fragment; "" for $recursiveRef. */
static int dynamic_ref(const af_sctx *x, const cJSON *r, af_idx t)
{
    const char *hash = strchr(r->valuestring, '#');
    const char *name = strcmp(r->string, "$recursiveRef") == 0 ? ""
                       : hash != NULL && hash[1] != '\0' && hash[1] != '/'
                           ? hash + 1
                           : NULL;
    if (name != NULL && (name = af_arena_strdup(&x->c->m->arena, name)) == NULL)
        return AF_ENOMEM;
    AF_SCH(x)->dynamic_ref = t;
    AF_SCH(x)->dynamic_ref_name = name;
    x->c->memo->is_dynamic = true;
    return 0;
}

/* Dynamic references and, in 2020-12, a $ref beside other keywords. */
static int refs(const af_sctx *x)
{
    static const af_kw kws[] = {AF_KW_REF, AF_KW_DYNAMIC_REF,
                                AF_KW_RECURSIVE_REF};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        const cJSON *r = x->kw[kws[i]];
        if (r == NULL)
            continue;
        if (!cJSON_IsString(r)) {
            af_schema_warn(x, r->string, -1, "expected a string; ignored");
            continue;
        }
        af_idx t = af_schema_ref(x, NULL, r->valuestring, x->c->err);
        if (t == AF_NONE)
            return af_schema_failed(x);
        if (kws[i] == AF_KW_REF)
            AF_SCH(x)->ref = t;
        else if (dynamic_ref(x, r, t) < 0)
            return af_schema_oom(x);
    }
    const cJSON *anchor = x->kw[AF_KW_DYNAMIC_ANCHOR];
    if (anchor != NULL && cJSON_IsString(anchor)) {
        const char *s = af_arena_strdup(&x->c->m->arena, anchor->valuestring);
        if (s == NULL)
            return af_schema_oom(x);
        AF_SCH(x)->dynamic_anchor = s;
    } else if (anchor != NULL) {
        af_schema_warn(x, anchor->string, -1, "expected a string; ignored");
    }
    if (cJSON_IsTrue(x->kw[AF_KW_RECURSIVE_ANCHOR]))
        AF_SCH(x)->flags |= AF_SCHEMA_RECURSIVE_ANCHOR;
    return 0;
}

static int compile_object(af_compiler *c, const af_doc *doc, const cJSON *node,
                          af_idx idx)
{
    af_sctx x = {c, doc, node, c->sch[idx].pointer, idx, {NULL}};
    if (c->depth >= AF_SCHEMA_MAX_DEPTH)
        return af_schema_error(&x, AF_ELIMIT, NULL, -1,
                               "schemas nested deeper than %d",
                               AF_SCHEMA_MAX_DEPTH);
    for (const cJSON *m = node->child; m != NULL; m = m->next) {
        int k = af_schema_kw_index(m->string);
        if (k >= 0)
            x.kw[k] = m;
    }
    if (is_2020(c) && !has_validation_vocab(c, doc))
        af_schema_drop_validation(&x);
    c->depth++;
    static int (*const groups[])(const af_sctx *) = {
        refs,
        af_schema_kw_type,
        af_schema_kw_values,
        af_schema_kw_numbers,
        af_schema_kw_strings,
        af_schema_kw_arrays,
        af_schema_kw_objects,
        af_schema_kw_dependencies,
        af_schema_kw_composition,
        af_schema_kw_discriminator,
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof groups / sizeof groups[0]; i++)
        rc = groups[i](&x);
    c->depth--;
    return rc;
}

/* Compiles node into the slot idx reserved for it. kw names the keyword
   the node is the value of (NULL at a top or $ref target). */
static int fill_slot(af_compiler *c, const af_doc *doc, const cJSON *node,
                     af_idx idx, const char *kw)
{
    if (cJSON_IsObject(node))
        return compile_object(c, doc, node, idx);
    const char *ptr = c->sch[idx].pointer;
    if (!cJSON_IsBool(node))
        return af_doc_error(c->err, AF_ESPEC, doc, frag(ptr),
                            "expected a schema object");
    bool is_normal = kw != NULL && (strcmp(kw, "additionalProperties") == 0 ||
                                    strcmp(kw, "additionalItems") == 0);
    af_dialect d = c->m->dialect;
    if (!is_normal && (d == AF_DIALECT_SWAGGER2 || d == AF_DIALECT_OAS30 ||
                       d == AF_DIALECT_DRAFT4))
        af_compile_warn(c, ptr,
                        "a boolean schema needs JSON Schema draft 6 or "
                        "OpenAPI 3.1; read as %s",
                        cJSON_IsTrue(node) ? "an empty schema" : "never valid");
    if (cJSON_IsFalse(node))
        c->sch[idx].flags |= AF_SCHEMA_FALSE;
    return 0;
}

/* Compiles node found at pointer (an arena string), or returns its memo. */
static af_idx compile_node(af_compiler *c, const af_doc *doc, const cJSON *node,
                           const char *pointer, const char *kw)
{
    af_idx idx = memo_get(c->memo, node);
    if (idx != AF_NONE)
        return idx;
    const char *ref = collapsing_ref(c, node);
    if (ref != NULL) {
        af_sctx x = {c, doc, node, pointer, AF_NONE, {NULL}};
        idx = af_schema_ref(&x, NULL, ref, c->err);
        if (idx != AF_NONE && memo_put(c->memo, node, idx) < 0)
            return oom(c, pointer), AF_NONE;
        return idx;
    }
    idx = new_slot(c, pointer, doc, node);
    if (idx == AF_NONE)
        return AF_NONE;
    if (memo_put(c->memo, node, idx) < 0)
        return oom(c, pointer), AF_NONE;
    return fill_slot(c, doc, node, idx, kw) == 0 ? idx : AF_NONE;
}

af_idx af_schema_child(const af_sctx *x, const cJSON *child, const char *kw,
                       const char *token, int index)
{
    af_idx idx = memo_get(x->c->memo, child);
    if (idx != AF_NONE)
        return idx;
    const char *ptr = af_schema_ptr(x, kw, token, index);
    if (ptr == NULL)
        return af_schema_oom(x), AF_NONE;
    return compile_node(x->c, x->doc, child, ptr, kw);
}

/* Compiles the $ref targets waiting for their turn. */
static int drain(af_compiler *c)
{
    af_memo *m = c->memo;
    while (m->n_pend > 0) {
        pending p = m->pend[--m->n_pend];
        int rc = fill_slot(c, p.doc, p.node, p.idx, NULL);
        if (rc < 0) {
            m->n_pend = 0;
            return rc;
        }
    }
    return 0;
}

af_idx af_schema_compile(af_compiler *c, const af_doc *doc, const cJSON *node,
                         const char *pointer, const char *base_uri)
{
    if (c->memo == NULL && af_memo_new(&c->memo) < 0)
        return oom(c, pointer), AF_NONE;
    af_idx idx = memo_get(c->memo, node);
    if (idx != AF_NONE)
        return idx;
    (void)base_uri; /* ref.c derives bases from the $ids above a pointer */
    const char *ptr = af_arena_strdup(&c->m->arena, pointer);
    if (ptr == NULL)
        return oom(c, pointer), AF_NONE;
    bool is_outer = c->depth == 0;
    idx = compile_node(c, doc, node, ptr, NULL);
    if (is_outer && idx == AF_NONE)
        c->memo->n_pend = 0;
    else if (is_outer && drain(c) < 0)
        idx = AF_NONE;
    else if (is_outer && c->memo->is_dynamic && is_2020(c) &&
             resolve_resources(c) < 0)
        idx = AF_NONE;
    return idx;
}
