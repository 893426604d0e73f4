/*
 * format.h - the format checkers shared by format.c, format_uri.c and
 * format_idn.c (internal to src/check/). Each takes len bytes at s (not
 * necessarily NUL-terminated at len) and returns whether they conform.
 */
#ifndef AF_FORMAT_H
#define AF_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "check/validate.h"

bool af_format_ipv4(const char *s, size_t len);
bool af_format_ipv6(const char *s, size_t len);

/* RFC 3986 URI (is_absolute) or URI reference; RFC 3987 IRIs when is_iri
   (non-ASCII UTF-8 allowed where ucschar is). */
bool af_format_uri(const char *s, size_t len, bool is_absolute, bool is_iri);

/* RFC 6570 level 4 templates. */
bool af_format_uri_template(const char *s, size_t len);

/* RFC 1123 host names, with A-labels (xn--) checked as IDNA2008 labels;
   is_idn: RFC 5890 internationalized names (U-labels, the IDNA label
   separators). */
bool af_format_hostname(const char *s, size_t len, bool is_idn);

#endif
