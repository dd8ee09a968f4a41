#!/usr/bin/env bash
# Start/stop a chronik-server for tests, from the command line.
#   scripts/broker.sh start [--state DIR] [--data-dir DIR] [--config FILE] [--prop key=value]...
#       starts the broker on a free 127.0.0.1 port with a fresh temp data dir (unless --data-dir),
#       waits (bounded) until it answers, records pid/port/data dir/log in the state dir
#       (default $CHRONIK_STATE or /tmp/chronik-broker) and prints 127.0.0.1:PORT.
#   scripts/broker.sh stop [--state DIR]     SIGTERM by recorded PID, SIGKILL after a timeout.
#   scripts/broker.sh status [--state DIR]   prints the address and exits 0 when running.
# The broker must be built first: dotnet build -c Release Chronik.slnx
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/clients/lib.sh

cmd=${1:-}; shift || true
STATE=${CHRONIK_STATE:-/tmp/chronik-broker}
data=""; config=""; props=()
while [ $# -gt 0 ]; do
  case $1 in
    --state) STATE=$2; shift 2 ;;
    --data-dir) data=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --prop) props+=("$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

case $cmd in
  start)
    mkdir -p "$STATE"
    if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      echo "already running: pid $(cat "$STATE/pid") on $(cat "$STATE/addr")" >&2; exit 1
    fi
    if [ ${#props[@]} -gt 0 ]; then
      [ -n "$config" ] && cp "$config" "$STATE/server.properties" || : >"$STATE/server.properties"
      printf '%s\n' "${props[@]}" >>"$STATE/server.properties"
      config=$STATE/server.properties
    fi
    BROKER_LOG=$STATE/broker.log
    broker_start "$data" "$config"
    echo "$BROKER_PID" >"$STATE/pid"; echo "$BROKER" >"$STATE/addr"
    echo "$BROKER_PORT" >"$STATE/port"; echo "$BROKER_DATA" >"$STATE/data"
    echo "$BROKER"
    ;;
  stop)
    [ -f "$STATE/pid" ] || { echo "no broker recorded in $STATE" >&2; exit 0; }
    BROKER_PID=$(cat "$STATE/pid")
    broker_stop
    rm -f "$STATE/pid"
    ;;
  status)
    [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null && { cat "$STATE/addr"; exit 0; }
    echo "not running" >&2; exit 1
    ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
