/*
 * test_decode.c - the decoder's properties (DESIGN.md "Properties the
 * decoder must have", "Negative mode", "Stateful programs"): total, zero
 * is simplest, local, deterministic, conformant, negative calls carry
 * one real violation; plus feeds, credentials and decode speed.
 *
 * Random inputs come from a fixed seed, printed with any failure.
 */
#include "genutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spec/pattern.h"

#define SEED 0x5eed2024u
#define TRICKY AF_TEST_TRICKY
#define TRICKY31 AF_TEST_TRICKY31
#define PETSTORE AF_TEST_PETSTORE

/* ---- structural walks ---- */

/* ---- total, deterministic ---- */

static void total_on(const char *path, af_gen_mode mode, uint64_t seed)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = m != NULL ? af_test_plan(m, mode, NULL) : NULL;
    if (g == NULL) {
        af_model_free(m);
        return;
    }
    af_arena a, b;
    af_arena_init(&a);
    af_arena_init(&b);
    static uint8_t buf[2048];
    af_test_seed(seed);
    for (int i = -1; i < 2000; i++) {
        size_t n =
            i < 0 ? 0 : af_test_random_input(buf, i % 10 == 0 ? 2048 : 300);
        af_program p, q;
        af_arena_reset(&a);
        af_arena_reset(&b);
        int rc = af_program_decode(g, &a, buf, n, &p, NULL);
        if (rc != 0 || p.n_calls < 1 || p.n_calls > g->max_calls ||
            !af_test_spans_ok(&p)) {
            print_error("%s mode %s seed %#llx input %d: rc %d, %u calls, "
                        "spans %s\n",
                        path, af_gen_mode_name(mode), (unsigned long long)seed,
                        i, rc, p.n_calls, af_test_spans_ok(&p) ? "ok" : "bad");
            fail();
        }
        assert_int_equal(af_program_decode(g, &b, buf, n, &q, NULL), 0);
        if (!af_test_same_program(g, &p, &q)) {
            print_error("%s: input %d decodes differently twice (seed %#llx)\n",
                        path, i, (unsigned long long)seed);
            fail();
        }
    }
    af_arena_free(&a);
    af_arena_free(&b);
    af_gen_free(g);
    af_model_free(m);
}

static void
test_every_input_decodes_to_a_program_with_nested_spans(void **state)
{
    (void)state;
    char paths[80][512];
    int n = af_test_spec_paths(paths, 80);
    for (int k = 0; k < n; k++) {
        total_on(paths[k], AF_GEN_POSITIVE, SEED + (uint64_t)k);
        total_on(paths[k], AF_GEN_MIXED, SEED + 100 + (uint64_t)k);
    }
    af_test_info("total: %d specs x 2 modes x 2001 inputs decoded, "
                 "deterministic, spans nested (seed %#x)",
                 n, SEED);
}

static void hostile_on(const char *path, const char *op, const uint8_t *buf,
                       size_t len)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = af_test_plan(m, AF_GEN_MIXED, op);
    af_arena a;
    af_arena_init(&a);
    af_program p;
    assert_int_equal(af_program_decode(g, &a, buf, len, &p, NULL), 0);
    assert_true(af_test_spans_ok(&p));
    assert_true(a.total < (size_t)64 << 20);
    flist l = {0};
    af_test_flatten_program(g, &l, &p);
    /* the node budget, plus the leaves the containers open when it ran
       out still fill with trivial values */
    uint32_t cap =
        (AF_GEN_MAX_NODES + AF_GEN_MAX_DEPTH * (4 * AF_GEN_MAX_ITEMS + 16)) *
        g->max_calls;
    for (uint32_t k = 0; k < l.n; k++)
        assert_true(l.f[k].depth <= AF_GEN_MAX_DEPTH + 1);
    if (l.n > cap)
        print_error("%s %s: %u nodes in %u calls\n", path, op, l.n, p.n_calls);
    assert_true(l.n <= cap);
    free(l.f);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_hostile_inputs_and_schemas_stay_within_the_caps(void **state)
{
    (void)state;
    static const char *const ops[] = {"loop", "cycle", "wide", "impossible"};
    static uint8_t buf[1 << 16];
    for (int fill = 0; fill < 3; fill++) {
        memset(buf, fill == 0 ? 0xff : fill == 1 ? 0x7f : 0x01, sizeof buf);
        hostile_on(TRICKY, "tree", buf, sizeof buf);
        for (size_t k = 0; k < 4; k++)
            hostile_on("tests/specs/gen/hostile-3.0.yaml", ops[k], buf,
                       sizeof buf);
    }
}

/* ---- zero is simplest ---- */

static af_call decode_zero(af_arena *a, const af_gen *g, size_t len)
{
    static const uint8_t zeros[512];
    af_program p;
    assert_int_equal(af_program_decode(g, a, zeros, len, &p, NULL), 0);
    assert_int_equal(p.n_calls, 1);
    assert_int_equal(p.calls[0].op, g->ops[0]);
    assert_false(p.calls[0].is_negative);
    return p.calls[0];
}

