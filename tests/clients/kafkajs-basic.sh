#!/usr/bin/env bash
# kafkajs 2.2.4: admin create/delete topics, fetchTopicMetadata, producer acks=-1 (none, gzip)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$(dirname "$0")/js/kafkajs_basic.js" "$BROKER" "$(unique_topic kjs)"
