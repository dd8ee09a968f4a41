#!/usr/bin/env bash
# kcat (Debian, librdkafka 2.0.2): for each codec none,gzip,snappy,lz4,zstd produce 1000 keyed
# messages with -z CODEC to partition 0 of a fresh topic, consume them back from the beginning
# (-e: exit at end of partition) and compare key, value and order exactly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
work=$(mktemp -d); trap 'rm -rf "$work"; broker_stop' EXIT
N=${KCAT_N:-1000}
for i in $(seq 1 "$N"); do printf 'key-%05d\tvalue-%05d-%s\n' "$i" "$i" "payload payload payload $((i * 7919 % 10007))"; done >"$work/in.txt"
fail=0
for codec in none gzip snappy lz4 zstd; do
  topic=$(unique_topic "kcat-$codec")
  if ! timeout 60 kcat -b "$BROKER" -P -t "$topic" -p 0 -K $'\t' -z "$codec" \
        -X acks=all -X linger.ms=5 -X batch.num.messages=200 <"$work/in.txt" 2>"$work/p-$codec.err"; then
    log "$codec: produce failed"; cat "$work/p-$codec.err" >&2; fail=1; continue
  fi
  if ! timeout 60 kcat -b "$BROKER" -C -t "$topic" -p 0 -o beginning -e -q -f '%k\t%s\n' \
        >"$work/out-$codec.txt" 2>"$work/c-$codec.err"; then
    log "$codec: consume failed"; cat "$work/c-$codec.err" >&2; fail=1; continue
  fi
  if cmp -s "$work/in.txt" "$work/out-$codec.txt"; then
    log "$codec: $N messages round-tripped exactly"
  else
    log "$codec: MISMATCH (got $(wc -l <"$work/out-$codec.txt") lines)"; diff "$work/in.txt" "$work/out-$codec.txt" | head -5 >&2; fail=1
  fi
done
exit $fail
