#!/usr/bin/env bash
# Exactly-once consume-transform-produce with kafkajs 2.2.4 transactions (input written and output
# checked with python3-confluent-kafka, as in eos-confluent.sh): 50,000 keyed input
# records (100 keys, value = per-key sequence), a processor (read_committed group consumer, offsets
# sent in the transaction, commits every $EVERY records, aborts ~10% of its transactions on purpose)
# SIGKILLed at random points and restarted; then a read_committed reader of the output sees every
# input exactly once in per-key order, and a read_uncommitted reader sees more (the aborted records).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
E="$PY $(dirname "$0")/py/eos_ctp.py"
J="node $(dirname "$0")/js/kafkajs_eos_processor.js"
N=${EOS_N:-50000}; KEYS=100; EVERY=${EOS_EVERY:-100}; KILLS=${EOS_KILLS:-3}
work=$(mktemp -d)
trap 'kill -9 "${ppid:-}" 2>/dev/null || true; broker_stop; [ -n "${EOS_KEEP:-}" ] || rm -rf "$work"' EXIT
use_broker
tin=$(unique_topic eos-in); tout=$(unique_topic eos-out); group=$(unique_topic eos-g)
timeout 60 $E create "$BROKER" "$tin" 4
timeout 60 $E create "$BROKER" "$tout" 4
timeout 120 $E input "$BROKER" "$tin" "$N" "$KEYS" || die "input produce failed"
log "produced $N input records to $tin"
commits() { grep -c '^commit' "$work/proc.err" 2>/dev/null || true; }
for ((k = 1; k <= KILLS; k++)); do
  $J "$BROKER" "$tin" "$tout" "$group" "$tout-txn" "$EVERY" 10 30 2>>"$work/proc.err" &
  ppid=$!
  # let it commit a random number of transactions (bounded), then SIGKILL it at a random moment
  target=$(( $(commits) + 2 + RANDOM % 6 ))
  for ((i = 0; i < 400; i++)); do
    [ "$(commits)" -ge "$target" ] && break
    kill -0 $ppid 2>/dev/null || break
    sleep 0.1
  done
  sleep "0.$((RANDOM % 10))"
  kill -0 $ppid 2>/dev/null || { tail -n 20 "$work/proc.err" >&2; die "processor ended before kill $k"; }
  kill -9 $ppid; wait $ppid 2>/dev/null || true; ppid=""
  log "SIGKILL processor #$k after $(commits) commits in total"
done
# last run to completion (exits after 15 s with nothing to read)
timeout 150 $J "$BROKER" "$tin" "$tout" "$group" "$tout-txn" "$EVERY" 10 15 2>>"$work/proc.err" \
  || { tail -n 20 "$work/proc.err" >&2; die "final processor run failed"; }
log "processor: $(commits) commits, $(grep -c '^abort' "$work/proc.err" || true) aborts over $((KILLS + 1)) runs"
timeout 120 $E verify "$BROKER" "$tout" "$N" "$KEYS" || die "output verification failed"
log "PASS: exactly-once output of $N records after $KILLS processor SIGKILLs"
