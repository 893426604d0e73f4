/*
 * compile.h - the compiler's shared state (internal to src/spec/).
 *
 * openapi.c walks the document (paths, operations, parameters, bodies,
 * responses, security; swagger.c does the same for Swagger 2.0) and asks
 * schema.c for every schema it meets. schema.c memoizes by DOM node, so a
 * schema reached twice (through two $refs) is one model node, and a cycle
 * of $refs becomes a cycle of indexes: a node gets its index before its
 * children are compiled.
 */
#ifndef AF_COMPILE_H
#define AF_COMPILE_H

#include "spec/doc.h"
#include "spec/model.h"
#include "spec/ref.h"

typedef struct af_memo af_memo; /* DOM node -> schema index (schema.c) */

typedef struct af_compiler {
    af_model *m; /* being built; schemas grow in sch/n_sch/cap_sch */
    af_docset *ds;
    af_error *err;  /* first error; compilation stops at it */
    af_schema *sch; /* growable schema array (malloc), moved to m */
    uint32_t n_sch, cap_sch;
    af_warning *warn; /* growable (malloc), moved to m */
    uint32_t n_warn, cap_warn;
    af_memo *memo;
    unsigned depth; /* recursion guard for schema compilation */
} af_compiler;

/* Compiles the schema at node (in doc, at pointer, under base_uri) and
   returns its index, or AF_NONE with c->err set. A node that is only a
   $ref (or, before 2020-12, any node with $ref) compiles to the target's
   index; in plain 2020-12 documents (AF_DIALECT_DRAFT2020) only a $ref
   to a fragment ("#...") does, as others enter a resource's dynamic
   scope. Dialect from c->m->dialect. */
af_idx af_schema_compile(af_compiler *c, const af_doc *doc, const cJSON *node,
                         const char *pointer, const char *base_uri);

/* Memo lifetime (schema.c). */
int af_memo_new(af_memo **out);
void af_memo_free(af_memo *memo);

/* Compiles a `pattern` source as af_pattern_compile does (the caller owns
   one reference to *out_code), sharing the code of an earlier identical
   source of the same load (schema.c, cached in the memo). */
int af_compile_pattern(af_compiler *c, const char *src, void **out_code,
                       char *errbuf, size_t cap);

/* Records a warning (copied into the model's arena). Never fails: a
   warning that cannot be stored is dropped. */
void af_compile_warn(af_compiler *c, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps a copy of a DOM value in the model; NULL on out of memory. The
   copy lives in the model's arena: read it, never cJSON_Delete it. */
const cJSON *af_compile_keep(af_compiler *c, const cJSON *value);

/* OpenAPI 3.x (openapi.c) and Swagger 2.0 (swagger.c) document compilers:
   fill c->m from the root document. */
int af_compile_openapi3(af_compiler *c, const af_doc *doc);
int af_compile_swagger2(af_compiler *c, const af_doc *doc);

/* Follows $ref chains at a non-schema object (parameter, response,
   requestBody, header, ...): on return *doc, *node and pointer (cap bytes)
   name the object itself. Cycles of such $refs are an error. */
int af_compile_deref(af_compiler *c, const af_doc **doc, const cJSON **node,
                     char *pointer, size_t cap);

#endif
