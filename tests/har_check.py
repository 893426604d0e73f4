#!/usr/bin/env python3
"""har_check.py - checks HAR files for tests/t_har.sh.

  har_check.py validate FILE.har [--apifuzz]
      FILE.har has the structure of HAR 1.2 (http://www.softwareishard.com/
      blog/har-12-spec/, mirrored at github.com/ahmadnassri/har-spec):
      every required field with its type, the optional ones typed when
      present, no unknown field unless it starts with '_' (the spec's rule
      for custom fields), timings non-negative and summing to `time`,
      ISO 8601 dates, postData.text and params not both, base64 texts that
      decode, sizes that agree with the texts. With --apifuzz, also the
      `_apifuzz` object apifuzz writes on the log and on every entry, and
      the order of programs and calls.
  har_check.py show FILE.har SHOW.jsonl FILE...
      the entries match the programs `apifuzz show --format json` printed
      for the FILEs (replayed in that order, one program each): count,
      operation, method, and the URL and JSON body of every call whose
      values came from no earlier response.
  har_check.py roundtrip A.har LIST B.har
      LIST is `apifuzz har2corpus --list` output (an input's name, then
      the indexes of the A.har entries it was made of); B.har is the
      replay of those inputs: each input's requests there are the listed
      A.har requests (method, URL, body), in order.

Prints one line per problem and exits 1 when there is one, else prints a
summary and exits 0.
"""

import base64
import json
import re
import sys

ISO_8601 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")

# Object name -> {field: (type, required)}. Types: str, num, int, bool,
# list:<object>, obj:<object>, obj-or-null:<object>, any-obj.
SPEC = {
    "har": {"log": ("obj:log", True)},
    "log": {"version": ("str", True), "creator": ("obj:creator", True),
            "browser": ("obj:creator", False), "pages": ("list:page", False),
            "entries": ("list:entry", True), "comment": ("str", False)},
    "creator": {"name": ("str", True), "version": ("str", True),
                "comment": ("str", False)},
    "page": {"startedDateTime": ("date", True), "id": ("str", True),
             "title": ("str", True), "pageTimings": ("obj:pageTimings", True),
             "comment": ("str", False)},
    "pageTimings": {"onContentLoad": ("num", False), "onLoad": ("num", False),
                    "comment": ("str", False)},
    "entry": {"pageref": ("str", False), "startedDateTime": ("date", True),
              "time": ("num", True), "request": ("obj:request", True),
              "response": ("obj:response", True), "cache": ("obj:cache", True),
              "timings": ("obj:timings", True),
              "serverIPAddress": ("str", False), "connection": ("str", False),
              "comment": ("str", False)},
    "request": {"method": ("str", True), "url": ("str", True),
                "httpVersion": ("str", True), "cookies": ("list:cookie", True),
                "headers": ("list:pair", True),
                "queryString": ("list:pair", True),
                "postData": ("obj:postData", False),
                "headersSize": ("int", True), "bodySize": ("int", True),
                "comment": ("str", False)},
    "response": {"status": ("int", True), "statusText": ("str", True),
                 "httpVersion": ("str", True),
                 "cookies": ("list:cookie", True),
                 "headers": ("list:pair", True),
                 "content": ("obj:content", True),
                 "redirectURL": ("str", True), "headersSize": ("int", True),
                 "bodySize": ("int", True), "comment": ("str", False)},
    "cookie": {"name": ("str", True), "value": ("str", True),
               "path": ("str", False), "domain": ("str", False),
               "expires": ("str", False), "httpOnly": ("bool", False),
               "secure": ("bool", False), "comment": ("str", False)},
    "pair": {"name": ("str", True), "value": ("str", True),
             "comment": ("str", False)},
    "postData": {"mimeType": ("str", True), "params": ("list:param", False),
                 "text": ("str", False), "comment": ("str", False)},
    "param": {"name": ("str", True), "value": ("str", False),
              "fileName": ("str", False), "contentType": ("str", False),
              "comment": ("str", False)},
    "content": {"size": ("int", True), "compression": ("num", False),
                "mimeType": ("str", True), "text": ("str", False),
                "encoding": ("str", False), "comment": ("str", False)},
    "cache": {"beforeRequest": ("obj-or-null:cacheEntry", False),
              "afterRequest": ("obj-or-null:cacheEntry", False),
              "comment": ("str", False)},
    "cacheEntry": {"expires": ("str", False), "lastAccess": ("str", True),
                   "eTag": ("str", True), "hitCount": ("int", True),
                   "comment": ("str", False)},
    "timings": {"blocked": ("num", False), "dns": ("num", False),
                "connect": ("num", False), "send": ("num", True),
                "wait": ("num", True), "receive": ("num", True),
                "ssl": ("num", False), "comment": ("str", False)},
}

APIFUZZ_ENTRY = {"input": ("str-or-null", True), "program": ("int", True),
                 "call": ("int", True), "operation": ("str", True),
                 "mode": ("str", True), "violation": ("any", True),
                 "backrefs": ("list", True), "failed": ("list", True),
                 "answered": ("bool", True)}