static void
test_zero_input_is_the_simplest_call_of_the_first_operation(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    af_arena a;
    af_arena_init(&a);
    for (size_t len = 0; len <= 512; len += 512) {
        af_call c = decode_zero(&a, g, len);
        const af_operation *op = &m->ops[c.op];
        assert_string_equal(op->operation_id, "simple");
        for (uint32_t j = 0; j < c.n_args; j++)
            assert_int_equal(c.args[j].is_present, op->params[j].is_required);
        assert_int_equal(c.args[0].value.kind, AF_V_INT);
        assert_int_equal(c.args[0].value.u.i, 5); /* closest to 0 in 5..50 */
        const af_value *code = &c.args[3].value;
        assert_int_equal(code->kind, AF_V_STRING);
        assert_int_equal(code->u.str.len, 6);
        assert_int_equal(
            af_pattern_match(
                af_model_schema(m, op->params[3].schema)->pattern_re,
                code->u.str.s, code->u.str.len),
            1);
        assert_int_equal(c.n_creds, 1);
        assert_int_equal(c.creds[0].scheme, af_model_find_scheme(m, "bearer"));
        assert_null(c.body);
    }
    af_gen_free(g);
    af_arena_free(&a);
    af_model_free(m);
}

static void
test_zero_input_gives_smallest_numbers_and_shortest_values(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_arena a;
    af_arena_init(&a);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, "allOfBounds");
    af_call c = decode_zero(&a, g, 0);
    assert_int_equal(af_test_member(c.body, "n")->u.i,
                     12); /* 10..20, multipleOf 3 */
    assert_int_equal(af_test_member(c.body, "s")->u.str.len, 3);
    assert_int_equal(af_test_member(c.body, "list")->u.arr.n, 3);
    assert_null(af_test_member(c.body, "merged"));
    af_gen_free(g);
    g = af_test_plan(m, AF_GEN_POSITIVE, "numbers");
    c = decode_zero(&a, g, 0);
    assert_true(af_test_member(c.body, "cents")->u.d == 0.05); /* 5 x 0.01 */
    assert_true(af_test_member(c.body, "open")->u.d == 0.1);
    assert_int_equal(af_test_member(c.body, "half")->u.i, 0);
    assert_int_equal(af_test_member(c.body, "small")->u.i, 0);
    assert_int_equal(af_test_member(c.body, "big")->u.i, 9007199254740994ll);
    assert_null(af_test_member(c.body, "tags"));
    af_gen_free(g);
    g = af_test_plan(m, AF_GEN_POSITIVE, "strings");
    c = decode_zero(&a, g, 0);
    assert_int_equal(af_test_member(c.body, "short")->u.str.len, 2);
    assert_int_equal(af_test_member(c.body, "word")->u.str.len, 3);
    assert_int_equal(c.body->u.obj.n, 3); /* optional ones absent */
    af_gen_free(g);
    af_arena_free(&a);
    af_model_free(m);
}

/* ---- local ---- */

static bool is_fed(const af_gen *g, uint32_t op, uint32_t param,
                   const char *name)
{
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++) {
        const af_feed *fd = &g->feeds[f];
        if (fd->consumer_param == param &&
            (name == NULL || strcmp(fd->consumer_pointer + 1, name) == 0))
            return true;
    }
    return false;
}

/* Like flatten_program, marking values that may be back-references and
   recording which slot (parameter location or body) each lies in. */
static void flatten_slots(const af_gen *g, flist *l, const af_program *p,
                          int *slot_of, uint32_t cap)
{
    static const af_value absent = {.kind = AF_V_NULL, .schema = AF_NONE};
    for (uint32_t c = 0; c < p->n_calls; c++) {
        const af_call *call = &p->calls[c];
        const af_operation *op = &g->model->ops[call->op];
        for (uint32_t j = 0; j < call->n_args; j++) {
            uint32_t from = l->n;
            const af_arg *arg = &call->args[j];
            af_test_flatten(g, l, arg->is_present ? &arg->value : &absent, 0,
                            is_fed(g, call->op, j, NULL));
            for (uint32_t k = from; k < l->n && k < cap; k++)
                slot_of[k] = (int)op->params[j].in;
        }
        uint32_t from = l->n;
        const af_value *b = call->body ? call->body : &absent;
        af_test_flatten(g, l, b, 0, false);
        /* the feeds of body members depend on the operation */
        for (uint32_t k = from; k < l->n && k < cap; k++)
            slot_of[k] = -1 - (int)call->op;
        for (uint32_t k = 0; b->kind == AF_V_OBJECT && k < b->u.obj.n; k++)
            if (is_fed(g, call->op, UINT32_MAX, b->u.obj.members[k].name)) {
                /* which producers exist depends on the earlier calls */
                l->f[from].is_fragile = true;
                for (uint32_t q = from; q < l->n; q++)
                    if (l->f[q].v == &b->u.obj.members[k].value)
                        for (uint32_t r = q; r < q + l->f[q].size; r++)
                            l->f[r].is_fragile = true;
            }
    }
}

