#!/usr/bin/env bash
# kcat (Debian, librdkafka 2.0.2): for each codec none,gzip,snappy,lz4,zstd produce 1000 keyed
# messages with -z CODEC to partition 0 of a fresh topic, consume them back from the beginning
# (-e: exit at end of partition) and compare key, value and order exactly.
# When the broker's data dir is known (own broker, or CHRONIK_DATA_DIR from the harness) it also
# checks that the stored batches really carry the codec, for the codecs in STRICT_CODECS: librdkafka
# silently sends lz4 uncompressed to a broker that does not advertise FindCoordinator (it ties its
# LZ4 "feature" to that API), so the lz4 check is a test of its own: kcat-lz4-stored.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
use_broker
BROKER_DATA=${CHRONIK_DATA_DIR:-${BROKER_DATA:-}}
CODECS=${CODECS:-none gzip snappy lz4 zstd}
STRICT_CODECS=${STRICT_CODECS:-none gzip snappy zstd}
declare -A CODEC_ID=([none]=0 [gzip]=1 [snappy]=2 [lz4]=3 [zstd]=4)
work=$(mktemp -d); trap 'rm -rf "$work"; broker_stop' EXIT
N=${KCAT_N:-1000}
for i in $(seq 1 "$N"); do printf 'key-%05d\tvalue-%05d-%s\n' "$i" "$i" "payload payload payload $((i * 7919 % 10007))"; done >"$work/in.txt"
fail=0
for codec in $CODECS; do
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
    if [ -n "$BROKER_DATA" ] && [[ " $STRICT_CODECS " == *" $codec "* ]]; then
      # batches of fewer than 8 records are left out: librdkafka sends a batch uncompressed when
      # compressing would make it larger (a lone message behind the first linger, say)
      stored=$("$PY" "$(dirname "$0")/py/segment_codecs.py" --min-records 8 "$BROKER_DATA/$topic-0/"*.log)
      if [ -n "$stored" ] && [ "$stored" = "${CODEC_ID[$codec]}:${stored#*:}" ] && [[ $stored != *" "* ]]; then
        log "$codec: stored batches all carry codec ${CODEC_ID[$codec]} ($stored)"
      else
        log "$codec: stored batches have codecs '$stored' (codec:count), expected only ${CODEC_ID[$codec]}"; fail=1
      fi
    fi
  else
    log "$codec: MISMATCH (got $(wc -l <"$work/out-$codec.txt") lines)"; diff "$work/in.txt" "$work/out-$codec.txt" | head -5 >&2; fail=1
  fi
done
exit $fail
