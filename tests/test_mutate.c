/*
 * test_mutate.c - the structure-aware mutator's properties (issue 5
 * "Acceptance"): outputs fit 1..max_size (also when the input is larger),
 * decode, stay conformant in positive mode and are deterministic by
 * seed; single-node operations change only their node; whole-call
 * operations leave the other calls alone; every operation is reached;
 * crossover, structured shrinking, the dictionary (spec tokens, files)
 * and hostile inputs; plus the mutation rate.
 *
 * Random inputs come from fixed seeds, printed with any failure.
 */
#include "genutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen/mutate_internal.h"

#define SEED 0x6d757461u
#define MAX_IN 4096

typedef struct fixture {
    af_model *m;
    af_gen *g;
    af_mutator *mu;
} fixture;

static bool open_spec(fixture *f, const char *path, af_gen_mode mode)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return false;
    fclose(fp);
    f->m = af_test_load_spec(path);
    f->g = f->m != NULL ? af_test_plan(f->m, mode, NULL) : NULL;
    if (f->g == NULL) {
        af_model_free(f->m);
        return false;
    }
    af_error err;
    assert_int_equal(af_mutator_new(f->g, &f->mu, &err), 0);
    return true;
}

static void close_spec(fixture *f)
{
    af_mutator_free(f->mu);
    af_gen_free(f->g);
    af_model_free(f->m);
}

/* Our specs, then the shared booking and petstore specs when present. */
static int spec_list(char paths[][512], int cap)
{
    static const char *const ours[] = {AF_TEST_TRICKY,
                                       AF_TEST_TRICKY31,
                                       AF_TEST_PETSTORE,
                                       "tests/specs/ok/bookstore-swagger.yaml",
                                       "tests/specs/ok/tictactoe-3.1.json",
                                       "tests/specs/gen/auth-param-2.0.yaml",
                                       "tests/specs/checks.yaml"};
    static const char *const shared[] = {
        "schemathesis-example/booking-api.openapi.yaml",
        "openapi-examples/v3.0/petstore.yaml",
        "openapi-examples/v3.0/petstore-expanded.yaml",
        "openapi-examples/v3.0/link-example.yaml"};
    int n = 0;
    for (size_t k = 0; k < sizeof ours / sizeof *ours && n < cap; k++)
        snprintf(paths[n++], 512, "%s", ours[k]);
    const char *td = af_test_testdata();
    for (size_t k = 0; td != NULL && k < sizeof shared / sizeof *shared; k++)
        if (n < cap)
            snprintf(paths[n++], 512, "%s/%s", td, shared[k]);
    return n;
}

static const char *booking_path(char *buf, size_t cap)
{
    const char *td = af_test_testdata();
    if (td == NULL)
        return NULL;
    snprintf(buf, cap, "%s/schemathesis-example/booking-api.openapi.yaml", td);
    return buf;
}

/* A byte mutator like LLVMFuzzerMutate: overwrites one byte. */
static size_t fake_bytes(uint8_t *data, size_t size, size_t max_size)
{
    (void)max_size;
    if (size == 0)
        return 0;
    data[af_test_rnd() % size] = (uint8_t)('A' + af_test_rnd() % 26);
    return size;
}

/* AFL++'s libAFLDriver: LLVMFuzzerMutate that does nothing. */
static size_t stub_bytes(uint8_t *data, size_t size, size_t max_size)
{
    (void)data, (void)size, (void)max_size;
    return 0;
}

/* ---- conformance of a decoded output ---- */

static bool call_conforms(const af_gen *g, const af_call *c, char *why,
                          size_t cap)
{
    const af_operation *op = &g->model->ops[c->op];
    for (uint32_t j = 0; j < c->n_args; j++) {
        const af_arg *a = &c->args[j];
        if (op->params[j].is_required && !a->is_present) {
            snprintf(why, cap, "%s %s: required %s absent", op->method,
                     op->path, op->params[j].name);
            return false;
        }
        if (a->is_present &&
            !af_value_matches(g, op->params[j].schema, &a->value)) {
            snprintf(why, cap, "%s %s: parameter %s", op->method, op->path,
                     op->params[j].name);
            return false;
        }
    }
    if (c->body != NULL && c->media >= 0 &&
        af_test_is_json_media(op, c->media) &&
        !af_value_matches(g, op->body->media[c->media].schema, c->body)) {
        snprintf(why, cap, "%s %s: body", op->method, op->path);
        return false;
    }
    return true;
}

/* Decodes out and checks calls (positive mode: conformance). */
static void check_output(const fixture *f, af_arena *a, const uint8_t *out,
                         size_t len, const char *what)
{
    af_program p;
    af_arena_reset(a);
    assert_int_equal(af_program_decode(f->g, a, out, len, &p, NULL), 0);
    assert_true(p.n_calls >= 1 && p.n_calls <= f->g->max_calls);
    /* the hostile spec's schemas have no conformant values */
    bool judge =
        f->g->opts.mode == AF_GEN_POSITIVE && strstr(what, "hostile") == NULL;
    for (uint32_t c = 0; judge && c < p.n_calls; c++) {
        char why[256];
        if (!call_conforms(f->g, &p.calls[c], why, sizeof why)) {
            print_error("%s: call %u not conformant: %s\n", what, c, why);
            fail();
        }
    }
}

/* ---- size, validity, determinism ---- */

static uint8_t in_buf[MAX_IN], out_buf[2 * MAX_IN], out2[2 * MAX_IN];

