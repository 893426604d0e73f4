/*
 * ref.c - the docset and $ref resolution.
 *
 * A $ref is a URI reference, resolved against the base URI in force where
 * it sits (RFC 3986 §5.2, implemented below), then looked up: first among
 * the `$id`s and anchors of the loaded documents, then as a document (a
 * file under the root directory, or a file under a directory mapped to a
 * remote prefix), and finally its fragment is followed as a JSON pointer
 * or an anchor name. Nothing is ever fetched over a network.
 *
 * Invariants: every document is loaded once, keyed by its realpath; every
 * file read lies inside the root directory (or a mapped directory) after
 * symlinks are resolved; the indexes (refindex.c) are derived from the
 * documents only, and the resolution cache is emptied whenever a document
 * joins the set or an identifier index is rebuilt.
 * Tuned for specs of a few MB with 10^4 local $refs to 10^3 targets: a
 * $ref met before is one cache probe; a new one is a URI resolution and a
 * pointer walk whose steps into big objects are hash probes.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "spec/ref_internal.h"

#include "spec/load_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Objects with more members than this are hashed on lookup; smaller
   ones are scanned (a probe costs about that much). */
#define BIG_OBJECT 16

typedef af_set_doc set_doc;
typedef af_id_entry id_entry;

typedef struct confine {
    char *prefix; /* remote URI prefix; NULL for the root directory */
    char *real;   /* realpath of the directory; NULL forbids files */
    char *shown;  /* the directory as given, for document names */
} confine;

struct af_docset {
    set_doc **docs;
    size_t n_docs, cap_docs;
    confine root;
    confine *remotes;
    size_t n_remotes;
    int default_ids;
    af_ref_members *members; /* big objects' keys, for pointer walks */
    af_ref_cache *cache;     /* (base, $ref) -> target */
};

/* One resolution: where the $ref is, for errors. */
typedef struct ref_ctx {
    af_docset *ds;
    set_doc *from;
    const char *from_pointer; /* the object holding $ref; NULL unknown */
    const char *ref;
    af_error *err;
} ref_ctx;

/* Where a resolution is heading. */
typedef struct target {
    set_doc *d;
    const cJSON *node;
    const char *resource; /* URI of the enclosing resource, for anchors */
    char pointer[1024];   /* canonical, in d */
} target;

static int ref_fail(const ref_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Errors are reported where the $ref is (the referring document). */
static int ref_fail(const ref_ctx *c, int code, const char *fmt, ...)
{
    char msg[sizeof c->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->from_pointer == NULL)
        return af_error_set(c->err, code, c->from->doc->name, NULL, 0, 0, "%s",
                            msg);
    const char *p = c->from_pointer + (c->from_pointer[0] == '#');
    char *at = af_ref_strf("#%s/$ref", p);
    int rc = at != NULL
                 ? af_doc_error(c->err, code, c->from->doc, at, "%s", msg)
                 : af_error_set(c->err, code, c->from->doc->name, NULL, 0, 0,
                                "%s", msg);
    free(at);
    return rc;
}

/* ---- the documents ----------------------------------------------------- */

static void doc_free(set_doc *d)
{
    if (d == NULL)
        return;
    af_doc_free(d->doc);
    free(d->real);
    free(d->uri);
    free(d->label);
    af_ref_index_clear(d);
    free(d);
}

/* Adds doc; takes the strings (freed on failure, doc is not). */
static set_doc *doc_add(af_docset *ds, af_doc *doc, char *real, char *uri,
                        char *label, int ids)
{
    set_doc *d = calloc(1, sizeof *d);
    if (ds->n_docs == ds->cap_docs && d != NULL) {
        size_t cap = ds->cap_docs ? ds->cap_docs * 2 : 4;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): pointers */
        set_doc **v = realloc(ds->docs, cap * sizeof *v);
        if (v != NULL) {
            ds->docs = v;
            ds->cap_docs = cap;
        }
    }
    if (d == NULL || uri == NULL || label == NULL ||
        ds->n_docs == ds->cap_docs) {
        free(d);
        free(real);
        free(uri);
        free(label);
        return NULL;
    }
    *d = (set_doc){
        .doc = doc, .real = real, .uri = uri, .label = label, .ids = ids};
    ds->docs[ds->n_docs++] = d;
    return d;
}

static set_doc *doc_of(const af_docset *ds, const af_doc *doc)
{
    for (size_t i = 0; i < ds->n_docs; i++)
        if (ds->docs[i]->doc == doc)
            return ds->docs[i];
    return NULL;
}

