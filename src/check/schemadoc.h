/*
 * schemadoc.h - a standalone JSON Schema document (or one schema inside
 * an OpenAPI document) compiled into a model for the validator: what
 * `apifuzz validate`, the JSON-Schema-Test-Suite runner and the validator's
 * fuzz target load.
 *
 * The model holds the compiled schemas only (no operations); it is freed
 * with af_model_free like any other.
 */
#ifndef AF_SCHEMADOC_H
#define AF_SCHEMADOC_H

#include <stddef.h>

#include "spec/model.h"

/* The prefix af_schemadoc_opts.remotes is mapped to by default: where the
   JSON-Schema-Test-Suite's remote documents claim to live. */
#define AF_SCHEMADOC_REMOTE_PREFIX "http://localhost:1234/"

typedef struct af_schemadoc_opts {
    af_dialect dialect;        /* how the schema is read */
    const char *pointer;       /* the schema inside the document
                                  ("#/components/schemas/Booking");
                                  NULL or "#": the root */
    const char *remotes;       /* directory for remote $refs; NULL none */
    const char *remote_prefix; /* NULL: AF_SCHEMADOC_REMOTE_PREFIX */
} af_schemadoc_opts;

/* Parses text (len bytes, named name: ".json" or ".yaml" picks the
   syntax) and compiles the schema at o->pointer. base_dir confines
   relative $refs (NULL: the directory of name; "": none allowed). On
   success *out owns the model and *root is the schema's index. Errors are
   located (file, line, column, pointer). */
int af_schemadoc_load_text(const char *text, size_t len, const char *name,
                           const char *base_dir, const af_schemadoc_opts *o,
                           af_model **out, af_idx *root, af_error *err);

/* As af_schemadoc_load_text for a file; relative $refs resolve beside it. */
int af_schemadoc_load_file(const char *path, const af_schemadoc_opts *o,
                           af_model **out, af_idx *root, af_error *err);

/* "draft4", "draft7", "draft2020-12", "openapi-3.0", "openapi-3.1" (also
   "swagger-2.0"); 0 when unknown. */
af_dialect af_schemadoc_dialect(const char *name);

#endif
