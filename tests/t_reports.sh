#!/usr/bin/env bash
# tests/t_reports.sh - issue 7's reports, on the plant test service
# (tests/fuzz/plant: GET of an item created with kind "c" and count 42
# dereferences NULL) and on the booking example when it is there:
# - `make coverage` prints the API coverage table and writes TARGET.md
#   and TARGET.json listing every operation of the spec (checked against
#   the spec by tests/report_check.py), and llvm-cov's HTML and summary
#   of the service's own files (apifuzz's sources left out);
# - `make triage` writes triage.json; `apifuzz report` turns it into
#   JUnit XML and SARIF 2.1.0 that report_check.py validates (one test
#   case / result per signature, the curl reproduction in the message,
#   the sanitizer's source line as the SARIF location); hostile text
#   (markup, control bytes) stays well-formed;
# - `apifuzz repro --c` prints C that compiles with the repo's warnings
#   against plant's sources alone and reproduces the crash, also for a
#   program whose crashing call takes the item id from an earlier
#   response (a back-reference filled at run time).
# Everything goes to a temporary folder. Exit 0 pass, 77 skipped, else
# fail.
set -u
O=${O:-build}
spec=tests/fuzz/plant/openapi.yaml
cli=$O/release/apifuzz
bin=$O/fuzz/plant_fuzzer
if ! command -v llvm-cov-14 >/dev/null && ! command -v llvm-cov >/dev/null; then
    echo "# SKIP llvm-cov not installed (make deps installs llvm)"
    exit 77
fi
make -s --no-print-directory O="$O" "$cli" "$bin" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_reports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}
mk() {
    make -s --no-print-directory O="$O" FINDINGS="$tmp/findings" \
        CORPORA="$tmp/corpora" DICTS="$tmp/dicts" FUZZ_WORK="$tmp/work" \
        COVERAGE_OUT="$tmp/cov" "$@"
}
tree_state() {
    ls -A corpora dictionaries findings 2>/dev/null | sort | md5sum
}
before=$(tree_state)
# createItem(hello, b, 0), createItem(a, c, 42), getItem 2, getItem 3
crafted='\000\000\004hello\001\005\001\000\000\000\000\002\140\001\001\000\000\003\001\001\000\001\070'
# A crash found by -seed=1: getItem's id is a back-reference to the
# second create's response (its fallback, 127, would not crash).
backref=CgALw5gAAAAHAwAZAF0EAgABCgDlCxgAALUAZWABGQB0BwEKAAAAAgABCgAAYr0AAQoACQAHAAQCvQcyAIYEAQ==

