#!/usr/bin/env bash
# tests/t_tools.sh - issue 5's tools on the plant test service
# (tests/fuzz/plant: GET of an item created with kind "c" and count 42
# dereferences NULL):
# - `apifuzz dict` lists the spec's words, once each, in a file libFuzzer
#   loads; `apifuzz seeds` writes inputs that decode (`apifuzz show`),
#   among them a create followed by a get;
# - `make fuzz TARGET=plant SECONDS=20` finds the planted crash and its
#   summary lists the signature once, with exec/s, corpus, edges and API
#   coverage. Finding it in 20 s is the mutator's business (t_engines.sh
#   asserts it from an empty corpus); when this run misses it (a loaded
#   machine), a second short run starts from a corpus holding a 4-call
#   program that crashes, so the rest of the chain is still checked;
# - `make minimize` shrinks the crash to 2 calls (create, get) with the
#   same signature, and writes the .min and .curl files;
# - `make triage` groups two crash files of the bug under one signature.
# Everything goes to a temporary folder (FINDINGS, CORPORA, DICTS,
# FUZZ_WORK); nothing is left in the tree. Exit 0 pass, else fail.
set -u
O=${O:-build}
spec=tests/fuzz/plant/openapi.yaml
cli=$O/release/apifuzz
bin=$O/fuzz/plant_fuzzer
make -s --no-print-directory O="$O" "$cli" "$bin" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}
mk() {
    make -s --no-print-directory O="$O" TARGET=plant \
        FINDINGS="$tmp/findings" CORPORA="$tmp/corpora" DICTS="$tmp/dicts" \
        FUZZ_WORK="$tmp/work" "$@"
}
# The calls of the programs in the files given, one line per file:
# "createItem getItem".
calls() {
    "$cli" show --mixed --format json "$spec" "$@" | python3 -c '
import json, sys
progs = {}
for line in sys.stdin:
    j = json.loads(line)
    progs.setdefault(j["program"], []).append(j["operation"])
for k in sorted(progs):
    print(" ".join(progs[k]))'
}
tree_state() {
    ls -A corpora dictionaries findings 2>/dev/null | sort | md5sum
}
before=$(tree_state)

# ---- apifuzz dict ----
"$cli" dict "$spec" >"$tmp/plant.dict" || bad "apifuzz dict failed"
for tok in items item_id name kind count a b c application/json; do
    grep -qx "\"$tok\"" "$tmp/plant.dict" || bad "dict: token \"$tok\" missing"
done
dups=$(grep '^"' "$tmp/plant.dict" | sort | uniq -d)
[ -z "$dups" ] || bad "dict: tokens listed twice: $dups"
n_tok=$(grep -c '^"' "$tmp/plant.dict")
"$bin" -dict="$tmp/plant.dict" -runs=1 "$tmp" >"$tmp/dict.log" 2>&1
grep -q "Dictionary: $n_tok entries" "$tmp/dict.log" ||
    bad "dict: libFuzzer did not load $n_tok entries: $(grep -i dict "$tmp/dict.log")"

# ---- apifuzz seeds ----
"$cli" seeds "$spec" "$tmp/seeds" >"$tmp/seeds.out" || bad "apifuzz seeds failed"
n_seeds=$(ls "$tmp/seeds" | wc -l)
grep -q "apifuzz seeds: $n_seeds seeds ($n_seeds new)" "$tmp/seeds.out" ||
    bad "seeds: the count printed is not the $n_seeds files: $(cat "$tmp/seeds.out")"
