#!/usr/bin/env python3
"""Sends N unique Gorgias ticket deliveries (X-Tollgate-Token) round robin over the tenants, 8 at a time, and prints
how many were accepted (202): tickets.py PORT TENANTS_TSV BASE N. Every ticket has its own id, message id and customer
email, and the customer asks about order #1001 (the body of bench/gorgias.lua)."""
import sys, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor

port, tsv, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tenants = [line.rstrip("\n").split("\t")[:2] for line in open(tsv) if "\t" in line]
TEMPLATE = ('{"ticket": {"id": %d, "subject": "Order status", "channel": "email", "status": "open", '
            '"customer": {"id": %d, "email": "cust-%d@example.com", "firstname": "Bob", "lastname": "Norman", '
            '"name": "Bob Norman"}, "messages": [{"id": %d, "channel": "email", "via": "email", "from_agent": false, '
            '"sender": {"id": %d, "email": "cust-%d@example.com"}, "body_text": "Hi, where is my order #1001?", '
            '"body_html": "<p>Hi, where is my order #1001?</p>", "created_datetime": "2024-01-15T10:30:00+00:00", '
            '"external_id": null}]}}')


def send(i):
    slug, secret = tenants[i % len(tenants)]
    ticket = base + i
    body = (TEMPLATE % (ticket, ticket, ticket, ticket * 10, ticket, ticket)).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/{slug}/gorgias", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-Tollgate-Token": secret,
                                          "X-Gorgias-Webhook-Id": f"bench-{ticket}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


with ThreadPoolExecutor(8) as pool:
    codes = list(pool.map(send, range(n)))
print(sum(1 for c in codes if c == 202))
