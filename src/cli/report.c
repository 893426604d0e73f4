/*
 * report.c - `apifuzz report --junit FILE --sarif FILE INPUT...`: the
 * findings of `make triage` as JUnit XML and SARIF 2.1.0, so CI systems
 * and code-scanning pages show them natively.
 *
 * INPUT is a triage.json (tools/triage_json.py: one entry per distinct
 * signature, with its check, operation, report excerpt, curl lines,
 * reproduction commands and source location) or a findings folder
 * holding one. Each input becomes one JUnit <testsuite>: one failed
 * <testcase> per signature, the report and reproduction in <failure>; a
 * signature whose files no longer fail on replay (fixed, or flaky) is a
 * skipped test case; an input without findings has one passing test
 * case, so CI sees that the fuzzing ran. The SARIF log has one run with
 * one result per failing signature: the rule is the check or the
 * sanitizer's kind; the location is the service's source line when a
 * sanitizer frame named one, else the operation in the spec; the
 * partialFingerprints carry the signature, so code-scanning pages track
 * a finding across runs (and close it once it is gone).
 *
 * Text from the JSON is untrusted: XML gets every markup character
 * escaped and control bytes XML 1.0 cannot carry written as \xHH;
 * cJSON escapes the SARIF. Not on a hot path: inputs are read whole (at
 * most 64 MiB each).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"

#define INPUT_MAX (64u << 20)
#define SARIF_SCHEMA                                                           \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"      \
    "sarif-schema-2.1.0.json"

typedef struct report_args {
    const char *junit, *sarif;
    char **inputs;
    int n_inputs;
} report_args;

static const char usage_text[] =
    "usage: apifuzz report [--junit FILE] [--sarif FILE] INPUT...\n";

static const char help_text[] =
    "\n"
    "Writes the findings of `make triage` (INPUT: a triage.json, or a\n"
    "findings folder holding one, e.g. findings/booking) as JUnit XML and\n"
    "SARIF 2.1.0: one test case / result per distinct signature, with the\n"
    "report, the program as curl commands and the replay command.\n"
    "\n"
    "  --junit FILE    write JUnit XML to FILE ('-': stdout)\n"
    "  --sarif FILE    write SARIF 2.1.0 to FILE ('-': stdout)\n"
    "  -h, --help      print this help\n"
    "\n"
    "Exit status: 0 written (findings are no error), 2 a usage error or an\n"
    "input that could not be read.\n";

static int report_option(int argc, char **argv, int *i, void *arg)
{
    report_args *out = arg;
    const char *a = argv[*i];
    const char **slot = strcmp(a, "--junit") == 0   ? &out->junit
                        : strcmp(a, "--sarif") == 0 ? &out->sarif
                                                    : NULL;
    if (slot == NULL)
        return af_cli_usage_error("report", usage_text, "unknown option", a);
    if (*i + 1 >= argc)
        return af_cli_usage_error("report", usage_text, "a value is needed by",
                                  a);
    *slot = argv[++*i];
    return -1;
}

static int report_operand(char *a, void *arg)
{
    report_args *out = arg;
    out->inputs[out->n_inputs++] = a;
    return -1;
}

/* ---- reading ---- */

char *af_cli_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    bool is_ok = buf != NULL;
    while (is_ok) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) /* end of file, or an error (ferror below) */
            break;
        char *grown = cap > max ? NULL : realloc(buf, cap * 2 + 1);
        is_ok = grown != NULL;
        buf = grown != NULL ? grown : buf;
        cap *= 2;
    }
    is_ok = is_ok && !ferror(f) && n <= max;
    fclose(f);
    if (!is_ok) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The triage document of INPUT (a file, or a folder's triage.json), or
   NULL with the reason printed. */
static cJSON *load_input(const char *input)
{
    struct stat st;
    char path[4096];
    bool is_dir = stat(input, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(path, sizeof path, is_dir ? "%s/triage.json" : "%s", input);
    size_t len = 0;
    char *text = af_cli_read_file(path, INPUT_MAX, &len);
    if (text == NULL) {
        fprintf(stderr, "apifuzz report: %s: cannot read%s\n", path,
                is_dir ? " (make triage writes it)" : "");
        return NULL;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "findings"))) {
        fprintf(stderr,
                "apifuzz report: %s: not a triage.json (no "
                "\"findings\" array)\n",
                path);
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* A string member, "" when absent or not a string. */
static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e9
               ? (int)v->valuedouble
               : 0;
}

/* ---- the reproduction text both formats carry ---- */

static void put_lines(FILE *out, const cJSON *f, const char *name)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(f, name);
    const cJSON *c;
    cJSON_ArrayForEach(c, a)
    {
        if (cJSON_IsString(c))
            fprintf(out, "%s\n", c->valuestring);
    }
}

