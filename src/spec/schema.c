/*
 * schema.c - compiles schema objects into model nodes: the memo, $ref
 * handling and the recursion guard (the keywords themselves are
 * in schema_kw.c and schema_obj.c).
 *
 * Invariants:
 * - One DOM node is one model node: the memo maps node addresses to
 *   indexes, and a node gets its index before its children compile, so
 *   $ref cycles become index cycles.
 * - A node that is replaced by its $ref target (any $ref node before
 *   2020-12; a node with nothing but $ref in 2020-12) is memoized to the
 *   target's index.
 * - $ref targets are not compiled where they are met: their slot is
 *   reserved and they wait in a pending list drained by the outermost
 *   af_schema_compile. So the C stack grows with the nesting of inline
 *   schemas only (bounded by AF_SCHEMA_MAX_DEPTH), never with the length
 *   of a chain of $refs through a large spec.
 * - Base URIs are not tracked here: ref.c derives the base in force from
 *   the $ids above the pointer of the object holding a $ref, so display
 *   pointers are kept canonical (the target pointers ref.c returns,
 *   extended by escaped tokens).
 *
 * Tuned for specs with 10^4..10^5 schema nodes (Stripe, GitHub): the memo
 * is open addressing on pointer hashes, keyword lookup is one pass over a
 * node's members, and all strings live in the model arena.
 */
#include "spec/schema_kw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting of inline schemas (a hostile spec cannot overflow the stack). */
#define AF_SCHEMA_MAX_DEPTH 128
/* $refs followed in a row before a schema that is not a plain $ref. */
#define AF_SCHEMA_MAX_HOPS 64

typedef struct pending {
    const af_doc *doc;
    const cJSON *node;
    af_idx idx;
} pending;

struct af_memo {
    const cJSON **keys; /* open addressing; NULL empty */
    af_idx *vals;
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
    pending *pend; /* $ref targets with a slot, waiting to compile */
    size_t n_pend, cap_pend;
};

int af_memo_new(af_memo **out)
{
    af_memo *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AF_ENOMEM;
    m->cap = 1024;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = malloc(m->cap * sizeof *m->vals);
    if (m->keys == NULL || m->vals == NULL) {
        af_memo_free(m);
        return AF_ENOMEM;
    }
    *out = m;
    return 0;
}

void af_memo_free(af_memo *memo)
{
    if (memo == NULL)
        return;
    free(memo->keys);
    free(memo->vals);
    free(memo->pend);
    free(memo);
}

static size_t memo_slot(const af_memo *m, const cJSON *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key;
    h ^= h >> 29;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 32) & (m->cap - 1);
}

static af_idx memo_get(const af_memo *m, const cJSON *key)
{
    for (size_t i = memo_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == NULL)
            return AF_NONE;
    }
}

