/*
 * dict.c - the mutator's dictionary: tokens spliced into string leaves.
 * From the spec (af_mut_dict_from_spec): enum and const values, property
 * and parameter names, path segments, examples and defaults (their
 * strings, member names and numbers); from the engine: tokens added one
 * by one or read from a libFuzzer/AFL++ dictionary file
 * (`name="value"` or `"value"` lines, `#` comments, escapes \\ \" \xNN;
 * AFL++'s `name@level=` accepted).
 *
 * Invariants: tokens are 1..AF_MUT_MAX_TOKEN bytes and unique (a hash
 * set keeps duplicates out), stored back to back; the dictionary only
 * grows, and only at start-up, so mutations stay deterministic.
 */
#include "gen/mutate_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AF_MUT_MAX_TOKEN 128
#define AF_MUT_MAX_TOKENS (1u << 16)

static uint32_t hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < n; k++)
        h = (h ^ p[k]) * 16777619u;
    return h;
}

const uint8_t *af_mut_token(const af_mutator *mu, uint32_t k, size_t *len)
{
    *len = mu->tok_off[k + 1] - mu->tok_off[k];
    return mu->tok_data + mu->tok_off[k];
}

static bool set_has(const af_mutator *mu, const uint8_t *p, size_t n,
                    uint32_t *slot)
{
    uint32_t mask = mu->set_cap - 1, i = hash(p, n) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t t = mu->tok_set[i];
        size_t tl;
        if (t == 0) {
            *slot = i;
            return false;
        }
        const uint8_t *tp = af_mut_token(mu, t - 1, &tl);
        if (tl == n && memcmp(tp, p, n) == 0)
            return true;
    }
}

static int grow_set(af_mutator *mu)
{
    uint32_t cap = mu->set_cap ? 2 * mu->set_cap : 256;
    uint32_t *set = calloc(cap, sizeof *set);
    if (set == NULL)
        return AF_ENOMEM;
    free(mu->tok_set);
    mu->tok_set = set;
    mu->set_cap = cap;
    for (uint32_t k = 0; k < mu->n_tokens; k++) {
        size_t tl;
        const uint8_t *tp = af_mut_token(mu, k, &tl);
        uint32_t i = hash(tp, tl) & (cap - 1);
        while (set[i] != 0)
            i = (i + 1) & (cap - 1);
        set[i] = k + 1;
    }
    return 0;
}

static int reserve_tokens(af_mutator *mu, size_t len)
{
    if (mu->n_tokens + 2 > mu->cap_tokens) {
        uint32_t cap = mu->cap_tokens ? 2 * mu->cap_tokens : 256;
        uint32_t *off = realloc(mu->tok_off, cap * sizeof *off);
        if (off == NULL)
            return AF_ENOMEM;
        off[0] = mu->tok_off == NULL ? 0 : off[0];
        mu->tok_off = off;
        mu->cap_tokens = cap;
    }
    if (mu->tok_len + len > mu->tok_cap) {
        size_t cap = mu->tok_cap ? 2 * mu->tok_cap : 4096;
        while (cap < mu->tok_len + len)
            cap *= 2;
        uint8_t *p = realloc(mu->tok_data, cap);
        if (p == NULL)
            return AF_ENOMEM;
        mu->tok_data = p;
        mu->tok_cap = cap;
    }
    if (2 * (mu->n_tokens + 1) > mu->set_cap)
        return grow_set(mu);
    return 0;
}

int af_mutator_add_token(af_mutator *mu, const void *token, size_t len)
{
    if (mu == NULL || token == NULL || len == 0 || len > AF_MUT_MAX_TOKEN)
        return AF_EUSAGE;
    if (mu->n_tokens >= AF_MUT_MAX_TOKENS)
        return AF_ELIMIT;
    int rc = reserve_tokens(mu, len);
    uint32_t slot;
    if (rc < 0)
        return rc;
    if (set_has(mu, token, len, &slot))
        return 0;
    memcpy(mu->tok_data + mu->tok_len, token, len);
    mu->tok_len += len;
    mu->tok_off[mu->n_tokens + 1] = (uint32_t)mu->tok_len;
    mu->tok_set[slot] = ++mu->n_tokens;
    return 0;
}

size_t af_mutator_token_count(const af_mutator *mu)
{
    return mu != NULL ? mu->n_tokens : 0;
}

void af_mut_dict_free(af_mutator *mu)
{
    free(mu->tok_data);
    free(mu->tok_off);
    free(mu->tok_set);
    mu->tok_data = NULL;
    mu->tok_off = NULL;
    mu->tok_set = NULL;
    mu->n_tokens = mu->cap_tokens = mu->set_cap = 0;
    mu->tok_len = mu->tok_cap = 0;
}

/* ---- from the spec ---- */

static int add_str(af_mutator *mu, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > AF_MUT_MAX_TOKEN)
        return 0;
    int rc = af_mutator_add_token(mu, s, n);
    return rc == AF_ENOMEM ? rc : 0;
}

/* Strings, member names and numbers of a JSON value (examples, enums). */
static int add_json(af_mutator *mu, const cJSON *j, int depth)
{
    char num[32];
    int rc = 0, k = 0;
    if (j == NULL || depth > 4)
        return 0;
    if (cJSON_IsString(j))
        return add_str(mu, j->valuestring);
    if (cJSON_IsNumber(j)) {
        snprintf(num, sizeof num, "%.17g", j->valuedouble);
        return add_str(mu, num);
    }
    for (const cJSON *c = j->child; c != NULL && rc == 0 && k < 64;
         c = c->next, k++) {
        if (cJSON_IsObject(j))
            rc = add_str(mu, c->string);
        if (rc == 0)
            rc = add_json(mu, c, depth + 1);
    }
    return rc;
}

