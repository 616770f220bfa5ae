#!/usr/bin/env bash
# The metrics, checked for real: starts the gateway (with its two listeners, as the Kubernetes base runs it: webhooks
# on PORT, the admin API and /observe/metrics on TOLLGATE_ADMIN_PORT) and a Prometheus that scrapes its admin port
# every second on loopback, sends
# signed Shopify deliveries of known outcomes, then asks Prometheus' HTTP API (/api/v1/query) for
# tollgate_webhooks_total by outcome and the ack histogram's _count and checks they equal what was sent. Also runs
# `promtool check metrics` on the raw exposition (fails on anything but Helidon's own built-in names) and checks that
# the JVM and process series reach Prometheus.
#
#   deploy/scrape-check.sh [--build]
#
# Needs: Java 21+ (JAVA_HOME, default the Temurin 25 here), Maven for the first build, curl, openssl, python3.
# Installs Debian's prometheus package when prometheus/promtool are missing (as root). Builds the gateway jar when
# it is missing or older than the sources (--build: always). The database: a fresh `tollgate_scrape` on the
# PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth) when psql reaches it, else local mode (the embedded
# PostgreSQL, under a temp dir). SCRAPE_CHECK_DB=local|postgres forces one. Nothing is left running: the gateway and
# the Prometheus started here are stopped on exit (their logs are printed on failure), the temp dir removed
# (KEEP=1 keeps it) and the database dropped.
#
# Exit 0: every check passed; 1: a check failed; 2: a prerequisite is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PGOPTIONS="-c client_min_messages=warning"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"

ACCEPTED=7      # distinct signed deliveries: 202 accepted
DUPLICATES=2    # the first two again: 200 duplicate
FORGED=3        # a wrong signature: 401 invalid_signature
SLUG=scrape-check
DB_NAME=tollgate_scrape
BUILD=0
[[ ${1:-} == --build ]] && BUILD=1

say() { printf '%s\n' "$*"; }
fail() { printf 'SCRAPE CHECK FAILED: %s\n' "$*" >&2; FAILED=1; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || { printf 'scrape-check: %s is required\n' "$1" >&2; exit 2; }; }

# --- prerequisites ------------------------------------------------------------------------------------------------
for tool in curl openssl python3 java; do need "$tool"; done
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "prometheus missing: installing Debian's prometheus package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null; }
  else
    printf 'scrape-check: prometheus missing: install it (apt-get install -y prometheus) and run again\n' >&2
    exit 2
  fi
fi
say "prometheus: $(prometheus --version 2>&1 | head -1)"

JAR=$ROOT/platform-api/target/platform-api.jar
if [[ $BUILD -eq 1 || ! -f $JAR ]] \
   || [[ -n $(find "$ROOT/pom.xml" "$ROOT"/*/pom.xml "$ROOT"/*/src/main -newer "$JAR" -type f 2>/dev/null | head -1) ]]; then
  need mvn
  say "building the gateway jar (mvn -B -q package -DskipTests)"
  (cd "$ROOT" && mvn -B -q package -DskipTests)
fi
[[ -f $JAR ]] || { printf 'scrape-check: %s was not built\n' "$JAR" >&2; exit 2; }

# --- clean-up, whatever happens -----------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-scrape.XXXXXX")
GATEWAY_PID=
PROM_PID=
DB_MODE=
FAILED=0
cleanup() {
  local rc=$?
  for pid in $GATEWAY_PID $PROM_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $GATEWAY_PID $PROM_PID; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $rc -ne 0 || $FAILED -ne 0 ]]; then
    for log in gateway.log prometheus.log; do
      [[ -s $WORK/$log ]] && { printf -- '--- last lines of %s\n' "$log" >&2; tail -n 40 "$WORK/$log" >&2; }
    done
  fi
  if [[ $DB_MODE == postgres ]]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { # url, seconds, what
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    (( SECONDS < deadline )) || fail "$3 did not answer $1 within $2 s"
    sleep 0.5
  done
}

# --- the database -------------------------------------------------------------------------------------------------
DB_MODE=${SCRAPE_CHECK_DB:-}
if [[ -z $DB_MODE ]]; then
  if command -v psql >/dev/null 2>&1 && psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1; then
    DB_MODE=postgres
  else
    DB_MODE=local
  fi
fi
GATEWAY_ENV=()
case $DB_MODE in
  postgres)
    psql -h 127.0.0.1 -U postgres -d postgres -qAtc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
    psql -h 127.0.0.1 -U postgres -d postgres -qAtc "CREATE DATABASE $DB_NAME" >/dev/null
    GATEWAY_ENV+=("DATABASE_URL=jdbc:postgresql://127.0.0.1:5432/$DB_NAME" "DATABASE_USER=postgres" "DATABASE_PASSWORD=")
    say "database: fresh $DB_NAME on 127.0.0.1:5432"
    ;;
  local)
    GATEWAY_ENV+=("TOLLGATE_DATA_DIR=$WORK/data")
    say "database: local mode (embedded PostgreSQL under $WORK/data)"
    ;;
  *) printf 'scrape-check: SCRAPE_CHECK_DB must be local or postgres\n' >&2; exit 2 ;;
