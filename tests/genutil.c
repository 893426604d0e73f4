/*
 * genutil.c - helpers of the generator's tests (test_decode.c): seeded
 * random inputs, the specs the properties run over, value dumps, span
 * checks, conversion to cJSON for the validator, and the check that a
 * negative call's recorded violation is real.
 */
#include "genutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/validate.h"
#include "spec/pattern.h"

static uint64_t rng_state;

void af_test_seed(uint64_t seed)
{
    rng_state = seed != 0 ? seed : 1;
}

uint64_t af_test_rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Random input: length 0..max, bytes biased toward small values now and
   then (as mutated fuzz inputs are). */
size_t af_test_random_input(uint8_t *buf, size_t max)
{
    size_t n = (size_t)(af_test_rnd() % (max + 1));
    bool small = af_test_rnd() % 3 == 0;
    for (size_t k = 0; k < n; k++)
        buf[k] = (uint8_t)(small ? af_test_rnd() % 4 : af_test_rnd());
    return n;
}

/* Loads a spec; one of the shared real-world specs that does not load
   (lint's business, see test_testdata_specs) gives NULL. */
af_model *af_test_load_spec(const char *path)
{
    af_model *m = NULL;
    af_error err;
    int rc = af_model_load(path, &m, &err);
    if (rc != 0 && strstr(path, "real-world-specs") != NULL)
        return NULL;
    if (rc != 0) {
        char buf[1024];
        print_error("%s\n", af_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, 0);
    return m;
}

af_gen *af_test_plan(const af_model *m, af_gen_mode mode, const char *op)
{
    if (m->n_ops == 0)
        return NULL; /* webhooks only: nothing to decode */
    af_gen_opts o = {.mode = mode, .operation = op};
    af_gen *g = NULL;
    af_error err;
    int rc = af_gen_new(m, &o, &g, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    return g;
}

/* Specs the whole-program properties run over: ours, plus the shared
   examples when the test data is there. */
int af_test_spec_paths(char paths[][512], int cap)
{
    static const char *const ours[] = {AF_TEST_TRICKY, AF_TEST_TRICKY31,
                                       AF_TEST_PETSTORE,
                                       "tests/specs/ok/bookstore-swagger.yaml",
                                       "tests/specs/ok/tictactoe-3.1.json"};
    static const char *const shared[] = {
        "schemathesis-example/booking-api.openapi.yaml",
        "openapi-examples/v3.0/petstore.yaml",
        "openapi-examples/v3.0/petstore-expanded.yaml",
        "openapi-examples/v3.0/link-example.yaml",
        "openapi-examples/v3.0/uspto.yaml",
        "openapi-examples/v3.0/api-with-examples.yaml",
        "openapi-examples/v3.0/callback-example.yaml",
        "openapi-examples/v3.1/webhook-example.yaml",
        "openapi-examples/v3.1/non-oauth-scopes.yaml",
        "openapi-examples/v2.0/yaml/petstore.yaml",
        "openapi-examples/v2.0/yaml/petstore-with-external-docs.yaml",
        "openapi-examples/v2.0/yaml/uber.yaml"};
    int n = 0;
    for (size_t k = 0; k < sizeof ours / sizeof ours[0] && n < cap; k++)
        snprintf(paths[n++], 512, "%s", ours[k]);
    const char *td = af_test_testdata();
    for (size_t k = 0; td && k < sizeof shared / sizeof shared[0] && n < cap;
         k++) {
        snprintf(paths[n], 512, "%s/%s", td, shared[k]);
        FILE *f = fopen(paths[n], "r");
        if (f != NULL) {
            fclose(f);
            n++;
        }
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/real-world-specs", td ? td : "");
    DIR *d = td ? opendir(dir) : NULL;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL && n < cap) {
        size_t len = strlen(e->d_name);
        if (len > 5 && (strcmp(e->d_name + len - 5, ".json") == 0 ||
                        strcmp(e->d_name + len - 5, ".yaml") == 0))
            snprintf(paths[n++], 512, "%s/%s", dir, e->d_name);
    }
    if (d != NULL)
        closedir(d);
    return n;
}

void af_test_dump_value(const af_value *v)
{
    switch (v->kind) {
    case AF_V_INT:
        print_error("%lld", (long long)v->u.i);
        break;
    case AF_V_NUMBER:
        print_error("%.17g", v->u.d);
        break;
    case AF_V_STRING:
        print_error("\"%.*s\"", (int)v->u.str.len, v->u.str.s);
        break;
    case AF_V_BOOL:
        print_error("%s", v->u.b ? "true" : "false");
        break;
    case AF_V_BACKREF:
        print_error("{\"$from_call\":%u,\"fallback\":", v->u.ref.call);
        af_test_dump_value(v->u.ref.fallback);
        print_error("}");
        break;
    case AF_V_ARRAY:
        print_error("[");
        for (uint32_t k = 0; k < v->u.arr.n; k++) {
            print_error(k ? "," : "");
            af_test_dump_value(&v->u.arr.items[k]);
        }
        print_error("]");
        break;
    case AF_V_OBJECT:
        print_error("{");
        for (uint32_t k = 0; k < v->u.obj.n; k++) {
            print_error("%s\"%s\":", k ? "," : "", v->u.obj.members[k].name);
            af_test_dump_value(&v->u.obj.members[k].value);
        }
        print_error("}");
        break;
    default:
        print_error("null");
    }
}

static bool spans_nest(const af_value *v, uint32_t lo, uint32_t hi)
{
    if (v->start > v->end || v->start < lo || v->end > hi)
        return false;
    uint32_t at = v->start;
    if (v->kind == AF_V_BACKREF && v->u.ref.fallback != NULL)
        return spans_nest(v->u.ref.fallback, v->start, v->end);
    uint32_t n = v->kind == AF_V_ARRAY    ? v->u.arr.n
                 : v->kind == AF_V_OBJECT ? v->u.obj.n
                                          : 0;
    for (uint32_t k = 0; k < n; k++) {
        const af_value *c = v->kind == AF_V_ARRAY ? &v->u.arr.items[k]
                                                  : &v->u.obj.members[k].value;
        if (c->start < at || !spans_nest(c, v->start, v->end))
            return false;
        at = c->end;
    }
    return true;
}

bool af_test_spans_ok(const af_program *p)
{
    uint32_t at = p->start;
    for (uint32_t c = 0; c < p->n_calls; c++) {
        const af_call *call = &p->calls[c];
        if (call->start < at || call->end < call->start || call->end > p->end)
            return false;
        uint32_t in = call->start;
        for (uint32_t j = 0; j < call->n_args; j++) {
            const af_value *v = &call->args[j].value;
            if (v->start < in || !spans_nest(v, call->start, call->end))
                return false;
            in = v->end;
        }
        if (call->body != NULL &&
            (call->body->start < in ||
             !spans_nest(call->body, call->start, call->end)))
            return false;
        at = call->end;
    }
    return true;
}

const af_value *af_test_member(const af_value *o, const char *name)
{
    if (o == NULL || o->kind != AF_V_OBJECT)
        return NULL;
    for (uint32_t k = 0; k < o->u.obj.n; k++)
        if (strcmp(o->u.obj.members[k].name, name) == 0)
            return &o->u.obj.members[k].value;
    return NULL;
}

bool af_test_is_json_media(const af_operation *op, int32_t media)
{
    return media >= 0 && strstr(op->body->media[media].type, "json") != NULL;
}

/* Formats of strings, checked along the schema views of the value. */
bool af_test_formats_ok(const af_gen *g, af_idx i, const af_value *v,
                        unsigned depth)
{
    if (i == AF_NONE || depth > 20)
        return true;
    const af_schema *s = af_gen_view(g, i);
    if (v->kind == AF_V_STRING && s->format != AF_FORMAT_NONE &&
        !af_gen_format_check(s->format, v->u.str.s, v->u.str.len)) {
        print_error("format %s: '%.*s'\n", af_format_name(s->format),
                    (int)v->u.str.len, v->u.str.s);
        return false;
    }
    for (uint32_t k = 0; v->kind == AF_V_OBJECT && k < v->u.obj.n; k++)
        for (uint32_t p = 0; p < s->n_props; p++)
            if (strcmp(s->props[p].name, v->u.obj.members[k].name) == 0 &&
                !af_test_formats_ok(g, s->props[p].schema,
                                    &v->u.obj.members[k].value, depth + 1))
                return false;
    for (uint32_t k = 0; v->kind == AF_V_ARRAY && k < v->u.arr.n; k++)
        if (!af_test_formats_ok(
                g, k < s->n_prefix_items ? s->prefix_items[k] : s->items,
                &v->u.arr.items[k], depth + 1))
            return false;
    return true;
}

double af_test_num(const af_value *v)
{
    return v->kind == AF_V_INT ? (double)v->u.i : v->u.d;
}

bool af_test_is_unique(const af_value *arr)
{
    for (uint32_t a = 0; a < arr->u.arr.n; a++)
        for (uint32_t b = 0; b < a; b++)
            if (af_value_equal(&arr->u.arr.items[a], &arr->u.arr.items[b]))
                return false;
    return true;
}

static const char *segment(const char *p, char *out, size_t cap)
{
    size_t o = 0;
    for (p++; *p != '\0' && *p != '/'; p++) {
        char ch = *p;
        if (ch == '~' && (p[1] == '0' || p[1] == '1'))
            ch = *++p == '0' ? '~' : '/';
        if (o + 1 < cap)
            out[o++] = ch;
    }
    out[o] = '\0';
    return p;
}

/* The value at a request pointer of a call, and the schema over it. */
const af_value *af_test_resolve(const af_gen *g, const af_call *call,
                                const char *ptr, af_idx *schema, int32_t *arg)
{
    const af_operation *op = &g->model->ops[call->op];
    char seg[256], name[256];
    const char *p = segment(ptr, seg, sizeof seg);
    const af_value *v = NULL;
    *arg = -1;
    if (strcmp(seg, "body") == 0) {
        v = call->body;
        *schema =
            call->media >= 0 ? op->body->media[call->media].schema : AF_NONE;
    } else {
        p = segment(p, name, sizeof name);
        for (uint32_t j = 0; j < op->n_params; j++)
            if (strcmp(op->params[j].name, name) == 0 &&
                strcmp(af_param_in_name(op->params[j].in), seg) == 0) {
                *arg = (int32_t)j;
                v = &call->args[j].value;
                *schema = op->params[j].schema;
            }
    }
    while (v != NULL && *p == '/') {
        p = segment(p, seg, sizeof seg);
        const af_schema *s = af_gen_view(g, *schema);
        if (v->kind == AF_V_ARRAY) {
            uint32_t k = (uint32_t)atoi(seg);
            v = k < v->u.arr.n ? &v->u.arr.items[k] : NULL;
            *schema = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        } else {
            v = af_test_member(v, seg);
            af_idx next = s->additional_properties;
            for (uint32_t k = 0; k < s->n_props; k++)
                if (strcmp(s->props[k].name, seg) == 0)
                    next = s->props[k].schema;
            *schema = next;
        }
    }
    return v;
}

static bool in_enum(const af_schema *s, const af_value *v)
{
    for (const cJSON *e = s->enum_values->child; e; e = e->next)
        if (af_value_equal_json(v, e))
            return true;
    return false;
}

static bool keyword_violated(af_violation_kind k, const af_schema *s,
                             const af_value *v)
{
    size_t cps =
        v->kind == AF_V_STRING ? af_gen_utf8_len(v->u.str.s, v->u.str.len) : 0;
    uint32_t n = v->kind == AF_V_ARRAY ? v->u.arr.n : v->u.obj.n;
    switch (k) {
    case AF_VIOL_TYPE:
    case AF_VIOL_PARAM_TYPE: {
        uint32_t t = af_gen_value_type(v);
        return !(af_gen_types(s) & t);
    }
    case AF_VIOL_MINIMUM:
        return af_test_num(v) < s->minimum ||
               (s->flags & AF_SCHEMA_EXCL_MINIMUM &&
                af_test_num(v) == s->minimum);
    case AF_VIOL_MAXIMUM:
        return af_test_num(v) > s->maximum ||
               (s->flags & AF_SCHEMA_EXCL_MAXIMUM &&
                af_test_num(v) == s->maximum);
    case AF_VIOL_MULTIPLE_OF:
        return af_test_num(v) / s->multiple_of !=
               floor(af_test_num(v) / s->multiple_of);
    case AF_VIOL_MIN_LENGTH:
        return cps < s->min_length;
    case AF_VIOL_MAX_LENGTH:
        return cps > s->max_length;
    case AF_VIOL_PATTERN:
        return af_pattern_match(s->pattern_re, v->u.str.s, v->u.str.len) == 0;
    case AF_VIOL_FORMAT:
        return !af_gen_format_check(s->format, v->u.str.s, v->u.str.len);
    case AF_VIOL_ENUM:
        return !in_enum(s, v);
    case AF_VIOL_CONST:
        return !af_value_equal_json(v, s->const_value);
    case AF_VIOL_REQUIRED:
        for (uint32_t r = 0; r < s->n_required; r++)
            if (af_test_member(v, s->required[r]) == NULL)
                return true;
        return false;
    case AF_VIOL_ADDITIONAL:
        for (uint32_t k2 = 0; k2 < v->u.obj.n; k2++) {
            bool known = false;
            for (uint32_t p = 0; p < s->n_props; p++)
                known |=
                    strcmp(s->props[p].name, v->u.obj.members[k2].name) == 0;
            if (!known)
                return true;
        }
        return false;
    case AF_VIOL_MIN_ITEMS:
        return n < s->min_items;
    case AF_VIOL_MAX_ITEMS:
        return n > s->max_items;
    case AF_VIOL_UNIQUE_ITEMS:
        return !af_test_is_unique(v);
    case AF_VIOL_MIN_PROPERTIES:
        return n < s->min_properties;
    case AF_VIOL_MAX_PROPERTIES:
        return n > s->max_properties;
    default:
        return false;
    }
}

/* oneOf and not, judged by the validator on the branches. */
static bool composition_violated(const af_gen *g, af_violation_kind k,
                                 const af_schema *s, const af_value *v)
{
    af_arena a;
    af_arena_init(&a);
    char why[256];
    uint32_t hits = 0;
    for (uint32_t b = 0; k == AF_VIOL_ONE_OF && b < s->n_one_of; b++)
        hits += af_test_validator_accepts(g->model, s->one_of[b], v, &a, why,
                                          sizeof why);
    bool is_not =
        k == AF_VIOL_NOT && af_test_validator_accepts(g->model, s->not_schema,
                                                      v, &a, why, sizeof why);
    af_arena_free(&a);
    return k == AF_VIOL_ONE_OF ? hits != 1 : is_not;
}

static bool keyword_violated_any(const af_gen *g, af_violation_kind k,
                                 const af_schema *s, const af_value *v)
{
    switch (k) {
    case AF_VIOL_ONE_OF:
    case AF_VIOL_NOT:
        return composition_violated(g, k, s, v);
    default:
        return keyword_violated(k, s, v);
    }
}

bool af_test_call_violated(const af_gen *g, const af_call *call)
{
    const af_operation *op = &g->model->ops[call->op];
    const af_violation *vi = &call->violation;
    af_idx schema = AF_NONE;
    int32_t arg = -1;
    switch (vi->kind) {
    case AF_VIOL_MISSING_PARAM:
        af_test_resolve(g, call, vi->request_pointer, &schema, &arg);
        return arg >= 0 && !call->args[arg].is_present &&
               op->params[arg].is_required;
    case AF_VIOL_MISSING_BODY:
        return call->body == NULL && op->body->is_required;
    case AF_VIOL_MALFORMED_BODY: {
        char *text = strndup(call->body->u.str.s, call->body->u.str.len);
        cJSON *j = cJSON_ParseWithOpts(text, NULL, 1);
        free(text);
        cJSON_Delete(j);
        return call->body->kind == AF_V_RAW && j == NULL;
    }
    case AF_VIOL_CONTENT_TYPE:
        for (uint32_t k = 0; k < op->body->n_media; k++)
            if (strcmp(op->body->media[k].type, call->content_type) == 0)
                return false;
        return true;
    case AF_VIOL_AUTH_MISSING:
        return call->n_creds == 0;
    case AF_VIOL_AUTH_CORRUPT:
        return call->n_creds > 0 && call->creds[0].is_corrupt;
    case AF_VIOL_NONE:
        return false;
    default:
        break;
    }
    const af_value *v =
        af_test_resolve(g, call, vi->request_pointer, &schema, &arg);
    if (v == NULL || schema == AF_NONE)
        return false;
    if (vi->is_soft != (vi->kind == AF_VIOL_FORMAT))
        return false;
    return keyword_violated_any(g, vi->kind, af_gen_view(g, schema), v);
}

/* Whether v holds an integer a double cannot represent (cJSON keeps
   numbers as doubles; the renderer writes them exactly). */
bool af_test_has_big_int(const af_value *v)
{
    while (v->kind == AF_V_BACKREF)
        v = v->u.ref.fallback;
    if (v->kind == AF_V_INT)
        return v->u.i > (1ll << 53) || v->u.i < -(1ll << 53);
    for (uint32_t k = 0; v->kind == AF_V_ARRAY && k < v->u.arr.n; k++)
        if (af_test_has_big_int(&v->u.arr.items[k]))
            return true;
    for (uint32_t k = 0; v->kind == AF_V_OBJECT && k < v->u.obj.n; k++)
        if (af_test_has_big_int(&v->u.obj.members[k].value))
            return true;
    return false;
}

static cJSON *to_json(const af_value *v)
{
    while (v->kind == AF_V_BACKREF)
        v = v->u.ref.fallback;
    switch (v->kind) {
    case AF_V_BOOL:
        return cJSON_CreateBool(v->u.b);
    case AF_V_INT:
        return cJSON_CreateNumber((double)v->u.i);
    case AF_V_NUMBER:
        return cJSON_CreateNumber(v->u.d);
    case AF_V_STRING: {
        char *t = strndup(v->u.str.s, v->u.str.len);
        cJSON *j = cJSON_CreateString(t);
        free(t);
        return j;
    }
    case AF_V_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (uint32_t k = 0; k < v->u.arr.n; k++)
            cJSON_AddItemToArray(a, to_json(&v->u.arr.items[k]));
        return a;
    }
    case AF_V_OBJECT: {
        cJSON *o = cJSON_CreateObject();
        for (uint32_t k = 0; k < v->u.obj.n; k++)
            cJSON_AddItemToObject(o, v->u.obj.members[k].name,
                                  to_json(&v->u.obj.members[k].value));
        return o;
    }
    default:
        return cJSON_CreateNull();
    }
}

/* Whether the validator accepts v for schema i (formats asserted as the
   dialect says, request direction). */
bool af_test_validator_accepts(const af_model *m, af_idx i, const af_value *v,
                               af_arena *a, char *why, size_t cap)
{
    cJSON *j = to_json(v);
    af_validate_opts o = {.direction = AF_DIRECTION_REQUEST};
    af_validation out;
    af_arena_reset(a);
    int rc = af_validate(m, i, j, &o, a, &out);
    cJSON_Delete(j);
    if (!out.is_valid && out.n_errors > 0)
        snprintf(why, cap, "%s at '%s': %s", out.errors[0].schema,
                 out.errors[0].instance, out.errors[0].reason);
    return rc == 0 && out.is_valid;
}

/* ---- programs as node lists ---- */

void af_test_flatten(const af_gen *g, flist *l, const af_value *v,
                     uint32_t depth, bool fragile)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->f = realloc(l->f, l->cap * sizeof *l->f);
    }
    uint32_t me = l->n++;
    l->f[me] = (flat){v, depth, 1, fragile};
    if (v->schema != AF_NONE) {
        const af_gen_node *nd = &g->nodes[v->schema];
        fragile |= (nd->check | g->nodes[nd->view].check) != 0;
        fragile |=
            (af_gen_view(g, v->schema)->flags & AF_SCHEMA_UNIQUE_ITEMS) != 0;
        fragile |= af_gen_view(g, v->schema)->max_properties != AF_UNBOUNDED;
        fragile |= af_gen_view(g, v->schema)->min_properties > 0;
    }
    if (v->kind == AF_V_BACKREF && v->u.ref.fallback != NULL)
        af_test_flatten(g, l, v->u.ref.fallback, depth + 1, fragile);
    if (v->kind == AF_V_ARRAY)
        for (uint32_t k = 0; k < v->u.arr.n; k++)
            af_test_flatten(g, l, &v->u.arr.items[k], depth + 1, fragile);
    if (v->kind == AF_V_OBJECT)
        for (uint32_t k = 0; k < v->u.obj.n; k++)
            af_test_flatten(g, l, &v->u.obj.members[k].value, depth + 1,
                            fragile);
    l->f[me].size = l->n - me;
}

