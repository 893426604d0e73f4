/*
 * store.c - the petstore's SQLite database (in memory): the schema with
 * its constraints, the seed pets, and every query as a prepared
 * statement.
 *
 * A cat's huntingSkill is stored as its 1-based position in the enum.
 *
 * Invariants: reset drops and recreates every table, so a program always
 * starts from the same two pets (ids 1 and 2; AUTOINCREMENT continues
 * from 2) and Tom's photo; statements are prepared lazily after each
 * reset (the DDL would make SQLite re-prepare them anyway); foreign keys
 * are on, so deleting a pet deletes its tags, photo and attributes.
 * Results: 0 ok, 1 not found, 2 conflict, -1 database error.
 *
 * Tuned for programs of a few calls: a reset is one script of DDL, each
 * call a handful of statements on tables of a few rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "petstore.h"

static const char schema_sql[] =
    "DROP TABLE IF EXISTS photo_attrs;"
    "DROP TABLE IF EXISTS photos;"
    "DROP TABLE IF EXISTS tags;"
    "DROP TABLE IF EXISTS pets;"
    "DROP TABLE IF EXISTS categories;"
    "CREATE TABLE categories ("
    " id INTEGER PRIMARY KEY CHECK (id >= 1),"
    " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32));"
    "CREATE TABLE pets ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
    " pet_type TEXT NOT NULL CHECK (pet_type IN ('cat', 'dog')),"
    " status TEXT CHECK (status IN ('available', 'pending', 'sold')),"
    " category_id INTEGER REFERENCES categories (id),"
    " hunting_skill INTEGER CHECK (hunting_skill BETWEEN 1 AND 4),"
    " lives_left INTEGER CHECK (lives_left BETWEEN 0 AND 9),"
    " pack_size INTEGER CHECK (pack_size BETWEEN 1 AND 10000),"
    " breed TEXT CHECK (length(breed) <= 32),"
    " CHECK ((pet_type = 'cat') = (hunting_skill IS NOT NULL)),"
    " CHECK ((pet_type = 'dog') = (pack_size IS NOT NULL)));"
    "CREATE TABLE tags ("
    " pet_id INTEGER NOT NULL REFERENCES pets (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL CHECK (pos BETWEEN 0 AND 3),"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 16),"
    " PRIMARY KEY (pet_id, pos));"
    "CREATE TABLE photos ("
    " pet_id INTEGER PRIMARY KEY REFERENCES pets (id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL DEFAULT 1,"
    " content_type TEXT NOT NULL"
    "  CHECK (content_type IN ('image/png', 'image/jpeg')),"
    " data BLOB NOT NULL CHECK (length(data) <= 4096),"
    " caption TEXT CHECK (length(caption) <= 64),"
    " width INTEGER CHECK (width BETWEEN 1 AND 8192),"
    " height INTEGER CHECK (height BETWEEN 1 AND 8192));"
    "CREATE TABLE photo_attrs ("
    " pet_id INTEGER NOT NULL REFERENCES photos (pet_id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (pet_id, name));"
    "INSERT INTO pets (id, name, pet_type, status, hunting_skill, lives_left)"
    " VALUES (1, 'Tom', 'cat', 'available', 2, 7);"
    "INSERT INTO pets (id, name, pet_type, status, pack_size, breed)"
    " VALUES (2, 'Rex', 'dog', 'pending', 3, 'beagle');"
    "INSERT INTO tags (pet_id, pos, name) VALUES (2, 0, 'friendly');"
    /* A 1x1 PNG. */
    "INSERT INTO photos (pet_id, content_type, data, caption, width, height)"
    " VALUES (1, 'image/png', x'89504E470D0A1A0A0000000D4948445200000001"
    "000000010806000000"
    "1F15C4890000000D49444154789C6360000002000001E221BC330000000049454E44"
    "AE426082', 'Tom asleep', 1, 1);";

