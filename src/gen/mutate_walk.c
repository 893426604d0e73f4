/*
 * mutate_walk.c - the layout of a decoded input for the mutator: every
 * node (parameter and body values, members, items) with the plan node it
 * was decoded with, its decoding context and the offsets of its own
 * choices (branch, type and enum indexes, string and array lengths); the
 * optional slots (presence bytes of parameters, properties and bodies);
 * the calls.
 *
 * The walk mirrors the decoder's reading order (decode.c, value.c,
 * object.c) and checks it against the spans the decoder recorded; where
 * they disagree (a cap hit, a value regenerated or violated) the node is
 * kept whole: regenerated, never edited inside.
 *
 * Tuned for one walk per mutation: nothing is allocated but the node
 * arrays (kept between calls) and the decoder's arena.
 */
#include "gen/mutate_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct wctx {
    af_mutator *mu;
    af_mlayout *l;
    const af_gen *g;
    uint32_t call, op;
    int status;
} wctx;

/* ---- choice bytes ---- */

uint32_t af_mut_index_width(uint64_t n)
{
    uint32_t w = 0;
    for (uint64_t m = n > 1 ? n - 1 : 0; m != 0; m >>= 8)
        w++;
    return w;
}

static uint32_t leb_width(uint64_t max)
{
    uint32_t w = 0;
    for (; max != 0; max >>= 7)
        w++;
    return w;
}

static uint64_t peek_index(const af_mlayout *l, size_t off, uint64_t n)
{
    uint32_t w = af_mut_index_width(n);
    uint64_t v = 0;
    for (uint32_t i = 0; i < w; i++)
        v |= (uint64_t)af_mut_byte(l, off + i) << (8 * i);
    return n <= 1 ? 0 : v % n;
}

/* af_choice_size at off; *used: the bytes it reads. */
static uint64_t peek_size(const af_mlayout *l, size_t off, uint64_t n,
                          uint32_t *used)
{
    uint32_t w = n > 1 ? leb_width(n - 1) : 0;
    uint64_t v = 0;
    *used = 0;
    for (uint32_t i = 0; i < w; i++) {
        uint8_t b = af_mut_byte(l, off + i);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        (*used)++;
        if ((b & 0x80) == 0)
            break;
    }
    return n <= 1 ? 0 : v % n;
}

uint32_t af_mut_put_index(uint8_t *buf, uint64_t n, uint64_t v)
{
    uint32_t w = af_mut_index_width(n);
    for (uint32_t i = 0; i < w; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return w;
}

uint32_t af_mut_put_size(uint8_t *buf, uint64_t n, uint64_t v)
{
    uint32_t k = 0;
    if (n <= 1)
        return 0;
    while (v >= 0x80) {
        buf[k++] = (uint8_t)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    buf[k++] = (uint8_t)v;
    return k;
}

/* ---- feeds (decode.c's rules) ---- */

static bool param_fed(const af_gen *g, uint32_t op, uint32_t param)
{
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++)
        if (g->feeds[f].consumer_param == param && param != UINT32_MAX)
            return true;
    return false;
}

bool af_mut_body_fed(const af_gen *g, uint32_t op, const char *name)
{
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++) {
        const af_feed *fd = &g->feeds[f];
        if (fd->consumer_param == UINT32_MAX && fd->consumer_pointer != NULL &&
            strcmp(fd->consumer_pointer + 1, name) == 0)
            return true;
    }
    return false;
}

bool af_mut_is_binary(const af_gen *g, const af_media *m)
{
    if (strstr(m->type, "json") != NULL || strncmp(m->type, "text/", 5) == 0 ||
        strstr(m->type, "form") != NULL || strstr(m->type, "xml") != NULL)
        return false;
    if (m->schema == AF_NONE)
        return true;
    const af_schema *s = af_gen_view(g, m->schema);
    return (s->types & AF_TYPE_STRING) &&
           (s->format == AF_FORMAT_BINARY || s->format == AF_FORMAT_NONE);
}

/* ---- nodes ---- */

