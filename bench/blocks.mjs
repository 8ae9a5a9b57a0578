#!/usr/bin/env node
// Settlements per block of a run on anvil: every AuthorizationUsed of the token from --from-block on,
// counted per block and per settlement transaction (more than one when the settler batches).
//
//   node bench/blocks.mjs --rpc http://127.0.0.1:P --token 0x... --from-block N [--block-time 1]
//
// Prints one JSON line: blocks with settlements, settlements, transactions, max and mean per block,
// and with --block-time the settlements per second that the busiest block stands for.

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["rpc", "token", "from-block"]) if (!o[k]) throw new Error(`--${k} is required`);
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const res = await fetch(opts.rpc, { method: "POST", headers: { "content-type": "application/json" },
  signal: AbortSignal.timeout(60_000),
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getLogs", params: [{
    fromBlock: "0x" + Number(opts["from-block"]).toString(16), toBlock: "latest", address: opts.token,
    // keccak256("AuthorizationUsed(address,bytes32)")
    topics: ["0x98de503528ee59b575ef0c0a2576a82497bfc029a5685b209e9ec333479b10a5"] }] }) });
const body = await res.json();
if (body.error) throw new Error(`eth_getLogs: ${body.error.message}`);
const perBlock = new Map();
const txs = new Set();
for (const l of body.result) {
  perBlock.set(l.blockNumber, (perBlock.get(l.blockNumber) ?? 0) + 1);
  txs.add(l.transactionHash);
}
const counts = [...perBlock.values()];
const settlements = counts.reduce((a, b) => a + b, 0);
const out = { blocks: counts.length, settlements, transactions: txs.size,
  maxPerBlock: counts.length ? Math.max(...counts) : 0,
  meanPerBlock: counts.length ? +(settlements / counts.length).toFixed(1) : 0 };
if (opts["block-time"]) out.busiestBlockPerSecond = +(out.maxPerBlock / Number(opts["block-time"])).toFixed(1);
process.stdout.write(JSON.stringify(out) + "\n");
