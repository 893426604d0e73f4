/*
 * petstore.h - what the petstore example service's sources share: the
 * state, the pet record, the request context and the helpers each stage
 * offers (petstore.c: routing, parameters, replies; query.c: form and
 * deepObject query parsing; multipart.c: multipart/form-data parsing;
 * petjson.c: pet bodies in and out; store.c: SQLite; photo.c and pets.c:
 * the handlers).
 *
 * The service is fuzzed in-process by apifuzz (fuzz/petstore/harness.c),
 * so every request is hostile: each parser is bounded and answers a
 * documented 4xx with a JSON Error for anything the spec does not allow.
 * Planted bugs (BUGS.md) sit behind `#ifndef PETSTORE_FIXED`.
 */
#ifndef PETSTORE_H
#define PETSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "apifuzz.h"

/* Limits of openapi.yaml, in characters (code points). */
#define PS_NAME_CHARS 64
#define PS_CATEGORY_CHARS 32
#define PS_TAG_CHARS 16
#define PS_FILTER_NAME_CHARS 16
#define PS_BREED_CHARS 32
#define PS_MAX_TAGS 4
#define PS_FILE_MAX 4096
#define PS_ATTR_CHARS 64
#define PS_CAPTION_CHARS 64
#define PS_DIM_MAX 8192
#define PS_GRAMS_PER_DOG 350
#define PS_PACK_MAX 10000
#define PS_N_SKILLS 4
/* Bytes a string of n characters of UTF-8 can take, with its NUL. */
#define PS_BYTES(n) ((n)*4 + 1)

/* The base path of the spec's server URL. */
#define PS_BASE "/v2"

typedef enum ps_kind { PS_CAT = 0, PS_DOG } ps_kind;

/* One pet as stored; strings are NUL-terminated UTF-8, "" when absent. */
typedef struct ps_pet {
    int64_t id;
    ps_kind kind;
    char name[PS_BYTES(PS_NAME_CHARS)];
    char status[16];
    bool has_category;
    int64_t category_id;
    char category[PS_BYTES(PS_CATEGORY_CHARS)];
    char tags[PS_MAX_TAGS][PS_BYTES(PS_TAG_CHARS)];
    uint32_t n_tags;
    char hunting_skill[16]; /* cats */
    bool has_lives;
    int32_t lives_left;
    int32_t pack_size; /* dogs */
    char breed[PS_BYTES(PS_BREED_CHARS)];
} ps_pet;

/* The GET /pets/{id} response cache: a few rendered pets. */
#define PS_PET_SLOTS 8
typedef struct ps_pet_slot {
    int64_t id; /* 0: free */
    char *json;
} ps_pet_slot;

/* The photo cache: the last photos uploaded or served. */
#define PS_PHOTO_SLOTS 4
typedef struct ps_photo_slot {
    int64_t pet_id;  /* 0: free */
    int64_t version; /* the photos row's version it holds */
    unsigned char *data;
    size_t len;
    char type[16];
} ps_photo_slot;

/* A photo upload, checked, as stored. */
#define PS_MAX_ATTRS 32
typedef struct ps_attr {
    const char *name; /* the part's name (owned by the ps_form) */
    char value[PS_BYTES(PS_ATTR_CHARS)];
} ps_attr;

typedef struct ps_photo_put {
    int64_t pet_id;
    const char *type; /* image/png or image/jpeg */
    const unsigned char *data;
    size_t len;
    bool has_caption;
    char caption[PS_BYTES(PS_CAPTION_CHARS)];
    int32_t width, height; /* 0: not given */
    ps_attr attrs[PS_MAX_ATTRS];
    uint32_t n_attrs;
} ps_photo_put;

/* A stored photo; data is malloc'd (NULL when not asked for). */
typedef struct ps_photo_row {
    int64_t version;
    char type[16];
    unsigned char *data;
    size_t len;
} ps_photo_row;