static int32_t push_node(wctx *w, const af_mnode *n)
{
    af_mlayout *l = w->l;
    if (l->n_nodes == l->cap_nodes) {
        uint32_t cap = l->cap_nodes ? 2 * l->cap_nodes : 64;
        af_mnode *p = realloc(l->nodes, cap * sizeof *p);
        if (p == NULL) {
            w->status = AF_ENOMEM;
            return -1;
        }
        l->nodes = p;
        l->cap_nodes = cap;
    }
    l->nodes[l->n_nodes] = *n;
    return (int32_t)l->n_nodes++;
}

static void push_slot(wctx *w, const af_mslot *s)
{
    af_mlayout *l = w->l;
    if (l->n_slots == l->cap_slots) {
        uint32_t cap = l->cap_slots ? 2 * l->cap_slots : 32;
        af_mslot *p = realloc(l->slots, cap * sizeof *p);
        if (p == NULL) {
            w->status = AF_ENOMEM;
            return;
        }
        l->slots = p;
        l->cap_slots = cap;
    }
    l->slots[l->n_slots++] = *s;
}

static bool is_plain_format(af_format f)
{
    return f == AF_FORMAT_NONE || f == AF_FORMAT_OTHER ||
           f == AF_FORMAT_BINARY || f == AF_FORMAT_PASSWORD ||
           f >= AF_FORMAT_INT32;
}

/* A length then that many raw bytes at n->content (af_choice_bytes over
   min..min+span): true when the node's span is exactly that. */
static bool plain_bytes(const af_mlayout *l, af_mnode *n, size_t min,
                        size_t span)
{
    uint32_t used;
    uint64_t q = peek_size(l, n->content, span + 1, &used);
    uint64_t end = (uint64_t)n->content + used + min + q;
    n->data = n->content + used;
    n->min = (uint32_t)min;
    n->span = (uint32_t)span;
    if (end == n->end) {
        n->count = (uint32_t)(min + q);
        return true;
    }
    /* cut by the end of the input: shortened to the bytes there */
    if (n->end < end && n->end >= l->size && n->end >= n->data + min) {
        n->count = n->end - n->data;
        n->flags |= NF_CUT;
        return true;
    }
    return false;
}

static void layout_string(const af_mlayout *l, af_mnode *n,
                          const af_gen_node *gv, const af_schema *s)
{
    size_t min = s->min_length, max = s->max_length;
    n->kind = MK_PSTR;
    if (gv->regex != NULL || !is_plain_format(s->format) ||
        min > AF_CHOICE_MAX_BYTES)
        return;
    if (max == AF_UNBOUNDED || max - min > AF_GEN_MAX_STRING)
        max = min + AF_GEN_MAX_STRING;
    if (max > AF_CHOICE_MAX_BYTES)
        max = AF_CHOICE_MAX_BYTES;
    if (plain_bytes(l, n, min, max - min))
        n->kind = MK_STR;
}

static uint8_t type_kind(uint32_t t)
{
    switch (t) {
    case AF_TYPE_STRING:
        return MK_STR;
    case AF_TYPE_INTEGER:
        return MK_INT;
    case AF_TYPE_NUMBER:
        return MK_NUM;
    case AF_TYPE_BOOLEAN:
        return MK_BOOL;
    case AF_TYPE_OBJECT:
        return MK_OBJ;
    case AF_TYPE_ARRAY:
        return MK_ARR;
    default:
        return MK_NULL;
    }
}

static bool kind_fits(uint8_t kind, af_vkind v)
{
    switch (kind) {
    case MK_CONST:
    case MK_ENUM:
        return true;
    case MK_NULL:
        return v == AF_V_NULL;
    case MK_BOOL:
        return v == AF_V_BOOL;
    case MK_INT:
        return v == AF_V_INT;
    case MK_NUM:
        return v == AF_V_NUMBER;
    case MK_STR:
        return v == AF_V_STRING;
    case MK_OBJ:
        return v == AF_V_OBJECT;
    case MK_ARR:
        return v == AF_V_ARRAY;
    default:
        return false;
    }
}

/* The indexes value.c reads before a node's content (oneOf/anyOf
   branch, enum, type), from the input; sets kind, view and content. */
