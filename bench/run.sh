#!/usr/bin/env bash
# Tollgate ingress benchmark: one run, one machine, same client concurrency for every row.
#   (a) pgbench executing exactly the SQL of one accepted delivery   -> the database's physical limit
#   (b) the gateway receiving unique, correctly signed Shopify deliveries
#   (c) the gateway receiving duplicates of one delivery
#   (d) the gateway with 10,000 tenants instead of one
# plus p99 at half of (b)'s maximum rate, and wrk's own ceiling on a static route (is the load generator the limit?).
# Needs: wrk (apt-get install wrk), pgbench/psql and PostgreSQL on 127.0.0.1:5432 (trust, user postgres).
# Settings: BENCH_SECONDS (15), BENCH_CONCURRENCY ("16 64"), BENCH_TENANTS (10000), BENCH_PORT (18080),
#           BENCH_WARMUP (30 s: C2 needs it on 2 cores), BENCH_POOL (16, the default pool: with group commit ingest
#           needs only its writers' connections, and pgbench's 64 clients must fit in max_connections = 100),
#           BENCH_WITHOUT_INDEXES (none; comma-separated index names dropped after the migrations, for a what-if).
# (a), (b) and (d) run back to back at each concurrency so all three see the same table size.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
DUR=${BENCH_SECONDS:-15}
CONC=${BENCH_CONCURRENCY:-"16 64"}
NTEN=${BENCH_TENANTS:-10000}
PORT=${BENCH_PORT:-18080}
DB=tollgate_bench
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
RUN=$(date +%s)
TOKEN=bench-admin-token-0123456789abcdef
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing (postgresql-client)" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
echo "== results in $OUT"

[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -B -q package -DskipTests)

dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
cp "$BENCH/order.json" "$OUT/body.json"
BODY=$OUT/body.json

DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres \
TOLLGATE_MASTER_KEY=$(openssl rand -base64 32) TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 \
TOLLGATE_DB_POOL_SIZE=${BENCH_POOL:-16} TOLLGATE_WORKER_ENABLED=false \
  "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway.log" 2>&1 &
