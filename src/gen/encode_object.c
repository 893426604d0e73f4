/*
 * encode_object.c - objects and arrays for the encoder, mirroring
 * object.c: required members first, a presence choice per optional
 * property in document order, then the extra members (count, source,
 * generated key, value); arrays as a length then their items.
 *
 * Invariants: every member of the JSON object is accounted for exactly
 * once (named, or extra), else the value is refused; member order does
 * not matter (values compare as JSON). Not a hot path.
 */
#include "gen/encode_internal.h"

#include <string.h>

static bool is_skipped(const af_ectx *e, af_idx schema)
{
    return af_gen_is_skipped(e->g, e->is_request, schema);
}

/* Whether a body member is fed by an earlier call (decode.c has_feed). */
static bool is_fed(const af_ectx *e, const char *name)
{
    const af_gen *g = e->g;
    if (e->hook_op == UINT32_MAX || e->depth != 1)
        return false;
    for (uint32_t f = g->feed_first[e->hook_op];
         f < g->feed_first[e->hook_op + 1]; f++) {
        const af_feed *fd = &g->feeds[f];
        if (fd->consumer_param == UINT32_MAX && fd->consumer_pointer != NULL &&
            strcmp(fd->consumer_pointer + 1, name) == 0)
            return true;
    }
    return false;
}

static int enc_member(af_ectx *e, const char *name, af_idx schema,
                      const cJSON *v)
{
    size_t old = af_enc_push(e, name);
    int rc = 0;
    if (is_fed(e, name)) /* producer byte 0: a fresh value */
        rc = af_enc_status(e, af_choice_write_index(e->w, 256, 0),
                           AF_ENC_UNSUPPORTED, "the producer choice");
    if (rc == 0)
        rc = af_enc_value(e, schema, v);
    if (rc == 0)
        e->ptr_len = old;
    return rc;
}

typedef struct obj_enc {
    const cJSON *j;
    bool *used; /* per member of j, in order */
    uint32_t n_json, n_built;
} obj_enc;

static int member_index(const obj_enc *o, const char *name)
{
    int k = 0;
    for (const cJSON *m = o->j->child; m != NULL; m = m->next, k++)
        if (strcmp(m->string, name) == 0)
            return k;
    return -1;
}

static int enc_required(af_ectx *e, const af_schema *s, obj_enc *o)
{
    for (uint32_t k = 0; k < s->n_required; k++) {
        const char *name = s->required[k];
        const af_prop *p = af_gen_find_prop(s, name);
        af_idx sch = p != NULL ? p->schema : af_gen_other_schema(s, name);
        int at = member_index(o, name);
        if (is_skipped(e, sch) || (at >= 0 && o->used[at]))
            continue;
        if (at < 0)
            return af_enc_refuse(e, AF_ENC_INVALID,
                                 "required property '%s' missing", name);
        int rc = enc_member(e, name, sch,
                            cJSON_GetObjectItemCaseSensitive(o->j, name));
        if (rc < 0)
            return rc;
        o->used[at] = true;
        o->n_built++;
    }
    return 0;
}

static int enc_optional(af_ectx *e, const af_schema *s, obj_enc *o)
{
    bool is_deep = e->depth + 1 >= AF_GEN_MAX_DEPTH;
    for (uint32_t k = 0; k < s->n_props; k++) {
        const af_prop *p = &s->props[k];
        if (p->is_required || is_skipped(e, p->schema))
            continue;
        int at = member_index(o, p->name);
        bool is_present = at >= 0 && !o->used[at];
        int rc = af_choice_write_bool(e->w, is_present);
        if (rc < 0)
            return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "a presence");
        if (!is_present)
            continue;
        if (af_gen_is_false(e->g, p->schema) || o->n_built >= s->max_properties)
            return af_enc_refuse(e, AF_ENC_INVALID, "property '%s' not allowed",
                                 p->name);
        if (is_deep || e->nodes_left == 0)
            return af_enc_refuse(e, AF_ENC_CAP, "depth or node cap");
        rc = enc_member(e, p->name, p->schema, cJSON_GetArrayItem(o->j, at));
        if (rc < 0)
            return rc;
        o->used[at] = true;
        o->n_built++;
    }
    return 0;
}

/* The key of an additionalProperties member (object.c extra_key). */
static int enc_extra_key(af_ectx *e, const af_schema *s, const char *key)
{
    if (s->property_names != AF_NONE) {
        cJSON tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.type = cJSON_String;
        tmp.valuestring = (char *)(uintptr_t)key;
        return af_enc_value(e, s->property_names, &tmp);
    }
    if (e->is_form && strpbrk(key, "[]") != NULL)
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                             "form keys are generated without [ ]");
    bool was_ascii = e->is_ascii;
    e->is_ascii = true;
    size_t len = strlen(key);
    int rc = len > 16 ? af_enc_refuse(e, AF_ENC_CAP,
                                      "generated keys are 1..16 characters")
                      : af_enc_plain(e, 1, 16, key, len);
    e->is_ascii = was_ascii;
    return rc;
}

