/*
 * mutate_internal.h - what the mutator's files share: mutate.c (the
 * mutator, af_mutate, crossover), mutate_walk.c (the layout of a decoded
 * input: every node, optional slot and call with the byte offsets of its
 * choices), mutate_fresh.c (fresh node and call bytes), mutate_ops.c
 * (the operations), mutate_num.c (the number operation), shrink.c
 * (structured shrinking) and dict.c (the dictionary).
 *
 * An operation never writes the output directly: it returns a few edits
 * (replace [off, off + del) of the input by ins), applied in one pass.
 * Offsets may lie past the input's end (virtual zeros, choice.h): the
 * gap is filled with zero bytes. Everything an operation allocates lives
 * in the mutator's scratch arena, reset by every entry point.
 */
#ifndef AF_MUTATE_INTERNAL_H
#define AF_MUTATE_INTERNAL_H

#include "gen/gen_internal.h"
#include "gen/mutate.h"

/* Operations, in the order of af_mut_op_names. */
typedef enum af_mop {
    MOP_REGEN = 0, /* a subtree from fresh random choices */
    MOP_BOUND,     /* a boundary number, length or boolean */
    MOP_TOGGLE,    /* an optional parameter, property or body in or out */
    MOP_ITEMS,     /* array items added, removed or duplicated */
    MOP_BRANCH,    /* another oneOf/anyOf branch, type or enum value */
    MOP_CALLINS,
    MOP_CALLDEL,
    MOP_CALLDUP,
    MOP_CALLSWAP,
    MOP_LINK,  /* a back-reference wired to a producer, or cut */
    MOP_NEG,   /* a call flipped positive/negative, or its violation moved */
    MOP_BYTES, /* a string leaf through the byte mutator */
    MOP_DICT,  /* a dictionary token spliced into a string leaf */
    MOP_NUM,   /* a number's raw bytes through the byte mutator */
    MOP_SPLICE,
    MOP_SHRINK, /* a shrinking step (input over max_size) */
    MOP_RAW,    /* plain byte mutation when nothing structured applies */
    MOP_COUNT
} af_mop;

extern const char *const af_mut_op_names[MOP_COUNT];

/* Layout kinds of a node's content. */
enum {
    MK_OTHER = 0, /* unknown layout: regenerated whole only */
    MK_CONST,     /* reads nothing past its indexes */
    MK_ENUM,
    MK_NULL,
    MK_BOOL,
    MK_INT,
    MK_NUM,
    MK_STR,  /* plain string: length, then raw bytes */
    MK_PSTR, /* pattern or format string: choices of its own */
    MK_BIN,  /* binary body: length, then raw bytes */
    MK_OBJ,
    MK_ARR
};

/* Node flags: the decoding context, then what the walk learned. */
enum {
    NF_ASCII = 1u << 0,    /* header or cookie parameter */
    NF_FORM = 1u << 1,     /* query parameter, form body */
    NF_HOOK = 1u << 2,     /* the body root: its members may be fed */
    NF_FED = 1u << 3,      /* a producer byte at start (back-reference) */
    NF_FRAGILE = 1u << 4,  /* a parent re-checks or counts its children */
    NF_CHECKED = 1u << 5,  /* may be regenerated from derived choices */
    NF_ITEMS_OK = 1u << 6, /* MK_ARR: one item per read, in order */
    NF_BIN = 1u << 7,      /* a binary body: a byte string, no schema */
    NF_CUT = 1u << 8,      /* MK_STR/MK_BIN cut short by the input's end */
    NF_LINKED = 1u << 9    /* NF_FED wired to a producer: v is the fallback */
};
#define NF_CONTEXT (NF_ASCII | NF_FORM | NF_HOOK | NF_FED)

typedef struct af_mnode {
    const af_value *v;      /* the value (a back-reference's fallback) */
    af_idx gnode;           /* the plan node it was decoded with; AF_NONE for
                               a binary body */
    af_idx view;            /* the view its content was read with */
    uint32_t start, end;    /* its span (a fed value's holds its producer
                               byte first) */
    uint32_t vstart;        /* start of the value proper */
    uint32_t bsel, n_bsel;  /* oneOf/anyOf index offset and branches */
    uint32_t tsel, n_types; /* type index offset and types */
    uint32_t sel, n_sel;    /* enum index offset and values */
    uint32_t content;       /* past the indexes */
    uint32_t data;          /* MK_STR/MK_BIN: first string byte; MK_ARR: first
                               item */
    uint32_t count;         /* MK_STR/MK_BIN: bytes; MK_ARR: items */
    uint32_t min, span; /* MK_STR/MK_BIN/MK_ARR: allowed count min..min+span */
    uint32_t call;
    int32_t parent;
    uint32_t param;   /* NF_FED: the consumer parameter, UINT32_MAX body */
    const char *name; /* NF_FED body member: its name */
    uint16_t depth;   /* the decoder's depth when it read the value */
    uint16_t flags;
    uint8_t kind;
} af_mnode;

