#!/usr/bin/env python3
"""report_check.py - structural checks of apifuzz's reports, for
tests/t_reports.sh. Prints one line per problem; exit 0 when none.

  report_check.py junit FILE [--cases N]
      JUnit XML as the Apache Ant schema (JUnit.xsd) lays it out, the
      shape CI systems read: <testsuites> of <testsuite> (name, tests,
      failures, errors, time, timestamp, hostname, id, package;
      <properties> first, <system-out> and <system-err> last) of
      <testcase> (name, classname, time) with a <failure> (message, type;
      the text holds the curl reproduction) or <skipped>, or passing; the
      counts agree with the elements; N test cases in all.
  report_check.py sarif FILE [--results N]
      SARIF 2.1.0: the properties the OASIS schema requires (version
      "2.1.0", runs, tool.driver.name, rule ids, result messages), the
      enums and types of the ones apifuzz writes (level, ruleIndex in
      range and naming ruleId's rule, physicalLocation with an
      artifactLocation uri and a region startLine >= 1); also validated
      against a subset of the schema with python3-jsonschema when it is
      installed. N results in all.
  report_check.py coverage FILE.json SPEC
      every operation of SPEC (OpenAPI 3 or Swagger 2, YAML or JSON) is a
      row of the API coverage JSON, with the derived columns.
"""

import json
import re
import sys
import xml.etree.ElementTree as ET

problems = []


def bad(msg):
    problems.append(msg)


def need_attrs(el, names, where):
    for n in names:
        if el.get(n) is None:
            bad("%s: no attribute '%s'" % (where, n))


def int_attr(el, name, where):
    try:
        v = int(el.get(name, ""))
        if v < 0:
            raise ValueError
        return v
    except ValueError:
        bad("%s: %s=%r is not a count" % (where, name, el.get(name)))
        return -1


def check_suite(s, k):
    where = "testsuite %d" % k
    need_attrs(s, ("name", "tests", "failures", "errors", "time",
                   "timestamp", "hostname", "id", "package"), where)
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
                        s.get("timestamp", "")):
        bad("%s: timestamp %r is not ISO 8601 without a zone"
            % (where, s.get("timestamp")))
    kids = [c.tag for c in s]
    if not kids or kids[0] != "properties":
        bad("%s: <properties> does not come first: %s" % (where, kids))
    if kids[-2:] != ["system-out", "system-err"]:
        bad("%s: <system-out>, <system-err> do not end it: %s"
            % (where, kids))
    cases = s.findall("testcase")
    if set(kids) - {"properties", "testcase", "system-out", "system-err"}:
        bad("%s: unexpected children %s" % (where, sorted(set(kids))))
    failures = skipped = 0
    for j, c in enumerate(cases):
        w = "%s testcase %d" % (where, j)
        need_attrs(c, ("name", "classname", "time"), w)
        if len(c) > 1 or any(k.tag not in ("failure", "skipped") for k in c):
            bad(w + ": children other than one <failure> or <skipped>")
        for f in c.findall("failure"):
            failures += 1
            need_attrs(f, ("message", "type"), w + " failure")
            if "curl " not in (f.text or ""):
                bad(w + ": the failure text holds no curl reproduction")
        skipped += len(c.findall("skipped"))
    if int_attr(s, "tests", where) != len(cases):
        bad("%s: tests=%s but %d test cases" % (where, s.get("tests"),
                                                len(cases)))
    if int_attr(s, "failures", where) != failures:
        bad("%s: failures=%s but %d failures" % (where, s.get("failures"),
                                                 failures))
    if int_attr(s, "skipped", where) != skipped:
        bad("%s: skipped=%s but %d skipped" % (where, s.get("skipped"),
                                               skipped))
    return len(cases)


def check_junit(path, n_cases):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        bad("%s: not well-formed XML: %s" % (path, e))
        return
    if root.tag != "testsuites":
        bad("root element is <%s>, not <testsuites>" % root.tag)
        return
    total = 0
    for k, s in enumerate(root):
        if s.tag != "testsuite":
            bad("<testsuites> holds <%s>" % s.tag)
            continue
        total += check_suite(s, k)
    if int_attr(root, "tests", "testsuites") != total:
        bad("testsuites: tests=%s but %d test cases" % (root.get("tests"),
                                                        total))
    if n_cases is not None and total != n_cases:
        bad("%d test cases, expected %d" % (total, n_cases))


# A subset of sarif-schema-2.1.0.json: the required properties and the
# types and enums of the properties apifuzz writes.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/$defs/run"}},
    },
    "$defs": {
        "message": {"type": "object", "anyOf": [{"required": ["text"]},
                                               {"required": ["id"]}],
                    "properties": {"text": {"type": "string"}}},
        "run": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"],
                         "properties": {"driver": {
                             "type": "object", "required": ["name"],
                             "properties": {
                                 "name": {"type": "string"},
                                 "version": {"type": "string"},
                                 "rules": {"type": "array", "items": {
                                     "type": "object", "required": ["id"],
                                     "properties": {
                                         "id": {"type": "string"},
                                         "shortDescription": {
                                             "$ref": "#/$defs/message"}}}}}}}},
                "results": {"type": "array",
                            "items": {"$ref": "#/$defs/result"}}}},
        "result": {
            "type": "object", "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/$defs/message"},
                "locations": {"type": "array", "items": {
                    "type": "object", "properties": {"physicalLocation": {
                        "type": "object", "properties": {
                            "artifactLocation": {
                                "type": "object",
                                "properties": {"uri": {"type": "string"},
                                               "uriBaseId": {
                                                   "type": "string"}}},
                            "region": {"type": "object", "properties": {
                                "startLine": {"type": "integer",
                                              "minimum": 1}}}}}}}},
                "partialFingerprints": {
                    "type": "object",
                    "additionalProperties": {"type": "string"}},
                "properties": {"type": "object"}}},
    },
}


