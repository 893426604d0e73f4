/*
 * petjson.c - pets as JSON: reading NewPet and PetUpdate request bodies
 * (openapi.yaml's schemas, checked member by member as a JSON Schema
 * validator would: oneOf Cat/Dog picked by the petType each branch pins
 * with an enum, so at most one branch can match) and writing the Pet
 * response object.
 *
 * Invariants: a body that is read is valid against its schema (lengths
 * in code points of valid UTF-8, integers as JSON numbers without a
 * fraction, within the schema's bounds and format); anything else gets
 * a message for a 400. Members the schemas do not name are allowed and
 * ignored (no additionalProperties: false there).
 *
 * Tuned for bodies of a few members: cJSON lookups by name, the pet built
 * in a fixed-size struct (no allocation but cJSON's).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "petstore.h"

static const char *const statuses[] = {"available", "pending", "sold"};
const char *const ps_skills[PS_N_SKILLS] = {"clueless", "lazy", "adventurous",
                                            "aggressive"};

/* Dry food a day for one dog of a giant breed (its name contains one of
   these); others eat 350 g. */
static const struct {
    const char *breed;
    int32_t grams;
} giants[] = {{"mastiff", 900}, {"newfoundland", 800}, {"saint bernard", 750}};

static bool in_enum(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

int ps_json_string(const cJSON *obj, const char *key, long lo, long hi,
                   char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 0;
    if (!cJSON_IsString(v) || v->valuestring == NULL ||
        !ps_str_chars(v->valuestring, lo, hi))
        return -1;
    size_t n = strlen(v->valuestring);
    if (n >= cap)
        return -1;
    memcpy(out, v->valuestring, n + 1);
    return 1;
}

int ps_json_int(const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    /* A JSON integer past 2^53 arrives rounded; INT64_MAX reads as 2^63,
       which is taken as INT64_MAX. */
    if (!isfinite(d) || floor(d) != d || d < (double)lo || d > (double)hi)
        return -1;
    *out = d >= 9223372036854775807.0 ? INT64_MAX : (int64_t)d;
    return 1;
}

/* An optional enum member; 0 absent, 1 set, -1 invalid. */
static int json_enum(const cJSON *obj, const char *key, const char *const *set,
                     size_t n, char *out, size_t cap)
{
    int rc = ps_json_string(obj, key, 0, 32, out, cap);
    if (rc == 1 && !in_enum(out, set, n))
        return -1;
    return rc;
}

int ps_tags_from_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len)
{
    if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) > PS_MAX_TAGS) {
        snprintf(why, why_len, "tags must be an array of at most %d",
                 PS_MAX_TAGS);
        return -1;
    }
    uint32_t n = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, j)
    {
        if (!cJSON_IsObject(t) ||
            ps_json_string(t, "name", 1, PS_TAG_CHARS, pet->tags[n],
                           sizeof pet->tags[n]) != 1) {
            snprintf(why, why_len, "tags/%u must be a Tag", n);
            return -1;
        }
        n++;
    }
    pet->n_tags = n;
    return 0;
}

static int category_from_json(const cJSON *j, ps_pet *pet)
{
    if (j == NULL)
        return 0;
    int64_t id = 0;
    if (!cJSON_IsObject(j) || ps_json_int(j, "id", 1, INT64_MAX, &id) != 1 ||
        ps_json_string(j, "name", 1, PS_CATEGORY_CHARS, pet->category,
                       sizeof pet->category) != 1)
        return -1;
    pet->has_category = true;
    pet->category_id = id;
    return 0;
}

/* PetBase: name, petType (checked by the caller), status, category,
   tags. */
static int base_from_json(const cJSON *j, ps_pet *pet, char *why,
                          size_t why_len)
{
    if (ps_json_string(j, "name", 1, PS_NAME_CHARS, pet->name,
                       sizeof pet->name) != 1) {
        snprintf(why, why_len, "name must be a string of 1..%d characters",
                 PS_NAME_CHARS);
        return -1;
    }
    if (json_enum(j, "status", statuses, 3, pet->status, sizeof pet->status) <
        0) {
        snprintf(why, why_len, "status must be one of PetStatus");
        return -1;
    }
    if (category_from_json(cJSON_GetObjectItemCaseSensitive(j, "category"),
                           pet) < 0) {
        snprintf(why, why_len, "category must be a Category");
        return -1;
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
    return tags != NULL ? ps_tags_from_json(tags, pet, why, why_len) : 0;
}

static int cat_from_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len)
{
    int64_t lives = 0;
    if (json_enum(j, "huntingSkill", ps_skills, PS_N_SKILLS, pet->hunting_skill,
                  sizeof pet->hunting_skill) != 1) {
        snprintf(why, why_len, "a Cat needs a huntingSkill of its enum");
        return -1;
    }
    int rc = ps_json_int(j, "livesLeft", 0, 9, &lives);
    if (rc < 0) {
        snprintf(why, why_len, "livesLeft must be an integer in 0..9");
        return -1;
    }
    pet->has_lives = rc == 1;
    pet->lives_left = (int32_t)lives;
    return 0;
}

