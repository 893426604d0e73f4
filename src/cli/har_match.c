/*
 * har_match.c - a recorded request back into one call of the plan, for
 * `apifuzz har2corpus` (har_read.h): the operation by method and path
 * template (after the spec's base path; literal template text matches
 * raw or percent-encoded, a {name} matches within one segment; the
 * template with the most literal text wins), the parameters by location
 * and style (har_value.c), the body by media type (JSON, urlencoded and
 * multipart forms, text, raw bytes), and the credentials' presence.
 *
 * Invariants: only a request the encoder can write back as the same
 * positive call gets through: a required parameter or body left out, a
 * body the operation does not take, credentials left out or a call
 * apifuzz recorded as negative are refused with the reason, since the
 * encoder would silently fill them in and the seed would send another
 * request. Template matching backtracks within a step budget, so a
 * hostile path cannot make it slow. Runs once per imported request.
 */
#include "cli/har_read.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire/render.h"

#define MAX_CAPTURES 32
#define MATCH_STEPS 100000

static const char *const in_names[] = {"path", "query", "header", "cookie"};

typedef struct capture {
    const char *name; /* into the template; name_len bytes */
    size_t name_len;
    const char *s; /* into the path */
    size_t len;
} capture;

typedef struct matcher {
    capture caps[MAX_CAPTURES];
    int n_caps;
    long steps;
} matcher;

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Bytes of p that spell the template character c: itself or %XX. */
static size_t literal_at(char c, const char *p)
{
    if (*p == c && c != 0)
        return 1;
    int hi = p[0] == '%' ? hex_value(p[1]) : -1;
    int lo = hi >= 0 ? hex_value(p[2]) : -1;
    return lo >= 0 && (char)(hi << 4 | lo) == c ? 3 : 0;
}

static bool match_at(matcher *mt, const char *t, const char *p, int k)
{
    if (++mt->steps > MATCH_STEPS)
        return false;
    if (*t == 0) {
        mt->n_caps = k;
        return *p == 0;
    }
    const char *close = *t == '{' ? strchr(t, '}') : NULL;
    if (close == NULL) {
        size_t used = literal_at(*t, p);
        return used > 0 && match_at(mt, t + 1, p + used, k);
    }
    if (k >= MAX_CAPTURES)
        return false;
    /* longest first: "/files/{name}.json" takes "a.b" from a.b.json */
    for (size_t len = strcspn(p, "/") + 1; len-- > 0;) {
        mt->caps[k] = (capture){t + 1, (size_t)(close - t - 1), p, len};
        if (match_at(mt, close + 1, p + len, k + 1))
            return true;
    }
    return false;
}

static size_t literal_len(const char *t)
{
    size_t n = 0;
    for (; *t != 0; t++) {
        const char *close = *t == '{' ? strchr(t, '}') : NULL;
        if (close != NULL)
            t = close;
        else
            n++;
    }
    return n;
}

/* The request path below the base path; the whole path when it is not
   under it. */
static const char *below_base(const af_model *m, const char *path)
{
    const char *base = m->base_path != NULL ? m->base_path : "";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n == 0 || strncmp(path, base, n) != 0 ||
        (path[n] != '/' && path[n] != 0))
        return path;
    return path[n] != 0 ? path + n : "/";
}

typedef struct found {
    int32_t op; /* the best operation of the method, -1 none */
    size_t literal;
    matcher mt;
    char other[128]; /* methods the path has */
} found;

static void consider(const af_gen *g, uint32_t op, const char *method,
                     const char *path, found *f)
{
    const af_operation *o = &g->model->ops[op];
    matcher mt = {.steps = 0};
    if (!match_at(&mt, o->path, path, 0))
        return;
    size_t lit = literal_len(o->path);
    if (strcasecmp(o->method, method) != 0) {
        size_t n = strlen(f->other);
        if (strstr(f->other, o->method) == NULL && n + 12 < sizeof f->other)
            snprintf(f->other + n, sizeof f->other - n, "%s%s",
                     n > 0 ? ", " : "", o->method);
        return;
    }
    if (f->op < 0 || lit > f->literal) {
        f->op = (int32_t)op;
        f->literal = lit;
        f->mt = mt;
    }
}