def check_result(r, rules, k):
    where = "result %d" % k
    text = r.get("message", {}).get("text")
    if not isinstance(text, str) or not text.strip():
        bad(where + ": no message.text")
    elif "curl " not in text:
        bad(where + ": the message holds no curl reproduction")
    idx = r.get("ruleIndex")
    if not isinstance(idx, int) or not 0 <= idx < len(rules):
        bad("%s: ruleIndex %r out of range" % (where, idx))
    elif rules[idx].get("id") != r.get("ruleId"):
        bad("%s: ruleIndex names rule %r, ruleId is %r"
            % (where, rules[idx].get("id"), r.get("ruleId")))
    if r.get("level") not in ("none", "note", "warning", "error"):
        bad("%s: level %r" % (where, r.get("level")))
    locs = r.get("locations", [])
    if not locs:
        bad(where + ": no location")
    for loc in locs:
        pl = loc.get("physicalLocation", {})
        uri = pl.get("artifactLocation", {}).get("uri")
        line = pl.get("region", {}).get("startLine")
        if not isinstance(uri, str) or not uri:
            bad(where + ": a location without artifactLocation.uri")
        if not isinstance(line, int) or line < 1:
            bad("%s: region.startLine %r" % (where, line))


def check_sarif(path, n_results):
    try:
        log = json.load(open(path))
    except (OSError, ValueError) as e:
        bad("%s: not JSON: %s" % (path, e))
        return
    try:
        import jsonschema
        cls = getattr(jsonschema, "Draft202012Validator",
                      jsonschema.Draft7Validator)
        for e in cls(SARIF_SUBSET).iter_errors(log):
            bad("schema: %s at %s" % (e.message, list(e.absolute_path)))
    except ImportError:
        pass
    if log.get("version") != "2.1.0" or "sarif" not in log.get("$schema",
                                                               ""):
        bad("version / $schema are not SARIF 2.1.0's")
    runs = log.get("runs")
    if not isinstance(runs, list) or not runs:
        bad("no runs")
        return
    total = 0
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            bad("a run without tool.driver.name")
        rules = driver.get("rules", [])
        ids = [r.get("id") for r in rules]
        if len(set(ids)) != len(ids) or not all(ids):
            bad("rule ids missing or repeated: %s" % ids)
        for k, r in enumerate(run.get("results", [])):
            check_result(r, rules, total + k)
        total += len(run.get("results", []))
    if n_results is not None and total != n_results:
        bad("%d results, expected %d" % (total, n_results))


METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")


def spec_operations(path):
    text = open(path).read()
    if path.endswith(".json"):
        doc = json.loads(text)
    else:
        import yaml
        doc = yaml.safe_load(text)
    ops = set()
    for p, item in (doc.get("paths") or {}).items():
        for m in METHODS:
            if isinstance(item, dict) and m in item:
                ops.add((m.upper(), p))
    return ops


def check_coverage(path, spec):
    try:
        cov = json.load(open(path))
    except (OSError, ValueError) as e:
        bad("%s: not JSON: %s" % (path, e))
        return
    rows = {(o.get("method"), o.get("path")): o
            for o in cov.get("operations", [])}
    want = spec_operations(spec)
    if not want:
        bad("%s lists no operation" % spec)
    for op in sorted(want - set(rows)):
        bad("operation %s %s of the spec is not in the report" % op)
    for op in sorted(set(rows) - want):
        bad("operation %s %s of the report is not in the spec" % op)
    for key, o in rows.items():
        for field in ("calls", "documented", "documented_seen",
                      "documented_not_seen", "undocumented_seen",
                      "parameters", "body_properties", "checks_ran",
                      "failed_checks"):
            if field not in o:
                bad("%s %s: no '%s'" % (key[0], key[1], field))
    t = cov.get("totals", {})
    if t.get("operations") != len(want):
        bad("totals.operations %r, the spec has %d" % (t.get("operations"),
                                                       len(want)))


def main(argv):
    if len(argv) < 2 or argv[0] not in ("junit", "sarif", "coverage"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, path, rest = argv[0], argv[1], argv[2:]
    count = int(rest[1]) if len(rest) == 2 and rest[0] in (
        "--cases", "--results") else None
    if kind == "junit":
        check_junit(path, count)
    elif kind == "sarif":
        check_sarif(path, count)
    else:
        if not rest:
            print("report_check.py coverage FILE.json SPEC", file=sys.stderr)
            return 2
        check_coverage(path, rest[0])
    for p in problems:
        print("%s: %s" % (kind, p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