/* value.c gen_typed: the type index; returns the offset after it. */
static uint32_t resolve_type(const wctx *w, af_mnode *n, const af_schema *s,
                             uint32_t p)
{
    uint32_t t = af_gen_allowed_types(s), list[AF_GEN_N_TYPES], nt = 0;
    for (size_t k = 0; k < AF_GEN_N_TYPES; k++)
        if (t & af_gen_type_order[k])
            list[nt++] = af_gen_type_order[k];
    n->tsel = p;
    n->n_types = nt;
    n->kind = nt > 0 ? type_kind(list[peek_index(w->l, p, nt)]) : MK_NULL;
    return p + af_mut_index_width(nt);
}

static void resolve(const wctx *w, af_mnode *n)
{
    const af_gen *g = w->g;
    af_idx i = af_gen_norm(g, n->gnode);
    uint32_t p = n->vstart, check = 0;
    for (int guard = 0; guard < 16; guard++) {
        af_idx vi = g->nodes[i].view;
        const af_schema *s = g->nodes[vi].raw;
        check |= g->nodes[i].check | g->nodes[vi].check;
        n->view = vi;
        if (s->flags & AF_SCHEMA_HAS_CONST) {
            n->kind = MK_CONST;
        } else if (s->flags & AF_SCHEMA_HAS_ENUM && s->enum_values != NULL) {
            int k = cJSON_GetArraySize(s->enum_values);
            n->kind = k > 0 ? MK_ENUM : MK_CONST;
            n->sel = p;
            n->n_sel = k > 0 ? (uint32_t)k : 0;
            p += af_mut_index_width(n->n_sel);
        } else if (g->nodes[vi].branch_views != NULL) {
            uint32_t nb = s->n_one_of > 0 ? s->n_one_of : s->n_any_of;
            if (n->n_bsel == 0)
                n->bsel = p, n->n_bsel = nb;
            uint32_t k = (uint32_t)peek_index(w->l, p, nb);
            p += af_mut_index_width(nb);
            i = af_gen_norm(g, g->nodes[vi].branch_views[k]);
            continue;
        } else {
            p = resolve_type(w, n, s, p);
        }
        break;
    }
    n->content = p;
    if (check != 0)
        n->flags |= NF_CHECKED;
    if (p > n->end || !kind_fits(n->kind, n->v->kind))
        n->kind = MK_OTHER;
    else if (n->kind == MK_STR)
        layout_string(w->l, n, &g->nodes[n->view], g->nodes[n->view].raw);
}

/* Context flags a node passes to its children. */
static uint16_t child_flags(const af_gen *g, const af_mnode *n)
{
    const af_schema *s = g->nodes[n->view].raw;
    uint16_t f = n->flags & (NF_ASCII | NF_FORM | NF_FRAGILE);
    if (n->flags & NF_CHECKED || s->flags & AF_SCHEMA_UNIQUE_ITEMS ||
        s->max_properties != AF_UNBOUNDED || s->min_properties > 0)
        f |= NF_FRAGILE;
    return f;
}

static int32_t walk_value(wctx *w, const af_value *v, af_idx gi, uint16_t depth,
                          uint16_t flags, int32_t parent, uint32_t param,
                          const char *name);

static int32_t walk_member(wctx *w, int32_t me, const af_mnode *n,
                           const af_member *m, af_idx sch, bool is_named)
{
    uint16_t f = child_flags(w->g, n);
    bool is_fed = is_named && (n->flags & NF_HOOK) &&
                  af_mut_body_fed(w->g, w->op, m->name);
    return walk_value(w, &m->value, sch, (uint16_t)(n->depth + 1),
                      f | (is_fed ? NF_FED : 0), me, UINT32_MAX,
                      is_fed ? m->name : NULL);
}

static bool seen_before(const af_member *m, uint32_t k, const char *name)
{
    for (uint32_t j = 0; j < k; j++)
        if (strcmp(m[j].name, name) == 0)
            return true;
    return false;
}

/* object.c named_members, step by step: the required members, in the
   order of `required`. Returns the cursor, UINT32_MAX when the spans
   disagree. */