/* Finds the operation; refuses with the reason when there is none. */
static int find_op(const af_gen *g, const af_har_req *q, found *f,
                   af_error *err)
{
    const char *path = below_base(g->model, q->path);
    f->op = -1;
    f->other[0] = 0;
    for (uint32_t k = 0; k < g->n_ops; k++)
        consider(g, g->ops[k], q->method, path, f);
    if (f->op >= 0)
        return 0;
    if (f->other[0] != 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "no operation for %s %s (the path has %s)",
                            q->method, q->path, f->other);
    found all = {.op = -1};
    for (uint32_t k = 0; k < g->model->n_ops; k++)
        consider(g, k, q->method, path, &all);
    if (all.op >= 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "%s %s: its operation is left out by the "
                            "--operation / --path filter",
                            q->method, q->path);
    const char *base = g->model->base_path;
    return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                        "no operation for %s %s: no path of the spec "
                        "matches%s%s",
                        q->method, q->path,
                        base != NULL && base[0] != 0 ? " below the base path "
                                                     : "",
                        base != NULL ? base : "");
}

/* ---- parameters ---- */

/* "a=1&b=2" (sep "&") or "a=1; b=2" (sep ";") as raw pairs. */
static int split_pairs(af_arena *a, const char *s, char sep, af_har_pairs *out)
{
    size_t n = 1;
    for (const char *p = s; *p != 0; p++)
        n += *p == sep;
    af_har_kv *kv = af_arena_calloc(a, n + 1, sizeof *kv);
    if (kv == NULL)
        return AF_ENOMEM;
    out->kv = kv;
    out->n = 0;
    while (*s != 0) {
        while (sep == ';' && *s == ' ')
            s++;
        size_t len = strcspn(s, (char[]){sep, 0});
        const char *eq = memchr(s, '=', len);
        size_t name_len = eq != NULL ? (size_t)(eq - s) : len;
        const char *value = eq != NULL ? eq + 1 : s + len;
        kv[out->n].name = af_arena_strndup(a, s, name_len);
        kv[out->n].value =
            af_arena_strndup(a, value, (size_t)(s + len - value));
        if (kv[out->n].name == NULL || kv[out->n].value == NULL)
            return AF_ENOMEM;
        out->n += len > 0;
        s += len + (s[len] == sep);
    }
    return 0;
}

/* The cookies: the Cookie header's pairs, else the HAR's cookie list. */
static int cookie_pairs(af_arena *a, const af_har_req *q, af_har_pairs *out)
{
    const char *header = af_har_header(q, "Cookie");
    if (header != NULL)
        return split_pairs(a, header, ';', out);
    out->kv = q->cookies;
    out->n = q->n_cookies;
    return 0;
}

/* The template capture of path parameter name, NULL none. */
static const char *captured(af_arena *a, const matcher *mt, const char *name)
{
    for (int k = 0; k < mt->n_caps; k++)
        if (mt->caps[k].name_len == strlen(name) &&
            memcmp(mt->caps[k].name, name, mt->caps[k].name_len) == 0)
            return af_arena_strndup(a, mt->caps[k].s, mt->caps[k].len);
    return NULL;
}

/* The header parameter the credentials fill (decode.c auth_arg). */
static bool is_auth_param(const af_operation *o, const af_param *p)
{
    return o->n_security > 0 && p->in == AF_IN_HEADER &&
           strcasecmp(p->name, "Authorization") == 0;
}

static bool has_pair(af_arena *a, const af_har_pairs *ps, const char *name)
{
    for (size_t k = 0; k < ps->n; k++) {
        char *d = af_har_pct_decode(a, ps->kv[k].name, strlen(ps->kv[k].name),
                                    true, NULL);
        if (d != NULL && strcmp(d, name) == 0)
            return true;
    }
    return false;
}