static void memo_insert(af_memo *m, const cJSON *key, af_idx val)
{
    size_t i = memo_slot(m, key);
    while (m->keys[i] != NULL && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == NULL)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

static int memo_put(af_memo *m, const cJSON *key, af_idx val)
{
    if ((m->n + 1) * 2 > m->cap) {
        af_memo old = *m;
        m->cap *= 2;
        m->n = 0;
        m->keys = calloc(m->cap, sizeof *m->keys);
        m->vals = malloc(m->cap * sizeof *m->vals);
        if (m->keys == NULL || m->vals == NULL) {
            free(m->keys);
            free(m->vals);
            *m = old;
            return AF_ENOMEM;
        }
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i] != NULL)
                memo_insert(m, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
    memo_insert(m, key, val);
    return 0;
}

/* The fragment of a display pointer ("other.yaml#/X" -> "#/X"). */
static const char *frag(const char *pointer)
{
    const char *hash = strchr(pointer, '#');
    return hash != NULL ? hash : pointer;
}

/* The same as a plain JSON pointer ("/X"): display pointers escape only
   ~ and /, so a '%' in a name must not be read as percent-encoding. */
static const char *plain(const char *pointer)
{
    const char *f = frag(pointer);
    return f[0] == '#' ? f + 1 : f;
}

static int oom(af_compiler *c, const char *pointer)
{
    return af_error_set(c->err, AF_ENOMEM, NULL, pointer, 0, 0,
                        "out of memory compiling schemas");
}

int af_schema_oom(const af_sctx *x)
{
    return oom(x->c, x->pointer);
}

int af_schema_failed(const af_sctx *x)
{
    const af_error *err = x->c->err;
    return err != NULL && err->code < 0 ? err->code : AF_ESPEC;
}

/* A fresh slot with every keyword absent. */
static af_idx new_slot(af_compiler *c, const char *pointer)
{
    if (c->n_sch == c->cap_sch) {
        uint32_t cap = c->cap_sch < 64 ? 64 : c->cap_sch * 2;
        af_schema *sch = cap > (uint32_t)INT32_MAX
                             ? NULL
                             : realloc(c->sch, (size_t)cap * sizeof *sch);
        if (sch == NULL) {
            oom(c, pointer);
            return AF_NONE;
        }
        c->sch = sch;
        c->cap_sch = cap;
    }
    af_schema *s = &c->sch[c->n_sch];
    memset(s, 0, sizeof *s);
    s->pointer = pointer;
    s->types = AF_TYPE_ANY;
    s->max_length = s->max_items = s->max_properties = AF_UNBOUNDED;
    s->min_contains = 1;
    s->max_contains = AF_UNBOUNDED;
    s->items = s->contains = s->unevaluated_items = AF_NONE;
    s->additional_properties = s->property_names = AF_NONE;
    s->unevaluated_properties = s->not_schema = AF_NONE;
    s->if_schema = s->then_schema = s->else_schema = AF_NONE;
    s->ref = s->dynamic_ref = AF_NONE;
    return (af_idx)c->n_sch++;
}

static bool is_2020(const af_compiler *c)
{
    return c->m->dialect == AF_DIALECT_OAS31 ||
           c->m->dialect == AF_DIALECT_DRAFT2020;
}

/* Members beside $ref that do not keep a 2020-12 node from being its
   target: they have no field in the model. */
static bool is_ref_annotation(const char *name)
{
    return strcmp(name, "$ref") == 0 || strcmp(name, "description") == 0 ||
           strcmp(name, "$comment") == 0 || strncmp(name, "x-", 2) == 0;
}

/* The $ref of a node that is replaced by its target, else NULL.
   Draft 4/7 and OAS 3.0 (§4.7.24.1, "this object cannot be extended"):
   siblings of $ref are ignored. 2020-12: $ref applies beside siblings. */
static const char *collapsing_ref(const af_compiler *c, const cJSON *node)
{
    if (!cJSON_IsObject(node))
        return NULL;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
    if (!cJSON_IsString(ref))
        return NULL;
    if (is_2020(c))
        for (const cJSON *m = node->child; m != NULL; m = m->next)
            if (!is_ref_annotation(m->string))
                return NULL;
    return ref->valuestring;
}

static int pending_push(af_memo *m, pending p)
{
    if (m->n_pend == m->cap_pend) {
        size_t cap = m->cap_pend < 64 ? 64 : m->cap_pend * 2;
        pending *q = realloc(m->pend, cap * sizeof *q);
        if (q == NULL)
            return AF_ENOMEM;
        m->pend = q;
        m->cap_pend = cap;
    }
    m->pend[m->n_pend++] = p;
    return 0;
}

/* Gives every node in seen (a chain of plain $refs) the index idx. */
static af_idx memo_chain(af_compiler *c, const cJSON **seen, int n, af_idx idx,
                         const char *pointer)
{
    for (int i = 0; i < n && idx != AF_NONE; i++)
        if (memo_put(c->memo, seen[i], idx) < 0)
            return oom(c, pointer), AF_NONE;
    return idx;
}

/* A $ref target met for the first time: a slot now, compiled later. */
static af_idx reserve(af_compiler *c, const af_ref_target *t)
{
    const char *ptr = af_arena_strdup(&c->m->arena, t->pointer);
    if (ptr == NULL)
        return oom(c, t->pointer), AF_NONE;
    af_idx idx = new_slot(c, ptr);
    if (idx == AF_NONE)
        return AF_NONE;
    pending p = {t->doc, t->node, idx};
    if (memo_put(c->memo, t->node, idx) < 0 || pending_push(c->memo, p) < 0)
        return oom(c, ptr), AF_NONE;
    return idx;
}

/* A cycle of plain $refs has no schema in it: it constrains nothing. */
static af_idx ref_cycle(af_compiler *c, const af_ref_target *t)
{
    af_compile_warn(c, t->pointer,
                    "a cycle of $refs with no schema in it; read as an "
                    "empty schema");
    const char *ptr = af_arena_strdup(&c->m->arena, t->pointer);
    if (ptr == NULL)
        return oom(c, t->pointer), AF_NONE;
    af_idx idx = new_slot(c, ptr);
    if (idx != AF_NONE && memo_put(c->memo, t->node, idx) < 0)
        return oom(c, ptr), AF_NONE;
    return idx;
}

static bool seen_has(const cJSON **seen, int n, const cJSON *node)
{
    for (int i = 0; i < n; i++)
        if (seen[i] == node)
            return true;
    return false;
}

af_idx af_schema_ref(const af_sctx *x, const char *from, const char *ref,
                     af_error *err)
{
    af_compiler *c = x->c;
    const af_doc *doc = x->doc;
    const cJSON *seen[AF_SCHEMA_MAX_HOPS];
    af_ref_target t;
    from = from != NULL ? from : x->pointer;
    for (int n = 0; n < AF_SCHEMA_MAX_HOPS; n++) {
        if (af_ref_resolve(c->ds, doc, plain(from), NULL, ref, &t, err) < 0)
            return AF_NONE;
        af_idx idx = memo_get(c->memo, t.node);
        const char *next = collapsing_ref(c, t.node);
        if (idx == AF_NONE && seen_has(seen, n, t.node))
            idx = ref_cycle(c, &t);
        else if (idx == AF_NONE && next == NULL)
            idx = reserve(c, &t);
        if (idx != AF_NONE || next == NULL || seen_has(seen, n, t.node))
            return memo_chain(c, seen, n, idx, t.pointer);
        seen[n] = t.node; /* a plain $ref again: follow it */
        doc = t.doc;
        from = af_arena_strdup(&c->m->arena, t.pointer);
        ref = next;
        if (from == NULL)
            return oom(c, t.pointer), AF_NONE;
    }
    af_error_set(err, AF_ELIMIT, x->doc->name, frag(x->pointer), 0, 0,
                 "more than %d $refs in a row", AF_SCHEMA_MAX_HOPS);
    return AF_NONE;
}

/* Dynamic references and, in 2020-12, a $ref beside other keywords. */
static int refs(const af_sctx *x)
{
    static const af_kw kws[] = {AF_KW_REF, AF_KW_DYNAMIC_REF,
                                AF_KW_RECURSIVE_REF};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        const cJSON *r = x->kw[kws[i]];
        if (r == NULL)
            continue;
        if (!cJSON_IsString(r)) {
            af_schema_warn(x, r->string, -1, "expected a string; ignored");
            continue;
        }
        af_idx t = af_schema_ref(x, NULL, r->valuestring, x->c->err);
        if (t == AF_NONE)
            return af_schema_failed(x);
        if (kws[i] == AF_KW_REF)
            AF_SCH(x)->ref = t;
        else
            AF_SCH(x)->dynamic_ref = t;
    }
    const cJSON *anchor = x->kw[AF_KW_DYNAMIC_ANCHOR];
    if (cJSON_IsString(anchor)) {
        const char *s = af_arena_strdup(&x->c->m->arena, anchor->valuestring);
        if (s == NULL)
            return af_schema_oom(x);
        AF_SCH(x)->dynamic_anchor = s;
    } else if (anchor != NULL) {
        af_schema_warn(x, anchor->string, -1, "expected a string; ignored");
    }
    if (cJSON_IsTrue(x->kw[AF_KW_RECURSIVE_ANCHOR]))
        AF_SCH(x)->flags |= AF_SCHEMA_RECURSIVE_ANCHOR;
    return 0;
}