static uint32_t walk_required(wctx *w, int32_t me, const af_mnode *n,
                              uint32_t *k)
{
    const af_schema *s = w->g->nodes[n->view].raw;
    const af_member *m = n->v->u.obj.members;
    uint32_t nm = n->v->u.obj.n, cur = n->content;
    for (uint32_t r = 0; r < s->n_required; r++) {
        const char *name = s->required[r];
        const af_prop *p = af_gen_find_prop(s, name);
        af_idx sch = p != NULL ? p->schema : af_gen_other_schema(s, name);
        if (af_gen_is_skipped(w->g, true, sch) || seen_before(m, *k, name))
            continue;
        if (*k >= nm || strcmp(m[*k].name, name) != 0 ||
            m[*k].value.start != cur)
            return UINT32_MAX;
        walk_member(w, me, n, &m[*k], sch, true);
        cur = m[(*k)++].value.end;
    }
    return cur;
}

/* Then one presence byte per optional property (document order), each
   a slot. */
static uint32_t walk_optional(wctx *w, int32_t me, const af_mnode *n,
                              uint32_t *k, uint32_t cur)
{
    const af_gen *g = w->g;
    const af_schema *s = g->nodes[n->view].raw;
    const af_member *m = n->v->u.obj.members;
    bool is_deep = n->depth + 2u >= AF_GEN_MAX_DEPTH;
    uint16_t cf = child_flags(g, n);
    for (uint32_t j = 0; j < s->n_props && cur != UINT32_MAX; j++) {
        const af_prop *p = &s->props[j];
        if (p->is_required || af_gen_is_skipped(g, true, p->schema))
            continue;
        uint32_t byte = cur++;
        bool bit = af_mut_byte(w->l, byte) & 1;
        bool has = *k < n->v->u.obj.n && strcmp(m[*k].name, p->name) == 0;
        if (has && (!bit || m[*k].value.start != cur))
            return UINT32_MAX;
        bool is_fed =
            (n->flags & NF_HOOK) && af_mut_body_fed(g, w->op, p->name);
        af_mslot sl = {.call = w->call,
                       .byte = byte,
                       .end = cur,
                       .gnode = p->schema,
                       .param = UINT32_MAX,
                       .depth = (uint16_t)(n->depth + 1),
                       .flags = (uint16_t)(cf | (is_fed ? NF_FED : 0)),
                       .kind = SLOT_PROP,
                       .is_present = has};
        if (has) {
            walk_member(w, me, n, &m[*k], p->schema, true);
            cur = sl.end = m[(*k)++].value.end;
        }
        if ((has || !bit) && !is_deep && !af_gen_is_false(g, p->schema))
            push_slot(w, &sl);
    }
    return cur;
}

static void walk_object(wctx *w, int32_t me)
{
    af_mnode n = w->l->nodes[me];
    uint32_t k = 0;
    uint32_t cur = walk_required(w, me, &n, &k);
    if (cur != UINT32_MAX)
        cur = walk_optional(w, me, &n, &k, cur);
    const af_schema *s = w->g->nodes[n.view].raw;
    const af_member *m = n.v->u.obj.members;
    /* extra members: their keys' choices lie between them */
    for (; cur != UINT32_MAX && k < n.v->u.obj.n; k++) {
        if (m[k].value.start < cur)
            break;
        if (m[k].value.start < m[k].value.end)
            cur = m[k].value.end;
        walk_member(w, me, &n, &m[k], af_gen_other_schema(s, m[k].name), false);
    }
}

/* object.c af_gen_array: a length over min..min+span, then the items. */
static void walk_array(wctx *w, int32_t me)
{
    const af_gen *g = w->g;
    af_mnode n = w->l->nodes[me];
    const af_schema *s = g->nodes[n.view].raw;
    uint32_t min = s->min_items, max = s->max_items, used;
    if (af_gen_is_false(g, s->items) && max > s->n_prefix_items)
        max = s->n_prefix_items;
    if (max < min)
        max = min;
    uint32_t span = max - min > AF_GEN_MAX_ITEMS ? AF_GEN_MAX_ITEMS : max - min;
    uint64_t count = min + peek_size(w->l, n.content, span + 1, &used);
    if (n.depth + 1u >= AF_GEN_MAX_DEPTH)
        count = min;
    uint32_t cur = n.content + used;
    const af_value *items = n.v->u.arr.items;
    bool ok = count == n.v->u.arr.n && min <= 4 * AF_GEN_MAX_ITEMS;
    af_mnode *me_n = &w->l->nodes[me];
    me_n->data = cur;
    me_n->count = n.v->u.arr.n;
    me_n->min = min;
    me_n->span = span;
    uint16_t cf = child_flags(g, &n);
    for (uint32_t j = 0; j < n.v->u.arr.n; j++) {
        if (items[j].start != cur) {
            ok = false;
            break;
        }
        af_idx sch = j < s->n_prefix_items ? s->prefix_items[j] : s->items;
        walk_value(w, &items[j], sch, (uint16_t)(n.depth + 1), cf, me,
                   UINT32_MAX, NULL);
        cur = items[j].end;
    }
    if (ok && w->status == 0)
        w->l->nodes[me].flags |= NF_ITEMS_OK;
}

