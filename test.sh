#!/usr/bin/env bash
# The whole Chronik Stream test suite, on a fresh Debian machine as root:
#   1. scripts/setup-clients.sh        real Kafka clients + librdkafka 2.12 test suite (cached)
#   2. dotnet build -c Release Chronik.slnx
#   3. every tests/*/*.csproj          dotnet test --no-build (counts from TRX); the Chronik.Embedded package
#                                      tests after a dotnet pack (scripts/embedded-package-tests.sh)
#   4. tests/clients/default.list      real-client scripts against a broker started here
#   5. scripts/librdkafka-suite.sh CI  librdkafka 2.12's own tests (CI_LIST), two at a time
#   6. scripts/librdkafka-suite.sh CONSUMER  its group tests again with group.protocol=consumer (KIP-848)
# Prints a summary table; the last line is "N passed, N failed". Exit status 0 only if nothing failed.
#
# Flags: --quick    skip the librdkafka suite (steps 5 and 6)
#        --full     librdkafka FULL list (every test Kafka passes, ~20+ min) and bigger client runs
#        --core     librdkafka CORE list (61 tests) instead of CI
#        --pending  also run the client tests in tests/clients/pending.list
#        --no-setup / --no-build   skip steps 1 / 2 (for local iteration)
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

QUICK=0; FULL=0; CORE=0; PENDING=0; SETUP=1; BUILD=1
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    --full) FULL=1 ;;
    --core) CORE=1 ;;
    --pending) PENDING=1 ;;
    --no-setup) SETUP=0 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown flag $a" >&2; exit 2 ;;
  esac
done

RES=${CHRONIK_RESULTS:-$(mktemp -d /tmp/chronik-test-results.XXXXXX)}
mkdir -p "$RES"
SUMMARY=$RES/summary.tsv; : >"$SUMMARY"
FAILURES=$RES/failures.txt; : >"$FAILURES"   # what failed and why, printed again just before the totals
T0=$(date +%s)
say() { echo "[test.sh $(date +%H:%M:%S)] $*" >&2; }
# record SECTION NAME STATUS PASSED FAILED DETAIL
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$SUMMARY"; }
say "results in $RES"

# ---- 1. clients -------------------------------------------------------------------------------
if [ $SETUP -eq 1 ]; then
  say "scripts/setup-clients.sh"
  if bash scripts/setup-clients.sh >"$RES/setup.log" 2>&1; then
    record setup setup-clients PASS 1 0
  else
    record setup setup-clients FAIL 0 1 "see $RES/setup.log"; tail -n 20 "$RES/setup.log" >&2
  fi
fi
export CHRONIK_CACHE=${CHRONIK_CACHE:-/var/cache/chronik}
export NODE_PATH=$CHRONIK_CACHE/node/node_modules

# ---- 2. build ---------------------------------------------------------------------------------
BUILD_OK=1
if [ $BUILD -eq 1 ]; then
  say "dotnet build -c Release Chronik.slnx"
  if timeout 1800 dotnet build -c Release Chronik.slnx >"$RES/build.log" 2>&1; then
    record build "dotnet build" PASS 1 0
  else
    BUILD_OK=0
    record build "dotnet build" FAIL 0 1 "see $RES/build.log"
    grep -E 'error [A-Z]+[0-9]+' "$RES/build.log" | sort -u | head -n 20 >&2
  fi
fi

