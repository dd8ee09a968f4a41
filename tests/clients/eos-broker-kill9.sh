#!/usr/bin/env bash
# The broker SIGKILLed in the middle of transactions (own broker): 6 transactional producers
# (confluent-kafka, transaction.timeout.ms=10000) run transactions of 300 records over 3 partitions,
# flushed to the log before a random delay and the commit; kill -9 the broker (and the producers),
# restart it. Half the transactional ids are re-initialised at once (fencing aborts the open
# transaction), the other half are left to the transaction timeout. Then each transaction is fully
# committed or fully aborted for a read_committed reader, every acknowledged commit is complete, and
# a new committed transaction per producer (under a new id) is visible behind them (the LSO moved on).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
C="$PY $(dirname "$0")/py/eos_broker_crash.py"
E="$PY $(dirname "$0")/py/eos_ctp.py"
P=6; SIZE=300
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; broker_stop; [ -n "${EOS_KEEP:-}" ] || rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
broker_start "$work/data" || die "broker did not start"
topic=$(unique_topic eos-crash)
timeout 60 $E create "$BROKER" "$topic" 3
for ((i = 0; i < P; i++)); do
  : >"$work/log.$i"
  $C loop "$BROKER" "$topic" "$topic-p$i" "$SIZE" "$work/log.$i" 2>"$work/loop.$i.err" &
  pids+=($!)
done
total() { cat "$work"/log.* | wc -l; }
target=$((10 + RANDOM % 20))
for ((i = 0; i < 300; i++)); do [ "$(total)" -ge "$target" ] && break; sleep 0.1; done
sleep "0.$((RANDOM % 10))"
[ "$(total)" -gt 0 ] || { cat "$work"/loop.*.err >&2; die "no transaction committed before the crash"; }
log "SIGKILL broker pid $BROKER_PID with $(total) transactions acknowledged, producers mid-transaction"
broker_kill9
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
pids=()
broker_restart || die "broker did not restart"
for ((i = 0; i < P; i += 2)); do timeout 60 $C reinit "$BROKER" "$topic-p$i" || die "re-init of $topic-p$i failed"; done
log "re-initialised the even ids; waiting for the odd ids' transaction timeout (10 s)"
sleep 13
# the final transactions use new ids, so the odd ids' open transactions end by the timeout alone
for ((i = 0; i < P; i++)); do timeout 60 $C final "$BROKER" "$topic" "$topic-p$i-after" "$SIZE" || die "final transaction of p$i failed"; done
ok=0
for ((t = 0; t < 3; t++)); do   # Kafka's timed-out-transaction sweep runs every 10 s: allow it a few
  if timeout 200 $C check "$BROKER" "$topic" "$SIZE" "$work"/log.* >"$work/check.out"; then ok=1; break; fi
  cat "$work/check.out" >&2; sleep 10
done
cat "$work/check.out"
[ $ok = 1 ] || die "transactions not atomic after the crash (or the LSO did not move on)"
log "PASS: every transaction all or nothing after a broker SIGKILL"