static int mutate_rounds(const char *path, af_gen_mode mode, uint64_t seed,
                         int rounds)
{
    fixture f;
    if (!open_spec(&f, path, mode))
        return 0;
    af_arena a;
    af_arena_init(&a);
    af_test_seed(seed);
    size_t size = 0;
    for (int i = 0; i < rounds; i++) {
        if (i % 8 == 0) /* a fresh input now and then, else the last output */
            size = af_test_random_input(in_buf, i % 64 == 0 ? 2048 : 300);
        size_t max = i % 5 == 0   ? (size > 2 ? size / 2 : 1)
                     : i % 7 == 0 ? 1
                                  : MAX_IN;
        uint32_t s = (uint32_t)af_test_rnd();
        memcpy(out_buf, in_buf, size);
        af_bytes_fn fn = i % 3 == 0   ? NULL
                         : i % 3 == 1 ? fake_bytes
                                      : stub_bytes;
        size_t len = af_mutate(f.mu, out_buf, size, max, s, fn);
        if (len < 1 || len > max) {
            print_error("%s: input %d (size %zu, max %zu, seed %#llx): "
                        "output of %zu bytes\n",
                        path, i, size, max, (unsigned long long)seed, len);
            fail();
        }
        check_output(&f, &a, out_buf, len, path);
        if (len <= MAX_IN && max == MAX_IN) {
            memcpy(in_buf, out_buf, len);
            size = len;
        }
    }
    af_arena_free(&a);
    close_spec(&f);
    return rounds;
}

static void test_outputs_fit_max_size_decode_and_conform(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), total = 0;
    for (int k = 0; k < n; k++) {
        total +=
            mutate_rounds(paths[k], AF_GEN_POSITIVE, SEED + (uint64_t)k, 300);
        total +=
            mutate_rounds(paths[k], AF_GEN_MIXED, SEED + 50 + (uint64_t)k, 150);
        total += mutate_rounds(paths[k], AF_GEN_NEGATIVE,
                               SEED + 90 + (uint64_t)k, 50);
    }
    assert_true(total >= 2000);
    af_test_info("%d mutations over %d specs in the three modes: "
                 "1..max_size bytes, decoded, positive ones conformant "
                 "(seed %#x)",
                 total, n, SEED);
}

static void test_same_input_and_seed_give_the_same_output(void **state)
{
    (void)state;
    fixture f, f2;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_MIXED));
    assert_true(open_spec(&f2, AF_TEST_TRICKY, AF_GEN_MIXED));
    af_test_seed(SEED);
    for (int i = 0; i < 300; i++) {
        size_t size = af_test_random_input(in_buf, 400);
        uint32_t s = (uint32_t)af_test_rnd();
        memcpy(out_buf, in_buf, size);
        size_t a = af_mutate(f.mu, out_buf, size, MAX_IN, s, NULL);
        /* the same mutator after other work, and a second mutator */
        memcpy(out2, in_buf, size);
        af_mutate(f.mu, out2, size, MAX_IN, s + 1, NULL);
        memcpy(out2, in_buf, size);
        size_t b = af_mutate(f2.mu, out2, size, MAX_IN, s, NULL);
        assert_int_equal(a, b);
        assert_memory_equal(out_buf, out2, a);
        memcpy(out2, in_buf, size);
        size_t c = af_mutate(f.mu, out2, size, MAX_IN, s, NULL);
        assert_int_equal(a, c);
        assert_memory_equal(out_buf, out2, a);
    }
    close_spec(&f);
    close_spec(&f2);
}

/* ---- locality ---- */

/* The outermost node of l replaced by a node operation on [start, end). */
static int32_t replaced(const flist *l, const af_mlast *t)
{
    for (uint32_t k = 0; k < l->n; k++) {
        const af_value *v = l->f[k].v;
        if (v->end == t->end && v->start <= t->start &&
            v->start + 1 >= t->start)
            return (int32_t)k;
    }
    return -1;
}

static bool same_calls(const af_program *a, const af_program *b)
{
    if (a->n_calls != b->n_calls)
        return false;
    for (uint32_t c = 0; c < a->n_calls; c++)
        if (a->calls[c].op != b->calls[c].op ||
            a->calls[c].media != b->calls[c].media ||
            a->calls[c].is_negative != b->calls[c].is_negative ||
            a->calls[c].violation.kind != b->calls[c].violation.kind)
            return false;
    return true;
}

/* 1 checked, 0 skipped (fragile or cut node), -1 other nodes changed. */
static int locality_trial(fixture *f, af_arena ar[2], size_t size,
                          uint32_t seed)
{
    memcpy(out_buf, in_buf, size);
    size_t len = af_mutate(f->mu, out_buf, size, MAX_IN, seed, NULL);
    const af_mlast *t = af_mutator_last(f->mu);
    if (!t->is_node || t->is_rewritten ||
        (t->op != MOP_REGEN && t->op != MOP_BOUND))
        return 0;
    af_program pa, pb;
    flist la = {0}, lb = {0};
    af_arena_reset(&ar[0]);
    af_arena_reset(&ar[1]);
    af_program_decode(f->g, &ar[0], in_buf, size, &pa, NULL);
    af_program_decode(f->g, &ar[1], out_buf, len, &pb, NULL);
    af_test_flatten_program(f->g, &la, &pa);
    af_test_flatten_program(f->g, &lb, &pb);
    int32_t i = replaced(&la, t);
    int rc = 0;
    if (i >= 0 && !la.f[i].is_fragile && t->end < size) {
        uint32_t na = la.f[i].size, nb = i < (int32_t)lb.n ? lb.f[i].size : 0;
        rc = same_calls(&pa, &pb) && lb.n == la.n - na + nb ? 1 : -1;
        for (uint32_t k = 0; rc == 1 && k < (uint32_t)i; k++)
            rc = af_test_same_node(la.f[k].v, lb.f[k].v) ? 1 : -1;
        for (uint32_t k = i + na; rc == 1 && k < la.n; k++)
            rc = af_test_same_node(la.f[k].v, lb.f[k - na + nb].v) ? 1 : -1;
        if (rc < 0) {
            print_error("%s changed nodes outside [%u, %u) (node %d of %u, "
                        "now %u)\n",
                        af_mutator_describe(f->mu), t->start, t->end, i, la.n,
                        lb.n);
            for (uint32_t c = 0; c < pa.n_calls; c++) {
                if (pa.calls[c].body)
                    af_test_dump_value(pa.calls[c].body);
                print_error("\n");
                if (c < pb.n_calls && pb.calls[c].body)
                    af_test_dump_value(pb.calls[c].body);
                print_error("\n");
            }
        }
    }
    free(la.f);
    free(lb.f);
    return rc;
}