/* The name used in messages: the root's own name, else its label. */
static const char *doc_shown(const set_doc *d)
{
    return d->label[0] != '\0' ? d->label : d->doc->name;
}

static int index_all(af_docset *ds)
{
    for (size_t i = 0; i < ds->n_docs; i++) {
        int rc = af_ref_index_doc(ds->docs[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* path is dir itself or lies below it. */
static bool is_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static const char *below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return n == 1 && dir[0] == '/' ? path + 1 : path + n + 1;
}

static char *dir_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == name)
        return strdup("/");
    return af_ref_strf("%.*s", (int)(slash - name), name);
}

static char *join(const char *dir, const char *rel)
{
    if (strcmp(dir, ".") == 0)
        return strdup(rel);
    size_t n = strlen(dir);
    return af_ref_strf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/",
                       rel);
}

static void fill_target(target *t, set_doc *d)
{
    t->d = d;
    t->node = d->doc->root;
    t->pointer[0] = '\0';
    t->resource = af_ref_base_at(d, "", true);
}

static int load_failed(const ref_ctx *c, int code, const char *shown,
                       const af_error *lerr)
{
    char text[sizeof lerr->message + sizeof lerr->file + 32];
    af_error_format(lerr, text, sizeof text);
    return ref_fail(c, code, "$ref '%s': cannot load %s: %s", c->ref, shown,
                    text);
}

/* *real is the realpath of path, which must lie inside conf (after every
   symlink is followed, so neither ".." nor a link can leave it). */
static int confined_realpath(const ref_ctx *c, const confine *conf,
                             const char *path, char **real)
{
    *real = realpath(path, NULL);
    int saved = errno;
    if (*real != NULL && is_under(*real, conf->real))
        return 0;
    if (*real == NULL && is_under(path, conf->real)) {
        const char *rel = below(path, conf->real);
        if (saved == ENOENT || saved == ENOTDIR)
            return ref_fail(c, AF_EREF,
                            "$ref '%s' points to nothing: no file %s", c->ref,
                            rel);
        return ref_fail(c, AF_EIO, "$ref '%s': cannot read %s: %s", c->ref, rel,
                        strerror(saved));
    }
    free(*real);
    *real = NULL;
    return ref_fail(c, AF_EREF, "$ref leaves the spec's directory: '%s'",
                    c->ref);
}

/* Loads the file at real (taken) into the set; see load_confined. */
static int load_new(const ref_ctx *c, const confine *conf, char *real,
                    const char *uri, target *t)
{
    const char *rel = below(real, conf->real);
    char *shown = join(conf->shown, rel);
    char *label = strdup(uri != NULL ? uri : rel);
    char *own_uri = uri != NULL ? strdup(uri) : af_uri_from_path(real);
    af_doc *doc = NULL;
    af_error lerr;
    af_error_clear(&lerr);
    int rc = AF_ENOMEM;
    if (shown != NULL && label != NULL && own_uri != NULL)
        rc = af_doc_load_file(shown, &doc, &lerr);
    free(shown);
    if (rc < 0) {
        if (label != NULL && lerr.code != AF_OK)
            rc = load_failed(c, rc, label, &lerr);
        else
            rc = ref_fail(c, AF_ENOMEM, "out of memory");
        free(label);
        free(own_uri);
        free(real);
        return rc;
    }
    int ids = af_ref_detect_ids(doc->root);
    set_doc *d = doc_add(c->ds, doc, real, own_uri, label,
                         ids != 0 ? ids : c->from->ids);
    if (d == NULL)
        af_doc_free(doc);
    if (d == NULL || af_ref_index_doc(d) < 0)
        return ref_fail(c, AF_ENOMEM, "out of memory");
    fill_target(t, d);
    return 0;
}

/* Loads (once) the file at path, which must stay inside conf. uri is the
   document's retrieval URI for a mapped remote, NULL for a file. */
static int load_confined(const ref_ctx *c, const confine *conf,
                         const char *path, const char *uri, target *t)
{
    char *real = NULL;
    int rc = confined_realpath(c, conf, path, &real);
    if (rc < 0 || real == NULL)
        return rc < 0 ? rc : AF_EREF;
    for (size_t i = 0; i < c->ds->n_docs; i++) {
        if (strcmp(c->ds->docs[i]->real, real) == 0) {
            free(real);
            fill_target(t, c->ds->docs[i]);
            return 0;
        }
    }
    return load_new(c, conf, real, uri, t);
}