class Checker:
    def __init__(self):
        self.problems = []

    def bad(self, where, msg):
        if len(self.problems) < 200:
            self.problems.append("%s: %s" % (where, msg))

    def typed(self, where, v, t):
        """Whether v has type t (the object types are checked apart)."""
        if t in ("str", "date"):
            ok = isinstance(v, str)
        elif t == "str-or-null":
            ok = v is None or isinstance(v, str)
        elif t == "bool":
            ok = isinstance(v, bool)
        elif t == "int":
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif t == "num":
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        elif t == "list":
            ok = isinstance(v, list)
        else:
            ok = True
        if not ok:
            self.bad(where, "expected %s, got %s" % (t, json.dumps(v)[:60]))
        elif t == "date" and not ISO_8601.match(v):
            self.bad(where, "not an ISO 8601 date: %r" % v)
        return ok

    def obj(self, where, v, kind):
        if not isinstance(v, dict):
            self.bad(where, "expected a %s object" % kind)
            return
        fields = SPEC[kind]
        for name, (t, required) in fields.items():
            if name not in v:
                if required:
                    self.bad(where, "missing required field '%s'" % name)
                continue
            self.field("%s/%s" % (where, name), v[name], t)
        for name in v:
            if name not in fields and not name.startswith("_"):
                self.bad(where, "unknown field '%s' (custom fields start "
                         "with '_')" % name)
        extra = getattr(self, "check_" + kind, None)
        if extra is not None:
            extra(where, v)

    def field(self, where, v, t):
        if t.startswith("list:"):
            if self.typed(where, v, "list"):
                for i, item in enumerate(v):
                    self.obj("%s/%d" % (where, i), item, t[5:])
        elif t.startswith("obj-or-null:"):
            if v is not None:
                self.obj(where, v, t[12:])
        elif t.startswith("obj:"):
            self.obj(where, v, t[4:])
        else:
            self.typed(where, v, t)

    # ---- rules beyond types ----

    def check_log(self, where, v):
        if v.get("version") not in ("1.1", "1.2"):
            self.bad(where, "version %r is not 1.2 (or 1.1)"
                     % v.get("version"))

    def check_entry(self, where, v):
        t = v.get("timings")
        if not isinstance(t, dict) or not isinstance(v.get("time"),
                                                     (int, float)):
            return
        total = 0.0
        for k in ("blocked", "dns", "connect", "send", "wait", "receive"):
            x = t.get(k)
            if not isinstance(x, (int, float)):
                continue
            if k in ("send", "wait", "receive") and x < 0:
                self.bad(where + "/timings/" + k, "negative: %r" % x)
            elif x < -1:
                self.bad(where + "/timings/" + k, "below -1: %r" % x)
            if x != -1:
                total += x
        if abs(total - v["time"]) > 0.001 * max(1.0, total):
            self.bad(where + "/time", "%r is not the sum of the timings "
                     "(%r)" % (v["time"], total))

    def text_bytes(self, where, text, encoding):
        if encoding is None:
            return text.encode("utf-8")
        if encoding != "base64":
            self.bad(where, "unknown encoding %r" % encoding)
            return None
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            self.bad(where, "text is not base64")
            return None

    def check_postData(self, where, v):
        if "text" in v and "params" in v:
            self.bad(where, "text and params are mutually exclusive")

    def check_request(self, where, v):
        url = v.get("url")
        if isinstance(url, str) and not re.match(r"^[a-zA-Z][\w+.-]*://",
                                                 url):
            self.bad(where + "/url", "not an absolute URL: %r" % url)
        pd = v.get("postData")
        if isinstance(pd, dict) and isinstance(pd.get("text"), str):
            body = self.text_bytes(where + "/postData", pd["text"],
                                   pd.get("_encoding"))
            size = v.get("bodySize")
            if body is not None and isinstance(size, int) and size >= 0 \
                    and size != len(body):
                self.bad(where + "/bodySize", "%d, but the body has %d "
                         "bytes" % (size, len(body)))

    def check_content(self, where, v):
        if not isinstance(v.get("text"), str) or "compression" in v:
            return
        body = self.text_bytes(where, v["text"], v.get("encoding"))
        if body is not None and isinstance(v.get("size"), int) and \
                v["size"] != len(body):
            self.bad(where + "/size", "%d, but the text has %d bytes"
                     % (v["size"], len(body)))


