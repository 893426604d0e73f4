/*
 * load.c - reading a spec file into an af_doc: the public entry points of
 * doc.h, the JSON path (cJSON) and the duplicate-key set shared with
 * yaml.c.
 *
 * Invariants: a doc holds a tree in which no object has two equal keys and
 * no collection is nested deeper than AF_DOC_MAX_DEPTH. cJSON keeps
 * duplicate keys and nests up to CJSON_NESTING_LIMIT, so both are checked
 * by one walk over the finished tree, which also interns every string;
 * positions are only computed on error.
 * Every node and string of the tree lives in the doc's pool (dompool.c),
 * never in a malloc'd block of its own. An in-memory doc keeps a copy of
 * its text; a file's text is let go after parsing (af_doc_locate reads the
 * file again).
 *
 * Tuned for 4-10 MB specs parsed once per process: the file is mapped (or
 * read in one call); cJSON parses with bump allocation; the walk is linear
 * (small objects compare keys pairwise, big ones use a reused hash set).
 */
#include "spec/load_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Objects up to this size are checked pairwise: cheaper than hashing. */
#define SMALL_OBJECT 8

/* JSON strings are interned (one copy of each, dompool.c) when cJSON's
   copies take more than this: below it, the copying costs more time
   (5% of a load) than the memory it saves (under 2 MB) is worth. */
#define INTERN_MIN_BYTES ((size_t)4 << 20)

/* ---- the duplicate-key set ---- */