void af_test_flatten_program(const af_gen *g, flist *l, const af_program *p)
{
    static const af_value absent = {.kind = AF_V_NULL, .schema = AF_NONE};
    for (uint32_t c = 0; c < p->n_calls; c++) {
        for (uint32_t j = 0; j < p->calls[c].n_args; j++)
            af_test_flatten(g, l,
                            p->calls[c].args[j].is_present
                                ? &p->calls[c].args[j].value
                                : &absent,
                            0, false);
        af_test_flatten(g, l, p->calls[c].body ? p->calls[c].body : &absent, 0,
                        false);
    }
}

/* Same node, children aside (names, kinds, scalars). */
bool af_test_same_node(const af_value *a, const af_value *b)
{
    if (a->kind != b->kind || a->schema != b->schema)
        return false;
    switch (a->kind) {
    case AF_V_BOOL:
        return a->u.b == b->u.b;
    case AF_V_INT:
        return a->u.i == b->u.i;
    case AF_V_NUMBER:
        return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    case AF_V_STRING:
    case AF_V_RAW:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case AF_V_ARRAY:
        return a->u.arr.n == b->u.arr.n;
    case AF_V_OBJECT:
        if (a->u.obj.n != b->u.obj.n)
            return false;
        for (uint32_t k = 0; k < a->u.obj.n; k++)
            if (strcmp(a->u.obj.members[k].name, b->u.obj.members[k].name))
                return false;
        return true;
    case AF_V_BACKREF:
        return a->u.ref.call == b->u.ref.call &&
               strcmp(a->u.ref.pointer, b->u.ref.pointer) == 0;
    default:
        return true;
    }
}

bool af_test_same_program(const af_gen *g, const af_program *a,
                          const af_program *b)
{
    flist la = {0}, lb = {0};
    af_test_flatten_program(g, &la, a);
    af_test_flatten_program(g, &lb, b);
    bool ok = a->n_calls == b->n_calls && la.n == lb.n;
    for (uint32_t c = 0; ok && c < a->n_calls; c++)
        ok = a->calls[c].op == b->calls[c].op &&
             a->calls[c].is_negative == b->calls[c].is_negative &&
             a->calls[c].violation.kind == b->calls[c].violation.kind &&
             a->calls[c].n_creds == b->calls[c].n_creds &&
             a->calls[c].media == b->calls[c].media;
    for (uint32_t k = 0; ok && k < la.n; k++)
        ok = af_test_same_node(la.f[k].v, lb.f[k].v) &&
             la.f[k].v->start == lb.f[k].v->start &&
             la.f[k].v->end == lb.f[k].v->end;
    free(la.f);
    free(lb.f);
    return ok;
}