/* message, signature, files, the program as curl and the commands;
   with is_full, the whole report excerpt too. Malloc'd text. */
static char *repro_text(const cJSON *f, bool is_full)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL)
        return NULL;
    fprintf(out, "%s\n\nsignature: %s\nfiles: %d (example: %s)\n",
            str(f, "message"), str(f, "signature"), num(f, "count"),
            str(f, "example"));
    fprintf(out, "\nThe program as curl commands:\n");
    put_lines(out, f, "curl");
    fprintf(out, "\nReproduce: %s\n", str(f, "reproduce"));
    if (*str(f, "minimize"))
        fprintf(out, "Minimize: %s\n", str(f, "minimize"));
    if (*str(f, "repro_c"))
        fprintf(out, "As a C test: %s\n", str(f, "repro_c"));
    if (is_full && *str(f, "report"))
        fprintf(out, "\n%s\n", str(f, "report"));
    fclose(out);
    return text;
}

/* ---- JUnit XML ---- */

/* s as XML text (is_attr false) or attribute value: markup escaped
   (quotes in attributes only); control bytes XML 1.0 cannot carry, and
   bytes of broken UTF-8, as \xHH. */
static void xml_esc(FILE *out, const char *s, bool is_attr)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s);
    while (p < end) {
        size_t n = *p >= 0x80 ? af_utf8_len(p, (size_t)(end - p)) : 1;
        if (*p == '&')
            fputs("&amp;", out);
        else if (*p == '<')
            fputs("&lt;", out);
        else if (*p == '>')
            fputs("&gt;", out);
        else if (*p == '"' && is_attr)
            fputs("&quot;", out);
        else if (*p == '\'' && is_attr)
            fputs("&apos;", out);
        else if ((*p < 0x20 && *p != '\n' && *p != '\t') || n == 0)
            fprintf(out, "\\x%02x", *p);
        else
            fwrite(p, 1, n, out);
        p += n == 0 ? 1 : n;
    }
}

static void xml_put(FILE *out, const char *s)
{
    xml_esc(out, s, true);
}

static bool is_stale(const cJSON *f)
{
    return strcmp(str(f, "kind"), "none") == 0;
}

/* A test case per signature: a failure, or skipped when the file no
   longer fails on replay (fixed, or flaky). */
static void junit_case(FILE *out, const char *target, const cJSON *f)
{
    fputs("    <testcase name=\"", out);
    xml_put(out, str(f, "signature"));
    fprintf(out, "\" classname=\"apifuzz.");
    xml_put(out, target);
    fputc('.', out);
    xml_put(out, str(f, "operation"));
    fputs("\" time=\"0\">\n", out);
    if (is_stale(f)) {
        fputs("      <skipped message=\"", out);
        xml_put(out, str(f, "message"));
        fputs("\"/>\n    </testcase>\n", out);
        return;
    }
    char *text = repro_text(f, true);
    fputs("      <failure message=\"", out);
    xml_put(out, str(f, "message"));
    fputs("\" type=\"", out);
    xml_put(out, str(f, "check"));
    fputs("\">", out);
    xml_esc(out, text != NULL ? text : "(out of memory)", false);
    fputs("</failure>\n    </testcase>\n", out);
    free(text);
}

typedef struct counts {
    int tests, failures, skipped;
} counts;

/* A document without findings still has one (passing) test case, so CI
   sees the fuzzing ran. */
static counts count(const cJSON *doc)
{
    counts c = {0, 0, 0};
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "findings"))
    {
        c.tests++;
        c.skipped += is_stale(f);
    }
    c.failures = c.tests - c.skipped;
    c.tests += c.tests == 0;
    return c;
}

static void junit_suite(FILE *out, const cJSON *doc, int id, const char *stamp)
{
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(doc, "findings");
    const char *target = *str(doc, "target") ? str(doc, "target") : "target";
    counts c = count(doc);
    fputs("  <testsuite name=\"apifuzz.", out);
    xml_put(out, target);
    fprintf(out,
            "\" package=\"apifuzz\" id=\"%d\" tests=\"%d\" failures=\"%d\" "
            "errors=\"0\" skipped=\"%d\" time=\"0\" timestamp=\"%s\" "
            "hostname=\"localhost\">\n"
            "    <properties>\n      <property name=\"target\" value=\"",
            id, c.tests, c.failures, c.skipped, stamp);
    xml_put(out, target);
    fputs("\"/>\n    </properties>\n", out);
    const cJSON *f;
    cJSON_ArrayForEach(f, fs)
    {
        junit_case(out, target, f);
    }
    if (cJSON_GetArraySize(fs) == 0) {
        fputs("    <testcase name=\"no failure found\" classname=\"apifuzz.",
              out);
        xml_put(out, target);
        fputs("\" time=\"0\"/>\n", out);
    }
    fputs("    <system-out></system-out>\n    <system-err></system-err>\n"
          "  </testsuite>\n",
          out);
}