/* ---- resolution --------------------------------------------------------- */

/* scheme "://": a URI naming a host, i.e. something to fetch. */
static bool names_host(const char *uri)
{
    size_t n = strcspn(uri, ":/?#");
    return n > 0 && strncmp(uri + n, "://", 3) == 0;
}

/* The local path of a file: URI (RFC 8089), or NULL. */
static char *file_path(const char *uri)
{
    const char *p = uri + 5;
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        if (strncmp(p, "localhost", 9) == 0)
            p += 9;
    }
    if (*p != '/')
        return NULL;
    return af_uri_decode(p, strcspn(p, "?#"));
}

static int load_file_ref(const ref_ctx *c, const char *docuri, target *t)
{
    const confine *root = &c->ds->root;
    if (root->real == NULL)
        return ref_fail(c, AF_EREF,
                        "relative $ref not allowed for an embedded spec: '%s'",
                        c->ref);
    char *path = file_path(docuri);
    if (path == NULL)
        return ref_fail(c, AF_EREF,
                        "$ref '%s' points to nothing: '%s' is not a local file",
                        c->ref, docuri);
    int rc = load_confined(c, root, path, NULL, t);
    free(path);
    return rc;
}

/* The mapped remote with the longest prefix of docuri, or NULL. */
static const confine *remote_of(const af_docset *ds, const char *docuri)
{
    const confine *best = NULL;
    for (size_t i = 0; i < ds->n_remotes; i++) {
        const confine *r = &ds->remotes[i];
        size_t n = strlen(r->prefix);
        if (strncmp(docuri, r->prefix, n) == 0 &&
            (best == NULL || n > strlen(best->prefix)))
            best = r;
    }
    return best;
}

static int load_remote_ref(const ref_ctx *c, const confine *r,
                           const char *docuri, target *t)
{
    const char *rest = docuri + strlen(r->prefix);
    char *decoded = af_uri_decode(rest, strcspn(rest, "?#"));
    char *path = decoded != NULL ? join(r->real, decoded) : NULL;
    int rc = path != NULL
                 ? load_confined(c, r, path, docuri, t)
                 : ref_fail(c, AF_EREF, "$ref '%s' points to nothing: bad URI",
                            c->ref);
    free(decoded);
    free(path);
    return rc;
}

/* The document or identified subschema named by docuri (no fragment). */
static int find_resource(const ref_ctx *c, const char *docuri, target *t)
{
    af_docset *ds = c->ds;
    for (size_t i = 0; i < ds->n_docs; i++) {
        set_doc *d = ds->docs[i];
        for (size_t k = 0; k < d->n_entries; k++) {
            const id_entry *e = &d->entries[k];
            if (!e->is_anchor && strcmp(e->uri, docuri) == 0) {
                t->d = d;
                t->node = e->node;
                t->resource = e->uri;
                snprintf(t->pointer, sizeof t->pointer, "%s", e->pointer);
                return 0;
            }
        }
    }
    for (size_t i = 0; i < ds->n_docs; i++) {
        if (strcmp(ds->docs[i]->uri, docuri) == 0) {
            fill_target(t, ds->docs[i]);
            return 0;
        }
    }
    if (strncmp(docuri, "file:", 5) == 0)
        return load_file_ref(c, docuri, t);
    const confine *r = remote_of(ds, docuri);
    if (r != NULL)
        return load_remote_ref(c, r, docuri, t);
    if (names_host(docuri))
        return ref_fail(c, AF_EUNSUPPORTED, "remote $ref not supported: %s",
                        c->ref);
    return ref_fail(c, AF_EREF,
                    "$ref '%s' points to nothing: no schema has the $id '%s'",
                    c->ref, docuri);
}

/* "points to nothing", naming the file when it is not the referring one. */
static const char *nothing_in(const ref_ctx *c, const set_doc *d, char *buf,
                              size_t cap)
{
    if (d == c->from)
        snprintf(buf, cap, "points to nothing");
    else
        snprintf(buf, cap, "points to nothing in %s", doc_shown(d));
    return buf;
}

static const char *kind_of(const cJSON *node)
{
    if (cJSON_IsString(node))
        return "a string";
    if (cJSON_IsNumber(node))
        return "a number";
    if (cJSON_IsBool(node))
        return "a boolean";
    return "null";
}

