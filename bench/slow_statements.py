#!/usr/bin/env python3
"""Summarises PostgreSQL's log_min_duration_statement lines of one database: slow_statements.py LOG_EXTRACT.

Statements from the gateways (extended protocol, "execute ...:") are grouped by which of the drift check's, the
silence watch's or the admin API's statements they are; the benchmark script's own ("statement:": its inserts,
updates and EXPLAINs) are counted apart. One line: kind count (longest ms); ...
"""
import re
import sys

records = re.split(r"\n(?=\d{4}-\d{2}-\d{2} )", open(sys.argv[1]).read().strip())
kinds = {}
for r in filter(None, records):
    m = re.search(r"duration: ([0-9.]+) ms", r)
    if not m:
        continue
    head = r.split("\n")[0]
    if " statement: " in head:
        kind = "the script's own"
    elif "NOT EXISTS" in r:
        kind = "silence watch"
    elif "WITH due AS" in r:
        kind = "claimDue"
    elif "unnest(" in r and "LIMIT 1" in r:
        kind = "lastDeliveries"
    elif "coalesce(" in r and "UPDATE connections" in r:
        kind = "recordCheck"
    elif "status = 'broken'" in r:
        kind = "brokenCounts"
    else:
        kind = "gateway, other: " + re.sub(r"\s+", " ", re.sub(r"^.*?duration: [0-9.]+ ms\s+", "", head))[:50]
    kinds.setdefault(kind, []).append(float(m.group(1)))
print("statements over 100 ms in the server log: " + ("; ".join(
    "%s %d (longest %.0f ms)" % (k, len(v), max(v)) for k, v in sorted(kinds.items())) or "none"))
