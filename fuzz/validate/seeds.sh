#!/usr/bin/env bash
# fuzz/validate/seeds.sh DIR - fills DIR with seeds for the validate
# fuzzer: "SCHEMA\0INSTANCE" pairs, the first case (its last test) of every
# draft2020-12 and draft4 file of the JSON-Schema-Test-Suite (when
# $APIFUZZ_TESTDATA, default ../shared/testdata, exists and python3 is
# there), plus a few written here (OpenAPI-style objects, formats,
# recursion, dynamic references). Prints the seed files written.
set -eu
dir=${1:?usage: seeds.sh DIR}
mkdir -p "$dir"
td=${APIFUZZ_TESTDATA:-../shared/testdata}
suite="$td/json-schema-test-suite/tests"

if [ -d "$suite" ] && command -v python3 >/dev/null; then
    python3 - "$suite" "$dir" <<'PY'
import json, os, sys
suite, out = sys.argv[1], sys.argv[2]
for draft in ("draft2020-12", "draft4"):
    folder = os.path.join(suite, draft)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        cases = json.load(open(os.path.join(folder, name)))
        for k, case in enumerate(cases[:1]):
            test = case["tests"][-1]
            path = os.path.join(out, "jsts_%s_%s_%d" % (draft, name[:-5], k))
            with open(path, "wb") as f:
                f.write(json.dumps(case["schema"]).encode())
                f.write(b"\0")
                f.write(json.dumps(test["data"]).encode())
            print(path)
PY
fi

seed() { # name schema instance
    printf '%s\0%s' "$2" "$3" >"$dir/$1"
    echo "$dir/$1"
}

seed booking '{"type":"object","required":["id","guest"],"properties":{"id":{"type":"integer","readOnly":true,"minimum":1},"guest":{"type":"string","minLength":1,"maxLength":40,"pattern":"^[A-Za-z ]+$"},"nights":{"type":"integer","exclusiveMinimum":0,"maximum":30},"email":{"type":"string","format":"email","nullable":true},"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true}},"additionalProperties":false}' '{"id":7,"guest":"Ann Lee","nights":3,"email":"a@b.example","tags":["x","y"]}'
seed formats '{"properties":{"d":{"format":"date-time"},"h":{"format":"idn-hostname"},"u":{"format":"uri-template"},"i":{"format":"ipv6"},"r":{"format":"regex"},"e":{"format":"idn-email"},"p":{"format":"duration"}}}' '{"d":"1998-12-31T23:59:60Z","h":"xn--ihqwcrb4cv8a8dqg056pqjye","u":"/a/{b}{?c*}","i":"::ffff:1.2.3.4","r":"^(?<n>a)\\k<n>$","e":"\u00e9@x.test","p":"P1Y2M3DT4H"}'
seed recursive '{"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"},"v":{"type":"number","multipleOf":0.01}}}},"$ref":"#/$defs/node"}' '{"v":1.01,"next":{"v":2,"next":{"v":3.5,"next":{}}}}'
seed dynamic '{"$id":"https://x.test/root","$dynamicAnchor":"meta","$ref":"list","$defs":{"list":{"$id":"list","type":"array","items":{"$dynamicRef":"#meta"},"$defs":{"m":{"$dynamicAnchor":"meta"}}}}}' '[[[]],[]]'
seed unevaluated '{"allOf":[{"properties":{"a":true}}],"anyOf":[{"properties":{"b":{"type":"string"}}},{"required":["c"]}],"if":{"required":["d"]},"then":{"properties":{"d":{"const":1}}},"unevaluatedProperties":false,"prefixItems":[true],"unevaluatedItems":{"type":"null"}}' '{"a":1,"b":"x","d":1}'
seed oneof '{"oneOf":[{"type":"object","required":["kind"],"properties":{"kind":{"const":"cat"}}},{"type":"object","properties":{"kind":{"enum":["dog",null]}}}],"discriminator":{"propertyName":"kind"}}' '{"kind":"dog","bark":true}'
seed contains '{"contains":{"type":"integer"},"minContains":2,"maxContains":3,"dependentRequired":{"a":["b"]},"dependentSchemas":{"c":{"maxProperties":2}},"propertyNames":{"pattern":"^[a-z]$"}}' '[1,"a",2,{"x":1}]'
seed self '{"type":["object","array"],"items":{"$ref":"#"},"additionalProperties":{"$ref":"#"}}' ''
