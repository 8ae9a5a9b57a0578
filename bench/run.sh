#!/usr/bin/env bash
# Sippar benchmarks: builds if needed, starts anvil (chain-fixtures/evm), for the Algorand scenarios
# the algod devnet (chain-fixtures/algorand), and the gateway jar on 127.0.0.1 free ports (embedded
# PostgreSQL, demo route, a bench merchant with an API key), runs the scenarios and prints one
# summary table with the issue's targets. Everything it starts is stopped by PID on exit. See
# bench/README.md.
#
#   bench/run.sh [--duration 20] [--only challenges|verify|paid|paid-blocks|verify-avm|paid-avm|jmh|load|soak[,...]]
#                [--soak-duration 600]
#   load and soak (bench/load.mjs) run only when named; BENCH_LOAD_ARGS passes options to load.mjs
#   BENCH_BLOCK_TIMES="1 2": block times of paid-blocks; BENCH_PROFILE=1: JFR on the gateway
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
DURATION=20
SOAK_DURATION=600
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
    --only) ONLY="${2:?--only needs a scenario}"; shift 2 ;;
    --soak-duration) SOAK_DURATION="${2:?--soak-duration needs seconds}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 3 ] && [ "$DURATION" -le 600 ] \
  || { echo "--duration must be 3..600 seconds" >&2; exit 2; }
[[ "$SOAK_DURATION" =~ ^[0-9]+$ ]] && [ "$SOAK_DURATION" -ge 10 ] && [ "$SOAK_DURATION" -le 3600 ] \
  || { echo "--soak-duration must be 10..3600 seconds" >&2; exit 2; }
for s in ${ONLY//,/ }; do
  case "$s" in challenges|verify|paid|paid-blocks|verify-avm|paid-avm|jmh|load|soak) ;; *) echo "unknown scenario: $s" >&2; exit 2 ;; esac
