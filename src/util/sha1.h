/*
 * sha1.h - SHA-1 (FIPS 180-4) of a byte string, as lower-case hex: the
 * name libFuzzer gives a corpus file, so tools can name inputs the same
 * way (apifuzz har2corpus, the HAR capture's input names).
 *
 * For naming only, never for security. One pass, no allocation.
 */
#ifndef AF_SHA1_H
#define AF_SHA1_H

#include <stddef.h>

/* Writes the 40 hex digits and a NUL to hex. data may be NULL when len
   is 0. */
void af_sha1_hex(const void *data, size_t len, char hex[41]);

#endif
