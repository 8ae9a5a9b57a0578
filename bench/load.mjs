#!/usr/bin/env node
// Load and soak against the full stack (bench/run.sh --only load|soak starts it): the gateway jar
// with its embedded PostgreSQL, anvil and the Algorand devnet, all on 127.0.0.1. Three lanes run at
// once: unpaid GETs (402 challenges), paid GETs on EVM and paid GETs on Algorand, each payment signed
// right before it is sent (so a long run never outlives a validity window) and sent exactly once.
//
//   node bench/load.mjs --gateway http://127.0.0.1:P --evm-state anvil.json [--algod-state algod.json]
//        --db postgres://postgres:postgres@127.0.0.1:Q/postgres --gateway-pid N --mode load|soak
//        [--duration 60] [--warmup 15] [--path /demo/weather] [--out result.json]
//        load: [--challenge-connections 4] [--evm-connections 32] [--avm-connections 16]   (closed loops)
//        soak: [--evm-rate R] [--avm-rate R] [--challenge-rate 50] [--probe 30] [--max-in-flight 512]
//        [--rss-baseline 60] [--sample-every 5] [--drain-timeout 180] [--timeout-ms 30000]
//
// load: closed loops for --duration; reports 402/s, paid/s per network, p50/p99/p999, errors by
//   reason, gateway RSS (/proc/PID/status) and heap (jvm_memory_used_bytes{area="heap"} from /q/metrics)
//   over time, then waits for open payments to finish and audits chain against ledger.
// soak: open loops at fixed rates (latency counted from each request's scheduled time, so a stall is
//   not hidden). Without --evm-rate/--avm-rate it first measures the maximum paid rate of each network
//   in closed loops for --probe seconds and soaks at half of it. Ends with PASS/FAIL per criterion: no
//   failed or lost payment, RSS in every later sample and at the end within 10% of RSS after the first minute, no pending
//   payments left, audit clean. Exit status 3 when a criterion fails. --rss-baseline moves the "first
//   minute" (only for short runs that prove the script; the issue's criterion is 60 s).
//
// The audit (the test suite's FaultAudit, over viem-free JSON-RPC, the devnet REST API and pg):
//   EVM: every AuthorizationUsed of the token since the start block in a transaction sent by the settler
//        is one settled payment (payer, nonce, transaction) with exactly one journal entry naming that
//        transaction, and every payment settled in the run is such an event;
//   Algorand: every settled payment's transaction is confirmed on the devnet as an axfer of the amount
//        to the merchant (looked up during the run too: the devnet forgets a transaction after 1000
//        rounds), and the merchant's balance grew by exactly the settled amounts;
//   both: every client that got a successful PAYMENT-RESPONSE has its payment settled with that
//        transaction; every client that did not was not charged; the journal balances.

import { readFileSync, writeFileSync } from "node:fs";
import { Pool } from "undici";
import * as hdr from "hdr-histogram-js";
import pg from "pg";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EVM_KEYS, avmOffer, avmParams, avmPayers, avmPayment, evmOffer, evmPayment, fetchRequired }
  from "./lib/payments.mjs";

