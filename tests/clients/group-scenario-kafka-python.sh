#!/usr/bin/env bash
# Consumer-group scenario with kafka-python (see py/group_scenario_lib.sh): late join, clean leave,
# SIGKILLed member expiring by session timeout, broker SIGKILL + restart; every one of 60,000 keyed
# records processed, duplicates bounded. Starts its own broker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/py/group_scenario_lib.sh"
run_group_scenario kafka-python $PY "$(dirname "$0")/py/group_scenario.py" kafkapython
