/*
 * merge.c - plan-time views of composite schemas: allOf branches (and a
 * 2020-12 $ref beside other keywords) merged into one node the generator
 * can build values from, and oneOf/anyOf branches merged with their
 * parent's other keywords.
 *
 * Merging intersects types (null by nullable, integer inside number),
 * tightens numeric, string, array and object bounds, unions properties
 * and `required`, and gives a property constrained by several branches a
 * synthesized allOf node of its own. What a view cannot express (two
 * patterns, two enums, additionalProperties across branches, nested
 * composition) sets CHECK_VERIFY: the value is then confirmed by the
 * matcher against the original node and regenerated if needed.
 *
 * Runs once per process; the number of synthesized nodes is capped so a
 * pathological spec cannot make the plan explode.
 */
#include "gen/gen_internal.h"

#include <math.h>
#include <string.h>

#define VIEW_PENDING ((af_idx)-2)
#define VIEW_BUSY ((af_idx)-3)
#define MAX_MERGE_DEPTH 64

af_idx af_gen_add_node(af_gen *g, const af_schema *raw, af_idx origin)
{
    if (g->n_nodes >= (uint32_t)INT32_MAX / 2)
        return AF_NONE;
    if (g->n_nodes == g->cap_nodes) {
        uint32_t cap = g->cap_nodes < 64 ? 64 : g->cap_nodes * 2;
        af_gen_node *n =
            af_arena_grow(&g->arena, g->nodes, g->n_nodes, cap, sizeof *n);
        if (n == NULL)
            return AF_NONE;
        g->nodes = n;
        g->cap_nodes = cap;
    }
    af_idx i = (af_idx)g->n_nodes++;
    memset(&g->nodes[i], 0, sizeof g->nodes[i]);
    g->nodes[i].raw = raw;
    g->nodes[i].view = i;
    g->nodes[i].origin = origin;
    return i;
}

static void schema_empty(af_schema *s, const char *pointer)
{
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
}

uint32_t af_gen_types(const af_schema *s)
{
    uint32_t t = s->types;
    if (s->flags & AF_SCHEMA_NULLABLE)
        t |= AF_TYPE_NULL;
    if (t & AF_TYPE_NUMBER)
        t |= AF_TYPE_INTEGER;
    return t;
}

typedef struct merger {
    af_gen *g;
    unsigned depth;
    bool is_lossy;
    bool is_failed; /* out of memory or node cap */
} merger;

static af_idx view_of(merger *mg, af_idx i);

/* A synthesized node allOf [a, b] standing for model node origin. */
static af_idx synth_all_of(merger *mg, af_idx a, af_idx b)
{
    af_gen *g = mg->g;
    if (a == AF_NONE || a == b)
        return b;
    if (b == AF_NONE)
        return a;
    af_schema *s = af_arena_alloc(&g->arena, sizeof *s);
    af_idx *br = af_arena_alloc(&g->arena, 2 * sizeof *br);
    if (s == NULL || br == NULL ||
        g->n_nodes > 8 * g->model->n_schemas + 4096) {
        mg->is_failed = s == NULL || br == NULL;
        mg->is_lossy = true;
        return a;
    }
    schema_empty(s, af_gen_raw(g, a)->pointer);
    br[0] = a;
    br[1] = b;
    s->all_of = br;
    s->n_all_of = 2;
    af_idx n = af_gen_add_node(g, s, g->nodes[af_gen_norm(g, a)].origin);
    if (n == AF_NONE) {
        mg->is_failed = true;
        return a;
    }
    g->nodes[n].view = VIEW_PENDING;
    view_of(mg, n);
    return n;
}

static void merge_numbers(af_schema *m, const af_schema *s, bool *lossy)
{
    if (s->flags & AF_SCHEMA_HAS_MINIMUM) {
        bool ex = (s->flags & AF_SCHEMA_EXCL_MINIMUM) != 0;
        if (!(m->flags & AF_SCHEMA_HAS_MINIMUM) || s->minimum > m->minimum) {
            m->minimum = s->minimum;
            m->flags = (m->flags & ~AF_SCHEMA_EXCL_MINIMUM) |
                       (ex ? AF_SCHEMA_EXCL_MINIMUM : 0);
        } else if (s->minimum == m->minimum && ex) {
            m->flags |= AF_SCHEMA_EXCL_MINIMUM;
        }
        m->flags |= AF_SCHEMA_HAS_MINIMUM;
    }
    if (s->flags & AF_SCHEMA_HAS_MAXIMUM) {
        bool ex = (s->flags & AF_SCHEMA_EXCL_MAXIMUM) != 0;
        if (!(m->flags & AF_SCHEMA_HAS_MAXIMUM) || s->maximum < m->maximum) {
            m->maximum = s->maximum;
            m->flags = (m->flags & ~AF_SCHEMA_EXCL_MAXIMUM) |
                       (ex ? AF_SCHEMA_EXCL_MAXIMUM : 0);
        } else if (s->maximum == m->maximum && ex) {
            m->flags |= AF_SCHEMA_EXCL_MAXIMUM;
        }
        m->flags |= AF_SCHEMA_HAS_MAXIMUM;
    }
    if (!(s->flags & AF_SCHEMA_HAS_MULTIPLE))
        return;
    if (!(m->flags & AF_SCHEMA_HAS_MULTIPLE)) {
        m->multiple_of = s->multiple_of;
        m->flags |= AF_SCHEMA_HAS_MULTIPLE;
        return;
    }
    /* The least common multiple when one exists with a small factor. */
    double a = m->multiple_of, b = s->multiple_of;
    for (int k = 1; k <= 1000; k++) {
        double q = a * k / b;
        if (q == floor(q)) {
            m->multiple_of = a * k;
            return;
        }
    }
    *lossy = true;
}

