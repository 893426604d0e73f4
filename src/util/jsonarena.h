/*
 * jsonarena.h - JSON trees of one fuzz input, in its arena.
 *
 * The nodes are cJSON structs, so every reader of cJSON trees works on
 * them (cJSON_Is*, cJSON_GetObjectItemCaseSensitive, cJSON_GetArraySize,
 * the validator), but every node and string comes from an af_arena and
 * goes with its reset: nothing is freed one by one, and cJSON's global
 * allocator hooks are never used or touched.
 *
 * Ownership: a tree made here belongs to its arena. Read it; never pass
 * any of its nodes to cJSON_Delete or to a cJSON function that adds,
 * detaches, replaces or frees (they would malloc or free arena memory);
 * build with the functions below instead.
 */
#ifndef AF_JSONARENA_H
#define AF_JSONARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/arena.h"

/* Parses one JSON value from the len bytes at text (no NUL needed; no
   byte past len is read) into a tree in a. The language is exactly
   cJSON 1.7's cJSON_ParseWithLengthOpts(text, len, &end, false), its
   leniencies included (see jsonarena.c), except that a number longer than
   63 characters is read whole where cJSON refuses it. Bytes after the
   value are not looked at.
   Returns 0 with *out the root and *end the offset just past the value;
   AF_ESYNTAX when the text is not JSON (*out NULL, *end the offset of the
   error, as cJSON reports it); AF_ENOMEM when the arena refuses memory.
   end may be NULL. Deterministic; no global state (thread-safe). */
int af_jsonarena_parse(af_arena *a, const void *text, size_t len, cJSON **out,
                       size_t *end);

/* A zeroed node of cJSON type `type` (cJSON_NULL, cJSON_True, cJSON_False,
   cJSON_Array, cJSON_Object); NULL when out of memory. */
cJSON *af_jsonarena_node(af_arena *a, int type);

/* A string node holding a copy of the len bytes at s (a NUL among them
   ends the string, as it does for every cJSON reader); NULL when out of
   memory. s may be NULL when len is 0. */
cJSON *af_jsonarena_string(af_arena *a, const char *s, size_t len);

/* A number node (valueint saturated as cJSON does); NULL when out of
   memory. */
cJSON *af_jsonarena_number(af_arena *a, double d);

/* Appends item (a node of no list) as the last child of array or object
   parent, keeping cJSON's invariant that the first child's prev is the
   last child. O(1). */
void af_jsonarena_append(cJSON *parent, cJSON *item);

/* Appends item to object obj under a copy of key. Returns false (obj
   unchanged) when out of memory. */
bool af_jsonarena_add(af_arena *a, cJSON *obj, const char *key, cJSON *item);

#endif
