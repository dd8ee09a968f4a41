#!/usr/bin/env bash
# One curl check per Schema Registry endpoint and per error code (Confluent's REST API, content type
# application/vnd.schemaregistry.v1+json), then a restart: schemas, ids, configs, modes and soft deletes survive.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
broker_start || die "could not start a broker"
trap 'broker_stop' EXIT
SR=$SCHEMA_REGISTRY_URL
CT='Content-Type: application/vnd.schemaregistry.v1+json'
fails=0
# check NAME EXPECTED_STATUS EXPECTED_BODY_SUBSTRING METHOD PATH [BODY]; AUTH=user:password sends basic credentials
check() {
  local name=$1 status=$2 want=$3 method=$4 path=$5 body=${6:-}
  local out code auth=()
  [ -n "${AUTH:-}" ] && auth=(-u "$AUTH")
  if [ -n "$body" ]; then
    out=$(curl -s -m 10 -w '\n%{http_code}' "${auth[@]}" -X "$method" -H "$CT" --data "$body" "$SR$path")
  else
    out=$(curl -s -m 10 -w '\n%{http_code}' "${auth[@]}" -X "$method" "$SR$path")
  fi
  code=${out##*$'\n'}; out=${out%$'\n'*}
  if [ "$code" = "$status" ] && [[ "$out" == *"$want"* ]]; then
    log "ok   $name: $code $out"
  else
    log "FAIL $name: got $code $out, want $status containing $want"; fails=$((fails + 1))
  fi
}
V1='{"schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"}'
V2='{"schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}"}'
BAD='{"schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"int\"}]}"}'
JS='{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"}}}"}'

check "root" 200 '{}' GET /
check "types" 200 '"PROTOBUF"' GET /schemas/types
check "register" 200 '{"id":1}' POST /subjects/u/versions "$V1"
check "register again" 200 '{"id":1}' POST /subjects/u/versions "$V1"
check "register v2" 200 '{"id":2}' POST /subjects/u/versions "$V2"
check "register json" 200 '{"id":3}' POST /subjects/j/versions "$JS"
check "subjects" 200 '["j","u"]' GET /subjects
check "versions" 200 '[1,2]' GET /subjects/u/versions
check "version" 200 '"version":1' GET /subjects/u/versions/1
check "latest" 200 '"id":2' GET /subjects/u/versions/latest
check "version schema" 200 '"name":"U"' GET /subjects/u/versions/1/schema
check "referencedby" 200 '[]' GET /subjects/u/versions/1/referencedby
check "lookup" 200 '"version":2' POST /subjects/u "$V2"
check "by id" 200 '"schema"' GET /schemas/ids/1
check "by id schema" 200 '"type":"record"' GET /schemas/ids/1/schema
check "by id subjects" 200 '["u"]' GET /schemas/ids/1/subjects
check "by id versions" 200 '[{"subject":"u","version":1}]' GET /schemas/ids/1/versions
check "compatibility" 200 '"is_compatible":true' POST /compatibility/subjects/u/versions/latest "$V2"
check "compatibility verbose" 200 'READER_FIELD_MISSING_DEFAULT_VALUE' POST '/compatibility/subjects/u/versions/latest?verbose=true' "$BAD"
check "compatibility all" 200 '"is_compatible":false' POST /compatibility/subjects/u/versions "$BAD"
check "409 incompatible" 409 '"error_code":409' POST /subjects/u/versions "$BAD"
check "config" 200 '"compatibilityLevel":"BACKWARD"' GET /config
check "config put" 200 '"compatibility":"FULL"' PUT /config/u '{"compatibility":"FULL"}'
check "config subject" 200 '"compatibilityLevel":"FULL"' GET /config/u
check "config global put" 200 '"compatibility":"FORWARD_TRANSITIVE"' PUT /config '{"compatibility":"FORWARD_TRANSITIVE"}'
check "mode" 200 '"mode":"READWRITE"' GET /mode
check "mode put" 200 '"mode":"READONLY"' PUT /mode/ro '{"mode":"READONLY"}'
check "soft delete version" 200 '1' DELETE /subjects/u/versions/1
check "deleted versions" 200 '[1,2]' GET '/subjects/u/versions?deleted=true'
check "soft delete subject" 200 '[2]' DELETE /subjects/u
check "deleted subjects" 200 '"u"' GET '/subjects?deleted=true'

check "40401 subject" 404 '"error_code":40401' GET /subjects/none/versions
check "40402 version" 404 '"error_code":40402' GET /subjects/j/versions/9
check "40403 schema" 404 '"error_code":40403' GET /schemas/ids/99
check "40404 soft deleted" 404 '"error_code":40404' DELETE /subjects/u
check "40405 not soft deleted" 404 '"error_code":40405' DELETE '/subjects/j?permanent=true'
check "40407 version not soft deleted" 404 '"error_code":40407' DELETE '/subjects/j/versions/1?permanent=true'
check "40408 no subject config" 404 '"error_code":40408' GET /config/j
check "40409 no subject mode" 404 '"error_code":40409' GET /mode/none
check "42201 invalid schema" 422 '"error_code":42201' POST /subjects/k/versions '{"schema":"{\"type\":\"nope\"}"}'
check "42202 invalid version" 422 '"error_code":42202' GET /subjects/j/versions/first
check "42203 invalid level" 422 '"error_code":42203' PUT /config '{"compatibility":"SIDEWAYS"}'
check "42204 invalid mode" 422 '"error_code":42204' PUT /mode '{"mode":"SOMETIMES"}'
check "42205 read-only" 422 '"error_code":42205' POST /subjects/ro/versions "$JS"
check "404 route" 404 '"error_code":404' GET /nowhere
metrics=$(curl -s -m 10 "http://127.0.0.1:$BROKER_MPORT/metrics")
if grep -q '^chronik_schema_registry_requests_total{.*route="/subjects/{subject}/versions"' <<<"$metrics"; then
  log "ok   /metrics: per-route registry request counts"
else
  log "FAIL /metrics: no chronik_schema_registry_requests_total for /subjects/{subject}/versions"; fails=$((fails + 1))
fi

broker_stop
broker_restart || die "restart failed"
check "after restart: subjects" 200 '["j"]' GET /subjects
check "after restart: soft deleted" 200 '["j","u"]' GET '/subjects?deleted=true'
check "after restart: ids" 200 '"type":"record"' GET /schemas/ids/2/schema
check "after restart: config" 200 '"compatibilityLevel":"FORWARD_TRANSITIVE"' GET /config
check "after restart: mode" 200 '"mode":"READONLY"' GET /mode/ro
check "after restart: next id" 200 '{"id":4}' POST /subjects/n/versions '{"schema":"\"string\""}'

# SASL on the broker: basic auth against its users (401/40101); an authorizer without ACLs: 403/40301 but for super users.
broker_stop
SECURE_CONF=$(mktemp /tmp/chronik-sr-secure.XXXXXX)
cat >"$SECURE_CONF" <<'PROPS'
listeners=SASL_PLAINTEXT://127.0.0.1:9092
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
PROPS
KCAT_ARGS="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=admin -X sasl.password=admin-secret" \
  broker_start "" "$SECURE_CONF" || die "could not start the SASL broker"
SR=$SCHEMA_REGISTRY_URL
for _ in $(seq 1 40); do [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$SR/")" = 401 ] && break; sleep 0.25; done
check "40101 no credentials" 401 '"error_code":40101' GET /subjects
AUTH=alice:wrong check "40101 wrong password" 401 '"error_code":40101' GET /subjects
AUTH=alice:alice-secret check "40301 register without WRITE" 403 '"error_code":40301' POST /subjects/s-value/versions "$V1"
AUTH=alice:alice-secret check "40301 config change by a non-super user" 403 '"error_code":40301' PUT /config '{"compatibility":"FULL"}'
AUTH=alice:alice-secret check "global config read" 200 '"compatibilityLevel"' GET /config
AUTH=admin:admin-secret check "super user registers" 200 '{"id":1}' POST /subjects/s-value/versions "$V1"
AUTH=alice:alice-secret check "listing hides unreadable subjects" 200 '[]' GET /subjects
rm -f "$SECURE_CONF"
[ "$fails" -eq 0 ] || die "$fails check(s) failed"
log "schema registry curl checks: ok"
