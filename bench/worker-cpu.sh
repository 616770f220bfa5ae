#!/usr/bin/env bash
# CPU per worker job of two builds in one run, alternating (issue 19, target 4):
#   bench/worker-cpu.sh JAR_A JAR_B        (each jar with its libs/ next to it; the same jar twice is an A/A check)
# Two gateways run side by side, each on its own database and with its worker on (concurrency 8, every other setting at
# its default), against one bench/upstream_stub.py answering every call after $BENCH_UPSTREAM_MS ms. Each gets 400
# tenants through its admin API and a warm-up drain of $BENCH_WARMUP_JOBS jobs. Then $BENCH_PAIRS pairs of rows,
# the order alternating (A B, B A, ...): a row queues $BENCH_JOBS Gorgias ticket jobs on one gateway's database in one
# statement (the same events and jobs as bench/worker.sh, due 2 s later) and waits until that worker has run them all;
# the other gateway idles meanwhile. Each job is worker.sh's: the ticket read from Gorgias, the customer's orders from
# Shopify (every customer is new), the template's draft, one note posted; ~3 upstream calls.
# Per row: jobs/s (the events' processed_at, first to last), the gateway JVM's CPU per job (/proc/PID/stat utime+stime)
# and per thread group (/proc/PID/task/*: thread names without digits, so the carriers ForkJoinPool-1-worker-N add
# up), the database's backends' CPU per job (bench/pg_cpu.py), the stub's, the idle gateway's CPU per second, the
# gateway's view of an upstream call (tollgate_upstream_seconds), the commits in the database per job (xact_commit:
# the worker's claims, job transactions and background ones, the bench's own few queries) and the 1-minute load
# average.
# Settings: BENCH_JOBS (3000), BENCH_PAIRS (2), BENCH_WARMUP_JOBS (4000), BENCH_UPSTREAM_MS (20), BENCH_TENANTS (400),
#   BENCH_CUSTOMERS (new: a new customer per ticket, 3 upstream calls a job; repeat: one customer per tenant, its
#   order cached after the first job, 2 calls), BENCH_NAMES ("a b"), BENCH_PORT (18290; B gets +1), BENCH_STUB_PORT (18292), BENCH_DB (worker_cpu; _a and _b),
#   BENCH_TENANTS_A, BENCH_TENANTS_B (each side's tenants, both BENCH_TENANTS by default; the jobs go round each side's
#   tenants, and its warm-up runs at least one job per tenant), BENCH_EVENTS_B (0: stored events put in B's database
#   before the warm-up by bench/load_events.sh, 14 days of one tenant of their own, 1,500-byte bodies; both gateways then
#   keep events 15 days), BENCH_REUSE (1 with BENCH_EVENTS_B: keeps B's database of an earlier run, its stored events
#   and its tenants), BENCH_GATEWAY_ENV (extra VAR=value settings of both gateways),
#   BENCH_IMAGE_FLAGS (1: the image's JVM flags with -XX:MaxRAM=384m and MALLOC_ARENA_MAX=2, as the pod runs;
#   0: the JVM's defaults, as bench/worker.sh), BENCH_JFR (empty; a directory: after the warm-up each gateway records a
#   JFR profile, settings=profile, to <name>.jfr until the end), BENCH_JAVA_FLAGS (extra JVM flags).
# Needs psql and PostgreSQL at 127.0.0.1:5432, python3, jcmd (for BENCH_JFR). Raw outputs and summary.md (with the
# ratios B/A of each pair and their medians) in bench/results/worker-cpu-<timestamp>/ (not committed).
# bench/scale.sh worker-tenants|worker-events runs this with one jar on two states of the tables (issue 19, target 6).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
[ $# -eq 2 ] || { echo "usage: $0 JAR_A JAR_B" >&2; exit 2; }
JARS=("$1" "$2")
read -r -a NAMES <<< "${BENCH_NAMES:-a b}"
JOBS=${BENCH_JOBS:-3000}
PAIRS=${BENCH_PAIRS:-2}
WARM=${BENCH_WARMUP_JOBS:-4000}
# new: every ticket's customer is new (the Shopify look-up each time: 3 upstream calls a job); repeat: each tenant's
# tickets come from one customer, whose order is cached after the first (2 calls a job, the shape of the issue's
# 200/s ceiling). The gateways run with TOLLGATE_ORDER_FRESHNESS_SECONDS=86400: with the default 300 s a cached order
# is read again by its id once it is older, which the stub does not answer, so on a slow machine the later rows'
# jobs went dead ("the answer has no data.order") and the row never drained
CUSTOMERS=${BENCH_CUSTOMERS:-new}
case $CUSTOMERS in new) REPEAT=false ;; repeat) REPEAT=true ;; *) echo "BENCH_CUSTOMERS: new or repeat" >&2; exit 2 ;; esac
UPMS=${BENCH_UPSTREAM_MS:-20}
NTEN=${BENCH_TENANTS:-400}
NT=("${BENCH_TENANTS_A:-$NTEN}" "${BENCH_TENANTS_B:-$NTEN}")
NEV=${BENCH_EVENTS_B:-0}
PORT=${BENCH_PORT:-18290}
SPORT=${BENCH_STUB_PORT:-18292}
DBBASE=${BENCH_DB:-worker_cpu}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/worker-cpu-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
HZ=$(getconf CLK_TCK)
mkdir -p "$OUT"
for j in "${JARS[@]}"; do [ -f "$j" ] || { echo "no jar $j" >&2; exit 2; }; done
FLAGS=()
ENVS=()
if [ "${BENCH_IMAGE_FLAGS:-1}" = 1 ]; then
  read -r -a FLAGS <<< "-XX:MaxRAM=384m $(sed -n 's:.*<image.jvm.flags>\(.*\)</image.jvm.flags>.*:\1:p' "$ROOT/platform-api/pom.xml")"
  ENVS=(MALLOC_ARENA_MAX=2)