static int dangling(const ref_ctx *c, const target *t,
                    const af_pointer_trace *tr)
{
    char what[300], parent[1100];
    nothing_in(c, t->d, what, sizeof what);
    snprintf(parent, sizeof parent, "#%s%s", t->pointer, tr->pointer);
    if (tr->bad_escape)
        return ref_fail(c, AF_EREF, "$ref '%s' %s: bad escape in '%s'", c->ref,
                        what, tr->token);
    if (cJSON_IsObject(tr->last))
        return ref_fail(c, AF_EREF, "$ref '%s' %s: no '%s' in %s", c->ref, what,
                        tr->token, parent);
    if (cJSON_IsArray(tr->last))
        return ref_fail(c, AF_EREF,
                        "$ref '%s' %s: no item '%s' in %s (%d items)", c->ref,
                        what, tr->token, parent, cJSON_GetArraySize(tr->last));
    return ref_fail(c, AF_EREF, "$ref '%s' %s: no '%s' in %s, which is %s",
                    c->ref, what, tr->token, parent, kind_of(tr->last));
}

/* Whether node lies in one of the set's documents (not in a tree the
   compiler made, which could be freed and its address reused). */
static bool in_docset(const af_docset *ds, const cJSON *node)
{
    for (size_t i = 0; i < ds->n_docs; i++)
        if (af_doc_pool_owns_node(ds->docs[i]->doc, node))
            return true;
    return false;
}

/* The first BIG_OBJECT members are scanned, as cJSON would; an object
   with more, in a document of the set, is hashed (refindex.c). */
const cJSON *af_docset_member(af_docset *ds, const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj) || key == NULL)
        return NULL;
    const cJSON *m = obj->child;
    for (int n = 0; m != NULL && n < BIG_OBJECT; m = m->next, n++) {
        if (m->string == NULL)
            return NULL; /* as cJSON: a member without a key ends it */
        if (m->string[0] == key[0] && strcmp(m->string, key) == 0)
            return m;
    }
    if (m == NULL)
        return NULL;
    if (ds == NULL || !in_docset(ds, obj))
        return cJSON_GetObjectItemCaseSensitive(obj, key);
    return af_ref_member(&ds->members, obj, key);
}

static const cJSON *member_of(void *ds, const cJSON *obj, const char *key)
{
    return af_docset_member(ds, obj, key);
}

/* frag starts with '#': a JSON pointer from the resource, or an anchor. */
static int apply_fragment(const ref_ctx *c, target *t, const char *frag)
{
    if (frag[1] == '/') {
        af_pointer_trace tr;
        int rc = af_pointer_walk_by(t->node, frag, &tr, member_of, c->ds);
        if (rc == AF_EREF)
            return dangling(c, t, &tr);
        size_t n = strlen(t->pointer);
        if (rc == 0 && n + strlen(tr.pointer) >= sizeof t->pointer)
            rc = AF_ELIMIT;
        if (rc < 0)
            return ref_fail(c, rc, "$ref '%s': %s", c->ref,
                            rc == AF_ELIMIT ? "pointer too long"
                                            : "out of memory");
        memcpy(t->pointer + n, tr.pointer, strlen(tr.pointer) + 1);
        t->node = tr.last;
        return 0;
    }
    char *key = af_ref_strf("%s%s", t->resource, frag);
    for (size_t i = 0; key != NULL && i < t->d->n_entries; i++) {
        const id_entry *e = &t->d->entries[i];
        if (e->is_anchor && strcmp(e->uri, key) == 0) {
            free(key);
            t->node = e->node;
            snprintf(t->pointer, sizeof t->pointer, "%s", e->pointer);
            return 0;
        }
    }
    free(key);
    char what[300];
    return ref_fail(c, AF_EREF, "$ref '%s' %s: no anchor '%s' in %s", c->ref,
                    nothing_in(c, t->d, what, sizeof what), frag + 1,
                    t->resource);
}

static int fill_out(const ref_ctx *c, const af_ref_hit *hit, af_ref_target *out)
{
    out->doc = hit->d->doc;
    out->node = hit->node;
    size_t n_label = strlen(hit->d->label), n_ptr = strlen(hit->pointer);
    size_t n_base = strlen(hit->base);
    if (n_label + 1 + n_ptr >= sizeof out->pointer ||
        n_base >= sizeof out->base_uri)
        return ref_fail(c, AF_ELIMIT,
                        "$ref '%s': target pointer or base URI too long",
                        c->ref);
    memcpy(out->pointer, hit->d->label, n_label);
    out->pointer[n_label] = '#';
    memcpy(out->pointer + n_label + 1, hit->pointer, n_ptr + 1);
    memcpy(out->base_uri, hit->base, n_base + 1);
    return 0;
}

