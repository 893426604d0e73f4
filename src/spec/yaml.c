/*
 * yaml.c - YAML text into the same cJSON tree as JSON, from libyaml's
 * event parser (yaml_parser_parse), without recursion.
 *
 * Scalars follow the YAML 1.2 core schema, as a spec author expects:
 * plain (unquoted, untagged) scalars are null (~ null Null NULL, empty),
 * bool (true True TRUE false False FALSE), int ([-+]?[0-9]+, 0x[0-9a-fA-F]+,
 * 0o[0-7]+; "012" is twelve) or float (decimals with exponents, [-+].inf in
 * three cases, .nan in three cases); anything else, and every quoted or
 * block scalar, is a string. So yes/no/on/off stay strings (YAML 1.1 would
 * make them bools). Tags !!str !!int !!float !!bool !!null are honoured (a
 * value that does not fit its tag is an error); any other tag makes a
 * scalar a string and is ignored on a collection. Numbers are doubles, as
 * in cJSON; a string holding a NUL (the "\0" escape) ends there, as in
 * cJSON.
 *
 * Mapping keys are always strings (the key `200:` is "200"); a sequence or
 * mapping as a key is not supported. An alias is a deep copy of its
 * anchored node; the nodes so copied are counted, and past
 * AF_DOC_MAX_ALIAS_NODES the document is refused, so a billion-laughs file
 * is a quick error. Merge keys (`<<: *a`, `<<: [*a, *b]`) copy the members
 * the mapping does not set itself, earlier sources first, after its own
 * members; they count as alias expansion. Duplicate keys,
 * undefined aliases, a second document, an empty stream and nesting deeper
 * than AF_DOC_MAX_DEPTH are errors at the offending event's mark.
 *
 * Tuned for a 4 MB spec (200k events): nodes come from the doc's pool
 * (load.c points cJSON's hooks at it while the parse runs) and each
 * scalar is copied from libyaml's event into the pool, so the finished
 * tree holds no malloc'd block and is freed at once. Key marks and merge
 * sources live on two stacks reused across mappings.
 */
#include "spec/load_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"
#define MERGE_TAG TAG_PREFIX "merge"

typedef struct frame {
    cJSON *node;       /* the collection being filled */
    char *key;         /* object: the key whose value is pending (pool) */
    char *anchor;      /* registered when the node is complete (owned) */
    size_t n_items;    /* members or elements so far */
    size_t n_nodes;    /* nodes in the subtree so far, this one included */
    size_t mark_base;  /* this mapping's key marks start here */
    size_t merge_base; /* this mapping's merge sources start here */
    int height;        /* collection levels below and including this one */
    bool has_key;      /* object: a key was read, its value is pending */
    bool is_merge;     /* object: the pending value is a merge value */
    yaml_mark_t merge_mark;
} frame;

typedef struct anchor_entry {
    char *name; /* owned; NULL: empty slot */
    const cJSON *node;
    size_t n_nodes;
    int height;
} anchor_entry;

typedef struct builder {
    af_doc *doc;
    af_error *err;
    yaml_parser_t parser;
    yaml_event_t ev;
    frame frames[AF_DOC_MAX_DEPTH];
    size_t n_frames;
    yaml_mark_t *marks; /* marks of the explicit keys of open mappings */
    size_t n_marks, cap_marks;
    const cJSON **merges; /* merge sources of open mappings (borrowed) */
    size_t n_merges, cap_merges;
    anchor_entry *anchors; /* open addressing, cap_anchors a power of two */
    size_t n_anchors, cap_anchors;
    cJSON *kept; /* merge values and anchored keys: alive until the end */
    cJSON *root;
    size_t alias_nodes;
    af_doc_keys keys;
} builder;

/* ---- errors ---- */

