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
   and "" forbids relative files (an embedded spec with no directory). */
int af_docset_new(af_doc *root, const char *root_dir, af_docset **out,
                  af_error *err);
void af_docset_free(af_docset *ds);
af_doc *af_docset_root(const af_docset *ds);

/* Maps an absolute URI prefix to a local directory (for remote-ref tests);
   never fetched over the network. */
int af_docset_map_remote(af_docset *ds, const char *uri_prefix,
                         const char *dir, af_error *err);

/* Where a $ref leads. */
typedef struct af_ref_target {
    const af_doc *doc;  /* the document holding the target */
    const cJSON *node;  /* the target node */
    char pointer[1024]; /* "#/components/schemas/Pet", or
                           "other.yaml#/X" for another file */
    char base_uri[512]; /* base URI in force at the target ("" none) */
} af_ref_target;

/* Resolves ref found at from_pointer of doc from, with base_uri the base in
   force there ("" or NULL: the document's own). Loads files as needed.
   Errors name both places: where the $ref is and what it points to. */
int af_ref_resolve(af_docset *ds, const af_doc *from, const char *from_pointer,
                   const char *base_uri, const char *ref, af_ref_target *out,
                   af_error *err);

/* Follows a JSON pointer ("", "/a/b", "#/a/b", with ~0 ~1 and %XX) from
   root. Returns 0 and *out, or AF_EREF when a token is missing. */
int af_pointer_get(const cJSON *root, const char *pointer, const cJSON **out);

/* Appends "/token" to buf (NUL-terminated, cap bytes), escaping ~ and / as
   ~0 and ~1. Returns 0, or AF_ELIMIT when it does not fit (buf unchanged). */
int af_pointer_append(char *buf, size_t cap, const char *token);

/* As af_pointer_append with an array index. */
int af_pointer_append_index(char *buf, size_t cap, size_t index);

/* Decodes one reference token (~1 -> /, ~0 -> ~, %XX) into out. */
int af_pointer_unescape(const char *token, size_t len, char *out, size_t cap);

#endif
