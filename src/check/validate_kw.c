/*
 * validate_kw.c - the validator's assertions (type and nullable, enum and
 * const, numbers, strings, format) and the applicators that descend into
 * the instance (items, contains, properties, additionalProperties,
 * propertyNames, dependencies), with readOnly/writeOnly by direction.
 *
 * Numbers are cJSON doubles: an integer is a number with a zero fraction
 * (1.0 is an integer), multipleOf divides with a tolerance scaled to the
 * quotient and falls back to an exact fmod when the quotient overflows.
 * String lengths count code points (UTF-8 lead bytes). Tuned for objects
 * of tens of members: property lookup is a linear scan of the schema's
 * properties, which beats hashing at that size.
 */
#include "check/validate_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spec/pattern.h"

const char *af_v_num(char *buf, size_t cap, double d)
{
    snprintf(buf, cap, "%.15g", d);
    double back = 0;
    if (sscanf(buf, "%lf", &back) != 1 || back != d)
        snprintf(buf, cap, "%.17g", d);
    return buf;
}

static bool is_integer(double d)
{
    return isfinite(d) && d == floor(d);
}

const char *af_v_type_name(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v))
        return is_integer(v->valuedouble) ? "integer" : "number";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsArray(v))
        return "array";
    return cJSON_IsObject(v) ? "object" : "unknown";
}

static uint32_t type_bits(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_NULL:
        return AF_TYPE_NULL;
    case cJSON_False:
    case cJSON_True:
        return AF_TYPE_BOOLEAN;
    case cJSON_Number:
        return AF_TYPE_NUMBER |
               (is_integer(v->valuedouble) ? AF_TYPE_INTEGER : 0);
    case cJSON_String:
        return AF_TYPE_STRING;
    case cJSON_Array:
        return AF_TYPE_ARRAY;
    case cJSON_Object:
        return AF_TYPE_OBJECT;
    default:
        return 0;
    }
}

/* "string or null" for the bits of a `type`. */
static void type_names(uint32_t bits, char *buf, size_t cap)
{
    static const char *const names[] = {"null",   "boolean", "object", "array",
                                        "number", "string",  "integer"};
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 7; i++) {
        if (!(bits & (1u << i)) || n >= cap)
            continue;
        int w =
            snprintf(buf + n, cap - n, "%s%s", n > 0 ? " or " : "", names[i]);
        n += w > 0 ? (size_t)w : 0;
    }
}

/* OpenAPI 3.0 §4.7.24.1: nullable adds null to the types given by `type`
   in the same schema; other keywords still apply (enum must list null). */
bool af_v_type(af_vctx *x, const af_schema *s, const cJSON *v)
{
    uint32_t t = type_bits(v);
    if ((t & s->types) != 0)
        return true;
    if (t == AF_TYPE_NULL && (s->flags & AF_SCHEMA_NULLABLE))
        return true;
    char want[96];
    type_names(s->types | (s->flags & AF_SCHEMA_NULLABLE ? AF_TYPE_NULL : 0),
               want, sizeof want);
    return af_v_fail(x, s, "type", "expected %s, got %s", want,
                     af_v_type_name(v));
}

bool af_v_values(af_vctx *x, const af_schema *s, const cJSON *v)
{
    bool ok = true;
    if ((s->flags & AF_SCHEMA_HAS_CONST) && s->const_value != NULL &&
        !af_json_equal(v, s->const_value)) {
        ok = af_v_fail(x, s, "const", "not equal to the const value");
        if (!af_v_more(x))
            return false;
    }
    if (!(s->flags & AF_SCHEMA_HAS_ENUM) || s->enum_values == NULL)
        return ok;
    int n = 0;
    for (const cJSON *e = s->enum_values->child; e != NULL; e = e->next, n++)
        if (af_json_equal(v, e))
            return ok;
    return af_v_fail(x, s, "enum", "not one of the %d enum values", n);
}