static int compile_object(af_compiler *c, const af_doc *doc, const cJSON *node,
                          af_idx idx)
{
    af_sctx x = {c, doc, node, c->sch[idx].pointer, idx, {NULL}};
    if (c->depth >= AF_SCHEMA_MAX_DEPTH)
        return af_schema_error(&x, AF_ELIMIT, NULL, -1,
                               "schemas nested deeper than %d",
                               AF_SCHEMA_MAX_DEPTH);
    for (const cJSON *m = node->child; m != NULL; m = m->next) {
        int k = af_schema_kw_index(m->string);
        if (k >= 0)
            x.kw[k] = m;
    }
    c->depth++;
    static int (*const groups[])(const af_sctx *) = {
        refs,
        af_schema_kw_type,
        af_schema_kw_values,
        af_schema_kw_numbers,
        af_schema_kw_strings,
        af_schema_kw_arrays,
        af_schema_kw_objects,
        af_schema_kw_dependencies,
        af_schema_kw_composition,
        af_schema_kw_discriminator,
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof groups / sizeof groups[0]; i++)
        rc = groups[i](&x);
    c->depth--;
    return rc;
}

/* Compiles node into the slot idx reserved for it. kw names the keyword
   the node is the value of (NULL at a top or $ref target). */
static int fill_slot(af_compiler *c, const af_doc *doc, const cJSON *node,
                     af_idx idx, const char *kw)
{
    if (cJSON_IsObject(node))
        return compile_object(c, doc, node, idx);
    const char *ptr = c->sch[idx].pointer;
    if (!cJSON_IsBool(node))
        return af_doc_error(c->err, AF_ESPEC, doc, frag(ptr),
                            "expected a schema object");
    bool is_normal = kw != NULL && (strcmp(kw, "additionalProperties") == 0 ||
                                    strcmp(kw, "additionalItems") == 0);
    af_dialect d = c->m->dialect;
    if (!is_normal && (d == AF_DIALECT_SWAGGER2 || d == AF_DIALECT_OAS30 ||
                       d == AF_DIALECT_DRAFT4))
        af_compile_warn(c, ptr,
                        "a boolean schema needs JSON Schema draft 6 or "
                        "OpenAPI 3.1; read as %s",
                        cJSON_IsTrue(node) ? "an empty schema" : "never valid");
    if (cJSON_IsFalse(node))
        c->sch[idx].flags |= AF_SCHEMA_FALSE;
    return 0;
}

