"""signature.py - the signature of a failed run, for make fuzz / triage /
minimize (tools/fuzz.py): two findings are the same bug when their
signatures are equal.

The rules are those of src/engine/minimize.c (af_minimize_signature),
which the in-process minimizer applies to its forked tries; keep the two
in step:

- a check's report: its "apifuzz-signature: " line, verbatim;
- else KIND:OP:FRAMES. KIND is the first "SUMMARY: <tool>: <kind>" line's
  kind ("SEGV", "heap-use-after-free", "undefined-behavior"; a leak is
  "memory-leak"; for libFuzzer and apifuzz the words before any "(",
  joined by '-', e.g. "deadly-signal"), else "signal-N" / "exit-N" from
  the exit status. OP is the operation of the last call of the crash
  context (the curl lines after "apifuzz: crash while running"), as
  `apifuzz show --format json` names it: its operationId or "METHOD
  /template"; "-" without a context. FRAMES are the first three frames of
  the first stack trace in the service (not in the sanitizer or libFuzzer
  runtimes, libc, or apifuzz's own src/), joined by ','; when there are
  none, apifuzz's own; when no trace, the file:line of a "runtime error"
  line; else "?". A frame is its function name, or module+offset when
  unsymbolized.
"""

import json
import os
import subprocess

RUNTIME_FUNCS = ("__sanitizer", "__asan", "__ubsan", "__lsan",
                 "__interceptor", "fuzzer::", "LLVMFuzzer", "__libc",
                 "_start", "abort", "raise", "__GI_", "__pthread", "__kill")
RUNTIME_PLACES = ("compiler-rt/", "sanitizer_common", "libFuzzer", "/Fuzzer",
                  "libc.so", "libc-", "sysdeps/", "csu/", "libclang_rt",
                  "/usr/lib/", "/usr/include/", "/lib/x86_64-linux-gnu/",
                  "/lib64/")
APIFUZZ_DIRS = ("src/engine/", "src/gen/", "src/check/", "src/wire/",
                "src/util/", "src/spec/")
FRAME_MAX = 127  # minimize.c keeps 127 bytes of a frame name


def _is_runtime(func, where):
    if func and (func.startswith(RUNTIME_FUNCS) or func == "main"):
        return True
    return any(p in where for p in RUNTIME_PLACES)


def _is_apifuzz(func, where):
    if func and func.startswith(("af_", "apifuzz_")):
        return True
    return any(d in where for d in APIFUZZ_DIRS)


class _Parsed:
    def __init__(self):
        self.check = ""
        self.kind = ""
        self.location = ""
        self.own, self.lib = [], []
        self.in_trace = self.trace_done = False
        self.context_calls = -1
        self.in_context = False

    def frame(self, line):
        p = line.lstrip(" \t")
        if p.startswith("#0 ") and self.in_trace:
            self.trace_done = True
        self.in_trace = True
        if self.trace_done:
            return
        parts = p.split(" ", 2)  # "#N", address, rest
        if len(parts) < 3:
            return
        rest = parts[2].lstrip(" ")
        func, where = "", rest
        if rest.startswith("in "):
            tail = rest[3:]
            n = len(tail)
            for i, c in enumerate(tail):
                if c in " \n":
                    n = i
                    break
            func, where = tail[:n][:FRAME_MAX], tail[n:]
        if _is_runtime(func, where):
            return
        if func:
            name = func
        else:
            slash = where.rfind("/")
            m = where[slash + 1:] if slash >= 0 else (
                where[1:] if where.startswith("(") else where)
            name = m.split(")")[0][:FRAME_MAX]
        target = self.lib if _is_apifuzz(func, where) else self.own
        if len(target) < 3:
            target.append(name)

    def summary(self, line):
        tool = line[len("SUMMARY: "):]
        colon = tool.find(": ")
        if colon < 0 or self.kind:
            return
        k = tool[colon + 2:]
        if "leaked in" in k:
            self.kind = "memory-leak"
        elif tool.startswith(("libFuzzer:", "apifuzz:")):
            self.kind = k.split(" (")[0].strip().replace(" ", "-")[:95]
        else:
            self.kind = k.split(" ")[0][:95]

    def location_of(self, line, mark):
        if self.location:
            return
        head = line[:mark]
        start = head.rfind("/") + 1
        colon = line.find(":", start)
        end = line.find(":", colon + 1) if colon >= 0 else -1
        if 0 <= end < mark:
            self.location = line[start:end][:FRAME_MAX]

    def line(self, line):
        trim = line.lstrip(" \t")
        if self.in_context:
            if line.startswith(("curl ", "# (not")):
                self.context_calls += 1
            else:
                self.in_context = False
        if line.startswith("apifuzz-signature: ") and not self.check:
            self.check = line[len("apifuzz-signature: "):]
        elif (line.startswith("apifuzz: crash while running")
              and self.context_calls < 0):
            self.context_calls, self.in_context = 0, True
        elif line.startswith("SUMMARY: "):
            self.summary(line)
        elif len(trim) > 1 and trim[0] == "#" and trim[1].isdigit():
            self.frame(line)
        elif ": runtime error: " in line:
            self.location_of(line, line.find(": runtime error: "))


