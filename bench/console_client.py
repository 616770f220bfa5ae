#!/usr/bin/env python3
"""The console's calls, over one keep-alive connection (as a browser tab makes them).

console_client.py latency PORT TOKEN N PATH   -> "p50 p95 p99 max n_ok" in ms over N calls after 20 warm-up calls
console_client.py poll PORT TOKEN SECONDS EVERY PATH...
                                              -> polls every PATH each EVERY s for SECONDS s (a console session);
                                                 prints "rounds calls non200 mean_ms max_ms"
"""
import http.client, sys, time


def conn(port):
    return http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)


def get(c, token, path):
    t0 = time.perf_counter()
    c.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    return r.status, (time.perf_counter() - t0) * 1000.0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


mode, port, token = sys.argv[1], sys.argv[2], sys.argv[3]
c = conn(port)
if mode == "latency":
    n, path = int(sys.argv[4]), sys.argv[5]
    for _ in range(20):
        get(c, token, path)
    lat, ok = [], 0
    for _ in range(n):
        s, ms = get(c, token, path)
        lat.append(ms)
        ok += s == 200
    print("%.1f %.1f %.1f %.1f %d" % (pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99), max(lat), ok))
else:
    seconds, every, paths = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6:]
    end = time.monotonic() + seconds
    rounds = calls = bad = 0
    lat = []
    while time.monotonic() < end:
        start = time.monotonic()
        for p in paths:
            s, ms = get(c, token, p)
            calls += 1
            bad += s != 200
            lat.append(ms)
        rounds += 1
        time.sleep(max(0.0, every - (time.monotonic() - start)))
    print("%d %d %d %.1f %.1f" % (rounds, calls, bad, sum(lat) / max(1, len(lat)), max(lat or [0])))
