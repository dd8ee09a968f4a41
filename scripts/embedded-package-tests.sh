#!/usr/bin/env bash
# Packs src/Chronik.Embedded with `dotnet pack` into a folder feed and runs tests/Chronik.Embedded.PackageTests
# against that package (a PackageReference, not a project reference), as a user's test project would.
#   scripts/embedded-package-tests.sh [RESULTS_DIR] [extra dotnet test args...]
# Each run packs a fresh version (0.1.0-ci.TIMESTAMP), so NuGet's package cache never serves an older build.
# The TRX file lands in RESULTS_DIR (default: a temp dir); exit status is dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."
RES=${1:-$(mktemp -d /tmp/chronik-embedded-tests.XXXXXX)}; shift || true
mkdir -p "$RES"
FEED=$RES/feed
VERSION=0.1.0-ci.$(date +%Y%m%d%H%M%S)
rm -rf "$FEED"; mkdir -p "$FEED"
echo "[embedded] dotnet pack Chronik.Embedded $VERSION -> $FEED" >&2
dotnet pack -c Release src/Chronik.Embedded -o "$FEED" -p:ChronikEmbeddedVersion="$VERSION" >"$RES/pack.log" 2>&1 \
  || { tail -n 20 "$RES/pack.log" >&2; exit 1; }
echo "[embedded] dotnet test tests/Chronik.Embedded.PackageTests" >&2
dotnet build -c Release tests/Chronik.Embedded.PackageTests -p:ChronikEmbeddedVersion="$VERSION" -p:ChronikFeed="$FEED" \
  >"$RES/build.log" 2>&1 || { grep -E 'error' "$RES/build.log" | sort -u | head -n 20 >&2; exit 1; }
dotnet test tests/Chronik.Embedded.PackageTests --no-build -c Release -p:ChronikEmbeddedVersion="$VERSION" \
  --logger "trx;LogFileName=Chronik.Embedded.PackageTests.trx" --logger "console;verbosity=normal" --results-directory "$RES" "$@"
