#!/usr/bin/env bash
# Tollgate claim benchmark (issue 19, target 3): how long the worker's claim takes with a large queue.
#   1. A fresh database (BENCH_DB, i19jp_claim) migrated by the gateway jar (started once with the worker off).
#   2. BENCH_TENANTS (1,000) tenants, BENCH_QUEUED (100,000) due Gorgias jobs spread over them, and BENCH_FINISHED
#      (1,000,000) finished events (processed, their jobs deleted as the worker deletes them: what is kept of a job is
#      on its event). Rows are written in bulk SQL with the columns ingest and the worker write.
#   3. bench/ClaimBench.java times BENCH_CLAIMS (300) claims of the worker's own JobQueue.claim (8 jobs, cap 4), each
#      given back at once, in four states of the queue, one row each:
#        base      the load above;
#        hot       plus one tenant with BENCH_QUEUED more queued jobs (older than everyone else's);
#        held      plus that hot tenant held at its cap (4 running jobs under a long lease), as bench/worker.sh holds
#                  its ingress tenant: its 100,000 oldest jobs can never be claimed;
#        done-rows plus BENCH_FINISHED done rows left in jobs (the layout before changeSet 020, where a finished job
#                  kept its row): the claim reads partial indexes of queued and running jobs only.
# Needs: psql, PostgreSQL on 127.0.0.1:5432 (trust, user postgres), the gateway jar (built if missing).
# One command per row: bench/claim.sh prints all four; results in bench/results/claim-<time>/.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
NT=${BENCH_TENANTS:-1000}
NQ=${BENCH_QUEUED:-100000}
NF=${BENCH_FINISHED:-1000000}
CLAIMS=${BENCH_CLAIMS:-300}
PORT=${BENCH_PORT:-18095}
DB=${BENCH_DB:-i19jp_claim}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/claim-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
sql() { psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtAc "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) cores, load average at start: $(load); results in $OUT" | tee "$OUT/summary.txt"
[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -B -q package -DskipTests -pl platform-api -am)
dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
env DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" \
  TOLLGATE_ADMIN_TOKEN=bench-admin-token-0123456789abcdef PORT=$PORT TOLLGATE_HOST=127.0.0.1 TOLLGATE_WORKER_ENABLED=false \
  "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" > "$OUT/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null && break; sleep 0.5; done
kill "$GW"; wait "$GW" 2>/dev/null || true
T0=$(date +%s)
sql "INSERT INTO tenants (id, slug, name) SELECT gen_random_uuid(), 'cb' || lpad(g::text, 5, '0'), 'x' FROM generate_series(1, $NT) g"
events() { # count status job-status key-prefix age [tenant-filter]: events (and, unless job-status is -, their jobs)
  local jobs="SELECT 1"
  [ "$2" != - ] && jobs="INSERT INTO jobs (id, tenant_id, event_id, status, run_at) SELECT gen_random_uuid(), tenant_id, id, '$2', run_at FROM ev"
  sql "WITH t AS (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS k FROM tenants WHERE slug LIKE 'cb%' $5),
       n AS (SELECT count(*) AS n FROM t),
       ev AS (INSERT INTO webhook_events (id, tenant_id, provider, delivery_key, payload_sha256, body, status, received_at
                                          $( [ "$1" = processed ] && echo ", processed_at, job_attempts, job_finished_at"))
              SELECT gen_random_uuid(), t.id, 'gorgias', '$3-' || g, sha256('{}'::bytea), '{}'::bytea, '$1', now() - $4 * random()
                     $( [ "$1" = processed ] && echo ", now(), 1, now()")
                FROM generate_series(1, $6) g JOIN t ON t.k = g % (SELECT n FROM n)
              RETURNING id, tenant_id, received_at AS run_at)
       $jobs"
}
events processed - fin "interval '1 day'" "" "$NF"
events accepted queued q "interval '1 hour'" "" "$NQ"
sql "VACUUM ANALYZE jobs"; sql "VACUUM ANALYZE webhook_events"
echo "   loaded in $(( $(date +%s) - T0 )) s: jobs $(sql "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM jobs GROUP BY 1 ORDER BY 1) s"), events $(sql "SELECT count(*) FROM webhook_events")" | tee -a "$OUT/summary.txt"
# the claim's first statement, before (468aa1c: the fair pick over every tenant with queued jobs, cap 4, max 8) and
# now (the walk of 32 tenants), as EXPLAIN ANALYZE in the database, in alternating pairs (each rolled back)
python3 - "$ROOT" > "$OUT/first-step.sql" <<'PYEOF'
import re, subprocess, sys, textwrap
root = sys.argv[1]
old = subprocess.run(["git", "-C", root, "show", "468aa1c:platform-api/src/main/java/io/tollgate/api/events/JobQueue.java"],
                     capture_output=True, text=True, check=True).stdout