enum { SLOT_PARAM = 0, SLOT_PROP, SLOT_BODY };

/* An optional parameter, property or body: a presence byte, then (when
   present) the value's bytes. */
typedef struct af_mslot {
    uint32_t call;
    uint32_t byte;  /* the presence byte */
    uint32_t end;   /* end of the value's bytes; byte + 1 when absent */
    af_idx gnode;   /* the value's plan node (SLOT_BODY: unused) */
    uint32_t param; /* NF_FED: the consumer parameter */
    uint16_t depth, flags;
    uint8_t kind;
    bool is_present;
} af_mslot;

typedef struct af_mcall {
    uint32_t start, end;
    uint32_t op;       /* model op */
    uint32_t neg_byte; /* the negative flag (mixed mode); UINT32_MAX none */
    bool is_neg;       /* three violation bytes end the call */
    uint32_t first_node, n_nodes;
} af_mcall;

typedef struct af_mlayout {
    af_program prog;
    const uint8_t *data;
    size_t size;
    af_mnode *nodes;
    uint32_t n_nodes, cap_nodes;
    af_mslot *slots;
    uint32_t n_slots, cap_slots;
    af_mcall calls[AF_GEN_MAX_CALLS];
    uint32_t n_calls;
} af_mlayout;

#define AF_MUT_MAX_EDITS 4

typedef struct af_medit {
    uint32_t off, del;
    const uint8_t *ins;
    uint32_t ins_len;
} af_medit;

typedef struct af_medits {
    af_medit e[AF_MUT_MAX_EDITS];
    uint32_t n;
} af_medits;

/* What the last af_mutate did (tests check locality with it). */
typedef struct af_mlast {
    af_mop op;
    int32_t call;        /* the call changed; -1 */
    uint32_t start, end; /* the span replaced (node ops) */
    bool is_node;        /* one node's bytes replaced, nothing else */
    bool is_same;        /* the node decodes to the value it had */
    const char *suffix;  /* appended to the name ("+callins"); "" */
    bool is_rewritten;   /* the input was made whole first: spans are
                            those of the rewritten input */
} af_mlast;

/* splitmix64: a small PRNG seeded by the engine's seed. */
typedef struct af_mrng {
    uint64_t s;
} af_mrng;

