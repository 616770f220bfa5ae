#!/usr/bin/env bash
# Tollgate operator console benchmark (issue 20): the console's read API at fleet scale, and what a console session
# costs ingress. One run, one machine.
#   (0) EXPLAIN (ANALYZE, BUFFERS) of the console's statements, taken from FleetStore.java with literal parameters
#   (1) server-side latency (one keep-alive connection, calls one after another, as a browser tab makes them; the
#       gateway on the same machine, so a call's time is the server's plus a loopback round trip) of
#       GET /admin/tenant-summaries (first page, a page deep in the list, a search by slug prefix, a search by name
#       substring, a search that matches nothing, status=suspended, connection=broken), GET /admin/attention and
#       GET /admin/tenants/{slug}/stats (24 h and 168 h) with $BENCH_TENANTS tenants and $BENCH_EVENTS stored events:
#       p50, p95, p99, max over $BENCH_CALLS calls each after 20 warm-up calls; "floor" is an existing cheap admin
#       call (GET /admin/tenants/cf00000: the token check and one tenant's row, connections and last deliveries)
#   (2) ingress req/s (wrk, unique signed Shopify deliveries, one tenant) with no console vs a console session that
#       polls attention + a tenant-summaries page + one tenant's stats every $BENCH_EVERY s, on one gateway,
#       interleaved ABBA, $BENCH_ROUNDS pairs
# Data: 3 tenants onboarded through the admin API (cf00000 takes the ingress; all three have stats), the others
#   written by SQL as onboarding leaves them (no credentials: the console reads none); connections for both
#   providers (every 100th tenant's Gorgias broken with a reason, every 7th tenant never connected); events over
#   $BENCH_DAYS days at random tenants, each with its job (1 % dead, 0.1 % queued, the rest processed), every 50th
#   tenant silent for its last 2 days; a posted note for every 10th event; 200 open and 100 delivered data requests.
# Needs: wrk, psql, PostgreSQL 15 on 127.0.0.1:5432 (trust, user postgres), python3.
# Settings: BENCH_TENANTS (10000), BENCH_EVENTS (1000000), BENCH_DAYS (7), BENCH_CALLS (200), BENCH_SECONDS (20, each
#   wrk round), BENCH_ROUNDS (4), BENCH_CONCURRENCY (16), BENCH_EVERY (5), BENCH_WARMUP (20), BENCH_PORT (18290),
#   BENCH_BUILD (1: package the jar first; 0: use platform-api/target/platform-api.jar as it is), BENCH_REUSE (0; 1:
#   keep the last run's database and data, for a second run of the measurements).
# Raw outputs: bench/results/console-<timestamp>/ (not committed). Drops and re-creates its own database
# (i20fl_console_bench) at the start; leaves it behind for inspection.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
NTEN=${BENCH_TENANTS:-10000}
NEV=${BENCH_EVENTS:-1000000}
DAYS=${BENCH_DAYS:-7}
CALLS=${BENCH_CALLS:-200}
DUR=${BENCH_SECONDS:-20}
ROUNDS=${BENCH_ROUNDS:-4}
CONC=${BENCH_CONCURRENCY:-16}
EVERY=${BENCH_EVERY:-5}
PORT=${BENCH_PORT:-18290}
DB=i20fl_console_bench
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/console-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
mkdir -p "$OUT"
# BENCH_REUSE=1 keeps the database of the last run (and the master key its credentials are sealed with)
KEYFILE=$ROOT/bench/results/console-master.key
if [ "${BENCH_REUSE:-0}" = 1 ] && [ -f "$KEYFILE" ]; then MASTER=$(cat "$KEYFILE"); else
  MASTER=$(openssl rand -base64 32); (umask 077 && echo "$MASTER" > "$KEYFILE"); BENCH_REUSE=0; fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