def check_apifuzz(c, har):
    log = har.get("log", {})
    if not isinstance(log.get("_apifuzz"), dict):
        c.bad("/log", "no _apifuzz object")
    last = (-1, -1)
    for i, e in enumerate(log.get("entries", [])):
        where = "/log/entries/%d/_apifuzz" % i
        m = e.get("_apifuzz")
        if not isinstance(m, dict):
            c.bad(where, "missing")
            continue
        for name, (t, _) in APIFUZZ_ENTRY.items():
            if name not in m:
                c.bad(where, "missing field '%s'" % name)
            else:
                c.typed("%s/%s" % (where, name), m[name], t)
        if m.get("mode") not in ("positive", "negative"):
            c.bad(where + "/mode", "not positive or negative")
        if (m.get("mode") == "negative") != isinstance(m.get("violation"),
                                                        dict):
            c.bad(where + "/violation", "does not agree with the mode")
        here = (m.get("program"), m.get("call"))
        if not all(isinstance(x, int) for x in here):
            continue
        if here[0] == last[0] and here[1] != last[1] + 1 or \
                here[0] != last[0] and (here[0] < last[0] or here[1] != 0):
            c.bad(where, "program %d call %d after program %d call %d"
                  % (here + last))
        last = here


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return json.loads(raw.decode("utf-8"))


def cmd_validate(args):
    c = Checker()
    try:
        har = load(args[0])
    except (OSError, ValueError) as e:
        print("%s: not a JSON file in UTF-8: %s" % (args[0], e))
        return 1
    c.obj("", har, "har")
    if "--apifuzz" in args[1:]:
        check_apifuzz(c, har)
    for p in c.problems:
        print("%s: %s" % (args[0], p))
    if not c.problems:
        n = len(har["log"]["entries"])
        print("%s: valid HAR 1.2, %d entries" % (args[0], n))
    return 1 if c.problems else 0


def request_of(e):
    r = e["request"]
    pd = r.get("postData") or {}
    return (r["method"], r["url"], pd.get("text"), pd.get("_encoding"))


def cmd_show(args):
    har, show, files = load(args[0]), args[1], args[2:]
    entries = har["log"]["entries"]
    calls = {}
    with open(show) as f:
        for line in f:
            j = json.loads(line)
            calls.setdefault(j["program"], []).append(j)
    progs = {}
    for e in entries:
        progs.setdefault(e["_apifuzz"]["program"], []).append(e)
    problems = []
    if sorted(progs) != list(range(len(files))):
        problems.append("programs %s, expected 0..%d (one per file)"
                        % (sorted(progs), len(files) - 1))
    for k, name in enumerate(files):
        got, want = progs.get(k, []), calls.get(k, [])
        if len(got) != len(want):
            problems.append("%s: %d entries, show prints %d calls"
                            % (name, len(got), len(want)))
            continue
        for e, s in zip(got, want):
            problems += compare_call(name, e, s)
    for p in problems[:50]:
        print(p)
    if not problems:
        print("%d programs, %d entries: as apifuzz show prints them"
              % (len(files), len(entries)))
    return 1 if problems else 0


def compare_call(name, e, s):
    m, r = e["_apifuzz"], e["request"]
    where = "%s call %d" % (name, m["call"])
    out = []
    if not m["input"] or not name.endswith(m["input"]):
        out.append("%s: input %s" % (where, m["input"]))
    if (m["operation"], r["method"]) != (s["operation"], s["method"]):
        out.append("%s: %s %s, show: %s %s" % (where, m["operation"],
                   r["method"], s["operation"], s["method"]))
    url = "http://localhost" + s["path"] + ("?" + s["query"] if s["query"]
                                            else "")
    if not m["backrefs"] and r["url"] != url:
        out.append("%s: url %s, show: %s" % (where, r["url"], url))
    pd = r.get("postData")
    json_media = (s["media_type"] or "").endswith("json")
    if "body" not in m["backrefs"] and pd is not None and json_media and \
            s["mode"] == "positive":
        if json.loads(pd["text"]) != s["body"]:
            out.append("%s: body %s, show: %s" % (where, pd["text"][:80],
                       json.dumps(s["body"])[:80]))
    return out


def cmd_roundtrip(args):
    a = load(args[0])["log"]["entries"]
    b = load(args[2])["log"]["entries"]
    by_input = {}
    for e in b:
        by_input.setdefault(e["_apifuzz"]["input"], []).append(e)
    problems, n = [], 0
    with open(args[1]) as f:
        for line in f:
            parts = line.split()
            name, idx = parts[0], [int(x) for x in parts[1:]]
            want = [request_of(a[i]) for i in idx]
            got = [request_of(e) for e in by_input.get(name, [])]
            # a file listed twice was replayed once
            if got[:len(want)] != want or len(got) % len(want) != 0:
                problems.append("%s (entries %s): replays to %s, recorded %s"
                                % (name, idx, got[:4], want[:4]))
            n += len(idx)
    for p in problems[:50]:
        print(p)
    if not problems:
        print("%d entries in %d inputs replay to the recorded requests"
              % (n, len(by_input)))
    return 1 if problems else 0


def main(argv):
    cmds = {"validate": (cmd_validate, 1), "show": (cmd_show, 3),
            "roundtrip": (cmd_roundtrip, 3)}
    if len(argv) < 2 or argv[1] not in cmds or \
            len(argv) - 2 < cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]][0](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
