#!/usr/bin/env bash
# tests/t_serve.sh - issue 7 acceptance, serve mode: NAME_serve puts a
# compiled-in service behind HTTP/1.1 (src/serve/, mk/serve.mk).
#
# - HTTP behaviour, with curl and python3's http.client (serve_check.py
#   http) against echo_serve, a test service that answers with the
#   apifuzz_request it was handed (tests/serve/echo.c): translation of
#   target, headers and body, keep-alive, chunked bodies, 413 past the
#   bound, 400 for malformed bytes with the server still serving, 100
#   concurrent connections, the spec routes, reset, loopback-only bind.
# - Fidelity: every request of the plant and booking seed programs, as
#   the in-process renderer made it, reaches the service through serve
#   mode as the same request, `raw` equal byte for byte.
# - Parity: the same programs through NAME_serve (reset before each)
#   get the answers they got in-process (NAME_replay, the runner's
#   replay): status, headers, body; and again with the in-process side
#   read from a HAR capture (the fuzzer binary's APIFUZZ_HAR replay when
#   it writes one, else NAME_replay's).
# - Start-up and shutdown: --help, bad options, a port in use, SIGINT
#   and SIGTERM stop cleanly (exit 0, no sanitizer report), `make serve`.
# Exit 0 pass, 77 skip (no libmicrohttpd or python3), else fail.
set -u
O=${O:-build}
if ! pkg-config --exists libmicrohttpd 2>/dev/null; then
    echo "libmicrohttpd not installed (make deps installs libmicrohttpd-dev)"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found"
    exit 77
fi
services=plant
[ -f fuzz/booking/openapi.yaml ] && services="plant booking"
bins="$O/serve/echo_serve $O/asan/apifuzz"
for s in $services; do
    bins="$bins $O/serve/${s}_serve $O/serve/${s}_replay"
done
# shellcheck disable=SC2086
make -s --no-print-directory O="$O" $bins || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_serve.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check() { # python3 tests/serve_check.py ... ; failures are printed
    timeout 300 python3 tests/serve_check.py "$@" || fail=1
}

# start NAME BIN ARGS...: runs BIN on a free port; sets port and pid.
start() {
    local name=$1 bin=$2
    shift 2
    "$bin" --port 0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids+=("$pid")
    port=""
    for _ in $(seq 100); do
        port=$(grep -oE '127\.0\.0\.1:[0-9]+/' "$tmp/$name.out" 2>/dev/null |
            grep -oE '[0-9]+/' | tr -d /)
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: $name did not start"
    cat "$tmp/$name.err"
    fail=1
    return 1
}

# stop NAME PID SIGNAL: the server exits 0 with no sanitizer report.
stop() {
    local name=$1 p=$2 sig=$3 rc
    kill "-$sig" "$p"
    wait "$p"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q "stopped (SIG$sig)" "$tmp/$name.err" ||
        grep -qE 'Sanitizer|runtime error' "$tmp/$name.err"; then
        echo "FAIL: $name did not stop cleanly on $sig (exit $rc)"
        tail -20 "$tmp/$name.err"
        fail=1
    fi
}

# ---- the echo service: HTTP behaviour with python3 and curl ----
start echo "$O/serve/echo_serve" || exit 1
echo_pid=$pid echo_port=$port
check http "$echo_port"
url="http://127.0.0.1:$echo_port"
if command -v curl >/dev/null 2>&1; then
    got=$(curl -s "$url/openapi.json" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["openapi"])')
    [ "$got" = "3.0.3" ] || { echo "FAIL: curl GET /openapi.json"; fail=1; }
    got=$(printf 'abc' | curl -s -H 'Transfer-Encoding: chunked' \
        -H 'X-Curl: 1' --data-binary @- "$url/echo?q=%20" |
        python3 -c 'import json,sys,base64; d=json.load(sys.stdin)
print(d["target"], base64.b64decode(d["body"]).decode(),
      dict(d["headers"])["X-Curl"], dict(d["headers"])["Content-Length"])')
    [ "$got" = "/echo?q=%20 abc 1 3" ] ||
        { echo "FAIL: curl chunked upload: $got"; fail=1; }
    head -c 2000000 /dev/zero >"$tmp/big"
    got=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
        --data-binary @"$tmp/big" "$url/echo")
    [ "$got" = 413 ] || { echo "FAIL: curl 2 MB body: $got, not 413"; fail=1; }
    got=$(curl -s -w '%{http_code} %{num_connects}\n' -o /dev/null "$url/a" \
        -o /dev/null "$url/b" -o /dev/null "$url/c" | tr '\n' ' ')
    [ "$got" = "200 1 200 0 200 0 " ] ||
        { echo "FAIL: curl keep-alive over 3 URLs: $got"; fail=1; }