GW=$!
trap 'kill $GW 2>/dev/null; wait $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs "localhost:$PORT/observe/health" >/dev/null && break; sleep 0.5; done
curl -fs "localhost:$PORT/observe/health" >/dev/null || { echo "gateway did not start" >&2; tail "$OUT/gateway.log"; exit 1; }
# what-if: the cost of an index on the ingest path, measured by dropping it in the benchmark's database only
WITHOUT=${BENCH_WITHOUT_INDEXES:-}
for ix in ${WITHOUT//,/ }; do
  psql $PG -d "$DB" -qc "DROP INDEX $ix" && echo "== what-if: index $ix dropped"
done

LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
create() { # slug secret
  curl -fs -o /dev/null -X POST "localhost:$PORT/admin/tenants" -H "Authorization: Bearer $TOKEN" -d "{
    \"slug\": \"$1\", \"name\": \"Bench $1\", \"limits\": $LIMITS,
    \"gorgias\": {\"domain\": \"$1\", \"username\": \"agent@$1.example\", \"api_key\": \"bench-gorgias-key-$1\"},
    \"shopify\": {\"shop_domain\": \"$1.myshopify.com\", \"access_token\": \"shpat_bench_$1\", \"webhook_secret\": \"$2\"}}"
}
create bench-one bench-secret-bench-one
SIG=$("$BENCH/sign.py" bench-secret-bench-one "$BODY")
TID=$(psql $PG -d "$DB" -tAc "SELECT id FROM tenants WHERE slug = 'bench-one'")

ms() { # wrk latency value (e.g. 1.23ms, 850.00us, 1.02s) -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
wrk_run() { # name conc script args...
  local name=$1 c=$2 script=$3; shift 3
  wrk -t2 -c"$c" -d"${DUR}s" --latency -s "$BENCH/$script" "http://127.0.0.1:$PORT" -- "$@" > "$OUT/$name-c$c.txt" 2>&1
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$OUT/$name-c$c.txt")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$OUT/$name-c$c.txt")")
  p99=$(ms "$(awk '$1 == "99%" {print $2}' "$OUT/$name-c$c.txt")")
  bad=$(awk '/Non-2xx/ {print $5}' "$OUT/$name-c$c.txt"); bad=${bad:-0}
  echo "$name $c $rps $p50 $p99 $bad" | tee -a "$OUT/rows.txt"
}

# (a) pgbench: the transaction one accepted delivery runs when committed alone (insert-or-find of its key, its event
#     and its job; EventWriter batches the same insert over unnest()), prepared, autocommit
. "$BENCH/ingest_tx.sh"
ingest_sql "$OUT/ingest.sql" "$TID" bench-one "$RUN" "$BODY" find
pgbench_run() { # conc
  local c=$1 tps p50 p99
  rm -f "$OUT"/pgb.*
  pgbench $PG -n -M prepared -c "$c" -j 2 -T "$DUR" -f "$OUT/ingest.sql" -l --log-prefix="$OUT/pgb" "$DB" \
    > "$OUT/pgbench-c$c.txt" 2>&1
  tps=$(awk '/^tps/ {printf "%.0f", $3; exit}' "$OUT/pgbench-c$c.txt")
  read -r p50 p99 < <("$BENCH/percentiles.py" "$OUT"/pgb.*)
  rm -f "$OUT"/pgb.*
  echo "a_pgbench $c $tps $p50 $p99 0" | tee -a "$OUT/rows.txt"
}

# (d) needs N tenants, each with its own secret: onboard them first through the admin API
"$BENCH/sign.py" --tenants "$NTEN" bt "$BODY" > "$OUT/tenants.tsv"
echo "== creating $NTEN tenants"
"$BENCH/create_tenants.py" "$PORT" "$TOKEN" "$LIMITS" < "$OUT/tenants.tsv"
echo "   $(psql $PG -d "$DB" -tAc 'SELECT count(*) FROM tenants') tenants"

# warm the gateway (JIT, tenant cache), then (a), (b) and (d) back to back at each concurrency, so all three see the
# same table size
wrk -t2 -c16 -d"${BENCH_WARMUP:-30}s" -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$SIG" \
  bench-one.myshopify.com bench-one "w$RUN" 0 >/dev/null
wrk -t2 -c64 -d10s -s "$BENCH/tenants.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$OUT/tenants.tsv" "w2$RUN" >/dev/null
for c in $CONC; do
  pgbench_run "$c"
  wrk_run b_unique "$c" unique.lua "$BODY" "$SIG" bench-one.myshopify.com bench-one "b$RUN-$c" 0
  wrk_run d_tenants "$c" tenants.lua "$BODY" "$OUT/tenants.tsv" "d$RUN-$c"
done

# (c) duplicates of one delivery
for c in $CONC; do wrk_run c_duplicate "$c" duplicate.lua "$BODY" "$SIG" bench-one.myshopify.com bench-one "dup-$RUN"; done

# p99 at half of (b)'s best rate: 16 connections, each pausing so the total is half the maximum
MAXB=$(awk '$1 == "b_unique" {print $3}' "$OUT/rows.txt" | sort -n | tail -1)
HALF=$((MAXB / 2)); PAUSE=$((16 * 1000 / (HALF > 0 ? HALF : 1)))
wrk_run half_rate 16 unique.lua "$BODY" "$SIG" bench-one.myshopify.com bench-one "h$RUN" "$PAUSE"
# the database alone at the rate the gateway actually reached there: its own p99 is the floor for the gateway's
GOT=$(awk '$1 == "half_rate" {print $3}' "$OUT/rows.txt")
rm -f "$OUT"/pgb.*
pgbench $PG -n -M prepared -c 16 -j 2 -R "$GOT" -T "$DUR" -f "$OUT/ingest.sql" -l --log-prefix="$OUT/pgb" "$DB" \
  > "$OUT/pgbench-half.txt" 2>&1
read -r p50 p99 < <("$BENCH/percentiles.py" "$OUT"/pgb.*)
rm -f "$OUT"/pgb.*
echo "a_half_rate 16 $(awk '/^tps/ {printf "%.0f", $3; exit}' "$OUT/pgbench-half.txt") $p50 $p99 0" | tee -a "$OUT/rows.txt"

# the load generator's own ceiling: the same wrk against a small answer with no database (an unknown route's 404)
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$PORT/no-such-route" > "$OUT/wrk-ceiling.txt" 2>&1
CEIL=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$OUT/wrk-ceiling.txt")

STORED=$(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events")
{
  echo "| row | concurrency | req/s | p50 ms | p99 ms | non-2xx |"
  echo "|---|---|---|---|---|---|"
  awk '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$OUT/rows.txt"
  echo
  for c in $CONC; do
    a=$(awk -v c="$c" '$1 == "a_pgbench" && $2 == c {print $3}' "$OUT/rows.txt")
    b=$(awk -v c="$c" '$1 == "b_unique" && $2 == c {print $3}' "$OUT/rows.txt")
    d=$(awk -v c="$c" '$1 == "c_duplicate" && $2 == c {print $3}' "$OUT/rows.txt")
    t=$(awk -v c="$c" '$1 == "d_tenants" && $2 == c {print $3}' "$OUT/rows.txt")
    awk -v c="$c" -v a="$a" -v b="$b" -v d="$d" -v t="$t" 'BEGIN {
      printf "c=%s: (b)/(a) = %.2f   (c)/(b) = %.2f   (d)/(b) = %.2f\n", c, b / a, d / b, t / b }'
  done
  echo
  echo "half of (b)'s best rate: target ${HALF} req/s (16 connections pausing ${PAUSE} ms each)"
  echo "wrk ceiling (same machine, 404 route, no database): ${CEIL} req/s"
  echo "events stored in the run: ${STORED}"
} | tee "$OUT/summary.md"
