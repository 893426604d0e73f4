/*
 * auth.c - a header parameter named Authorization and the credentials of
 * the chosen security alternative agree.
 *
 * The renderer sends such a parameter as given and then leaves out the
 * credentials that would also go into Authorization (src/wire/render.c).
 * So when the alternative puts a credential into Authorization, the
 * decoder gives the parameter exactly the header text the renderer would
 * have sent for it: "Basic " + base64(user:pass), "Bearer " + token,
 * "<Scheme> " + value for other http schemes, the key itself for an
 * apiKey whose header is Authorization; the http, oauth2 and
 * openIdConnect texts come from the renderer's own af_render_auth_header,
 * so the two cannot drift apart. The first such credential of the
 * alternative wins, as in the renderer. Tuned for: a handful of
 * credentials per call; nothing here is on a hot path.
 */
#include "gen/gen_internal.h"

#include <string.h>
#include <strings.h>

#include "wire/render.h"

int32_t af_gen_auth_param(const af_operation *op)
{
    for (uint32_t j = 0; j < op->n_params; j++)
        if (op->params[j].in == AF_IN_HEADER &&
            strcasecmp(op->params[j].name, "Authorization") == 0)
            return (int32_t)j;
    return -1;
}

/* The Authorization text of one credential; "" when it goes elsewhere
   (apiKey in another header, query or cookie; mutualTLS); NULL on
   AF_ENOMEM. */
static const char *cred_text(af_arena *a, const af_sec_scheme *s,
                             const char *value)
{
    const char *prefix, *rest;
    if (s->type == AF_SEC_API_KEY)
        return s->in == AF_IN_HEADER && s->param_name != NULL &&
                       strcasecmp(s->param_name, "Authorization") == 0
                   ? value
                   : "";
    int rc = af_render_auth_header(a, s, value, &prefix, &rest);
    if (rc <= 0)
        return rc == 0 ? "" : NULL;
    return af_arena_printf(a, "%s%s", prefix, rest);
}

int af_gen_auth_text(const af_gen *g, af_arena *a, const af_cred *creds,
                     uint32_t n_creds, const char **out)
{
    *out = NULL;
    for (uint32_t k = 0; k < n_creds; k++) {
        int32_t s = creds[k].scheme;
        if (s < 0 || (uint32_t)s >= g->model->n_schemes)
            continue;
        const char *value = creds[k].value != NULL ? creds[k].value : "";
        const char *t = cred_text(a, &g->model->schemes[s], value);
        if (t == NULL)
            return AF_ENOMEM;
        if (t[0] != '\0') {
            *out = t;
            return 0;
        }
    }
    return 0;
}

/* Whether argument j holds exactly the text t. */
static bool holds(const af_call *call, int32_t j, const char *t)
{
    if (j < 0 || t == NULL || (uint32_t)j >= call->n_args)
        return false;
    const af_arg *arg = &call->args[j];
    return arg->is_present && arg->value.kind == AF_V_STRING &&
           arg->value.u.str.len == strlen(t) &&
           memcmp(arg->value.u.str.s, t, arg->value.u.str.len) == 0;
}

static bool corrupt_creds(af_gctx *x, af_call *call)
{
    af_cred *c = af_arena_alloc(x->a, (call->n_creds + 1) * sizeof *c);
    if (c == NULL)
        return false;
    for (uint32_t k = 0; k < call->n_creds; k++) {
        c[k] = call->creds[k];
        c[k].value = "apifuzz-corrupt-credential";
        c[k].is_corrupt = true;
    }
    call->creds = c;
    return true;
}

bool af_gen_auth_violate(af_gctx *x, const af_operation *op, af_call *call,
                         bool is_missing)
{
    int32_t j = af_gen_auth_param(op);
    const char *before = NULL;
    if (af_gen_auth_text(x->g, x->a, call->creds, call->n_creds, &before) < 0)
        return false;
    bool is_synced = holds(call, j, before);
    if (is_missing)
        call->n_creds = 0;
    else if (!corrupt_creds(x, call))
        return false;
    if (!is_synced)
        return true;
    /* the parameter carries the credential: it goes or is corrupted too */
    af_arg *args =
        af_arena_memdup(x->a, call->args, call->n_args * sizeof *args);
    const char *after = NULL;
    if (args == NULL ||
        (!is_missing && (af_gen_auth_text(x->g, x->a, call->creds,
                                          call->n_creds, &after) < 0 ||
                         after == NULL)))
        return false;
    if (is_missing)
        args[j].is_present = false;
    else {
        args[j].value.u.str.s = after;
        args[j].value.u.str.len = strlen(after);
    }
    call->args = args;
    return true;
}