fi
read -r -a EXTRA <<< "${BENCH_JAVA_FLAGS:-}"
read -r -a GWENV <<< "${BENCH_GATEWAY_ENV:-}"
# stored events span 14 days: the retention sweep (first run 5 minutes after the start) must not drop half of them
[ "$NEV" -gt 0 ] && GWENV=(TOLLGATE_EVENT_RETENTION_DAYS=15 "${GWENV[@]}")
# repeat customers: ticket t's customer is 7000000 + t mod R; with R dividing both sides' tenant counts every tenant has
# one customer on both sides
gcd() { local a=$1 b=$2 t; while [ "$b" -gt 0 ]; do t=$((a % b)); a=$b; b=$t; done; echo "$a"; }
R=$([ "$REPEAT" = true ] && gcd "${NT[0]}" "${NT[1]}" || echo 0)
. "$BENCH/worker_jobs.sh"
load() { cut -d' ' -f1 /proc/loadavg; }
now() { date +%s.%N; }
echo "== machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
echo "== A=${NAMES[0]}: ${JARS[0]}"
echo "== B=${NAMES[1]}: ${JARS[1]}"
echo "== JVM flags: ${FLAGS[*]} ${EXTRA[*]}; customers: $CUSTOMERS; tenants ${NT[0]} / ${NT[1]}; gateway settings: ${GWENV[*]}"

GW=("" "")
SAMPLERS=()
STUB=
cleanup() {
  for s in "${SAMPLERS[@]}"; do kill "$s" 2>/dev/null || true; done
  for g in "${GW[@]}"; do [ -n "$g" ] && { kill "$g" 2>/dev/null; wait "$g" 2>/dev/null || true; }; done
  [ -n "$STUB" ] && { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true; }
}
trap cleanup EXIT

db() { echo "${DBBASE}_$1"; }   # a or b
sql() { psql $PG -d "$(db "$1")" -v ON_ERROR_STOP=1 -qtAc "$2"; }

BENCH_REPEAT_CUSTOMERS=$R BENCH_UPSTREAM_MS=$UPMS \
  python3 "$BENCH/upstream_stub.py" "$SPORT" \
  "$ROOT/tenant-config/src/test/resources/fixtures/shopify-python-api-order.json" > "$OUT/stub.log" 2>&1 &
STUB=$!

LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
# B's database is kept (BENCH_REUSE=1) only when it holds the stored events and the tenants asked for; its master key
# stays with it (bench_key), so the credentials sealed by the earlier run still open
REUSE=0
if [ "${BENCH_REUSE:-0}" = 1 ] && [ "$NEV" -gt 0 ] && [ "$(psql $PG -d "$(db b)" -qtAc "SELECT (SELECT count(*) FROM tenants
     WHERE slug LIKE 'wt%') = ${NT[1]} AND EXISTS (SELECT 1 FROM bench_key)" 2>/dev/null)" = t ]; then REUSE=1; fi