static int32_t walk_value(wctx *w, const af_value *v, af_idx gi, uint16_t depth,
                          uint16_t flags, int32_t parent, uint32_t param,
                          const char *name)
{
    if (v == NULL || v->end <= v->start || w->status != 0)
        return -1;
    af_mnode n;
    memset(&n, 0, sizeof n);
    n.v = v;
    if (v->kind == AF_V_BACKREF) {
        if (!(flags & NF_FED) || v->u.ref.fallback == NULL)
            return -1;
        n.v = v->u.ref.fallback;
        flags |= NF_LINKED;
    }
    n.start = v->start;
    n.end = v->end;
    n.vstart = v->start + ((flags & NF_FED) ? 1u : 0u);
    if (n.vstart >= n.end)
        return -1;
    n.gnode = gi;
    n.call = w->call;
    n.parent = parent;
    n.param = param;
    n.name = name;
    n.depth = depth;
    n.flags = flags;
    resolve(w, &n);
    int32_t me = push_node(w, &n);
    if (me >= 0 && n.kind == MK_OBJ)
        walk_object(w, me);
    else if (me >= 0 && n.kind == MK_ARR)
        walk_array(w, me);
    return me;
}

static void walk_binary(wctx *w, const af_value *v)
{
    if (v == NULL || v->end <= v->start || v->kind != AF_V_STRING)
        return;
    af_mnode n;
    memset(&n, 0, sizeof n);
    n.v = v;
    n.gnode = AF_NONE;
    n.view = AF_NONE;
    n.start = n.vstart = n.content = v->start;
    n.end = v->end;
    n.call = w->call;
    n.parent = -1;
    n.param = UINT32_MAX;
    n.flags = NF_BIN;
    n.kind =
        plain_bytes(w->l, &n, 0, AF_GEN_MAX_RENDERED / 4) ? MK_BIN : MK_OTHER;
    push_node(w, &n);
}

/* ---- calls (decode.c's reading order) ---- */

static uint16_t param_flags(const af_param *p)
{
    return (p->in == AF_IN_HEADER || p->in == AF_IN_COOKIE) ? NF_ASCII
           : p->in == AF_IN_QUERY                           ? NF_FORM
                                                            : 0;
}

/* Parameters: presence byte (optional ones), value. Returns the cursor
   after them, UINT32_MAX when unknown. */
static uint32_t walk_args(wctx *w, const af_call *call, uint32_t p)
{
    const af_operation *op = &w->g->model->ops[call->op];
    int32_t auth = op->n_security > 0 ? af_gen_auth_param(op) : -1;
    for (uint32_t j = 0; j < call->n_args; j++) {
        const af_param *pa = &op->params[j];
        const af_arg *arg = &call->args[j];
        uint16_t fl = param_flags(pa);
        if ((int32_t)j == auth) {
            p = UINT32_MAX; /* the alternative and the text: not walked */
            continue;
        }
        if (param_fed(w->g, call->op, j))
            fl |= NF_FED;
        bool bit = true;
        if (!pa->is_required) {
            if (p != UINT32_MAX && arg->value.start == p + 1) {
                bit = af_mut_byte(w->l, p) & 1;
                af_mslot sl = {.call = w->call,
                               .byte = p,
                               .end = bit ? arg->value.end : p + 1,
                               .gnode = pa->schema,
                               .param = j,
                               .flags = fl,
                               .kind = SLOT_PARAM,
                               .is_present = bit};
                if (!af_gen_is_unsat(w->g, pa->schema))
                    push_slot(w, &sl);
            } else {
                bit = arg->is_present;
                p = UINT32_MAX;
            }
        } else if (arg->value.start != p) {
            p = UINT32_MAX;
        }
        if (arg->is_present && bit)
            walk_value(w, &arg->value, pa->schema, 0, fl, -1, j, NULL);
        if (p != UINT32_MAX)
            p = arg->value.end;
    }
    return p;
}