/* Whether a query pair is a parameter of o or an API key. */
static bool is_known(const af_model *m, af_arena *a, const af_operation *o,
                     const af_har_kv *kv)
{
    af_har_pairs one = {kv, 1};
    char *d = af_har_pct_decode(a, kv->name, strlen(kv->name), true, NULL);
    for (uint32_t k = 0; d != NULL && k < o->n_params; k++) {
        const af_param *p = &o->params[k];
        size_t n = strlen(p->name);
        bool is_deep = p->style == AF_STYLE_DEEP_OBJECT &&
                       strncmp(d, p->name, n) == 0 && d[n] == '[';
        bool is_form_object = p->style == AF_STYLE_FORM && p->explode &&
                              (af_har_types(m, p->schema) & AF_TYPE_OBJECT);
        if (p->in == AF_IN_QUERY &&
            (is_deep || is_form_object || strcmp(d, p->name) == 0))
            return true;
    }
    for (uint32_t k = 0; k < m->n_schemes; k++)
        if (m->schemes[k].type == AF_SEC_API_KEY &&
            m->schemes[k].in == AF_IN_QUERY &&
            m->schemes[k].param_name != NULL &&
            has_pair(a, &one, m->schemes[k].param_name))
            return true;
    return false;
}

/* Notes the query parameters the seed will not send. */
static void note_unknown(const af_model *m, af_arena *a, const af_operation *o,
                         const af_har_pairs *query, af_har_call *out)
{
    size_t n = 0;
    for (size_t k = 0; k < query->n; k++) {
        if (is_known(m, a, o, &query->kv[k]) || n + 8 >= sizeof out->note)
            continue;
        int w = snprintf(out->note + n, sizeof out->note - n, "%s'%s'",
                         n == 0 ? "left out, not in the spec: query "
                                  "parameter "
                                : ", ",
                         query->kv[k].name);
        n = w < 0 ? n : n + (size_t)w;
    }
    out->note[n < sizeof out->note ? n : sizeof out->note - 1] = 0;
}

static int read_params(const af_gen *g, af_arena *a, const af_har_req *q,
                       const found *f, af_har_call *out, af_error *err)
{
    cJSON *params = out->params;
    const af_operation *o = &g->model->ops[f->op];
    af_har_pairs query, cookies;
    if (split_pairs(a, q->query, '&', &query) != 0 ||
        cookie_pairs(a, q, &cookies) != 0)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    for (uint32_t k = 0; k < o->n_params; k++) {
        const af_param *p = &o->params[k];
        if (is_auth_param(o, p))
            continue;
        const char *text = p->in == AF_IN_PATH ? captured(a, &f->mt, p->name)
                           : p->in == AF_IN_HEADER ? af_har_header(q, p->name)
                                                   : NULL;
        cJSON *v = NULL;
        int rc = af_har_param_value(g->model, a, p, text,
                                    p->in == AF_IN_COOKIE ? &cookies : &query,
                                    o, &v, err);
        if (rc != 0)
            return rc;
        if (v == NULL && p->is_required)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "the required %s parameter '%s' is missing",
                                in_names[p->in], p->name);
        char *key = af_arena_printf(a, "%s:%s", in_names[p->in], p->name);
        if (v != NULL &&
            (key == NULL || !cJSON_AddItemToObject(params, key, v))) {
            cJSON_Delete(v);
            return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                                "out of memory");
        }
    }
    note_unknown(g->model, a, o, &query, out);
    return 0;
}

/* ---- credentials ---- */

/* The first security alternative's credentials (the encoder writes
   those) must be in the request. */
