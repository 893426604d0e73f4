/*
 * query.c - the query string of GET /pets: `tags` (style form, explode:
 * tags=a&tags=b), `limit`, and `filter` (style deepObject:
 * filter[name]=Tom&filter[petType]=cat, brackets usually
 * percent-encoded), percent-decoded here (RFC 3986 §2.1; '+' is a space,
 * as in HTML forms).
 *
 * filter[name] is turned into a LIKE pattern here, as it is decoded.
 *
 * Invariants: every value is checked against its schema (PetFilter has
 * additionalProperties: false, so an unknown member is an error); an
 * empty `tags=` or `filter=` is the empty array or object (how form and
 * deepObject write them); a parameter given twice is an error. Other
 * query parameters are ignored. Nothing is kept past the request but the
 * ps_list_query, which the caller frees.
 *
 * Tuned for short queries: one pass over the pairs, values decoded into
 * fixed buffers (the two free-text filter members into small mallocs).
 */
#include <stdlib.h>
#include <string.h>

#include "petstore.h"

/* Decodes one byte at raw[*i], advancing *i; -1 for a broken escape. */
static int next_byte(ps_span raw, size_t *i)
{
    char ch = raw.p[*i];
    if (ch == '+') {
        (*i)++;
        return ' ';
    }
    if (ch != '%') {
        (*i)++;
        return (unsigned char)ch;
    }
    if (*i + 2 >= raw.len)
        return -1;
    int h = ps_hex_value(raw.p[*i + 1]), l = ps_hex_value(raw.p[*i + 2]);
    if (h < 0 || l < 0)
        return -1;
    *i += 3;
    return h * 16 + l;
}

/* raw percent-decoded into out (cap bytes with the NUL); false when it
   is broken or does not fit. */
static bool decode_into(ps_span raw, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < raw.len;) {
        int b = next_byte(raw, &i);
        if (b < 0 || k + 1 >= cap)
            return false;
        out[k++] = (char)b;
    }
    out[k] = '\0';
    return true;
}

/* A deepObject member's string value of at most max_chars characters,
   percent-decoded into a new string; NULL when it is not valid. */
static char *member_value(ps_span raw, long max_chars)
{
    char *out = malloc(raw.len + 1); /* decoding never grows the text */
    if (out == NULL || !decode_into(raw, out, raw.len + 1) ||
        !ps_str_chars(out, 0, max_chars)) {
        free(out);
        return NULL;
    }
    return out;
}

/* The percent-decoded length of raw, or -1 when an escape is broken. */
static long decoded_len(ps_span raw)
{
    long n = 0;
    for (size_t i = 0; i < raw.len; n++)
        if (next_byte(raw, &i) < 0)
            return -1;
    return n;
}

/* filter[name], a prefix of the pet's name, as the LIKE pattern the
   store matches with: the value percent-decoded, LIKE's wildcards and
   its escape character escaped with '\', then '%'. */
static char *name_pattern(ps_span raw)
{
    long n = decoded_len(raw);
    if (n < 0)
        return NULL;
#ifdef PETSTORE_FIXED
    size_t cap = 2 * (size_t)n + 2; /* every byte may need its escape */
#else
    /* BUG PS2: room for the value, the '%' and the NUL, not for the
       escapes. */
    size_t cap = (size_t)n + 2;
#endif
    char *out = malloc(cap);
    size_t k = 0;
    long chars = 0;
    for (size_t i = 0; out != NULL && i < raw.len;) {
        int b = next_byte(raw, &i);
        /* A character starts at every byte but a continuation byte. */
        if ((b & 0xC0) != 0x80 && ++chars > PS_FILTER_NAME_CHARS) {
            free(out);
            return NULL;
        }
        if (b == '%' || b == '_' || b == '\\')
            out[k++] = '\\';
        out[k++] = (char)b;
    }
    if (out == NULL)
        return NULL;
    out[k++] = '%';
    out[k] = '\0';
    if (ps_utf8_chars(out, k) < 0 || memchr(out, '\0', k) != NULL) {
        free(out);
        return NULL;
    }
    return out;
}

static bool tag_ok(const char *t)
{
    return ps_str_chars(t, 1, PS_TAG_CHARS);
}

/* tags=value: one item; a lone empty value is the empty array. */
static int add_tag(ps_list_query *q, ps_span raw, uint32_t *n_seen,
                   bool *saw_empty)
{
    (*n_seen)++;
    if (raw.len == 0) {
        *saw_empty = true;
        return 0;
    }
    if (q->n_tags == PS_MAX_TAGS ||
        !decode_into(raw, q->tags[q->n_tags], sizeof q->tags[0]) ||
        !tag_ok(q->tags[q->n_tags]))
        return -1;
    q->n_tags++;
    return 0;
}