/* The pointer of the node the parser is at (or of the frames' path). */
static void current_pointer(const builder *b, size_t n_frames, char *buf,
                            size_t cap)
{
    snprintf(buf, cap, "#");
    for (size_t i = 0; i < n_frames; i++) {
        const frame *f = &b->frames[i];
        if (cJSON_IsArray(f->node))
            af_pointer_append_index(buf, cap, f->n_items);
        else if (f->has_key)
            af_pointer_append(buf, cap, f->is_merge ? "<<" : f->key);
        else
            break;
    }
}

static int fail_at(builder *b, int code, const yaml_mark_t *mark,
                   const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(builder *b, int code, const yaml_mark_t *mark,
                   const char *pointer, const char *fmt, ...)
{
    char ptr[sizeof b->err->pointer], msg[sizeof b->err->message];
    if (pointer == NULL) {
        current_pointer(b, b->n_frames, ptr, sizeof ptr);
        pointer = strcmp(ptr, "#") != 0 ? ptr : ""; /* the root says nothing */
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, col = 0;
    if (mark != NULL && mark->line < INT32_MAX && mark->column < INT32_MAX) {
        line = (int)mark->line + 1;
        col = (int)mark->column + 1;
    }
    return af_error_set(b->err, code, b->doc->name, pointer, line, col, "%s",
                        msg);
}

static int out_of_memory(builder *b)
{
    return fail_at(b, AF_ENOMEM, NULL, NULL, "out of memory");
}

static int parser_error(builder *b)
{
    const yaml_parser_t *p = &b->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory(b);
    const char *problem = p->problem != NULL ? p->problem : "unknown error";
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        af_doc_position(b->doc->text, b->doc->len, p->problem_offset, &line,
                        &col);
        yaml_mark_t m = {0, (size_t)line - 1, (size_t)col - 1};
        return fail_at(b, AF_ESYNTAX, &m, NULL, "YAML syntax error: %s",
                       problem);
    }
    if (p->context != NULL)
        return fail_at(b, AF_ESYNTAX, &p->problem_mark, NULL,
                       "YAML syntax error: %s (%s at line %zu, column %zu)",
                       problem, p->context, p->context_mark.line + 1,
                       p->context_mark.column + 1);
    return fail_at(b, AF_ESYNTAX, &p->problem_mark, NULL,
                   "YAML syntax error: %s", problem);
}

/* ---- growable stacks and the anchor table ---- */

static bool reserve(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap != 0 ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *grown = realloc(*items, n * size);
    if (grown == NULL)
        return false;
    *items = grown;
    *cap = n;
    return true;
}

static anchor_entry *anchor_slot(const builder *b, const char *name)
{
    if (b->cap_anchors == 0)
        return NULL;
    size_t i = af_doc_hash(name) & (b->cap_anchors - 1);
    while (b->anchors[i].name != NULL && strcmp(b->anchors[i].name, name) != 0)
        i = (i + 1) & (b->cap_anchors - 1);
    return &b->anchors[i];
}

static bool anchors_grow(builder *b)
{
    size_t cap = b->cap_anchors != 0 ? b->cap_anchors * 2 : 64;
    anchor_entry *old = b->anchors;
    size_t old_cap = b->cap_anchors;
    b->anchors = calloc(cap, sizeof *b->anchors);
    if (b->anchors == NULL) {
        b->anchors = old;
        return false;
    }
    b->cap_anchors = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].name != NULL)
            *anchor_slot(b, old[i].name) = old[i];
    free(old);
    return true;
}

/* Registers node under name (taken over); a later anchor of the same name
   replaces an earlier one, as YAML says. */
static int anchor_set(builder *b, char *name, const cJSON *node, size_t n_nodes,
                      int height)
{
    if (2 * (b->n_anchors + 1) > b->cap_anchors && !anchors_grow(b)) {
        free(name);
        return out_of_memory(b);
    }
    anchor_entry *a = anchor_slot(b, name);
    if (a->name != NULL)
        free(name);
    else
        a->name = name, b->n_anchors++;
    a->node = node;
    a->n_nodes = n_nodes;
    a->height = height;
    return 0;
}

