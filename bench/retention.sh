#!/usr/bin/env bash
# Tollgate retention benchmark: what a retention run costs ingress with millions of stored events.
#   1. BENCH_EVENTS (5,000,000) events stored in one INSERT ... SELECT generate_series per million, spread evenly over
#      the last BENCH_OLDEST_HOURS (336: 14 days) with the first BENCH_BODY_BYTES (1500) of the bench order as body
#      (the run reads no body; a short one keeps the load minutes, not half an hour), each with a time-ordered id of
#      its received_at (so it lands in its day's partition: the days are created first) and its delivery key; every
#      1000th is dead (its job dead too; kept: the dead-event retention is not reached), the rest processed (no job:
#      a job row is deleted when its job is done).
#   2. wrk sends unique, correctly signed Shopify deliveries to the gateway (16 connections) the whole time.
#   3. bench/RetentionBench.java runs BENCH_PAIRS (6) alternating pairs: a retention run by the gateway's own
#      RetentionSweeper (its retention moved by BENCH_SLICE_HOURS (24) per pair, so each run retires a fresh day
#      partition of ~5M/14 rows: its dead events kept in a held partition, the rest dropped) and a quiet window of the
#      same length (both at least BENCH_WINDOW_SECONDS, 5), the order flipped every pair; the ingress rate of each
#      window is the increase of tollgate_webhooks_total{outcome="accepted"} over it (the retire step alone:
#      RetentionSweeper.retire).
#   4. then BENCH_KEY_PAIRS (6) pairs per duty in BENCH_DUTIES ("1,0.2") for the delivery keys' row-by-row delete
#      (RetentionSweeper.deleteKeys), each run taking the next BENCH_KEY_SLICE_MINUTES (60) of keys from the oldest on
#      (a retention run every 5 minutes at 100 deliveries/s deletes 30,000; an hour here is ~14,900).
# Needs: wrk, psql, PostgreSQL on 127.0.0.1:5432 (trust, user postgres), the gateway jar (built if missing).
# Prints one row per pair and the mean change; results in bench/results/retention-<time>/. BENCH_REUSE=1 skips the
# load when the database already holds events (their oldest sets where the slices start).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
EVENTS=${BENCH_EVENTS:-5000000}
OLDEST=${BENCH_OLDEST_HOURS:-336}
SLICE=${BENCH_SLICE_HOURS:-24}
PAIRS=${BENCH_PAIRS:-6}
DUTIES=${BENCH_DUTIES:-1,0.2}
KEY_PAIRS=${BENCH_KEY_PAIRS:-6}
KEY_SLICE=${BENCH_KEY_SLICE_MINUTES:-60}
CONN=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-18081}
DB=${BENCH_DB:-tollgate_retention}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/retention-$(date -u +%Y%m%dT%H%M%SZ)
RUN=$(date +%s)
TOKEN=bench-admin-token-0123456789abcdef
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
echo "== results in $OUT"
[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -B -q package -DskipTests -pl platform-api -am)

# BENCH_REUSE=1 keeps a database an earlier run loaded (the load is most of the run's time); its events stay with
# their tenant, and each run sends its deliveries to a tenant of its own (the master key is new every run)
if [ "${BENCH_REUSE:-0}" = 1 ] && psql $PG -d "$DB" -tAc "SELECT 1 FROM webhook_events LIMIT 1" 2>/dev/null | grep -q 1; then
  LOAD=0
else
  LOAD=1
  dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
fi
BODY=$BENCH/order.json

# the gateway's own sweep never runs during the benchmark (once a day): RetentionBench sweeps with the same class
DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres \
TOLLGATE_MASTER_KEY=$(openssl rand -base64 32) TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 \
TOLLGATE_DB_POOL_SIZE=16 TOLLGATE_WORKER_ENABLED=false TOLLGATE_RETENTION_SWEEP_SECONDS=86400 \
TOLLGATE_CONNECTION_CHECK_ENABLED=false \
  "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway.log" 2>&1 &
