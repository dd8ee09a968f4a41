#!/usr/bin/env bash
# python3-confluent-kafka's SchemaRegistryClient + JSONSerializer (python3-requests, python3-jsonschema) against the
# built-in Schema Registry: register, produce/consume JSON Schema records, lookup, an incompatible change refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
broker_start || die "could not start a broker"
trap 'broker_stop' EXIT
timeout 120 "$PY" "$(dirname "$0")/py/schema_registry_json.py" "$BROKER" "$SCHEMA_REGISTRY_URL" "$(unique_topic srpy)"