static bool eligible(const flat *f, size_t len)
{
    /* A byte string cut by the end of the input is shortened (choice.h):
       a node reaching the end is not self-contained. */
    return !f->is_fragile && f->v->schema != AF_NONE &&
           f->v->start < f->v->end && f->v->end < len &&
           f->v->kind != AF_V_BACKREF;
}

#define MAX_FLAT 65536
static int slot_a[MAX_FLAT], slot_b[MAX_FLAT], slot_c[MAX_FLAT];

/* One splice trial; returns 1 checked and fine, 0 no candidate, -1 bad. */
static int splice_trial(const af_gen *g, const uint8_t *A, size_t na,
                        const uint8_t *B, size_t nb, af_arena ar[3])
{
    af_program pa, pb, pc;
    flist la = {0}, lb = {0}, lc = {0};
    for (int k = 0; k < 3; k++)
        af_arena_reset(&ar[k]);
    af_program_decode(g, &ar[0], A, na, &pa, NULL);
    af_program_decode(g, &ar[1], B, nb, &pb, NULL);
    flatten_slots(g, &la, &pa, slot_a, MAX_FLAT);
    flatten_slots(g, &lb, &pb, slot_b, MAX_FLAT);
    int result = 0;
    uint32_t i = la.n ? (uint32_t)(af_test_rnd() % la.n) : 0, j = 0;
    bool found = false;
    for (uint32_t t = 0; t < la.n && !found && la.n < MAX_FLAT; t++) {
        i = (i + 1) % la.n;
        if (!eligible(&la.f[i], na))
            continue;
        for (j = 0; j < lb.n && !found && lb.n < MAX_FLAT; j++)
            found = eligible(&lb.f[j], nb) &&
                    lb.f[j].v->schema == la.f[i].v->schema &&
                    lb.f[j].depth == la.f[i].depth && slot_a[i] == slot_b[j] &&
                    (af_test_rnd() & 1);
    }
    if (found) {
        j--;
        const af_value *va = la.f[i].v, *vb = lb.f[j].v;
        size_t nc = na - (va->end - va->start) + (vb->end - vb->start);
        uint8_t *C = malloc(nc + 1);
        memcpy(C, A, va->start);
        memcpy(C + va->start, B + vb->start, vb->end - vb->start);
        memcpy(C + va->start + (vb->end - vb->start), A + va->end,
               na - va->end);
        af_program_decode(g, &ar[2], C, nc, &pc, NULL);
        flatten_slots(g, &lc, &pc, slot_c, MAX_FLAT);
        uint32_t want = la.n - la.f[i].size + lb.f[j].size;
        result = lc.n == want && pc.n_calls == pa.n_calls ? 1 : -1;
        if (result < 0) {
            print_error("%u nodes, %u expected; %u calls, %u expected "
                        "(replaced node %u, schema %s)\n",
                        lc.n, want, pc.n_calls, pa.n_calls, i,
                        g->model->schemas[va->schema].pointer);
            for (uint32_t c = 0; c < pa.n_calls && c < pc.n_calls; c++) {
                if (pa.calls[c].body)
                    af_test_dump_value(pa.calls[c].body);
                print_error("\n");
                if (pb.n_calls > c && pb.calls[c].body)
                    af_test_dump_value(pb.calls[c].body);
                print_error("\n");
                if (pc.calls[c].body)
                    af_test_dump_value(pc.calls[c].body);
                print_error("\n");
            }
        }
        for (uint32_t k = 0; k < lc.n && result == 1; k++) {
            const af_value *e = k < i ? la.f[k].v
                                : k < i + lb.f[j].size
                                    ? lb.f[j + (k - i)].v
                                    : la.f[k - lb.f[j].size + la.f[i].size].v;
            if (!af_test_same_node(e, lc.f[k].v)) {
                print_error("node %u of %u differs (replaced node %u, "
                            "schema %s, %u nodes by %u)\n",
                            k, lc.n, i, g->model->schemas[va->schema].pointer,
                            la.f[i].size, lb.f[j].size);
                result = -1;
            }
        }
        free(C);
    }
    free(la.f);
    free(lb.f);
    free(lc.f);
    return result;
}

