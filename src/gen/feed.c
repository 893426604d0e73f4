/*
 * feed.c - producer -> consumer pairs ("feeds") for stateful programs.
 *
 * Where the spec has OpenAPI links, they are the feeds: a link of a 2xx
 * response whose parameter is "$response.body#/pointer" feeds the named
 * parameter of the target operation. Otherwise pairs are inferred from
 * names and types, as RESTler does: a top-level field of an operation's
 * 2xx response (201 preferred, then 200; the request body's `id` when the
 * response has no schema) feeds
 *   - a parameter or body property of the same name when the name is an
 *     identifier (ends in "id", but is not just "id"), or a path
 *     parameter of the same name;
 *   - from field `id` of a collection path /bookings: parameters and body
 *     properties booking_id, bookingId (also bookings_id, bookingsId), and
 *     `{id}` of paths under /bookings/.
 * A pair needs compatible types (a string parameter takes anything);
 * readOnly body properties are never consumers.
 *
 * Plan time only; the result is sorted by consumer so that decoding finds
 * an operation's feeds by index (g->feed_first).
 */
#include "gen/gen_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct feed_list {
    af_gen *g;
    af_feed *f;
    uint32_t n, cap;
    bool is_failed;
} feed_list;

static char *pointer_to(af_arena *a, const char *name)
{
    size_t n = strlen(name), extra = 0;
    for (size_t k = 0; k < n; k++)
        extra += name[k] == '~' || name[k] == '/';
    char *p = af_arena_alloc(a, n + extra + 2);
    if (p == NULL)
        return NULL;
    size_t o = 0;
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

static void add(feed_list *l, uint32_t prod, const char *prod_ptr,
                uint32_t cons, uint32_t param, const char *cons_ptr,
                bool is_link)
{
    for (uint32_t k = 0; k < l->n; k++) {
        const af_feed *f = &l->f[k];
        if (f->producer_op == prod && f->consumer_op == cons &&
            f->consumer_param == param &&
            strcmp(f->producer_pointer, prod_ptr) == 0 &&
            (cons_ptr == NULL) == (f->consumer_pointer == NULL) &&
            (cons_ptr == NULL || strcmp(cons_ptr, f->consumer_pointer) == 0))
            return;
    }
    if (l->n == l->cap) {
        uint32_t cap = l->cap < 16 ? 16 : 2 * l->cap;
        af_feed *f = af_arena_grow(&l->g->arena, l->f, l->n, cap, sizeof *f);
        if (f == NULL) {
            l->is_failed = true;
            return;
        }
        l->f = f;
        l->cap = cap;
    }
    l->f[l->n++] = (af_feed){.producer_op = prod,
                             .producer_pointer = prod_ptr,
                             .consumer_op = cons,
                             .consumer_param = param,
                             .consumer_pointer = cons_ptr,
                             .is_from_link = is_link};
}

/* ---- links ---- */

static int32_t link_param(const af_operation *op, const char *name)
{
    static const char *const ins[] = {"path.", "query.", "header.", "cookie."};
    for (int in = 0; in < 4; in++) {
        size_t n = strlen(ins[in]);
        if (strncmp(name, ins[in], n) != 0)
            continue;
        for (uint32_t k = 0; k < op->n_params; k++)
            if ((int)op->params[k].in == in &&
                strcmp(op->params[k].name, name + n) == 0)
                return (int32_t)k;
    }
    for (uint32_t k = 0; k < op->n_params; k++)
        if (strcmp(op->params[k].name, name) == 0)
            return (int32_t)k;
    return -1;
}

static void from_link(feed_list *l, uint32_t prod, const af_link *ln)
{
    const af_model *m = l->g->model;
    static const char body[] = "$response.body#";
    if (ln->target_op < 0 || (uint32_t)ln->target_op >= m->n_ops)
        return;
    const af_operation *target = &m->ops[ln->target_op];
    for (uint32_t k = 0; k < ln->n_params; k++) {
        const char *e = ln->params[k].expression;
        if (e == NULL || strncmp(e, body, sizeof body - 1) != 0)
            continue;
        int32_t p = link_param(target, ln->params[k].name);
        if (p >= 0)
            add(l, prod, e + sizeof body - 1, (uint32_t)ln->target_op,
                (uint32_t)p, NULL, true);
    }
}

static bool links(feed_list *l)
{
    const af_model *m = l->g->model;
    bool any = false;
    for (uint32_t o = 0; o < m->n_ops; o++)
        for (uint32_t r = 0; r < m->ops[o].n_responses; r++) {
            const af_response *resp = &m->ops[o].responses[r];
            any |= resp->n_links > 0;
            if (resp->status_lo < 200 || resp->status_hi > 299)
                continue;
            for (uint32_t k = 0; k < resp->n_links; k++)
                from_link(l, o, &resp->links[k]);
        }
    return any;
}

/* ---- inference ---- */

static bool is_json(const char *type)
{
    return strstr(type, "json") != NULL;
}

/* The object schema of the first JSON media type of a body/response. */
static const af_schema *json_object(const af_gen *g, const af_media *media,
                                    uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (!is_json(media[k].type) || media[k].schema == AF_NONE)
            continue;
        const af_schema *s = af_gen_view(g, media[k].schema);
        if (s->n_props > 0)
            return s;
    }
    return NULL;
}

