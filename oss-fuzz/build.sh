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
# Dependencies: the runner image has none of the builder's packages, so
# libyaml, PCRE2 and SQLite are linked from their static archives, and
# cJSON (whose Debian/Ubuntu package ships no static archive, and an old
# version on Ubuntu 20.04) is compiled from $SRC/cjson when the Dockerfile
# cloned it there. A library with neither is linked dynamically, with a
# warning: fine on a developer machine, not on OSS-Fuzz's runner.
#
# Optional environment:
#   APIFUZZ_JOBS           parallel compilations (default: nproc)
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

# compile OBJDIR COMPILER "FLAGS" SOURCE...: one object per source, named
# after its path, $JOBS at a time; stops at the first failure.
compile() {
    local objdir=$1 cc=$2 flags=$3
    shift 3
    mkdir -p "$objdir"
    # shellcheck disable=SC2016 # expanded by the inner bash
    printf '%s\n' "$@" |
        AF_CC=$cc AF_FLAGS=$flags AF_OBJ=$objdir xargs -P "$JOBS" -n 1 \
            bash -c 'o="$AF_OBJ/$(printf %s "$1" | tr / _).o"
                $AF_CC $AF_FLAGS -c "$1" -o "$o" ||
                    { echo "build.sh: cannot compile $1" >&2; exit 255; }' _
}

# objects OBJDIR SOURCE...: the object paths compile() wrote.
objects() {
    local objdir=$1 src
    shift
    for src in "$@"; do
        printf '%s/%s.o\n' "$objdir" "$(printf %s "$src" | tr / _)"
    done
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

# The apifuzz CLI for seeds and dictionaries: not instrumented, not part
# of $OUT. Its library is an archive like the targets' (below).
build_host_tool() {
    if [ -n "${APIFUZZ_BIN:-}" ]; then
        [ -x "$APIFUZZ_BIN" ] || die "APIFUZZ_BIN=$APIFUZZ_BIN not executable"
        APIFUZZ=$APIFUZZ_BIN
        return
    fi
    local lib=("${LIB_SRCS[@]}" "${ENGINE_SRCS[@]}") cli=(src/cli/*.c)
    [ -n "$CJSON_SRC" ] && lib+=("$CJSON_SRC")
    compile "$B/host" "$HOST_CC" "-O1 $BASE_FLAGS $HOST_CFLAGS" \
        "${lib[@]}" "${cli[@]}"
    # shellcheck disable=SC2046
    "${AR:-ar}" rcs "$B/host/libapifuzz.a" $(objects "$B/host" "${lib[@]}")
    APIFUZZ=$B/apifuzz
    # shellcheck disable=SC2046
    $HOST_CC -o "$APIFUZZ" $(objects "$B/host" "${cli[@]}") \
        "$B/host/libapifuzz.a" $HOST_LIBS
}

# has_command NAME: whether the CLI knows `apifuzz NAME`.
has_command() {
    "$APIFUZZ" help 2>/dev/null | grep -qE "^[[:space:]]*$1([[:space:]]|$)"
}

# The library and the engine glue, compiled once for every target into
# one archive: a target pulls only what it references (the glue only
# through a service harness's APIFUZZ_TARGET).
build_library() {
    local srcs=("${LIB_SRCS[@]}" "${ENGINE_SRCS[@]}")
    [ -n "$CJSON_SRC" ] && srcs+=("$CJSON_SRC")
    compile "$B/lib" "$CC" "$CFLAGS $BASE_FLAGS $DEP_CFLAGS" "${srcs[@]}"
    rm -f "$B/libapifuzz.a"
    # shellcheck disable=SC2046
    "${AR:-ar}" rcs "$B/libapifuzz.a" $(objects "$B/lib" "${srcs[@]}")
}

# fixed_define NAME: -DNAME_FIXED (upper case, '-' as '_') unless the
# planted bugs are wanted.
fixed_define() {
    [ "${APIFUZZ_PLANTED_BUGS:-0}" = 1 ] && return
    printf -- '-D%s_FIXED' "$(printf %s "$1" | tr 'a-z-' 'A-Z_')"
}

# link NAME OBJECT... LIBS...: $OUT/NAME_fuzzer.
link_target() {
    local name=$1
    shift
    $LINK_CC $LINK_FLAGS -o "$OUT/${name}_fuzzer" "$@" "$B/libapifuzz.a" \
        $LIB_FUZZING_ENGINE $DEP_LIBS
}

build_service() { # NAME DIR SPEC
    local name=$1 dir=$2 spec=$3 srcs gen
    srcs=("$dir"/*.c)
    gen=$B/gen/${name}_spec.c
    mkdir -p "$B/gen"
    tools/embed-spec.sh "$spec" "$gen"
    compile "$B/svc/$name" "$CC" \
        "$CFLAGS $BASE_FLAGS $DEP_CFLAGS $(fixed_define "$name")" \
        "${srcs[@]}" "$gen"
    # shellcheck disable=SC2046
    link_target "$name" $(objects "$B/svc/$name" "${srcs[@]}" "$gen") \
        $SVC_LIBS
}

build_self() { # NAME DIR
    local name=$1 dir=$2 srcs
    srcs=("$dir"/*.c)
    compile "$B/self/$name" "$CC" "$CFLAGS $BASE_FLAGS $DEP_CFLAGS" \
        "${srcs[@]}"
    # shellcheck disable=SC2046
    link_target "$name" $(objects "$B/self/$name" "${srcs[@]}")
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
# library afl-fuzz loads, not part of a target).
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
build_host_tool
build_library

# shellcheck disable=SC2206
targets=(fuzz/*/ ${APIFUZZ_EXTRA_TARGETS:-})
built=0
for dir in "${targets[@]}"; do
    dir=${dir%/}
    name=$(basename "$dir")
    spec=
    for s in "$dir/openapi.yaml" "$dir/openapi.json"; do
        [ -f "$s" ] && spec=$s && break
    done
    if ! compgen -G "$dir/*.c" >/dev/null; then
        log "warning: $dir has no C sources yet: skipped"
        continue
    fi
    if [ -n "$spec" ]; then
        build_service "$name" "$dir" "$spec"
    else
        build_self "$name" "$dir"
    fi
    extras "$name" "$dir" "$spec"
    log "built $OUT/${name}_fuzzer"
    built=$((built + 1))
done
[ "$built" -gt 0 ] || die "no fuzz target built"