/* OpenAPI and JSON Schema leave the precision open; a quotient within
   rounding noise of an integer counts as one (0.0075 / 0.0001 = 75). A
   quotient past 2^53 has no fraction left to judge: it is a multiple,
   as in most validators (12391239123 of 1e-8). When the quotient
   overflows, the exact remainder decides (1e308 of 0.5). */
static bool is_multiple(double d, double m)
{
    double q = d / m;
    if (!isfinite(q))
        return fmod(d, m) == 0;
    if (fabs(q) >= 9007199254740992.0)
        return true;
    double eps = fmax(1e-9, fabs(q) * 1e-14);
    return fabs(q - nearbyint(q)) <= eps;
}

bool af_v_number(af_vctx *x, const af_schema *s, double d)
{
    char a[40], b[40];
    bool ok = true;
    if (s->flags & AF_SCHEMA_HAS_MINIMUM) {
        bool is_excl = (s->flags & AF_SCHEMA_EXCL_MINIMUM) != 0;
        if (is_excl ? !(d > s->minimum) : !(d >= s->minimum)) {
            ok = af_v_fail(x, s, is_excl ? "exclusiveMinimum" : "minimum",
                           "%s is less than %s %s", af_v_num(a, 40, d),
                           is_excl ? "or equal to the exclusive minimum"
                                   : "the minimum",
                           af_v_num(b, 40, s->minimum));
            if (!af_v_more(x))
                return false;
        }
    }
    if (s->flags & AF_SCHEMA_HAS_MAXIMUM) {
        bool is_excl = (s->flags & AF_SCHEMA_EXCL_MAXIMUM) != 0;
        if (is_excl ? !(d < s->maximum) : !(d <= s->maximum)) {
            ok = af_v_fail(x, s, is_excl ? "exclusiveMaximum" : "maximum",
                           "%s is greater than %s %s", af_v_num(a, 40, d),
                           is_excl ? "or equal to the exclusive maximum"
                                   : "the maximum",
                           af_v_num(b, 40, s->maximum));
            if (!af_v_more(x))
                return false;
        }
    }
    if ((s->flags & AF_SCHEMA_HAS_MULTIPLE) &&
        !is_multiple(d, s->multiple_of)) {
        ok = af_v_fail(x, s, "multipleOf", "%s is not a multiple of %s",
                       af_v_num(a, 40, d), af_v_num(b, 40, s->multiple_of));
        if (!af_v_more(x))
            return false;
    }
    if (x->assert_formats && s->format >= AF_FORMAT_INT32 &&
        !af_format_check_number(s->format, d))
        ok = af_v_fail(x, s, "format", "%s is out of the range of %s",
                       af_v_num(a, 40, d), af_format_name(s->format));
    return ok;
}

/* Code points of a UTF-8 string: bytes that are not continuation bytes. */
static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool pattern(af_vctx *x, const af_schema *s, const char *str, size_t len)
{
    int rc = af_pattern_match(s->pattern_re, str, len);
    if (rc == 1)
        return true;
    if (rc == AF_ELIMIT)
        return af_v_limit(x, s, "pattern", "pattern match limit reached");
    if (rc == AF_ENOMEM) {
        x->status = AF_ENOMEM;
        x->is_stopped = true;
        return false;
    }
    if (rc == AF_EUSAGE)
        return af_v_fail(x, s, "pattern", "not valid UTF-8");
    return af_v_fail(x, s, "pattern", "does not match the pattern '%.120s'",
                     s->pattern);
}

bool af_v_string(af_vctx *x, const af_schema *s, const char *str)
{
    size_t len = strlen(str);
    bool ok = true;
    if (s->min_length > 0 || s->max_length != AF_UNBOUNDED) {
        size_t n = code_points(str, len);
        if (n < s->min_length || n > s->max_length) {
            bool is_short = n < s->min_length;
            ok = af_v_fail(x, s, is_short ? "minLength" : "maxLength",
                           "length %zu is %s than %s %u", n,
                           is_short ? "less" : "more",
                           is_short ? "minLength" : "maxLength",
                           is_short ? s->min_length : s->max_length);
            if (!af_v_more(x))
                return false;
        }
    }
    if (s->pattern_re != NULL && !(s->flags & AF_SCHEMA_PATTERN_BAD) &&
        !pattern(x, s, str, len)) {
        ok = false;
        if (!af_v_more(x))
            return false;
    }
    if (x->assert_formats && s->format > AF_FORMAT_OTHER &&
        !af_format_check_string(s->format, str, len))
        ok = af_v_fail(x, s, "format", "not a valid %s",
                       af_format_name(s->format));
    return ok;
}

