"""Cold start of each function's release binary against a minimal local Lambda Runtime API.

For each function: starts the binary with AWS_LAMBDA_RUNTIME_API pointing here, and measures
- init: from exec to its first `GET /runtime/invocation/next` (the SDK clients are built by then);
- first invocation: from handing it its first event (an API Gateway HTTP API v2 request of one of
  its routes) to its response.
Each function is started RUNS times (median reported). The first invocation reaches DynamoDB at
AWS_ENDPOINT_URL_DYNAMODB (the caller starts it, e.g. scripts/bench.sh cold-start).

Usage: python3 cold-start.py BIN_DIR RUNS FUNCTION:METHOD:PATH...
"""

import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time

bin_dir, runs, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


class State:
    def __init__(self, event):
        self.event = event
        self.first_poll = None
        self.handed = None
        self.responded = None
        self.status = None
        self.done = threading.Event()
        self.served = False


def handler_for(state):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.endswith("/invocation/next"):
                if state.served:
                    # second poll: keep it waiting until the process is stopped
                    state.done.wait(30)
                    return
                state.first_poll = time.perf_counter()
                state.served = True
                body = json.dumps(state.event).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", "cold-start-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-3:000000000000:function:x")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                state.handed = time.perf_counter()
                self.wfile.write(body)
                self.wfile.flush()
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            if "/response" in self.path or "/error" in self.path:
                state.responded = time.perf_counter()
                try:
                    state.status = json.loads(data).get("statusCode")
                except Exception:
                    state.status = "error" if "/error" in self.path else "?"
                state.done.set()
            try:
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass  # the instance was stopped once its response was read

    return H


def event(method, path):
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
        "body": "{}" if method == "POST" else None,
        "isBase64Encoded": False,
    }


print("%-18s %-36s %12s %22s %s" % ("function", "route", "init ms", "first invocation ms", "status"))
for spec in specs:
    fn, method, path = spec.split(":", 2)
    inits, firsts, status = [], [], None
    for _ in range(runs):
        state = State(event(method, path))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % server.server_address[1],
                   AWS_LAMBDA_FUNCTION_NAME=fn, AWS_LAMBDA_FUNCTION_VERSION="1",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1769", RUST_LOG="warn")
        started = time.perf_counter()
        proc = subprocess.Popen([os.path.join(bin_dir, fn)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = state.done.wait(30)
        proc.kill()
        proc.wait()
        state.done.set()
        server.shutdown()
        server.server_close()
        if not ok or state.first_poll is None:
            print("%-18s no answer within 30 s" % fn)
            break
        inits.append((state.first_poll - started) * 1000)
        firsts.append((state.responded - state.handed) * 1000)
        status = state.status
    if inits:
        print("%-18s %-36s %12.1f %22.1f %s" % (fn, method + " " + path, statistics.median(inits), statistics.median(firsts), status))