GW=$!
WRK=
trap '[ -n "$WRK" ] && kill $WRK 2>/dev/null; kill $GW 2>/dev/null; wait $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs "localhost:$PORT/observe/health" >/dev/null && break; sleep 0.5; done
curl -fs "localhost:$PORT/observe/health" >/dev/null || { echo "gateway did not start" >&2; tail "$OUT/gateway.log"; exit 1; }

LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
create() { # slug secret
  curl -fs -o /dev/null -X POST "localhost:$PORT/admin/tenants" -H "Authorization: Bearer $TOKEN" -d "{
    \"slug\": \"$1\", \"name\": \"Bench $1\", \"limits\": $LIMITS,
    \"gorgias\": {\"domain\": \"$1\", \"username\": \"agent@$1.example\", \"api_key\": \"bench-gorgias-key-$1\"},
    \"shopify\": {\"shop_domain\": \"$1.myshopify.com\", \"access_token\": \"shpat_bench_$1\", \"webhook_secret\": \"$2\"}}"
}
INGRESS=bench-r$RUN
create "$INGRESS" "bench-secret-$INGRESS"
SIG=$("$BENCH/sign.py" "bench-secret-$INGRESS" "$BODY")

if [ "$LOAD" = 1 ]; then
create bench-data bench-secret-bench-data
TID=$(psql $PG -d "$DB" -tAc "SELECT id FROM tenants WHERE slug = 'bench-data'")
echo "== storing $EVENTS events over the last $OLDEST hours"
. "$BENCH/load_events.sh"
load_events "$PG" "$DB" "$TID" "$EVENTS" "$OLDEST" "$BODY" "${BENCH_BODY_BYTES:-1500}"
else
  echo "== reusing the $(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events") events stored in $DB"
fi
# the sweeps take slices from the oldest stored event on
OLDEST=$(psql $PG -d "$DB" -tAc "SELECT floor(extract(epoch FROM now() - min(received_at)) / 3600) FROM webhook_events
                                   WHERE status = 'processed'")
psql $PG -d "$DB" -qc "VACUUM ANALYZE webhook_events" -c "VACUUM ANALYZE jobs" -c "VACUUM ANALYZE delivery_keys"
echo "   in the DEFAULT partition: $(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events_default")"
echo "   table: $(psql $PG -d "$DB" -tAc "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits
                                         WHERE inhparent = 'webhook_events'::regclass") events," \
     "$(psql $PG -d "$DB" -tAc "SELECT pg_size_pretty(pg_total_relation_size('delivery_keys'))") keys," \
     "$(psql $PG -d "$DB" -tAc "SELECT pg_size_pretty(pg_total_relation_size('jobs'))") jobs (with indexes and TOAST)"

# unique deliveries for the whole run; its own summary is not used (the windows are read from the gateway's counter)
wrk -t2 -c"$CONN" -d3600s -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$SIG" \
  "$INGRESS.myshopify.com" "$INGRESS" "r$RUN" 0 > "$OUT/wrk.txt" 2>&1 &
WRK=$!
sleep "${BENCH_WARMUP:-30}"
"$JAVA_HOME/bin/java" -cp "$ROOT/platform-api/target/platform-api.jar:$ROOT/platform-api/target/libs/*" \
  "$BENCH/RetentionBench.java" "jdbc:postgresql://127.0.0.1:5432/$DB" "http://127.0.0.1:$PORT/observe/metrics" \
  "$PAIRS" "$OLDEST" "$SLICE" "$DUTIES" "$KEY_PAIRS" "$KEY_SLICE" | tee "$OUT/pairs.txt"
kill -INT $WRK 2>/dev/null; wait $WRK 2>/dev/null || true; WRK=
echo "== after: $(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events") events stored," \
     "$(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events WHERE status = 'dead'") dead (kept)" | tee -a "$OUT/pairs.txt"
