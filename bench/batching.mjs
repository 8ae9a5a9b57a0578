#!/usr/bin/env node
// Measures what batching EIP-3009 settlements through Multicall3 buys on anvil, before any
// gateway code depends on it: for each batch size N (1 = one transferWithAuthorization per
// transaction, as the settler sends today; N > 1 = N of them in one aggregate3 call with
// allowFailure), the gas per settlement, anvil's CPU per settlement, and under interval mining how
// many settlements land per block and per second.
//
//   node bench/batching.mjs [--payments 600] [--sizes 1,10,50,100] [--block-times 0,1,2] [--out file.json]
//
// Each block time gets a fresh anvil from chain-fixtures/evm (127.0.0.1, free port), stopped by
// PID at the end. The settler (account #9) sends pre-signed transactions; every payment is a
// distinct authorization from payers #1, #3..#8 to the merchant (#2). Automine (block time 0):
// transactions are sent one after another (anvil mines each on arrival), so the wall time and
// anvil's CPU are the cost of mining them. Interval mining: every transaction is sent at once and
// the run ends when the last receipt is in; settlements per block are counted from the receipts,
// and the capacity of a block is its gas limit over the gas one settlement uses (anvil fills blocks
// by gas used). Settlements per second: automine = measured; interval = block capacity / block time.
// Prints one table and writes the raw figures as JSON (--out).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFunctionData, decodeFunctionResult, parseSignature, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, "..", "chain-fixtures", "evm");
const TOKEN_ABI = JSON.parse(readFileSync(join(FIXTURES, "artifacts", "SipparUSDC.json"), "utf8")).abi;
const MULTICALL_ABI = JSON.parse(readFileSync(join(FIXTURES, "artifacts", "Multicall3.json"), "utf8")).abi;
const AUTHORIZATION_USED = keccak256(toHex("AuthorizationUsed(address,bytes32)"));
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts in these

function parseArgs(argv) {
  const o = { payments: "600", sizes: "1,10,50,100", "block-times": "0,1,2" };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  const payments = Number(o.payments);
  if (!(payments >= 10 && payments <= 20000)) throw new Error("--payments must be 10..20000");
  const list = (s) => s.split(",").map(Number);
  return { payments, sizes: list(o.sizes), blockTimes: list(o["block-times"]), out: o.out };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }), signal: AbortSignal.timeout(30_000) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** A fresh anvil through the fixture launcher; resolves with its state and a stop function. */
