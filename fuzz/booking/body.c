/*
 * body.c - the booking service's JSON bodies: parsing (one value, only
 * whitespace after it), validation of NewBooking and BookingPatch
 * exactly as openapi.yaml states them, and the Booking object.
 *
 * Lengths count code points (JSON Schema §6.3.1), as UTF-8 lead bytes;
 * the handlers reject bodies that are not UTF-8 before these run. A
 * validator returns a static message naming the first violation, so a
 * rejection never allocates. Planted bug 5 (BUGS.md) is in
 * booking_body_new.
 */
#include "booking.h"

#include <math.h>
#include <string.h>

cJSON *booking_body_parse(const unsigned char *body, size_t len)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts((const char *)body, len, &end, false);
    if (v == NULL)
        return NULL;
    for (size_t at = (size_t)(end - (const char *)body); at < len; at++)
        if (body[at] != ' ' && body[at] != '\t' && body[at] != '\r' &&
            body[at] != '\n') {
            cJSON_Delete(v);
            return NULL;
        }
    return v;
}

int booking_body_int32(const cJSON *obj, const char *name, int32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL)
        return 0;
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d) || d < INT32_MIN ||
        d > INT32_MAX)
        return -1;
    *out = (int32_t)d;
    return 1;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s != 0; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static const char *read_name(const cJSON *v, char *out)
{
    if (!cJSON_IsString(v))
        return "name must be a string";
    size_t chars = code_points(v->valuestring);
    size_t len = strlen(v->valuestring);
    if (chars < 1 || chars > BOOKING_NAME_MAX_CHARS || len >= BOOKING_NAME_CAP)
        return "name must have 1 to 100 characters";
    memcpy(out, v->valuestring, len + 1);
    return NULL;
}

/* Whether every member of object v is one of names (additionalProperties
   false). */
static bool has_only(const cJSON *v, const char *const *names)
{
    for (const cJSON *m = v->child; m != NULL; m = m->next) {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], m->string) != 0)
            i++;
        if (names[i] == NULL)
            return false;
    }
    return true;
}

static const char *const seat_members[] = {"row", "seat", NULL};
static const char *const new_members[] = {"id", "name", "is_active", "seats",
                                          NULL};
static const char *const patch_members[] = {"name", "is_active", "seats", NULL};

static const char *read_seat(const cJSON *v, booking_seat *out)
{
    int32_t row;
    if (!cJSON_IsObject(v))
        return "a seat must be an object";
    if (!has_only(v, seat_members))
        return "a seat has only row and seat";
    if (booking_body_int32(v, "row", &row) != 1 || row < 1 ||
        row > BOOKING_ROW_MAX)
        return "a seat's row must be an integer from 1 to 60";
    const cJSON *letter = cJSON_GetObjectItemCaseSensitive(v, "seat");
    const char *l = cJSON_IsString(letter) ? letter->valuestring : "";
    if (strlen(l) != 1 || l[0] < 'A' || l[0] > 'F')
        return "a seat's seat must be one of A, B, C, D, E, F";
    out->row = row;
    out->letter = l[0];
    return NULL;
}

static const char *read_seats(const cJSON *v, booking *b)
{
    if (!cJSON_IsArray(v))
        return "seats must be an array";
    if (cJSON_GetArraySize(v) > BOOKING_MAX_SEATS)
        return "seats must have at most 10 items";
    b->n_seats = 0;
    for (const cJSON *s = v->child; s != NULL; s = s->next) {
        const char *err = read_seat(s, &b->seats[b->n_seats]);
        if (err != NULL)
            return err;
        b->n_seats++;
    }
    return NULL;
}

const char *booking_body_new(const cJSON *v, booking *b)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(v, "is_active");
    const cJSON *seats = cJSON_GetObjectItemCaseSensitive(v, "seats");
    const char *err = NULL;
    if (!has_only(v, new_members))
        return "a booking has only id, name, is_active and seats";
    if (name == NULL)
        return "name is required";
#ifndef BOOKING_FIXED /* bug 5 */
    /* Planted bug 5: an empty name falls back to a default name instead
       of being rejected (the schema says minLength 1). */
    if (cJSON_IsString(name) && name->valuestring[0] == 0)
        memcpy(b->name, "Guest", sizeof "Guest");
    else
#endif
        err = read_name(name, b->name);
    if (err != NULL)
        return err;
    if (!cJSON_IsBool(active))
        return active == NULL ? "is_active is required"
                              : "is_active must be a boolean";
    b->is_active = cJSON_IsTrue(active);
    b->n_seats = 0;
    return seats != NULL ? read_seats(seats, b) : NULL;
}

const char *booking_body_patch(const cJSON *v, booking_patch *p)
{
    if (!cJSON_IsObject(v))
        return "the body must be an object";
    if (!has_only(v, patch_members))
        return "a change has only name, is_active and seats";
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(v, "is_active");
    const cJSON *seats = cJSON_GetObjectItemCaseSensitive(v, "seats");
    const char *err = NULL;
    memset(p, 0, sizeof *p);
    p->has_name = name != NULL;
    if (name != NULL && (err = read_name(name, p->b.name)) != NULL)
        return err;
    p->has_active = active != NULL;
    if (active != NULL && !cJSON_IsBool(active))
        return "is_active must be a boolean";
    p->b.is_active = cJSON_IsTrue(active);
    p->has_seats = seats != NULL;
    return seats != NULL ? read_seats(seats, &p->b) : NULL;
}

static cJSON *seat_json(const booking_seat *s)
{
    char letter[2] = {s->letter, 0};
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddNumberToObject(o, "row", s->row) == NULL ||
        cJSON_AddStringToObject(o, "seat", letter) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *booking_body_json(const booking *b)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "id", b->id) != NULL &&
              cJSON_AddStringToObject(o, "name", b->name) != NULL &&
              cJSON_AddBoolToObject(o, "is_active", b->is_active) != NULL &&
              cJSON_AddStringToObject(o, "created_at", b->created_at) != NULL;
    cJSON *seats = ok ? cJSON_AddArrayToObject(o, "seats") : NULL;
    ok = seats != NULL;
    for (uint32_t i = 0; ok && i < b->n_seats; i++) {
        cJSON *s = seat_json(&b->seats[i]);
        ok = s != NULL && cJSON_AddItemToArray(seats, s);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
