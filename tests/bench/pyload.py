#!/usr/bin/env python3
"""The Python side of `make bench`: loads one spec the way a Python tool
would (json.load for JSON; yaml.load with the libyaml-backed CSafeLoader
when PyYAML has it, else the pure-Python SafeLoader) and prints one line
    ms=<load milliseconds> rss_kb=<peak RSS> loader=<name>
Only parsing is timed (no $ref resolution or compilation), so the
comparison flatters Python."""
import json
import resource
import sys
import time


def main():
    path = sys.argv[1]
    if path.endswith(".json"):
        loader_name = "json"

        def load(f):
            return json.load(f)
    else:
        import yaml
        loader = getattr(yaml, "CSafeLoader", None)
        loader_name = "yaml.CSafeLoader"
        if loader is None:
            loader, loader_name = yaml.SafeLoader, "yaml.SafeLoader"

        def load(f):
            return yaml.load(f, Loader=loader)
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        doc = load(f)
    ms = (time.perf_counter() - t0) * 1e3
    assert isinstance(doc, dict)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("ms=%.2f rss_kb=%d loader=%s" % (ms, rss, loader_name))


if __name__ == "__main__":
    main()