calls "$tmp/seeds"/* >"$tmp/seeds.calls" || bad "seeds: apifuzz show failed"
[ "$(wc -l <"$tmp/seeds.calls")" -eq "$n_seeds" ] ||
    bad "seeds: $n_seeds files but $(wc -l <"$tmp/seeds.calls") programs shown"
grep -qx "createItem getItem" "$tmp/seeds.calls" ||
    bad "seeds: no create -> get program: $(tr '\n' ';' <"$tmp/seeds.calls")"
grep -qx "getItem" "$tmp/seeds.calls" || bad "seeds: no getItem call alone"
[ -f "$tmp/seeds/da39a3ee5e6b4b0d3255bfef95601890afd80709" ] ||
    bad "seeds: no empty input"

# ---- make fuzz ----
t0=$(date +%s.%N)
mk fuzz SECONDS=20 >"$tmp/fuzz.log" 2>&1 || bad "make fuzz failed: $(tail -5 "$tmp/fuzz.log")"
t1=$(date +%s.%N)
found=$(ls "$tmp/findings/plant" 2>/dev/null | grep -c '^crash-')
summary=$(sed -n '/^== make fuzz: plant/,$p' "$tmp/fuzz.log")
if [ "$found" -ge 1 ]; then
    first=$(echo "$summary" | sed -n 's/^first finding after \(.*\) s$/\1/p')
    echo "# INFO make fuzz TARGET=plant SECONDS=20: planted crash found after ${first:-?} s ($(echo "$summary" | grep '^exec/s'))"
else
    echo "# INFO make fuzz TARGET=plant SECONDS=20: planted crash not found in 20 s ($(echo "$summary" | grep '^exec/s')); rerun from a corpus holding a crashing program"
    # createItem(hello, b, 0), createItem(a, c, 42), getItem 2, getItem 3
    crafted=$tmp/crafted
    printf '\000\000\004hello\001\005\001\000\000\000\000\002\140\001\001\000\000\003\001\001\000\001\070' >"$crafted"
    if [ "$(calls "$crafted")" != "createItem createItem getItem getItem" ] ||
        ! "$cli" show --mixed "$spec" "$crafted" | grep -q '"kind":"c","count":42'; then
        bad "the crafted crashing input no longer decodes as meant (the decoder's choice layout changed): update it"
    fi
    cp "$crafted" "$tmp/corpora/plant/"
    mk fuzz SECONDS=5 >"$tmp/fuzz.log" 2>&1 || bad "make fuzz failed: $(tail -5 "$tmp/fuzz.log")"
    rm -f "$tmp/corpora/plant/crafted"
    found=$(ls "$tmp/findings/plant" 2>/dev/null | grep -c '^crash-')
    summary=$(sed -n '/^== make fuzz: plant/,$p' "$tmp/fuzz.log")
fi
[ "$found" -ge 1 ] || bad "make fuzz: no crash file in $tmp/findings/plant"
echo "$summary" | grep -q '^failures: 1 distinct' ||
    bad "make fuzz: the summary does not list one failure: $summary"
sig=$(echo "$summary" | sed -n 's/^  [0-9][0-9]* *\([^ ].*:getItem:.*\)$/\1/p')
[ "$(echo "$sig" | grep -c .)" -eq 1 ] ||
    bad "make fuzz: the plant's signature (…:getItem:…) is not listed once: $summary"
case "$sig" in
*answer_item*) ;;
*) bad "make fuzz: the signature '$sig' does not name the crashing function" ;;
esac
for field in '^exec/s: [0-9]' 'corpus: [0-9]' '^API coverage: 2/2 operations' \
    '^        reproduce: '; do
    echo "$summary" | grep -q "$field" || bad "make fuzz: no '$field' in the summary"
done

# ---- make minimize ----
crash=$(ls -S "$tmp/findings/plant"/crash-* 2>/dev/null |
    grep -v -e '\.min$' -e '\.curl$' | head -1)
if [ -n "$crash" ]; then
    before_calls=$(calls "$crash" | wc -w)
    mk minimize CRASH="$crash" >"$tmp/min.log" 2>&1 ||
        bad "make minimize failed: $(tail -20 "$tmp/min.log")"
    grep -q '^  structured: ' "$tmp/min.log" ||
        bad "make minimize: the structured pass did not run: $(cat "$tmp/min.log")"
    [ -f "$crash.min" ] && [ -f "$crash.curl" ] ||
        bad "make minimize: no $crash.min and .curl"
    [ "$(calls "$crash.min")" = "createItem getItem" ] ||
        bad "make minimize: result is '$(calls "$crash.min")', not 'createItem getItem'"
    grep -qx "signature: $sig" "$tmp/min.log" ||
        bad "make minimize: the signature changed: $(grep '^signature' "$tmp/min.log")"
    grep -q '"kind":"c","count":42' "$crash.curl" ||
        bad "make minimize: the curl program lost the crashing values: $(cat "$crash.curl")"
    echo "# INFO make minimize: $(wc -c <"$crash") bytes, $before_calls calls -> $(wc -c <"$crash.min") bytes, 2 calls ($(grep -o '([0-9]* runs[^)]*)' "$tmp/min.log" | head -1 | tr -d '()'))"

    # ---- make triage: the crash and another program of the same bug ----
    other=$tmp/findings/plant/crash-other
    if cmp -s "$crash" "$crash.min"; then
        printf '\000\000\004hello\001\005\001\000\000\000\000\002\140\001\001\000\000\003\001\001\000\001\070' >"$other"
    else
        cp "$crash.min" "$other"
    fi
    # make fuzz goes on after findings, so the run may have left several
    # files of the bug: all of them and the other program form one group.
    nfiles=$(find "$tmp/findings/plant" -maxdepth 1 -name 'crash-*' \
        ! -name '*.min' ! -name '*.curl' ! -name '*.har' | wc -l)
    mk triage >"$tmp/triage.log" 2>&1 || bad "make triage failed: $(tail -5 "$tmp/triage.log")"
    grep -q "^failures: 1 distinct ($nfiles files)" "$tmp/triage.log" ||
        bad "make triage: $nfiles files of one bug not grouped: $(cat "$tmp/triage.log")"
    grep -q "^  $nfiles *$sig\$" "$tmp/triage.log" ||
        bad "make triage: no row '$nfiles $sig': $(cat "$tmp/triage.log")"
fi

[ "$(tree_state)" = "$before" ] || bad "files were left under corpora/, dictionaries/ or findings/"
exit $fail