/* The response the producer's fields come from: 201, 200, another 2xx. */
static const af_response *success(const af_operation *op)
{
    const af_response *best = NULL;
    int rank = 0;
    for (uint32_t k = 0; k < op->n_responses; k++) {
        const af_response *r = &op->responses[k];
        if (r->status_lo < 200 || r->status_hi > 299)
            continue;
        int rk = r->status_lo == 201 ? 3 : r->status_lo == 200 ? 2 : 1;
        if (rk > rank)
            best = r, rank = rk;
    }
    return best;
}

/* The collection name of a path: "/bookings/" -> "bookings". */
static size_t collection(const char *path, const char **name)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *name = path + start;
    if (n == start || path[start] == '{')
        return 0;
    return n - start;
}

static bool ends_with_id(const char *name)
{
    size_t n = strlen(name);
    return n >= 2 && strcasecmp(name + n - 2, "id") == 0;
}

/* Whether consumer name `c` is "<resource>_id" / "<resource>Id" for the
   collection res (plural or singular). */
static bool names_resource(const char *c, const char *res, size_t len)
{
    size_t sing = len;
    if (len > 3 && strncmp(res + len - 3, "ies", 3) == 0)
        sing = len - 3; /* categories -> categor(y) */
    else if (len > 1 && res[len - 1] == 's')
        sing = len - 1;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? len : sing;
        if (strncasecmp(c, res, n) != 0)
            continue;
        const char *rest = c + n;
        if (pass == 1 && sing == len - 3) {
            if (*rest != 'y' && *rest != 'Y')
                continue;
            rest++;
        }
        if (strcmp(rest, "_id") == 0 || strcmp(rest, "Id") == 0 ||
            strcmp(rest, "ID") == 0 || strcmp(rest, "-id") == 0)
            return true;
    }
    return false;
}

static bool types_fit(const af_gen *g, af_idx field, af_idx consumer)
{
    uint32_t c = af_gen_types(af_gen_view(g, consumer));
    uint32_t f = af_gen_types(af_gen_view(g, field));
    return (c & AF_TYPE_STRING) || (c & f) != 0;
}

typedef struct producer {
    uint32_t op;
    const char *path;
    const af_prop *fields;
    uint32_t n_fields;
} producer;

static bool pairs(const producer *p, const af_prop *f, const char *cname,
                  const char *cpath, bool is_path_param)
{
    const char *res;
    size_t len = collection(p->path, &res);
    bool is_id = strcmp(f->name, "id") == 0;
    if (!is_id && strcmp(f->name, cname) == 0 &&
        (ends_with_id(cname) || is_path_param))
        return true;
    if (!is_id || len == 0)
        return false;
    if (names_resource(cname, res, len))
        return true;
    /* {id} of a path under the collection: /bookings/{id} */
    size_t plen = strlen(p->path);
    while (plen > 0 && p->path[plen - 1] == '/')
        plen--;
    return is_path_param && strcmp(cname, "id") == 0 &&
           strncmp(cpath, p->path, plen) == 0 && cpath[plen] == '/' &&
           cpath[plen + 1] == '{';
}

