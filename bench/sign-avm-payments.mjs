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

import { createPrivateKey, sign as edSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import algosdk from "algosdk";

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

/** Ed25519 key from a 32-byte seed (PKCS#8 wrapping of RFC 8410). */
function edKey(seed) {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const count = Number(opts.count);
  const t0 = performance.now();
  const devnet = JSON.parse(readFileSync(opts["devnet-state"], "utf8").replace(/^ALGOD_READY /, ""));

  const res = await fetch(opts.url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  const header = res.headers.get("payment-required");
  if (res.status !== 402 || !header) throw new Error(`expected a 402 with PAYMENT-REQUIRED, got ${res.status}`);
  const required = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  const req = required.accepts.find((a) => a.scheme === "exact" && a.network === devnet.network);
  if (!req || !req.extra?.feePayer) throw new Error(`the 402 offers no exact payment on ${devnet.network} with a feePayer`);

  const paramsRes = await fetch(`${devnet.url}/v2/transactions/params`, {
    headers: { "X-Algo-API-Token": devnet.token }, signal: AbortSignal.timeout(10_000),
  });
  const params = await paramsRes.json();
  const firstValid = BigInt(params["last-round"]);
  const suggested = (fee) => ({
    fee: BigInt(fee), flatFee: true, minFee: BigInt(params["min-fee"]), firstValid, lastValid: firstValid + 1000n,
    genesisID: params["genesis-id"], genesisHash: new Uint8Array(Buffer.from(params["genesis-hash"], "base64")),
  });
  const payers = devnet.accounts.filter((a) => (a.role === "payer" || a.role === "spare") && a.key).map((a) => {
    const sk = new Uint8Array(Buffer.from(a.key, "base64"));
    return { address: a.address, sk, key: edKey(Buffer.from(sk.subarray(0, 32))) };
  });
  if (payers.length === 0) throw new Error("no payer accounts in the devnet state");
  const stamp = Date.now();

  const make = (i, check) => {
    const payer = payers[i % payers.length];
    const feeTxn = algosdk.makePaymentTxnWithSuggestedParamsFromObject({
      sender: req.extra.feePayer, receiver: req.extra.feePayer, amount: 0n,
      note: new TextEncoder().encode(`x402-fee-payer-${stamp}-${i}`), suggestedParams: suggested(2000),
    });
    const pay = algosdk.makeAssetTransferTxnWithSuggestedParamsFromObject({
      sender: payer.address, receiver: req.payTo, assetIndex: BigInt(req.asset), amount: BigInt(req.amount),
      note: new TextEncoder().encode(`x402-payment-v2-${stamp}-${i}`), suggestedParams: suggested(0),
    });
    algosdk.assignGroupID([feeTxn, pay]);
    const sig = edSign(null, pay.bytesToSign(), payer.key);
    const signed = pay.attachSignature(payer.address, new Uint8Array(sig));
    if (check && Buffer.compare(Buffer.from(signed), Buffer.from(pay.signTxn(payer.sk))) !== 0) {
      throw new Error("Node's Ed25519 signature differs from algosdk's signTxn");
    }
    const payload = {
      paymentGroup: [Buffer.from(algosdk.encodeUnsignedTransaction(feeTxn)).toString("base64"),
        Buffer.from(signed).toString("base64")],
      paymentIndex: 1,
    };
    const paymentPayload = { x402Version: 2, resource: required.resource, accepted: req, payload };
    if (opts.kind === "verify") return JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements: req });
    return Buffer.from(JSON.stringify(paymentPayload), "utf8").toString("base64");
  };

  const lines = [];
  for (let i = 0; i < count; i++) lines.push(make(i, i === 0));
  writeFileSync(opts.out, lines.join("\n") + "\n");
  process.stdout.write(JSON.stringify({ count: lines.length, kind: opts.kind, payers: payers.length,
    firstValid: firstValid.toString(), seconds: +((performance.now() - t0) / 1000).toFixed(1) }) + "\n");
}

await main();
