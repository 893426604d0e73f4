#!/usr/bin/env python3
"""serve_check.py - the client side of tests/t_serve.sh (serve mode).

  serve_check.py http PORT          HTTP behaviour against echo_serve:
                                    translation, keep-alive, chunked
                                    bodies, 413, 400 on malformed bytes,
                                    100 concurrent connections, spec
                                    routes, reset, loopback-only bind
  serve_check.py fidelity PORT FILE the rendered requests of a replay
                                    (FILE: NAME_replay's JSON lines) sent
                                    to echo_serve reach the service as
                                    the same apifuzz_request, raw equal
                                    byte for byte
  serve_check.py parity PORT FILE   the same requests sent to NAME_serve
                                    (reset before each program) get the
                                    answers NAME_replay got in-process:
                                    status, headers, body
  serve_check.py parity-har PORT F  as parity, the in-process side read
                                    from a HAR capture (APIFUZZ_HAR=F of
                                    a fuzzer's -runs=0 replay, or of
                                    NAME_replay): each entry's request
                                    rebuilt from the HAR and sent
  serve_check.py bench PORT N       N keep-alive GETs on one connection
                                    (and on 4 in parallel); prints
                                    requests/s

Prints one line per failure and "# INFO ..." lines; exit 0 when all
passed, 1 otherwise.
"""
import base64
import http.client
import json
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def conn(port, timeout=10):
    return http.client.HTTPConnection(HOST, port, timeout=timeout)


