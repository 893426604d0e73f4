/*
 * seeds.c - `apifuzz seeds SPEC DIR`: writes a seed corpus for a service
 * target: fuzz inputs that decode, under the plan the fuzzer uses (same
 * mode and call limit; defaults mixed and 4, as in src/engine/fuzzer.c),
 * to programs worth starting from.
 *
 * The seeds: the spec's examples (af_examples_seeds: one call per body or
 * parameter example); per operation one call with the simplest valid
 * values, and in negative or mixed mode one call carrying the simplest
 * violation; every producer -> consumer pair the plan knows (a create,
 * then a call that may use its result); programs of up to K calls
 * covering every operation once, producers first; and the empty input.
 * Each is a file named by the SHA-1 of its bytes, as libFuzzer names its
 * corpus files, so rerunning or merging never duplicates an input and
 * files already there are left alone.
 *
 * Runs once per corpus build; the number of seeds is linear in the
 * operations and feeds of the spec.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/sha1.h"

#define MAX_FEED_SEEDS 256
#define MAX_ENUM_VARIANTS 8 /* per enum-valued parameter or member */

typedef struct seeds_args {
    const char *spec, *dir;
    af_gen_mode mode;
    af_gen_opts opts;
} seeds_args;

typedef struct sink {
    const char *dir;
    uint32_t n_total, n_new, n_failed;
    char (*names)[41]; /* distinct seeds of this run */
    uint32_t cap_names;
    const uint8_t *last; /* the last program finish() wrote */
    size_t last_len;
    uint32_t n_variants;
} sink;

static const char usage_text[] =
    "usage: apifuzz seeds SPEC DIR [--mode positive|negative|mixed]\n"
    "                     [--calls K] [--operation ID|--path P]\n";

static const char help_text[] =
    "\n"
    "Writes seed inputs for a fuzz target of SPEC into DIR (created when\n"
    "missing): the spec's examples, one simplest call per operation (and\n"
    "one with the simplest violation unless the mode is positive), each\n"
    "producer -> consumer pair, programs covering every operation once,\n"
    "and the empty input. Files are named by the SHA-1 of their bytes;\n"
    "existing files are kept. Prints how many seeds DIR now holds of\n"
    "these and how many were new.\n"
    "\n"
    "  --mode M        positive, negative or mixed (default mixed, as the\n"
    "                  fuzzer's APIFUZZ_MODE); the seeds only decode as\n"
    "                  meant under the same mode\n"
    "  --calls K       at most K calls per program (1-16, default 4, as\n"
    "                  APIFUZZ_MAX_CALLS)\n"
    "  --operation ID, --path P\n"
    "                  only these operations (as APIFUZZ_OPERATION)\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 written, 2 a usage or spec error or a file that could\n"
    "not be written.\n";

/* ---- writing ---- */

static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

/* Records the name; false when this run already wrote it. */
static bool first_seen(sink *s, const char hex[41])
{
    for (uint32_t k = 0; k < s->n_total; k++)
        if (memcmp(s->names[k], hex, 41) == 0)
            return false;
    if (s->n_total == s->cap_names) {
        uint32_t cap = s->cap_names ? s->cap_names * 2 : 64;
        char(*grown)[41] = realloc(s->names, cap * sizeof *grown);
        if (grown == NULL)
            return true; /* only the count suffers */
        s->names = grown;
        s->cap_names = cap;
    }
    memcpy(s->names[s->n_total++], hex, 41);
    return true;
}

static void write_seed(sink *s, const uint8_t *data, size_t len)
{
    char hex[41];
    af_sha1_hex(data, len, hex);
    if (!first_seen(s, hex))
        return;
    size_t n = strlen(s->dir) + 42;
    char *path = malloc(n + 1);
    if (path == NULL) {
        s->n_failed++;
        return;
    }
    snprintf(path, n + 1, "%s/%s", s->dir, hex);
    FILE *f = fopen(path, "wbx"); /* C11: fails when it exists */
    if (f == NULL && errno == EEXIST) {
        free(path);
        return;
    }
    bool is_ok = f != NULL && (len == 0 || fwrite(data, 1, len, f) == len);
    if (f != NULL && fclose(f) != 0)
        is_ok = false;
    if (is_ok) {
        s->n_new++;
    } else {
        fputs("apifuzz seeds: cannot write ", stderr);
        put_clean(stderr, path);
        fprintf(stderr, ": %s\n", strerror(errno));
        s->n_failed++;
    }
    free(path);
}

