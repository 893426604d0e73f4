/*
 * walk.c - helpers shared by the document walkers (see walk.h).
 *
 * Invariants: an af_at pointer always names at->node's place in at->doc
 * (file-qualified outside the root file); errors are located through the
 * fragment of that pointer, so they show the file that really holds the
 * node. Tuned for specs of a few MB: member lookups are cJSON's linear
 * scans over small objects; big maps (paths, schemas) are iterated, never
 * searched.
 */
#include "spec/walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *af_walk_fragment(const char *ptr)
{
    const char *hash = strchr(ptr, '#');
    return hash != NULL ? hash : ptr;
}

int af_walk_error(af_compiler *c, const af_at *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at->doc == NULL)
        return af_error_set(c->err, AF_ESPEC, NULL, at->ptr, 0, 0, "%s", msg);
    return af_doc_error(c->err, AF_ESPEC, at->doc, af_walk_fragment(at->ptr),
                        "%s", msg);
}

int af_walk_nomem(af_compiler *c)
{
    return af_error_set(c->err, AF_ENOMEM, NULL, NULL, 0, 0,
                        "out of memory compiling the description");
}

void af_walk_root(const af_doc *doc, af_at *out)
{
    out->doc = doc;
    out->node = doc->root;
    snprintf(out->ptr, sizeof out->ptr, "#");
}

/* Appends "/" and token to the len-byte pointer in out->ptr, escaping
   '~' and '/' (RFC 6901); most tokens need no escape and go by memcpy. */
static int append_token(af_at *out, size_t len, const char *token)
{
    size_t plain = strcspn(token, "~/");
    if (token[plain] != '\0')
        return af_pointer_append(out->ptr, sizeof out->ptr, token);
    if (len + 1 + plain + 1 > sizeof out->ptr)
        return AF_ELIMIT;
    out->ptr[len] = '/';
    memcpy(out->ptr + len + 1, token, plain + 1);
    return 0;
}

/* Copies at's pointer into out (they may be the same) and appends a token:
   an index when key is NULL. */
static int extend(af_compiler *c, const af_at *at, af_at *out, const char *key,
                  size_t index)
{
    size_t len = strlen(at->ptr);
    if (out != at)
        memcpy(out->ptr, at->ptr, len + 1);
    out->doc = at->doc;
    int rc = key != NULL
                 ? append_token(out, len, key)
                 : af_pointer_append_index(out->ptr, sizeof out->ptr, index);
    if (rc != 0)
        return af_walk_error(c, at, "JSON pointer too long");
    return 0;
}

int af_walk_child(af_compiler *c, const af_at *at, const char *key, af_at *out)
{
    const cJSON *node = cJSON_IsObject(at->node)
                            ? af_docset_member(c->ds, at->node, key)
                            : NULL;
    int rc = extend(c, at, out, key, 0);
    out->node = node;
    return rc;
}

int af_walk_item(af_compiler *c, const af_at *at, const cJSON *item, size_t i,
                 af_at *out)
{
    const char *key = cJSON_IsObject(at->node) ? item->string : NULL;
    if (cJSON_IsObject(at->node) && key == NULL)
        key = "";
    int rc = extend(c, at, out, key, i);
    out->node = item;
    return rc;
}

static int typed(af_compiler *c, const af_at *at, const char *key, af_at *out,
                 cJSON_bool (*is)(const cJSON *), const char *what)
{
    int rc = af_walk_child(c, at, key, out);
    if (rc == 0 && out->node != NULL && !is(out->node))
        rc = af_walk_error(c, out, "expected %s", what);
    return rc;
}

int af_walk_object(af_compiler *c, const af_at *at, const char *key, af_at *out)
{
    return typed(c, at, key, out, cJSON_IsObject, "an object");
}

int af_walk_array(af_compiler *c, const af_at *at, const char *key, af_at *out)
{
    return typed(c, at, key, out, cJSON_IsArray, "an array");
}

