#!/usr/bin/env bash
# tests/t_engines.sh - issue 5 acceptance, libFuzzer half: the plant test
# service (tests/fuzz/plant) has a bug that only a well-formed create
# followed by a fetch of the created id with kind "c" and count 42
# reaches. `-seed=1 -runs=N` with apifuzz's custom mutator must find it;
# the same budget with plain libFuzzer mutations on the decoder (the
# nomut build) is run alongside and reported, not asserted. Also checks
# that the crash file comes with its requests (the crash context), that
# replaying it reproduces the crash, that the binary runs from another
# directory (embedded spec) and that -merge=1 works on plain bytes.
# The AFL++ half is tests/t_afl.sh. Exit 0 pass, else fail.
set -u
O=${O:-build}
RUNS=${ENGINES_RUNS:-400000}
root=$(pwd)
make -s --no-print-directory O="$O" "$O/fuzz/plant_fuzzer" \
    "$O/fuzz/plant_nomut_fuzzer" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_engines.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# run NAME BIN: fuzzes from an empty corpus; sets found/execs/secs.
run() {
    local name=$1 bin=$2
    mkdir -p "$tmp/$name/corpus" "$tmp/$name/art"
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$tmp" && "$root/$bin" -seed=1 -runs="$RUNS" -max_total_time=120 \
        -reload=0 -print_final_stats=1 \
        -artifact_prefix="$tmp/$name/art/" "$tmp/$name/corpus" \
        >"$tmp/$name/log" 2>&1)
    t1=$(date +%s.%N)
    secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
    execs=$(grep -E '^stat::number_of_executed_units' "$tmp/$name/log" |
        awk '{print $2}')
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$tmp/$name/log" | tail -1 | tr -d '#')
    found=$(ls "$tmp/$name/art" | grep -c '^crash-' || true)
}

run mut "$O/fuzz/plant_fuzzer"
mut_found=$found
echo "# INFO custom mutator: crash found: $found, after ${execs:-?} execs, ${secs}s (-seed=1 -runs=$RUNS)"
if [ "$found" -lt 1 ]; then
    echo "FAIL: the custom mutator did not find the planted bug"
    tail -5 "$tmp/mut/log"
    fail=1
fi
run nomut "$O/fuzz/plant_nomut_fuzzer"
echo "# INFO plain libFuzzer mutations on the decoder: crash found: $found, after ${execs:-?} execs, ${secs}s"

if [ "$mut_found" -ge 1 ]; then
    log="$tmp/mut/log"
    if ! grep -q "apifuzz: crash while running a program" "$log" ||
        ! grep -q "curl .*-X 'GET' 'http://localhost/items/" "$log" ||
        ! grep -q "curl .*-X 'POST' 'http://localhost/items'" "$log"; then
        echo "FAIL: the crash report does not list the program's requests"
        fail=1
    fi
    crash=$(ls "$tmp/mut/art"/crash-* | head -1)
    # Replay from another directory: the spec is embedded.
    if (cd / && "$root/$O/fuzz/plant_fuzzer" "$crash" >"$tmp/replay" 2>&1); then
        echo "FAIL: replaying the crash file did not crash"
        fail=1
    elif ! grep -q "plant.c" "$tmp/replay"; then
        echo "FAIL: the replay crashed elsewhere than the planted bug"
        tail -5 "$tmp/replay"
        fail=1
    fi
fi

# -merge=1 runs only the target, on plain bytes.
mkdir -p "$tmp/merged"
if ! "$O/fuzz/plant_fuzzer" -merge=1 "$tmp/merged" "$tmp/nomut/corpus" \
    >"$tmp/merge.log" 2>&1; then
    echo "FAIL: -merge=1 failed"
    tail -5 "$tmp/merge.log"
    fail=1
else
    echo "# INFO -merge=1: $(ls "$tmp/nomut/corpus" | wc -l) inputs -> $(ls "$tmp/merged" | wc -l)"
fi

# A broken spec is a clear error, not a crash.
printf 'openapi: 3.0.0\npaths: [' >"$tmp/broken.yaml"
if APIFUZZ_SPEC="$tmp/broken.yaml" "$O/fuzz/plant_fuzzer" -runs=1 \
    >"$tmp/broken.log" 2>&1 ||
    ! grep -q "apifuzz: cannot load the spec" "$tmp/broken.log"; then
    echo "FAIL: a broken APIFUZZ_SPEC is not reported clearly"
    cat "$tmp/broken.log" | head -5
    fail=1
fi
exit $fail