static int check_creds(const af_gen *g, af_arena *a, const af_har_req *q,
                       const af_operation *o, af_error *err)
{
    if (o->n_security == 0)
        return 0;
    af_har_pairs query, cookies;
    if (split_pairs(a, q->query, '&', &query) != 0 ||
        cookie_pairs(a, q, &cookies) != 0)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    const af_sec_alt *alt = &o->security[0];
    for (uint32_t k = 0; k < alt->n_schemes; k++) {
        int32_t i = alt->schemes[k];
        if (i < 0 || (uint32_t)i >= g->model->n_schemes)
            continue;
        const af_sec_scheme *s = &g->model->schemes[i];
        bool is_there = true;
        if (s->type == AF_SEC_API_KEY && s->param_name != NULL)
            is_there =
                s->in == AF_IN_HEADER  ? af_har_header(q, s->param_name) != NULL
                : s->in == AF_IN_QUERY ? has_pair(a, &query, s->param_name)
                                       : has_pair(a, &cookies, s->param_name);
        else if (s->type != AF_SEC_MUTUAL_TLS)
            is_there = af_har_header(q, "Authorization") != NULL;
        if (!is_there)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "the credentials of security scheme '%s' are "
                                "missing",
                                s->name);
    }
    return 0;
}

/* ---- body ---- */

/* Whether documented media type d (maybe a wildcard: any type, or any
   subtype of one type) takes the request's type t (its base: up to ';'
   or a space). */
static bool media_takes(const char *d, const char *t, bool is_exact)
{
    size_t dn = strcspn(d, "; "), tn = strcspn(t, "; \t");
    if (dn == tn && strncasecmp(d, t, dn) == 0)
        return true;
    if (is_exact)
        return false;
    if (dn == 3 && strncmp(d, "*/*", 3) == 0)
        return true;
    const char *slash = memchr(d, '/', dn);
    size_t prefix = slash != NULL ? (size_t)(slash - d) + 1 : 0;
    return slash != NULL && prefix + 1 == dn && slash[1] == '*' &&
           strncasecmp(d, t, prefix) == 0;
}

static int32_t find_media(const af_body *b, const char *type)
{
    if (type == NULL)
        return b->n_media == 1 ? 0 : -1;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t k = 0; k < b->n_media; k++)
            if (media_takes(b->media[k].type, type, pass == 0))
                return (int32_t)k;
    return -1;
}

static bool is_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = p[i] < 0x80 ? 1 : af_utf8_len(p + i, len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Adds item to obj[name], as an array item when the property is an
   array (repeated form fields and parts), else once. */
static int add_field(const af_model *m, af_idx schema, cJSON *obj,
                     const char *name, const char *text, size_t len,
                     bool is_json, af_error *err)
{
    af_idx ps = af_har_prop_schema(m, schema, name);
    bool is_array =
        (af_har_types(m, ps) & ~(uint32_t)AF_TYPE_NULL) == AF_TYPE_ARRAY;
    af_idx vs = is_array ? af_har_items_schema(m, ps) : ps;
    if (!is_utf8(text, len))
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "body field '%s' is not UTF-8 text: the "
                            "generator makes raw bytes only for whole "
                            "bodies of a binary media type",
                            name);
    cJSON *v = is_json ? af_har_parse_json(text, len, "a body field", err)
                       : af_har_typed(m, vs, text, len, err);
    if (v == NULL)
        return err != NULL ? err->code : AF_EUSAGE;
    cJSON *slot = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (is_array && slot == NULL) {
        slot = cJSON_AddArrayToObject(obj, name);
    } else if (!is_array && slot != NULL) {
        cJSON_Delete(v);
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "body field '%s' is given twice", name);
    }
    bool is_ok = is_array ? slot != NULL && cJSON_AddItemToArray(slot, v)
                          : cJSON_AddItemToObject(obj, name, v);
    if (!is_ok) {
        cJSON_Delete(v);
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    return 0;
}