int af_walk_string(af_compiler *c, const af_at *at, const char *key,
                   const char **out)
{
    af_at v;
    int rc = typed(c, at, key, &v, cJSON_IsString, "a string");
    *out = rc == 0 && v.node != NULL ? v.node->valuestring : NULL;
    return rc;
}

int af_walk_bool(af_compiler *c, const af_at *at, const char *key, bool *out)
{
    af_at v;
    int rc = typed(c, at, key, &v, cJSON_IsBool, "a boolean");
    if (rc == 0 && v.node != NULL)
        *out = cJSON_IsTrue(v.node);
    return rc;
}

int af_walk_deref(af_compiler *c, af_at *at)
{
    int rc = af_compile_deref(c, &at->doc, &at->node, at->ptr, sizeof at->ptr);
    if (rc == 0 && !cJSON_IsObject(at->node))
        rc = af_walk_error(c, at, "expected an object");
    return rc;
}

char *af_walk_strdup(af_compiler *c, const char *s)
{
    char *copy = af_arena_strdup(&c->m->arena, s);
    if (copy == NULL)
        af_walk_nomem(c);
    return copy;
}

char *af_walk_case(af_compiler *c, const char *s, bool upper)
{
    char *copy = af_walk_strdup(c, s);
    for (char *p = copy; p != NULL && *p != '\0'; p++) {
        if (upper && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (!upper && *p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    return copy;
}

void *af_walk_calloc(af_compiler *c, size_t n, size_t size)
{
    void *p = af_arena_calloc(&c->m->arena, n, size);
    if (p == NULL)
        af_walk_nomem(c);
    return p;
}

const cJSON *af_walk_adopt(af_compiler *c, cJSON *v)
{
    if (v == NULL || !cJSON_AddItemToArray(c->m->values, v)) {
        cJSON_Delete(v);
        af_walk_nomem(c);
        return NULL;
    }
    return v;
}

af_idx af_walk_synth(af_compiler *c, const af_at *at, cJSON *v)
{
    const cJSON *kept = af_walk_adopt(c, v);
    if (kept == NULL)
        return AF_NONE;
    return af_schema_compile(c, at->doc, kept, at->ptr, NULL);
}

int af_walk_schema(af_compiler *c, const af_at *at, const char *key,
                   af_idx *out)
{
    af_at s;
    *out = AF_NONE;
    int rc = af_walk_child(c, at, key, &s);
    if (rc != 0 || s.node == NULL)
        return rc;
    bool is_31 = c->m->dialect == AF_DIALECT_OAS31;
    if (!cJSON_IsObject(s.node) && !(is_31 && cJSON_IsBool(s.node)))
        return af_walk_error(c, &s, "expected %s",
                             is_31 ? "a schema (an object or a boolean)"
                                   : "an object");
    *out = af_schema_compile(c, s.doc, s.node, s.ptr, NULL);
    return *out == AF_NONE ? af_walk_failed(c) : 0;
}

int af_walk_failed(af_compiler *c)
{
    if (c->err->code == AF_OK)
        af_error_set(c->err, AF_ESPEC, NULL, NULL, 0, 0,
                     "a schema did not compile");
    return c->err->code;
}

af_idx af_walk_string_schema(af_compiler *c, const af_at *at)
{
    cJSON *v = cJSON_CreateObject();
    if (v != NULL && cJSON_AddStringToObject(v, "type", "string") == NULL) {
        cJSON_Delete(v);
        v = NULL;
    }
    return af_walk_synth(c, at, v);
}

/* The list and its items live in the model's arena (af_compile_keep), not
   in m->values: a bump per node instead of cJSON_Duplicate's mallocs. */
int af_walk_example(af_compiler *c, cJSON **list, const cJSON *v)
{
    if (*list == NULL) {
        cJSON *arr = af_walk_calloc(c, 1, sizeof *arr);
        if (arr == NULL)
            return AF_ENOMEM;
        arr->type = cJSON_Array;
        *list = arr;
    }
    cJSON *copy = (cJSON *)af_compile_keep(c, v);
    if (copy == NULL)
        return af_walk_nomem(c);
    cJSON *head = (*list)->child;
    if (head == NULL) {
        (*list)->child = copy;
    } else { /* cJSON's links: the first item's prev is the last */
        head->prev->next = copy;
        copy->prev = head->prev;
    }
    (*list)->child->prev = copy;
    return 0;
}

/* One requirement object: every scheme it names, all needed together. */
static int requirement(af_compiler *c, const af_at *req, af_sec_alt *out)
{
    if (!cJSON_IsObject(req->node))
        return af_walk_error(c, req, "expected an object");
    int32_t *ids =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(req->node), sizeof *ids);
    if (ids == NULL)
        return AF_ENOMEM;
    uint32_t k = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, req->node)
    {
        int32_t id = af_model_find_scheme(c->m, s->string);
        if (id < 0) {
            af_at at;
            int rc = af_walk_item(c, req, s, k, &at);
            return rc != 0
                       ? rc
                       : af_walk_error(c, &at, "unknown security scheme '%s'",
                                       s->string);
        }
        ids[k++] = id;
    }
    out->schemes = ids;
    out->n_schemes = k;
    return 0;
}

int af_walk_security(af_compiler *c, const af_at *list, const af_sec_alt **out,
                     uint32_t *n)
{
    size_t size = (size_t)cJSON_GetArraySize(list->node);
    af_sec_alt *alts = af_walk_calloc(c, size, sizeof *alts);
    if (alts == NULL)
        return AF_ENOMEM;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list->node)
    {
        af_at req;
        int rc = af_walk_item(c, list, item, i, &req);
        if (rc == 0)
            rc = requirement(c, &req, &alts[i]);
        if (rc != 0)
            return rc;
        i++;
    }
    *out = alts;
    *n = (uint32_t)i;
    return 0;
}

