#!/usr/bin/env bash
# tests/t_ossfuzz.sh - issue 5: runs oss-fuzz/build.sh with the variables
# set as OSS-Fuzz sets them, once for libFuzzer+ASan and once for AFL++
# (+ASan), into temporary $SRC $WORK $OUT, for every fuzz/NAME/ target and
# tests/fuzz/plant (added through APIFUZZ_EXTRA_TARGETS, so a service
# target is always covered). Then, for each target:
#   - $OUT holds NAME_fuzzer, NAME_fuzzer_seed_corpus.zip (a valid zip of
#     at least one file; for a service, seeds from `apifuzz seeds`),
#     NAME_fuzzer.options ([libfuzzer], max_len no smaller than the
#     largest seed, "dict = NAME_fuzzer.dict" exactly when that file
#     exists), NAME_fuzzer.dict in libFuzzer/AFL syntax (for a service,
#     from `apifuzz dict`), and nothing else; libyaml, PCRE2 and SQLite
#     are linked statically (OSS-Fuzz's runner image lacks them);
#   - coverage instrumentation (from the objects build.sh left in
#     $WORK/apifuzz-build, with nm): apifuzz's copy in service targets
#     (svclib/: library, engine glue, embedded specs) references no
#     coverage hook (__sanitizer_cov_*, __afl_*, __cmplog_*) but still
#     ASan's; the copy apifuzz's own targets link (lib/) and each
#     service's own objects (svc/NAME/) do reference them;
#   - libFuzzer: the fuzzer, run from another directory with the flags of
#     its .options file, replays its whole seed corpus (-runs=0), and
#     apifuzz's own targets then mutate for 2000 runs (-seed=1): exit 0,
#     no artifact. Services only replay (a planted bug may be reachable),
#     and their INITED line shows coverage (cov: > 0, the service's alone);
#   - AFL++: each binary runs as a plain program on up to 8 seeds
#     (libAFLDriver executes the files given as arguments): exit 0; and
#     afl-showmap records a coverage map for one seed.
# Prints "# INFO" lines with the timings. Exit 0 pass, 1 fail, 77 skipped
# (clang, zip, unzip or pkg-config missing; the reason is the last line).
set -u
O=${O:-build}
AFL_DRIVER=${AFL_DRIVER:-/usr/lib/afl/libAFLDriver.a}

for tool in clang clang++ zip unzip pkg-config; do
    if ! command -v "$tool" >/dev/null; then
        echo "t_ossfuzz: $tool not found"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_ossfuzz.XXXXXX") || exit 1
# T_OSSFUZZ_KEEP=1 keeps the builds and logs for a look.
if [ "${T_OSSFUZZ_KEEP:-0}" = 1 ]; then
    echo "# INFO kept in $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi
failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}

