#!/bin/bash -eu
# oss-fuzz/build.sh - builds every apifuzz fuzz target the way OSS-Fuzz and
# ClusterFuzzLite expect (.clusterfuzzlite/build.sh runs this same script).
#
# Every folder fuzz/NAME/ is a target: with an openapi.yaml|json it is a
# service target (C sources with a harness using APIFUZZ_TARGET; the spec
# is embedded), without one it is one of apifuzz's own targets (a plain
# LLVMFuzzerTestOneInput, seeds from its seeds.sh). For each it writes
#   $OUT/NAME_fuzzer                  the fuzz target
#   $OUT/NAME_fuzzer_seed_corpus.zip  `apifuzz seeds SPEC` or seeds.sh
#   $OUT/NAME_fuzzer.dict             `apifuzz dict SPEC` (when available)
#   $OUT/NAME_fuzzer.options          [libfuzzer] dict and max_len
#
# Only the base-builder's variables steer the build: $CC $CFLAGS compile,
# $CXX $CXXFLAGS link (OSS-Fuzz requires the C++ driver as linker: the
# AFL++ and Centipede engine libraries are C++), $LIB_FUZZING_ENGINE is
# the engine, $WORK holds objects, $OUT the results; nothing of the
# Makefile's flags is used. The apifuzz CLI that writes seeds and
# dictionaries is a host tool, built with plain clang into $WORK.
#
# Coverage instrumentation: a service target fuzzes the service, so only
# the service's own sources (fuzz/NAME/*.c, harness included) get the
# full $CFLAGS. apifuzz's code in a service target (the library, the
# engine glue, the embedded spec) is a second copy of its objects,
# compiled without coverage instrumentation, as the Makefile's mode svc
# does: the engines' coverage and comparison feedback then come from the
# service alone, and apifuzz's share of each execution stays small.
#   - libFuzzer / Centipede style $CFLAGS: the copy drops
#     -fsanitize=fuzzer-no-link (and fuzzer) and every -fsanitize-coverage*
#     flag; the sanitizers (-fsanitize=address, undefined, memory...) stay,
#     so the arena's ASan poisoning and the sanitizer runtime match. This
#     also covers OSS-Fuzz's AFL++ workaround (CC=clang with
#     -fsanitize-coverage=trace-pc-guard in $CFLAGS).
#   - AFL++ ($CC is afl-clang-fast, afl-clang-lto, afl-cc, afl-gcc-fast..):
#     the copy is compiled with AFL_NOOPT=1 (AFL++'s env_variables.md),
#     with which afl-cc (4.x; 4.04c tested) runs the compiler it was built
#     with on the arguments unchanged: no coverage, CmpLog, LAF or
#     AFL_LLVM_DICT2FILE pass, whatever AFL_LLVM_* OSS-Fuzz's compile_afl
#     rolls, and no -flto (afl-clang-lto). Plain clang from the same
#     place is the same compiler but harder to find in every image; a
#     denylist (AFL_LLVM_DENYLIST with "src: ..." entries) would need
#     matching paths and leaves inlined code instrumented. The sanitizers
#     afl-cc adds for AFL_USE_ASAN/MSAN/UBSAN are added by hand.
#   - Reporting builds (SANITIZER=coverage: -fprofile-instr-generate
#     -fcoverage-mapping; SANITIZER=introspector) keep $CFLAGS: apifuzz's
#     lines in a coverage report are harmless. Whenever the copy's
#     compiler and flags come out the same as the instrumented ones,
#     there is one copy.
#   - Wrappers that instrument whatever they compile (honggfuzz's
#     hfuzz-clang) instrument the copy too; project.yaml lists no such
#     engine.
# apifuzz's own targets (fuzz/NAME/ without a spec) fuzz apifuzz itself:
# they link the instrumented copy ($CFLAGS). Every compilation (host
# tool, both copies, every target) runs in one batch, $JOBS at a time;
# then $JOBS targets at a time are linked.
#
# Dependencies: the runner image has none of the builder's packages, so
# libyaml, PCRE2 and SQLite are linked from their static archives, and
# cJSON (whose Debian/Ubuntu package ships no static archive, and an old
# version on Ubuntu 20.04) is compiled from $SRC/cjson when the Dockerfile
# cloned it there. A library with neither is linked dynamically, with a
# warning: fine on a developer machine, not on OSS-Fuzz's runner.
#
# Optional environment:
#   APIFUZZ_JOBS           parallel compilations and links (default: nproc)
#   APIFUZZ_BIN            an apifuzz CLI to use instead of building one
#   APIFUZZ_HOST_CC        compiler of the host tool (default: clang)
#   APIFUZZ_EXTRA_TARGETS  more target folders (tests add tests/fuzz/plant)
#   APIFUZZ_PLANTED_BUGS=1 keep the example services' planted bugs; by
#                          default each service is compiled with NAME_FIXED
#                          so continuous fuzzing reports only real bugs
#
# shellcheck disable=SC2086 # flag variables are word lists, split on purpose
set -eu -o pipefail