static bool ascii_case_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

void af_walk_param_put(af_param *params, uint32_t *n, const af_param *p)
{
    for (uint32_t i = 0; i < *n; i++) {
        if (params[i].in != p->in)
            continue;
        bool same = p->in == AF_IN_HEADER
                        ? ascii_case_equal(params[i].name, p->name)
                        : strcmp(params[i].name, p->name) == 0;
        if (same) {
            params[i] = *p;
            return;
        }
    }
    params[(*n)++] = *p;
}

bool af_walk_header_ignored(const char *name)
{
    return ascii_case_equal(name, "accept") ||
           ascii_case_equal(name, "content-type") ||
           ascii_case_equal(name, "authorization");
}

uint32_t af_walk_path_vars(const char *path)
{
    uint32_t n = 0;
    for (; *path != '\0'; path++)
        n += *path == '{';
    return n;
}

/* Whether the template has the variable {name}. */
static bool has_var(const char *path, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{'))
        if (strncmp(p + 1, name, len) == 0 && p[1 + len] == '}')
            return true;
    return false;
}

static const af_param *find_path_param(const af_param *params, uint32_t n,
                                       const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (params[i].in == AF_IN_PATH &&
            strncmp(params[i].name, name, len) == 0 &&
            params[i].name[len] == '\0')
            return &params[i];
    return NULL;
}

static int synth_path_param(af_compiler *c, const af_at *op, const char *name,
                            size_t len, af_param *out)
{
    char *copy = af_arena_strndup(&c->m->arena, name, len);
    if (copy == NULL)
        return af_walk_nomem(c);
    af_compile_warn(c, op->ptr,
                    "path parameter '%s' is not declared: treated as a "
                    "required string",
                    copy);
    memset(out, 0, sizeof *out);
    out->name = copy;
    out->in = AF_IN_PATH;
    out->style = AF_STYLE_SIMPLE;
    out->is_required = true;
    out->pointer = af_walk_strdup(c, op->ptr);
    out->schema = af_walk_string_schema(c, op);
    return out->schema == AF_NONE || out->pointer == NULL ? af_walk_failed(c)
                                                          : 0;
}

int af_walk_path_params(af_compiler *c, const af_at *op, const char *path,
                        af_param *params, uint32_t *n)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < *n; i++) {
        if (params[i].in == AF_IN_PATH && !has_var(path, params[i].name)) {
            af_compile_warn(c, params[i].pointer,
                            "path parameter '%s' is not in the path "
                            "template: ignored",
                            params[i].name);
            continue;
        }
        params[kept++] = params[i];
    }
    *n = kept;
    for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{')) {
        const char *end = strchr(p + 1, '}');
        if (end == NULL)
            break;
        size_t len = (size_t)(end - p - 1);
        if (len == 0 || find_path_param(params, *n, p + 1, len) != NULL)
            continue;
        int rc = synth_path_param(c, op, p + 1, len, &params[*n]);
        if (rc != 0)
            return rc;
        (*n)++;
    }
    return 0;
}