# ---- make coverage ----
# coverage TARGET SPEC: the table, the reports, the source coverage.
coverage() {
    local target=$1 tspec=$2 log=$tmp/cov-$1.log
    local t0 t1
    t0=$(date +%s.%N)
    mk coverage TARGET="$target" >"$log" 2>&1 ||
        bad "make coverage TARGET=$target failed: $(tail -5 "$log")"
    t1=$(date +%s.%N)
    python3 tests/report_check.py coverage "$tmp/cov/$target.json" "$tspec" ||
        bad "coverage JSON of $target does not list the spec's operations"
    grep -q '^API coverage: ' "$log" || bad "make coverage: no API table: $(cat "$log")"
    for op in $(python3 -c 'import json,sys
for o in json.load(open(sys.argv[1]))["operations"]: print(o.get("operation_id") or "")' \
        "$tmp/cov/$target.json"); do
        grep -q "^  $op " "$log" || bad "make coverage: no table row for $op"
        grep -q "^## $op " "$tmp/cov/$target.md" || bad "$target.md: no section for $op"
    done
    [ -f "$tmp/cov/$target/html/index.html" ] || bad "no HTML source coverage for $target"
    local files
    files=$(grep -E '\.c +[0-9]' "$tmp/cov/$target/summary.txt" 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
    [ -n "$files" ] || bad "$target: the llvm-cov summary lists no file: $(cat "$tmp/cov/$target/summary.txt" 2>/dev/null)"
    case "$files" in
    *src/* | *apifuzz.h* | *_spec.c*) bad "$target: apifuzz's own sources in the source coverage: $files" ;;
    esac
    echo "# INFO make coverage TARGET=$target: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")s; $(grep '^API coverage' "$log" | cut -c15-); lines: $(awk '/^TOTAL/ {print $10}' "$tmp/cov/$target/summary.txt")"
}
mkdir -p "$tmp/corpora/plant"
"$cli" seeds "$spec" "$tmp/corpora/plant" >/dev/null || bad "apifuzz seeds failed"
printf "$crafted" >"$tmp/corpora/plant/crafted" # fails: left out, said so
coverage plant "$spec"
grep -q '^API coverage: 2/2 operations, 5/5 documented responses.*1 failing left out' "$tmp/cov-plant.log" ||
    bad "plant: not every operation and response reached, or the crashing input not left out: $(grep '^API' "$tmp/cov-plant.log")"
grep -q 'plant.c' "$tmp/cov/plant/summary.txt" || bad "plant.c not in the source coverage"
grep -q 'plant.c' "$tmp/cov/plant/html/index.html" 2>/dev/null || bad "plant.c not in the HTML index"
booking_spec=$(ls fuzz/booking/openapi.yaml fuzz/booking/openapi.json 2>/dev/null | head -1)
if [ -n "$booking_spec" ]; then
    coverage booking "$booking_spec" # no corpus: fresh seeds
fi

# ---- make triage and apifuzz report ----
mkdir -p "$tmp/findings/plant"
printf "$crafted" >"$tmp/findings/plant/crash-a"
printf "$crafted\000" >"$tmp/findings/plant/crash-b"
mk triage TARGET=plant >"$tmp/triage.log" 2>&1 || bad "make triage failed: $(tail -5 "$tmp/triage.log")"
tj=$tmp/findings/plant/triage.json
[ -f "$tj" ] || bad "make triage wrote no triage.json: $(cat "$tmp/triage.log")"
"$cli" report --junit "$tmp/plant.xml" --sarif "$tmp/plant.sarif" "$tmp/findings/plant" ||
    bad "apifuzz report failed"
python3 tests/report_check.py junit "$tmp/plant.xml" --cases 1 || bad "JUnit XML of plant"
python3 tests/report_check.py sarif "$tmp/plant.sarif" --results 1 || bad "SARIF of plant"
python3 - "$tmp/plant.sarif" <<'EOF' || bad "SARIF: the plant crash is not located at plant.c"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]["results"][0]
loc = r["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "tests/fuzz/plant/plant.c", loc
assert "getItem" in r["properties"]["operation"], r["properties"]
assert "'http://localhost/items/2'" in r["message"]["text"]
EOF
# A check finding with hostile text, and two inputs: two suites.
cat >"$tmp/hostile.json" <<'EOF'
{"tool": "apifuzz", "target": "t<&>\"'", "findings": [{
  "signature": "not_a_server_error:GET /a/{id}:500:", "count": 2,
  "files": ["f1", "f2"], "example": "f1", "kind": "check",
  "check": "not_a_server_error", "operation": "GET /a/{id}",
  "message": "not_a_server_error failed on GET /a/{id} <&> \"q\" \u0001\u001b]]>",
  "report": "body: \u0000\u0007<script>&amp;</script>\n", "location": null,
  "spec_location": {"file": "fuzz/t/openapi.yaml", "line": 12},
  "curl": ["curl -sS -X 'GET' 'http://localhost/a/1' --data-binary $'\\x01'"],
  "reproduce": "bin f1"}, {
  "signature": "(no failure on replay)", "count": 1, "files": ["f3"],
  "example": "f3", "kind": "none", "check": "none", "operation": "-",
  "message": "the file no longer fails when replayed", "curl": []}]}
EOF
echo '{"tool": "apifuzz", "target": "quiet", "findings": []}' >"$tmp/empty.json"
"$cli" report --junit "$tmp/three.xml" --sarif "$tmp/three.sarif" "$tj" \
    "$tmp/hostile.json" "$tmp/empty.json" || bad "apifuzz report of three inputs failed"
# plant's crash, the hostile check and the stale file (skipped), and the
# passing case of the input without findings; SARIF: the two failing.
python3 tests/report_check.py junit "$tmp/three.xml" --cases 4 || bad "JUnit XML of three inputs"
python3 tests/report_check.py sarif "$tmp/three.sarif" --results 2 || bad "SARIF of three inputs"
grep -q '<testsuites name="apifuzz" tests="4" failures="2" errors="0" skipped="1"' "$tmp/three.xml" ||
    bad "JUnit totals: $(grep '<testsuites' "$tmp/three.xml")"
"$cli" report --junit "$tmp/x.xml" "$tmp/nowhere" 2>/dev/null && bad "report of a missing input succeeded"
"$cli" report "$tj" 2>/dev/null && bad "report without --junit or --sarif succeeded"

# ---- apifuzz repro --c ----
# repro NAME: generates C for $tmp/NAME, builds it against plant.c, runs
# it; the crash must be the planted one.
repro() {
    local name=$1
    "$cli" repro --c --spec "$spec" "$tmp/$name" >"$tmp/$name.c" ||
        { bad "apifuzz repro --c $name failed"; return; }
    clang -g -fsanitize=address,undefined -fno-sanitize-recover=all \
        -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
        -D_POSIX_C_SOURCE=200809L -Iinclude -o "$tmp/$name.bin" \
        "$tmp/$name.c" tests/fuzz/plant/plant.c \
        $(pkg-config --cflags --libs libcjson) -lm >"$tmp/$name.cc" 2>&1 ||
        { bad "the C of $name does not compile: $(head -20 "$tmp/$name.cc")"; return; }
    if "$tmp/$name.bin" >"$tmp/$name.out" 2>&1; then
        bad "the C of $name ran without crashing: $(cat "$tmp/$name.out")"
    elif ! grep -q 'plant.c:61' "$tmp/$name.out"; then
        bad "the C of $name crashed elsewhere: $(tail -5 "$tmp/$name.out")"
    fi
}
printf "$crafted" >"$tmp/crafted"
repro crafted
grep -q 'tests/fuzz/plant/plant.c \\' "$tmp/crafted.c" || bad "crafted: the build line lacks plant.c"
echo "$backref" | base64 -d >"$tmp/backref"
if "$bin" "$tmp/backref" >/dev/null 2>&1; then
    echo "# INFO the back-reference input no longer crashes (the decoder's layout changed): fuzzing for another"
    mkdir -p "$tmp/fz/c" "$tmp/fz/a"
    "$bin" -seed=1 -runs=200000 -max_total_time=60 -artifact_prefix="$tmp/fz/a/" \
        "$tmp/fz/c" >/dev/null 2>&1
    cp "$(ls "$tmp"/fz/a/crash-* 2>/dev/null | head -1)" "$tmp/backref" 2>/dev/null
fi
repro backref
if grep -q '^#define REPRO_REFS 1' "$tmp/backref.c"; then
    grep -q '^--- call [0-9]*: GET /items/2$' "$tmp/backref.out" ||
        bad "backref: the id was not taken from the response: $(grep '^---' "$tmp/backref.out")"
else
    echo "# INFO the crash input has no back-reference; that path is not exercised"
fi
"$cli" repro --c "$tmp/crafted" 2>/dev/null && bad "repro without a spec to find succeeded"
[ "$(tree_state)" = "$before" ] || bad "files were left under corpora/, dictionaries/ or findings/"
exit $fail
