#!/usr/bin/env bash
# Tollgate crash recovery from outside (issue 19, target 5): a gateway process is killed with SIGKILL while its
# worker has jobs in flight, and the benchmark watches, from the Gorgias stand-in, when every ticket has its note.
#   row "peer":    gateways A and B (both with the worker on) share one database; 400 Gorgias tickets go to A's
#                  ingress; A is killed once a quarter of the notes are posted; B alone has to finish the work,
#                  including A's jobs that were running (their leases stop being renewed).
#   row "restart": gateway A alone; killed the same way and started again at once on the same port (as a pod's
#                  container is restarted in place); it has to finish its own work.
# For each row: notes posted at the kill, the time from the kill to the last note, tickets still without a note
# 15 s and 90 s after the kill, and notes posted twice (must be 0: the note ledger).
# Needs: psql and PostgreSQL on 127.0.0.1:5432 (trust, user postgres), python3.
# Settings: BENCH_TICKETS (400), BENCH_TENANTS (40), BENCH_UPSTREAM_MS (20), BENCH_ROUNDS (2: each row this many
#   times, alternating peer, restart, restart, peer, ...), BENCH_WAIT_SECONDS (180: how long after the kill to wait), BENCH_PORT (18190, A; B is +1), BENCH_STUB_PORT (18192).
# Raw outputs: bench/results/crash-<timestamp>/ (not committed).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
TICKETS=${BENCH_TICKETS:-400}
NTEN=${BENCH_TENANTS:-40}
UPMS=${BENCH_UPSTREAM_MS:-20}
ROUNDS=${BENCH_ROUNDS:-2}
WAIT=${BENCH_WAIT_SECONDS:-180}
PORT=${BENCH_PORT:-18190}
PORTB=$((PORT + 1))
SPORT=${BENCH_STUB_PORT:-18192}
DB=tollgate_crash_bench
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/crash-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
MASTER=$(openssl rand -base64 32)
mkdir -p "$OUT"
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }

echo "== machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results in $OUT"
[ -f "$ROOT/platform-api/target/platform-api.jar" ] || (cd "$ROOT" && mvn -B -q package -DskipTests)
dropdb $PG --if-exists "$DB" && createdb $PG "$DB"

BENCH_UPSTREAM_MS=$UPMS python3 "$BENCH/upstream_stub.py" "$SPORT" \
  "$ROOT/tenant-config/src/test/resources/fixtures/shopify-python-api-order.json" > "$OUT/stub.log" 2>&1 &
STUB=$!
declare -A GW=()
cleanup() {
  for p in "${GW[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true
}
trap cleanup EXIT

gw_start() { # name port, then extra VAR=value settings
  local name=$1 port=$2; shift 2
  env DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres TOLLGATE_MASTER_KEY="$MASTER" \
    TOLLGATE_ADMIN_TOKEN=$TOKEN PORT="$port" TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true "$@" \
    "$JAVA_HOME/bin/java" -jar "$ROOT/platform-api/target/platform-api.jar" >> "$OUT/gateway-$name.log" 2>&1 &
  GW[$name]=$!
}
gw_wait() { # port
  for _ in $(seq 1 240); do curl -fs "127.0.0.1:$1/observe/health" >/dev/null && return 0; sleep 0.25; done
  echo "gateway on $1 did not start" >&2; exit 1
}
gw_stop() { # name
  [ -n "${GW[$1]:-}" ] || return 0
  kill "${GW[$1]}" 2>/dev/null || true; wait "${GW[$1]}" 2>/dev/null || true; unset "GW[$1]"
}
notes() { curl -fs "127.0.0.1:$SPORT/_bench/notes?since=$1"; } # external_id<TAB>arrival, from the index given

echo "== $NTEN tenants whose Gorgias and Shopify are the stand-in (worker off)"
gw_start fill "$PORT" TOLLGATE_WORKER_ENABLED=false
gw_wait "$PORT"
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" ct "$NTEN" > "$OUT/tenants.tsv"
gw_stop fill

