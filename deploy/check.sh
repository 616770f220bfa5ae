#!/usr/bin/env bash
# Checks everything under deploy/ that tools can check without a cluster:
#   promtool check config / check rules / test rules (installs Debian's prometheus package if promtool is missing
#   and we are root), the generated PrometheusRule against the plain rule file, the Grafana dashboard's JSON, and
#   `kubectl kustomize` of the base and the example overlay when kubectl is installed (skipped otherwise).
# The JUnit test DeployManifestsTest checks the same manifests against a running gateway (ports, probes, settings,
# metric names); it needs no Prometheus.
#
#   deploy/check.sh [--scrape]
#
# --scrape (or SCRAPE_CHECK=1) also runs deploy/scrape-check.sh: it starts the gateway and a Prometheus on loopback,
# sends deliveries and checks what Prometheus scraped (about a minute; off by default because it starts servers).
set -euo pipefail
cd "$(dirname "$0")"
SCRAPE=${SCRAPE_CHECK:-0}
for arg in "$@"; do
  case $arg in
    --scrape) SCRAPE=1 ;;
    *) echo "usage: deploy/check.sh [--scrape]" >&2; exit 2 ;;
  esac
done

if ! command -v promtool >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "promtool missing: installing Debian's prometheus package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null
  else
    echo "promtool missing: install it (apt-get install -y prometheus) and run again" >&2
    exit 1
  fi
fi

echo "== promtool check config"
(cd prometheus && promtool check config prometheus.yml)
echo "== promtool check rules"
promtool check rules prometheus/rules/tollgate-alerts.yml
echo "== promtool test rules"
promtool test rules prometheus/tests/*.yml
echo "== PrometheusRule generated from the plain rules"
prometheus/gen-prometheusrule.sh --check
echo "== Grafana dashboard is JSON"
python3 -m json.tool grafana/tollgate.json >/dev/null && echo "grafana/tollgate.json: valid JSON"

if command -v kubectl >/dev/null 2>&1; then
  for dir in kubernetes/base kubernetes/overlays/example; do
    echo "== kubectl kustomize $dir"
    kubectl kustomize "$dir" >/dev/null
    echo "$dir: builds"
  done
else
  echo "== kubectl not installed: kustomize builds skipped"
fi
if [[ $SCRAPE == 1 ]]; then
  echo "== scrape check (gateway + Prometheus on loopback)"
  ./scrape-check.sh
else
  echo "== scrape check not run (deploy/check.sh --scrape runs it)"
fi
echo "deploy/check.sh: all checks passed"