esac

# --- the gateway --------------------------------------------------------------------------------------------------
PORT=$(free_port)
ADMIN_PORT=$(free_port)
while [[ $ADMIN_PORT == "$PORT" ]]; do ADMIN_PORT=$(free_port); done
ADMIN_TOKEN=$(openssl rand -hex 24)
SHOPIFY_SECRET=shpss_$(openssl rand -hex 16)
GATEWAY=http://127.0.0.1:$PORT
GATEWAY_ADMIN=http://127.0.0.1:$ADMIN_PORT
(
  cd "$WORK"
  exec env -u DATABASE_URL -u TOLLGATE_LLM_URL "${GATEWAY_ENV[@]}" \
    PORT="$PORT" TOLLGATE_ADMIN_PORT="$ADMIN_PORT" TOLLGATE_HOST=127.0.0.1 \
    TOLLGATE_MASTER_KEY="$(openssl rand -base64 32)" TOLLGATE_ADMIN_TOKEN="$ADMIN_TOKEN" \
    TOLLGATE_WORKER_ENABLED=true TOLLGATE_SHUTDOWN_GRACE_SECONDS=2 \
    java -jar "$JAR" >"$WORK/gateway.log" 2>&1
) &
GATEWAY_PID=$!
wait_for "$GATEWAY/observe/health" 120 "the gateway"
wait_for "$GATEWAY_ADMIN/observe/health" 10 "the gateway's admin listener"
say "gateway: webhooks on $GATEWAY, operators on $GATEWAY_ADMIN (pid $GATEWAY_PID)"
public_metrics=$(curl -sS -o /dev/null -w '%{http_code}' "$GATEWAY/observe/metrics")
[[ $public_metrics == 404 ]] || fail "/observe/metrics on the public port answered $public_metrics, expected 404"

# --- Prometheus, scraping it every second -------------------------------------------------------------------------
PROM_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tollgate
    metrics_path: /observe/metrics
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$ADMIN_PORT']
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_for "$PROM/-/ready" 60 "Prometheus"
say "prometheus: $PROM (pid $PROM_PID)"

# --- traffic of known outcomes ------------------------------------------------------------------------------------
status=$(curl -sS -o "$WORK/tenant.json" -w '%{http_code}' -X POST "$GATEWAY_ADMIN/admin/tenants" \
  -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' --data-binary @- <<EOF
{"slug": "$SLUG", "name": "Scrape check",
 "gorgias": {"domain": "scrapecheck", "username": "agent@scrape-check.example", "api_key": "gk-scrape-check-0123456789"},
 "shopify": {"shop_domain": "$SLUG.myshopify.com", "access_token": "shpat_scrape_check_0123456789",
             "webhook_secret": "$SHOPIFY_SECRET"}}
EOF
)
[[ $status == 201 ]] || fail "creating tenant $SLUG answered $status: $(cat "$WORK/tenant.json")"

deliver() { # event id, signature ('' = the right one), expected status
  local body=$WORK/order-$1.json sig=$2 n
  n=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  printf '{"id": %d, "name": "#%d", "updated_at": "2024-01-15T10:30:00+00:00", "line_items": []}' \
    "$((820982911946154000 + n % 1000))" "$((1000 + n % 1000))" >"$body"
  [[ -n $sig ]] || sig=$(openssl dgst -sha256 -hmac "$SHOPIFY_SECRET" -binary <"$body" | openssl base64 -A)
  local got
  got=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$GATEWAY/webhooks/$SLUG/shopify" \
    -H 'Content-Type: application/json' -H "X-Shopify-Hmac-Sha256: $sig" \
    -H "X-Shopify-Shop-Domain: $SLUG.myshopify.com" -H 'X-Shopify-Topic: orders/create' \
    -H 'X-Shopify-Api-Version: 2025-10' -H "X-Shopify-Event-Id: $1" --data-binary @"$body")
  [[ $got == "$3" ]] || fail "delivery $1 answered $got, expected $3"
}
for i in $(seq 1 $ACCEPTED); do deliver "scrape-$i" '' 202; done
for i in $(seq 1 $DUPLICATES); do deliver "scrape-$i" '' 200; done
for i in $(seq 1 $FORGED); do deliver "forged-$i" 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' 401; done
SENT=$((ACCEPTED + DUPLICATES + FORGED))
say "sent: $ACCEPTED accepted, $DUPLICATES duplicates, $FORGED invalid signatures ($SENT deliveries)"