static void emit_example(void *ctx, const uint8_t *data, size_t len,
                         const char *what)
{
    (void)what;
    write_seed(ctx, data, len);
}

/* Writes the program the writer holds; false when it failed. */
static bool finish(sink *s, af_choice_writer *w)
{
    const uint8_t *data;
    size_t len;
    if (w->status != 0 || af_choice_writer_finish(w, &data, &len) != 0)
        return false;
    write_seed(s, data, len);
    s->last = data;
    s->last_len = len;
    return true;
}

/* Writes data with the span [v->start, v->end) replaced by the choices
   of enum value k of v's schema (DESIGN.md "Local": the other nodes
   decode as before). */
static bool write_variant(sink *s, const af_gen *g, af_arena *a,
                          const uint8_t *data, size_t len, const af_value *v,
                          const cJSON *value)
{
    af_choice_writer w;
    af_error err;
    static const uint8_t zeros[64];
    af_choice_writer_init(&w, a);
    af_choice_write_raw(&w, data, v->start < len ? v->start : len);
    for (size_t at = len; at < v->start; at += sizeof zeros) /* past the end */
        af_choice_write_raw(&w, zeros,
                            v->start - at < sizeof zeros ? v->start - at
                                                         : sizeof zeros);
    if (af_value_encode(g, &w, v->schema, true, value, &err) != 0)
        return false;
    if (v->end < len)
        af_choice_write_raw(&w, data + v->end, len - v->end);
    return finish(s, &w);
}

static uint32_t vary_value(sink *s, const af_gen *g, af_arena *a,
                           const uint8_t *data, size_t len, const af_value *v)
{
    const af_schema *sc = af_model_schema(g->model, v->schema);
    if (sc == NULL || sc->enum_values == NULL || v->kind == AF_V_BACKREF)
        return 0;
    uint32_t n = 0;
    int n_values = cJSON_GetArraySize(sc->enum_values);
    for (int k = 0; k < n_values && k < MAX_ENUM_VARIANTS; k++)
        if (write_variant(s, g, a, data, len, v,
                          cJSON_GetArrayItem(sc->enum_values, k)))
            n++;
    return n;
}

/* Variants of a program with each enum-valued parameter and top-level
   body member set to each of its values (the first few), one at a time:
   enum values often select code paths that the simplest value skips. */
static uint32_t enum_variants(sink *s, const af_gen *g, af_arena *a,
                              const uint8_t *data, size_t len)
{
    af_program p;
    if (af_program_decode(g, a, data, len, &p, NULL) != 0)
        return 0;
    uint32_t n = 0;
    for (uint32_t c = 0; c < p.n_calls; c++) {
        const af_call *call = &p.calls[c];
        for (uint32_t k = 0; k < call->n_args; k++)
            if (call->args[k].is_present)
                n += vary_value(s, g, a, data, len, &call->args[k].value);
        if (call->body == NULL || call->body->kind != AF_V_OBJECT)
            continue;
        for (uint32_t k = 0; k < call->body->u.obj.n; k++)
            n += vary_value(s, g, a, data, len,
                            &call->body->u.obj.members[k].value);
    }
    return n;
}

/* One call of plan operation k: positive with the simplest values, or
   carrying the simplest violation (its choices: the operation index,
   then "negative" in mixed mode, then zeros). */
static uint32_t operation_seeds(sink *s, const af_gen *g, af_arena *a,
                                uint32_t k)
{
    uint32_t n = 0;
    af_choice_writer w;
    af_error err;
    af_call_spec bare = {NULL, -1, NULL};
    if (g->opts.mode != AF_GEN_NEGATIVE) {
        af_choice_writer_init(&w, a);
        if (af_call_encode(g, &w, g->ops[k], &bare, &err) == 0 &&
            finish(s, &w)) {
            n++;
            s->n_variants += enum_variants(s, g, a, s->last, s->last_len);
        }
    }
    if (g->opts.mode != AF_GEN_POSITIVE) {
        af_choice_writer_init(&w, a);
        af_choice_write_index(&w, g->n_ops, k);
        if (g->opts.mode == AF_GEN_MIXED)
            af_choice_write_bool(&w, true);
        if (finish(s, &w))
            n++;
    }
    return n;
}

