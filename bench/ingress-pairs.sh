#!/usr/bin/env bash
# Ingress against the database's own limit (issue 19, targets 1 and 7), in alternating pairs within one run:
#   bench/ingress-pairs.sh off     worker off
#   bench/ingress-pairs.sh on      worker on (its jobs go to bench/upstream_stub.py)
# For each concurrency in $BENCH_CONCURRENCY (4 16 64) and each of $BENCH_PAIRS (3) pairs: pgbench running the
# minimal transaction of one accepted delivery (the event with the same body and its job, prepared, autocommit), and
# the gateway receiving unique signed deliveries of the same body, the order alternating (pair 1: pgbench first,
# pair 2: gateway first, ...); then duplicates of one delivery against unique ones, alternating the same way. Each row
# also records the CPU it cost: the JVM's (/proc/PID/stat utime+stime) and that of the PostgreSQL backends of the
# benchmark's database (bench/pg_cpu.py, from /proc every 0.2 s, so pgbench's short-lived backends count too), divided by the
# 2xx answers (gateway) or transactions (pgbench); and the gateway's resident memory (VmRSS at the row's end, VmHWM
# = peak since start). The gateway runs with the image's JVM flags (platform-api/pom.xml image.jvm.flags, the pod's
# 384Mi given as -XX:MaxRAM=384m, MALLOC_ARENA_MAX=2). Medians of the pairs and their ratios go to summary.md.
# Settings: BENCH_SECONDS (10 per row), BENCH_CONCURRENCY ("4 16 64"), BENCH_PAIRS (3), BENCH_WARMUP (60),
#   BENCH_PORT (18180), BENCH_STUB_PORT (18181), BENCH_JFR (empty; a file name: the gateway records a JFR profile of the
#   whole run there), BENCH_JAVA_FLAGS (extra JVM flags), BENCH_JAR (platform-api/target/platform-api.jar). Needs wrk, pgbench, psql, PostgreSQL at 127.0.0.1:5432.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
MODE=${1:-off}
case $MODE in off) WORKER=false ;; on) WORKER=true ;; *) echo "usage: $0 off|on" >&2; exit 2 ;; esac
DUR=${BENCH_SECONDS:-10}
CONC=${BENCH_CONCURRENCY:-"4 16 64"}
PAIRS=${BENCH_PAIRS:-3}
PORT=${BENCH_PORT:-18180}
SPORT=${BENCH_STUB_PORT:-18181}
DB=${BENCH_DB:-i19_ingress_bench}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/pairs-$MODE-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
HZ=$(getconf CLK_TCK)
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing (postgresql-client)" >&2; exit 1; }
sql() { psql $PG -d "$DB" -v ON_ERROR_STOP=1 -qtAc "$1"; }
JAR=${BENCH_JAR:-$ROOT/platform-api/target/platform-api.jar}
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q package -DskipTests)
FLAGS=$(sed -n 's:.*<image.jvm.flags>\(.*\)</image.jvm.flags>.*:\1:p' "$ROOT/platform-api/pom.xml")
echo "== machine: $(nproc) cores; mode: worker $MODE; JVM flags: -XX:MaxRAM=384m $FLAGS ${BENCH_JAVA_FLAGS:-}"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"

dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
cp "$BENCH/order.json" "$OUT/body.json"
BODY=$OUT/body.json

STUB=
GW=
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && { kill "$SAMPLER" 2>/dev/null || true; }
  [ -n "$GW" ] && { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null || true; }
  [ -n "$STUB" ] && { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true; }
}
trap cleanup EXIT
python3 "$BENCH/upstream_stub.py" "$SPORT" \
  "$ROOT/tenant-config/src/test/resources/fixtures/shopify-python-api-order.json" > "$OUT/stub.log" 2>&1 &
STUB=$!
JFR=()
[ -n "${BENCH_JFR:-}" ] && JFR=("-XX:StartFlightRecording=filename=${BENCH_JFR},settings=profile,dumponexit=true")
# shellcheck disable=SC2086
env MALLOC_ARENA_MAX=2 DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres \
  TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 \
  TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true TOLLGATE_WORKER_ENABLED=$WORKER \
  "$JAVA_HOME/bin/java" -XX:MaxRAM=384m $FLAGS ${BENCH_JAVA_FLAGS:-} "${JFR[@]}" \
  -jar "$JAR" > "$OUT/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null && break; sleep 0.5; done
curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null || { echo "gateway did not start" >&2; tail "$OUT/gateway.log"; exit 1; }

LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
"$BENCH/worker_tenants.py" "$PORT" "$TOKEN" "$LIMITS" "http://127.0.0.1:$SPORT" bench-ing- 1 > "$OUT/tenant.tsv"
ING=bench-ing-00000
SIG=$("$BENCH/sign.py" "bench-secret-$ING" "$BODY")
TID=$(sql "SELECT id FROM tenants WHERE slug = '$ING'")

# the minimal transaction of one accepted delivery: its key, its event (same body, same kept headers) and its job
. "$BENCH/ingest_tx.sh"
ingest_sql "$OUT/ingest.sql" "$TID" "$ING" p "$BODY"

# CPU ticks of the database's backends (bench/pg_cpu.py: every 0.2 s, backends that exit keep their last sample)
echo 0 > "$OUT/pgticks"
python3 "$BENCH/pg_cpu.py" "$DB" "$OUT/pgticks" & SAMPLER=$!
pg_total() { sleep 0.3; cat "$OUT/pgticks"; }
jvm_ticks() { awk '{print $14 + $15}' "/proc/$GW/stat"; }
# per thread, by name (numbers dropped: "C2 CompilerThread0" and "...1" add up): "name<TAB>ticks" lines
threads() {
  for t in /proc/$GW/task/*; do
    printf '%s\t%s\n' "$(tr -d '0-9' < "$t/comm" 2>/dev/null)" "$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done | awk -F'\t' '$2 != "" {s[$1] += $2} END {for (k in s) print k "\t" s[k]}' | sort
}
# where the JVM's CPU went in a row: ticks per thread group, as µs per 2xx answer
thread_split() { # before-file after-file ok-count out-file
  join -t$'\t' -a2 -e0 -o 0,1.2,2.2 "$1" "$2" | awk -F'\t' -v n="$3" -v hz="$HZ" '
    {d = $3 - $2; if (d > 0) printf "%8.1f µs  %s\n", d * 1e6 / hz / n, $1}' | sort -rn > "$4"
}
mem() { awk '/^VmRSS/ {r = int($2 / 1024)} /^VmHWM/ {h = int($2 / 1024)} END {printf "%s %s", r, h}' "/proc/$GW/status"; }

rowfile=$OUT/rows.txt
# a row: name c pair rate ok_count jvm_us_per_ok pg_us_per_ok rss_mb hwm_mb p50 p99 non2xx load1 [jit_us_per_ok]
record() { echo "$*" | tee -a "$rowfile"; }
us_per() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN {printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0)}'; }
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

pgbench_row() { # c pair
  local c=$1 pair=$2 f=$OUT/pgbench-c$1-p$2.txt j0 j1 p0 p1 tps n
  j0=$(jvm_ticks); p0=$(pg_total)
  pgbench $PG -n -M prepared -c "$c" -j 2 -T "$DUR" -f "$OUT/ingest.sql" "$DB" > "$f" 2>&1
  j1=$(jvm_ticks); p1=$(pg_total)
  tps=$(awk '/^tps/ {printf "%.0f", $3; exit}' "$f")
  n=$(awk '/number of transactions actually processed/ {print $NF; exit}' "$f" | cut -d/ -f1)
  record "pgbench $c $pair $tps $n $(us_per $((j1 - j0)) "$n") $(us_per $((p1 - p0)) "$n") $(mem) - - 0 $(cut -d' ' -f1 /proc/loadavg)"
}
gateway_row() { # name script c pair args...
  local name=$1 script=$2 c=$3 pair=$4 f j0 j1 p0 p1 rps n bad p50 p99 jit; shift 4
  f=$OUT/$name-c$c-p$pair.txt
  threads > "$OUT/threads.0"
  j0=$(jvm_ticks); p0=$(pg_total)
  wrk -t2 -c"$c" -d"${DUR}s" --latency -s "$BENCH/$script" "http://127.0.0.1:$PORT" -- "$@" > "$f" 2>&1
  j1=$(jvm_ticks); p1=$(pg_total)
  threads > "$OUT/threads.1"
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
  n=$(awk '/requests in/ {print $1; exit}' "$f")
  bad=$(awk '/Non-2xx/ {print $5}' "$f"); bad=${bad:-0}
  n=$((n - bad))
  thread_split "$OUT/threads.0" "$OUT/threads.1" "$n" "$OUT/threads-$name-c$c-p$pair.txt"
  jit=$(awk '/CompilerThre/ {s += $1} END {printf "%.0f", s}' "$OUT/threads-$name-c$c-p$pair.txt")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$f")"); p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
  record "$name $c $pair $rps $n $(us_per $((j1 - j0)) "$n") $(us_per $((p1 - p0)) "$n") $(mem) $p50 $p99 $bad $(cut -d' ' -f1 /proc/loadavg) $jit"
}
RUN=$(date +%s)
unique() { gateway_row unique unique.lua "$1" "$2" "$BODY" "$SIG" "$ING.myshopify.com" "$ING" "u$RUN-$1-$2" 0; }
duplicate() { gateway_row duplicate duplicate.lua "$1" "$2" "$BODY" "$SIG" "$ING.myshopify.com" "$ING" "d$RUN-$1-$2"; }

echo "== warm-up ${BENCH_WARMUP:-60} s (JIT): unique, duplicates, pgbench"
wrk -t2 -c16 -d"${BENCH_WARMUP:-60}s" -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$SIG" \
  "$ING.myshopify.com" "$ING" "w$RUN" 0 > /dev/null
wrk -t2 -c16 -d5s -s "$BENCH/duplicate.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$SIG" "$ING.myshopify.com" "$ING" \
  "w$RUN" > /dev/null
wrk -t2 -c64 -d10s -s "$BENCH/unique.lua" "http://127.0.0.1:$PORT" -- "$BODY" "$SIG" "$ING.myshopify.com" "$ING" \
  "w64$RUN" 0 > /dev/null
pgbench $PG -n -M prepared -c 16 -j 2 -T 5 -f "$OUT/ingest.sql" "$DB" > /dev/null 2>&1
echo "== rows: name c pair rate ok jvm_us/ok pg_us/ok rss_mb hwm_mb p50_ms p99_ms non2xx load1 jit_us/ok"
for c in $CONC; do
  for pair in $(seq 1 "$PAIRS"); do
    if [ $((pair % 2)) -eq 1 ]; then pgbench_row "$c" "$pair"; unique "$c" "$pair"; duplicate "$c" "$pair"
    else duplicate "$c" "$pair"; unique "$c" "$pair"; pgbench_row "$c" "$pair"; fi
  done
done

python3 - "$rowfile" "$MODE" > "$OUT/summary.md" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = lambda xs: statistics.median(xs) if xs else float("nan")
print(f"worker {sys.argv[2]}: medians of the pairs")
print()
print("| c | pgbench tx/s | gateway unique req/s | ratio | duplicates req/s | dup/unique | JVM µs/accepted (of it JIT) | PG µs/accepted (gateway) | PG µs/tx (pgbench) | JVM µs/duplicate | peak RSS MiB | load1 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for c in sorted({int(r[1]) for r in rows}):
    g = lambda name, i: [float(r[i]) for r in rows if r[0] == name and int(r[1]) == c]
    pgb, uni, dup = g("pgbench", 3), g("unique", 3), g("duplicate", 3)
    ratio = med([u / p for u, p in zip(uni, pgb)])
    dratio = med([d / u for d, u in zip(dup, uni)])
    hwm = max(g("unique", 8) + g("duplicate", 8) + g("pgbench", 8))
    print(f"| {c} | {med(pgb):.0f} | {med(uni):.0f} | **{ratio:.2f}** | {med(dup):.0f} | **{dratio:.2f}** | "
          f"{med(g('unique', 5)):.0f} ({med(g('unique', 13)):.0f}) | {med(g('unique', 6)):.0f} | {med(g('pgbench', 6)):.0f} | "
          f"{med(g('duplicate', 5)):.0f} | {hwm:.0f} | {med(g('unique', 12)):.2f} |")
EOF
cat "$OUT/summary.md"
