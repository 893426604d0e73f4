/*
 * pets.c - the handlers of /pets, /pets/{id} and /categories, and the
 * GET /pets/{id} response cache.
 *
 * Invariants: a handler answers exactly once, with a status its
 * operation documents: 400 for a bad parameter or body, 401 for a bad
 * session, 404 for an unknown pet, 409 for a category clash, 415 for a
 * body of another media type. The cache holds the rendered JSON of
 * recently read pets, direct-mapped by id; every write to a pet drops
 * its entry.
 *
 * Tuned for programs of a few calls on a handful of pets.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "petstore.h"

/* ---- the response cache ---- */

static ps_pet_slot *pet_slot(ps_state *st, int64_t id)
{
    return &st->pets[(uint64_t)id % PS_PET_SLOTS];
}

void ps_pet_cache_drop(ps_state *st, int64_t id)
{
    ps_pet_slot *s = pet_slot(st, id);
    if (s->id == id) {
        free(s->json);
        *s = (ps_pet_slot){0};
    }
}

void ps_pet_cache_clear(ps_state *st)
{
    for (int i = 0; i < PS_PET_SLOTS; i++) {
        free(st->pets[i].json);
        st->pets[i] = (ps_pet_slot){0};
    }
}

static void pet_cache_put(ps_state *st, int64_t id, const char *json)
{
    char *copy = strdup(json);
    if (copy == NULL)
        return;
    ps_pet_slot *s = pet_slot(st, id);
    free(s->json);
    *s = (ps_pet_slot){id, copy};
}

/* ---- replies ---- */

static void reply_pet(ps_ctx *c, int status, const ps_pet *pet)
{
    cJSON *j = ps_pet_to_json(pet);
    if (j == NULL) {
        ps_reply_error(c, 500, "out of memory");
        return;
    }
    ps_reply_json(c, status, j);
}

/* The body as JSON, after the session and media type checks. */
static cJSON *json_write_body(ps_ctx *c)
{
    if (!ps_require_session(c) || !ps_require_media(c, "application/json"))
        return NULL;
    return ps_parse_json_body(c);
}

/* ---- handlers ---- */

static int list_one(void *ctx, const ps_pet *p)
{
    cJSON *item = ps_pet_to_json(p);
    return item != NULL && cJSON_AddItemToArray(ctx, item) ? 0 : -1;
}

void ps_pets_list(ps_ctx *c)
{
    ps_list_query q;
    const char *why = "the query is not valid";
    if (ps_query_parse_list(c->req->query, &q, &why) < 0) {
        ps_query_free(&q);
        ps_reply_error(c, 400, "%s", why);
        return;
    }
    cJSON *out = cJSON_CreateArray();
    if (out == NULL || ps_store_pet_list(c->st, &q, list_one, out) < 0) {
        ps_query_free(&q);
        cJSON_Delete(out);
        ps_reply_error(c, 500, "database error");
        return;
    }
    ps_query_free(&q);
    ps_reply_json(c, 200, out);
}

void ps_pets_add(ps_ctx *c)
{
    cJSON *j = json_write_body(c);
    if (j == NULL)
        return;
    ps_pet pet;
    char why[128];
    int rc = ps_pet_from_json(j, &pet, why, sizeof why);
    cJSON_Delete(j);
    if (rc < 0) {
        ps_reply_error(c, 400, "%s", why);
        return;
    }
    rc = pet.has_category
             ? ps_store_category(c->st, pet.category_id, pet.category)
             : 0;
    if (rc == 2) {
        ps_reply_error(c, 409, "category %" PRId64 " clashes with another",
                       pet.category_id);
        return;
    }
    if (rc < 0 || ps_store_pet_insert(c->st, &pet) != 0) {
        ps_reply_error(c, 500, "database error: %s", sqlite3_errmsg(c->st->db));
        return;
    }
    char loc[64];
    snprintf(loc, sizeof loc, PS_BASE "/pets/%" PRId64, pet.id);
    apifuzz_response_header(c->res, "Location", loc);
    reply_pet(c, 201, &pet);
}

void ps_pet_get(ps_ctx *c, int64_t id)
{
    ps_pet_slot *s = pet_slot(c->st, id);
    if (s->id == id && s->json != NULL) {
        ps_reply_text_json(c, 200, s->json);
        return;
    }
    ps_pet pet;
    int rc = ps_store_pet_get(c->st, id, &pet);
    if (rc != 0) {
        ps_reply_error(c, rc == 1 ? 404 : 500, "no pet %" PRId64, id);
        return;
    }
    cJSON *j = ps_pet_to_json(&pet);
    char *text = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (text == NULL) {
        ps_reply_error(c, 500, "out of memory");
        return;
    }
    pet_cache_put(c->st, id, text);
    ps_reply_text_json(c, 200, text);
    free(text);
}

void ps_pet_update(ps_ctx *c, int64_t id)
{
    cJSON *j = json_write_body(c);
    if (j == NULL)
        return;
    ps_pet pet;
    char why[128];
    int rc = ps_store_pet_get(c->st, id, &pet);
    if (rc != 0) {
        cJSON_Delete(j);
        ps_reply_error(c, rc == 1 ? 404 : 500, "no pet %" PRId64, id);
        return;
    }
    rc = ps_pet_patch_json(j, &pet, why, sizeof why);
    cJSON_Delete(j);
    if (rc < 0) {
        ps_reply_error(c, 400, "%s", why);
        return;
    }
    ps_pet_cache_drop(c->st, id);
    rc = ps_store_pet_update(c->st, &pet);
    if (rc != 0) {
        ps_reply_error(c, rc == 1 ? 404 : 500, "pet %" PRId64 " not updated",
                       id);
        return;
    }
    reply_pet(c, 200, &pet);
}

void ps_pet_delete(ps_ctx *c, int64_t id)
{
#ifdef PETSTORE_FIXED
    if (!ps_require_session(c))
        return;
#else
    /* BUG PS7: only the cookie's presence is checked, not its value. */
    if (!ps_has_session(c)) {
        ps_reply_error(c, 401, "a session cookie is required");
        return;
    }
#endif
    int rc = ps_store_pet_delete(c->st, id);
    if (rc != 0) {
        ps_reply_error(c, rc == 1 ? 404 : 500, "no pet %" PRId64, id);
        return;
    }
    ps_photo_cache_drop(c->st, id);
#ifdef PETSTORE_FIXED
    ps_pet_cache_drop(c->st, id);
#endif
    /* BUG PS8 (without PETSTORE_FIXED): the cached GET response of the
       pet outlives it. */
    ps_reply_empty(c, 204);
}

void ps_categories_list(ps_ctx *c)
{
    cJSON *out = cJSON_CreateArray();
    if (out == NULL || ps_store_category_list(c->st, out) < 0) {
        cJSON_Delete(out);
        ps_reply_error(c, 500, "database error");
        return;
    }
    ps_reply_json(c, 200, out);
}
