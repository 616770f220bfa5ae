#!/usr/bin/env bash
# Tollgate connection drift check benchmark: one run, one machine, at fleet scale, against a local Gorgias/Shopify stub.
#   (1) statement costs: EXPLAIN (ANALYZE, BUFFERS) of the drift check's and the silence watch's statements, taken
#       from the Java sources (ConnectionStore.claimDue / recordCheck / brokenCounts, SilenceWatch.sample,
#       EventStore.lastDeliveries) with literal parameters, each in a rolled-back transaction: $BENCH_TENANTS tenants
#       (two connections rows each) and $BENCH_EVENTS webhook_events over $BENCH_DAYS days; which indexes they use;
#       the silence watch also at 1 day and $BENCH_DAYS days of silence (what-if settings)
#   (2) checks/s end to end: a gateway (worker off, drift check on, interval $BENCH_INTERVAL s, shorter for a high
#       rate, so that at least twice as much is due as it may start) at each TOLLGATE_CONNECTION_CHECK_PER_SECOND
#       of $BENCH_RATES (0: nothing due, the idle loop's own cost) for $BENCH_CHECK_SECONDS s, the stub answering
#       every check "ok" (the integration / subscriptions a connect leaves) after $BENCH_UPSTREAM_MS ms:
#       achieved checks/s, the most calls at the stub in any 1 s (and 100 ms) window, the gateway's CPU and the
#       database's time per check, what the checks recorded, statements slower than 100 ms (server log); the window
#       starts 10 s after the gateway answers (start-up and first JIT work left out)
#   (3) ingress req/s (wrk, unique signed Shopify deliveries, one tenant) on one gateway at PER_SECOND 50 with
#       nothing due (check idle) vs a due backlog (checking at 50/s), interleaved ABBA, $BENCH_ROUNDS pairs
# The tenants are onboarded through the admin API (bench/worker_tenants.py: Gorgias and Shopify base_url = the stub);
# their connections rows and the events are written by SQL, as connects and ingest would leave them.
# Needs: wrk (apt-get install wrk), psql and PostgreSQL 15 on 127.0.0.1:5432 (trust, user postgres), python3; the
#   server log readable at $BENCH_PG_LOG for the slow-statement count (optional).
# Settings: BENCH_TENANTS (10000), BENCH_EVENTS (2000000), BENCH_DAYS (7), BENCH_SILENT_EVERY (50: every 50th tenant
#   has no delivery in the last 2 days), BENCH_SILENCE (21600, TOLLGATE_SILENCE_SECONDS), BENCH_PAGE (200, tenants in
#   the lastDeliveries page), BENCH_UPSTREAM_MS (20), BENCH_INTERVAL (120; a rate above half the due rate gets
#   2 x tenants / (2 x rate) instead), BENCH_RATES ("0 10 50 200"),
#   BENCH_CHECK_SECONDS (60), BENCH_INGRESS (1; 0 skips (3)), BENCH_SECONDS (15, each wrk round), BENCH_ROUNDS (4),
#   BENCH_CONCURRENCY (16), BENCH_WARMUP (20), BENCH_PORT (18190), BENCH_STUB_PORT (18191),
#   BENCH_PG_LOG (/var/log/postgresql/postgresql-15-main.log).
# Raw outputs: bench/results/connections-<timestamp>/ (not committed). Drops and re-creates its own database
# (tollgate_connections_bench) at the start; leaves it behind for inspection.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
SRC=$ROOT/platform-api/src/main/java/io/tollgate/api
NTEN=${BENCH_TENANTS:-10000}
NEV=${BENCH_EVENTS:-2000000}
DAYS=${BENCH_DAYS:-7}
SILENT_EVERY=${BENCH_SILENT_EVERY:-50}
SILENCE=${BENCH_SILENCE:-21600}
PAGE=${BENCH_PAGE:-200}
UPMS=${BENCH_UPSTREAM_MS:-20}
INTERVAL=${BENCH_INTERVAL:-120}
RATES=${BENCH_RATES:-"0 10 50 200"}
CHECKDUR=${BENCH_CHECK_SECONDS:-60}
DUR=${BENCH_SECONDS:-15}
ROUNDS=${BENCH_ROUNDS:-4}
CONC=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-18190}
SPORT=${BENCH_STUB_PORT:-18191}
PGLOG=${BENCH_PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
DB=tollgate_connections_bench
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/connections-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
MASTER=$(openssl rand -base64 32)
HOOKS=http://127.0.0.1:$PORT   # the gateway's address: connects register <HOOKS>/webhooks/<slug>/<provider>
mkdir -p "$OUT"
command -v wrk >/dev/null || [ "${BENCH_INGRESS:-1}" = 0 ] || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
sql() { psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtAc "$1"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}'; }
ticks() { # CPU clock ticks (user + system) used so far, one "pid ticks" line per pid given
  for p in "$@"; do [ -r "/proc/$p/stat" ] && awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat"; done; true
}
pg_pids() { psql $PG -d postgres -qtAc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()"; }
tick_delta() { # file0 file1: ticks used between the two samples (pids new in file1 count from 0) in ms
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR {a[$1] = $2; next} {d += $2 - (($1 in a) ? a[$1] : 0)} END {printf "%.0f", d * 1000 / hz}' "$1" "$2"
}

# --- the statements, from the sources --------------------------------------------------------------------------
# stmt FILE MARKER PARAM...: the SQL text block (or string literal) of FILE containing MARKER, its ? replaced in order
# by the PARAMs (literal SQL); fails when the statement or its parameter count changed
stmt() {
  python3 - "$@" <<'EOF'
import re, sys, textwrap
path, marker, params = sys.argv[1], sys.argv[2], sys.argv[3:]
src = open(path).read()
found = [textwrap.dedent(m.group(1)) for m in re.finditer(r'"""\n(.*?)"""', src, re.S)]
found += [m.group(1) for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', src)]
hits = [s for s in found if marker in s]
assert hits, "no statement containing %r in %s" % (marker, path)
parts = hits[0].split("?")
assert len(parts) == len(params) + 1, "%r: %d parameters, expected %d" % (marker, len(parts) - 1, len(params))
print(parts[0] + "".join(v + p for v, p in zip(params, parts[1:])))
EOF
}
TOPICS=$(python3 - "$SRC/connect/Connector.java" <<'EOF'
import re, sys
m = re.search(r'SHOPIFY_TOPICS\s*=\s*List\.of\((.*?)\);', open(sys.argv[1]).read(), re.S)
print(",".join("'%s'" % t for t in re.findall(r'"([A-Z_]+)"', m.group(1))))
EOF
)
explain() { # name sql: three runs, each rolled back (first: as the data was left; last: warm); a summary line
  local first
  for i in 1 2 3; do
    psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtA > "$OUT/explain-$1.txt" <<SQL
BEGIN;
EXPLAIN (ANALYZE, BUFFERS) $2;
ROLLBACK;
SQL
    [ "$i" = 1 ] && first=$(awk '/Execution Time/ {print $3}' "$OUT/explain-$1.txt")
  done
  echo "$1: first $first ms, warm $(awk '/Execution Time/ {print $3}' "$OUT/explain-$1.txt") ms; indexes: $(grep -Eo '(using|Bitmap Index Scan on) [a-z_]+' "$OUT/explain-$1.txt" | awk '{print $NF}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep = ", "}'); seq scans: $(grep -Eo 'Seq Scan on [a-z_]+' "$OUT/explain-$1.txt" | awk '{print $NF}' | sort -u | paste -sd, -); buffers: $(grep -m1 -Eo 'Buffers: .*' "$OUT/explain-$1.txt")" \
    | tee -a "$OUT/explain.txt"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1); $(psql $PG -d postgres -tAc 'SHOW server_version') (shared_buffers $(psql $PG -d postgres -tAc 'SHOW shared_buffers')); $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "== commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet -- platform-api/src || echo ' (with uncommitted changes)'); load average at start: $(load)"
echo "== results in $OUT"
[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -B -o -q package -DskipTests -pl platform-api -am)
dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
# every session of this database logs any statement slower than 100 ms to the server log (read at the end)
psql $PG -d postgres -qc "ALTER DATABASE $DB SET log_min_duration_statement = '100ms'"
LOGPOS=$( [ -r "$PGLOG" ] && stat -c %s "$PGLOG" || echo -1)

BENCH_UPSTREAM_MS=$UPMS BENCH_WEBHOOK_BASE=$HOOKS python3 "$BENCH/upstream_stub.py" "$SPORT" \
  "$ROOT/tenant-config/src/test/resources/fixtures/shopify-python-api-order.json" > "$OUT/stub.log" 2>&1 &
STUB=$!
GW=
WRK=
cleanup() {
  [ -n "$WRK" ] && { kill "$WRK" 2>/dev/null; wait "$WRK" 2>/dev/null || true; }
  [ -n "$GW" ] && { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null || true; }
  kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
checks_since() { curl -fs "127.0.0.1:$SPORT/_bench/checks?since=$1"; }
checks_count() { curl -fs "127.0.0.1:$SPORT/_bench/stats" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["integration_get"] + s["subscriptions"])'; }

gw_start() { # log-name, then extra VAR=value settings
  local name=$1; shift
  env DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres TOLLGATE_MASTER_KEY="$MASTER" \
    TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true \
    TOLLGATE_WORKER_ENABLED=false TOLLGATE_SILENCE_SECONDS="$SILENCE" "$@" \
    "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway-$name.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null && return 0; sleep 0.5; done
  echo "gateway $name did not start" >&2; tail "$OUT/gateway-$name.log" >&2; exit 1
}
gw_stop() { kill "$GW"; wait "$GW" 2>/dev/null || true; GW=; }

# ---------------------------------------------------------------------------------------------------------------
# tenants through the admin API (check off), then their connections and the events by SQL
gw_start fill TOLLGATE_CONNECTION_CHECK_ENABLED=false
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
echo "== creating $NTEN tenants whose Gorgias and Shopify are the stub"
T0=$(now)
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" wt "$NTEN" > "$OUT/tenants.tsv"
echo "   $(sql 'SELECT count(*) FROM tenants') tenants in $(elapsed "$T0") s; the stub knows $(curl -fs -X POST --data-binary @"$OUT/tenants.tsv" "127.0.0.1:$SPORT/_bench/gorgias-secrets") Gorgias secrets"
gw_stop

TEN="SELECT id, slug, row_number() OVER (ORDER BY slug) - 1 AS k FROM tenants WHERE slug LIKE 'wt%'"
# as connects leave them (DriftTest's row shape): ok, the integration / every topic's subscription recorded, the URL the
# stub answers for; every 100th broken (for brokenCounts); next checks uniform over the next hour (the hourly default)
sql "INSERT INTO connections (tenant_id, provider, status, reason, upstream_ids, webhook_url, connected_at, checked_at,
                              next_check_at)
     SELECT t.id, p.provider, CASE WHEN t.k % 100 = 7 THEN 'broken' ELSE 'ok' END,
            CASE WHEN t.k % 100 = 7 THEN 'bench: marked broken' END,
            CASE WHEN p.provider = 'gorgias' THEN jsonb_build_object('integration', (700000000 + t.k)::text)
                 ELSE (SELECT jsonb_object_agg(u.topic, 'gid://shopify/WebhookSubscription/' || (t.k * 10 + u.i))
                         FROM unnest(ARRAY[$TOPICS]) WITH ORDINALITY AS u(topic, i)) END,
            '$HOOKS/webhooks/' || t.slug || '/' || p.provider, now() - interval '30 days',
            now() - random() * interval '1 hour', now() - interval '1 s' + random() * interval '3600 s'
       FROM ($TEN) t CROSS JOIN (VALUES ('gorgias'), ('shopify')) AS p(provider)"
echo "   $(sql 'SELECT count(*) FROM connections') connections rows"

echo "== inserting $NEV webhook_events over $DAYS days (30 % Gorgias; every ${SILENT_EVERY}th tenant silent for 2 days)"
T0=$(now)
CHUNK=250000
for a in $(seq 1 $CHUNK "$NEV"); do
  b=$((a + CHUNK - 1)); [ "$b" -gt "$NEV" ] && b=$NEV
  # in time order, as ingest writes them; tenants at random; a small body (the gauge and the admin API read none)
  sql "WITH t AS ($TEN),
       g AS (SELECT g, now() - make_interval(days => $DAYS) + (g::float8 / $NEV) * make_interval(days => $DAYS) AS at,
                    floor(random() * $NTEN)::int AS k0, random() AS r FROM generate_series($a, $b) g),
       e AS (SELECT g, at, CASE WHEN k0 % $SILENT_EVERY = 0 AND at > now() - interval '2 days' THEN (k0 + 1) % $NTEN
                                ELSE k0 END AS k,
                    CASE WHEN r < 0.3 THEN 'gorgias' ELSE 'shopify' END AS provider,
                    convert_to('{\"id\": ' || g || '}', 'UTF8') AS body FROM g)
       INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,
                                   received_at, processed_at)
       SELECT gen_random_uuid(), t.id, e.provider, CASE WHEN e.provider = 'gorgias' THEN 'ticket' ELSE 'orders/create' END,
              'bench-' || e.g, sha256(e.body), e.body, 'processed', e.at, e.at + interval '1 s'
         FROM e JOIN t USING (k)"
done
echo "   inserted in $(elapsed "$T0") s"
T0=$(now)
sql "VACUUM ANALYZE webhook_events"; sql "VACUUM ANALYZE connections"; sql "ANALYZE tenants"
echo "   vacuum analyze $(elapsed "$T0") s; webhook_events $(sql "SELECT pg_size_pretty(pg_table_size('webhook_events')) || ' table, ' || pg_size_pretty(pg_indexes_size('webhook_events')) || ' indexes'"); last_delivery_ix $(sql "SELECT pg_size_pretty(pg_relation_size('webhook_events_last_delivery_ix'))")"
sql "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename IN ('webhook_events', 'connections') ORDER BY 1" > "$OUT/indexes.txt"
EXPECT_SILENT=$(sql "SELECT count(*) FROM ($TEN) t WHERE t.k % $SILENT_EVERY = 0")

# ---------------------------------------------------------------------------------------------------------------
# (1) the statements, gateway stopped
echo "== (1) statements (EXPLAIN ANALYZE, rolled back): name, first and warm execution time, indexes"
CLAIM=$(stmt "$SRC/connect/ConnectionStore.java" "WITH due AS" 20 300)
BROKEN=$(stmt "$SRC/connect/ConnectionStore.java" "c.status = 'broken' AND t.status")
SILENT=$(stmt "$SRC/connect/SilenceWatch.java" "FROM connections c" "$SILENCE")
IDS=$(sql "SELECT '''{' || string_agg(id::text, ',') || '}''' FROM (SELECT id FROM tenants WHERE slug LIKE 'wt%' ORDER BY slug LIMIT $PAGE) p")
LAST=$(stmt "$SRC/events/EventStore.java" "unnest(?::uuid[])" "$IDS")
# claimDue as the hourly schedule leaves it: ~1/3600 of the rows due (5-6 of 20,000)
sql "UPDATE connections SET next_check_at = now() - interval '1 s' + random() * interval '3600 s'"
sql "VACUUM ANALYZE connections"
echo "   due now: $(sql "SELECT count(*) FROM connections WHERE next_check_at <= now()") of $(sql "SELECT count(*) FROM connections")"
echo "$CLAIM" > "$OUT/claim.sql"
explain claimDue-steady "$CLAIM"
read -r RT RP RV < <(sql "SELECT tenant_id, provider, updated_at::text FROM connections WHERE status = 'ok' LIMIT 1" | tr '|' ' ')
# recordCheck needs its version as text with the space inside: read it again whole
RV=$(sql "SELECT updated_at::text FROM connections WHERE tenant_id = '$RT' AND provider = '$RP'")
RECORD=$(stmt "$SRC/connect/ConnectionStore.java" "SET status = coalesce(?, status)" \
  "'ok'" "'ok'" "NULL" "'ok'" "$INTERVAL" "0.1" "'$RT'" "'$RP'" "'$RV'")
explain recordCheck "$RECORD"
explain brokenCounts "$BROKEN"
echo "$SILENT" > "$OUT/silence.sql"
explain silenceWatch "$SILENT"
echo "   silenceWatch answer: $(sql "$SILENT" | paste -sd' ') (at least $EXPECT_SILENT per provider: every ${SILENT_EVERY}th tenant; others are silent by chance)"
# the same at longer TOLLGATE_SILENCE_SECONDS: the plan reads every event of the silence window
for w in 86400 $((DAYS * 86400)); do
  explain "silenceWatch-${w}s" "$(stmt "$SRC/connect/SilenceWatch.java" "FROM connections c" "$w")"
done
echo "$LAST" > "$OUT/last-deliveries.sql"
explain lastDeliveries-$PAGE "$LAST"
# claimDue after an outage: every row due
sql "UPDATE connections SET next_check_at = now() - random() * interval '1 hour'"
sql "VACUUM ANALYZE connections"
explain claimDue-all-due "$CLAIM"

# ---------------------------------------------------------------------------------------------------------------
# (2) checks/s: a fresh gateway per rate; rows due at 2 x tenants / interval per second from its start
reset_due() { sql "UPDATE connections SET next_check_at = now() + random() * make_interval(secs => ${1:-$INTERVAL})"; }
nothing_due() { sql "UPDATE connections SET next_check_at = now() + interval '1 day'"; }
pgstat() { sql "SELECT xact_commit, active_time FROM pg_stat_database WHERE datname = '$DB'" | tr '|' ' '; }
window_stats() { # file-of-checks from to: n rate steady_rate(after 5 s) max_1s max_100ms distinct_connections
  python3 - "$@" <<'EOF'
import sys
path, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = [l.split("\t") for l in open(path) if l.strip()]
t = sorted(float(r[0]) for r in rows if a <= float(r[0]) <= b)
keys = {(r[1], r[2]) for r in rows if a <= float(r[0]) <= b}
def most(w):
    best, j = 0, 0
    for i in range(len(t)):
        while t[i] - t[j] >= w:
            j += 1
        best = max(best, i - j + 1)
    return best
steady = [x for x in t if x >= a + 5]
print(len(t), "%.1f" % (len(t) / (b - a)), "%.1f" % (len(steady) / max(b - a - 5, 1e-3)), most(1.0), most(0.1), len(keys))
EOF
}
check_row() { # per-second: a gateway checking for $CHECKDUR s (0: nothing due, the loop's idle cost, half as long)
  local per=$1 name=check-$1 dur=$CHECKDUR set=$1 k0 x0 x1 up end s n iv=$INTERVAL
  # at least twice as much due per second as the rate: 2 x tenants rows over the interval
  [ "$per" -gt 0 ] && [ $((2 * NTEN)) -lt $((2 * per * INTERVAL)) ] && iv=$((NTEN / per))
  if [ "$per" = 0 ]; then nothing_due; set=10; dur=$((CHECKDUR / 2)); else reset_due "$iv"; fi
  k0=$(checks_count)
  read -r -a x0 < <(pgstat)
  gw_start "$name" TOLLGATE_CONNECTION_CHECK_ENABLED=true TOLLGATE_CONNECTION_CHECK_INTERVAL_SECONDS="$iv" \
    TOLLGATE_CONNECTION_CHECK_PER_SECOND="$set"
  sleep 10   # the window starts 10 s after the gateway answers: start-up and the first JIT work stay out of it
  up=$(now)
  ticks "$GW" > "$OUT/cpu-$name.0"; ticks $(pg_pids) > "$OUT/pg-$name.0"
  sleep "$dur"
  end=$(now)
  ticks "$GW" > "$OUT/cpu-$name.1"; ticks $(pg_pids) > "$OUT/pg-$name.1"
  curl -fs "127.0.0.1:$PORT/observe/metrics" > "$OUT/metrics-$name.txt" || true
  gw_stop
  sleep 1
  read -r -a x1 < <(pgstat)
  checks_since "$k0" > "$OUT/checks-$name.tsv"
  s=$(window_stats "$OUT/checks-$name.tsv" "$up" "$end")
  n=${s%% *}
  local recorded jvm pgcpu
  recorded=$(sql "SELECT coalesce(string_agg(provider || ':' || status || '=' || n, ' '), 'none') FROM (SELECT provider, status, count(*) n
                   FROM connections WHERE checked_at BETWEEN to_timestamp($up) AND to_timestamp($end)
                   GROUP BY 1, 2 ORDER BY 1, 2) r")
  jvm=$(tick_delta "$OUT/cpu-$name.0" "$OUT/cpu-$name.1"); pgcpu=$(tick_delta "$OUT/pg-$name.0" "$OUT/pg-$name.1")
  echo "$name $per $iv $(awk -v a="$up" -v b="$end" 'BEGIN {printf "%.1f", b - a}') $s $(awk -v j="$jvm" -v p="$pgcpu" -v n="$n" -v d="$(awk -v a="$up" -v b="$end" 'BEGIN {print b - a}')" \
      -v c0="${x0[0]}" -v c1="${x1[0]}" -v a0="${x0[1]}" -v a1="${x1[1]}" \
      'BEGIN {printf "%.1f %.1f %.2f %.2f %.2f %.0f", 100 * j / 1000 / d, 100 * p / 1000 / d, n ? j / n : 0, n ? p / n : 0, n ? (a1 - a0) / n : 0, n ? (c1 - c0) / n : c1 - c0}') $recorded $(grep -c 'connection broken' "$OUT/gateway-$name.log" || true)/$(grep -c 'not checked' "$OUT/gateway-$name.log" || true) $(load | cut -d' ' -f1)" \
    | tee -a "$OUT/checks.txt"
}
echo "== (2) checks: row per_second interval_s seconds checks checks/s steady/s max_in_1s max_in_100ms distinct_connections jvm_cpu_% pg_cpu_% jvm_cpu_ms/check pg_cpu_ms/check db_active_ms/check commits/check recorded(provider:status=n) broken/unanswered_log_lines load1"
echo "   (interval $INTERVAL s: $(awk -v n="$NTEN" -v i="$INTERVAL" 'BEGIN {printf "%.0f", 2 * n / i}') rows come due per second; upstream $UPMS ms)"
for r in $RATES; do check_row "$r"; done

# ---------------------------------------------------------------------------------------------------------------
# (3) ingress with the check idle vs checking at 50/s, one gateway, ABBA
if [ "${BENCH_INGRESS:-1}" != 0 ]; then
  ING=wt00000
  cp "$BENCH/order.json" "$OUT/body.json"
  SIG=$("$BENCH/sign.py" "bench-secret-$ING" "$OUT/body.json")
  ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
  nothing_due
  gw_start ingress TOLLGATE_CONNECTION_CHECK_ENABLED=true TOLLGATE_CONNECTION_CHECK_INTERVAL_SECONDS="$INTERVAL" \
    TOLLGATE_CONNECTION_CHECK_PER_SECOND=50
  ingress_round() { # name: due backlog (on) or none (off) set by the caller; wrk for $DUR s
    local name=$1 f=$OUT/ingress-$1.txt k0 start end rps p50 p99 bad
    k0=$(checks_count); start=$(now)
    wrk -t2 -c"$CONC" -d"${DUR}s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
      "$ING.myshopify.com" "$ING" "$name" 0 > "$f" 2>&1 &
    WRK=$!; wait "$WRK"; WRK=
    end=$(now)
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
    p50=$(ms "$(awk '$1 == "50%" {print $2}' "$f")"); p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
    bad=$(awk '/Non-2xx/ {print $5}' "$f"); bad=${bad:-0}
    checks_since "$k0" > "$OUT/checks-ingress-$name.tsv"
    echo "$name $CONC $rps $p50 $p99 $bad $(window_stats "$OUT/checks-ingress-$name.tsv" "$start" "$end" | awk '{print $2}') $(load | cut -d' ' -f1)" \
      | tee -a "$OUT/ingress.txt"
  }
  off_round() { nothing_due; sleep 2; ingress_round "off-$1"; }
  on_round() { reset_due; sleep 3; ingress_round "on-$1"; }
  echo "== (3) ingress warm-up ${BENCH_WARMUP:-20} s (checking at 50/s)"
  reset_due
  wrk -t2 -c"$CONC" -d"${BENCH_WARMUP:-20}s" -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
    "$ING.myshopify.com" "$ING" warm 0 >/dev/null
  echo "== (3) ingress: round c req/s p50_ms p99_ms non2xx checks/s load1"
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then off_round "$r"; on_round "$r"; else on_round "$r"; off_round "$r"; fi
  done
  gw_stop
  awk '$1 ~ /^off-/ {o += $3; no++} $1 ~ /^on-/ {i += $3; ni++; c += $7}
    END {if (no && ni) printf "ingress: check idle mean %.0f req/s, checking mean %.0f req/s (%.1f checks/s), on/off = %.3f\n", o / no, i / ni, c / ni, (i / ni) / (o / no)}' \
    "$OUT/ingress.txt" | tee "$OUT/ingress-summary.txt"
fi

# statements slower than 100 ms in this database's sessions, from the server log: the gateways' by statement, the
# script's own (its inserts, updates and EXPLAINs) apart
if [ "$LOGPOS" -ge 0 ]; then
  tail -c +$((LOGPOS + 1)) "$PGLOG" | awk -v db="@$DB " '/^[0-9]{4}-[0-9]{2}-[0-9]{2} / {p = index($0, db) && /duration:/} p' > "$OUT/slow.txt"
  echo "== $(python3 "$BENCH/slow_statements.py" "$OUT/slow.txt")" | tee "$OUT/slow-summary.txt"
fi
echo "== load average at end: $(load)"
{
  echo "statements (EXPLAIN ANALYZE, gateway stopped):"; cat "$OUT/explain.txt"
  echo; echo "checks: row per_second interval_s seconds checks checks/s steady/s max_in_1s max_in_100ms distinct_connections jvm_cpu_% pg_cpu_% jvm_cpu_ms/check pg_cpu_ms/check db_active_ms/check commits/check recorded broken/unanswered load1"
  cat "$OUT/checks.txt"
  if [ -f "$OUT/ingress.txt" ]; then
    echo; echo "ingress: round c req/s p50_ms p99_ms non2xx checks/s load1"; cat "$OUT/ingress.txt" "$OUT/ingress-summary.txt"
  fi
  [ -f "$OUT/slow-summary.txt" ] && { echo; cat "$OUT/slow-summary.txt"; }
} > "$OUT/summary.md"
echo "== summary: $OUT/summary.md"
