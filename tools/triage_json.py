"""triage_json.py - FINDINGS/T/triage.json, written by `make triage`
(tools/fuzz.py) and read by `apifuzz report` (src/cli/report.c), which
turns it into JUnit XML and SARIF for CI.

One entry per distinct signature (signature.py), from a replay of its
smallest file:

  {"target": T, "tool": "apifuzz", "findings": [{
     "signature": ..., "count": N, "files": [...], "example": FILE,
     "kind": "check" | "crash" | "none",
     "check": check name or sanitizer kind ("not_a_server_error",
              "undefined-behavior"),
     "operation": "GET /items/{item_id}" or the operationId,
     "message": the headline of the report or the sanitizer's error line,
     "report": the report (check) or crash context + sanitizer report,
               at most REPORT_MAX characters,
     "curl": [the program as curl lines],
     "location": {"file": path under the tree, "line": N} or null,
     "spec_location": {"file": the spec, "line": the operation's line}
                      or null,
     "reproduce": "BIN FILE",
     "minimize": "make minimize TARGET=T CRASH=FILE",
     "repro_c": "CLI repro --c FILE --spec SPEC" (services only)}]}
"""

import json
import os
import re

import signature as sig

REPORT_MAX = 16000
FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in (\S+) (\S+?):(\d+)(?::\d+)?$")
RUNTIME_ERROR = re.compile(r"^(\S+?):(\d+):\d+: runtime error: ")


def _tree_path(path):
    """path relative to the tree when under it (forward slashes)."""
    root = os.getcwd().rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else path


def location(text):
    """The first service frame with a file and line (not a runtime,
    libc or apifuzz's own), else a UBSan "runtime error" place."""
    for line in text.split("\n"):
        m = FRAME.match(line)
        if m and not sig._is_runtime(m.group(1), m.group(2)) and \
                not sig._is_apifuzz(m.group(1), m.group(2)):
            return {"file": _tree_path(m.group(2)), "line": int(m.group(3))}
    for line in text.split("\n"):
        m = RUNTIME_ERROR.match(line)
        if m:
            return {"file": _tree_path(m.group(1)), "line": int(m.group(2))}
    return None


def spec_location(spec, operation):
    """The line of the spec where operation (an operationId, or "METHOD
    /template") is defined: its operationId line, or the method under
    the path; line 1 of the spec when not found; None without a spec."""
    if not spec or not os.path.isfile(spec):
        return None
    try:
        lines = open(spec, encoding="utf-8", errors="replace").readlines()
    except OSError:
        return None
    found = 1
    method, _, path = operation.partition(" ")
    if path.startswith("/"):
        at = [i for i, l in enumerate(lines)
              if re.match(r"""^\s*["']?%s["']?\s*:""" % re.escape(path), l)]
        for i in at[:1]:
            for j in range(i + 1, len(lines)):
                if re.match(r"""^\s*["']?%s["']?\s*:""" % method.lower(),
                            lines[j]):
                    found = j + 1
                    break
    elif operation not in ("", "-"):
        pat = re.compile(r"""["']?operationId["']?\s*:\s*["']?%s["']?\s*,?$"""
                         % re.escape(operation))
        for i, l in enumerate(lines):
            if pat.search(l.strip()):
                found = i + 1
                break
    return {"file": _tree_path(os.path.abspath(spec)), "line": found}


def _check_report(lines):
    """The lines of the first check report ("apifuzz: X failed on ..."
    to its signature line), else []."""
    for i, line in enumerate(lines):
        if re.match(r"^apifuzz: \w+ failed on ", line):
            for j in range(i, len(lines)):
                if lines[j].startswith("apifuzz-signature: "):
                    return lines[i:j + 1]
            return lines[i:]
    return []


def _crash_report(lines):
    """The crash context (curl lines) and the sanitizer's report."""
    keep, on = [], False
    for line in lines:
        if line.startswith(("apifuzz: crash while running", "==")) or \
                ": runtime error: " in line:
            on = True
        if on and not line.startswith(("MS:", "base64:", "artifact_prefix",
                                       "Test unit written")):
            keep.append(line)
        if line.startswith("SUMMARY: "):
            break
    return keep


def _curl(report_lines):
    return [line for line in report_lines if line.startswith("curl ")]


def describe(t, signature, files, text):
    """The entry of one group; text is the replay's stderr."""
    lines = text.split("\n")
    rep = _check_report(lines)
    e = {"signature": signature, "count": len(files),
         "files": [str(f) for f in files], "example": str(files[0]),
         "reproduce": t.repro(files[0]),
         "minimize": "make minimize TARGET=%s CRASH=%s" % (t.name, files[0]),
         "location": location(text)}
    if rep:
        m = re.match(r"^apifuzz: (\w+) failed on (.*)$", rep[0])
        e.update(kind="check", check=m.group(1), operation=m.group(2),
                 message=rep[0][len("apifuzz: "):])
    elif signature and not signature.startswith("("):
        rep = _crash_report(lines)
        parts = signature.split(":")
        err = [line for line in rep if line.startswith("==") and
               "ERROR" in line or ": runtime error: " in line]
        e.update(kind="crash", check=parts[0],
                 operation=parts[1] if len(parts) > 2 else "-",
                 message=(err[0].lstrip("=0123456789 ") if err
                          else "crash: " + signature))
    else:
        e.update(kind="none", check="none", operation="-",
                 message="the file no longer fails when replayed")
    e["spec_location"] = spec_location(t.spec_or_none(), e["operation"])
    if t.is_service() and t.cli:
        e["repro_c"] = "%s repro --c %s --spec %s" % (t.cli, files[0], t.spec)
    e["report"] = "\n".join(rep)[:REPORT_MAX]
    e["curl"] = _curl(rep)
    return e


def write(t, groups, path):
    """Replays the smallest file of each group and writes the JSON."""
    out = []
    for s, files in groups.items():
        _, text = t.replay(files[0])
        out.append(describe(t, s, files, text))
    doc = {"tool": "apifuzz", "target": t.name, "findings": out}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return path
