/*
 * error.h - located errors, after jansson's json_error_t.
 *
 * Every function that can fail returns a status (0 ok, negative AF_E*) and
 * fills an optional caller-provided af_error. The struct has fixed-size
 * fields only, so reporting an error never allocates and never fails; long
 * texts are truncated.
 */
#ifndef AF_ERROR_H
#define AF_ERROR_H

#include <stddef.h>

enum {
    AF_OK = 0,
    AF_EIO = -1,          /* a file could not be read */
    AF_ESYNTAX = -2,      /* JSON or YAML syntax */
    AF_ESPEC = -3,        /* the document is not a valid description */
    AF_EREF = -4,         /* a $ref that cannot be resolved */
    AF_ELIMIT = -5,       /* a bound was hit (alias expansion, depth, size) */
    AF_ENOMEM = -6,       /* out of memory */
    AF_EUNSUPPORTED = -7, /* valid but not supported (remote $ref) */
    AF_EUSAGE = -8        /* a bad argument from the caller */
};

typedef struct af_error {
    int code;          /* AF_E*; AF_OK when nothing failed */
    int line;          /* 1-based; 0 unknown */
    int col;           /* 1-based; 0 unknown */
    char file[256];    /* file the error is in; "" unknown */
    char pointer[512]; /* JSON pointer ("#/paths/~1pets"); "" unknown */
    char message[512];
} af_error;

/* Fills err (when not NULL) and returns code. file and pointer may be NULL.
   Always safe to call; texts are truncated to the field sizes. */
int af_error_set(af_error *err, int code, const char *file, const char *pointer,
                 int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Clears err to AF_OK (when not NULL). */
void af_error_clear(af_error *err);

/* Writes "file:line:col: pointer: message" (parts unknown are left out)
   into buf, always NUL-terminated. Returns buf. */
char *af_error_format(const af_error *err, char *buf, size_t cap);

/* The name of a status code, e.g. "syntax error". */
const char *af_error_name(int code);

#endif