typedef enum ps_stmt_id {
    PS_ST_PET_INSERT = 0,
    PS_ST_PET_GET,
    PS_ST_PET_UPDATE,
    PS_ST_PET_DELETE,
    PS_ST_PET_LIST,
    PS_ST_TAGS_GET,
    PS_ST_TAGS_DELETE,
    PS_ST_TAG_INSERT,
    PS_ST_CAT_BY_ID,
    PS_ST_CAT_BY_NAME,
    PS_ST_CAT_INSERT,
    PS_ST_CAT_LIST,
    PS_ST_PHOTO_PUT,
    PS_ST_PHOTO_GET,
    PS_ST_ATTRS_DELETE,
    PS_ST_ATTR_INSERT,
    PS_ST_COUNT
} ps_stmt_id;

typedef struct ps_state {
    sqlite3 *db;
    sqlite3_stmt *stmt[PS_ST_COUNT];
    ps_pet_slot pets[PS_PET_SLOTS];
    ps_photo_slot photos[PS_PHOTO_SLOTS];
} ps_state;

/* One request being handled. */
typedef struct ps_ctx {
    ps_state *st;
    const apifuzz_request *req;
    apifuzz_response *res;
    const char *request_id; /* the valid X-Request-Id, or NULL */
} ps_ctx;

/* A byte view (not NUL-terminated). */
typedef struct ps_span {
    const char *p;
    size_t len;
} ps_span;

/* ---- petstore.c: requests and replies ---- */

/* The value of request header `name` (case-insensitive), or NULL. */
const char *ps_header(const ps_ctx *c, const char *name);
/* Checks the session cookie (required, ^[A-Za-z0-9]{8,32}$); on failure
   answers 401 and returns false. */
bool ps_require_session(ps_ctx *c);
/* Whether a session cookie is present at all. */
bool ps_has_session(const ps_ctx *c);
/* Checks that the body is `type` (media type, parameters allowed): 400
   without a body, 415 for another type; false when answered. */
bool ps_require_media(ps_ctx *c, const char *type);
/* Parses the JSON body; answers 400 and returns NULL when it is not
   JSON. The caller deletes the result. */
cJSON *ps_parse_json_body(ps_ctx *c);

void ps_reply_json(ps_ctx *c, int status, cJSON *body); /* deletes body */
void ps_reply_text_json(ps_ctx *c, int status, const char *json);
void ps_reply_error(ps_ctx *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ps_reply_bytes(ps_ctx *c, int status, const char *type, const void *data,
                    size_t len);
void ps_reply_empty(ps_ctx *c, int status);

/* Code points of valid UTF-8 text s (len bytes), or -1 when s is not
   valid UTF-8. */
long ps_utf8_chars(const char *s, size_t len);
/* Whether s (NUL-terminated) is valid UTF-8 of lo..hi characters. */
bool ps_str_chars(const char *s, long lo, long hi);
/* The value of a hex digit, or -1. */
int ps_hex_value(char ch);
/* Parses a decimal int64 path or query value (an optional '-', digits,
   nothing else, in range). */
bool ps_parse_int64(const char *s, size_t len, int64_t *out);

/* ---- query.c: the query string ---- */

typedef struct ps_list_query {
    char tags[PS_MAX_TAGS][PS_BYTES(PS_TAG_CHARS)];
    uint32_t n_tags;
    int32_t limit;
    char *name;     /* filter[name] as a LIKE pattern; NULL: not given */
    char *category; /* filter[category] (malloc'd) */
    char pet_type[8];
    char status[16];
} ps_list_query;

/* Parses the query of GET /pets; 0, or -1 with *why set (static text). */
int ps_query_parse_list(const char *query, ps_list_query *out,
                        const char **why);
void ps_query_free(ps_list_query *q);

/* ---- multipart.c: multipart/form-data (RFC 7578) ---- */

typedef struct ps_part {
    char *name; /* malloc'd, percent-decoded */
    char type[64];
    bool has_filename;
    ps_span data; /* into the body */
} ps_part;

typedef struct ps_form {
    ps_part *parts;
    uint32_t n;
} ps_form;

/* Parses body (len bytes) with the boundary of content_type into parts
   that point into body. 0, or -1 with *why set. ps_form_free always. */
int ps_multipart_parse(const char *content_type, const unsigned char *body,
                       size_t len, ps_form *out, const char **why);
void ps_form_free(ps_form *f);

/* ---- petjson.c: pets in and out ---- */

/* The huntingSkill enum of openapi.yaml, in its order. */
extern const char *const ps_skills[PS_N_SKILLS];

/* Reads a NewPet body (oneOf Cat/Dog) into *out; 0, or -1 with why (a
   message in buf). */
int ps_pet_from_json(const cJSON *j, ps_pet *out, char *why, size_t why_len);
/* Applies a PetUpdate body to *pet; 0 or -1 with why. */
int ps_pet_patch_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len);
/* The Pet object of the spec; NULL when out of memory. */
cJSON *ps_pet_to_json(const ps_pet *p);
/* Reads a Tag array into pet->tags; 0 or -1 with why. */
int ps_tags_from_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len);
/* An optional string member of lo..hi characters copied into out (cap
   bytes); 0 absent (out untouched), 1 set, -1 invalid. */
