#!/usr/bin/env python3
"""Onboards tenants through the admin API, 8 at a time: create_tenants.py PORT TOKEN LIMITS_JSON < slugs."""
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor

port, token, limits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

def create(slug):
    body = {"slug": slug, "name": "Bench " + slug, "limits": limits,
            "gorgias": {"domain": slug, "username": f"agent@{slug}.example", "api_key": f"bench-gorgias-key-{slug}"},
            "shopify": {"shop_domain": f"{slug}.myshopify.com", "access_token": f"shpat_bench_{slug}",
                        "webhook_secret": f"bench-secret-{slug}"}}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/tenants", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status

slugs = [line.split("\t")[0] for line in sys.stdin if line.strip()]
with ThreadPoolExecutor(8) as pool:
    statuses = list(pool.map(create, slugs))
print(f"created {statuses.count(201)} of {len(slugs)}")