async function startAnvil(blockTime) {
  const dir = mkdtempSync(join(tmpdir(), "sippar-batching-"));
  const stateFile = join(dir, "anvil.json");
  const port = await new Promise((resolve) => {
    import("node:net").then(({ createServer }) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
  });
  const child = spawn(process.execPath, [join(FIXTURES, "anvil.mjs"), "--port", String(port), "--block-time",
    String(blockTime), "--quiet", "--state-file", stateFile, "--exit-on-stdin-close"], { stdio: ["pipe", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log = (log + d).slice(-4000); });
  const deadline = Date.now() + 120_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null) throw new Error(`anvil launcher exited: ${log}`);
    if (Date.now() > deadline) { child.kill("SIGKILL"); throw new Error(`anvil not ready in 120 s: ${log}`); }
    await sleep(200);
  }
  const state = JSON.parse(readFileSync(stateFile, "utf8"));
  const stop = async () => {
    child.kill("SIGTERM");
    for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(100);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { state, stop };
}

/** N distinct signed authorizations, payer -> merchant, 1000 atomic units each. */
async function authorizations(state, count) {
  const payers = [1, 3, 4, 5, 6, 7, 8].map((i) => privateKeyToAccount(state.accounts[i].privateKey));
  const merchant = state.accounts[2].address;
  const now = Math.floor(Date.now() / 1000);
  const domain = { name: state.token.name, version: state.token.version, chainId: state.chainId,
    verifyingContract: state.token.address };
  const types = { TransferWithAuthorization: [
    { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }] };
  const out = [];
  for (let i = 0; i < count; i++) {
    const payer = payers[i % payers.length];
    const message = { from: payer.address, to: merchant, value: 1000n, validAfter: BigInt(now - 600),
      validBefore: BigInt(now + 3600), nonce: `0x${randomBytes(32).toString("hex")}` };
    const { r, s, v } = parseSignature(await payer.signTypedData({ domain, types,
      primaryType: "TransferWithAuthorization", message }));
    out.push(encodeFunctionData({ abi: TOKEN_ABI, functionName: "transferWithAuthorization",
      args: [message.from, message.to, message.value, message.validAfter, message.validBefore, message.nonce,
        Number(v), r, s] }));
  }
  return out;
}

/** The calldata of one settlement transaction: the call itself, or aggregate3 of the group. */
function txData(state, group) {
  if (group.length === 1) return { to: state.token.address, data: group[0] };
  return { to: state.multicall3, data: encodeFunctionData({ abi: MULTICALL_ABI, functionName: "aggregate3",
    args: [group.map((callData) => ({ target: state.token.address, allowFailure: true, callData }))] }) };
}

async function measure(state, anvilPid, blockTime, size, calls) {
  const url = state.rpcUrl;
  const settler = privateKeyToAccount(state.accounts[state.roles.settler].privateKey);
  const groups = [];
  for (let i = 0; i < calls.length; i += size) groups.push(calls.slice(i, i + size));
  const txs = groups.map((g) => txData(state, g));

  // the settler's way: one eth_call of the batch (every call must succeed), gas = estimate x 1.2
  const first = txs[0];
  if (size > 1) {
    const ret = await rpc(url, "eth_call", [{ from: settler.address, ...first }, "latest"]);
    const results = decodeFunctionResult({ abi: MULTICALL_ABI, functionName: "aggregate3", data: ret });
    if (results.some((r) => !r.success)) throw new Error("a call of the first batch would revert");
  }
  const gasByLength = new Map();
  for (const [i, t] of txs.entries()) {
    const len = groups[i].length;
    if (!gasByLength.has(len)) {
      const est = BigInt(await rpc(url, "eth_estimateGas", [{ from: settler.address, ...t }]));
      gasByLength.set(len, (est * 12n) / 10n);
    }
  }
  const block = await rpc(url, "eth_getBlockByNumber", ["latest", false]);
  const maxPriorityFeePerGas = 1_000_000_000n;
  const maxFeePerGas = BigInt(block.baseFeePerGas) * 2n + maxPriorityFeePerGas;
  let nonce = Number(await rpc(url, "eth_getTransactionCount", [settler.address, "pending"]));
  const raws = [];
  for (const [i, t] of txs.entries()) {
    raws.push(await settler.signTransaction({ type: "eip1559", chainId: state.chainId, nonce: nonce++,
      gas: gasByLength.get(groups[i].length), maxFeePerGas, maxPriorityFeePerGas, to: t.to, data: t.data }));
  }

  const startBlock = Number(await rpc(url, "eth_blockNumber"));
  const cpu0 = cpuTicks(anvilPid);
  const t0 = performance.now();
  const hashes = [];
  // automine: one by one, each send returns once its block is mined; interval: all at once
  for (const raw of raws) hashes.push(await rpc(url, "eth_sendRawTransaction", [raw]));
  const sentMs = performance.now() - t0;
  const receipts = new Array(hashes.length);
  const deadline = Date.now() + 300_000;
  for (;;) {
    await Promise.all(hashes.map(async (h, i) => {
      if (!receipts[i]) receipts[i] = await rpc(url, "eth_getTransactionReceipt", [h]);
    }));
    if (receipts.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error("receipts missing after 300 s");
    await sleep(blockTime > 0 ? 100 : 10);
  }
  const wallMs = performance.now() - t0;
  const cpuMs = ((cpuTicks(anvilPid) - cpu0) * 1000) / CLK_TCK;

  let gasUsed = 0n;
  let settled = 0;
  const perBlock = new Map();
  for (const r of receipts) {
    if (r.status !== "0x1") throw new Error(`settlement transaction ${r.transactionHash} reverted`);
    gasUsed += BigInt(r.gasUsed);
    const n = r.logs.filter((l) => l.topics[0] === AUTHORIZATION_USED).length;
    settled += n;
    perBlock.set(r.blockNumber, (perBlock.get(r.blockNumber) ?? 0) + n);
  }
  if (settled !== calls.length) throw new Error(`${settled} of ${calls.length} authorizations used`);
  const blocks = [...perBlock.values()];
  const blockGasLimit = BigInt((await rpc(url, "eth_getBlockByNumber", ["latest", false])).gasLimit);
  const gasPer = Number(gasUsed / BigInt(settled));
  const limitPerSettlement = Number(gasByLength.get(size) ?? gasByLength.get(groups[0].length)) / size;
  const row = {
    blockTime, size, settlements: settled, transactions: txs.length,
    gasPerSettlement: gasPer,
    gasLimitPerSettlement: Math.round(limitPerSettlement),
    anvilCpuMsPerSettlement: +(cpuMs / settled).toFixed(3),
    wallSeconds: +(wallMs / 1000).toFixed(2),
    sendSeconds: +(sentMs / 1000).toFixed(2),
    blocks: blocks.length,
    firstBlock: startBlock + 1,
    maxPerBlock: Math.max(...blocks),
    // the most a block can hold: anvil fills blocks by gas used (1 s blocks: 434 single settlements
    // in one 30M block, more than the gas limits asked for would allow)
    perBlockByGas: Math.floor(Number(blockGasLimit) / gasPer),
    blockGasLimit: Number(blockGasLimit),
  };
  row.settlementsPerSecond = blockTime > 0
    ? +(row.perBlockByGas / blockTime).toFixed(1)
    : +(settled / (wallMs / 1000)).toFixed(1);
  row.anvilCpuBoundPerSecond = +(1000 / row.anvilCpuMsPerSettlement).toFixed(0);
  return row;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rows = [];
  for (const bt of opts.blockTimes) {
    const { state, stop } = await startAnvil(bt);
    try {
      for (const size of opts.sizes) {
        const calls = await authorizations(state, opts.payments);
        const row = await measure(state, state.anvilPid, bt, size, calls);
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    } finally {
      await stop();
    }
  }
  const lines = [
    "| mining | batch size | settlements | txs | gas / settlement | anvil CPU ms / settlement | anvil-CPU bound / s | wall s | blocks | max seen per block | block capacity (gas) | settlements / s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.blockTime === 0 ? "automine" : `${r.blockTime} s blocks`} | ${r.size} | ${r.settlements} | ` +
      `${r.transactions} | ${r.gasPerSettlement.toLocaleString("en-US")} | ${r.anvilCpuMsPerSettlement} | ` +
      `${r.anvilCpuBoundPerSecond} | ${r.wallSeconds} | ${r.blocks} | ${r.maxPerBlock} | ${r.perBlockByGas} | ` +
      `${r.settlementsPerSecond} |`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
  if (opts.out) writeFileSync(opts.out, JSON.stringify(rows, null, 1) + "\n");
}

main().catch((e) => { console.error(e.stack ?? e); process.exit(1); });
