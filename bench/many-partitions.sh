#!/usr/bin/env bash
# Open descriptors and RSS of a broker holding many partitions: creates T topics x P partitions (confluent-kafka
# AdminClient), writes one record to each partition of the first W topics, restarts the broker, and reports the
# broker's descriptors (/proc/PID/fd) and VmRSS after creation, after the produce, idle after the restart, after a
# read of every written partition, the idle CPU, and the restart and stop times. CHRONIK_SERVER_DLL picks the build to measure.
# Usage: bench/many-partitions.sh [topics=10] [partitions=1000] [written-topics=2]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-10}; P=${2:-1000}; W=${3:-2}
. tests/clients/lib.sh
M="$PY tests/clients/py/many_partitions.py"
BROKER_STOP_TIMEOUT=300
work=$(mktemp -d)
# BENCH_KEEP_LOG=FILE keeps the broker's log (both starts) for a look at the start-up phases' timestamps.
trap 'broker_stop; [ -z "${BENCH_KEEP_LOG:-}" ] || cp "$BROKER_LOG" "$BENCH_KEEP_LOG"; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log

report() {
  if ! broker_alive; then
    echo "$1: the broker died; its log ends:"; grep -v '^\s*at ' "$BROKER_LOG" | tail -n 5; exit 0
  fi
  echo "$1: $(ls /proc/$BROKER_PID/fd | wc -l) fds, RSS $(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' /proc/$BROKER_PID/status)"
}
broker_start "$work/data" >/dev/null 2>&1 || die "broker did not start"
prefix=bench
result=$(timeout 600 $M create "$BROKER" "$prefix" "$T" "$P") || true
[ "$result" = ok ] || echo "create: $(echo "$result" | head -n 3)"
report "$T x $P partitions created"
timeout 600 $M produce "$BROKER" "$prefix" "$W" "$P" >/dev/null || echo "produce failed"
report "one record in each of $((W * P)) partitions"
t0=$(date +%s.%N); broker_stop; t1=$(date +%s.%N)
echo "stop: $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); broker_restart >/dev/null 2>&1 || { echo "restart failed; the log ends:"; grep -v '^\s*at ' "$BROKER_LOG" | tail -n 5; exit 0; }; t1=$(date +%s.%N)
echo "restart until Metadata answers: $(echo "$t1 - $t0" | bc) s"
grep -o 'Opened the file store.*\|Loaded the producer state.*' "$BROKER_LOG" | tail -n 2 || true
sleep 5
report "idle after restart"
c0=$(awk '{print $14 + $15}' /proc/$BROKER_PID/stat); sleep 10; c1=$(awk '{print $14 + $15}' /proc/$BROKER_PID/stat)
echo "idle CPU: $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) ms per 10 s"
timeout 600 $M verify "$BROKER" "$prefix" "$W" "$P" >/dev/null || die "verify failed"
report "after reading all $((W * P)) written partitions"
