/*
 * booking.c - the flight-booking service of the Schemathesis
 * introduction, in C, behind apifuzz's service contract: routing on the
 * raw path, the five operations of openapi.yaml, and booking_service.
 *
 * Every answer is documented in openapi.yaml: errors are JSON Error
 * objects; writes need the X-API-Key (401 before anything else); bad
 * parameters are 400, a body that is not JSON is 400 (not
 * application/json: 415), a JSON body against its schema is 422.
 * Twelve planted bugs (BUGS.md) sit under `#ifndef BOOKING_FIXED`, each
 * next to its fix; with -DBOOKING_FIXED none is left. State lives in
 * the store and the cache only, both emptied by reset, so programs are
 * deterministic. Tuned for in-process fuzzing: one request costs a few
 * prepared SQLite statements and one cJSON parse/print.
 */
#include "booking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_API_KEY "apifuzz-key" /* apifuzz's apiKey placeholder */
#define DEFAULT_LIMIT 20
#define NAME_SLOT 100 /* bytes of the name buffer (bug 6) */
/* "CHTR#742" read as a little-endian 64-bit integer (bug 9) */
#define CHARTER_CODE UINT64_C(0x3234372352544843)

typedef struct service {
    booking_store *store;
    booking_cache *cache;
    char *api_key;
    char *name_buf; /* NAME_SLOT bytes */
} service;

/* ---- helpers ---- */

static void db_error(service *s, apifuzz_response *r)
{
    char msg[200];
    snprintf(msg, sizeof msg, "database error: %s",
             booking_store_errmsg(s->store));
    booking_http_error(r, 500, msg);
}

static bool is_authorized(const service *s, const apifuzz_request *q)
{
    const char *key = booking_http_header(q, "X-API-Key");
    return key != NULL && strcmp(key, s->api_key) == 0;
}

/* A path segment as an integer in [lo, hi]. */
static bool segment_int(const char *seg, int64_t lo, int64_t hi, int64_t *out)
{
    char text[64];
    long n = booking_http_decode(seg, strlen(seg), text, sizeof text);
    return n > 0 && (size_t)n == strlen(text) &&
           booking_http_int(text, lo, hi, out);
}

static const char *const not_json = "the body is not JSON";

/* The body of q as JSON: 0 and *out, or the status to answer and why. */
static int read_body(const apifuzz_request *q, cJSON **out, const char **why)
{
    *out = NULL;
    *why = "the body must be application/json";
    if (!booking_http_is_json(q))
        return 415;
    *why = "a JSON body is required";
    if (q->body_len == 0)
        return 400;
    *why = "the body is not UTF-8";
    if (!booking_http_is_utf8(q->body, q->body_len))
        return 400;
    *why = not_json;
    *out = booking_body_parse(q->body, q->body_len);
    return *out == NULL ? 400 : 0;
}

/* ---- POST /bookings ---- */

#ifndef BOOKING_FIXED /* bug 12 */
static bool has_seat(const booking *b, int32_t row, char letter)
{
    for (uint32_t i = 0; i < b->n_seats; i++)
        if (b->seats[i].row == row && b->seats[i].letter == letter)
            return true;
    return false;
}
#endif

/* The NewBooking body v into b: NULL, or the 422 message. */
static const char *new_booking(const cJSON *v, booking *b)
{
    if (!cJSON_IsObject(v))
        return "the body must be an object";
#ifndef BOOKING_FIXED /* bug 1 */
    /* Planted bug 1: the id's type is read before anyone checks that
       the member is there (the article's KeyError): a body without "id"
       dereferences NULL. */
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
    if (id->type != cJSON_Number || booking_body_int32(v, "id", &b->id) != 1)
        return "id must be an int32";
#else
    int rc = booking_body_int32(v, "id", &b->id);
    if (rc != 1)
        return rc == 0 ? "id is required" : "id must be an int32";
#endif
    return booking_body_new(v, b);
}

/* Stores the validated booking b and answers 201 with it. */
static void insert(service *s, booking *b, apifuzz_response *r)
{
    int rc = booking_store_insert(s->store, b);
#ifndef BOOKING_FIXED /* bug 2 */
    /* Planted bug 2: a duplicate id fails the INSERT and falls through
       to the 500 below (the article's unique violation). */
#else
    if (rc == STORE_DUPLICATE) {
        booking_http_error(r, 409, "a booking with this id exists");
        return;
    }
#endif
    if (rc != 0) {
        db_error(s, r);
        return;
    }
    booking_cache_put(s->cache, b);
    booking_http_json(r, 201, booking_body_json(b));
}