log() { echo "build.sh: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

: "${CC:?set CC (OSS-Fuzz sets it)}" "${OUT:?set OUT}" "${WORK:?set WORK}"
: "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS-}
SRC=${SRC:-$WORK}
LINK_CC=${CXX:-$CC}
LINK_FLAGS=${CXXFLAGS:-$CFLAGS}
JOBS=${APIFUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
HOST_CC=${APIFUZZ_HOST_CC:-clang}

# The checkout: the current directory (OSS-Fuzz runs build.sh from the
# Dockerfile's WORKDIR), else the parent of this script's folder.
if [ -f include/apifuzz.h ]; then
    ROOT=$PWD
elif [ -f "$(dirname "$0")/../include/apifuzz.h" ]; then
    ROOT=$(cd "$(dirname "$0")/.." && pwd)
else
    die "run from the apifuzz checkout (include/apifuzz.h not found)"
fi
cd "$ROOT"

B=$WORK/apifuzz-build
rm -rf "$B"
mkdir -p "$B" "$OUT"

case "${SANITIZER:-}" in
memory) log "warning: libyaml, PCRE2 and SQLite are not MSan-instrumented" ;;
esac
log "engine ${FUZZING_ENGINE:-?}, sanitizer ${SANITIZER:-?}," \
    "arch ${ARCHITECTURE:-?}: CC=$CC, link with $LINK_CC"

# Compilations are queued, then run in one batch: the host tool, both
# copies of apifuzz and every target's sources share the $JOBS slots.
QUEUE=$B/queue

# queue OBJDIR COMPILER "FLAGS" SOURCE...: one object per source, named
# after its path (see objects).
queue() {
    local objdir=$1 cc=$2 flags=$3 src
    shift 3
    mkdir -p "$objdir"
    for src in "$@"; do
        printf '%s\0%s\0%s\0%s\0' "$objdir" "$cc" "$flags" "$src" >>"$QUEUE"
    done
}

# run_queue: compiles what is queued, $JOBS at a time; stops at the
# first failure.
run_queue() {
    [ -s "$QUEUE" ] || return 0
    local start=$SECONDS n
    n=$(($(tr -cd '\0' <"$QUEUE" | wc -c) / 4))
    # shellcheck disable=SC2016 # expanded by the inner bash
    xargs -0 -n 4 -P "$JOBS" bash -c 'o="$1/${4//\//_}.o"
        $2 $3 -c "$4" -o "$o" ||
            { echo "build.sh: cannot compile $4" >&2; exit 255; }' _ \
        <"$QUEUE"
    rm -f "$QUEUE"
    log "compiled $n sources in $((SECONDS - start))s"
}

# objects OBJDIR SOURCE...: the object paths queue() named.
objects() {
    local objdir=$1 src
    shift
    for src in "$@"; do
        printf '%s/%s.o\n' "$objdir" "${src//\//_}"
    done
}

# archive ARCHIVE OBJDIR SOURCE...: an archive of the sources' objects.
archive() {
    local a=$1
    shift
    rm -f "$a"
    # shellcheck disable=SC2046
    "${AR:-ar}" rcs "$a" $(objects "$@")
}

# static_lib NAME: the path of libNAME.a for $CC $CFLAGS, else -lNAME.
static_lib() {
    local a
    a=$($CC $CFLAGS -print-file-name="lib$1.a" 2>/dev/null || true)
    if [ -n "$a" ] && [ "$a" != "lib$1.a" ] && [ -f "$a" ]; then
        echo "$a"
    else
        log "warning: no static lib$1.a: linking -l$1 dynamically" \
            "(OSS-Fuzz's runner image will not have it)"
        echo "-l$1"
    fi
}

# Sets DEP_CFLAGS and DEP_LIBS (fuzzers), SVC_LIBS (service targets only),
# HOST_CFLAGS and HOST_LIBS (the host tool), CJSON_SRC.
resolve_deps() {
    command -v pkg-config >/dev/null || die "pkg-config is missing"
    local pc="yaml-0.1 libpcre2-8" cjson_inc
    DEP_CFLAGS=$(pkg-config --cflags $pc) || die "pkg-config: $pc missing"
    HOST_LIBS="$(pkg-config --libs $pc) -lm"
    CJSON_SRC=
    if [ -f "$SRC/cjson/cJSON.c" ]; then
        CJSON_SRC=$SRC/cjson/cJSON.c
        cjson_inc=$B/deps/include
        mkdir -p "$cjson_inc/cjson"
        cp "$SRC/cjson/cJSON.h" "$cjson_inc/cjson/"
        DEP_CFLAGS="-I$cjson_inc $DEP_CFLAGS"
        DEP_LIBS=
    else
        DEP_CFLAGS="$DEP_CFLAGS $(pkg-config --cflags libcjson)" ||
            die "no \$SRC/cjson and no libcjson"
        DEP_LIBS=$(static_lib cjson)
        HOST_LIBS="-lcjson $HOST_LIBS"
    fi
    HOST_CFLAGS=$DEP_CFLAGS
    DEP_LIBS="$DEP_LIBS $(static_lib yaml) $(static_lib pcre2-8) -lm"
    SVC_LIBS="$(static_lib sqlite3) -lm -ldl -lpthread"
}

# without_coverage FLAGS...: FLAGS less -fsanitize=fuzzer(-no-link) (also
# inside a list: -fsanitize=address,fuzzer-no-link) and -fsanitize-coverage*.
without_coverage() {
    local f kept out=()
    for f in "$@"; do
        case $f in
        -fsanitize-coverage*) ;;
        -fsanitize=*)
            kept=$(printf '%s\n' "${f#-fsanitize=}" | tr , '\n' |
                grep -vxE 'fuzzer|fuzzer-no-link' | paste -sd, -) || true
            [ -z "$kept" ] || out+=("-fsanitize=$kept")
            ;;
        *) out+=("$f") ;;
        esac
    done
    printf '%s\n' "${out[*]}"
}