/* A positive program of the operations ops; with is_varied, also its
   enum variants. */
static uint32_t program_seed(sink *s, const af_gen *g, af_arena *a,
                             const uint32_t *ops, uint32_t n, bool is_varied)
{
    af_call_spec specs[AF_GEN_MAX_CALLS];
    for (uint32_t k = 0; k < n; k++)
        specs[k] = (af_call_spec){NULL, -1, NULL};
    af_choice_writer w;
    af_error err;
    af_choice_writer_init(&w, a);
    if (af_program_encode(g, &w, ops, specs, n, &err) != 0 || !finish(s, &w))
        return 0;
    if (is_varied)
        s->n_variants += enum_variants(s, g, a, s->last, s->last_len);
    return 1;
}

static bool is_in_plan(const af_gen *g, uint32_t op)
{
    for (uint32_t k = 0; k < g->n_ops; k++)
        if (g->ops[k] == op)
            return true;
    return false;
}

/* Each producer -> consumer pair as a two-call program. */
static uint32_t feed_seeds(sink *s, const af_gen *g, af_arena *a)
{
    uint32_t n = 0;
    for (uint32_t f = 0; f < g->n_feeds && n < MAX_FEED_SEEDS; f++) {
        const af_feed *fd = &g->feeds[f];
        if (g->max_calls < 2 || fd->producer_op == fd->consumer_op ||
            !is_in_plan(g, fd->producer_op) || !is_in_plan(g, fd->consumer_op))
            continue;
        if (f > 0 && g->feeds[f - 1].producer_op == fd->producer_op &&
            g->feeds[f - 1].consumer_op == fd->consumer_op)
            continue; /* the same pair through another field */
        uint32_t ops[2] = {fd->producer_op, fd->consumer_op};
        n += program_seed(s, g, a, ops, 2, true);
    }
    return n;
}

/* Whether every producer feeding op is placed (or op feeds itself). */
static bool producers_placed(const af_gen *g, uint32_t op, const bool *placed)
{
    for (uint32_t f = g->feed_first[op]; f < g->feed_first[op + 1]; f++) {
        uint32_t p = g->feeds[f].producer_op;
        if (p != op && is_in_plan(g, p) && !placed[p])
            return false;
    }
    return true;
}

/* The plan's operations, producers before their consumers where the
   feeds allow (cycles broken in model order), in programs of up to
   max_calls calls. */
static uint32_t sequence_seeds(sink *s, const af_gen *g, af_arena *a)
{
    bool *placed = af_arena_calloc(a, g->model->n_ops + 1, sizeof *placed);
    uint32_t *order = af_arena_calloc(a, g->n_ops + 1, sizeof *order);
    if (placed == NULL || order == NULL)
        return 0;
    for (uint32_t n = 0; n < g->n_ops; n++) {
        uint32_t pick = UINT32_MAX;
        for (uint32_t k = 0; k < g->n_ops && pick == UINT32_MAX; k++)
            if (!placed[g->ops[k]] && producers_placed(g, g->ops[k], placed))
                pick = g->ops[k];
        for (uint32_t k = 0; k < g->n_ops && pick == UINT32_MAX; k++)
            if (!placed[g->ops[k]])
                pick = g->ops[k];
        placed[pick] = true;
        order[n] = pick;
    }
    uint32_t n = 0;
    for (uint32_t k = 0; k < g->n_ops; k += g->max_calls) {
        uint32_t len =
            g->n_ops - k < g->max_calls ? g->n_ops - k : g->max_calls;
        n += program_seed(s, g, a, order + k, len, false);
    }
    return n;
}

/* ---- arguments ---- */

static int set_mode(seeds_args *out, const char *v)
{
    if (v == NULL)
        return af_cli_usage_error("seeds", usage_text, "a value is needed by",
                                  "--mode");
    if (strcmp(v, "positive") == 0)
        out->mode = AF_GEN_POSITIVE;
    else if (strcmp(v, "negative") == 0)
        out->mode = AF_GEN_NEGATIVE;
    else if (strcmp(v, "mixed") == 0)
        out->mode = AF_GEN_MIXED;
    else
        return af_cli_usage_error(
            "seeds", usage_text,
            "--mode takes positive, negative or mixed, not", v);
    return -1;
}

