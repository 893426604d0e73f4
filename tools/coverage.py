#!/usr/bin/env python3
"""coverage.py - API and source coverage of a service target: what
`make coverage TARGET=T` runs (mk/coverage.mk builds the binaries), and
the API table at the end of `make fuzz` (tools/fuzz.py imports this).

  coverage.py --target T --bin BIN [--cov-bin COVBIN] --cli CLI
              --spec SPEC --corpora DIR --work DIR --out DIR

API coverage: the corpus (CORPORA/T/ and the work corpus WORK/T/corpus
of make fuzz) is replayed once by a fuzzer binary with APIFUZZ_STATS
(src/engine/feedback.c writes per-operation statistics at exit); an input
that fails (a finding) ends such a replay, so it is left out and the
replay runs again. The table shows, per operation: calls, documented
responses seen and not seen, undocumented statuses seen, parameters and
documented body properties sent, checks that failed. OUT/T.md and
OUT/T.json keep it.

Source coverage (with --cov-bin, the target built with
-fprofile-instr-generate -fcoverage-mapping, apifuzz itself not
instrumented): the same replay writes LLVM_PROFILE_FILE profiles, which
llvm-profdata merges; llvm-cov writes OUT/T/html/ and OUT/T/summary.txt,
apifuzz's own sources and generated files excluded. Exit status: 0 done,
1 a failed step, 2 a usage error.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signature as sig  # noqa: E402

MAX_TRIES = 6  # replays, each leaving out the inputs that failed before


def say(msg=""):
    print(msg, flush=True)


# ---- replaying a corpus ----

def corpus_inputs(dirs):
    """{SHA-1 of the content: a file holding it} over the folders."""
    inputs = {}
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir()):
            if f.is_file():
                inputs.setdefault(hashlib.sha1(f.read_bytes()).hexdigest(),
                                  f.resolve())
    return inputs


def _replay_once(binary, inputs, excluded, env, tmp):
    """One `BIN -runs=0 DIR` over the inputs not excluded; the SHA-1s of
    the inputs that failed (its crash artifacts), empty when none did."""
    links, arts = Path(tmp) / "in", Path(tmp) / "art"
    shutil.rmtree(links, ignore_errors=True)
    shutil.rmtree(arts, ignore_errors=True)
    links.mkdir()
    arts.mkdir()
    for h, f in inputs.items():
        if h not in excluded:
            (links / h).symlink_to(f)
    p = subprocess.run([binary, "-runs=0", "-timeout=25",
                        "-artifact_prefix=%s/" % arts, str(links)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=env, timeout=1800, check=False)
    failed = {hashlib.sha1(a.read_bytes()).hexdigest()
              for a in arts.iterdir()}
    if p.returncode != 0 and not failed:
        failed = {"?"}  # died without an artifact: nothing to leave out
    return failed


def replay(binary, inputs, env_extra, before_try=None):
    """Replays the inputs with env_extra set until a run ends cleanly;
    returns (replayed, left_out) counts, or None when no run did.
    before_try() is called before each run (to clear its outputs)."""
    env = sig.replay_env()
    env.update(env_extra)
    excluded = set()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(MAX_TRIES):
            if before_try is not None:
                before_try()
            failed = _replay_once(binary, inputs, excluded, env, tmp)
            if not failed:
                return len(inputs) - len(excluded), len(excluded)
            if not failed - excluded or "?" in failed:
                return None
            excluded |= failed
    return None


def api_stats(binary, dirs, work, env_extra=None, scratch=None):
    """The statistics of a replay of the corpus folders (a dict, see
    feedback.c, plus "inputs" and "left_out"), or None. The files in
    folder `scratch` (the profiles a run writes) are removed before each
    run, so they come from the clean one."""
    inputs = corpus_inputs(dirs)
    if not inputs:
        return None
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    stats = work / "stats.json"
    env = dict(env_extra or {})
    env["APIFUZZ_STATS"] = str(stats.resolve())

    def clear():
        if stats.exists():
            stats.unlink()
        for f in Path(scratch).glob("*") if scratch else ():
            f.unlink()
    counts = replay(binary, inputs, env, clear)
    if counts is None:
        return None
    try:
        st = json.loads(stats.read_text())
    except (OSError, ValueError):
        return None
    st["inputs"], st["left_out"] = counts
    return st


# ---- the API table ----

def key_matches(key, status, keys):
    """Whether response key ("200", "4XX", "default") documents status."""
    if key == "default":
        return not any(k != "default" and key_matches(k, status, keys)
                       for k in keys)
    if len(key) == 3 and key[1:].upper() == "XX" and key[0].isdigit():
        return status // 100 == int(key[0])
    return key == str(status)


def checks_ran(op, enabled):
    """The enabled checks that judged some call of op."""
    if op.get("calls", 0) == 0:
        return []
    neg = op.get("negative_calls", 0)
    ran = []
    for c in enabled:
        if c == "negative_data_rejection" and neg == 0:
            continue
        if c == "positive_data_acceptance" and neg == op["calls"]:
            continue
        ran.append(c)
    return ran


def analyse(st):
    """Per operation: the derived columns, added to a copy of its dict."""
    enabled = st.get("checks_enabled", [])
    rows = []
    for o in st.get("operations", []):
        doc, seen = o.get("documented", []), o.get("seen", [])
        r = dict(o)
        r["name"] = o.get("operation_id") or "%s %s" % (o["method"],
                                                        o["path"])
        r["documented_seen"] = [k for k in doc if any(
            key_matches(k, s, doc) for s in seen)]
        r["documented_not_seen"] = [k for k in doc
                                    if k not in r["documented_seen"]]
        r["undocumented_seen"] = [s for s in seen if not any(
            key_matches(k, s, doc) for k in doc)]
        params = o.get("parameters", [])
        props = o.get("body_properties", [])
        r["parameters_sent"] = [p["name"] for p in params if p["calls"]]
        r["parameters_not_sent"] = [p["name"] for p in params
                                    if not p["calls"]]
        r["properties_sent"] = [p["name"] for p in props if p["calls"]]
        r["properties_not_sent"] = [p["name"] for p in props
                                    if not p["calls"]]
        r["checks_ran"] = checks_ran(o, enabled)
        rows.append(r)
    return rows


def totals(rows):
    return {
        "operations": len(rows),
        "reached": sum(1 for r in rows if r.get("calls", 0) > 0),
        "documented": sum(len(r.get("documented", [])) for r in rows),
        "documented_seen": sum(len(r["documented_seen"]) for r in rows),
        "parameters": sum(len(r.get("parameters", [])) for r in rows),
        "parameters_sent": sum(len(r["parameters_sent"]) for r in rows),
        "properties": sum(len(r.get("body_properties", [])) for r in rows),
        "properties_sent": sum(len(r["properties_sent"]) for r in rows),
    }


def _ratio(sent, every):
    return "%d/%d" % (len(sent), len(every)) if every else "-"


def _cells(r):
    """The table's cells of one row, as text."""
    return [r["name"], r["method"], r["path"], str(r.get("calls", 0)),
            " ".join(r["documented_seen"]) or "-",
            " ".join(r["documented_not_seen"]) or "-",
            " ".join(map(str, r["undocumented_seen"])) or "-",
            _ratio(r["parameters_sent"], r.get("parameters", [])),
            _ratio(r["properties_sent"], r.get("body_properties", [])),
            ",".join(r.get("failed_checks", [])) or "-"]


