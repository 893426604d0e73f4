/*
 * base64.h - RFC 4648 §4 base64 (the standard alphabet, '=' padding),
 * for bodies that are not text in HAR files (engine/har.c writes them,
 * apifuzz har2corpus reads them).
 *
 * Both directions write into caller memory; nothing is allocated.
 */
#ifndef AF_BASE64_H
#define AF_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* The length af_base64_encode writes for len bytes (without the NUL). */
size_t af_base64_len(size_t len);

/* Encodes len bytes of data into out (af_base64_len(len) + 1 bytes: the
   text and a NUL). Returns the text's length. */
size_t af_base64_encode(const void *data, size_t len, char *out);

/* Decodes n characters of text into out (at least n / 4 * 3 + 3 bytes);
   ASCII white space is skipped, padding is optional. Returns the number
   of bytes written, or -1 when the text is not base64. */
long af_base64_decode(const char *text, size_t n, uint8_t *out);

#endif
