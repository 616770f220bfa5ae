#!/usr/bin/env python3
"""p50/p99 (ms) of pgbench per-transaction logs (3rd column: latency in microseconds)."""
import sys

lat = []
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]))
lat.sort()
if not lat:
    print("nan nan")
    sys.exit(0)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0
print(f"{p(0.50):.2f} {p(0.99):.2f}")