HEADS = ["OPERATION", "METHOD", "PATH", "CALLS", "SEEN", "NOT SEEN",
         "UNDOCUMENTED", "PARAMS", "BODY", "FAILED CHECKS"]
WIDTH_MAX = [28, 7, 34, 8, 18, 18, 14, 7, 7, 40]


def headline(st, rows):
    t = totals(rows)
    return ("API coverage: %d/%d operations, %d/%d documented responses "
            "reached, %d/%d parameters and %d/%d body properties sent "
            "(%d inputs replayed%s)" % (
                t["reached"], t["operations"], t["documented_seen"],
                t["documented"], t["parameters_sent"], t["parameters"],
                t["properties_sent"], t["properties"], st.get("inputs", 0),
                ", %d failing left out" % st["left_out"]
                if st.get("left_out") else ""))


def table_lines(st):
    """The terminal table (the headline first)."""
    rows = analyse(st)
    cells = [_cells(r) for r in rows]
    widths = [min(WIDTH_MAX[i], max([len(HEADS[i])] +
                                    [len(c[i]) for c in cells]))
              for i in range(len(HEADS))]

    def fmt(cs):
        out = []
        for i, c in enumerate(cs):
            if len(c) > widths[i]:
                c = c[:widths[i] - 1] + "~"
            out.append(c.rjust(widths[i]) if i == 3 else c.ljust(widths[i]))
        return ("  " + "  ".join(out)).rstrip()
    lines = [headline(st, rows), fmt(HEADS)]
    lines += [fmt(c) for c in cells]
    enabled = st.get("checks_enabled", [])
    lines.append("  checks enabled: %s" % (", ".join(enabled) or "none"))
    return lines


