#!/usr/bin/env python3
"""bench_bugs.py - the bug-finding benchmark of the example services
(`make bench-bugs`, mk/bench.mk) and the checks of tests/t_bugs.sh.

  bench_bugs.py bench --target T --runs N --seconds S --out DIR --build O
                      --spec SPEC [--no-afl] [--variants a,b,...]
  bench_bugs.py corpora --target T --build O --spec SPEC
  bench_bugs.py hunt --target T --build O --spec SPEC --seconds S
                     --expect ID,ID,...

bench: every variant RUNS times for SECONDS each, alternating variants
(run 1: all variants, run 2: all, rotated) so machine noise hits all
alike. A variant keeps going after a finding:
- libFuzzer binaries (baseline, nomut, libfuzzer, fixed) are relaunched
  on the corpus they grew until the budget is spent; the crashing run's
  own report is the finding's replay (same binary, same input: what
  `BIN -runs=0 FILE` would print);
- the no-feedback runner reports check failures in-process and is
  restarted with the next seed after a sanitizer crash;
- afl-fuzz keeps going by itself; its crashes are replayed afterwards
  with T_fuzzer -runs=0.
Each finding's signature (signature.py) is matched to fuzz/T/BUGS.md
(match()); the table gives, per planted bug and variant, the runs that
found it and the median time to the first finding, then edges at the
end, exec/s, signatures matching no planted bug, and the false findings
of the complete variant on T_fixed_fuzzer. Written to OUT/bugs-T.md and
OUT/bugs-T.csv; work files under OUT/work/T/.

The apifuzz variants start from `apifuzz seeds SPEC` and use the
dictionary of `apifuzz dict SPEC`; the baseline gets the dictionary and
an empty corpus (what a user has); the no-feedback runner gets neither.

corpora: replays corpora/T-bugs/ID with T_fuzzer and compares each
signature with BUGS.md's for ID; exit 1 on a mismatch.
hunt: the complete libFuzzer variant on T, stopping once the expected
bugs are found; exit 1 when one is missing at the end.
"""

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signature as sig  # noqa: E402

VARIANTS = ("baseline", "nofeedback", "nomut", "libfuzzer", "afl")
LABELS = {"baseline": "plain libFuzzer harness",
          "nofeedback": "apifuzz, no feedback",
          "nomut": "apifuzz, libFuzzer mutations",
          "libfuzzer": "apifuzz complete (libFuzzer)",
          "afl": "apifuzz complete (AFL++)",
          "fixed": "apifuzz complete on the fixed variant"}
CHECK_NAMES = ("not_a_server_error", "status_code_conformance",
               "content_type_conformance", "response_headers_conformance",
               "response_schema_conformance", "negative_data_rejection",
               "positive_data_acceptance", "use_after_free",
               "ensure_resource_availability", "ignored_auth",
               "max_response_time", "deterministic", "unsupported_method",
               "missing_required_header", "malformed_response")
FIVE_XX = re.compile(r"^baseline: 5xx: (\S+) (.*) (\d+)$", re.M)


def say(msg=""):
    print(msg, flush=True)


def die(msg, status=1):
    print("bench-bugs: %s" % msg, file=sys.stderr)
    sys.exit(status)


# ---- BUGS.md and matching ----

class Bug:
    def __init__(self, ident, cls, signature):
        self.id, self.cls, self.signature = ident, cls, signature


def _cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _unquote(cell):
    m = re.search(r"`([^`]+)`", cell)
    text = m.group(1) if m else cell
    return text.replace("apifuzz-signature: ", "").strip()


def parse_bugs(path):
    """The bugs of BUGS.md's table (columns id and "... signature", class
    when there), in order; a signature cell's first `quoted` text."""
    bugs, cols = [], None
    for line in Path(path).read_text().splitlines():
        if not line.lstrip().startswith("|"):
            cols = None if bugs else cols
            continue
        cells = _cells(line)
        low = [c.lower().strip("* ") for c in cells]
        if cols is None:
            sigc = [i for i, c in enumerate(low) if "signature" in c]
            idc = [i for i, c in enumerate(low) if c in ("id", "bug", "#")]
            if sigc and idc:
                cols = (idc[0], sigc[0],
                        low.index("class") if "class" in low else None)
            continue
        if set(line.strip()) <= set("|-: "):
            continue
        if len(cells) <= max(c for c in cols if c is not None):
            continue
        ident = _unquote(cells[cols[0]])
        cls = cells[cols[2]] if cols[2] is not None else ""
        bugs.append(Bug(ident, cls, _unquote(cells[cols[1]])))
    return bugs


