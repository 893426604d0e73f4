/*
 * model.c - loading a description into the compiled model, and the model's
 * lifetime and lookups.
 *
 * af_model_load parses the root file, builds the docset (relative $refs),
 * detects the version, runs the OpenAPI 3 or Swagger 2 walker, and frees
 * the DOM before returning: the model owns only its arena, its schema array
 * and its cJSON value list, and is never modified afterwards.
 *
 * Errors: the compiler always works on a local af_error, so walkers may
 * read c->err->code; the caller's err (which may be NULL) gets a copy.
 * Tuned for one load per process: lookups are linear scans.
 */
#include "spec/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/compile.h"
#include "spec/pattern.h"
#include "spec/walk.h"

/* Longest chain of non-schema $refs followed before giving up. */
#define MAX_DEREF 64

static void free_schemas(af_schema *s, uint32_t n)
{
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < n; i++) {
        af_pattern_free(s[i].pattern_re);
        for (uint32_t k = 0; k < s[i].n_pattern_props; k++)
            af_pattern_free(s[i].pattern_props[k].re);
    }
    free(s);
}

void af_model_free(af_model *m)
{
    if (m == NULL)
        return;
    free_schemas((af_schema *)m->schemas, m->n_schemas);
    cJSON_Delete(m->values);
    af_arena_free(&m->arena);
    free(m);
}

void af_compile_warn(af_compiler *c, const char *pointer, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->n_warn == c->cap_warn) {
        uint32_t cap = c->cap_warn ? c->cap_warn * 2 : 16;
        af_warning *w = realloc(c->warn, cap * sizeof *w);
        if (w == NULL)
            return;
        c->warn = w;
        c->cap_warn = cap;
    }
    af_warning *w = &c->warn[c->n_warn];
    w->pointer = af_arena_strdup(&c->m->arena, pointer ? pointer : "");
    w->message = af_arena_strdup(&c->m->arena, msg);
    if (w->pointer != NULL && w->message != NULL)
        c->n_warn++;
}

/* A deep copy of v (key included) in the arena, linked as cJSON links
   its children (the first one's prev is the last one). */
static cJSON *arena_copy(af_arena *a, const cJSON *v)
{
    cJSON *n = af_arena_alloc(a, sizeof *n);
    if (n == NULL)
        return NULL;
    *n = (cJSON){.type = v->type & ~cJSON_IsReference,
                 .valueint = v->valueint,
                 .valuedouble = v->valuedouble};
    if ((v->valuestring != NULL &&
         (n->valuestring = af_arena_strdup(a, v->valuestring)) == NULL) ||
        (v->string != NULL &&
         (n->string = af_arena_strdup(a, v->string)) == NULL))
        return NULL;
    cJSON *last = NULL;
    for (const cJSON *ch = v->child; ch != NULL; ch = ch->next) {
        cJSON *copy = arena_copy(a, ch); /* depth: the DOM's, bounded */
        if (copy == NULL)
            return NULL;
        if (last != NULL)
            last->next = copy;
        else
            n->child = copy;
        copy->prev = last;
        last = copy;
    }
    if (n->child != NULL)
        n->child->prev = last;
    return n;
}

/* The copy lives in the model's arena, not in m->values: one bump per
   node and string instead of three mallocs, and nothing to free. */
const cJSON *af_compile_keep(af_compiler *c, const cJSON *value)
{
    return value != NULL ? arena_copy(&c->m->arena, value) : NULL;
}

static int deref_error(af_compiler *c, const af_doc *doc, const char *pointer,
                       const char *msg)
{
    af_at at = {.doc = doc};
    snprintf(at.ptr, sizeof at.ptr, "%s", pointer);
    return af_walk_error(c, &at, "%s", msg);
}