static void test_a_single_node_operation_changes_only_that_node(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), checked = 0, skipped = 0;
    af_arena ar[2];
    af_arena_init(&ar[0]);
    af_arena_init(&ar[1]);
    for (int s = 0; s < n; s++) {
        fixture f;
        if (!open_spec(&f, paths[s], AF_GEN_POSITIVE))
            continue;
        af_mutator_only(f.mu, 1u << MOP_REGEN | 1u << MOP_BOUND);
        af_test_seed(SEED ^ (uint64_t)s);
        for (int t = 0; t < 200; t++) {
            size_t size = af_test_random_input(in_buf, 600);
            int r = locality_trial(&f, ar, size, (uint32_t)af_test_rnd());
            if (r < 0) {
                print_error("%s: trial %d (seed %#llx)\n", paths[s], t,
                            (unsigned long long)(SEED ^ (uint64_t)s));
                fail();
            }
            checked += r;
            skipped += r == 0;
        }
        close_spec(&f);
    }
    af_arena_free(&ar[0]);
    af_arena_free(&ar[1]);
    assert_true(checked > 500);
    af_test_info("local: %d regen/bound mutations changed only their node "
                 "(%d on fragile or cut nodes not judged)",
                 checked, skipped);
}

/* Flattened nodes of call c only. */
static void flatten_call(const af_gen *g, flist *l, const af_program *p,
                         uint32_t c)
{
    af_program one = *p;
    one.calls = &p->calls[c];
    one.n_calls = 1;
    af_test_flatten_program(g, l, &one);
}

static bool same_call_nodes(const af_gen *g, const af_program *a, uint32_t ca,
                            const af_program *b, uint32_t cb)
{
    flist la = {0}, lb = {0};
    flatten_call(g, &la, a, ca);
    flatten_call(g, &lb, b, cb);
    bool ok = la.n == lb.n && a->calls[ca].op == b->calls[cb].op;
    for (uint32_t k = 0; ok && k < la.n; k++)
        ok = af_test_same_node(la.f[k].v, lb.f[k].v);
    free(la.f);
    free(lb.f);
    return ok;
}

static void
test_a_call_level_operation_leaves_the_other_calls_alone(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_MIXED));
    af_mutator_only(f.mu, 1u << MOP_TOGGLE | 1u << MOP_ITEMS |
                              1u << MOP_BRANCH | 1u << MOP_BYTES |
                              1u << MOP_DICT | 1u << MOP_NEG);
    af_arena ar[2];
    af_arena_init(&ar[0]);
    af_arena_init(&ar[1]);
    af_test_seed(SEED + 7);
    int checked = 0;
    for (int t = 0; t < 600; t++) {
        size_t size = af_test_random_input(in_buf, 600);
        memcpy(out_buf, in_buf, size);
        size_t len = af_mutate(f.mu, out_buf, size, MAX_IN,
                               (uint32_t)af_test_rnd(), NULL);
        const af_mlast *last = af_mutator_last(f.mu);
        if (last->call < 0)
            continue;
        af_program pa, pb;
        af_arena_reset(&ar[0]);
        af_arena_reset(&ar[1]);
        af_program_decode(f.g, &ar[0], in_buf, size, &pa, NULL);
        af_program_decode(f.g, &ar[1], out_buf, len, &pb, NULL);
        if (pb.n_calls != pa.n_calls) /* a cut string at the end moved */
            continue;
        for (uint32_t c = 0; c < pa.n_calls; c++) {
            if ((int32_t)c == last->call || pa.calls[c].end >= size)
                continue;
            if (!same_call_nodes(f.g, &pa, c, &pb, c)) {
                print_error("%s on call %d changed call %u (trial %d)\n",
                            af_mutator_describe(f.mu), last->call, c, t);
                fail();
            }
            checked++;
        }
    }
    assert_true(checked > 100);
    af_test_info("%d other calls unchanged by toggle/items/branch/bytes/"
                 "dict/neg",
                 checked);
    af_arena_free(&ar[0]);
    af_arena_free(&ar[1]);
    close_spec(&f);
}

/* ---- what each operation does ---- */

/* Every node of a layout re-reads its own span to the value it holds
   (positive mode): the walk found each node's plan node and context. */
