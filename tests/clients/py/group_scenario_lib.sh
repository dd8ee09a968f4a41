# shellcheck shell=bash
# The consumer-group scenario shared by tests/clients/group-scenario-*.sh. Source after lib.sh, then
#   run_group_scenario NAME WORKER_CMD...
# WORKER_CMD is run as: WORKER_CMD BOOTSTRAP TOPIC GROUP OUTFILE SECS (see py/group_scenario.py).
# It starts its own broker (the broker is SIGKILLed and restarted), produces 60,000 keyed records to a
# 6-partition topic, and drives three consumers of one group through: A and B start; C joins late;
# B leaves cleanly (SIGTERM -> close); A is SIGKILLed and must expire by session timeout; the broker
# is SIGKILLed and restarted on the same data dir and port; D joins after the restart; the group
# (C and D) resumes from its committed offsets. Checks: every record processed, duplicates bounded.
GS_N=${GS_N:-60000}
GS_PARTS=6
GS_PY="$PY $(dirname "${BASH_SOURCE[0]}")/group_scenario.py"

gs_processed() { cat "$work"/out.? 2>/dev/null | wc -l; }

# gs_wait_processed N SECS: wait (bounded) until N records are processed in total
gs_wait_processed() {
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    [ "$(gs_processed)" -ge "$1" ] && return 0
    sleep 0.25
  done
  log "only $(gs_processed) processed after $2 s (wanted $1)"; return 1
}

# gs_wait_distinct SECS: wait until every produced record appears in some consumer's file
gs_wait_distinct() {
  local i
  for ((i = 0; i < $1; i++)); do
    if [ "$(cat "$work"/out.? | awk 'NF==3{print $1" "$2}' | sort -u | wc -l)" -ge "$GS_N" ]; then return 0; fi
    sleep 1
  done
  return 1
}

gs_start() {  # gs_start LETTER
  "${GS_WORKER[@]}" "$BROKER" "$topic" "$group" "$work/out.$1" 150 2>"$work/err.$1" &
  eval "PID_$1=$!"
  log "consumer $1 started (pid $!)"
}

gs_cleanup() {
  local p
  for p in ${PID_A:-} ${PID_B:-} ${PID_C:-} ${PID_D:-}; do kill -9 "$p" 2>/dev/null || true; done
  broker_stop
  if [ "${GS_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}

run_group_scenario() {
  local name=$1; shift
  GS_WORKER=("$@")
  work=$(mktemp -d /tmp/chronik-gs.XXXXXX)
  trap gs_cleanup EXIT
  BROKER_LOG=$work/broker.log
  broker_start "$work/data" || die "broker did not start"
  topic=$(unique_topic "gs-$name"); group="gs-$name-$$-$RANDOM"
  local t0=$SECONDS
  timeout 90 $GS_PY produce "$BROKER" "$topic" "$GS_N" "$GS_PARTS" "$work/produced" || die "produce failed"
  [ "$(wc -l <"$work/produced")" -eq "$GS_N" ] || die "produced $(wc -l <"$work/produced") records, expected $GS_N"
  log "produced $GS_N keyed records to $topic ($GS_PARTS partitions) in $((SECONDS - t0)) s"

  gs_start A; gs_start B
  gs_wait_processed 8000 40 || die "A+B did not get going"
  gs_start C                                                   # joins late
  gs_wait_processed 16000 40 || die "no progress after C joined"
  log "consumer B leaves cleanly (SIGTERM -> close) at $(gs_processed) processed"
  kill "$PID_B"
  local i
  for ((i = 0; i < 60; i++)); do kill -0 "$PID_B" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$PID_B" 2>/dev/null && die "consumer B did not close within 15 s"
  wait "$PID_B" || die "consumer B exited with an error: $(tail -n 3 "$work/err.B")"
  gs_wait_processed 24000 40 || die "no progress after B left"
  log "consumer A SIGKILLed at $(gs_processed) processed (must expire by session timeout)"
  kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
  gs_wait_processed 34000 60 || die "no progress after A was killed (session expiry?)"
  log "broker SIGKILLed at $(gs_processed) processed"
  broker_kill9
  sleep 1
  broker_restart || die "broker did not restart on the same data dir"
  local at_restart; at_restart=$(gs_processed)
  gs_start D                                                   # a fresh member after the restart
  gs_wait_processed $((at_restart + 3000)) 60 || die "group did not resume after the broker restart"
  gs_wait_distinct 90 || log "not every record was processed within the time limit"
  for p in $PID_C $PID_D; do kill "$p" 2>/dev/null || true; done
  for ((i = 0; i < 60; i++)); do kill -0 "$PID_C" 2>/dev/null || kill -0 "$PID_D" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$PID_C" "$PID_D" 2>/dev/null || true; wait "$PID_C" "$PID_D" 2>/dev/null || true
  for l in A B C D; do [ -s "$work/err.$l" ] && { log "consumer $l stderr (tail):"; tail -n 5 "$work/err.$l" >&2; }; done
  $GS_PY check "$work/produced" "$work"/out.? || die "scenario check failed ($name)"
  log "PASS: $name group scenario in $((SECONDS - t0)) s"
}