# Sets SVC_CC and SVC_CFLAGS, the compiler and flags of apifuzz's copy in
# service targets (see the header), and SVC_OBJ, its object folder: $B/lib
# (the instrumented copy's) when they come out the same.
plain_compiler() {
    local words all
    read -ra words <<<"$CFLAGS"
    all=${words[*]}
    SVC_CC=$CC
    SVC_CFLAGS=$(without_coverage "${words[@]}")
    case "${SANITIZER:-}" in
    coverage | introspector) SVC_CFLAGS=$all ;;
    esac
    read -ra words <<<"$CC"
    case $(basename "${words[0]}") in
    afl-*)
        SVC_CC="env AFL_NOOPT=1 $CC"
        local san
        for san in ASAN:address MSAN:memory UBSAN:undefined; do
            [ "$(printenv "AFL_USE_${san%%:*}")" != 1 ] ||
                SVC_CFLAGS="$SVC_CFLAGS -fsanitize=${san#*:}"
        done
        ;;
    esac
    SVC_OBJ=$B/svclib
    if [ "$SVC_CC" = "$CC" ] && [ "$SVC_CFLAGS" = "$all" ]; then
        SVC_OBJ=$B/lib
    fi
    log "apifuzz in service targets: $SVC_CC $SVC_CFLAGS"
}