static const anchor_entry *anchor_get(const builder *b, const char *name)
{
    const anchor_entry *a = anchor_slot(b, name);
    return a != NULL && a->name != NULL ? a : NULL;
}

/* ---- scalars: the YAML 1.2 core schema ---- */

static bool all_digits(const char *s, size_t n, const char *digits)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || strchr(digits, s[i]) == NULL)
            return false;
    return true;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static bool core_int(const char *s, size_t n, double *out)
{
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        bool hex = s[1] == 'x';
        if (!all_digits(s + 2, n - 2,
                        hex ? "0123456789abcdefABCDEF" : "01234567"))
            return false;
        double v = 0;
        for (size_t i = 2; i < n; i++) {
            int d = s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10;
            v = v * (hex ? 16 : 8) + d;
        }
        *out = v;
        return true;
    }
    size_t sign = n > 0 && (s[0] == '-' || s[0] == '+');
    if (!all_digits(s + sign, n - sign, "0123456789"))
        return false;
    *out = strtod(s, NULL);
    return true;
}

static bool one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strlen(*words) == n && memcmp(s, *words, n) == 0)
            return true;
    return false;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?.inf, .nan */
static bool core_float(const char *s, size_t n, double *out)
{
    static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
    static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
    size_t sign = n > 0 && (s[0] == '-' || s[0] == '+');
    if (one_of(s + sign, n - sign, inf_words)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (one_of(s, n, nan_words)) {
        *out = NAN;
        return true;
    }
    size_t i = sign, int_digits = 0, frac_digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        int_digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            frac_digits++;
    if (int_digits == 0 && frac_digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += i < n && (s[i] == '-' || s[i] == '+');
        size_t exp_digits = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            exp_digits++;
        if (exp_digits == 0)
            return false;
    }
    if (i != n)
        return false;
    *out = strtod(s, NULL);
    return true;
}

static bool core_null(const char *s, size_t n)
{
    static const char *const words[] = {"~", "null", "Null", "NULL", NULL};
    return n == 0 || one_of(s, n, words);
}

static bool core_bool(const char *s, size_t n, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", NULL};
    static const char *const no[] = {"false", "False", "FALSE", NULL};
    *out = one_of(s, n, yes);
    return *out || one_of(s, n, no);
}

/* A string node holding a pool copy of the scalar (up to a NUL, as in
   cJSON). */
static cJSON *take_string(builder *b)
{
    const char *s = (const char *)b->ev.data.scalar.value;
    cJSON *node = cJSON_CreateNull();
    char *copy = af_doc_pool_strndup(b->doc, s, strlen(s));
    if (node == NULL || copy == NULL)
        return NULL;
    node->type = cJSON_String;
    node->valuestring = copy;
    return node;
}

enum { K_ANY, K_STR, K_NULL, K_BOOL, K_INT, K_FLOAT };

/* What the scalar may be: any core type (plain, untagged), or what its
   tag says; quoted, block and otherwise tagged scalars are strings. */
static int scalar_kind(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag == NULL)
        return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? K_ANY : K_STR;
    static const char *const names[] = {"null", "bool", "int", "float"};
    size_t prefix = strlen(TAG_PREFIX);
    for (int k = 0; k < 4 && strncmp(tag, TAG_PREFIX, prefix) == 0; k++)
        if (strcmp(tag + prefix, names[k]) == 0)
            return K_NULL + k;
    return K_STR;
}

