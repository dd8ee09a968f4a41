#!/usr/bin/env bash
# librdkafka 2.12's own tests over a SASL_PLAINTEXT listener with SASL/PLAIN: produce, consume, offsets,
# and 0135 (credentials set at run time; wrong ones must fail). The suite script starts its own broker.
set -uo pipefail
cd "$(dirname "$0")/../.."
RES=$(mktemp -d /tmp/librdkafka-sasl.XXXXXX)/results.txt
LIBRDKAFKA_SASL=PLAIN bash scripts/librdkafka-suite.sh 0001,0002,0012,0021,0022,0135 --results "$RES"
cat "$RES"
[ -s "$RES" ] && ! grep -qv ' PASS ' "$RES"