static size_t scheme_len(const char *url)
{
    size_t i = 0;
    while ((url[i] >= 'a' && url[i] <= 'z') ||
           (url[i] >= 'A' && url[i] <= 'Z') ||
           (i > 0 && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' ||
                      url[i] == '-' || url[i] == '.')))
        i++;
    return i > 0 && strncmp(url + i, "://", 3) == 0 ? i + 3 : 0;
}

const char *af_walk_base_path(af_compiler *c, const char *url)
{
    const char *p = url + scheme_len(url);
    if (p != url || strncmp(url, "//", 2) == 0) {
        p += p == url ? 2 : 0;
        p += strcspn(p, "/?#");
    }
    size_t len = strcspn(p, "?#");
    while (len > 0 && p[len - 1] == '/')
        len--;
    if (len == 0)
        return "";
    char *out = af_arena_printf(&c->m->arena, "%s%.*s", p[0] == '/' ? "" : "/",
                                (int)len, p);
    if (out == NULL)
        af_walk_nomem(c);
    return out;
}

bool af_walk_status_key(const char *key, int *lo, int *hi)
{
    if (strcmp(key, "default") == 0) {
        *lo = *hi = 0;
        return true;
    }
    if (strlen(key) != 3 || key[0] < '1' || key[0] > '5')
        return false;
    bool is_range =
        (key[1] == 'X' || key[1] == 'x') && (key[2] == 'X' || key[2] == 'x');
    if (is_range) {
        *lo = (key[0] - '0') * 100;
        *hi = *lo + 99;
        return true;
    }
    if (key[1] < '0' || key[1] > '9' || key[2] < '0' || key[2] > '9')
        return false;
    *lo = *hi = (key[0] - '0') * 100 + (key[1] - '0') * 10 + (key[2] - '0');
    return true;
}

static uint32_t id_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void id_insert(af_oplist *l, uint32_t op)
{
    uint32_t i = id_hash(l->ops[op].operation_id) & (l->id_cap - 1);
    while (l->id_slots[i] != 0)
        i = (i + 1) & (l->id_cap - 1);
    l->id_slots[i] = op + 1;
    l->n_ids++;
}

/* Rehashes into a table twice the size (the old one stays in the arena:
   a few KB for thousands of operations). */
static int id_grow(af_compiler *c, af_oplist *l)
{
    uint32_t cap = l->id_cap ? l->id_cap * 2 : 256;
    uint32_t *slots = af_arena_calloc(&c->m->arena, cap, sizeof *slots);
    if (slots == NULL)
        return af_walk_nomem(c);
    const uint32_t *old = l->id_slots;
    uint32_t old_cap = l->id_cap;
    l->id_slots = slots;
    l->id_cap = cap;
    l->n_ids = 0;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i] != 0)
            id_insert(l, old[i] - 1);
    return 0;
}

/* How many operations of l have operationId id. */
static uint32_t id_count(const af_oplist *l, const char *id)
{
    uint32_t n = 0;
    if (l->id_cap == 0)
        return 0;
    for (uint32_t i = id_hash(id) & (l->id_cap - 1); l->id_slots[i] != 0;
         i = (i + 1) & (l->id_cap - 1))
        n += strcmp(l->ops[l->id_slots[i] - 1].operation_id, id) == 0;
    return n;
}

