#!/usr/bin/env bash
# python3-confluent-kafka AdminClient: create 3 partitions, grow to 5, describe configs, delete
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
timeout 180 "$PY" "$(dirname "$0")/py/confluent_admin.py" "$BROKER" "$(unique_topic cadm)"
