#!/usr/bin/env bash
# Issue 13's scale test: T topics x P partitions (default 100 x 1,000 = 100,000) created through the admin API
# (confluent-kafka), one record in each partition of the first W topics, a restart, and then: every topic is listed
# with all its partitions, every written partition holds exactly its record, and the broker's open descriptors stay
# bounded (idle: the process's own plus a few; after reading: below its segment-file cache plus sockets).
# In default.list (about a minute on 2 cores: 12 s to create, 7 s to restart); MANY_TOPICS / MANY_PARTITIONS /
# MANY_WRITTEN change the sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/clients/lib.sh
T=${MANY_TOPICS:-100}; P=${MANY_PARTITIONS:-1000}; W=${MANY_WRITTEN:-2}
M="$PY tests/clients/py/many_partitions.py"
BROKER_STOP_TIMEOUT=600
BROKER_START_TIMEOUT=${BROKER_START_TIMEOUT:-900}
work=$(mktemp -d)
trap 'broker_stop; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
fds() { ls /proc/$BROKER_PID/fd | wc -l; }

broker_start "$work/data" >/dev/null 2>&1 || die "broker did not start"
t0=$(date +%s)
result=$(timeout 1800 $M create "$BROKER" many "$T" "$P") || true
[ "$result" = ok ] || die "create: $(echo "$result" | head -n 3)"
log "created $T x $P partitions in $(( $(date +%s) - t0 )) s; $(fds) descriptors"
delivered=$(timeout 900 $M produce "$BROKER" many "$W" "$P")
[ "${delivered%% *}" = $((W * P)) ] || die "produce: $delivered"
log "one record in each of $((W * P)) partitions; $(fds) descriptors"
broker_stop
t0=$(date +%s)
broker_restart >/dev/null 2>&1 || die "restart failed: $(grep -v '^\s*at ' "$BROKER_LOG" | tail -n 3)"
log "restarted in $(( $(date +%s) - t0 )) s"
sleep 3
idle=$(fds)
[ "$idle" -lt 1000 ] || die "$idle descriptors open while idle after the restart"
timeout 900 $M topics "$BROKER" many "$T" "$P" >&2 || die "topics after the restart"
timeout 900 $M verify "$BROKER" many "$W" "$P" >&2 || die "records after the restart"
after=$(fds)
soft=$(awk '/Max open files/ {print $4}' /proc/$BROKER_PID/limits)
[ "$after" -lt $(( soft / 2 + 1000 )) ] || die "$after descriptors open after the reads (soft limit $soft)"
log "idle $idle descriptors, $after after reading $((W * P)) partitions (soft limit $soft); RSS $(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' /proc/$BROKER_PID/status)"
echo "PASS: $T x $P partitions"
