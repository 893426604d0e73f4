"""shrink.py - `make minimize CRASH=FILE` (tools/fuzz.py minimize): the
smallest program that still fails with the crash's signature.

Three passes, each kept only when a replay gives the same signature:
1. structured (service targets): the target binary run with
   APIFUZZ_MINIMIZE=FILE, whose in-process minimizer
   (src/engine/minimize.c) drops calls, optional fields and items,
   shortens strings and simplifies numbers, each try in a forked child;
2. libFuzzer's byte-level -minimize_crash=1 (with
   ASAN_OPTIONS=dedup_token_length=3 so it tells crashes apart);
3. the structured pass once more, when pass 2 changed the input.
The result goes to FINDINGS/T/NAME.min, and for services the program as
curl commands (`apifuzz show --format curl`) to NAME.curl, printed too,
and its requests and responses as HAR 1.2 to NAME.har (a replay with
APIFUZZ_HAR: the failing call is the last entry, unanswered when the
service crashed on it).
Knobs: MINIMIZE_RUNS (libFuzzer executions per step, default 2000),
MINIMIZE_SECONDS (bound of the libFuzzer pass, default 30).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import signature as sig


def say(msg=""):
    print(msg, flush=True)


def die(msg, status=1):
    print("make: %s" % msg, file=sys.stderr)
    sys.exit(status)


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.isdigit() and int(v) > 0 else default


def structured(t, src, dst):
    """The in-process pass; True when it wrote dst."""
    env = sig.replay_env()
    env["APIFUZZ_MINIMIZE"] = str(src)
    env["APIFUZZ_MINIMIZE_OUT"] = str(dst)
    p = subprocess.run([t.bin], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env, check=False,
                       timeout=1800)
    text = p.stderr.decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("apifuzz minimize:") or \
                line.startswith("apifuzz: APIFUZZ_MINIMIZE"):
            say("  " + line)
    if p.returncode != 0:
        say("  structured pass failed (exit %d)" % p.returncode)
        say("\n".join("  | " + l for l in text.splitlines()[-15:]))
    return p.returncode == 0 and Path(dst).is_file()


def engine_pass(t, src, dst):
    """libFuzzer's -minimize_crash; True when it wrote dst."""
    env = sig.replay_env()
    asan = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "dedup_token_length=3"
    if Path(dst).exists():
        Path(dst).unlink()
    cmd = [t.bin, "-minimize_crash=1",
           "-runs=%d" % env_int("MINIMIZE_RUNS", 2000),
           "-max_total_time=%d" % env_int("MINIMIZE_SECONDS", 30),
           "-timeout=25", "-exact_artifact_path=%s" % dst, str(src)]
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env, check=False,
                       timeout=env_int("MINIMIZE_SECONDS", 30) * 4 + 60)
    except subprocess.TimeoutExpired:
        say("  libFuzzer pass: timed out")
    return Path(dst).is_file()


def program_calls(t, path):
    """The operations of the program in path (services), else []."""
    if not t.is_service():
        return []
    p = subprocess.run([t.cli, "show", t.spec, str(path), "--format",
                        "json"] + sig.plan_flags(), capture_output=True,
                       text=True, check=False)
    calls = []
    for line in p.stdout.splitlines():
        try:
            calls.append(json.loads(line).get("operation", "?"))
        except ValueError:
            pass
    return calls


def describe(t, path):
    calls = program_calls(t, path)
    size = Path(path).stat().st_size
    if not t.is_service():
        return "%d bytes" % size
    return "%d bytes, %d call%s (%s)" % (size, len(calls),
                                        "" if len(calls) == 1 else "s",
                                        ", ".join(calls))


def keep_if_same(t, candidate, best, want, what):
    """Copies candidate over best when it fails the same way."""
    got, _ = t.replay(candidate)
    if got != want:
        say("  %s: result fails differently (%s); not kept"
            % (what, got or "no failure"))
        return False
    shutil.copy(candidate, best)
    say("  %s: %s" % (what, describe(t, best)))
    return True


def write_outputs(t, crash, best, want):
    out_min = t.findings / (crash.name + ".min")
    shutil.copy(best, out_min)
    say("signature: %s" % want)
    say("minimized: %s: %s" % (out_min, describe(t, out_min)))
    say("reproduce: %s" % t.repro(out_min))
    if not t.is_service():
        return
    p = subprocess.run([t.cli, "show", t.spec, str(out_min), "--format",
                        "curl"] + sig.plan_flags(), capture_output=True,
                       text=True, check=False)
    out_curl = t.findings / (crash.name + ".curl")
    out_curl.write_text(p.stdout)
    write_har(t, out_min, t.findings / (crash.name + ".har"))
    say("as curl (%s):" % out_curl)
    say(p.stdout.rstrip())


def write_har(t, path, out_har):
    """Replays path with APIFUZZ_HAR=out_har (the run fails: that is the
    finding; the file is complete anyway)."""
    env = sig.replay_env()
    env["APIFUZZ_HAR"] = str(out_har)
    if out_har.exists():
        out_har.unlink()
    try:
        subprocess.run([t.bin, "-runs=0", "-detect_leaks=0", "-timeout=25",
                        str(path)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env, timeout=120,
                       check=False)
    except subprocess.TimeoutExpired:
        pass
    try:
        n = len(json.loads(out_har.read_text())["log"]["entries"])
        say("as HAR: %s (%d entr%s)" % (out_har, n, "y" if n == 1 else "ies"))
    except (OSError, ValueError, KeyError):
        say("as HAR: none written (the binary predates APIFUZZ_HAR?)")


def cmd_minimize(t, a):
    if not a.crash:
        die("make minimize needs CRASH=FILE (a finding)", 2)
    crash = Path(a.crash)
    if not crash.is_file():
        die("CRASH=%s: no such file" % crash, 2)
    t.findings.mkdir(parents=True, exist_ok=True)
    want, text = t.replay(crash)
    if not want:
        die("CRASH=%s does not fail when replayed with %s" % (crash, t.bin))
    say("== make minimize: %s ==" % crash)
    say("signature: %s" % want)
    say("  start: %s" % describe(t, crash))
    work = t.work / "minimize"
    work.mkdir(parents=True, exist_ok=True)
    best = work / "best"
    shutil.copy(crash, best)
    if t.is_service() and structured(t, best, work / "structured"):
        keep_if_same(t, work / "structured", best, want, "structured")
    engine = work / "engine"
    if not engine_pass(t, best, engine) or \
            engine.stat().st_size >= best.stat().st_size:
        say("  libFuzzer -minimize_crash: nothing smaller")
    elif keep_if_same(t, engine, best, want, "libFuzzer -minimize_crash") \
            and t.is_service() and structured(t, best, work / "again"):
        keep_if_same(t, work / "again", best, want, "structured")
    write_outputs(t, crash, best, want)