/* Compiles node found at pointer (an arena string), or returns its memo. */
static af_idx compile_node(af_compiler *c, const af_doc *doc, const cJSON *node,
                           const char *pointer, const char *kw)
{
    af_idx idx = memo_get(c->memo, node);
    if (idx != AF_NONE)
        return idx;
    const char *ref = collapsing_ref(c, node);
    if (ref != NULL) {
        af_sctx x = {c, doc, node, pointer, AF_NONE, {NULL}};
        idx = af_schema_ref(&x, NULL, ref, c->err);
        if (idx != AF_NONE && memo_put(c->memo, node, idx) < 0)
            return oom(c, pointer), AF_NONE;
        return idx;
    }
    idx = new_slot(c, pointer);
    if (idx == AF_NONE)
        return AF_NONE;
    if (memo_put(c->memo, node, idx) < 0)
        return oom(c, pointer), AF_NONE;
    return fill_slot(c, doc, node, idx, kw) == 0 ? idx : AF_NONE;
}

af_idx af_schema_child(const af_sctx *x, const cJSON *child, const char *kw,
                       const char *token, int index)
{
    af_idx idx = memo_get(x->c->memo, child);
    if (idx != AF_NONE)
        return idx;
    const char *ptr = af_schema_ptr(x, kw, token, index);
    if (ptr == NULL)
        return af_schema_oom(x), AF_NONE;
    return compile_node(x->c, x->doc, child, ptr, kw);
}