/* Types s as kind allows; false when it is none of them. */
static bool typed(const char *s, size_t n, int kind, cJSON **out)
{
    double num;
    bool truth;
    bool any = kind == K_ANY;
    if (any && n > 0 && strchr("~nNtTfF0123456789+-.", s[0]) == NULL)
        return false; /* the common case: a word */
    if ((any || kind == K_NULL) && core_null(s, n))
        *out = cJSON_CreateNull();
    else if ((any || kind == K_BOOL) && core_bool(s, n, &truth))
        *out = cJSON_CreateBool(truth);
    else if ((any || kind == K_INT || kind == K_FLOAT) && core_int(s, n, &num))
        *out = cJSON_CreateNumber(num);
    else if ((any || kind == K_FLOAT) && core_float(s, n, &num))
        *out = cJSON_CreateNumber(num);
    else
        return false;
    return true;
}

/* The node for the current scalar event, or NULL with *rc set. */
static cJSON *scalar_node(builder *b, int *rc)
{
    static const char *const tag_names[] = {"",     "str", "null",
                                            "bool", "int", "float"};
    const yaml_event_t *ev = &b->ev;
    const char *s = (const char *)ev->data.scalar.value;
    int kind = scalar_kind(ev);
    cJSON *node = NULL;
    if (kind == K_STR || !typed(s, ev->data.scalar.length, kind, &node)) {
        if (kind != K_ANY && kind != K_STR) {
            *rc = fail_at(b, AF_ESYNTAX, &ev->start_mark, NULL,
                          "'%.40s' is not a valid !!%s", s, tag_names[kind]);
            return NULL;
        }
        node = take_string(b);
    }
    if (node == NULL)
        *rc = out_of_memory(b);
    return node;
}

/* ---- building ---- */

bool af_doc_yaml_is_merge_key(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag != NULL)
        return strcmp(tag, MERGE_TAG) == 0;
    return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           ev->data.scalar.length == 2 &&
           memcmp(ev->data.scalar.value, "<<", 2) == 0;
}

static frame *top(builder *b)
{
    return b->n_frames > 0 ? &b->frames[b->n_frames - 1] : NULL;
}

static bool wants_key(const frame *f)
{
    return f != NULL && cJSON_IsObject(f->node) && !f->has_key;
}

static int push_merge(builder *b, const cJSON *source, const yaml_mark_t *m)
{
    if (!cJSON_IsObject(source))
        return fail_at(b, AF_ESYNTAX, m, NULL,
                       "the value of a merge key '<<' must be a mapping or "
                       "a sequence of mappings");
    size_t size = sizeof *b->merges; /* NOLINT(bugprone-sizeof-expression) */
    if (!reserve((void **)&b->merges, &b->cap_merges, b->n_merges + 1, size))
        return out_of_memory(b);
    b->merges[b->n_merges++] = source;
    return 0;
}

/* value (borrowed: kept alive elsewhere) is merged into the mapping on
   top when it ends. */