static void test_every_node_re_reads_its_own_span(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), checked = 0;
    for (int s = 0; s < n; s++) {
        fixture f;
        if (!open_spec(&f, paths[s], AF_GEN_POSITIVE))
            continue;
        af_test_seed(SEED + 600 + (uint64_t)s);
        for (int i = 0; i < 120; i++) {
            size_t size = af_test_random_input(in_buf, 400);
            af_arena_reset(&f.mu->arena);
            assert_int_equal(af_mut_layout(f.mu, &f.mu->la, in_buf, size), 0);
            const af_mlayout *l = &f.mu->la;
            for (uint32_t k = 0; k < l->n_nodes; k++) {
                const af_mnode *nd = &l->nodes[k];
                if (nd->end >= size || nd->flags & (NF_FRAGILE | NF_CHECKED))
                    continue;
                af_mctx cx = af_mut_node_ctx(l, nd);
                const uint8_t *b;
                size_t len;
                af_value v;
                assert_int_equal(af_mut_fresh(f.mu, &cx, in_buf + nd->vstart,
                                              nd->end - nd->vstart, &b, &len,
                                              &v),
                                 0);
                if (len != nd->end - nd->vstart || !af_value_equal(&v, nd->v)) {
                    print_error("%s: input %d node %u [%u, %u) re-reads %zu "
                                "bytes\n",
                                paths[s], i, k, nd->vstart, nd->end, len);
                    fail();
                }
                checked++;
            }
        }
        close_spec(&f);
    }
    af_test_info("%d nodes re-read their spans", checked);
    assert_true(checked > 4000);
}

static int shape(const af_value *v)
{
    int n = 1;
    if (v == NULL)
        return 0;
    if (v->kind == AF_V_BACKREF)
        return shape(v->u.ref.fallback);
    for (uint32_t k = 0; v->kind == AF_V_OBJECT && k < v->u.obj.n; k++)
        n += shape(&v->u.obj.members[k].value);
    for (uint32_t k = 0; v->kind == AF_V_ARRAY && k < v->u.arr.n; k++)
        n += shape(&v->u.arr.items[k]);
    return n;
}

/* Present parameters, members and items of a call. */
static int call_shape(const af_call *c)
{
    int n = shape(c->body);
    for (uint32_t j = 0; j < c->n_args; j++)
        n += c->args[j].is_present ? shape(&c->args[j].value) : 0;
    return n;
}

static int refs(const af_program *p)
{
    int n = 0;
    for (uint32_t c = 0; c < p->n_calls; c++)
        for (uint32_t j = 0; j < p->calls[c].n_args; j++)
            n += p->calls[c].args[j].is_present &&
                 p->calls[c].args[j].value.kind == AF_V_BACKREF;
    return n;
}

typedef struct effect {
    int applied, shaped, wired, cut, to_neg, to_pos, lo, hi;
} effect;

static void tally_effect(const fixture *f, const af_program *p,
                         const af_program *q, effect *e)
{
    const af_mlast *t = af_mutator_last(f->mu);
    uint32_t c = (uint32_t)t->call;
    e->applied++;
    if (c < p->n_calls && c < q->n_calls) {
        e->shaped += call_shape(&p->calls[c]) != call_shape(&q->calls[c]);
        e->to_neg += !p->calls[c].is_negative && q->calls[c].is_negative;
        e->to_pos += p->calls[c].is_negative && !q->calls[c].is_negative;
    }
    e->wired += refs(q) > refs(p);
    e->cut += refs(q) < refs(p);
    for (uint32_t k = 0; k < q->n_calls; k++) {
        const af_call *qc = &q->calls[k];
        const af_operation *op = &f->g->model->ops[qc->op];
        for (uint32_t j = 0; j < qc->n_args; j++)
            if (qc->args[j].is_present && qc->args[j].value.kind == AF_V_INT &&
                strcmp(op->params[j].name, "limit") == 0) {
                e->lo += qc->args[j].value.u.i == 1;
                e->hi += qc->args[j].value.u.i == 100;
            }
    }
}

static effect run_only(af_gen_mode mode, af_mop op, int rounds)
{
    fixture f;
    effect e = {0};
    assert_true(open_spec(&f, AF_TEST_PETSTORE, mode));
    af_mutator_only(f.mu, 1u << op);
    af_arena a, b;
    af_arena_init(&a);
    af_arena_init(&b);
    af_test_seed(SEED + 700 + op);
    for (int i = 0; i < rounds; i++) {
        size_t size = af_test_random_input(in_buf, 300);
        memcpy(out_buf, in_buf, size);
        size_t len = af_mutate(f.mu, out_buf, size, MAX_IN, (uint32_t)i, NULL);
        if (af_mutator_last(f.mu)->op != op)
            continue;
        af_program p, q;
        af_arena_reset(&a);
        af_arena_reset(&b);
        af_program_decode(f.g, &a, in_buf, size, &p, NULL);
        af_program_decode(f.g, &b, out_buf, len, &q, NULL);
        tally_effect(&f, &p, &q, &e);
    }
    af_arena_free(&a);
    af_arena_free(&b);
    close_spec(&f);
    return e;
}

static void test_toggle_and_items_change_their_call(void **state)
{
    (void)state;
    effect t = run_only(AF_GEN_POSITIVE, MOP_TOGGLE, 600);
    effect i = run_only(AF_GEN_POSITIVE, MOP_ITEMS, 1500);
    assert_true(t.applied > 300 && t.shaped * 10 >= t.applied * 9);
    assert_true(i.applied > 100 && i.shaped * 10 >= i.applied * 9);
    af_test_info("toggle changed %d of %d calls, items %d of %d", t.shaped,
                 t.applied, i.shaped, i.applied);
}

static void test_bound_reaches_both_ends_of_a_range(void **state)
{
    (void)state;
    effect e = run_only(AF_GEN_POSITIVE, MOP_BOUND, 1500);
    af_test_info("bound: limit (1..100) at 1 %d times, at 100 %d times", e.lo,
                 e.hi);
    assert_true(e.lo > 5 && e.hi > 5);
}

