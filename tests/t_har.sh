#!/usr/bin/env bash
# tests/t_har.sh - issue 7's HAR capture and import, on the plant test
# service and, when their folders are there, the booking and petstore
# examples:
# - capture: replaying a target's seed inputs with APIFUZZ_HAR gives a
#   file tests/har_check.py validates as HAR 1.2 (plus apifuzz's
#   `_apifuzz` fields), one program per input, whose calls are the ones
#   `apifuzz show --mixed --format json` prints for those inputs
#   (operation, method, URL and JSON body where no value came from an
#   earlier response);
# - import: `apifuzz har2corpus` of that file encodes every positive
#   entry and reports every negative one; replaying the new inputs with
#   APIFUZZ_HAR again gives the recorded requests (method, URL, body) of
#   each input's entries, in order (round trip);
# - plant only: a hand-written HAR from another tool (no `_apifuzz`, a
#   foreign host, lower-case method and headers, a base64 body marked the
#   HAR 1.3 way) becomes
#   a program that reaches the planted crash; its unmatched entries are
#   reported with their reasons; the crash's own capture is still valid
#   and ends with the crashing request, unanswered, and so does the
#   NAME.har `make minimize` writes beside NAME.curl; a replay of a corpus
#   folder (libFuzzer's own loading) is valid too; and the validator
#   rejects broken files.
# Exit 0 pass, 77 skipped (a fuzzer binary without the capture), else
# fail.
set -u
O=${O:-build}
cli=$O/asan/apifuzz
check="python3 tests/har_check.py"
targets=plant
for t in booking petstore; do
    [ -f "fuzz/$t/openapi.yaml" ] && targets="$targets $t"
done
bins=""
for t in $targets; do bins="$bins $O/fuzz/${t}_fuzzer"; done
# shellcheck disable=SC2086
make -s --no-print-directory O="$O" "$cli" $bins || exit 1
if ! grep -qa 'APIFUZZ_HAR=' "$O/fuzz/plant_fuzzer"; then
    echo "skipped: the fuzzer binaries do not capture HAR yet (fuzzer.c calls af_har_setup, src/engine/har.c in ENGINE_SRCS)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_har.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}
spec_of() {
    for f in "fuzz/$1/openapi.yaml" "tests/fuzz/$1/openapi.yaml"; do
        [ -f "$f" ] && echo "$f" && return
    done
}
# replay BIN HAR FILE...: the inputs, each once, with the capture on.
replay() {
    local bin=$1 har=$2
    shift 2
    APIFUZZ_HAR=$har "$bin" -runs=0 -detect_leaks=0 "$@" >"$har.log" 2>&1
}
# count HAR MODE: entries recorded positive or negative.
count() {
    python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))
print(sum(e["_apifuzz"]["mode"] == sys.argv[2] for e in h["log"]["entries"]))' "$1" "$2"
}