static void infer_for(feed_list *l, const producer *p, uint32_t c)
{
    const af_gen *g = l->g;
    const af_operation *op = &g->model->ops[c];
    af_arena *a = &l->g->arena;
    for (uint32_t k = 0; k < p->n_fields; k++) {
        const af_prop *f = &p->fields[k];
        for (uint32_t j = 0; j < op->n_params; j++) {
            const af_param *q = &op->params[j];
            if (pairs(p, f, q->name, op->path, q->in == AF_IN_PATH) &&
                types_fit(g, f->schema, q->schema))
                add(l, p->op, pointer_to(a, f->name), c, j, NULL, false);
        }
        const af_schema *body =
            op->body ? json_object(g, op->body->media, op->body->n_media)
                     : NULL;
        for (uint32_t j = 0; body != NULL && j < body->n_props; j++) {
            const af_prop *q = &body->props[j];
            bool is_read_only =
                (af_gen_view(g, q->schema)->flags & AF_SCHEMA_READ_ONLY) != 0;
            if (!is_read_only && pairs(p, f, q->name, op->path, false) &&
                types_fit(g, f->schema, q->schema))
                add(l, p->op, pointer_to(a, f->name), c, UINT32_MAX,
                    pointer_to(a, q->name), false);
        }
    }
}

static void infer(feed_list *l)
{
    const af_gen *g = l->g;
    const af_model *m = g->model;
    static af_prop id_field = {.name = "id", .schema = AF_NONE};
    for (uint32_t o = 0; o < m->n_ops; o++) {
        const af_operation *op = &m->ops[o];
        const af_response *r = success(op);
        if (r == NULL)
            continue;
        producer p = {.op = o, .path = op->path};
        const af_schema *s = json_object(g, r->media, r->n_media);
        const af_schema *req =
            op->body ? json_object(g, op->body->media, op->body->n_media)
                     : NULL;
        if (s != NULL) {
            p.fields = s->props;
            p.n_fields = s->n_props;
        } else if (req != NULL && strcmp(op->method, "POST") == 0) {
            for (uint32_t k = 0; k < req->n_props; k++)
                if (strcmp(req->props[k].name, "id") == 0)
                    p.fields = &req->props[k], p.n_fields = 1;
        } else if (strcmp(op->method, "POST") == 0) {
            p.fields = &id_field; /* a created resource has an id */
            p.n_fields = 1;
        }
        for (uint32_t c = 0; c < m->n_ops && p.n_fields > 0; c++)
            infer_for(l, &p, c);
    }
}

static int cmp_feed(const void *pa, const void *pb)
{
    const af_feed *a = pa, *b = pb;
    if (a->consumer_op != b->consumer_op)
        return a->consumer_op < b->consumer_op ? -1 : 1;
    if (a->consumer_param != b->consumer_param)
        return a->consumer_param < b->consumer_param ? -1 : 1;
    if (a->producer_op != b->producer_op)
        return a->producer_op < b->producer_op ? -1 : 1;
    int c = strcmp(a->producer_pointer, b->producer_pointer);
    if (c != 0 || a->consumer_pointer == NULL || b->consumer_pointer == NULL)
        return c;
    return strcmp(a->consumer_pointer, b->consumer_pointer);
}

int af_gen_feeds(af_gen *g, af_error *err)
{
    feed_list l = {.g = g};
    if (!links(&l))
        infer(&l);
    uint32_t n_ops = g->model->n_ops;
    uint32_t *first = af_arena_alloc(&g->arena, (n_ops + 1) * sizeof *first);
    for (uint32_t k = 0; k < l.n && !l.is_failed; k++)
        l.is_failed = l.f[k].producer_pointer == NULL ||
                      (l.f[k].consumer_param == UINT32_MAX &&
                       l.f[k].consumer_pointer == NULL);
    if (first == NULL || l.is_failed)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                            "out of memory building feeds");
    if (l.n > 1)
        qsort(l.f, l.n, sizeof *l.f, cmp_feed);
    uint32_t k = 0;
    for (uint32_t o = 0; o <= n_ops; o++) {
        while (k < l.n && l.f[k].consumer_op < o)
            k++;
        first[o] = k;
    }
    g->feeds = l.f;
    g->n_feeds = l.n;
    g->feed_first = first;
    return 0;
}