static void test_link_wires_and_cuts_back_references(void **state)
{
    (void)state;
    effect e = run_only(AF_GEN_MIXED, MOP_LINK, 1500);
    af_test_info("link: %d applied, %d wired, %d cut", e.applied, e.wired,
                 e.cut);
    assert_true(e.wired > e.applied / 4 && e.cut > 10);
}

static void test_neg_flips_calls_both_ways(void **state)
{
    (void)state;
    effect e = run_only(AF_GEN_MIXED, MOP_NEG, 600);
    af_test_info("neg: %d applied, %d made negative, %d positive", e.applied,
                 e.to_neg, e.to_pos);
    assert_true(e.to_neg > 50 && e.to_pos > 50);
}

/* ---- every operation ---- */

static bool is_safe_name(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '+'))
            return false;
    return true;
}

static void test_every_operation_is_reached_and_named_safely(void **state)
{
    (void)state;
    static const char *const want[] = {
        "regen",   "bound",   "toggle",  "items",    "branch",
        "callins", "calldel", "calldup", "callswap", "link",
        "neg",     "bytes",   "dict",    "num"};
    int seen[sizeof want / sizeof *want] = {0};
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_MIXED));
    assert_string_equal(af_mutator_describe(f.mu), "");
    af_test_seed(SEED + 3);
    size_t size = 0;
    for (int i = 0; i < 3000; i++) {
        if (i % 4 == 0)
            size = af_test_random_input(in_buf, 500);
        size_t len = af_mutate(f.mu, in_buf, size, MAX_IN,
                               (uint32_t)af_test_rnd(), fake_bytes);
        size = len;
        const char *d = af_mutator_describe(f.mu);
        assert_true(strlen(d) > 0 && strlen(d) < 32 && is_safe_name(d));
        for (size_t k = 0; k < sizeof want / sizeof *want; k++)
            seen[k] +=
                strncmp(d, want[k], strlen(want[k])) == 0 &&
                (d[strlen(want[k])] == '\0' || d[strlen(want[k])] == '+');
    }
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        if (seen[k] == 0)
            print_error("operation %s never applied\n", want[k]);
        assert_true(seen[k] > 0);
    }
    close_spec(&f);
}

/* The engine's byte mutator reaches string leaves; a stub returning 0
   does not stop string mutation. */
static void test_string_leaves_mutate_with_or_without_the_engine(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_POSITIVE));
    af_mutator_only(f.mu, 1u << MOP_BYTES);
    af_test_seed(SEED + 11);
    int changed[2] = {0};
    for (int i = 0; i < 400; i++) {
        size_t size = af_test_random_input(in_buf, 300);
        for (int k = 0; k < 2; k++) {
            memcpy(out_buf, in_buf, size);
            size_t len = af_mutate(f.mu, out_buf, size, MAX_IN, (uint32_t)i,
                                   k == 0 ? stub_bytes : fake_bytes);
            changed[k] += strcmp(af_mutator_describe(f.mu), "bytes") == 0 &&
                          (len != size || memcmp(out_buf, in_buf, len) != 0);
        }
    }
    assert_true(changed[0] > 100 && changed[1] > 100);
    close_spec(&f);
}

/* ---- numbers ---- */

static int torc_calls;
static uint8_t torc_value;

/* What libFuzzer's comparison feedback does: an operand, 42 (43 when
   the bytes already hold 42, so the value always changes), written
   little-endian over the bytes handed to it. */
static size_t torc_42(uint8_t *data, size_t size, size_t max_size)
{
    static const uint8_t is42[8] = {42};
    (void)max_size;
    torc_calls++;
    if (size < 8)
        return 0;
    torc_value = memcmp(data, is42, 8) == 0 ? 43 : 42;
    memset(data, 0, 8);
    data[0] = torc_value;
    return size;
}

/* The node of out's layout at vstart, NULL when none. */
static const af_mnode *node_at(fixture *f, const uint8_t *out, size_t len,
                               uint32_t vstart)
{
    af_arena_reset(&f->mu->arena);
    assert_int_equal(af_mut_layout(f->mu, &f->mu->la, out, len), 0);
    for (uint32_t k = 0; k < f->mu->la.n_nodes; k++)
        if (f->mu->la.nodes[k].vstart == vstart &&
            f->mu->la.nodes[k].kind != MK_OBJ)
            return &f->mu->la.nodes[k];
    return NULL;
}

/* The num operation rewrites an integer into its raw shape (128, then 8
   little-endian bytes), so what the engine's byte mutator writes there
   is the value the service sees. */
static void test_num_turns_an_integer_raw_for_the_byte_mutator(void **state)
{
    (void)state;
    fixture f;
    assert_true(
        open_spec(&f, "tests/fuzz/plant/openapi.yaml", AF_GEN_POSITIVE));
    af_mutator_only(f.mu, 1u << MOP_NUM);
    af_arena a;
    af_arena_init(&a);
    af_test_seed(SEED + 21);
    int hits = 0;
    for (int i = 0; i < 600; i++) {
        size_t size = af_test_random_input(in_buf, 300);
        memcpy(out_buf, in_buf, size);
        torc_calls = 0;
        size_t len = af_mutate(f.mu, out_buf, size, MAX_IN,
                               (uint32_t)af_test_rnd(), torc_42);
        const af_mlast *t = af_mutator_last(f.mu);
        check_output(&f, &a, out_buf, len, "plant num");
        if (t->op != MOP_NUM || torc_calls != 1 || !t->is_node)
            continue;
        assert_string_equal(af_mutator_describe(f.mu), "num");
        const af_mnode *n = node_at(&f, out_buf, len, t->start);
        assert_non_null(n);
        assert_int_equal(n->kind, MK_INT);
        uint8_t raw[9] = {128, torc_value};
        assert_int_equal(n->end, n->content + 9);
        assert_memory_equal(out_buf + n->content, raw, 9);
        assert_int_equal(n->v->u.i, torc_value);
        hits++;
    }
    af_test_info("num: %d integers set to 42 or 43 by the byte mutator", hits);
    assert_true(hits > 100);
    af_arena_free(&a);
    close_spec(&f);
}

