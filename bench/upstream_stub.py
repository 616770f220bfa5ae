#!/usr/bin/env python3
"""Gorgias and Shopify stand-ins for the worker and connection benchmarks: upstream_stub.py PORT FIXTURE_ORDER_JSON.

  POST /admin/api/{v}/graphql.json  Shopify's orders-by-email answer: order #1001 of the fixture (its dates, tracking),
                                    carrying the email the query asked for, so every customer has that order
  GET  /api/tickets/{id}            Gorgias: the ticket the benchmark's deliveries describe (bench/gorgias.lua,
                                    worker.sh): customer cust-<id>@example.com (id <id>), one customer message
                                    (id <id>*10) asking about order #1001; the worker reads it before drafting
  GET  /api/tickets/{id}/messages   Gorgias: the internal notes posted to that ticket so far (id, external_id, channel
                                    internal-note), one page: how a worker that took over a killed worker's job finds
                                    the note that worker had posted
  POST /api/tickets/{id}/messages   Gorgias: 201 {"id": N}; records the arrival time and the note's external_id
  GET  /api/integrations/{id}       Gorgias, for the drift check: the tenant's Tollgate integration as a connect leaves
                                    it (active, POST to <BENCH_WEBHOOK_BASE>/webhooks/<slug>/gorgias, JSON, the flat form,
                                    X-Tollgate-Token = the tenant's Gorgias secret, both triggers); the tenant is the
                                    slug in the basic-auth user (agent@<slug>.example), its secret what
                                    /_bench/gorgias-secrets loaded (404 for an unknown tenant)
  POST /admin/api/{v}/graphql.json  with a webhookSubscriptions query, for the drift check: one page holding a
                                    subscription of every topic asked for at <BENCH_WEBHOOK_BASE>/webhooks/<slug>/shopify
                                    (the slug from the access token shpat_bench_<slug>), as uri or endpoint.callbackUrl
                                    as the query asks

Every upstream answer waits BENCH_UPSTREAM_MS first (settable while running). Control routes for the benchmark:
  GET  /_bench/notes?since=K  the notes recorded from the K-th on, one "external_id<TAB>arrival epoch seconds" a line
  POST /_bench/latency?ms=N   sets the upstream latency
  GET  /_bench/stats          counts of calls per route; seconds spent answering upstream routes (answer_s) and
                              how many were answered (answered)
  POST /_bench/gorgias-secrets  body: "slug<TAB>secret" lines (worker_tenants.py's output), added to what is known
  GET  /_bench/checks?since=K   the drift-check calls from the K-th on, one "epoch seconds<TAB>kind<TAB>slug" a line
HTTP/1.1 keep-alive, one thread per connection (the gateway's clients keep their connections open), each answer
written in one piece with TCP_NODELAY.
"""
import base64, json, os, re, sys, threading, time, zlib
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
TICKET = re.compile(r"^/api/tickets/([0-9]+)/?$")
# HttpIntegration.FORM: the body template a connect gives Tollgate's integration
FORM = {
    "ticket_id": "{{ticket.id}}", "ticket_subject": "{{ticket.subject}}", "ticket_channel": "{{ticket.channel}}",
    "message_id": "{{ticket.messages[-1].id}}", "message_channel": "{{ticket.messages[-1].channel}}",
    "message_from_agent": "{{ticket.messages[-1].from_agent}}",
    "message_sender_email": "{{ticket.messages[-1].sender.email}}",
    "message_body_text": "{{ticket.messages[-1].body_text}}",
    "customer_id": "{{ticket.customer.id}}", "customer_email": "{{ticket.customer.email}}",
    "customer_name": "{{ticket.customer.name}}"}
INTEGRATION = re.compile(r"^/api/integrations/([0-9]+)$")
WEBHOOK_BASE = os.environ.get("BENCH_WEBHOOK_BASE", "http://127.0.0.1:8080").rstrip("/")
NO_MESSAGES = b'{"data": [], "meta": {"next_cursor": null}}'

lock = threading.Lock()
notes = []            # (external_id, arrival epoch seconds), in arrival order
posted = {}           # ticket id -> [(message id, external_id)] of the notes posted to it
calls = {"graphql": 0, "ticket_get": 0, "messages_get": 0, "messages_post": 0, "integration_get": 0, "subscriptions": 0, "other": 0}
secrets = {}          # slug -> the tenant's Gorgias webhook secret (for the integration's X-Tollgate-Token)
checks = []           # (arrival epoch seconds, "gorgias" | "shopify", slug) of every drift-check call, in arrival order
busy = [0.0, 0]       # seconds spent answering upstream routes (request read to answer written, latency included), count
latency = [float(os.environ.get("BENCH_UPSTREAM_MS", "0")) / 1000.0]
next_id = [900_000_000]


def basic_user_slug(authorization):
    """The slug of a bench tenant from its Gorgias basic auth: user agent@<slug>.example."""
    if not authorization.startswith("Basic "):
        return ""
    try:
        user = base64.b64decode(authorization[6:]).decode().split(":", 1)[0]
    except (ValueError, UnicodeDecodeError):
        return ""
    return user[len("agent@"):-len(".example")] if user.startswith("agent@") and user.endswith(".example") else ""


def integration_answer(iid, slug, secret):
    """GET /api/integrations/{id} as Gorgias answers it for the integration a connect made (HttpIntegration.body)."""
    return json.dumps({
        "id": iid, "name": f"Tollgate ({slug})", "type": "http", "deactivated_datetime": None,
        "created_datetime": "2026-11-01T10:00:00+00:00", "updated_datetime": "2026-11-01T10:00:00+00:00",
        "http": {"url": f"{WEBHOOK_BASE}/webhooks/{slug}/gorgias", "method": "POST",
                 "request_content_type": "application/json", "response_content_type": "application/json",
                 "headers": {"X-Tollgate-Token": secret}, "form": FORM,
                 "triggers": {"ticket-created": True, "ticket-message-created": True}}}).encode()