new = open(root + "/platform-api/src/main/java/io/tollgate/api/events/JobQueue.java").read()
grab = lambda src, name: textwrap.dedent(re.search(r'String %s = """\n(.*?)"""' % name, src, re.S).group(1))
cand = grab(old, "CANDIDATES").replace("%1$s", "'queued'").replace("%2$s", "'running'")
lock = grab(old, "LOCK_TENANTS").replace("%1$s", "'queued'").replace("%2$s", cand).replace("%3$d", "1785688691").split("?")
walk = grab(new, "WALK").replace("%1$s", "'queued'").replace("%2$s", "'running'").split("?")
lo, hi = "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"
print(lock[0] + "4" + lock[1] + "8" + lock[2])
print("@@")
print(walk[0] + "".join(v + p for v, p in zip(["4", lo, hi, "4", hi, "32"], walk[1:])))
PYEOF
first_step() { # label: 5 alternating pairs; median execution time of each
  local before now
  for i in 1 2 3 4 5; do
    for k in 1 2; do
      awk -v k=$k 'BEGIN {RS = "@@"} NR == k' "$OUT/first-step.sql" > "$OUT/first-$k.sql"
      psql $PG -d "$DB" -qtA -c "BEGIN" -c "EXPLAIN (ANALYZE) $(cat "$OUT/first-$k.sql")" -c "ROLLBACK" \
        | awk -v k=$k '/Execution Time/ {print k, $3}'
    done
  done > "$OUT/first-$1.txt"
  before=$(awk '$1 == 1 {print $2}' "$OUT/first-$1.txt" | sort -n | sed -n 3p)
  now=$(awk '$1 == 2 {print $2}' "$OUT/first-$1.txt" | sort -n | sed -n 3p)
  echo "$1 first statement, median of 5 alternating pairs: before (fair pick over every tenant) $before ms, now (walk of 32 tenants) $now ms" | tee -a "$OUT/summary.txt"
}
bench() {
  "$JAVA_HOME/bin/java" -cp "$ROOT/platform-api/target/platform-api.jar:$ROOT/platform-api/target/libs/*" \
    "$BENCH/ClaimBench.java" "jdbc:postgresql://127.0.0.1:5432/$DB" "$1" "$CLAIMS" 2>/dev/null | sed "s/\$/ load $(load | cut -d' ' -f1)/" | tee -a "$OUT/summary.txt"
  first_step "$1"
}
bench base
# the hot tenant: as many more queued jobs, all older than everyone else's
sql "UPDATE tenants SET slug = 'cbhot' WHERE slug = 'cb00001'"
events accepted queued hot "interval '1 hour' + interval '1 day'" "AND slug = 'cbhot'" "$NQ"
sql "UPDATE jobs SET run_at = run_at - interval '1 day' WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'cbhot')"
sql "ANALYZE jobs"
bench hot
# the hot tenant held at its cap: 4 of its jobs running under a lease that outlives the run
sql "UPDATE jobs SET status = 'running', attempts = 1, lease_owner = 'bench-hold', lease_expires_at = now() + interval '1 day'
      WHERE id IN (SELECT id FROM jobs WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'cbhot') AND status = 'queued' LIMIT 4)"
sql "ANALYZE jobs"
bench held
# the layout before changeSet 020: finished jobs kept their rows (done)
sql "INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at)
     SELECT gen_random_uuid(), tenant_id, id, 'done', 1, received_at FROM webhook_events WHERE status = 'processed'"
sql "VACUUM ANALYZE jobs"
bench done-rows
echo "== jobs by status at the end: $(sql "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM jobs GROUP BY 1 ORDER BY 1) s"); load average at end: $(load)" | tee -a "$OUT/summary.txt"
