#!/usr/bin/env python3
"""Gorgias and Shopify stand-ins for the worker benchmark: upstream_stub.py PORT FIXTURE_ORDER_JSON.

  POST /admin/api/{v}/graphql.json  Shopify's orders-by-email answer: order #1001 of the fixture (its dates, tracking),
                                    carrying the email the query asked for, so every customer has that order
  GET  /api/tickets/{id}/messages   Gorgias: no messages ({"data": [], "meta": {"next_cursor": null}})
  POST /api/tickets/{id}/messages   Gorgias: 201 {"id": N}; records the arrival time and the note's external_id

Every upstream answer waits BENCH_UPSTREAM_MS first (settable while running). Control routes for the benchmark:
  GET  /_bench/notes?since=K  the notes recorded from the K-th on, one "external_id<TAB>arrival epoch seconds" a line
  POST /_bench/latency?ms=N   sets the upstream latency
  GET  /_bench/stats          counts of calls per route; seconds spent answering upstream routes (answer_s) and
                              how many were answered (answered)
HTTP/1.1 keep-alive, one thread per connection (the gateway's clients keep their connections open), each answer
written in one piece with TCP_NODELAY.
"""
import json, os, re, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs
from datetime import datetime, timezone

PORT = int(sys.argv[1])
ORDER = json.load(open(sys.argv[2]))["order"]
FULFILLMENT = ORDER["fulfillments"][0]


def iso(value):
    return datetime.fromisoformat(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def orders_answer(email):
    return json.dumps({
        "data": {"orders": {"nodes": [{
            "id": f"gid://shopify/Order/{ORDER['id']}", "name": ORDER["name"], "email": email,
            "createdAt": iso(ORDER["created_at"]), "updatedAt": iso(ORDER["updated_at"]), "cancelledAt": None,
            "displayFinancialStatus": "AUTHORIZED", "displayFulfillmentStatus": "FULFILLED",
            "fulfillments": [{"status": "SUCCESS", "trackingInfo": [
                {"company": "UPS", "number": FULFILLMENT["tracking_number"], "url": FULFILLMENT["tracking_url"]}]}]}]}},
        "extensions": {"cost": {"requestedQueryCost": 12, "actualQueryCost": 6, "throttleStatus": {
            "maximumAvailable": 2000.0, "currentlyAvailable": 1994, "restoreRate": 100.0}}}}).encode()


EMAIL = re.compile(r'email:"((?:[^"\\]|\\.)*)"')
GRAPHQL = re.compile(r"^/admin/api/[^/]+/graphql\.json$")
MESSAGES = re.compile(r"^/api/tickets/[0-9]+/messages$")
NO_MESSAGES = b'{"data": [], "meta": {"next_cursor": null}}'

lock = threading.Lock()
notes = []            # (external_id, arrival epoch seconds), in arrival order
calls = {"graphql": 0, "messages_get": 0, "messages_post": 0, "other": 0}
busy = [0.0, 0]       # seconds spent answering upstream routes (request read to answer written, latency included), count
latency = [float(os.environ.get("BENCH_UPSTREAM_MS", "0")) / 1000.0]
next_id = [900_000_000]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # one write per answer, sent at once: with http.server's default unbuffered writes the headers and the body leave
    # as two segments, and Nagle's algorithm holds the second until the client's delayed ACK (about 40 ms a call)
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if not self.path.startswith("/_bench/"):
            took = time.perf_counter() - self.started
            with lock:
                busy[0] += took
                busy[1] += 1

    def parse_request(self):
        self.started = time.perf_counter()
        return super().parse_request()

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def count(self, route):
        with lock:
            calls[route] += 1

    def do_GET(self):
        url = urlparse(self.path)
        if MESSAGES.match(url.path):
            self.count("messages_get")
            time.sleep(latency[0])
            return self.answer(200, NO_MESSAGES)
        if url.path == "/_bench/notes":
            since = int(parse_qs(url.query).get("since", ["0"])[0])
            with lock:
                rows = notes[since:]
            return self.answer(200, "".join(f"{e}\t{t:.6f}\n" for e, t in rows).encode(), "text/plain")
        if url.path == "/_bench/stats":
            with lock:
                stats = dict(calls, notes=len(notes), latency_ms=latency[0] * 1000, answer_s=busy[0], answered=busy[1])
            return self.answer(200, json.dumps(stats).encode())
        self.count("other")
        self.answer(404, b'{"error": "not found"}')

    def do_POST(self):
        url = urlparse(self.path)
        raw = self.body()
        if GRAPHQL.match(url.path):
            self.count("graphql")
            query = json.loads(raw).get("variables", {}).get("query", "")
            m = EMAIL.search(query)
            email = m.group(1).replace('\\"', '"').replace("\\\\", "\\") if m else "nobody@example.com"
            time.sleep(latency[0])
            return self.answer(200, orders_answer(email))
        if MESSAGES.match(url.path):
            external_id = json.loads(raw).get("external_id")
            time.sleep(latency[0])
            arrived = time.time()
            with lock:
                calls["messages_post"] += 1
                notes.append((external_id, arrived))
                next_id[0] += 1
                mid = next_id[0]
            return self.answer(201, json.dumps({"id": mid, "channel": "internal-note"}).encode())
        if url.path == "/_bench/latency":
            latency[0] = float(parse_qs(url.query)["ms"][0]) / 1000.0
            return self.answer(200, b"{}")
        self.count("other")
        self.answer(404, b'{"error": "not found"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(("127.0.0.1", PORT), Handler).serve_forever()
