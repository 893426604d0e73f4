/*
 * load_internal.h - what load.c (public entry points, JSON), yaml.c (YAML
 * events -> cJSON) and locate.c (pointer -> line:column) share. Internal to
 * src/spec/; nothing here is part of doc.h's contract.
 */
#ifndef AF_LOAD_INTERNAL_H
#define AF_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "spec/doc.h"
#include "spec/ref.h"

/* A hash set of borrowed key strings, reused from one object to the next
   so a duplicate-key check is linear in the object's size and allocates
   only when an object is bigger than every one before it. */
typedef struct af_doc_keys {
    const char **slot; /* mask + 1 slots in use, NULL = empty */
    size_t mask;
    size_t cap; /* slots allocated */
} af_doc_keys;

/* FNV-1a of a NUL-terminated string. */
size_t af_doc_hash(const char *s);

/* Empties the set, sized for up to n keys. 0 or AF_ENOMEM. */
int af_doc_keys_reset(af_doc_keys *ks, size_t n);

/* Adds key (borrowed; must outlive the set's use). Returns true when it
   was not there yet. */
bool af_doc_keys_add(af_doc_keys *ks, const char *key);

void af_doc_keys_free(af_doc_keys *ks);

/* Looks at the first n members of object obj: sets *index to the position
   of the first member whose key repeats an earlier one and returns 1;
   returns 0 when the keys are distinct, AF_ENOMEM when out of memory.
   is_interned: the keys are interned (af_doc_pool_strndup), so equal
   keys are one pointer. */
int af_doc_keys_first_dup(af_doc_keys *ks, const cJSON *obj, size_t n,
                          bool is_interned, size_t *index);

/* The DOM pool (dompool.c): every doc load.c makes owns one, and its
   tree lives in it. */

/* A zeroed doc with room for its pool beside it; free with af_doc_free. */
af_doc *af_doc_alloc(void);

/* Between af_doc_pool_begin and af_doc_pool_end, cJSON allocates from
   doc's pool (through its hooks). The hints are the bytes nodes and
   cJSON's strings are expected to take. Returns 0 or AF_ENOMEM. */
int af_doc_pool_begin(af_doc *doc, size_t node_hint, size_t raw_hint);
void af_doc_pool_end(af_doc *doc);

/* The interned copy (NUL-terminated) of the len bytes at s, shared with
   every equal string of the doc; NULL when out of memory. Only between
   af_doc_pool_begin and af_doc_pool_end. */
char *af_doc_pool_strndup(af_doc *doc, const char *s, size_t len);

/* The bytes of the strings cJSON made while parsing. */
size_t af_doc_pool_raw_bytes(const af_doc *doc);

/* Frees the strings cJSON made while parsing: call once every key and
   string of doc->root points at its interned copy. */
void af_doc_pool_drop_raw(af_doc *doc);

/* Whether p is a node of doc's tree (in its pool's node region). */
bool af_doc_pool_owns_node(const af_doc *doc, const void *p);

/* Whether doc's tree lives in its pool (false only when the pool could
   not be made); af_doc_pool_free frees the pool with the tree. */
bool af_doc_pool_owns_tree(const af_doc *doc);
void af_doc_pool_free(af_doc *doc);

/* Identifier keywords among a doc's keys, noted while parsing, so the
   identifier index (refindex.c) can skip walking a document that has
   none: "id" (draft 4) and "$id", "$anchor" or "$dynamicAnchor". */
enum { AF_DOC_KEY_ID = 1u << 0, AF_DOC_KEY_DOLLAR_ID = 1u << 1 };

/* The AF_DOC_KEY_* kind of one key (0: none). */
unsigned af_doc_key_kind(const char *key);

/* Records kinds (AF_DOC_KEY_* bits) for doc, which load.c made. */
void af_doc_note_keys(af_doc *doc, unsigned kinds);

/* Every AF_DOC_KEY_* kind that occurs in the tree of doc (made by
   af_doc_parse or af_doc_load_file). */
unsigned af_doc_id_keys(const af_doc *doc);

/* Reads the whole file at path into a malloc'd NUL-terminated buffer of at
   most AF_DOC_MAX_SIZE bytes. 0, AF_EIO (errno kept), AF_ELIMIT or
   AF_ENOMEM. */
int af_doc_read_file(const char *path, char **out, size_t *out_len);

/* Builds doc->root from doc->text as YAML (yaml.c). */
int af_doc_parse_yaml(af_doc *doc, af_error *err);

/* Whether a scalar event in key position is the merge key `<<` (plain and
   untagged, or tagged !!merge). */
bool af_doc_yaml_is_merge_key(const yaml_event_t *ev);

/* The 1-based line and column (in characters) of byte offset off of
   text (len bytes); offsets past the end count as the end. */
void af_doc_position(const char *text, size_t len, size_t off, int *line,
                     int *col);

/* As af_doc_locate, but the last token of pointer names the nth member
   with that key (1-based), so the second of two duplicate keys can be
   found. Only JSON text can hold duplicates past the parser; for YAML nth
   is ignored. */
void af_doc_locate_nth(const af_doc *doc, const char *pointer, int nth,
                       int *line, int *col);

#endif