/* Integers and numbers alike are rewritten raw; whatever the byte
   mutator (or ours) writes, the decoder maps the raw value into the
   schema's range: outputs stay conformant. */
static void test_num_outputs_stay_conformant(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), applied = 0, doubles = 0;
    af_arena a;
    af_arena_init(&a);
    for (int s = 0; s < n; s++) {
        fixture f;
        if (!open_spec(&f, paths[s], AF_GEN_POSITIVE))
            continue;
        af_mutator_only(f.mu, 1u << MOP_NUM);
        af_test_seed(SEED + 900 + (uint64_t)s);
        size_t size = 0;
        for (int i = 0; i < 300; i++) {
            if (i % 8 == 0)
                size = af_test_random_input(in_buf, 400);
            af_bytes_fn fn = i % 4 == 0   ? NULL
                             : i % 4 == 1 ? stub_bytes
                             : i % 4 == 2 ? fake_bytes
                                          : torc_42;
            size_t len = af_mutate(f.mu, in_buf, size, MAX_IN,
                                   (uint32_t)af_test_rnd(), fn);
            check_output(&f, &a, in_buf, len, paths[s]);
            const af_mlast *t = af_mutator_last(f.mu);
            if (t->op == MOP_NUM && t->is_node && !t->is_rewritten) {
                const af_mnode *nd = node_at(&f, in_buf, len, t->start);
                assert_non_null(nd);
                uint8_t shape = in_buf[nd->content];
                assert_true(shape == 128 ||
                            (nd->kind == MK_NUM && shape == 192));
                assert_int_equal(nd->end, nd->content + 9);
                applied++;
                doubles += nd->kind == MK_NUM;
            }
            size = len;
        }
        close_spec(&f);
    }
    af_arena_free(&a);
    af_test_info("num: %d conformant raw-shaped mutations (%d numbers)",
                 applied, doubles);
    assert_true(applied > 500 && doubles > 50);
}

/* ---- crossover ---- */

static void test_crossover_splices_nodes_or_calls_within_max_size(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), splices = 0, calls = 0;
    af_arena a;
    af_arena_init(&a);
    static uint8_t b_buf[MAX_IN];
    for (int s = 0; s < n; s++) {
        fixture f;
        if (!open_spec(&f, paths[s], AF_GEN_POSITIVE))
            continue;
        af_test_seed(SEED + 100 + (uint64_t)s);
        for (int i = 0; i < 100; i++) {
            size_t na = af_test_random_input(in_buf, 400);
            size_t nb = af_test_random_input(b_buf, 400);
            size_t max = i % 4 == 0 ? 64 : MAX_IN;
            uint32_t seed = (uint32_t)af_test_rnd();
            size_t len =
                af_crossover(f.mu, in_buf, na, b_buf, nb, out_buf, max, seed);
            assert_true(len >= 1 && len <= max);
            check_output(&f, &a, out_buf, len, paths[s]);
            splices += strcmp(af_mutator_describe(f.mu), "splice") == 0;
            calls += strcmp(af_mutator_describe(f.mu), "splice+call") == 0;
            size_t len2 =
                af_crossover(f.mu, in_buf, na, b_buf, nb, out2, max, seed);
            assert_int_equal(len, len2);
            assert_memory_equal(out_buf, out2, len);
        }
        assert_true(af_crossover(f.mu, NULL, 0, NULL, 0, out_buf, 16, 1) >= 1);
        close_spec(&f);
    }
    af_arena_free(&a);
    assert_true(splices > 50 && calls > 50);
    af_test_info("crossover: %d node splices, %d call insertions", splices,
                 calls);
}

/* ---- shrinking ---- */

static int64_t sum_of(const uint8_t *p, size_t n)
{
    int64_t s = 0;
    for (size_t k = 0; k < n; k++)
        s += p[k];
    return s;
}

static int shrink_input(fixture *f, af_arena *a, size_t size)
{
    af_program p, q;
    af_arena_reset(a);
    af_program_decode(f->g, a, in_buf, size, &p, NULL);
    uint32_t n = af_shrink_count(f->mu, in_buf, size);
    int64_t prev = INT64_MIN;
    for (uint32_t k = 0; k < n; k++) {
        size_t len = af_shrink_candidate(f->mu, in_buf, size, k, out_buf,
                                         sizeof out_buf);
        assert_true(len >= 1);
        assert_int_equal(af_program_decode(f->g, a, out_buf, len, &q, NULL), 0);
        bool simpler =
            q.n_calls < p.n_calls || len < size ||
            (len == size && sum_of(out_buf, len) < sum_of(in_buf, size));
        if (!simpler) {
            print_error("candidate %u of %u (%zu bytes, input %zu) is not "
                        "simpler\n",
                        k, n, len, size);
            fail();
        }
        (void)prev;
    }
    assert_int_equal(
        af_shrink_candidate(f->mu, in_buf, size, n, out_buf, sizeof out_buf),
        0);
    return (int)n;
}

