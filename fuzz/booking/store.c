/*
 * store.c - the booking service's storage: SQLite, in memory, as the
 * original app used PostgreSQL. Two tables with a primary key, CHECK
 * constraints and a cascading foreign key; every query a statement
 * prepared once at open; int4() casts ids the way PostgreSQL's int4
 * column does (an out-of-range value is an error, not a wrap).
 *
 * Invariants: a booking and its seats are written in one transaction,
 * so a failed write leaves nothing behind; created_at comes from a
 * logical clock that restarts at every reset, so a program run twice
 * after reset gives byte-identical answers. Tuned for the fuzzing loop:
 * reset drops and recreates the tables only when something was written
 * since the last reset (most programs read or are rejected).
 */
#include "booking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define CLOCK_EPOCH 1704067200 /* 2024-01-01T00:00:00Z */

static const char schema_sql[] =
    "DROP TABLE IF EXISTS seats;"
    "DROP TABLE IF EXISTS bookings;"
    "CREATE TABLE bookings ("
    " id INTEGER PRIMARY KEY"
    "  CHECK (id BETWEEN -2147483648 AND 2147483647),"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),"
    " is_active INTEGER NOT NULL CHECK (is_active IN (0, 1)),"
    " created_at TEXT NOT NULL);"
    "CREATE TABLE seats ("
    " booking_id INTEGER NOT NULL"
    "  REFERENCES bookings(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"
    " seat_row INTEGER NOT NULL CHECK (seat_row BETWEEN 1 AND 60),"
    " seat_letter TEXT NOT NULL"
    "  CHECK (seat_letter IN ('A', 'B', 'C', 'D', 'E', 'F')),"
    " PRIMARY KEY (booking_id, pos));";

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT,
    ST_INSERT_SEAT,
    ST_GET,
    ST_SEATS,
    ST_UPDATE,
    ST_DELETE_SEATS,
    ST_DELETE,
    ST_COUNT,
    ST_LIST,
    ST_COUNT_OF
};

static const char *const statement_sql[ST_COUNT_OF] = {
    [ST_BEGIN] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT] = "INSERT INTO bookings (id, name, is_active, created_at) "
                  "VALUES (int4(?1), ?2, ?3, ?4)",
    [ST_INSERT_SEAT] = "INSERT INTO seats (booking_id, pos, seat_row, "
                       "seat_letter) VALUES (?1, ?2, ?3, ?4)",
    [ST_GET] = "SELECT id, name, is_active, created_at FROM bookings "
               "WHERE id = int4(?1)",
    [ST_SEATS] = "SELECT seat_row, seat_letter FROM seats "
                 "WHERE booking_id = ?1 ORDER BY pos",
    [ST_UPDATE] = "UPDATE bookings SET name = ?2, is_active = ?3 "
                  "WHERE id = int4(?1)",
    [ST_DELETE_SEATS] = "DELETE FROM seats WHERE booking_id = ?1",
    [ST_DELETE] = "DELETE FROM bookings WHERE id = int4(?1)",
    [ST_COUNT] = "SELECT count(*) FROM bookings "
                 "WHERE ?1 IS NULL OR is_active = ?1",
    [ST_LIST] = "SELECT id, name, is_active, created_at FROM bookings "
                "WHERE ?1 IS NULL OR is_active = ?1 "
                "ORDER BY id LIMIT ?2 OFFSET ?3",
};

struct booking_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT_OF];
    bool is_dirty;      /* written since the last reset */
    uint32_t n_created; /* the logical clock */
    char err[160];      /* the last database error */
};

/* PostgreSQL's int4 cast: an integer outside int32 is an error. */
static void int4_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int type = sqlite3_value_type(argv[0]);
    sqlite3_int64 v = sqlite3_value_int64(argv[0]);
    if (type == SQLITE_NULL)
        sqlite3_result_null(ctx);
    else if (type != SQLITE_INTEGER || v < INT32_MIN || v > INT32_MAX)
        sqlite3_result_error(ctx, "integer out of range", -1);
    else
        sqlite3_result_int64(ctx, v);
}

static int create_tables(booking_store *s)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "booking: schema: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    s->is_dirty = false;
    s->n_created = 0;
    return 0;
}

booking_store *booking_store_open(void)
{
    booking_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    int rc = sqlite3_open_v2(":memory:", &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(s->db, "int4", 1,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     int4_fn, NULL, NULL);
    if (rc == SQLITE_OK)
        sqlite3_extended_result_codes(s->db, 1);
    if (rc == SQLITE_OK && create_tables(s) != 0)
        rc = SQLITE_ERROR;
    for (int i = 0; rc == SQLITE_OK && i < ST_COUNT_OF; i++)
        rc = sqlite3_prepare_v2(s->db, statement_sql[i], -1, &s->st[i], NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "booking: sqlite: %s\n",
                s->db ? sqlite3_errmsg(s->db) : "cannot open");
        booking_store_close(s);
        return NULL;
    }
    return s;
}

void booking_store_close(booking_store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < ST_COUNT_OF; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

void booking_store_reset(booking_store *s)
{
    if (s->is_dirty)
        create_tables(s);
    s->n_created = 0;
}

const char *booking_store_errmsg(const booking_store *s)
{
    return s->err;
}

/* Keeps the database's message of a failed step. */
static void note_error(booking_store *s)
{
    snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
}

/* Runs a statement that returns no rows; resets it. */
static int run(booking_store *s, int which)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        note_error(s);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return STORE_DUPLICATE;
    return STORE_ERROR;
}