# --- what Prometheus scraped --------------------------------------------------------------------------------------
# query PROMQL -> "label value" lines (label '' for a single unlabelled result); exits non-zero on an API error
query() {
  curl -fsS -G "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
label = sys.argv[1]
r = json.load(sys.stdin)
if r.get("status") != "success":
    sys.exit("query failed: %s" % r)
for s in r["data"]["result"]:
    print(s["metric"].get(label, "") if label else "", s["value"][1])
' "${2:-}"
}
deadline=$((SECONDS + 30))
until [[ $(query "sum(tollgate_webhook_ack_seconds_count{job=\"tollgate\",provider=\"shopify\"})" | awk '{print $NF}') == "$SENT" ]]; do
  (( SECONDS < deadline )) || break
  sleep 1
done

declare -A want=([accepted]=$ACCEPTED [duplicate]=$DUPLICATES [invalid_signature]=$FORGED)
declare -A got=()
while read -r outcome value; do
  [[ -n $outcome ]] && got[$outcome]=$value
done < <(query "sum by (outcome) (tollgate_webhooks_total{job=\"tollgate\",tenant=\"$SLUG\",provider=\"shopify\"})" outcome)
ack=$(query "sum(tollgate_webhook_ack_seconds_count{job=\"tollgate\",provider=\"shopify\"})" | awk '{print $NF}')
bucket=$(query "sum(tollgate_webhook_ack_seconds_bucket{job=\"tollgate\",provider=\"shopify\",le=\"+Inf\"})" | awk '{print $NF}')

mismatch=0
printf '%-52s %6s %8s\n' "series (from Prometheus /api/v1/query)" sent scraped
for outcome in accepted duplicate invalid_signature; do
  printf '%-52s %6s %8s\n' "tollgate_webhooks_total{outcome=\"$outcome\"}" "${want[$outcome]}" "${got[$outcome]:-none}"
  [[ ${got[$outcome]:-none} == "${want[$outcome]}" ]] || mismatch=1
done
for outcome in "${!got[@]}"; do
  if [[ -z ${want[$outcome]:-} ]]; then
    printf '%-52s %6s %8s\n' "tollgate_webhooks_total{outcome=\"$outcome\"}" 0 "${got[$outcome]}"
    mismatch=1
  fi
done
printf '%-52s %6s %8s\n' "tollgate_webhook_ack_seconds_count" "$SENT" "${ack:-none}"
printf '%-52s %6s %8s\n' "tollgate_webhook_ack_seconds_bucket{+Inf}" "$SENT" "${bucket:-none}"
[[ ${ack:-} == "$SENT" && ${bucket:-} == "$SENT" ]] || mismatch=1
[[ $mismatch -eq 0 ]] || fail "Prometheus holds other figures than were sent"

# the JVM and process series reach Prometheus too (one value each, from this one instance)
for series in memory_used_heap_bytes memory_committed_heap_bytes memory_max_heap_bytes memory_used_non_heap_bytes \
              gc_total thread_count thread_daemon_count thread_max_count classloader_loaded_classes_count \
              process_cpu_seconds_total process_cpu_usage jvm_uptime_seconds process_start_time_seconds \
              process_open_fds process_max_fds process_resident_memory_bytes; do
  value=$(query "sum($series{job=\"tollgate\"})" | awk '{print $NF}')
  [[ -n $value ]] || fail "$series is not in Prometheus"
done
rss=$(query 'process_resident_memory_bytes{job="tollgate"}' | awk '{printf "%d", $NF / 1048576}')
heap=$(query 'memory_used_heap_bytes{job="tollgate"}' | awk '{printf "%d", $NF / 1048576}')
say "JVM and process series scraped (16 names); resident ${rss} MiB, heap used ${heap} MiB"

# --- promtool check metrics on the raw exposition -----------------------------------------------------------------
# promtool exits 0 (clean), 3 (lint problems, listed) or 1 (the exposition does not parse). Helidon names four of
# its built-in gauges *_count (promtool: "should not have _count suffix"); anything else flagged is ours to fix.
HELIDON_NAMES=' thread_count thread_daemon_count thread_max_count classloader_loaded_classes_count '
curl -fsS "$GATEWAY_ADMIN/observe/metrics" >"$WORK/exposition.txt"
set +e
promtool check metrics <"$WORK/exposition.txt" >"$WORK/promtool.txt" 2>&1
rc=$?
set -e
case $rc in
  0) say "promtool check metrics: clean" ;;
  3)
    ours=0
    while read -r name rest; do
      [[ -z $name ]] && continue
      if [[ $HELIDON_NAMES == *" $name "* ]]; then
        say "promtool check metrics: warning (Helidon's built-in name): $name $rest"
      else
        printf 'promtool check metrics: %s %s\n' "$name" "$rest" >&2
        ours=1
      fi
    done <"$WORK/promtool.txt"
    [[ $ours -eq 0 ]] || fail "promtool check metrics flagged series beyond Helidon's built-in names"
    ;;
  *) cat "$WORK/promtool.txt" >&2; fail "promtool check metrics could not parse the exposition (exit $rc)" ;;
esac
say "deploy/scrape-check.sh: all checks passed ($(grep -c '^# TYPE' "$WORK/exposition.txt") metric families scraped)"
