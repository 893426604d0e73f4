#!/usr/bin/env bash
# tests/t_bugs.sh - issue 6 in make test: the example services' planted
# bugs are real, their fixes are clean, and apifuzz finds the article's
# three.
#
# 1. Every corpora/booking-bugs/ID and corpora/petstore-bugs/ID replays
#    (NAME_fuzzer -runs=0, signatures by tools/signature.py) as the
#    signature fuzz/NAME/BUGS.md documents for ID, and every bug of
#    BUGS.md has its input (tools/bench_bugs.py corpora).
# 2. NAME_fixed_fuzzer (-DNAME_FIXED) replays the whole seed corpus
#    (`apifuzz seeds`, plus corpora/NAME/ when kept) and the bug corpus
#    without a finding.
# 3. A run of apifuzz complete (libFuzzer, relaunched after each finding,
#    as make bench-bugs does) on booking finds bugs 1, 2 and 3 within
#    BUGS_SECONDS (default 60); it stops as soon as it has all three.
#
# Exit 0 pass, 77 skip (the example services are not all there), else
# fail. About a minute once built.
set -u
O=${O:-build}
SECS=${BUGS_SECONDS:-60}
for t in booking petstore; do
    if [ ! -f "fuzz/$t/BUGS.md" ] || [ ! -d "corpora/$t-bugs" ]; then
        echo "fuzz/$t/BUGS.md or corpora/$t-bugs/ missing: the example" \
            "service $t is not complete"
        exit 77
    fi
done
make -s --no-print-directory -j2 O="$O" "$O/release/apifuzz" \
    "$O/fuzz/booking_fuzzer" "$O/fuzz/booking_fixed_fuzzer" \
    "$O/fuzz/petstore_fuzzer" "$O/fuzz/petstore_fixed_fuzzer" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_bugs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# ---- 1. the bug corpora reproduce their documented signatures ----
for t in booking petstore; do
    if ! python3 tools/bench_bugs.py corpora --target "$t" --build "$O" \
        --spec "fuzz/$t/openapi.yaml" >"$tmp/corpora-$t.log" 2>&1; then
        echo "FAIL: corpora/$t-bugs/ does not reproduce fuzz/$t/BUGS.md:"
        grep -v '^ok ' "$tmp/corpora-$t.log" | head -30
        fail=1
    fi
    echo "# INFO $t: $(grep -c '^ok ' "$tmp/corpora-$t.log") bug inputs" \
        "reproduce their signatures"
done

# ---- 2. the fixed variants replay everything clean ----
for t in booking petstore; do
    "$O/release/apifuzz" seeds "fuzz/$t/openapi.yaml" "$tmp/seeds-$t" \
        >/dev/null || {
        echo "FAIL: apifuzz seeds fuzz/$t/openapi.yaml"
        fail=1
        continue
    }
    dirs=("$tmp/seeds-$t" "corpora/$t-bugs")
    [ -d "corpora/$t" ] && dirs+=("corpora/$t")
    n=$(find "${dirs[@]}" -type f | wc -l)
    if ! "$O/fuzz/${t}_fixed_fuzzer" -runs=0 -timeout=25 "${dirs[@]}" \
        >"$tmp/fixed-$t.log" 2>&1; then
        echo "FAIL: ${t}_fixed_fuzzer does not replay ${dirs[*]} clean:"
        grep -E 'apifuzz-signature|SUMMARY|ERROR|Test unit' \
            "$tmp/fixed-$t.log" | head -10
        fail=1
    else
        echo "# INFO ${t}_fixed_fuzzer: $n inputs replayed, no finding"
    fi
done

# ---- 3. a bounded run finds the article's three bugs ----
if ! python3 tools/bench_bugs.py hunt --target booking --build "$O" \
    --spec fuzz/booking/openapi.yaml --seconds "$SECS" --expect 1,2,3 \
    --out "$tmp" >"$tmp/hunt.log" 2>&1; then
    echo "FAIL: apifuzz on booking for $SECS s:"
    tail -20 "$tmp/hunt.log"
    fail=1
fi
grep -E '^(found|# INFO)' "$tmp/hunt.log"
exit $fail