/* Ends a transaction: COMMIT when rc is 0, else ROLLBACK. */
static int finish(booking_store *s, int rc)
{
    if (rc == 0)
        rc = run(s, ST_COMMIT);
    if (rc != 0)
        run(s, ST_ROLLBACK);
    return rc;
}

static int insert_seats(booking_store *s, const booking *b)
{
    sqlite3_stmt *st = s->st[ST_INSERT_SEAT];
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < b->n_seats; i++) {
        char letter[2] = {b->seats[i].letter, 0};
        sqlite3_bind_int64(st, 1, b->id);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_int64(st, 3, b->seats[i].row);
        sqlite3_bind_text(st, 4, letter, 1, SQLITE_TRANSIENT);
        rc = run(s, ST_INSERT_SEAT);
    }
    return rc;
}

static void stamp(booking_store *s, booking *b)
{
    time_t t = (time_t)CLOCK_EPOCH + (time_t)s->n_created++;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(b->created_at, sizeof b->created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int booking_store_insert(booking_store *s, booking *b)
{
    s->is_dirty = true;
    stamp(s, b);
    int rc = run(s, ST_BEGIN);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = s->st[ST_INSERT];
    sqlite3_bind_int64(st, 1, b->id);
    sqlite3_bind_text(st, 2, b->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, b->is_active);
    sqlite3_bind_text(st, 4, b->created_at, -1, SQLITE_TRANSIENT);
    rc = run(s, ST_INSERT);
    if (rc == 0)
        rc = insert_seats(s, b);
    return finish(s, rc);
}

static void copy_text(char *out, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (t == NULL)
        n = 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(out, t, n);
    out[n] = 0;
}

static int read_seats(booking_store *s, booking *b)
{
    sqlite3_stmt *st = s->st[ST_SEATS];
    sqlite3_bind_int64(st, 1, b->id);
    int rc;
    b->n_seats = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
           b->n_seats < BOOKING_MAX_SEATS) {
        const unsigned char *l = sqlite3_column_text(st, 1);
        b->seats[b->n_seats].row = sqlite3_column_int(st, 0);
        b->seats[b->n_seats].letter = l != NULL ? (char)l[0] : 'A';
        b->n_seats++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_ERROR;
}

/* Reads the row st points at (id, name, is_active, created_at). */
static int read_row(booking_store *s, sqlite3_stmt *st, booking *b)
{
    memset(b, 0, sizeof *b);
    b->id = (int32_t)sqlite3_column_int64(st, 0);
    copy_text(b->name, sizeof b->name, st, 1);
    b->is_active = sqlite3_column_int(st, 2) != 0;
    copy_text(b->created_at, sizeof b->created_at, st, 3);
    return read_seats(s, b);
}

int booking_store_get(booking_store *s, int64_t id, booking *out)
{
    sqlite3_stmt *st = s->st[ST_GET];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int result = rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    if (result == STORE_ERROR && rc != SQLITE_ROW)
        note_error(s);
    if (rc == SQLITE_ROW)
        result = read_row(s, st, out);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

int booking_store_update(booking_store *s, const booking *b)
{
    s->is_dirty = true;
    int rc = run(s, ST_BEGIN);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = s->st[ST_UPDATE];
    sqlite3_bind_int64(st, 1, b->id);
    sqlite3_bind_text(st, 2, b->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, b->is_active);
    rc = run(s, ST_UPDATE);
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        rc = STORE_NOT_FOUND;
    if (rc == 0) {
        sqlite3_bind_int64(s->st[ST_DELETE_SEATS], 1, b->id);
        rc = run(s, ST_DELETE_SEATS);
    }
    if (rc == 0)
        rc = insert_seats(s, b);
    return finish(s, rc);
}

int booking_store_delete(booking_store *s, int32_t id)
{
    s->is_dirty = true;
    sqlite3_bind_int64(s->st[ST_DELETE], 1, id);
    int rc = run(s, ST_DELETE);
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        rc = STORE_NOT_FOUND;
    return rc;
}

static void bind_filter(sqlite3_stmt *st, int is_active)
{
    if (is_active < 0)
        sqlite3_bind_null(st, 1);
    else
        sqlite3_bind_int(st, 1, is_active);
}

int booking_store_count(booking_store *s, int is_active, int64_t *out)
{
    sqlite3_stmt *st = s->st[ST_COUNT];
    bind_filter(st, is_active);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 0 : STORE_ERROR;
}

int booking_store_list(booking_store *s, int is_active, int64_t offset,
                       booking *out, int64_t cap, int64_t *n)
{
    sqlite3_stmt *st = s->st[ST_LIST];
    bind_filter(st, is_active);
    sqlite3_bind_int64(st, 2, cap);
    sqlite3_bind_int64(st, 3, offset);
    int rc = SQLITE_DONE, result = 0;
    *n = 0;
    while (result == 0 && *n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW)
        result = read_row(s, st, &out[(*n)++]);
    if (result == 0 && *n < cap && rc != SQLITE_DONE) {
        note_error(s);
        result = STORE_ERROR;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

int booking_store_exec(booking_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        s->is_dirty = true;
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        note_error(s);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : STORE_ERROR;
}