for t in $targets; do
    spec=$(spec_of "$t")
    bin=$O/fuzz/${t}_fuzzer
    d=$tmp/$t
    mkdir -p "$d"
    # ---- capture ----
    "$cli" seeds "$spec" "$d/in" >/dev/null || bad "$t: apifuzz seeds failed"
    files=("$d"/in/*)
    replay "$bin" "$d/a.har" "${files[@]}" ||
        bad "$t: the replay failed: $(tail -3 "$d/a.har.log")"
    $check validate "$d/a.har" --apifuzz || bad "$t: the capture is not valid"
    "$cli" show --mixed --format json "$spec" "${files[@]}" >"$d/show.jsonl"
    $check show "$d/a.har" "$d/show.jsonl" "${files[@]}" ||
        bad "$t: the capture does not match apifuzz show"
    # ---- import ----
    "$cli" har2corpus --list "$spec" "$d/a.har" "$d/out" >"$d/list" \
        2>"$d/left" || bad "$t: har2corpus failed: $(tail -3 "$d/left")"
    pos=$(count "$d/a.har" positive)
    neg=$(count "$d/a.har" negative)
    grep -q "^apifuzz har2corpus: $((pos + neg)) entries: $pos encoded into" \
        "$d/list" || bad "$t: not every positive entry of $pos was encoded: $(tail -1 "$d/list")"
    [ "$(grep -c 'recorded as a negative call' "$d/left")" = "$neg" ] &&
        [ "$(wc -l <"$d/left")" = "$neg" ] ||
        bad "$t: the report does not name the $neg negative entries: $(head -3 "$d/left")"
    # ---- round trip ----
    replay "$bin" "$d/b.har" "$d"/out/* ||
        bad "$t: replaying the imported inputs failed"
    $check validate "$d/b.har" --apifuzz || bad "$t: the second capture is not valid"
    grep -v '^apifuzz' "$d/list" >"$d/inputs"
    $check roundtrip "$d/a.har" "$d/inputs" "$d/b.har" ||
        bad "$t: the imported inputs do not replay to the recorded requests"
    echo "# INFO $t: ${#files[@]} inputs -> $((pos + neg)) HAR entries ($pos positive) -> $(wc -l <"$d/inputs") inputs -> $(count "$d/b.har" positive) entries, the same requests"
done

# ---- plant: a recording from another tool ----
spec=tests/fuzz/plant/openapi.yaml
bin=$O/fuzz/plant_fuzzer
body=$(printf '{"count": 42, "kind": "c", "name": "x"}' | base64 | tr -d '\n')
entry() { # METHOD URL [postData]
    printf '{"startedDateTime": "2024-05-01T10:00:00.000+02:00", "time": 3,
      "request": {"method": "%s", "url": "%s", "httpVersion": "HTTP/2",
        "cookies": [], "headers": [{"name": "content-type",
        "value": "application/json; charset=utf-8"}], "queryString": [],
        %s "headersSize": -1, "bodySize": -1},
      "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/2",
        "cookies": [], "headers": [], "content": {"size": 0,
        "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1,
        "bodySize": -1},
      "cache": {}, "timings": {"send": 1, "wait": 1, "receive": 1}}' "$@"
}
{
    echo '{"log": {"version": "1.2", "creator": {"name": "a proxy", "version": "9"}, "entries": ['
    entry post "https://api.example.com:8443/items" \
        "\"postData\": {\"mimeType\": \"application/json\", \"text\": \"$body\", \"encoding\": \"base64\"},"
    echo ,
    entry GET "https://api.example.com:8443/items/1?trace=on#top" ""
    echo ,
    entry DELETE "https://api.example.com/items/1" ""
    echo ,
    entry GET "https://api.example.com/stock" ""
    echo ,
    entry POST "https://api.example.com/items" \
        '"postData": {"mimeType": "application/json", "text": "{\"name\": \"x\", \"kind\": \"c\", \"count\": 4200}"},'
    echo ']}}'
} >"$tmp/proxy.har"
"$cli" har2corpus --list "$spec" "$tmp/proxy.har" "$tmp/proxy" \
    >"$tmp/proxy.list" 2>"$tmp/proxy.left" || bad "har2corpus of a foreign HAR failed"
for want in \
    "entry 1 (GET /items/1?trace=on): left out, not in the spec: query parameter 'trace'" \
    "entry 2 (DELETE /items/1): no operation for DELETE /items/1 (the path has GET)" \
    "entry 3 (GET /stock): no operation for GET /stock: no path of the spec matches" \
    "entry 4 (POST /items): invalid: at '/body/count'"; do
    grep -qF "apifuzz har2corpus: $want" "$tmp/proxy.left" ||
        bad "har2corpus did not report '$want': $(cat "$tmp/proxy.left")"
done
crash=$(grep -v '^apifuzz' "$tmp/proxy.list" | grep ' 0 1$' | cut -d' ' -f1)
if [ -z "$crash" ]; then
    bad "entries 0 and 1 did not become one program: $(cat "$tmp/proxy.list")"
else
    # the program reaches the planted crash; its capture ends with the
    # crashing request, never answered, and is still a valid HAR
    if APIFUZZ_HAR=$tmp/crash.har "$bin" -runs=0 "$tmp/proxy/$crash" \
        >"$tmp/crash.log" 2>&1; then
        bad "the imported program did not crash the plant service"
    fi
    $check validate "$tmp/crash.har" --apifuzz || bad "the crash's capture is not valid"
    python3 -c 'import json, sys
es = json.load(open(sys.argv[1]))["log"]["entries"]
got = [(e["request"]["method"], e["request"]["url"], e["response"]["status"],
        e["_apifuzz"]["answered"]) for e in es]
want = [("POST", "http://localhost/items", 201, True),
        ("GET", "http://localhost/items/1", 0, False)]
sys.exit(0 if got == want else "crash capture: %s" % got)' "$tmp/crash.har" ||
        bad "the crash's capture does not end with the crashing request"
    # make minimize exports the finding as HAR beside the curl lines
    mkdir -p "$tmp/findings/plant"
    cp "$tmp/proxy/$crash" "$tmp/findings/plant/crash-proxy"
    MINIMIZE_RUNS=300 MINIMIZE_SECONDS=5 make -s --no-print-directory \
        O="$O" TARGET=plant FINDINGS="$tmp/findings" CORPORA="$tmp/corpora" \
        DICTS="$tmp/dicts" FUZZ_WORK="$tmp/work" minimize \
        CRASH="$tmp/findings/plant/crash-proxy" >"$tmp/min.log" 2>&1 ||
        bad "make minimize failed: $(tail -5 "$tmp/min.log")"
    found=$tmp/findings/plant/crash-proxy.har
    [ -f "$found" ] && $check validate "$found" --apifuzz >/dev/null &&
        grep -q '"answered":false}}$' "$found" ||
        bad "make minimize wrote no valid NAME.har ending unanswered: $(grep 'as HAR' "$tmp/min.log")"
fi

# ---- plant: libFuzzer's own corpus loading, and %p ----
APIFUZZ_HAR=$tmp/dir-%p.har "$bin" -runs=0 "$tmp/plant/in" >"$tmp/dir.log" 2>&1 ||
    bad "replaying a corpus folder failed"
set -- "$tmp"/dir-[0-9]*.har
[ -f "$1" ] || bad "APIFUZZ_HAR with %p wrote no dir-PID.har"
[ -f "$1" ] && { $check validate "$1" --apifuzz >/dev/null ||
    bad "the capture of a corpus folder is not valid"; }

# ---- the validator rejects broken files ----
python3 - "$tmp/plant/a.har" "$tmp" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
e = h["log"]["entries"][0]
breaks = {
    "no-status": lambda e: e["response"].pop("status"),
    "unknown-field": lambda e: e.update(priority="high"),
    "bad-time": lambda e: e.update(time=5),
    "bad-date": lambda e: e.update(startedDateTime="yesterday"),
    "bad-size": lambda e: e["response"]["content"].update(size=1),
}
for name, f in breaks.items():
    c = json.loads(json.dumps(h))
    f(c["log"]["entries"][0])
    json.dump(c, open("%s/broken-%s.har" % (sys.argv[2], name), "w"))
EOF
for f in "$tmp"/broken-*.har; do
    $check validate "$f" >/dev/null && bad "har_check accepted $(basename "$f")"
done
exit $fail
