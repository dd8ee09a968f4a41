#!/usr/bin/env bash
# Transactional produce throughput next to plain idempotent produce (python3-confluent-kafka on
# librdkafka 2.0.2, 1 KiB records, acks=all, linger.ms=5, 1 partition): commit every 100 and every
# 10,000 records. A fresh broker (Release build, default durable settings) per run.
# Usage: bench/txn-bench.sh [count=200000]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-200000}
. tests/clients/lib.sh
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
trap 'broker_stop' EXIT
for mode in idempotent txn:10000 txn:100; do
  unset BROKER_LOG
  broker_start "" >/dev/null 2>&1 || die "broker did not start"
  timeout 60 "$PY" tests/clients/py/eos_ctp.py create "$BROKER" bench 1
  timeout 600 "$PY" bench/txn_bench.py "$BROKER" bench "$COUNT" "$mode"
  broker_stop
  rm -rf "$BROKER_DATA" "$BROKER_DATA.log"
done
