#!/usr/bin/env bash
# Tollgate worker benchmark (issue 8): one run, one machine, against local Gorgias/Shopify stubs.
#   (1) jobs/s: a backlog accepted with the worker off, drained by gateways whose worker runs at concurrency 1 and
#       $BENCH_WORKER_HIGH (upstream latency $BENCH_UPSTREAM_MS, and 0 ms for the worker's own ceiling)
#   (2) delivery-to-note latency (p50/p95/p99) of Gorgias deliveries, open loop: light, 70 % of the drain's rate, heavy
#   (3) ingress req/s (wrk, unique signed Shopify deliveries) with the worker idle vs draining a Gorgias backlog,
#       interleaved (ABBA), on the same gateway; then again with a what-if index (jobs_tenant_claim_ix, created in the
#       benchmark's database only)
#   (4) which jobs indexes the run used, and EXPLAIN (ANALYZE, BUFFERS) of the worker's statements on a large queue,
#       without and with the what-if index
# Needs: wrk (apt-get install wrk), psql and PostgreSQL on 127.0.0.1:5432 (trust, user postgres), python3.
# Settings: BENCH_TENANTS (400), BENCH_UPSTREAM_MS (20), BENCH_BACKLOG (5000), BENCH_DRAIN_SECONDS (30),
#   BENCH_DRAIN_MAX (180), BENCH_WORKER_HIGH (8), BENCH_LIGHT_RATE (5), BENCH_HEAVY_RATE (100),
#   BENCH_LATENCY_SECONDS (30), BENCH_SECONDS (15, each wrk round), BENCH_ROUNDS (2, idle/busy pairs, only with
#   BENCH_WHATIF=0; the what-if runs a fixed 8 rounds), BENCH_CONCURRENCY (16),
#   BENCH_BUSY_BACKLOG (8000), BENCH_WARMUP (20), BENCH_EXPLAIN_TENANTS (1000), BENCH_EXPLAIN_QUEUED (100000),
#   BENCH_EXPLAIN_DONE (200000), BENCH_WHATIF (0; 1 runs the old what-if rounds, which need jobs_tenant_claim_ix dropped first), BENCH_PORT (18090),
#   BENCH_STUB_PORT (18091), BENCH_JAR (platform-api/target/platform-api.jar: another build, its libs/ next to it),
#   BENCH_JFR (empty; a directory: each gateway records a JFR profile of its whole life there, <row>.jfr),
#   BENCH_JAVA_FLAGS (extra JVM flags). Raw outputs: bench/results/worker-<timestamp>/ (not committed).
# bench/worker-cpu.sh measures the JVM's and PostgreSQL's CPU per job of two builds side by side.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
NTEN=${BENCH_TENANTS:-400}
UPMS=${BENCH_UPSTREAM_MS:-20}
BACKLOG=${BENCH_BACKLOG:-5000}
DRAIN=${BENCH_DRAIN_SECONDS:-30}
DRAIN_MAX=${BENCH_DRAIN_MAX:-180}
HIGH=${BENCH_WORKER_HIGH:-8}
LIGHT=${BENCH_LIGHT_RATE:-5}
HEAVY=${BENCH_HEAVY_RATE:-100}
LATDUR=${BENCH_LATENCY_SECONDS:-30}
DUR=${BENCH_SECONDS:-15}
ROUNDS=${BENCH_ROUNDS:-2}
CONC=${BENCH_CONCURRENCY:-16}
BUSY=${BENCH_BUSY_BACKLOG:-8000}
PORT=${BENCH_PORT:-18090}
SPORT=${BENCH_STUB_PORT:-18091}
DB=${BENCH_DB:-tollgate_worker_bench}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/worker-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
MASTER=$(openssl rand -base64 32)
CAP=4   # TOLLGATE_WORKER_TENANT_CAP: the gateways run with the default
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
sql() { psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtAc "$1"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ticks() { # CPU clock ticks (user + system) used so far, one "pid ticks" line per pid given
  for p in "$@"; do [ -r "/proc/$p/stat" ] && awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat"; done; true
}
pg_pids() { psql $PG -d postgres -qtAc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'"; }

# the statements of JobQueue with literal parameters (claim: cap 4, max 8, lease 300 s); each in a rolled-back transaction
# the claim's cost is its walk over the tenants (JobQueue.WALK, the first of its statements): here from the lowest
# tenant, 32 tenants at most (the claimer's walk for 8 jobs), cap 4; bench/claim.sh times the whole claim
CLAIM=$(python3 - "$ROOT/platform-api/src/main/java/io/tollgate/api/events/JobQueue.java" <<'EOF'
import re, sys, textwrap
sql = textwrap.dedent(re.search(r'String WALK = """\n(.*?)"""', open(sys.argv[1]).read(), re.S).group(1))
sql = sql.replace("%1$s", "'queued'").replace("%2$s", "'running'")
parts = sql.split("?")
assert len(parts) == 7, "WALK has %d parameters, expected 6" % (len(parts) - 1)
lo, hi = "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"
print(parts[0] + "".join(v + p for v, p in zip(["4", lo, hi, "4", hi, "32"], parts[1:])))
EOF
)
echo "$CLAIM" > "$OUT/claim.sql"
explain() { # name sql: three runs (the last is kept: warm cache), each rolled back; prints a summary line
  for _ in 1 2 3; do
    psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtA > "$OUT/explain-$1.txt" <<SQL
BEGIN;
EXPLAIN (ANALYZE, BUFFERS) $2;
ROLLBACK;
SQL
  done
  echo "$1: $(awk '/Execution Time/ {print $3 " ms"}' "$OUT/explain-$1.txt"), indexes: $(grep -Eo '(using|Bitmap Index Scan on) [a-z_]+' "$OUT/explain-$1.txt" | awk '{print $NF}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep = ", "}')" \
    | tee -a "$OUT/explain.txt"
}
claim_ms() { # one EXPLAIN ANALYZE of the claim (rolled back) in the live database: its execution time in ms
  psql $PG -d "$DB" -qtA <<SQL | awk '/Execution Time/ {print $3}'
BEGIN;
EXPLAIN (ANALYZE) $CLAIM;
ROLLBACK;
SQL
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
echo "== load average at start: $(load)"
echo "== results in $OUT"
JAR=${BENCH_JAR:-$ROOT/platform-api/target/platform-api.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q package -DskipTests)
[ -n "${BENCH_JFR:-}" ] && mkdir -p "$BENCH_JFR"
dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
# every session of this database (the gateways' too) logs the plan of any statement slower than 1 s to the server
# log (auto_explain); the run collects them at the end when the log is readable
PGLOG=${BENCH_PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
if psql $PG -d "$DB" -qc "LOAD 'auto_explain'" >/dev/null 2>&1; then
  psql $PG -d postgres -qc "ALTER DATABASE $DB SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE $DB SET auto_explain.log_min_duration = '1s'"
fi
LOGPOS=$( [ -r "$PGLOG" ] && stat -c %s "$PGLOG" || echo -1)

BENCH_UPSTREAM_MS=$UPMS python3 "$BENCH/upstream_stub.py" "$SPORT" \
  "$ROOT/tenant-config/src/test/resources/fixtures/shopify-python-api-order.json" > "$OUT/stub.log" 2>&1 &
STUB=$!
GW=
cleanup() {
  [ -n "$GW" ] && { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null || true; }
  kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true
}
trap cleanup EXIT
latency() { curl -fs -o /dev/null -X POST "127.0.0.1:$SPORT/_bench/latency?ms=$1"; }
stub_time() { curl -fs "127.0.0.1:$SPORT/_bench/stats" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["answer_s"], s["answered"])'; }

gw_start() { # log-name, then extra VAR=value settings
  local name=$1 jfr=(); shift
  [ -n "${BENCH_JFR:-}" ] && jfr=("-XX:StartFlightRecording=filename=$BENCH_JFR/$name.jfr,settings=profile,dumponexit=true")
  # shellcheck disable=SC2086
  env DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres TOLLGATE_MASTER_KEY="$MASTER" \
    TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true "$@" \
    "$JAVA_HOME/bin/java" ${BENCH_JAVA_FLAGS:-} "${jfr[@]}" -jar "$JAR" > "$OUT/gateway-$name.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null && return 0; sleep 0.5; done
  echo "gateway $name did not start" >&2; tail "$OUT/gateway-$name.log" >&2; exit 1
}
gw_stop() { kill "$GW"; wait "$GW" 2>/dev/null || true; GW=; }

upstream_time() { # the gateway's own view of its upstream calls: total seconds and count (tollgate_upstream_seconds)
  curl -fs "127.0.0.1:$PORT/observe/metrics" | awk '/^tollgate_upstream_seconds_sum\{/ {s += $NF} /^tollgate_upstream_seconds_count\{/ {c += $NF}
    END {print s + 0, c + 0}'
}
. "$BENCH/worker_jobs.sh"
enqueue() { # count ticket-base: that many queued Gorgias jobs at once, over the wt tenants, as ingest writes them
  # (bench/worker_jobs.sh: the key, the event in today's partition, its job; the same body as gorgias.lua and
  # note_latency.py; one transaction, so they appear at once)
  enqueue_jobs "$PG" "$DB" wt "$NTEN" "$1" "$2" 0
}

# ---------------------------------------------------------------------------------------------------------------
# tenants (worker off), then the backlog accepted through ingress with the worker off
gw_start fill TOLLGATE_WORKER_ENABLED=false
sql "SELECT pg_stat_reset()" >/dev/null
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
echo "== creating $NTEN tenants whose Gorgias and Shopify are the stub"
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" wt "$NTEN" > "$OUT/tenants.tsv"
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" bench-ing- 1 > "$OUT/ingress-tenant.tsv"
ING=bench-ing-00000
echo "   $(sql 'SELECT count(*) FROM tenants') tenants"

echo "== filling a backlog of $BACKLOG Gorgias deliveries (worker off)"
wrk -t2 -c16 -d300s -s "$BENCH/gorgias.lua" "http://127.0.0.1:$PORT" -- "$OUT/tenants.tsv" 100000000 \
  $(( (BACKLOG + 1) / 2 )) > "$OUT/fill.txt" 2>&1 &
WRK=$!
T0=$(now)
until [ "$(sql "SELECT count(*) FROM jobs WHERE status = 'queued'")" -ge "$BACKLOG" ]; do sleep 0.5; done
kill -INT $WRK; wait $WRK || true
sleep 1
FILLED=$(sql "SELECT count(*) FROM jobs WHERE status = 'queued'")
echo "   $FILLED accepted in $(awk -v a="$T0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}') s; fill wrk: $(awk '/Requests\/sec/ {print $2}' "$OUT/fill.txt") req/s"
gw_stop
echo "== the claim on the drain's queue ($FILLED queued over $NTEN tenants), gateway stopped"
explain claim-drain "$CLAIM"

# ---------------------------------------------------------------------------------------------------------------
# (1) jobs/s. Each row: a fresh gateway with the worker on, for $DRAIN s (the last row until the queue is empty)
drain_row() { # name concurrency upstream-ms until-empty(0/1) ticket-base
  local name=$1 c=$2 ms=$3 all=$4 start up end n first last rate steady wall left x0 x1 probe=-
  # every row starts from the same queue: topped up to $BACKLOG (the first row's is the backlog filled through ingress)
  enqueue $((BACKLOG - $(sql "SELECT count(*) FROM jobs WHERE status = 'queued'"))) "$5"
  latency "$ms"
  x0=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'")
  start=$(now)
  gw_start "$name" TOLLGATE_WORKER_CONCURRENCY="$c"
  up=$(now)
  ticks "$GW" > "$OUT/cpu-$name.0"; ticks $(pg_pids) > "$OUT/pg-$name.0"
  local stub0 stub1 up0 up1
  stub0=$(stub_time); up0=$(upstream_time)
  while :; do
    left=$(sql "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
    [ "$left" -eq 0 ] && break
    # the claim's own time, measured once mid-row while the worker runs
    if [ "$probe" = - ] && awk -v a="$up" -v b="$(now)" 'BEGIN {exit !(b - a >= 12)}'; then probe=$(claim_ms); fi
    if [ "$all" -eq 0 ]; then
      awk -v a="$up" -v b="$(now)" -v d="$DRAIN" 'BEGIN {exit !(b - a >= d)}' && break
    else
      awk -v a="$up" -v b="$(now)" -v d="$DRAIN_MAX" 'BEGIN {exit !(b - a >= d)}' && break
    fi
    sleep 0.5
  done
  end=$(now)
  ticks "$GW" > "$OUT/cpu-$name.1"; ticks $(pg_pids) > "$OUT/pg-$name.1"
  stub1=$(stub_time); up1=$(upstream_time)
  [ "$all" -eq 0 ] && gw_stop
  x1=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'")
  # throughput from the events' own processed_at: whole window, and steady state (after the first 5 s)
  read -r n first last < <(sql "SELECT count(*), extract(epoch FROM min(processed_at)), extract(epoch FROM max(processed_at))
      FROM webhook_events WHERE provider = 'gorgias' AND status = 'processed'
       AND processed_at BETWEEN to_timestamp($start) AND to_timestamp($end)" | tr '|' ' ')
  if [ "$n" -eq 0 ]; then first=$start; last=$end; fi
  steady=$(sql "SELECT round(count(*) / greatest(extract(epoch FROM max(processed_at) - min(processed_at)), 0.001), 1)
      FROM webhook_events WHERE provider = 'gorgias' AND status = 'processed'
       AND processed_at BETWEEN to_timestamp($first) + interval '5 s' AND to_timestamp($end)")
  rate=$(awk -v n="$n" -v a="$first" -v b="$last" 'BEGIN {printf "%.1f", (b > a) ? n / (b - a) : 0}')
  # CPU per job from gateway start-up done to the row's end: the gateway JVM, and the database backends of this database
  local nup cpu
  nup=$(sql "SELECT count(*) FROM webhook_events WHERE provider = 'gorgias' AND status = 'processed'
              AND processed_at BETWEEN to_timestamp($up) AND to_timestamp($end)")
  cpu=$(for k in cpu pg; do awk 'NR == FNR {a[$1] = $2; next} {d += $2 - (($1 in a) ? a[$1] : 0)} END {print d + 0}' \
          "$OUT/$k-$name.0" "$OUT/$k-$name.1"; done | paste -sd' ')
  cpu=$(echo "$cpu" | awk -v n="$nup" -v hz="$(getconf CLK_TCK)" '{printf "%.1f/%.1f", n ? $1 * 1000 / hz / n : 0, n ? $2 * 1000 / hz / n : 0}')
  wall=$(awk -v a="$start" -v b="$last" 'BEGIN {printf "%.1f", b - a}')
  local call
  call=$(echo "$up0 $up1 $stub0 $stub1" | awk '{printf "%.0f/%.0f", ($4 > $2) ? 1000 * ($3 - $1) / ($4 - $2) : 0,
                                                       ($8 > $6) ? 1000 * ($7 - $5) / ($8 - $6) : 0}')
  echo "$name $c $ms $n $rate $steady $(awk -v r="$steady" -v c="$c" 'BEGIN {printf "%.1f", r / c}') $wall $left $(awk -v a="$x0" -v b="$x1" -v n="$n" 'BEGIN {printf "%.1f", n ? (b - a) / n : 0}') $probe $cpu $call $(load | cut -d' ' -f1)" \
    | tee -a "$OUT/drain.txt"
}
echo "== (1) draining: row concurrency upstream_ms processed jobs/s steady_jobs/s steady_per_thread wall_s left commits/job claim_ms cpu_ms/job(jvm/pg) call_ms(gateway/stub) load1"
drain_row drain-c1 1 "$UPMS" 0 500000000
drain_row drain-c$HIGH-0ms "$HIGH" 0 0 510000000
drain_row drain-c$HIGH "$HIGH" "$UPMS" 1 520000000   # keeps running: the gateway of (2) and (3), warm
STATUSES=$(sql "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM webhook_events
                WHERE provider = 'gorgias' GROUP BY status ORDER BY status) s")
echo "   gorgias events by status after the drain: $STATUSES"
echo "   paced calls (tenant's Gorgias budget spent) in the gateway logs: $(cat "$OUT"/gateway-drain*.log | grep -c 'pacing budget' || true)"

# ---------------------------------------------------------------------------------------------------------------
# (2) delivery-to-note latency on the warm c=$HIGH gateway, upstream latency $UPMS ms
latency "$UPMS"
echo "== (2) latency: name rate sent accepted notes missing p50 p95 p99 max ack_p50 ack_p99 send_lag_max (ms)"
python3 "$BENCH/note_latency.py" light "$PORT" "$SPORT" "$OUT/tenants.tsv" "$LIGHT" "$LATDUR" 200000000 "$OUT" 60 \
  | tee -a "$OUT/latency.txt"
echo "   load $(load)"
# 70 % of what this gateway drained per second (its capacity at this upstream latency), when between light and heavy
MID=$(awk -v r="$(awk -v n="drain-c$HIGH" '$1 == n {print $6}' "$OUT/drain.txt")" 'BEGIN {printf "%d", 0.7 * r}')
if [ "$MID" -gt "$LIGHT" ] && [ "$MID" -lt "$HEAVY" ]; then
  python3 "$BENCH/note_latency.py" mid "$PORT" "$SPORT" "$OUT/tenants.tsv" "$MID" "$LATDUR" 250000000 "$OUT" 90 \
    | tee -a "$OUT/latency.txt"
  echo "   load $(load)"
fi
python3 "$BENCH/note_latency.py" heavy "$PORT" "$SPORT" "$OUT/tenants.tsv" "$HEAVY" "$LATDUR" 300000000 "$OUT" 150 \
  | tee -a "$OUT/latency.txt"
echo "   load $(load)"

# ---------------------------------------------------------------------------------------------------------------
# (3) ingress with the worker idle vs busy, same gateway, interleaved. The ingress tenant's own Shopify jobs must not
# keep the worker busy in the idle rounds: it is held at its per-tenant cap by $CAP jobs marked running under a lease
# that does not expire during the run, so the claim never takes its queued jobs (LIMIT cap - running = 0).
sql "WITH t AS (SELECT id FROM tenants WHERE slug = '$ING'),
     ev AS (INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status)
            SELECT $TIME_ORDERED_ID, t.id, 'shopify', 'orders/create', 'hold-' || g, sha256('{}'::bytea), '{}'::bytea,
                   'processing' FROM t, generate_series(1, $CAP) g RETURNING id, tenant_id)
     INSERT INTO jobs (id, tenant_id, event_id, status, attempts, lease_owner, lease_expires_at)
     SELECT gen_random_uuid(), tenant_id, id, 'running', 1, 'bench-hold', now() + interval '1 day' FROM ev"
cp "$BENCH/order.json" "$OUT/body.json"
SIG=$("$BENCH/sign.py" "bench-secret-$ING" "$OUT/body.json")
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
cancel_busy() { # what is left of the backlog: its jobs deleted (as a finished job is), events skipped; then wait
  sql "WITH j AS (DELETE FROM jobs WHERE status = 'queued' AND tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'wt%')
                  RETURNING tenant_id, event_id, attempts)
       UPDATE webhook_events e SET status = 'skipped', processed_at = now(), job_attempts = j.attempts,
              job_last_error = 'bench: cancelled', job_finished_at = now() FROM j
        WHERE e.tenant_id = j.tenant_id AND e.id = j.event_id"
  for _ in $(seq 1 60); do
    [ "$(sql "SELECT count(*) FROM jobs WHERE status = 'running' AND lease_owner <> 'bench-hold'")" -eq 0 ] && return
    sleep 0.5
  done
}
ingress_round() { # name
  local name=$1 f=$OUT/$1.txt start end rps p50 p99 bad done_n left
  start=$(now)
  # mid-round: what the database sessions of this database are doing (a stuck or slow claim shows here)
  ( sleep $((DUR / 2)); psql $PG -d postgres -qAc "SELECT pid, application_name, state, wait_event_type, wait_event,
      round(extract(epoch FROM now() - query_start)::numeric, 3) AS running_s, left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
      FROM pg_stat_activity WHERE datname = '$DB' AND state <> 'idle' ORDER BY running_s DESC" > "$OUT/activity-$name.txt" 2>&1 ) &
  local probe_pid=$!
  wrk -t2 -c"$CONC" -d"${DUR}s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
    "$ING.myshopify.com" "$ING" "$name" 0 > "$f" 2>&1
  wait "$probe_pid" || true
  end=$(now)
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$f")"); p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
  bad=$(awk '/Non-2xx/ {print $5}' "$f"); bad=${bad:-0}
  done_n=$(sql "SELECT count(*) FROM webhook_events WHERE provider = 'gorgias' AND status = 'processed'
                 AND processed_at BETWEEN to_timestamp($start) AND to_timestamp($end)")
  left=$(sql "SELECT count(*) FROM jobs WHERE status = 'queued' AND tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'wt%')")
  echo "$name $CONC $rps $p50 $p99 $bad $done_n $(awk -v n="$done_n" -v d="$DUR" 'BEGIN {printf "%.0f", n / d}') $left $(load | cut -d' ' -f1)" \
    | tee -a "$OUT/ingress.txt"
}
echo "== (3) ingress warm-up ${BENCH_WARMUP:-20} s"
wrk -t2 -c"$CONC" -d"${BENCH_WARMUP:-20}s" -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$OUT/body.json" "$SIG" \
  "$ING.myshopify.com" "$ING" warm 0 >/dev/null
echo "== (3) the claim of the idle worker (nothing due but the held ingress tenant's queue), gateway running"
explain claim-idle "$CLAIM"
echo "== (3) ingress: round c req/s p50 p99 non2xx notes_in_round notes/s backlog_left_after load1"
busy_round() { # suffix r
  enqueue "$BUSY" $((400000000 + ${#1} * 10000000 + $2 * 1000000))
  # the plan the planner picks for the claim now (EXPLAIN without running it): which index serves the per-tenant step
  psql $PG -d "$DB" -qtAc "EXPLAIN $CLAIM" > "$OUT/plan-busy$1-$2.txt"
  echo "   claim plan before busy$1-$2: per-tenant step uses $(grep -A6 'WindowAgg' "$OUT/plan-busy$1-$2.txt" | grep -Eo '(using|Bitmap Index Scan on) [a-z_]+' | awk '{print $NF}' | sort -u | paste -sd' ')"
  sleep 2   # the worker is at full speed before wrk starts
  ingress_round "busy$1-$2"
  cancel_busy
}
index_usage() { # which jobs indexes the statements so far used (drain, latency, ingress rounds: every worker statement)
  sql "SELECT indexrelname || ' idx_scan=' || idx_scan || ' idx_tup_read=' || idx_tup_read FROM pg_stat_user_indexes
        WHERE relname = 'jobs' ORDER BY indexrelname" | tee "$OUT/jobs-index-usage.txt"
  sql "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename = 'jobs' ORDER BY indexname" > "$OUT/jobs-indexes.txt"
}
# what if: the per-tenant claim index the CLAIM statement was written for (migration 002 made it, 006 dropped it),
# created in the benchmark's database only and dropped again
WHATIF="CREATE INDEX jobs_tenant_claim_ix ON jobs (tenant_id, run_at) WHERE status = 'queued'"
if [ "${BENCH_WHATIF:-0}" != 0 ]; then   # the what-if index exists since changeSet 009
  # eight rounds, balanced in time for both factors (worker idle/busy, index absent/present):
  # idle busy | +index busy idle idle busy | -index busy idle
  ingress_round idle-1; busy_round "" 1
  index_usage
  echo "== (3) what if: $WHATIF"
  sql "$WHATIF"; sql "ANALYZE jobs"
  busy_round -ix 1; ingress_round idle-ix-1; ingress_round idle-ix-2; busy_round -ix 2
  sql "DROP INDEX jobs_tenant_claim_ix"
  busy_round "" 2; ingress_round idle-2
else
  # ABBA order (idle busy busy idle ...): a drift over the run (table growth, other load) weighs on both alike
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then ingress_round "idle-$r"; busy_round "" "$r"; else busy_round "" "$r"; ingress_round "idle-$r"; fi
  done
  index_usage
fi
# the stub's view of exactly once: every note it received, and how many external ids came more than once
curl -fs "127.0.0.1:$SPORT/_bench/notes" | awk -F'\t' '{n++; c[$1]++} END {for (e in c) if (c[e] > 1) d++;
  printf "notes received by the stub: %d, distinct external ids: %d, external ids received more than once: %d\n", n, length(c), d + 0}' \
  | tee "$OUT/notes-once.txt"

# ---------------------------------------------------------------------------------------------------------------
# (4) EXPLAIN on a large queue (no gateway running)
gw_stop
NEX=${BENCH_EXPLAIN_TENANTS:-1000}; NQ=${BENCH_EXPLAIN_QUEUED:-100000}; ND=${BENCH_EXPLAIN_DONE:-200000}
echo "== (4) large queue: $NQ queued and $ND done jobs over $NEX more tenants (plus the run's own rows)"
T0=$(now)
sql "UPDATE jobs SET status = 'done', lease_owner = NULL, lease_expires_at = NULL WHERE status IN ('queued', 'running')"
sql "INSERT INTO tenants (id, slug, name) SELECT gen_random_uuid(), 'ex' || lpad(g::text, 5, '0'), 'x' FROM generate_series(1, $NEX) g"
for spec in "done:processed:$ND" "queued:accepted:$NQ"; do
  IFS=: read -r js es n <<< "$spec"
  sql "WITH t AS (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS k FROM tenants WHERE slug LIKE 'ex%'),
       ev AS (INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status)
              SELECT $TIME_ORDERED_ID, t.id, 'gorgias', 'ex-$js-' || g, sha256('{}'::bytea), '{}'::bytea, '$es'
                FROM generate_series(1, $n) g JOIN t ON t.k = g % $NEX RETURNING id, tenant_id)
       INSERT INTO jobs (id, tenant_id, event_id, status, run_at)
       SELECT gen_random_uuid(), tenant_id, id, '$js', now() - random() * interval '1 hour' FROM ev"
done
sql "VACUUM ANALYZE jobs" ; sql "ANALYZE webhook_events"
echo "   loaded in $(awk -v a="$T0" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}') s; jobs by status: $(sql "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM jobs GROUP BY status ORDER BY 1) s")"
REAP="WITH expired AS (SELECT id FROM jobs WHERE status = 'running' AND lease_expires_at <= now()
  ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED) SELECT count(*) FROM expired"
STATS="SELECT (SELECT count(*) FROM jobs WHERE status = 'queued') AS queued,
  (SELECT count(*) FROM jobs WHERE status = 'running') AS running, (SELECT count(*) FROM jobs WHERE status = 'dead') AS dead,
  (SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0)::float8 FROM jobs WHERE status = 'queued' AND run_at <= now())"
read -r JT JI < <(sql "SELECT tenant_id, id FROM jobs WHERE status = 'queued' LIMIT 1" | tr '|' ' ')
COMPLETE="WITH job AS (UPDATE jobs SET status = 'done', last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,
  updated_at = now() WHERE tenant_id = '$JT' AND id = '$JI' AND status = 'running' AND lease_owner = 'bench-lease'
  RETURNING tenant_id, event_id)
  UPDATE webhook_events e SET status = 'processed', error = NULL, processed_at = now() FROM job
   WHERE e.tenant_id = job.tenant_id AND e.id = job.event_id"
explain claim "$CLAIM"
explain reap "$REAP"
explain stats "$STATS"
explain complete "$COMPLETE"
# the claim when one tenant holds most of the queue: its backlog is read and sorted whole on every claim without
# an index ordered by (tenant_id, run_at) for queued jobs
HOT=$(sql "SELECT id FROM tenants WHERE slug = 'ex00001'")
sql "WITH ev AS (INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status)
       SELECT $TIME_ORDERED_ID, '$HOT', 'gorgias', 'hot-' || g, sha256('{}'::bytea), '{}'::bytea, 'accepted'
         FROM generate_series(1, $NQ) g RETURNING id, tenant_id)
     INSERT INTO jobs (id, tenant_id, event_id, status) SELECT gen_random_uuid(), tenant_id, id, 'queued' FROM ev"
sql "ANALYZE jobs"
explain claim-hot "$CLAIM"

# the statements slower than 1 s, as auto_explain logged them (only this database's sessions load it)
if [ "$LOGPOS" -ge 0 ]; then
  tail -c +$((LOGPOS + 1)) "$PGLOG" | awk -v db="$DB" '/^[0-9]{4}-[0-9]{2}-[0-9]{2} / {p = index($0, "@" db " LOG:  duration:") && /plan:/} p' \
    > "$OUT/slow-plans.txt"
  echo "== statements over 1 s (auto_explain): $(grep -c 'duration:' "$OUT/slow-plans.txt" || true); claims among them: $(grep -A1 'duration:' "$OUT/slow-plans.txt" | grep -c 'WITH RECURSIVE queued_tenants' || true); longest $(grep -o 'duration: [0-9.]* ms' "$OUT/slow-plans.txt" | awk '{if ($2 > m) m = $2} END {printf "%.0f ms", m}')" \
    | tee "$OUT/slow.txt"
fi
echo "== load average at end: $(load)"
{
  echo "drain: row concurrency upstream_ms processed jobs/s steady_jobs/s steady_per_thread wall_s left commits/job claim_ms cpu_ms/job(jvm/pg) call_ms(gateway/stub) load1"
  cat "$OUT/drain.txt"
  echo; echo "latency: name rate sent accepted notes missing p50 p95 p99 max ack_p50 ack_p99 send_lag_max (ms)"
  cat "$OUT/latency.txt"
  echo; echo "ingress: round c req/s p50 p99 non2xx notes_in_round notes/s backlog_left_after load1"
  cat "$OUT/ingress.txt"
  for x in "" "-ix"; do
    awk -v x="$x" '$1 ~ "^idle" x "-[0-9]" {i += $3; ni++} $1 ~ "^busy" x "-[0-9]" {b += $3; nb++; w += $8}
      END {if (ni && nb) printf "%s idle mean %.0f req/s, busy mean %.0f req/s, busy/idle = %.3f (worker %.0f notes/s in busy rounds)\n",
             (x == "" ? "as is:" : "with jobs_tenant_claim_ix:"), i / ni, b / nb, (b / nb) / (i / ni), w / nb}' "$OUT/ingress.txt"
  done
  echo; cat "$OUT/notes-once.txt"
  [ -f "$OUT/slow.txt" ] && cat "$OUT/slow.txt"
  echo; echo "jobs index usage over the drain, latency and first ingress rounds (before the what-if index):"; cat "$OUT/jobs-index-usage.txt"
  echo; cat "$OUT/explain.txt"
} | tee "$OUT/summary.md"