for i in 0 1; do
  x=$([ $i -eq 0 ] && echo a || echo b)
  key=$(openssl rand -base64 32)
  if [ $i -eq 1 ] && [ $REUSE = 1 ]; then key=$(sql b "SELECT k FROM bench_key")
  else dropdb $PG --if-exists "$(db $x)" && createdb $PG "$(db $x)"; fi
  echo 0 > "$OUT/pgticks-$x"
  python3 "$BENCH/pg_cpu.py" "$(db $x)" "$OUT/pgticks-$x" & SAMPLERS+=($!)
  # shellcheck disable=SC2086
  env "${ENVS[@]}" DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$(db $x)" DATABASE_USER=postgres \
    TOLLGATE_MASTER_KEY="$key" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$((PORT + i)) \
    TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true TOLLGATE_WORKER_CONCURRENCY=8 \
    TOLLGATE_ORDER_FRESHNESS_SECONDS=86400 "${GWENV[@]}" \
    "$JAVA_HOME/bin/java" "${FLAGS[@]}" "${EXTRA[@]}" -jar "${JARS[$i]}" > "$OUT/gateway-${NAMES[$i]}.log" 2>&1 &
  GW[$i]=$!
  [ $i -eq 1 ] && [ $REUSE = 0 ] && KEYB=$key
done
for i in 0 1; do
  for _ in $(seq 1 240); do curl -fs "127.0.0.1:$((PORT + i))/observe/health" >/dev/null && break; sleep 0.5; done
  curl -fs "127.0.0.1:$((PORT + i))/observe/health" >/dev/null \
    || { echo "gateway ${NAMES[$i]} did not start" >&2; tail "$OUT/gateway-${NAMES[$i]}.log" >&2; exit 1; }
  [ $i -eq 1 ] && [ $REUSE = 1 ] && continue
  t0=$(date +%s)
  "$BENCH/worker_tenants.py" "$((PORT + i))" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" wt "${NT[$i]}" > "$OUT/tenants-$i.tsv"
  echo "== ${NT[$i]} tenants on gateway ${NAMES[$i]} ($(( $(date +%s) - t0 )) s)"
done
if [ "$NEV" -gt 0 ] && [ $REUSE = 0 ]; then
  sql b "CREATE TABLE bench_key (k text NOT NULL)"; sql b "INSERT INTO bench_key VALUES ('$KEYB')"
  "$BENCH/worker_tenants.py" "$((PORT + 1))" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" stored 1 > /dev/null
  echo "== storing $NEV events over the last 14 days in $(db b) (one tenant of their own, 1,500-byte bodies)"
  t0=$(date +%s)
  . "$BENCH/load_events.sh"
  load_events "$PG" "$(db b)" "$(sql b "SELECT id FROM tenants WHERE slug = 'stored00000'")" "$NEV" 336 \
    "$BENCH/order.json" 1500
  psql $PG -d "$(db b)" -qc "VACUUM ANALYZE"
  echo "   loaded and vacuumed in $(( $(date +%s) - t0 )) s"
