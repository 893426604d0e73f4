/*
 * spec_embed.h - the spec embedded into a fuzzer binary at build time.
 *
 * The build generates one C file per service target from its
 * openapi.yaml/json (tools/embed-spec.sh) defining the three symbols
 * below; a binary built without one (a user's own build that sets
 * APIFUZZ_SPEC) gets the weak empty defaults of spec_embed.c.
 */
#ifndef AF_SPEC_EMBED_H
#define AF_SPEC_EMBED_H

#include <stddef.h>

/* The spec's text (not NUL-terminated), its length (0: none embedded)
   and its file name ("openapi.yaml": the loader guesses the format from
   it). */
const char *af_spec_embedded_text(void);
size_t af_spec_embedded_len(void);
const char *af_spec_embedded_name(void);

#endif
