#!/usr/bin/env python3
"""crosscheck.py - issue 4 acceptance: `apifuzz validate` and
python3-jsonschema agree on instances generated from the real-world specs.

For every real-world spec that `apifuzz gen` loads, `gen SPEC -n N --seed S
--mixed` yields calls (positive and negative); each JSON request body and
each parameter value becomes an instance of the schema it was drawn for,
named by a JSON pointer into the spec (followed through local $refs of
path items, parameters and request bodies). Our verdict comes from one
`apifuzz validate SPEC --pointer PTR INSTANCES.jsonl --direction request`
per (spec, schema) (the dialect follows the document's openapi / swagger
field); python's from jsonschema over the schema translated by
conformance_spec.py (nullable, exclusive bounds, x-nullable, $refs), with
its format checker plus jsonschema's own checkers for the other formats
we assert. OpenAPI 3.1 makes `format` an annotation; there validate runs
with --formats, so both sides assert formats everywhere. Formats we assert
and python cannot check are listed apart.

Exit status: 0 all instances agree and >= --min instances were compared,
1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from jsonschema import FormatChecker

import conformance_spec
from conformance_spec import Spec, base_type, is_json_type

# Formats src/check/format.c asserts (besides conformance_spec's claims).
OUR_FORMATS = (
    "date", "date-time", "time", "duration", "email", "idn-email",
    "hostname", "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference",
    "iri", "iri-reference", "uri-template", "uuid", "json-pointer",
    "relative-json-pointer", "regex", "byte", "binary", "password",
    "int32", "int64", "float", "double")


def extend_format_checker():
    """Adds jsonschema's checkers for the formats we assert that the
    adapter does not claim; returns the formats python cannot check."""
    fc = conformance_spec.FORMAT_CHECKER
    lacking = []
    for name in OUR_FORMATS:
        if name in fc.checkers:
            continue
        if name in FormatChecker.checkers:
            fc.checkers[name] = FormatChecker.checkers[name]
        else:
            lacking.append(name)
    return lacking


def esc(token):
    return token.replace("~", "~0").replace("/", "~1")


class Doc:
    """Pointers into the spec's root document, through local $refs."""

    def __init__(self, spec):
        self.spec, self.root = spec, spec.root

    def follow(self, ptr):
        node = conformance_spec.walk_pointer(self.root, ptr)
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str):
                return ptr, node
            if not ref.startswith("#"):
                raise KeyError("external $ref %s" % ref)
            ptr = ref[1:]
            node = conformance_spec.walk_pointer(self.root, ptr)
        raise KeyError("$ref chain too long at %s" % ptr)

    def operation(self, method, template):
        """(params {(name, in): pointer of its schema}, body {media:
        pointer of its schema}) of one operation."""
        iptr, item = self.follow("/paths/" + esc(template))
        optr, op = self.follow(iptr + "/" + method.lower())
        params, body = {}, {}
        for base, node in ((iptr, item), (optr, op)):
            for i, _ in enumerate(node.get("parameters") or []):
                pptr, p = self.follow("%s/parameters/%d" % (base, i))
                if not isinstance(p, dict) or "in" not in p:
                    continue
                ptr = self.param_schema(pptr, p)
                if p["in"] == "body":
                    for t in (op.get("consumes") or self.root.get(
                            "consumes") or ["application/json"]):
                        body[base_type(t)] = ptr
                elif ptr is not None:
                    params[(p.get("name"), p["in"])] = ptr
        if "requestBody" in op:
            rptr, rb = self.follow(optr + "/requestBody")
            for media, m in (rb.get("content") or {}).items():
                if isinstance(m, dict) and "schema" in m:
                    body[base_type(media)] = "%s/content/%s/schema" % (
                        rptr, esc(media))
        return params, body

    def param_schema(self, pptr, p):
        if "schema" in p:
            return pptr + "/schema"
        if isinstance(p.get("content"), dict) and p["content"]:
            media = next(iter(p["content"]))
            if "schema" in (p["content"][media] or {}):
                return "%s/content/%s/schema" % (pptr, esc(media))
            return None
        if self.spec.dialect == "2.0" and p["in"] != "formData":
            return pptr  # a Swagger 2.0 parameter is its own schema
        return None

    def python_schema(self, ptr, is_swagger_param):
        node = conformance_spec.walk_pointer(self.root, ptr)
        if is_swagger_param:
            node = {k: node[k] for k in conformance_spec.SWAGGER_PARAM_KEYS
                    if k in node}
        return self.spec.schema(node, self.spec.path)


