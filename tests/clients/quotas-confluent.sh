#!/usr/bin/env bash
# python3-confluent-kafka (librdkafka 2.0.2): Alter/DescribeClientQuotas (raw), producer and consumer held to 1 MB/s ±10 %
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
timeout 120 "$PY" "$(dirname "$0")/py/quotas_test.py" "$BROKER" "$(unique_topic quota)"
