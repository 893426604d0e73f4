/*
 * minimize.c - the structured crash minimizer (minimize.h): greedy
 * shrinking over the mutator's candidates, each tried in a forked child.
 *
 * The loop: take the signature of the input; then walk its candidates
 * (af_shrink_candidate, biggest simplification first) and keep the first
 * whose run has the same signature; start again from the kept one; stop
 * when no candidate of the current input keeps the signature, or the
 * try budget is spent. Candidates already tried (by a 64-bit hash of
 * their bytes) are not run again, since later rounds regenerate many of
 * the candidates earlier rounds rejected.
 *
 * The signature of a run, from its stderr (tools/signature.py implements
 * the same rules for `make triage`; keep them in step):
 * - a check's report: its "apifuzz-signature: " line, verbatim;
 * - else KIND:OP:FRAMES. KIND is the first "SUMMARY: <tool>: <kind>"
 *   line's kind ("SEGV", "heap-use-after-free", "undefined-behavior"; a
 *   leak is "memory-leak"; for libFuzzer and apifuzz the words joined by
 *   '-', "deadly-signal"), else "signal-N" / "exit-N" from the status.
 *   OP is the operation of the last call of the crash context (crash.h:
 *   the curl lines after "apifuzz: crash while running"), its
 *   operationId or "METHOD /template", "-" without a context. FRAMES are
 *   the first three frames of the first stack trace that lie in the
 *   service (not in the sanitizer or libFuzzer runtimes, libc, or
 *   apifuzz's own src/), joined by ','; when there are none, apifuzz's
 *   own; when no trace, the file:line of a "runtime error" line; else "?".
 *   A frame is its function name, or module+offset when unsymbolized.
 *
 * Tuned for a few hundred tries of small programs: one fork per try (a
 * copy-on-write fork of the initialized process costs about a
 * millisecond, far less than the run itself under ASan).
 */
#include "engine/minimize.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INPUT_MAX (64u << 20)
#define TEXT_MAX (1u << 20) /* stderr kept per try */
#define SIG_MAX 1024
#define FRAME_MAX 128

/* ---- signatures ---- */

typedef struct frames {
    char own[3][FRAME_MAX]; /* in the service */
    char lib[3][FRAME_MAX]; /* in apifuzz's src/ */
    int n_own, n_lib;
    bool is_done; /* the first trace ended */
    bool is_in_trace;
} frames;

typedef struct parsed {
    char check[SIG_MAX];
    char kind[96];
    char location[FRAME_MAX];
    frames fr;
    int context_calls; /* -1: no crash context */
    bool is_in_context;
} parsed;

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Copies at most cap-1 bytes of [s, s+len), NUL-terminated. */
static void copy_span(char *out, size_t cap, const char *s, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = 0;
}

static bool is_runtime(const char *func, const char *where)
{
    static const char *const funcs[] = {
        "__sanitizer", "__asan",     "__ubsan",   "__lsan", "__interceptor",
        "fuzzer::",    "LLVMFuzzer", "__libc",    "_start", "abort",
        "raise",       "__GI_",      "__pthread", "__kill"};
    static const char *const places[] = {
        "compiler-rt/",  "sanitizer_common",
        "libFuzzer",     "/Fuzzer",
        "libc.so",       "libc-",
        "sysdeps/",      "csu/",
        "libclang_rt",   "/usr/lib/",
        "/usr/include/", "/lib/x86_64-linux-gnu/",
        "/lib64/"};
    for (size_t k = 0; func != NULL && k < sizeof funcs / sizeof *funcs; k++)
        if (has_prefix(func, funcs[k]))
            return true;
    if (func != NULL && strcmp(func, "main") == 0)
        return true;
    for (size_t k = 0; k < sizeof places / sizeof *places; k++)
        if (strstr(where, places[k]) != NULL)
            return true;
    return false;
}

