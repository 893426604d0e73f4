/*
 * gen_internal.h - what the generator's files share: the decoding context,
 * plan nodes, and the entry points of value.c, object.c, format.c,
 * match.c, merge.c, feed.c, negative.c and decode.c.
 *
 * Invariants: a value's bytes are read by the function generating it, in
 * decoding order, so its span [start, end) is exactly what it read; the
 * number of bytes a read consumes depends only on the schema and on the
 * bytes themselves (never on earlier values), except where a cap is hit.
 * Retries (a oneOf value matching two branches, a `not` that matches)
 * read derived choices that consume no input; values built that way get
 * empty spans at the end of their parent's span.
 */
#ifndef AF_GEN_INTERNAL_H
#define AF_GEN_INTERNAL_H

#include "gen/gen.h"

/* af_gen_node.check bits: after generating, the matcher must confirm. */
enum {
    CHECK_VERIFY = 1u << 0, /* the merged view dropped a constraint */
    CHECK_ONE_OF = 1u << 1, /* exactly one branch must match */
    CHECK_NOT = 1u << 2,
    CHECK_COND = 1u << 3 /* if/then/else, dependencies, contains */
};

/* Retries with derived choices after a failed check. */
#define AF_GEN_MAX_TRIES 12
/* Nodes and string code points one call may generate (beyond them,
   arrays, objects and strings take their minimum), so a hostile input or
   a wide recursive schema stays small and a rendered body stays near
   AF_GEN_MAX_RENDERED. */
#define AF_GEN_MAX_NODES 1024
#define AF_GEN_MAX_CHARS 8192

typedef struct af_gctx af_gctx;

/* Called for each member of the root object of a body: generates the
   member's value itself (a back-reference, decode.c) and returns 1, or
   returns 0 to let the object generate it; < 0 on error. */
typedef int (*af_member_hook)(af_gctx *x, const char *name, af_idx schema,
                              af_value *v);

struct af_gctx {
    const af_gen *g;
    af_arena *a;
    af_choices *c;
    bool is_request;
    bool is_ascii; /* parameters: printable ASCII strings only */
    bool is_form;  /* query parameters, form and multipart bodies: keys
                      are sent as name[key] (deepObject), so generated
                      keys hold no '[' or ']' */
    uint32_t depth;
    uint32_t nodes_left;
    size_t chars_left;
    int status; /* first AF_ENOMEM */
    af_member_hook hook;
    void *hook_data;
};

/* Node helpers. An af_idx of AF_NONE means "any value": g->any. */
static inline af_idx af_gen_norm(const af_gen *g, af_idx i)
{
    return i == AF_NONE || (uint32_t)i >= g->n_nodes ? g->any : i;
}
static inline const af_schema *af_gen_raw(const af_gen *g, af_idx i)
{
    return g->nodes[af_gen_norm(g, i)].raw;
}
static inline const af_schema *af_gen_view(const af_gen *g, af_idx i)
{
    return g->nodes[g->nodes[af_gen_norm(g, i)].view].raw;
}
/* The JSON types a (view) schema allows, null included when nullable,
   integer included with number. */
uint32_t af_gen_types(const af_schema *s);

void af_gen_ctx_init(af_gctx *x, const af_gen *g, af_arena *a, af_choices *c,
                     bool is_request);
/* Records AF_ENOMEM and returns it. */
int af_gen_oom(af_gctx *x);

/* value.c: a value for node i (model or synthesized), span recorded. */
int af_gen_value(af_gctx *x, af_idx i, af_value *out);
/* A value of node i from derived choices (try t >= 1, seeded by the
   input bytes from `start` to the cursor); reads no input; the value and
   its descendants get empty spans at the cursor. For regenerating a value
   that must differ (uniqueItems). */
int af_gen_value_derived(af_gctx *x, af_idx i, size_t start, unsigned t,
                         af_value *out);
/* Sets the span of v and of all its descendants to [at, at). */
void af_gen_collapse(af_value *v, uint32_t at);
/* A string for view s (length, pattern, format) into out. */
int af_gen_string(af_gctx *x, af_idx i, const af_schema *s, af_value *out);
/* Maps bytes read from the input to text: printable ASCII and valid UTF-8
   kept, others to letters; exactly n_cp code points. */
int af_gen_text(af_gctx *x, const uint8_t *p, size_t len, size_t n_cp,
                char **out, size_t *out_len);
/* Reads a plain string of min..max code points (capped) from the input. */
int af_gen_plain(af_gctx *x, size_t min_cp, size_t max_cp, char **out,
                 size_t *out_len);
/* Fills a value from a cJSON tree (enum, const, defaults). */
int af_gen_from_json(af_arena *a, const cJSON *j, af_idx schema, af_value *out);
/* The integers an integer schema allows: int32 format, minimum and
   maximum (exclusive ones excluded); *lo > *hi when none. */