size_t af_doc_hash(const char *s)
{
    size_t h = (size_t)14695981039346656037ULL; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

int af_doc_keys_reset(af_doc_keys *ks, size_t n)
{
    if (n > SIZE_MAX / 4 / sizeof *ks->slot)
        return AF_ENOMEM;
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    if (size > ks->cap) {
        const char **slot = realloc(ks->slot, size * sizeof *slot);
        if (slot == NULL)
            return AF_ENOMEM;
        ks->slot = slot;
        ks->cap = size;
    }
    memset(ks->slot, 0, size * sizeof *ks->slot);
    ks->mask = size - 1;
    return 0;
}

bool af_doc_keys_add(af_doc_keys *ks, const char *key)
{
    if (key == NULL)
        key = "";
    size_t i = af_doc_hash(key) & ks->mask;
    while (ks->slot[i] != NULL) {
        if (strcmp(ks->slot[i], key) == 0)
            return false;
        i = (i + 1) & ks->mask;
    }
    ks->slot[i] = key;
    return true;
}

void af_doc_keys_free(af_doc_keys *ks)
{
    free(ks->slot);
    memset(ks, 0, sizeof *ks);
}

static const char *key_of(const cJSON *item)
{
    return item->string != NULL ? item->string : "";
}

/* Interned keys: equal keys are the same pointer. */
static bool keys_add_interned(af_doc_keys *ks, const char *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL;
    size_t i = (size_t)(h >> 32) & ks->mask;
    while (ks->slot[i] != NULL) {
        if (ks->slot[i] == key)
            return false;
        i = (i + 1) & ks->mask;
    }
    ks->slot[i] = key;
    return true;
}

static bool same_key(const char *a, const char *b, bool is_interned)
{
    return is_interned ? a == b : a[0] == b[0] && strcmp(a, b) == 0;
}

int af_doc_keys_first_dup(af_doc_keys *ks, const cJSON *obj, size_t n,
                          bool is_interned, size_t *index)
{
    const cJSON *item = obj->child;
    if (n <= SMALL_OBJECT) {
        for (size_t i = 0; i < n && item != NULL; i++, item = item->next) {
            for (const cJSON *prev = obj->child; prev != item;
                 prev = prev->next) {
                if (same_key(key_of(prev), key_of(item), is_interned)) {
                    *index = i;
                    return 1;
                }
            }
        }
        return 0;
    }
    if (af_doc_keys_reset(ks, n) != 0)
        return AF_ENOMEM;
    for (size_t i = 0; i < n && item != NULL; i++, item = item->next) {
        const char *key = key_of(item);
        if (!(is_interned ? keys_add_interned(ks, key)
                          : af_doc_keys_add(ks, key))) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

/* ---- JSON ---- */

typedef struct json_walk {
    af_doc *doc;
    af_error *err;
    af_doc_keys keys;
    bool is_interning;                       /* strings are being interned */
    const cJSON *path[AF_DOC_MAX_DEPTH + 1]; /* path[0] is the root */
} json_walk;

/* The offset of the bracket that opens level AF_DOC_MAX_DEPTH + 1, or
   SIZE_MAX when the text never nests that deep. */
static size_t json_too_deep_at(const char *text, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"') {
            for (i++; i < len && text[i] != '"'; i++)
                if (text[i] == '\\')
                    i++;
        } else if (c == '{' || c == '[') {
            if (++depth > AF_DOC_MAX_DEPTH)
                return i;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return SIZE_MAX;
}

/* The pointer of path[depth - 1] ("#" for the root). */
static void json_pointer(const json_walk *w, int depth, char *buf, size_t cap)
{
    snprintf(buf, cap, "#");
    for (int i = 1; i < depth; i++) {
        const cJSON *parent = w->path[i - 1], *node = w->path[i];
        if (cJSON_IsObject(parent)) {
            af_pointer_append(buf, cap, key_of(node));
            continue;
        }
        size_t index = 0;
        for (const cJSON *c = parent->child; c != node; c = c->next)
            index++;
        af_pointer_append_index(buf, cap, index);
    }
}

static int json_dup_error(json_walk *w, int depth, const cJSON *obj,
                          size_t index)
{
    const cJSON *item = obj->child;
    for (size_t i = 0; i < index; i++)
        item = item->next;
    char ptr[sizeof w->err->pointer];
    json_pointer(w, depth, ptr, sizeof ptr);
    af_pointer_append(ptr, sizeof ptr, key_of(item));
    int line, col;
    af_doc_locate_nth(w->doc, ptr, 2, &line, &col);
    return af_error_set(w->err, AF_ESYNTAX, w->doc->name, ptr, line, col,
                        "duplicate key '%s'", key_of(item));
}

/* A key or string value becomes its interned copy (dompool.c). */
static bool json_intern(json_walk *w, char **s)
{
    return !w->is_interning || *s == NULL ||
           (*s = af_doc_pool_strndup(w->doc, *s, strlen(*s))) != NULL;
}

/* Interns the keys (noting identifier keywords), then looks for a
   duplicate. */
static int json_object(json_walk *w, cJSON *node, int depth)
{
    size_t n = 0, index;
    unsigned kinds = 0;
    for (cJSON *c = node->child; c != NULL; c = c->next, n++) {
        if (!json_intern(w, &c->string))
            return AF_ENOMEM;
        kinds |= af_doc_key_kind(c->string);
    }
    if (kinds != 0)
        af_doc_note_keys(w->doc, kinds);
    int found =
        af_doc_keys_first_dup(&w->keys, node, n, w->is_interning, &index);
    if (found < 0)
        return found;
    return found > 0 ? json_dup_error(w, depth, node, index) : 0;
}

/* Checks keys and depth, and interns every string, in one walk. */
static int json_check(json_walk *w, cJSON *node, int depth)
{
    int type = node->type & 0xFF;
    if (type == cJSON_String)
        return json_intern(w, &node->valuestring) ? 0 : AF_ENOMEM;
    if (type != cJSON_Object && type != cJSON_Array)
        return 0;
    if (depth > AF_DOC_MAX_DEPTH) {
        char ptr[sizeof w->err->pointer];
        json_pointer(w, depth - 1, ptr, sizeof ptr);
        int line, col;
        size_t off = json_too_deep_at(w->doc->text, w->doc->len);
        af_doc_position(w->doc->text, w->doc->len, off, &line, &col);
        return af_error_set(w->err, AF_ELIMIT, w->doc->name, ptr, line, col,
                            "nesting deeper than %d levels", AF_DOC_MAX_DEPTH);
    }
    w->path[depth - 1] = node;
    int rc = type == cJSON_Object ? json_object(w, node, depth) : 0;
    for (cJSON *c = node->child; rc == 0 && c != NULL; c = c->next)
        rc = json_check(w, c, depth + 1);
    return rc;
}

static int json_syntax_error(const af_doc *doc, size_t off, af_error *err)
{
    int line, col;
    size_t deep = json_too_deep_at(doc->text, doc->len);
    if (deep <= off) {
        af_doc_position(doc->text, doc->len, deep, &line, &col);
        return af_error_set(err, AF_ELIMIT, doc->name, NULL, line, col,
                            "nesting deeper than %d levels", AF_DOC_MAX_DEPTH);
    }
    af_doc_position(doc->text, doc->len, off, &line, &col);
    if (off >= doc->len)
        return af_error_set(err, AF_ESYNTAX, doc->name, NULL, line, col,
                            "JSON syntax error: unexpected end of input");
    size_t n = 0;
    while (n < 20 && off + n < doc->len &&
           (unsigned char)doc->text[off + n] >= 0x20)
        n++;
    return af_error_set(err, AF_ESYNTAX, doc->name, NULL, line, col,
                        "JSON syntax error near '%.*s'", (int)n,
                        doc->text + off);
}

static bool is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
            text[i] != '\r')
            return false;
    return true;
}

static int parse_json(af_doc *doc, af_error *err)
{
    size_t skip = 0;
    if (doc->len >= 3 && memcmp(doc->text, "\xEF\xBB\xBF", 3) == 0)
        skip = 3; /* a UTF-8 byte order mark, whatever cJSON's version */
    const char *nul = memchr(doc->text, '\0', doc->len);
    if (nul != NULL) {
        int line, col;
        af_doc_position(doc->text, doc->len, (size_t)(nul - doc->text), &line,
                        &col);
        return af_error_set(err, AF_ESYNTAX, doc->name, NULL, line, col,
                            "JSON syntax error: NUL byte in the text");
    }
    /* Newer cJSON skips a BOM too: a second one must not slip through. */
    if (doc->len >= skip + 3 &&
        memcmp(doc->text + skip, "\xEF\xBB\xBF", 3) == 0 && skip != 0)
        return json_syntax_error(doc, skip, err);
    if (is_blank(doc->text + skip, doc->len - skip))
        return af_error_set(err, AF_ESYNTAX, doc->name, NULL, 1, 1,
                            "empty document");
    /* The terminating NUL is part of the buffer, so cJSON's
       require_null_terminated rejects trailing garbage. */
    const char *end = NULL;
    doc->root = cJSON_ParseWithLengthOpts(doc->text + skip, doc->len + 1 - skip,
                                          &end, 1);
    if (doc->root == NULL) {
        size_t off = end != NULL ? (size_t)(end - doc->text) : doc->len;
        return json_syntax_error(doc, off, err);
    }
    json_walk *w = calloc(1, sizeof *w);
    if (w == NULL)
        return af_error_set(err, AF_ENOMEM, doc->name, NULL, 0, 0,
                            "out of memory");
    w->doc = doc;
    w->err = err;
    w->is_interning = af_doc_pool_raw_bytes(doc) > INTERN_MIN_BYTES;
    int rc = json_check(w, doc->root, 1);
    af_doc_keys_free(&w->keys);
    bool is_interned = w->is_interning;
    free(w);
    if (rc == AF_ENOMEM)
        return af_error_set(err, rc, doc->name, NULL, 0, 0, "out of memory");
    if (rc == 0 && is_interned)
        af_doc_pool_drop_raw(doc); /* every string is interned now */
    return rc;
}

/* ---- entry points ---- */

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

static af_doc_format detect(const char *name, const char *text, size_t len)
{
    if (has_suffix(name, ".json"))
        return AF_DOC_JSON;
    if (has_suffix(name, ".yaml") || has_suffix(name, ".yml"))
        return AF_DOC_YAML;
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                       text[i] == '\r'))
        i++;
    return i < len && (text[i] == '{' || text[i] == '[') ? AF_DOC_JSON
                                                         : AF_DOC_YAML;
}

