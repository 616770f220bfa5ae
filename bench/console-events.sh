#!/usr/bin/env bash
# Tollgate console events benchmark: the operator console's heaviest page (one tenant's events with a status and
# provider filter and a text match in the body, GET /admin/tenants/{slug}/events?status=&provider=&q=) with 10,000
# tenants and 1,000,000 stored events, measured through the running gateway with a real operator token.
#   1. 10,000 tenants: one created through the admin API (bench-big, whose events are searched), 9,999 written by SQL
#      (rows only: nothing resolves them during the run).
#   2. BENCH_EVENTS (1,000,000) events in one INSERT ... SELECT generate_series per 100,000, every BENCH_BIG_EVERY-th
#      (5th: 200,000) the big tenant's, the rest spread over the others, interleaved in time as deliveries arrive (so
#      the big tenant's rows are spread over the whole table, as they are in production). Bodies are bench/order.json
#      (7.6 KB) with its customer e-mail made customer<g % 50000>@mail.example (a rare term: 4 of the big tenant's
#      200,000 events) and its note "gift wrap please" in every other event (a frequent term). Statuses: 1 in 100 dead,
#      1 in 10 skipped, else processed; providers: 3 in 5 shopify, else gorgias.
#   3. A token with the payloads scope (POST /admin/tokens); BENCH_PAIRS (5) rounds, each asking every case
#      BENCH_REQUESTS (40) times in turn (frequent, rare, rare's next page, filter without q), sequentially with curl
#      (its time to the first byte over loopback: the server's time plus well under a millisecond).
# Needs: psql, curl, PostgreSQL on 127.0.0.1:5432 (trust, user postgres), the gateway jar (built if missing).
# Prints p50/p95/max per case and the load average; results in bench/results/console-events-<time>/.
# BENCH_REUSE=1 keeps a database an earlier run loaded.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
EVENTS=${BENCH_EVENTS:-1000000}
TENANTS=${BENCH_TENANTS:-10000}
BIG_EVERY=${BENCH_BIG_EVERY:-5}
PAIRS=${BENCH_PAIRS:-5}
REQUESTS=${BENCH_REQUESTS:-40}
PORT=${BENCH_PORT:-18082}
DB=${BENCH_DB:-i20ev_console}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/console-events-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
mkdir -p "$OUT"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(uptime)"
echo "== results in $OUT"
[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -o -B -q package -DskipTests -pl platform-api -am)

if [ "${BENCH_REUSE:-0}" = 1 ] && psql $PG -d "$DB" -tAc "SELECT 1 FROM webhook_events LIMIT 1" 2>/dev/null | grep -q 1; then
  LOAD=0
else
  LOAD=1
  dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
fi
MASTER_KEY_FILE=$OUT/../console-events-master-key
[ "$LOAD" = 1 ] || [ ! -f "$MASTER_KEY_FILE" ] && openssl rand -base64 32 > "$MASTER_KEY_FILE"
DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres \
TOLLGATE_MASTER_KEY=$(cat "$MASTER_KEY_FILE") TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 \
TOLLGATE_DB_POOL_SIZE=8 TOLLGATE_WORKER_ENABLED=false TOLLGATE_RETENTION_SWEEP_SECONDS=86400 \
TOLLGATE_CONNECTION_CHECK_ENABLED=false \
  "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway.log" 2>&1 &
GW=$!
trap 'kill $GW 2>/dev/null; wait $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do curl -fs "localhost:$PORT/observe/health" >/dev/null && break; sleep 0.5; done
curl -fs "localhost:$PORT/observe/health" >/dev/null || { echo "gateway did not start" >&2; tail "$OUT/gateway.log"; exit 1; }
admin() { curl -fs -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" "$@"; }

if [ "$LOAD" = 1 ]; then
  admin -o /dev/null -X POST "localhost:$PORT/admin/tenants" -d '{
    "slug": "bench-big", "name": "Bench big",
    "gorgias": {"domain": "benchbig", "username": "agent@bench-big.example", "api_key": "bench-gorgias-key-big"},
    "shopify": {"shop_domain": "bench-big.myshopify.com", "access_token": "shpat_bench_big",
                "webhook_secret": "bench-secret-bench-big"}}'
  echo "== $((TENANTS - 1)) more tenants (rows only)"
  psql $PG -d "$DB" -qv ON_ERROR_STOP=1 -c "INSERT INTO tenants (id, slug, name, status)
    SELECT gen_random_uuid(), 'bench-t' || g, 'Bench ' || g, 'active' FROM generate_series(1, $TENANTS - 1) g"
  BIG=$(psql $PG -d "$DB" -tAc "SELECT id FROM tenants WHERE slug = 'bench-big'")
  ORDER=$(python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=2))" "$BENCH/order.json" \
          | sed "s/'/''/g")
  echo "== storing $EVENTS events ($((EVENTS / BIG_EVERY)) of bench-big)"
  T0=$(date +%s)
  for lo in $(seq 1 100000 "$EVENTS"); do
    hi=$((lo + 99999)); [ "$hi" -gt "$EVENTS" ] && hi=$EVENTS
    psql $PG -d "$DB" -qv ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE others AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM tenants WHERE slug <> 'bench-big';
INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers, status,
                            received_at, processed_at)
SELECT gen_random_uuid(), CASE WHEN g % $BIG_EVERY = 0 THEN '$BIG'::uuid ELSE o.id END,
       CASE WHEN g % 5 < 3 THEN 'shopify' ELSE 'gorgias' END,
       CASE WHEN g % 5 < 3 THEN 'orders/create' ELSE 'ticket' END,
       'gen-' || g, sha256(b.body), b.body, '{"content-type": "application/json"}'::jsonb,
       CASE WHEN g % 100 = 7 THEN 'dead' WHEN g % 10 = 3 THEN 'skipped' ELSE 'processed' END,
       now() - make_interval(secs => 7 * 86400.0 * ($EVENTS - g) / $EVENTS),
       now() - make_interval(secs => 7 * 86400.0 * ($EVENTS - g) / $EVENTS) + interval '2 seconds'
  FROM generate_series($lo, $hi) g
  JOIN others o ON o.n = g % ($TENANTS - 1)
  CROSS JOIN LATERAL (SELECT convert_to(replace(replace('$ORDER', 'bob.norman@hostmail.com',
                                                        'customer' || (g % 50000) || '@mail.example'),
                                                '"note": null',
                                                CASE WHEN g % 2 = 0 THEN '"note": "gift wrap please"'
                                                     ELSE '"note": "leave at the door"' END), 'UTF8') AS body) b;
SQL
    echo "   $hi stored ($(( $(date +%s) - T0 )) s)"
  done
  psql $PG -d "$DB" -qc "VACUUM ANALYZE webhook_events" -c "VACUUM ANALYZE tenants"
fi
echo "   $(psql $PG -d "$DB" -tAc "SELECT count(*) FROM tenants") tenants, $(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events") events;" \
     "table $(psql $PG -d "$DB" -tAc "SELECT pg_size_pretty(pg_total_relation_size('webhook_events'))") with indexes and TOAST" | tee "$OUT/data.txt"

OPERATOR=$(admin -X POST "localhost:$PORT/admin/tokens" -d '{"name": "bench-console", "scopes": ["payloads"]}' \
           | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
BASE="localhost:$PORT/admin/tenants/bench-big/events?status=processed&provider=shopify"
RARE_FIRST=$(curl -fs -H "Authorization: Bearer $OPERATOR" "$BASE&q=customer4242%40mail.example")
RARE_NEXT=$(python3 -c "import json,sys,urllib.parse as u; print(u.quote(json.loads(sys.argv[1]).get('next_cursor', ''), safe=''))" "$RARE_FIRST")
echo "== rare first page: $(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(len(d['items']), 'items, scan_limited', d.get('scan_limited'))" "$RARE_FIRST")" | tee -a "$OUT/data.txt"
declare -A CASES=(
  [frequent]="$BASE&q=gift%20wrap"
  [rare]="$BASE&q=customer4242%40mail.example"
  [rare_next]="$BASE&q=customer4242%40mail.example&cursor=$RARE_NEXT"
  [no_q]="$BASE"
)
for round in $(seq 1 "$PAIRS"); do
  for c in frequent rare rare_next no_q; do
    for _ in $(seq 1 "$REQUESTS"); do
      curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}\n' -H "Authorization: Bearer $OPERATOR" "${CASES[$c]}" \
        >> "$OUT/$c.txt"
    done
  done
done
echo "== $(uptime)" | tee -a "$OUT/data.txt"
echo "case requests non_200 p50_ms p95_ms max_ms" | tee "$OUT/summary.txt"
for c in frequent rare rare_next no_q; do
  python3 - "$c" "$OUT/$c.txt" <<'PY' | tee -a "$OUT/summary.txt"
import sys
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = sum(1 for r in rows if r[0] != "200")
t = sorted(float(r[1]) * 1000 for r in rows)
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print(f"{sys.argv[1]} {len(t)} {bad} {p(0.5):.1f} {p(0.95):.1f} {t[-1]:.1f}")
PY
done