static bool is_apifuzz(const char *func, const char *where)
{
    static const char *const dirs[] = {"src/engine/", "src/gen/",  "src/check/",
                                       "src/wire/",   "src/util/", "src/spec/"};
    if (func != NULL &&
        (has_prefix(func, "af_") || has_prefix(func, "apifuzz_")))
        return true;
    for (size_t k = 0; k < sizeof dirs / sizeof *dirs; k++)
        if (strstr(where, dirs[k]) != NULL)
            return true;
    return false;
}

/* "#N 0xADDR in FUNC WHERE" or "#N 0xADDR (MODULE+0xOFF)". */
static void take_frame(frames *fr, const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    bool is_first = has_prefix(p, "#0 ");
    if (is_first && fr->is_in_trace)
        fr->is_done = true;
    fr->is_in_trace = true;
    if (fr->is_done)
        return;
    p = strchr(p, ' ');
    p = p != NULL ? strchr(p + 1, ' ') : NULL; /* past the address */
    if (p == NULL)
        return;
    while (*p == ' ')
        p++;
    char func[FRAME_MAX] = "", name[FRAME_MAX];
    const char *where = p;
    if (has_prefix(p, "in ")) {
        size_t n = strcspn(p + 3, " \n");
        copy_span(func, sizeof func, p + 3, n);
        where = p + 3 + n;
    }
    if (is_runtime(func[0] ? func : NULL, where))
        return;
    if (func[0] != 0) {
        copy_span(name, sizeof name, func, strlen(func));
    } else {
        const char *m = strrchr(where, '/');
        m = m != NULL ? m + 1 : (*where == '(' ? where + 1 : where);
        copy_span(name, sizeof name, m, strcspn(m, ")\n"));
    }
    if (is_apifuzz(func[0] ? func : NULL, where)) {
        if (fr->n_lib < 3)
            memcpy(fr->lib[fr->n_lib++], name, sizeof name);
    } else if (fr->n_own < 3) {
        memcpy(fr->own[fr->n_own++], name, sizeof name);
    }
}

/* "SUMMARY: AddressSanitizer: SEGV /x.c:1 in f" gives "SEGV". */
static void take_summary(parsed *ps, const char *line)
{
    const char *tool = line + strlen("SUMMARY: ");
    const char *colon = strstr(tool, ": ");
    if (colon == NULL || ps->kind[0] != 0)
        return;
    const char *k = colon + 2;
    size_t n = strcspn(k, " \n");
    if (strstr(k, "leaked in") != NULL) {
        snprintf(ps->kind, sizeof ps->kind, "memory-leak");
    } else if (has_prefix(tool, "libFuzzer:") || has_prefix(tool, "apifuzz:")) {
        /* "out-of-memory (malloc(4096))": the words before the detail */
        const char *paren = strstr(k, " (");
        copy_span(ps->kind, sizeof ps->kind, k,
                  paren != NULL ? (size_t)(paren - k) : strcspn(k, "\n"));
        for (char *c = ps->kind; *c; c++)
            *c = *c == ' ' ? '-' : *c;
    } else {
        copy_span(ps->kind, sizeof ps->kind, k, n);
    }
}

/* "dir/x.c:60:5: runtime error: ..." gives "x.c:60". */
static void take_location(parsed *ps, const char *line, const char *mark)
{
    if (ps->location[0] != 0)
        return;
    const char *start = line;
    for (const char *c = line; c < mark; c++)
        if (*c == '/')
            start = c + 1;
    const char *colon = strchr(start, ':');
    const char *end = colon != NULL ? strchr(colon + 1, ':') : NULL;
    if (end != NULL && end < mark)
        copy_span(ps->location, sizeof ps->location, start,
                  (size_t)(end - start));
}

