#!/usr/bin/env bash
# Out-of-process fuzzing of the Kafka listener (fuzz/Chronik.Fuzz): a private broker gets mutated frames from the
# recorded client corpus (fuzz/corpus/corpus.bin: bit flips, interesting integers, bytes inserted or cut, size
# prefixes kept consistent) and random frames for every advertised (api, version) (schema-shaped random values, or
# random bytes), pipelined over many connections, while ApiVersions+Metadata probes on fresh connections and
# /health must all be answered. Passes when the broker is alive, every probe answered, its peak RSS stays below
# 1 GiB and its log has no crit line (and no fail line: bad input is a warning, faults are bugs).
#   FUZZ_MUTATED / FUZZ_RANDOM   frame counts (default 300000 / 1000000, the CI run)
#   FUZZ_LONG=1                  a long run: 10x the frames, up to an hour
#   FUZZ_SEED                    seed (default: time); printed, so a failure can be replayed
set -euo pipefail
. "$(dirname "$0")/lib.sh"
FUZZ_DLL=${FUZZ_DLL:-$CHRONIK_ROOT/fuzz/Chronik.Fuzz/bin/Release/net10.0/chronik-fuzz.dll}
if [ ! -f "$FUZZ_DLL" ]; then
  dotnet build -c Release "$CHRONIK_ROOT/fuzz/Chronik.Fuzz" >/dev/null || die "could not build the fuzzer"
fi
mutated=${FUZZ_MUTATED:-300000}; random=${FUZZ_RANDOM:-1000000}; max_seconds=900
if [ -n "${FUZZ_LONG:-}" ]; then mutated=$((mutated * 10)); random=$((random * 10)); max_seconds=3600; fi
seed=${FUZZ_SEED:-$(date +%s)}
CONF=$(mktemp /tmp/chronik-fuzz.XXXXXX.properties)
# Fsync relaxed: the fuzzer measures robustness, not durability, and a produce waiting for the disk holds its
# connection (and the frames behind it) for a flush; so does a JoinGroup for the initial rebalance delay.
cat >"$CONF" <<'PROPS'
auto.create.topics.enable=true
log.flush.interval.messages=100000
log.flush.interval.ms=1000
group.initial.rebalance.delay.ms=0
PROPS
trap 'broker_stop; rm -f "$CONF"; [ -n "${BROKER_DATA:-}" ] && rm -rf "$BROKER_DATA"' EXIT
BROKER_LOG=$(mktemp /tmp/chronik-fuzz.XXXXXX.log)
broker_start "" "$CONF" || die "broker did not start"
log "fuzzing $BROKER (pid $BROKER_PID, log $BROKER_LOG): $mutated mutated, $random random frames, seed $seed"
rc=0
dotnet "$FUZZ_DLL" run --bootstrap "$BROKER" --pid "$BROKER_PID" --health "http://127.0.0.1:$BROKER_MPORT/health" \
  --log "$BROKER_LOG" --corpus "$CHRONIK_ROOT/fuzz/corpus/corpus.bin" --mutated "$mutated" --random "$random" \
  --connections "${FUZZ_CONNECTIONS:-16}" --seed "$seed" --rss-limit-mb 1024 --max-seconds "$max_seconds" \
  --max-fail-lines "${FUZZ_MAX_FAIL_LINES:-0}" || rc=$?
broker_alive || { log "broker died; tail of $BROKER_LOG:"; tail -n 20 "$BROKER_LOG" >&2; rc=1; }
[ "$rc" -eq 0 ] && rm -f "$BROKER_LOG"
exit "$rc"
