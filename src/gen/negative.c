/*
 * negative.c - negative mode: exactly one violation per negative call, at
 * one chosen place, of a kind that applies there (DESIGN.md "Negative
 * mode").
 *
 * The call is first decoded as a positive one. Then every place where a
 * violation applies becomes a candidate site: a required parameter
 * (leave it out), a parameter's value (wrong type, bound, length,
 * pattern, enum, format), the body (leave it out, malformed JSON, a
 * Content-Type the operation does not take), every body value reached
 * through properties and items (type, bounds, multipleOf, lengths,
 * pattern, format, enum, const, required, additionalProperties, item and
 * property counts, uniqueItems, oneOf, not), the credentials (left out,
 * corrupted); an optional parameter left out may be sent with a bad
 * value. Two bytes choose the site, one byte a variant (which wrong type,
 * which malformed text). The violation is applied (violate.c) and
 * checked: the matcher must reject the value (formats: the format
 * checker), else it is undone and the next site is tried. A call with no
 * real site (no parameters, body or credentials to spoil) is decoded
 * positive.
 *
 * Recorded: kind, request pointer ("/query/limit", "/body/seats/0"), the
 * schema keyword's pointer; format violations are soft.
 */
#include "gen/negative.h"

#include <string.h>

static void add(nctx *n, af_violation_kind kind, site_at at, uint32_t arg,
                af_value *v, af_idx schema, const char *ptr, uint32_t member)
{
    if (n->n < MAX_SITES && ptr != NULL)
        n->sites[n->n++] = (site){kind, at, arg, v, schema, ptr, member};
}

static const char *in_name(af_param_in in)
{
    static const char *const names[] = {"path", "query", "header", "cookie"};
    return (unsigned)in < 4 ? names[in] : "param";
}

static char *escape(af_arena *a, const char *base, const char *name)
{
    size_t n = strlen(name), extra = 0;
    for (size_t k = 0; k < n; k++)
        extra += name[k] == '~' || name[k] == '/';
    size_t bl = strlen(base);
    char *p = af_arena_alloc(a, bl + n + extra + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, base, bl);
    size_t o = bl;
    p[o++] = '/';
    for (size_t k = 0; k < n; k++) {
        if (name[k] == '~' || name[k] == '/') {
            p[o++] = '~';
            p[o++] = name[k] == '~' ? '0' : '1';
        } else {
            p[o++] = name[k];
        }
    }
    p[o] = '\0';
    return p;
}

/* ---- sites of one value ---- */

static bool is_number(const af_value *v)
{
    return v->kind == AF_V_INT || v->kind == AF_V_NUMBER;
}

static void scalar_sites(nctx *n, site_at at, uint32_t arg, af_value *v,
                         af_idx i, const char *ptr)
{
    const af_schema *s = af_gen_view(n->x->g, i);
    uint32_t t = af_gen_types(s);
    bool is_scalar = !(t & (AF_TYPE_ARRAY | AF_TYPE_OBJECT));
    bool is_json = at == AT_BODY && !n->is_text;
    if (!is_json && !(t & AF_TYPE_STRING) && is_scalar)
        add(n, at == AT_PARAM ? AF_VIOL_PARAM_TYPE : AF_VIOL_TYPE, at, arg, v,
            i, ptr, 0);
    else if (is_json && s->flags & AF_SCHEMA_HAS_TYPE &&
             (t & AF_TYPE_ANY) != AF_TYPE_ANY)
        add(n, AF_VIOL_TYPE, at, arg, v, i, ptr, 0);
    if (is_json && s->n_one_of > 0)
        add(n, AF_VIOL_ONE_OF, at, arg, v, i, ptr, 0);
    if (is_json && s->not_schema != AF_NONE)
        add(n, AF_VIOL_NOT, at, arg, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_HAS_ENUM)
        add(n, AF_VIOL_ENUM, at, arg, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_HAS_CONST)
        add(n, AF_VIOL_CONST, at, arg, v, i, ptr, 0);
    if (is_number(v)) {
        if (s->flags & AF_SCHEMA_HAS_MINIMUM)
            add(n, AF_VIOL_MINIMUM, at, arg, v, i, ptr, 0);
        if (s->flags & AF_SCHEMA_HAS_MAXIMUM)
            add(n, AF_VIOL_MAXIMUM, at, arg, v, i, ptr, 0);
        if (s->flags & AF_SCHEMA_HAS_MULTIPLE)
            add(n, AF_VIOL_MULTIPLE_OF, at, arg, v, i, ptr, 0);
    }
    if (v->kind == AF_V_STRING) {
        if (s->min_length > (at == AT_PARAM ? 1u : 0u))
            add(n, AF_VIOL_MIN_LENGTH, at, arg, v, i, ptr, 0);
        if (s->max_length < 4096)
            add(n, AF_VIOL_MAX_LENGTH, at, arg, v, i, ptr, 0);
        if (s->pattern_re != NULL)
            add(n, AF_VIOL_PATTERN, at, arg, v, i, ptr, 0);
        if (af_gen_format_bad(s->format) != NULL)
            add(n, AF_VIOL_FORMAT, at, arg, v, i, ptr, 0);
    }
}

