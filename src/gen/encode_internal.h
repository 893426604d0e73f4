/*
 * encode_internal.h - what the encoder's files share (encode.c,
 * encode_object.c, encode_format.c, encode_call.c): the encoding context,
 * which mirrors the decoder's af_gctx (depth, node and code point budgets,
 * ASCII and form modes) so that every write happens exactly where the
 * decoder reads, and the refusal record.
 *
 * Invariants: each function writes the choices its decoder counterpart
 * reads, in the same order; on refusal it returns AF_EUSAGE with the
 * reason and the JSON pointer recorded, and the caller rolls the writer
 * back (encode_mark / encode_rollback) when it tries something else.
 * Not a hot path: examples become seeds once per run.
 */
#ifndef AF_ENCODE_INTERNAL_H
#define AF_ENCODE_INTERNAL_H

#include <cjson/cJSON.h>

#include "gen/gen_internal.h"

/* Refusal classes, from least to most excusable: the value violates its
   schema; it exceeds a documented cap; it is valid but outside what the
   generator produces (format shapes, readOnly members, regeneration). */
enum { AF_ENC_INVALID = 1, AF_ENC_CAP = 2, AF_ENC_UNSUPPORTED = 3 };

typedef struct af_ectx {
    const af_gen *g;
    af_choice_writer *w;
    bool is_request;
    bool is_ascii, is_form; /* as af_gctx */
    uint32_t depth, nodes_left;
    size_t chars_left;
    uint32_t hook_op; /* body members fed by feeds of this model op;
                         UINT32_MAX: no hook */
    char ptr[512];    /* JSON pointer of the value being encoded */
    size_t ptr_len;
    int why_class; /* AF_ENC_*, 0 none */
    char why[400];
} af_ectx;

/* A snapshot of the writer and the budgets, to try alternatives. */
typedef struct af_emark {
    size_t len, keep, bytes_used;
    int status;
    uint32_t nodes_left;
    size_t chars_left;
} af_emark;

void af_enc_init(af_ectx *e, const af_gen *g, af_choice_writer *w,
                 bool is_request);
af_emark af_enc_mark(const af_ectx *e);
void af_enc_rollback(af_ectx *e, const af_emark *m);
/* Records a refusal (class, message at the current pointer); returns
   AF_EUSAGE. */
int af_enc_refuse(af_ectx *e, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A writer status turned into a refusal (AF_EUSAGE: cls) or AF_ENOMEM. */
int af_enc_status(af_ectx *e, int rc, int cls, const char *what);
/* Pushes a pointer segment (escaped) and returns the old length. */
size_t af_enc_push(af_ectx *e, const char *seg);
size_t af_enc_push_index(af_ectx *e, uint32_t k);

/* encode.c */
int af_enc_value(af_ectx *e, af_idx i, const cJSON *j);
int af_enc_plain(af_ectx *e, size_t min_cp, size_t max_cp, const char *s,
                 size_t len);
/* encode_object.c */
int af_enc_object(af_ectx *e, af_idx vi, const af_schema *s, const cJSON *j);
int af_enc_array(af_ectx *e, const af_schema *s, const cJSON *j);
/* encode_format.c: 1 written, 0 the format is generated as a plain string
   here (the caller writes one), < 0 refused. */
int af_enc_format(af_ectx *e, af_format f, size_t min, size_t max,
                  const char *s, size_t len);

#endif