static void test_shrink_candidates_decode_and_are_simpler(void **state)
{
    (void)state;
    char paths[16][512];
    int n = spec_list(paths, 16), total = 0;
    af_arena a;
    af_arena_init(&a);
    for (int s = 0; s < n; s++) {
        fixture f;
        if (!open_spec(&f, paths[s], s % 2 ? AF_GEN_MIXED : AF_GEN_POSITIVE))
            continue;
        af_test_seed(SEED + 200 + (uint64_t)s);
        for (int i = 0; i < 12; i++)
            total += shrink_input(&f, &a, af_test_random_input(in_buf, 400));
        close_spec(&f);
    }
    af_arena_free(&a);
    assert_true(total > 200);
    af_test_info("shrink: %d candidates, each decodes and is simpler", total);
}

static void
test_shrinking_starts_with_the_unread_tail_and_drops_calls(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_POSITIVE));
    af_arena a;
    af_arena_init(&a);
    af_test_seed(SEED + 300);
    int dropped = 0;
    for (int i = 0; i < 50; i++) {
        size_t size = af_test_random_input(in_buf, 300);
        af_program p, q;
        af_program_decode(f.g, &a, in_buf, size, &p, NULL);
        if (p.end + 4 >= size || p.n_calls < 2)
            continue;
        assert_true(af_shrink_count(f.mu, in_buf, size) >= 1);
        size_t len =
            af_shrink_candidate(f.mu, in_buf, size, 0, out_buf, sizeof out_buf);
        assert_int_equal(len, p.end); /* the same program, tail cut */
        uint32_t n = af_shrink_count(f.mu, in_buf, size);
        for (uint32_t k = 1; k < n; k++) {
            len = af_shrink_candidate(f.mu, in_buf, size, k, out_buf,
                                      sizeof out_buf);
            af_program_decode(f.g, &a, out_buf, len, &q, NULL);
            dropped += q.n_calls == p.n_calls - 1;
        }
    }
    assert_true(dropped > 5);
    af_arena_free(&a);
    close_spec(&f);
}

/* ---- dictionary ---- */

static bool has_token(const af_mutator *mu, const char *s)
{
    for (uint32_t k = 0; k < mu->n_tokens; k++) {
        size_t len;
        const uint8_t *t = af_mut_token(mu, k, &len);
        if (len == strlen(s) && memcmp(t, s, len) == 0)
            return true;
    }
    return false;
}

static void test_the_spec_gives_dictionary_tokens(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_PETSTORE, AF_GEN_POSITIVE));
    size_t n = af_mutator_token_count(f.mu);
    assert_true(n > 3);
    assert_true(has_token(f.mu, "pets"));
    /* duplicates are kept out; bad tokens refused */
    assert_int_equal(af_mutator_add_token(f.mu, "pets", 4), 0);
    assert_int_equal(af_mutator_token_count(f.mu), n);
    assert_int_equal(af_mutator_add_token(f.mu, "", 0), AF_EUSAGE);
    assert_int_equal(af_mutator_add_token(f.mu, "x\0y", 3), 0);
    assert_int_equal(af_mutator_token_count(f.mu), n + 1);
    close_spec(&f);
}

static void test_dictionary_files_parse_with_escapes_and_errors(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_POSITIVE));
    char *dir = af_test_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/ok.dict", dir);
    assert_int_equal(af_test_write_file(path, "# a comment\n"
                                              "\n"
                                              "kw1=\"select\"\n"
                                              "  \"quote\\\"d\"  \n"
                                              "bs=\"back\\\\slash\"\n"
                                              "hex=\"\\x41\\x00B\"\n"
                                              "afl@2=\"level\"\n"),
                     0);
    size_t before = af_mutator_token_count(f.mu);
    af_error err;
    assert_int_equal(af_mutator_load_dict(f.mu, path, &err), 5);
    assert_int_equal(af_mutator_token_count(f.mu), before + 5);
    assert_true(has_token(f.mu, "select"));
    assert_true(has_token(f.mu, "quote\"d"));
    assert_true(has_token(f.mu, "back\\slash"));
    assert_true(has_token(f.mu, "level"));
    bool hex = false;
    for (uint32_t k = 0; k < f.mu->n_tokens; k++) {
        size_t len;
        const uint8_t *t = af_mut_token(f.mu, k, &len);
        hex |= len == 3 && memcmp(t, "A\0B", 3) == 0;
    }
    assert_true(hex);
    static const char *const bad[] = {
        "ok=\"a\"\nnoquote\n", "ok=\"a\"\nx=\"open\n",
        "ok=\"a\"\nx=\"bad\\q\"\n", "ok=\"a\"\nx=\"a\" junk\n"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(path, sizeof path, "%s/bad%zu.dict", dir, k);
        assert_int_equal(af_test_write_file(path, bad[k]), 0);
        assert_int_equal(af_mutator_load_dict(f.mu, path, &err), AF_ESYNTAX);
        assert_int_equal(err.line, 2);
        assert_string_equal(err.file, path);
    }
    snprintf(path, sizeof path, "%s/missing.dict", dir);
    assert_int_equal(af_mutator_load_dict(f.mu, path, &err), AF_EIO);
    free(dir);
    close_spec(&f);
}

/* Tokens from a dictionary file land inside string leaves. */
static void test_dictionary_tokens_reach_string_leaves(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_POSITIVE));
    af_mut_dict_free(f.mu);
    assert_int_equal(af_mutator_add_token(f.mu, "ZQXJ", 4), 0);
    af_mutator_only(f.mu, 1u << MOP_DICT);
    af_test_seed(SEED + 17);
    int found = 0;
    for (int i = 0; i < 200; i++) {
        size_t size = af_test_random_input(in_buf, 300);
        size_t len = af_mutate(f.mu, in_buf, size, MAX_IN, (uint32_t)i, NULL);
        for (size_t k = 0; k + 4 <= len; k++)
            if (memcmp(in_buf + k, "ZQXJ", 4) == 0) {
                found++;
                break;
            }
    }
    assert_true(found > 50);
    close_spec(&f);
}

