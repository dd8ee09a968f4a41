#!/usr/bin/env bash
# Consumer-group benchmarks against chronik-server (python3-confluent-kafka on librdkafka):
#  1. time for a 10-member group to rebalance after an 11th member joins (from the join to every
#     member holding its new assignment), classic protocol, range assignor, heartbeat.interval.ms=1000;
#  2. OffsetCommit throughput, synchronous commits, one committer and ten committers.
# Starts its own broker (fresh data dir, durable defaults) via tests/clients/lib.sh.
# Usage: bench/group-bench.sh [repeats=5] [commit-seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}; SECS=${2:-10}
. tests/clients/lib.sh
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
work=$(mktemp -d /tmp/chronik-gbench.XXXXXX)
trap 'broker_stop; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
broker_start "$work/data" || die "broker did not start"
B="$PY bench/group_bench.py"
timeout 600 $B rebalance "$BROKER" "$REPEATS" 60
timeout 120 $B commit "$BROKER" 1 "$SECS"
timeout 120 $B commit "$BROKER" 10 "$SECS"
