/*
 * unsat.c - plan time: which schema nodes no value can satisfy.
 *
 * Cheap, local tests only (no search): the false schema; a const, or
 * every enum member, that the node's own keywords reject (by the
 * generator's matcher: a spec bug such as `type: array` with an enum of
 * strings); `type` whose every allowed type is emptied by contradictory
 * bounds (minimum above maximum, minLength above maxLength, minItems
 * above maxItems, minProperties above maxProperties; a merged allOf view
 * makes these out of its branches). The matcher is conservative (what it
 * rejects is invalid), so a node marked here is truly unsatisfiable; a
 * node not marked may still be. Optional properties, additional members,
 * array items and optional parameters under such a node are left out, so
 * positive calls stay positive. Runs once per plan: one matcher call per
 * enum member until one fits, in a scratch arena.
 */
#include "gen/gen_internal.h"

/* The JSON types whose own bounds leave some value. */
static uint32_t bounded_types(const af_schema *s)
{
    uint32_t t = af_gen_types(s);
    if (s->min_length > s->max_length)
        t &= ~AF_TYPE_STRING;
    if (s->min_items > s->max_items)
        t &= ~AF_TYPE_ARRAY;
    if (s->min_properties > s->max_properties)
        t &= ~AF_TYPE_OBJECT;
    if ((s->flags & AF_SCHEMA_HAS_MINIMUM) &&
        (s->flags & AF_SCHEMA_HAS_MAXIMUM) &&
        (s->minimum > s->maximum ||
         (s->minimum == s->maximum &&
          (s->flags & (AF_SCHEMA_EXCL_MINIMUM | AF_SCHEMA_EXCL_MAXIMUM)))))
        t &= ~(AF_TYPE_NUMBER | AF_TYPE_INTEGER);
    return t;
}

/* Whether JSON value j fits node i; false on AF_ENOMEM (then the node
   is not marked: the caller sees *oom). */
static bool fits(const af_gen *g, af_arena *a, af_idx i, const cJSON *j,
                 bool *oom)
{
    af_value v;
    if (af_gen_from_json(a, j, AF_NONE, &v) < 0) {
        *oom = true;
        return true;
    }
    return af_gen_match(g, i, &v, true);
}

static bool is_unsat(const af_gen *g, af_arena *a, af_idx i, bool *oom)
{
    const af_schema *s = af_gen_view(g, i);
    if (s->flags & AF_SCHEMA_FALSE)
        return true;
    if (s->flags & AF_SCHEMA_HAS_CONST)
        return s->const_value != NULL && !fits(g, a, i, s->const_value, oom);
    if ((s->flags & AF_SCHEMA_HAS_ENUM) && s->enum_values != NULL) {
        const cJSON *e;
        cJSON_ArrayForEach(
            e, s->enum_values) if (fits(g, a, i, e, oom)) return false;
        return true;
    }
    return (s->flags & AF_SCHEMA_HAS_TYPE) && bounded_types(s) == 0;
}

int af_gen_mark_unsat(af_gen *g)
{
    af_arena a;
    af_arena_init(&a);
    bool oom = false;
    for (uint32_t i = 0; i < g->n_nodes && !oom; i++)
        g->nodes[i].is_unsat = is_unsat(g, &a, (af_idx)i, &oom) && !oom;
    af_arena_free(&a);
    return oom ? AF_ENOMEM : 0;
}
