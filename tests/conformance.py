#!/usr/bin/env python3
"""conformance.py - the independent oracle of issue 3 (acceptance 2 and 3).

Runs `apifuzz gen SPEC -n N --seed S --mixed` for every spec and judges
each generated call with python3-jsonschema, never with apifuzz's own
validator:

  positive calls: every parameter value in *_params validates against the
  parameter's schema, required parameters are present, the body validates
  against the schema of its media type (JSON bodies as JSON; form and
  multipart bodies parsed back field by field), the Content-Type is one
  the operation accepts, the credentials satisfy the operation's security,
  and the rendered path, query, headers and cookies parse back to the
  values in *_params (path style simple, query form with or without
  explode, header simple, cookie form; other styles and objects are only
  checked as values). Target: all pass.

  negative calls whose violation is not soft: the request is invalid: a
  parameter fails its schema (judged on the wire where the style can be
  parsed back: a wrong type whose text is still valid is no violation), a
  required parameter or body is missing, the body fails its schema or is
  not JSON, the Content-Type is not accepted, or no security alternative
  is satisfied. Target: at least 99%; every exception is listed.

The adapter turns the spec's schemas into plain JSON Schema: OpenAPI 3.0
and Swagger 2.0 are draft 4 (Draft4Validator: boolean exclusive bounds as
written) with nullable / x-nullable adding "null" to `type` and to
`enum`; OpenAPI 3.1 is 2020-12 (Draft202012Validator). $refs (also into
other files of the spec's folder) become one shared definitions table, so
recursion is kept; for 3.0 and 2.0 the siblings of a $ref are ignored.
readOnly properties are not required in requests; discriminator and other
annotations are dropped; Swagger `type: file` accepts anything. Formats are
checked for the formats the generator claims (date, date-time, time,
duration, email, idn-email, hostname, ipv4, ipv6, uri, uri-reference, uuid,
byte, binary, password, int32, int64, float, double): jsonschema's
checkers where it has them (RFC 3339 ones written here when it lacks them,
and `time` always, since jsonschema's fallback is draft 3's HH:MM:SS).
YAML is read with the YAML 1.2 core schema, as src/spec/yaml.c does.

Credentials: gen runs with APIFUZZ_AUTH naming the values the oracle then
expects (bearer, basic, apikey; a scheme's own name first).

Exit status: 0 targets met, 1 not (the first failing calls are listed
with the oracle's error), 2 usage errors.
"""

import argparse
import base64
import datetime
import ipaddress
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.parse

import jsonschema
import yaml
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

AUTH = "bearer=oracle-token;basic=oracle:secret;apikey=oracle-key"
IGNORED_HEADERS = ("accept", "content-type", "authorization")
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


class Op:
    """Parameters, body and security of one operation."""

    def __init__(self, spec, method, template):
        self.spec = spec
        item, ifile = spec.deref(spec.root["paths"][template], spec.path)
        node, nfile = spec.deref(item[method.lower()], ifile)
        self.node = node
        self.params = []
        self.body = None  # (required, {media: schema}, accepted types)
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
        media = {}
        for mtype, m in content.items():
            m = m if isinstance(m, dict) else {}
            media[base_type(mtype)] = (self.spec.schema(m["schema"], rfile)
                                       if "schema" in m else None)
        self.body = (rb.get("required") is True, media, list(content))

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
        form_props, form_required = {}, []
        for p, f in raws:
            if p["in"] == "body":
                schema = self.spec.schema(p.get("schema", {}), f)
                accepted = consumes or ["application/json"]
                self.body = (p.get("required") is True,
                             {base_type(t): schema for t in accepted},
                             accepted)
            elif p["in"] == "formData":
                form_props[p["name"]] = self.swagger_param(p, f).schema
                if p.get("required") is True:
                    form_required.append(p["name"])
            else:
                self.params.append(self.swagger_param(p, f))
        if form_props and self.body is None:
            schema = {"type": "object", "properties": form_props}
            if form_required:
                schema["required"] = form_required
            accepted = list(dict.fromkeys(list(consumes) + list(FORM_TYPES)))
            self.body = (bool(form_required),
                         {base_type(t): schema for t in accepted}, accepted)

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


# ---- judging one call ----