static void test_replacing_a_span_changes_only_that_node(void **state)
{
    (void)state;
    char paths[80][512];
    int n = af_test_spec_paths(paths, 80), checked = 0;
    af_arena ar[3];
    for (int k = 0; k < 3; k++)
        af_arena_init(&ar[k]);
    static uint8_t A[1024], B[1024];
    for (int s = 0; s < n; s++) {
        af_model *m = af_test_load_spec(paths[s]);
        af_gen *g = m != NULL ? af_test_plan(m, AF_GEN_POSITIVE, NULL) : NULL;
        if (g == NULL) {
            af_model_free(m);
            continue;
        }
        af_test_seed(SEED ^ (uint64_t)s);
        for (int t = 0; t < 300; t++) {
            size_t na = af_test_random_input(A, 600),
                   nb = af_test_random_input(B, 600);
            int r = splice_trial(g, A, na, B, nb, ar);
            if (r < 0) {
                print_error("%s: splice trial %d changed other nodes (seed "
                            "%#llx)\n",
                            paths[s], t,
                            (unsigned long long)(SEED ^ (uint64_t)s));
                fail();
            }
            checked += r;
        }
        af_gen_free(g);
        af_model_free(m);
    }
    for (int k = 0; k < 3; k++)
        af_arena_free(&ar[k]);
    assert_true(checked > 100);
    af_test_info("local: %d span replacements over %d specs changed only "
                 "their node",
                 checked, n);
}

/* ---- conformant ---- */

static bool str_is(const af_value *v, const char *s)
{
    return v != NULL && v->kind == AF_V_STRING && v->u.str.len == strlen(s) &&
           memcmp(v->u.str.s, s, v->u.str.len) == 0;
}

/* Checks written from the schemas of tricky-3.0.yaml, independently of
   the generator's matcher. */
static bool tricky_ok(const char *op, const af_value *b)
{
    const af_value *v;
    if (strcmp(op, "numbers") == 0) {
        double c = af_test_num(af_test_member(b, "cents")), q = c / 0.01;
        double o = af_test_num(af_test_member(b, "open"));
        int64_t h = af_test_member(b, "half")->u.i;
        v = af_test_member(b, "tags");
        const af_value *nl = af_test_member(b, "nullable");
        return q == floor(q) && c >= 0.05 && c <= 100 && o > 0 && o < 1 &&
               h > -3 && h < 3 &&
               af_test_member(b, "big")->u.i >= 9007199254740994ll &&
               (v == NULL || (v->u.arr.n == 2 && af_test_is_unique(v))) &&
               (nl == NULL || nl->kind == AF_V_NULL || nl->u.i >= 7);
    }
    if (strcmp(op, "allOfBounds") == 0) {
        int64_t n = af_test_member(b, "n")->u.i;
        v = af_test_member(b, "list");
        size_t sl = af_test_member(b, "s")->u.str.len;
        const af_value *mg = af_test_member(b, "merged");
        return (n == 12 || n == 15 || n == 18) && sl >= 3 && sl <= 5 &&
               v->u.arr.n == 3 && af_test_is_unique(v) &&
               (mg == NULL ||
                (af_test_member(mg, "a") && af_test_member(mg, "a")->u.i >= 1 &&
                 af_test_member(mg, "a")->u.i <= 3 && af_test_member(mg, "b") &&
                 af_test_member(mg, "b")->kind == AF_V_BOOL));
    }
    if (strcmp(op, "oneOfOverlap") == 0) {
        const af_value *a = af_test_member(b, "a"),
                       *bb = af_test_member(b, "b"),
                       *c = af_test_member(b, "c");
        bool b0 = (a == NULL || a->kind == AF_V_INT) &&
                  (bb == NULL || bb->kind == AF_V_STRING);
        bool b1 = bb != NULL && bb->kind == AF_V_STRING &&
                  (c == NULL || c->kind == AF_V_BOOL);
        return b0 != b1;
    }
    if (strcmp(op, "createPet") == 0) {
        v = af_test_member(b, "kind");
        return af_test_member(b, "id") == NULL &&
               (str_is(v, "cat") || str_is(v, "dog"));
    }
    if (strcmp(op, "strings") == 0) {
        v = af_test_member(b, "notEmpty");
        const af_value *sh = af_test_member(b, "short");
        size_t sl = af_gen_utf8_len(sh->u.str.s, sh->u.str.len);
        return sl >= 2 && sl <= 3 && (v == NULL || v->u.str.len > 0);
    }
    return true;
}

/* Schemas of the shared specs that no value satisfies: enum members of
   another type than `type`. */
static const char *const unsatisfiable[] = {
    "#/definitions/v1AdjustInventoryRequest/properties/adjustment_type/",
    "#/definitions/Product/properties/taxCategoryId/",
    ("#/definitions/Folder/allOf/1/properties/allowed_shared_link_access_"
     "levels/"),
};

static int n_unsat; /* calls skipped for it */

static bool is_unsatisfiable(const af_model *m, af_idx s, const af_value *v)
{
    char why[1024] = "";
    af_arena va;
    af_arena_init(&va);
    af_test_validator_accepts(m, s, v, &va, why, sizeof why);
    af_arena_free(&va);
    for (size_t k = 0; k < sizeof unsatisfiable / sizeof *unsatisfiable; k++)
        if (strncmp(why, unsatisfiable[k], strlen(unsatisfiable[k])) == 0)
            return true;
    print_error("validator: %s\n", why);
    return false;
}