else
    echo "# INFO curl not found: the curl checks were skipped"
fi

# ---- fidelity and parity over the seed corpora ----
for s in $services; do
    spec=$(ls fuzz/$s/openapi.* tests/fuzz/$s/openapi.* 2>/dev/null | head -1)
    "$O/asan/apifuzz" seeds "$spec" "$tmp/seeds-$s" >/dev/null || fail=1
    if ! APIFUZZ_HAR="$tmp/$s.har" "$O/serve/${s}_replay" "$tmp/seeds-$s"/* \
        >"$tmp/$s.jsonl" 2>"$tmp/$s.replay.err"; then
        echo "FAIL: the in-process replay of $s failed"
        tail -5 "$tmp/$s.replay.err"
        fail=1
        continue
    fi
    check fidelity "$echo_port" "$tmp/$s.jsonl"
    start "$s" "$O/serve/${s}_serve" || continue
    check parity "$port" "$tmp/$s.jsonl"
    # The HAR of the fuzzer binary's own -runs=0 replay when it writes one
    # (APIFUZZ_HAR, src/engine/har.c), else the replay driver's.
    har="$tmp/$s.har" from="${s}_replay"
    if [ -x "$O/fuzz/${s}_fuzzer" ]; then
        APIFUZZ_HAR="$tmp/$s.fuzzer.har" APIFUZZ_CHECKS=none \
            "$O/fuzz/${s}_fuzzer" -runs=0 -detect_leaks=0 "$tmp/seeds-$s" \
            >/dev/null 2>&1
        [ -s "$tmp/$s.fuzzer.har" ] && har="$tmp/$s.fuzzer.har" \
            from="${s}_fuzzer -runs=0"
    fi
    echo "# INFO $s: HAR capture from $from"
    check parity-har "$port" "$har"
    [ "$s" = plant ] && check bench "$port" 2000
    stop "$s" "$pid" INT
done
stop echo "$echo_pid" TERM

# ---- options and start-up errors ----
start each "$O/serve/echo_serve" --reset-each && {
    c=$(for _ in 1 2; do curl -s "http://127.0.0.1:$port/x"; echo; done |
        python3 -c 'import json,sys; print([json.loads(l)["count"] for l in sys.stdin])')
    [ "$c" = "[1, 1]" ] || { echo "FAIL: --reset-each: counts $c"; fail=1; }
    timeout 10 "$O/serve/echo_serve" --port "$port" >/dev/null \
        2>"$tmp/inuse.err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "cannot listen" "$tmp/inuse.err" ||
        { echo "FAIL: a port in use: exit $rc"; fail=1; }
    stop each "$pid" INT
}
"$O/serve/echo_serve" --help | grep -q -- '--max-body' ||
    { echo "FAIL: --help"; fail=1; }
"$O/serve/echo_serve" --listen nowhere >/dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: --listen nowhere is not an error"; fail=1; }
"$O/serve/echo_serve" --port 70000 >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: --port 70000 is not a usage error"; fail=1; }

# ---- make serve ----
make -s --no-print-directory O="$O" serve TARGET=nosuch >/dev/null 2>&1
[ $? -ne 0 ] || { echo "FAIL: make serve TARGET=nosuch succeeded"; fail=1; }
setsid make -s --no-print-directory O="$O" serve TARGET=plant PORT=0 \
    >"$tmp/make.out" 2>&1 &
mpid=$!
pids+=("$mpid")
for _ in $(seq 100); do
    grep -q "plant_serve: listening on http://127.0.0.1:" "$tmp/make.out" &&
        break
    sleep 0.1
done
grep -q "plant_serve: listening" "$tmp/make.out" ||
    { echo "FAIL: make serve TARGET=plant"; cat "$tmp/make.out"; fail=1; }
kill -INT -- "-$mpid" 2>/dev/null
wait "$mpid"

[ $fail -eq 0 ] && echo "t_serve: all passed"
exit $fail