static void take_line(parsed *ps, const char *line)
{
    const char *trim = line;
    while (*trim == ' ' || *trim == '\t')
        trim++;
    if (ps->is_in_context) {
        if (has_prefix(line, "curl ") || has_prefix(line, "# (not"))
            ps->context_calls++;
        else
            ps->is_in_context = false;
    }
    const char *mark;
    if (has_prefix(line, "apifuzz-signature: ") && ps->check[0] == 0)
        copy_span(ps->check, sizeof ps->check, line + 19,
                  strcspn(line + 19, "\n"));
    else if (has_prefix(line, "apifuzz: crash while running") &&
             ps->context_calls < 0)
        ps->context_calls = 0, ps->is_in_context = true;
    else if (has_prefix(line, "SUMMARY: "))
        take_summary(ps, line);
    else if (trim[0] == '#' && trim[1] >= '0' && trim[1] <= '9')
        take_frame(&ps->fr, line);
    else if ((mark = strstr(line, ": runtime error: ")) != NULL)
        take_location(ps, line, mark);
}

/* The crashing call's operation name, "-" when unknown. */
static void operation_name(const af_gen *g, const uint8_t *data, size_t len,
                           int call, char *out, size_t cap)
{
    snprintf(out, cap, "-");
    if (g == NULL || call < 0)
        return;
    af_arena a;
    af_arena_init(&a);
    af_program p;
    if (af_program_decode(g, &a, data, len, &p, NULL) == 0 &&
        (uint32_t)call < p.n_calls) {
        const af_operation *op = &g->model->ops[p.calls[call].op];
        if (op->operation_id != NULL)
            snprintf(out, cap, "%s", op->operation_id);
        else
            snprintf(out, cap, "%s %s", op->method, op->path);
    }
    af_arena_free(&a);
}

static void join_frames(const parsed *ps, char *out, size_t cap)
{
    const frames *fr = &ps->fr;
    int n = fr->n_own > 0 ? fr->n_own : fr->n_lib;
    const char(*names)[FRAME_MAX] = fr->n_own > 0 ? fr->own : fr->lib;
    out[0] = 0;
    for (int k = 0; k < n; k++) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", k > 0 ? "," : "", names[k]);
    }
    if (n == 0)
        snprintf(out, cap, "%s", ps->location[0] ? ps->location : "?");
}

