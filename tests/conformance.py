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
  values in *_params (path simple, label, matrix; query form,
  spaceDelimited, pipeDelimited; header simple; cookie form; objects,
  deepObject, content and allowReserved parameters are checked as values
  only). Target: all pass.

  negative calls whose violation is not soft: the request is invalid: a
  parameter fails its schema (judged on the wire where the style can be
  parsed back: a wrong type whose text is still valid is no violation), a
  required parameter or body is missing, the body fails its schema or is
  not JSON, the Content-Type is not accepted, or no security alternative
  is satisfied. Target: at least 99%; every exception is listed with its
  class.

Form and multipart bodies are read as a server would: deepObject keys
nest, delimited styles split, and each field's text takes the first
reading (string, JSON value, empty object or array for "") that fits its
schema. OpenAPI 3.x header parameters named Accept, Content-Type or
Authorization are ignored, as the specification says (not in Swagger 2.0).
How schemas become plain JSON Schema (nullable, exclusive bounds, $refs,
readOnly, formats) is in conformance_spec.py.

Credentials: gen runs with APIFUZZ_AUTH naming the values the oracle then
expects (bearer, basic, apikey; a scheme's own name first).

Exit status: 0 targets met, 1 not (the first failing calls are listed
with the oracle's error), 2 usage errors.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

from conformance_spec import (FORM_TYPES, Op, Spec, base_type, is_json_type,
                              type_accepts)

AUTH = "bearer=oracle-token;basic=oracle:secret;apikey=oracle-key"
IGNORED_HEADERS = ("accept", "content-type", "authorization")

# Spec bugs: a *required* value that no value satisfies, so no call that
# reaches it can be positive. apifuzz leaves out optional members and
# parameters whose schema is unsatisfiable (src/gen/unsat.c) but must send
# required ones; a positive call failing only there is counted as a spec
# bug, not as a generator failure. Each entry: (spec label, instance
# pointer in the body or parameter the oracle reports, why the spec is
# invalid there). A listed entry that no call hits is printed (it depends
# on N and the seed, so it does not fail the run).
SPEC_BUGS = (
    ("real-world-specs/rebilly.com__-__2.1.json", "/name",
     "RebillyProcessorMpis.name is required with enum [RebillySandboxMpi] "
     "under allOf MpiName, whose enum lacks that value"),
)


def spec_bug(label, findings):
    """The SPEC_BUGS entry explaining every finding, else None."""
    for spec, ptr, why in SPEC_BUGS:
        if label.endswith(spec) and findings and all(
                k in ("body", "param") and " at %s (" % ptr in m
                for k, m in findings):
            return (spec, ptr, why)
    return None


# ---- judging one call ----

MISSING = object()
QUERY_DELIMS = {"form": ",", "spaceDelimited": r"%20|\+| ",
                "pipeDelimited": r"%7C|\|", "tabDelimited": r"%09"}
DELIM_TEXT = {r"%20|\+| ": " ", r"%7C|\|": "|", r"%09": "\t"}
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


def text_of(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


def header_decode(text):
    """A header value as sent: the renderer percent-encodes only what a
    header cannot hold (control bytes, spaces at either end)."""
    def one(m):
        c = int(m.group(1), 16)
        at_end = m.start() == 0 or m.end() == len(text)
        return chr(c) if c < 0x20 or c == 0x7f or (c == 0x20 and at_end) \
            else m.group(0)
    return re.sub(r"%([0-9A-Fa-f]{2})", one, text)


def auth_value(name, generic):
    items = [i.split("=", 1) for i in AUTH.split(";") if "=" in i]
    for key in (name, generic):
        for k, v in items:
            if k.strip().lower() == key.lower():
                return v
    return None


class Checker:
    """The oracle's findings on one call: (kind, message) pairs."""

    def __init__(self, spec, op, call, stats=None):
        self.spec, self.op, self.call = spec, op, call
        self.stats = stats if stats is not None else {}
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

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

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
            # OpenAPI 3.x: header parameters named Accept, Content-Type or
            # Authorization SHALL be ignored (Swagger 2.0 has no such rule).
            if not (p.where == "header" and p.name.lower() in
                    IGNORED_HEADERS and self.spec.dialect != "2.0"):
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
        None when its style is not parsed back here (objects, content,
        allowReserved, deepObject, exploded label arrays)."""
        kind = self.kind_of(p.schema)
        if kind == "object" or p.is_content or p.allow_reserved:
            return None
        read = {"path": self.wire_path, "query": self.wire_query,
                "header": self.wire_header, "cookie": self.wire_cookie}
        return read[p.where](p, kind) if p.where in read else None

    def split(self, raw, delim, decode=unquote):
        """Array items of a delimited text; the whole text is kept too, as
        items holding the delimiter make the split ambiguous."""
        self.joined = (decode(raw), DELIM_TEXT.get(delim, delim))
        return [decode(x) for x in re.split(delim, raw, flags=re.I)] \
            if raw else []

    def wire_path(self, p, kind):
        raw = self.captures.get(p.name)
        if raw is None:
            return MISSING
        sep = ","
        if p.style == "label":
            if not raw.startswith(".") or (kind == "array" and p.explode):
                return raw if not raw.startswith(".") else None
            raw = raw[1:]
        elif p.style == "matrix":
            pairs = [x.partition("=") for x in raw.split(";")[1:]]
            if not pairs or any(unquote(n) != p.name for n, _, _ in pairs):
                return raw
            if kind == "array" and p.explode:
                return [unquote(v) for _, _, v in pairs] if pairs[0][1] \
                    else []
            raw = pairs[-1][2]
        elif p.style != "simple":
            return None
        return self.split(raw, sep) if kind == "array" else unquote(raw)

    def wire_query(self, p, kind):
        delim = QUERY_DELIMS.get(p.style)
        if delim is None:
            return None
        values = [v for n, v in self.query if n == p.name]
        if not values:
            return MISSING
        if kind != "array":
            self.alts = [unquote(v) for v in values]
            return unquote(values[-1])
        if p.style == "form" and p.explode:
            return [unquote(v) for v in values]
        return self.split(values[-1], delim)

    def wire_header(self, p, kind):
        values = [v for _, v in self.header_values(p.name.lower())]
        if p.style != "simple":
            return None
        if not values:
            return MISSING
        if kind == "array":
            return self.split(values[-1], ",", lambda x: x)
        self.alts = values
        return values[-1]

    def wire_cookie(self, p, kind):
        if p.style != "form":
            return None
        values = [v for n, v in self.cookies if n == p.name]
        if not values:
            return MISSING
        if kind != "array":
            self.alts = [unquote(v) for v in values]
            return self.alts[-1]
        if p.explode:
            return [unquote(v) for v in values]
        return self.split(values[-1], ",")

    def mismatch(self, p, wire, value):
        if wire is MISSING:
            return None if value == [] else "not found in the request"
        if isinstance(value, list):
            if not isinstance(wire, list):
                return "sent %r" % (wire,)
            if value == [] and wire in ([], [""]):
                return None
            if len(wire) == len(value) and all(
                    self.text_same(p, t, v) for t, v in zip(wire, value)):
                return None
            if self.joined and all(isinstance(v, (str, int, bool))
                                   for v in value) and self.text_same(
                    p, self.joined[0], self.joined[1].join(
                        text_of(v) for v in value)):
                return None  # an item holds the delimiter: compare whole
            return "sent %r" % (wire,)
        if isinstance(value, dict) or isinstance(wire, list):
            return None if isinstance(value, dict) else "sent %r" % (wire,)
        # A parameter named as an apiKey credential is sent twice.
        if any(self.text_same(p, t, value) for t in self.alts or [wire]):
            return None
        return "sent %r" % wire

    @staticmethod
    def text_same(p, text, value):
        if text_equal(text, value):
            return True
        return p.where == "header" and (
            text_equal(header_decode(text), value) or
            text_equal(unquote(text), value))

    def best(self, schema, cands):
        for c in cands:
            if self.spec.is_valid(schema, c):
                return c
        return cands[0]

    def wire_valid(self, p, wire):
        if wire is MISSING:
            return not p.required
        if isinstance(wire, list):
            items = self.items_of(p.schema)
            value = [self.best(items, candidates(t)) for t in wire]
            return self.spec.is_valid(p.schema, value) or (
                wire == [""] and self.spec.is_valid(p.schema, []))
        return any(self.spec.is_valid(p.schema, c) for c in candidates(wire))

    def check_param(self, p):
        self.alts = self.joined = None
        bag = self.call.get(p.where + "_params", {})
        if p.name not in bag:
            if p.required:
                self.add("missing-param", "required %s parameter %r absent"
                         % (p.where, p.name))
            return
        value = bag[p.name]
        errors = self.spec.errors(p.schema, value)
        wire = self.wire(p)
        self.count("values only" if wire is None else "parsed back")
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
        if media is None:
            if body.required:
                self.add("missing-body", "the required body is absent")
            return
        cts = self.header_values("content-type")
        ct = base_type(cts[-1][1]) if cts else ""
        if not any(type_accepts(a, ct) for a in body.accepted):
            self.add("content-type", "Content-Type %r is not one of %s"
                     % (ct, body.accepted))
            return
        key = base_type(media)
        if key not in body.media:
            key = next((k for k in body.media if type_accepts(k, ct)), None)
        schema, enc = body.media.get(key, (None, {}))
        if schema is None:
            self.count("bodies without schema")
        else:
            self.check_body_value(schema, enc, media, cts[-1][1])

    def check_body_value(self, schema, enc, media, ct_header):
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
            self.count("JSON bodies")
        elif "json" in base_type(media) and isinstance(body, str):
            try:  # text/json and kin: JSON text, sent as a string
                value = json.loads(body, object_pairs_hook=PairsDict)
            except ValueError:
                self.add("malformed", "the %s body is not JSON: %r"
                         % (media, body[:80]))
                return
        elif base_type(media) == FORM_TYPES[0]:
            value = self.form_object(schema, enc, parse_form(body))
            self.count("form bodies")
        elif base_type(media).startswith("multipart/"):
            m = re.search(r"boundary=([^;]+)", ct_header)
            fields = parse_multipart(body, m.group(1) if m else "")
            value = self.form_object(schema, enc, fields)
            self.count("multipart bodies")
        else:
            value = self.best(schema, candidates(body))
            self.count("other bodies")
        for kind, msg in self.spec.errors(schema, value):
            self.add(kind if kind != "schema" else "body",
                     "body: %s" % msg)

    # -- form and multipart bodies, read back as a server would --

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

    def sub_schema(self, schema, props, name):
        if name in props:
            return props[name]
        extra = self.spec.target(schema).get("additionalProperties", {})
        return extra if isinstance(extra, (dict, bool)) else {}

    def items_of(self, schema, depth=0):
        """The items schema of an array schema, also found in a branch of
        allOf / anyOf / oneOf."""
        t = self.spec.target(schema)
        if isinstance(t.get("items"), (dict, bool)):
            return t["items"]
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in t.get(key) or [] if depth < 8 else []:
                items = self.items_of(branch, depth + 1)
                if items != {}:
                    return items
        return {}

    def form_object(self, schema, enc, fields):
        """The object a server reads from the fields: deepObject keys
        (name[a][b]) nest, delimited styles split, and each value is the
        first reading of its text that fits its schema."""
        props = self.props_of(schema, {})
        tree = {}
        for name, occ in fields:
            keys = [name]
            m = re.match(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$", name)
            if m and name not in props and (
                    m.group(1) in props or
                    enc.get(m.group(1), ("",))[0] == "deepObject"):
                keys = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]",
                                                 m.group(2))
            node = tree
            for k in keys[:-1]:
                if not isinstance(node.get(k), dict):
                    node[k] = {}
                node = node[k]
            leaf = node.setdefault(keys[-1], [])
            if isinstance(leaf, list):
                leaf.append(occ)
        return {k: self.read(self.sub_schema(schema, props, k), node,
                             enc.get(k, ("form", True)))
                for k, node in tree.items()}

    def read(self, schema, node, style):
        if isinstance(node, list):
            return self.read_leaf(schema, node, style)
        props = self.props_of(schema, {})
        out = {k: self.read(self.sub_schema(schema, props, k), child,
                            ("form", True)) for k, child in node.items()}
        if not out or not all(k.isdigit() for k in out):
            return out
        # Indexed keys (name[0][x]) are an array of objects.
        items = self.items_of(schema)
        as_list = [self.read(items, node[k], ("form", True))
                   for k in sorted(node, key=int)]
        readings = [as_list, out] if self.kind_of(schema) == "array" \
            else [out, as_list]
        return self.best(schema, readings)

    def read_leaf(self, schema, occs, style):
        last = occs[-1]
        parts = occs
        delim = {"spaceDelimited": r"%20|\+| ", "pipeDelimited": r"%7C|\|",
                 "tabDelimited": r"%09"}.get(style[0])
        if delim is None and style[0] == "form" and not style[1]:
            delim = ","
        if delim and len(occs) == 1 and last[0] is not None:
            parts = [(x, candidates(urllib.parse.unquote_plus(x)))
                     for x in re.split(delim, last[0], flags=re.I)]
        items = self.items_of(schema)
        as_array = [self.best(items, o[1]) for o in parts]
        scalar = list(last[1])
        if "" in scalar:
            scalar += [{}, []]
        if self.kind_of(schema) == "array":
            readings = [as_array] + scalar
        else:
            readings = scalar + [as_array]
        return self.best(schema, readings)


def parse_form(body):
    """(name, (raw value, candidate values)) per field."""
    fields = []
    for item in body.split("&") if body else []:
        name, _, value = item.partition("=")
        fields.append((urllib.parse.unquote_plus(name),
                       (value, candidates(urllib.parse.unquote_plus(value)))))
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
            try:
                cands = [json.loads(content)]
            except ValueError:
                cands = [content]
        elif ptype.startswith("text/"):
            cands = candidates(content)
        else:
            cands = [content]
        fields.append((unquote(m.group(1)) if m else "", (None, cands)))
    return fields


# ---- running gen over the specs ----


class Result:
    def __init__(self, label):
        self.label = label
        self.pos = self.pos_ok = self.neg = self.neg_ok = 0
        self.soft = self.pos_format = self.unjudged = 0
        self.serial_neg = 0
        self.pos_fail = []  # (label, call, findings)
        self.neg_fail = []
        self.note = None  # why the spec was not run
        self.is_error = False
        self.limits = []
        self.stats = {}
        self.spec_bugs = {}  # SPEC_BUGS entry -> calls


def judge(spec, ops, call, res):
    key = (call["method"], call["path_template"])
    if key not in ops:
        ops[key] = Op(spec, *key)
    findings = Checker(spec, ops[key], call, res.stats).run()
    kinds = {k for k, _ in findings}
    if call["mode"] == "positive":
        res.pos += 1
        if not findings:
            res.pos_ok += 1
        elif kinds == {"adapter"}:
            res.unjudged += 1
        elif spec_bug(res.label, findings):
            bug = spec_bug(res.label, findings)
            res.spec_bugs[bug] = res.spec_bugs.get(bug, 0) + 1
        else:
            res.pos_format += kinds == {"format"}
            res.pos_fail.append((res.label, call, findings))
        return
    if (call.get("violation") or {}).get("soft"):
        res.soft += 1
        return
    res.neg += 1
    if kinds & set(INVALID_KINDS):
        res.neg_ok += 1
        res.serial_neg += "serial" in kinds
    else:
        res.neg_fail.append((res.label, call, findings))


def run_spec(args, path, label, must_load):
    res = Result(label)
    env = dict(os.environ, APIFUZZ_AUTH=AUTH)
    cmd = [args.bin, "gen", path, "-n", str(args.n), "--seed",
           str(args.seed), "--mixed"]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        res.note, res.is_error = "gen timed out", True
        return res
    err = proc.stderr.decode(errors="replace").strip().splitlines()
    if proc.returncode != 0:
        res.note = "gen exit %d: %s" % (proc.returncode,
                                        err[-1] if err else "")
        res.is_error = proc.returncode != 2 or must_load
        return res
    try:
        spec = Spec(path)
    except Exception as e:  # the oracle cannot read what gen could
        res.note, res.is_error = "oracle cannot load: %s" % e, True
        return res
    ops = {}
    for line in proc.stdout.decode().split("\n"):
        if not line:
            continue
        call = json.loads(line, object_pairs_hook=PairsDict)
        try:
            judge(spec, ops, call, res)
        except Exception as e:
            res.unjudged += 1
            res.limits.append("%s %s: oracle error %s: %s" % (
                call["method"], call["path_template"], type(e).__name__, e))
    res.limits.extend(sorted(set(spec.limits)))
    return res


def spec_list(args):
    """(path, label, must_load) of every spec to check."""
    out = []
    ok = args.ok_dir
    for name in sorted(os.listdir(ok)) if os.path.isdir(ok) else []:
        if name.endswith((".json", ".yaml", ".yml")):
            out.append((os.path.join(ok, name), "ok/" + name, True))
    td = args.testdata
    if not td or not os.path.isdir(td):
        return out
    dirs = [os.path.join(td, "openapi-examples", d)
            for d in ("v2.0", "v3.0", "v3.1", "learn-openapis")]
    dirs += [os.path.join(td, "schemathesis-example"),
             os.path.join(td, "real-world-specs")]
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            subdirs[:] = sorted(s for s in subdirs
                                if s != "petstore-separate")
            for name in sorted(files):
                if name.endswith((".json", ".yaml", ".yml")):
                    path = os.path.join(root, name)
                    out.append((path, os.path.relpath(path, td), False))
    return out


def exception_reason(call, findings):
    """Why a negative call is not rejected, by class."""
    v = call.get("violation") or {}
    ptr = v.get("request_pointer") or ""
    if ptr.startswith("/header/") and ptr[8:].lower() in IGNORED_HEADERS:
        return ("violation on header parameter %s, which OpenAPI ignores "
                "and the renderer never sends" % ptr[8:])
    media = base_type(call.get("media_type") or "")
    if v.get("kind") == "type" and ptr.startswith("/body") and (
            media == FORM_TYPES[0] or media.startswith("multipart/")):
        return "wrong JSON type in a %s body reads back as valid text" % media
    wire = [m for k, m in findings if k == "wire-valid"]
    if wire:
        return "wrong value reads back as valid text: " + wire[0]
    return "the oracle finds the request valid"


def short(call):
    text = json.dumps(call, ensure_ascii=False)
    return text if len(text) <= 1500 else text[:1500] + "...(%d chars)" % \
        len(text)


BODY_KINDS = (("JSON bodies", "JSON"), ("form bodies", "form"),
              ("multipart bodies", "multipart"), ("other bodies", "other"),
              ("bodies without schema", "without schema"))


def report(results, args, elapsed):
    tot = Result("total")
    for r in results:
        for f in ("pos", "pos_ok", "neg", "neg_ok", "soft", "pos_format",
                  "unjudged", "serial_neg"):
            setattr(tot, f, getattr(tot, f) + getattr(r, f))
        tot.pos_fail += r.pos_fail
        tot.neg_fail += r.neg_fail
        for k, v in r.stats.items():
            tot.stats[k] = tot.stats.get(k, 0) + v
        if r.note:
            print("# INFO %s: not checked: %s" % (r.label, r.note))
            continue
        print("# INFO %s: positives %d/%d passed, negatives %d/%d rejected"
              " (%d soft)%s" % (r.label, r.pos_ok, r.pos, r.neg_ok, r.neg,
                               r.soft, ", %d unjudged" % r.unjudged
                               if r.unjudged else ""))
        for lim in r.limits[:5]:
            print("#   adapter: %s" % lim)
    neg_rate = 100.0 * tot.neg_ok / tot.neg if tot.neg else 100.0
    print("# INFO total: %d specs, positives %d/%d passed (%d fail on "
          "format only), negatives %d/%d rejected (%.2f%%, %d soft "
          "skipped), %d unjudged, N=%d seed=%d, %.0f s" % (
              len(results), tot.pos_ok, tot.pos, tot.pos_format, tot.neg_ok,
              tot.neg, neg_rate, tot.soft, tot.unjudged, args.n, args.seed,
              elapsed))
    print("# INFO checked: parameters %d parsed back from the request, %d "
          "as values only (objects, deepObject, content, allowReserved); "
          "bodies %s" % (tot.stats.get("parsed back", 0),
                         tot.stats.get("values only", 0), ", ".join(
                             "%d %s" % (tot.stats.get(k, 0), name)
                             for k, name in BODY_KINDS)))
    classes = {}
    for label, call, findings in tot.neg_fail:
        v = call.get("violation") or {}
        why = exception_reason(call, findings)
        key = re.sub(r"header parameter \S+,", "header parameter X,", why)
        classes[key[:90]] = classes.get(key[:90], 0) + 1
        print("negative not rejected: %s %s: %s at %s: %s" % (
            label, call["operation"], v.get("kind"), v.get("request_pointer"),
            why))
    for why, n in sorted(classes.items(), key=lambda x: -x[1]):
        print("# INFO exceptions: %d x %s" % (n, why))
    bugs = {}
    for r in results:
        for bug, n in r.spec_bugs.items():
            bugs[bug] = bugs.get(bug, 0) + n
    for spec, ptr, why in SPEC_BUGS:
        n = bugs.get((spec, ptr, why), 0)
        print("# INFO spec bug %s at %s: %s" % (spec, ptr, why) +
              (": %d positive calls cannot conform" % n if n else
               ": not hit in this run (listed exception not occurring)"))
    for label, call, findings in tot.pos_fail[:args.max_report]:
        print("positive failed: %s %s" % (label, call["operation"]))
        for kind, msg in findings:
            print("    %s: %s" % (kind, msg))
        print("    call: %s" % short(call))
    errors = [r for r in results if r.is_error]
    for r in errors:
        print("spec failed: %s: %s" % (r.label, r.note))
    n_bugs = sum(bugs.values())
    ok = (not errors and tot.pos_ok + tot.unjudged + n_bugs == tot.pos and
          neg_rate >= 99.0)
    if not ok:
        print("conformance below target: %d positives failed, %d negatives "
              "not rejected, %d specs failed" % (
                  len(tot.pos_fail), len(tot.neg_fail), len(errors)))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the apifuzz binary")
    ap.add_argument("--testdata", default=os.environ.get("APIFUZZ_TESTDATA"))
    ap.add_argument("--ok-dir", default="tests/specs/ok")
    ap.add_argument("-n", type=int, default=200, help="programs per spec")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--max-report", type=int, default=20)
    ap.add_argument("specs", nargs="*", help="only these specs")
    args = ap.parse_args()
    specs = [(p, p, True) for p in args.specs] or spec_list(args)
    start = time.time()
    results = [run_spec(args, p, label, must) for p, label, must in specs]
    return report(results, args, time.time() - start)


if __name__ == "__main__":
    sys.exit(main())
