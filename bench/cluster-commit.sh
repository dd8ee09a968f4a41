#!/usr/bin/env bash
# Cluster mode's PostgreSQL commit: commits/s and commit latency (mean, p50, p99) for windows of 50 partitions x 1
# batch from 2 concurrent committers into the same partitions, on a real PostgreSQL (tests/Shared/PostgresServer.cs),
# with fsync off and on; Npgsql auto-prepare 32 (CHRONIK_BENCH_AUTOPREPARE=0 turns it off) (Debug by default: the client side is small next to the round trips; CONFIG=Release to change). Usage: bench/cluster-commit.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
export CHRONIK_BENCH=1 CHRONIK_BENCH_SECONDS="${1:-10}"
dotnet test tests/Chronik.Cluster.Tests -c "${CONFIG:-Debug}" --filter "FullyQualifiedName~CommitBenchmark" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "fsync=|Passed!|Failed|error" | sed "s/^ *//"