/* ---- arrays ---------------------------------------------------------- */

static bool array_counts(af_vctx *x, const af_schema *s, const cJSON *v,
                         uint32_t n)
{
    if (n < s->min_items || n > s->max_items) {
        bool is_short = n < s->min_items;
        return af_v_fail(x, s, is_short ? "minItems" : "maxItems",
                         "%u items, %s %u", n,
                         is_short ? "minItems is" : "maxItems is",
                         is_short ? s->min_items : s->max_items);
    }
    if (!(s->flags & AF_SCHEMA_UNIQUE_ITEMS) || n < 2)
        return true;
    int64_t first = -1, dup = af_json_duplicate(x->a, v, &first);
    if (dup == -2) {
        x->status = AF_ENOMEM;
        x->is_stopped = true;
        return false;
    }
    return dup < 0 ||
           af_v_fail(x, s, "uniqueItems", "items %lld and %lld are equal",
                     (long long)first, (long long)dup);
}

/* prefixItems and items (draft 4-7: items[] and additionalItems). */
static bool items(af_vctx *x, const af_schema *s, const cJSON *v, uint32_t n,
                  af_bits *ev)
{
    bool ok = true;
    uint32_t k = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next, k++) {
        af_idx i = k < s->n_prefix_items ? s->prefix_items[k] : s->items;
        if (i == AF_NONE)
            break;
        if (k >= s->n_prefix_items &&
            (af_v_schema(x, i)->flags & AF_SCHEMA_FALSE))
            return af_v_fail(x, s, "items", "%u items, at most %u allowed", n,
                             s->n_prefix_items); /* one error for all */
        if (af_v_eval_at(x, i, c, NULL, k)) {
            af_bits_set(ev, k);
            continue;
        }
        ok = false;
        if (!af_v_more(x))
            return false;
    }
    return ok;
}

/* contains with minContains/maxContains; matching items are evaluated
   (2020-12 §10.3.1.3). */
static bool contains(af_vctx *x, const af_schema *s, const cJSON *v,
                     af_bits *ev)
{
    bool is_all = ev != NULL || s->max_contains != AF_UNBOUNDED;
    uint32_t n = 0, k = 0;
    x->quiet++;
    for (const cJSON *c = v->child; c != NULL && !x->is_stopped;
         c = c->next, k++) {
        x->path[x->n_path++] = (af_vstep){NULL, k};
        bool is_match = af_v_eval(x, s->contains, c, NULL);
        x->n_path--;
        if (!is_match)
            continue;
        n++;
        af_bits_set(ev, k);
        if (!is_all && n >= s->min_contains)
            break;
    }
    x->quiet--;
    if (x->is_stopped)
        return false;
    if (n < s->min_contains)
        return af_v_fail(x, s, "contains",
                         "%u items match contains, at least %u expected", n,
                         s->min_contains);
    if (n > s->max_contains)
        return af_v_fail(x, s, "maxContains",
                         "%u items match contains, at most %u allowed", n,
                         s->max_contains);
    return true;
}

bool af_v_array(af_vctx *x, const af_schema *s, const cJSON *v, af_bits *ev)
{
    uint32_t n = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        n++;
    bool ok = true;
    if (!array_counts(x, s, v, n)) {
        ok = false;
        if (!af_v_more(x))
            return false;
    }
    if ((s->n_prefix_items > 0 || s->items != AF_NONE) &&
        !items(x, s, v, n, ev)) {
        ok = false;
        if (!af_v_more(x))
            return false;
    }
    if (s->contains != AF_NONE && !contains(x, s, v, ev))
        ok = false;
    return ok;
}