# The apifuzz CLI for seeds and dictionaries: not instrumented, not part
# of $OUT, -O0 (it only writes a few seeds and dictionaries, and compiles
# three times faster). queue_host_tool queues it, link_host_tool sets
# APIFUZZ.
queue_host_tool() {
    [ -n "${APIFUZZ_BIN:-}" ] && return
    queue "$B/host" "$HOST_CC" "-O0 $BASE_FLAGS $HOST_CFLAGS" \
        "${LIB_CORE[@]}" src/cli/*.c
}

link_host_tool() {
    if [ -n "${APIFUZZ_BIN:-}" ]; then
        [ -x "$APIFUZZ_BIN" ] || die "APIFUZZ_BIN=$APIFUZZ_BIN not executable"
        APIFUZZ=$APIFUZZ_BIN
        return
    fi
    archive "$B/host/libapifuzz.a" "$B/host" "${LIB_CORE[@]}"
    APIFUZZ=$B/apifuzz
    # shellcheck disable=SC2046
    $HOST_CC -o "$APIFUZZ" $(objects "$B/host" src/cli/*.c) \
        "$B/host/libapifuzz.a" $HOST_LIBS
}

# has_command NAME: whether the CLI knows `apifuzz NAME`.
has_command() {
    "$APIFUZZ" help 2>/dev/null | grep -qE "^[[:space:]]*$1([[:space:]]|$)"
}

# fixed_define NAME: -DNAME_FIXED (upper case, '-' as '_') unless the
# planted bugs are wanted.
fixed_define() {
    [ "${APIFUZZ_PLANTED_BUGS:-0}" = 1 ] && return
    printf -- '-D%s_FIXED' "$(printf %s "$1" | tr 'a-z-' 'A-Z_')"
}

# link NAME ARCHIVE OBJECT... LIBS...: $OUT/NAME_fuzzer.
link_target() {
    local name=$1 lib=$2
    shift 2
    $LINK_CC $LINK_FLAGS -o "$OUT/${name}_fuzzer" "$@" "$lib" \
        $LIB_FUZZING_ENGINE $DEP_LIBS
}

# A service: its sources with $CFLAGS, its embedded spec with apifuzz's
# uninstrumented copy.
queue_service() { # NAME DIR SPEC
    local name=$1 dir=$2 spec=$3 gen=$B/gen/$1_spec.c
    mkdir -p "$B/gen"
    tools/embed-spec.sh "$spec" "$gen"
    queue "$B/svc/$name" "$CC" \
        "$CFLAGS $BASE_FLAGS $DEP_CFLAGS $(fixed_define "$name")" "$dir"/*.c
    queue "$SVC_OBJ" "$SVC_CC" "$SVC_CFLAGS $BASE_FLAGS $DEP_CFLAGS" "$gen"
}

link_service() { # NAME DIR
    local name=$1 dir=$2
    # shellcheck disable=SC2046
    link_target "$name" "$SVC_OBJ/libapifuzz.a" \
        $(objects "$B/svc/$name" "$dir"/*.c) \
        $(objects "$SVC_OBJ" "$B/gen/${name}_spec.c") $SVC_LIBS
}

queue_self() { # NAME DIR
    queue "$B/self/$1" "$CC" "$CFLAGS $BASE_FLAGS $DEP_CFLAGS" "$2"/*.c
}

link_self() { # NAME DIR
    # shellcheck disable=SC2046
    link_target "$1" "$B/lib/libapifuzz.a" $(objects "$B/self/$1" "$2"/*.c)
}

# finish NAME DIR SPEC: links the target and writes its extras.
finish() {
    if [ -n "$3" ]; then
        link_service "$1" "$2"
    else
        link_self "$1" "$2"
    fi
    extras "$1" "$2" "$3"
    log "built $OUT/${1}_fuzzer"
}

# reap: waits for one finish (run in the background, $running of them);
# on a failure, for all of them, then stops.
reap() {
    if ! wait -n; then
        wait || true
        die "a target failed to build (see above)"
    fi
    running=$((running - 1))
}

# seeds NAME DIR SPEC DEST: fills DEST with the target's seed inputs.
seeds() {
    local name=$1 dir=$2 spec=$3 dest=$4
    mkdir -p "$dest"
    if [ -n "$spec" ]; then
        if has_command seeds; then
            "$APIFUZZ" seeds "$spec" "$dest" >/dev/null ||
                die "apifuzz seeds $spec failed"
        else
            log "warning: no 'apifuzz seeds' yet: $name gets no spec seeds"
        fi
    elif [ -f "$dir/seeds.sh" ]; then
        bash "$dir/seeds.sh" "$dest" >/dev/null || die "$dir/seeds.sh failed"
    fi
    local extra
    for extra in "$dir/corpus" "corpora/$name"; do
        [ -d "$extra" ] && find "$extra" -type f -exec cp {} "$dest/" \;
    done
    # The empty input decodes to the simplest program: a seed for every
    # target, and the corpus is never empty.
    [ -n "$(ls -A "$dest")" ] || : >"$dest/empty"
}

# dictionary NAME SPEC DEST: writes DEST when there is a dictionary.
dictionary() {
    local name=$1 spec=$2 dest=$3
    if [ -n "$spec" ] && has_command dict; then
        "$APIFUZZ" dict "$spec" >"$dest" || die "apifuzz dict $spec failed"
    elif [ -f "dictionaries/$name.dict" ]; then
        cp "dictionaries/$name.dict" "$dest"
    elif [ -n "$spec" ]; then
        log "warning: no 'apifuzz dict' yet: $name gets no dictionary"
    fi
    if [ -f "$dest" ] && [ ! -s "$dest" ]; then
        rm -f "$dest"
    fi
    return 0
}

# extras NAME DIR SPEC: the seed corpus zip, the dictionary, the options.
extras() {
    local name=$1 dir=$2 spec=$3 corpus=$B/corpus/$1 base=$OUT/${1}_fuzzer
    local max_len=4096 size f
    seeds "$name" "$dir" "$spec" "$corpus"
    rm -f "${base}_seed_corpus.zip"
    (cd "$corpus" && zip -q -X -r "${base}_seed_corpus.zip" .)
    dictionary "$name" "$spec" "$base.dict"
    # No seed may be cut by max_len; 4096 is libFuzzer's own default.
    while IFS= read -r f; do
        size=$(wc -c <"$f")
        [ "$size" -le "$max_len" ] || max_len=$size
    done < <(find "$corpus" -type f)
    {
        echo "[libfuzzer]"
        [ -f "$base.dict" ] && echo "dict = ${name}_fuzzer.dict"
        echo "max_len = $max_len"
    } >"$base.options"
}

# The Makefile's LIB_SRCS; the engine glue is every other src/engine/
# file but the AFL++ custom mutator's (src/engine/afl*.c, a shared
# library afl-fuzz loads, not part of a target). LIB_CORE (the library)
# is what the host tool and apifuzz's own targets need, LIB_ALL (the
# library and the glue, which a service harness's APIFUZZ_TARGET calls)
# what service targets need; a target pulls from its archive only what
# it references.
LIB_SRCS=(src/util/*.c src/spec/*.c src/gen/*.c src/wire/*.c src/check/*.c
    src/engine/runner.c)
ENGINE_SRCS=()
for f in src/engine/*.c; do
    case $f in
    src/engine/runner.c | src/engine/afl*.c) ;;
    *) ENGINE_SRCS+=("$f") ;;
    esac
done
BASE_FLAGS="-std=c11 -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L"

resolve_deps
plain_compiler
LIB_CORE=("${LIB_SRCS[@]}")
[ -n "$CJSON_SRC" ] && LIB_CORE+=("$CJSON_SRC")
LIB_ALL=("${LIB_CORE[@]}" "${ENGINE_SRCS[@]}")

# The targets: NAME, DIR and SPEC (empty for apifuzz's own) of each.
# shellcheck disable=SC2206
dirs=(fuzz/*/ ${APIFUZZ_EXTRA_TARGETS:-})
t_name=() t_dir=() t_spec=()
for dir in "${dirs[@]}"; do
    dir=${dir%/}
    if ! compgen -G "$dir/*.c" >/dev/null; then
        log "warning: $dir has no C sources yet: skipped"
        continue
    fi
    spec=
    for s in "$dir/openapi.yaml" "$dir/openapi.json"; do
        [ -f "$s" ] && spec=$s && break
    done
    t_name+=("$(basename "$dir")") t_dir+=("$dir") t_spec+=("$spec")