done
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
named() { [[ ",$ONLY," == *",$1,"* ]]; } # load and soak: only when asked for

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
cd "$ROOT"
if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
: "${JAVA_HOME:?set JAVA_HOME to a JDK 21+}"
JAVA="$JAVA_HOME/bin/java"
API_KEY="sk_bench_$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')" # hex: the stored prefix allows only [A-Za-z0-9_]
TOKEN=0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9
MERCHANT=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
WORK="$(mktemp -d -t sippar-bench.XXXXXX)"
RESULTS="$WORK/results"
mkdir -p "$RESULTS"
log() { printf '%s [bench] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ process control (by PID only)
GW_PID=""; ANVIL_PID=""; ALGOD_PID=""; SAMPLER_PID=""
stop_pid() { # pid [seconds]: TERM, wait, then KILL; only ever our own children
  local pid="$1" t="${2:-20}"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((t * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM, killing"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}
stop_stack() {
  stop_pid "$SAMPLER_PID" 3; SAMPLER_PID=""
  stop_pid "$GW_PID" 40; GW_PID=""      # its shutdown hook stops the embedded PostgreSQL
  stop_pid "$ANVIL_PID" 10; ANVIL_PID=""  # the launcher stops its anvil child
  stop_pid "$ALGOD_PID" 10; ALGOD_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_stack
  if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

# ------------------------------------------------------------------ build and tools
newest_src="$(find pom.xml src/main -type f -newer target/quarkus-app/quarkus-run.jar 2>/dev/null | head -1 || true)"
if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -n "$newest_src" ]; then
  log "building the gateway (./mvnw package -DskipTests)"
  ./mvnw -B -q --no-transfer-progress package -DskipTests
fi
npm_ci() { # dir
  if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    log "npm ci in $1"
    (cd "$1" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
  fi
}
npm_ci "$BENCH"
npm_ci "$ROOT/chain-fixtures/evm"
want_avm() { want verify-avm || want paid-avm || named load || named soak; }
want_avm && npm_ci "$ROOT/chain-fixtures/algorand"
if want challenges && ! command -v wrk >/dev/null; then
  log "installing wrk from Debian"
  { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; }; } \
    || log "wrk unavailable: the challenge scenario uses bench/loadgen.mjs instead"
fi

# ------------------------------------------------------------------ CPU accounting (profile)
CLK_TCK="$(getconf CLK_TCK)"
ticks() { # sum utime+stime of the given pids (those alive)
  # an empty pid must not read /proc//stat, which is the machine-wide /proc/stat
  local p; for p in "$@"; do [ -n "$p" ] && cat "/proc/$p/stat" 2>/dev/null || true; done \
    | awk '{ sub(/^.*\) /, ""); split($0, a, " "); s += a[12] + a[13] } END { print s + 0 }'
}
ticks_of() { local sum=0 p; for p in "$@"; do sum=$((sum + $(ticks "$p"))); done; echo "$sum"; }
children_ticks() { # reaped children of this shell (the load generator), cutime+cstime
  awk '{ sub(/^.*\) /, ""); split($0, a, " "); print a[14] + a[15] }' "/proc/$$/stat"
}
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
pg_pids() { # the embedded postmaster (by its port, from the gateway log) and its children
  local port pm
  port="$(sed -n 's/.*embedded PostgreSQL on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/gateway.log" | tail -1)"
  [ -n "$port" ] || return 0
  pm="$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
  [ -n "$pm" ] || return 0
  echo "$pm"
  awk -v pm="$pm" '{ if ($4 == pm) print $1 }' /proc/[0-9]*/stat 2>/dev/null || true
}
# Other work on the machine (another build or test run) distorts every figure: before each measured
# run wait, up to BENCH_QUIET_WAIT seconds (default 180), until the machine is quiet apart from us.
wait_quiet() { # [limit seconds]
  local limit="${1:-${BENCH_QUIET_WAIT:-180}}" t0=$SECONDS b0 b1 o0 o1 foreign
  while :; do
    b0="$(machine_busy)"; o0="$(ticks "$GW_PID" "$ANVIL_CHILD" "$ALGOD_PID" $(pg_pids))"
    sleep 3
    b1="$(machine_busy)"; o1="$(ticks "$GW_PID" "$ANVIL_CHILD" "$ALGOD_PID" $(pg_pids))"
    foreign="$(awk -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - o) / hz / 3 }')"
    awk -v f="$foreign" 'BEGIN { exit !(f < 0.25) }' && return 0
    if [ $((SECONDS - t0)) -ge "$limit" ]; then
      log "machine still busy (other processes use $foreign cores); measuring anyway"; return 0
    fi
    log "waiting for a quiet machine (other processes use $foreign cores)"
    sleep 7
  done
}
ANVIL_CHILD=""
cpu_mark() { # name: snapshot before a measured run (and JFR on the gateway with BENCH_PROFILE=1)
  wait_quiet 30
  if [ "${BENCH_PROFILE:-}" = 1 ] && [ -n "$GW_PID" ]; then
    "$JAVA_HOME/bin/jcmd" "$GW_PID" JFR.start name=bench settings=profile filename="$RESULTS/$1.jfr" > /dev/null
  fi
  echo "$(date +%s.%N) $(ticks "$GW_PID") $(ticks_of $(pg_pids)) $(ticks_of "$ANVIL_CHILD" "$ALGOD_PID") $(children_ticks) $(machine_busy)" > "$WORK/$1.cpu0"
}
cpu_done() { # name: cores used by each party during the run
  local t0 g0 p0 a0 l0 m0 t1 g1 p1 a1 l1 m1
  if [ "${BENCH_PROFILE:-}" = 1 ] && [ -n "$GW_PID" ]; then
    "$JAVA_HOME/bin/jcmd" "$GW_PID" JFR.stop name=bench > /dev/null
    "$JAVA_HOME/bin/jfr" view --width 200 hot-methods "$RESULTS/$1.jfr" > "$RESULTS/$1.hot-methods.txt" 2>&1 || true
    "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 200 "$RESULTS/$1.jfr" \
      | node "$BENCH/jfr-breakdown.mjs" > "$RESULTS/$1.breakdown.md" 2>&1 || true
    log "$1: gateway CPU by component (JFR execution samples):"; cat "$RESULTS/$1.breakdown.md" >&2
  fi
  read -r t0 g0 p0 a0 l0 m0 < "$WORK/$1.cpu0"
  read -r t1 g1 p1 a1 l1 m1 <<< "$(date +%s.%N) $(ticks "$GW_PID") $(ticks_of $(pg_pids)) $(ticks_of "$ANVIL_CHILD" "$ALGOD_PID") $(children_ticks) $(machine_busy)"
  awk -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v hz="$CLK_TCK" -v g=$((g1 - g0)) -v p=$((p1 - p0)) -v a=$((a1 - a0)) \
      -v l=$((l1 - l0)) -v m=$((m1 - m0)) 'BEGIN {
        o = m - g - p - a - l; if (o < 0) o = 0
        printf "{\"wall\":%.1f,\"gateway\":%.2f,\"postgres\":%.2f,\"anvil\":%.2f,\"loadgen\":%.2f,\"other\":%.2f,\"machine\":%.2f}\n",
          w, g/hz/w, p/hz/w, a/hz/w, l/hz/w, o/hz/w, m/hz/w }' > "$RESULTS/$1.cpu.json"
}

# ------------------------------------------------------------------ stack: anvil + gateway
RPC=""
start_stack() { # block-time (0 = automine)
  local bt="$1" aport gport state="$WORK/anvil.json"
  rm -f "$state"
  aport="$(free_port)"
  log "starting anvil on 127.0.0.1:$aport (chain 31337, block time ${bt}s)"
  node chain-fixtures/evm/anvil.mjs --port "$aport" --chain-id 31337 --block-time "$bt" --quiet \
    --state-file "$state" > "$WORK/anvil.out" 2> "$WORK/anvil.log" < /dev/null &
  ANVIL_PID=$!
  for _ in $(seq 1 240); do
    [ -s "$state" ] && break
    kill -0 "$ANVIL_PID" 2>/dev/null || { cat "$WORK/anvil.log" >&2; echo "anvil did not start" >&2; exit 1; }
    sleep 0.5
  done
  [ -s "$state" ] || { echo "anvil not ready after 120 s" >&2; exit 1; }
  RPC="$(node -e 'process.stdout.write(require(process.argv[1]).rpcUrl)' "$state")"
  ANVIL_CHILD="$(node -e 'process.stdout.write(String(require(process.argv[1]).anvilPid))' "$state")"
  ( umask 077; node -e 'process.stdout.write(require(process.argv[1]).accounts[9].privateKey)' "$state" > "$WORK/settler.key" )

  gport="$(free_port)"
  GW="http://127.0.0.1:$gport"
  local props=(
    "-Dsippar.evm.networks.devnet.chain-id=31337"
    "-Dsippar.evm.networks.devnet.rpc-urls=$RPC"
    "-Dsippar.evm.networks.devnet.settlement-key-file=$WORK/settler.key"
    "-Dsippar.pricing.merchants.bench.name=Bench"
    # one load generator on one address: the abuse limits stay on (their cost is measured) but far above the load
    "-Dsippar.limits.challenge-rate=10000000" "-Dsippar.limits.challenge-burst=10000000"
    "-Dsippar.limits.verify-ip-rate=10000000" "-Dsippar.limits.verify-ip-burst=10000000"
    "-Dsippar.limits.verify-payer-rate=10000000" "-Dsippar.limits.verify-payer-burst=10000000"
    # unlimited plans: the Developer plan's hard stop would refuse the demo route after 1,000 payments
    "-Dsippar.pricing.merchants.bench.plan=enterprise"
    "-Dsippar.pricing.merchants.demo.name=Sippar demo merchant"
    "-Dsippar.pricing.merchants.demo.plan=enterprise"
  )
  [ "${NO_API_KEY:-}" = 1 ] || props+=("-Dsippar.pricing.merchants.bench.api-key=$API_KEY")
  local algod_env=()
  if want_avm; then
    start_algod
    algod_env=(SIPPAR_ALGORAND_NETWORKS_DEVNET_NETWORK="$ALGOD_NETWORK"
      SIPPAR_ALGORAND_NETWORKS_DEVNET_ALGOD_URLS="$ALGOD_URL"
      SIPPAR_ALGORAND_NETWORKS_DEVNET_ALGOD_TOKEN="$ALGOD_TOKEN"
      SIPPAR_ALGORAND_NETWORKS_DEVNET_FEE_PAYER_KEY_FILE="$WORK/fee-payer.key"
      SIPPAR_DEMO_ALGORAND_PAY_TO="$ALGOD_MERCHANT")
  fi
  log "starting the gateway on $GW"
  : > "$WORK/rss.log"
  env -u DB_URL HTTP_HOST=127.0.0.1 HTTP_PORT="$gport" "${algod_env[@]}" "$JAVA" ${BENCH_JAVA_OPTS:-} "${props[@]}" \
    -jar target/quarkus-app/quarkus-run.jar > "$WORK/gateway.log" 2>&1 < /dev/null &
  GW_PID=$!
  # RSS sampler: VmRSS of the gateway every second, tagged with the current phase; ends with it
  echo startup > "$WORK/phase"
  ( for _ in $(seq 1 7200); do
      kill -0 "$GW_PID" 2>/dev/null || break
      r="$(awk '/^VmRSS:/{print $2}' "/proc/$GW_PID/status" 2>/dev/null || true)"
      [ -n "$r" ] && echo "$(date +%s) $(cat "$WORK/phase") $r" >> "$WORK/rss.log"
      sleep 1
    done ) &
  SAMPLER_PID=$!
  local t0=$SECONDS
  until curl -sf -o /dev/null "$GW/q/health/ready"; do
    if ! kill -0 "$GW_PID" 2>/dev/null || [ $((SECONDS - t0)) -gt 180 ] \
        || grep -aq "can not be coerced\|Failed to start" "$WORK/gateway.log"; then
      grep -av '^\s*at ' "$WORK/gateway.log" | tail -20 >&2
      if grep -aq "can not be coerced" "$WORK/gateway.log" && [ "${NO_API_KEY:-}" != 1 ]; then
        log "the gateway refused to start with a configured merchant API key (ApiKeyRepository binds a"
        log "Mutiny Buffer): restarting without it; /verify will be unauthenticated (401) and is skipped"
        stop_pid "$GW_PID" 20; GW_PID=""; stop_pid "$SAMPLER_PID" 3; SAMPLER_PID=""
        stop_pid "$ANVIL_PID" 10; ANVIL_PID=""
        NO_API_KEY=1; start_stack "$bt"; return
      fi
      echo "the gateway did not become ready" >&2; exit 1
    fi
    sleep 0.5
  done
  log "gateway ready after $((SECONDS - t0)) s (pid $GW_PID, anvil pid $ANVIL_CHILD)"
  if [ -z "${BENCH_MACHINE_NOTED:-}" ]; then
    BENCH_MACHINE_NOTED=1
    printf '{"date":"%s","cores":%s,"memGiB":%s,"java":"%s","loadavgBefore":"%s"}\n' "$(date -u +%FT%TZ)" "$(nproc)" \
      "$(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo)" \
      "$("$JAVA" -version 2>&1 | head -1 | sed 's/"/\\"/g')" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$RESULTS/machine.json"
  fi
}

# the Algorand devnet: 1 s rounds (algod's are about 3 s), so a pre-signed group's 1000-round
# validity outlasts any run, and a confirmed payment waits for the next round as on a real network
ALGOD_URL=""; ALGOD_TOKEN=""; ALGOD_NETWORK=""; ALGOD_MERCHANT=""
start_algod() {
  local ready="$WORK/algod.json"
  rm -f "$ready"
  log "starting the Algorand devnet (1 s rounds)"
  node chain-fixtures/algorand/devnet.mjs --port 0 --round-interval-ms "${BENCH_ALGOD_ROUND_MS:-1000}" --quiet \
    > "$ready" 2> "$WORK/algod.log" < /dev/null &
  ALGOD_PID=$!
  for _ in $(seq 1 120); do
    [ -s "$ready" ] && break
    kill -0 "$ALGOD_PID" 2>/dev/null || { cat "$WORK/algod.log" >&2; echo "the Algorand devnet did not start" >&2; exit 1; }
    sleep 0.5
  done
  [ -s "$ready" ] || { echo "the Algorand devnet is not ready after 60 s" >&2; exit 1; }
  sed -i 's/^ALGOD_READY //' "$ready"
  field() { node -e 'const s=require(process.argv[1]);process.stdout.write(String(new Function("s","return "+process.argv[2])(s)))' "$ready" "$1"; }
  ALGOD_URL="$(field s.url)"; ALGOD_TOKEN="$(field s.token)"; ALGOD_NETWORK="$(field s.network)"
  ALGOD_MERCHANT="$(field 's.accounts.find(a => a.name === "merchant-1").address')"
  ( umask 077; field 's.accounts.find(a => a.role === "fee-payer").key' > "$WORK/fee-payer.key" )
  log "Algorand devnet at $ALGOD_URL ($ALGOD_NETWORK), pid $ALGOD_PID"
}
asa_balance() { # address: the devnet USDC (ASA 10458941) of an account
  node -e '
    const [url, token, who] = process.argv.slice(1);
    fetch(url + "/v2/accounts/" + who, { headers: { "X-Algo-API-Token": token }, signal: AbortSignal.timeout(10000) })
      .then((r) => r.json()).then((j) => process.stdout.write(String((j.assets ?? [])
        .find((h) => h["asset-id"] === 10458941)?.amount ?? 0)));' "$ALGOD_URL" "$ALGOD_TOKEN" "$1"
}

merchant_balance() {
  node -e '
    const [rpc, token, who] = process.argv.slice(1);
    fetch(rpc, { method: "POST", headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(10000),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call",
        params: [{ to: token, data: "0x70a08231" + who.slice(2).toLowerCase().padStart(64, "0") }, "latest"] }) })
      .then((r) => r.json()).then((j) => process.stdout.write(BigInt(j.result).toString()));' "$RPC" "$TOKEN" "$MERCHANT"
}

