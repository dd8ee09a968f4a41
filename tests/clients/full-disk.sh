#!/usr/bin/env bash
# A full disk: the broker's data dir on a 32 MiB tmpfs. confluent-kafka (acks=all, retries=0) produces 64 KiB
# records until the disk is full: the refused produce reports KAFKA_STORAGE_ERROR, the broker stays up and
# answers Metadata, another produce is refused again; then space is freed (a ballast file deleted) and produce
# resumes at the offset after the last acknowledged one. Every acknowledged record is read back intact, before
# and after a restart. Needs root (mount); otherwise it says so and passes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
F="$PY $(dirname "$0")/py/full_disk.py"
if [ "$(id -u)" != 0 ]; then log "SKIP: mounting a tmpfs needs root"; exit 0; fi
work=$(mktemp -d)
disk=$work/disk
mkdir -p "$disk"
mount -t tmpfs -o size=32m tmpfs "$disk"
trap 'broker_stop; umount "$disk" 2>/dev/null || true; [ -n "${KEEP_LOG:-}" ] && cp "$BROKER_LOG" "$KEEP_LOG"; rm -rf "$work"' EXIT
BROKER_LOG=$work/broker.log
broker_start "$disk/data" || die "broker did not start"
topic=$(unique_topic full)
timeout 60 $F create "$BROKER" "$topic"
head -c $((6 * 1024 * 1024)) /dev/zero >"$disk/ballast"

: >"$work/acks"
err=$(timeout 100 $F fill "$BROKER" "$topic" "$work/acks") || die "fill failed"
nacked=$(wc -l <"$work/acks")
log "disk full after $nacked acknowledged records: $err ($(df -h "$disk" | tail -1 | awk '{print $4}') free)"
[ "$err" = KAFKA_STORAGE_ERROR ] || die "expected KAFKA_STORAGE_ERROR, got $err"
[ "$nacked" -gt 10 ] || die "only $nacked records acknowledged before the disk was full"
broker_alive || die "broker died on a full disk"
broker_answers "$BROKER" || die "broker does not answer Metadata on a full disk"
again=$(timeout 60 $F produce "$BROKER" "$topic" 900000 1 "$work/acks")
[ "$again" = KAFKA_STORAGE_ERROR ] || die "second produce on the full disk: expected KAFKA_STORAGE_ERROR, got '$again'"
broker_alive || die "broker died on a full disk"

rm -f "$disk/ballast"
errs=$(timeout 60 $F produce "$BROKER" "$topic" 1000000 20 "$work/acks")
[ -z "$errs" ] || die "produce after freeing space failed: $errs"
log "20 records acknowledged after freeing space"

check() {
  timeout 90 $F consume "$BROKER" "$topic" "$work/log" || die "consume failed"
  "$PY" - "$work/acks" "$work/log" <<'PYEOF'
import sys
acks = [tuple(l.split()) for l in open(sys.argv[1])]
log = [tuple(l.split()) for l in open(sys.argv[2])]
if log != acks:
    extra = [r for r in log if r not in set(acks)]
    print(f"FAIL: log has {len(log)} records, acknowledged {len(acks)}; unacknowledged in log {extra[:3]}, first difference at "
          f"{next((i for i, (a, b) in enumerate(zip(acks, log)) if a != b), min(len(acks), len(log)))}")
    sys.exit(1)
offsets = [int(o) for o, _ in log]
if offsets != list(range(len(offsets))):
    print("FAIL: offsets not contiguous from 0"); sys.exit(1)
print(f"log = the {len(acks)} acknowledged records, offsets 0..{len(acks) - 1}")
PYEOF
}
check || die "log differs from what was acknowledged"
broker_stop
broker_restart || die "broker did not restart"
check || die "log differs from what was acknowledged after a restart"
log "PASS: full disk answered KAFKA_STORAGE_ERROR, the broker stayed up, produce resumed after freeing space, all $(wc -l <"$work/acks") acknowledged records intact"
