#!/usr/bin/env bash
# Schema Registry requests per second: register (a new Avro schema under a new subject, each persisted to _schemas
# before the answer, default durable settings), lookup by id (GET /schemas/ids/{id}) and compatibility check
# (POST /compatibility/.../versions/latest), each for SECONDS with CONCURRENCY keep-alive connections (a node
# closed-loop client, bench/schema-registry-load.js). A fresh broker (Release build) per operation; no SASL, no ACLs.
# Usage: bench/schema-registry.sh [seconds=10] [concurrency=16]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_OP=${1:-10}
CONCURRENCY=${2:-16}
. tests/clients/lib.sh
dotnet build -c Release src/Chronik.Server -v q -nologo >/dev/null
trap 'broker_stop' EXIT
for op in register lookup compat; do
  unset BROKER_LOG
  broker_start "" >/dev/null 2>&1 || die "broker did not start"
  for _ in $(seq 1 40); do curl -sf -m 2 "$SCHEMA_REGISTRY_URL/subjects" >/dev/null && break; sleep 0.25; done
  timeout $((SECONDS_PER_OP + 120)) node bench/schema-registry-load.js "$SCHEMA_REGISTRY_URL" "$op" "$SECONDS_PER_OP" "$CONCURRENCY"
  broker_stop
  rm -rf "$BROKER_DATA" "$BROKER_DATA.log"
done