/* Compiles the $ref targets waiting for their turn. */
static int drain(af_compiler *c)
{
    af_memo *m = c->memo;
    while (m->n_pend > 0) {
        pending p = m->pend[--m->n_pend];
        int rc = fill_slot(c, p.doc, p.node, p.idx, NULL);
        if (rc < 0) {
            m->n_pend = 0;
            return rc;
        }
    }
    return 0;
}

af_idx af_schema_compile(af_compiler *c, const af_doc *doc, const cJSON *node,
                         const char *pointer, const char *base_uri)
{
    if (c->memo == NULL && af_memo_new(&c->memo) < 0)
        return oom(c, pointer), AF_NONE;
    af_idx idx = memo_get(c->memo, node);
    if (idx != AF_NONE)
        return idx;
    (void)base_uri; /* ref.c derives bases from the $ids above a pointer */
    const char *ptr = af_arena_strdup(&c->m->arena, pointer);
    if (ptr == NULL)
        return oom(c, pointer), AF_NONE;
    bool is_outer = c->depth == 0;
    idx = compile_node(c, doc, node, ptr, NULL);
    if (is_outer && idx == AF_NONE)
        c->memo->n_pend = 0;
    else if (is_outer && drain(c) < 0)
        idx = AF_NONE;
    return idx;
}

/* Bytes of token escaped as a JSON pointer token (~0, ~1). */
static size_t escaped_len(const char *token)
{
    size_t n = 0;
    for (const char *s = token; *s != '\0'; s++)
        n += *s == '~' || *s == '/' ? 2 : 1;
    return n;
}

static char *put_token(char *out, const char *token)
{
    *out++ = '/';
    for (const char *s = token; *s != '\0'; s++) {
        if (*s == '~' || *s == '/') {
            *out++ = '~';
            *out++ = *s == '~' ? '0' : '1';
        } else {
            *out++ = *s;
        }
    }
    return out;
}

const char *af_schema_ptr(const af_sctx *x, const char *kw, const char *token,
                          int index)
{
    char num[16] = "";
    if (token == NULL && index >= 0) {
        snprintf(num, sizeof num, "%d", index);
        token = num;
    }
    size_t len = strlen(x->pointer) + 1;
    len += kw != NULL ? escaped_len(kw) + 1 : 0;
    len += token != NULL ? escaped_len(token) + 1 : 0;
    char *p = af_arena_alloc(&x->c->m->arena, len);
    if (p == NULL)
        return NULL;
    size_t n = strlen(x->pointer);
    memcpy(p, x->pointer, n);
    char *end = p + n;
    if (kw != NULL)
        end = put_token(end, kw);
    if (token != NULL)
        end = put_token(end, token);
    *end = '\0';
    return p;
}

/* x's pointer + "/kw" (+ "/index") into buf; never fails (truncates). */
static void kw_pointer(const af_sctx *x, const char *kw, int index, char *buf,
                       size_t cap)
{
    int n = snprintf(buf, cap, "%s", x->pointer);
    if (kw != NULL && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "/%s", kw);
    if (index >= 0 && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, "/%d", index);
}

void af_schema_warn(const af_sctx *x, const char *kw, int index,
                    const char *fmt, ...)
{
    char ptr[1024], msg[512];
    kw_pointer(x, kw, index, ptr, sizeof ptr);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    af_compile_warn(x->c, ptr, "%s", msg);
}

int af_schema_error(const af_sctx *x, int code, const char *kw, int index,
                    const char *fmt, ...)
{
    char ptr[1024], msg[512];
    kw_pointer(x, kw, index, ptr, sizeof ptr);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return af_doc_error(x->c->err, code, x->doc, frag(ptr), "%s", msg);
}