int ps_json_string(const cJSON *obj, const char *key, long lo, long hi,
                   char *out, size_t cap);
/* An optional integer member in lo..hi; 0 absent, 1 set, -1 invalid. */
int ps_json_int(const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                int64_t *out);

/* ---- store.c: SQLite ---- */

int ps_store_open(ps_state *st);
/* Drops and recreates the tables with the seed pets; 0 or -1. */
int ps_store_reset(ps_state *st);
void ps_store_close(ps_state *st);
/* Results: 0 ok, 1 not found, 2 conflict, -1 database error. */
int ps_store_pet_get(ps_state *st, int64_t id, ps_pet *out);
int ps_store_pet_insert(ps_state *st, ps_pet *pet);
int ps_store_pet_update(ps_state *st, const ps_pet *pet);
int ps_store_pet_delete(ps_state *st, int64_t id);
/* Calls fn for each pet matching q in id order, at most q->limit. */
int ps_store_pet_list(ps_state *st, const ps_list_query *q,
                      int (*fn)(void *ctx, const ps_pet *p), void *ctx);
/* The category (id, name) for a pet: 0 ok (existing or inserted), 2 the
   id has another name or the name another id, -1 error. */
int ps_store_category(ps_state *st, int64_t id, const char *name);
int ps_store_category_list(ps_state *st, cJSON *out);
/* Replaces the photo of p->pet_id (a new version) and its attributes. */
int ps_store_photo_put(ps_state *st, const ps_photo_put *p);
/* The photo of pet_id, its bytes copied when with_data: 0, 1 none, -1. */
int ps_store_photo_get(ps_state *st, int64_t pet_id, ps_photo_row *out,
                       bool with_data);

/* ---- pets.c, photo.c: handlers ---- */

void ps_pets_list(ps_ctx *c);
void ps_pets_add(ps_ctx *c);
void ps_pet_get(ps_ctx *c, int64_t id);
void ps_pet_update(ps_ctx *c, int64_t id);
void ps_pet_delete(ps_ctx *c, int64_t id);
void ps_categories_list(ps_ctx *c);
void ps_photo_upload(ps_ctx *c, int64_t id);
void ps_photo_get(ps_ctx *c, int64_t id);

/* The caches (pets.c, photo.c). */
void ps_pet_cache_drop(ps_state *st, int64_t id);
void ps_pet_cache_clear(ps_state *st);
void ps_photo_cache_drop(ps_state *st, int64_t pet_id);
void ps_photo_cache_clear(ps_state *st);

#endif
