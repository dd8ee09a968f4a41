#!/usr/bin/env bash
# Out-of-process fuzzing of the Kafka listener (fuzz/Chronik.Fuzz): a private broker gets mutated frames from the
# recorded client corpus (fuzz/corpus/corpus.bin: bit flips, interesting integers, bytes inserted or cut, size
# prefixes kept consistent) and random frames for every advertised (api, version) (schema-shaped random values, or
# random bytes), pipelined over many connections, while ApiVersions+Metadata probes on fresh connections and
# /health must all be answered. Passes when the broker is alive, every probe answered, its peak RSS stays below
# 1 GiB and its log has no crit line (and no fail line: bad input is a warning, faults are bugs). Then the same,
# a tenth as long, against a SASL_PLAINTEXT listener (the probes authenticate with SASL/PLAIN).
#   FUZZ_MUTATED / FUZZ_RANDOM   frame counts (default 300000 / 1000000, the CI run)
#   FUZZ_LONG=1                  a long run: 10x the frames, up to an hour
#   FUZZ_RSS_LIMIT_MB            peak broker RSS allowed (default 1024)
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
# connection (and the frames behind it) for a flush; so does a JoinGroup for the initial rebalance delay. Mutated
# CreateTopics and auto-creating Metadata add partitions all run long; max.broker.partitions bounds them as an operator would.
cat >"$CONF" <<'PROPS'
auto.create.topics.enable=true
max.broker.partitions=3000
log.flush.interval.messages=100000
log.flush.interval.ms=1000
group.initial.rebalance.delay.ms=0
PROPS
BROKER_LOG=""
trap 'broker_stop; rm -f "$CONF" "$CONF.sasl"; [ -n "${BROKER_DATA:-}" ] && rm -rf "$BROKER_DATA"' EXIT

# fuzz_broker NAME MUTATED RANDOM [FUZZER ARGS...]: a fresh broker on $CONF, fuzzed, stopped; rc in $rc
rc=0; FAILED_RUNS=()
fuzz_broker() {
  local name=$1 m=$2 r=$3; shift 3
  local out; out=$(mktemp /tmp/chronik-fuzz-out.XXXXXX)
  BROKER_LOG=$(mktemp "/tmp/chronik-fuzz-$name.XXXXXX.log")
  broker_start "" "$CONF" || die "broker did not start"
  log "fuzzing $name broker $BROKER (pid $BROKER_PID, log $BROKER_LOG): $m mutated, $r random frames, seed $seed"
  local one=0
  dotnet "$FUZZ_DLL" run --bootstrap "$BROKER" --pid "$BROKER_PID" --health "http://127.0.0.1:$BROKER_MPORT/health" \
    --log "$BROKER_LOG" --corpus "$CHRONIK_ROOT/fuzz/corpus/corpus.bin" --mutated "$m" --random "$r" \
    --connections "${FUZZ_CONNECTIONS:-32}" --seed "$seed" --rss-limit-mb "${FUZZ_RSS_LIMIT_MB:-1024}" --max-seconds "$max_seconds" \
    --max-fail-lines "${FUZZ_MAX_FAIL_LINES:-0}" "$@" 2>&1 | tee "$out" || one=$?
  broker_alive || { log "broker died; tail of $BROKER_LOG:"; tail -n 20 "$BROKER_LOG" >&2; one=1; }
  broker_stop
  rm -rf "$BROKER_DATA"; BROKER_DATA=""
  if [ "$one" -eq 0 ]; then rm -f "$BROKER_LOG"; else
    rc=1; log "$name run failed; broker log kept: $BROKER_LOG"
    # Why, kept for the end of the output (test.sh shows a failed script's last lines).
    FAILED_RUNS+=("$name (seed $seed): $({ grep -E '^(FAIL|broker: |  probe failure|  [0-9]+ x )' "$out" || true; } | head -n 6 | tr '\n' '|')")
  fi
  rm -f "$out"
}

fuzz_broker plaintext "$mutated" "$random"
# The same on a SASL_PLAINTEXT listener, a tenth as long: most frames meet the pre-authentication gate.
cp "$CONF" "$CONF.sasl"
cat >>"$CONF.sasl" <<'PROPS'
listeners=SASL_PLAINTEXT://127.0.0.1:9092
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";
PROPS
KCAT_ARGS="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=alice -X sasl.password=alice-secret" \
  CONF=$CONF.sasl fuzz_broker sasl $((mutated / 10)) $((random / 10)) --sasl-plain alice:alice-secret
for f in "${FAILED_RUNS[@]}"; do log "failed: $f"; done
exit "$rc"
