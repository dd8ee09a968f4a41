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
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
DLL=src/Chronik.Server/bin/Release/net10.0/chronik-server.dll
TICKS=$(getconf CLK_TCK)

run() { # $1 = consumers
  local port=$((20000 + RANDOM % 20000)) data broker pids=() t0 t1
  data=$(mktemp -d /tmp/chronik-bench.XXXXXX)
  printf 'num.partitions=1\nlog.flush.interval.ms=1000\n' > "$data/server.properties"
  dotnet "$DLL" --bind 127.0.0.1 --kafka-port $port --metrics-port $((port + 1)) --advertised-host 127.0.0.1 \
    --data-dir "$data/data" --config "$data/server.properties" --log-level warning > "$data/broker.log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  for t in a b; do "$PERF" -P -t $t -p 0 -b 127.0.0.1:$port -s 100 -c 10 >/dev/null 2>&1; done
  for _ in $(seq "$1"); do
    kcat -C -b 127.0.0.1:$port -t b -p 0 -o end -q -X fetch.wait.max.ms=500 >/dev/null 2>&1 & pids+=($!)
  done
  sleep 3
  t0=$(awk '{print $14 + $15}' /proc/$broker/stat)
  "$PERF" -P -t a -p 0 -b 127.0.0.1:$port -s 1024 -c 100000 -a -1 -r 10000 -X linger.ms=0 >/dev/null 2>&1
  t1=$(awk '{print $14 + $15}' /proc/$broker/stat)
  echo "$1 idle consumers: broker CPU $(( (t1 - t0) * 1000 / TICKS )) ms"
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  kill $broker; wait $broker 2>/dev/null || true
  rm -rf "$data"
}
for _ in $(seq "$RUNS"); do run 0; run "$N"; done
