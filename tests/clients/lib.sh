# shellcheck shell=bash
# Shared helpers for the real-client tests and the librdkafka suite runner. Source it:
#   . "$(dirname "$0")/lib.sh"
#
# Broker life cycle (one broker per "handle" variable set, state kept in shell variables):
#   broker_start [DATA_DIR] [CONFIG_FILE]   start chronik-server on a free 127.0.0.1 port; sets
#                                          BROKER_PID BROKER_PORT BROKER_MPORT BROKER_SRPORT BROKER_DATA BROKER_LOG
#                                          SCHEMA_REGISTRY_URL (the built-in Schema Registry)
#                                          BROKER (= 127.0.0.1:PORT). Waits (bounded) until it answers.
#   broker_stop                            SIGTERM by PID, SIGKILL after $BROKER_STOP_TIMEOUT s.
#   broker_kill9                           SIGKILL by PID (crash simulation).
#   broker_restart                         start again on the same port and data dir.
#   use_broker                             use $CHRONIK_BOOTSTRAP (data dir $CHRONIK_DATA_DIR) when the harness provides one,
#                                          else start a private broker stopped on exit.
# Every loop here is bounded in count and in time.

CHRONIK_ROOT=${CHRONIK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CHRONIK_CACHE=${CHRONIK_CACHE:-/var/cache/chronik}
CHRONIK_SERVER_DLL=${CHRONIK_SERVER_DLL:-$CHRONIK_ROOT/src/Chronik.Server/bin/Release/net10.0/chronik-server.dll}
# CHRONIK_BROKER_CMD (optional): command run instead of `dotnet $CHRONIK_SERVER_DLL`, same arguments
BROKER_START_TIMEOUT=${BROKER_START_TIMEOUT:-60}
BROKER_STOP_TIMEOUT=${BROKER_STOP_TIMEOUT:-10}
PY=/usr/bin/python3
export NODE_PATH=${NODE_PATH:-$CHRONIK_CACHE/node/node_modules}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# broker_answers HOST:PORT: true when the broker answers a Metadata request (kcat -L).
broker_answers() {
  # shellcheck disable=SC2086  # KCAT_ARGS: extra kcat options, e.g. SASL credentials for a SASL listener
  timeout 10 kcat -b "$1" ${KCAT_ARGS:-} -L -m 5 >/dev/null 2>&1
}

_broker_launch() {
  local cmd
  if [ -n "${CHRONIK_BROKER_CMD:-}" ]; then
    read -r -a cmd <<<"$CHRONIK_BROKER_CMD"   # e.g. a stand-in broker while developing the tests
  else
    [ -f "$CHRONIK_SERVER_DLL" ] || die "broker not built: $CHRONIK_SERVER_DLL (run: dotnet build -c Release Chronik.slnx)"
    cmd=(dotnet "$CHRONIK_SERVER_DLL")
  fi
  local args=(--kafka-port "$BROKER_PORT" --metrics-port "$BROKER_MPORT" --schema-registry-port "${BROKER_SRPORT:-0}" --bind 127.0.0.1 --advertised-host 127.0.0.1 --data-dir "$BROKER_DATA")
  [ -n "${BROKER_CONFIG:-}" ] && args+=(--config "$BROKER_CONFIG")
  echo "=== start $(date +%T): ${cmd[*]} ${args[*]}" >>"$BROKER_LOG"
  "${cmd[@]}" "${args[@]}" >>"$BROKER_LOG" 2>&1 </dev/null &
  BROKER_PID=$!
  local i
  for ((i = 0; i < BROKER_START_TIMEOUT * 4; i++)); do
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then
      log "broker exited during start-up; tail of $BROKER_LOG:"; tail -n 30 "$BROKER_LOG" >&2
      BROKER_PID=""; return 1
    fi
    if port_open "$BROKER_PORT"; then
      # the port accepts; give it a bounded chance to answer Metadata too
      local j
      for ((j = 0; j < 20; j++)); do
        broker_answers "$BROKER" && break
        sleep 0.5
      done
      log "broker pid $BROKER_PID listening on $BROKER (data $BROKER_DATA)"
      return 0
    fi
    sleep 0.25
  done
  log "broker did not open port $BROKER_PORT within ${BROKER_START_TIMEOUT}s"
  broker_stop
  return 1
}

broker_start() {
  BROKER_DATA=${1:-$(mktemp -d /tmp/chronik-data.XXXXXX)}
  BROKER_CONFIG=${2:-${BROKER_CONFIG:-}}
  mkdir -p "$BROKER_DATA"
  BROKER_PORT=$(free_port); BROKER_MPORT=$(free_port)
  while [ "$BROKER_MPORT" = "$BROKER_PORT" ]; do BROKER_MPORT=$(free_port); done
  BROKER_SRPORT=$(free_port)
  while [ "$BROKER_SRPORT" = "$BROKER_PORT" ] || [ "$BROKER_SRPORT" = "$BROKER_MPORT" ]; do BROKER_SRPORT=$(free_port); done
  SCHEMA_REGISTRY_URL="http://127.0.0.1:$BROKER_SRPORT"
  BROKER="127.0.0.1:$BROKER_PORT"
  BROKER_LOG=${BROKER_LOG:-$BROKER_DATA.log}
  _broker_launch
}

broker_restart() {
  [ -n "${BROKER_PORT:-}" ] || die "broker_restart without broker_start"
  local i
  for ((i = 0; i < 40; i++)); do port_open "$BROKER_PORT" || break; sleep 0.25; done
  _broker_launch
}

broker_stop() {
  [ -n "${BROKER_PID:-}" ] || return 0
  if kill -0 "$BROKER_PID" 2>/dev/null; then
    kill "$BROKER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < BROKER_STOP_TIMEOUT * 4; i++)); do
      kill -0 "$BROKER_PID" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$BROKER_PID" 2>/dev/null; then
      log "broker pid $BROKER_PID ignored SIGTERM for ${BROKER_STOP_TIMEOUT}s: SIGKILL"
      kill -9 "$BROKER_PID" 2>/dev/null || true
    fi
  fi
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}

broker_kill9() {
  [ -n "${BROKER_PID:-}" ] || return 0
  kill -9 "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}

broker_alive() { [ -n "${BROKER_PID:-}" ] && kill -0 "$BROKER_PID" 2>/dev/null; }

# Use the harness's broker when there is one, else a private one for this script.
use_broker() {
  if [ -n "${CHRONIK_BOOTSTRAP:-}" ]; then
    BROKER=$CHRONIK_BOOTSTRAP
    log "using harness broker $BROKER"
  else
    broker_start "" "${1:-}" || die "could not start a broker"
    trap 'broker_stop' EXIT
  fi
}

# unique_topic PREFIX: a topic name that no earlier test used
unique_topic() { echo "${1:-t}-$(date +%s)-$$-$RANDOM"; }