static void write_junit(FILE *out, cJSON *const *docs, int n)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    counts all = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        counts c = count(docs[i]);
        all.tests += c.tests;
        all.failures += c.failures;
        all.skipped += c.skipped;
    }
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"apifuzz\" tests=\"%d\" failures=\"%d\" "
            "errors=\"0\" skipped=\"%d\" time=\"0\">\n",
            all.tests, all.failures, all.skipped);
    for (int i = 0; i < n; i++)
        junit_suite(out, docs[i], i, stamp);
    fputs("</testsuites>\n", out);
}

/* ---- SARIF 2.1.0 ---- */

typedef struct check_text {
    const char *id, *text;
} check_text;

/* DESIGN.md's table of checks; sanitizer kinds get a generic text. */
static const check_text check_texts[] = {
    {"not_a_server_error", "The service answered 5xx."},
    {"status_code_conformance",
     "The status code is not documented for the operation."},
    {"content_type_conformance",
     "The response media type is not documented for that status."},
    {"response_headers_conformance",
     "A required response header is missing or invalid."},
    {"response_schema_conformance",
     "The response body does not parse or does not match its schema."},
    {"negative_data_rejection", "A request violating the spec got 2xx."},
    {"positive_data_acceptance", "A valid request got 4xx."},
    {"use_after_free", "A resource answered after a successful DELETE."},
    {"ensure_resource_availability",
     "A resource created successfully is then not found."},
    {"ignored_auth", "An operation requiring auth answered 2xx without it."},
    {"max_response_time", "Handling took longer than the bound."},
    {"deterministic", "The same program after reset answered differently."},
    {"unsupported_method",
     "An undocumented method was not answered 405 with Allow."},
    {"missing_required_header",
     "A call missing a required header was not answered 4xx."},
    {"malformed_response", "The response is not valid HTTP."},
};

static const char *rule_text(const char *id, const char *kind)
{
    for (size_t i = 0; i < sizeof check_texts / sizeof check_texts[0]; i++)
        if (strcmp(check_texts[i].id, id) == 0)
            return check_texts[i].text;
    return strcmp(kind, "crash") == 0
               ? "The service crashed (sanitizer or signal) handling a "
                 "request."
               : "A finding of apifuzz.";
}

/* The index of rule `id` in rules, added when new. */
static int rule_index(cJSON *rules, const char *id, const char *kind)
{
    int k = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        if (strcmp(str(r, "id"), id) == 0)
            return k;
        k++;
    }
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddStringToObject(rule, "id", id);
    cJSON *d = cJSON_AddObjectToObject(rule, "shortDescription");
    cJSON_AddStringToObject(d, "text", rule_text(id, kind));
    cJSON *cfg = cJSON_AddObjectToObject(rule, "defaultConfiguration");
    cJSON_AddStringToObject(cfg, "level", "error");
    cJSON_AddItemToArray(rules, rule);
    return k;
}

/* {"physicalLocation": ...} of a {"file", "line"} object, or NULL. */
static cJSON *location(const cJSON *loc)
{
    const char *file = str(loc, "file");
    if (*file == 0)
        return NULL;
    cJSON *l = cJSON_CreateObject();
    cJSON *pl = cJSON_AddObjectToObject(l, "physicalLocation");
    cJSON *al = cJSON_AddObjectToObject(pl, "artifactLocation");
    cJSON_AddStringToObject(al, "uri", file);
    if (file[0] != '/')
        cJSON_AddStringToObject(al, "uriBaseId", "%SRCROOT%");
    int line = num(loc, "line");
    cJSON *region = cJSON_AddObjectToObject(pl, "region");
    cJSON_AddNumberToObject(region, "startLine", line > 0 ? line : 1);
    return l;
}

