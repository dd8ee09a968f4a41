#!/usr/bin/env bash
# Consumer-group scenario with kafkajs 2.2.4 (see py/group_scenario_lib.sh): late join, clean leave,
# SIGKILLed member expiring by session timeout, broker SIGKILL + restart; every one of 60,000 keyed
# records processed, duplicates bounded. Starts its own broker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/py/group_scenario_lib.sh"
export KAFKAJS_NO_PARTITIONER_WARNING=1
run_group_scenario kafkajs node "$(dirname "$0")/js/group_scenario_worker.js"