def print_table(st):
    if st is None:
        say("API coverage: not available (replay of the corpus failed)")
        return
    for line in table_lines(st):
        say(line)


def _md_list(xs):
    return ", ".join("`%s`" % x for x in xs) if xs else "-"


def markdown(target, st):
    rows = analyse(st)
    out = ["# API coverage: %s" % target, "", headline(st, rows)[len(
        "API coverage: "):], "",
        "| " + " | ".join(h.lower() for h in HEADS) + " |",
        "|" + "---|" * len(HEADS)]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|")
                                     for c in _cells(r)) + " |")
    out += ["", "Checks enabled: %s" % _md_list(st.get("checks_enabled",
                                                       [])), ""]
    for r in rows:
        out += ["## %s (`%s %s`)" % (r["name"], r["method"], r["path"]), "",
                "- calls: %d (%d negative)" % (r.get("calls", 0),
                                               r.get("negative_calls", 0)),
                "- documented responses seen: %s" % _md_list(
                    r["documented_seen"]),
                "- documented responses not seen: %s" % _md_list(
                    r["documented_not_seen"]),
                "- undocumented statuses seen: %s" % _md_list(
                    r["undocumented_seen"]),
                "- parameters sent: %s; never sent: %s" % (
                    _md_list(r["parameters_sent"]),
                    _md_list(r["parameters_not_sent"])),
                "- body properties sent: %s; never sent: %s" % (
                    _md_list(r["properties_sent"]),
                    _md_list(r["properties_not_sent"])),
                "- checks ran: %s" % _md_list(r["checks_ran"]),
                "- checks failed: %s" % _md_list(r.get("failed_checks",
                                                       [])), ""]
    return "\n".join(out)


