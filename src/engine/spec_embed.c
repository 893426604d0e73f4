/*
 * spec_embed.c - access to the spec embedded at build time
 * (spec_embed.h). The generated file defines apifuzz_spec_text,
 * apifuzz_spec_len and apifuzz_spec_name; here they are weak, so a
 * binary without an embedded spec links and reports that it has none.
 */
#include "engine/spec_embed.h"

extern const unsigned char apifuzz_spec_text[] __attribute__((weak));
extern const size_t apifuzz_spec_len __attribute__((weak));
extern const char apifuzz_spec_name[] __attribute__((weak));

const char *af_spec_embedded_text(void)
{
    return apifuzz_spec_text != NULL ? (const char *)apifuzz_spec_text : "";
}

size_t af_spec_embedded_len(void)
{
    return &apifuzz_spec_len != NULL ? apifuzz_spec_len : 0;
}

const char *af_spec_embedded_name(void)
{
    return apifuzz_spec_name != NULL ? apifuzz_spec_name : "openapi.yaml";
}