static void conform_on(const char *path, bool strict, int *n_calls, int *bad)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = m != NULL ? af_test_plan(m, AF_GEN_POSITIVE, NULL) : NULL;
    if (g == NULL) {
        af_model_free(m);
        return;
    }
    af_arena a;
    af_arena_init(&a);
    static uint8_t buf[1024];
    af_test_seed(SEED * 7);
    for (int i = 0; i < 2000; i++) {
        size_t n = af_test_random_input(buf, 1024);
        af_program p;
        af_arena_reset(&a);
        assert_int_equal(af_program_decode(g, &a, buf, n, &p, NULL), 0);
        for (uint32_t c = 0; c < p.n_calls; c++) {
            const af_call *call = &p.calls[c];
            const af_operation *op = &m->ops[call->op];
            bool ok = true;
            for (uint32_t j = 0; j < call->n_args; j++)
                ok &= !call->args[j].is_present ||
                      (af_value_matches(g, op->params[j].schema,
                                        &call->args[j].value) &&
                       af_test_formats_ok(g, op->params[j].schema,
                                          &call->args[j].value, 0));
            if (call->body != NULL && af_test_is_json_media(op, call->media)) {
                af_idx s = op->body->media[call->media].schema;
                ok &= s == AF_NONE || (af_value_matches(g, s, call->body) &&
                                       af_test_formats_ok(g, s, call->body, 0));
                ok &= !strict || tricky_ok(op->operation_id, call->body);
            }
            if (!ok && call->body != NULL &&
                af_test_is_json_media(op, call->media) &&
                is_unsatisfiable(m, op->body->media[call->media].schema,
                                 call->body)) {
                n_unsat++;
                continue;
            }
            if (!ok)
                print_error("%s: %s does not conform (input %d, seed %#x)\n",
                            path,
                            op->operation_id ? op->operation_id : op->path, i,
                            SEED * 7);
            *bad += !ok;
            (*n_calls)++;
        }
    }
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_positive_values_conform_to_tricky_schemas(void **state)
{
    (void)state;
    int calls = 0, bad = 0;
    conform_on(TRICKY, true, &calls, &bad);
    conform_on(TRICKY31, false, &calls, &bad);
    assert_int_equal(bad, 0);
    af_test_info("conformant: %d calls of the tricky specs match their "
                 "schemas",
                 calls);
}

static void test_positive_values_conform_on_every_spec(void **state)
{
    (void)state;
    char paths[80][512];
    int n = af_test_spec_paths(paths, 80), calls = 0, bad = 0;
    for (int k = 0; k < n; k++)
        conform_on(paths[k], false, &calls, &bad);
    assert_int_equal(bad, 0);
    af_test_info("conformant: %d calls over %d specs (%d more hit a schema "
                 "no value satisfies)",
                 calls, n, n_unsat);
}

/* ---- negative ---- */

static void test_negative_calls_carry_one_real_violation(void **state)
{
    (void)state;
    char paths[80][512];
    int n = af_test_spec_paths(paths, 80), calls = 0, kinds[32] = {0},
        positive = 0;
    af_arena a;
    af_arena_init(&a);
    static uint8_t buf[1024];
    for (int s = 0; s < n; s++) {
        af_model *m = af_test_load_spec(paths[s]);
        af_gen *g = m != NULL ? af_test_plan(m, AF_GEN_NEGATIVE, NULL) : NULL;
        if (g == NULL) {
            af_model_free(m);
            continue;
        }
        af_test_seed(SEED * 3 + (uint64_t)s);
        for (int i = 0; i < 2000; i++) {
            size_t len = af_test_random_input(buf, 1024);
            af_program p;
            af_arena_reset(&a);
            assert_int_equal(af_program_decode(g, &a, buf, len, &p, NULL), 0);
            for (uint32_t c = 0; c < p.n_calls; c++) {
                const af_call *call = &p.calls[c];
                if (!call->is_negative) {
                    positive++; /* nothing to violate in this call */
                    assert_int_equal(call->violation.kind, AF_VIOL_NONE);
                    continue;
                }
                if (!af_test_call_violated(g, call)) {
                    print_error("%s input %d call %u: %s at %s (%s) is not "
                                "a violation (seed %#llx)\n",
                                paths[s], i, c,
                                af_violation_name(call->violation.kind),
                                call->violation.request_pointer,
                                call->violation.schema_pointer,
                                (unsigned long long)(SEED * 3 + (uint64_t)s));
                    fail();
                }
                assert_non_null(call->violation.schema_pointer);
                kinds[call->violation.kind]++;
                calls++;
            }
        }
        af_gen_free(g);
        af_model_free(m);
    }
    af_arena_free(&a);
    char seen[1024] = "";
    for (int k = 1; k < 32; k++)
        if (kinds[k])
            snprintf(seen + strlen(seen), sizeof seen - strlen(seen), " %s=%d",
                     af_violation_name((af_violation_kind)k), kinds[k]);
    af_test_info("negative: %d calls, each one real violation (%d calls had "
                 "nothing to violate):%s",
                 calls, positive, seen);
    assert_true(kinds[AF_VIOL_TYPE] > 0 && kinds[AF_VIOL_REQUIRED] > 0 &&
                kinds[AF_VIOL_MISSING_PARAM] > 0 && kinds[AF_VIOL_PATTERN] > 0);
}

