/*
 * testutil.h - helpers shared by the cmocka tests.
 */
#ifndef AF_TESTUTIL_H
#define AF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* $APIFUZZ_TESTDATA (default ../shared/testdata), or NULL when that folder
   does not exist; then the caller skips with af_test_skip_no_testdata(). */
const char *af_test_testdata(void);

/* Prints "# SKIP <why>" once and skips the current test. */
#define af_test_skip_no_testdata()                                             \
    do {                                                                       \
        af_test_note_skip("testdata folder not found (set APIFUZZ_TESTDATA)"); \
        skip();                                                                \
    } while (0)
void af_test_note_skip(const char *why);

/* Prints "# INFO <text>": the runner shows it under the test's line. */
void af_test_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file (NUL-terminated, malloc'd); NULL on failure. */
char *af_test_read_file(const char *path, size_t *len);

/* Writes a file; returns 0 on success. */
int af_test_write_file(const char *path, const char *text);

/* A fresh temporary directory (malloc'd path). */
char *af_test_tmpdir(void);

#endif
