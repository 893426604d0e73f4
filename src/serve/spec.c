/*
 * spec.c - the spec a served binary answers with: GET /openapi.json (the
 * spec as JSON; a YAML spec is converted once, at start-up, through the
 * spec DOM) and GET /<its file name> (the text as written, e.g.
 * /openapi.yaml as application/yaml).
 *
 * The spec is the embedded one, or the file APIFUZZ_SPEC names, as for
 * the fuzzer binaries (src/engine/fuzzer.c). A path the spec documents
 * itself (a service with its own /openapi.json) is left to the service.
 * Everything here is built once; the routes only wrap the bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "engine/spec_embed.h"
#include "serve/serve.h"
#include "spec/doc.h"

#define SPEC_FILE_MAX AF_DOC_MAX_SIZE

static int read_file(const char *path, char **out, size_t *out_len,
                     af_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return af_error_set(err, AF_EIO, path, NULL, 0, 0,
                            "cannot open the spec");
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || cap >= SPEC_FILE_MAX)
            break;
        char *grown = realloc(buf, cap * 2 + 1);
        if (grown == NULL)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    bool is_bad = ferror(f) != 0 || len >= SPEC_FILE_MAX;
    fclose(f);
    if (buf == NULL || is_bad) {
        free(buf);
        return af_error_set(err, buf == NULL ? AF_ENOMEM : AF_EIO, path, NULL,
                            0, 0, "cannot read the spec");
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static bool documents(const cJSON *root, const char *path)
{
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
    return cJSON_GetObjectItemCaseSensitive(paths, path) != NULL;
}

/* The text, its file name and its JSON form from the loaded DOM. */
static int fill(af_serve_spec *sp, const af_doc *doc, const char *name)
{
    sp->text_path = malloc(strlen(base_name(name)) + 2);
    if (sp->text_path != NULL)
        sprintf(sp->text_path, "/%s", base_name(name));
    if (doc->format == AF_DOC_JSON) {
        sp->text_type = "application/json";
        sp->json = malloc(sp->text_len + 1);
        if (sp->json != NULL)
            memcpy(sp->json, sp->text, sp->text_len + 1);
        sp->json_len = sp->text_len;
    } else {
        sp->text_type = "application/yaml";
        sp->json = cJSON_Print(doc->root);
        sp->json_len = sp->json != NULL ? strlen(sp->json) : 0;
    }
    sp->is_json_shadowed = documents(doc->root, "/openapi.json");
    sp->is_text_shadowed =
        sp->text_path != NULL && documents(doc->root, sp->text_path);
    return sp->json != NULL && sp->text_path != NULL ? 0 : AF_ENOMEM;
}

int af_serve_spec_load(af_serve_spec *sp, af_error *err)
{
    memset(sp, 0, sizeof *sp);
    const char *path = getenv("APIFUZZ_SPEC");
    const char *name = af_spec_embedded_name();
    int rc = 0;
    if (path != NULL && *path != 0) {
        rc = read_file(path, &sp->text, &sp->text_len, err);
        name = path;
    } else if (af_spec_embedded_len() > 0) {
        sp->text_len = af_spec_embedded_len();
        sp->text = malloc(sp->text_len + 1);
        if (sp->text == NULL)
            return af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0,
                                "out of memory");
        memcpy(sp->text, af_spec_embedded_text(), sp->text_len);
        sp->text[sp->text_len] = 0;
    } else {
        return af_error_set(err, AF_EUSAGE, NULL, NULL, 0, 0,
                            "no spec: this binary embeds none; set "
                            "APIFUZZ_SPEC=path");
    }
    af_doc *doc = NULL;
    if (rc == 0)
        rc = af_doc_parse(sp->text, sp->text_len, name, AF_DOC_AUTO, &doc, err);
    if (rc == 0 && fill(sp, doc, name) != 0)
        rc = af_error_set(err, AF_ENOMEM, NULL, NULL, 0, 0, "out of memory");
    af_doc_free(doc);
    if (rc != 0)
        af_serve_spec_free(sp);
    return rc;
}

void af_serve_spec_free(af_serve_spec *sp)
{
    free(sp->json);
    free(sp->text);
    free(sp->text_path);
    memset(sp, 0, sizeof *sp);
}

static struct MHD_Response *wrap(const char *bytes, size_t len,
                                 const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)(uintptr_t)bytes, MHD_RESPMEM_PERSISTENT);
    if (r != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return r;
}

struct MHD_Response *af_serve_spec_route(const af_serve_spec *sp,
                                         const char *path)
{
    if (!sp->is_json_shadowed && strcmp(path, "/openapi.json") == 0)
        return wrap(sp->json, sp->json_len, "application/json");
    if (!sp->is_text_shadowed && strcmp(path, sp->text_path) == 0)
        return wrap(sp->text, sp->text_len, sp->text_type);
    return NULL;
}
