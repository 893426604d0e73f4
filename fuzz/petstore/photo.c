/*
 * photo.c - POST and GET /pets/{id}/photo, and the photo cache.
 *
 * The upload is multipart/form-data (multipart.c): a `file` part of
 * image/png or image/jpeg of at most 4096 bytes, an optional `metadata`
 * part of application/json (PhotoMetadata), and text parts whose names
 * match ^[a-z][a-z0-9_]{0,31}$, kept as the photo's attributes (at most
 * 64 characters each). Each upload stores a new version of the photos
 * row.
 *
 * The cache keeps the bytes of recently served photos, direct-mapped by
 * pet id, each with the row version it was read at: a GET serves the
 * cached bytes only while the version still matches, so uploads need not
 * touch it. Deleting a pet drops its entry.
 *
 * Tuned for forms of a few small parts: the parts stay views into the
 * request body until they are bound into SQLite.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "petstore.h"

/* ---- the cache ---- */

static ps_photo_slot *photo_slot(ps_state *st, int64_t pet_id)
{
    return &st->photos[(uint64_t)pet_id % PS_PHOTO_SLOTS];
}

void ps_photo_cache_drop(ps_state *st, int64_t pet_id)
{
    ps_photo_slot *s = photo_slot(st, pet_id);
    if (s->pet_id == pet_id) {
        free(s->data);
        *s = (ps_photo_slot){0};
    }
}

void ps_photo_cache_clear(ps_state *st)
{
    for (int i = 0; i < PS_PHOTO_SLOTS; i++) {
        free(st->photos[i].data);
        st->photos[i] = (ps_photo_slot){0};
    }
}

/* Takes ownership of row->data. */
static ps_photo_slot *photo_cache_put(ps_state *st, int64_t pet_id,
                                      ps_photo_row *row)
{
    ps_photo_slot *s = photo_slot(st, pet_id);
    free(s->data);
    *s = (ps_photo_slot){.pet_id = pet_id,
                         .version = row->version,
                         .data = row->data,
                         .len = row->len};
    snprintf(s->type, sizeof s->type, "%s", row->type);
    row->data = NULL;
    return s;
}

/* ---- the upload form ---- */

/* Whether a part's Content-Type is `type` (parameters allowed); a part
   without one is text/plain (RFC 7578 §4.4). */
static bool part_is(const ps_part *p, const char *type)
{
    const char *t = p->type[0] != '\0' ? p->type : "text/plain";
    size_t n = strcspn(t, "; \t");
    return n == strlen(type) && strncasecmp(t, type, n) == 0;
}

static bool attr_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 1 || len > 32 || n[0] < 'a' || n[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') ||
              n[i] == '_'))
            return false;
    return true;
}

static int read_file(const ps_part *part, ps_photo_put *p)
{
    if (p->type != NULL || part->data.len > PS_FILE_MAX)
        return -1;
    if (part_is(part, "image/png"))
        p->type = "image/png";
    else if (part_is(part, "image/jpeg"))
        p->type = "image/jpeg";
    else
        return -1;
    p->data = (const unsigned char *)part->data.p;
    p->len = part->data.len;
    return 0;
}

