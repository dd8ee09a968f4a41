#!/usr/bin/env bash
# Chronik.Embedded costs: start and stop times over 100 cycles (the package's StartStopTests), and the wall time of
# the same Confluent.Kafka tests (produce/consume and a committed + aborted transaction, from
# tests/Chronik.Embedded.PackageTests) against the embedded broker and against a chronik-server process, the
# process's start-up (until its port answers) included. Usage: bench/embedded.sh [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
. tests/clients/lib.sh
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
RES=$(mktemp -d /tmp/chronik-bench-embedded.XXXXXX)
trap 'broker_stop 2>/dev/null || true' EXIT

# 1. pack, build the package tests, and run the start/stop cycles once.
bash scripts/embedded-package-tests.sh "$RES/cycles" --filter "FullyQualifiedName~StartStopTests" >"$RES/cycles.log" 2>&1 \
  || { tail -n 30 "$RES/cycles.log"; die "package tests failed"; }
grep -ho 'start ms[^&<]*\|stop ms[^&<]*\|before:[^&<]*' "$RES"/cycles/*.trx | sed 's/^/  /'
VERSION=$(sed -n 's/.*dotnet pack Chronik.Embedded \([^ ]*\) .*/\1/p' "$RES/cycles.log")

FILTER="FullyQualifiedName~Records_produced_are_consumed_in_order|FullyQualifiedName~Read_committed_sees"
run_tests() { # prints the wall time of the filtered tests in seconds
  local t0 t1
  t0=$(date +%s.%N)
  dotnet test tests/Chronik.Embedded.PackageTests --no-build -c Release -p:ChronikEmbeddedVersion="$VERSION" \
    --filter "$FILTER" >"$RES/run.log" 2>&1 || { tail -n 30 "$RES/run.log" >&2; die "tests failed"; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}'
}
for i in $(seq "$RUNS"); do
  embedded=$(run_tests)
  t0=$(date +%s.%N)
  printf 'group.initial.rebalance.delay.ms=0\n' >"$RES/server.properties"
  unset BROKER_LOG
  broker_start "" "$RES/server.properties" >/dev/null 2>&1 || die "broker did not start"
  t1=$(date +%s.%N)
  process=$(CHRONIK_BOOTSTRAP=$BROKER run_tests)
  broker_stop >/dev/null 2>&1
  rm -rf "$BROKER_DATA"
  startup=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')
  total=$(echo "$startup $process" | awk '{printf "%.2f", $1 + $2}')
  echo "run $i: embedded ${embedded} s; chronik-server process: start ${startup} s + tests ${process} s = ${total} s"
done