static int schema_tokens(af_mutator *mu, const af_schema *s)
{
    int rc = add_json(mu, s->enum_values, 0);
    if (rc == 0)
        rc = add_json(mu, s->const_value, 0);
    if (rc == 0)
        rc = add_json(mu, s->examples, 0);
    if (rc == 0)
        rc = add_json(mu, s->default_value, 0);
    for (uint32_t k = 0; rc == 0 && k < s->n_props; k++)
        rc = add_str(mu, s->props[k].name);
    for (uint32_t k = 0; rc == 0 && k < s->n_mapping; k++)
        rc = add_str(mu, s->mapping[k].value);
    return rc;
}

/* The literal segments of a path template ("/bookings/{id}/pay"). */
static int path_tokens(af_mutator *mu, const char *path)
{
    char seg[AF_MUT_MAX_TOKEN + 1];
    for (const char *p = path; p != NULL && *p != '\0';) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n > 0 && n <= AF_MUT_MAX_TOKEN && memchr(p, '{', n) == NULL) {
            memcpy(seg, p, n);
            seg[n] = '\0';
            if (add_str(mu, seg) < 0)
                return AF_ENOMEM;
        }
        p += n;
    }
    return 0;
}

static int op_tokens(af_mutator *mu, const af_operation *op)
{
    int rc = path_tokens(mu, op->path);
    for (uint32_t k = 0; rc == 0 && k < op->n_params; k++) {
        rc = add_str(mu, op->params[k].name);
        if (rc == 0)
            rc = add_json(mu, op->params[k].examples, 0);
    }
    for (uint32_t k = 0; rc == 0 && op->body && k < op->body->n_media; k++)
        rc = add_json(mu, op->body->media[k].examples, 0);
    return rc;
}

int af_mut_dict_from_spec(af_mutator *mu)
{
    const af_model *m = mu->g->model;
    int rc = 0;
    for (uint32_t k = 0; rc == 0 && k < mu->g->n_ops; k++)
        rc = op_tokens(mu, &m->ops[mu->g->ops[k]]);
    for (uint32_t k = 0; rc == 0 && k < m->n_schemas; k++)
        rc = schema_tokens(mu, &m->schemas[k]);
    return rc;
}

/* ---- dictionary files ---- */

static int hexval(int c)
{
    return isdigit(c)               ? c - '0'
           : (c >= 'a' && c <= 'f') ? c - 'a' + 10
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                    : -1;
}

/* The quoted value of one entry at p into out; NULL ok, else the
   reason it is malformed. */
static const char *parse_quoted(const char *p, uint8_t *out, size_t *len)
{
    size_t n = 0;
    if (*p++ != '"')
        return "expected '\"'";
    for (; *p != '"'; p++) {
        if (*p == '\0' || *p == '\n' || *p == '\r')
            return "missing closing '\"'";
        if (n >= AF_MUT_MAX_TOKEN)
            return "token longer than 128 bytes";
        if (*p != '\\') {
            out[n++] = (uint8_t)*p;
            continue;
        }
        p++;
        int hi = *p == 'x' ? hexval(p[1]) : -1;
        int lo = hi >= 0 ? hexval(p[2]) : -1;
        if (*p == '\\' || *p == '"') {
            out[n++] = (uint8_t)*p;
        } else if (hi >= 0 && lo >= 0) {
            out[n++] = (uint8_t)(hi * 16 + lo);
            p += 2;
        } else {
            return "bad escape (\\\\, \\\" or \\xNN)";
        }
    }
    for (p++; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
        ;
    *len = n;
    return *p == '\0' ? NULL : "text after the closing '\"'";
}

/* One line: 1 a token, 0 blank or comment, or the reason it is bad. */
static const char *parse_line(const char *line, uint8_t *tok, size_t *len,
                              int *is_token)
{
    const char *p = line;
    *is_token = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r')
        return NULL;
    if (*p != '"') { /* name[@level]= */
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '-' ||
               *p == '.' || *p == '@')
            p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '=')
            return "expected name=\"value\" or \"value\"";
        while (*p == ' ' || *p == '\t')
            p++;
    }
    const char *why = parse_quoted(p, tok, len);
    if (why == NULL && *len == 0)
        return "empty token";
    *is_token = why == NULL;
    return why;
}

int af_mutator_load_dict(af_mutator *mu, const char *path, af_error *err)
{
    if (mu == NULL || path == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_mutator_load_dict: no mutator or path");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return af_error_set(err, AF_EIO, path, NULL, 0, 0,
                            "cannot open the dictionary");
    char *line = NULL;
    size_t cap = 0;
    int count = 0, lineno = 0, rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        uint8_t tok[AF_MUT_MAX_TOKEN];
        size_t len = 0;
        int is_token;
        lineno++;
        const char *why = parse_line(line, tok, &len, &is_token);
        if (why != NULL)
            rc =
                af_error_set(err, AF_ESYNTAX, path, NULL, lineno, 0, "%s", why);
        else if (is_token && (rc = af_mutator_add_token(mu, tok, len)) < 0)
            af_error_set(err, rc, path, NULL, lineno, 0, "%s",
                         rc == AF_ELIMIT ? "too many tokens" : "out of memory");
        else
            count += is_token;
    }
    free(line);
    fclose(f);
    return rc < 0 ? rc : count;
}