# BENCH_REPEAT_CUSTOMERS=N: ticket <id>'s customer is 7000000 + <id> mod N (the benchmark's tickets go round robin over
# N tenants, so each tenant's tickets come from one customer, whose order the worker then finds cached); unset: each
# ticket has a customer of its own (cust-<id>)
REPEAT = int(os.environ.get("BENCH_REPEAT_CUSTOMERS", "0"))


def ticket_answer(tid):
    """GET /api/tickets/{id}: the ticket as the benchmark's deliveries describe it (the Ticket object, messages in)."""
    cid = 7_000_000 + tid % REPEAT if REPEAT > 0 else tid
    email = f"cust-{cid}@example.com"
    return json.dumps({
        "id": tid, "uri": f"/api/tickets/{tid}/", "subject": "Order status", "channel": "email", "status": "open",
        "customer": {"id": cid, "email": email, "firstname": "Bob", "lastname": "Norman", "name": "Bob Norman"},
        "messages": [{"id": tid * 10, "ticket_id": tid, "channel": "email", "via": "email", "from_agent": False,
                      "sender": {"id": cid, "email": email}, "body_text": "Hi, where is my order #1001?",
                      "body_html": "<p>Hi, where is my order #1001?</p>",
                      "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": None}]}).encode()


def subscriptions_answer(slug, topics, legacy):
    """One page of webhookSubscriptions: every topic asked for, at the tenant's Shopify URL."""
    url = f"{WEBHOOK_BASE}/webhooks/{slug}/shopify"
    edges = []
    for i, topic in enumerate(topics):
        node = {"id": f"gid://shopify/WebhookSubscription/{zlib.crc32(slug.encode()) * 10 + i}", "topic": topic}
        if legacy:
            node["endpoint"] = {"__typename": "WebhookHttpEndpoint", "callbackUrl": url}
        else:
            node["uri"] = url
        edges.append({"node": node})
    return json.dumps({"data": {"webhookSubscriptions": {"edges": edges,
                                                         "pageInfo": {"hasNextPage": False, "endCursor": None}}},
                       "extensions": {"cost": {"requestedQueryCost": 12, "actualQueryCost": 3, "throttleStatus": {
                           "maximumAvailable": 2000.0, "currentlyAvailable": 1997, "restoreRate": 100.0}}}}).encode()


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
        m = TICKET.match(url.path)
        if m:
            self.count("ticket_get")
            time.sleep(latency[0])
            if not self.headers.get("Authorization", "").startswith("Basic "):
                return self.answer(401, b'{"error": {"msg": "Authentication required"}}')
            return self.answer(200, ticket_answer(int(m.group(1))))
        if MESSAGES.match(url.path):
            self.count("messages_get")
            time.sleep(latency[0])
            tid = int(url.path.split("/")[3])
            with lock:
                mine = list(posted.get(tid, []))
            if not mine:
                return self.answer(200, NO_MESSAGES)
            return self.answer(200, json.dumps({"data": [
                {"id": mid, "ticket_id": tid, "channel": "internal-note", "via": "api", "from_agent": True,
                 "public": False, "external_id": ext} for mid, ext in mine], "meta": {"next_cursor": None}}).encode())
        m = INTEGRATION.match(url.path)
        if m:
            slug = basic_user_slug(self.headers.get("Authorization", ""))
            time.sleep(latency[0])
            with lock:
                calls["integration_get"] += 1
                checks.append((time.time(), "gorgias", slug))
                secret = secrets.get(slug)
            if secret is None:
                return self.answer(404, b'{"error": "integration not found"}')
            return self.answer(200, integration_answer(int(m.group(1)), slug, secret))
        if url.path == "/_bench/checks":
            since = int(parse_qs(url.query).get("since", ["0"])[0])
            with lock:
                rows = checks[since:]
            return self.answer(200, "".join(f"{t:.6f}\t{k}\t{s}\n" for t, k, s in rows).encode(), "text/plain")
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
            request = json.loads(raw)
            if "webhookSubscriptions(" in request.get("query", ""):
                token = self.headers.get("X-Shopify-Access-Token", "")
                slug = token[len("shpat_bench_"):] if token.startswith("shpat_bench_") else ""
                time.sleep(latency[0])
                with lock:
                    calls["subscriptions"] += 1
                    checks.append((time.time(), "shopify", slug))
                return self.answer(200, subscriptions_answer(slug, request.get("variables", {}).get("topics") or [],
                                                             "callbackUrl" in request["query"]))
            self.count("graphql")
            query = request.get("variables", {}).get("query", "")
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
                posted.setdefault(int(url.path.split("/")[3]), []).append((mid, external_id))
            return self.answer(201, json.dumps({"id": mid, "channel": "internal-note"}).encode())
        if url.path == "/_bench/gorgias-secrets":
            loaded = dict(line.split("\t")[:2] for line in raw.decode().splitlines() if "\t" in line)
            with lock:
                secrets.update({k: v.strip() for k, v in loaded.items()})
                n = len(secrets)
            return self.answer(200, json.dumps({"known": n}).encode())
        if url.path == "/_bench/latency":
            latency[0] = float(parse_qs(url.query)["ms"][0]) / 1000.0
            return self.answer(200, b"{}")
        self.count("other")
        self.answer(404, b'{"error": "not found"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(("127.0.0.1", PORT), Handler).serve_forever()