void af_minimize_signature(const af_gen *g, const uint8_t *data, size_t len,
                           const char *text, int status, char *out, size_t cap)
{
    static parsed ps; /* large; the minimizer is single-threaded */
    memset(&ps, 0, sizeof ps);
    ps.context_calls = -1;
    char line[2048];
    for (const char *p = text; *p != 0;) {
        size_t n = strcspn(p, "\n");
        copy_span(line, sizeof line, p, n);
        take_line(&ps, line);
        p += n + (p[n] == '\n');
    }
    if (ps.check[0] != 0) {
        snprintf(out, cap, "%s", ps.check);
        return;
    }
    if (ps.kind[0] == 0 && WIFSIGNALED(status))
        snprintf(ps.kind, sizeof ps.kind, "signal-%d", WTERMSIG(status));
    else if (ps.kind[0] == 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(ps.kind, sizeof ps.kind, "exit-%d", WEXITSTATUS(status));
    if (ps.kind[0] == 0) {
        out[0] = 0;
        return;
    }
    char op[256], fr[3 * FRAME_MAX + 4];
    operation_name(g, data, len, ps.context_calls - 1, op, sizeof op);
    join_frames(&ps, fr, sizeof fr);
    snprintf(out, cap, "%s:%s:%s", ps.kind, op, fr);
}

/* ---- one try in a child ---- */

typedef struct mz {
    const af_gen *g;
    af_runner *r;
    af_mutator *mu;
    unsigned timeout;
    uint32_t runs, max_runs;
    char *text;      /* TEXT_MAX + 1 */
    uint64_t *tried; /* open addressing; 0 empty */
    uint32_t n_tried, cap_tried;
} mz;

/* Without libFuzzer's handlers yet, an abort would leave no trace:
   print one the way libFuzzer does ("deadly signal"). */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static void on_deadly_signal(int sig)
{
    if (__sanitizer_print_stack_trace != NULL)
        __sanitizer_print_stack_trace();
    fputs("SUMMARY: apifuzz: deadly signal\n", stderr);
    fflush(stderr);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_in_child(mz *z, int fd, const uint8_t *data, size_t len)
{
    dup2(fd, 2);
    close(fd);
    FILE *null = freopen("/dev/null", "w", stdout);
    (void)null;
    signal(SIGABRT, on_deadly_signal);
    signal(SIGILL, on_deadly_signal);
    alarm(z->timeout);
    af_runner_run(z->r, data, len);
    fflush(stderr);
    _exit(0);
}

/* Runs data in a child; its stderr into z->text. The waitpid status, or
   -1 when no child could be started. */
static int run_once(mz *z, const uint8_t *data, size_t len)
{
    int fds[2];
    z->text[0] = 0;
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_in_child(z, fds[1], data, len);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    size_t used = 0;
    char drain[4096] = {0}; /* where output past TEXT_MAX goes */
    for (;;) {
        bool is_full = used >= TEXT_MAX;
        ssize_t n = read(fds[0], is_full ? drain : z->text + used,
                         is_full ? sizeof drain : TEXT_MAX - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!is_full)
            used += (size_t)n;
    }
    z->text[used] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    z->runs++;
    return status;
}

static void signature_of(mz *z, const uint8_t *data, size_t len, char *out)
{
    int status = run_once(z, data, len);
    if (status == -1) {
        out[0] = 0;
        return;
    }
    af_minimize_signature(z->g, data, len, z->text, status, out, SIG_MAX);
}

/* ---- the loop ---- */

static uint64_t hash64(const uint8_t *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h | 1; /* 0 marks an empty slot */
}

/* Marks the input tried; false when it was already. */
static bool first_try(mz *z, const uint8_t *data, size_t len)
{
    if ((z->n_tried + 1) * 2 > z->cap_tried) {
        uint32_t cap = z->cap_tried ? z->cap_tried * 2 : 1024;
        uint64_t *t = calloc(cap, sizeof *t);
        if (t == NULL)
            return true;
        for (uint32_t k = 0; k < z->cap_tried; k++) {
            uint32_t i = (uint32_t)z->tried[k] & (cap - 1);
            while (z->tried[k] != 0 && t[i] != 0)
                i = (i + 1) & (cap - 1);
            if (z->tried[k] != 0)
                t[i] = z->tried[k];
        }
        free(z->tried);
        z->tried = t;
        z->cap_tried = cap;
    }
    uint64_t h = hash64(data, len);
    uint32_t i = (uint32_t)h & (z->cap_tried - 1);
    for (; z->tried[i] != 0; i = (i + 1) & (z->cap_tried - 1))
        if (z->tried[i] == h)
            return false;
    z->tried[i] = h;
    z->n_tried++;
    return true;
}

/* One round: replaces *cur by its first candidate that keeps sig.
   Returns true when one did. */
static bool shrink_round(mz *z, uint8_t *cur, size_t *len, uint8_t *buf,
                         size_t cap, const char *sig)
{
    char got[SIG_MAX];
    uint32_t n = af_shrink_count(z->mu, cur, *len);
    for (uint32_t k = 0; k < n && z->runs < z->max_runs; k++) {
        size_t m = af_shrink_candidate(z->mu, cur, *len, k, buf, cap);
        if (m == 0 || (m == *len && memcmp(buf, cur, m) == 0) ||
            !first_try(z, buf, m))
            continue;
        signature_of(z, buf, m, got);
        if (strcmp(got, sig) != 0)
            continue;
        memcpy(cur, buf, m);
        *len = m;
        return true;
    }
    return false;
}

static uint32_t count_calls(const af_gen *g, const uint8_t *data, size_t len)
{
    af_arena a;
    af_arena_init(&a);
    af_program p;
    uint32_t n =
        af_program_decode(g, &a, data, len, &p, NULL) == 0 ? p.n_calls : 0;
    af_arena_free(&a);
    return n;
}

/* Minimizes data[0..*len) in place (the buffer holds cap bytes).
   0, or 1 when the input does not fail. */
static int minimize(mz *z, uint8_t *data, size_t *len, size_t cap)
{
    char sig[SIG_MAX];
    signature_of(z, data, *len, sig);
    if (sig[0] == 0) {
        fputs("apifuzz minimize: the input does not fail\n", stderr);
        return 1;
    }
    fprintf(stderr, "apifuzz minimize: signature: %s\n", sig);
    fprintf(stderr, "apifuzz minimize: start: %zu bytes, %u calls\n", *len,
            count_calls(z->g, data, *len));
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return 1;
    first_try(z, data, *len);
    while (z->runs < z->max_runs && shrink_round(z, data, len, buf, cap, sig))
        ;
    free(buf);
    fprintf(stderr,
            "apifuzz minimize: result: %zu bytes, %u calls (%u runs%s)\n", *len,
            count_calls(z->g, data, *len), z->runs,
            z->runs >= z->max_runs ? ", budget spent" : "");
    return 0;
}

/* ---- files and the environment ---- */

/* The whole file, malloc'd with room for *cap bytes (at least twice its
   size). NULL when it cannot be read or exceeds INPUT_MAX. */
static uint8_t *read_file(const char *path, size_t *len, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, size = 0;
    bool is_ok = true;
    for (;;) {
        if (n >= size / 2) {
            /* Twice the content at least: the buffer also holds
               candidates that come out longer than their input. */
            size_t new_size = size == 0 ? 65536 : size * 2;
            uint8_t *grown =
                new_size <= 4 * INPUT_MAX ? realloc(buf, new_size) : NULL;
            if (grown == NULL) {
                is_ok = false;
                break;
            }
            buf = grown;
            size = new_size;
        }
        size_t k = fread(buf + n, 1, size / 2 - n, f);
        if (k == 0)
            break;
        n += k;
    }
    is_ok = is_ok && !ferror(f) && n <= INPUT_MAX;
    fclose(f);
    if (!is_ok) {
        free(buf);
        return NULL;
    }
    *len = n;
    *cap = size;
    return buf;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    bool is_ok = len == 0 || fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && is_ok ? 0 : -1;
}

static unsigned env_unsigned(const char *name, unsigned dflt)
{
    const char *s = getenv(name);
    if (s == NULL || *s == 0)
        return dflt;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != 0 || v == 0 || v > 1000000) {
        fprintf(stderr, "apifuzz minimize: %s=%s: expected 1..1000000\n", name,
                s);
        exit(1);
    }
    return (unsigned)v;
}

int af_minimize_from_env(const af_gen *g, af_runner *r, af_mutator *mu)
{
    const char *in = getenv("APIFUZZ_MINIMIZE");
    if (in == NULL || *in == 0)
        return 0;
    const char *out = getenv("APIFUZZ_MINIMIZE_OUT");
    char *dflt = NULL;
    if (out == NULL || *out == 0) {
        size_t n = strlen(in) + 5;
        dflt = malloc(n);
        if (dflt == NULL)
            exit(1);
        snprintf(dflt, n, "%s.min", in);
        out = dflt;
    }
    mz z = {g,
            r,
            mu,
            env_unsigned("APIFUZZ_MINIMIZE_TIMEOUT", 10),
            0,
            env_unsigned("APIFUZZ_MINIMIZE_RUNS", 4000),
            malloc(TEXT_MAX + 1),
            NULL,
            0,
            0};
    size_t len = 0, cap = 0;
    uint8_t *data = read_file(in, &len, &cap);
    int rc = 1;
    if (data == NULL)
        fprintf(stderr, "apifuzz minimize: cannot read %s\n", in);
    else if (z.text != NULL && minimize(&z, data, &len, cap) == 0)
        rc = write_file(out, data, len) == 0 ? 0 : 2;
    if (rc == 2)
        fprintf(stderr, "apifuzz minimize: cannot write %s\n", out);
    else if (rc == 0)
        fprintf(stderr, "apifuzz minimize: wrote %s\n", out);
    free(data);
    free(z.text);
    free(z.tried);
    free(dflt);
    exit(rc == 0 ? 0 : 1);
}
