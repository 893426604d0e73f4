/*
 * doc.h - the spec DOM: one parsed file, JSON or YAML, as a cJSON tree.
 *
 * JSON is parsed by cJSON; YAML by libyaml's event parser, whose events are
 * built into the same cJSON tree (load.c), so every later stage sees one
 * kind of tree. Node positions are not stored (a 4 MB spec has 200k
 * nodes): af_doc_locate finds the line and column of a JSON pointer by
 * re-reading the text (kept for in-memory specs, read from the file again
 * for files), which only happens when an error is reported.
 *
 * A docset holds the root file and every file reached through relative
 * $refs, confined to the root file's directory tree (ref.c).
 */
#ifndef AF_DOC_H
#define AF_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/error.h"

typedef enum af_doc_format {
    AF_DOC_AUTO = 0, /* by file extension, else by the first character */
    AF_DOC_JSON,
    AF_DOC_YAML
} af_doc_format;

/* Bounds a hostile file cannot exceed (errors, not crashes). */
#define AF_DOC_MAX_DEPTH 512           /* nesting of collections */
#define AF_DOC_MAX_ALIAS_NODES 1000000 /* nodes created by alias expansion */
#define AF_DOC_MAX_SIZE ((size_t)256 << 20)

typedef struct af_doc {
    cJSON *root;          /* owned */
    char *name;           /* the path or name given; owned */
    char *text;           /* the source text, NUL-terminated; owned.
                             NULL for a file once parsed: af_doc_locate
                             reads the file again (errors are rare) */
    size_t len;           /* bytes of text (of the file when text is NULL) */
    af_doc_format format; /* AF_DOC_JSON or AF_DOC_YAML */
} af_doc;

/* Parses text (len bytes; need not be NUL-terminated) named name (used in
   errors and for the format when fmt is AF_DOC_AUTO). On success *out owns a
   copy of the text and the tree. YAML: core-schema scalars are typed (ints
   in decimal/hex/octal, floats, .inf/.nan, bools, null); anchors and aliases
   are expanded up to AF_DOC_MAX_ALIAS_NODES; a duplicate key is an error.
   JSON: duplicate keys are an error too. Errors carry line and column.

   The tree's nodes and strings live in a pool the doc owns, not in blocks
   of their own: never cJSON_Delete, detach or replace a node of it (copy
   it with cJSON_Duplicate). While a parse runs, cJSON's hooks point at the
   pool (reset to malloc/free afterwards; other threads still get malloc),
   so do not install cJSON hooks of your own. */
int af_doc_parse(const char *text, size_t len, const char *name,
                 af_doc_format fmt, af_doc **out, af_error *err);

/* Reads and parses a file. The text is let go once parsed (doc->text is
   NULL; errors re-read the file to locate a pointer). */
int af_doc_load_file(const char *path, af_doc **out, af_error *err);

/* Frees a doc made by af_doc_parse or af_doc_load_file (only those: a
   doc's tree lives in a pool held beside the struct). */
void af_doc_free(af_doc *doc);

/* The 1-based line and column of the node at pointer ("#/a/b" or "/a/b")
   in doc's text; *line = *col = 0 when it cannot be found. Slow (re-reads
   the text): for error reports only. */
void af_doc_locate(const af_doc *doc, const char *pointer, int *line, int *col);

/* An error at a node: fills err with doc's name, the pointer and the node's
   line and column (via af_doc_locate). Returns code. */
int af_doc_error(af_error *err, int code, const af_doc *doc,
                 const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
