#!/usr/bin/env bash
# Ingress at fleet scale against ingress at the smallest scale (issue 19, target 6), in alternating pairs in one run:
#   bench/scale.sh tenants   one gateway on one database holding 1 + $BENCH_TENANTS (10,000) tenants: unique signed
#                            Shopify deliveries to one tenant (A) against deliveries spread at random over the 10,000
#                            (B), each tenant signing with its own secret
#   bench/scale.sh events    two gateways, each on a database of its own: an empty one (A) against one holding
#                            $BENCH_EVENTS (5,000,000) stored events over 14 days with their delivery keys (B), the
#                            deliveries going to one tenant in both
#   bench/scale.sh worker-tenants   the worker (bench/worker-cpu.sh, one jar on two databases, side by side) draining
#                            the same Gorgias ticket jobs (2 upstream calls each, 20 ms stub, concurrency 8) over
#                            $BENCH_FEW_TENANTS (200) tenants (A) and over $BENCH_TENANTS (10,000) tenants (B)
#   bench/scale.sh worker-events    the same over 400 tenants on an empty database (A) and on one holding
#                            $BENCH_EVENTS stored events (B; BENCH_REUSE=1 keeps it loaded for the next run)
# Each pair also runs pgbench on the same two states (the minimal transaction of one accepted delivery,
# bench/ingest_tx.sh: to one tenant, or to a random one of the 10,000; on the empty or the full database), so what
# the database alone loses at that scale is measured beside what the gateway loses. Order per pair alternates
# (A B B A, then B A A B...), $BENCH_SECONDS (15) per row, c = $BENCH_CONCURRENCY (16), $BENCH_PAIRS (3) pairs, after
# a warm-up of both states. Rows and the medians of the per-pair ratios B/A go to bench/results/scale-<mode>-<time>/.
# Settings: BENCH_TENANTS, BENCH_EVENTS, BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_PAIRS, BENCH_WARMUP (30),
#   BENCH_PORT (18380, and +1 for the second gateway), BENCH_JAR (platform-api/target/platform-api.jar),
#   BENCH_REUSE (events modes: 1 keeps the loaded database of an earlier run), BENCH_FEW_TENANTS (worker-tenants' A),
#   BENCH_JOBS (3000, jobs per worker row), BENCH_DB (tenants: the database, worker modes: its name, with _a and _b). The gateways keep
#   events 15 days (TOLLGATE_EVENT_RETENTION_DAYS), so the retention sweep (5 minutes after a start) leaves the 14 days
#   of stored events whole. Needs wrk, pgbench, psql, PostgreSQL at 127.0.0.1:5432 (trust, user postgres).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
MODE=${1:-}
case $MODE in tenants|events|worker-tenants|worker-events) ;;
  *) echo "usage: $0 tenants|events|worker-tenants|worker-events" >&2; exit 2 ;; esac
NTEN=${BENCH_TENANTS:-10000}
NEV=${BENCH_EVENTS:-5000000}
DUR=${BENCH_SECONDS:-15}
C=${BENCH_CONCURRENCY:-16}
PAIRS=${BENCH_PAIRS:-3}
PORT=${BENCH_PORT:-18380}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/scale-$MODE-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
RUN=$(date +%s)
mkdir -p "$OUT"
for t in wrk pgbench psql; do command -v $t >/dev/null || { echo "$t is missing" >&2; exit 1; }; done
JAR=${BENCH_JAR:-$ROOT/platform-api/target/platform-api.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q package -DskipTests -pl platform-api -am)
if [ "${MODE%%-*}" = worker ]; then
  # the worker's rows: bench/worker-cpu.sh with the same jar on both sides, which differ only in their tables (its
  # rows alternate A B, B A, ...; per pair the ratios B/A, and their medians, in its summary.md). Every tenant has one
  # repeat customer whose order is cached by the warm-up and stays fresh for the run (so every job makes 2 calls on
  # both sides), and the Gorgias budget per account (40 calls in 20 s) is not reached on either side.
  export BENCH_CUSTOMERS=repeat BENCH_PAIRS=$PAIRS BENCH_JOBS=${BENCH_JOBS:-3000} BENCH_PORT=${BENCH_PORT:-18380}
  export BENCH_STUB_PORT=${BENCH_STUB_PORT:-18382}
  export BENCH_GATEWAY_ENV="TOLLGATE_ORDER_FRESHNESS_SECONDS=86400 ${BENCH_GATEWAY_ENV:-}"
  if [ "$MODE" = worker-tenants ]; then
    export BENCH_TENANTS_A=${BENCH_FEW_TENANTS:-200} BENCH_TENANTS_B=$NTEN BENCH_NAMES="few fleet"
    export BENCH_DB=${BENCH_DB:-i19_scale_worker_tenants}
  else
    export BENCH_TENANTS=400 BENCH_EVENTS_B=$NEV BENCH_NAMES="empty stored" BENCH_DB=${BENCH_DB:-i19_scale_worker_events}
  fi
  rmdir "$OUT"
  exec "$BENCH/worker-cpu.sh" "$JAR" "$JAR"
