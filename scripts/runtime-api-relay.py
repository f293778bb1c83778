#!/usr/bin/env python3
"""Relay between the function instances of the test stack and the Lambda runtime API of
`cargo lambda watch` (scripts/lib.sh, start_function_instances).

Usage: runtime-api-relay.py LISTEN_PORT EMULATOR_PORT (both on 127.0.0.1)

Why: cargo lambda watch 1.9.2 answers a function's `POST .../invocation/<id>/response` before it
has read the response, and hands the rest of the body to the waiting client request later. When
the response is larger than what it reads first (about 16 KB with the request head), the rest is
delivered only if the function sends its next request on the same connection. The runtime client
of lambda_runtime keeps a pool of connections and sometimes polls `next` on another one: the
response then waits, and fails with a 500 of the emulator's own as soon as the runtime client
closes the idle connection (it keeps one). The portal's page (17 KB) and script (31 KB) got such
500s on about 1 % of requests (docs/load.md has the figures).

What: each instance is given AWS_LAMBDA_RUNTIME_API=http://127.0.0.1:LISTEN_PORT/<slot>/.rt/<fn>,
one slot per instance. The relay reads each request of an instance whole, sends it to the
emulator on the one connection it keeps for that slot, reads the answer whole and passes it back.
A slot's requests go one at a time (an instance handles one invocation at a time anyway), so the
emulator always sees the next request of an instance on the connection of its previous response.

Unrouted requests: the emulator queues a request whose method and path match no route of the
table for its default function, `_`, which no instance of the test stack is; the client would
wait for ever. In production API Gateway answers such a request itself, before any function runs,
with 404 and `{"message":"Not Found"}`, whether the path is unknown or only the method is wrong.
The relay stands in for that answer: a few pollers take the default function's invocations from
the emulator's runtime API (`/.rt/_/...`) and answer each with that same 404. Nothing else is
answered here: the emulator's router, reading the route table of Cargo.toml, still decides what
is routed.
"""

import asyncio
import sys

HOST = "127.0.0.1"
NO_BODY_STATUSES = (204, 304)
# The name cargo lambda watch gives its default function.
DEFAULT_FUNCTION = b"_"
UNROUTED_POLLERS = 2
# What API Gateway answers for a request that matches no route (an HTTP API without `$default`).
UNROUTED_ANSWER = (
    b'{"statusCode":404,"headers":{"content-type":"application/json"},"multiValueHeaders":{},'
    b'"cookies":[],"isBase64Encoded":false,"body":"{\\"message\\":\\"Not Found\\"}"}'
)


async def read_message(reader, is_response=False):
    """Reads one HTTP/1.1 message; returns (head, body, status) with head ending in CRLF CRLF."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = None
    if is_response:
        status = int(lines[0].split(b" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if status is not None and (status < 200 or status in NO_BODY_STATUSES):
        return head, b"", status
    if not chunked:
        return head, await reader.readexactly(length) if length else b"", status
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while True:
                trailer = await reader.readuntil(b"\r\n")
                parts.append(trailer)
                if trailer == b"\r\n":
                    return head, b"".join(parts), status
        parts.append(await reader.readexactly(size + 2))


class Slot:
    """The one connection to the emulator of one function instance."""

    def __init__(self, emulator_port):
        self.emulator_port = emulator_port
        self.lock = asyncio.Lock()
        self.reader = None
        self.writer = None

    async def exchange(self, head, body):
        async with self.lock:
            for attempt in (1, 2):
                fresh = self.writer is None
                if fresh:
                    self.reader, self.writer = await asyncio.open_connection(HOST, self.emulator_port)
                try:
                    self.writer.write(head + body)
                    await self.writer.drain()
                    return await read_message(self.reader, is_response=True)
                except (ConnectionError, asyncio.IncompleteReadError):
                    self.writer.close()
                    self.reader = self.writer = None
                    # A kept connection may have been closed by the emulator meanwhile: one new
                    # connection, once. A failure on a fresh one is the emulator's answer.
                    if fresh or attempt == 2:
                        raise
            raise ConnectionError("unreachable")


def request_id(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"lambda-runtime-aws-request-id":
            return value.strip()
    return None


async def answer_unrouted(emulator_port, number):
    """Takes the default function's invocations one after the other and answers each with 404."""
    slot = Slot(emulator_port)
    base = b"/.rt/" + DEFAULT_FUNCTION + b"/2018-06-01/runtime/invocation/"
    while True:
        try:
            head, _, status = await slot.exchange(
                b"GET " + base + b"next HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n", b""
            )
            req_id = request_id(head)
            if status != 200 or req_id is None:
                print(f"runtime-api-relay: unrouted#{number}: next answered {status}", file=sys.stderr,
                      flush=True)
                await asyncio.sleep(0.5)
                continue
            response_head = (
                b"POST " + base + req_id + b"/response HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                b"content-type: application/json\r\ncontent-length: "
                + str(len(UNROUTED_ANSWER)).encode()
                + b"\r\n\r\n"
            )
            await slot.exchange(response_head, UNROUTED_ANSWER)
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            print(f"runtime-api-relay: unrouted#{number}: {error!r}", file=sys.stderr, flush=True)
            await asyncio.sleep(0.5)


def main():
    listen_port, emulator_port = int(sys.argv[1]), int(sys.argv[2])
    slots = {}

    async def serve(reader, writer):
        try:
            while True:
                try:
                    head, body, _ = await read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, _, rest = head.partition(b"\r\n")
                method, target, version = request_line.split(b" ", 2)
                # /<slot>/.rt/<function>/... -> /.rt/<function>/...
                slot_name, _, path = target[1:].partition(b"/")
                slot = slots.get(slot_name)
                if slot is None:
                    slot = slots[slot_name] = Slot(emulator_port)
                upstream_head = b" ".join((method, b"/" + path, version)) + b"\r\n" + rest
                try:
                    answer_head, answer_body, _ = await slot.exchange(upstream_head, body)
                except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
                    print(f"runtime-api-relay: {slot_name.decode()}: {error!r}", file=sys.stderr, flush=True)
                    return
                writer.write(answer_head + answer_body)
                await writer.drain()
        finally:
            writer.close()

    async def run():
        server = await asyncio.start_server(serve, HOST, listen_port)
        print(f"runtime-api-relay: 127.0.0.1:{listen_port} -> 127.0.0.1:{emulator_port}", flush=True)
        # Kept referenced while the relay runs (the event loop holds its tasks weakly only).
        pollers = [
            asyncio.create_task(answer_unrouted(emulator_port, n)) for n in range(1, UNROUTED_POLLERS + 1)
        ]
        async with server:
            await server.serve_forever()
        del pollers

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