sql() { psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtAc "$1"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}'; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(psql $PG -d postgres -tAc 'SHOW server_version') (shared_buffers $(psql $PG -d postgres -tAc 'SHOW shared_buffers')); $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "== commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet -- platform-api/src || echo ' (with uncommitted changes)'); load average at start: $(load)"
echo "== results in $OUT"
if [ "${BENCH_BUILD:-1}" = 1 ] || [ ! -f "$ROOT/platform-api/target/platform-api.jar" ]; then
  (cd "$ROOT" && mvn -B -o -q package -DskipTests -pl platform-api -am)
fi
[ "$BENCH_REUSE" = 1 ] || { dropdb $PG --if-exists "$DB" && createdb $PG "$DB"; }

GW=
WRK=
POLL=
cleanup() {
  [ -n "$POLL" ] && { kill "$POLL" 2>/dev/null; wait "$POLL" 2>/dev/null || true; }
  [ -n "$WRK" ] && { kill "$WRK" 2>/dev/null; wait "$WRK" 2>/dev/null || true; }
  [ -n "$GW" ] && { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null || true; }
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
gw_start() { # log-name
  env DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres TOLLGATE_MASTER_KEY="$MASTER" \
    TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true \
    TOLLGATE_WORKER_ENABLED=false TOLLGATE_CONNECTION_CHECK_ENABLED=false \
    "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway-$1.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null && return 0; sleep 0.5; done
  echo "gateway $1 did not start" >&2; tail "$OUT/gateway-$1.log" >&2; exit 1
}
gw_stop() { kill "$GW"; wait "$GW" 2>/dev/null || true; GW=; }

# stmt FILE MARKER PARAM...: the SQL text block of FILE containing MARKER, its ? replaced in order by the PARAMs
# (literal SQL) and a %s by $FILL; fails when the statement or its parameter count changed
stmt() {
  FILL=${FILL:-} python3 - "$@" <<'PY'
import os, re, sys, textwrap
path, marker, params = sys.argv[1], sys.argv[2], sys.argv[3:]
found = [textwrap.dedent(m.group(1)) for m in re.finditer(r'"""\n(.*?)"""', open(path).read(), re.S)]
hits = [s for s in found if marker in s]
assert hits, "no statement containing %r in %s" % (marker, path)
parts = hits[0].replace("%s", os.environ["FILL"]).split("?")
assert len(parts) == len(params) + 1, "%r: %d parameters, expected %d" % (marker, len(parts) - 1, len(params))
print(parts[0] + "".join(v + p for v, p in zip(params, parts[1:])))
PY
}
explain() { # name sql: three runs in one session (the gateway's are warm too); the last one's times and plan
  psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtA > "$OUT/explain-$1.txt" <<SQL
EXPLAIN (ANALYZE, BUFFERS) $2;
EXPLAIN (ANALYZE, BUFFERS) $2;
EXPLAIN (ANALYZE, BUFFERS) $2;
SQL
  echo "$1: warm $(awk '/Execution Time/ {e = $3} /Planning Time/ {p = $3} END {print e " ms (planning " p " ms)"}' "$OUT/explain-$1.txt"); indexes: $(grep -Eo '(using|Bitmap Index Scan on) [a-z_]+' "$OUT/explain-$1.txt" | awk '{print $NF}' | sort -u | paste -sd, -); seq scans: $(grep -Eo 'Seq Scan on [a-z_]+' "$OUT/explain-$1.txt" | awk '{print $NF}' | sort -u | paste -sd, -)" \
    | tee -a "$OUT/explain.txt"
}
FLEET=$ROOT/platform-api/src/main/java/io/tollgate/api/console/FleetStore.java

if [ "$BENCH_REUSE" = 1 ]; then
  echo "== reusing $DB: $(sql 'SELECT count(*) FROM tenants') tenants, $(sql 'SELECT count(*) FROM webhook_events') events"
else
gw_start fill
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
echo "== creating $NTEN tenants (3 through the admin API, the rest by SQL)"
T0=$(now)
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:9" cf 3 > "$OUT/tenants.tsv"
# the rest as onboarding leaves the tenants row; 2 % suspended; names that a search can find by substring
sql "INSERT INTO tenants (id, slug, name, status)
     SELECT gen_random_uuid(), 'ft' || lpad(g::text, 5, '0'),
            (ARRAY['Acme', 'Blue', 'Cedar', 'Delta', 'Ember', 'Fjord', 'Grove'])[1 + g % 7] || ' Boutique ' || g,
            CASE WHEN g % 50 = 3 THEN 'suspended' ELSE 'active' END
       FROM generate_series(3, $NTEN - 1) g"
echo "   $(sql 'SELECT count(*) FROM tenants') tenants in $(elapsed "$T0") s"
gw_stop

TEN="SELECT id, slug, row_number() OVER (ORDER BY slug) - 1 AS k FROM tenants"
# both providers connected 30 days ago; every 100th tenant's Gorgias broken (for the last 1-72 h), every 7th never
# connected
sql "INSERT INTO connections (tenant_id, provider, status, reason, upstream_ids, connected_at, checked_at, status_since)
     SELECT t.id, p.provider, CASE WHEN t.k % 100 = 5 AND p.provider = 'gorgias' THEN 'broken' ELSE 'ok' END,
            CASE WHEN t.k % 100 = 5 AND p.provider = 'gorgias' THEN 'Gorgias answered 401: the API key was refused' END,
            '{\"integration\": \"1\"}'::jsonb, now() - interval '30 days', now() - random() * interval '1 hour',
            CASE WHEN t.k % 100 = 5 AND p.provider = 'gorgias' THEN now() - (1 + random() * 71) * interval '1 hour'
                 ELSE now() - interval '30 days' END
       FROM ($TEN) t CROSS JOIN (VALUES ('gorgias'), ('shopify')) AS p(provider)
      WHERE t.k % 7 <> 6"
echo "   $(sql 'SELECT count(*) FROM connections') connections rows, $(sql "SELECT count(*) FROM connections WHERE status = 'broken'") broken"

echo "== inserting $NEV webhook_events (with their jobs) over $DAYS days"
T0=$(now)
CHUNK=200000
for a in $(seq 1 $CHUNK "$NEV"); do
  b=$((a + CHUNK - 1)); [ "$b" -gt "$NEV" ] && b=$NEV
  # in time order, as ingest writes them; tenants at random; every 50th tenant silent for its last 2 days
  sql "WITH t AS ($TEN),
       g AS (SELECT g, now() - make_interval(days => $DAYS) + (g::float8 / $NEV) * make_interval(days => $DAYS) AS at,
                    floor(random() * $NTEN)::int AS k0, random() AS r, random() AS s FROM generate_series($a, $b) g),
       e AS (SELECT g, at, s, CASE WHEN k0 % 50 = 0 AND at > now() - interval '2 days' THEN (k0 + 1) % $NTEN
                                   ELSE k0 END AS k,
                    CASE WHEN r < 0.3 THEN 'gorgias' ELSE 'shopify' END AS provider,
                    CASE WHEN s < 0.01 THEN 'dead' WHEN s < 0.011 THEN 'accepted' ELSE 'processed' END AS status,
                    convert_to('{\"id\": ' || g || '}', 'UTF8') AS body FROM g),
       ins AS (
         INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,
                                     received_at, processed_at)
         SELECT gen_random_uuid(), t.id, e.provider,
                CASE WHEN e.provider = 'gorgias' THEN 'ticket' ELSE 'orders/create' END, 'bench-' || e.g,
                sha256(e.body), e.body, e.status, e.at, CASE WHEN e.status = 'processed' THEN e.at + interval '1 s' END
           FROM e JOIN t USING (k)
         RETURNING id, tenant_id, status, received_at)
       INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at, created_at, updated_at)
       SELECT gen_random_uuid(), tenant_id, id,
              CASE status WHEN 'dead' THEN 'dead' WHEN 'accepted' THEN 'queued' ELSE 'done' END,
              CASE status WHEN 'dead' THEN 8 ELSE 1 END, received_at, received_at, received_at
         FROM ins"