static int push_merge_sources(builder *b, const cJSON *value,
                              const yaml_mark_t *m)
{
    frame *f = top(b);
    f->is_merge = f->has_key = false;
    if (!cJSON_IsArray(value))
        return push_merge(b, value, m);
    for (const cJSON *c = value->child; c != NULL; c = c->next) {
        int rc = push_merge(b, c, m);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Adds a finished node (owned) to the open collection, or makes it the
   root. */
static int attach(builder *b, cJSON *node, size_t n_nodes, int height)
{
    frame *f = top(b);
    if (f == NULL) {
        b->root = node;
        return 0;
    }
    if (f->is_merge) {
        cJSON_AddItemToArray(b->kept, node); /* anchors may point into it */
        return push_merge_sources(b, node, &f->merge_mark);
    }
    if (cJSON_IsObject(f->node)) {
        node->string = f->key;
        f->key = NULL;
        f->has_key = false;
    }
    cJSON_AddItemToArray(f->node, node);
    f->n_items++;
    f->n_nodes += n_nodes;
    if (height + 1 > f->height)
        f->height = height + 1;
    return 0;
}

static int on_key(builder *b, frame *f)
{
    yaml_event_t *ev = &b->ev;
    if (af_doc_yaml_is_merge_key(ev)) {
        f->has_key = f->is_merge = true;
        f->merge_mark = ev->start_mark;
        return 0;
    }
    if (!reserve((void **)&b->marks, &b->cap_marks, b->n_marks + 1,
                 sizeof *b->marks))
        return out_of_memory(b);
    const char *key = (const char *)ev->data.scalar.value;
    f->key = af_doc_pool_strndup(b->doc, key, strlen(key));
    if (f->key == NULL)
        return out_of_memory(b);
    af_doc_note_keys(b->doc, af_doc_key_kind(key));
    b->marks[b->n_marks++] = ev->start_mark;
    f->has_key = true;
    if (ev->data.scalar.anchor == NULL)
        return 0;
    cJSON *copy = cJSON_CreateString(f->key);
    if (copy == NULL)
        return out_of_memory(b);
    cJSON_AddItemToArray(b->kept, copy);
    char *name = (char *)ev->data.scalar.anchor;
    ev->data.scalar.anchor = NULL;
    return anchor_set(b, name, copy, 1, 0);
}

static int on_scalar(builder *b)
{
    frame *f = top(b);
    if (wants_key(f))
        return on_key(b, f);
    int rc = 0;
    cJSON *node = scalar_node(b, &rc);
    if (node == NULL)
        return rc;
    char *name = (char *)b->ev.data.scalar.anchor;
    if (name != NULL) {
        b->ev.data.scalar.anchor = NULL;
        rc = anchor_set(b, name, node, 1, 0);
        if (rc != 0) {
            cJSON_Delete(node);
            return rc;
        }
    }
    return attach(b, node, 1, 0);
}

static int undefined_alias(builder *b, const char *name)
{
    for (size_t i = 0; i < b->n_frames; i++)
        if (b->frames[i].anchor != NULL &&
            strcmp(b->frames[i].anchor, name) == 0)
            return fail_at(b, AF_ESYNTAX, &b->ev.start_mark, NULL,
                           "alias '*%s' is inside the node it names (a "
                           "cycle)",
                           name);
    return fail_at(b, AF_ESYNTAX, &b->ev.start_mark, NULL,
                   "undefined alias '*%s'", name);
}

/* `*a: value`: the anchored node must be a string. */
static int alias_key(builder *b, frame *f, const anchor_entry *a)
{
    if (!cJSON_IsString(a->node))
        return fail_at(b, AF_EUNSUPPORTED, &b->ev.start_mark, NULL,
                       "alias '*%s' used as a mapping key must name a string",
                       a->name);
    if (!reserve((void **)&b->marks, &b->cap_marks, b->n_marks + 1,
                 sizeof *b->marks))
        return out_of_memory(b);
    const char *key = a->node->valuestring;
    f->key = af_doc_pool_strndup(b->doc, key, strlen(key));
    if (f->key == NULL)
        return out_of_memory(b);
    af_doc_note_keys(b->doc, af_doc_key_kind(key));
    b->marks[b->n_marks++] = b->ev.start_mark;
    f->has_key = true;
    return 0;
}

static int too_many_alias_nodes(builder *b, const yaml_mark_t *m)
{
    return fail_at(b, AF_ELIMIT, m, NULL, "alias expansion exceeds %d nodes",
                   AF_DOC_MAX_ALIAS_NODES);
}

static int too_deep(builder *b, const yaml_mark_t *m)
{
    return fail_at(b, AF_ELIMIT, m, NULL, "nesting deeper than %d levels",
                   AF_DOC_MAX_DEPTH);
}

static int on_alias(builder *b)
{
    const char *name = (const char *)b->ev.data.alias.anchor;
    const yaml_mark_t *m = &b->ev.start_mark;
    const anchor_entry *a = anchor_get(b, name);
    if (a == NULL)
        return undefined_alias(b, name);
    frame *f = top(b);
    if (wants_key(f))
        return alias_key(b, f, a);
    if (f != NULL && f->is_merge)
        return push_merge_sources(b, a->node, m);
    if (a->n_nodes > AF_DOC_MAX_ALIAS_NODES - b->alias_nodes)
        return too_many_alias_nodes(b, m);
    if (b->n_frames + (size_t)a->height > AF_DOC_MAX_DEPTH)
        return too_deep(b, m);
    cJSON *copy = cJSON_Duplicate(a->node, 1);
    if (copy == NULL)
        return out_of_memory(b);
    if (copy->string != NULL && !(copy->type & cJSON_StringIsConst))
        cJSON_free(copy->string);
    copy->string = NULL;
    copy->type &= ~cJSON_StringIsConst;
    b->alias_nodes += a->n_nodes;
    return attach(b, copy, a->n_nodes, a->height);
}

static int on_start(builder *b, bool is_map)
{
    const yaml_mark_t *m = &b->ev.start_mark;
    if (wants_key(top(b)))
        return fail_at(b, AF_EUNSUPPORTED, m, NULL,
                       "a %s as a mapping key is not supported (keys must "
                       "be scalars)",
                       is_map ? "mapping" : "sequence");
    if (b->n_frames >= AF_DOC_MAX_DEPTH)
        return too_deep(b, m);
    cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    if (node == NULL)
        return out_of_memory(b);
    frame *f = &b->frames[b->n_frames++];
    memset(f, 0, sizeof *f);
    f->node = node;
    f->n_nodes = 1;
    f->height = 1;
    f->mark_base = b->n_marks;
    f->merge_base = b->n_merges;
    yaml_char_t **anchor = is_map ? &b->ev.data.mapping_start.anchor
                                  : &b->ev.data.sequence_start.anchor;
    f->anchor = (char *)*anchor;
    *anchor = NULL;
    return 0;
}

/* Counts the nodes of a subtree (giving up past budget) and its height. */
static bool measure(const cJSON *node, size_t budget, size_t *n, int *height)
{
    *n = 1;
    *height = 0;
    if (budget == 0)
        return false;
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        size_t k;
        int h;
        if (!measure(c, budget - *n, &k, &h))
            return false;
        *n += k;
        if (h > *height)
            *height = h;
        if (*n > budget)
            return false;
    }
    if (cJSON_IsArray(node) || cJSON_IsObject(node))
        ++*height;
    return *n <= budget;
}

/* YAML 1.1 merge keys: members of the merged mappings that the mapping
   does not set itself are copied in, earlier sources first. */
static int apply_merges(builder *b, frame *f)
{
    size_t total = f->n_items;
    for (size_t i = f->merge_base; i < b->n_merges; i++)
        total += (size_t)cJSON_GetArraySize(b->merges[i]);
    if (af_doc_keys_reset(&b->keys, total) != 0)
        return out_of_memory(b);
    for (const cJSON *c = f->node->child; c != NULL; c = c->next)
        af_doc_keys_add(&b->keys, c->string);
    for (size_t i = f->merge_base; i < b->n_merges; i++) {
        for (const cJSON *m = b->merges[i]->child; m != NULL; m = m->next) {
            if (!af_doc_keys_add(&b->keys, m->string))
                continue;
            size_t n;
            int h;
            if (!measure(m, AF_DOC_MAX_ALIAS_NODES - b->alias_nodes, &n, &h))
                return too_many_alias_nodes(b, &f->merge_mark);
            if (b->n_frames + (size_t)h > AF_DOC_MAX_DEPTH)
                return too_deep(b, &f->merge_mark);
            cJSON *copy = cJSON_Duplicate(m, 1);
            if (copy == NULL)
                return out_of_memory(b);
            cJSON_AddItemToArray(f->node, copy);
            b->alias_nodes += n;
            f->n_nodes += n;
            if (h + 1 > f->height)
                f->height = h + 1;
        }
    }
    return 0;
}

static int finish_mapping(builder *b, frame *f)
{
    size_t index;
    int found =
        af_doc_keys_first_dup(&b->keys, f->node, f->n_items, true, &index);
    if (found < 0)
        return out_of_memory(b);
    if (found > 0) {
        const cJSON *item = f->node->child;
        for (size_t i = 0; i < index; i++)
            item = item->next;
        char ptr[sizeof b->err->pointer];
        current_pointer(b, b->n_frames - 1, ptr, sizeof ptr);
        af_pointer_append(ptr, sizeof ptr, item->string);
        return fail_at(b, AF_ESYNTAX, &b->marks[f->mark_base + index], ptr,
                       "duplicate key '%s'", item->string);
    }
    return b->n_merges > f->merge_base ? apply_merges(b, f) : 0;
}

static int on_end(builder *b)
{
    frame *f = top(b);
    if (f == NULL)
        return 0; /* libyaml pairs starts and ends; never reached */
    int rc = cJSON_IsObject(f->node) ? finish_mapping(b, f) : 0;
    if (rc != 0)
        return rc;
    cJSON *node = f->node;
    char *name = f->anchor;
    size_t n_nodes = f->n_nodes;
    int height = f->height;
    b->n_marks = f->mark_base;
    b->n_merges = f->merge_base;
    b->n_frames--; /* f is gone from here on */
    if (name != NULL) {
        rc = anchor_set(b, name, node, n_nodes, height);
        if (rc != 0) {
            cJSON_Delete(node);
            return rc;
        }
    }
    return attach(b, node, n_nodes, height);
}

static int on_event(builder *b, bool *seen_doc)
{
    const yaml_mark_t *m = &b->ev.start_mark;
    switch (b->ev.type) {
    case YAML_DOCUMENT_START_EVENT:
        if (*seen_doc)
            return fail_at(b, AF_ESYNTAX, m, "",
                           "more than one document in the stream");
        *seen_doc = true;
        return 0;
    case YAML_STREAM_END_EVENT:
        return *seen_doc ? 0 : fail_at(b, AF_ESYNTAX, m, "", "empty document");
    case YAML_SCALAR_EVENT:
        return on_scalar(b);
    case YAML_ALIAS_EVENT:
        return on_alias(b);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, false);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b);
    default:
        return 0;
    }
}

