#!/usr/bin/env bash
# The disk's floor for durable produce latency at the latency benchmark's pace (10,000 records/s of
# 1,100 bytes): a zero-overhead group commit in C (group-commit-bound.c), on an idle machine and with one
# core busy-spinning the way rdkafka_performance -r does; then the same overwriting a preallocated
# (zero-filled, synced) file instead of appending. Usage: bench/group-commit-bound.sh [runs=3]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-3}
BIN=$(mktemp /tmp/group-commit-bound.XXXXXX)
trap 'rm -f "$BIN"' EXIT
gcc -O2 -pthread -o "$BIN" group-commit-bound.c
DIR=${DATA_DIR:-/tmp}
for i in $(seq "$RUNS"); do
  for mode in append prealloc; do
    echo "$mode, idle machine:      $("$BIN" 10000 8 "$DIR" $mode)"
    timeout 9 bash -c 'while :; do :; done' & HOG=$!
    echo "$mode, one core spinning: $("$BIN" 10000 8 "$DIR" $mode)"
    wait $HOG 2>/dev/null || true
  done
done