static bool is_false_schema(const af_gen *g, af_idx i)
{
    return i != AF_NONE && (af_gen_view(g, i)->flags & AF_SCHEMA_FALSE);
}

static af_idx member_schema(const af_schema *s, const char *name)
{
    for (uint32_t k = 0; k < s->n_props; k++)
        if (strcmp(s->props[k].name, name) == 0)
            return s->props[k].schema;
    if (s->n_pattern_props > 0)
        return AF_NONE; /* several schemas may apply: not descended */
    return s->additional_properties;
}

static void value_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth);

static void object_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                         unsigned depth)
{
    af_arena *a = n->x->a;
    const af_schema *s = af_gen_view(n->x->g, i);
    for (uint32_t k = 0; k < v->u.obj.n; k++) {
        const char *name = v->u.obj.members[k].name;
        for (uint32_t r = 0; r < s->n_required; r++)
            if (strcmp(s->required[r], name) == 0)
                add(n, AF_VIOL_REQUIRED, AT_BODY, 0, v, i, ptr, k);
    }
    if (is_false_schema(n->x->g, s->additional_properties))
        add(n, AF_VIOL_ADDITIONAL, AT_BODY, 0, v, i, ptr, 0);
    if (s->min_properties > 0)
        add(n, AF_VIOL_MIN_PROPERTIES, AT_BODY, 0, v, i, ptr, 0);
    if (s->max_properties < 64)
        add(n, AF_VIOL_MAX_PROPERTIES, AT_BODY, 0, v, i, ptr, 0);
    for (uint32_t k = 0; k < v->u.obj.n; k++) {
        af_member *m = &v->u.obj.members[k];
        af_idx c = member_schema(s, m->name);
        if (c != AF_NONE)
            value_sites(n, &m->value, c, escape(a, ptr, m->name), depth + 1);
    }
}