static void merge_scalars(af_schema *m, const af_schema *s, bool *lossy)
{
    if (s->flags & AF_SCHEMA_FALSE)
        m->flags |= AF_SCHEMA_FALSE;
    uint32_t t = af_gen_types(m) & af_gen_types(s);
    m->types = t;
    m->flags &= ~AF_SCHEMA_NULLABLE;
    m->flags |= s->flags & (AF_SCHEMA_HAS_TYPE | AF_SCHEMA_READ_ONLY |
                            AF_SCHEMA_WRITE_ONLY | AF_SCHEMA_UNIQUE_ITEMS);
    merge_numbers(m, s, lossy);
    if (s->min_length > m->min_length)
        m->min_length = s->min_length;
    if (s->max_length < m->max_length)
        m->max_length = s->max_length;
    if (s->pattern != NULL) {
        if (m->pattern == NULL) {
            m->pattern = s->pattern;
            m->pattern_re = s->pattern_re;
            m->flags |= s->flags & AF_SCHEMA_PATTERN_BAD;
        } else if (strcmp(m->pattern, s->pattern) != 0) {
            *lossy = true;
        }
    }
    if (s->format != AF_FORMAT_NONE) {
        if (m->format == AF_FORMAT_NONE) {
            m->format = s->format;
            m->format_name = s->format_name;
        } else if (m->format != s->format) {
            *lossy = true;
        }
    }
    if (s->flags & AF_SCHEMA_HAS_ENUM) {
        *lossy |= (m->flags & AF_SCHEMA_HAS_ENUM) != 0;
        if (!(m->flags & AF_SCHEMA_HAS_ENUM))
            m->enum_values = s->enum_values;
        m->flags |= AF_SCHEMA_HAS_ENUM;
    }
    if (s->flags & AF_SCHEMA_HAS_CONST) {
        *lossy |= (m->flags & AF_SCHEMA_HAS_CONST) != 0;
        if (!(m->flags & AF_SCHEMA_HAS_CONST))
            m->const_value = s->const_value;
        m->flags |= AF_SCHEMA_HAS_CONST;
    }
}

static void merge_arrays(merger *mg, af_schema *m, const af_schema *s)
{
    if (s->min_items > m->min_items)
        m->min_items = s->min_items;
    if (s->max_items < m->max_items)
        m->max_items = s->max_items;
    m->items = synth_all_of(mg, m->items, s->items);
    if (s->n_prefix_items > 0) {
        uint32_t n = m->n_prefix_items > s->n_prefix_items ? m->n_prefix_items
                                                           : s->n_prefix_items;
        af_idx *p = af_arena_alloc(&mg->g->arena, n * sizeof *p);
        if (p == NULL) {
            mg->is_failed = true;
            return;
        }
        for (uint32_t k = 0; k < n; k++) {
            af_idx a = k < m->n_prefix_items ? m->prefix_items[k] : m->items;
            af_idx b = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
            p[k] = synth_all_of(mg, a, b);
        }
        m->prefix_items = p;
        m->n_prefix_items = n;
    }
    if (s->contains != AF_NONE) {
        mg->is_lossy = true;
        if (m->contains == AF_NONE)
            m->contains = s->contains;
    }
}

static int find_prop(const af_prop *p, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (strcmp(p[k].name, name) == 0)
            return (int)k;
    return -1;
}

static bool has_name(const char *const *names, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return true;
    return false;
}

