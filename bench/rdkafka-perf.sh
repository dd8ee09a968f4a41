#!/usr/bin/env bash
# End-to-end throughput and latency with librdkafka 2.12's rdkafka_performance against chronik-server:
# 1 partition, 1 KiB records, acks=all, codecs none and lz4, durable (default) and relaxed
# (log.flush.interval.ms set, Kafka's default of no fsync before the ack), then a consume run and
# latency runs at 10 MB/s. Prints one line per run and the broker's peak RSS (VmHWM).
# Usage: bench/rdkafka-perf.sh [count=500000]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1500000}
CACHE=$(bash scripts/setup-clients.sh | tail -1)
PERF="$CACHE/librdkafka/examples/rdkafka_performance"
export LD_LIBRARY_PATH="$CACHE/librdkafka/src:$CACHE/librdkafka/src-cpp"
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
DLL=src/Chronik.Server/bin/Release/net10.0/chronik-server.dll
PORT=$((20000 + RANDOM % 20000))
RESULTS=()

start_broker() { # $1 = extra config file lines
  DATA=$(mktemp -d /tmp/chronik-bench.XXXXXX)
  printf '%s\n' "num.partitions=1" "$1" > "$DATA/server.properties"
  dotnet "$DLL" --bind 127.0.0.1 --kafka-port $PORT --metrics-port $((PORT + 1)) --schema-registry-port 0 --advertised-host 127.0.0.1 \
    --data-dir "$DATA/data" --config "$DATA/server.properties" --log-level warning > "$DATA/broker.log" 2>&1 &
  BROKER=$!
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.1; done
  echo "broker did not start"; cat "$DATA/broker.log"; exit 1
}
stop_broker() {
  RSS=$(awk '/VmHWM/ {print $2}' /proc/$BROKER/status 2>/dev/null || echo 0)
  kill $BROKER 2>/dev/null || true
  for _ in $(seq 50); do kill -0 $BROKER 2>/dev/null || break; sleep 0.1; done
  kill -9 $BROKER 2>/dev/null || true
  rm -rf "$DATA"
  echo "  broker peak RSS: $((RSS / 1024)) MiB"
}
produce() { # $1 label, $2 codec, extra args...
  local label=$1 codec=$2; shift 2
  local out
  out=$("$PERF" -P -t bench -p 0 -b 127.0.0.1:$PORT -s 1024 -c $COUNT -a -1 -z "$codec" \
        -X linger.ms=5 -X batch.size=1000000 -X queue.buffering.max.kbytes=1048576 "$@" 2>&1 | tail -5)
  echo "$label: $(echo "$out" | grep -Eo '[0-9.]+ MB/s|[0-9]+ msgs/s|latency[^|]*' | tr '\n' ' ')"
  echo "$out" | sed 's/^/    /' | tail -3
}

for mode in durable relaxed; do
  extra=""; [ $mode = relaxed ] && extra="log.flush.interval.ms=1000"
  for codec in none lz4; do
    start_broker "$extra"
    produce "produce $mode codec=$codec" $codec
    if [ $codec = none ]; then
      echo "consume $mode: $("$PERF" -C -t bench -p 0 -b 127.0.0.1:$PORT -o beginning -c $COUNT 2>&1 | tail -3 | tr '\n' ' ')"
    fi
    stop_broker
  done
done
# Latency at ~10 MB/s (14k msgs/s asked, ~9.4k reached; linger.ms=0), durable and relaxed. rdkafka_performance's
# own mean includes the first second, whose messages wait for the client's metadata and connection set-up; the
# per-message latencies (-A) are summarised over the whole run and over the run after its first second.
for mode in durable relaxed; do
  extra=""; [ $mode = relaxed ] && extra="log.flush.interval.ms=1000"
  start_broker "$extra"
  LAT=$(mktemp /tmp/chronik-lat.XXXXXX)
  "$PERF" -P -t lat -p 0 -b 127.0.0.1:$PORT -s 1024 -c 100000 -a -1 -r 14000 -l -u -A "$LAT" -X linger.ms=0 >/dev/null 2>&1
  echo "latency $mode ~10 MB/s: $(python3 - "$LAT" <<'PY'
import sys
v = [int(x) for x in open(sys.argv[1]) if x.strip()]
def summary(xs):
    s = sorted(xs); n = len(s)
    return "mean %.2f ms, p50 %.2f, p99 %.2f, max %.1f" % (sum(s) / n / 1000, s[n // 2] / 1000, s[int(n * .99)] / 1000, s[-1] / 1000)
print("all %d: %s | after the first second: %s" % (len(v), summary(v), summary(v[9400:])))
PY
)"
  rm -f "$LAT"
  stop_broker
done
