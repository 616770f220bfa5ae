#!/usr/bin/env python3
"""Abuse traffic for bench/memory.sh: connections that break HTTP framing, as fast as the gateway answers.

    garbage.py PORT SECONDS CONCURRENCY

Each of CONCURRENCY workers loops: connect, send one of the malformed requests below, read whatever comes back
until the server closes (or 5 s pass), close. Prints one line: connections made, and how many got an HTTP answer.
"""
import asyncio
import os
import sys
import time

PORT, SECONDS, CONC = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
PATH = b"/webhooks/mem/shopify"

def shapes():
    big_header = b"X-Pad: " + b"a" * 200_000 + b"\r\n"
    return [
        os.urandom(4096),                                                         # not HTTP at all
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789",
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot-hex\r\n0\r\n\r\n",
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\n" + big_header + b"\r\n",     # oversized header
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",               # oversized request line
        b"POST " + PATH + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" + b"{" * 65536,  # short body
        b"POST " + PATH + b" HTTP/9.9\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(512),       # a TLS hello on plain HTTP
    ]

async def worker(deadline, counts, payloads, i):
    n = i
    while time.monotonic() < deadline:
        payload = payloads[n % len(payloads)]
        n += 1
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", PORT), 5)
        except (OSError, asyncio.TimeoutError):
            counts["refused"] += 1
            await asyncio.sleep(0.05)
            continue
        counts["connections"] += 1
        try:
            writer.write(payload)
            await asyncio.wait_for(writer.drain(), 5)
            answer = await asyncio.wait_for(reader.read(256), 5)
            if answer.startswith(b"HTTP/"):
                counts["answered"] += 1
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()

async def main():
    counts = {"connections": 0, "answered": 0, "refused": 0}
    payloads = shapes()
    deadline = time.monotonic() + SECONDS
    await asyncio.gather(*(worker(deadline, counts, payloads, i) for i in range(CONC)))
    print("garbage: %(connections)d connections, %(answered)d answered with HTTP, %(refused)d refused" % counts)

asyncio.run(main())