MISSING = object()
INVALID_KINDS = ("param", "missing-param", "body", "missing-body",
                 "malformed", "content-type", "security", "format", "schema")


class PairsDict(dict):
    """A JSON object that remembers its members in order, duplicates too."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


def has_duplicate_keys(value):
    if isinstance(value, PairsDict):
        if len(value.pairs) != len(value):
            return True
        return any(has_duplicate_keys(v) for v in value.values())
    if isinstance(value, list):
        return any(has_duplicate_keys(v) for v in value)
    return False


def unquote(text):
    return urllib.parse.unquote(text, errors="surrogateescape")


def candidates(text):
    """The values a server may read from a text on the wire."""
    out = [text]
    try:
        v = json.loads(text)
        if not isinstance(v, str):
            out.append(v)
    except ValueError:
        pass
    if text == "":
        out.append(None)
    return out


def text_equal(text, value):
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if value is None:
        return text in ("", "null")
    if isinstance(value, int):
        return text == str(value)
    if isinstance(value, float):
        try:
            return float(text) == value
        except ValueError:
            return False
    return text == value


def auth_value(name, generic):
    items = [i.split("=", 1) for i in AUTH.split(";") if "=" in i]
    for key in (name, generic):
        for k, v in items:
            if k.strip().lower() == key.lower():
                return v
    return None


class Checker:
    """The oracle's findings on one call: (kind, message) pairs."""

    def __init__(self, spec, op, call):
        self.spec, self.op, self.call = spec, op, call
        self.is_positive = call["mode"] == "positive"
        self.out = []
        headers = call["headers"]
        self.headers = list(getattr(headers, "pairs", headers.items()))
        self.query = []
        for item in call["query"].split("&") if call["query"] else []:
            name, _, value = item.partition("=")
            self.query.append((unquote(name), value))
        self.cookies = []
        for _, v in self.header_values("cookie"):
            for item in v.split(";"):
                name, _, value = item.strip().partition("=")
                self.cookies.append((name, value))
        self.captures = self.match_path()

    def add(self, kind, message):
        self.out.append((kind, message))

    def header_values(self, name):
        return [(n, v) for n, v in self.headers if n.lower() == name]

    def match_path(self):
        rx, names = self.op.template_rx
        m = rx.match(self.call["path"])
        if m is None:
            self.add("serial", "path %r does not match the template" %
                     self.call["path"])
            return {}
        if m.group(1) != self.op.base_path():
            self.add("serial", "base path %r, the spec says %r" %
                     (m.group(1), self.op.base_path()))
        return dict(zip(names, m.groups()[1:]))

    def run(self):
        for p in self.op.params:
            if not (p.where == "header" and p.name.lower() in
                    IGNORED_HEADERS):
                self.check_param(p)
        self.check_security()
        self.check_body()
        return self.out

    # -- parameters --

    def kind_of(self, schema):
        t = self.spec.target(schema)
        types = t.get("type")
        types = [types] if isinstance(types, str) else types or []
        if "array" in types and "object" not in types or (
                not types and "items" in t):
            return "array"
        if "object" in types or (not types and "properties" in t):
            return "object"
        return "primitive"

    def wire(self, p):
        """The parameter as sent: a text, a list of texts, MISSING, or
        None when its style is not parsed back here."""
        kind = self.kind_of(p.schema)
        if kind == "object" or p.is_content or p.allow_reserved:
            return None
        if p.where == "path":
            if p.style != "simple":
                return None
            raw = self.captures.get(p.name)
            if raw is None:
                return MISSING
            if kind == "array":
                return [unquote(x) for x in raw.split(",")] if raw else []
            return unquote(raw)
        if p.where == "query":
            if p.style != "form":
                return None
            values = [v for n, v in self.query if n == p.name]
            if not values:
                return MISSING
            if kind != "array":
                return unquote(values[-1])
            if p.explode:
                return [unquote(v) for v in values]
            return [unquote(x) for x in values[-1].split(",")]
        if p.where == "header":
            values = self.header_values(p.name.lower())
            if p.style != "simple":
                return None
            if not values:
                return MISSING
            text = values[-1][1]
            if kind == "array":
                return [unquote(x) for x in text.split(",")]
            return text
        if p.where == "cookie" and p.style == "form" and kind != "array":
            values = [v for n, v in self.cookies if n == p.name]
            return unquote(values[-1]) if values else MISSING
        return None

    def mismatch(self, p, wire, value):
        if wire is MISSING:
            return None if value == [] else "not found in the request"
        if isinstance(value, list):
            if not isinstance(wire, list):
                return "sent %r" % (wire,)
            if value == [] and wire in ([], [""]):
                return None
            if len(wire) != len(value) or not all(
                    self.text_same(p, t, v) for t, v in zip(wire, value)):
                return "sent %r" % (wire,)
            return None
        if isinstance(value, dict) or isinstance(wire, list):
            return None if isinstance(value, dict) else "sent %r" % (wire,)
        return None if self.text_same(p, wire, value) else "sent %r" % wire

    @staticmethod
    def text_same(p, text, value):
        if text_equal(text, value):
            return True
        return p.where == "header" and text_equal(unquote(text), value)

    def best(self, schema, cands):
        for c in cands:
            if self.spec.is_valid(schema, c):
                return c
        return cands[0]

    def wire_valid(self, p, wire):
        if wire is MISSING:
            return not p.required
        if isinstance(wire, list):
            items = self.spec.target(p.schema).get("items", {})
            items = items if isinstance(items, (dict, bool)) else {}
            value = [self.best(items, candidates(t)) for t in wire]
            return self.spec.is_valid(p.schema, value) or (
                wire == [""] and self.spec.is_valid(p.schema, []))
        return any(self.spec.is_valid(p.schema, c) for c in candidates(wire))

    def check_param(self, p):
        bag = self.call.get(p.where + "_params", {})
        if p.name not in bag:
            if p.required:
                self.add("missing-param", "required %s parameter %r absent"
                         % (p.where, p.name))
            return
        value = bag[p.name]
        errors = self.spec.errors(p.schema, value)
        wire = self.wire(p)
        what = "%s parameter %r = %s" % (p.where, p.name,
                                         json.dumps(value)[:200])
        if self.is_positive:
            for kind, msg in errors:
                self.add(kind if kind != "schema" else "param",
                         "%s: %s" % (what, msg))
            if wire is not None:
                why = self.mismatch(p, wire, value)
                if why is not None:
                    self.add("serial", "%s: %s" % (what, why))
        elif errors and (wire is None or not self.wire_valid(p, wire)):
            self.add("param", "%s: %s" % (what, errors[0][1]))
        elif errors:
            self.add("wire-valid", "%s: %s, but the wire text %r is valid"
                     % (what, errors[0][1], wire))

    # -- security --

    def scheme_ok(self, name):
        schemes = (self.spec.root.get("securityDefinitions")
                   if self.spec.dialect == "2.0" else
                   (self.spec.root.get("components") or {}).get(
                       "securitySchemes")) or {}
        if name not in schemes:
            return True  # an undefined scheme: nothing to check
        s, _ = self.spec.deref(schemes[name], self.spec.path)
        kind = str(s.get("type", "")).lower()
        auth = [v for _, v in self.header_values("authorization")]
        if kind == "apikey":
            want = auth_value(name, "apikey")
            key, where = s.get("name", ""), s.get("in")
            if where == "header":
                return any(v == want for _, v in
                           self.header_values(str(key).lower()))
            if where == "query":
                return any(n == key and unquote(v) == want
                           for n, v in self.query)
            return any(n == key and unquote(v) == want
                       for n, v in self.cookies)
        scheme = str(s.get("scheme", "")).lower()
        if kind == "basic" or (kind == "http" and scheme == "basic"):
            token = base64.b64encode(auth_value(name, "basic").encode())
            return "Basic " + token.decode() in auth
        if kind in ("mutualtls",):
            return True
        if kind == "http" and scheme not in ("bearer", ""):
            want = auth_value(name, "bearer")
            return any(v.lower().startswith(scheme + " ") and
                       v.endswith(" " + want) for v in auth)
        return "Bearer " + auth_value(name, "bearer") in auth

    def check_security(self):
        alts = self.op.security
        if not alts:
            return
        for alt in alts:
            if isinstance(alt, dict) and all(self.scheme_ok(n) for n in alt):
                return
        self.add("security", "no security alternative satisfied (%s)" %
                 " or ".join("+".join(a) or "{}" for a in alts
                             if isinstance(a, dict)))

    # -- body --

    def check_body(self):
        call, body = self.call, self.op.body
        media = call.get("media_type")
        if body is None:
            if media is not None:
                self.add("serial", "a body sent to an operation without one")
            return
        required, schemas, accepted = body
        if media is None:
            if required:
                self.add("missing-body", "the required body is absent")
            return
        cts = self.header_values("content-type")
        ct = base_type(cts[-1][1]) if cts else ""
        if not any(type_accepts(a, ct) for a in accepted):
            self.add("content-type", "Content-Type %r is not one of %s"
                     % (ct, accepted))
            return
        key = base_type(media)
        if key not in schemas:
            key = next((k for k in schemas if type_accepts(k, ct)), None)
        schema = schemas.get(key)
        if schema is None:
            return
        self.check_body_value(schema, media, cts[-1][1])

    def check_body_value(self, schema, media, ct_header):
        body = self.call["body"]
        violation = self.call.get("violation") or {}
        if is_json_type(media):
            if violation.get("kind") == "malformed_body" and \
                    isinstance(body, str):
                try:
                    body = json.loads(body)
                except ValueError:
                    self.add("malformed", "the body is not JSON: %r"
                             % body[:80])
                    return
            if has_duplicate_keys(body):
                self.add("body", "the JSON body repeats a member name")
            value = body
        elif base_type(media) == FORM_TYPES[0]:
            value = self.form_object(schema, parse_form(body))
        elif base_type(media).startswith("multipart/"):
            m = re.search(r"boundary=([^;]+)", ct_header)
            fields = parse_multipart(body, m.group(1) if m else "")
            value = self.form_object(schema, fields)
        else:
            value = self.best(schema, candidates(body))
        for kind, msg in self.spec.errors(schema, value):
            self.add(kind if kind != "schema" else "body",
                     "body: %s" % msg)

    def props_of(self, schema, out, depth=0):
        t = self.spec.target(schema)
        if depth > 8:
            return out
        for name, sub in (t.get("properties") or {}).items():
            out.setdefault(name, sub)
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in t.get(key) or []:
                self.props_of(branch, out, depth + 1)
        return out

    def form_object(self, schema, fields):
        """The object a server reads from form fields: each value the
        first reading that fits its property's schema."""
        props = self.props_of(schema, {})
        extra = self.spec.target(schema).get("additionalProperties", {})
        grouped = {}
        for name, cands in fields:
            grouped.setdefault(name, []).append(cands)
        obj = {}
        for name, occs in grouped.items():
            sub = props.get(name, extra if isinstance(extra, dict) else {})
            if self.kind_of(sub) == "array":
                items = self.spec.target(sub).get("items", {})
                items = items if isinstance(items, (dict, bool)) else {}
                value = [self.best(items, c) for c in occs]
                if value == [""] and self.spec.is_valid(sub, []):
                    value = []
                obj[name] = value
            else:
                obj[name] = self.best(sub, occs[-1])
        return obj


def parse_form(body):
    fields = []
    for item in body.split("&") if body else []:
        name, _, value = item.partition("=")
        fields.append((urllib.parse.unquote_plus(name),
                       candidates(urllib.parse.unquote_plus(value))))
    return fields


def parse_multipart(body, boundary):
    fields = []
    if not boundary:
        return fields
    for part in body.split("--" + boundary)[1:]:
        if part.startswith("--"):
            break
        head, _, content = part.lstrip("\r\n").partition("\r\n\r\n")
        if content.endswith("\r\n"):
            content = content[:-2]
        m = re.search(r'name="([^"]*)"', head)
        ctm = re.search(r"(?im)^content-type:\s*([^\r\n;]+)", head)
        ptype = ctm.group(1).strip().lower() if ctm else "text/plain"
        if is_json_type(ptype):
            cands = [x for x in candidates(content) if x is not content][:1] \
                or [content]
        elif ptype.startswith("text/"):
            cands = candidates(content)
        else:
            cands = [content]
        fields.append((unquote(m.group(1)) if m else "", cands))
    return fields