/* ---- the validator (src/check, not the generator's matcher) ---- */

typedef struct judge {
    const af_model *m;
    af_arena va;
    int checked, bad;
    const char *path;
    int input;
} judge;

/* The validator must accept v for schema s (reject, when expect_bad). */
static void judge_value(judge *j, af_idx s, const af_value *v, bool expect_bad,
                        const char *what)
{
    char why[1024] = "";
    if (s == AF_NONE || af_test_has_big_int(v))
        return;
    bool ok = af_test_validator_accepts(j->m, s, v, &j->va, why, sizeof why);
    j->checked++;
    if (ok != expect_bad || (!expect_bad && is_unsatisfiable(j->m, s, v)))
        return;
    j->bad++;
    af_test_dump_value(v);
    print_error("\n%s: %s: the validator %s it%s%s (input %d, seed %#x)\n",
                j->path, what, ok ? "accepts" : "rejects", ok ? "" : ": ",
                ok ? "" : why, j->input, SEED * 11);
}

static bool is_value_violation(af_violation_kind k)
{
    return k != AF_VIOL_NONE && k != AF_VIOL_MALFORMED_BODY &&
           k != AF_VIOL_MISSING_BODY && k != AF_VIOL_FORMAT &&
           k != AF_VIOL_MISSING_PARAM && k != AF_VIOL_CONTENT_TYPE &&
           k != AF_VIOL_AUTH_MISSING && k != AF_VIOL_AUTH_CORRUPT;
}

static void judge_call(judge *j, const af_gen *g, const af_call *call)
{
    const af_operation *op = &j->m->ops[call->op];
    const af_violation *vi = &call->violation;
    bool is_bad_value = call->is_negative && is_value_violation(vi->kind);
    const char *rp = vi->request_pointer ? vi->request_pointer : "";
    for (uint32_t k = 0; k < call->n_args; k++) {
        af_idx sch;
        int32_t arg = -1;
        if (is_bad_value && strncmp(rp, "/body", 5) != 0)
            af_test_resolve(g, call, rp, &sch, &arg);
        if (call->args[k].is_present &&
            (!call->is_negative || (int32_t)k == arg))
            judge_value(j, op->params[k].schema, &call->args[k].value,
                        (int32_t)k == arg, op->params[k].name);
    }
    if (call->body == NULL || !af_test_is_json_media(op, call->media) ||
        call->body->kind == AF_V_RAW ||
        (call->is_negative && !(is_bad_value && strncmp(rp, "/body", 5) == 0)))
        return;
    judge_value(j, op->body->media[call->media].schema, call->body,
                call->is_negative, op->path);
}

static void validate_on(const char *path, af_gen_mode mode, judge *j)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = m != NULL ? af_test_plan(m, mode, NULL) : NULL;
    if (g == NULL) {
        af_model_free(m);
        return;
    }
    af_arena a;
    af_arena_init(&a);
    j->m = m;
    j->path = path;
    static uint8_t buf[1024];
    af_test_seed(SEED * 11);
    for (int i = 0; i < 1000; i++) {
        size_t n = af_test_random_input(buf, 1024);
        af_program p;
        af_arena_reset(&a);
        assert_int_equal(af_program_decode(g, &a, buf, n, &p, NULL), 0);
        j->input = i;
        for (uint32_t c = 0; c < p.n_calls; c++)
            judge_call(j, g, &p.calls[c]);
    }
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_values_are_judged_alike_by_the_validator(void **state)
{
    (void)state;
    char paths[80][512];
    int n = af_test_spec_paths(paths, 80);
    judge j = {0};
    af_arena_init(&j.va);
    for (int k = 0; k < n; k++) {
        validate_on(paths[k], AF_GEN_POSITIVE, &j);
        validate_on(paths[k], AF_GEN_NEGATIVE, &j);
    }
    af_arena_free(&j.va);
    af_test_info("validator: %d parameter values and bodies (positive "
                 "accepted, negative rejected), %d disagreements",
                 j.checked, j.bad);
    assert_int_equal(j.bad, 0);
}

/* ---- stateful programs, credentials, filters ---- */

static bool has_feed(const af_gen *g, const char *prod, const char *ptr,
                     const char *cons, const char *param, bool is_link)
{
    const af_model *m = g->model;
    for (uint32_t k = 0; k < g->n_feeds; k++) {
        const af_feed *f = &g->feeds[k];
        const af_operation *po = &m->ops[f->producer_op];
        const af_operation *co = &m->ops[f->consumer_op];
        if (strcmp(po->operation_id, prod) == 0 &&
            strcmp(f->producer_pointer, ptr) == 0 &&
            strcmp(co->operation_id, cons) == 0 &&
            f->consumer_param != UINT32_MAX &&
            strcmp(co->params[f->consumer_param].name, param) == 0 &&
            f->is_from_link == is_link)
            return true;
    }
    return false;
}