# The targets build.sh must produce: folders with C sources (a service
# folder still being written has none yet and is skipped).
names=()
declare -A is_service
for dir in fuzz/*/ tests/fuzz/plant/; do
    compgen -G "${dir}*.c" >/dev/null || continue
    name=$(basename "$dir")
    names+=("$name")
    is_service[$name]=0
    if [ -f "${dir}openapi.yaml" ] || [ -f "${dir}openapi.json" ]; then
        is_service[$name]=1
    fi
done

# build LABEL VAR=VALUE...: runs build.sh as OSS-Fuzz's compile step
# would, into $tmp/LABEL/{src,work,out}; its output in build.log.
build() {
    local label=$1 dir=$tmp/$1 start=$SECONDS
    shift
    mkdir -p "$dir/src" "$dir/work" "$dir/out"
    env -u APIFUZZ_SPEC -u APIFUZZ_BIN SANITIZER=address ARCHITECTURE=x86_64 \
        SRC="$dir/src" WORK="$dir/work" OUT="$dir/out" APIFUZZ_JOBS=2 \
        APIFUZZ_EXTRA_TARGETS=tests/fuzz/plant "$@" \
        bash oss-fuzz/build.sh >"$dir/build.log" 2>&1
    local rc=$?
    echo "# INFO $label: build.sh took $((SECONDS - start))s"
    if [ $rc -ne 0 ]; then
        fail "$label: build.sh exited $rc"
        tail -n 25 "$dir/build.log"
        return 1
    fi
}

check_dict() { # FILE
    local bad
    bad=$(grep -vE '^[[:space:]]*(#|$)' "$1" |
        grep -vE '^[[:space:]]*([A-Za-z0-9_]+=)?"([^"\\]|\\[\\"]|\\x[0-9A-Fa-f]{2})*"[[:space:]]*$' |
        head -n 3)
    [ -z "$bad" ] || fail "$1: not dictionary syntax: $bad"
}

# check_target LABEL NAME: the files of one target in $OUT.
check_target() {
    local label=$1 name=$2
    local base=$tmp/$1/out/${2}_fuzzer seeds=$tmp/$1/seeds/$2 largest=0 f n
    [ -x "$base" ] || { fail "$label: no $base"; return 1; }
    if ! unzip -tq "${base}_seed_corpus.zip" >/dev/null; then
        fail "$label: ${name}_fuzzer_seed_corpus.zip is not a valid zip"
        return 1
    fi
    mkdir -p "$seeds"
    unzip -q -o "${base}_seed_corpus.zip" -d "$seeds"
    n=$(find "$seeds" -type f | wc -l)
    [ "$n" -ge 1 ] || fail "$label: $name has an empty seed corpus"
    if [ "${is_service[$name]}" = 1 ] &&
        [ -z "$(find "$seeds" -type f ! -name empty)" ]; then
        fail "$label: $name has no seed from its spec"
    fi
    while IFS= read -r f; do
        n=$(wc -c <"$f")
        [ "$n" -le "$largest" ] || largest=$n
    done < <(find "$seeds" -type f)
    if ! awk 'NR == 1 && $0 != "[libfuzzer]" { bad = 1 }
              NR > 1 && $0 !~ /^[a-z_]+ = [^ ]+$/ { bad = 1 }
              END { exit bad }' "$base.options"; then
        fail "$label: $name: malformed $(cat "$base.options")"
    fi
    n=$(sed -n 's/^max_len = //p' "$base.options")
    if [ -z "$n" ] || [ "$n" -lt "$largest" ]; then
        fail "$label: $name: max_len '$n' below its largest seed ($largest)"
    fi
    if [ -f "$base.dict" ]; then
        grep -qx "dict = ${name}_fuzzer.dict" "$base.options" ||
            fail "$label: $name: the options do not name the dictionary"
        check_dict "$base.dict"
    else
        ! grep -q '^dict' "$base.options" ||
            fail "$label: $name: the options name a missing dictionary"
        [ "${is_service[$name]}" = 0 ] ||
            fail "$label: service $name has no dictionary"
    fi
    if ldd "$base" | grep -E 'lib(yaml|pcre2|sqlite3)'; then
        fail "$label: $name links a library dynamically that the runner lacks"
    fi
}

# check_out LABEL: every target, and nothing else in $OUT.
check_out() {
    local label=$1 name f ok
    for name in "${names[@]}"; do
        check_target "$label" "$name"
    done
    for f in "$tmp/$label/out"/*; do
        ok=0
        for name in "${names[@]}"; do
            case $(basename "$f") in
            "${name}_fuzzer" | "${name}_fuzzer.dict" | "${name}_fuzzer.options" | \
                "${name}_fuzzer_seed_corpus.zip") ok=1 ;;
            esac
        done
        [ $ok = 1 ] || fail "$label: unexpected file in \$OUT: $f"
    done
}

# The symbols an object compiled with coverage instrumentation references:
# libFuzzer's and Centipede's SanitizerCoverage hooks, AFL++'s map and
# CmpLog hooks.
COV_HOOKS='__sanitizer_cov_|__afl_|__cmplog_'

# refs PATTERN OBJECT...: the objects with an undefined symbol matching
# PATTERN (one nm for all), sorted.
refs() {
    local pattern=$1
    shift
    nm -A -u "$@" | awk -F: -v p="$pattern" '$2 ~ p { print $1 }' | sort -u
}

# functions OBJECT...: the objects that define a global function, sorted.
functions() {
    nm -A --defined-only "$@" | awk -F: '$2 ~ / T / { print $1 }' | sort -u
}

# names3 < PATHS: at most three file names, on one line.
names3() { sed 's|.*/||' | head -n 3 | paste -sd ' ' -; }