static int set_limit(ps_list_query *q, ps_span raw, bool *has_limit)
{
    char buf[24];
    int64_t v = 0;
    if (*has_limit || !decode_into(raw, buf, sizeof buf) ||
        !ps_parse_int64(buf, strlen(buf), &v) || v < 1 || v > 100)
        return -1;
    *has_limit = true;
    q->limit = (int32_t)v;
    return 0;
}

static bool is_member(const char *v, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, set[i]) == 0)
            return true;
    return false;
}

static int set_enum(char *out, size_t cap, ps_span raw, const char *const *set,
                    size_t n)
{
    if (out[0] != '\0' || !decode_into(raw, out, cap) ||
        !is_member(out, set, n))
        return -1;
    return 0;
}

/* filter[member]=value (deepObject, one level: PetFilter's members are
   primitives). */
static int set_filter(ps_list_query *q, const char *member, ps_span raw)
{
    static const char *const types[] = {"cat", "dog"};
    static const char *const statuses[] = {"available", "pending", "sold"};
    if (strcmp(member, "name") == 0) {
        if (q->name != NULL)
            return -1;
        q->name = name_pattern(raw);
        return q->name != NULL ? 0 : -1;
    }
    if (strcmp(member, "category") == 0) {
        if (q->category != NULL)
            return -1;
        q->category = member_value(raw, PS_CATEGORY_CHARS);
        return q->category != NULL ? 0 : -1;
    }
    if (strcmp(member, "petType") == 0)
        return raw.len == 0
                   ? -1
                   : set_enum(q->pet_type, sizeof q->pet_type, raw, types, 2);
    if (strcmp(member, "status") == 0)
        return raw.len == 0
                   ? -1
                   : set_enum(q->status, sizeof q->status, raw, statuses, 3);
    return -1; /* additionalProperties: false */
}

/* The member of a "filter[...]" key, or NULL when key is not one. */
static const char *filter_member(char *key)
{
    if (strncmp(key, "filter[", 7) != 0)
        return NULL;
    char *m = key + 7;
    size_t n = strcspn(m, "[]");
    if (m[n] != ']' || m[n + 1] != '\0')
        return "";
    m[n] = '\0';
    return m;
}

typedef struct qstate {
    uint32_t n_tag_pairs;
    bool saw_empty_tag, has_limit, saw_filter;
} qstate;

static int one_pair(ps_list_query *q, qstate *s, ps_span key, ps_span val,
                    const char **why)
{
    char k[64];
    if (!decode_into(key, k, sizeof k)) {
        /* Too long for any of ours: ignored, unless it names filter. */
        *why = "filter must be a PetFilter";
        return key.len >= 6 && strncmp(key.p, "filter", 6) == 0 ? -1 : 0;
    }
    if (strcmp(k, "tags") == 0) {
        *why = "tags must be at most 4 strings of 1..16 characters";
        return add_tag(q, val, &s->n_tag_pairs, &s->saw_empty_tag);
    }
    if (strcmp(k, "limit") == 0) {
        *why = "limit must be one integer in 1..100";
        return set_limit(q, val, &s->has_limit);
    }
    *why = "filter must be a PetFilter";
    if (strcmp(k, "filter") == 0) {
        /* The empty object, as deepObject writes it. */
        if (val.len != 0 || s->saw_filter)
            return -1;
        s->saw_filter = true;
        return 0;
    }
    const char *m = filter_member(k);
    return m == NULL ? 0 : set_filter(q, m, val);
}

int ps_query_parse_list(const char *query, ps_list_query *out, const char **why)
{
    memset(out, 0, sizeof *out);
    out->limit = 20;
    qstate s = {0};
    for (const char *p = query; *p != '\0';) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        ps_span key = {p, eq != NULL ? (size_t)(eq - p) : n};
        ps_span val = {eq != NULL ? eq + 1 : p + n,
                       eq != NULL ? n - key.len - 1 : 0};
        if (n > 0 && one_pair(out, &s, key, val, why) < 0)
            return -1;
        p += n + (p[n] == '&');
    }
    if (s.saw_empty_tag && s.n_tag_pairs > 1) {
        *why = "tags must be at most 4 strings of 1..16 characters";
        return -1;
    }
    return 0;
}

void ps_query_free(ps_list_query *q)
{
    free(q->name);
    free(q->category);
    q->name = q->category = NULL;
}
