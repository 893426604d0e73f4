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

/* What a command printed and how it ended (af_test_run). */
typedef struct af_test_output {
    int status; /* exit status; 128 + signal when killed */
    char *out;  /* stdout, malloc'd, NUL-terminated */
    char *err;  /* stderr, malloc'd, NUL-terminated */
} af_test_output;

/* The built command: $O/asan/apifuzz, O from the environment (default
   "build"). A static buffer. */
const char *af_test_bin(void);

/* Runs the shell command line cmd (already quoted) through popen, stdout
   read from the pipe and stderr through a temporary file; fails the test
   when it cannot be run. Returns out->status; free with
   af_test_output_free. */
int af_test_run(const char *cmd, af_test_output *out);

/* af_test_run of "'$bin' ARGS" (af_test_bin, args already shell-quoted);
   fails the test when the command is not built. */
int af_test_run_bin(const char *args, af_test_output *out);

void af_test_output_free(af_test_output *out);

#endif
