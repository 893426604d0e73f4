#!/usr/bin/env bash
# tests/t_crosscheck.sh - issue 4 acceptance: `apifuzz validate` and
# python3-jsonschema (through the adapter of tests/conformance_spec.py)
# agree on the request bodies and parameter values that `apifuzz gen
# --mixed` draws from the real-world specs, positive and negative; at
# least 10,000 instances are compared and every disagreement fails.
# CROSSCHECK_N (programs per spec, default 70) and CROSSCHECK_SEED
# (default 1) override the run; both are printed.
# Exit 0 pass, 1 a disagreement or too few instances, 77 skipped
# (python3-jsonschema or python3-yaml or the testdata missing; the reason
# is the last line).
set -u
O=${O:-build}
bin="$O/asan/apifuzz"
if [ ! -x "$bin" ]; then
    echo "t_crosscheck: $bin is not built (make $bin)"
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
if [ ! -d "$testdata/real-world-specs" ]; then
    echo "testdata folder $testdata/real-world-specs not found"
    exit 77
fi

exec "$py" tests/crosscheck.py --bin "$bin" --testdata "$testdata" \
    -n "${CROSSCHECK_N:-70}" --seed "${CROSSCHECK_SEED:-1}"