class SpecRun:
    def __init__(self, label):
        self.label = label
        self.note = None
        self.groups = {}  # pointer -> [(instance, mode, origin)]
        self.swagger_param = set()
        self.n = self.agree = 0
        self.disagree = []  # (pointer, instance, ours, python, origin)
        self.format_only = []  # ours invalid on a format python lacks
        self.our_errors = []  # (pointer, message)
        self.skipped = 0


def collect(run, spec, doc, calls):
    ops = {}
    for call in calls:
        key = (call["method"], call["path_template"])
        if key not in ops:
            try:
                ops[key] = doc.operation(*key)
            except (KeyError, IndexError, ValueError, TypeError) as e:
                ops[key] = None
                run.our_errors.append(("%s %s" % key, "pointer: %s" % e))
        if ops[key] is None:
            run.skipped += 1
            continue
        params, body = ops[key]
        origin = "%s %s (%s)" % (key[0], key[1], call["mode"])
        for (name, where), ptr in params.items():
            bag = call.get(where + "_params") or {}
            if name in bag:
                add(run, ptr, bag[name], call, origin + " %s %s" % (
                    where, name), spec.dialect == "2.0" and
                    not ptr.endswith("/schema"))
        media = base_type(call.get("media_type") or "")
        violation = call.get("violation") or {}
        if media and is_json_type(media) and media in body and not (
                violation.get("kind") == "malformed_body"):
            add(run, body[media], call["body"], call, origin + " body",
                False)


def add(run, ptr, value, call, origin, is_swagger_param):
    run.groups.setdefault(ptr, []).append((value, call["mode"], origin))
    if is_swagger_param:
        run.swagger_param.add(ptr)


def ours(bin_path, spec_path, ptr, values, tmpdir, formats):
    """Our verdict per value: (is_valid, line) or an error text."""
    path = os.path.join(tmpdir, "i%d.jsonl" % (abs(hash(ptr)) % 10**12))
    with open(path, "w") as f:
        for v in values:
            f.write(json.dumps(v, ensure_ascii=False) + "\n")
    cmd = [bin_path, "validate", spec_path, "--pointer", "#" + ptr, path,
           "--direction", "request"] + (["--formats"] if formats else [])
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    os.unlink(path)
    lines = proc.stdout.decode(errors="replace").split("\n")[:-1]
    if proc.returncode not in (0, 1) or len(lines) != len(values) + 1:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return "exit %d: %s" % (proc.returncode, err[-1] if err else
                                "%d lines" % len(lines))
    return [(ln == "valid", ln) for ln in lines[:-1]]


def lacking_format_in(line, lacking):
    return any(("format" in line and f in line) for f in lacking)


def judge(args, run, spec, doc, lacking, pool, tmpdir):
    ptrs = sorted(run.groups)
    futures = {p: pool.submit(ours, args.bin, spec.path, p,
                              [v for v, _, _ in run.groups[p]], tmpdir,
                              spec.dialect == "3.1")
               for p in ptrs}
    for ptr in ptrs:
        verdicts = futures[ptr].result()
        items = run.groups[ptr]
        if isinstance(verdicts, str):
            run.our_errors.append((ptr, verdicts))
            run.skipped += len(items)
            continue
        schema = doc.python_schema(ptr, ptr in run.swagger_param)
        for (value, mode, origin), (ok, line) in zip(items, verdicts):
            py = spec.errors(schema, value)
            run.n += 1
            if ok == (not py):
                run.agree += 1
            elif not ok and lacking_format_in(line, lacking):
                run.format_only.append((ptr, value, line, origin))
            else:
                run.disagree.append((ptr, value, line, py, origin))


