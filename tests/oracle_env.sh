# tests/oracle_env.sh - sourced by the python3-jsonschema oracle tests
# (t_conformance.sh, t_crosscheck.sh): sets $bin, the ASan apifuzz binary
# (exit 1 when it is not built), and $py, a python3 with jsonschema and
# yaml, preferring Debian's (exit 77, the skip status, with the reason as
# the last line when there is none). $1 names the test in messages.
O=${O:-build}
bin="$O/asan/apifuzz"
if [ ! -x "$bin" ]; then
    echo "$1: $bin is not built (make $bin)"
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
