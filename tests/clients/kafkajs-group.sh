#!/usr/bin/env bash
# kafkajs 2.2.4 consumer group: subscribe fromBeginning, consume all, commit, fetchOffsets, listGroups
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 180 node "$(dirname "$0")/js/kafkajs_group.js" "$BROKER" "$(unique_topic kjsg)"
