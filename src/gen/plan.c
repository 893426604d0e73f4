/*
 * plan.c - the generator's per-process plan (af_gen): the operations to
 * decode after the filter, schema nodes with their merged views and
 * compiled patterns, credentials, and the feeds (feed.c).
 *
 * Built once at start-up, then read-only: decoding threads share it.
 * Everything lives in the plan's own arena; the plan borrows the model.
 * Plan time is not on the fuzzing path, so clarity wins over speed here
 * (a spec of thousands of schemas builds in milliseconds all the same).
 */
#include "gen/gen_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool op_matches(const af_operation *op, const af_gen_opts *o)
{
    if (o->path != NULL && strcmp(op->path, o->path) != 0)
        return false;
    if (o->operation == NULL)
        return true;
    if (op->operation_id != NULL && strcmp(op->operation_id, o->operation) == 0)
        return true;
    const char *sp = strchr(o->operation, ' ');
    size_t mlen = sp != NULL ? (size_t)(sp - o->operation) : 0;
    return sp != NULL && strlen(op->method) == mlen &&
           strncasecmp(op->method, o->operation, mlen) == 0 &&
           strcmp(op->path, sp + 1) == 0;
}

static int select_ops(af_gen *g, af_error *err)
{
    const af_model *m = g->model;
    uint32_t *ops = af_arena_alloc(&g->arena, (m->n_ops + 1) * sizeof *ops);
    if (ops == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    uint32_t n = 0;
    for (uint32_t k = 0; k < m->n_ops; k++)
        if (op_matches(&m->ops[k], &g->opts))
            ops[n++] = k;
    if (n == 0) {
        if (m->n_ops == 0)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "the spec has no operations");
        return af_error_set(
            err, AF_EUSAGE, NULL, NULL, 0, 0, "no operation matches%s%s%s%s",
            g->opts.operation ? " operation " : "",
            g->opts.operation ? g->opts.operation : "",
            g->opts.path ? " path " : "", g->opts.path ? g->opts.path : "");
    }
    g->ops = ops;
    g->n_ops = n;
    return 0;
}

static int init_nodes(af_gen *g)
{
    const af_model *m = g->model;
    for (uint32_t k = 0; k < m->n_schemas; k++)
        if (af_gen_add_node(g, &m->schemas[k], (af_idx)k) == AF_NONE)
            return AF_ENOMEM;
    af_schema *any = af_arena_calloc(&g->arena, 1, sizeof *any);
    if (any == NULL)
        return AF_ENOMEM;
    any->pointer = "";
    any->types = AF_TYPE_ANY;
    any->max_length = any->max_items = any->max_properties = AF_UNBOUNDED;
    any->min_contains = 1;
    any->max_contains = AF_UNBOUNDED;
    any->items = any->contains = any->unevaluated_items = AF_NONE;
    any->additional_properties = any->property_names = AF_NONE;
    any->unevaluated_properties = any->not_schema = AF_NONE;
    any->if_schema = any->then_schema = any->else_schema = AF_NONE;
    any->ref = any->dynamic_ref = AF_NONE;
    g->any = af_gen_add_node(g, any, AF_NONE);
    return g->any == AF_NONE ? AF_ENOMEM : 0;
}

/* ---- patterns ---- */

/* Patterns by source pointer: view nodes share their branches' sources,
   so each pattern is compiled once. */
typedef struct re_slot {
    const char *src;
    af_regex *re;
} re_slot;

typedef struct re_cache {
    re_slot *slots;
    uint32_t cap;
} re_cache;

static af_regex *compile(af_gen *g, re_cache *rc, const char *src)
{
    size_t h = (size_t)(uintptr_t)src;
    h = (h ^ (h >> 17)) * 0x9e3779b97f4a7c15ull;
    for (uint32_t k = 0; k < rc->cap; k++) {
        re_slot *slot = &rc->slots[(h + k) % rc->cap];
        if (slot->src == src)
            return slot->re;
        if (slot->src == NULL) {
            char msg[160];
            slot->src = src;
            if (af_regex_compile(&g->arena, src, &slot->re, msg, sizeof msg) <
                0)
                slot->re = NULL; /* lint reports it; strings ignore it */
            return slot->re;
        }
    }
    return NULL;
}

static int compile_node(af_gen *g, re_cache *rc, uint32_t i)
{
    const af_schema *s = g->nodes[i].raw;
    if (s->pattern != NULL && !(s->flags & AF_SCHEMA_PATTERN_BAD))
        g->nodes[i].regex = compile(g, rc, s->pattern);
    if (s->n_pattern_props == 0)
        return 0;
    af_regex **pr =
        af_arena_calloc(&g->arena, s->n_pattern_props, sizeof(af_regex *));
    if (pr == NULL)
        return AF_ENOMEM;
    for (uint32_t k = 0; k < s->n_pattern_props; k++)
        if (s->pattern_props[k].re != NULL)
            pr[k] = compile(g, rc, s->pattern_props[k].pattern);
    g->nodes[i].prop_regex = pr;
    return 0;
}

static int compile_patterns(af_gen *g)
{
    re_cache rc = {.cap = 2 * g->n_nodes + 16};
    rc.slots = calloc(rc.cap, sizeof *rc.slots);
    int status = rc.slots != NULL ? 0 : AF_ENOMEM;
    for (uint32_t i = 0; i < g->n_nodes && status == 0; i++)
        status = compile_node(g, &rc, i);
    free(rc.slots);
    return status;
}

