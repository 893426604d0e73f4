/*
 * afl_setup.c - start-up of the AFL++ custom mutator (afl_setup.h): the
 * spec (APIFUZZ_SPEC, else printed by the target binary), the plan from
 * the target's own environment, the mutator and its dictionaries.
 *
 * Invariants: runs once, inside afl-fuzz, before any input; every failure
 * is one "apifuzz: ..." line on stderr and -1, never an exit or a crash
 * (afl-fuzz owns the process). The target is run with a deadline and its
 * output is bounded, so a binary that is not an apifuzz target (or hangs)
 * gives an error, not a stuck afl-fuzz.
 */
#include "engine/afl_setup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SPEC_MAX_LEN (64u << 20)
#define SPEC_DEADLINE_MS 20000
#define ERR_TAIL 1024

/* afl-fuzz 4.04c's options that take an argument (its getopt string is
   "+Ab:B:c:CdDe:E:hi:I:f:F:g:G:l:L:m:M:nNOo:p:RQs:S:t:T:UV:WXx:YZ"). */
static const char AFL_OPTS_WITH_ARG[] = "bBceEiIfFgGlLmMopsStTVx";

typedef struct buffer {
    char *data;
    size_t len, cap;
} buffer;

typedef struct cmdline {
    buffer raw;
    char **argv;
    int argc;
} cmdline;

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "apifuzz (AFL++ custom mutator): %s\n", msg);
    return -1;
}

static int fail_err(const char *what, const af_error *err)
{
    char buf[1400];
    return fail("%s: %s", what,
                err->code != 0 ? af_error_format(err, buf, sizeof buf)
                               : "failed");
}

static int buffer_append(buffer *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return 0;
}

/* ---- afl-fuzz's command line ---- */

static int read_fd(int fd, buffer *b, size_t max_len)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (b->len + (size_t)n > max_len || buffer_append(b, chunk, (size_t)n))
            return -1;
    }
}

static int cmdline_read(cmdline *c)
{
    memset(c, 0, sizeof *c);
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = read_fd(fd, &c->raw, 1u << 20);
    close(fd);
    if (rc != 0 || c->raw.len == 0)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < c->raw.len; i++)
        n += c->raw.data[i] == 0;
    c->argv = calloc(n + 2, sizeof *c->argv);
    if (c->argv == NULL)
        return -1;
    for (size_t i = 0; i < c->raw.len; i += strlen(c->raw.data + i) + 1)
        c->argv[c->argc++] = c->raw.data + i;
    return 0;
}

static void cmdline_free(cmdline *c)
{
    free(c->raw.data);
    free(c->argv);
}

int af_afl_scan_args(int argc, char *const *argv,
                     void (*on_dict)(void *ctx, const char *value), void *ctx)
{
    if (argv == NULL)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? i + 1 : -1;
        if (a[0] != '-' || a[1] == 0)
            return i; /* getopt's "+": options end at the first operand */
        for (const char *p = a + 1; *p != 0; p++) {
            if (strchr(AFL_OPTS_WITH_ARG, *p) == NULL)
                continue;
            const char *value = p[1] != 0 ? p + 1 : NULL;
            if (value == NULL && i + 1 < argc)
                value = argv[++i];
            if (*p == 'x' && value != NULL && on_dict != NULL)
                on_dict(ctx, value);
            break;
        }
    }
    return -1;
}

/* afl-fuzz's own lookup: a name with a slash as is, else $PATH. */
static int resolve_target(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    if (strchr(name, '/') == NULL && path != NULL) {
        for (const char *p = path; *p != 0;) {
            size_t n = strcspn(p, ":");
            snprintf(out, cap, "%.*s%s%s", (int)n, p, n != 0 ? "/" : "", name);
            if (access(out, X_OK) == 0)
                return 0;
            p += n + (p[n] == ':');
        }
    }
    if ((size_t)snprintf(out, cap, "%s", name) >= cap)
        return -1;
    return access(out, X_OK);
}

/* ---- the spec printed by the target ---- */

/* The environment with APIFUZZ_PRINT_SPEC=1 and without afl-fuzz's
   private variables (__AFL_SHM_ID...), so the target runs standalone. */
