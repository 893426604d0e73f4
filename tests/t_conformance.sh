#!/usr/bin/env bash
# tests/t_conformance.sh - issue 3 acceptance (2) and (3): every call that
# `apifuzz gen SPEC --mixed` prints is judged by tests/conformance.py, an
# oracle built on python3-jsonschema and independent of src/check/.
# Positive calls must all conform; at least 99% of the negative calls
# (soft ones excluded) must be invalid; every exception is listed.
#
# The specs of tests/specs/ok always run; with $APIFUZZ_TESTDATA (default
# ../shared/testdata) also the OpenAPI examples, the Schemathesis example
# and the real-world specs. CONFORMANCE_N (programs per spec, default 200)
# and CONFORMANCE_SEED (default 1) override the run; both are printed.
# Exit 0 pass, 1 below target, 77 skipped (python3-jsonschema or
# python3-yaml missing; the reason is the last line).
set -u
O=${O:-build}
bin="$O/asan/apifuzz"
if [ ! -x "$bin" ]; then
    echo "t_conformance: $bin is not built (make $bin)"
    exit 1
fi

py=""
for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c 'import jsonschema, yaml' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "python3 with jsonschema and yaml not found (make deps installs python3-jsonschema python3-yaml)"
    exit 77
fi

testdata=${APIFUZZ_TESTDATA:-../shared/testdata}
if [ ! -d "$testdata" ]; then
    echo "# INFO testdata folder not found: only tests/specs/ok is checked"
    testdata=""
fi

exec "$py" tests/conformance.py --bin "$bin" --testdata "$testdata" \
    -n "${CONFORMANCE_N:-200}" --seed "${CONFORMANCE_SEED:-1}"
