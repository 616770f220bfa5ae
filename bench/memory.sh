#!/usr/bin/env bash
# Resident memory of the gateway under the benchmark's load and under abuse traffic, for one or more JVM setups
# (docs/benchmarks.md, "Memory"). There is no container runtime here, so the image is run from its tarball by
# deploy/image/run-rootfs.sh (same runtime, flags, user and read-only root); the pod's 384Mi limit is mimicked with
# -XX:MaxRAM (what the JVM reads from the cgroup in a pod). Each setup gets a fresh database on 127.0.0.1:5432.
#
#   bench/memory.sh [SETUP...]        (default: default image)
#     default        the jar on the host JDK (bench/run.sh's way), no flags: what a plain `java -jar` does
#     image          the image, its own JDK_JAVA_OPTIONS plus -XX:MaxRAM=$MEM_LIMIT
#     image-bare     the image's runtime with -XX:MaxRAM=$MEM_LIMIT only (the JVM's own container defaults)
#     NAME=FLAGS     the image with JDK_JAVA_OPTIONS=FLAGS (plus -XX:MaxRAM), reported as NAME (letters, digits, -),
#                    e.g. 'g1=-XX:MaxRAMPercentage=35 -XX:+UseG1GC'
#
# Phases, each run while a sampler reads VmRSS (/proc/PID/status) and process_resident_memory_bytes (scraped from
# /observe/metrics) every second:
#   warm      wrk, 16 connections, unique signed deliveries ($WARM s)
#   load      wrk, 64 connections, unique signed deliveries ($PHASE s): req/s and p99
#   dup       wrk, 64 connections, duplicates of one delivery ($PHASE s)
#   abuse     for $ABUSE s at once: slowhttptest slowloris ($SLOW_CONNS connections trickling headers), slowhttptest
#             slow bodies ($SLOWBODY_CONNS POSTs announcing 1 MiB, sending a few bytes every 10 s), bench/garbage.py
#             (64 workers breaking HTTP framing: junk, double Content-Length, bad chunks, 200 kB header, 100 kB
#             request line, TLS on plain HTTP), 1 MiB bodies with a forged signature (wrk, 32 connections), and
#             legitimate unique deliveries (wrk, 16 connections: req/s and p99 under abuse)
#   after     $AFTER s idle: what is given back
# Needs: wrk, slowhttptest (apt-get install -y wrk slowhttptest), psql/createdb, python3; root for the image setups.
# Settings: MEM_LIMIT (384m), PHASE (30), WARM (20), ABUSE (60), AFTER (15), SLOW_CONNS (3000), SLOWBODY_CONNS
# (1000), MEM_PORT (18280), NMT=1 (native memory tracking on, its summary taken during the abuse: nmt-<setup>.txt).
# Results: bench/results/memory-<timestamp>/ (samples-<setup>.csv, summary.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
JDK=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
MEM_LIMIT=${MEM_LIMIT:-384m}
PHASE=${PHASE:-30}
WARM=${WARM:-20}
ABUSE=${ABUSE:-60}
AFTER=${AFTER:-15}
SLOW_CONNS=${SLOW_CONNS:-3000}
SLOWBODY_CONNS=${SLOWBODY_CONNS:-1000}
PORT=${MEM_PORT:-18280}
PG="-h 127.0.0.1 -p 5432 -U postgres"
DB=tollgate_memory
TOKEN=memory-admin-token-0123456789abcdef
OUT=$ROOT/bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ)
SETUPS=("$@")
[[ ${#SETUPS[@]} -gt 0 ]] || SETUPS=(default image)
for tool in wrk slowhttptest psql createdb python3; do
  command -v $tool >/dev/null || { echo "memory.sh: $tool is missing (apt-get install -y wrk slowhttptest)" >&2; exit 1; }
done
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true
echo "== $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; results in $OUT"

[[ -f $ROOT/platform-api/target/platform-api.jar ]] || (cd "$ROOT" && mvn -B -q package -DskipTests)
TARBALL=$ROOT/platform-api/target/platform-api-image.tar
image_flags() { # the JDK_JAVA_OPTIONS baked into the image
  python3 - "$TARBALL" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
blob = lambda d: t.extractfile("blobs/sha256/" + d.split(":", 1)[1]).read()
m = json.loads(blob(json.loads(t.extractfile("index.json").read())["manifests"][0]["digest"]))
env = dict(e.split("=", 1) for e in json.loads(blob(m["config"]["digest"]))["config"].get("Env", []))
print(env.get("JDK_JAVA_OPTIONS", ""))
PY
}

cp "$BENCH/order.json" "$OUT/body.json"
BODY=$OUT/body.json
head -c 1048000 /dev/zero | tr '\0' 'x' > "$OUT/big.json"  # 1 MiB "body" sent with a forged signature
LIMITS='{"rate_per_minute": 1000000, "burst": 100000, "max_payload_bytes": 1048576, "timeout_ms": 5000, "max_concurrent": 1024}'

GW=
SAMPLER=
cleanup() {
  [[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null || true
  if [[ -n $GW ]]; then kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; fi
}
trap cleanup EXIT

sample() { # pid csv -> appends "seconds phase vmrss metric_rss heap_used rss_anon" (bytes) every second
  local pid=$1 csv=$2 t0 rss anon metric heap
  t0=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    read -r rss anon < <(awk '/VmRSS/ {r = $2 * 1024} /RssAnon/ {a = $2 * 1024} END {print r + 0, a + 0}' \
      "/proc/$pid/status" 2>/dev/null) || { rss=0; anon=0; }
    read -r metric heap < <(curl -s -m 2 "127.0.0.1:$PORT/observe/metrics" 2>/dev/null | awk '
      /^process_resident_memory_bytes/ {m = $2} /^memory_used_heap_bytes/ {h = $2}
      END {printf "%.0f %.0f\n", m + 0, h + 0}') || { metric=0; heap=0; }
    echo "$(($(date +%s) - t0)) $(cat "$OUT/phase") $rss ${metric:-0} ${heap:-0} $anon" >> "$csv"
    sleep 1
  done
}
phase() { echo "$1" > "$OUT/phase"; }
most_connected() { # slowhttptest's log -> the most connections it held open at once
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '$1 == "connected:" && $2 > m {m = $2} END {print m + 0}'
}
wrk_row() { # setup name file
  local rps p99
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$3")
  p99=$(awk '$1 == "99%" {print $2}' "$3")
  echo "$1 $2 ${rps:-0} ${p99:-?}" >> "$OUT/throughput.txt"
}

NMTFLAG=
[[ ${NMT:-0} != 1 ]] || NMTFLAG=-XX:NativeMemoryTracking=summary
for spec in "${SETUPS[@]}"; do
  setup=${spec%%=*}
  [[ $setup =~ ^[A-Za-z0-9-]+$ ]] || { echo "memory.sh: setup names are letters, digits and -: $setup" >&2; exit 2; }
  echo "== $setup"
  dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
  ENVS=(DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres
        TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT)
  case $setup in
    default)
      flags="(none)"
      env "${ENVS[@]}" TOLLGATE_HOST=127.0.0.1 "$JDK/bin/java" $NMTFLAG -jar "$ROOT/platform-api/target/platform-api.jar" \
        > "$OUT/gateway-$setup.log" 2>&1 &
      GW=$! ;;
    *)
      [[ -f $TARBALL ]] || { echo "memory.sh: build the image first (docs/operations.md, The image)" >&2; exit 1; }
      case $spec in
        image) flags="$(image_flags) -XX:MaxRAM=$MEM_LIMIT" ;;
        image-bare) flags="-XX:MaxRAM=$MEM_LIMIT" ;;
        *=*) flags="${spec#*=} -XX:MaxRAM=$MEM_LIMIT" ;;
        *) echo "memory.sh: unknown setup $spec" >&2; exit 2 ;;
      esac
      flags="$flags $NMTFLAG"
      args=()
      for e in "${ENVS[@]}"; do args+=(-e "$e"); done
      "$ROOT/deploy/image/run-rootfs.sh" -t "$TARBALL" -d "$OUT/rootfs" "${args[@]}" -e "JDK_JAVA_OPTIONS=$flags" \
        > "$OUT/gateway-$setup.log" 2>&1 &
      GW=$! ;;
  esac
  echo "   flags: $flags"
  [[ ${NMT:-0} != 1 ]] || echo "   (NMT=1: -XX:NativeMemoryTracking=summary added; its own overhead is in the figures)"
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null || { echo "gateway did not start" >&2; tail "$OUT/gateway-$setup.log"; exit 1; }
  CSV=$OUT/samples-$setup.csv
  echo "seconds phase vmrss_bytes metric_rss_bytes heap_used_bytes rss_anon_bytes" > "$CSV"
  phase started
  sample "$GW" "$CSV" &
  SAMPLER=$!

  curl -fs -o /dev/null -X POST "127.0.0.1:$PORT/admin/tenants" -H "Authorization: Bearer $TOKEN" -d "{
    \"slug\": \"mem\", \"name\": \"Memory\", \"limits\": $LIMITS,
    \"gorgias\": {\"domain\": \"mem\", \"username\": \"agent@mem.example\", \"api_key\": \"mem-gorgias-key\"},
    \"shopify\": {\"shop_domain\": \"mem.myshopify.com\", \"access_token\": \"shpat_mem\", \"webhook_secret\": \"mem-webhook-secret\"}}"
  SIG=$("$BENCH/sign.py" mem-webhook-secret "$BODY")
  RUN=$(date +%s)
  URL=http://127.0.0.1:$PORT

  phase warm
  wrk -t2 -c16 -d"${WARM}s" -s "$BENCH/unique.lua" "$URL" -- "$BODY" "$SIG" mem.myshopify.com mem "w$RUN" 0 >/dev/null
  phase load
  wrk -t2 -c64 -d"${PHASE}s" --latency -s "$BENCH/unique.lua" "$URL" -- "$BODY" "$SIG" mem.myshopify.com mem "l$RUN" 0 \
    > "$OUT/load-$setup.txt" 2>&1
  wrk_row "$setup" load "$OUT/load-$setup.txt"
  phase dup
  wrk -t2 -c64 -d"${PHASE}s" --latency -s "$BENCH/duplicate.lua" "$URL" -- "$BODY" "$SIG" mem.myshopify.com mem "d$RUN" \
    > "$OUT/dup-$setup.txt" 2>&1
  wrk_row "$setup" dup "$OUT/dup-$setup.txt"

  phase abuse
  slowhttptest -H -c "$SLOW_CONNS" -r 500 -i 10 -l "$ABUSE" -u "$URL/webhooks/mem/shopify" -t POST -x 24 -p 5 \
    > "$OUT/slowloris-$setup.txt" 2>&1 &
  A1=$!
  slowhttptest -B -c "$SLOWBODY_CONNS" -r 200 -i 10 -s 1048576 -l "$ABUSE" -u "$URL/webhooks/mem/shopify" -t POST \
    -x 24 -p 5 > "$OUT/slowbody-$setup.txt" 2>&1 &
  A2=$!
  python3 "$BENCH/garbage.py" "$PORT" "$ABUSE" 64 > "$OUT/garbage-$setup.txt" 2>&1 &
  A3=$!
  wrk -t1 -c32 -d"${ABUSE}s" -s "$BENCH/unique.lua" "$URL" -- "$OUT/big.json" forged-signature-AAAA= \
    mem.myshopify.com mem "f$RUN" 0 > "$OUT/forged-$setup.txt" 2>&1 &
  A4=$!
  sleep 5 # let the slow connections pile up first
  wrk -t1 -c16 -d"$((ABUSE - 10))s" --latency -s "$BENCH/unique.lua" "$URL" -- "$BODY" "$SIG" mem.myshopify.com mem \
    "a$RUN" 0 > "$OUT/underabuse-$setup.txt" 2>&1
  wrk_row "$setup" under-abuse "$OUT/underabuse-$setup.txt"
  if [[ ${NMT:-0} == 1 ]]; then # where the memory is, while the abuse still runs (needs NMT=1 at start, below)
    setpriv --reuid "$(stat -c %u "/proc/$GW")" --regid "$(stat -c %g "/proc/$GW")" --clear-groups \
      "$JDK/bin/jcmd" "$GW" VM.native_memory summary > "$OUT/nmt-$setup.txt" 2>&1 || true
  fi
  wait $A1 $A2 $A3 $A4 || true
  phase after
  sleep "$AFTER"

  alive=yes
  kill -0 "$GW" 2>/dev/null || alive="NO (exited: see gateway-$setup.log)"
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=
  kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; GW=
  stored=$(psql $PG -d "$DB" -tAc "SELECT count(*) FROM webhook_events")
  {
    echo "### $setup"
    echo "flags: $flags; alive after abuse: $alive; events stored: $stored"
    echo
    echo "| phase | peak VmRSS MiB | peak process_resident_memory_bytes MiB | peak RssAnon MiB | peak heap used MiB |"
    echo "|---|---|---|---|---|"
    for p in warm load dup abuse after; do
      awk -v p="$p" '$2 == p { if ($3 > r) r = $3; if ($4 > m) m = $4; if ($5 > h) h = $5; if ($6 > a) a = $6 }
        END { printf "| %s | %.0f | %.0f | %.0f | %.0f |\n", p, r / 1048576, m / 1048576, a / 1048576, h / 1048576 }' "$CSV"
    done
    awk 'NR > 1 { if ($3 > r) r = $3; if ($4 > m) m = $4 } END {
      printf "\npeak over the run: VmRSS %.0f MiB, process_resident_memory_bytes %.0f MiB\n", r / 1048576, m / 1048576 }' "$CSV"
    echo
    echo "| traffic | req/s | p99 |"
    echo "|---|---|---|"
    awk -v s="$setup" '$1 == s {printf "| %s | %s | %s |\n", $2, $3, $4}' "$OUT/throughput.txt"
    echo
    echo "abuse: $(grep -h "garbage:" "$OUT/garbage-$setup.txt" || true); slowloris: at most" \
      "$(most_connected "$OUT/slowloris-$setup.txt") connections held open; slow bodies: at most" \
      "$(most_connected "$OUT/slowbody-$setup.txt"); forged 1 MiB bodies:" \
      "$(awk '/requests in/ {print $1}' "$OUT/forged-$setup.txt") requests"
    echo
  } | tee -a "$OUT/summary.md"
done
