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
   returns 0 when the keys are distinct, AF_ENOMEM when out of memory. */
int af_doc_keys_first_dup(af_doc_keys *ks, const cJSON *obj, size_t n,
                          size_t *index);

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