static int dog_from_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len)
{
    int64_t pack = 0, ignored = 0;
    if (ps_json_int(j, "packSize", 1, PS_PACK_MAX, &pack) != 1) {
        snprintf(why, why_len, "a Dog needs a packSize in 1..%d", PS_PACK_MAX);
        return -1;
    }
    pet->pack_size = (int32_t)pack;
    if (ps_json_string(j, "breed", 0, PS_BREED_CHARS, pet->breed,
                       sizeof pet->breed) < 0) {
        snprintf(why, why_len, "breed must be a string of at most %d",
                 PS_BREED_CHARS);
        return -1;
    }
    /* readOnly: ignored in a request, but still checked. */
    if (ps_json_int(j, "dailyFoodGrams", 0, INT32_MAX, &ignored) < 0 ||
        ps_json_int(j, "yearlyFoodKg", 0, INT32_MAX, &ignored) < 0) {
        snprintf(why, why_len,
                 "dailyFoodGrams and yearlyFoodKg are int32s "
                 "from 0");
        return -1;
    }
    return 0;
}

int ps_pet_from_json(const cJSON *j, ps_pet *out, char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "petType");
    const char *t = cJSON_IsString(type) ? type->valuestring : NULL;
    if (!cJSON_IsObject(j) || t == NULL ||
        (strcmp(t, "cat") != 0 && strcmp(t, "dog") != 0)) {
        snprintf(why, why_len,
                 "the body must be a Cat or a Dog (petType cat or dog)");
        return -1;
    }
    out->kind = strcmp(t, "cat") == 0 ? PS_CAT : PS_DOG;
    if (base_from_json(j, out, why, why_len) < 0)
        return -1;
    return out->kind == PS_CAT ? cat_from_json(j, out, why, why_len)
                               : dog_from_json(j, out, why, why_len);
}

int ps_pet_patch_json(const cJSON *j, ps_pet *pet, char *why, size_t why_len)
{
    if (!cJSON_IsObject(j)) {
        snprintf(why, why_len, "the body must be a PetUpdate object");
        return -1;
    }
    ps_pet next = *pet;
    if (ps_json_string(j, "name", 1, PS_NAME_CHARS, next.name,
                       sizeof next.name) < 0) {
        snprintf(why, why_len, "name must be a string of 1..%d characters",
                 PS_NAME_CHARS);
        return -1;
    }
    if (json_enum(j, "status", statuses, 3, next.status, sizeof next.status) <
        0) {
        snprintf(why, why_len, "status must be one of PetStatus");
        return -1;
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
    if (tags != NULL && ps_tags_from_json(tags, &next, why, why_len) < 0)
        return -1;
    *pet = next;
    return 0;
}

/* ---- writing ---- */

static bool add_common(cJSON *o, const ps_pet *p)
{
    bool ok = cJSON_AddNumberToObject(o, "id", (double)p->id) != NULL &&
              cJSON_AddStringToObject(o, "name", p->name) != NULL &&
              cJSON_AddStringToObject(
                  o, "petType", p->kind == PS_CAT ? "cat" : "dog") != NULL;
    if (ok && p->status[0] != '\0')
        ok = cJSON_AddStringToObject(o, "status", p->status) != NULL;
    if (ok && p->has_category) {
        cJSON *c = cJSON_AddObjectToObject(o, "category");
        ok = c != NULL &&
             cJSON_AddNumberToObject(c, "id", (double)p->category_id) != NULL &&
             cJSON_AddStringToObject(c, "name", p->category) != NULL;
    }
    cJSON *tags = ok ? cJSON_AddArrayToObject(o, "tags") : NULL;
    for (uint32_t i = 0; tags != NULL && i < p->n_tags; i++) {
        cJSON *t = cJSON_CreateObject();
        if (t == NULL || !cJSON_AddItemToArray(tags, t) ||
            cJSON_AddStringToObject(t, "name", p->tags[i]) == NULL)
            return false;
    }
    return tags != NULL;
}

static bool add_cat(cJSON *o, const ps_pet *p)
{
    if (cJSON_AddStringToObject(o, "huntingSkill", p->hunting_skill) == NULL)
        return false;
    return !p->has_lives ||
           cJSON_AddNumberToObject(o, "livesLeft", p->lives_left) != NULL;
}

/* Whether word occurs in s, ASCII letters compared in any case. */
static bool contains_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s != '\0'; s++)
        if (strncasecmp(s, word, n) == 0)
            return true;
    return false;
}

static int32_t grams_per_dog(const char *breed)
{
    for (size_t i = 0; i < sizeof giants / sizeof giants[0]; i++)
        if (contains_word(breed, giants[i].breed))
            return giants[i].grams;
    return PS_GRAMS_PER_DOG;
}

static bool add_dog(cJSON *o, const ps_pet *p)
{
    /* At most 10000 dogs of 900 g: fits an int32. */
    int32_t daily = p->pack_size * grams_per_dog(p->breed);
#ifdef PETSTORE_FIXED
    int32_t yearly = (int32_t)((int64_t)daily * 365 / 1000);
#else
    /* BUG PS6: a year of a big pack of giants is past 2^31 g; the
       unsigned product wraps into a negative int32. */
    uint32_t year_grams = (uint32_t)daily * 365u;
    int32_t yearly = (int32_t)year_grams / 1000;
#endif
    if (cJSON_AddNumberToObject(o, "packSize", p->pack_size) == NULL ||
        cJSON_AddNumberToObject(o, "dailyFoodGrams", daily) == NULL ||
        cJSON_AddNumberToObject(o, "yearlyFoodKg", yearly) == NULL)
        return false;
    return p->breed[0] == '\0' ||
           cJSON_AddStringToObject(o, "breed", p->breed) != NULL;
}

cJSON *ps_pet_to_json(const ps_pet *p)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !add_common(o, p) ||
        !(p->kind == PS_CAT ? add_cat(o, p) : add_dog(o, p))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