/* Properties: union, shared names constrained by both. */
static void merge_props(merger *mg, af_schema *m, const af_schema *s)
{
    af_arena *a = &mg->g->arena;
    uint32_t cap = m->n_props + s->n_props;
    af_prop *p = af_arena_alloc(a, (cap + 1) * sizeof *p);
    const char **req =
        af_arena_alloc(a, (m->n_required + s->n_required + 1) * sizeof *req);
    if (p == NULL || req == NULL) {
        mg->is_failed = true;
        return;
    }
    if (m->n_props > 0)
        memcpy(p, m->props, m->n_props * sizeof *p);
    uint32_t n = m->n_props;
    for (uint32_t k = 0; k < s->n_props; k++) {
        int at = find_prop(p, n, s->props[k].name);
        if (at < 0)
            p[n++] = s->props[k];
        else
            p[at].schema = synth_all_of(mg, p[at].schema, s->props[k].schema);
    }
    uint32_t n_req = m->n_required;
    if (n_req > 0)
        memcpy(req, m->required, n_req * sizeof *req);
    for (uint32_t k = 0; k < s->n_required; k++)
        if (!has_name(req, n_req, s->required[k]))
            req[n_req++] = s->required[k];
    for (uint32_t k = 0; k < n; k++)
        p[k].is_required = has_name(req, n_req, p[k].name);
    m->props = p;
    m->n_props = n;
    m->required = req;
    m->n_required = n_req;
}

static void merge_objects(merger *mg, af_schema *m, const af_schema *s)
{
    /* additionalProperties of one branch restricts the names the other
       branches add: the matcher confirms those values. */
    if ((s->additional_properties != AF_NONE && m->n_props > 0) ||
        (m->additional_properties != AF_NONE && s->n_props > 0))
        mg->is_lossy = true;
    merge_props(mg, m, s);
    m->additional_properties =
        synth_all_of(mg, m->additional_properties, s->additional_properties);
    m->property_names = synth_all_of(mg, m->property_names, s->property_names);
    if (s->n_pattern_props > 0) {
        if (m->n_pattern_props > 0)
            mg->is_lossy = true;
        else {
            m->pattern_props = s->pattern_props;
            m->n_pattern_props = s->n_pattern_props;
        }
    }
    if (s->min_properties > m->min_properties)
        m->min_properties = s->min_properties;
    if (s->max_properties < m->max_properties)
        m->max_properties = s->max_properties;
    if (s->n_dep_required > 0 || s->n_dep_schemas > 0)
        mg->is_lossy = true;
}

static void merge_composition(merger *mg, af_schema *m, const af_schema *s)
{
    if (s->n_one_of > 0) {
        mg->is_lossy |= m->n_one_of > 0;
        if (m->n_one_of == 0) {
            m->one_of = s->one_of;
            m->n_one_of = s->n_one_of;
        }
    }
    if (s->n_any_of > 0) {
        mg->is_lossy |= m->n_any_of > 0;
        if (m->n_any_of == 0) {
            m->any_of = s->any_of;
            m->n_any_of = s->n_any_of;
        }
    }
    if (s->not_schema != AF_NONE || s->if_schema != AF_NONE ||
        s->dynamic_ref != AF_NONE || s->metaschema != 0)
        mg->is_lossy = true;
    if (m->discriminator == NULL && s->discriminator != NULL) {
        m->discriminator = s->discriminator;
        m->mapping = s->mapping;
        m->n_mapping = s->n_mapping;
    }
}

static void merge_into(merger *mg, af_schema *m, af_idx branch)
{
    af_idx v = view_of(mg, branch);
    const af_schema *s = mg->g->nodes[v].raw;
    if (s->n_all_of > 0 || s->ref != AF_NONE)
        mg->is_lossy = true; /* a cycle: branch taken as written */
    merge_scalars(m, s, &mg->is_lossy);
    merge_arrays(mg, m, s);
    merge_objects(mg, m, s);
    merge_composition(mg, m, s);
}

/* The view of node i: itself, or a new node with allOf merged in. */
static af_idx view_of(merger *mg, af_idx i)
{
    af_gen *g = mg->g;
    i = af_gen_norm(g, i);
    af_idx v = g->nodes[i].view;
    if (v >= 0)
        return v;
    if (v == VIEW_BUSY || mg->depth >= MAX_MERGE_DEPTH) {
        mg->is_lossy = true;
        return i;
    }
    g->nodes[i].view = VIEW_BUSY;
    const af_schema *raw = g->nodes[i].raw;
    af_schema *m = af_arena_memdup(&g->arena, raw, sizeof *m);
    if (m == NULL) {
        mg->is_failed = true;
        g->nodes[i].view = i;
        return i;
    }
    bool outer_lossy = mg->is_lossy;
    mg->is_lossy = false;
    m->types = af_gen_types(raw);
    m->flags &= ~AF_SCHEMA_NULLABLE;
    m->all_of = NULL;
    m->n_all_of = 0;
    m->ref = AF_NONE;
    mg->depth++;
    for (uint32_t k = 0; k < raw->n_all_of; k++)
        merge_into(mg, m, raw->all_of[k]);
    if (raw->ref != AF_NONE)
        merge_into(mg, m, raw->ref);
    mg->depth--;
    af_idx n = af_gen_add_node(g, m, g->nodes[i].origin);
    if (n == AF_NONE) {
        mg->is_failed = true;
        n = i;
    }
    g->nodes[i].view = n;
    if (mg->is_lossy)
        g->nodes[i].check |= CHECK_VERIFY;
    mg->is_lossy = outer_lossy || mg->is_lossy;
    return n;
}