static char **spawn_env(void)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (env == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "__AFL_", 6) != 0 &&
            strncmp(environ[i], "APIFUZZ_PRINT_SPEC=", 19) != 0)
            env[k++] = environ[i];
    env[k] = "APIFUZZ_PRINT_SPEC=1";
    return env;
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Drains both pipes until EOF or the deadline; stderr keeps its tail. */
static int drain(int out_fd, int err_fd, buffer *out, buffer *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        long left = SPEC_DEADLINE_MS - elapsed_ms(&t0);
        if (left <= 0)
            return -1;
        if (poll(p, 2, (int)left) < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            char chunk[4096];
            ssize_t n = read(p[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_fds--;
            } else if (buffer_append(i == 0 ? out : err, chunk, (size_t)n) ||
                       out->len > SPEC_MAX_LEN) {
                return -1;
            }
        }
        if (err->len > 4 * ERR_TAIL) { /* keep the tail only */
            memmove(err->data, err->data + err->len - ERR_TAIL, ERR_TAIL);
            err->len = ERR_TAIL;
        }
    }
    return 0;
}

static int spawn_target(const char *path, int out_fd, int err_fd, pid_t *pid)
{
    char **env = spawn_env();
    posix_spawn_file_actions_t fa;
    if (env == NULL || posix_spawn_file_actions_init(&fa) != 0) {
        free(env);
        return ENOMEM;
    }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    /* "-": libAFLDriver's stdin mode; with no argument it would print
       its usage banner to stdout ahead of the spec. */
    char *argv[] = {(char *)path, "-", NULL};
    int rc = posix_spawn(pid, path, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    return rc;
}

/* Runs the target and returns its stdout in out (status 0 required). */
static int capture_spec(const char *path, buffer *out)
{
    int po[2], pe[2];
    if (pipe(po) != 0)
        return fail("pipe: %s", strerror(errno));
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return fail("pipe: %s", strerror(errno));
    }
    pid_t pid;
    int rc = spawn_target(path, po[1], pe[1], &pid);
    close(po[1]);
    close(pe[1]);
    buffer err = {0};
    int drained = rc == 0 ? drain(po[0], pe[0], out, &err) : -1;
    close(po[0]);
    close(pe[0]);
    int status = 0;
    if (rc == 0) {
        if (drained != 0)
            kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    while (err.len > 0 && strchr("\r\n", err.data[err.len - 1]) != NULL)
        err.data[--err.len] = 0;
    const char *tail = err.data == NULL ? ""
                       : err.len > 600  ? err.data + err.len - 600
                                        : err.data;
    if (rc != 0)
        rc = fail("cannot run the target %s: %s", path, strerror(rc));
    else if (drained != 0)
        rc = fail("the target %s did not print its spec within %d s (or "
                  "printed over %u MiB); set APIFUZZ_SPEC=path",
                  path, SPEC_DEADLINE_MS / 1000, SPEC_MAX_LEN >> 20);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = fail("APIFUZZ_PRINT_SPEC=1 %s failed (%s %d)%s%s", path,
                  WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                  *tail != 0 ? ": " : "", tail);
    else if (out->len == 0)
        rc = fail("the target %s printed no spec: is it built with "
                  "APIFUZZ_TARGET and an embedded spec? Else set "
                  "APIFUZZ_SPEC=path",
                  path);
    free(err.data);
    return rc;
}

/* The printed spec has no name: JSON starts with '{', else YAML. */
static const char *guess_name(const buffer *b)
{
    size_t i = 0;
    while (i < b->len && strchr(" \t\r\n", b->data[i]) != NULL)
        i++;
    return i < b->len && b->data[i] == '{' ? "openapi.json" : "openapi.yaml";
}

static int load_from_target(af_afl_core *core, const cmdline *c)
{
    int at = af_afl_scan_args(c->argc, c->argv, NULL, NULL);
    if (at < 0 || c->argv == NULL)
        return fail("no target found on afl-fuzz's command line "
                    "(/proc/self/cmdline); set APIFUZZ_SPEC=path");
    char path[4096];
    if (resolve_target(c->argv[at], path, sizeof path) != 0)
        return fail("the target %s is not an executable file; set "
                    "APIFUZZ_SPEC=path",
                    c->argv[at]);
    buffer text = {0};
    int rc = capture_spec(path, &text);
    if (rc == 0) {
        af_error err;
        af_error_clear(&err);
        if (af_model_load_text(text.data, text.len, guess_name(&text), NULL,
                               &core->m, &err) != 0)
            rc = fail_err("cannot load the spec printed by the target", &err);
        snprintf(core->spec_from, sizeof core->spec_from, "%s", path);
    }
    free(text.data);
    return rc;
}

static int load_model(af_afl_core *core, const cmdline *c)
{
    const char *path = getenv("APIFUZZ_SPEC");
    if (path == NULL || *path == 0)
        return load_from_target(core, c);
    af_error err;
    af_error_clear(&err);
    if (af_model_load(path, &core->m, &err) != 0)
        return fail_err("cannot load APIFUZZ_SPEC", &err);
    snprintf(core->spec_from, sizeof core->spec_from, "APIFUZZ_SPEC=%s", path);
    return 0;
}

/* ---- the plan, with the target's environment (fuzzer.c) ---- */

static int build_plan(af_afl_core *core)
{
    af_gen_opts o;
    af_error err;
    af_error_clear(&err);
    if (af_gen_opts_from_env(&o, &err) != 0 ||
        af_gen_new(core->m, &o, &core->g, &err) != 0)
        return fail_err("cannot build the generator", &err);
    af_error_clear(&err);
    if (af_mutator_new(core->g, &core->mu, &err) != 0)
        return fail_err("cannot build the mutator", &err);
    return 0;
}

/* ---- dictionaries ---- */

/* AFL++'s -x DIR: every file is one token (up to 128 bytes, as afl-fuzz
   reads them). */
static void load_dict_dir(af_mutator *mu, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > 128)
            continue;
        buffer tok = {0};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read_fd(fd, &tok, 128) == 0 && tok.len > 0)
            af_mutator_add_token(mu, tok.data, tok.len);
        if (fd >= 0)
            close(fd);
        free(tok.data);
    }
    closedir(d);
}