/* ---- hostile inputs ---- */

static void test_hostile_inputs_and_sizes_never_crash(void **state)
{
    (void)state;
    fixture f;
    assert_true(open_spec(&f, AF_TEST_TRICKY, AF_GEN_MIXED));
    size_t big = 1 << 20;
    uint8_t *huge = malloc(big), *out = malloc(big);
    assert_non_null(huge);
    assert_non_null(out);
    af_test_seed(SEED + 400);
    for (int round = 0; round < 2; round++) {
        for (size_t k = 0; k < big; k++)
            huge[k] = (uint8_t)af_test_rnd();
        size_t max = round == 0 ? 4096 : big;
        size_t len = af_mutate(f.mu, huge, big, max, 1, fake_bytes);
        assert_true(len >= 1 && len <= max);
    }
    size_t len = af_crossover(f.mu, huge, big, huge, big / 2, out, big, 3);
    assert_true(len >= 1 && len <= big);
    (void)af_shrink_count(f.mu, huge, 65536);
    for (uint32_t s = 0; s < 30; s++) {
        uint8_t small[8] = {0};
        assert_int_equal(af_mutate(f.mu, small, 0, 1, s, NULL), 1);
        assert_true(af_mutate(f.mu, small, 0, 8, s, stub_bytes) >= 1);
        memset(small, 0xff, sizeof small);
        assert_true(af_mutate(f.mu, small, 8, 8, s, NULL) >= 1);
    }
    assert_int_equal(af_shrink_candidate(f.mu, NULL, 0, 0, out, 16), 0);
    free(huge);
    free(out);
    close_spec(&f);
}

/* Schemas past every cap: a few rounds (each decode is slow there). */
static void test_hostile_schemas_never_crash(void **state)
{
    (void)state;
    fixture f;
    assert_true(
        open_spec(&f, "tests/specs/gen/hostile-3.0.yaml", AF_GEN_MIXED));
    af_arena a;
    af_arena_init(&a);
    af_test_seed(SEED + 401);
    for (int i = 0; i < 12; i++) {
        size_t size = af_test_random_input(in_buf, 300), max = 64 + i * 32;
        size_t len = af_mutate(f.mu, in_buf, size, max, (uint32_t)i, NULL);
        assert_true(len >= 1 && len <= max);
        check_output(&f, &a, in_buf, len, "hostile");
        len = af_crossover(f.mu, in_buf, len, out_buf, i * 20, out2, max, 9);
        assert_true(len >= 1 && len <= max);
        check_output(&f, &a, out2, len, "hostile");
        uint32_t n = af_shrink_count(f.mu, out2, len);
        for (uint32_t k = 0; k < n && k < 4; k++)
            assert_true(af_shrink_candidate(f.mu, out2, len, k, out_buf,
                                            sizeof out_buf) >= 1);
    }
    af_arena_free(&a);
    close_spec(&f);
}

/* ---- speed ---- */

static double rate_on(const char *path, int n)
{
    fixture f;
    if (!open_spec(&f, path, AF_GEN_MIXED))
        return 0;
    af_test_seed(SEED + 500);
    size_t size = af_test_random_input(in_buf, 200);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        if (i % 16 == 0)
            size = af_test_random_input(in_buf, 200);
        size = af_mutate(f.mu, in_buf, size, MAX_IN, (uint32_t)i, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close_spec(&f);
    double s = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return n / s;
}

static void test_mutation_rate(void **state)
{
    (void)state;
    char buf[600];
    const char *booking = booking_path(buf, sizeof buf);
    double r = rate_on(AF_TEST_PETSTORE, 5000);
    double rb = booking != NULL ? rate_on(booking, 5000) : 0;
    af_test_info("af_mutate under ASan: %.0f/s petstore, %.0f/s booking", r,
                 rb);
    assert_true(r > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outputs_fit_max_size_decode_and_conform),
        cmocka_unit_test(test_same_input_and_seed_give_the_same_output),
        cmocka_unit_test(test_a_single_node_operation_changes_only_that_node),
        cmocka_unit_test(
            test_a_call_level_operation_leaves_the_other_calls_alone),
        cmocka_unit_test(test_every_node_re_reads_its_own_span),
        cmocka_unit_test(test_toggle_and_items_change_their_call),
        cmocka_unit_test(test_bound_reaches_both_ends_of_a_range),
        cmocka_unit_test(test_link_wires_and_cuts_back_references),
        cmocka_unit_test(test_neg_flips_calls_both_ways),
        cmocka_unit_test(test_every_operation_is_reached_and_named_safely),
        cmocka_unit_test(test_string_leaves_mutate_with_or_without_the_engine),
        cmocka_unit_test(test_num_turns_an_integer_raw_for_the_byte_mutator),
        cmocka_unit_test(test_num_outputs_stay_conformant),
        cmocka_unit_test(test_crossover_splices_nodes_or_calls_within_max_size),
        cmocka_unit_test(test_shrink_candidates_decode_and_are_simpler),
        cmocka_unit_test(
            test_shrinking_starts_with_the_unread_tail_and_drops_calls),
        cmocka_unit_test(test_the_spec_gives_dictionary_tokens),
        cmocka_unit_test(test_dictionary_files_parse_with_escapes_and_errors),
        cmocka_unit_test(test_dictionary_tokens_reach_string_leaves),
        cmocka_unit_test(test_hostile_inputs_and_sizes_never_crash),
        cmocka_unit_test(test_hostile_schemas_never_crash),
        cmocka_unit_test(test_mutation_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
