/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *af_test_testdata(void)
{
    const char *dir = getenv("APIFUZZ_TESTDATA");
    if (dir == NULL || dir[0] == '\0')
        dir = "../shared/testdata";
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return dir;
}

void af_test_note_skip(const char *why)
{
    static int said;
    if (!said) {
        printf("# SKIP %s\n", why);
        said = 1;
    }
}

void af_test_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# INFO ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

char *af_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

int af_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

char *af_test_tmpdir(void)
{
    char tmpl[] = "/tmp/apifuzz-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    return dir != NULL ? strdup(dir) : NULL;
}

const char *af_test_bin(void)
{
    static char bin[512];
    const char *o = getenv("O");
    snprintf(bin, sizeof bin, "%s/asan/apifuzz",
             o != NULL && o[0] != '\0' ? o : "build");
    return bin;
}

/* All of stream p, NUL-terminated and malloc'd. */
static char *read_stream(FILE *p)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (size_t k; (k = fread(buf + n, 1, cap - n, p)) > 0;) {
        n += k;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    return buf;
}

int af_test_run(const char *cmd, af_test_output *out)
{
    char err_path[] = "/tmp/apifuzz-test-stderr-XXXXXX";
    int fd = mkstemp(err_path);
    assert_true(fd >= 0);
    close(fd);
    size_t len = strlen(cmd) + sizeof err_path + 16;
    char *line = malloc(len);
    assert_non_null(line);
    snprintf(line, len, "{ %s\n} 2>'%s'", cmd, err_path);
    FILE *p = popen(line, "r");
    free(line);
    assert_non_null(p);
    out->out = read_stream(p);
    int ws = pclose(p);
    out->err = af_test_read_file(err_path, NULL);
    unlink(err_path);
    assert_non_null(out->err);
    if (WIFEXITED(ws))
        out->status = WEXITSTATUS(ws);
    else
        out->status = 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return out->status;
}

int af_test_run_bin(const char *args, af_test_output *out)
{
    const char *bin = af_test_bin();
    struct stat st;
    if (stat(bin, &st) != 0)
        fail_msg("%s not built (make O=... %s)", bin, bin);
    size_t len = strlen(bin) + strlen(args) + 4;
    char *cmd = malloc(len);
    assert_non_null(cmd);
    snprintf(cmd, len, "'%s' %s", bin, args);
    int status = af_test_run(cmd, out);
    free(cmd);
    return status;
}

void af_test_output_free(af_test_output *out)
{
    free(out->out);
    free(out->err);
    out->out = out->err = NULL;
}