block_number() {
  node -e '
    fetch(process.argv[1], { method: "POST", headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(10000),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) })
      .then((r) => r.json()).then((j) => process.stdout.write(String(Number(j.result))));' "$RPC"
}
pg_port() { sed -n 's/.*embedded PostgreSQL on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/gateway.log" | tail -1; }

sign() { # kind count file
  log "signing $2 distinct payments ($1)"
  node "$BENCH/sign-payments.mjs" --url "$GW/demo/weather" --kind "$1" --count "$2" --out "$3" >&2
}
load() { # name args...: loadgen into results/<name>.json
  local name="$1"; shift
  node "$BENCH/loadgen.mjs" --label "$name" "$@" > "$RESULTS/$name.json"
  log "$name: $(cat "$RESULTS/$name.json")"
}
phase() { echo "$1" > "$WORK/phase"; [ "$1" = done ] || wait_quiet; }

# ------------------------------------------------------------------ scenarios
scenario_challenges() {
  phase challenges
  local url="$GW/demo/weather"
  if command -v wrk >/dev/null; then
    log "challenges: warm-up 5 s, then wrk -t2 -c32 -d${DURATION}s"
    wrk -t2 -c32 -d5s "$url" > /dev/null
    cpu_mark challenges
    wrk -t2 -c32 -d"${DURATION}s" --timeout 10s --latency "$url" > "$RESULTS/challenges.wrk.txt"
    cpu_done challenges
    log "challenges: $(grep -E 'Requests/sec|99%' "$RESULTS/challenges.wrk.txt" | tr -s ' ' | tr '\n' ' ')"
  else
    load challenges-warmup --url "$url" --connections 32 --duration 5 --expect 402
    cpu_mark challenges
    load challenges --url "$url" --connections 32 --duration "$DURATION" --expect 402
    cpu_done challenges
  fi
}

scenario_verify() {
  phase verify
  if [ "${NO_API_KEY:-}" = 1 ]; then
    echo '{"skipped":"the gateway does not start with a configured merchant API key"}' > "$RESULTS/verify.json"; return
  fi
  local n=$((2500 * DURATION * 6 / 5))
  sign verify 2000 "$WORK/verify-warm.txt"
  sign verify "$n" "$WORK/verify.txt"
  local auth="Authorization: Bearer $API_KEY"
  load verify-warmup --url "$GW/verify" --connections 32 --requests "$WORK/verify-warm.txt" --kind verify --header "$auth" --duration 30
  cpu_mark verify
  load verify --url "$GW/verify" --connections 32 --requests "$WORK/verify.txt" --kind verify --header "$auth" --duration "$DURATION"
  cpu_done verify
  rm -f "$WORK"/verify*.txt
}

scenario_paid() { # name connections target-rate [block-time]
  local name="$1" conns="$2" rate="$3" bt="${4:-}"
  phase "$name"
  local n=$((rate * DURATION * 3 / 2))
  [ "$n" -ge $((conns * 4)) ] || n=$((conns * 4))
  sign header 1000 "$WORK/$name-warm.txt"
  sign header "$n" "$WORK/$name.txt"
  load "$name-warmup" --url "$GW/demo/weather" --connections "$((conns < 64 ? conns : 64))" \
    --requests "$WORK/$name-warm.txt" --kind header --duration 60
  local before after first
  before="$(merchant_balance)"
  first="$(block_number)"
  cpu_mark "$name"
  load "$name" --url "$GW/demo/weather" --connections "$conns" --requests "$WORK/$name.txt" --kind header \
    --duration "$DURATION"
  cpu_done "$name"
  sleep 2
  after="$(merchant_balance)"
  echo "{\"merchantReceived\":\"$((after - before))\",\"pricePerRequest\":\"1000\"}" > "$RESULTS/$name.chain.json"
  node "$BENCH/blocks.mjs" --rpc "$RPC" --token "$TOKEN" --from-block "$((first + 1))" ${bt:+--block-time "$bt"} \
    > "$RESULTS/$name.blocks.json"
  log "$name: settlements per block $(cat "$RESULTS/$name.blocks.json")"
  rm -f "$WORK/$name"*.txt
}

sign_avm() { # kind count file
  log "signing $2 distinct Algorand payment groups ($1)"
  node "$BENCH/sign-avm-payments.mjs" --url "$GW/demo/weather" --kind "$1" --count "$2" --out "$3" \
    --devnet-state "$WORK/algod.json" >&2
}

scenario_verify_avm() {
  phase verify-avm
  if [ "${NO_API_KEY:-}" = 1 ]; then
    echo '{"skipped":"the gateway does not start with a configured merchant API key"}' > "$RESULTS/verify-avm.json"; return
  fi
  local n=$((1000 * DURATION * 6 / 5))
  sign_avm verify 1000 "$WORK/verify-avm-warm.txt"
  sign_avm verify "$n" "$WORK/verify-avm.txt"
  local auth="Authorization: Bearer $API_KEY"
  load verify-avm-warmup --url "$GW/verify" --connections 32 --requests "$WORK/verify-avm-warm.txt" --kind verify \
    --header "$auth" --duration 30
  cpu_mark verify-avm
  load verify-avm --url "$GW/verify" --connections 32 --requests "$WORK/verify-avm.txt" --kind verify \
    --header "$auth" --duration "$DURATION"
  cpu_done verify-avm
  rm -f "$WORK"/verify-avm*.txt
}

scenario_paid_avm() {
  phase paid-avm
  local conns=32 n=$((300 * DURATION * 3 / 2))
  sign_avm header 300 "$WORK/paid-avm-warm.txt"
  sign_avm header "$n" "$WORK/paid-avm.txt"
  load paid-avm-warmup --url "$GW/demo/weather" --connections "$conns" --requests "$WORK/paid-avm-warm.txt" \
    --kind header --duration 60
  local before after
  before="$(asa_balance "$ALGOD_MERCHANT")"
  cpu_mark paid-avm
  load paid-avm --url "$GW/demo/weather" --connections "$conns" --requests "$WORK/paid-avm.txt" --kind header \
    --duration "$DURATION"
  cpu_done paid-avm
  sleep 2
  after="$(asa_balance "$ALGOD_MERCHANT")"
  echo "{\"merchantReceived\":\"$((after - before))\",\"pricePerRequest\":\"1000\"}" > "$RESULTS/paid-avm.chain.json"
  rm -f "$WORK"/paid-avm*.txt
}

scenario_load() { # load|soak: bench/load.mjs against this stack (both chains), its report into results/
  local mode="$1" port duration="$DURATION" rc=0
  [ "$mode" = soak ] && duration="$SOAK_DURATION"
  port="$(pg_port)"
  [ -n "$port" ] || { echo "the embedded PostgreSQL port is not in the gateway log" >&2; exit 1; }
  phase "$mode"
  cpu_mark "$mode"
  # the run's own time plus a probe, the drain and the audit; a hung run is killed
  timeout --kill-after=30 $((duration + 900)) node "$BENCH/load.mjs" --mode "$mode" --duration "$duration" \
    --gateway "$GW" --evm-state "$WORK/anvil.json" --algod-state "$WORK/algod.json" \
    --db "postgres://postgres:postgres@127.0.0.1:$port/postgres" --gateway-pid "$GW_PID" \
    --out "$RESULTS/$mode.json" ${BENCH_LOAD_ARGS:-} > "$RESULTS/$mode.txt" || rc=$?
  cpu_done "$mode"
  cat "$RESULTS/$mode.txt" >&2
  [ "$rc" = 0 ] || { log "$mode: load.mjs exited with $rc (3 = a soak criterion failed)"; LOAD_RC="$rc"; }
}
LOAD_RC=0

scenario_jmh() {
  phase jmh
  log "JMH: building bench/jmh against target/sippar-gateway-*.jar"
  (cd "$BENCH/jmh" && "$ROOT/mvnw" -B -q --no-transfer-progress package dependency:build-classpath \
     -Dmdep.outputFile=target/cp.txt >&2)
  log "JMH: SignatureRecoveryBenchmark (1 fork, 3x2 s warm-up, 5x2 s measurement per benchmark)"
  "$JAVA" -cp "$BENCH/jmh/target/classes:$(cat "$BENCH/jmh/target/cp.txt")" org.openjdk.jmh.Main \
    -rf json -rff "$RESULTS/jmh.json" SignatureRecoveryBenchmark >&2
}

# ------------------------------------------------------------------ run
if want challenges || want verify || want paid || want verify-avm || want paid-avm; then
  start_stack 0
  want challenges && scenario_challenges
  want verify && scenario_verify
  want paid && scenario_paid paid 32 500
  want verify-avm && scenario_verify_avm
  want paid-avm && scenario_paid_avm
  phase done
  cp "$WORK/rss.log" "$RESULTS/rss-automine.log"
  stop_stack
fi
if want paid-blocks; then
  for bt in ${BENCH_BLOCK_TIMES:-1}; do
    [[ "$bt" =~ ^[1-9][0-9]?$ ]] || { echo "BENCH_BLOCK_TIMES: $bt is not 1..99 seconds" >&2; exit 2; }
    name=paid-blocks; [ "$bt" = 1 ] || name="paid-blocks-${bt}s"
    start_stack "$bt"
    scenario_paid "$name" 512 300 "$bt"
    phase done
    cp "$WORK/rss.log" "$RESULTS/rss-blocks-${bt}s.log"
    stop_stack
  done
fi
if want jmh; then
  scenario_jmh
fi
for mode in load soak; do
  named "$mode" || continue
  start_stack "${BENCH_LOAD_BLOCK_TIME:-0}"
  scenario_load "$mode"
  phase done
  cp "$WORK/rss.log" "$RESULTS/rss-$mode.log"
  stop_stack
done

node "$BENCH/summary.mjs" "$RESULTS" "$DURATION"
exit "$LOAD_RC" # a failed soak criterion (3) or a broken load run fails the whole run
