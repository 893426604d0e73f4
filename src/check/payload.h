/*
 * payload.h - a message body read as a JSON instance for validation, by
 * its media type: JSON parsed (length-bounded, trailing bytes refused),
 * application/x-www-form-urlencoded and multipart/form-data made into an
 * object of their fields, anything else (text, bytes) a string.
 */
#ifndef AF_PAYLOAD_H
#define AF_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "spec/model.h"
#include "util/arena.h"
#include "util/error.h"

/* Whether media type `type` (lower case, parameters allowed) is JSON:
   application/json or a +json suffix. */
bool af_payload_is_json(const char *type);

/* Parses body (len bytes; may be NULL when len is 0) sent with
   Content-Type content_type (the header value, parameters allowed; NULL
   reads as bytes). Form and multipart field values are strings, turned
   into numbers or booleans where schema node `schema` of m (may be
   AF_NONE, m may be NULL) gives the property such a type; a repeated
   field becomes an array. JSON is read as cJSON reads it
   (util/jsonarena.h). *out is a tree of cJSON nodes that lives in arena
   a, as does everything else this allocates (no malloc): read it, never
   cJSON_Delete or edit it with cJSON's functions; it goes with the
   arena's reset. Returns 0, AF_ESYNTAX when the body does not parse as
   its media type (err->message says why; *out NULL), or AF_ENOMEM when
   the arena refuses memory (*out NULL). */
int af_payload_parse(af_arena *a, const char *content_type,
                     const unsigned char *body, size_t len, const af_model *m,
                     af_idx schema, cJSON **out, af_error *err);

/* The readings of a text value, as a server may read a parameter or a
   form field: the string itself first, then a number when the text is
   one, a boolean for "true" / "false", null for "" or "null". Fills out
   with up to 4 nodes in arena a (an entry is NULL when the arena refused
   memory) and returns their count. */
int af_payload_candidates(af_arena *a, const char *text, size_t len,
                          cJSON *out[4]);

#endif