def split_sig(s):
    """(check, op, status, schema) of a check's signature, or (kind, op,
    frames) of a crash's; None for neither."""
    head, _, rest = s.partition(":")
    if head in CHECK_NAMES:
        op, _, rest = rest.partition(":")
        status, _, schema = rest.partition(":")
        return ("check", head, op, status, schema)
    if s.count(":") >= 2:
        kind, op, frames = s.split(":", 2)
        return ("crash", kind, op, frames.split(","))
    return None


def match(s, bugs):
    """The id of the planted bug a signature is, or None. A check failure
    is its bug when check, operation and status are the documented ones
    (the schema path may differ: one bug can break a schema in several
    places). A crash is its bug when its kind and its first frame (where
    it happened) are the documented ones; the operation and the deeper
    frames may differ (the same bad read reached another way)."""
    for b in bugs:
        if s == b.signature:
            return b.id
    got = split_sig(s)
    if got is None:
        return None
    cands = []
    for b in bugs:
        want = split_sig(b.signature)
        if want is None or want[0] != got[0]:
            continue
        if got[0] == "check" and want[1:4] == got[1:4]:
            cands.append(b)
        elif got[0] == "crash" and want[1] == got[1] and \
                want[3][:1] == got[3][:1]:
            cands.append(b)
    if len(cands) > 1:
        cands = [b for b in cands if split_sig(b.signature)[2] == got[2]]
    return cands[0].id if len(cands) == 1 else None


# ---- one run of one variant ----

class Run:
    """What one run of a variant found: findings as (seconds, signature,
    file), edges at the end, executions and seconds spent."""

    def __init__(self, variant, index):
        self.variant, self.index = variant, index
        self.findings = []
        self.edges = 0
        self.execs = 0
        self.seconds = 0.0
        self.notes = []

    def execs_per_sec(self):
        return int(self.execs / self.seconds) if self.seconds > 0 else 0


class Ctx:
    """Paths and options shared by every run."""

    def __init__(self, a):
        self.target, self.spec = a.target, a.spec
        b = Path(a.build)
        self.cli = str(b / "release" / "apifuzz")
        self.bins = {
            "baseline": b / "bench" / ("%s_baseline_fuzzer" % a.target),
            "nofeedback": b / "bench" / ("%s_nofeedback" % a.target),
            "nomut": b / "fuzz" / ("%s_nomut_fuzzer" % a.target),
            "libfuzzer": b / "fuzz" / ("%s_fuzzer" % a.target),
            "fixed": b / "fuzz" / ("%s_fixed_fuzzer" % a.target),
            "afl": b / "afl" / ("%s_afl" % a.target)}
        self.afl_lib = b / "afl" / "libapifuzz_afl.so"
        self.work = Path(getattr(a, "out", None) or (b / "bench")) / \
            "work" / a.target
        self.seeds = self.work / "seeds"
        self.dict = self.work / (a.target + ".dict")

    def prepare(self):
        shutil.rmtree(self.work, ignore_errors=True)
        self.seeds.mkdir(parents=True)
        p = subprocess.run([self.cli, "seeds", self.spec, str(self.seeds)],
                           capture_output=True, text=True, check=False)
        if p.returncode != 0:
            die("apifuzz seeds failed:\n" + p.stderr)
        p = subprocess.run([self.cli, "dict", self.spec],
                           capture_output=True, text=True, check=False)
        if p.returncode != 0:
            die("apifuzz dict failed:\n" + p.stderr)
        self.dict.write_text(p.stdout)


def libfuzzer_progress(text):
    """(edges, executions) from a libFuzzer log: the largest cov: and
    the last #N (or the final stats)."""
    edges = execs = 0
    for m in re.finditer(r"^#(\d+)\s.*?\bcov: (\d+)", text, re.M):
        execs, edges = int(m.group(1)), max(edges, int(m.group(2)))
    m = re.search(r"stat::number_of_executed_units: (\d+)", text)
    if m:
        execs = int(m.group(1))
    return edges, execs


STATUS_LINE = re.compile(r"^#\d+\t.*\n?", re.M)


