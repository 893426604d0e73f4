/*
 * error.c - filling and formatting af_error. Never allocates.
 */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t cap, const char *src)
{
    if (src == NULL) {
        dst[0] = '\0';
        return;
    }
    snprintf(dst, cap, "%s", src);
}

int af_error_set(af_error *err, int code, const char *file, const char *pointer,
                 int line, int col, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    copy(err->file, sizeof err->file, file);
    copy(err->pointer, sizeof err->pointer, pointer);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void af_error_clear(af_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof *err);
}

char *af_error_format(const af_error *err, char *buf, size_t cap)
{
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (err == NULL)
        return buf;
    size_t n = 0;
#define PUT(...)                                                               \
    do {                                                                       \
        if (n < cap) {                                                         \
            int k = snprintf(buf + n, cap - n, __VA_ARGS__);                   \
            n += k > 0 ? (size_t)k : 0;                                        \
        }                                                                      \
    } while (0)
    if (err->file[0] != '\0') {
        PUT("%s:", err->file);
        if (err->line > 0) {
            PUT("%d:", err->line);
            if (err->col > 0)
                PUT("%d:", err->col);
        }
        PUT(" ");
    }
    if (err->pointer[0] != '\0')
        PUT("%s: ", err->pointer);
    PUT("%s",
        err->message[0] != '\0' ? err->message : af_error_name(err->code));
#undef PUT
    return buf;
}

const char *af_error_name(int code)
{
    switch (code) {
    case AF_OK:
        return "ok";
    case AF_EIO:
        return "cannot read file";
    case AF_ESYNTAX:
        return "syntax error";
    case AF_ESPEC:
        return "invalid description";
    case AF_EREF:
        return "unresolvable $ref";
    case AF_ELIMIT:
        return "limit exceeded";
    case AF_ENOMEM:
        return "out of memory";
    case AF_EUNSUPPORTED:
        return "not supported";
    case AF_EUSAGE:
        return "bad usage";
    default:
        return "unknown error";
    }
}