static int enc_extra(af_ectx *e, af_idx vi, const af_schema *s, uint32_t n_src,
                     const cJSON *m)
{
    uint32_t src = 0,
             hits = af_gen_pattern_hits(s, m->string, strlen(m->string), &src);
    size_t old = af_enc_push(e, m->string);
    af_regex *const *pre = e->g->nodes[vi].prop_regex;
    if (hits > 1 || (hits == 1 && (pre == NULL || pre[src] == NULL)))
        return af_enc_refuse(e, AF_ENC_UNSUPPORTED,
                             "key matches %u patternProperties", hits);
    if (hits == 0 && n_src == s->n_pattern_props)
        return af_enc_refuse(e, AF_ENC_INVALID, "additional property");
    if (hits == 0)
        src = s->n_pattern_props;
    int rc = af_choice_write_index(e->w, n_src, src);
    if (rc < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "the key source");
    if (hits == 1)
        rc = af_enc_status(e,
                           af_regex_encode(pre[src], e->w, m->string,
                                           strlen(m->string), 0, 32),
                           AF_ENC_UNSUPPORTED, "the key from its pattern");
    else
        rc = enc_extra_key(e, s, m->string);
    af_idx sch =
        hits == 1 ? s->pattern_props[src].schema : s->additional_properties;
    if (rc == 0)
        rc = af_enc_value(e, sch, m);
    if (rc == 0)
        e->ptr_len = old;
    return rc;
}

static int enc_extras(af_ectx *e, af_idx vi, const af_schema *s, obj_enc *o)
{
    uint32_t n_src = s->n_pattern_props;
    if (!af_gen_is_false(e->g, s->additional_properties) &&
        !af_gen_is_false(e->g, s->unevaluated_properties))
        n_src++;
    uint32_t k = o->n_json - o->n_built;
    if (n_src == 0)
        return k == 0 ? 0
                      : af_enc_refuse(e, AF_ENC_INVALID,
                                      "additional properties not allowed");
    if (k > AF_GEN_MAX_PROPS)
        return af_enc_refuse(e, AF_ENC_CAP, "%u extra members, cap %u", k,
                             AF_GEN_MAX_PROPS);
    if (k > 0 && (e->depth >= AF_GEN_MAX_DEPTH || e->nodes_left == 0))
        return af_enc_refuse(e, AF_ENC_CAP, "depth or node cap");
    int rc;
    if (s->additional_properties != AF_NONE || s->n_pattern_props > 0)
        rc = af_choice_write_size(e->w, AF_GEN_MAX_PROPS + 1, k);
    else
        rc = af_choice_write_index(e->w, 256, k == 0 ? 0 : 240 + (k - 1));
    if (rc < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "the member count");
    uint32_t at = 0;
    for (const cJSON *m = o->j->child; m != NULL; m = m->next, at++) {
        if (o->used[at])
            continue;
        if (o->n_built >= s->max_properties)
            return af_enc_refuse(e, AF_ENC_INVALID, "too many properties");
        if ((rc = enc_extra(e, vi, s, n_src, m)) < 0)
            return rc;
        o->n_built++;
    }
    return 0;
}

int af_enc_object(af_ectx *e, af_idx vi, const af_schema *s, const cJSON *j)
{
    obj_enc o = {.j = j};
    o.n_json = (uint32_t)cJSON_GetArraySize(j);
    o.used = af_arena_calloc(e->w->arena, o.n_json + 1, sizeof *o.used);
    if (o.used == NULL)
        return AF_ENOMEM;
    e->depth++;
    int rc = enc_required(e, s, &o);
    if (rc == 0)
        rc = enc_optional(e, s, &o);
    if (rc == 0)
        rc = enc_extras(e, vi, s, &o);
    if (rc == 0 && o.n_built < s->min_properties)
        rc = af_enc_refuse(e, AF_ENC_INVALID, "fewer than %u properties",
                           s->min_properties);
    e->depth--;
    return rc;
}

/* ---- arrays ---- */

int af_enc_array(af_ectx *e, const af_schema *s, const cJSON *j)
{
    uint32_t n = (uint32_t)cJSON_GetArraySize(j);
    uint32_t min = s->min_items, max = s->max_items;
    if (af_gen_is_false(e->g, s->items) && max > s->n_prefix_items)
        max = s->n_prefix_items;
    if (max < min)
        max = min;
    uint64_t span = max - min;
    if (span > AF_GEN_MAX_ITEMS)
        span = AF_GEN_MAX_ITEMS;
    if (n < min || n > max)
        return af_enc_refuse(e, AF_ENC_INVALID, "%u items out of bounds", n);
    if (n > min + span || n > e->nodes_left ||
        (n != min && e->depth + 1 >= AF_GEN_MAX_DEPTH))
        return af_enc_refuse(e, AF_ENC_CAP, "%u items past the caps", n);
    int rc = af_choice_write_size(e->w, span + 1, n - min);
    if (rc < 0)
        return af_enc_status(e, rc, AF_ENC_UNSUPPORTED, "the length");
    e->depth++;
    uint32_t k = 0;
    for (const cJSON *it = j->child; it != NULL && rc == 0; it = it->next) {
        af_idx sch = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        size_t old = af_enc_push_index(e, k++);
        rc = af_enc_value(e, sch, it);
        if (rc == 0)
            e->ptr_len = old;
    }
    e->depth--;
    return rc;
}