/* The base in force at from_pointer, that object's own $id included. */
static const char *from_base(const set_doc *d, const char *from_pointer)
{
    if (d->n_ids == 0 || from_pointer == NULL)
        return d->uri;
    af_pointer_trace tr;
    /* out->pointer is "#/..." without %XX: a key holding '%' walks plain */
    if (af_pointer_walk(d->doc->root, from_pointer, &tr) != 0 &&
        (from_pointer[0] != '#' ||
         af_pointer_walk(d->doc->root, from_pointer + 1, &tr) != 0))
        return d->uri;
    return af_ref_base_at(d, tr.pointer, true);
}

/* base without its fragment, then frag (which starts with '#');
   malloc'd. */
static char *with_fragment(const char *base, const char *frag)
{
    size_t n_base = strcspn(base, "#"), n_frag = strlen(frag);
    char *s = malloc(n_base + n_frag + 1);
    if (s != NULL) {
        memcpy(s, base, n_base);
        memcpy(s + n_base, frag, n_frag + 1);
    }
    return s;
}

/* Where ref leads from base: the document or identified resource, then
   the fragment in it. */
static int find_target(const ref_ctx *c, const char *base, target *t)
{
    /* RFC 3986 §5.2.2: a fragment-only reference is the base with that
       fragment, so most $refs need no parsing */
    char *abs = c->ref[0] == '#' ? with_fragment(base, c->ref)
                                 : af_uri_resolve(base, c->ref);
    if (abs == NULL)
        return ref_fail(c, AF_ENOMEM, "out of memory");
    char *hash = strchr(abs, '#');
    char *frag = hash != NULL ? strdup(hash) : NULL;
    if (hash != NULL)
        *hash = '\0';
    int rc;
    if (hash != NULL && frag == NULL)
        rc = ref_fail(c, AF_ENOMEM, "out of memory");
    else
        rc = find_resource(c, abs, t);
    if (rc == 0 && frag != NULL && frag[1] != '\0')
        rc = apply_fragment(c, t, frag);
    free(abs);
    free(frag);
    return rc;
}

static int resolve(ref_ctx *c, const char *base_uri, af_ref_target *out)
{
    af_docset *ds = c->ds;
    int rc = index_all(ds);
    if (rc < 0)
        return ref_fail(c, rc, "out of memory");
    const char *base = base_uri != NULL && base_uri[0] != '\0'
                           ? base_uri
                           : from_base(c->from, c->from_pointer);
    const af_ref_hit *hit = af_ref_cache_get(ds->cache, base, c->ref);
    if (hit != NULL)
        return fill_out(c, hit, out);
    size_t n_docs = ds->n_docs;
    target t = {0};
    rc = find_target(c, base, &t);
    if (rc != 0 || t.d == NULL)
        return rc;
    af_ref_hit h = {t.d, t.node, t.pointer,
                    af_ref_base_at(t.d, t.pointer, false)};
    if (ds->n_docs != n_docs) { /* a new document may shadow old entries */
        af_ref_cache_free(ds->cache);
        ds->cache = NULL;
    }
    af_ref_cache_put(&ds->cache, base, c->ref, &h); /* it only saves work */
    return fill_out(c, &h, out);
}

int af_ref_resolve(af_docset *ds, const af_doc *from, const char *from_pointer,
                   const char *base_uri, const char *ref, af_ref_target *out,
                   af_error *err)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (ds == NULL || ref == NULL || out == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_ref_resolve: no docset, ref or output");
    ref_ctx c = {.ds = ds,
                 .from = doc_of(ds, from ? from : ds->docs[0]->doc),
                 .from_pointer = from_pointer,
                 .ref = ref,
                 .err = err};
    if (c.from == NULL)
        return af_error_set(err, AF_EUSAGE, from != NULL ? from->name : NULL,
                            NULL, 0, 0,
                            "af_ref_resolve: document not in the docset");
    return resolve(&c, base_uri, out);
}

/* ---- the docset --------------------------------------------------------- */

/* Where the root file sits: its realpath when that lies inside the root
   directory, else the directory plus its base name (an in-memory spec, or
   a symlinked root file whose relative refs are meant from here). */
