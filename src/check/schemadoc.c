/*
 * schemadoc.c - compiles one schema of a document (a plain JSON Schema
 * file, or a schema inside an OpenAPI document) into a model of its own.
 *
 * The document compilers (openapi.c, swagger.c) walk a whole API; here
 * the schema compiler is driven directly: a docset with the dialect's
 * identifier rules as default (af_docset_set_default_schema) and the
 * remote prefix mapped to a folder, one af_schema_compile at the pointer,
 * and the compiler's arrays moved into the model. The DOM is freed before
 * returning, as af_model_load does.
 */
#include "check/schemadoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/compile.h"

static const struct {
    const char *name;
    af_dialect d;
    const char *schema_uri; /* the identifier rules of plain documents */
} dialects[] = {
    {"draft4", AF_DIALECT_DRAFT4, "http://json-schema.org/draft-04/schema#"},
    {"draft7", AF_DIALECT_DRAFT7, "http://json-schema.org/draft-07/schema#"},
    {"draft2020-12", AF_DIALECT_DRAFT2020,
     "https://json-schema.org/draft/2020-12/schema"},
    {"openapi-3.0", AF_DIALECT_OAS30,
     "http://json-schema.org/draft-06/schema#"},
    {"openapi-3.1", AF_DIALECT_OAS31,
     "https://json-schema.org/draft/2020-12/schema"},
    {"swagger-2.0", AF_DIALECT_SWAGGER2,
     "http://json-schema.org/draft-06/schema#"},
};

af_dialect af_schemadoc_dialect(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof dialects / sizeof dialects[0];
         i++)
        if (strcmp(name, dialects[i].name) == 0)
            return dialects[i].d;
    return 0;
}

static const af_schemadoc_opts *entry_of(const af_schemadoc_opts *o,
                                         const char **uri, const char **name)
{
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++) {
        if (dialects[i].d == o->dialect) {
            *uri = dialects[i].schema_uri;
            *name = dialects[i].name;
            return o;
        }
    }
    return NULL;
}

static af_model *model_new(af_dialect d, const char *version)
{
    af_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    af_arena_init(&m->arena);
    m->dialect = d;
    m->version = version;
    m->base_path = "";
    m->values = cJSON_CreateArray();
    if (m->values == NULL) {
        free(m);
        return NULL;
    }
    return m;
}

/* Moves the compiler's arrays into m (freed by af_model_free). */
static int finish(af_compiler *c)
{
    af_model *m = c->m;
    m->schemas = c->sch;
    m->n_schemas = c->n_sch;
    c->sch = NULL;
    c->n_sch = 0;
    if (c->n_warn > 0) {
        m->warnings =
            af_arena_memdup(&m->arena, c->warn, c->n_warn * sizeof *c->warn);
        m->n_warnings = m->warnings != NULL ? c->n_warn : 0;
    }
    free(c->warn);
    c->warn = NULL;
    return 0;
}

/* The schema at o->pointer, compiled; AF_NONE with c->err set. */
static af_idx compile_at(af_compiler *c, const af_doc *doc, const char *ptr)
{
    if (ptr == NULL || ptr[0] == '\0')
        ptr = "#";
    const cJSON *node = NULL;
    if (af_pointer_get(doc->root, ptr, &node) != 0) {
        af_error_set(c->err, AF_EREF, doc->name, ptr, 0, 0, "no schema at '%s'",
                     ptr);
        return AF_NONE;
    }
    char canon[1100];
    af_pointer_trace tr;
    if (af_pointer_walk(doc->root, ptr, &tr) != 0)
        return af_error_set(c->err, AF_ELIMIT, doc->name, ptr, 0, 0,
                            "pointer too long"),
               AF_NONE;
    snprintf(canon, sizeof canon, "#%s", tr.pointer);
    return af_schema_compile(c, doc, node, canon, NULL);
}

static int compile(af_docset *ds, const af_schemadoc_opts *o, af_model *m,
                   af_idx *root, af_error *err)
{
    af_compiler c = {.m = m, .ds = ds, .err = err};
    int rc = af_memo_new(&c.memo);
    if (rc < 0)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    *root = compile_at(&c, af_docset_root(ds), o->pointer);
    af_memo_free(c.memo);
    finish(&c);
    if (*root != AF_NONE)
        return 0;
    return err->code < 0 ? err->code : AF_ESPEC;
}

static int load(af_doc *doc, const char *base_dir, const af_schemadoc_opts *o,
                af_model **out, af_idx *root, af_error *err)
{
    const char *uri = NULL, *name = NULL;
    af_docset *ds = NULL;
    if (entry_of(o, &uri, &name) == NULL) {
        af_doc_free(doc);
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "unknown dialect %d", (int)o->dialect);
    }
    int rc = af_docset_new(doc, base_dir, &ds, err);
    if (rc < 0) {
        af_doc_free(doc);
        return rc;
    }
    af_docset_set_default_schema(ds, uri);
    if (o->remotes != NULL)
        rc = af_docset_map_remote(ds,
                                  o->remote_prefix ? o->remote_prefix
                                                   : AF_SCHEMADOC_REMOTE_PREFIX,
                                  o->remotes, err);
    af_model *m = rc == 0 ? model_new(o->dialect, name) : NULL;
    if (rc == 0 && m == NULL)
        rc = af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    if (rc == 0)
        rc = compile(ds, o, m, root, err);
    af_docset_free(ds);
    if (rc < 0) {
        af_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int af_schemadoc_load_text(const char *text, size_t len, const char *name,
                           const char *base_dir, const af_schemadoc_opts *o,
                           af_model **out, af_idx *root, af_error *err)
{
    af_error e;
    af_error_clear(&e);
    if (out == NULL || root == NULL || text == NULL || o == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_schemadoc_load_text: NULL argument");
    *out = NULL;
    *root = AF_NONE;
    af_doc *doc = NULL;
    int rc = af_doc_parse(text, len, name != NULL ? name : "schema.json",
                          AF_DOC_AUTO, &doc, &e);
    if (rc == 0)
        rc = load(doc, base_dir, o, out, root, &e);
    if (err != NULL)
        *err = e;
    return rc;
}

int af_schemadoc_load_file(const char *path, const af_schemadoc_opts *o,
                           af_model **out, af_idx *root, af_error *err)
{
    af_error e;
    af_error_clear(&e);
    if (out == NULL || root == NULL || path == NULL || o == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_schemadoc_load_file: NULL argument");
    *out = NULL;
    *root = AF_NONE;
    af_doc *doc = NULL;
    int rc = af_doc_load_file(path, &doc, &e);
    if (rc == 0)
        rc = load(doc, NULL, o, out, root, &e);
    if (err != NULL)
        *err = e;
    return rc;
}
