#!/usr/bin/env python3
"""Writes a synthetic spec of about TARGET_MB megabytes for `make bench` by
multiplying a real spec: copy k of every path (as /c<k>/path) and of every
reusable component (Name -> Name_c<k>, with every "#/components/..."
reference of the copy renamed to match, and operationIds suffixed) is added
until the JSON text reaches the target size. Security schemes are shared.
Works on OpenAPI 3.x (components/*) and Swagger 2.0 (definitions,
parameters, responses).

usage: synth.py BASE_SPEC OUT.json [OUT.yaml] [--target-mb N]"""
import json
import sys


def load(path):
    with open(path, "rb") as f:
        if path.endswith(".json"):
            return json.load(f)
        import yaml
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader",
                                           yaml.SafeLoader))


def sections(doc):
    """(container dict, "#/..." prefix) of every renamed section."""
    if "swagger" in doc:
        names = ["definitions", "parameters", "responses"]
        return [(doc[n], "#/%s/" % n) for n in names if n in doc]
    comps = doc.get("components", {})
    return [(v, "#/components/%s/" % k) for k, v in comps.items()
            if k != "securitySchemes" and isinstance(v, dict)]


def renamer(prefixes, suffix):
    def rename_ref(s):
        for p in prefixes:
            if s.startswith(p):
                rest = s[len(p):]
                name, sep, tail = rest.partition("/")
                return p + name + suffix + sep + tail
        return s

    def copy(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "operationId" and isinstance(v, str):
                    out[k] = v + suffix
                else:
                    out[k] = copy(v)
            return out
        if isinstance(node, list):
            return [copy(v) for v in node]
        if isinstance(node, str) and node.startswith("#/"):
            return rename_ref(node)
        return node
    return copy


def add_copy(doc, base_paths, base_sections, k):
    suffix = "_c%d" % k
    copy = renamer([p for _, p in base_sections], suffix)
    for (container, _), (orig, _) in zip(sections(doc), base_sections):
        for name, value in orig.items():
            container[name + suffix] = copy(value)
    for path, item in base_paths.items():
        doc["paths"]["/c%d%s" % (k, path)] = copy(item)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target_mb = 10.0
    if "--target-mb" in sys.argv:
        target_mb = float(sys.argv[sys.argv.index("--target-mb") + 1])
        args.remove(sys.argv[sys.argv.index("--target-mb") + 1])
    base, out_json = args[0], args[1]
    out_yaml = args[2] if len(args) > 2 else None
    doc = load(base)
    base_paths = json.loads(json.dumps(doc["paths"]))
    base_sections = [(json.loads(json.dumps(c)), p) for c, p in sections(doc)]
    target = int(target_mb * 1024 * 1024)
    size = len(json.dumps(doc, indent=1))
    k = 0
    per_copy = None
    while size < target:
        k += 1
        add_copy(doc, base_paths, base_sections, k)
        if per_copy is None:
            per_copy = len(json.dumps(doc, indent=1)) - size
        size += per_copy
    text = json.dumps(doc, indent=1)
    with open(out_json, "w") as f:
        f.write(text)
    if out_yaml:
        import yaml
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        with open(out_yaml, "w") as f:
            yaml.dump(doc, f, Dumper=dumper, sort_keys=False,
                      allow_unicode=True, width=120)
    print("%s: %d copies of %s, %d bytes" % (out_json, k, base, len(text)))


if __name__ == "__main__":
    main()
