/*
 * pointer.c - JSON pointers (RFC 6901) over the cJSON DOM.
 *
 * Two spellings are accepted: the plain string form ("/a/b", "" for the
 * whole document) and the URI fragment form ("#/a/b", "#"), where each
 * token is percent-decoded before its ~1 and ~0 escapes are undone (RFC
 * 6901 §6). Walks allocate a token buffer only for pointers longer than
 * 256 bytes and never modify the tree. Tuned for $ref resolution over
 * specs of a few MB: one walk per distinct $ref, each step a linear scan
 * of one object's members as cJSON keeps them in a list, unless the
 * caller passes a faster member lookup (refindex.c hashes big objects).
 */
#include "spec/ref_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decoding (when pct) then ~ escapes; returns the decoded length,
   AF_EREF for a bad escape, AF_ELIMIT when out (with its NUL) is short. */
static int decode_token(const char *token, size_t len, char *out, size_t cap,
                        bool pct)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++, n++) {
        if (n + 1 >= cap)
            return AF_ELIMIT;
        char c = token[i];
        if (pct && c == '%') {
            int hi = i + 2 < len ? hex_value(token[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(token[i + 2]) : -1;
            if (lo < 0)
                return AF_EREF;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        out[n] = c;
    }
    out[n] = '\0';
    /* RFC 6901 §4: ~1 first would turn "~01" into "/", so undo in one pass */
    size_t w = 0;
    for (size_t r = 0; r < n; r++, w++) {
        if (out[r] == '~') {
            if (r + 1 >= n || (out[r + 1] != '0' && out[r + 1] != '1'))
                return AF_EREF;
            out[w] = out[r + 1] == '0' ? '~' : '/';
            r++;
        } else {
            out[w] = out[r];
        }
    }
    out[w] = '\0';
    return (int)w;
}

int af_pointer_unescape(const char *token, size_t len, char *out, size_t cap)
{
    if (token == NULL || out == NULL || cap == 0 || len > (size_t)1 << 30)
        return AF_EUSAGE;
    return decode_token(token, len, out, cap, true);
}

/* RFC 6901 §4: decimal, no leading zeros; "-" names no element. */
static bool parse_index(const char *tok, size_t len, size_t *out)
{
    if (len == 0 || len > 9 || (len > 1 && tok[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return false;
        v = v * 10 + (size_t)(tok[i] - '0');
    }
    *out = v;
    return true;
}

/* How a walk looks members up. */
typedef struct walker {
    af_member_fn member; /* NULL: cJSON's scan */
    void *ctx;
    af_pointer_trace *trace;
} walker;

/* The child of node named by the decoded token tok (len bytes). */
static const cJSON *step(const walker *w, const cJSON *node, const char *tok,
                         size_t len)
{
    if (cJSON_IsObject(node)) {
        if (strlen(tok) != len)
            return NULL; /* a %00 can never match a C-string key */
        if (w->member != NULL)
            return w->member(w->ctx, node, tok);
        return cJSON_GetObjectItemCaseSensitive(node, tok);
    }
    size_t index;
    if (!cJSON_IsArray(node) || !parse_index(tok, len, &index))
        return NULL;
    const cJSON *child = node->child;
    while (child != NULL && index-- > 0)
        child = child->next;
    return child;
}

static void trace_start(af_pointer_trace *trace, const cJSON *root)
{
    if (trace == NULL)
        return;
    trace->pointer[0] = '\0';
    trace->token[0] = '\0';
    trace->last = root;
    trace->bad_escape = false;
}

static int trace_miss(af_pointer_trace *trace, const char *tok, size_t len,
                      int code, bool bad_escape)
{
    if (trace != NULL) {
        snprintf(trace->token, sizeof trace->token, "%.*s",
                 (int)(len < 4096 ? len : 4096), tok);
        trace->bad_escape = bad_escape;
    }
    return code;
}

static int walk_tokens(const walker *w, const cJSON *node, const char *p,
                       bool pct, char *buf, size_t cap)
{
    af_pointer_trace *trace = w->trace;
    while (*p == '/') {
        const char *tok = p + 1;
        size_t raw_len = strcspn(tok, "/");
        int n = decode_token(tok, raw_len, buf, cap, pct);
        if (n < 0)
            return trace_miss(trace, tok, raw_len, AF_EREF, true);
        const cJSON *next = step(w, node, buf, (size_t)n);
        if (next == NULL)
            return trace_miss(trace, buf, (size_t)n, AF_EREF, false);
        if (trace != NULL) {
            trace->last = next;
            if (af_pointer_append(trace->pointer, sizeof trace->pointer, buf) !=
                0)
                return trace_miss(trace, buf, (size_t)n, AF_ELIMIT, false);
        }
        node = next;
        p = tok + raw_len;
    }
    return 0;
}

int af_pointer_walk_by(const cJSON *root, const char *pointer,
                       af_pointer_trace *trace, af_member_fn member, void *ctx)
{
    trace_start(trace, root);
    if (root == NULL || pointer == NULL)
        return AF_EUSAGE;
    bool pct = pointer[0] == '#';
    const char *p = pct ? pointer + 1 : pointer;
    if (*p == '\0')
        return 0;
    if (*p != '/')
        return trace_miss(trace, p, strlen(p), AF_EREF, true);
    walker w = {member, ctx, trace};
    char small[256];
    size_t cap = strlen(p) + 1;
    char *buf = cap <= sizeof small ? small : malloc(cap);
    if (buf == NULL)
        return AF_ENOMEM;
    int rc = walk_tokens(&w, root, p, pct, buf, cap);
    if (buf != small)
        free(buf);
    return rc;
}

int af_pointer_walk(const cJSON *root, const char *pointer,
                    af_pointer_trace *trace)
{
    return af_pointer_walk_by(root, pointer, trace, NULL, NULL);
}

int af_pointer_get(const cJSON *root, const char *pointer, const cJSON **out)
{
    af_pointer_trace trace;
    int rc = af_pointer_walk(root, pointer, &trace);
    if (out != NULL)
        *out = rc == 0 ? trace.last : NULL;
    return rc;
}

int af_pointer_append(char *buf, size_t cap, const char *token)
{
    if (buf == NULL || token == NULL)
        return AF_EUSAGE;
    size_t len = strnlen(buf, cap);
    if (len + 2 > cap)
        return AF_ELIMIT;
    /* one pass, then the NUL put back at len when the token does not fit */
    char *w = buf + len, *last = buf + cap - 1; /* last: room for the NUL */
    *w++ = '/';
    for (const char *t = token; *t != '\0'; t++) {
        bool is_escaped = *t == '~' || *t == '/';
        if (last - w < 1 + is_escaped) {
            buf[len] = '\0';
            return AF_ELIMIT;
        }
        if (is_escaped) {
            *w++ = '~';
            *w++ = *t == '~' ? '0' : '1';
        } else {
            *w++ = *t;
        }
    }
    *w = '\0';
    return 0;
}

int af_pointer_append_index(char *buf, size_t cap, size_t index)
{
    char digits[24];
    size_t n = sizeof digits - 1;
    digits[n] = '\0';
    do {
        digits[--n] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    return af_pointer_append(buf, cap, digits + n);
}

/* ---- URI references (RFC 3986) ----------------------------------------- */

typedef struct uri_parts {
    const char *scheme, *auth, *path, *query, *frag; /* NULL: absent */
    size_t scheme_len, auth_len, path_len, query_len, frag_len;
} uri_parts;

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 3986 §3 (and appendix B): scheme ":" ["//" authority] path
   ["?" query] ["#" fragment]; any string parses. */
static void uri_parse(const char *s, uri_parts *u)
{
    memset(u, 0, sizeof *u);
    size_t n = strcspn(s, ":/?#");
    bool scheme_ok = s[n] == ':' && n > 0 && is_alpha(s[0]);
    for (size_t i = 1; scheme_ok && i < n; i++)
        scheme_ok = is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') ||
                    s[i] == '+' || s[i] == '-' || s[i] == '.';
    if (scheme_ok) {
        u->scheme = s;
        u->scheme_len = n;
        s += n + 1;
    }
    if (s[0] == '/' && s[1] == '/') {
        u->auth = s + 2;
        u->auth_len = strcspn(u->auth, "/?#");
        s = u->auth + u->auth_len;
    }
    u->path = s;
    u->path_len = strcspn(s, "?#");
    s += u->path_len;
    if (*s == '?') {
        u->query = s + 1;
        u->query_len = strcspn(u->query, "#");
        s = u->query + u->query_len;
    }
    if (*s == '#') {
        u->frag = s + 1;
        u->frag_len = strlen(u->frag);
    }
}

static bool seg_prefix(const char *in, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(in, lit, k) == 0;
}

static bool seg_is(const char *in, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(in, lit, n) == 0;
}

static void drop_last_segment(char *out, size_t *o)
{
    while (*o > 0 && out[*o - 1] != '/')
        (*o)--;
    if (*o > 0)
        (*o)--;
}

/* RFC 3986 §5.2.4, steps A to E; out has room for n + 1 bytes. */
static void remove_dots(const char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        const char *p = in + i;
        size_t left = n - i;
        if (seg_prefix(p, left, "../")) {
            i += 3;
        } else if (seg_prefix(p, left, "./") || seg_prefix(p, left, "/./")) {
            i += 2;
        } else if (seg_is(p, left, "/.")) {
            out[o++] = '/';
            break;
        } else if (seg_prefix(p, left, "/../")) {
            i += 3;
            drop_last_segment(out, &o);
        } else if (seg_is(p, left, "/..")) {
            drop_last_segment(out, &o);
            out[o++] = '/';
            break;
        } else if (seg_is(p, left, ".") || seg_is(p, left, "..")) {
            break;
        } else {
            size_t k = (p[0] == '/') + strcspn(p + (p[0] == '/'), "/");
            k = k < left ? k : left;
            memcpy(out + o, p, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
}

/* RFC 3986 §5.2.3: the base path up to its last '/', then the ref path. */
static char *merge_paths(const uri_parts *b, const uri_parts *r)
{
    size_t keep = 0;
    for (size_t i = 0; i < b->path_len; i++)
        if (b->path[i] == '/')
            keep = i + 1;
    bool root = b->auth != NULL && b->path_len == 0;
    char *s = malloc(keep + r->path_len + 2);
    if (s == NULL)
        return NULL;
    int n = snprintf(s, keep + r->path_len + 2, "%s%.*s%.*s", root ? "/" : "",
                     (int)keep, b->path, (int)r->path_len, r->path);
    (void)n;
    return s;
}

static char *compose(const uri_parts *t, const char *path, size_t path_len)
{
    size_t cap =
        t->scheme_len + t->auth_len + path_len + t->query_len + t->frag_len + 8;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    size_t n = 0;
    if (t->scheme != NULL)
        n += (size_t)snprintf(s + n, cap - n, "%.*s:", (int)t->scheme_len,
                              t->scheme);
    if (t->auth != NULL)
        n += (size_t)snprintf(s + n, cap - n, "//%.*s", (int)t->auth_len,
                              t->auth);
    n += (size_t)snprintf(s + n, cap - n, "%.*s", (int)path_len, path);
    if (t->query != NULL)
        n += (size_t)snprintf(s + n, cap - n, "?%.*s", (int)t->query_len,
                              t->query);
    if (t->frag != NULL)
        snprintf(s + n, cap - n, "#%.*s", (int)t->frag_len, t->frag);
    return s;
}

/* RFC 3986 §5.2.2, the strict form (a ref's scheme is never dropped). */
char *af_uri_resolve(const char *base, const char *ref)
{
    if (base == NULL || ref == NULL || strlen(base) > ((size_t)1 << 24) ||
        strlen(ref) > ((size_t)1 << 24))
        return NULL;
    uri_parts b, r;
    uri_parse(base, &b);
    uri_parse(ref, &r);
    uri_parts t = r;
    const char *path = r.path;
    size_t path_len = r.path_len;
    char *merged = NULL;
    bool clean = true;
    if (r.scheme == NULL) {
        t.scheme = b.scheme;
        t.scheme_len = b.scheme_len;
        if (r.auth == NULL) {
            t.auth = b.auth;
            t.auth_len = b.auth_len;
            if (r.path_len == 0) {
                path = b.path;
                path_len = b.path_len;
                clean = false;
                if (r.query == NULL) {
                    t.query = b.query;
                    t.query_len = b.query_len;
                }
            } else if (r.path[0] != '/') {
                merged = merge_paths(&b, &r);
                if (merged == NULL)
                    return NULL;
                path = merged;
                path_len = strlen(merged);
            }
        }
    }
    char *dotless = malloc(path_len + 1);
    char *out = NULL;
    if (dotless != NULL) {
        if (clean)
            remove_dots(path, path_len, dotless);
        else
            snprintf(dotless, path_len + 1, "%.*s", (int)path_len, path);
        out = compose(&t, dotless, strlen(dotless));
    }
    free(dotless);
    free(merged);
    return out;
}

char *af_uri_from_path(const char *path)
{
    if (path == NULL)
        return NULL;
    size_t n = strlen(path);
    char *s = malloc(7 + 3 * n + 1);
    if (s == NULL)
        return NULL;
    size_t o = (size_t)sprintf(s, "file://");
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '%' || *p == '#' || *p == '?' || *p == ' ')
            o += (size_t)sprintf(s + o, "%%%02X", (unsigned char)*p);
        else
            s[o++] = *p;
    }
    s[o] = '\0';
    return s;
}

char *af_uri_decode(const char *s, size_t len)
{
    if (s == NULL)
        return NULL;
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi = s[i] == '%' && i + 2 < len ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (strlen(out) != o) {
        free(out);
        return NULL;
    }
    return out;
}