/* Parses doc->text into doc->root (the doc is the caller's either way). */
static int parse_doc(af_doc *doc, af_doc_format fmt, af_error *err)
{
    if (fmt != AF_DOC_JSON && fmt != AF_DOC_YAML)
        fmt = detect(doc->name, doc->text, doc->len);
    doc->format = fmt;
    /* JSON specs take 1.1-1.5 times their text as nodes; their strings
       take less than the text (YAML's go straight to the interned ones) */
    bool is_json = fmt == AF_DOC_JSON;
    int rc = af_doc_pool_begin(doc, doc->len / 2 * 3,
                               is_json ? doc->len + 1 : doc->len / 8);
    if (rc != 0)
        return af_error_set(err, rc, doc->name, NULL, 0, 0, "out of memory");
    rc = is_json ? parse_json(doc, err) : af_doc_parse_yaml(doc, err);
    af_doc_pool_end(doc);
    return rc;
}

static af_doc *doc_new(const char *name, char *text, size_t len)
{
    af_doc *doc = af_doc_alloc();
    if (doc == NULL)
        return NULL;
    doc->name = strdup(name != NULL ? name : "<input>");
    if (doc->name == NULL) {
        free(doc);
        return NULL;
    }
    doc->text = text;
    doc->len = len;
    return doc;
}