done
echo "   inserted in $(elapsed "$T0") s"
T0=$(now)
# a posted note for every 10th processed event of a Gorgias ticket
sql "INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, state, posted_at, answered_message_id)
     SELECT gen_random_uuid(), e.tenant_id, e.id, 1000 + n, 'bench-note-' || n, 'posted', e.received_at + interval '5 s',
            n
       FROM (SELECT id, tenant_id, received_at, row_number() OVER () AS n FROM webhook_events
              WHERE provider = 'gorgias' AND status = 'processed') e
      WHERE n % 3 = 0"
sql "INSERT INTO data_requests (id, tenant_id, event_id, state, received_at, delivered_at, delivered_by, document)
     SELECT gen_random_uuid(), t.id, gen_random_uuid(), CASE WHEN t.k % 3 = 0 THEN 'delivered' ELSE 'open' END,
            now() - random() * interval '20 days', CASE WHEN t.k % 3 = 0 THEN now() END,
            CASE WHEN t.k % 3 = 0 THEN 'bench' END, '{}'::jsonb
       FROM ($TEN) t WHERE t.k % 33 = 1"
for t in webhook_events jobs notes connections tenants data_requests; do sql "VACUUM ANALYZE $t"; done
echo "   notes, data requests and vacuum in $(elapsed "$T0") s: $(sql "SELECT count(*) FROM webhook_events") events, $(sql "SELECT count(*) FROM jobs WHERE status = 'dead'") dead, $(sql "SELECT count(*) FROM jobs WHERE status = 'queued'") queued, $(sql "SELECT count(*) FROM notes") notes, $(sql "SELECT count(*) FROM data_requests WHERE state = 'open'") open data requests; webhook_events $(sql "SELECT pg_size_pretty(pg_table_size('webhook_events')) || ' table, ' || pg_size_pretty(pg_indexes_size('webhook_events')) || ' indexes'")"

