#!/usr/bin/env bash
# Issue 15's benchmark rows: the order matcher and the HTML reader on adversarial customer text of 1k, 10k and 100k
# characters ("order" followed by blanks and no digit, runs of '#', digits, unclosed '<', ...), next to the patterns
# they used before on the same input (as far as those finish: a call over ~0.4 s stops an old row). Plain Java, one
# JVM; figures compare within one run. Output: bench/results/<time>/text.txt. Figures: docs/benchmarks.md.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME_OVERRIDE:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
[ -f "$ROOT/platform-api/target/test-classes/io/tollgate/api/bench/TextBench.class" ] \
  || (cd "$ROOT" && mvn -B -q -pl platform-api -am test-compile)
"$JAVA_HOME/bin/java" -Xms256m -Xmx256m \
  -cp "$ROOT/platform-api/target/classes:$ROOT/platform-api/target/test-classes" \
  io.tollgate.api.bench.TextBench | tee "$OUT/text.txt"
