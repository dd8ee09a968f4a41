#!/usr/bin/env bash
# kcat lz4 really compresses: the stored batches carry codec 3. librdkafka (every version) only
# compresses lz4 for brokers that advertise FindCoordinator (its LZ4 feature), otherwise it logs
# nothing at the default level and sends the batch uncompressed.
CODECS=lz4 STRICT_CODECS=lz4 exec bash "$(dirname "$0")/kcat-codecs.sh"