def echo(c, method, url, body=None, headers=None):
    c.request(method, url, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r, json.loads(data) if r.status == 200 else data


def send_raw(port, data, method="GET", timeout=10):
    """Sends raw bytes on a fresh socket; returns (status, body) or None
    when the server closed without answering."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        r = http.client.HTTPResponse(s, method=method)
        try:
            r.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None
        return r.status, r.read()


# ---- http: behaviour against the echo service ----

def check_translation(port):
    c = conn(port)
    r, d = echo(c, "POST", "/a%20b/c%2Fd?x=1+2&y=%2F&z&&w=",
                body=b"\x00\x01binary\xff",
                headers={"X-Mixed-Case": "v", "Content-Type": "x/y",
                         "Cookie": "a=1; b=2"})
    if not check(r.status == 200, "echo answered %d" % r.status):
        return
    check(d["target"] == "/a%20b/c%2Fd?x=1+2&y=%2F&z&&w=",
          "target not as on the wire: %r" % d["target"])
    check(d["path"] == "/a%20b/c%2Fd", "path: %r" % d["path"])
    check(d["query"] == "x=1+2&y=%2F&z&&w=", "query: %r" % d["query"])
    names = [h[0] for h in d["headers"]]
    check(names == ["Host", "Accept-Encoding", "Content-Length",
                    "X-Mixed-Case", "Content-Type", "Cookie"],
          "headers not in order and spelling sent: %r" % names)
    check(base64.b64decode(d["body"]) == b"\x00\x01binary\xff",
          "body bytes differ")
    raw = base64.b64decode(d["raw"])
    head = b"POST /a%20b/c%2Fd?x=1+2&y=%2F&z&&w= HTTP/1.1\r\n"
    check(raw.startswith(head) and raw.endswith(b"\r\n\r\n\x00\x01binary\xff")
          and b"\r\nCookie: a=1; b=2\r\n" in raw, "raw: %r" % raw)
    r, d = echo(c, "GET", "http://example.org:81/abs?q=1")
    check(r.status == 200 and d["target"] == "/abs?q=1",
          "absolute-form target not cut to origin-form")
    c.close()


def check_keep_alive(port):
    c = conn(port)
    socks = set()
    counts = []
    for i in range(20):
        r, d = echo(c, "GET", "/k?i=%d" % i)
        socks.add(id(c.sock))
        counts.append(d["count"] if isinstance(d, dict) else None)
    check(len(socks) == 1 and c.sock is not None,
          "keep-alive: the connection was not reused")
    check(counts == sorted(counts) and len(set(counts)) == 20,
          "state does not persist across requests: %r" % counts)
    c.close()


def check_chunked(port):
    c = conn(port)
    chunks = [b"hello ", b"chunked ", b"world" * 1000]
    c.putrequest("POST", "/chunked")
    c.putheader("Transfer-Encoding", "chunked")
    c.putheader("Content-Type", "text/plain")
    c.endheaders()
    for ch in chunks:
        c.send(b"%x\r\n%s\r\n" % (len(ch), ch))
    c.send(b"0\r\n\r\n")
    r = c.getresponse()
    d = json.loads(r.read())
    body = b"".join(chunks)
    check(base64.b64decode(d["body"]) == body, "chunked body not de-chunked")
    hs = dict((k.lower(), v) for k, v in d["headers"])
    check(hs.get("content-length") == str(len(body)) and
          "transfer-encoding" not in hs,
          "chunked framing not replaced by Content-Length: %r" % hs)
    raw = base64.b64decode(d["raw"])
    check(raw.endswith(b"\r\n\r\n" + body), "raw of a chunked request")
    # The connection stays usable after a chunked request.
    r, d = echo(c, "GET", "/after-chunked")
    check(r.status == 200, "keep-alive after a chunked body")
    c.close()


def check_too_large(port):
    big = b"x" * (1024 * 1024 + 1)
    c = conn(port)
    try:
        c.request("POST", "/big", body=big)
        r = c.getresponse()
        check(r.status == 413, "Content-Length over the bound: %d" % r.status)
        r.read()
    except (ConnectionResetError, BrokenPipeError):
        fail("Content-Length over the bound: connection reset, no 413")
    c.close()
    c = conn(port)
    c.putrequest("POST", "/big-expect")
    c.putheader("Content-Length", str(2 << 20))
    c.putheader("Expect", "100-continue")
    c.endheaders()
    r = c.getresponse()
    check(r.status == 413, "Expect: 100-continue over the bound: %d, not 413 "
          "before the body" % r.status)
    c.close()
    c = conn(port)
    c.putrequest("POST", "/big-chunked")
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    for _ in range(17):
        c.send(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
    c.send(b"0\r\n\r\n")
    r = c.getresponse()
    check(r.status == 413, "chunked body over the bound: %d" % r.status)
    r.read()
    c.close()
    c = conn(port)
    r, d = echo(c, "POST", "/size", body=b"z" * (1024 * 1024))
    check(r.status == 200 and d["body_len"] == 1 << 20,
          "a body of exactly the bound is accepted")
    r, d = echo(c, "POST", "/size", body=b"z" * (1024 * 1024 + 1))
    check(r.status == 413, "over the bound: 413 on a keep-alive connection")
    r, d = echo(c, "GET", "/after-413")
    check(r.status == 200, "the connection stays usable after a 413")
    c.close()


def check_malformed(port):
    # libmicrohttpd answers these itself (4xx) and closes the connection.
    answered = [b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
                b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                b"\r\n\r\nzz\r\n",
                b"GET /\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 300000 +
                b"\r\n\r\n"]
    for raw in answered:
        got = send_raw(port, raw, timeout=5)
        status = got[0] if got else None
        check(status in (400, 431), "malformed %r answered %r, not 400/431"
              % (raw[:48], status))
    # Not even a request line: closed unanswered, or left waiting.
    for raw in [b"GARBAGE\r\n\r\n", b"\x00\x01\x02\xff\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"]:
        try:
            send_raw(port, raw, timeout=1)
        except (socket.timeout, OSError, http.client.HTTPException):
            pass
    c = conn(port)
    r, d = echo(c, "GET", "/still-alive")
    check(r.status == 200, "the server stopped serving after malformed input")
    c.close()


def check_concurrent(port, n=100):
    socks = [socket.create_connection((HOST, port), timeout=20)
             for _ in range(n)]
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        s = socks[i]
        barrier.wait()
        s.sendall(b"GET /c/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        r = http.client.HTTPResponse(s, method="GET")
        r.begin()
        d = json.loads(r.read())
        results[i] = d["path"]
        s.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = sum(1 for i in range(n) if results[i] == "/c/%d" % i)
    check(ok == n, "concurrent connections: %d of %d answered" % (ok, n))
    print("# INFO %d concurrent connections, all answered" % ok
          if ok == n else "# INFO concurrent: %d/%d" % (ok, n))


def check_routes(port):
    c = conn(port)
    c.request("GET", "/openapi.json")
    r = c.getresponse()
    d = json.loads(r.read())
    check(r.status == 200 and r.getheader("Content-Type") == "application/json"
          and d.get("openapi") == "3.0.3", "GET /openapi.json")
    c.request("GET", "/echo.yaml")
    r = c.getresponse()
    text = r.read()
    check(r.status == 200 and r.getheader("Content-Type") == "application/yaml"
          and text.startswith(b"openapi: 3.0.3"), "GET /echo.yaml as written")
    c.request("HEAD", "/openapi.json")
    r = c.getresponse()
    r.read()
    check(r.status == 200, "HEAD /openapi.json")
    c.request("GET", "/__apifuzz/reset")
    r = c.getresponse()
    r.read()
    check(r.status == 405 and r.getheader("Allow") == "POST",
          "GET of the reset endpoint: 405 with Allow")
    c.request("POST", "/__apifuzz/reset")
    r = c.getresponse()
    r.read()
    check(r.status == 204, "POST /__apifuzz/reset: %d" % r.status)
    r, d = echo(c, "GET", "/count")
    check(d["count"] == 1, "reset did not reset the state: %r" % d["count"])
    c.request("GET", "/raw")
    r = c.getresponse()
    check(r.status == 201 and r.getheader("X-Raw") == "yes" and
          r.read() == b"hello world", "a raw answer served as parsed")
    c.request("GET", "/bad-header")
    r = c.getresponse()
    check(r.status == 502 and b"header injection" in r.read(),
          "a malformed answer served as 502")
    c.request("GET", "/big/3000000")
    r = c.getresponse()
    check(r.status == 200 and len(r.read()) == 1 << 20,
          "a large answer (cut at 1 MiB as in-process)")
    c.close()


def check_loopback_only(port):
    """The listening socket is bound to 127.0.0.1 (/proc/net/tcp)."""
    try:
        lines = open("/proc/net/tcp").read().splitlines()[1:]
    except OSError:
        return
    binds = [ln.split()[1] for ln in lines
             if ln.split()[3] == "0A" and
             int(ln.split()[1].split(":")[1], 16) == port]
    check(binds == ["0100007F:%04X" % port],
          "not bound to 127.0.0.1 only: %r" % binds)


def cmd_http(port):
    for f in (check_translation, check_keep_alive, check_chunked,
              check_too_large, check_malformed, check_concurrent,
              check_routes, check_loopback_only):
        try:
            f(port)
        except Exception as e:  # a hang or a broken answer is a failure
            fail("%s: %s: %s" % (f.__name__, type(e).__name__, e))


# ---- fidelity and parity over a replay ----

def load_replay(path):
    programs = {}
    with open(path) as f:
        for line in f:
            x = json.loads(line)
            programs.setdefault(x["program"], []).append(x)
    return [programs[k] for k in sorted(programs)]


class Client:
    """One keep-alive connection sending raw requests."""

    def __init__(self, port):
        self.port = port
        self.sock = None

    def send(self, raw):
        method = raw.split(b" ", 1)[0].decode("latin-1")
        for attempt in range(2):
            if self.sock is None:
                self.sock = socket.create_connection((HOST, self.port),
                                                     timeout=20)
            try:
                self.sock.sendall(raw)
                r = http.client.HTTPResponse(self.sock, method=method)
                r.begin()
                body = r.read()
                if r.will_close:
                    self.close()
                return r, body
            except (http.client.RemoteDisconnected, ConnectionError):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def reset(client):
    r, _ = client.send(b"POST /__apifuzz/reset HTTP/1.1\r\nHost: localhost"
                       b"\r\nContent-Length: 0\r\n\r\n")
    return r.status == 204


def cmd_fidelity(port, path):
    client = Client(port)
    n = 0
    for prog in load_replay(path):
        for x in prog:
            raw = base64.b64decode(x["raw"])
            r, body = client.send(raw)
            if not check(r.status == 200, "echo of program %d call %d: %d" %
                         (x["program"], x["call"], r.status)):
                continue
            d = json.loads(body.decode("utf-8", "replace"))
            got = base64.b64decode(d["raw"])
            n += 1
            if got != raw:
                fail("program %d call %d: raw differs\n  sent %r\n  got  %r" %
                     (x["program"], x["call"], raw[:300], got[:300]))
    client.close()
    print("# INFO fidelity: %d rendered requests reached the service "
          "byte-identical" % n)


FRAMING = {"content-length", "transfer-encoding"}
SERVER_ADDED = {"date", "content-length", "connection", "keep-alive"}


def compare(x, r, body):
    where = "program %d call %d" % (x["program"], x["call"])
    raw = base64.b64decode(x["raw"])
    if x["malformed"] is not None:
        check(r.status == 502, "%s: malformed in-process (%s), served %d" %
              (where, x["malformed"], r.status))
        return
    want_body = base64.b64decode(x["body"])
    if raw.startswith(b"HEAD "):
        want_body = b""
    want_h = [(base64.b64decode(n).decode("latin-1").lower(),
               base64.b64decode(v).decode("latin-1")) for n, v in x["headers"]]
    want_h = [h for h in want_h if h[0] not in FRAMING]
    got_h = [(n.lower(), v) for n, v in r.getheaders()]
    extra = [h for h in got_h if h not in want_h and h[0] not in SERVER_ADDED]
    missing = [h for h in want_h if h not in got_h]
    ok = check(r.status == x["status"], "%s: status %d in-process, %d served"
               % (where, x["status"], r.status))
    ok &= check(body == want_body, "%s: body differs\n  in-process %r\n  "
                "served     %r" % (where, want_body[:200], body[:200]))
    ok &= check(not extra and not missing, "%s: headers differ: missing %r, "
                "extra %r" % (where, missing, extra))
    if not ok:
        print("  request: %r" % raw[:300])


def cmd_parity(port, path):
    client = Client(port)
    programs = load_replay(path)
    calls = 0
    statuses = {}
    for prog in programs:
        if not check(reset(client), "reset before program %d" %
                     prog[0]["program"]):
            continue
        for x in prog:
            r, body = client.send(base64.b64decode(x["raw"]))
            compare(x, r, body)
            calls += 1
            statuses[r.status] = statuses.get(r.status, 0) + 1
    client.close()
    print("# INFO parity: %d programs, %d calls, statuses %s" %
          (len(programs), calls, dict(sorted(statuses.items()))))
    check(calls > 0, "the replay has no calls")


# ---- parity from a HAR capture ----

def har_bytes(holder, text_key, enc_key):
    text = holder.get(text_key, "")
    if holder.get(enc_key) == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def har_raw(req):
    """The HTTP/1.1 request of a HAR entry (the renderer's layout)."""
    url = req["url"]
    target = url[url.index("/", len("http://")):]
    head = "%s %s HTTP/1.1\r\n" % (req["method"], target)
    for h in req["headers"]:
        head += "%s: %s\r\n" % (h["name"], h["value"])
    body = har_bytes(req.get("postData", {}), "text", "_encoding")
    return head.encode("utf-8") + b"\r\n" + body


def har_exchanges(path):
    """The HAR's answered entries as parity records, grouped by program
    (in the order the programs first appear)."""
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)["log"]["entries"]
    programs = {}
    for e in entries:
        meta = e["_apifuzz"]
        if not meta.get("answered", True):
            continue
        resp = e["response"]
        b64 = lambda t: base64.b64encode(t.encode("utf-8")).decode()
        programs.setdefault(meta["program"], []).append({
            "program": meta["program"], "call": meta["call"],
            "raw": base64.b64encode(har_raw(e["request"])).decode(),
            "status": resp["status"],
            "headers": [[b64(h["name"]), b64(h["value"])]
                        for h in resp["headers"]],
            "body": base64.b64encode(
                har_bytes(resp["content"], "text", "encoding")).decode(),
            "malformed": None})
    return [sorted(p, key=lambda x: x["call"]) for p in programs.values()]


def cmd_parity_har(port, path):
    client = Client(port)
    programs = har_exchanges(path)
    calls = 0
    for prog in programs:
        if not check(reset(client), "reset before program %d" %
                     prog[0]["program"]):
            continue
        for x in prog:
            r, body = client.send(base64.b64decode(x["raw"]))
            compare(x, r, body)
            calls += 1
    client.close()
    print("# INFO parity with the HAR capture: %d programs, %d calls" %
          (len(programs), calls))
    check(calls > 0, "the HAR has no answered entries")


# ---- throughput ----

def bench_one(port, n, path):
    c = conn(port)
    for _ in range(n):
        c.request("GET", path)
        c.getresponse().read()
    c.close()


def cmd_bench(port, n):
    path = "/items/1"
    bench_one(port, 100, path)  # warm-up
    t0 = time.perf_counter()
    bench_one(port, n, path)
    one = n / (time.perf_counter() - t0)
    threads = [threading.Thread(target=bench_one, args=(port, n, path))
               for _ in range(4)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    four = 4 * n / (time.perf_counter() - t0)
    print("# INFO throughput with keep-alive (GET %s, python http.client): "
          "%.0f req/s on 1 connection, %.0f req/s on 4" % (path, one, four))


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cmd, port = argv[1], int(argv[2])
    if cmd == "http":
        cmd_http(port)
    elif cmd == "fidelity":
        cmd_fidelity(port, argv[3])
    elif cmd == "parity":
        cmd_parity(port, argv[3])
    elif cmd == "parity-har":
        cmd_parity_har(port, argv[3])
    elif cmd == "bench":
        cmd_bench(port, int(argv[3]))
    else:
        print(__doc__)
        return 2
    if failures:
        print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