def write_api_reports(target, st, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = analyse(st)
    doc = {"target": target, "inputs": st.get("inputs", 0),
           "left_out": st.get("left_out", 0),
           "checks_enabled": st.get("checks_enabled", []),
           "totals": totals(rows), "operations": rows}
    (out / (target + ".json")).write_text(json.dumps(doc, indent=2) + "\n")
    (out / (target + ".md")).write_text(markdown(target, st))
    return out / (target + ".md"), out / (target + ".json")


# ---- source coverage ----

def llvm_tool(name):
    for cand in (name + "-14", name):
        if shutil.which(cand):
            return cand
    return None


def ignore_regex(folders):
    """llvm-cov's -ignore-filename-regex for these folders of the tree
    (its file names are absolute) and the system headers."""
    root = re.escape(os.getcwd().rstrip("/") + "/")
    alts = []
    for d in folders:
        d = d.rstrip("/")
        alts.append("^" + re.escape(os.path.abspath(d)) + "/" if
                    d.startswith("/") else "^(%s)?%s/" % (root, re.escape(d)))
    return "|".join(alts + ["^/usr/"])


def source_reports(cov_bin, profiles, out, ignore):
    """Merges the profiles and writes out/html and out/summary.txt; the
    summary text, or None (the reason printed) on failure."""
    profdata, cov = llvm_tool("llvm-profdata"), llvm_tool("llvm-cov")
    if profdata is None or cov is None:
        say("source coverage: llvm-profdata / llvm-cov not found "
            "(make deps installs llvm)")
        return None
    raws = sorted(str(p) for p in Path(profiles).glob("*.profraw"))
    if not raws:
        say("source coverage: the replay wrote no profile")
        return None
    merged = Path(out) / "merged.profdata"
    p = subprocess.run([profdata, "merge", "-sparse", "-o", str(merged)]
                       + raws, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        say("source coverage: llvm-profdata failed: " + p.stderr.strip())
        return None
    common = ["-instr-profile=%s" % merged,
              "-ignore-filename-regex=%s" % ignore, cov_bin]
    html = Path(out) / "html"
    shutil.rmtree(html, ignore_errors=True)
    p = subprocess.run([cov, "show", "-format=html", "-output-dir=%s" % html,
                        "-show-line-counts-or-regions"] + common,
                       capture_output=True, text=True, check=False)
    r = subprocess.run([cov, "report"] + common, capture_output=True,
                       text=True, check=False)
    if p.returncode != 0 or r.returncode != 0:
        say("source coverage: llvm-cov failed: " + (p.stderr + r.stderr))
        return None
    (Path(out) / "summary.txt").write_text(r.stdout)
    return r.stdout


# ---- make coverage ----

def seed_dirs(a, work):
    """The corpus folders; seeds from `apifuzz seeds` into the work
    folder when there is no corpus at all."""
    dirs = [d for d in (Path(a.corpora) / a.target,
                        Path(a.work) / a.target / "corpus")
            if d.is_dir() and any(d.iterdir())]
    if dirs:
        return dirs
    seeds = work / "seeds"
    flags = ["--mode", os.environ.get("APIFUZZ_MODE") or "mixed"]
    for env, flag in (("APIFUZZ_MAX_CALLS", "--calls"),
                      ("APIFUZZ_OPERATION", "--operation")):
        if os.environ.get(env):
            flags += [flag, os.environ[env]]
    p = subprocess.run([a.cli, "seeds", a.spec, str(seeds)] + flags,
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        say("make coverage: apifuzz seeds failed:\n" + p.stderr)
        return []
    say("make coverage: no corpus for %s: replaying fresh seeds (%s)"
        % (a.target, p.stdout.strip()))
    return [seeds]


def cmd_coverage(a):
    out = Path(a.out)
    work = Path(a.work) / a.target / "coverage"
    work.mkdir(parents=True, exist_ok=True)
    dirs = seed_dirs(a, work)
    if not dirs:
        return 1
    say("make coverage: %s: replaying %s" % (a.target, " ".join(map(
        str, dirs))))
    env, profiles = {}, work / "profiles"
    if a.cov_bin:
        profiles.mkdir(exist_ok=True)
        env = {"LLVM_PROFILE_FILE": str(profiles.resolve() / "%p.profraw")}
    st = api_stats(a.cov_bin or a.bin, dirs, work, env,
                   profiles if a.cov_bin else None)
    if st is None:
        say("make coverage: the replay of the corpus failed")
        return 1
    print_table(st)
    md, js = write_api_reports(a.target, st, out)
    say("wrote %s and %s" % (md, js))
    if not a.cov_bin:
        return 0
    src_out = out / a.target
    src_out.mkdir(parents=True, exist_ok=True)
    text = source_reports(a.cov_bin, profiles, src_out,
                          ignore_regex(a.exclude.split()))
    if text is None:
        return 1
    say("")
    say("source coverage (llvm-cov report; apifuzz's own sources "
        "excluded):")
    say(text.rstrip())
    say("wrote %s/html/index.html and %s/summary.txt" % (src_out, src_out))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/coverage.py")
    for opt in ("target", "bin", "cov-bin", "cli", "spec", "corpora",
                "work", "out"):
        ap.add_argument("--" + opt, default="")
    ap.add_argument("--exclude", default="src include build",
                    help="folders (of the tree) left out of the report")
    a = ap.parse_args(argv)
    if not a.target or not a.spec:
        print("make coverage: TARGET must be a service target (a folder "
              "with openapi.yaml or openapi.json)", file=sys.stderr)
        return 2
    binary = a.cov_bin or a.bin
    if not os.access(binary, os.X_OK):
        print("make coverage: %s is not built" % binary, file=sys.stderr)
        return 1
    return cmd_coverage(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