/* Whether s constrains nothing but through oneOf/anyOf. */
static bool is_bare_composition(const af_schema *s)
{
    return !(s->flags & ~(AF_SCHEMA_DEPRECATED)) && s->n_props == 0 &&
           s->n_required == 0 && s->min_length == 0 &&
           s->max_length == AF_UNBOUNDED && s->pattern == NULL &&
           s->format == AF_FORMAT_NONE && s->min_items == 0 &&
           s->max_items == AF_UNBOUNDED && s->items == AF_NONE &&
           s->n_prefix_items == 0 && s->additional_properties == AF_NONE &&
           s->n_pattern_props == 0 && s->min_properties == 0 &&
           s->max_properties == AF_UNBOUNDED && s->not_schema == AF_NONE &&
           s->if_schema == AF_NONE && s->property_names == AF_NONE &&
           s->contains == AF_NONE;
}

/* Branch views of a oneOf/anyOf view node: each branch merged with the
   node's other keywords. */
static void branch_views(merger *mg, af_idx v)
{
    af_gen *g = mg->g;
    const af_schema *s = g->nodes[v].raw;
    const af_idx *br = s->n_one_of > 0 ? s->one_of : s->any_of;
    uint32_t n = s->n_one_of > 0 ? s->n_one_of : s->n_any_of;
    if (n == 0 || g->nodes[v].branch_views != NULL)
        return;
    af_idx *out = af_arena_alloc(&g->arena, n * sizeof *out);
    af_schema *own = af_arena_memdup(&g->arena, s, sizeof *own);
    if (out == NULL || own == NULL) {
        mg->is_failed = true;
        return;
    }
    own->one_of = own->any_of = NULL;
    own->n_one_of = own->n_any_of = 0;
    bool is_bare = is_bare_composition(s) && s->types == AF_TYPE_ANY;
    af_idx own_idx = is_bare ? AF_NONE : af_gen_add_node(g, own, v);
    if (!is_bare && own_idx != AF_NONE)
        g->nodes[own_idx].origin = g->nodes[v].origin;
    for (uint32_t k = 0; k < n; k++)
        out[k] = own_idx == AF_NONE ? af_gen_norm(g, br[k])
                                    : synth_all_of(mg, own_idx, br[k]);
    g->nodes[v].branch_views = out;
}

static void set_checks(af_gen *g, af_idx i)
{
    const af_schema *s = g->nodes[i].raw;
    uint32_t c = 0;
    if (s->n_one_of > 1)
        c |= CHECK_ONE_OF;
    if (s->not_schema != AF_NONE)
        c |= CHECK_NOT;
    if (s->if_schema != AF_NONE || s->n_dep_required > 0 ||
        s->n_dep_schemas > 0 || s->contains != AF_NONE ||
        (s->n_one_of > 0 && s->n_any_of > 0) ||
        (s->flags & AF_SCHEMA_HAS_ENUM && s->flags & AF_SCHEMA_HAS_CONST))
        c |= CHECK_COND;
    g->nodes[i].check |= c;
}

int af_gen_merge_views(af_gen *g, af_error *err)
{
    merger mg = {.g = g};
    uint32_t n_model = g->model->n_schemas;
    for (uint32_t i = 0; i < n_model; i++) {
        const af_schema *s = g->nodes[i].raw;
        if (s->n_all_of > 0 || s->ref != AF_NONE)
            g->nodes[i].view = VIEW_PENDING;
    }
    for (uint32_t i = 0; i < n_model && !mg.is_failed; i++) {
        mg.is_lossy = false;
        view_of(&mg, (af_idx)i);
    }
    /* Views made so far (and the branch merges they cause) get branch
       views; the loop picks up nodes added while it runs. */
    for (uint32_t i = 0; i < g->n_nodes && !mg.is_failed; i++) {
        if (g->nodes[i].view < 0)
            g->nodes[i].view = (af_idx)i;
        set_checks(g, (af_idx)i);
        if (g->nodes[i].view == (af_idx)i)
            branch_views(&mg, (af_idx)i);
    }
    if (mg.is_failed)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                            "out of memory building the generator's plan");
    return 0;
}