static const char *const stmt_sql[PS_ST_COUNT] = {
    [PS_ST_PET_INSERT] =
        "INSERT INTO pets (name, pet_type, status, category_id,"
        " hunting_skill, lives_left, pack_size, breed)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [PS_ST_PET_GET] =
        "SELECT p.id, p.name, p.pet_type, p.status, p.category_id, c.name,"
        " p.hunting_skill, p.lives_left, p.pack_size, p.breed"
        " FROM pets p LEFT JOIN categories c ON c.id = p.category_id"
        " WHERE p.id = ?1",
    [PS_ST_PET_UPDATE] = "UPDATE pets SET name = ?2, status = ?3 WHERE id = ?1",
    [PS_ST_PET_DELETE] = "DELETE FROM pets WHERE id = ?1",
    [PS_ST_PET_LIST] =
        "SELECT p.id FROM pets p LEFT JOIN categories c"
        " ON c.id = p.category_id"
        " WHERE (?1 IS NULL OR p.name LIKE ?1 ESCAPE '\\')"
        " AND (?2 IS NULL OR c.name = ?2)"
        " AND (?3 IS NULL OR p.pet_type = ?3)"
        " AND (?4 IS NULL OR p.status = ?4)"
        " AND (?5 = 0 OR EXISTS (SELECT 1 FROM tags t WHERE t.pet_id = p.id"
        " AND t.name IN (?6, ?7, ?8, ?9)))"
        " ORDER BY p.id LIMIT ?10",
    [PS_ST_TAGS_GET] = "SELECT name FROM tags WHERE pet_id = ?1 ORDER BY pos",
    [PS_ST_TAGS_DELETE] = "DELETE FROM tags WHERE pet_id = ?1",
    [PS_ST_TAG_INSERT] =
        "INSERT INTO tags (pet_id, pos, name) VALUES (?1, ?2, ?3)",
    [PS_ST_CAT_BY_ID] = "SELECT name FROM categories WHERE id = ?1",
    [PS_ST_CAT_BY_NAME] = "SELECT id FROM categories WHERE name = ?1",
    [PS_ST_CAT_INSERT] = "INSERT INTO categories (id, name) VALUES (?1, ?2)",
    [PS_ST_CAT_LIST] = "SELECT id, name FROM categories ORDER BY id",
    [PS_ST_PHOTO_PUT] =
        "INSERT INTO photos (pet_id, content_type, data, caption, width,"
        " height) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (pet_id) DO UPDATE SET version = version + 1,"
        " content_type = ?2, data = ?3, caption = ?4, width = ?5,"
        " height = ?6",
    [PS_ST_PHOTO_GET] =
        "SELECT version, content_type, data FROM photos WHERE pet_id = ?1",
    [PS_ST_ATTRS_DELETE] = "DELETE FROM photo_attrs WHERE pet_id = ?1",
    [PS_ST_ATTR_INSERT] =
        "INSERT INTO photo_attrs (pet_id, name, value) VALUES (?1, ?2, ?3)",
};

/* The statement, prepared on first use after a reset, reset and unbound. */
static sqlite3_stmt *stmt(ps_state *st, ps_stmt_id id)
{
    if (st->stmt[id] == NULL &&
        sqlite3_prepare_v2(st->db, stmt_sql[id], -1, &st->stmt[id], NULL) !=
            SQLITE_OK)
        return NULL;
    sqlite3_reset(st->stmt[id]);
    sqlite3_clear_bindings(st->stmt[id]);
    return st->stmt[id];
}

static void finalize_all(ps_state *st)
{
    for (int i = 0; i < PS_ST_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
        st->stmt[i] = NULL;
    }
}

