"""Cold start and memory of each function's release binary against a minimal local Lambda Runtime API.

For each function: starts the binary with AWS_LAMBDA_RUNTIME_API pointing here, and measures
- init: from exec to its first `GET /runtime/invocation/next` (the SDK clients are built by then);
- of that init, the part the function itself reports in its `cold start done` log line: the
  configuration and SDK clients (`clients_ms`) and the warm-up (`warmup_ms`: the dummy argon2
  hash of the functions that hash, and the first DynamoDB request); the rest is the process's own
  start (exec, dynamic linking, the runtime's set-up);
- first invocation: from handing it its first event (an API Gateway HTTP API v2 request of one of
  its routes) to its response.
Each function is started RUNS times (median reported). Then, when REQUESTS > 0, it is started once
more and handed REQUESTS events of the same route one after the other, as a Lambda instance gets
them, and its peak resident memory (VmHWM of /proc/<pid>/status) is read after the last one.
The invocations reach DynamoDB at AWS_ENDPOINT_URL_DYNAMODB (the caller starts it, e.g.
scripts/bench.sh cold-start).

Usage: python3 cold-start.py BIN_DIR RUNS REQUESTS FUNCTION:METHOD:PATH[:BODY]...
"""

import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time

bin_dir, runs, requests, specs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]


class State:
    """One instance's run: hands it `count` events, then keeps its next poll waiting."""

    def __init__(self, event, count):
        self.event = event
        self.left = count
        self.first_poll = None
        self.handed = None
        self.responded = None
        self.statuses = {}
        self.done = threading.Event()


def handler_for(state):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if not self.path.endswith("/invocation/next"):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if state.left <= 0:
                state.done.wait(60)  # keep it waiting until the process is stopped
                return
            if state.first_poll is None:
                state.first_poll = time.perf_counter()
            state.left -= 1
            body = json.dumps(state.event).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Lambda-Runtime-Aws-Request-Id", "cold-start-%d" % state.left)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-3:000000000000:function:x")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.handed is None:
                state.handed = time.perf_counter()
            self.wfile.write(body)
            self.wfile.flush()

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            if "/response" in self.path or "/error" in self.path:
                if state.responded is None:
                    state.responded = time.perf_counter()
                try:
                    status = json.loads(data).get("statusCode")
                except Exception:
                    status = "error" if "/error" in self.path else "?"
                state.statuses[status] = state.statuses.get(status, 0) + 1
                if state.left <= 0:
                    state.done.set()
            try:
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass  # the instance was stopped once its response was read

    return H


def event(method, path, body):
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "127.0.0.1", "content-type": "application/json", "origin": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:9000")},
        "requestContext": {
            "accountId": "000000000000", "apiId": "local", "domainName": "127.0.0.1",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "cold-start"},
            "requestId": "cold-start-1", "routeKey": f"{method} {path}", "stage": "$default",
            "time": "01/Dec/2026:08:00:00 +0000", "timeEpoch": int(time.time() * 1000),
        },
        "body": body if body is not None else ("{}" if method == "POST" else None),
        "isBase64Encoded": False,
    }


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start(fn, ev, count, wait):
    """Runs one instance over `count` events; returns its state, log lines and peak memory."""
    state = State(ev, count)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    server.handle_error = lambda *a: None  # the instance's connection reset when it is stopped
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % server.server_address[1],
               AWS_LAMBDA_FUNCTION_NAME=fn, AWS_LAMBDA_FUNCTION_VERSION="1",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1769", RUST_LOG="info")
    started = time.perf_counter()
    proc = subprocess.Popen([os.path.join(bin_dir, fn)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # the log is read as it comes, so that a long run never fills the pipe
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    ok = state.done.wait(wait)
    peak = peak_rss_mb(proc.pid) if ok else float("nan")
    proc.kill()
    proc.wait()
    reader.join(5)
    state.done.set()
    server.shutdown()
    server.server_close()
    return ok, started, state, lines, peak


def reported(lines):
    for line in lines:
        try:
            fields = json.loads(line)
        except ValueError:
            continue
        if fields.get("message") == "cold start done":
            return float(fields["clients_ms"]), float(fields["warmup_ms"])
    return None


def med(xs):
    return "%.1f" % statistics.median(xs) if xs else "-"


print("%-16s %-26s %8s %10s %10s %14s %6s %s" % ("function", "route", "init ms", "clients ms", "warm-up ms", "first request", "status", "peak RSS after %d requests" % requests if requests else ""))
for spec in specs:
    fn, method, path, *body = spec.split(":", 3)
    ev = event(method, path, body[0] if body else None)
    inits, firsts, clients, warmups, status = [], [], [], [], None
    for _ in range(runs):
        ok, started, state, lines, _ = start(fn, ev, 1, 30)
        if not ok or state.first_poll is None:
            print("%-16s no answer within 30 s" % fn)
            break
        inits.append((state.first_poll - started) * 1000)
        firsts.append((state.responded - state.handed) * 1000)
        status = next(iter(state.statuses))
        split = reported(lines)
        if split:
            clients.append(split[0])
            warmups.append(split[1])
    memory = ""
    if requests and inits:
        ok, _, state, _, peak = start(fn, ev, requests, 600)
        answered = sum(state.statuses.values())
        memory = "%.1f MB (%s)" % (peak, ", ".join("%d × %s" % (n, s) for s, n in state.statuses.items())) if ok else "no end within 600 s (%d answered)" % answered
    if inits:
        print("%-16s %-26s %8s %10s %10s %11s ms %6s %s" % (fn, method + " " + path, med(inits), med(clients), med(warmups), med(firsts), status, memory))
