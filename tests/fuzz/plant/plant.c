/*
 * plant.c - a tiny in-memory item store with one planted bug, for the
 * engines' acceptance test (tests/t_engines.sh): GET /items/{id} of an
 * item created with kind "c" and count 42 dereferences NULL. Reaching it
 * takes a well-formed create and a fetch of the id it answered.
 *
 * Deliberately small and strict: every other request gets a documented
 * status, so the checks stay quiet and the planted crash is the only
 * finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apifuzz.h"

#define MAX_ITEMS 64

typedef struct item {
    char name[17];
    char kind;
    int count;
} item;

typedef struct store {
    item items[MAX_ITEMS];
    int n;
} store;

static int init(void **state)
{
    *state = calloc(1, sizeof(store));
    return *state == NULL;
}

static void reset(void *state)
{
    memset(state, 0, sizeof(store));
}

static void fini(void *state)
{
    free(state);
}

static void answer(apifuzz_response *resp, int status, const char *json)
{
    apifuzz_response_status(resp, status);
    apifuzz_response_header(resp, "Content-Type", "application/json");
    apifuzz_response_body(resp, json, strlen(json));
}

static void answer_item(apifuzz_response *resp, int status, const item *it,
                        int id)
{
    char buf[160];
    snprintf(buf, sizeof buf,
             "{\"id\":%d,\"name\":\"%s\",\"kind\":\"%c\",\"count\":%d}", id,
             it->name, it->kind, it->count);
    answer(resp, status, buf);
}

/* A printable ASCII name of 1..16 bytes (so it needs no JSON escaping). */
static int take_name(const cJSON *n, item *it)
{
    if (!cJSON_IsString(n))
        return -1;
    size_t len = strlen(n->valuestring);
    if (len < 1 || len > 16)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)n->valuestring[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            c = '_';
        it->name[i] = (char)c;
    }
    it->name[len] = 0;
    return 0;
}

static int parse_item(const apifuzz_request *q, item *it)
{
    cJSON *j = cJSON_ParseWithLength((const char *)q->body, q->body_len);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "count");
    int rc = -1;
    if (cJSON_IsObject(j) && cJSON_GetArraySize(j) == 3 &&
        take_name(cJSON_GetObjectItemCaseSensitive(j, "name"), it) == 0 &&
        cJSON_IsString(k) && strlen(k->valuestring) == 1 &&
        strchr("abc", k->valuestring[0]) != NULL && cJSON_IsNumber(c) &&
        c->valuedouble >= 0 && c->valuedouble <= 1000 &&
        c->valuedouble == (int)c->valuedouble) {
        it->kind = k->valuestring[0];
        it->count = (int)c->valuedouble;
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}

static void create(store *s, const apifuzz_request *q, apifuzz_response *resp)
{
    item it;
    memset(&it, 0, sizeof it);
    const char *ct = NULL;
    for (size_t i = 0; i < q->header_count; i++)
        if (strcmp(q->headers[i].name, "Content-Type") == 0)
            ct = q->headers[i].value;
    if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
        parse_item(q, &it) != 0) {
        answer(resp, 400, "{\"error\":\"bad item\"}");
        return;
    }
    if (s->n == MAX_ITEMS) {
        answer(resp, 400, "{\"error\":\"store full\"}");
        return;
    }
    s->items[s->n++] = it;
    answer_item(resp, 201, &it, s->n);
}

static void fetch(store *s, const char *id_text, apifuzz_response *resp)
{
    char *end;
    long id = strtol(id_text, &end, 10);
    if (*end != 0 || end == id_text || id < 1 || id > 1000000) {
        answer(resp, 400, "{\"error\":\"bad id\"}");
        return;
    }
    if (id > s->n) {
        answer(resp, 404, "{\"error\":\"no such item\"}");
        return;
    }
    const item *it = &s->items[id - 1];
    if (it->kind == 'c' && it->count == 42) {
        const item *planted = NULL; /* the planted bug */
        answer_item(resp, 200, planted, (int)id);
        return;
    }
    answer_item(resp, 200, it, (int)id);
}

static void handle(void *state, const apifuzz_request *q,
                   apifuzz_response *resp)
{
    store *s = state;
    if (strcmp(q->path, "/items") == 0 && strcmp(q->method, "POST") == 0)
        create(s, q, resp);
    else if (strncmp(q->path, "/items/", 7) == 0 &&
             strchr(q->path + 7, '/') == NULL && strcmp(q->method, "GET") == 0)
        fetch(s, q->path + 7, resp);
    else
        answer(resp, 404, "{\"error\":\"no such route\"}");
}

const apifuzz_service plant_service = {init, reset, handle, fini};