int af_compile_deref(af_compiler *c, const af_doc **doc, const cJSON **node,
                     char *pointer, size_t cap)
{
    const cJSON *seen[MAX_DEREF];
    const af_doc *doc0 = *doc;
    char ptr0[AF_AT_PTR]; /* where the chain starts, for errors */
    for (int n = 0;; n++) {
        const cJSON *ref = cJSON_IsObject(*node)
                               ? cJSON_GetObjectItemCaseSensitive(*node, "$ref")
                               : NULL;
        if (ref == NULL)
            return 0;
        if (n == 0) /* most objects are no $ref: copy only for chains */
            snprintf(ptr0, sizeof ptr0, "%s", pointer);
        if (!cJSON_IsString(ref))
            return deref_error(c, *doc, pointer, "'$ref' must be a string");
        for (int i = 0; i < n; i++)
            if (seen[i] == *node)
                return deref_error(c, doc0, ptr0, "cycle of $refs");
        if (n == MAX_DEREF)
            return deref_error(c, doc0, ptr0, "too many chained $refs");
        seen[n] = *node;
        af_ref_target t;
        int rc = af_ref_resolve(c->ds, *doc, af_walk_fragment(pointer), NULL,
                                ref->valuestring, &t, c->err);
        if (rc != 0)
            return rc;
        if (strlen(t.pointer) >= cap)
            return deref_error(c, *doc, pointer, "JSON pointer too long");
        *doc = t.doc;
        *node = t.node;
        memcpy(pointer, t.pointer, strlen(t.pointer) + 1);
    }
}

/* "3.0.3" -> OAS30 etc.; 0 with the error set otherwise. */
static int detect(af_compiler *c, const af_doc *doc, char *version, size_t cap)
{
    af_at root, v;
    af_walk_root(doc, &root);
    if (!cJSON_IsObject(doc->root))
        return af_walk_error(c, &root,
                             "not an OpenAPI or Swagger document: "
                             "the root is not an object");
    bool is_oas =
        cJSON_GetObjectItemCaseSensitive(doc->root, "openapi") != NULL;
    int rc = af_walk_child(c, &root, is_oas ? "openapi" : "swagger", &v);
    if (rc != 0)
        return rc;
    if (v.node == NULL)
        return af_walk_error(c, &root,
                             "not an OpenAPI or Swagger document: "
                             "no 'openapi' or 'swagger' field");
    if (cJSON_IsString(v.node))
        snprintf(version, cap, "%s", v.node->valuestring);
    else if (cJSON_IsNumber(v.node)) /* YAML: swagger: 2.0 unquoted */
        snprintf(version, cap, "%.1f", v.node->valuedouble);
    else
        return af_walk_error(c, &v, "expected a string");
    if (!is_oas && strcmp(version, "2.0") == 0)
        return AF_DIALECT_SWAGGER2;
    if (is_oas &&
        (strcmp(version, "3.0") == 0 || strncmp(version, "3.0.", 4) == 0))
        return AF_DIALECT_OAS30;
    if (is_oas &&
        (strcmp(version, "3.1") == 0 || strncmp(version, "3.1.", 4) == 0))
        return AF_DIALECT_OAS31;
    return af_walk_error(c, &v, "unsupported %s version '%s'",
                         is_oas ? "OpenAPI" : "Swagger", version);
}

/* Distinct media types of bodies and responses. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void count_media(af_model *m)
{
    size_t n = 0, k = 0;
    for (uint32_t i = 0; i < m->n_ops; i++) {
        const af_operation *op = &m->ops[i];
        n += op->body != NULL ? op->body->n_media : 0;
        for (uint32_t r = 0; r < op->n_responses; r++)
            n += op->responses[r].n_media;
    }
    const char **types = malloc((n ? n : 1) * sizeof *types);
    if (types == NULL)
        return;
    for (uint32_t i = 0; i < m->n_ops; i++) {
        const af_operation *op = &m->ops[i];
        for (uint32_t j = 0; op->body != NULL && j < op->body->n_media; j++)
            types[k++] = op->body->media[j].type;
        for (uint32_t r = 0; r < op->n_responses; r++)
            for (uint32_t j = 0; j < op->responses[r].n_media; j++)
                types[k++] = op->responses[r].media[j].type;
    }
    qsort(types, n, sizeof *types, cmp_str);
    m->n_media_types = 0;
    for (size_t i = 0; i < n; i++)
        m->n_media_types += i == 0 || strcmp(types[i - 1], types[i]) != 0;
    free(types);
}

/* Moves what the compiler grew with malloc into the model. */
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
        if (m->warnings == NULL)
            return af_walk_nomem(c);
        m->n_warnings = c->n_warn;
    }
    count_media(m);
    return 0;
}

