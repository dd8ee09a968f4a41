#!/usr/bin/env bash
# The broker's CPU time while rdkafka_performance produces 100,000 × 1 KiB records at 10,000/s (linger.ms=0) to
# topic a, with N kcat consumers long-polling topic b (fetch.wait.max.ms=500) where nothing arrives: what idle
# consumers of other partitions cost the produce path. Flush relaxed (log.flush.interval.ms=1000), so fsync
# variance stays out of the figure. Usage: bench/idle-consumers.sh [consumers=30] [runs=2]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30}; RUNS=${2:-2}
CACHE=$(bash scripts/setup-clients.sh | tail -1)
PERF="$CACHE/librdkafka/examples/rdkafka_performance"
export LD_LIBRARY_PATH="$CACHE/librdkafka/src"
. tests/clients/lib.sh
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
TICKS=$(getconf CLK_TCK)
CONFIG=$(mktemp /tmp/chronik-idle.XXXXXX)
printf 'num.partitions=1\nlog.flush.interval.ms=1000\n' > "$CONFIG"
trap 'broker_stop; rm -f "$CONFIG"' EXIT

run() { # $1 = consumers
  local pids=() t0 t1
  unset BROKER_LOG
  broker_start "" "$CONFIG" >/dev/null 2>&1 || die "broker did not start"
  for t in a b; do "$PERF" -P -t $t -p 0 -b "$BROKER" -s 100 -c 10 >/dev/null 2>&1; done
  for _ in $(seq "$1"); do
    kcat -C -b "$BROKER" -t b -p 0 -o end -q -X fetch.wait.max.ms=500 >/dev/null 2>&1 & pids+=($!)
  done
  sleep 3
  t0=$(awk '{print $14 + $15}' /proc/$BROKER_PID/stat)
  "$PERF" -P -t a -p 0 -b "$BROKER" -s 1024 -c 100000 -a -1 -r 10000 -X linger.ms=0 >/dev/null 2>&1
  t1=$(awk '{print $14 + $15}' /proc/$BROKER_PID/stat)
  echo "$1 idle consumers: broker CPU $(( (t1 - t0) * 1000 / TICKS )) ms"
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  broker_stop
  rm -rf "$BROKER_DATA" "$BROKER_DATA.log"
}
for _ in $(seq "$RUNS"); do run 0; run "$N"; done
