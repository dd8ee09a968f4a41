#!/usr/bin/env bash
# librdkafka 2.12's own tests over a SASL_PLAINTEXT listener with SASL/PLAIN, sessions re-authenticated every 10 s
# (KIP-368): produce, consume, offsets, 0135 (credentials set at run time; wrong ones must fail), and 0142's
# re-authentication sub-tests that fit one broker (producing across a re-authentication; a re-authentication
# with wrong credentials must fail), and 0081's DescribeConsumerGroups_with_authorized_ops (a group's authorized
# operations, which librdkafka asks for only over SASL). The suite script starts its own broker each time.
set -uo pipefail
cd "$(dirname "$0")/../.."
DIR=$(mktemp -d /tmp/librdkafka-sasl.XXXXXX)
LIBRDKAFKA_SASL=PLAIN bash scripts/librdkafka-suite.sh 0001,0002,0012,0021,0022,0135 --results "$DIR/basic.txt"
SUBTESTS="producer message loss" LIBRDKAFKA_SASL=PLAIN bash scripts/librdkafka-suite.sh 0142 --results "$DIR/reauth.txt"
SUBTESTS="reauth failure" LIBRDKAFKA_SASL=PLAIN bash scripts/librdkafka-suite.sh 0142 --results "$DIR/reauth-failure.txt"
SUBTESTS="with_authorized_ops" LIBRDKAFKA_SASL=PLAIN bash scripts/librdkafka-suite.sh 0081 --results "$DIR/authorized-ops.txt"
cat "$DIR"/*.txt
[ "$(cat "$DIR"/*.txt | wc -l)" -eq 9 ] && ! cat "$DIR"/*.txt | grep -qv ' PASS '
