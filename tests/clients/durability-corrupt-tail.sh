#!/usr/bin/env bash
# Recovery from a damaged segment tail, three cases, each on its own broker and data dir:
#   garbage:  append 37 garbage bytes to the active segment   -> all 1000 records served
#   truncate: cut the last 7 bytes (last batch torn)           -> the first 900 records served
#   crc:      flip a byte inside the last batch's records      -> the first 900 records served
# Records go in as 10 batches of 100 (acks=all). The broker is SIGKILLed (no clean shutdown), the
# file is damaged while it is down, then it restarts on the same data dir. It must serve exactly the
# records up to the last good batch and accept new produces at the next offset.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
D="$PY $(dirname "$0")/py/durability.py"
work=$(mktemp -d)
trap 'broker_stop; rm -rf "$work"' EXIT
fail=0

run_case() {
  local mode=$1 expect=$2 topic seg size
  BROKER_LOG=$work/broker-$mode.log
  broker_start "$work/data-$mode" || { log "$mode: broker did not start"; return 1; }
  topic=$(unique_topic "tail-$mode")
  timeout 60 $D create "$BROKER" "$topic" || { log "$mode: create failed"; return 1; }
  timeout 90 $D batches "$BROKER" "$topic" 0 1000 100 >"$work/offs-$mode" || { log "$mode: produce failed"; return 1; }
  [ "$(tail -1 "$work/offs-$mode")" = 999 ] || { log "$mode: offsets not 0..999"; return 1; }
  broker_kill9
  seg=$(ls "$BROKER_DATA/$topic-0/"*.log 2>/dev/null | sort | tail -1)
  [ -n "$seg" ] || { log "$mode: no segment file under $BROKER_DATA/$topic-0/ ($(ls -R "$BROKER_DATA" | head -20 | tr '\n' ' '))"; return 1; }
  size=$(stat -c %s "$seg")
  case $mode in
    garbage)  head -c 37 /dev/urandom >>"$seg" ;;
    truncate) truncate -s $((size - 7)) "$seg" ;;
    crc)      # flip one byte 20 bytes before the end: inside the last record of the last batch
              local pos=$((size - 20)) b
              b=$(od -An -tu1 -j "$pos" -N1 "$seg" | tr -d ' ')
              printf "$(printf '\\%03o' $(( (b ^ 255) & 255 )))" | dd of="$seg" bs=1 seek="$pos" conv=notrunc status=none ;;
  esac
  log "$mode: damaged $seg ($size -> $(stat -c %s "$seg") bytes), restarting"
  broker_restart || { log "$mode: broker did not restart after damage"; return 1; }
  timeout 120 $D consume "$BROKER" "$topic" "$work/log-$mode" || { log "$mode: consume failed"; return 1; }
  local n; n=$(wc -l <"$work/log-$mode")
  if [ "$n" != "$expect" ] || [ "$(awk '$1!=NR-1 || $2!=NR-1' "$work/log-$mode" | wc -l)" != 0 ]; then
    log "$mode: expected offsets/keys 0..$((expect - 1)), got $n records: $(head -2 "$work/log-$mode" | tr '\n' ' ') ... $(tail -2 "$work/log-$mode" | tr '\n' ' ')"
    return 1
  fi
  local first; first=$(timeout 60 $D batches "$BROKER" "$topic" 5000 100 50) || { log "$mode: produce after recovery failed"; return 1; }
  first=${first%%$'\n'*}
  [ "$first" = "$expect" ] || { log "$mode: new records start at offset $first, expected $expect"; return 1; }
  timeout 120 $D consume "$BROKER" "$topic" "$work/log2-$mode" || { log "$mode: second consume failed"; return 1; }
  [ "$(wc -l <"$work/log2-$mode")" = $((expect + 100)) ] || { log "$mode: after new produce $(wc -l <"$work/log2-$mode") records, expected $((expect + 100))"; return 1; }
  log "$mode: OK, served records 0..$((expect - 1)), new produce continued at $expect"
  broker_stop
}

run_case garbage 1000 || { fail=1; broker_stop; }
run_case truncate 900 || { fail=1; broker_stop; }
run_case crc 900 || { fail=1; broker_stop; }
exit $fail