/* Body: presence byte (optional bodies), media index, value. p is the
   cursor, UINT32_MAX when unknown (then no slot). */
static void walk_body(wctx *w, const af_call *call, uint32_t p)
{
    const af_body *b = w->g->model->ops[call->op].body;
    if (b == NULL || b->n_media == 0)
        return;
    bool is_known = p != UINT32_MAX;
    bool is_present = call->body != NULL || b->is_required ||
                      (is_known && af_mut_byte(w->l, p) & 1);
    uint32_t byte = p;
    const af_value *v = call->body;
    if (is_known)
        p += (b->is_required ? 0 : 1) + af_mut_index_width(b->n_media);
    if (v != NULL && call->media >= 0) {
        const af_media *m = &b->media[call->media];
        if (is_known && v->start != p)
            is_known = false;
        if (af_mut_is_binary(w->g, m))
            walk_binary(w, v);
        else
            walk_value(w, v, m->schema, 0,
                       NF_HOOK | (strstr(m->type, "form") ? NF_FORM : 0), -1,
                       UINT32_MAX, NULL);
    } else if (is_present) {
        return; /* a body left out on purpose (negative): bytes unknown */
    }
    af_mslot sl = {.call = w->call,
                   .byte = byte,
                   .end = v != NULL ? v->end : byte + 1,
                   .gnode = AF_NONE,
                   .param = UINT32_MAX,
                   .kind = SLOT_BODY,
                   .is_present = v != NULL};
    if (!b->is_required && is_known)
        push_slot(w, &sl);
}

static void walk_call(wctx *w, uint32_t c)
{
    const af_gen *g = w->g;
    const af_call *call = &w->l->prog.calls[c];
    const af_operation *op = &g->model->ops[call->op];
    af_mcall *mc = &w->l->calls[c];
    w->call = c;
    w->op = call->op;
    mc->start = call->start;
    mc->end = call->end;
    mc->op = call->op;
    mc->first_node = w->l->n_nodes;
    uint32_t p = call->start + af_mut_index_width(g->n_ops);
    mc->neg_byte = UINT32_MAX;
    mc->is_neg = g->opts.mode == AF_GEN_NEGATIVE;
    if (g->opts.mode == AF_GEN_MIXED) {
        mc->neg_byte = p;
        mc->is_neg = af_mut_byte(w->l, p++) & 1;
    }
    /* the violation's choices end the call */
    if (mc->is_neg && mc->end < p + 3)
        mc->is_neg = false, mc->neg_byte = UINT32_MAX;
    p = walk_args(w, call, p);
    if (p != UINT32_MAX && op->n_security > 0 && af_gen_auth_param(op) < 0)
        p += af_mut_index_width(op->n_security);
    walk_body(w, call, p);
    mc->n_nodes = w->l->n_nodes - mc->first_node;
}

int af_mut_layout(af_mutator *mu, af_mlayout *l, const uint8_t *data,
                  size_t size)
{
    l->data = data;
    l->size = size;
    l->n_nodes = l->n_slots = l->n_calls = 0;
    int rc = af_program_decode(mu->g, &mu->arena, data, size, &l->prog, NULL);
    if (rc < 0)
        return rc;
    wctx w = {.mu = mu, .l = l, .g = mu->g};
    for (uint32_t c = 0; c < l->prog.n_calls && w.status == 0; c++)
        walk_call(&w, c);
    l->n_calls = l->prog.n_calls;
    return w.status;
}

void af_mut_layout_free(af_mlayout *l)
{
    free(l->nodes);
    free(l->slots);
    memset(l, 0, sizeof *l);
}