/* One -x value: FILE, DIR, or either with afl-fuzz's "@level" suffix.
   afl-fuzz has already accepted it; a file our reader refuses is a
   warning, not a failure. */
static void on_afl_dict(void *ctx, const char *value)
{
    af_mutator *mu = ctx;
    char path[4096];
    snprintf(path, sizeof path, "%s", value);
    struct stat st;
    char *at = strrchr(path, '@');
    if (stat(path, &st) != 0 && at != NULL) {
        *at = 0;
        if (stat(path, &st) != 0)
            return;
    }
    if (S_ISDIR(st.st_mode)) {
        load_dict_dir(mu, path);
        return;
    }
    af_error err;
    af_error_clear(&err);
    if (af_mutator_load_dict(mu, path, &err) < 0)
        fail_err("warning: dictionary -x skipped", &err);
}

static int load_dicts(af_afl_core *core, const cmdline *c)
{
    const char *path = getenv("APIFUZZ_DICT");
    if (path != NULL && *path != 0) {
        af_error err;
        af_error_clear(&err);
        if (af_mutator_load_dict(core->mu, path, &err) < 0)
            return fail_err("cannot read APIFUZZ_DICT", &err);
    }
    if (c->argc > 0)
        af_afl_scan_args(c->argc, c->argv, on_afl_dict, core->mu);
    return 0;
}

int af_afl_start(af_afl_core *core)
{
    memset(core, 0, sizeof *core);
    cmdline c;
    if (cmdline_read(&c) != 0) {
        cmdline_free(&c);
        memset(&c, 0, sizeof c); /* no command line: APIFUZZ_SPEC only */
    }
    int rc = load_model(core, &c);
    if (rc == 0)
        rc = build_plan(core);
    if (rc == 0)
        rc = load_dicts(core, &c);
    cmdline_free(&c);
    if (rc != 0)
        af_afl_stop(core);
    return rc;
}

void af_afl_stop(af_afl_core *core)
{
    af_mutator_free(core->mu);
    af_gen_free(core->g);
    af_model_free(core->m);
    memset(core, 0, sizeof *core);
}
