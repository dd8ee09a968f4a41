#!/usr/bin/env bash
# Many partitions under a small descriptor limit: the broker runs under `prlimit --nofile=1024:1024` and is asked
# for 5 topics x 1000 partitions (confluent-kafka AdminClient). An idle partition holds no descriptor and the
# store keeps at most half the limit in segment files, so creation succeeds; then one record goes to each of
# 2000 partitions and every one is read back, the broker's open descriptors stay under the limit, and it still
# answers after a restart under the same limit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
M="$PY $(dirname "$0")/py/many_partitions.py"
BROKER_STOP_TIMEOUT=60 # a clean stop checkpoints every written partition
command -v prlimit >/dev/null || { log "SKIP: prlimit not installed"; exit 0; }
work=$(mktemp -d)
trap 'broker_stop; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
CHRONIK_BROKER_CMD="prlimit --nofile=1024:1024 dotnet $CHRONIK_SERVER_DLL" broker_start "$work/data" || die "broker did not start"
grep -q 'Max open files *1024 *1024' "/proc/$BROKER_PID/limits" || die "the broker does not run under the 1024 limit"
prefix=$(unique_topic fd)

fds() { ls "/proc/$BROKER_PID/fd" | wc -l; }
result=$(timeout 120 $M create "$BROKER" "$prefix" 5 1000) || die "create failed"
broker_alive || die "broker died creating 5000 partitions"
[ "$result" = ok ] || die "creating 5 x 1000 partitions: $result"
log "5000 partitions created; broker holds $(fds) descriptors"

out=$(timeout 120 $M produce "$BROKER" "$prefix" 2 1000) || die "produce failed"
[ "${out%% *}" = 2000 ] || die "produce to 2000 partitions delivered: $out"
open=$(fds)
log "one record in each of 2000 partitions; broker holds $open descriptors"
[ "$open" -lt 1000 ] || die "broker holds $open descriptors"
timeout 120 $M verify "$BROKER" "$prefix" 2 1000 || die "verify failed"
broker_alive || die "broker died"

broker_stop
CHRONIK_BROKER_CMD="prlimit --nofile=1024:1024 dotnet $CHRONIK_SERVER_DLL" broker_restart || die "broker did not restart with 5000 partitions under the limit"
timeout 120 $M verify "$BROKER" "$prefix" 2 1000 || die "verify after restart failed"
out=$(timeout 120 $M produce "$BROKER" "$prefix" 1 1000) || die "produce after restart failed"
[ "${out%% *}" = 1000 ] || die "produce after restart delivered: $out"
log "PASS: 5000 partitions under a 1024-descriptor limit; produce and fetch served, $(fds) descriptors open"
