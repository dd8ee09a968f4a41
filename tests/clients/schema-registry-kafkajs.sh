#!/usr/bin/env bash
# @kafkajs/confluent-schema-registry 4.1.0 (npm) + kafkajs 2.2.4 against the built-in Schema Registry: register Avro and
# JSON Schema, encode, produce, consume, decode; an incompatible Avro change is refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
broker_start || die "could not start a broker"
trap 'broker_stop' EXIT
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$(dirname "$0")/js/schema_registry_kafkajs.js" "$BROKER" "$SCHEMA_REGISTRY_URL" "$(unique_topic srjs)"