def plan_flags():
    """The `apifuzz show` plan options matching the fuzzer's environment
    (APIFUZZ_MODE, APIFUZZ_MAX_CALLS, APIFUZZ_OPERATION)."""
    flags = []
    mode = os.environ.get("APIFUZZ_MODE") or "mixed"
    if mode in ("mixed", "negative"):
        flags.append("--" + mode)
    if os.environ.get("APIFUZZ_MAX_CALLS"):
        flags += ["--calls", os.environ["APIFUZZ_MAX_CALLS"]]
    if os.environ.get("APIFUZZ_OPERATION"):
        flags += ["--operation", os.environ["APIFUZZ_OPERATION"]]
    return flags


def operation_of(cli, spec, path, call):
    """The name of call number `call` of the program in file `path`."""
    if not spec or not cli or call < 0:
        return "-"
    try:
        out = subprocess.run([cli, "show", spec, path, "--format", "json"]
                             + plan_flags(), capture_output=True, text=True,
                             timeout=60, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "-"
    for line in out.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("call") == call:
            return j.get("operation") or "-"
    return "-"


def signature(text, returncode, cli=None, spec=None, path=None):
    """The signature of a run that wrote `text` to stderr and ended with
    `returncode` (subprocess style: negative for a signal); "" when it did
    not fail."""
    ps = _Parsed()
    for line in text.split("\n"):
        ps.line(line[:2047])
    if ps.check:
        return ps.check
    kind = ps.kind
    if not kind and returncode < 0:
        kind = "signal-%d" % -returncode
    elif not kind and returncode > 0:
        kind = "exit-%d" % returncode
    if not kind:
        return ""
    op = operation_of(cli, spec, path, ps.context_calls - 1) if path else "-"
    frames = ps.own if ps.own else ps.lib
    where = ",".join(frames) if frames else (ps.location or "?")
    return "%s:%s:%s" % (kind, op, where)


def replay_env():
    """The environment for replays: stack traces from UBSan too, and none
    of the variables that change what a run does."""
    env = dict(os.environ)
    ubsan = env.get("UBSAN_OPTIONS", "")
    if "print_stacktrace" not in ubsan:
        env["UBSAN_OPTIONS"] = (ubsan + ":" if ubsan else "") + \
            "print_stacktrace=1"
    for k in ("APIFUZZ_MINIMIZE", "APIFUZZ_MINIMIZE_OUT", "APIFUZZ_STATS",
              "APIFUZZ_PRINT_SPEC", "APIFUZZ_HAR", "APIFUZZ_HAR_TIMINGS"):
        env.pop(k, None)
    return env


def replay(binary, path, cli=None, spec=None, timeout=120):
    """Runs one input (`BIN -runs=0 FILE`); returns (signature, stderr)."""
    try:
        p = subprocess.run([binary, "-runs=0", "-timeout=25", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=replay_env(), timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout:-:?", ""
    text = p.stderr.decode("utf-8", "replace")
    return signature(text, p.returncode, cli, spec, path), text