int af_walk_push_op(af_compiler *c, af_oplist *l, const af_operation *op)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 64;
        af_operation *ops =
            af_arena_grow(&c->m->arena, l->ops, l->n, cap, sizeof *ops);
        if (ops == NULL)
            return af_walk_nomem(c);
        l->ops = ops;
        l->cap = cap;
    }
    if (op->operation_id != NULL && (l->n_ids + 1) * 2 > l->id_cap &&
        id_grow(c, l) != 0)
        return AF_ENOMEM;
    l->ops[l->n++] = *op;
    if (op->operation_id != NULL)
        id_insert(l, l->n - 1);
    return 0;
}

static int op_tags(af_compiler *c, const af_at *at, af_operation *op)
{
    af_at list;
    int rc = af_walk_array(c, at, "tags", &list);
    if (rc != 0 || list.node == NULL)
        return rc;
    const char **tags =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(list.node), sizeof *tags);
    if (tags == NULL)
        return AF_ENOMEM;
    const cJSON *t;
    cJSON_ArrayForEach(t, list.node)
    {
        if (!cJSON_IsString(t))
            continue;
        tags[op->n_tags] = af_walk_strdup(c, t->valuestring);
        if (tags[op->n_tags++] == NULL)
            return AF_ENOMEM;
    }
    op->tags = tags;
    return 0;
}

int af_walk_op_common(af_compiler *c, const af_oplist *l, const af_at *at,
                      af_operation *op)
{
    const char *id = NULL;
    int rc = af_walk_string(c, at, "operationId", &id);
    /* one warning per earlier operation with the same id */
    for (uint32_t n = rc == 0 && id != NULL ? id_count(l, id) : 0; n > 0; n--)
        af_compile_warn(c, at->ptr, "duplicate operationId '%s'", id);
    if (rc == 0 && id != NULL &&
        (op->operation_id = af_walk_strdup(c, id)) == NULL)
        rc = AF_ENOMEM;
    if (rc == 0)
        rc = op_tags(c, at, op);
    if (rc == 0)
        rc = af_walk_bool(c, at, "deprecated", &op->is_deprecated);
    return rc;
}

int af_walk_op_security(af_compiler *c, const af_at *at,
                        const af_sec_alt *global, uint32_t n_global,
                        af_operation *op)
{
    af_at list;
    int rc = af_walk_array(c, at, "security", &list);
    if (rc != 0)
        return rc;
    if (list.node != NULL)
        return af_walk_security(c, &list, &op->security, &op->n_security);
    op->security = global;
    op->n_security = n_global;
    return 0;
}

int af_walk_named(af_compiler *c, af_at *at, const char **name,
                  const char **pointer)
{
    *name = af_walk_strdup(c, at->node->string);
    *pointer = af_walk_strdup(c, at->ptr);
    if (*name == NULL || *pointer == NULL)
        return AF_ENOMEM;
    return af_walk_deref(c, at);
}

int af_walk_map(af_compiler *c, const af_at *at, const char *key,
                size_t elem_size, af_walk_map_fn fn, void **out, uint32_t *n)
{
    af_at map;
    *out = NULL;
    int rc = af_walk_object(c, at, key, &map);
    if (rc != 0 || map.node == NULL)
        return rc;
    char *slots =
        af_walk_calloc(c, (size_t)cJSON_GetArraySize(map.node), elem_size);
    if (slots == NULL)
        return AF_ENOMEM;
    uint32_t k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, map.node)
    {
        af_at one;
        rc = af_walk_item(c, &map, item, 0, &one);
        if (rc == 0)
            rc = fn(c, &one, slots + (size_t)k * elem_size);
        if (rc < 0)
            return rc;
        k += rc != AF_WALK_SKIP;
    }
    *out = slots;
    *n = k;
    return 0;
}
