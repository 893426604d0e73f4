"""conformance_spec.py - the adapter of tests/conformance.py: a spec read
as the oracle needs it, without apifuzz's own loader or validator.

Documents are read with PyYAML under the YAML 1.2 core schema (as
src/spec/yaml.c reads them) or json; $refs, also into other files of the
spec's folder, are followed by JSON pointer. Schemas become plain JSON
Schema: OpenAPI 3.0 and Swagger 2.0 for Draft4Validator (boolean exclusive
bounds as written, nullable / x-nullable adding "null" to `type` and to
`enum`, $ref siblings ignored), OpenAPI 3.1 for Draft202012Validator. Every
$ref target becomes one entry of a shared definitions table, so recursive
schemas stay recursive. readOnly properties are not required (requests);
discriminator, xml, examples and `type: file` are dropped. Formats are
asserted for the formats the generator claims, by jsonschema's checkers
where it has them and by RFC 3339 / RFC 4648 / RFC 1123 checks written
here where it does not (and for `time`, whose jsonschema fallback is draft
3's). An operation (Op) is its merged parameters, its body per media type
with the encoding of form fields, and its security requirement.
"""

import datetime
import json
import math
import os
import re
import sys
import urllib.parse

import jsonschema
import yaml
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

PCHAR_SAFE = "-._~!$&'()*+,;=:@/%"
CLAIMED_FORMATS = (
    "date", "date-time", "time", "duration", "email", "idn-email",
    "hostname", "ipv4", "ipv6", "uri", "uri-reference", "uuid", "byte",
    "binary", "password", "int32", "int64", "float", "double")

sys.setrecursionlimit(20000)

# ---- YAML 1.2 core schema (src/spec/yaml.c reads YAML this way) ----


class CoreLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Plain scalars: null, bool, int, float of the YAML 1.2 core schema."""


CoreLoader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in (
        ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
         "-+0123456789"),
        ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)"
         r"(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
         "-+0123456789.")):
    CoreLoader.add_implicit_resolver("tag:yaml.org,2002:" + _tag,
                                     re.compile(_rx), list(_first) +
                                     ([""] if _tag == "null" else []))


def _core_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


CoreLoader.add_constructor("tag:yaml.org,2002:int", _core_int)


def string_keys(node):
    if isinstance(node, dict):
        return {str(k): string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [string_keys(v) for v in node]
    return node


def load_document(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".json"):
        return json.loads(data)
    return string_keys(yaml.load(data, Loader=CoreLoader))


def walk_pointer(doc, pointer):
    node = doc
    if pointer in ("", "/"):
        return node
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


# ---- formats: the ones the generator claims ----

RFC3339_TIME = re.compile(
    r"^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$")
RFC3339_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DUR_DATE = r"(?:\d+Y(?:\d+M(?:\d+D)?)?|\d+M(?:\d+D)?|\d+D)"
DUR_TIME = r"T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S)"
DURATION = re.compile(
    r"^P(?:%s(?:%s)?|%s|\d+W)$" % (DUR_DATE, DUR_TIME, DUR_TIME))
BASE64 = re.compile(
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_date(s):
    m = RFC3339_DATE.match(s)
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def is_time(s):
    m = RFC3339_TIME.match(s)
    if not m:
        return False
    hour, minute, sec = int(m[1]), int(m[2]), int(m[3])
    if m[4] and (int(m[5]) > 23 or int(m[6]) > 59):
        return False
    return hour <= 23 and minute <= 59 and sec <= 60


def is_date_time(s):
    parts = re.split(r"[Tt]", s, maxsplit=1)
    return len(parts) == 2 and is_date(parts[0]) and is_time(parts[1])


def is_hostname(s):
    if not s or len(s.rstrip(".")) > 253:
        return False
    return all(HOST_LABEL.match(label) for label in s.rstrip(".").split("."))


def is_uri_reference(s):
    return URI_CHARS.match(s) is not None


def is_uri(s):
    return is_uri_reference(s) and URI_SCHEME.match(s) is not None


def number_in(lo, hi, integral):
    def check(x):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return True
        if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
            return False
        if integral and x != int(x):
            return False
        return lo <= x <= hi
    return check


def make_format_checker():
    have = [f for f in CLAIMED_FORMATS
            if f in FormatChecker.checkers and f != "time"]
    fc = FormatChecker(formats=have)
    own = {
        "date": is_date, "date-time": is_date_time, "time": is_time,
        "duration": lambda s: DURATION.match(s) is not None,
        "hostname": is_hostname, "uri": is_uri,
        "uri-reference": is_uri_reference,
        "byte": lambda s: BASE64.match(s) is not None,
        "binary": lambda s: True, "password": lambda s: True,
        "email": lambda s: "@" in s, "idn-email": lambda s: "@" in s,
    }
    for name, fn in own.items():
        if name not in fc.checkers:
            fc.checks(name)(
                lambda x, fn=fn: not isinstance(x, str) or fn(x))
    numeric = {
        "int32": number_in(-2**31, 2**31 - 1, True),
        "int64": number_in(-2**63, 2**63 - 1, True),
        "float": number_in(-3.4028234663852886e38, 3.4028234663852886e38,
                           False),
        "double": number_in(-sys.float_info.max, sys.float_info.max, False),
    }
    for name, fn in numeric.items():
        fc.checks(name)(fn)
    return fc


FORMAT_CHECKER = make_format_checker()

# ---- the spec and its schemas as plain JSON Schema ----

MAP_KEYS = ("properties", "patternProperties", "definitions", "$defs",
            "dependentSchemas")
ONE_KEYS = ("additionalProperties", "additionalItems", "not", "contains",
            "propertyNames", "if", "then", "else", "unevaluatedProperties",
            "unevaluatedItems", "contentSchema")
LIST_KEYS = ("allOf", "anyOf", "oneOf", "prefixItems")
DROP_KEYS = ("discriminator", "xml", "externalDocs", "example", "examples",
             "nullable", "x-nullable", "$id", "$schema", "id")
SWAGGER_PARAM_KEYS = (
    "type", "format", "items", "enum", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "multipleOf", "x-nullable")


class Spec:
    """One spec: its documents, dialect, and translated schemas."""

    def __init__(self, path):
        self.path = os.path.realpath(path)
        self.docs = {}
        self.root = self.doc(self.path)
        if "swagger" in self.root:
            self.dialect = "2.0"
        elif str(self.root.get("openapi", "3.0")).startswith("3.1"):
            self.dialect = "3.1"
        else:
            self.dialect = "3.0"
        is_31 = self.dialect == "3.1"
        self.validator_cls = Draft202012Validator if is_31 else Draft4Validator
        self.defs_key = "$defs" if is_31 else "definitions"
        self.defs = {}
        self.ref_names = {}
        self.validators = {}
        self.limits = []  # adapter limitations met (unresolvable refs)

    def doc(self, path):
        if path not in self.docs:
            self.docs[path] = load_document(path)
        return self.docs[path]

    def resolve(self, ref, file):
        """(node, file) a $ref points to."""
        target, _, frag = ref.partition("#")
        if target:
            file = os.path.realpath(
                os.path.join(os.path.dirname(file),
                             urllib.parse.unquote(target)))
        node = walk_pointer(self.doc(file), urllib.parse.unquote(frag))
        return node, file

    def deref(self, node, file):
        """Follows $ref chains of non-schema objects."""
        for _ in range(32):
            if not (isinstance(node, dict) and
                    isinstance(node.get("$ref"), str)):
                break
            node, file = self.resolve(node["$ref"], file)
        return node, file

    # -- schema translation --

    def ref_name(self, ref, file):
        try:
            target, tfile = self.resolve(ref, file)
        except (KeyError, IndexError, ValueError, OSError, TypeError):
            self.limits.append("unresolvable $ref %s" % ref)
            return None
        key = (tfile, ref.partition("#")[2])
        name = self.ref_names.get(key)
        if name is None:
            name = "r%d" % len(self.ref_names)
            self.ref_names[key] = name
            self.defs[name] = {}
            self.defs[name] = self.schema(target, tfile)
        return name

    def schema(self, node, file):
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = self.ref_name(ref, file)
            out = {"$ref": "#/%s/%s" % (self.defs_key, name)} if name else {}
            if self.dialect != "3.1":
                return out
            rest = self.keywords({k: v for k, v in node.items()
                                  if k != "$ref"}, file)
            rest.update(out)
            return rest
        return self.keywords(node, file)

    def keywords(self, node, file):
        out = {}
        for k, v in node.items():
            if k in DROP_KEYS or (k == "type" and v == "file"):
                continue
            if k in MAP_KEYS and isinstance(v, dict):
                out[k] = {n: self.schema(s, file) for n, s in v.items()}
            elif k in LIST_KEYS and isinstance(v, list):
                out[k] = [self.schema(s, file) for s in v]
            elif k == "items" and isinstance(v, list):
                out[k] = [self.schema(s, file) for s in v]
            elif k in ONE_KEYS + ("items",) and isinstance(v, (dict, bool)):
                out[k] = self.schema(v, file)
            elif k == "dependencies" and isinstance(v, dict):
                out[k] = {n: self.schema(s, file) if isinstance(
                    s, (dict, bool)) else s for n, s in v.items()}
            elif k == "required" and not isinstance(v, list):
                continue  # draft 3's boolean `required`
            else:
                out[k] = v
        self.nullable(node, out)
        self.drop_read_only(node, out, file)
        return out

    def nullable(self, node, out):
        if self.dialect == "3.1":
            return
        if node.get("nullable") is not True and not (
                self.dialect == "2.0" and node.get("x-nullable") is True):
            return
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            out["type"] = t + ["null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]

    def is_read_only(self, node, file):
        try:
            node, _ = self.deref(node, file)
        except (KeyError, IndexError, ValueError, OSError, TypeError):
            return False
        return isinstance(node, dict) and node.get("readOnly") is True

    def drop_read_only(self, node, out, file):
        props = node.get("properties")
        if not isinstance(out.get("required"), list) or not isinstance(
                props, dict):
            return
        out["required"] = [r for r in out["required"] if not (
            r in props and self.is_read_only(props[r], file))]

    # -- validators over the shared definitions --

    def validator(self, schema):
        key = id(schema)
        v = self.validators.get(key)
        if v is None:
            root = {self.defs_key: self.defs, "allOf": [schema]}
            v = (self.validator_cls(root, format_checker=FORMAT_CHECKER),
                 schema)
            self.validators[key] = v
        return v[0]

    def errors(self, schema, value):
        """The oracle's error messages for value (empty: valid)."""
        try:
            errs = list(self.validator(schema).iter_errors(value))
        except Exception as e:  # a schema the adapter could not express
            return [("adapter", "validator raised %s: %s" %
                     (type(e).__name__, e))]
        out = []
        for e in errs:
            leaf = best_leaf(e)
            out.append(("format" if leaf.validator == "format" else
                        "schema", "%s at %s (schema %s)" % (
                            leaf.message[:300],
                            "/" + "/".join(str(p) for p in leaf.absolute_path),
                            "/".join(str(p) for p in leaf.absolute_schema_path))))
        return out

    def is_valid(self, schema, value):
        return not self.errors(schema, value)

    def target(self, schema):
        """schema with $refs into the definitions followed."""
        for _ in range(64):
            if not isinstance(schema, dict) or "$ref" not in schema:
                break
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.defs.get(name, {})
        return schema if isinstance(schema, dict) else {}


