#!/usr/bin/env bash
# tests/bench/engine.sh - `make bench`, issue 5: the engines.
#
# 1. apifuzz's share of each execution measured inside the harness
#    (APIFUZZ_TIMING=1: time in decode, render, checks and the mutator
#    against time in the service's handle and reset; target under 20%), and
#    exec/s of the full harness (decode, render, service, checks, and the
#    custom mutator) against the ceiling: the same service fed fixed
#    pre-rendered programs in a loop (tests/bench/ceiling.c), both run by
#    the same engine for the same time, side by side; printed as a ratio
#    and as apifuzz's share of each execution (1 - harness/ceiling; the
#    target is under 20%). libFuzzer uses the fixed variant of the target
#    (no planted bug stops the run); AFL++ runs the target as built.
# 2. A soak: 1,000,000 executions of the fixed target under libFuzzer with
#    LeakSanitizer on, RSS sampled from libFuzzer's status lines: any leak
#    report, and RSS after warm-up against RSS at the end.
# BENCH_TARGET (default booking, else plant), BENCH_ENGINE_SECONDS
# (default 20), BENCH_SOAK_RUNS (default 1000000). Prints only; exit 0
# unless something could not run.
set -u
O=${O:-build}
T=${BENCH_TARGET:-}
if [ -z "$T" ]; then
    T=plant
    [ -f fuzz/booking/openapi.yaml ] && T=booking
fi
SECS=${BENCH_ENGINE_SECONDS:-20}
SOAK=${BENCH_SOAK_RUNS:-1000000}
out="$O/bench"
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_engine.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

make -s --no-print-directory O="$O" "$O/fuzz/${T}_fixed_fuzzer" \
    "$O/fuzz/${T}_ceiling_fuzzer" "$O/release/apifuzz" || exit 2
spec=$(ls fuzz/$T/openapi.* tests/fuzz/$T/openapi.* 2>/dev/null | head -1)

# The harness's seed corpus.
mkdir -p "$tmp/seeds"
if [ -d "corpora/$T" ] && [ -n "$(ls "corpora/$T")" ]; then
    cp "corpora/$T"/* "$tmp/seeds/"
else
    "$O/release/apifuzz" seeds "$spec" "$tmp/seeds" >/dev/null 2>&1 || true
fi
[ -n "$(ls "$tmp/seeds")" ] || : >"$tmp/seeds/empty"

stat() { grep -E "^stat::$1:" "$2" | awk '{print $2}' | tail -1; }

libfuzzer_rate() { # BIN CORPUS LOG [env...]
    local bin=$1 corpus=$2 log=$3
    shift 3
    env "$@" "$bin" -max_total_time="$SECS" -print_final_stats=1 \
        -close_fd_mask=3 "$corpus" >"$log" 2>&1
    local n t
    n=$(stat number_of_executed_units "$log")
    t=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | awk '{print $5}')
    [ -n "$n" ] && [ -n "$t" ] && [ "$t" -gt 0 ] && echo $((n / t)) || echo 0
}

echo "== engines ($T, ${SECS}s each, side by side)"
mkdir -p "$tmp/c1" "$tmp/c2"
cp "$tmp/seeds"/* "$tmp/c1/"
h=$(libfuzzer_rate "$O/fuzz/${T}_fixed_fuzzer" "$tmp/c1" "$tmp/h.log" \
    APIFUZZ_TIMING=1)
c=$(libfuzzer_rate "$O/fuzz/${T}_ceiling_fuzzer" "$tmp/c2" "$tmp/c.log")
ratio() { awk -v h="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.2f", h / c; else print "n/a" }'; }
share() { awk -v h="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.0f%%", 100 * (1 - h / c); else print "n/a" }'; }
printf '%-10s %14s %14s %8s %16s\n' engine "harness exec/s" "ceiling exec/s" ratio "apifuzz share"
printf '%-10s %14s %14s %8s %16s\n' libFuzzer "$h" "$c" "$(ratio "$h" "$c")" "$(share "$h" "$c")"

if command -v afl-fuzz >/dev/null &&
    make -s --no-print-directory O="$O" "$O/afl/${T}_afl" \
        "$O/afl/${T}_ceiling_afl" "$O/afl/libapifuzz_afl.so" 2>/dev/null; then
    afl_rate() { # NAME BIN [env...]
        local name=$1 bin=$2
        shift 2
        env AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
            AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 "$@" \
            afl-fuzz -m none -V "$SECS" -s 1 -i "$tmp/seeds" \
            -o "$tmp/afl_$name" -- "$bin" >"$tmp/afl_$name.log" 2>&1
        local st="$tmp/afl_$name/default/fuzzer_stats"
        [ -f "$st" ] || { echo 0; return; }
        awk -F' *: *' '$1=="execs_done"{n=$2} $1=="start_time"{s=$2}
            $1=="last_update"{u=$2} END { if (u > s) printf "%d", n / (u - s); else print 0 }' "$st"
    }
    ah=$(afl_rate harness "$O/afl/${T}_afl" \
        AFL_CUSTOM_MUTATOR_LIBRARY="$O/afl/libapifuzz_afl.so" \
        APIFUZZ_SPEC="$spec")
    ac=$(afl_rate ceiling "$O/afl/${T}_ceiling_afl")
    printf '%-10s %14s %14s %8s %16s\n' AFL++ "$ah" "$ac" "$(ratio "$ah" "$ac")" "$(share "$ah" "$ac")"
else
    echo "AFL++: not measured (afl-fuzz or the AFL++ build is missing)"
fi
# The direct measure, inside the harness: time outside the service.
grep -h "apifuzz: timing" "$tmp/h.log" | sed 's/^apifuzz: timing: /libFuzzer harness, measured inside: /'
echo "(ceiling: the service alone, cycling through 256 pre-rendered random programs of the same plan, $(grep -oE '[0-9]+ requests' "$tmp/c.log" | head -1); harness: everything, on the programs the fuzzer makes)"

echo "== soak ($T fixed variant, $SOAK executions, LeakSanitizer on)"
mkdir -p "$tmp/soak"
cp "$tmp/seeds"/* "$tmp/soak/"
ASAN_OPTIONS=detect_leaks=1 "$O/fuzz/${T}_fixed_fuzzer" -runs="$SOAK" \
    -detect_leaks=1 -print_final_stats=1 -close_fd_mask=3 "$tmp/soak" \
    >"$tmp/soak.log" 2>&1
rc=$?
rss=$(grep -oE '^#[0-9]+.*rss: [0-9]+Mb' "$tmp/soak.log" |
    sed -E 's/^#([0-9]+).*rss: ([0-9]+)Mb/\1 \2/')
warm=$(echo "$rss" | awk -v n="$SOAK" '$1 >= n / 10 { print $2; exit }')
end=$(echo "$rss" | tail -1 | awk '{print $2}')
leaks=$(grep -c 'ERROR: LeakSanitizer' "$tmp/soak.log" || true)
runs=$(stat number_of_executed_units "$tmp/soak.log")
echo "executions: ${runs:-?}  exit: $rc  leak reports: $leaks"
echo "RSS after warm-up (10%): ${warm:-?} MB  at the end: ${end:-?} MB  peak: $(stat peak_rss_mb "$tmp/soak.log") MB"
{
    echo "target,engine,harness_execs,ceiling_execs"
    echo "$T,libfuzzer,$h,$c"
    [ -n "${ah:-}" ] && echo "$T,afl,$ah,$ac"
} >"$out/engine.csv"
exit 0