fi
FLAGS=$(sed -n 's:.*<image.jvm.flags>\(.*\)</image.jvm.flags>.*:\1:p' "$ROOT/platform-api/pom.xml")
. "$BENCH/ingest_tx.sh"
echo "== machine: $(nproc) cores; mode $MODE; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results in $OUT"
BODY=$BENCH/order.json
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'

GWS=()
cleanup() { for p in "${GWS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_gateway() { # db port
  env MALLOC_ARENA_MAX=2 DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$1" DATABASE_USER=postgres \
    TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$2 TOLLGATE_HOST=127.0.0.1 \
    TOLLGATE_WORKER_ENABLED=false TOLLGATE_CONNECTION_CHECK_ENABLED=false TOLLGATE_EVENT_RETENTION_DAYS=15 \
    "$JAVA_HOME/bin/java" -XX:MaxRAM=384m $FLAGS -jar "$JAR" > "$OUT/gateway-$2.log" 2>&1 &
  GWS+=($!)
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$2/observe/health" >/dev/null && return; sleep 0.5; done
  echo "gateway on $1 did not start" >&2; tail "$OUT/gateway-$2.log" >&2; exit 1
}
create() { # port slug
  curl -fs -o /dev/null -X POST "127.0.0.1:$1/admin/tenants" -H "Authorization: Bearer $TOKEN" -d "{
    \"slug\": \"$2\", \"name\": \"Bench $2\", \"limits\": $LIMITS,
    \"gorgias\": {\"domain\": \"$2\", \"username\": \"agent@$2.example\", \"api_key\": \"bench-gorgias-key-$2\"},
    \"shopify\": {\"shop_domain\": \"$2.myshopify.com\", \"access_token\": \"shpat_bench_$2\",
                  \"webhook_secret\": \"bench-secret-$2\"}}"
}
tid() { psql $PG -d "$1" -tAc "SELECT id FROM tenants WHERE slug = '$2'"; }
SIG=$("$BENCH/sign.py" bench-secret-bench-one "$BODY")

if [ "$MODE" = tenants ]; then
  DB=${BENCH_DB:-i19_scale_tenants}
  dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
  start_gateway "$DB" "$PORT"
  create "$PORT" bench-one
  "$BENCH/sign.py" --tenants "$NTEN" bt "$BODY" > "$OUT/tenants.tsv"
  echo "== onboarding $NTEN tenants through the admin API"
  T0=$(date +%s)
  "$BENCH/create_tenants.py" "$PORT" "$TOKEN" "$LIMITS" < "$OUT/tenants.tsv"
  echo "   $(psql $PG -d "$DB" -tAc 'SELECT count(*) FROM tenants') tenants ($(( $(date +%s) - T0 )) s)"
  # pgbench picks its tenant by number: 0 the one tenant, 1..N the fleet (one index probe in both states)
  psql $PG -d "$DB" -qc "CREATE TABLE bench_tenants (n int PRIMARY KEY, id uuid NOT NULL)" \
    -c "INSERT INTO bench_tenants SELECT 0, id FROM tenants WHERE slug = 'bench-one'" \
    -c "INSERT INTO bench_tenants SELECT row_number() OVER (ORDER BY slug), id FROM tenants WHERE slug <> 'bench-one'"
  INGEST_SET='\set t 0' ingest_sql "$OUT/a.sql" "(SELECT id FROM bench_tenants WHERE n = :t)" bench-one "a$RUN" "$BODY"
  INGEST_SET="\\set t random(1, $NTEN)" ingest_sql "$OUT/b.sql" "(SELECT id FROM bench_tenants WHERE n = :t)" bt "b$RUN" "$BODY"
  DBA=$DB; DBB=$DB; PA=$PORT; PB=$PORT
  gw_a() { wrk -t2 -c"$C" -d"$1s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PA" -- "$BODY" "$SIG" \
             bench-one.myshopify.com bench-one "ga$RUN-$2" 0; }
  gw_b() { wrk -t2 -c"$C" -d"$1s" --latency -s "$BENCH/tenants.lua" "http://127.0.0.1:$PB" -- "$BODY" \
             "$OUT/tenants.tsv" "gb$RUN-$2"; }
  A="one tenant"; B="$NTEN tenants"