def finding_signature(ctx, variant, text, rc, path):
    """The signature of a libFuzzer run that ended on a finding; its
    progress lines ("#N\tNEW ...") are no stack frames."""
    text = STATUS_LINE.sub("", text)
    if variant == "baseline":
        m = FIVE_XX.search(text)
        if m:
            return "not_a_server_error:%s %s:%s:" % m.groups()
        return sig.signature(text, rc)
    return sig.signature(text, rc, ctx.cli, ctx.spec, path)


def drop_from_corpus(corpus, crash):
    """A crash during the corpus's replay: that input leaves the corpus
    (else every relaunch would stop on it). False when not found."""
    try:
        data = Path(crash).read_bytes()
    except OSError:
        return False
    for f in Path(corpus).iterdir():
        if f.is_file() and f.stat().st_size == len(data) and \
                f.read_bytes() == data:
            f.unlink()
            return True
    return False


def run_libfuzzer(ctx, variant, index, seconds, work, stop=None):
    """A libFuzzer binary relaunched after each finding until `seconds`
    are spent (or stop(findings) says so)."""
    r = Run(variant, index)
    corpus, art = work / "corpus", work / "artifacts"
    corpus.mkdir(parents=True)
    art.mkdir()
    if variant != "baseline":
        for f in ctx.seeds.iterdir():
            shutil.copy(f, corpus / f.name)
    t0, k = time.time(), 0
    while not (stop and stop(r.findings)):
        left = seconds - (time.time() - t0)
        if left < 1:
            break
        cmd = [str(ctx.bins[variant]), "-max_total_time=%d" % math.ceil(left),
               "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1",
               "-seed=%d" % (1000 * index + k + 1), "-dict=%s" % ctx.dict,
               "-artifact_prefix=%s/" % art, str(corpus)]
        k += 1
        try:
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=sig.replay_env(),
                               timeout=left + 120, check=False)
            text, rc = p.stderr.decode("utf-8", "replace"), p.returncode
        except subprocess.TimeoutExpired:
            r.notes.append("relaunch %d hung" % k)
            break
        at = time.time() - t0
        edges, execs = libfuzzer_progress(text)
        r.edges, r.execs = max(r.edges, edges), r.execs + execs
        if rc == 0:
            break
        m = re.search(r"Test unit written to (\S+)", text)
        if m is None:
            r.notes.append("exit %d without a finding: %s" % (
                rc, text.strip().splitlines()[-1:] or ""))
            break
        s = finding_signature(ctx, variant, text, rc, m.group(1))
        r.findings.append((at, s, m.group(1)))
        if "INITED" not in text and not drop_from_corpus(corpus, m.group(1)):
            r.notes.append("the empty input fails: %s" % s)
            break
    r.seconds = min(time.time() - t0, seconds)
    return r


def union_coverage(files):
    seen = None
    for f in files:
        data = f.read_bytes()
        if seen is None:
            seen = bytearray(data)
        for i, b in enumerate(data[:len(seen)]):
            if b:
                seen[i] = 1
    return sum(seen) if seen else 0


def run_nofeedback(ctx, index, seconds, work):
    """The no-feedback runner, restarted with the next seed after each
    sanitizer crash or hang."""
    r = Run("nofeedback", index)
    art = work / "artifacts"
    art.mkdir(parents=True)
    t0, k = time.time(), 0
    while True:
        start = time.time() - t0
        left = seconds - start
        if left < 0.5:
            break
        k += 1
        cmd = [str(ctx.bins["nofeedback"]), "-seed=%d" % (1000003 * index + k),
               "-max_total_time=%.3f" % left, "-artifact_prefix=%s/" % art,
               "-cov_out=%s" % (work / ("cov-%d.bin" % k))]
        try:
            p = subprocess.run(cmd, capture_output=True, env=sig.replay_env(),
                               timeout=left + 60, check=False)
        except subprocess.TimeoutExpired:
            r.notes.append("restart %d hung" % k)
            break
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        for line in out.splitlines():
            w = line.split(" ")
            if line.startswith("nofeedback: finding "):
                r.findings.append((start + float(w[2]), " ".join(w[3:-1]),
                                   w[-1]))
            elif line.startswith(("nofeedback: crash ",
                                  "nofeedback: timeout ")):
                s = ("timeout:-:?" if w[1] == "timeout" else
                     sig.signature(err, p.returncode, ctx.cli, ctx.spec,
                                   w[3]))
                r.findings.append((start + float(w[2]), s, w[3]))
            m = re.match(r"nofeedback: (?:crash|timeout|done)\b.*"
                         r"execs=(\d+)", line)
            if m:
                r.execs += int(m.group(1))
        if p.returncode == 0 or "nofeedback: " not in out:
            if p.returncode != 0:
                r.notes.append("exit %d: %s" % (p.returncode,
                                                 err.strip()[-300:]))
            break
    r.seconds = min(time.time() - t0, seconds)
    r.edges = union_coverage(sorted(work.glob("cov-*.bin")))
    return r