static int read_metadata(const ps_part *part, ps_photo_put *p, bool *seen)
{
    if (*seen || !part_is(part, "application/json"))
        return -1;
    *seen = true;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(part->data.p, part->data.len, &end, 0);
    while (j != NULL && end < part->data.p + part->data.len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    int64_t w = 0, h = 0;
    int rc =
        j != NULL && cJSON_IsObject(j) && end == part->data.p + part->data.len
            ? 0
            : -1;
    int cap = rc == 0 ? ps_json_string(j, "caption", 0, PS_CAPTION_CHARS,
                                       p->caption, sizeof p->caption)
                      : -1;
    if (cap < 0 || ps_json_int(j, "width", 1, PS_DIM_MAX, &w) < 0 ||
        ps_json_int(j, "height", 1, PS_DIM_MAX, &h) < 0)
        rc = -1;
    p->has_caption = cap == 1;
    p->width = (int32_t)w;
    p->height = (int32_t)h;
    cJSON_Delete(j);
    return rc;
}

static int read_attr(const ps_part *part, ps_photo_put *p)
{
    ps_span v = part->data;
    if (!attr_name_ok(part->name) || !part_is(part, "text/plain") ||
        p->n_attrs == PS_MAX_ATTRS || memchr(v.p, '\0', v.len) != NULL ||
        v.len >= sizeof p->attrs[0].value)
        return -1;
    long chars = ps_utf8_chars(v.p, v.len);
    for (uint32_t i = 0; i < p->n_attrs; i++)
        if (strcmp(p->attrs[i].name, part->name) == 0)
            return -1;
    if (chars < 0 || chars > PS_ATTR_CHARS)
        return -1;
    ps_attr *a = &p->attrs[p->n_attrs++];
    a->name = part->name;
    memcpy(a->value, v.p, v.len);
    a->value[v.len] = '\0';
    return 0;
}

/* The PhotoUpload object of the form; the message of a 400 on failure. */
static const char *read_form(const ps_form *f, ps_photo_put *p)
{
    bool has_meta = false;
    for (uint32_t i = 0; i < f->n; i++) {
        const ps_part *part = &f->parts[i];
        if (strcmp(part->name, "file") == 0) {
            if (read_file(part, p) < 0)
                return "file must be one image/png or image/jpeg part of at "
                       "most 4096 bytes";
        } else if (strcmp(part->name, "metadata") == 0) {
            if (read_metadata(part, p, &has_meta) < 0)
                return "metadata must be one PhotoMetadata JSON part";
        } else if (read_attr(part, p) < 0)
            return "an attribute must be a text part of at most 64 "
                   "characters, named by ^[a-z][a-z0-9_]{0,31}$";
    }
    return p->type == NULL ? "the file part is required" : NULL;
}

/* ---- replies ---- */

static cJSON *photo_json(const ps_photo_put *p)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL &&
              cJSON_AddNumberToObject(o, "petId", (double)p->pet_id) != NULL &&
              cJSON_AddStringToObject(o, "contentType", p->type) != NULL &&
              cJSON_AddNumberToObject(o, "size", (double)p->len) != NULL;
    if (ok && p->has_caption)
        ok = cJSON_AddStringToObject(o, "caption", p->caption) != NULL;
    if (ok && p->width > 0)
        ok = cJSON_AddNumberToObject(o, "width", p->width) != NULL;
    if (ok && p->height > 0)
        ok = cJSON_AddNumberToObject(o, "height", p->height) != NULL;
    cJSON *attrs = ok ? cJSON_AddObjectToObject(o, "attributes") : NULL;
    for (uint32_t i = 0; attrs != NULL && i < p->n_attrs; i++)
        if (cJSON_AddStringToObject(attrs, p->attrs[i].name,
                                    p->attrs[i].value) == NULL)
            attrs = NULL;
    if (attrs == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- handlers ---- */

/* Stores the checked upload p for pet id and answers. */
static void store_photo(ps_ctx *c, int64_t id, ps_photo_put *p)
{
    ps_pet pet;
    int rc = ps_store_pet_get(c->st, id, &pet);
    if (rc != 0) {
        ps_reply_error(c, rc == 1 ? 404 : 500, "no pet %" PRId64, id);
        return;
    }
    p->pet_id = id;
    if (ps_store_photo_put(c->st, p) != 0) {
        ps_reply_error(c, 500, "database error: %s", sqlite3_errmsg(c->st->db));
        return;
    }
    cJSON *j = photo_json(p);
    if (j == NULL)
        ps_reply_error(c, 500, "out of memory");
    else
        ps_reply_json(c, 200, j);
}

void ps_photo_upload(ps_ctx *c, int64_t id)
{
    if (!ps_require_session(c) || !ps_require_media(c, "multipart/form-data"))
        return;
    ps_photo_put *p = calloc(1, sizeof *p);
    if (p == NULL) {
        ps_reply_error(c, 500, "out of memory");
        return;
    }
    ps_form f;
    const char *why = NULL;
    if (ps_multipart_parse(ps_header(c, "Content-Type"), c->req->body,
                           c->req->body_len, &f, &why) < 0 ||
        (why = read_form(&f, p)) != NULL)
        ps_reply_error(c, 400, "%s", why);
    else
        store_photo(c, id, p);
    ps_form_free(&f);
    free(p);
}

void ps_photo_get(ps_ctx *c, int64_t id)
{
    ps_photo_row row;
    int rc = ps_store_photo_get(c->st, id, &row, false);
    if (rc != 0) {
        ps_photo_cache_drop(c->st, id);
        ps_reply_error(c, rc == 1 ? 404 : 500, "no photo of pet %" PRId64, id);
        return;
    }
    ps_photo_slot *s = photo_slot(c->st, id);
    const unsigned char *data = NULL;
    size_t len = 0;
    if (s->pet_id == id) {
        data = s->data;
        len = s->len;
        if (s->version != row.version) {
            ps_photo_cache_drop(c->st, id);
#ifdef PETSTORE_FIXED
            data = NULL;
#endif
            /* BUG PS4 (without PETSTORE_FIXED): data still points at the
               bytes the drop freed. */
        }
    }
    if (data == NULL) {
        if (ps_store_photo_get(c->st, id, &row, true) != 0) {
            ps_reply_error(c, 500, "database error");
            return;
        }
        s = photo_cache_put(c->st, id, &row);
        data = s->data;
        len = s->len;
    }
    ps_reply_bytes(c, 200, row.type, data, len);
}