static int run(builder *b)
{
    bool seen_doc = false;
    for (;;) {
        if (!yaml_parser_parse(&b->parser, &b->ev))
            return parser_error(b);
        int rc = on_event(b, &seen_doc);
        bool done = b->ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&b->ev);
        if (rc != 0 || done)
            return rc;
    }
}

static void builder_free(builder *b)
{
    for (size_t i = 0; i < b->n_frames; i++) {
        cJSON_Delete(b->frames[i].node);
        free(b->frames[i].anchor);
    }
    for (size_t i = 0; i < b->cap_anchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    free(b->marks);
    free(b->merges);
    cJSON_Delete(b->kept);
    cJSON_Delete(b->root);
    af_doc_keys_free(&b->keys);
    free(b);
}

int af_doc_parse_yaml(af_doc *doc, af_error *err)
{
    builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return af_error_set(err, AF_ENOMEM, doc->name, NULL, 0, 0,
                            "out of memory");
    b->doc = doc;
    b->err = err;
    b->kept = cJSON_CreateArray();
    if (b->kept == NULL || !yaml_parser_initialize(&b->parser)) {
        builder_free(b);
        return af_error_set(err, AF_ENOMEM, doc->name, NULL, 0, 0,
                            "out of memory");
    }
    yaml_parser_set_input_string(&b->parser, (const unsigned char *)doc->text,
                                 doc->len);
    int rc = run(b);
    yaml_parser_delete(&b->parser);
    if (rc == 0) {
        doc->root = b->root;
        b->root = NULL;
    }
    builder_free(b);
    return rc;
}
