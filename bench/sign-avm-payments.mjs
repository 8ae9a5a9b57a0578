#!/usr/bin/env node
// Pre-signs N distinct x402 v2 exact-AVM payments (Algorand payment groups) for the benchmarks, so
// the load generator can send every payment exactly once.
//
//   node bench/sign-avm-payments.mjs --url http://127.0.0.1:8080/demo/weather --count 5000 \
//        --kind header|verify --out payments.txt --devnet-state ready.json
//
// It fetches the route's 402 once and takes the offered Algorand requirement (with extra.feePayer),
// asks the devnet for its last round, and builds each group the way @x402/avm's client does: the
// fee payer's 0-ALGO self-payment paying 2000 microAlgo for both (left unsigned, bare), then the
// payer's axfer of exactly the amount with fee 0, a unique note, valid for 1000 rounds. Payers are
// the devnet's funded payer/spare accounts in turn. Encoding and group ids come from algosdk (the
// JS SDK); the Ed25519 signatures from Node's crypto, checked at start against algosdk's own
// signTxn byte for byte. One line per payment in --out (base64 PAYMENT-SIGNATURE, or the JSON body of
// POST /verify); one JSON line (count, seconds) on stdout.

import { readFileSync, writeFileSync } from "node:fs";
import { avmOffer, avmParams, avmPayers, avmPayment, fetchRequired } from "./lib/payments.mjs";

function parseArgs(argv) {
  const o = { kind: "header" };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["url", "count", "out", "devnet-state"]) if (!o[k]) throw new Error(`--${k} is required`);
  if (!["header", "verify"].includes(o.kind)) throw new Error("--kind is header or verify");
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const count = Number(opts.count);
  const t0 = performance.now();
  const devnet = JSON.parse(readFileSync(opts["devnet-state"], "utf8").replace(/^ALGOD_READY /, ""));

  const required = await fetchRequired(opts.url);
  const req = avmOffer(required, devnet.network);
  const params = await avmParams(devnet);
  const firstValid = params.firstValid;
  const payers = avmPayers(devnet);
  const stamp = Date.now();
  const make = (i, check) => avmPayment({ req, resource: required.resource, params, payer: payers[i % payers.length],
    tag: `${stamp}-${i}`, kind: opts.kind, check }).line;

  const lines = [];
  for (let i = 0; i < count; i++) lines.push(make(i, i === 0));
  writeFileSync(opts.out, lines.join("\n") + "\n");
  process.stdout.write(JSON.stringify({ count: lines.length, kind: opts.kind, payers: payers.length,
    firstValid: firstValid.toString(), seconds: +((performance.now() - t0) / 1000).toFixed(1) }) + "\n");
}

await main();