static int compile(af_compiler *c, const af_doc *doc)
{
    char version[64];
    int dialect = detect(c, doc, version, sizeof version);
    if (dialect < 0)
        return dialect;
    c->m->dialect = (af_dialect)dialect;
    c->m->version = af_walk_strdup(c, version);
    if (c->m->version == NULL)
        return AF_ENOMEM;
    int rc = af_memo_new(&c->memo);
    if (rc != 0)
        return af_walk_nomem(c);
    rc = dialect == AF_DIALECT_SWAGGER2 ? af_compile_swagger2(c, doc)
                                        : af_compile_openapi3(c, doc);
    return rc != 0 ? rc : finish(c);
}

static af_model *model_new(void)
{
    af_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    af_arena_init(&m->arena);
    m->base_path = "";
    m->values = cJSON_CreateArray();
    if (m->values == NULL) {
        free(m);
        return NULL;
    }
    return m;
}

/* Takes doc; builds the docset and compiles. */
static int load_doc(af_doc *doc, const char *root_dir, af_model **out,
                    af_error *e)
{
    af_docset *ds = NULL;
    int rc = af_docset_new(doc, root_dir, &ds, e);
    if (rc != 0) { /* the root stays ours on failure */
        af_doc_free(doc);
        return rc;
    }
    af_model *m = model_new();
    if (m == NULL) {
        af_docset_free(ds);
        return af_error_set(e, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    af_compiler c = {.m = m, .ds = ds, .err = e};
    rc = compile(&c, af_docset_root(ds));
    free_schemas(c.sch, c.n_sch);
    free(c.warn);
    if (c.memo != NULL)
        af_memo_free(c.memo);
    af_docset_free(ds);
    if (rc != 0) {
        if (e->code == AF_OK) /* a walker failed without saying why */
            af_error_set(e, rc, NULL, NULL, 0, 0, "%s", af_error_name(rc));
        af_model_free(m);
        return e->code;
    }
    *out = m;
    return 0;
}

static int load_result(int rc, const af_error *e, af_error *err)
{
    if (err != NULL)
        *err = *e;
    return rc;
}

int af_model_load(const char *path, af_model **out, af_error *err)
{
    return af_model_load_root(path, NULL, out, err);
}

int af_model_load_root(const char *path, const char *root_dir, af_model **out,
                       af_error *err)
{
    af_error e;
    af_error_clear(&e);
    if (out == NULL || path == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_model_load: NULL argument");
    *out = NULL;
    af_doc *doc = NULL;
    int rc = af_doc_load_file(path, &doc, &e);
    if (rc == 0)
        rc = load_doc(doc, root_dir, out, &e);
    return load_result(rc, &e, err);
}

int af_model_load_text(const char *text, size_t len, const char *name,
                       const char *base_dir, af_model **out, af_error *err)
{
    af_error e;
    af_error_clear(&e);
    if (out == NULL || text == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_model_load_text: NULL argument");
    *out = NULL;
    af_doc *doc = NULL;
    int rc = af_doc_parse(text, len, name != NULL ? name : "<spec>",
                          AF_DOC_AUTO, &doc, &e);
    if (rc == 0)
        rc = load_doc(doc, base_dir != NULL ? base_dir : "", out, &e);
    return load_result(rc, &e, err);
}

int32_t af_model_find_op(const af_model *m, const char *operation_id)
{
    if (m == NULL || operation_id == NULL)
        return -1;
    for (uint32_t i = 0; i < m->n_ops; i++)
        if (m->ops[i].operation_id != NULL &&
            strcmp(m->ops[i].operation_id, operation_id) == 0)
            return (int32_t)i;
    return -1;
}

int32_t af_model_find_scheme(const af_model *m, const char *name)
{
    if (m == NULL || name == NULL)
        return -1;
    for (uint32_t i = 0; i < m->n_schemes; i++)
        if (strcmp(m->schemes[i].name, name) == 0)
            return (int32_t)i;
    return -1;
}

const af_schema *af_model_schema(const af_model *m, af_idx i)
{
    if (m == NULL || i < 0 || (uint32_t)i >= m->n_schemas)
        return NULL;
    return &m->schemas[i];
}

const char *af_param_in_name(af_param_in in)
{
    static const char *const names[] = {"path", "query", "header", "cookie"};
    return (unsigned)in < sizeof names / sizeof names[0] ? names[in] : "?";
}

const char *af_style_name(af_style s)
{
    static const char *const names[] = {
        "simple",         "label",         "matrix",     "form",
        "spaceDelimited", "pipeDelimited", "deepObject", "tabDelimited"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