else
  DBA=i19_scale_empty; DBB=${BENCH_DB:-i19_scale_full}
  dropdb $PG --if-exists "$DBA" && createdb $PG "$DBA"
  LOAD=1
  if [ "${BENCH_REUSE:-0}" = 1 ] && psql $PG -d "$DBB" -tAc "SELECT 1 FROM webhook_events LIMIT 1" 2>/dev/null | grep -q 1
  then LOAD=0; else dropdb $PG --if-exists "$DBB" && createdb $PG "$DBB"; fi
  PA=$PORT; PB=$((PORT + 1))
  start_gateway "$DBA" "$PA"
  start_gateway "$DBB" "$PB"
  create "$PA" bench-one
  [ "$LOAD" = 1 ] && create "$PB" bench-one
  # the two gateways have their own master keys: the full database's tenant is re-sealed on a reused run
  [ "$LOAD" = 0 ] && { psql $PG -d "$DBB" -qc "DELETE FROM tenants WHERE slug = 'bench-one'" && create "$PB" bench-one; }
  TIDB=$(tid "$DBB" bench-one)
  if [ "$LOAD" = 1 ]; then
    echo "== storing $NEV events over the last 14 days in $DBB (1,500-byte bodies), with their delivery keys"
    . "$BENCH/load_events.sh"
    load_events "$PG" "$DBB" "$TIDB" "$NEV" 336 "$BODY" 1500
    psql $PG -d "$DBB" -qc "VACUUM ANALYZE"
  fi
  echo "   $DBB: $(psql $PG -d "$DBB" -tAc "SELECT count(*) FROM webhook_events") events," \
       "$(psql $PG -d "$DBB" -tAc "SELECT pg_size_pretty(pg_database_size('$DBB'))")"
  ingest_sql "$OUT/a.sql" "$(tid "$DBA" bench-one)" bench-one "a$RUN" "$BODY"
  ingest_sql "$OUT/b.sql" "$TIDB" bench-one "b$RUN" "$BODY"
  gw_a() { wrk -t2 -c"$C" -d"$1s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PA" -- "$BODY" "$SIG" \
             bench-one.myshopify.com bench-one "ga$RUN-$2" 0; }
  gw_b() { wrk -t2 -c"$C" -d"$1s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PB" -- "$BODY" "$SIG" \
             bench-one.myshopify.com bench-one "gb$RUN-$2" 0; }
  A="empty table"; B="$NEV stored events"
fi
pgb() { # db script seconds
  pgbench $PG -n -M prepared -c "$C" -j 2 -T "$3" -f "$2" "$1" 2>&1 | awk '/^tps/ {printf "%.0f", $3; exit}'
}
rowfile=$OUT/rows.txt
row() { # name pair
  local rate
  case $1 in
    pgbench_a) rate=$(pgb "$DBA" "$OUT/a.sql" "$DUR") ;;
    pgbench_b) rate=$(pgb "$DBB" "$OUT/b.sql" "$DUR") ;;
    gateway_a) rate=$(gw_a "$DUR" "$2" | tee "$OUT/$1-p$2.txt" | awk '/Requests\/sec/ {printf "%.0f", $2}') ;;
    gateway_b) rate=$(gw_b "$DUR" "$2" | tee "$OUT/$1-p$2.txt" | awk '/Requests\/sec/ {printf "%.0f", $2}') ;;
  esac
  local bad=0
  [ -f "$OUT/$1-p$2.txt" ] && bad=$(awk '/Non-2xx/ {print $5}' "$OUT/$1-p$2.txt")
  echo "$1 $2 $rate ${bad:-0} $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$rowfile"
}

echo "== warm-up ${BENCH_WARMUP:-30} s per gateway state (JIT, tenant cache), 5 s of pgbench per state"
gw_a "${BENCH_WARMUP:-30}" w > /dev/null
gw_b "${BENCH_WARMUP:-30}" w > /dev/null
pgb "$DBA" "$OUT/a.sql" 5 > /dev/null; pgb "$DBB" "$OUT/b.sql" 5 > /dev/null
echo "== rows (A: $A, B: $B, c=$C, ${DUR} s): name pair rate non2xx load1"
for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then order="pgbench_a pgbench_b gateway_a gateway_b gateway_b gateway_a pgbench_b pgbench_a"
  else order="pgbench_b pgbench_a gateway_b gateway_a gateway_a gateway_b pgbench_a pgbench_b"; fi
  # each state twice a pair, mirrored (A B B A), so a drift of the machine within the pair cancels
  for r in $order; do row "$r" "$pair"; done
done

python3 - "$rowfile" "$A" "$B" > "$OUT/summary.md" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
pairs = sorted({int(r[1]) for r in rows})
def rate(name, p):
    return statistics.mean(float(r[2]) for r in rows if r[0] == name and int(r[1]) == p)
print(f"A: {sys.argv[2]}, B: {sys.argv[3]}; per pair the mean of each state's two rows")
print()
print("| pair | pgbench A | pgbench B | pgbench B/A | gateway A | gateway B | gateway B/A |")
print("|---|---|---|---|---|---|---|")
rp, rg = [], []
for p in pairs:
    pa, pb, ga, gb = (rate(n, p) for n in ("pgbench_a", "pgbench_b", "gateway_a", "gateway_b"))
    rp.append(pb / pa); rg.append(gb / ga)
    print(f"| {p} | {pa:.0f} | {pb:.0f} | {pb / pa:.3f} | {ga:.0f} | {gb:.0f} | {gb / ga:.3f} |")
print(f"| median | | | **{statistics.median(rp):.3f}** | | | **{statistics.median(rg):.3f}** |")
EOF
cat "$OUT/summary.md"