static void test_feeds_come_from_links_else_from_names(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    assert_true(has_feed(g, "createPet", "/id", "getPet", "pet_id", false));
    assert_true(has_feed(g, "createPet", "/id", "deletePet", "pet_id", false));
    af_gen_free(g);
    af_model_free(m);
    m = af_test_load_spec(PETSTORE);
    g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    assert_true(has_feed(g, "createPet", "/id", "getPet", "petId", true));
    assert_false(has_feed(g, "createPet", "/id", "deletePet", "petId", false));
    af_gen_free(g);
    af_model_free(m);
    const char *td = af_test_testdata();
    if (td == NULL)
        return;
    char path[512];
    snprintf(path, sizeof path,
             "%s/schemathesis-example/booking-api.openapi.yaml", td);
    m = af_test_load_spec(path);
    g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    assert_true(has_feed(g, "app.views.create_booking", "/id",
                         "app.views.get_booking_by_id", "booking_id", false));
    af_gen_free(g);
    af_model_free(m);
}

static void test_back_references_point_to_earlier_producers(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    af_arena a;
    af_arena_init(&a);
    static uint8_t buf[512];
    af_test_seed(SEED);
    int refs = 0;
    for (int i = 0; i < 20000 && refs < 20; i++) {
        size_t n = af_test_random_input(buf, 512);
        af_program p;
        af_arena_reset(&a);
        assert_int_equal(af_program_decode(g, &a, buf, n, &p, NULL), 0);
        for (uint32_t c = 0; c < p.n_calls; c++)
            for (uint32_t j = 0; j < p.calls[c].n_args; j++) {
                const af_value *v = &p.calls[c].args[j].value;
                if (v->kind != AF_V_BACKREF)
                    continue;
                assert_true(v->u.ref.call < c);
                assert_string_equal(
                    m->ops[p.calls[v->u.ref.call].op].operation_id,
                    "createPet");
                assert_string_equal(v->u.ref.pointer, "/id");
                assert_non_null(v->u.ref.fallback);
                assert_int_equal(v->u.ref.fallback->kind, AF_V_INT);
                refs++;
            }
    }
    assert_int_equal(refs, 20);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_credentials_come_from_the_auth_string(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_gen_opts o = {.auth = "bearer=TOK; apikey=KEY;unknown=1"};
    af_gen *g = NULL;
    af_error err;
    assert_int_equal(af_gen_new(m, &o, &g, &err), 0);
    int32_t bearer = af_model_find_scheme(m, "bearer");
    int32_t key = af_model_find_scheme(m, "apiKey");
    assert_string_equal(g->creds[bearer], "TOK");
    assert_string_equal(g->creds[key], "KEY"); /* by the generic word */
    assert_false(g->cred_is_placeholder[bearer]);
    af_gen_free(g);
    o.auth = NULL;
    assert_int_equal(af_gen_new(m, &o, &g, &err), 0);
    assert_true(g->cred_is_placeholder[bearer]);
    assert_string_equal(g->creds[bearer], "apifuzz-token");
    af_gen_free(g);
    o.auth = "bearer";
    assert_int_equal(af_gen_new(m, &o, &g, &err), AF_EUSAGE);
    assert_null(g);
    af_model_free(m);
}

/* ---- Authorization parameter, unsatisfiable schemas, form keys ---- */

#define AUTH_PARAM "tests/specs/gen/auth-param-2.0.yaml"

static bool has_bracket_key(const af_value *v)
{
    for (uint32_t k = 0; v->kind == AF_V_OBJECT && k < v->u.obj.n; k++)
        if (strpbrk(v->u.obj.members[k].name, "[]") != NULL)
            return true;
    return false;
}

static void check_auth_call(const af_model *m, const af_call *c, int *n_param)
{
    const af_value *auth = &c->args[0].value;
    const char *scheme =
        c->n_creds > 0 ? m->schemes[c->creds[0].scheme].name : "";
    const char *want = strcmp(scheme, "basic") == 0   ? "Basic dTpw"
                       : strcmp(scheme, "oauth") == 0 ? "Bearer TOK"
                                                      : NULL;
    if (want != NULL && !c->is_negative) {
        assert_true(c->args[0].is_present);
        assert_int_equal(auth->kind, AF_V_STRING);
        assert_int_equal(auth->u.str.len, strlen(want));
        assert_memory_equal(auth->u.str.s, want, strlen(want));
        (*n_param)++;
    }
    if (want != NULL && c->violation.kind == AF_VIOL_AUTH_MISSING)
        assert_false(c->args[0].is_present);
    if (want != NULL && c->violation.kind == AF_VIOL_AUTH_CORRUPT)
        assert_true(auth->u.str.len > 6 &&
                    memcmp(auth->u.str.s, want, 6) == 0 &&
                    (auth->u.str.len != strlen(want) ||
                     memcmp(auth->u.str.s, want, strlen(want)) != 0));
    assert_false(has_bracket_key(&c->args[1].value));
    if (c->body != NULL && !c->is_negative)
        assert_null(af_test_member(c->body, "levels"));
}

static void
test_authorization_parameter_carries_the_credential_sent(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(AUTH_PARAM);
    af_gen_opts o = {.auth = "basic=u:p;oauth=TOK", .mode = AF_GEN_MIXED};
    af_gen *g = NULL;
    af_error err;
    assert_int_equal(af_gen_new(m, &o, &g, &err), 0);
    af_arena a;
    af_arena_init(&a);
    static uint8_t buf[512];
    af_test_seed(SEED);
    int n_param = 0;
    for (int i = 0; i < 2000; i++) {
        size_t len = af_test_random_input(buf, sizeof buf);
        af_program p;
        assert_int_equal(af_program_decode(g, &a, buf, len, &p, NULL), 0);
        assert_true(af_test_spans_ok(&p));
        for (uint32_t k = 0; k < p.n_calls; k++)
            check_auth_call(m, &p.calls[k], &n_param);
        af_arena_reset(&a);
    }
    assert_true(n_param > 100);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
}

static void test_operation_filter_selects_by_id_or_method_and_path(void **state)
{
    (void)state;
    af_model *m = af_test_load_spec(TRICKY);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, "GET /pets/{pet_id}");
    assert_int_equal(g->n_ops, 1);
    assert_string_equal(m->ops[g->ops[0]].operation_id, "getPet");
    af_gen_free(g);
    af_gen_opts o = {.operation = "nope"};
    af_error err;
    assert_int_equal(af_gen_new(m, &o, &g, &err), AF_EUSAGE);
    assert_non_null(strstr(err.message, "nope"));
    af_model_free(m);
}

