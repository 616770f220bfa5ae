#!/usr/bin/env python3
"""base64 HMAC-SHA256 of a file's exact bytes: sign.py SECRET FILE, or sign.py --tenants N PREFIX FILE > tsv."""
import base64, hashlib, hmac, sys

if sys.argv[1] == "--tenants":
    n, prefix, body = int(sys.argv[2]), sys.argv[3], open(sys.argv[4], "rb").read()
    for i in range(n):
        slug = f"{prefix}{i:05d}"
        sig = base64.b64encode(hmac.new(f"bench-secret-{slug}".encode(), body, hashlib.sha256).digest()).decode()
        print(f"{slug}\t{sig}")
else:
    secret, body = sys.argv[1].encode(), open(sys.argv[2], "rb").read()
    print(base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode())
