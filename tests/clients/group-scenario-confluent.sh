#!/usr/bin/env bash
# Consumer-group scenario with python3-confluent-kafka (see py/group_scenario_lib.sh): late join,
# clean leave, SIGKILLed member expiring by session timeout, broker SIGKILL + restart; every one of
# 60,000 keyed records processed, duplicates bounded. Starts its own broker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/py/group_scenario_lib.sh"
run_group_scenario confluent $PY "$(dirname "$0")/py/group_scenario.py" confluent
