#!/usr/bin/env bash
# Start-up replay of the metadata log and the committed offsets: creates T topics (one partition each, confluent-kafka
# AdminClient) and commits G x P offsets (G groups, each committing partition 0 of the first P topics), stops the
# broker cleanly, restarts it and reports the broker's start-up phase lines (metadata log open, topic replay, file
# store open, offsets replay, producer-state load), the time from the process start to its listener, and the time until
# Metadata answers, with the broker's CPU time by then. Then checks every topic is listed and the first and last groups' offsets read back.
# CHRONIK_SERVER_DLL picks the build to measure.
# Usage: bench/metadata-replay.sh [topics=10000] [groups=1000] [partitions-per-group=100]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-10000}; G=${2:-1000}; P=${3:-100}
[ "$P" -le "$T" ] || { echo "partitions-per-group ($P) must not exceed topics ($T)"; exit 2; }
. tests/clients/lib.sh
M="$PY bench/metadata_replay.py"
BROKER_STOP_TIMEOUT=120
BROKER_START_TIMEOUT=${BROKER_START_TIMEOUT:-120}
work=$(mktemp -d)
# BENCH_KEEP_LOG=FILE keeps the broker's log (both starts).
trap 'broker_stop; [ -z "${BENCH_KEEP_LOG:-}" ] || cp "$BROKER_LOG" "$BENCH_KEEP_LOG"; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log

broker_start "$work/data" >/dev/null 2>&1 || die "broker did not start"
t0=$(date +%s.%N)
result=$(timeout 1200 $M create "$BROKER" "$T") || true
[ "$result" = ok ] || echo "create: $(echo "$result" | head -n 3)"
t1=$(date +%s.%N)
echo "$T topics created in $(echo "$t1 - $t0" | bc) s"
committed=$(timeout 1200 $M commit "$BROKER" "$G" "$P")
t2=$(date +%s.%N)
echo "$committed offsets committed ($G groups x $P partitions) in $(echo "$t2 - $t1" | bc) s"
echo "metadata log: $(du -sb "$work/data/__cluster_metadata" | cut -f1) bytes; __consumer_offsets: $(du -sb "$work/data/__consumer_offsets-0" | cut -f1) bytes"
t0=$(date +%s.%N); broker_stop; t1=$(date +%s.%N)
echo "clean stop: $(echo "$t1 - $t0" | bc) s"
lines=$(wc -l <"$BROKER_LOG")
t0=$(date +%s.%N)
broker_restart >/dev/null 2>&1 || { echo "restart failed; the log ends:"; grep -v '^\s*at ' "$BROKER_LOG" | tail -n 5; exit 1; }
t1=$(date +%s.%N)
echo "restart until Metadata answers: $(echo "$t1 - $t0" | bc) s"
# CPU time is steadier than wall time on a shared machine: the broker's utime + stime up to here (JIT threads included).
echo "broker CPU time at that point: $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s", ($14 + $15) / hz}' /proc/$BROKER_PID/stat)"
# The second start's phase lines, with their timestamps (ms, UTC).
tail -n +"$((lines + 1))" "$BROKER_LOG" | grep -E 'Opened the metadata log|Replayed .* topic|Opened the file store|Loaded .* group|Loaded the producer state|Now listening|Listening|started' | cut -c1-220 || true
ok=$(timeout 300 $M check "$BROKER" "$T" "$G" "$P") || ok="check failed: $ok"
echo "after the restart: $ok"