static cJSON *sarif_result(const cJSON *f, const char *target, cJSON *rules)
{
    cJSON *r = cJSON_CreateObject();
    const char *check = *str(f, "check") ? str(f, "check") : "finding";
    cJSON_AddStringToObject(r, "ruleId", check);
    cJSON_AddNumberToObject(r, "ruleIndex",
                            rule_index(rules, check, str(f, "kind")));
    cJSON_AddStringToObject(r, "level", "error");
    char *text = repro_text(f, false);
    cJSON *m = cJSON_AddObjectToObject(r, "message");
    cJSON_AddStringToObject(m, "text", text != NULL ? text : str(f, "message"));
    free(text);
    cJSON *locs = cJSON_AddArrayToObject(r, "locations");
    cJSON *l = location(cJSON_GetObjectItemCaseSensitive(f, "location"));
    if (l == NULL)
        l = location(cJSON_GetObjectItemCaseSensitive(f, "spec_location"));
    if (l != NULL)
        cJSON_AddItemToArray(locs, l);
    cJSON *fp = cJSON_AddObjectToObject(r, "partialFingerprints");
    cJSON_AddStringToObject(fp, "apifuzzSignature/v1", str(f, "signature"));
    cJSON *p = cJSON_AddObjectToObject(r, "properties");
    cJSON_AddStringToObject(p, "target", target);
    cJSON_AddStringToObject(p, "operation", str(f, "operation"));
    cJSON_AddStringToObject(p, "signature", str(f, "signature"));
    cJSON_AddNumberToObject(p, "files", num(f, "count"));
    cJSON_AddStringToObject(p, "reproduce", str(f, "reproduce"));
    return r;
}

static cJSON *sarif_log(cJSON *const *docs, int n)
{
    cJSON *log = cJSON_CreateObject();
    cJSON_AddStringToObject(log, "$schema", SARIF_SCHEMA);
    cJSON_AddStringToObject(log, "version", "2.1.0");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(log, "runs"), run);
    cJSON *driver =
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "apifuzz");
    cJSON_AddStringToObject(driver, "version", "0.1.0");
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (int i = 0; i < n; i++) {
        const cJSON *f;
        cJSON_ArrayForEach(
            f, cJSON_GetObjectItemCaseSensitive(docs[i], "findings"))
        {
            if (!is_stale(f)) /* fixed or flaky: its alert closes */
                cJSON_AddItemToArray(
                    results, sarif_result(f, str(docs[i], "target"), rules));
        }
    }
    return log;
}

/* ---- the command ---- */

/* Opens path for writing ("-": stdout); NULL with the reason printed. */
static FILE *open_out(const char *path)
{
    FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (out == NULL)
        fprintf(stderr, "apifuzz report: %s: cannot write\n", path);
    return out;
}

static int close_out(FILE *out, const char *path)
{
    int rc = ferror(out) ? EOF : 0;
    if (out == stdout ? fflush(out) != 0 : fclose(out) != 0)
        rc = EOF;
    if (rc != 0)
        fprintf(stderr, "apifuzz report: %s: write failed\n", path);
    return rc == 0 ? 0 : 2;
}

static int write_all(const report_args *args, cJSON *const *docs)
{
    int rc = 0;
    FILE *out;
    if (args->junit != NULL && (out = open_out(args->junit)) != NULL) {
        write_junit(out, docs, args->n_inputs);
        rc |= close_out(out, args->junit);
    } else if (args->junit != NULL) {
        rc = 2;
    }
    if (args->sarif != NULL && (out = open_out(args->sarif)) != NULL) {
        cJSON *log = sarif_log(docs, args->n_inputs);
        char *text = cJSON_Print(log);
        cJSON_Delete(log);
        if (text != NULL)
            fprintf(out, "%s\n", text);
        cJSON_free(text);
        rc |= close_out(out, args->sarif) | (text == NULL ? 2 : 0);
    } else if (args->sarif != NULL) {
        rc = 2;
    }
    return rc;
}

int af_cli_report(int argc, char **argv)
{
    report_args args;
    memset(&args, 0, sizeof args);
    args.inputs = calloc((size_t)argc + 1, sizeof *args.inputs);
    cJSON **docs = calloc((size_t)argc + 1, sizeof(cJSON *));
    int rc = args.inputs == NULL || docs == NULL
                 ? af_cli_usage_error("report", "", "out of memory", NULL)
                 : af_cli_parse_args(argc, argv, usage_text, help_text,
                                     report_option, report_operand, &args);
    if (rc < 0 && args.n_inputs == 0)
        rc = af_cli_usage_error("report", usage_text, "no INPUT given", NULL);
    if (rc < 0 && args.junit == NULL && args.sarif == NULL)
        rc = af_cli_usage_error("report", usage_text,
                                "nothing to write: give --junit or --sarif",
                                NULL);
    for (int i = 0; rc < 0 && i < args.n_inputs; i++)
        if ((docs[i] = load_input(args.inputs[i])) == NULL)
            rc = 2;
    if (rc < 0)
        rc = write_all(&args, docs);
    for (int i = 0; docs != NULL && i < args.n_inputs; i++)
        cJSON_Delete(docs[i]);
    free(docs);
    free(args.inputs);
    return rc;
}