static void create(service *s, const apifuzz_request *q, apifuzz_response *r)
{
    cJSON *v;
    const char *why;
    int st = read_body(q, &v, &why);
#ifndef BOOKING_FIXED /* bug 10 */
    /* Planted bug 10: this error path answers text/plain, not the
       documented application/json Error. */
    if (st == 400 && why == not_json) {
        apifuzz_response_status(r, 400);
        apifuzz_response_header(r, "Content-Type", "text/plain");
        apifuzz_response_body(r, "invalid JSON\n", 13);
        return;
    }
#endif
    if (st != 0) {
        booking_http_error(r, st, why);
        return;
    }
    booking b;
    memset(&b, 0, sizeof b);
    why = new_booking(v, &b);
    cJSON_Delete(v);
    if (why != NULL) {
        booking_http_error(r, 422, why);
        return;
    }
#ifndef BOOKING_FIXED /* bug 12 */
    /* Planted bug 12: both window seats of row 13 answer 418, a status
       the spec does not document. */
    if (has_seat(&b, 13, 'A') && has_seat(&b, 13, 'F')) {
        booking_http_error(r, 418, "I'm a teapot: row 13 is unlucky");
        return;
    }
#endif
    insert(s, &b, r);
}

/* ---- GET /bookings ---- */

/* Query parameter name as an integer in [lo, hi] (def when absent). */
static bool query_int(const apifuzz_request *q, const char *name, int64_t lo,
                      int64_t hi, int64_t def, int64_t *out)
{
    char text[64];
    int found = booking_http_query(q->query, name, text, sizeof text);
    *out = def;
    return found == 0 || (found == 1 && booking_http_int(text, lo, hi, out) &&
                          strlen(text) > 0);
}

/* is_active: -1 absent, 0 false, 1 true; false when invalid. */
static bool query_bool(const apifuzz_request *q, const char *name, int *out)
{
    char text[16];
    int found = booking_http_query(q->query, name, text, sizeof text);
    *out = found == 1 ? (strcmp(text, "true") == 0    ? 1
                         : strcmp(text, "false") == 0 ? 0
                                                      : -2)
                      : -1;
    return found == 0 || *out >= 0;
}