static void array_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth)
{
    const af_schema *s = af_gen_view(n->x->g, i);
    if (s->min_items > 0)
        add(n, AF_VIOL_MIN_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    if (s->max_items < 64 && !(s->flags & AF_SCHEMA_UNIQUE_ITEMS))
        add(n, AF_VIOL_MAX_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    if (s->flags & AF_SCHEMA_UNIQUE_ITEMS && v->u.arr.n > 0)
        add(n, AF_VIOL_UNIQUE_ITEMS, AT_BODY, 0, v, i, ptr, 0);
    for (uint32_t k = 0; k < v->u.arr.n && n->n < MAX_SITES; k++) {
        af_idx c = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        if (c != AF_NONE)
            value_sites(n, &v->u.arr.items[k], c,
                        af_arena_printf(n->x->a, "%s/%u", ptr, k), depth + 1);
    }
}

static void value_sites(nctx *n, af_value *v, af_idx i, const char *ptr,
                        unsigned depth)
{
    if (ptr == NULL || v->kind == AF_V_BACKREF || depth > AF_GEN_MAX_DEPTH)
        return;
    scalar_sites(n, AT_BODY, 0, v, i, ptr);
    if (v->kind == AF_V_OBJECT)
        object_sites(n, v, i, ptr, depth);
    else if (v->kind == AF_V_ARRAY)
        array_sites(n, v, i, ptr, depth);
}

/* ---- sites of a call ---- */

/* An optional parameter left out can be sent with a bad value: its
   simplest value (no input read), to be violated. */
static void absent_sites(nctx *n, uint32_t j, const af_param *p,
                         const char *ptr)
{
    af_value *v = af_arena_alloc(n->x->a, sizeof *v);
    if (v == NULL || ptr == NULL)
        return;
    uint32_t at = n->call->args[j].value.start;
    n->x->is_ascii = p->in == AF_IN_HEADER || p->in == AF_IN_COOKIE;
    n->x->is_form = p->in == AF_IN_QUERY;
    int rc = af_gen_value_derived(n->x, p->schema, at, 0, v);
    n->x->is_ascii = n->x->is_form = false;
    if (rc < 0)
        return;
    af_gen_collapse(v, at);
    uint32_t first = n->n;
    scalar_sites(n, AT_PARAM, j, v, p->schema, ptr);
    for (uint32_t k = first; k < n->n; k++)
        n->sites[k].member = 1;
}

static bool has_wildcard(const af_body *b)
{
    for (uint32_t k = 0; k < b->n_media; k++)
        if (strchr(b->media[k].type, '*') != NULL)
            return true;
    return false;
}

static bool needs_auth(const af_operation *op)
{
    for (uint32_t k = 0; k < op->n_security; k++)
        if (op->security[k].n_schemes == 0)
            return false;
    return op->n_security > 0;
}

static void call_sites(nctx *n)
{
    af_arena *a = n->x->a;
    const af_operation *op = n->op;
    af_call *call = n->call;
    for (uint32_t j = 0; j < call->n_args; j++) {
        const af_param *p = &op->params[j];
        af_arg *arg = &call->args[j];
        char *ptr = escape(a, in_name(p->in), p->name);
        if (ptr != NULL)
            ptr = af_arena_printf(a, "/%s", ptr);
        if (p->is_required)
            add(n, AF_VIOL_MISSING_PARAM, AT_CALL, j, NULL, AF_NONE, ptr, 0);
        if (arg->is_present && arg->value.kind != AF_V_BACKREF)
            scalar_sites(n, AT_PARAM, j, &arg->value, p->schema, ptr);
        else if (!arg->is_present)
            absent_sites(n, j, p, ptr);
    }
    const af_body *b = op->body;
    if (b != NULL && b->is_required)
        add(n, AF_VIOL_MISSING_BODY, AT_CALL, 0, NULL, AF_NONE, "/body", 0);
    if (b != NULL && call->body != NULL && call->media >= 0) {
        const af_media *m = &b->media[call->media];
        n->is_text = strstr(m->type, "json") == NULL;
        if (!n->is_text)
            add(n, AF_VIOL_MALFORMED_BODY, AT_CALL, 0, NULL, AF_NONE, "/body",
                0);
        if (!has_wildcard(b))
            add(n, AF_VIOL_CONTENT_TYPE, AT_CALL, 0, NULL, AF_NONE,
                "/header/Content-Type", 0);
        if (m->schema != AF_NONE)
            value_sites(n, call->body, m->schema, "/body", 0);
    }
    if (needs_auth(op) && call->n_creds > 0) {
        const char *name = n->x->g->model->schemes[call->creds[0].scheme].name;
        const char *ptr = escape(a, "/auth", name);
        add(n, AF_VIOL_AUTH_MISSING, AT_CALL, 0, NULL, AF_NONE, ptr, 0);
        add(n, AF_VIOL_AUTH_CORRUPT, AT_CALL, 0, NULL, AF_NONE, ptr, 0);
    }
}

/* Sends a parameter that was left out, with the violated value. */
static bool make_present(nctx *n, const site *st)
{
    af_call *call = n->call;
    af_arg *args =
        af_arena_memdup(n->x->a, call->args, call->n_args * sizeof *args);
    if (args == NULL || st->v == NULL)
        return false;
    args[st->arg].is_present = true;
    args[st->arg].value = *st->v;
    call->args = args;
    return true;
}

/* Whether the applied violation makes the request invalid. */
static bool is_real(nctx *n, const site *st)
{
    const af_gen *g = n->x->g;
    if (st->at == AT_CALL)
        return true;
    if (st->kind == AF_VIOL_FORMAT)
        return st->v->kind == AF_V_STRING &&
               !af_gen_format_check(af_gen_view(g, st->schema)->format,
                                    st->v->u.str.s, st->v->u.str.len);
    if (st->at == AT_PARAM)
        return !af_gen_match(g, n->op->params[st->arg].schema, st->v, true);
    af_idx root = n->op->body->media[n->call->media].schema;
    return !af_gen_match(g, root, n->call->body, true);
}

static const char *keyword(af_violation_kind k, const af_schema *s)
{
    switch (k) {
    case AF_VIOL_TYPE:
    case AF_VIOL_PARAM_TYPE:
        return "type";
    case AF_VIOL_MINIMUM:
        return s->flags & AF_SCHEMA_EXCL_MINIMUM ? "exclusiveMinimum"
                                                 : "minimum";
    case AF_VIOL_MAXIMUM:
        return s->flags & AF_SCHEMA_EXCL_MAXIMUM ? "exclusiveMaximum"
                                                 : "maximum";
    case AF_VIOL_MULTIPLE_OF:
        return "multipleOf";
    case AF_VIOL_MIN_LENGTH:
        return "minLength";
    case AF_VIOL_MAX_LENGTH:
        return "maxLength";
    case AF_VIOL_MIN_ITEMS:
        return "minItems";
    case AF_VIOL_MAX_ITEMS:
        return "maxItems";
    case AF_VIOL_UNIQUE_ITEMS:
        return "uniqueItems";
    case AF_VIOL_MIN_PROPERTIES:
        return "minProperties";
    case AF_VIOL_MAX_PROPERTIES:
        return "maxProperties";
    case AF_VIOL_ADDITIONAL:
        return "additionalProperties";
    case AF_VIOL_ONE_OF:
        return "oneOf";
    default:
        return af_violation_name(k); /* pattern, format, enum, const,
                                        required */
    }
}

static const char *schema_pointer(nctx *n, const site *st)
{
    af_arena *a = n->x->a;
    const af_operation *op = n->op;
    switch (st->kind) {
    case AF_VIOL_MISSING_PARAM:
        return af_arena_printf(a, "%s/required", op->params[st->arg].pointer);
    case AF_VIOL_MISSING_BODY:
        return af_arena_printf(a, "%s/required", op->body->pointer);
    case AF_VIOL_MALFORMED_BODY:
    case AF_VIOL_CONTENT_TYPE:
        return af_arena_printf(a, "%s/content", op->body->pointer);
    case AF_VIOL_AUTH_MISSING:
    case AF_VIOL_AUTH_CORRUPT:
        return af_arena_printf(a, "%s/security", op->pointer);
    default: {
        const af_schema *s = af_gen_view(n->x->g, st->schema);
        return af_arena_printf(a, "%s/%s", s->pointer ? s->pointer : "",
                               keyword(st->kind, s));
    }
    }
}

int af_gen_negative(af_gctx *x, af_call *call)
{
    nctx n = {.x = x, .call = call, .op = &x->g->model->ops[call->op]};
    uint32_t pick = (uint32_t)af_choice_index(x->c, 65536);
    n.variant = (uint8_t)af_choice_index(x->c, 256);
    n.sites = af_arena_alloc(x->a, MAX_SITES * sizeof *n.sites);
    if (n.sites == NULL)
        return af_gen_oom(x);
    call_sites(&n);
    for (uint32_t t = 0; t < n.n; t++) {
        const site *st = &n.sites[(pick + t) % n.n];
        af_call saved_call = *call;
        af_value saved = st->v != NULL ? *st->v : (af_value){0};
        bool ok = st->at == AT_CALL ? af_gen_violate_call(&n, st)
                                    : af_gen_violate_value(&n, st);
        if (ok && st->at == AT_PARAM && st->member == 1)
            ok = make_present(&n, st);
        if (ok && is_real(&n, st)) {
            call->violation.kind = st->kind;
            call->violation.is_soft = st->kind == AF_VIOL_FORMAT;
            call->violation.request_pointer = st->ptr;
            call->violation.schema_pointer = schema_pointer(&n, st);
            return x->status;
        }
        *call = saved_call;
        if (st->v != NULL)
            *st->v = saved;
    }
    call->is_negative = false; /* nothing here can be violated */
    return x->status;
}
