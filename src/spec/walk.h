/*
 * walk.h - helpers shared by the document walkers (internal to src/spec/):
 * openapi.c and content.c (OpenAPI 3.x), swagger.c and swagger_params.c
 * (Swagger 2.0).
 *
 * A walker visits the DOM through af_at positions: the document, the node
 * and its JSON pointer as reported ("#/paths/~1pets/get" in the root file,
 * "other.yaml#/X" in another file). Every function that can fail returns 0
 * or a negative AF_E* with c->err filled (model.c always passes its own
 * af_error, so c->err is never NULL while compiling). Strings and arrays
 * handed to the model come from the model's arena; synthesized cJSON
 * values are owned by the model's value list, so their addresses stay
 * unique for the schema compiler's memo.
 */
#ifndef AF_WALK_H
#define AF_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/compile.h"

#define AF_AT_PTR 1024

typedef struct af_at {
    const af_doc *doc;
    const cJSON *node; /* NULL: absent */
    char ptr[AF_AT_PTR];
} af_at;

/* The fragment ("#/a/b") of a reported pointer, to locate it in its doc. */
const char *af_walk_fragment(const char *ptr);

/* A spec error (AF_ESPEC) located at at. Returns AF_ESPEC. */
int af_walk_error(af_compiler *c, const af_at *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records out of memory in c->err; returns AF_ENOMEM. */
int af_walk_nomem(af_compiler *c);

/* The root position of doc ("#"). */
void af_walk_root(const af_doc *doc, af_at *out);

/* out = member key of at's object (out->node NULL when absent, or when at
   is not an object). */
int af_walk_child(af_compiler *c, const af_at *at, const char *key, af_at *out);

/* out = item, a child of at: index i of an array, or the member named
   item->string of an object. */
int af_walk_item(af_compiler *c, const af_at *at, const cJSON *item, size_t i,
                 af_at *out);

/* Typed members: absent leaves the default (out->node NULL, *out NULL or
   unchanged); present with another JSON type is an error at the member. */
int af_walk_object(af_compiler *c, const af_at *at, const char *key,
                   af_at *out);
int af_walk_array(af_compiler *c, const af_at *at, const char *key, af_at *out);
int af_walk_string(af_compiler *c, const af_at *at, const char *key,
                   const char **out);
int af_walk_bool(af_compiler *c, const af_at *at, const char *key, bool *out);

/* Follows at's $ref chain (af_compile_deref); the object reached must be
   an object ("expected an object" otherwise). */
int af_walk_deref(af_compiler *c, af_at *at);

/* Arena copies; NULL (with c->err set) on out of memory. */
char *af_walk_strdup(af_compiler *c, const char *s);
char *af_walk_case(af_compiler *c, const char *s, bool upper);
void *af_walk_calloc(af_compiler *c, size_t n, size_t size);

/* Gives v to the model (freed with it); NULL when it cannot be stored
   (v is freed, c->err set). */
const cJSON *af_walk_adopt(af_compiler *c, cJSON *v);

/* Compiles a synthesized schema v (taken over as by af_walk_adopt) as if
   it stood at at; AF_NONE with c->err set on failure. */
af_idx af_walk_synth(af_compiler *c, const af_at *at, cJSON *v);

/* The schema at member key of at (AF_NONE in *out when absent): an object,
   or in OpenAPI 3.1 also a boolean. */
int af_walk_schema(af_compiler *c, const af_at *at, const char *key,
                   af_idx *out);

/* The status to return after af_schema_compile gave AF_NONE. */
int af_walk_failed(af_compiler *c);

/* A plain {"type": "string"} schema standing at at. */
af_idx af_walk_string_schema(af_compiler *c, const af_at *at);

/* Adds a copy of v to the examples array *list, created (and owned by the
   model) on first use. */
int af_walk_example(af_compiler *c, cJSON **list, const cJSON *v);

/* A security requirement list (an array of {scheme: [scopes]}) against the
   model's schemes: an empty list means none, an entry {} anonymous. */
int af_walk_security(af_compiler *c, const af_at *list, const af_sec_alt **out,
                     uint32_t *n);

/* Adds p to params (n in use), replacing an earlier parameter with the same
   name and location (header names compare case-insensitively). */
void af_walk_param_put(af_param *params, uint32_t *n, const af_param *p);

/* Whether a header parameter's name is one OpenAPI says to ignore
   (Accept, Content-Type, Authorization). */
bool af_walk_header_ignored(const char *name);

/* The number of {variables} in a path template: room to reserve for the
   parameters af_walk_path_params may add. */
uint32_t af_walk_path_vars(const char *path);

/* Reconciles params with the path template of the operation at op: a path
   parameter is always required; a template variable with no parameter gets
   a required string one; a path parameter not in the template is dropped.
   params has room for af_walk_path_vars(path) more entries. */
int af_walk_path_params(af_compiler *c, const af_at *op, const char *path,
                        af_param *params, uint32_t *n);

/* "200" exact, "2XX"/"2xx" a class range, "default" 0..0; false for any
   other response key. */
bool af_walk_status_key(const char *key, int *lo, int *hi);

/* Operations in document order (arena-grown), with their operationIds
   hashed (open addressing over op index + 1, 0 empty; arena-grown) so the
   duplicate check costs one probe per operation. Zero-initialize. */
typedef struct af_oplist {
    af_operation *ops;
    uint32_t n, cap;
    uint32_t *id_slots;
    uint32_t id_cap, n_ids; /* id_cap a power of two, n_ids <= id_cap / 2 */
} af_oplist;

int af_walk_push_op(af_compiler *c, af_oplist *l, const af_operation *op);

/* The members every dialect shares: operationId (a duplicate of one in l
   warns), tags (non-strings skipped), deprecated. */
int af_walk_op_common(af_compiler *c, const af_oplist *l, const af_at *at,
                      af_operation *op);

/* The operation's `security`, else the global requirement. */
int af_walk_op_security(af_compiler *c, const af_at *at,
                        const af_sec_alt *global, uint32_t n_global,
                        af_operation *op);

/* The path part of a server URL, without a trailing slash ("" for none or
   "/"), in the arena. */
const char *af_walk_base_path(af_compiler *c, const char *url);

/* A member of a map at at: its key and pointer copied into *name and
 *pointer (arena), then at dereferenced (af_walk_deref). */
int af_walk_named(af_compiler *c, af_at *at, const char **name,
                  const char **pointer);

/* Returned by an af_walk_map_fn to leave the member out: its slot is
   handed, as the callback left it, to the next member. */
#define AF_WALK_SKIP 1

/* Called by af_walk_map on each member at (a copy: the callback may
   dereference it) with its slot; 0 keeps the slot, AF_WALK_SKIP reuses
   it, a negative AF_E* stops the walk. */
typedef int (*af_walk_map_fn)(af_compiler *c, af_at *at, void *slot);

/* The object at member key of at, one zeroed slot of elem_size bytes per
   member (arena), fn called on each member in document order. *out is
   the slots (NULL when the member is absent or on failure); *n, the slots
   kept, is set only on success with the member present. */
int af_walk_map(af_compiler *c, const af_at *at, const char *key,
                size_t elem_size, af_walk_map_fn fn, void **out, uint32_t *n);

/* OpenAPI 3 content (content.c): the Media Type map at content (lower-case
   types; duplicates after case folding are skipped with a warning). */
int af_oas_media_map(af_compiler *c, const af_at *content, const af_media **out,
                     uint32_t *n);

/* `example` and the values of the `examples` map of at, into *list. */
int af_oas_examples(af_compiler *c, const af_at *at, cJSON **list);

/* The operation's requestBody (NULL when none) and responses. */
int af_oas_body(af_compiler *c, const af_at *op, const af_body **out);
int af_oas_responses(af_compiler *c, const af_at *op, const af_response **out,
                     uint32_t *n);

/* Resolves every link's target operation, once all operations exist. */
void af_oas_resolve_links(af_compiler *c);

/* Swagger 2.0 (swagger_params.c): the clean schema a parameter, header or
   items object stands for (schema keywords only; `type: file` a binary
   string); NULL on out of memory. */
cJSON *af_sw_synth_schema(const cJSON *src);

/* Compiles a synthesized schema (taken over) at at; one without `type` is
   a string, with a warning. */
af_idx af_sw_compile_synth(af_compiler *c, const af_at *at, cJSON *s);

/* The operation's media types: own (`consumes`/`produces` of the
   operation), else global, else application/json; lower case, unique. */
int af_sw_media_types(af_compiler *c, const af_at *own, const af_at *global,
                      const char ***out, uint32_t *n);

/* The parameters of the operation at op in the path item at item: plain
   ones into out->params, the body or the form into out->body. */
int af_sw_params(af_compiler *c, const af_at *global_consumes,
                 const af_at *item, const af_at *op, af_operation *out);

#endif