fi

# ---------------------------------------------------------------------------------------------------------------
echo "== (0) the console's statements (EXPLAIN ANALYZE, third of three runs), no gateway running"
CF=$(sql "SELECT id FROM tenants WHERE slug = 'cf00000'")
FROM_HOUR="date_trunc('hour', now()) - interval '23 hours'"
explain summaries-first "$(stmt "$FLEET" "WITH page AS" "''" NULL NULL NULL NULL 51)"
explain summaries-q-none "$(stmt "$FLEET" "WITH page AS" "''" NULL NULL "'no-such-tenant'" "'no-such-tenant'" 51)"
explain summaries-broken "$(FILL=" AND t.id = ANY (ARRAY(SELECT c.tenant_id FROM connections c WHERE c.status = 'broken'))" stmt "$FLEET" "WITH page AS" "''" NULL NULL NULL NULL 51)"
explain attention-broken "$(stmt "$FLEET" "c.status = 'broken' AND t.status = 'active'" 50)"
explain attention-silent "$(stmt "$FLEET" "CROSS JOIN LATERAL" 21600 50)"
explain attention-dead "$(stmt "$FLEET" "GROUP BY tenant_id" 50)"
explain attention-requests "$(stmt "$FLEET" "FROM data_requests d" 50)"
explain attention-queued "$(stmt "$FLEET" "j.status = 'queued'")"
explain stats-events-24h "$(stmt "$FLEET" "FROM webhook_events WHERE tenant_id = ? AND received_at" "'$CF'" "$FROM_HOUR")"
explain stats-notes-24h "$(stmt "$FLEET" "FROM notes WHERE tenant_id" "'$CF'" "$FROM_HOUR")"

gw_start console
# the console calls with an operator token of its own, scope read only (created tokens are checked in the database
# and their last_used_at written on every call, as for any operator)
CTOKEN=$(curl -fs -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"name": "bench-console", "scopes": ["read"], "ttl_seconds": 86400}' "127.0.0.1:$PORT/admin/tokens" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
DEEP=$(python3 -c "import base64; print(base64.urlsafe_b64encode(b'v1|ft05000').decode().rstrip('='))")
declare -a NAMES=(floor-tenant summaries-first summaries-deep summaries-q-slug summaries-q-name summaries-q-none summaries-suspended
                  summaries-broken attention stats-24h stats-168h)
