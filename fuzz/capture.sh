#!/usr/bin/env bash
# Re-captures fuzz/corpus/corpus.bin: the request frames real clients send, recorded by chronik-fuzz's proxy
# between each client and a private broker that advertises the proxy's port (so clients stay on the proxy):
# kcat (produce with every codec, consume), confluent-kafka (admin, idempotent produce, group consume with
# commits, transactions), kafka-python, kafkajs (admin, produce, group), and SASL/PLAIN (kcat, kafkajs,
# kafka-python) against a SASL_PLAINTEXT broker. Frames are deduplicated (correlation ids aside) and capped
# per (api, version). Needs the clients from scripts/setup-clients.sh and a Release build.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/clients/lib.sh"
FUZZ_DLL=${FUZZ_DLL:-$CHRONIK_ROOT/fuzz/Chronik.Fuzz/bin/Release/net10.0/chronik-fuzz.dll}
[ -f "$FUZZ_DLL" ] || dotnet build -c Release "$CHRONIK_ROOT/fuzz/Chronik.Fuzz" >/dev/null
WORK=$(mktemp -d /tmp/chronik-capture.XXXXXX)
PROXY_PID=""
cleanup() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; wait 2>/dev/null; broker_stop; }
trap cleanup EXIT

# capture NAME EXTRA_PROPS...: a broker advertising a proxy port, the proxy recording into $WORK/NAME.raw
start_capture() {
  local name=$1; shift
  PROXY_PORT=$(free_port)
  local conf=$WORK/$name.properties
  : >"$conf"
  for p in "$@"; do echo "$p" >>"$conf"; done
  echo "auto.create.topics.enable=true" >>"$conf"
  CHRONIK_BROKER_CMD="dotnet $CHRONIK_SERVER_DLL --advertised-port $PROXY_PORT" BROKER_LOG=$WORK/$name.log broker_start "" "$conf" ||
    die "broker did not start"
  dotnet "$FUZZ_DLL" record --listen "127.0.0.1:$PROXY_PORT" --upstream "$BROKER" --out "$WORK/$name.raw" >/dev/null &
  PROXY_PID=$!
  for _ in $(seq 40); do port_open "$PROXY_PORT" && break; sleep 0.25; done
  PROXY=127.0.0.1:$PROXY_PORT
}
stop_capture() { kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""; broker_stop; BROKER_LOG=""; }

start_capture plain
t=$(unique_topic fz)
for codec in none gzip snappy lz4 zstd; do
  seq 1 300 | sed "s/^/$codec-/" | timeout 60 kcat -b "$PROXY" -P -t "$t" -z "$codec" -K- 2>/dev/null || log "kcat $codec failed"
done
timeout 60 kcat -b "$PROXY" -C -t "$t" -o beginning -e -q >/dev/null
timeout 60 kcat -b "$PROXY" -G "$t-kg" "$t" -o beginning -e -q >/dev/null 2>&1 || true
timeout 60 kcat -b "$PROXY" -L >/dev/null
timeout 180 "$PY" "$HERE/capture_confluent.py" "$PROXY" "$(unique_topic fzc)"
timeout 120 "$PY" "$CHRONIK_ROOT/tests/clients/py/kafkapython_test.py" "$PROXY" "$(unique_topic fzp)" 200
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$CHRONIK_ROOT/tests/clients/js/kafkajs_basic.js" "$PROXY" "$(unique_topic fzj)"
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$CHRONIK_ROOT/tests/clients/js/kafkajs_group.js" "$PROXY" "$(unique_topic fzjg)"
stop_capture

start_capture sasl "listeners=SASL_PLAINTEXT://127.0.0.1:9092" "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" \
  'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
sasl="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=alice -X sasl.password=alice-secret"
t=$(unique_topic fzs)
# shellcheck disable=SC2086
seq 1 100 | timeout 60 kcat -b "$PROXY" $sasl -P -t "$t" -z lz4
# shellcheck disable=SC2086
timeout 60 kcat -b "$PROXY" $sasl -C -t "$t" -o beginning -e -q >/dev/null
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$CHRONIK_ROOT/tests/clients/js/kafkajs_sasl.js" "$PROXY" "$(unique_topic fzjs)"
timeout 120 "$PY" "$CHRONIK_ROOT/tests/clients/py/kafkapython_sasl.py" "$PROXY" "$(unique_topic fzps)"
stop_capture

dotnet "$FUZZ_DLL" minimize --out "$HERE/corpus/corpus.bin" --per-version 16 --max-frame-bytes 65536 "$WORK"/*.raw
ls -l "$HERE/corpus/corpus.bin"
[ -n "${CAPTURE_KEEP:-}" ] || rm -rf "$WORK"
