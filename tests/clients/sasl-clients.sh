#!/usr/bin/env bash
# kafkajs 2.2.4 and kafka-python over a SASL_PLAINTEXT listener with SASL/PLAIN (own broker): produce and consume
# as a configured user; a wrong password is refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CONF=$(mktemp /tmp/chronik-sasl.XXXXXX.properties)
cat >"$CONF" <<'PROPS'
listeners=SASL_PLAINTEXT://127.0.0.1:9092
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";
auto.create.topics.enable=true
PROPS
export KCAT_ARGS="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=alice -X sasl.password=alice-secret"
trap 'broker_stop; rm -f "$CONF"' EXIT
broker_start "" "$CONF" || die "broker did not start"
KAFKAJS_NO_PARTITIONER_WARNING=1 timeout 120 node "$(dirname "$0")/js/kafkajs_sasl.js" "$BROKER" "$(unique_topic kjs-sasl)"
timeout 120 "$PY" "$(dirname "$0")/py/kafkapython_sasl.py" "$BROKER" "$(unique_topic kp-sasl)"