declare -a PATHS=("/admin/tenants/cf00000" "/admin/tenant-summaries?limit=50" "/admin/tenant-summaries?limit=50&cursor=$DEEP"
                  "/admin/tenant-summaries?limit=50&q=ft0123" "/admin/tenant-summaries?limit=50&q=cedar%20bout"
                  "/admin/tenant-summaries?limit=50&q=no-such-tenant" "/admin/tenant-summaries?limit=50&status=suspended"
                  "/admin/tenant-summaries?limit=50&connection=broken" "/admin/attention"
                  "/admin/tenants/cf00000/stats?hours=24" "/admin/tenants/cf00000/stats?hours=168")
echo "== (1) latency over $CALLS calls each (ms): name p50 p95 p99 max ok load1"
for i in "${!NAMES[@]}"; do
  echo "${NAMES[$i]} $("$BENCH/console_client.py" latency "$PORT" "$CTOKEN" "$CALLS" "${PATHS[$i]}") $(load | cut -d' ' -f1)" \
    | tee -a "$OUT/latency.txt"
done
curl -fs -H "Authorization: Bearer $CTOKEN" "127.0.0.1:$PORT/admin/attention" > "$OUT/attention.json"
curl -fs -H "Authorization: Bearer $CTOKEN" "127.0.0.1:$PORT/admin/tenant-summaries?limit=3" > "$OUT/summaries.json"
echo "   attention: $(python3 -c "import json,sys; a=json.load(open('$OUT/attention.json')); print(' '.join('%s=%s' % (k, a[k]) for k in a if k.endswith('_total')))")"

# ---------------------------------------------------------------------------------------------------------------
# (2) ingress without and with a console session, one gateway, ABBA
ING=cf00000
cp "$BENCH/order.json" "$OUT/body.json"
SIG=$("$BENCH/sign.py" "bench-secret-$ING" "$OUT/body.json")
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
ingress_round() { # name console(0|1)
  local name=$1 f=$OUT/ingress-$1.txt rps p50 p99 bad polled="-"
  if [ "$2" = 1 ]; then
    "$BENCH/console_client.py" poll "$PORT" "$CTOKEN" "$DUR" "$EVERY" /admin/attention \
      "/admin/tenant-summaries?limit=50" "/admin/tenants/$ING/stats?hours=24" > "$OUT/poll-$name.txt" &
    POLL=$!
  fi
  wrk -t2 -c"$CONC" -d"${DUR}s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
    "$ING.myshopify.com" "$ING" "$name" 0 > "$f" 2>&1 &
  WRK=$!; wait "$WRK"; WRK=
  if [ -n "$POLL" ]; then wait "$POLL" || true; POLL=; polled=$(tr ' ' '/' < "$OUT/poll-$name.txt"); fi
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$f")"); p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
  bad=$(awk '/Non-2xx/ {print $5}' "$f"); bad=${bad:-0}
  echo "$name $CONC $rps $p50 $p99 $bad $polled $(load | cut -d' ' -f1)" | tee -a "$OUT/ingress.txt"
}
echo "== (2) ingress warm-up ${BENCH_WARMUP:-20} s"
wrk -t2 -c"$CONC" -d"${BENCH_WARMUP:-20}s" -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
  "$ING.myshopify.com" "$ING" warm 0 >/dev/null
echo "== (2) ingress: round c req/s p50_ms p99_ms non2xx console(rounds/calls/non200/mean_ms/max_ms) load1"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then ingress_round "off-$r" 0; ingress_round "on-$r" 1
  else ingress_round "on-$r" 1; ingress_round "off-$r" 0; fi
done
gw_stop
awk '$1 ~ /^off-/ {o += $3; no++} $1 ~ /^on-/ {i += $3; ni++}
  END {if (no && ni) printf "ingress: no console mean %.0f req/s, console polling every '"$EVERY"' s mean %.0f req/s, on/off = %.3f\n", o / no, i / ni, (i / ni) / (o / no)}' \
  "$OUT/ingress.txt" | tee "$OUT/ingress-summary.txt"
echo "== load average at end: $(load)"