/* ---- credentials ---- */

/* The generic key of a scheme in the auth string ("bearer", "basic",
   "apikey"), for values not given by scheme name. */
static const char *generic_key(const af_sec_scheme *s)
{
    if (s->type == AF_SEC_API_KEY)
        return "apikey";
    if (s->type == AF_SEC_HTTP && s->scheme && strcmp(s->scheme, "basic") == 0)
        return "basic";
    return "bearer";
}

static const char *placeholder(const af_sec_scheme *s)
{
    if (s->type == AF_SEC_API_KEY)
        return "apifuzz-key";
    if (s->type == AF_SEC_HTTP && s->scheme && strcmp(s->scheme, "basic") == 0)
        return "apifuzz:apifuzz";
    return "apifuzz-token";
}

/* Looks key up in "k=v;k=v" (spaces around items ignored). */
static const char *auth_lookup(af_arena *a, const char *auth, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = auth; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq != NULL && (size_t)(eq - p) == klen &&
            strncasecmp(p, key, klen) == 0)
            return af_arena_strndup(a, eq + 1, len - klen - 1);
        p = end;
    }
    return NULL;
}

static int check_auth(const char *auth, af_error *err)
{
    for (const char *p = auth; *p != '\0';) {
        while (*p == ' ' || *p == ';')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL || eq == p)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "auth: expected name=value, got '%.*s'",
                                (int)(len > 64 ? 64 : len), p);
        p += len;
    }
    return 0;
}

static int set_creds(af_gen *g, af_error *err)
{
    const af_model *m = g->model;
    const char *auth = g->opts.auth;
    int rc = auth != NULL ? check_auth(auth, err) : 0;
    if (rc < 0)
        return rc;
    const char **creds =
        af_arena_calloc(&g->arena, m->n_schemes + 1, sizeof *creds);
    bool *ph = af_arena_calloc(&g->arena, m->n_schemes + 1, sizeof *ph);
    if (creds == NULL || ph == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    for (uint32_t k = 0; k < m->n_schemes; k++) {
        const af_sec_scheme *s = &m->schemes[k];
        const char *v = auth ? auth_lookup(&g->arena, auth, s->name) : NULL;
        if (v == NULL && auth != NULL)
            v = auth_lookup(&g->arena, auth, generic_key(s));
        ph[k] = v == NULL;
        creds[k] = v != NULL ? v : placeholder(s);
    }
    g->creds = creds;
    g->cred_is_placeholder = ph;
    return 0;
}

/* ---- the plan ---- */

static int copy_opts(af_gen *g, const af_gen_opts *o)
{
    if (o != NULL)
        g->opts = *o;
    af_arena *a = &g->arena;
    if ((o != NULL && o->operation != NULL &&
         (g->opts.operation = af_arena_strdup(a, o->operation)) == NULL) ||
        (o != NULL && o->path != NULL &&
         (g->opts.path = af_arena_strdup(a, o->path)) == NULL) ||
        (o != NULL && o->auth != NULL &&
         (g->opts.auth = af_arena_strdup(a, o->auth)) == NULL))
        return AF_ENOMEM;
    uint32_t k = g->opts.max_calls;
    g->max_calls = k == 0                 ? AF_GEN_MAX_CALLS_DEFAULT
                   : k > AF_GEN_MAX_CALLS ? AF_GEN_MAX_CALLS
                                          : k;
    return 0;
}

int af_gen_new(const af_model *m, const af_gen_opts *opts, af_gen **out,
               af_error *err)
{
    af_error_clear(err);
    *out = NULL;
    if (m == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0, "no model");
    af_gen *g = calloc(1, sizeof *g);
    if (g == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    af_arena_init(&g->arena);
    g->model = m;
    int rc = copy_opts(g, opts);
    if (rc == 0)
        rc = init_nodes(g);
    if (rc < 0) {
        af_gen_free(g);
        return af_error_set(err, rc, NULL, NULL, 0, 0, "out of memory");
    }
    rc = select_ops(g, err);
    if (rc == 0)
        rc = af_gen_merge_views(g, err);
    if (rc == 0 &&
        ((rc = compile_patterns(g)) < 0 || (rc = af_gen_mark_unsat(g)) < 0))
        af_error_set(err, rc, NULL, NULL, 0, 0, "out of memory");
    if (rc == 0)
        rc = set_creds(g, err);
    if (rc == 0)
        rc = af_gen_feeds(g, err);
    if (rc < 0) {
        af_gen_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void af_gen_free(af_gen *g)
{
    if (g == NULL)
        return;
    af_arena_free(&g->arena);
    free(g);
}

const char *af_violation_name(af_violation_kind kind)
{
    static const char *const names[] = {
        "none",           "type",           "minimum",        "maximum",
        "multiple_of",    "min_length",     "max_length",     "pattern",
        "format",         "enum",           "const",          "required",
        "additional",     "min_items",      "max_items",      "unique_items",
        "min_properties", "max_properties", "one_of",         "not",
        "missing_param",  "param_type",     "malformed_body", "content_type",
        "missing_body",   "auth_missing",   "auth_corrupt"};
    if ((unsigned)kind >= sizeof names / sizeof names[0])
        return "unknown";
    return names[kind];
}

const char *af_gen_mode_name(af_gen_mode mode)
{
    return mode == AF_GEN_NEGATIVE ? "negative"
           : mode == AF_GEN_MIXED  ? "mixed"
                                   : "positive";
}
