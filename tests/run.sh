#!/usr/bin/env bash
# tests/run.sh - runs every test and prints one closing line
# "N passed, N failed, N skipped" counting all test cases.
#
# Arguments are test items:
#   path/to/test_binary   a cmocka binary; each of its cases counts
#   tests/t_name.sh       a script test; exit 0 pass, 77 skipped, else fail
#   fuzz:NAME             runs $O/fuzz/NAME_fuzzer for $FUZZ_SECONDS on its
#                         seeds (fuzz/NAME/seeds.sh prints seed files, or
#                         fuzz/NAME/corpus/); any finding fails
set -u
O=${O:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
pass=0 fail=0 skip=0
failed_names=()
logdir="$O/test-logs"
mkdir -p "$logdir"

count_tap() { # $1 name, $2 log file, $3 exit status
    # cmocka's TAP: "ok N - name", "not ok N - name", "not ok N # SKIP name"
    local p f s
    p=$(grep -cE '^ok [0-9]+' "$2")
    s=$(grep -cE '^(not )?ok [0-9]+ # SKIP' "$2")
    f=$(grep -cE '^not ok [0-9]+' "$2")
    f=$((f - s))
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed (sanitizer, abort) outside a counted case
    fi
    pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
    printf '%-40s %3d passed, %d failed, %d skipped\n' "$1" "$p" "$f" "$s"
    if [ "$f" -ne 0 ]; then
        failed_names+=("$1")
        grep -vE '^ok |^1\.\.' "$2" | head -40
    fi
    grep -E '^# SKIP ' "$2" | sort -u | sed 's/^# /    /' | head -3
    grep -E '^# INFO' "$2" | sed 's/^# INFO/    /'
}

for item in "$@"; do
    case "$item" in
    fuzz:*)
        name=${item#fuzz:}
        bin="$O/fuzz/${name}_fuzzer"
        log="$logdir/fuzz_$name.log"
        work=$(mktemp -d)
        mkdir -p "$work/corpus" "$work/artifacts"
        if [ -x "fuzz/$name/seeds.sh" ]; then
            "fuzz/$name/seeds.sh" "$work/corpus" >/dev/null 2>&1
        fi
        [ -d "fuzz/$name/corpus" ] && cp -r "fuzz/$name/corpus/." "$work/corpus/"
        "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
            "$work/corpus" >"$log" 2>&1
        rc=$?
        found=$(ls "$work/artifacts" | wc -l)
        execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}')
        if [ $rc -eq 0 ] && [ "$found" -eq 0 ]; then
            pass=$((pass + 1))
            printf '%-40s   1 passed (%ss, %s execs, no finding)\n' "fuzz $name" "$FUZZ_SECONDS" "${execs:-?}"
        else
            fail=$((fail + 1))
            failed_names+=("fuzz $name")
            printf '%-40s   FAILED (exit %d, %d artifacts kept in %s)\n' "fuzz $name" $rc "$found" "$work/artifacts"
            grep -E 'ERROR|SUMMARY|runtime error|#0 |#1 |#2 |#3 ' "$log" | head -20
            continue
        fi
        rm -rf "$work"
        ;;
    *.sh)
        name=$(basename "$item" .sh)
        log="$logdir/$name.log"
        O="$O" bash "$item" >"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            pass=$((pass + 1))
            printf '%-40s   1 passed\n' "$name"
        elif [ $rc -eq 77 ]; then
            skip=$((skip + 1))
            printf '%-40s   skipped: %s\n' "$name" "$(tail -n 1 "$log")"
        else
            fail=$((fail + 1))
            failed_names+=("$name")
            printf '%-40s   FAILED (exit %d)\n' "$name" $rc
            tail -n 30 "$log"
        fi
        grep -E '^# INFO' "$log" | sed 's/^# INFO/    /'
        ;;
    *)
        name=$(basename "$item")
        log="$logdir/$name.log"
        CMOCKA_MESSAGE_OUTPUT=TAP "$item" >"$log" 2>&1
        count_tap "$name" "$log" $?
        ;;
    esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failed: ${failed_names[*]} (logs in $logdir)"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
