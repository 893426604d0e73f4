/*
 * ref_internal.h - what ref.c (the docset, $ref resolution), refindex.c
 * (the indexes over the docset's documents) and pointer.c share. Internal
 * to src/spec/; nothing here is part of ref.h's contract.
 */
#ifndef AF_REF_INTERNAL_H
#define AF_REF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/ref.h"

/* How identifiers are spelled (JSON Schema drafts). OpenAPI 3.0 and
   Swagger 2.0 read as draft 6: `$id` only, siblings of `$ref` ignored. */
enum { AF_IDS_DRAFT4 = 1, AF_IDS_DRAFT6, AF_IDS_2019, AF_IDS_2020 };

typedef struct af_id_entry {
    char *uri;     /* absolute, no fragment; "uri#name" for an anchor */
    char *pointer; /* canonical pointer of the node in its document */
    const cJSON *node;
    bool is_anchor;
} af_id_entry;

/* One document of a docset. */
typedef struct af_set_doc {
    af_doc *doc;
    char *real;  /* realpath of the file */
    char *uri;   /* retrieval URI: file:///... or the mapped remote URI */
    char *label; /* in pointers: "" for the root, "dir/x.yaml" or the URI */
    int ids;     /* AF_IDS_* */
    bool indexed;
    af_id_entry *entries;
    size_t n_entries, cap_entries;
    size_t n_ids; /* entries that are not anchors */
} af_set_doc;

/* malloc'd printf; NULL when out of memory. */
char *af_ref_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the identifier index (refindex.c) ---- */

/* The AF_IDS_* rules of a `$schema` URI; 0 when it names no known draft. */
int af_ref_ids_from_schema(const char *uri);

/* The rules a document declares at its root; 0 when it does not say. */
int af_ref_detect_ids(const cJSON *root);

/* Fills d's `$id`/`id` and anchor entries (once). 0 or AF_ENOMEM. */
int af_ref_index_doc(af_set_doc *d);
void af_ref_index_clear(af_set_doc *d);

/* The base URI in force at canonical pointer ptr of d: the deepest `$id`
   enclosing it (the node's own one when with_self), else d's URI. */
const char *af_ref_base_at(const af_set_doc *d, const char *ptr,
                           bool with_self);

/* ---- the member index (refindex.c) ---- */

/* Big objects' keys, hashed on first lookup, so a walk through
   #/components/schemas/X costs a hash probe instead of a scan of every
   schema name. Created on first use; the documents must outlive it. */
typedef struct af_ref_members af_ref_members;

/* The first member of object obj named key, or NULL (as
   cJSON_GetObjectItemCaseSensitive), hashing obj's members on first use.
   obj must be an object of a docset document (its address is the key). */
const cJSON *af_ref_member(af_ref_members **mi, const cJSON *obj,
                           const char *key);
void af_ref_members_free(af_ref_members *mi);

/* ---- the resolution cache (refindex.c) ---- */

/* Where a (base URI, $ref) pair led: each distinct $ref of a spec is
   resolved once, the rest are lookups. Entries borrow d, node and base
   (the caller clears the cache before any of them goes); pointer is
   copied. */
typedef struct af_ref_hit {
    af_set_doc *d;
    const cJSON *node;
    const char *pointer; /* canonical, in d */
    const char *base;    /* af_ref_base_at(d, pointer, false) */
} af_ref_hit;

typedef struct af_ref_cache af_ref_cache;

/* The entry for base and ref, or NULL. */
const af_ref_hit *af_ref_cache_get(const af_ref_cache *c, const char *base,
                                   const char *ref);

/* Adds an entry (creating *c on first use). 0 or AF_ENOMEM (the cache is
   then unchanged: it only ever saves work). */
int af_ref_cache_put(af_ref_cache **c, const char *base, const char *ref,
                     const af_ref_hit *hit);
void af_ref_cache_free(af_ref_cache *c);

/* ---- pointer walks with a member lookup (pointer.c) ---- */

typedef const cJSON *(*af_member_fn)(void *ctx, const cJSON *obj,
                                     const char *key);

/* af_pointer_walk, looking object members up with member(ctx, obj, key)
   (NULL member: cJSON's linear scan). */
int af_pointer_walk_by(const cJSON *root, const char *pointer,
                       af_pointer_trace *trace, af_member_fn member, void *ctx);

#endif