static char *root_file(const char *name, const char *root_real)
{
    char *real = realpath(name, NULL);
    if (real != NULL && is_under(real, root_real))
        return real;
    free(real);
    const char *slash = strrchr(name, '/');
    return join(root_real, slash != NULL ? slash + 1 : name);
}

static int root_confine(af_docset *ds, const af_doc *root, const char *root_dir,
                        af_error *err)
{
    ds->root.shown = root_dir != NULL ? strdup(root_dir) : dir_of(root->name);
    if (ds->root.shown == NULL) {
        af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
        return AF_ENOMEM;
    }
    ds->root.real = realpath(ds->root.shown, NULL);
    if (ds->root.real == NULL) {
        af_error_set(err, AF_EIO, root->name, NULL, 0, 0,
                     "spec directory '%s': %s", ds->root.shown,
                     strerror(errno));
        return AF_EIO;
    }
    return 0;
}

int af_docset_new(af_doc *root, const char *root_dir, af_docset **out,
                  af_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (root == NULL || root->root == NULL || root->name == NULL || out == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_docset_new: no document");
    af_docset *ds = calloc(1, sizeof *ds);
    if (ds == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    ds->default_ids = AF_IDS_2020;
    char *real = NULL, *uri = NULL;
    int rc = 0;
    if (root_dir != NULL && root_dir[0] == '\0') {
        /* embedded: a stable name for "#..." refs, no directory at all */
        real = af_ref_strf("/%s", root->name + strspn(root->name, "/"));
    } else {
        rc = root_confine(ds, root, root_dir, err);
        real = rc == 0 ? root_file(root->name, ds->root.real) : NULL;
    }
    uri = real != NULL ? af_uri_from_path(real) : NULL;
    int ids = af_ref_detect_ids(root->root);
    if (rc == 0 && doc_add(ds, root, real, uri, strdup(""),
                           ids != 0 ? ids : ds->default_ids) == NULL)
        rc = af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    if (rc < 0) {       /* real and uri are NULL or taken by doc_add */
        ds->n_docs = 0; /* root stays the caller's */
        af_docset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

void af_docset_free(af_docset *ds)
{
    if (ds == NULL)
        return;
    for (size_t i = 0; i < ds->n_docs; i++)
        doc_free(ds->docs[i]);
    free(ds->docs);
    for (size_t i = 0; i < ds->n_remotes; i++) {
        free(ds->remotes[i].prefix);
        free(ds->remotes[i].real);
        free(ds->remotes[i].shown);
    }
    free(ds->remotes);
    free(ds->root.real);
    free(ds->root.shown);
    af_ref_members_free(ds->members);
    af_ref_cache_free(ds->cache);
    free(ds);
}

af_doc *af_docset_root(const af_docset *ds)
{
    return ds != NULL && ds->n_docs > 0 ? ds->docs[0]->doc : NULL;
}

size_t af_docset_count(const af_docset *ds)
{
    return ds != NULL ? ds->n_docs : 0;
}

void af_docset_set_default_schema(af_docset *ds, const char *schema_uri)
{
    if (ds == NULL || schema_uri == NULL)
        return;
    int ids = af_ref_ids_from_schema(schema_uri);
    ds->default_ids = ids != 0 ? ids : AF_IDS_2020;
    set_doc *root = ds->docs[0];
    if (af_ref_detect_ids(root->doc->root) == 0 &&
        root->ids != ds->default_ids) {
        root->ids = ds->default_ids;
        af_ref_index_clear(root);
        af_ref_cache_free(ds->cache); /* it borrows the index's strings */
        ds->cache = NULL;
    }
}

int af_docset_map_remote(af_docset *ds, const char *uri_prefix, const char *dir,
                         af_error *err)
{
    if (ds == NULL || uri_prefix == NULL || dir == NULL || uri_prefix[0] == 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_docset_map_remote: no prefix or directory");
    confine *v = realloc(ds->remotes, (ds->n_remotes + 1) * sizeof *v);
    if (v == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    ds->remotes = v;
    confine r = {strdup(uri_prefix), realpath(dir, NULL), strdup(dir)};
    int saved = errno;
    if (r.prefix != NULL && r.real != NULL && r.shown != NULL) {
        ds->remotes[ds->n_remotes++] = r;
        return 0;
    }
    free(r.prefix);
    free(r.shown);
    if (r.real == NULL)
        return af_error_set(err, AF_EIO, dir, NULL, 0, 0,
                            "remote directory for %s: %s", uri_prefix,
                            strerror(saved));
    free(r.real);
    return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
}
