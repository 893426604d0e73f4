/*
 * schemautil.h - compiling schemas straight from text in tests, without
 * the document compilers: a hand-built af_compiler over a parsed document.
 *
 * Header-only (static functions) so that only the tests that include it
 * link against the loader, refs and the schema compiler.
 */
#ifndef AF_SCHEMAUTIL_H
#define AF_SCHEMAUTIL_H

#include <stdlib.h>
#include <string.h>

#include "spec/compile.h"
#include "spec/pattern.h"

typedef struct af_test_schemas {
    af_model *m;
    af_docset *ds;
    af_compiler c;
    af_error err;
    af_idx root; /* what af_test_schemas_compile returned */
} af_test_schemas;

/* Sets up t for dialect d over the document doc (owned by t afterwards;
   root_dir as for af_docset_new). Returns 0, or < 0 with t->err set. */
static inline int af_test_schemas_init(af_test_schemas *t, af_dialect d,
                                       af_doc *doc, const char *root_dir)
{
    memset(t, 0, sizeof *t);
    t->root = AF_NONE;
    int rc = af_docset_new(doc, root_dir, &t->ds, &t->err);
    if (rc < 0) {
        af_doc_free(doc);
        return rc;
    }
    t->m = calloc(1, sizeof *t->m);
    if (t->m == NULL)
        return AF_ENOMEM;
    t->m->dialect = d;
    af_arena_init(&t->m->arena);
    t->m->values = cJSON_CreateArray();
    t->c.m = t->m;
    t->c.ds = t->ds;
    t->c.err = &t->err;
    return af_memo_new(&t->c.memo);
}

/* Compiles the schema at pointer ("#/components/schemas/Pet") of the root
   document; sets and returns t->root (AF_NONE with t->err on error). */
static inline af_idx af_test_schemas_at(af_test_schemas *t, const char *pointer)
{
    const af_doc *doc = af_docset_root(t->ds);
    const cJSON *node = NULL;
    if (af_pointer_get(doc->root, pointer, &node) != 0) {
        af_error_set(&t->err, AF_EREF, NULL, pointer, 0, 0, "no such node");
        return t->root = AF_NONE;
    }
    return t->root = af_schema_compile(&t->c, doc, node, pointer, NULL);
}

/* Parses text (named name: ".json" or ".yaml") and compiles the schema at
   pointer in dialect d; relative files are forbidden. */
static inline af_idx af_test_schemas_compile(af_test_schemas *t, af_dialect d,
                                             const char *name, const char *text,
                                             const char *pointer)
{
    af_doc *doc = NULL;
    memset(t, 0, sizeof *t);
    t->root = AF_NONE;
    if (af_doc_parse(text, strlen(text), name, AF_DOC_AUTO, &doc, &t->err) < 0)
        return AF_NONE;
    if (af_test_schemas_init(t, d, doc, "") < 0)
        return AF_NONE;
    return af_test_schemas_at(t, pointer);
}

/* Frees everything (the schemas' regexes included). */
static inline void af_test_schemas_free(af_test_schemas *t)
{
    for (uint32_t i = 0; i < t->c.n_sch; i++) {
        af_pattern_free(t->c.sch[i].pattern_re);
        for (uint32_t k = 0; k < t->c.sch[i].n_pattern_props; k++)
            af_pattern_free(t->c.sch[i].pattern_props[k].re);
    }
    free(t->c.sch);
    free(t->c.warn);
    af_memo_free(t->c.memo);
    af_docset_free(t->ds);
    if (t->m != NULL) {
        cJSON_Delete(t->m->values);
        af_arena_free(&t->m->arena);
        free(t->m);
    }
    memset(t, 0, sizeof *t);
}

/* The schema at index i. */
static inline const af_schema *af_test_schema(const af_test_schemas *t,
                                              af_idx i)
{
    return i >= 0 && (uint32_t)i < t->c.n_sch ? &t->c.sch[i] : NULL;
}

/* The index of property name of schema s, AF_NONE when absent. */
static inline af_idx af_test_prop(const af_schema *s, const char *name)
{
    for (uint32_t i = 0; s != NULL && i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0)
            return s->props[i].schema;
    return AF_NONE;
}

/* The number of warnings whose pointer ends with suffix and whose message
   contains text (either NULL: any). */
static inline int af_test_warnings(const af_test_schemas *t, const char *suffix,
                                   const char *text)
{
    int n = 0;
    for (uint32_t i = 0; i < t->c.n_warn; i++) {
        const af_warning *w = &t->c.warn[i];
        size_t pl = strlen(w->pointer), sl = suffix ? strlen(suffix) : 0;
        bool is_at = suffix == NULL ||
                     (pl >= sl && strcmp(w->pointer + pl - sl, suffix) == 0);
        bool has = text == NULL || strstr(w->message, text) != NULL;
        n += is_at && has;
    }
    return n;
}

#endif
