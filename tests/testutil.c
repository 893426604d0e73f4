/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
