#!/usr/bin/env bash
# python3-kafka (kafka-python 2.0.2): admin create/delete, 10k produce acks=all + consume, describe configs
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
timeout 240 "$PY" "$(dirname "$0")/py/kafkapython_test.py" "$BROKER" "$(unique_topic kpy)" "${N:-10000}"