# ---- 3. dotnet test ---------------------------------------------------------------------------
# record_trx NAME EXIT_CODE RESULTS_DIR: records the counts of the TRX file dotnet test wrote.
record_trx() {
  local name=$1 rc=$2 rdir=$3 trx counters p f e t st
  trx=$(find "$rdir" -name '*.trx' | head -n 1)
  if [ -n "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
    t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
    p=${p:-0}; f=$(( ${f:-0} + ${e:-0} + ${t:-0} ))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # crashed test host, or timeout
    st=PASS; [ "$f" -gt 0 ] && st=FAIL
    record dotnet "$name" $st "$p" "$f" "exit $rc"
    if [ "$f" -gt 0 ]; then
      grep -E '^\s+Failed |error' "$rdir/console.log" | head -n 20 >&2
      # the failed tests' names and first message lines, repeated at the very end of the run
      { echo "$name:"; grep -A 2 -E '^\s+Failed ' "$rdir/console.log" | grep -v -E '^\s*(--|Error Message:)\s*$' | head -n 24 | sed 's/^/    /'; } >>"$FAILURES"
    fi
  else
    record dotnet "$name" FAIL 0 1 "no TRX (exit $rc), see $rdir/console.log"
    tail -n 20 "$rdir/console.log" >&2
    { echo "$name: no TRX (exit $rc)"; tail -n 8 "$rdir/console.log" | sed 's/^/    /'; } >>"$FAILURES"
  fi
}
if [ $BUILD_OK -eq 1 ]; then
  for proj in tests/*/*.csproj; do
    [ -f "$proj" ] || continue
    name=$(basename "$proj" .csproj)
    [ "$name" = Chronik.Embedded.PackageTests ] && continue   # needs the packed package: run below
    say "dotnet test $proj"
    rdir=$RES/dotnet/$name; rm -rf "$rdir"; mkdir -p "$rdir"
    timeout 1200 dotnet test "$proj" --no-build -c Release --logger "trx;LogFileName=$name.trx" \
      --logger "console;verbosity=minimal" --results-directory "$rdir" >"$rdir/console.log" 2>&1
    record_trx "$name" $? "$rdir"
  done
fi

# ---- 3b. the Chronik.Embedded package, packed and consumed from a folder feed --------------------
if [ $BUILD_OK -eq 1 ]; then
  rdir=$RES/dotnet/Chronik.Embedded.PackageTests; rm -rf "$rdir"; mkdir -p "$rdir"
  say "scripts/embedded-package-tests.sh"
  timeout 1200 bash scripts/embedded-package-tests.sh "$rdir" >"$rdir/console.log" 2>&1
  record_trx Chronik.Embedded.PackageTests $? "$rdir"
fi

# ---- 4. real clients --------------------------------------------------------------------------
. tests/clients/lib.sh
run_client_list() {  # run_client_list LISTFILE SECTION
  local list=$1 section=$2 t rc start secs
  while read -r t; do
    case $t in ''|'#'*) continue ;; esac
    if [ -z "${CHRONIK_BROKER_CMD:-}" ] && [ ! -f "$CHRONIK_SERVER_DLL" ]; then
      record "$section" "$t" FAIL 0 1 "no broker build"; continue
    fi
    if [ "${SHARED_BROKER_FAILED:-0}" -ge 2 ]; then
      record "$section" "$t" FAIL 0 1 "not run: shared broker does not start (see $RES/clients/shared-broker.log)"; continue
    fi
    if ! broker_alive; then
      [ -n "${BROKER_PID_WAS:-}" ] && say "shared broker died; restarting it"
      BROKER_LOG=$RES/clients/shared-broker.log
      if [ -n "${BROKER_PORT:-}" ]; then broker_restart; else broker_start "$RES/clients/shared-data" "$RES/clients/server.properties"; fi \
        || { SHARED_BROKER_FAILED=$(( ${SHARED_BROKER_FAILED:-0} + 1 ))
             record "$section" "$t" FAIL 0 1 "shared broker did not start"; continue; }
      BROKER_PID_WAS=$BROKER_PID
    fi
    say "client test $t"
    start=$(date +%s)
    CHRONIK_BOOTSTRAP=$BROKER CHRONIK_DATA_DIR=$BROKER_DATA N=$CLIENT_N timeout -k 10 600 bash "tests/clients/$t" </dev/null >"$RES/clients/$t.log" 2>&1
    rc=$?; secs=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then record "$section" "$t" PASS 1 0 "${secs}s"
    else
      record "$section" "$t" FAIL 0 1 "exit $rc, ${secs}s, log $RES/clients/$t.log"
      tail -n 12 "$RES/clients/$t.log" | sed "s/^/    [$t] /" >&2
      { echo "$t: exit $rc"; tail -n 6 "$RES/clients/$t.log" | sed 's/^/    /'; } >>"$FAILURES"
    fi
  done <"$list"
}
if [ $BUILD_OK -eq 1 ]; then
  mkdir -p "$RES/clients"
  printf 'auto.create.topics.enable=true\nnum.partitions=1\n' >"$RES/clients/server.properties"
  CLIENT_N=10000; [ $FULL -eq 1 ] && CLIENT_N=50000
  run_client_list tests/clients/default.list clients
  if [ $PENDING -eq 1 ]; then
    run_client_list tests/clients/pending.list pending
  else
    while read -r t; do
      case $t in ''|'#'*) continue ;; esac
      record pending "$t" SKIP 0 0 "needs a missing broker feature (tests/clients/pending.list); --pending runs it"
    done <tests/clients/pending.list
  fi
  broker_stop
else
  record clients "(all)" FAIL 0 1 "not run: build failed"
fi

# ---- 5 and 6. librdkafka suites ----------------------------------------------------------------
# run_suite SECTION LIST TIMEOUT DIR: runs one list of librdkafka's tests and records each result.
run_suite() {
  local section=$1 list=$2 tmo=$3 dir=$4
  say "scripts/librdkafka-suite.sh $list"
  bash scripts/librdkafka-suite.sh "$list" --timeout "$tmo" --results "$RES/$dir/results.txt" >"$RES/$dir-suite.log" 2>&1
  if [ -s "$RES/$dir/results.txt" ]; then
    while read -r num status secs note; do
      case $status in
        PASS) record "$section" "$num" PASS 1 0 "${secs}s" ;;
        SKIP) record "$section" "$num" SKIP 0 0 "$note" ;;
        *) record "$section" "$num" "$status" 0 1 "${secs}s $note" ;;
      esac
    done <"$RES/$dir/results.txt"
  else
    record "$section" "(suite)" FAIL 0 1 "no results, see $RES/$dir-suite.log"
    tail -n 10 "$RES/$dir-suite.log" >&2
  fi
}
if [ $QUICK -eq 0 ] && [ $BUILD_OK -eq 1 ]; then
  LIST=CI; TMO=240
  [ $CORE -eq 1 ] && { LIST=CORE; TMO=240; }
  [ $FULL -eq 1 ] && { LIST=FULL; TMO=900; }
  run_suite librdkafka "$LIST" "$TMO" librdkafka
  # 6. its group tests again with group.protocol=consumer (KIP-848)
  run_suite kip848 CONSUMER 240 librdkafka-consumer
fi

# ---- summary ----------------------------------------------------------------------------------
P=$(awk -F'\t' '{s+=$4} END{print s+0}' "$SUMMARY")
F=$(awk -F'\t' '{s+=$5} END{print s+0}' "$SUMMARY")
echo
echo "==================== Chronik Stream test summary ($(( ($(date +%s) - T0) / 60 )) min, results in $RES) ===================="
printf '%-11s %-34s %-7s %7s %7s  %s\n' SECTION TEST STATUS PASSED FAILED DETAIL
awk -F'\t' '{printf "%-11s %-34s %-7s %7s %7s  %s\n", $1, $2, $3, $4, $5, substr($6,1,110)}' "$SUMMARY"
if [ -s "$FAILURES" ]; then
  echo "-------------------------------------------- failures --------------------------------------------"
  cut -c1-300 "$FAILURES"
fi
echo "--------------------------------------------------------------------------------------------------"
awk -F'\t' '{p[$1]+=$4; f[$1]+=$5; if(!($1 in o)){o[$1]=n++; k[n-1]=$1}} END{for(i=0;i<n;i++) printf "%-11s %d passed, %d failed\n", k[i], p[k[i]], f[k[i]]}' "$SUMMARY"
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