static int seeds_option(int argc, char **argv, int *i, void *arg)
{
    seeds_args *out = arg;
    const char *a = argv[*i];
    if (strcmp(a, "--mode") == 0)
        return set_mode(out, *i + 1 < argc ? argv[++*i] : NULL);
    if (strcmp(a, "--negative") == 0 || strcmp(a, "--mixed") == 0)
        return af_cli_usage_error("seeds", usage_text, "use --mode instead of",
                                  a);
    int rc = af_cli_plan_option("seeds", usage_text, argc, argv, i, &out->opts);
    if (rc == 0)
        return af_cli_usage_error("seeds", usage_text, "unknown option", a);
    return rc == 1 ? -1 : rc;
}

static int seeds_operand(char *a, void *arg)
{
    seeds_args *out = arg;
    if (out->spec == NULL)
        out->spec = a;
    else if (out->dir == NULL)
        out->dir = a;
    else
        return af_cli_usage_error("seeds", usage_text, "unexpected argument",
                                  a);
    return -1;
}

/* mkdir -p: every missing folder of path. 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    if (path[0] == 0) {
        errno = ENOENT;
        return -1;
    }
    char *p = strdup(path);
    if (p == NULL)
        return -1;
    int rc = 0;
    for (char *c = p + 1; rc == 0; c++) {
        bool is_end = *c == 0;
        if (*c != '/' && !is_end)
            continue;
        *c = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        if (is_end)
            break;
        *c = '/';
    }
    struct stat st;
    if (rc == 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        errno = ENOTDIR;
        rc = -1;
    }
    free(p);
    return rc;
}

static int write_all(const af_gen *g, const char *dir)
{
    sink s = {dir, 0, 0, 0, NULL, 0, NULL, 0, 0};
    af_arena a;
    af_arena_init(&a);
    int n_examples = af_examples_seeds(g, &a, emit_example, &s);
    uint32_t n_ops = 0;
    for (uint32_t k = 0; k < g->n_ops; k++)
        n_ops += operation_seeds(&s, g, &a, k);
    uint32_t n_feeds = feed_seeds(&s, g, &a);
    uint32_t n_seqs = sequence_seeds(&s, g, &a);
    write_seed(&s, (const uint8_t *)"", 0); /* the empty input */
    af_arena_free(&a);
    free(s.names);
    printf("apifuzz seeds: %u seeds (%u new) in %s; programs made: %d from "
           "examples, %u per operation, %u producer-consumer pairs, %u enum "
           "variants, %u covering every operation, the empty one\n",
           s.n_total, s.n_new, dir, n_examples < 0 ? 0 : n_examples, n_ops,
           n_feeds, s.n_variants, n_seqs);
    if (n_examples < 0)
        fputs("apifuzz seeds: out of memory while encoding examples\n", stderr);
    return s.n_failed > 0 || n_examples < 0 ? 2 : 0;
}

int af_cli_seeds(int argc, char **argv)
{
    seeds_args args;
    memset(&args, 0, sizeof args);
    args.mode = AF_GEN_MIXED;
    int rc = af_cli_parse_args(argc, argv, usage_text, help_text, seeds_option,
                               seeds_operand, &args);
    if (rc >= 0)
        return rc;
    if (args.spec == NULL || args.dir == NULL)
        return af_cli_usage_error(
            "seeds", usage_text,
            args.spec == NULL ? "no SPEC given" : "no DIR given", NULL);
    args.opts.mode = args.mode;
    af_model *m = NULL;
    af_gen *g = NULL;
    if (af_cli_plan_load("seeds", args.spec, &args.opts, &m, &g) != 0)
        return 2;
    if (make_dirs(args.dir) != 0) {
        fputs("apifuzz seeds: cannot create ", stderr);
        put_clean(stderr, args.dir);
        fprintf(stderr, ": %s\n", strerror(errno));
        rc = 2;
    } else {
        rc = write_all(g, args.dir);
        if (fflush(stdout) != 0)
            rc = 2;
    }
    af_gen_free(g);
    af_model_free(m);
    return rc;
}