def calls_of(args, path):
    cmd = [args.bin, "gen", path, "-n", str(args.n), "--seed",
           str(args.seed), "--mixed"]
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return None, "gen exit %d: %s" % (proc.returncode,
                                          err[-1] if err else "")
    return [json.loads(ln) for ln in proc.stdout.decode().split("\n")
            if ln], None


def run_spec(args, path, lacking, pool, tmpdir):
    run = SpecRun(os.path.basename(path))
    calls, run.note = calls_of(args, path)
    if calls is None:
        return run
    try:
        spec = Spec(path)
    except Exception as e:
        run.note = "python cannot load: %s" % e
        return run
    doc = Doc(spec)
    collect(run, spec, doc, calls)
    judge(args, run, spec, doc, lacking, pool, tmpdir)
    return run


def short(value, n=300):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= n else text[:n] + "...(%d chars)" % len(text)


def report(runs, lacking, args, elapsed):
    n = agree = fmt = 0
    for r in runs:
        if r.note:
            print("# INFO %s: not checked: %s" % (r.label, r.note))
            continue
        n, agree, fmt = n + r.n, agree + r.agree, fmt + len(r.format_only)
        print("# INFO %s: instances %d, agree %d, disagree %d%s%s" % (
            r.label, r.n, r.agree, len(r.disagree),
            ", %d on formats python lacks" % len(r.format_only)
            if r.format_only else "",
            ", %d not compared" % r.skipped if r.skipped else ""))
        for ptr, msg in r.our_errors[:args.max_report]:
            print("# INFO   not compared: %s: %s" % (ptr, msg))
        for ptr, value, line, py, origin in r.disagree:
            print("disagree: %s %s: instance %s: ours %s; python %s%s" % (
                r.label, "#" + ptr, short(value),
                "valid" if line == "valid" else "invalid (%s)" % line,
                "valid" if not py else "invalid", " (%s)" % py[0][1]
                if py else ""))
            print("    from %s" % origin)
        for ptr, value, line, origin in r.format_only[:args.max_report]:
            print("# INFO   format python lacks: %s #%s: %s: %s" % (
                r.label, ptr, short(value, 120), line))
    print("# INFO formats we assert that python cannot check: %s" % (
        ", ".join(lacking) or "none"))
    n_bad = sum(len(r.disagree) for r in runs)
    print("# INFO total: %d specs, instances %d, agree %d, disagree %d, "
          "%d on formats python lacks; N=%d seed=%d, %.0f s" % (
              sum(1 for r in runs if not r.note), n, agree, n_bad, fmt,
              args.n, args.seed, elapsed))
    if n_bad or n < args.min:
        print("crosscheck failed: %d disagreements, %d instances (need %d)"
              % (n_bad, n, args.min))
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-report", type=int, default=10)
    ap.add_argument("specs", nargs="*")
    args = ap.parse_args()
    folder = os.path.join(args.testdata, "real-world-specs")
    specs = args.specs or [os.path.join(folder, f) for f in sorted(
        os.listdir(folder)) if f.endswith((".json", ".yaml", ".yml"))]
    lacking = extend_format_checker()
    start = time.time()
    with tempfile.TemporaryDirectory() as tmpdir, \
            ThreadPoolExecutor(args.jobs) as pool:
        runs = [run_spec(args, p, lacking, pool, tmpdir) for p in specs]
    return report(runs, lacking, args, time.time() - start)


if __name__ == "__main__":
    sys.exit(main())