def afl_stats(path):
    kv = {}
    try:
        for line in Path(path).read_text(errors="replace").splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip()
    except OSError:
        pass
    return kv


def replay_edges(ctx, queue):
    """Edges of a queue as T_fuzzer counts them (the libFuzzer variants'
    unit): the largest cov: of replaying it with -runs=0."""
    p = subprocess.run([str(ctx.bins["libfuzzer"]), "-runs=0", str(queue)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=sig.replay_env(), timeout=600, check=False)
    return libfuzzer_progress(p.stderr.decode("utf-8", "replace"))[0]


def run_afl(ctx, index, seconds, work):
    r = Run("afl", index)
    inputs, out = work / "in", work / "out"
    inputs.mkdir(parents=True)
    for f in ctx.seeds.iterdir():
        if f.stat().st_size > 0:
            shutil.copy(f, inputs / f.name)
    if not any(inputs.iterdir()):
        (inputs / "zero").write_bytes(b"\0")
    env = sig.replay_env()
    env.update(AFL_CUSTOM_MUTATOR_LIBRARY=str(ctx.afl_lib.resolve()),
               AFL_CUSTOM_MUTATOR_ONLY="1", AFL_NO_UI="1",
               AFL_SKIP_CPUFREQ="1", AFL_NO_AFFINITY="1",
               AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1", AFL_ALLOW_TMP="1")
    cmd = ["afl-fuzz", "-i", str(inputs), "-o", str(out), "-m", "none",
           "-V", str(seconds), "-s", str(index + 1), "-x", str(ctx.dict),
           "--", str(ctx.bins["afl"])]
    t0 = time.time()
    with open(work / "afl.log", "w") as log:
        p = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                           env=env, timeout=seconds + 300, check=False)
    r.seconds = min(time.time() - t0, seconds)
    if p.returncode != 0:
        r.notes.append("afl-fuzz exited %d (see %s)" % (p.returncode,
                                                         work / "afl.log"))
    st = afl_stats(out / "default" / "fuzzer_stats")
    r.execs = int(st.get("execs_done", "0"))
    r.seconds = float(st.get("run_time", r.seconds)) or r.seconds
    for f in sorted((out / "default" / "crashes").glob("id:*")):
        m = re.search(r",time:(\d+)", f.name)
        s, _ = sig.replay(str(ctx.bins["libfuzzer"]), str(f), ctx.cli,
                          ctx.spec)
        r.findings.append((int(m.group(1)) / 1000 if m else r.seconds,
                           s or "(no failure on replay)", str(f)))
    queue = out / "default" / "queue"
    r.edges = replay_edges(ctx, queue) if queue.is_dir() else 0
    return r


def run_variant(ctx, variant, index, seconds):
    work = ctx.work / ("%s-%d" % (variant, index))
    if variant == "nofeedback":
        return run_nofeedback(ctx, index, seconds, work)
    if variant == "afl":
        return run_afl(ctx, index, seconds, work)
    return run_libfuzzer(ctx, variant, index, seconds, work)


# ---- the table ----

def first_times(run, bugs):
    """{bug id: seconds to its first finding} and the signatures that
    match no planted bug, of one run."""
    firsts, other = {}, set()
    for at, s, _ in run.findings:
        b = match(s, bugs)
        if b is None:
            other.add(s)
        elif b not in firsts or at < firsts[b]:
            firsts[b] = at
    return firsts, other


def fmt_secs(v):
    return "%.0f s" % v if v >= 10 else "%.1f s" % v


def median_or_dash(values, fmt):
    return fmt(statistics.median(values)) if values else "-"


def cell(runs, bug, bugs):
    times = [first_times(r, bugs)[0].get(bug) for r in runs]
    times = [t for t in times if t is not None]
    if not times:
        return "-"
    return "%d/%d, %s" % (len(times), len(runs),
                          fmt_secs(statistics.median(times)))


def table(target, bugs, results, variants, runs_n, seconds):
    """The Markdown table, and the summary lines under it."""
    lines = ["# make bench-bugs: %s, %d run%s x %d s per variant" % (
        target, runs_n, "" if runs_n == 1 else "s", seconds), "",
        "Cells: runs that found the bug / runs, median seconds to its "
        "first finding in those runs.", ""]
    head = ["bug", "class"] + [LABELS[v] for v in variants]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for b in bugs:
        cls = re.sub(r"[`|]", "", b.cls)[:48]
        lines.append("| %s | %s | %s |" % (b.id, cls, " | ".join(
            cell(results[v], b.id, bugs) for v in variants)))

    def row(name, fn):
        lines.append("| %s | | %s |" % (name, " | ".join(
            fn(results[v]) for v in variants)))
    row("**bugs found** (median per run)", lambda rs: median_or_dash(
        [len(first_times(r, bugs)[0]) for r in rs], lambda v: "%g" % v))
    row("edges at the end (median)", lambda rs: median_or_dash(
        [r.edges for r in rs], lambda v: "%g" % v))
    row("exec/s (median)", lambda rs: median_or_dash(
        [r.execs_per_sec() for r in rs], lambda v: "%g" % v))
    row("other signatures (distinct)", lambda rs: str(len(set().union(
        *[first_times(r, bugs)[1] for r in rs]))))
    fixed = results.get("fixed", [])
    lines += ["", "False findings of the complete variant (libFuzzer) on "
              "%s_fixed_fuzzer: %d in %d run%s%s" % (
                  target, sum(len(r.findings) for r in fixed), len(fixed),
                  "" if len(fixed) == 1 else "s",
                  "" if fixed else " (not run)")]
    for s in sorted({f[1] for r in fixed for f in r.findings}):
        lines.append("- `%s`" % s)
    other = {}
    for v in variants:
        for r in results[v]:
            for s in first_times(r, bugs)[1]:
                other.setdefault(s, set()).add(v)
    if other:
        lines += ["", "Signatures matching no planted bug (variants that "
                  "saw them):"]
        for s in sorted(other):
            lines.append("- `%s` (%s)" % (s, ", ".join(sorted(other[s]))))
    notes = ["%s run %d: %s" % (r.variant, r.index + 1, n)
             for v in list(variants) + ["fixed"] for r in results.get(v, [])
             for n in r.notes]
    if notes:
        lines += ["", "Notes:"] + ["- " + n for n in notes]
    return "\n".join(lines) + "\n"


def write_csv(path, target, bugs, results):
    ids = [b.id for b in bugs]
    rows = [",".join(["target", "variant", "run", "seconds", "execs",
                      "execs_per_sec", "edges", "findings", "bugs_found",
                      "other_signatures"] + ["bug_" + i for i in ids])]
    for v, runs in results.items():
        for r in runs:
            firsts, other = first_times(r, bugs)
            rows.append(",".join(
                [target, v, str(r.index + 1), "%.1f" % r.seconds,
                 str(r.execs), str(r.execs_per_sec()), str(r.edges),
                 str(len(r.findings)), str(len(firsts)), str(len(other))] +
                ["%.1f" % firsts[i] if i in firsts else "" for i in ids]))
    Path(path).write_text("\n".join(rows) + "\n")


# ---- commands ----

def bugs_of(target):
    path = Path("fuzz") / target / "BUGS.md"
    if not path.is_file():
        die("%s: no such file" % path, 2)
    bugs = parse_bugs(path)
    if not bugs:
        die("%s: no table with id and signature columns" % path, 2)
    return bugs


def cmd_bench(a):
    bugs = bugs_of(a.target)
    if a.runs < 1 or a.seconds < 1:
        die("RUNS and SECONDS must be positive", 2)
    variants = [v for v in (a.variants.split(",") if a.variants else
                            VARIANTS) if v]
    for v in variants:
        if v not in VARIANTS:
            die("unknown variant %s (one of %s)" % (v, ", ".join(VARIANTS)),
                2)
    if a.no_afl and "afl" in variants:
        variants.remove("afl")
        say("bench-bugs: afl-fuzz is not installed: no AFL++ variant")
    ctx = Ctx(a)
    ctx.prepare()
    todo = variants + ([] if a.no_fixed else ["fixed"])
    results = {v: [] for v in todo}
    total = len(todo) * a.runs * a.seconds
    say("bench-bugs: %s, %d bugs in BUGS.md; %d variant%s x %d run%s x "
        "%d s: about %d min" % (a.target, len(bugs), len(todo),
                                "" if len(todo) == 1 else "s", a.runs,
                                "" if a.runs == 1 else "s", a.seconds,
                                math.ceil(total / 60)))
    for i in range(a.runs):
        order = todo[i % len(todo):] + todo[:i % len(todo)]
        for v in order:
            r = run_variant(ctx, v, i, a.seconds)
            results[v].append(r)
            firsts, other = first_times(r, bugs)
            say("  run %d %-10s %4d findings, bugs %s; %d other; edges %d,"
                " %d exec/s" % (i + 1, v, len(r.findings), ",".join(
                    b.id for b in bugs if b.id in firsts) or "none",
                    len(other), r.edges, r.execs_per_sec()))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    md = table(a.target, bugs, results, variants, a.runs, a.seconds)
    (out / ("bugs-%s.md" % a.target)).write_text(md)
    write_csv(out / ("bugs-%s.csv" % a.target), a.target, bugs, results)
    say("")
    say(md)
    say("wrote %s and %s" % (out / ("bugs-%s.md" % a.target),
                             out / ("bugs-%s.csv" % a.target)))
    return 0


def cmd_corpora(a):
    """Each corpora/T-bugs/ID replays as BUGS.md's signature for ID."""
    bugs = bugs_of(a.target)
    ctx = Ctx(a)
    d = Path("corpora") / ("%s-bugs" % a.target)
    failed = 0
    for b in bugs:
        f = d / b.id
        if not f.is_file():
            say("FAIL %s: no %s" % (b.id, f))
            failed += 1
            continue
        s, text = sig.replay(str(ctx.bins["libfuzzer"]), str(f), ctx.cli,
                             ctx.spec)
        if s == b.signature:
            say("ok   %s %s" % (b.id, s))
        else:
            say("FAIL %s: %s replays as\n       %s\n     documented:\n"
                "       %s" % (b.id, f, s or "(no failure)", b.signature))
            failed += 1
    extra = sorted(set(p.name for p in d.iterdir() if p.is_file()) -
                   set(b.id for b in bugs)) if d.is_dir() else []
    for name in extra:
        say("FAIL %s: %s is no bug of BUGS.md" % (name, d / name))
        failed += 1
    return 1 if failed else 0


def cmd_hunt(a):
    bugs = bugs_of(a.target)
    want = [w for w in a.expect.split(",") if w]
    ctx = Ctx(a)
    ctx.prepare()

    def found(findings):
        return {match(s, bugs) for _, s, _ in findings} - {None}
    r = run_libfuzzer(ctx, "libfuzzer", 0, a.seconds, ctx.work / "hunt",
                      stop=lambda fs: set(want) <= found(fs))
    firsts, other = first_times(r, bugs)
    for b in bugs:
        if b.id in firsts:
            say("found %-4s after %5.1f s" % (b.id, firsts[b.id]))
    say("# INFO %s, %.0f s, %d findings, %d exec/s, %d edges:"
        " bugs %s; other signatures: %s" % (
            a.target, r.seconds, len(r.findings), r.execs_per_sec(),
            r.edges, ",".join(b.id for b in bugs if b.id in firsts) or
            "none", "; ".join(sorted(other)) or "none"))
    missing = [w for w in want if w not in firsts]
    if missing:
        say("FAIL: bugs %s not found in %d s" % (",".join(missing),
                                                 a.seconds))
        for n in r.notes:
            say("  note: " + n)
        return 1
    return 0


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="tools/bench_bugs.py")
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("bench", "corpora", "hunt"):
        c = sub.add_parser(name)
        c.add_argument("--target", required=True)
        c.add_argument("--build", default="build")
        c.add_argument("--spec", required=True)
        if name == "bench":
            c.add_argument("--runs", type=int, default=5)
            c.add_argument("--seconds", type=int, default=300)
            c.add_argument("--out", default="build/bench")
            c.add_argument("--variants", default="")
            c.add_argument("--no-afl", action="store_true")
            c.add_argument("--no-fixed", action="store_true")
        if name == "hunt":
            c.add_argument("--out", default="build/bench")
            c.add_argument("--seconds", type=int, default=60)
            c.add_argument("--expect", default="")
    return ap.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    return {"bench": cmd_bench, "corpora": cmd_corpora,
            "hunt": cmd_hunt}[a.command](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
