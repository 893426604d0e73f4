/*
 * main.c - NAME_serve: one service target behind HTTP (serve.h). Built
 * once per service by mk/serve.mk with -DAF_SERVE_TARGET=NAME, which
 * links NAME_service from the target's sources (its harness excluded).
 *
 *   NAME_serve [--port N] [--listen ADDR] [--max-body BYTES]
 *              [--threads N] [--reset-each] [--log]
 *
 * Prints one line "NAME_serve: listening on http://ADDR:PORT/" on
 * stdout once it accepts connections (with --port 0, the port chosen),
 * then serves until SIGINT or SIGTERM, and exits 0 after a clean stop
 * (in-flight requests finished, the service's fini called). The signals
 * are blocked in every thread and taken by sigwait here, so no handler
 * runs inside libmicrohttpd or the service.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

#ifndef AF_SERVE_TARGET
#error "build with -DAF_SERVE_TARGET=NAME (mk/serve.mk does)"
#endif
#define SERVE_CAT_(a, b) a##b
#define SERVE_CAT(a, b) SERVE_CAT_(a, b)
#define SERVE_STR_(a) #a
#define SERVE_STR(a) SERVE_STR_(a)
#define SERVICE SERVE_CAT(AF_SERVE_TARGET, _service)
#define NAME SERVE_STR(AF_SERVE_TARGET) "_serve"

extern const apifuzz_service SERVICE;

static const char usage_text[] =
    "usage: " NAME " [--port N] [--listen ADDR] [--max-body BYTES]\n"
    "       [--threads N] [--reset-each] [--log]\n";

static const char help_text[] =
    "\n"
    "Serves the " SERVE_STR(
        AF_SERVE_TARGET) " service over HTTP/1.1.\n"
                         "\n"
                         "  --port N          port (default 8080; 0: any free "
                         "port)\n"
                         "  --listen ADDR     address to bind (default "
                         "127.0.0.1; 0.0.0.0 or ::\n"
                         "                    to accept other hosts)\n"
                         "  --max-body BYTES  larger request bodies are "
                         "answered 413\n"
                         "                    (default 1048576)\n"
                         "  --threads N       libmicrohttpd threads (default "
                         "2; the service\n"
                         "                    itself is always called by one "
                         "at a time)\n"
                         "  --reset-each      reset the service before every "
                         "request\n"
                         "  --log             one line per request on stderr\n"
                         "\n"
                         "GET /openapi.json serves the spec (APIFUZZ_SPEC=path "
                         "overrides the\n"
                         "embedded one), POST " AF_SERVE_RESET_PATH
                         " resets the service's\n"
                         "state; everything else goes to the service. The "
                         "state persists\n"
                         "between requests otherwise.\n";

static int usage_error(const char *why, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s\n%s", NAME, why, arg ? ": " : "",
            arg ? arg : "", usage_text);
    return 2;
}

static bool number(const char *text, unsigned long long max,
                   unsigned long long *out)
{
    char *end;
    if (text == NULL || *text < '0' || *text > '9')
        return false;
    *out = strtoull(text, &end, 10);
    return *end == 0 && *out <= max;
}

/* Returns 0, 1 for --help, or 2 for a usage error. */
static int parse(int argc, char **argv, af_serve_opts *o)
{
    unsigned long long n;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return 1;
        if (strcmp(a, "--reset-each") == 0) {
            o->is_reset_each = true;
            continue;
        }
        if (strcmp(a, "--log") == 0) {
            o->is_logging = true;
            continue;
        }
        if (strcmp(a, "--listen") == 0 && v != NULL)
            o->listen = v;
        else if (strcmp(a, "--port") == 0 && number(v, 65535, &n))
            o->port = (uint16_t)n;
        else if (strcmp(a, "--max-body") == 0 && number(v, 1ull << 32, &n) &&
                 n > 0)
            o->max_body = (size_t)n;
        else if (strcmp(a, "--threads") == 0 && number(v, 64, &n) && n > 0)
            o->threads = (unsigned)n;
        else
            return usage_error(v == NULL ? "a value is needed by"
                                         : "unknown option or bad value",
                               a);
        i++;
    }
    return 0;
}

static void print_listening(const af_serve_opts *o, uint16_t port)
{
    const char *addr = o->listen ? o->listen : "127.0.0.1";
    bool is_v6 = strchr(addr, ':') != NULL;
    printf("%s: listening on http://%s%s%s:%u/ (spec: /openapi.json)\n", NAME,
           is_v6 ? "[" : "", addr, is_v6 ? "]" : "", (unsigned)port);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    af_serve_opts o = {.name = NAME, .port = 8080};
    int rc = parse(argc, argv, &o);
    if (rc != 0) {
        if (rc == 1)
            printf("%s%s", usage_text, help_text);
        return rc == 1 ? 0 : rc;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* inherited by every thread */
    signal(SIGPIPE, SIG_IGN);
    af_server *s;
    af_error err;
    af_error_clear(&err);
    if (af_serve_start(&SERVICE, &o, &s, &err) != 0) {
        char buf[1400];
        fprintf(stderr, "%s: %s\n", NAME,
                af_error_format(&err, buf, sizeof buf));
        return 1;
    }
    print_listening(&o, af_serve_port(s));
    int sig = 0;
    sigwait(&stop, &sig);
    af_serve_stop(s);
    fprintf(stderr, "%s: stopped (%s)\n", NAME,
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
}
