#!/usr/bin/env python3
"""Onboards tenants whose Gorgias and Shopify are the benchmark's stub, 8 at a time, through the admin API:
worker_tenants.py PORT TOKEN LIMITS_JSON BASE_URL PREFIX N > tsv of slug<TAB>gorgias_webhook_secret."""
import json, sys, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor

port, token, limits, base, prefix, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])


def create(slug):
    body = {"slug": slug, "name": "Bench " + slug, "limits": limits,
            "gorgias": {"domain": slug, "username": f"agent@{slug}.example", "api_key": f"bench-gorgias-key-{slug}",
                        "base_url": base},
            "shopify": {"shop_domain": f"{slug}.myshopify.com", "access_token": f"shpat_bench_{slug}",
                        "webhook_secret": f"bench-secret-{slug}", "base_url": base}}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/tenants", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with urllib.request.urlopen(req) as r:
                return slug, json.load(r)["gorgias_webhook_secret"]
        except urllib.error.HTTPError as e:
            # 409 after a 503: the earlier attempt committed after all (answered past its deadline on a loaded
            # machine); its webhook secret is not shown again, so its line has none
            if e.code == 409 and attempt > 0:
                print(f"{slug}: created by an attempt answered 503; no webhook secret", file=sys.stderr)
                return slug, ""
            # 503: a gateway just started on a loaded machine may not have its database connections yet (nothing
            # was written); anything else is an error
            if e.code != 503 or attempt == 4:
                raise
            time.sleep(1 + attempt)


with ThreadPoolExecutor(8) as pool:
    for slug, secret in pool.map(create, [f"{prefix}{i:05d}" for i in range(n)]):
        print(f"{slug}\t{secret}")