/* ---- speed ---- */

static double ns_per_call(const char *path)
{
    af_model *m = af_test_load_spec(path);
    af_gen *g = af_test_plan(m, AF_GEN_POSITIVE, NULL);
    af_arena a;
    af_arena_init(&a);
    static uint8_t buf[20000][128];
    static size_t lens[20000];
    af_test_seed(SEED);
    for (int i = 0; i < 20000; i++)
        lens[i] = af_test_random_input(buf[i], 128);
    struct timespec t0, t1;
    uint64_t calls = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < 5; r++)
        for (int i = 0; i < 20000; i++) {
            af_program p;
            af_arena_reset(&a);
            af_program_decode(g, &a, buf[i], lens[i], &p, NULL);
            calls += p.n_calls;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    af_arena_free(&a);
    af_gen_free(g);
    af_model_free(m);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
                (double)(t1.tv_nsec - t0.tv_nsec);
    return ns / (double)calls;
}

static void test_decode_time_per_call_is_measured(void **state)
{
    (void)state;
    const char *td = af_test_testdata();
    char booking[512], pet[512];
    snprintf(booking, sizeof booking,
             "%s/schemathesis-example/booking-api.openapi.yaml", td ? td : "");
    snprintf(pet, sizeof pet, "%s/openapi-examples/v3.0/petstore.yaml",
             td ? td : "");
    const char *b = td ? booking : TRICKY, *p = td ? pet : PETSTORE;
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AF_TEST_ASAN 1
#endif
#endif
#ifdef AF_TEST_ASAN
    const char *build = "ASan+UBSan build (the 2 us target is for release "
                        "builds)";
#else
    const char *build = "optimized build";
#endif
    af_test_info("decode: %.0f ns/call on %s, %.0f ns/call on %s, %s",
                 ns_per_call(b), strrchr(b, '/') + 1, ns_per_call(p),
                 strrchr(p, '/') + 1, build);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_every_input_decodes_to_a_program_with_nested_spans),
        cmocka_unit_test(test_hostile_inputs_and_schemas_stay_within_the_caps),
        cmocka_unit_test(
            test_zero_input_is_the_simplest_call_of_the_first_operation),
        cmocka_unit_test(
            test_zero_input_gives_smallest_numbers_and_shortest_values),
        cmocka_unit_test(test_replacing_a_span_changes_only_that_node),
        cmocka_unit_test(test_positive_values_conform_to_tricky_schemas),
        cmocka_unit_test(test_positive_values_conform_on_every_spec),
        cmocka_unit_test(test_negative_calls_carry_one_real_violation),
        cmocka_unit_test(test_values_are_judged_alike_by_the_validator),
        cmocka_unit_test(test_feeds_come_from_links_else_from_names),
        cmocka_unit_test(test_back_references_point_to_earlier_producers),
        cmocka_unit_test(test_credentials_come_from_the_auth_string),
        cmocka_unit_test(
            test_authorization_parameter_carries_the_credential_sent),
        cmocka_unit_test(
            test_operation_filter_selects_by_id_or_method_and_path),
        cmocka_unit_test(test_decode_time_per_call_is_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
