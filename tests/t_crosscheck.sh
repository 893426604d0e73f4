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
. "$(dirname "$0")/oracle_env.sh" t_crosscheck

testdata=${APIFUZZ_TESTDATA:-../shared/testdata}
if [ ! -d "$testdata/real-world-specs" ]; then
    echo "testdata folder $testdata/real-world-specs not found"
    exit 77
fi

exec "$py" tests/crosscheck.py --bin "$bin" --testdata "$testdata" \
    -n "${CROSSCHECK_N:-70}" --seed "${CROSSCHECK_SEED:-1}"
