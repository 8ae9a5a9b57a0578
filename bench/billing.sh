#!/usr/bin/env bash
# Billing benchmarks: settled payments recorded per second (the real recording path, N concurrent
# writers) and a month's statement for a merchant with 1,000,000 payments, on the embedded
# PostgreSQL the tests use (or TEST_DB_URL). Runs io.sippar.billing.BillingBenchmark through Maven
# and prints its report (also kept in bench/results/). See bench/README.md, "Billing".
#
#   bench/billing.sh [--writers 1,8,32] [--settlements 4000] [--payments 1000000]
set -euo pipefail

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
WRITERS=1,8,32
SETTLEMENTS=4000
PAYMENTS=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --writers) WRITERS="${2:?--writers needs a comma list}"; shift 2 ;;
    --settlements) SETTLEMENTS="${2:?--settlements needs a count}"; shift 2 ;;
    --payments) PAYMENTS="${2:?--payments needs a count}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$WRITERS" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "--writers must be a comma list of counts" >&2; exit 2; }
[[ "$SETTLEMENTS" =~ ^[0-9]+$ ]] && [ "$SETTLEMENTS" -ge 100 ] && [ "$SETTLEMENTS" -le 200000 ] \
  || { echo "--settlements must be 100..200000" >&2; exit 2; }
[[ "$PAYMENTS" =~ ^[0-9]+$ ]] && [ "$PAYMENTS" -ge 1000 ] && [ "$PAYMENTS" -le 5000000 ] \
  || { echo "--payments must be 1000..5000000" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
fi
# the test resources start the chain fixtures too; they need their npm packages
for d in chain-fixtures/evm src/test/js; do
  [ -d "$d/node_modules" ] || (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
done
rm -f target/bench-billing.md
# bounded: the whole run (generation of the million included) may take at most 60 minutes
timeout 3600 ./mvnw -B -q test -Dtest=BillingBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.writers="$WRITERS" -Dbench.settlements="$SETTLEMENTS" -Dbench.payments="$PAYMENTS" \
  -DtrimStackTrace=false
[ -f target/bench-billing.md ] || { echo "the benchmark wrote no report (see target/surefire-reports)" >&2; exit 1; }
mkdir -p bench/results
out="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-billing.md"
cp target/bench-billing.md "$out"
cat "$out"
echo
echo "(kept in $out)"