def best_leaf(error):
    """The most telling error below error (for anyOf / oneOf)."""
    if not error.context:
        return error
    return jsonschema.exceptions.best_match([error]) or error


# ---- an operation of the spec, as the oracle reads it ----

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def base_type(media):
    return media.split(";", 1)[0].strip().lower() if media else ""


def is_json_type(media):
    t = base_type(media)
    return t == "application/json" or t.endswith("+json")


def type_accepts(accepted, ct):
    a = base_type(accepted)
    return a == ct or a == "*/*" or (a.endswith("/*") and
                                     ct.startswith(a[:-1]))


class Param:
    def __init__(self, name, where, required, schema, style, explode,
                 allow_reserved, is_content):
        self.name, self.where, self.required = name, where, required
        self.schema, self.style, self.explode = schema, style, explode
        self.allow_reserved, self.is_content = allow_reserved, is_content


class Body:
    """A request body: whether required, the accepted media types, and per
    media type (lower case, no parameters) its schema (None: any) and the
    style and explode of each form field."""

    def __init__(self, required, accepted):
        self.required, self.accepted, self.media = required, accepted, {}


class Op:
    """Parameters, body and security of one operation."""

    def __init__(self, spec, method, template):
        self.spec = spec
        item, ifile = spec.deref(spec.root["paths"][template], spec.path)
        node, nfile = spec.deref(item[method.lower()], ifile)
        self.node = node
        self.params = []
        self.body = None
        raws = {}
        for plist, pfile in ((item.get("parameters"), ifile),
                             (node.get("parameters"), nfile)):
            for raw in plist or []:
                p, f = spec.deref(raw, pfile)
                if isinstance(p, dict) and "name" in p and "in" in p:
                    raws[(p["name"], p["in"])] = (p, f)
        if spec.dialect == "2.0":
            self.swagger_params(list(raws.values()))
        else:
            for p, f in raws.values():
                self.params.append(self.oas_param(p, f))
            self.oas_body(node, nfile)
        self.security = node["security"] if "security" in node else \
            spec.root.get("security")
        self.template_rx = path_regex(template)

    def oas_param(self, p, f):
        where = p["in"]
        style = p.get("style", {"path": "simple", "query": "form",
                                "header": "simple", "cookie": "form"}
                      .get(where, "simple"))
        explode = p.get("explode", style == "form")
        schema, is_content = p.get("schema"), False
        if schema is None and isinstance(p.get("content"), dict):
            media = list(p["content"].values())
            schema = media[0].get("schema") if media else None
            is_content = True
        return Param(p["name"], where, where == "path" or
                     p.get("required") is True,
                     self.spec.schema(schema if schema is not None else {}, f),
                     style, explode, p.get("allowReserved") is True,
                     is_content)

    def oas_body(self, node, nfile):
        if "requestBody" not in node:
            return
        rb, rfile = self.spec.deref(node["requestBody"], nfile)
        content = rb.get("content") or {}
        self.body = Body(rb.get("required") is True, list(content))
        for mtype, m in content.items():
            m = m if isinstance(m, dict) else {}
            enc = {}
            for name, e in (m.get("encoding") or {}).items():
                style = e.get("style", "form")
                enc[name] = (style, e.get("explode", style == "form"))
            self.body.media[base_type(mtype)] = (
                self.spec.schema(m["schema"], rfile) if "schema" in m
                else None, enc)

    def swagger_param(self, p, f):
        where = p["in"]
        fmt = p.get("collectionFormat", "csv")
        style, explode = "simple", False
        if where in ("query", "formData"):
            style, explode = {"csv": ("form", False), "multi": ("form", True),
                              "ssv": ("spaceDelimited", False),
                              "tsv": ("tabDelimited", False),
                              "pipes": ("pipeDelimited", False)}.get(
                                  fmt, ("form", False))
        elif fmt != "csv":
            style = "other"
        raw = {k: p[k] for k in SWAGGER_PARAM_KEYS if k in p}
        return Param(p["name"], where, where == "path" or
                     p.get("required") is True, self.spec.schema(raw, f),
                     style, explode, False, False)

    def swagger_params(self, raws):
        consumes = self.node.get("consumes") or self.spec.root.get(
            "consumes") or []
        form_props, form_required, enc = {}, [], {}
        for p, f in raws:
            if p["in"] == "body":
                schema = self.spec.schema(p.get("schema", {}), f)
                accepted = consumes or ["application/json"]
                self.body = Body(p.get("required") is True, accepted)
                self.body.media = {base_type(t): (schema, {})
                                   for t in accepted}
            elif p["in"] == "formData":
                fp = self.swagger_param(p, f)
                form_props[p["name"]] = fp.schema
                enc[p["name"]] = (fp.style, fp.explode)
                if fp.required:
                    form_required.append(p["name"])
            else:
                self.params.append(self.swagger_param(p, f))
        if form_props and self.body is None:
            schema = {"type": "object", "properties": form_props}
            if form_required:
                schema["required"] = form_required
            accepted = list(dict.fromkeys(list(consumes) + list(FORM_TYPES)))
            self.body = Body(bool(form_required), accepted)
            self.body.media = {base_type(t): (schema, enc) for t in accepted}

    def base_path(self):
        root = self.spec.root
        if self.spec.dialect == "2.0":
            return (root.get("basePath") or "").rstrip("/")
        servers = root.get("servers") or []
        if not servers or not isinstance(servers[0], dict):
            return ""
        url = str(servers[0].get("url", ""))
        for name, var in (servers[0].get("variables") or {}).items():
            url = url.replace("{%s}" % name, str(var.get("default", "")))
        return urllib.parse.urlsplit(url).path.rstrip("/")


def path_regex(template):
    rx = ""
    for part in re.split(r"(\{[^}]*\})", template):
        if part.startswith("{") and part.endswith("}"):
            rx += "([^/]*)"
        else:
            rx += re.escape(urllib.parse.quote(part, safe=PCHAR_SAFE))
    names = re.findall(r"\{([^}]*)\}", template)
    return re.compile("^(.*?)" + rx + "$"), names
