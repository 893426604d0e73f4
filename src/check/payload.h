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
#include "util/error.h"

/* Whether media type `type` (lower case, parameters allowed) is JSON:
   application/json or a +json suffix. */
bool af_payload_is_json(const char *type);

/* Parses body (len bytes; may be NULL when len is 0) sent with
   Content-Type content_type (the header value, parameters allowed; NULL
   reads as bytes). Form and multipart field values are strings, turned
   into numbers or booleans where schema node `schema` of m (may be
   AF_NONE, m may be NULL) gives the property such a type; a repeated
   field becomes an array. *out is a new cJSON tree the caller deletes
   with cJSON_Delete (cJSON allocates with its own hooks, not the arena).
   Returns 0, AF_ESYNTAX when the body does not parse as its media type
   (err->message says why; *out NULL), or AF_ENOMEM. */
int af_payload_parse(const char *content_type, const unsigned char *body,
                     size_t len, const af_model *m, af_idx schema, cJSON **out,
                     af_error *err);

/* The readings of a text value, as a server may read a parameter or a
   form field: the string itself first, then a number when the text is
   one, a boolean for "true" / "false", null for "" or "null". Fills out
   (up to 4 new trees; the caller deletes each) and returns their count. */
int af_payload_candidates(const char *text, size_t len, cJSON *out[4]);

#endif
