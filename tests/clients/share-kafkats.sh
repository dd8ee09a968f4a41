#!/usr/bin/env bash
# @kafkats/client 0.12.0 ShareConsumer (KIP-932) on its own broker with share.version=1: three share consumers of one
# group read 30,000 records of one partition, each delivered exactly once; released records are delivered again,
# rejected ones never; a record acquired and never acknowledged comes back after a broker kill -9 (a higher delivery count),
# and after share.delivery.count.limit (5) deliveries it is archived and never delivered again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
J="timeout 300 node $(dirname "$0")/js/share_kafkats.js"
work=$(mktemp -d)
holder=""
trap '[ -n "$holder" ] && kill -9 "$holder" 2>/dev/null; broker_stop; [ -n "${SHARE_KEEP:-}" ] || rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
broker_start "$work/data" || die "broker did not start"
$J enable "$BROKER" - - || die "could not finalize share.version=1"

t=$(unique_topic share-many)
$J create "$BROKER" "$t" - 30000 || die "produce failed"
$J config "$BROKER" - "$t-g" share.auto.offset.reset=earliest || die "group config failed"
$J many "$BROKER" "$t" "$t-g" 30000 3 || die "three share consumers did not get every record exactly once"

t=$(unique_topic share-release)
$J create "$BROKER" "$t" - 60 || die "produce failed"
$J config "$BROKER" - "$t-g" share.auto.offset.reset=earliest || die "group config failed"
$J release "$BROKER" "$t" "$t-g" 60 || die "release/reject semantics"

t=$(unique_topic share-crash)
$J create "$BROKER" "$t" - 5 || die "produce failed"
$J config "$BROKER" - "$t-g" share.auto.offset.reset=earliest share.delivery.count.limit=5 || die "group config failed"
$J hold "$BROKER" "$t" "$t-g" >"$work/hold.out" 2>"$work/hold.err" &
holder=$!
for ((i = 0; i < 200; i++)); do grep -q HELD "$work/hold.out" && break; sleep 0.1; done
grep HELD "$work/hold.out" || { cat "$work/hold.err" >&2; die "the holder acquired nothing"; }
offset=$(awk '/HELD/ {print $2; exit}' "$work/hold.out")
held=$(awk '/HELD/ {print $5; exit}' "$work/hold.out")
log "SIGKILL broker pid $BROKER_PID while offset $offset is acquired and unacknowledged"
broker_kill9
kill -9 "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; holder=""
broker_restart || die "broker did not restart"
$J redeliver "$BROKER" "$t" "$t-g" "$offset" "$held" 5 || die "the unacknowledged record did not come back, or was not archived at the limit"
log "PASS: share consumers (kafkats) on share groups"