void af_gen_int_bounds(const af_schema *s, int64_t *lo, int64_t *hi);
/* The integer step (>= 1) a multipleOf m is generated in, a multiple of m
   where one fits; [*klo, *khi]: the k with k * step within [lo, hi]. */
int64_t af_gen_int_step(double m, int64_t lo, int64_t hi, int64_t *klo,
                        int64_t *khi);
/* The types a value of s is generated in (untyped schemas: those its
   keywords hint at; number covers integer), chosen among in the order of
   af_gen_type_order. */
uint32_t af_gen_allowed_types(const af_schema *s);
#define AF_GEN_N_TYPES 7
extern const uint32_t af_gen_type_order[AF_GEN_N_TYPES];

/* object.c */
int af_gen_object(af_gctx *x, af_idx i, const af_schema *s, af_value *out);
int af_gen_array(af_gctx *x, af_idx i, const af_schema *s, af_value *out);
/* The property of s named name, NULL when none. */
const af_prop *af_gen_find_prop(const af_schema *s, const char *name);
/* How many patternProperties of s match name (len bytes); *first (when
   first is not NULL): the index of the first that does. */
uint32_t af_gen_pattern_hits(const af_schema *s, const char *name, size_t len,
                             uint32_t *first);
/* Whether a member of schema is left out: a readOnly one in a request
   (unless opts.keep_read_only). */
bool af_gen_is_skipped(const af_gen *g, bool is_request, af_idx schema);
/* The false schema, or one no value satisfies (unsat.c). */
bool af_gen_is_false(const af_gen *g, af_idx schema);
/* The schema a member name that is not a named property of s gets: the
   first matching patternProperties, else additionalProperties. */
af_idx af_gen_other_schema(const af_schema *s, const char *name);

/* format.c: a string of format f with min..max code points; returns 1
   when generated, 0 when the format is not generated here (or cannot fit
   the lengths): the caller makes a plain string. */
int af_gen_format(af_gctx *x, af_format f, size_t min_cp, size_t max_cp,
                  char **out, size_t *out_len);
/* Whether s conforms to format f (the formats af_gen_format makes). */
bool af_gen_format_check(af_format f, const char *s, size_t len);
/* A string that does not conform to f (for negative mode); NULL when f
   has no invalid strings (binary, password, unknown). */
const char *af_gen_format_bad(af_format f);
/* format.c "free" shapes (real-world URIs, e-mails, IPv6): whether s is
   kept verbatim when read as raw bytes (printable ASCII conforming per
   both af_gen_format_check and the validator's checker), and the byte
   lengths read for it under min..max (false when f has no free shape or
   the lengths exclude it). */
bool af_gen_format_free_ok(af_format f, const char *s, size_t len);
bool af_gen_format_free_range(af_format f, size_t min, size_t max, size_t *lo,
                              size_t *hi);

/* match.c */
bool af_gen_match(const af_gen *g, af_idx i, const af_value *v,
                  bool is_request);
bool af_value_equal(const af_value *a, const af_value *b);
bool af_value_equal_json(const af_value *a, const cJSON *j);
/* Code points of UTF-8 text (invalid bytes count one each). */
size_t af_gen_utf8_len(const char *s, size_t len);
/* The JSON type bit of a value (AF_TYPE_INTEGER for integral numbers). */
uint32_t af_gen_value_type(const af_value *v);

/* merge.c (plan time) */
af_idx af_gen_add_node(af_gen *g, const af_schema *raw, af_idx origin);
int af_gen_merge_views(af_gen *g, af_error *err);

/* feed.c (plan time) */
int af_gen_feeds(af_gen *g, af_error *err);

/* negative.c: applies exactly one violation to the call, reading its
   choices from x->c. */
int af_gen_negative(af_gctx *x, af_call *call);

/* unsat.c (plan time): sets af_gen_node.is_unsat; 0 or AF_ENOMEM. */
int af_gen_mark_unsat(af_gen *g);
/* Whether node i is known unsatisfiable (false schema included). */
static inline bool af_gen_is_unsat(const af_gen *g, af_idx i)
{
    return i != AF_NONE && g->nodes[af_gen_norm(g, i)].is_unsat;
}

/* auth.c: the index of the operation's header parameter named
   Authorization (case-insensitive), -1 when none. */
int32_t af_gen_auth_param(const af_operation *op);
/* *out: the Authorization header text the renderer sends for the first
   of creds that goes into Authorization ("Bearer t", "Basic b64", ...),
   NULL when none does. Returns 0 or AF_ENOMEM. */
int af_gen_auth_text(const af_gen *g, af_arena *a, const af_cred *creds,
                     uint32_t n_creds, const char **out);
/* Applies AF_VIOL_AUTH_MISSING (is_missing) or AF_VIOL_AUTH_CORRUPT to
   the call; an Authorization parameter carrying the credential is left
   out or corrupted alike. false on AF_ENOMEM. */
bool af_gen_auth_violate(af_gctx *x, const af_operation *op, af_call *call,
                         bool is_missing);

#endif
