#!/usr/bin/env python3
"""Delivery-to-note latency: sends unique Gorgias ticket deliveries at a fixed rate (open loop: each send is scheduled
at start + i/rate, whatever the answers), takes each event id from the 202 answer, then matches the stub's note
arrivals (external_id tollgate:<event id>) and prints percentiles.

note_latency.py NAME GATEWAY_PORT STUB_PORT TENANTS_TSV RATE SECONDS TICKET_BASE OUT_DIR [WAIT_SECONDS]
Prints: NAME rate sent accepted notes missing p50 p95 p99 max ack_p50 ack_p99 send_lag_max (times in ms)
Raw per-event rows go to OUT_DIR/NAME.tsv (event_id, tenant, sent, acked, note arrival; epoch seconds).
"""
import http.client, json, sys, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

name, gw, stub, tsv, rate, seconds, base, out = sys.argv[1:9]
wait = float(sys.argv[9]) if len(sys.argv) > 9 else 60.0
gw, stub, rate, seconds, base = int(gw), int(stub), float(rate), float(seconds), int(base)
tenants = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip()]

TEMPLATE = ('{"ticket": {"id": %d, "subject": "Order status", "channel": "email", "status": "open", '
            '"customer": {"id": %d, "email": "cust-%d@example.com", "firstname": "Bob", "lastname": "Norman", '
            '"name": "Bob Norman"}, "messages": [{"id": %d, "channel": "email", "via": "email", "from_agent": false, '
            '"sender": {"id": %d, "email": "cust-%d@example.com"}, "body_text": "Hi, where is my order #1001?", '
            '"body_html": "<p>Hi, where is my order #1001?</p>", "created_datetime": "2024-01-15T10:30:00+00:00", '
            '"external_id": null}]}}')

local = threading.local()
rows = []          # [event_id, slug, sent, acked, status]
rows_lock = threading.Lock()


def connection():
    if getattr(local, "conn", None) is None:
        local.conn = http.client.HTTPConnection("127.0.0.1", gw, timeout=30)
    return local.conn


def send(i):
    slug, secret = tenants[i % len(tenants)]
    ticket = base + i
    body = (TEMPLATE % (ticket, ticket, ticket, ticket * 10, ticket, ticket)).encode()
    headers = {"Content-Type": "application/json", "X-Tollgate-Token": secret,
               "X-Gorgias-Webhook-Id": f"lat-{ticket}"}
    sent = time.time()
    for attempt in range(2):
        try:
            c = connection()
            c.request("POST", f"/webhooks/{slug}/gorgias", body, headers)
            r = c.getresponse()
            answer = r.read()
            break
        except (http.client.HTTPException, OSError):
            local.conn = None
            if attempt == 1:
                with rows_lock:
                    rows.append([None, slug, sent, time.time(), 0])
                return
    acked = time.time()
    event = json.loads(answer).get("event_id") if r.status in (200, 202) else None
    with rows_lock:
        rows.append([event, slug, sent, acked, r.status])


def notes_count():
    with urllib.request.urlopen(f"http://127.0.0.1:{stub}/_bench/stats") as r:
        return json.load(r)["notes"]


def notes_since(k):
    with urllib.request.urlopen(f"http://127.0.0.1:{stub}/_bench/notes?since={k}") as r:
        return [line.split("\t") for line in r.read().decode().splitlines() if line]


first_note = notes_count()
total = int(rate * seconds)
lag = 0.0
start = time.time() + 0.2
with ThreadPoolExecutor(max(4, min(64, int(rate // 4) + 4))) as pool:
    for i in range(total):
        due = start + i / rate
        now = time.time()
        if due > now:
            time.sleep(due - now)
        else:
            lag = max(lag, now - due)
        pool.submit(send, i)

wanted = {r[0] for r in rows if r[0] is not None and r[4] == 202}
arrived = {}
deadline = time.time() + wait
while True:
    for ext, t in notes_since(first_note):
        if ext.startswith("tollgate:"):
            arrived.setdefault(ext[len("tollgate:"):], float(t))
    if wanted <= arrived.keys() or time.time() > deadline:
        break
    time.sleep(0.5)

lat, ack = [], []
with open(f"{out}/{name}.tsv", "w") as f:
    for event, slug, sent, acked, status in rows:
        note = arrived.get(event) if event else None
        f.write(f"{event}\t{slug}\t{sent:.6f}\t{acked:.6f}\t{status}\t{'' if note is None else f'{note:.6f}'}\n")
        ack.append((acked - sent) * 1000)
        if status == 202 and note is not None:
            lat.append((note - sent) * 1000)
lat.sort()
ack.sort()


def p(values, q):
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


accepted = sum(1 for r in rows if r[4] == 202)
print(f"{name} {rate:g} {len(rows)} {accepted} {len(lat)} {accepted - len(lat)} {p(lat, .50):.0f} {p(lat, .95):.0f} "
      f"{p(lat, .99):.0f} {(lat[-1] if lat else float('nan')):.0f} {p(ack, .50):.1f} {p(ack, .99):.1f} {lag * 1000:.0f}")
