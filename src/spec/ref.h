/*
 * ref.h - JSON pointers and $ref resolution over a docset.
 *
 * A $ref is "[relative-file]#[fragment]" where the fragment is a JSON
 * pointer (RFC 6901: ~0 ~1, and percent-encoding as in a URI fragment) or
 * a plain-name anchor ($anchor / draft-4 "id": "#foo"). Relative files are
 * resolved against the referring file and must stay inside the root file's
 * directory tree. URIs matching an `$id` (or draft-4 `id`) of a loaded
 * document or subschema resolve to it; any other absolute URI is
 * "remote $ref not supported", unless a remotes map is set (the
 * JSON-Schema-Test-Suite maps http://localhost:1234/ to a folder).
 */
#ifndef AF_REF_H
#define AF_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/doc.h"

typedef struct af_docset af_docset;

/* A docset whose root document is root (ownership passes to the set).
   root_dir confines relative files; NULL means the directory of root->name,
   and "" forbids relative files (an embedded spec with no directory).
   On failure (root_dir missing, out of memory) root stays the caller's. */
int af_docset_new(af_doc *root, const char *root_dir, af_docset **out,
                  af_error *err);
void af_docset_free(af_docset *ds);
af_doc *af_docset_root(const af_docset *ds);

/* The number of documents loaded so far, the root included. */
size_t af_docset_count(const af_docset *ds);

/* How `$id`/`id` and anchors are read in documents that do not say (no
   `$schema`, `openapi` or `swagger` at their root): schema_uri is a
   `$schema` value ("http://json-schema.org/draft-04/schema#", ...). The
   default is 2020-12. A document reached through a $ref inherits the
   rules of the one referring to it. Call before the first af_ref_resolve. */
void af_docset_set_default_schema(af_docset *ds, const char *schema_uri);

/* Maps an absolute URI prefix to a local directory (for remote-ref tests);
   never fetched over the network. */
int af_docset_map_remote(af_docset *ds, const char *uri_prefix, const char *dir,
                         af_error *err);

/* Where a $ref leads. */
typedef struct af_ref_target {
    const af_doc *doc;  /* the document holding the target */
    const cJSON *node;  /* the target node */
    char pointer[1024]; /* "#/components/schemas/Pet", or
                           "other.yaml#/X" for another file (or the URI
                           of a mapped remote); tokens ~0 ~1 escaped,
                           never %-encoded */
    char base_uri[512]; /* base URI in force at the target ("" none),
                           before the target's own $id is applied */
} af_ref_target;

/* Resolves ref found at from_pointer of doc from, with base_uri the base in
   force there ("" or NULL: the document's own). Loads files as needed.
   Errors name both places: where the $ref is and what it points to.
   from_pointer names the object holding "$ref" ("#/a/b" or "/a/b"; NULL
   when unknown); from NULL means the root. With base_uri "" or NULL the
   base is computed from the `$id`s enclosing from_pointer (that object's
   own `$id` included, except beside `$ref` in drafts 4-7), so callers
   need not track bases. One step only: a target that is itself a $ref
   is returned as it is. */
int af_ref_resolve(af_docset *ds, const af_doc *from, const char *from_pointer,
                   const char *base_uri, const char *ref, af_ref_target *out,
                   af_error *err);

/* The member key of object obj, as cJSON_GetObjectItemCaseSensitive finds
   it. Big objects of the docset's documents are hashed on first lookup,
   so looking up every key of a big map (paths, components/schemas) costs
   linear time, not quadratic. ds may be NULL; obj may be any node. */
const cJSON *af_docset_member(af_docset *ds, const cJSON *obj, const char *key);

/* Follows a JSON pointer ("", "/a/b", "#/a/b", with ~0 ~1 and %XX) from
   root. Returns 0 and *out, or AF_EREF when a token is missing. */
int af_pointer_get(const cJSON *root, const char *pointer, const cJSON **out);

/* Appends "/token" to buf (NUL-terminated, cap bytes), escaping ~ and / as
   ~0 and ~1. Returns 0, or AF_ELIMIT when it does not fit (buf unchanged). */
int af_pointer_append(char *buf, size_t cap, const char *token);

/* As af_pointer_append with an array index. */
int af_pointer_append_index(char *buf, size_t cap, size_t index);

/* Where a pointer walk stopped (af_pointer_walk). */
typedef struct af_pointer_trace {
    const cJSON *last;  /* the last node reached; the target on success */
    char pointer[1024]; /* the part walked, canonical: "/a/~1b" (no '#',
                           no %XX) */
    char token[256];    /* on failure: the missing token, decoded (as
                           written when badly escaped) */
    bool bad_escape;    /* the failure is a malformed ~ or %XX escape, or
                           a pointer not starting with '/' */
} af_pointer_trace;

/* af_pointer_get, telling where the walk stopped (for error messages and
   canonical pointers). Returns 0, AF_EREF (missing token or bad escape),
   AF_ELIMIT (canonical form over 1023 bytes) or AF_ENOMEM. */
int af_pointer_walk(const cJSON *root, const char *pointer,
                    af_pointer_trace *trace);

/* Decodes one reference token (~1 -> /, ~0 -> ~, %XX) into out. Returns
   the decoded length (a %00 makes it differ from strlen), AF_EREF for a
   malformed escape, or AF_ELIMIT when it does not fit in cap bytes with
   its NUL. %XX is decoded first, then the ~ escapes (RFC 6901 §6). */
int af_pointer_unescape(const char *token, size_t len, char *out, size_t cap);

/* URI references (RFC 3986), as $ref and $id need them (pointer.c). */

/* ref resolved against base (RFC 3986 §5.2, dot segments removed; no other
   normalization). malloc'd; NULL when out of memory. */
char *af_uri_resolve(const char *base, const char *ref);

/* "file://" + path, with '%', '#', '?' and ' ' percent-encoded; malloc'd. */
char *af_uri_from_path(const char *path);

/* The len bytes at s percent-decoded (malformed escapes kept as they are);
   malloc'd; NULL when out of memory or when it would contain a NUL. */
char *af_uri_decode(const char *s, size_t len);

#endif