static int form_body(const af_model *m, af_arena *a, const af_media *md,
                     const af_har_req *q, cJSON *obj, af_error *err)
{
    af_har_pairs ps;
    char *text = af_arena_strndup(a, (const char *)q->body, q->body_len);
    if (text == NULL || split_pairs(a, text, '&', &ps) != 0)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < ps.n; k++) {
        size_t len;
        char *name = af_har_pct_decode(a, ps.kv[k].name, strlen(ps.kv[k].name),
                                       true, NULL);
        char *value = af_har_pct_decode(a, ps.kv[k].value,
                                        strlen(ps.kv[k].value), true, &len);
        if (name == NULL || value == NULL)
            return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                                "out of memory");
        int rc = add_field(m, md->schema, obj, name, value, len, false, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The value of parameter `param` ("boundary", "name") in a header value:
   quoted or a token; NULL none. Percent-escapes in a quoted value are
   decoded (RFC 7578 §4.2, as src/wire/body.c writes them). */
static char *header_param(af_arena *a, const char *h, size_t n,
                          const char *param)
{
    size_t pn = strlen(param);
    for (size_t i = 0; i + pn < n; i++) {
        bool is_start = i == 0 || h[i - 1] == ';' || h[i - 1] == ' ';
        if (!is_start || strncasecmp(h + i, param, pn) != 0 || h[i + pn] != '=')
            continue;
        const char *v = h + i + pn + 1;
        size_t rest = n - (i + pn + 1);
        if (rest > 0 && v[0] == '"') {
            const char *close = memchr(v + 1, '"', rest - 1);
            size_t len = close != NULL ? (size_t)(close - v - 1) : rest - 1;
            return af_har_pct_decode(a, v + 1, len, false, NULL);
        }
        size_t len = 0;
        while (len < rest && v[len] != ';' && v[len] != ' ')
            len++;
        return af_arena_strndup(a, v, len);
    }
    return NULL;
}

static const char *find_bytes(const char *hay, size_t len, const char *needle,
                              size_t n)
{
    for (size_t i = 0; n > 0 && i + n <= len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* One part: headers, a blank line, the content. */
static int add_part(const af_model *m, af_arena *a, const af_media *md,
                    const char *p, size_t len, cJSON *obj, af_error *err)
{
    const char *blank = find_bytes(p, len, "\r\n\r\n", 4);
    if (blank == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "a multipart part has no blank line after its "
                            "headers");
    size_t head = (size_t)(blank - p);
    char *name = NULL;
    bool is_json = false;
    for (size_t i = 0; i < head;) {
        const char *eol = find_bytes(p + i, head - i, "\r\n", 2);
        size_t line = eol != NULL ? (size_t)(eol - (p + i)) : head - i;
        if (line > 20 && strncasecmp(p + i, "Content-Disposition:", 20) == 0)
            name = header_param(a, p + i + 20, line - 20, "name");
        if (line > 13 && strncasecmp(p + i, "Content-Type:", 13) == 0) {
            const char *t = p + i + 13;
            while (*t == ' ')
                t++;
            is_json = af_media_is_json(
                af_arena_strndup(a, t, line - (size_t)(t - (p + i))));
        }
        i += line + 2;
    }
    if (name == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "a multipart part has no name");
    const char *content = blank + 4;
    size_t clen = len - head - 4;
    if (memchr(content, 0, clen) != NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "body field '%s' holds NUL bytes, which the "
                            "encoder cannot take",
                            name);
    char *text = af_arena_strndup(a, content, clen);
    return text != NULL
               ? add_field(m, md->schema, obj, name, text, clen, is_json, err)
               : af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                              "out of memory");
}

static int multipart_body(const af_model *m, af_arena *a, const af_media *md,
                          const af_har_req *q, cJSON *obj, af_error *err)
{
    const char *ct = q->content_type;
    char *bnd = ct != NULL ? header_param(a, ct, strlen(ct), "boundary") : NULL;
    char *delim = bnd != NULL ? af_arena_printf(a, "--%s", bnd) : NULL;
    if (delim == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "a multipart body without a boundary");
    size_t dn = strlen(delim);
    const char *body = (const char *)q->body, *end = body + q->body_len;
    const char *p = find_bytes(body, q->body_len, delim, dn);
    while (p != NULL && p + dn + 2 <= end && memcmp(p + dn, "--", 2) != 0) {
        const char *start = p + dn + 2; /* after the CRLF */
        const char *next = find_bytes(start, (size_t)(end - start), delim, dn);
        if (next == NULL || next - start < 2)
            return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                                "a multipart body without its closing "
                                "boundary");
        int rc =
            add_part(m, a, md, start, (size_t)(next - start - 2), obj, err);
        if (rc != 0)
            return rc;
        p = next;
    }
    return 0;
}

/* decode.c is_binary: bodies generated as raw bytes. */
static bool is_binary(const af_model *m, const af_media *md)
{
    const char *t = md->type;
    if (strstr(t, "json") != NULL || strncmp(t, "text/", 5) == 0 ||
        strstr(t, "form") != NULL || strstr(t, "xml") != NULL)
        return false;
    if (md->schema == AF_NONE)
        return true;
    const af_schema *s = &m->schemas[md->schema];
    return (af_har_types(m, md->schema) & AF_TYPE_STRING) &&
           (s->format == AF_FORMAT_BINARY || s->format == AF_FORMAT_NONE);
}

static int body_value(const af_model *m, af_arena *a, const af_media *md,
                      const af_har_req *q, cJSON **out, af_error *err)
{
    const char *text = (const char *)q->body;
    size_t len = q->body_len;
    bool is_form = strstr(md->type, "x-www-form-urlencoded") != NULL;
    bool is_multi = strncmp(md->type, "multipart/", 10) == 0;
    if (!af_media_is_json(md->type) && (is_form || is_multi)) {
        *out = cJSON_CreateObject();
        if (*out == NULL)
            return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                                "out of memory");
        return is_form ? form_body(m, a, md, q, *out, err)
                       : multipart_body(m, a, md, q, *out, err);
    }
    if (len > 0 && memchr(text, 0, len) != NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "the body holds NUL bytes, which the encoder "
                            "cannot take");
    char *copy = af_arena_strndup(a, len > 0 ? text : "", len);
    if (copy == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    if (af_media_is_json(md->type))
        *out = af_har_parse_json(copy, len, "the body", err);
    else if (is_binary(m, md) || md->schema == AF_NONE)
        *out = cJSON_CreateString(copy);
    else
        *out = af_har_typed(m, md->schema, copy, len, err);
    if (*out == NULL && (err == NULL || err->code == 0))
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    return *out != NULL ? 0 : err->code;
}

static int read_body(const af_gen *g, af_arena *a, const af_har_req *q,
                     const af_operation *o, af_har_call *out, af_error *err)
{
    const af_body *b = o->body;
    bool has_body = q->body_len > 0 || q->content_type != NULL;
    if (!has_body && b != NULL && b->is_required)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "the required request body is missing");
    if (!has_body || ((b == NULL || b->n_media == 0) && q->body_len == 0))
        return 0;
    if (b == NULL || b->n_media == 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "a body was sent, but the operation takes none");
    out->media = find_media(b, q->content_type);
    if (out->media < 0)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "Content-Type '%s' is not one the operation "
                            "takes (%s%s)",
                            q->content_type != NULL ? q->content_type : "",
                            b->media[0].type, b->n_media > 1 ? ", ..." : "");
    return body_value(g->model, a, &b->media[out->media], q, &out->body, err);
}

/* ---- the call ---- */

void af_har_call_free(af_har_call *c)
{
    cJSON_Delete(c->params);
    cJSON_Delete(c->body);
    c->params = c->body = NULL;
}

int af_har_match(const af_gen *g, af_arena *a, const af_har_req *q,
                 af_har_call *out, af_error *err)
{
    memset(out, 0, sizeof *out);
    out->media = -1;
    if (q->is_negative)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "recorded as a negative call (%s): only "
                            "positive calls are encoded",
                            q->violation != NULL ? q->violation : "?");
    found f = {.op = -1};
    int rc = find_op(g, q, &f, err);
    if (rc != 0)
        return rc;
    out->op = (uint32_t)f.op;
    out->params = cJSON_CreateObject();
    if (out->params == NULL)
        return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    const af_operation *o = &g->model->ops[f.op];
    rc = read_params(g, a, q, &f, out, err);
    if (rc == 0)
        rc = read_body(g, a, q, o, out, err);
    if (rc == 0)
        rc = check_creds(g, a, q, o, err);
    if (rc != 0)
        af_har_call_free(out);
    return rc;
}
