#!/usr/bin/env bash
# CPU per accepted delivery of two builds in one run, alternating (issue 19, target 1):
#   bench/ingress-cpu.sh JAR_A JAR_B        (each jar with its libs/ next to it; the same jar twice is an A/A check)
# Two gateways run side by side, worker off, each on its own database, with the image's JVM flags
# (platform-api/pom.xml image.jvm.flags, the pod's 384Mi as -XX:MaxRAM=384m, MALLOC_ARENA_MAX=2), as
# bench/ingress-pairs.sh runs one. Each gets one tenant through its admin API and a JIT warm-up of $BENCH_WARMUP s of
# unique deliveries (A, then B, the other idle). Then $BENCH_PAIRS pairs of rows, the order alternating (A B, B A,
# A B, ...): a row is $BENCH_SECONDS s of unique signed Shopify deliveries (bench/unique.lua, the 7.6 KB
# bench/order.json, a fresh X-Shopify-Event-Id each) at $BENCH_CONCURRENCY connections against one gateway; the other
# idles meanwhile.
# Per row: req/s, p50/p99, the 2xx answers, the gateway JVM's CPU per accepted delivery (/proc/PID/stat utime+stime)
# and per thread group (/proc/PID/task/*, named by jcmd Thread.print: the carriers ForkJoinPool-1-worker-N, the
# group-commit writers tollgate-event-writer-N, the JIT's compiler threads, the VM thread, where the serial GC runs,
# and the rest), the database's backends' CPU per accepted delivery (bench/pg_cpu.py), the gateway's resident set
# (VmRSS at the row's end, VmHWM = peak since start), the idle gateway's CPU, and the 1-minute load average at the row's
# start and end.
# Settings: BENCH_SECONDS (15), BENCH_PAIRS (3), BENCH_WARMUP (60), BENCH_CONCURRENCY (16), BENCH_NAMES ("a b"),
#   BENCH_PORT (18480; B gets +1), BENCH_DB (i19_ingress_cpu; _a and _b), BENCH_JFR (empty; a directory: after the
#   warm-up each gateway records a JFR profile, settings=profile, to <name>.jfr until the end; read them with
#   bench/jfr_summary.py), BENCH_JAVA_FLAGS (extra JVM flags for both).
# Needs wrk, psql and PostgreSQL at 127.0.0.1:5432, python3, jcmd. Raw outputs and summary.md in
# bench/results/ingress-cpu-<timestamp>/ (not committed).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
[ $# -eq 2 ] || { echo "usage: $0 JAR_A JAR_B" >&2; exit 2; }
JARS=("$1" "$2")
read -r -a NAMES <<< "${BENCH_NAMES:-a b}"
DUR=${BENCH_SECONDS:-15}
PAIRS=${BENCH_PAIRS:-3}
WARM=${BENCH_WARMUP:-60}
C=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-18480}
DBBASE=${BENCH_DB:-i19_ingress_cpu}
PG="-h 127.0.0.1 -p 5432 -U postgres"
OUT=$ROOT/bench/results/ingress-cpu-$(date -u +%Y%m%dT%H%M%SZ)
TOKEN=bench-admin-token-0123456789abcdef
HZ=$(getconf CLK_TCK)
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
for j in "${JARS[@]}"; do [ -f "$j" ] || { echo "no jar $j" >&2; exit 2; }; done
read -r -a FLAGS <<< "-XX:MaxRAM=384m $(sed -n 's:.*<image.jvm.flags>\(.*\)</image.jvm.flags>.*:\1:p' "$ROOT/platform-api/pom.xml")"
read -r -a EXTRA <<< "${BENCH_JAVA_FLAGS:-}"
load() { cut -d' ' -f1 /proc/loadavg; }
echo "== machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
echo "== A=${NAMES[0]}: ${JARS[0]}"
echo "== B=${NAMES[1]}: ${JARS[1]}"
echo "== JVM flags: ${FLAGS[*]} ${EXTRA[*]}; worker off; c=$C; $DUR s a row"

GW=("" "")
SAMPLERS=()
cleanup() {
  for s in "${SAMPLERS[@]}"; do kill "$s" 2>/dev/null || true; done
  for g in "${GW[@]}"; do [ -n "$g" ] && { kill "$g" 2>/dev/null; wait "$g" 2>/dev/null || true; }; done
}
trap cleanup EXIT

db() { echo "${DBBASE}_$1"; }   # a or b
sql() { psql $PG -d "$(db "$1")" -v ON_ERROR_STOP=1 -qtAc "$2"; }
cp "$BENCH/order.json" "$OUT/body.json"
BODY=$OUT/body.json

LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'
for i in 0 1; do
  x=$([ $i -eq 0 ] && echo a || echo b)
  dropdb $PG --if-exists "$(db $x)" && createdb $PG "$(db $x)"
  echo 0 > "$OUT/pgticks-$x"
  python3 "$BENCH/pg_cpu.py" "$(db $x)" "$OUT/pgticks-$x" & SAMPLERS+=($!)
  env MALLOC_ARENA_MAX=2 DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$(db $x)" DATABASE_USER=postgres \
    TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$((PORT + i)) \
    TOLLGATE_HOST=127.0.0.1 TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true TOLLGATE_WORKER_ENABLED=false \
    "$JAVA_HOME/bin/java" "${FLAGS[@]}" "${EXTRA[@]}" -jar "${JARS[$i]}" > "$OUT/gateway-${NAMES[$i]}.log" 2>&1 &
  GW[$i]=$!
done
ING=bench-ing-00000
SIG=$("$BENCH/sign.py" "bench-secret-$ING" "$BODY")
for i in 0 1; do
  for _ in $(seq 1 240); do curl -fs "127.0.0.1:$((PORT + i))/observe/health" >/dev/null && break; sleep 0.5; done
  curl -fs "127.0.0.1:$((PORT + i))/observe/health" >/dev/null \
    || { echo "gateway ${NAMES[$i]} did not start" >&2; tail "$OUT/gateway-${NAMES[$i]}.log" >&2; exit 1; }
  # the tenant's upstreams are never called (worker off): any address will do
  "$BENCH/worker_tenants.py" "$((PORT + i))" "$TOKEN" "$LIMITS" "http://127.0.0.1:9" bench-ing- 1 > "$OUT/tenant-$i.tsv"
done

. "$BENCH/jvm_cpu.sh" # ticks, sys_ticks, threads, pg_total
# the JVM's own names of its threads ("tid<TAB>group"), from jcmd Thread.print (/proc's names are cut at 15
# characters), by each thread's nid (the OS thread id; the JVM's own threads, e.g. the VM thread where the serial GC
# runs, have no [tid]); taken after a row's last sample, so its own cost falls in no row
thread_names() {
  "$JAVA_HOME/bin/jcmd" "$1" Thread.print 2>/dev/null | sed -n 's/^"\(.*\)" .* nid=\([0-9a-fx]*\) .*/\2\t\1/p' \
    | awk -F'\t' '{n = $2; id = $1; if (id ~ /^0x/) id = strtonum(id)
        if (n ~ /^ForkJoinPool-[0-9]+-worker-/) g = "carriers"
        else if (n ~ /^tollgate-event-writer-[0-9]/) g = "writer"
        else if (n ~ /CompilerThread/) g = "JIT"
        else if (n == "VM Thread") g = "GC (VM thread)"
        else { g = n; gsub(/[0-9]+/, "", g) }
        print id "\t" g}' | sort
}
mem() { awk '/^VmRSS/ {r = int($2 / 1024)} /^VmHWM/ {h = int($2 / 1024)} END {printf "%s %s", r, h}' "/proc/$1/status"; }
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

RUN=$(date +%s)
wrk_unique() { # port seconds run-id out
  wrk -t2 -c"$C" -d"$2s" --latency -s "$BENCH/unique.lua" "http://127.0.0.1:$1" -- "$BODY" "$SIG" \
    "$ING.myshopify.com" "$ING" "$3" 0 > "$4" 2>&1
}

echo "== warm-up: $WARM s of unique deliveries on each"
for i in 0 1; do wrk_unique $((PORT + i)) "$WARM" "w$RUN-$i" "$OUT/warmup-${NAMES[$i]}.txt"; done
if [ -n "${BENCH_JFR:-}" ]; then
  mkdir -p "$BENCH_JFR"
  for i in 0 1; do
    "$JAVA_HOME/bin/jcmd" "${GW[$i]}" JFR.start name=bench settings=profile "filename=$BENCH_JFR/${NAMES[$i]}.jfr" >/dev/null
  done
fi

