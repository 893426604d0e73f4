/*
 * booking.h - the example booking service's internal interfaces: the
 * booking record, storage (store.c, SQLite in memory), the record cache
 * (cache.c), request and response helpers (http.c), JSON bodies
 * (body.c); the handlers and the apifuzz_service object are in
 * booking.c.
 *
 * The planted bugs of BUGS.md are compiled in unless BOOKING_FIXED is
 * defined; each sits under `#ifndef BOOKING_FIXED` next to its fix.
 * Nothing here is thread-safe: one service state per thread.
 */
#ifndef BOOKING_H
#define BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "apifuzz.h"

#define BOOKING_NAME_MAX_CHARS 100 /* the schema's maxLength */
/* Bytes of a name: up to 4 per character, and the NUL. */
#define BOOKING_NAME_CAP (4 * BOOKING_NAME_MAX_CHARS + 1)
#define BOOKING_MAX_SEATS 10 /* the schema's maxItems */
#define BOOKING_ROW_MAX 60

typedef struct booking_seat {
    int32_t row; /* 1..BOOKING_ROW_MAX */
    char letter; /* 'A'..'F' */
} booking_seat;

typedef struct booking {
    int32_t id;
    bool is_active;
    char name[BOOKING_NAME_CAP]; /* UTF-8, NUL-terminated */
    char created_at[32];         /* RFC 3339, UTC */
    uint32_t n_seats;
    booking_seat seats[BOOKING_MAX_SEATS];
} booking;

/* ---- store.c: SQLite in memory ---- */

typedef struct booking_store booking_store;

/* Store results: 0, or one of these. */
enum {
    STORE_NOT_FOUND = 1, /* no row */
    STORE_DUPLICATE,     /* the primary key exists */
    STORE_ERROR          /* any other database error (message logged) */
};

/* Opens the database, registers int4(), creates the tables and prepares
   the statements. Returns NULL on failure (message on stderr). */
booking_store *booking_store_open(void);
void booking_store_close(booking_store *s);
/* Drops and recreates the tables (only when written since the last
   reset) and restarts the creation clock. */
void booking_store_reset(booking_store *s);

/* The message of the last database error ("" before any). */
const char *booking_store_errmsg(const booking_store *s);

/* Sets b->created_at from the store's clock and inserts b with its
   seats in one transaction. */
int booking_store_insert(booking_store *s, booking *b);
/* Reads booking id, an int64 cast to int32 by the database's int4()
   (out of range: STORE_ERROR, as PostgreSQL's "integer out of range"). */
int booking_store_get(booking_store *s, int64_t id, booking *out);
/* Writes name, is_active and the seats of b (by b->id). */
int booking_store_update(booking_store *s, const booking *b);
int booking_store_delete(booking_store *s, int32_t id);
/* The number of bookings matching the filter (is_active < 0: all). */
int booking_store_count(booking_store *s, int is_active, int64_t *out);
/* Up to cap bookings matching the filter, by id, from offset; *n read. */
int booking_store_list(booking_store *s, int is_active, int64_t offset,
                       booking *out, int64_t cap, int64_t *n);
/* Runs one statement prepared on the spot (for rarely used paths);
   STORE_ERROR when it does not prepare or run. */
int booking_store_exec(booking_store *s, const char *sql);

/* ---- cache.c: recently used bookings, in front of the store ---- */

typedef struct booking_cache booking_cache;

booking_cache *booking_cache_new(void);
void booking_cache_free(booking_cache *c);
void booking_cache_clear(booking_cache *c);
/* Caches a copy of b (the newest copy of an id wins). */
void booking_cache_put(booking_cache *c, const booking *b);
/* Copies the cached booking id into out; false when not cached. */
bool booking_cache_get(booking_cache *c, int64_t id, booking *out);
/* Forgets every copy of booking id. */
void booking_cache_remove(booking_cache *c, int32_t id);

/* ---- http.c: requests and responses ---- */

/* The value of request header name (case-insensitive), or NULL. */
const char *booking_http_header(const apifuzz_request *q, const char *name);
/* Percent-decodes in[0..len) into out (cap bytes, NUL-terminated);
   returns the decoded length, or -1 when it does not fit or a '%' is
   not followed by two hex digits. */
long booking_http_decode(const char *in, size_t len, char *out, size_t cap);
/* Finds query parameter name in query ("a=1&b=2"); copies its decoded
   value into out. Returns 1 found, 0 absent, -1 undecodable. */
int booking_http_query(const char *query, const char *name, char *out,
                       size_t cap);
/* Reads text as a decimal integer (optional '-', digits only) within
   [lo, hi]. */
bool booking_http_int(const char *text, int64_t lo, int64_t hi, int64_t *out);
/* Whether the Content-Type of q is application/json (parameters
   allowed). */
bool booking_http_is_json(const apifuzz_request *q);
/* Whether b[0..len) is valid UTF-8 (RFC 3629). */
bool booking_http_is_utf8(const unsigned char *b, size_t len);

/* Answers status with v printed as the JSON body (v is deleted). */
void booking_http_json(apifuzz_response *r, int status, cJSON *v);
/* Answers status with {"error": message}. */
void booking_http_error(apifuzz_response *r, int status, const char *message);

/* ---- body.c: JSON bodies ---- */

/* Parses a request body as one JSON value followed only by whitespace;
   NULL when it is not JSON. */
cJSON *booking_body_parse(const unsigned char *body, size_t len);
/* Validates a NewBooking (without its id, read by the caller) into b;
   NULL, or what is wrong. */
const char *booking_body_new(const cJSON *v, booking *b);
/* A BookingPatch: which members were sent, their values in b. */
typedef struct booking_patch {
    bool has_name, has_active, has_seats;
    booking b; /* name, is_active, seats as sent; the rest unset */
} booking_patch;

/* Validates a BookingPatch into p; NULL, or what is wrong. */
const char *booking_body_patch(const cJSON *v, booking_patch *p);
/* Reads an int32 member: 1 ok, 0 absent, -1 not an int32. */
int booking_body_int32(const cJSON *obj, const char *name, int32_t *out);
/* The Booking object of b. */
cJSON *booking_body_json(const booking *b);

/* ---- booking.c ---- */

extern const apifuzz_service booking_service;

#endif
