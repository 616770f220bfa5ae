#!/usr/bin/env bash
# Issue 15, finding 2 as a benchmark row (docs/benchmarks.md, "Anonymous bodies"): a gateway with the image's JVM
# flags (image.jvm.flags in platform-api/pom.xml, MALLOC_ARENA_MAX=2) sized for the ingress pod's memory limit
# (-XX:MaxRAM=$MEM_LIMIT, what the JVM reads from the cgroup in a pod), on the host JDK; then bench/body_abuse.py:
# 250 connections to one tenant's URL from 25 loopback addresses, each declaring 1 MiB and sending all but its last
# byte with a forged signature, then stalling, while another tenant sends signed deliveries one after another.
# Reports whether the gateway stayed alive, its peak VmRSS, and the other tenant's success rate and latency.
#
#   bench/body-abuse.sh [NAME=JAR ...]     (default: current=platform-api/target/platform-api.jar)
#   e.g. bench/body-abuse.sh before=/tmp/tollgate-before/platform-api/target/platform-api.jar current=platform-api/target/platform-api.jar
#
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres), psql/createdb and python3. Settings: MEM_LIMIT (384m),
# CONNECTIONS (250), ADDRESSES (25), ABUSE_SECONDS (20), ABUSE_PORT (18380). Results: bench/results/body-abuse-<ts>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JDK=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
MEM_LIMIT=${MEM_LIMIT:-384m}
PORT=${ABUSE_PORT:-18380}
PG="-h 127.0.0.1 -p 5432 -U postgres"
DB=tollgate_body_abuse
TOKEN=body-abuse-admin-token-0123456789ab
OUT=$ROOT/bench/results/body-abuse-$(date -u +%Y%m%dT%H%M%SZ)
SETUPS=("$@")
[[ ${#SETUPS[@]} -gt 0 ]] || SETUPS=("current=$ROOT/platform-api/target/platform-api.jar")
FLAGS="$(sed -n 's:.*<image.jvm.flags>\(.*\)</image.jvm.flags>.*:\1:p' "$ROOT/platform-api/pom.xml") -XX:MaxRAM=$MEM_LIMIT"
mkdir -p "$OUT"
GW=
cleanup() { if [[ -n $GW ]]; then kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; fi; }
trap cleanup EXIT
echo "== $(nproc) cores; flags: $FLAGS; results in $OUT"
for spec in "${SETUPS[@]}"; do
  name=${spec%%=*}
  jar=${spec#*=}
  dropdb $PG --if-exists "$DB" && createdb $PG "$DB"
  env -i PATH="$PATH" MALLOC_ARENA_MAX=2 DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USER=postgres \
    TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN=$TOKEN PORT=$PORT TOLLGATE_HOST=127.0.0.1 \
    TOLLGATE_WORKER_ENABLED=false TOLLGATE_CONNECTION_CHECK_ENABLED=false \
    "$JDK/bin/java" $FLAGS -jar "$jar" > "$OUT/gateway-$name.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 120); do curl -fs "127.0.0.1:$PORT/observe/health" >/dev/null 2>&1 && break; sleep 0.5; done
  result=$(python3 "$ROOT/bench/body_abuse.py" "$PORT" "$GW" "$TOKEN" "${CONNECTIONS:-250}" "${ADDRESSES:-25}" \
    "${ABUSE_SECONDS:-20}")
  echo "$name $result" | tee -a "$OUT/results.txt"
  grep -h "OutOfMemoryError" "$OUT/gateway-$name.log" | head -1 || true
  kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; GW=
done
dropdb $PG --if-exists "$DB"
