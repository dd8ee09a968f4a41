#!/usr/bin/env bash
# Installs the real Kafka clients the tests drive: Debian packages (kcat, python clients, build deps, and
# postgresql where /usr/lib/postgresql/*/bin/initdb is missing),
# librdkafka 2.12.0 built from npm node-rdkafka@3.6.1 (library, test suite, rdkafka_performance) and
# kafkajs 2.2.4, @kafkajs/confluent-schema-registry 4.1.0 and @kafkats/client 0.12.0 (its ShareConsumer speaks KIP-932), and s3rver 3.7.1 (an S3 double for the object-store tests). Everything is cached outside the clone in $CHRONIK_CACHE (default /var/cache/chronik),
# so a second run costs nothing. Prints the cache directory on its last line.
set -euo pipefail
CACHE=${CHRONIK_CACHE:-/var/cache/chronik}
mkdir -p "$CACHE"
log() { echo "[setup-clients] $*" >&2; }

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS="build-essential pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev rapidjson-dev kcat python3-confluent-kafka python3-kafka python3-requests python3-jsonschema liblz4-1 libzstd1"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
# tests/Chronik.Cluster.Tests start a throwaway PostgreSQL from Debian's binaries (tests/Shared/PostgresServer.cs).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing="$missing postgresql"
if [ -n "$missing" ]; then
  log "apt-get install$missing"
  if [ ! -f "$CACHE/.apt-updated" ]; then $SUDO apt-get update -qq >&2 && touch "$CACHE/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >&2
fi

RDK="$CACHE/librdkafka"
if [ ! -f "$CACHE/.librdkafka-built" ]; then
  log "building librdkafka 2.12.0 from node-rdkafka@3.6.1 (a few minutes, once)"
  rm -rf "$CACHE/node-rdkafka" "$RDK"; mkdir -p "$CACHE/node-rdkafka"
  ( cd "$CACHE/node-rdkafka" && npm pack node-rdkafka@3.6.1 --silent >&2 && tar xzf node-rdkafka-3.6.1.tgz )
  mv "$CACHE/node-rdkafka/package/deps/librdkafka" "$RDK"
  ( cd "$RDK" && ./configure --disable-curl >&2 && make -j"$(nproc)" libs >&2 \
      && make -C tests -j"$(nproc)" build >&2 && make -C examples rdkafka_performance >&2 )
  touch "$CACHE/.librdkafka-built"
fi

if [ ! -f "$CACHE/node/node_modules/kafkajs/package.json" ]; then
  log "npm install kafkajs@2.2.4"
  mkdir -p "$CACHE/node" && ( cd "$CACHE/node" && npm init -y >/dev/null && npm install --silent kafkajs@2.2.4 >&2 )
fi
if [ ! -f "$CACHE/node/node_modules/@kafkajs/confluent-schema-registry/package.json" ]; then
  log "npm install @kafkajs/confluent-schema-registry@4.1.0"
  mkdir -p "$CACHE/node" && ( cd "$CACHE/node" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --silent @kafkajs/confluent-schema-registry@4.1.0 >&2 )
fi
if [ ! -f "$CACHE/node/node_modules/@kafkats/client/package.json" ]; then
  log "npm install @kafkats/client@0.12.0"
  mkdir -p "$CACHE/node" && ( cd "$CACHE/node" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --silent @kafkats/client@0.12.0 >&2 )
fi
if [ ! -f "$CACHE/node/node_modules/s3rver/package.json" ]; then
  log "npm install s3rver@3.7.1 (the S3 test double of tests/Chronik.Storage.Objects.Tests)"
  mkdir -p "$CACHE/node" && ( cd "$CACHE/node" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --silent s3rver@3.7.1 >&2 )
fi
echo "$CACHE"