int ps_store_open(ps_state *st)
{
    if (sqlite3_open_v2(":memory:", &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        return -1;
    return sqlite3_exec(st->db, "PRAGMA foreign_keys = ON;", NULL, NULL,
                        NULL) == SQLITE_OK
               ? ps_store_reset(st)
               : -1;
}

int ps_store_reset(ps_state *st)
{
    finalize_all(st);
    return sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL) == SQLITE_OK ? 0
                                                                           : -1;
}

void ps_store_close(ps_state *st)
{
    finalize_all(st);
    sqlite3_close(st->db);
    st->db = NULL;
}

/* Binds text, or NULL for an empty string when is_optional. */
static void bind_text(sqlite3_stmt *s, int i, const char *v, bool is_optional)
{
    if (is_optional && (v == NULL || v[0] == '\0'))
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static void copy_col(sqlite3_stmt *s, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static int skill_code(const char *name)
{
    for (int i = 0; i < PS_N_SKILLS; i++)
        if (strcmp(name, ps_skills[i]) == 0)
            return i + 1;
    return 0;
}

static const char *skill_name(int code)
{
#ifdef PETSTORE_FIXED
    return code >= 1 && code <= PS_N_SKILLS ? ps_skills[code - 1] : "";
#else
    /* BUG PS5: the code is 1-based, the table 0-based. */
    return code >= 1 && code <= PS_N_SKILLS ? ps_skills[code] : "";
#endif
}

static int load_tags(ps_state *st, ps_pet *out)
{
    sqlite3_stmt *s = stmt(st, PS_ST_TAGS_GET);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, out->id);
    int rc;
    out->n_tags = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && out->n_tags < PS_MAX_TAGS)
        copy_col(s, 0, out->tags[out->n_tags++], sizeof out->tags[0]);
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int ps_store_pet_get(ps_state *st, int64_t id, ps_pet *out)
{
    sqlite3_stmt *s = stmt(st, PS_ST_PET_GET);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 1 : -1;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(s, 0);
    copy_col(s, 1, out->name, sizeof out->name);
    const unsigned char *type = sqlite3_column_text(s, 2);
    out->kind = type != NULL && strcmp((const char *)type, "dog") == 0 ? PS_DOG
                                                                       : PS_CAT;
    copy_col(s, 3, out->status, sizeof out->status);
    out->has_category = sqlite3_column_type(s, 4) != SQLITE_NULL;
    out->category_id = sqlite3_column_int64(s, 4);
    copy_col(s, 5, out->category, sizeof out->category);
    snprintf(out->hunting_skill, sizeof out->hunting_skill, "%s",
             skill_name(sqlite3_column_int(s, 6)));
    out->has_lives = sqlite3_column_type(s, 7) != SQLITE_NULL;
    out->lives_left = sqlite3_column_int(s, 7);
    out->pack_size = sqlite3_column_int(s, 8);
    copy_col(s, 9, out->breed, sizeof out->breed);
    sqlite3_reset(s);
    return load_tags(st, out);
}

static int save_tags(ps_state *st, const ps_pet *pet)
{
    sqlite3_stmt *s = stmt(st, PS_ST_TAGS_DELETE);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, pet->id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    for (uint32_t i = 0; i < pet->n_tags; i++) {
        s = stmt(st, PS_ST_TAG_INSERT);
        if (s == NULL)
            return -1;
        sqlite3_bind_int64(s, 1, pet->id);
        sqlite3_bind_int(s, 2, (int)i);
        bind_text(s, 3, pet->tags[i], false);
        if (sqlite3_step(s) != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/* Runs f inside a savepoint: all of it or nothing. */
static int in_savepoint(ps_state *st, int (*f)(ps_state *, void *), void *arg)
{
    if (sqlite3_exec(st->db, "SAVEPOINT w", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    int rc = f(st, arg);
    if (rc != 0)
        sqlite3_exec(st->db, "ROLLBACK TO w", NULL, NULL, NULL);
    sqlite3_exec(st->db, "RELEASE w", NULL, NULL, NULL);
    return rc;
}

static int insert_pet(ps_state *st, void *arg)
{
    ps_pet *pet = arg;
    sqlite3_stmt *s = stmt(st, PS_ST_PET_INSERT);
    if (s == NULL)
        return -1;
    bool is_cat = pet->kind == PS_CAT;
    bind_text(s, 1, pet->name, false);
    bind_text(s, 2, is_cat ? "cat" : "dog", false);
    bind_text(s, 3, pet->status, true);
    if (pet->has_category)
        sqlite3_bind_int64(s, 4, pet->category_id);
    if (is_cat)
        sqlite3_bind_int(s, 5, skill_code(pet->hunting_skill));
    if (is_cat && pet->has_lives)
        sqlite3_bind_int(s, 6, pet->lives_left);
    if (!is_cat)
        sqlite3_bind_int(s, 7, pet->pack_size);
    bind_text(s, 8, is_cat ? NULL : pet->breed, true);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    pet->id = sqlite3_last_insert_rowid(st->db);
    return save_tags(st, pet);
}

int ps_store_pet_insert(ps_state *st, ps_pet *pet)
{
    return in_savepoint(st, insert_pet, pet);
}

static int update_pet(ps_state *st, void *arg)
{
    const ps_pet *pet = arg;
    sqlite3_stmt *s = stmt(st, PS_ST_PET_UPDATE);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, pet->id);
    bind_text(s, 2, pet->name, false);
    bind_text(s, 3, pet->status, true);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(st->db) == 0)
        return 1;
    return save_tags(st, pet);
}

int ps_store_pet_update(ps_state *st, const ps_pet *pet)
{
    return in_savepoint(st, update_pet, (void *)pet);
}

int ps_store_pet_delete(ps_state *st, int64_t id)
{
    sqlite3_stmt *s = stmt(st, PS_ST_PET_DELETE);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(st->db) > 0 ? 0 : 1;
}

static void bind_list(sqlite3_stmt *s, const ps_list_query *q)
{
    bind_text(s, 1, q->name, false);
    bind_text(s, 2, q->category, false);
    bind_text(s, 3, q->pet_type, true);
    bind_text(s, 4, q->status, true);
    sqlite3_bind_int(s, 5, (int)q->n_tags);
    for (uint32_t i = 0; i < q->n_tags; i++)
        bind_text(s, 6 + (int)i, q->tags[i], false);
    sqlite3_bind_int(s, 10, q->limit);
}

int ps_store_pet_list(ps_state *st, const ps_list_query *q,
                      int (*fn)(void *ctx, const ps_pet *p), void *ctx)
{
    sqlite3_stmt *s = stmt(st, PS_ST_PET_LIST);
    if (s == NULL)
        return -1;
    bind_list(s, q);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ps_pet pet;
        if (ps_store_pet_get(st, sqlite3_column_int64(s, 0), &pet) != 0 ||
            fn(ctx, &pet) != 0) {
            sqlite3_reset(s);
            return -1;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 0 the pair is new, 1 it exists, 2 the id or the name is another's. */
static int category_state(ps_state *st, int64_t id, const char *name)
{
    sqlite3_stmt *s = stmt(st, PS_ST_CAT_BY_ID);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *have = sqlite3_column_text(s, 0);
        bool same = have != NULL && strcmp((const char *)have, name) == 0;
        sqlite3_reset(s);
        return same ? 1 : 2;
    }
    sqlite3_reset(s);
#ifdef PETSTORE_FIXED
    s = stmt(st, PS_ST_CAT_BY_NAME);
    if (s == NULL)
        return -1;
    bind_text(s, 1, name, false);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 2 : rc == SQLITE_DONE ? 0 : -1;
#else
    /* BUG PS3: a new id with a name another category has reads as new,
       and the INSERT fails on UNIQUE (name). */
    return 0;
#endif
}

int ps_store_category(ps_state *st, int64_t id, const char *name)
{
    int rc = category_state(st, id, name);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    sqlite3_stmt *s = stmt(st, PS_ST_CAT_INSERT);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, name, false);
    return sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
}

int ps_store_category_list(ps_state *st, cJSON *out)
{
    sqlite3_stmt *s = stmt(st, PS_ST_CAT_LIST);
    if (s == NULL)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        cJSON *c = cJSON_CreateObject();
        const unsigned char *name = sqlite3_column_text(s, 1);
        if (c == NULL || !cJSON_AddItemToArray(out, c) ||
            cJSON_AddNumberToObject(
                c, "id", (double)sqlite3_column_int64(s, 0)) == NULL ||
            cJSON_AddStringToObject(
                c, "name", name != NULL ? (const char *)name : "") == NULL) {
            sqlite3_reset(s);
            return -1;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int put_photo(ps_state *st, void *arg)
{
    const ps_photo_put *p = arg;
    sqlite3_stmt *s = stmt(st, PS_ST_PHOTO_PUT);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, p->pet_id);
    bind_text(s, 2, p->type, false);
    sqlite3_bind_blob(s, 3, p->data != NULL ? (const void *)p->data : "",
                      (int)p->len, SQLITE_TRANSIENT);
    bind_text(s, 4, p->has_caption ? p->caption : NULL, !p->has_caption);
    if (p->width > 0)
        sqlite3_bind_int(s, 5, p->width);
    if (p->height > 0)
        sqlite3_bind_int(s, 6, p->height);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    s = stmt(st, PS_ST_ATTRS_DELETE);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, p->pet_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -1;
    for (uint32_t i = 0; i < p->n_attrs; i++) {
        s = stmt(st, PS_ST_ATTR_INSERT);
        if (s == NULL)
            return -1;
        sqlite3_bind_int64(s, 1, p->pet_id);
        bind_text(s, 2, p->attrs[i].name, false);
        bind_text(s, 3, p->attrs[i].value, false);
        if (sqlite3_step(s) != SQLITE_DONE)
            return -1;
    }
    return 0;
}

int ps_store_photo_put(ps_state *st, const ps_photo_put *p)
{
    return in_savepoint(st, put_photo, (void *)p);
}

int ps_store_photo_get(ps_state *st, int64_t pet_id, ps_photo_row *out,
                       bool with_data)
{
    sqlite3_stmt *s = stmt(st, PS_ST_PHOTO_GET);
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, pet_id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? 1 : -1;
    }
    out->version = sqlite3_column_int64(s, 0);
    copy_col(s, 1, out->type, sizeof out->type);
    out->data = NULL;
    out->len = (size_t)sqlite3_column_bytes(s, 2);
    if (with_data) {
        const void *blob = sqlite3_column_blob(s, 2);
        out->data = malloc(out->len > 0 ? out->len : 1);
        if (out->data != NULL && out->len > 0)
            memcpy(out->data, blob, out->len);
    }
    sqlite3_reset(s);
    return with_data && out->data == NULL ? -1 : 0;
}