fi
[ "$NEV" -gt 0 ] && echo "== $(db b): $(sql b "SELECT count(*) FROM webhook_events") events, $(sql b "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# ticket numbers go on from the highest a reused database holds (their delivery keys are unique)
TICKET=$(sql b "SELECT greatest(100000000, coalesce(max(substr(delivery_key, 8)::bigint), 0))
                  FROM delivery_keys WHERE provider = 'gorgias' AND delivery_key LIKE 'id:sql-%'")
enqueue() { # x count: that many Gorgias jobs due 2 s from now, round the wt tenants of that side (bench/worker_jobs.sh)
  local i; i=$([ "$1" = a ] && echo 0 || echo 1)
  enqueue_jobs "$PG" "$(db "$1")" wt "${NT[$i]}" "$2" "$TICKET" "$R" 2
  TICKET=$((TICKET + $2))
}
left() { sql "$1" "SELECT count(*) FROM jobs WHERE status <> 'dead'"; }   # stored events come with dead jobs
drain() { # x: waits until its jobs table is empty (at most 600 s)
  for _ in $(seq 1 1200); do [ "$(left "$1")" -eq 0 ] && return 0; sleep 0.5; done
  echo "   $1 did not drain in 600 s: $(left "$1") left" >&2
}
. "$BENCH/jvm_cpu.sh" # ticks, sys_ticks, threads, pg_total
# the JVM's own names of its threads ("tid<TAB>name", from jcmd Thread.print: /proc's names are cut at 15 characters),
# digits dropped so that the carriers ForkJoinPool-1-worker-N or the C2 compiler threads add up
thread_names() {
  "$JAVA_HOME/bin/jcmd" "$1" Thread.print 2>/dev/null | sed -n 's/^"\(.*\)" .*\[\([0-9]*\)\].*/\2\t\1/p' \
    | awk -F'\t' '{n = $2; gsub(/[0-9]+/, "", n); print $1 "\t" n}' | sort
}
upstream() { # the gateway's own view of its upstream calls: seconds and count
  curl -fs "127.0.0.1:$1/observe/metrics" | awk '/^tollgate_upstream_seconds_sum\{/ {s += $NF} /^tollgate_upstream_seconds_count\{/ {c += $NF}
    END {print s + 0, c + 0}'
}
commits() { psql $PG -d postgres -qtAc "SELECT xact_commit FROM pg_stat_database WHERE datname = '$(db "$1")'"; }
stub_calls() { curl -fs "127.0.0.1:$SPORT/_bench/stats" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["answered"])'; }

row() { # i (0 = A, 1 = B) label
  local i=$1 label=$2 x o gw other p0 p1 g0 g1 o0 o1 s0 s1 u0 u1 c0 c1 t0 t1 n first last rate l0 l1 x0 x1
  x=$([ "$i" -eq 0 ] && echo a || echo b); gw=${GW[$i]}; other=${GW[$((1 - i))]}
  enqueue "$x" "$JOBS"
  # the claim's plan follows the jobs table's statistics: both sides plan with a queue like the row's, as autovacuum's
  # analyze would give them (this server runs with autovacuum off; a jobs table last analyzed holding no queued job, as
  # after a load, makes the claim's walk read every queued job per tenant: docs/benchmarks.md, target 6)
  sql "$x" "ANALYZE jobs"
  threads "$gw" > "$OUT/threads-$label.0"
  g0=$(ticks "$gw"); o0=$(ticks "$other"); s0=$(ticks "$STUB"); p0=$(pg_total "$x"); u0=$(upstream $((PORT + i)))
  c0=$(stub_calls); t0=$(now); l0=$(load); x0=$(commits "$x")
  drain "$x"
  threads "$gw" > "$OUT/threads-$label.1"
  g1=$(ticks "$gw"); o1=$(ticks "$other"); s1=$(ticks "$STUB"); p1=$(pg_total "$x"); u1=$(upstream $((PORT + i)))
  c1=$(stub_calls); t1=$(now); l1=$(load); x1=$(commits "$x")
  read -r n first last < <(sql "$x" "SELECT count(*), extract(epoch FROM min(processed_at)), extract(epoch FROM max(processed_at))
      FROM webhook_events WHERE provider = 'gorgias' AND status = 'processed' AND processed_at >= to_timestamp($t0)
       AND received_at >= to_timestamp($t0) - interval '1 minute'" | tr '|' ' ')
  rate=$(awk -v n="$n" -v a="$first" -v b="$last" 'BEGIN {printf "%.1f", (b > a) ? n / (b - a) : 0}')
  thread_names "$gw" > "$OUT/names-$label"
  join -t$'\t' -a2 -e0 -o 0,1.2,2.2 "$OUT/threads-$label.0" "$OUT/threads-$label.1" \
    | join -t$'\t' -a1 -e '(gone)' -o 1.1,1.2,1.3,2.2 - "$OUT/names-$label" \
    | awk -F'\t' -v n="$n" -v hz="$HZ" '{d = $3 - $2; if (d > 0) s[$4] += d} END {for (k in s) printf "%s\t%.0f\n", k, s[k] * 1e6 / hz / n}' \
    | sort -t$'\t' -k2 -rn > "$OUT/threads-$label.txt"
  echo "$label ${NAMES[$i]} $n $rate $(awk -v g=$((g1 - g0)) -v p=$((p1 - p0)) -v s=$((s1 - s0)) -v n="$n" -v hz="$HZ" \
      'BEGIN {printf "%.0f %.0f %.0f", g * 1e6 / hz / n, p * 1e6 / hz / n, s * 1e6 / hz / n}') \
$(awk -v o=$((o1 - o0)) -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN {printf "%.0f", o * 1e3 / hz / (b - a)}') \
$(echo "$u0 $u1" | awk '{printf "%.1f", ($4 > $2) ? 1000 * ($3 - $1) / ($4 - $2) : 0}') \
$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.2f", (b - a) / n}') $l0 $l1 \
$(awk -v a="$x0" -v b="$x1" -v n="$n" 'BEGIN {printf "%.2f", (b - a) / n}')" | tee -a "$OUT/rows.txt"
}

echo "== warm-up: $WARM jobs on each, at least one per tenant"
for i in 0 1; do
  x=$([ $i -eq 0 ] && echo a || echo b)
  # at least one job per tenant: with repeat customers, every tenant's order is cached before the rows
  enqueue "$x" "$(( WARM > NT[i] ? WARM : NT[i] ))"; drain "$x"
done
if [ -n "${BENCH_JFR:-}" ]; then
  mkdir -p "$BENCH_JFR"
  for i in 0 1; do
    "$JAVA_HOME/bin/jcmd" "${GW[$i]}" JFR.start name=bench settings=profile "filename=$BENCH_JFR/${NAMES[$i]}.jfr" >/dev/null
  done
fi
echo "== rows: row build jobs jobs/s jvm_us/job pg_us/job stub_us/job idle_other_ms/s call_ms calls/job load1_start load1_end commits/job"
for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then row 0 "p$pair-${NAMES[0]}"; row 1 "p$pair-${NAMES[1]}"
  else row 1 "p$pair-${NAMES[1]}"; row 0 "p$pair-${NAMES[0]}"; fi
done
if [ -n "${BENCH_JFR:-}" ]; then
  for i in 0 1; do "$JAVA_HOME/bin/jcmd" "${GW[$i]}" JFR.stop name=bench >/dev/null; done
  echo "== JFR recordings in $BENCH_JFR"
fi
echo "== exactly once: notes the stub received / distinct external ids / ids more than once: $(curl -fs "127.0.0.1:$SPORT/_bench/notes" \
  | awk -F'\t' '{n++; c[$1]++} END {for (e in c) if (c[e] > 1) d++; printf "%d / %d / %d", n, length(c), d + 0}')"

python3 - "$OUT" "${NAMES[@]}" > "$OUT/summary.md" <<'EOF'
import collections, statistics, sys, os
out, names = sys.argv[1], sys.argv[2:]
rows = [l.split() for l in open(os.path.join(out, "rows.txt")) if l.strip()]
print("| build | rows | jobs/s | JVM µs/job | PostgreSQL µs/job | stub µs/job | upstream call ms | commits/job | load1 |")
print("|---|---|---|---|---|---|---|---|---|")
for name in names:
    mine = [r for r in rows if r[1] == name]
    col = lambda k: [float(r[k]) for r in mine]
    print(f"| {name} | {len(mine)} | {' / '.join(r[3] for r in mine)} | {' / '.join(r[4] for r in mine)} | "
          f"{' / '.join(r[5] for r in mine)} | {' / '.join(r[6] for r in mine)} | {' / '.join(r[8] for r in mine)} | "
          f"{' / '.join(r[12] if len(r) > 12 else '-' for r in mine)} | "
          f"{' / '.join(r[10] + '–' + r[11] for r in mine)} |")
print()
print(f"Per pair, B ({names[1]}) / A ({names[0]}):")
print()
print("| pair | jobs/s A | jobs/s B | B/A | JVM µs/job A | B | B/A | PostgreSQL µs/job A | B | B/A | load1 |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
ratios = collections.defaultdict(list)
for p in sorted({r[0].split("-")[0] for r in rows}):
    pa = [r for r in rows if r[0].split("-")[0] == p and r[1] == names[0]]
    pb = [r for r in rows if r[0].split("-")[0] == p and r[1] == names[1]]
    if not pa or not pb:
        continue
    a, b = pa[0], pb[0]
    cells = []
    for k in (3, 4, 5):
        va, vb = float(a[k]), float(b[k])
        ratios[k].append(vb / va if va else float("nan"))
        cells += [a[k], b[k], f"{ratios[k][-1]:.3f}"]
    print(f"| {p} | " + " | ".join(cells) + f" | {min(float(r[k]) for r in (a, b) for k in (10, 11)):.1f}–{max(float(r[k]) for r in (a, b) for k in (10, 11)):.1f} |")
print("| **median** | | | **%.3f** | | | **%.3f** | | | **%.3f** | |" % tuple(statistics.median(ratios[k]) for k in (3, 4, 5)))
print()
print("JVM µs per job by thread group (mean of the rows):")
print()
groups = collections.defaultdict(lambda: collections.defaultdict(list))
for r in rows:
    for line in open(os.path.join(out, f"threads-{r[0]}.txt")):
        g, us = line.rstrip("\n").split("\t")
        groups[g][r[1]].append(float(us))
print("| thread group | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
order = sorted(groups, key=lambda g: -sum(statistics.mean(v) for v in groups[g].values()))
for g in order:
    cells = []
    for name in names:
        n = len([r for r in rows if r[1] == name])
        v = groups[g].get(name, [])
        cells.append(f"{sum(v) / n:.0f}" if n else "-")
    print(f"| {g} | " + " | ".join(cells) + " |")
EOF
cat "$OUT/summary.md"
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