int af_doc_parse(const char *text, size_t len, const char *name,
                 af_doc_format fmt, af_doc **out, af_error *err)
{
    if (out == NULL || (text == NULL && len > 0))
        return af_error_set(err, AF_EUSAGE, name, NULL, 0, 0,
                            "af_doc_parse: no text or no output");
    *out = NULL;
    if (len > AF_DOC_MAX_SIZE)
        return af_error_set(err, AF_ELIMIT, name, NULL, 0, 0,
                            "document larger than %zu bytes", AF_DOC_MAX_SIZE);
    char *copy = malloc(len + 1);
    af_doc *doc = copy != NULL ? doc_new(name, copy, len) : NULL;
    if (doc == NULL) {
        free(copy);
        return af_error_set(err, AF_ENOMEM, name, NULL, 0, 0, "out of memory");
    }
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = parse_doc(doc, fmt, err);
    if (rc != 0) {
        af_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* Reads all of f into a malloc'd NUL-terminated buffer: in one read when
   f is a regular file (its size is known), doubling for a pipe. */
static int read_all(FILE *f, char **out, size_t *out_len)
{
    struct stat st;
    size_t cap = 1 << 16, len = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > AF_DOC_MAX_SIZE)
            return AF_ELIMIT;
        cap = (size_t)st.st_size + 1; /* + 1: EOF is seen by the first read */
    }
    char *buf = malloc(cap + 1);
    for (;;) {
        if (buf == NULL)
            return AF_ENOMEM;
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        if (cap > AF_DOC_MAX_SIZE) {
            free(buf);
            return AF_ELIMIT;
        }
        cap = cap > AF_DOC_MAX_SIZE / 2 ? AF_DOC_MAX_SIZE + 1 : cap * 2;
        char *grown = realloc(buf, cap + 1);
        if (grown == NULL)
            free(buf);
        buf = grown;
    }
    if (ferror(f)) {
        int saved = errno;
        free(buf);
        errno = saved;
        return AF_EIO;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* A file's text: mapped when that is safe (no copy out of the page
   cache), else read into a buffer. */
typedef struct file_text {
    char *p; /* NUL-terminated */
    size_t len;
    size_t mapped; /* bytes mapped; 0: p is malloc'd */
} file_text;

/* A regular file whose size is not a multiple of the page size can be
   mapped with its NUL for free: the rest of the last page reads as
   zeros. Anything else is read. */
static int text_open(FILE *f, file_text *t)
{
    struct stat st;
    long page = sysconf(_SC_PAGESIZE);
    *t = (file_text){NULL, 0, 0};
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && page > 0 &&
        st.st_size > 0 && (uintmax_t)st.st_size <= AF_DOC_MAX_SIZE &&
        st.st_size % page != 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
                       fileno(f), 0);
        if (p != MAP_FAILED) {
            *t = (file_text){p, (size_t)st.st_size, (size_t)st.st_size};
            return 0;
        }
    }
    return read_all(f, &t->p, &t->len);
}

static void text_close(file_text *t)
{
    if (t->mapped != 0)
        munmap(t->p, t->mapped);
    else
        free(t->p);
    t->p = NULL;
}

int af_doc_read_file(const char *path, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return AF_EIO;
    int rc = read_all(f, out, out_len);
    int saved = errno;
    fclose(f);
    errno = saved;
    return rc;
}

int af_doc_load_file(const char *path, af_doc **out, af_error *err)
{
    if (path == NULL || out == NULL)
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "af_doc_load_file: no path or no output");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return af_error_set(err, AF_EIO, path, NULL, 0, 0,
                            "cannot open '%s': %s", path, strerror(errno));
    file_text text;
    int rc = text_open(f, &text);
    int saved = errno;
    fclose(f);
    if (rc == AF_EIO)
        return af_error_set(err, rc, path, NULL, 0, 0, "cannot read '%s': %s",
                            path, strerror(saved));
    if (rc == AF_ELIMIT)
        return af_error_set(err, rc, path, NULL, 0, 0,
                            "'%s' is larger than %zu bytes", path,
                            AF_DOC_MAX_SIZE);
    af_doc *doc = rc == 0 ? doc_new(path, text.p, text.len) : NULL;
    if (doc == NULL) {
        text_close(&text);
        return af_error_set(err, AF_ENOMEM, path, NULL, 0, 0, "out of memory");
    }
    rc = parse_doc(doc, AF_DOC_AUTO, err);
    doc->text = NULL; /* the tree holds copies of every string it needs */
    text_close(&text);
    if (rc != 0) {
        af_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

void af_doc_free(af_doc *doc)
{
    if (doc == NULL)
        return;
    if (af_doc_pool_owns_tree(doc))
        af_doc_pool_free(doc);
    else
        cJSON_Delete(doc->root); /* the pool could not be made */
    free(doc->name);
    free(doc->text);
    free(doc);
}

int af_doc_error(af_error *err, int code, const af_doc *doc,
                 const char *pointer, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, col = 0;
    if (doc != NULL && pointer != NULL)
        af_doc_locate(doc, pointer, &line, &col);
    return af_error_set(err, code, doc != NULL ? doc->name : NULL, pointer,
                        line, col, "%s", msg);
}