# check_objects LABEL: which of build.sh's objects carry coverage
# instrumentation (see the header).
check_objects() {
    local label=$1 b=$tmp/$1/work/apifuzz-build bad name svc
    if ! command -v nm >/dev/null; then
        echo "# INFO $label: no nm, instrumentation not checked"
        return
    fi
    svc=("$b"/svclib/*.o)
    if [ ! -f "${svc[0]}" ]; then
        fail "$label: no uninstrumented copy of apifuzz (svclib/)"
        return
    fi
    bad=$(refs "$COV_HOOKS" "${svc[@]}" | names3)
    [ -z "$bad" ] ||
        fail "$label: apifuzz in service targets is instrumented: $bad"
    bad=$(comm -23 <(printf '%s\n' "${svc[@]}" | sort) \
        <(refs __asan_ "${svc[@]}") | names3)
    [ -z "$bad" ] || fail "$label: apifuzz in service targets lost ASan: $bad"
    bad=$(comm -23 <(functions "$b"/lib/*.o) \
        <(refs "$COV_HOOKS" "$b"/lib/*.o) | names3)
    [ -z "$bad" ] ||
        fail "$label: apifuzz's own targets link uninstrumented code: $bad"
    for name in "${names[@]}"; do
        [ "${is_service[$name]}" = 1 ] || continue
        [ -n "$(refs "$COV_HOOKS" "$b/svc/$name"/*.o)" ] ||
            fail "$label: service $name is not instrumented"
    done
}

# libfuzzer_flags OUT NAME: the [libfuzzer] options as flags, as
# ClusterFuzz passes them (the dictionary from $OUT).
libfuzzer_flags() {
    sed -n '/^\[libfuzzer\]/,/^\[/s/^\([a-z_]*\) = \(.*\)$/-\1=\2/p' \
        "$1/$2_fuzzer.options" | sed "s|^-dict=|-dict=$1/|"
}

run_libfuzzer() { # NAME; adds the services' "NAME=cov" to $covs
    local name=$1 out=$tmp/lf/out dir=$tmp/lf/run/$1 flags cov
    mkdir -p "$dir/art" "$dir/corpus"
    mapfile -t flags < <(libfuzzer_flags "$out" "$name")
    if ! (cd "$dir" && "$out/${name}_fuzzer" "${flags[@]}" -runs=0 \
        -artifact_prefix="$dir/art/" "$tmp/lf/seeds/$name") \
        >"$dir/replay.log" 2>&1 || ! grep -q INITED "$dir/replay.log"; then
        fail "libfuzzer: $name does not replay its seed corpus"
        grep -E 'ERROR|error|SUMMARY|#[0-9] ' "$dir/replay.log" | head -n 15
        return
    fi
    if [ "${is_service[$name]}" = 1 ]; then
        cov=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$dir/replay.log" |
            head -n 1)
        [ "${cov:-0}" -gt 0 ] || fail "libfuzzer: $name reports no coverage:" \
            "$(grep INITED "$dir/replay.log")"
        covs="$covs $name=${cov:-0}"
        return
    fi
    cp -r "$tmp/lf/seeds/$name/." "$dir/corpus/"
    if ! (cd "$dir" && "$out/${name}_fuzzer" "${flags[@]}" -seed=1 -runs=2000 \
        -max_total_time=60 -timeout=10 -artifact_prefix="$dir/art/" \
        "$dir/corpus") >"$dir/fuzz.log" 2>&1 || [ -n "$(ls -A "$dir/art")" ]; then
        fail "libfuzzer: $name fails within 2000 runs (-seed=1)"
        grep -E 'ERROR|SUMMARY|#[0-9] ' "$dir/fuzz.log" | head -n 15
    fi
}

run_afl() { # NAME
    local name=$1 bin=$tmp/afl/out/${1}_fuzzer dir=$tmp/afl/run/$1 files
    mkdir -p "$dir"
    mapfile -t files < <(find "$tmp/afl/seeds/$name" -type f | sort | head -n 8)
    if ! (cd "$dir" && "$bin" "${files[@]}") >"$dir/run.log" 2>&1; then
        fail "afl: $name fails on its seeds"
        grep -E 'ERROR|SUMMARY|#[0-9] ' "$dir/run.log" | head -n 15
        return
    fi
    if ! AFL_QUIET=1 afl-showmap -q -m none -t 10000 -o "$dir/map" \
        -- "$bin" "${files[0]}" >"$dir/showmap.log" 2>&1 || [ ! -s "$dir/map" ]; then
        fail "afl: afl-showmap records no coverage for $name"
        tail -n 5 "$dir/showmap.log"
    fi
}

cflags="-O1 -fno-omit-frame-pointer -gline-tables-only"
cflags="$cflags -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address"
cflags="$cflags -fsanitize-address-use-after-scope"
# OSS-Fuzz's CXXFLAGS are its CFLAGS plus -stdlib=libc++, which Debian's
# clang does not ship: here they are the CFLAGS.
if build lf CC=clang CXX=clang++ FUZZING_ENGINE=libfuzzer \
    CFLAGS="$cflags -fsanitize=fuzzer-no-link" \
    CXXFLAGS="$cflags -fsanitize=fuzzer-no-link" \
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer; then
    check_out lf
    check_objects lf
    start=$SECONDS covs=
    for name in "${names[@]}"; do
        [ -x "$tmp/lf/out/${name}_fuzzer" ] && run_libfuzzer "$name"
    done
    echo "# INFO lf: ${#names[@]} fuzzers ran in $((SECONDS - start))s"
    echo "# INFO lf: services' coverage at INITED:$covs"
fi

if ! command -v afl-clang-fast >/dev/null || [ ! -f "$AFL_DRIVER" ]; then
    echo "# INFO afl: afl-clang-fast or $AFL_DRIVER missing, AFL++ half skipped"
else
    host=()
    [ -x "$tmp/lf/work/apifuzz-build/apifuzz" ] &&
        host=(APIFUZZ_BIN="$tmp/lf/work/apifuzz-build/apifuzz")
    if build afl CC=afl-clang-fast CXX=afl-clang-fast++ FUZZING_ENGINE=afl \
        CFLAGS="$cflags" CXXFLAGS="$cflags" LIB_FUZZING_ENGINE="$AFL_DRIVER" \
        AFL_QUIET=1 "${host[@]}"; then
        check_out afl
        check_objects afl
        start=$SECONDS
        for name in "${names[@]}"; do
            [ -x "$tmp/afl/out/${name}_fuzzer" ] && run_afl "$name"
        done
        echo "# INFO afl: ${#names[@]} fuzzers ran in $((SECONDS - start))s"
    fi
fi

if [ $failed -ne 0 ]; then
    echo "t_ossfuzz: FAILED"
    exit 1
fi
echo "t_ossfuzz: ${#names[@]} targets (${names[*]}) built and run"