static inline uint64_t af_mrng_next(af_mrng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n is 0. */
static inline uint32_t af_mrng_below(af_mrng *r, uint32_t n)
{
    return (uint32_t)(((af_mrng_next(r) >> 32) * (uint64_t)n) >> 32);
}

struct af_mutator {
    const af_gen *g;
    af_arena arena; /* scratch of one entry point */
    af_mlayout la, lb;
    af_mrng rng;
    af_bytes_fn bytes;
    uint8_t *out; /* assembled output */
    size_t out_cap;
    /* dictionary (dict.c) */
    uint8_t *tok_data;
    size_t tok_len, tok_cap;
    uint32_t *tok_off; /* n_tokens + 1 offsets into tok_data */
    uint32_t n_tokens, cap_tokens;
    uint32_t *tok_set; /* open addressing: token index + 1, 0 empty */
    uint32_t set_cap;
    /* shrink candidates (shrink.c) */
    struct af_mcand *cands;
    uint32_t n_cands, cap_cands;
    bool is_cached; /* la and cands are those of the input below */
    uint64_t cache_key;
    size_t cache_size;
    uint32_t op_mask; /* operations allowed; all by default (tests) */
    af_mlast last;
    char desc[32];
};

/* mutate_walk.c */

/* Decodes data into l (programs in mu->arena) and collects its nodes,
   slots and calls. 0 or AF_ENOMEM. */
int af_mut_layout(af_mutator *mu, af_mlayout *l, const uint8_t *data,
                  size_t size);
void af_mut_layout_free(af_mlayout *l);
/* The byte at off (zero past the end). */
static inline uint8_t af_mut_byte(const af_mlayout *l, size_t off)
{
    return off < l->size ? l->data[off] : 0;
}
/* Width of an index over n (af_choice_index). */
uint32_t af_mut_index_width(uint64_t n);
/* Writes index v over n (width bytes) / size v over n (LEB128) to buf;
   returns the bytes written. buf holds at least 10 bytes. */
uint32_t af_mut_put_index(uint8_t *buf, uint64_t n, uint64_t v);
uint32_t af_mut_put_size(uint8_t *buf, uint64_t n, uint64_t v);
/* decode.c: whether a media type's bodies are raw bytes. */
bool af_mut_is_binary(const af_gen *g, const af_media *m);
/* Whether a body member named name of model op is fed by a producer. */
bool af_mut_body_fed(const af_gen *g, uint32_t op, const char *name);

/* The bytes of a fresh value for a node's context (gnode, depth, flags;
   the op for NF_HOOK): head (forced first bytes) then random choices,
   cut to exactly what the decoder reads; *val (when not NULL) gets the
   value they decode to. *out lives in mu->arena. The producer byte of
   NF_FED is not included. 0 or AF_ENOMEM. */
typedef struct af_mctx {
    af_idx gnode;
    uint16_t depth, flags;
    uint32_t op;
    bool is_bin;
} af_mctx;
int af_mut_fresh(af_mutator *mu, const af_mctx *cx, const uint8_t *head,
                 size_t head_len, const uint8_t **out, size_t *out_len,
                 af_value *val);
/* The same for a whole call: op (an index into g->ops; UINT32_MAX any)
   forced, is_neg forced in mixed mode (-1: random). */
int af_mut_fresh_call(af_mutator *mu, uint32_t op, int is_neg,
                      const uint8_t **out, size_t *out_len);
/* The bytes an all-zero value of the context reads (its simplest). */
int af_mut_zero_len(af_mutator *mu, const af_mctx *cx, size_t *len);
af_mctx af_mut_node_ctx(const af_mlayout *l, const af_mnode *n);
/* n random bytes biased toward small values, in the arena. */
uint8_t *af_mut_random_bytes(af_mutator *mu, size_t n);
/* A copy of l->data[from, to) (zeros past the end), in the arena. */
uint8_t *af_mut_copy(af_mutator *mu, const af_mlayout *l, uint32_t from,
                     uint32_t to);

/* mutate_ops.c: fills e with the edits of operation op on l; false when
   the operation does not apply to this input. */
bool af_mut_apply_op(af_mutator *mu, af_mlayout *l, af_mop op, af_medits *e);
/* How many targets op has in l (0: not applicable). */
uint32_t af_mut_op_targets(const af_mutator *mu, const af_mlayout *l,
                           af_mop op);
/* Plain byte mutations of buf (len bytes, room for cap); new length. */
size_t af_mut_bytes_own(af_mutator *mu, uint8_t *buf, size_t len, size_t cap);
/* Replaces node n's value (after its producer byte) by fresh bytes
   starting with head (head_len bytes) and notes op; mu->last.is_same
   tells whether the value stayed the same. False on AF_ENOMEM. */
bool af_mut_replace_node(af_mutator *mu, const af_mlayout *l, const af_mnode *n,
                         const uint8_t *head, size_t head_len, af_medits *e,
                         af_mop op);

/* mutate_num.c: the number operation (MOP_NUM) and its targets. */
bool af_mut_op_num(af_mutator *mu, af_mlayout *l, af_medits *e);
uint32_t af_mut_num_targets(const af_mutator *mu, const af_mlayout *l);

/* mutate.c: lays out data into l, first made whole when a byte string
   is cut by its end (see make_whole); 0 or AF_ENOMEM. */
int af_mut_layout_whole(af_mutator *mu, af_mlayout *l, const uint8_t *data,
                        size_t size);
/* mutate.c: the edits applied to l's input into mu->out; returns the
   output size (not yet cut to a maximum), or SIZE_MAX on AF_ENOMEM. */
size_t af_mut_assemble(af_mutator *mu, const af_mlayout *l, const af_medits *e);
void af_medits_add(af_medits *e, uint32_t off, uint32_t del, const uint8_t *ins,
                   uint32_t ins_len);

/* shrink.c: the candidates of l into mu->cands, biggest first; without
   is_full, no node is replaced by its simplest value (one decode each). */
int af_mut_shrink_list(af_mutator *mu, af_mlayout *l, bool is_full);
/* Candidate k's edits. */
const af_medits *af_mut_shrink_edits(const af_mutator *mu, uint32_t k);
void af_mut_shrink_free(af_mutator *mu);

/* dict.c */
int af_mut_dict_from_spec(af_mutator *mu);
void af_mut_dict_free(af_mutator *mu);
/* Token k's bytes. */
const uint8_t *af_mut_token(const af_mutator *mu, uint32_t k, size_t *len);

/* Tests: restricts af_mutate to the operations in mask (1u << MOP_*);
   0 restores all. The last operation's record. */
void af_mutator_only(af_mutator *mu, uint32_t mask);
const af_mlast *af_mutator_last(const af_mutator *mu);

#endif