// ------------------------------------------------------------------ arguments
function parseArgs(argv) {
  const o = {
    path: "/demo/weather", mode: "load", duration: "60", "challenge-connections": "4", "evm-connections": "32",
    "avm-connections": "16", "challenge-rate": "50", probe: "30", "max-in-flight": "512", "sample-every": "5",
    "drain-timeout": "180", "timeout-ms": "30000", warmup: "15", "rss-baseline": "60",
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["gateway", "evm-state", "db", "gateway-pid"]) if (!o[k]) throw new Error(`--${k} is required`);
  if (!["load", "soak"].includes(o.mode)) throw new Error("--mode is load or soak");
  const num = (k, min, max) => {
    const v = Number(o[k]);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${k} must be ${min}..${max}`);
    return v;
  };
  return {
    gateway: o.gateway.replace(/\/$/, ""), path: o.path, mode: o.mode, out: o.out, db: o.db,
    evmState: JSON.parse(readFileSync(o["evm-state"], "utf8").replace(/^ANVIL_READY /, "")),
    algodState: o["algod-state"] ? JSON.parse(readFileSync(o["algod-state"], "utf8").replace(/^ALGOD_READY /, "")) : null,
    gatewayPid: num("gateway-pid", 1, 1e9),
    duration: num("duration", 5, 3600),
    challengeConnections: num("challenge-connections", 0, 256),
    evmConnections: num("evm-connections", 0, 1024),
    avmConnections: num("avm-connections", 0, 1024),
    evmRate: o["evm-rate"] === undefined ? null : num("evm-rate", 0, 10000),
    avmRate: o["avm-rate"] === undefined ? null : num("avm-rate", 0, 10000),
    challengeRate: num("challenge-rate", 0, 100000),
    probe: num("probe", 5, 600),
    warmup: num("warmup", 0, 600),
    maxInFlight: num("max-in-flight", 1, 4096),
    sampleEvery: num("sample-every", 1, 60),
    rssBaseline: num("rss-baseline", 1, 3600),
    drainTimeout: num("drain-timeout", 0, 1800),
    timeoutMs: num("timeout-ms", 1000, 120000),
  };
}

const opts = parseArgs(process.argv.slice(2));
const AUTHORIZATION_USED = keccak256(toHex("AuthorizationUsed(address,bytes32)"));
const log = (...a) => console.error(new Date().toISOString().slice(11, 19), "[load]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const decode = (b64) => {
  try {
    return JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
};

// ------------------------------------------------------------------ lanes
/** One kind of request: its latency histogram, outcomes and a per-sample count of ok answers. */
class Lane {
  constructor(name) {
    this.name = name;
    this.hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
    this.ok = 0;
    this.errors = 0;
    this.kinds = {};
    this.inFlight = 0;
    this.windowOk = 0;
    this.series = [];
  }

  fail(kind) {
    this.errors++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
  }

  record(micros) {
    this.hist.recordValue(Math.max(1, Math.round(micros)));
  }

  summary(seconds) {
    const ms = (p) => +(this.hist.getValueAtPercentile(p) / 1000).toFixed(2);
    return { lane: this.name, seconds: +seconds.toFixed(1), ok: this.ok, errors: this.errors, errorKinds: this.kinds,
      okPerSecond: +(this.ok / seconds).toFixed(1), p50: ms(50), p99: ms(99), p999: ms(99.9),
      max: +(this.hist.maxValue / 1000).toFixed(2) };
  }
}

const origin = new URL(opts.gateway).origin;
const pools = [];
function pool(connections) {
  const p = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs });
  pools.push(p);
  return p;
}

/** What the x402 headers say went wrong, e.g. http_402:invalid_exact_evm_nonce_already_used. */
function reasonOf(res) {
  const required = res.headers["payment-required"];
  const pr = res.headers["payment-response"];
  const reason = (required && decode(required)?.error) ?? (pr && decode(pr)?.errorReason) ?? "";
  return `http_${res.statusCode}${reason ? ":" + reason : ""}`;
}

/** Every paid request's outcome as the client saw it, for the audit. */
const clientPayments = { evm: [], avm: [] };

function challengeRequest(lane, p) {
  return async () => {
    const res = await p.request({ path: opts.path, method: "GET", signal: AbortSignal.timeout(opts.timeoutMs) });
    await res.body.dump();
    if (res.statusCode === 402 && res.headers["payment-required"]) lane.ok++, lane.windowOk++;
    else lane.fail(`http_${res.statusCode}`);
  };
}

function paidRequest(lane, p, make, book) {
  return async () => {
    const payment = make();
    const entry = { ...payment.id, ok: false, tx: null, outcome: null };
    book.push(entry);
    let res;
    try {
      res = await p.request({ path: opts.path, method: "GET", headers: { "payment-signature": payment.line },
        signal: AbortSignal.timeout(opts.timeoutMs) });
      await res.body.dump();
    } catch (e) {
      entry.outcome = `net:${e.code ?? e.name ?? "error"}`;
      throw e;
    }
    const pr = res.headers["payment-response"] && decode(res.headers["payment-response"]);
    if (res.statusCode === 200 && pr?.success === true) {
      entry.ok = true;
      entry.tx = String(pr.transaction);
      lane.ok++;
      lane.windowOk++;
    } else {
      entry.outcome = res.statusCode === 200 ? "200_without_successful_payment_response" : reasonOf(res);
      lane.fail(entry.outcome);
    }
  };
}

let loggedErrors = 0;
async function timed(lane, fn, startedAt) {
  lane.inFlight++;
  try {
    await fn();
  } catch (e) {
    // undici's and the abort signal's errors: the answer never came; anything else is shown too
    lane.fail(`net:${e.code ?? e.name ?? "error"}`);
    if (loggedErrors++ < 5) log(`${lane.name}: ${e.stack ?? e}`);
  } finally {
    lane.inFlight--;
    lane.record((performance.now() - startedAt) * 1000);
  }
}

/** Closed loop: {@code connections} requests in flight, each sending the next when its answer is complete. */
async function closedLoop(lane, connections, fn, until) {
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) await timed(lane, fn, performance.now());
  }));
}

/** Open loop: requests scheduled at {@code rate}/s whatever the answers do; latency from the schedule. */
async function openLoop(lane, rate, fn, until) {
  if (rate <= 0) return;
  const start = performance.now();
  const running = new Set();
  let issued = 0;
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    for (; issued < due; issued++) {
      const scheduled = start + (issued * 1000) / rate;
      if (lane.inFlight >= opts.maxInFlight) {
        lane.fail("client:in_flight_cap");
        lane.record((performance.now() - scheduled) * 1000);
        continue;
      }
      const t = timed(lane, fn, scheduled).finally(() => running.delete(t));
      running.add(t);
    }
    await sleep(5);
  }
  await Promise.all(running);
}

// ------------------------------------------------------------------ payments
const evm = opts.evmState;
const algod = opts.algodState;
const required = await fetchRequired(opts.gateway + opts.path);
const evmPayers = [1, 3, 4, 5, 6, 7, 8].map((i) => ({ key: EVM_KEYS[i], address: privateKeyToAccount(EVM_KEYS[i]).address }));
const evmTerms = evmOffer(required);
let evmCount = 0;
function makeEvm() {
  const now = Math.floor(Date.now() / 1000);
  const payer = evmPayers[evmCount++ % evmPayers.length];
  const { line, auth } = evmPayment({ req: evmTerms.req, resource: required.resource, ds: evmTerms.ds, payer,
    validAfter: now - 600, validBefore: now + evmTerms.req.maxTimeoutSeconds });
  return { line, id: { payer: auth.from.toLowerCase(), nonce: auth.nonce.toLowerCase() } };
}

let avmTerms = null;
let avmState = null;
if (algod) {
  avmTerms = avmOffer(required, algod.network);
  avmState = { payers: avmPayers(algod), params: await avmParams(algod), fetchedAt: Date.now(), count: 0,
    stamp: Date.now() };
}
// a group is valid for 1000 rounds from the round it was built on; fresh parameters every minute
async function refreshAvmParams() {
  if (avmState && Date.now() - avmState.fetchedAt > 60_000) {
    avmState.fetchedAt = Date.now();
    avmState.params = await avmParams(algod);
  }
}
function makeAvm() {
  const i = avmState.count++;
  const payer = avmState.payers[i % avmState.payers.length];
  const { line, txid } = avmPayment({ req: avmTerms, resource: required.resource, params: avmState.params, payer,
    tag: `${avmState.stamp}-${i}`, check: i === 0 });
  return { line, id: { payer: payer.address, txid } };
}

// ------------------------------------------------------------------ chain and database access
async function rpc(method, params = []) {
  const res = await fetch(evm.rpcUrl, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }), signal: AbortSignal.timeout(60_000) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function algodGet(path) {
  const res = await fetch(algod.url + path, { headers: { "X-Algo-API-Token": algod.token }, signal: AbortSignal.timeout(20_000) });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`algod ${path}: ${res.status}`);
  return res.json();
}

async function asaBalance(address) {
  const a = await algodGet(`/v2/accounts/${address}`);
  return BigInt((a?.assets ?? []).find((h) => h["asset-id"] === Number(avmTerms.asset))?.amount ?? 0);
}

const db = new pg.Pool({ connectionString: opts.db, max: 2, connectionTimeoutMillis: 10_000, statement_timeout: 60_000,
  query_timeout: 60_000 });

async function openPayments(since) {
  const r = await db.query(`SELECT state, count(*)::int AS n FROM payment WHERE created_at >= $1
                             AND state IN ('reserved', 'verified', 'settling') GROUP BY state`, [since]);
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

// ------------------------------------------------------------------ samplers
const samples = [];
function rssKb() {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${opts.gatewayPid}/status`, "utf8"))[1]);
  } catch {
    return null;
  }
}
async function heapBytes() {
  try {
    const text = await (await fetch(`${opts.gateway}/q/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    let heap = 0;
    let nonHeap = 0;
    for (const m of text.matchAll(/^jvm_memory_used_bytes\{([^}]*)\}\s+(\S+)$/gm)) {
      if (m[1].includes('area="heap"')) heap += Number(m[2]);
      else if (m[1].includes('area="nonheap"')) nonHeap += Number(m[2]);
    }
    return { heap, nonHeap };
  } catch {
    return { heap: null, nonHeap: null };
  }
}

function startSampler(phase, lanes, t0, since) {
  let stopped = false;
  const loop = (async () => {
    let last = performance.now();
    while (!stopped) {
      await sleep(opts.sampleEvery * 1000);
      const now = performance.now();
      const window = (now - last) / 1000;
      last = now;
      const { heap, nonHeap } = await heapBytes();
      let open = null;
      try {
        open = await openPayments(since);
      } catch {
        open = null;
      }
      const s = { phase, t: +((now - t0) / 1000).toFixed(1), rssMb: +((rssKb() ?? 0) / 1024).toFixed(1),
        heapMb: heap === null ? null : +(heap / 1048576).toFixed(1),
        nonHeapMb: nonHeap === null ? null : +(nonHeap / 1048576).toFixed(1), open };
      for (const l of lanes) {
        s[`${l.name}PerSecond`] = +(l.windowOk / window).toFixed(1);
        l.windowOk = 0;
      }
      samples.push(s);
      log(JSON.stringify(s));
      await refreshAvmParams().catch((e) => log(`algod params: ${e.message}`));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

// ------------------------------------------------------------------ background Algorand confirmation checks
const avmConfirmed = new Map(); // txid -> evidence or error
function startAvmChecker() {
  if (!algod) return async () => {};
  let stopped = false;
  let next = 0;
  const loop = (async () => {
    while (!stopped) {
      await sleep(15_000);
      await checkAvm(clientPayments.avm.slice(next).filter((p) => p.ok));
      next = clientPayments.avm.length;
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
async function checkAvm(entries) {
  for (const e of entries) {
    if (!e.tx || avmConfirmed.has(e.tx)) continue;
    avmConfirmed.set(e.tx, await avmTxEvidence(e.tx));
  }
}
/** "ok" when the devnet has txid confirmed as an axfer of the amount to the merchant, else what it has. */
async function avmTxEvidence(txid) {
  try {
    const t = await algodGet(`/v2/transactions/pending/${txid}`);
    if (!t) return "unknown to the devnet";
    if (!(t["confirmed-round"] > 0)) return "not confirmed";
    const x = t.txn?.txn ?? {};
    if (x.type !== "axfer" || x.arcv !== avmTerms.payTo || String(x.aamt) !== String(avmTerms.amount)
        || String(x.xaid) !== String(avmTerms.asset)) return `confirmed but not the payment: ${JSON.stringify(x).slice(0, 200)}`;
    return "ok";
  } catch (e) {
    return `lookup failed: ${e.message}`;
  }
}

// ------------------------------------------------------------------ phases
async function runPhase(name, seconds, plan) {
  const lanes = plan.map((p) => p.lane);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const stopSampler = startSampler(name, lanes, t0, runStart);
  log(`${name}: ${seconds} s, ${plan.map((p) => `${p.lane.name} ${p.describe}`).join(", ")}`);
  await Promise.all(plan.map((p) => p.run(until)));
  const elapsed = (performance.now() - t0) / 1000;
  await stopSampler();
  return lanes.map((l) => l.summary(elapsed));
}

function closedPlan(name, connections, makeFn) {
  const lane = new Lane(name);
  const fn = makeFn(lane, pool(Math.max(1, connections)));
  return { lane, describe: `${connections} connections (closed loop)`, run: (until) => closedLoop(lane, connections, fn, until) };
}
function openPlan(name, rate, makeFn) {
  const lane = new Lane(name);
  const fn = makeFn(lane, pool(Math.min(opts.maxInFlight, Math.max(8, Math.ceil(rate * 4)))));
  return { lane, describe: `${rate}/s (open loop)`, run: (until) => openLoop(lane, rate, fn, until) };
}
const challenge = (lane, p) => challengeRequest(lane, p);
const evmPaid = (lane, p) => paidRequest(lane, p, makeEvm, clientPayments.evm);
const avmPaid = (lane, p) => paidRequest(lane, p, makeAvm, clientPayments.avm);

const runStart = new Date(Date.now() - 1000);
const startBlock = Number(await rpc("eth_blockNumber")) + 1;
const settler = evm.accounts[evm.roles.settler].address.toLowerCase();
const avmMerchantBefore = algod ? await asaBalance(avmTerms.payTo) : 0n;
const stopAvmChecker = startAvmChecker();
const report = { mode: opts.mode, startedAt: new Date().toISOString(), gateway: opts.gateway, phases: {} };

if (opts.warmup > 0) {
  // JIT, connection pools and caches warm before anything is measured (the soak's probe too); its
  // payments are audited with the rest
  const warm = [];
  if (opts.evmConnections > 0) warm.push(closedPlan("evm", Math.min(8, opts.evmConnections), evmPaid));
  if (algod && opts.avmConnections > 0) warm.push(closedPlan("avm", Math.min(8, opts.avmConnections), avmPaid));
  if (opts.challengeConnections > 0) warm.push(closedPlan("challenges", 1, challenge));
  report.phases.warmup = await runPhase("warmup", opts.warmup, warm);
}
if (opts.mode === "load") {
  const plan = [];
  if (opts.challengeConnections > 0) plan.push(closedPlan("challenges", opts.challengeConnections, challenge));
  if (opts.evmConnections > 0) plan.push(closedPlan("evm", opts.evmConnections, evmPaid));
  if (algod && opts.avmConnections > 0) plan.push(closedPlan("avm", opts.avmConnections, avmPaid));
  report.phases.load = await runPhase("load", opts.duration, plan);
} else {
  let evmRate = opts.evmRate;
  let avmRate = algod ? opts.avmRate : 0;
  if (evmRate === null || avmRate === null) {
    const plan = [];
    if (evmRate === null) plan.push(closedPlan("evm", opts.evmConnections, evmPaid));
    if (avmRate === null) plan.push(closedPlan("avm", opts.avmConnections, avmPaid));
    const probe = await runPhase("probe", opts.probe, plan);
    report.phases.probe = probe;
    for (const r of probe) {
      const half = Math.max(1, Math.floor(r.okPerSecond / 2));
      if (r.lane === "evm") evmRate = half;
      if (r.lane === "avm") avmRate = half;
    }
    log(`probe: maximum paid rate ${probe.map((r) => `${r.lane} ${r.okPerSecond}/s`).join(", ")}; soaking at half`);
    // let the probe's tail settle before the soak's first minute sets the memory baseline
    await sleep(5000);
  }
  report.rates = { evm: evmRate, avm: avmRate, challenges: opts.challengeRate };
  const plan = [openPlan("challenges", opts.challengeRate, challenge), openPlan("evm", evmRate, evmPaid)];
  if (algod && avmRate > 0) plan.push(openPlan("avm", avmRate, avmPaid));
  report.phases.soak = await runPhase("soak", opts.duration, plan);
}
for (const p of pools) await p.close();

// ------------------------------------------------------------------ drain, then audit
log("waiting for open payments to finish");
const drainUntil = Date.now() + opts.drainTimeout * 1000;
let open = await openPayments(runStart);
while (Object.keys(open).length > 0 && Date.now() < drainUntil) {
  await sleep(2000);
  open = await openPayments(runStart);
}
report.openAfterDrain = open;
report.rssEndMb = +((rssKb() ?? 0) / 1024).toFixed(1);
await stopAvmChecker();
report.audit = { evm: await auditEvm(), avm: algod ? await auditAvm() : null };
const unbalanced = (await db.query("SELECT count(*)::int AS n FROM ledger_unbalanced_entries")).rows[0].n;
report.audit.unbalancedJournalEntries = unbalanced;
report.samples = samples;
await db.end();

async function auditEvm() {
  const problems = [];
  const logs = await rpc("eth_getLogs", [{ fromBlock: "0x" + startBlock.toString(16), toBlock: "latest",
    address: evm.token.address, topics: [AUTHORIZATION_USED] }]);
  const txs = [...new Set(logs.map((l) => l.transactionHash.toLowerCase()))];
  const from = new Map();
  for (let i = 0; i < txs.length; i += 32) {
    await Promise.all(txs.slice(i, i + 32).map(async (h) => from.set(h, (await rpc("eth_getTransactionByHash", [h])).from.toLowerCase())));
  }
  const onChain = new Map();
  const perBlock = new Map();
  for (const l of logs) {
    const tx = l.transactionHash.toLowerCase();
    if (from.get(tx) !== settler) continue;
    onChain.set(`0x${l.topics[1].slice(26)}/${l.topics[2]}`.toLowerCase(), tx);
    perBlock.set(l.blockNumber, (perBlock.get(l.blockNumber) ?? 0) + 1);
  }
  const rows = (await db.query(`
      SELECT p.id, lower(p.payer) AS payer, lower(p.chain_ref) AS nonce, lower(p.tx_hash) AS tx, p.state,
             (SELECT count(*)::int FROM journal_entry e WHERE e.payment_id = p.id) AS entries,
             (SELECT count(*)::int FROM journal_entry e WHERE e.payment_id = p.id AND lower(e.tx_hash) = lower(p.tx_hash)
                 AND e.kind = 'settlement') AS matching
        FROM payment p WHERE p.network = $1 AND p.created_at >= $2`, [evmTerms.req.network, runStart])).rows;
  const settled = new Map();
  const states = {};
  for (const r of rows) {
    states[r.state] = (states[r.state] ?? 0) + 1;
    if (r.state !== "settled") continue;
    const key = `${r.payer}/${r.nonce}`;
    settled.set(key, r.tx);
    if (r.entries !== 1 || r.matching !== 1) problems.push(`payment ${r.id}: ${r.entries} journal entries, ${r.matching} naming ${r.tx}`);
    if (onChain.get(key) !== r.tx) problems.push(`payment ${r.id} settled with ${r.tx} but the chain has ${onChain.get(key) ?? "no AuthorizationUsed"}`);
  }
  for (const [key, tx] of onChain) {
    if (settled.get(key) !== tx) problems.push(`on-chain settlement ${key} in ${tx} is not recorded as settled`);
  }
  let charged = 0;
  for (const c of clientPayments.evm) {
    const key = `${c.payer}/${c.nonce}`;
    if (c.ok && settled.get(key) !== c.tx?.toLowerCase()) problems.push(`client paid ${key} (tx ${c.tx}) but the ledger has ${settled.get(key) ?? "nothing"}`);
    if (!c.ok && (onChain.has(key) || settled.has(key))) {
      charged++;
      problems.push(`client was refused (${c.outcome}) but ${key} was charged`);
    }
  }
  const blocks = [...perBlock.values()];
  return { onChain: onChain.size, settledInLedger: settled.size, clientOk: clientPayments.evm.filter((c) => c.ok).length,
    clientRefused: clientPayments.evm.filter((c) => !c.ok).length, refusedButCharged: charged, states,
    settlementTransactions: new Set(onChain.values()).size, blocksWithSettlements: blocks.length,
    maxSettlementsPerBlock: blocks.length ? Math.max(...blocks) : 0, problems: problems.slice(0, 50),
    problemCount: problems.length, clean: problems.length === 0 };
}

async function auditAvm() {
  const problems = [];
  const rows = (await db.query(`
      SELECT p.id, p.tx_hash AS tx, p.chain_ref, p.state, p.amount::text AS amount,
             (SELECT count(*)::int FROM journal_entry e WHERE e.payment_id = p.id) AS entries,
             (SELECT count(*)::int FROM journal_entry e WHERE e.payment_id = p.id AND e.tx_hash = p.tx_hash
                 AND e.kind = 'settlement') AS matching
        FROM payment p WHERE p.network = $1 AND p.created_at >= $2`, [avmTerms.network, runStart])).rows;
  const settled = new Map();
  const states = {};
  let settledAmount = 0n;
  for (const r of rows) {
    states[r.state] = (states[r.state] ?? 0) + 1;
    if (r.state !== "settled") continue;
    settled.set(r.tx, r.id);
    settledAmount += BigInt(r.amount);
    if (r.entries !== 1 || r.matching !== 1) problems.push(`payment ${r.id}: ${r.entries} journal entries, ${r.matching} naming ${r.tx}`);
    if (!avmConfirmed.has(r.tx)) avmConfirmed.set(r.tx, await avmTxEvidence(r.tx));
    if (avmConfirmed.get(r.tx) !== "ok") problems.push(`payment ${r.id} settled with ${r.tx}: devnet says ${avmConfirmed.get(r.tx)}`);
  }
  let charged = 0;
  for (const c of clientPayments.avm) {
    if (c.ok && !settled.has(c.tx)) problems.push(`client paid with ${c.tx} but the ledger has not settled it`);
    if (!c.ok && settled.has(c.txid)) {
      charged++;
      problems.push(`client was refused (${c.outcome}) but ${c.txid} was settled`);
    }
    if (!c.ok && !settled.has(c.txid)) {
      const ev = await avmTxEvidence(c.txid);
      if (ev === "ok") {
        charged++;
        problems.push(`client was refused (${c.outcome}) but ${c.txid} is confirmed on the devnet`);
      }
    }
  }
  const grew = (await asaBalance(avmTerms.payTo)) - avmMerchantBefore;
  if (grew !== settledAmount) problems.push(`merchant balance grew by ${grew}, the ledger settled ${settledAmount}`);
  return { settledInLedger: settled.size, merchantBalanceGrowth: grew.toString(), settledAmount: settledAmount.toString(),
    clientOk: clientPayments.avm.filter((c) => c.ok).length, clientRefused: clientPayments.avm.filter((c) => !c.ok).length,
    refusedButCharged: charged, states, problems: problems.slice(0, 50), problemCount: problems.length,
    clean: problems.length === 0 };
}

// ------------------------------------------------------------------ verdicts and printout
const auditClean = report.audit.evm.clean && (report.audit.avm?.clean ?? true) && unbalanced === 0;
if (opts.mode === "soak") {
  const soak = report.phases.soak;
  const paidErrors = soak.filter((r) => r.lane !== "challenges").reduce((a, r) => a + r.errors, 0);
  const notSent = soak.filter((r) => r.lane !== "challenges").reduce((a, r) => a + (r.errorKinds["client:in_flight_cap"] ?? 0), 0);
  const later = samples.filter((s) => s.phase === "soak" && s.t >= opts.rssBaseline);
  const base = later[0];
  const maxLater = later.length ? Math.max(...later.map((s) => s.rssMb)) : null;
  // within 10% throughout, not only at the end: a peak that later shrinks still counts
  const within = base ? [...later.map((s) => s.rssMb), report.rssEndMb].every((mb) => Math.abs(mb - base.rssMb) <= base.rssMb * 0.1)
    : false;
  const pending = Object.values(report.openAfterDrain).reduce((a, b) => a + b, 0);
  report.criteria = [
    { name: "0 failed or lost payments", pass: paidErrors === 0 && auditClean,
      detail: `${paidErrors} paid requests without a successful PAYMENT-RESPONSE` +
        (notSent ? ` (${notSent} of them never sent: the open loop hit --max-in-flight, the rate was not held)` : "") +
        `; audit ${auditClean ? "clean" : "NOT clean"}` },
    { name: `RSS within 10% of RSS after ${opts.rssBaseline === 60 ? "the first minute" : `${opts.rssBaseline} s (not the issue's 60 s)`}`,
      pass: within,
      detail: base ? `at ${base.t} s ${base.rssMb} MB, at the end ${report.rssEndMb} MB, max from then on ${maxLater} MB`
        : `no sample after ${opts.rssBaseline} s (run longer)` },
    { name: "no pending settlements left", pass: pending === 0,
      detail: pending === 0 ? "no payment of the run left in reserved/verified/settling"
        : `left after ${opts.drainTimeout} s: ${JSON.stringify(report.openAfterDrain)}` },
    { name: "audit clean (chain and ledger agree)", pass: auditClean,
      detail: `EVM ${report.audit.evm.onChain} on chain / ${report.audit.evm.settledInLedger} settled` +
        (report.audit.avm ? `; Algorand ${report.audit.avm.settledInLedger} settled, merchant +${report.audit.avm.merchantBalanceGrowth}` : "") +
        `; ${unbalanced} unbalanced journal entries` },
  ];
}

const text = [];
text.push(`mode ${opts.mode}${report.rates ? `, rates ${JSON.stringify(report.rates)}` : ""}`);
for (const [phase, rows] of Object.entries(report.phases)) {
  text.push("", `| ${phase} lane | ok | ok/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |`, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    text.push(`| ${r.lane} | ${r.ok} | ${r.okPerSecond} | ${r.p50} | ${r.p99} | ${r.p999} | ${r.max} | ${r.errors}${r.errors ? " " + JSON.stringify(r.errorKinds) : ""} |`);
  }
}
const rss = samples.map((s) => s.rssMb);
const heap = samples.map((s) => s.heapMb).filter((x) => x !== null);
text.push("", `gateway RSS over ${samples.length} samples (every ${opts.sampleEvery} s): first ${rss[0]} MB, max ${Math.max(...rss)} MB, ` +
  `end ${report.rssEndMb} MB; heap used: min ${Math.min(...heap)} MB, max ${Math.max(...heap)} MB, last ${heap.at(-1)} MB`);
text.push(`open payments after the drain: ${JSON.stringify(report.openAfterDrain)}`);
const e = report.audit.evm;
text.push(`audit EVM: ${e.onChain} settlements on chain in ${e.settlementTransactions} transactions over ${e.blocksWithSettlements} blocks ` +
  `(max ${e.maxSettlementsPerBlock} per block), ${e.settledInLedger} settled in the ledger, ${e.clientOk} clients paid, ` +
  `${e.clientRefused} refused (${e.refusedButCharged} of them charged); states ${JSON.stringify(e.states)}; ${e.clean ? "CLEAN" : "PROBLEMS: " + e.problems.join("; ")}`);
if (report.audit.avm) {
  const a = report.audit.avm;
  text.push(`audit Algorand: ${a.settledInLedger} settled, merchant balance +${a.merchantBalanceGrowth} for ${a.settledAmount} settled, ` +
    `${a.clientOk} clients paid, ${a.clientRefused} refused (${a.refusedButCharged} charged); states ${JSON.stringify(a.states)}; ` +
    `${a.clean ? "CLEAN" : "PROBLEMS: " + a.problems.join("; ")}`);
}
text.push(`journal: ${unbalanced} unbalanced entries`);
if (report.criteria) {
  text.push("", "| soak criterion | verdict | detail |", "| --- | --- | --- |");
  for (const c of report.criteria) text.push(`| ${c.name} | ${c.pass ? "PASS" : "FAIL"} | ${c.detail} |`);
}
report.text = text.join("\n");
if (opts.out) writeFileSync(opts.out, JSON.stringify(report, null, 1) + "\n");
process.stdout.write(report.text + "\n");
process.exit(report.criteria && report.criteria.some((c) => !c.pass) ? 3 : 0);