done
[ ${#t_name[@]} -gt 0 ] || die "no fuzz target built"

# Queue the copies of apifuzz the targets need (first: they are the
# bulk), then every target's sources; compile; archive; link.
need_lib=0 need_svc=0 lib=("${LIB_CORE[@]}")
for spec in "${t_spec[@]}"; do
    if [ -n "$spec" ]; then need_svc=1; else need_lib=1; fi
done
if [ "$SVC_OBJ" = "$B/lib" ] && [ $need_svc = 1 ]; then
    need_lib=1 lib=("${LIB_ALL[@]}")
fi
queue_host_tool
if [ $need_lib = 1 ]; then
    queue "$B/lib" "$CC" "$CFLAGS $BASE_FLAGS $DEP_CFLAGS" "${lib[@]}"
fi
if [ $need_svc = 1 ] && [ "$SVC_OBJ" != "$B/lib" ]; then
    queue "$SVC_OBJ" "$SVC_CC" "$SVC_CFLAGS $BASE_FLAGS $DEP_CFLAGS" \
        "${LIB_ALL[@]}"
fi
for i in "${!t_name[@]}"; do
    if [ -n "${t_spec[i]}" ]; then
        queue_service "${t_name[i]}" "${t_dir[i]}" "${t_spec[i]}"
    else
        queue_self "${t_name[i]}" "${t_dir[i]}"
    fi
done
run_queue
link_host_tool
if [ $need_lib = 1 ]; then
    archive "$B/lib/libapifuzz.a" "$B/lib" "${lib[@]}"
fi
if [ $need_svc = 1 ] && [ "$SVC_OBJ" != "$B/lib" ]; then
    archive "$SVC_OBJ/libapifuzz.a" "$SVC_OBJ" "${LIB_ALL[@]}"
fi

# Link the targets and write their extras, $JOBS targets at a time.
running=0
for i in "${!t_name[@]}"; do
    [ $running -lt "$JOBS" ] || reap
    finish "${t_name[i]}" "${t_dir[i]}" "${t_spec[i]}" &
    running=$((running + 1))
done
while [ $running -gt 0 ]; do reap; done