row() { # i (0 = A, 1 = B) label
  local i=$1 label=$2 x gw other f p0 p1 g0 g1 o0 o1 k0 k1 l0 l1 n bad rps p50 p99
  x=$([ "$i" -eq 0 ] && echo a || echo b); gw=${GW[$i]}; other=${GW[$((1 - i))]}
  f=$OUT/wrk-$label.txt
  p0=$(pg_total "$x"); l0=$(load)
  threads "$gw" > "$OUT/threads-$label.0"
  g0=$(ticks "$gw"); o0=$(ticks "$other"); k0=$(sys_ticks "$gw")
  wrk_unique $((PORT + i)) "$DUR" "$label-$RUN" "$f"
  g1=$(ticks "$gw"); o1=$(ticks "$other"); k1=$(sys_ticks "$gw")
  threads "$gw" > "$OUT/threads-$label.1"
  p1=$(pg_total "$x"); l1=$(load)
  thread_names "$gw" > "$OUT/names-$label"
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
  n=$(awk '/requests in/ {print $1; exit}' "$f")
  bad=$(awk '/Non-2xx/ {print $5}' "$f"); bad=${bad:-0}
  n=$((n - bad))
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$f")"); p99=$(ms "$(awk '$1 == "99%" {print $2}' "$f")")
  join -t$'\t' -a2 -e0 -o 0,1.2,2.2 "$OUT/threads-$label.0" "$OUT/threads-$label.1" \
    | join -t$'\t' -a1 -e '(gone)' -o 1.1,1.2,1.3,2.2 - "$OUT/names-$label" \
    | awk -F'\t' -v n="$n" -v hz="$HZ" '{d = $3 - $2; if (d > 0) s[$4] += d} END {for (k in s) printf "%s\t%.1f\n", k, s[k] * 1e6 / hz / n}' \
    | sort -t$'\t' -k2 -rn > "$OUT/threads-$label.txt"
  # row: label build rps ok jvm_us pg_us rss hwm p50 p99 non2xx load_start load_end idle_other_ms_per_s jvm_sys_us
  echo "$label ${NAMES[$i]} $rps $n $(awk -v g=$((g1 - g0)) -v p=$((p1 - p0)) -v n="$n" -v hz="$HZ" \
      'BEGIN {printf "%.0f %.0f", g * 1e6 / hz / n, p * 1e6 / hz / n}') $(mem "$gw") $p50 $p99 $bad $l0 $l1 \
$(awk -v o=$((o1 - o0)) -v d="$DUR" -v hz="$HZ" 'BEGIN {printf "%.0f", o * 1e3 / hz / d}') \
$(awk -v k=$((k1 - k0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.0f", k * 1e6 / hz / n}')" | tee -a "$OUT/rows.txt"
}

echo "== rows: row build req/s ok jvm_us/ok pg_us/ok rss_mb hwm_mb p50_ms p99_ms non2xx load1_start load1_end idle_other_ms/s jvm_sys_us/ok"
for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then row 0 "p$pair-${NAMES[0]}"; row 1 "p$pair-${NAMES[1]}"
  else row 1 "p$pair-${NAMES[1]}"; row 0 "p$pair-${NAMES[0]}"; fi
done
if [ -n "${BENCH_JFR:-}" ]; then
  for i in 0 1; do "$JAVA_HOME/bin/jcmd" "${GW[$i]}" JFR.stop name=bench >/dev/null; done
  echo "== JFR recordings in $BENCH_JFR"
fi
echo "== stored events (a / b): $(psql $PG -d "$(db a)" -qtAc "SELECT count(*) FROM webhook_events" 2>&1) / $(psql $PG -d "$(db b)" -qtAc "SELECT count(*) FROM webhook_events" 2>&1)"

python3 - "$OUT" "${NAMES[@]}" > "$OUT/summary.md" <<'EOF'
import collections, statistics, sys, os
out, names = sys.argv[1], sys.argv[2:]
rows = [l.split() for l in open(os.path.join(out, "rows.txt")) if l.strip()]
print("| build | rows | req/s | JVM µs/accepted | of it in the kernel | PostgreSQL µs/accepted | peak RSS MiB | p50 / p99 ms | non-2xx | load1 |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name in names:
    mine = [r for r in rows if r[1] == name]
    med = lambda k: statistics.median(float(r[k]) for r in mine)
    print(f"| {name} | {len(mine)} | {' / '.join(r[2] for r in mine)} (median {med(2):.0f}) | "
          f"{' / '.join(r[4] for r in mine)} (median {med(4):.0f}) | {' / '.join(r[14] for r in mine)} | {' / '.join(r[5] for r in mine)} (median {med(5):.0f}) | "
          f"{max(int(r[7]) for r in mine)} | {' / '.join(r[8] + ' / ' + r[9] for r in mine)} | "
          f"{sum(int(r[10]) for r in mine)} | {' / '.join(r[11] + '–' + r[12] for r in mine)} |")
print()
pairs = collections.defaultdict(dict)
for r in rows:
    pairs[r[0].split("-")[0]][r[1]] = r
ratios = [float(p[names[1]][4]) / float(p[names[0]][4]) for p in pairs.values() if len(p) == 2]
if ratios:
    print(f"JVM µs per accepted, {names[1]} / {names[0]} per pair: {' / '.join(f'{x:.2f}' for x in ratios)} "
          f"(median {statistics.median(ratios):.2f})")
    print()
print("JVM µs per accepted delivery by thread group (median of the rows):")
print()
groups = collections.defaultdict(lambda: collections.defaultdict(list))
for r in rows:
    for line in open(os.path.join(out, f"threads-{r[0]}.txt")):
        g, us = line.rstrip("\n").split("\t")
        groups[g][r[1]].append(float(us))
print("| thread group | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
order = sorted(groups, key=lambda g: -sum(sum(v) for v in groups[g].values()))
for g in order:
    cells = []
    for name in names:
        n = len([r for r in rows if r[1] == name])
        v = groups[g].get(name, []) + [0.0] * (n - len(groups[g].get(name, [])))
        cells.append(f"{statistics.median(v):.1f}" if n else "-")
    print(f"| {g} | " + " | ".join(cells) + " |")
EOF
cat "$OUT/summary.md"
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