static void answer_list(apifuzz_response *r, const booking *rows, int64_t n,
                        bool has_more)
{
    cJSON *a = cJSON_CreateArray();
    for (int64_t i = 0; a != NULL && i < n; i++) {
        cJSON *o = booking_body_json(&rows[i]);
        if (o == NULL || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    apifuzz_response_header(r, "X-Has-More", has_more ? "true" : "false");
    booking_http_json(r, 200, a);
}

/* The list query into *limit, *offset, *active: NULL, or the 400
   message. */
static const char *list_query(const apifuzz_request *q, int64_t *limit,
                              int64_t *offset, int *active)
{
    if (!query_int(q, "limit", 1, INT32_MAX, DEFAULT_LIMIT, limit))
        return "limit must be an integer from 1 to 2147483647";
    if (!query_int(q, "offset", 0, INT32_MAX, 0, offset))
        return "offset must be an integer from 0 to 2147483647";
    if (!query_bool(q, "is_active", active))
        return "is_active must be true or false";
    return NULL;
}

static void list(service *s, const apifuzz_request *q, apifuzz_response *r)
{
    int64_t limit, offset, count, n = 0;
    int active;
    const char *why = list_query(q, &limit, &offset, &active);
    if (why != NULL) {
        booking_http_error(r, 400, why);
        return;
    }
    if (booking_store_count(s->store, active, &count) != 0) {
        db_error(s, r);
        return;
    }
    int64_t avail = count > offset ? count - offset : 0;
    int32_t page = (int32_t)limit;
#ifndef BOOKING_FIXED /* bug 8 */
    /* Planted bug 8: one row more than the page tells whether another
       page follows; at limit 2147483647 the int sum overflows, and the
       allocation size below with it. */
    int want = page + 1;
#else
    int64_t want = (int64_t)page + 1;
#endif
    if (want > avail + 1)
        want = avail + 1;
    booking *rows = malloc((size_t)want * sizeof *rows);
    int rc = rows != NULL
                 ? booking_store_list(s->store, active, offset, rows, want, &n)
                 : STORE_ERROR;
    if (rc != 0)
        db_error(s, r);
    else
        answer_list(r, rows, n > page ? page : n, n > page);
    free(rows);
}

/* ---- GET /bookings/{booking_id} ---- */

/* The Booking object of the detail view. */
static cJSON *detail_json(const booking *b)
{
    cJSON *o = booking_body_json(b);
#ifndef BOOKING_FIXED /* bug 4 */
    /* Planted bug 4: the detail view of a booking with seats writes
       is_active as the string the seat-map client wants, against the
       Booking schema's boolean. */
    if (o != NULL && b->n_seats > 0)
        cJSON_ReplaceItemInObjectCaseSensitive(
            o, "is_active",
            cJSON_CreateString(b->is_active ? "true" : "false"));
#endif
    return o;
}

static void get(service *s, const char *seg, apifuzz_response *r)
{
    int64_t id;
#ifndef BOOKING_FIXED /* bug 3 */
    /* Planted bug 3: the id is read as 64 bits, with no int32 range
       check; the database's int4() then fails with "integer out of
       range" and the error is answered 500 (the article's int32 bug). */
    bool is_valid = segment_int(seg, INT64_MIN / 10, INT64_MAX / 10, &id);
#else
    bool is_valid = segment_int(seg, INT32_MIN, INT32_MAX, &id);
#endif
    if (!is_valid) {
        booking_http_error(r, 400, "booking_id must be an int32");
        return;
    }
    booking b;
    if (!booking_cache_get(s->cache, id, &b)) {
        int rc = booking_store_get(s->store, id, &b);
        if (rc == STORE_NOT_FOUND) {
            booking_http_error(r, 404, "no booking has this id");
            return;
        }
        if (rc != 0) {
            db_error(s, r);
            return;
        }
        booking_cache_put(s->cache, &b);
    }
    booking_http_json(r, 200, detail_json(&b));
}

/* ---- PATCH /bookings/{booking_id} ---- */

/* Copies a new name into b through the service's name buffer (names
   that fit it need no allocation). */
static bool rename_booking(service *s, booking *b, const char *name)
{
    size_t len = strlen(name);
#ifndef BOOKING_FIXED /* bug 6 */
    /* Planted bug 6: the test of whether a name fits the 100-byte buffer
       forgets the NUL: a name of exactly 100 bytes writes 101. */
    bool fits = len <= NAME_SLOT;
#else
    bool fits = len < NAME_SLOT;
#endif
    char *buf = fits ? s->name_buf : malloc(len + 1);
    if (buf == NULL)
        return false;
    memcpy(buf, name, len + 1);
    memcpy(b->name, buf, len + 1);
    if (buf != s->name_buf)
        free(buf);
    return true;
}

/* Runs the patch p on booking id: the HTTP status, b the result. */
static int apply_patch(service *s, int32_t id, const booking_patch *p,
                       booking *b)
{
    int rc = booking_store_get(s->store, id, b);
    if (rc != 0)
        return rc == STORE_NOT_FOUND ? 404 : 500;
    if (p->has_name && !rename_booking(s, b, p->b.name))
        return 500;
    if (p->has_active)
        b->is_active = p->b.is_active;
    if (p->has_seats) {
        b->n_seats = p->b.n_seats;
        memcpy(b->seats, p->b.seats, sizeof b->seats);
    }
    rc = booking_store_update(s->store, b);
    if (rc != 0)
        return rc == STORE_NOT_FOUND ? 404 : 500;
    booking_cache_put(s->cache, b);
    return 200;
}

#ifndef BOOKING_FIXED /* bug 9 */
/* Planted bug 9: deactivating a charter booking (its name starts with
   the 8-byte code "CHTR#742") takes a hidden legacy path that writes a
   table this database does not have, and the error is answered 500.
   Only comparison tracing finds the code in reasonable time. */
static bool is_broken_charter(service *s, const booking_patch *p)
{
    uint64_t code; /* the name buffer is zero-padded: 8 bytes to read */
    memcpy(&code, p->b.name, sizeof code);
    return p->has_name && p->has_active && !p->b.is_active &&
           code == CHARTER_CODE &&
           booking_store_exec(s->store, "UPDATE charters SET active = 0") != 0;
}
#endif

static void patch(service *s, const char *seg, const apifuzz_request *q,
                  apifuzz_response *r)
{
    int64_t id;
    cJSON *v;
    const char *why;
    if (!segment_int(seg, INT32_MIN, INT32_MAX, &id)) {
        booking_http_error(r, 400, "booking_id must be an int32");
        return;
    }
    int st = read_body(q, &v, &why);
    if (st != 0) {
        booking_http_error(r, st, why);
        return;
    }
    booking_patch p;
    why = booking_body_patch(v, &p);
    cJSON_Delete(v);
    if (why != NULL) {
        booking_http_error(r, 422, why);
        return;
    }
#ifndef BOOKING_FIXED /* bug 9 */
    if (is_broken_charter(s, &p)) {
        db_error(s, r);
        return;
    }
#endif
    booking b;
    st = apply_patch(s, (int32_t)id, &p, &b);
    if (st == 404)
        booking_http_error(r, 404, "no booking has this id");
    else if (st == 500)
        db_error(s, r);
    else
        booking_http_json(r, 200, booking_body_json(&b));
}

/* ---- DELETE /bookings/{booking_id} ---- */

static void delete (service *s, const char *seg, apifuzz_response *r)
{
    int64_t id;
    if (!segment_int(seg, INT32_MIN, INT32_MAX, &id)) {
        booking_http_error(r, 400, "booking_id must be an int32");
        return;
    }
    int rc = booking_store_delete(s->store, (int32_t)id);
    if (rc == STORE_NOT_FOUND) {
        booking_http_error(r, 404, "no booking has this id");
        return;
    }
    if (rc != 0) {
        db_error(s, r);
        return;
    }
    booking_cache_remove(s->cache, (int32_t)id);
    apifuzz_response_status(r, 204);
}

/* ---- routing ---- */

static void not_allowed(apifuzz_response *r, const char *allow)
{
    apifuzz_response_header(r, "Allow", allow);
    booking_http_error(r, 405, "method not allowed");
}

/* Whether the request needs the API key. */
static bool needs_key(const apifuzz_request *q, bool is_collection)
{
    if (strcmp(q->method, "GET") == 0)
        return false;
#ifndef BOOKING_FIXED /* bug 11 */
    /* Planted bug 11: the key check exempts the path of the public list
       endpoint, so POST /bookings, which shares it, needs no key. */
    if (is_collection)
        return false;
#else
    (void)is_collection;
#endif
    return true;
}

static void handle(void *state, const apifuzz_request *q, apifuzz_response *r)
{
    service *s = state;
    const char *path = q->path != NULL ? q->path : "";
    bool is_collection = strcmp(path, "/bookings") == 0;
    const char *seg = strncmp(path, "/bookings/", 10) == 0 ? path + 10 : NULL;
    if (!is_collection && (seg == NULL || strchr(seg, '/') != NULL)) {
        booking_http_error(r, 404, "no such resource");
        return;
    }
    const char *m = q->method != NULL ? q->method : "";
    bool is_known = is_collection
                        ? strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0
                        : strcmp(m, "GET") == 0 || strcmp(m, "PATCH") == 0 ||
                              strcmp(m, "DELETE") == 0;
    if (!is_known)
        not_allowed(r, is_collection ? "GET, POST" : "GET, PATCH, DELETE");
    else if (needs_key(q, is_collection) && !is_authorized(s, q))
        booking_http_error(r, 401, "a valid X-API-Key is required");
    else if (is_collection && m[0] == 'G')
        list(s, q, r);
    else if (is_collection)
        create(s, q, r);
    else if (m[0] == 'G')
        get(s, seg, r);
    else if (m[0] == 'P')
        patch(s, seg, q, r);
    else
        delete (s, seg, r);
}

/* ---- the service ---- */

static void fini(void *state)
{
    service *s = state;
    if (s == NULL)
        return;
    booking_store_close(s->store);
    booking_cache_free(s->cache);
    free(s->api_key);
    free(s->name_buf);
    free(s);
}

static int init(void **state)
{
    service *s = calloc(1, sizeof *s);
    const char *key = getenv("BOOKING_API_KEY");
    if (s == NULL)
        return -1;
    s->store = booking_store_open();
    s->cache = booking_cache_new();
    s->api_key = strdup(key != NULL && key[0] != 0 ? key : DEFAULT_API_KEY);
    s->name_buf = malloc(NAME_SLOT);
    if (s->store == NULL || s->cache == NULL || s->api_key == NULL ||
        s->name_buf == NULL) {
        fini(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void reset(void *state)
{
    service *s = state;
    booking_store_reset(s->store);
    booking_cache_clear(s->cache);
}

const apifuzz_service booking_service = {init, reset, handle, fini};