echo "== rows: row round tickets notes_at_kill inflight_at_kill inflight_last_note_s inflight_never kill_to_last_note_s missing_at_15s missing_at_90s notes_twice load1"
row() { # name round base
  local name=$1 round=$2 base=$3 mark killed last twice start
  mark=$(notes 0 | wc -l)
  gw_start "a-$name" "$PORT"
  [ "$name" = peer ] && gw_start "b-$name" "$PORTB"
  gw_wait "$PORT"; [ "$name" = peer ] && gw_wait "$PORTB"
  # the tickets, through A's ingress (each answered 202 only once stored); then A is killed once a quarter of the
  # notes are posted, while its worker has jobs in flight
  local accepted
  accepted=$("$BENCH/tickets.py" "$PORT" "$OUT/tenants.tsv" "$base" "$TICKETS")
  [ "$accepted" -eq "$TICKETS" ] || { echo "only $accepted of $TICKETS tickets accepted" >&2; exit 1; }
  start=$(now)
  until [ "$(notes "$mark" | wc -l)" -ge $((TICKETS / 4)) ]; do
    awk -v a="$start" -v b="$(now)" 'BEGIN {exit !(b - a > 120)}' && { echo "no notes in 120 s" >&2; exit 1; }
    sleep 0.05
  done
  # the jobs A's worker was running at the kill (a live worker renews these leases every few seconds)
  psql $PG -d "$DB" -qtAc "SELECT 'tollgate:' || event_id FROM jobs WHERE status = 'running'" > "$OUT/inflight-$name-$round.txt"
  kill -9 "${GW[a-$name]}"; killed=$(now); wait "${GW[a-$name]}" 2>/dev/null || true; unset "GW[a-$name]"
  local at_kill
  at_kill=$(notes "$mark" | awk -F'\t' -v k="$killed" '$2 <= k' | wc -l)
  [ "$name" = restart ] && gw_start "a-$name" "$PORT"
  # until every ticket has its note, or $WAIT s
  while [ "$(notes "$mark" | cut -f1 | sort -u | wc -l)" -lt "$TICKETS" ] \
        && awk -v a="$killed" -v b="$(now)" -v w="$WAIT" 'BEGIN {exit !(b - a < w)}'; do
    sleep 0.2
  done
  notes "$mark" > "$OUT/notes-$name-$round.txt"
  local f=$OUT/notes-$name-$round.txt inflight=$OUT/inflight-$name-$round.txt
  missing() { awk -F'\t' -v k="$killed" -v t="$1" -v n="$TICKETS" '$2 <= k + t {s[$1] = 1} END {print n - length(s)}' "$f"; }
  last=$(awk -F'\t' -v k="$killed" '{ if ($2 > m) m = $2 } END {printf "%.1f", m - k}' "$f")
  # in flight at the kill: how many, the last of their notes (seconds after the kill), how many never got one
  local inf taken lost
  inf=$(grep -c . "$inflight" || true)
  taken=$(awk -F'\t' -v k="$killed" 'NR == FNR {want[$1] = 1; next} ($1 in want) { if ($2 - k > m) m = $2 - k; got[$1] = 1 }
          END {printf "%.1f", m}' "$inflight" "$f")
  lost=$(awk -F'\t' 'NR == FNR {want[$1] = 1; next} ($1 in want) {got[$1] = 1} END {print length(want) - length(got)}' "$inflight" "$f")
  twice=$(cut -f1 "$f" | sort | uniq -d | wc -l)
  echo "$name $round $TICKETS $at_kill $inf $taken $lost $last $(missing 15) $(missing 90) $twice $(load)" | tee -a "$OUT/rows.txt"
  gw_stop "a-$name"; gw_stop "b-$name"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    row peer "$r" $((r * 100000000)); row restart "$r" $((r * 100000000 + 50000000))
  else
    row restart "$r" $((r * 100000000 + 50000000)); row peer "$r" $((r * 100000000))
  fi
done
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
