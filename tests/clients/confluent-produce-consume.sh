#!/usr/bin/env bash
# python3-confluent-kafka: 10k messages, acks=all, consume back in order (see py/confluent_produce_consume.py)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
timeout 240 "$PY" "$(dirname "$0")/py/confluent_produce_consume.py" "$BROKER" "$(unique_topic cpc)" "${N:-10000}"
