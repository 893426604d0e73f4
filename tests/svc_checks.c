/*
 * svc_checks.c - the checks test service (tests/specs/checks.yaml): one
 * operation that breaks each check on purpose, and conformant controls
 * (GET /ok set field by field, GET /raw as a chunked raw response).
 * Undocumented methods get 405 with Allow, except on /unsupported.
 *
 * Linked into every test binary (Makefile), so it has no main and its
 * only external symbol is af_test_checks_service.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apifuzz.h"

#define MAX_THINGS 64

typedef struct svc {
    int next_id;
    int uaf[MAX_THINGS]; /* 1 created, 2 deleted (and still served: bug) */
    int era_created;
} svc;

static unsigned long random_counter; /* survives reset: the determinism bug */

static int svc_init(void **state)
{
    *state = calloc(1, sizeof(svc));
    return *state == NULL;
}

static void svc_reset(void *state)
{
    memset(state, 0, sizeof(svc));
}

static void svc_fini(void *state)
{
    free(state);
}

static void json(apifuzz_response *r, int status, const char *body)
{
    apifuzz_response_status(r, status);
    apifuzz_response_header(r, "Content-Type", "application/json");
    apifuzz_response_body(r, body, strlen(body));
}

typedef struct route {
    const char *path; /* a trailing '*' matches one segment */
    const char *allow;
} route;

static const route routes[] = {
    {"/ok", "GET"},
    {"/raw", "GET"},
    {"/server-error", "GET"},
    {"/undocumented-status", "GET"},
    {"/wrong-content-type", "GET"},
    {"/missing-response-header", "GET"},
    {"/bad-schema", "GET"},
    {"/malformed", "GET"},
    {"/negative", "GET"},
    {"/positive", "GET"},
    {"/secure", "GET"},
    {"/needs-header", "GET"},
    {"/slow", "GET"},
    {"/random", "GET"},
    {"/unsupported", "GET, PUT, POST, DELETE, PATCH"},
    {"/uaf", "POST"},
    {"/uaf/*", "GET, DELETE"},
    {"/era", "POST"},
    {"/era/*", "GET"},
};

static const route *route_of(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *p = routes[i].path;
        size_t n = strlen(p);
        if (p[n - 1] == '*' ? strncmp(path, p, n - 1) == 0 &&
                                  strchr(path + n - 1, '/') == NULL
                            : strcmp(path, p) == 0)
            return &routes[i];
    }
    return NULL;
}

static bool allows(const route *rt, const char *method)
{
    const char *a = strstr(rt->allow, method);
    size_t n = strlen(method);
    return a != NULL && (a[n] == 0 || a[n] == ',');
}

/* The id of /uaf/<id>: 1..MAX_THINGS-1, else 0. */
static int id_of(const char *path)
{
    const char *s = strrchr(path, '/') + 1;
    char *end;
    long v = strtol(s, &end, 10);
    return *s != 0 && *end == 0 && v > 0 && v < MAX_THINGS ? (int)v : 0;
}

static void created(apifuzz_response *r, int id)
{
    char body[32];
    snprintf(body, sizeof body, "{\"id\":%d}", id);
    json(r, 201, body);
}

static void things(svc *s, const apifuzz_request *q, apifuzz_response *r)
{
    bool is_uaf = strncmp(q->path, "/uaf", 4) == 0;
    if (strcmp(q->method, "POST") == 0) {
        int id = ++s->next_id;
        if (is_uaf && id < MAX_THINGS)
            s->uaf[id] = 1;
        created(r, id);
        return;
    }
    int id = id_of(q->path);
    if (!is_uaf || id == 0 || s->uaf[id] == 0) {
        apifuzz_response_status(r, 404); /* era: never found (bug) */
        return;
    }
    if (strcmp(q->method, "DELETE") == 0) {
        apifuzz_response_status(r, s->uaf[id] == 1 ? 204 : 404);
        s->uaf[id] = 2;
        return;
    }
    apifuzz_response_status(r, 200); /* served after delete (bug) */
}

static const char raw_ok[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"
                             "4\r\n{\"ok\r\n"
                             "7;ext=1\r\n\":true}\r\n"
                             "0\r\n\r\n";
static const char raw_bad[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
                              "short";

static void fixed(const apifuzz_request *q, apifuzz_response *r)
{
    const char *p = q->path;
    if (strcmp(p, "/ok") == 0) {
        json(r, 200, "{\"ok\":true}");
        apifuzz_response_header(r, "X-Rate-Limit", "10");
    } else if (strcmp(p, "/raw") == 0) {
        apifuzz_response_raw(r, raw_ok, sizeof raw_ok - 1);
    } else if (strcmp(p, "/malformed") == 0) {
        apifuzz_response_raw(r, raw_bad, sizeof raw_bad - 1);
    } else if (strcmp(p, "/server-error") == 0) {
        apifuzz_response_status(r, 500);
    } else if (strcmp(p, "/undocumented-status") == 0) {
        apifuzz_response_status(r, 202);
    } else if (strcmp(p, "/wrong-content-type") == 0) {
        apifuzz_response_header(r, "Content-Type", "text/plain");
        apifuzz_response_body(r, "hi", 2);
    } else if (strcmp(p, "/missing-response-header") == 0) {
        json(r, 200, "{\"ok\":true}");
    } else if (strcmp(p, "/bad-schema") == 0) {
        json(r, 200, "{\"ok\":\"yes\"}");
    } else if (strcmp(p, "/positive") == 0) {
        apifuzz_response_status(r, 400);
    } else if (strcmp(p, "/slow") == 0) {
        struct timespec t = {0, 30 * 1000 * 1000};
        nanosleep(&t, NULL);
    } else if (strcmp(p, "/random") == 0) {
        char body[32];
        snprintf(body, sizeof body, "%lu", ++random_counter);
        apifuzz_response_header(r, "Content-Type", "text/plain");
        apifuzz_response_body(r, body, strlen(body));
    }
    /* /negative, /secure, /needs-header, /unsupported: 200, whatever the
       request holds (the bugs) */
}

static void svc_handle(void *state, const apifuzz_request *q,
                       apifuzz_response *r)
{
    const route *rt = route_of(q->path);
    if (rt == NULL) {
        apifuzz_response_status(r, 404);
        return;
    }
    if (!allows(rt, q->method)) {
        apifuzz_response_status(r, 405);
        apifuzz_response_header(r, "Allow", rt->allow);
        return;
    }
    if (strncmp(q->path, "/uaf", 4) == 0 || strncmp(q->path, "/era", 4) == 0)
        things(state, q, r);
    else
        fixed(q, r);
}

const apifuzz_service af_test_checks_service = {svc_init, svc_reset, svc_handle,
                                                svc_fini};
