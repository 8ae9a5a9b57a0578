#!/usr/bin/env node
// Pre-signs N distinct x402 v2 exact-EVM payments (EIP-3009 TransferWithAuthorization) for the
// benchmarks, so the load generator can send every payment exactly once.
//
//   node bench/sign-payments.mjs --url http://127.0.0.1:8080/demo/weather --count 10000 \
//        --kind header|verify --out payments.txt [--workers 2] [--payers 1,3,4,5,6,7,8]
//
// It fetches the route's 402 once, takes the offered requirement of the devnet token, and signs
// with the chain-fixtures/evm payer accounts in turn (random 32-byte nonces, validAfter = now-600,
// validBefore = now+maxTimeoutSeconds). One line per payment in --out:
//   --kind header: the base64 PAYMENT-SIGNATURE header value;
//   --kind verify: the JSON body of POST /verify: {x402Version, paymentPayload, paymentRequirements}.
// The EIP-712 digest is computed from precomputed type/domain hashes (checked against viem's
// hashTypedData and recoverTypedDataAddress at start); secp256k1 signing uses @noble/curves (what
// viem uses inside), spread over worker threads. Prints one JSON line (count, seconds) on stdout.

import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { hashTypedData, recoverTypedDataAddress, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EIP3009_TYPES as TYPES, EVM_KEYS as KEYS, eip3009Digest as digest, evmOffer, evmPayment, fetchRequired,
  fromHex, hex, secpSign as sign } from "./lib/payments.mjs";

function makeOne(job, payer) {
  const { req, resource, kind, validAfter, validBefore, ds } = job;
  return evmPayment({ req, resource, ds, payer, kind, validAfter, validBefore }).line;
}

if (!isMainThread) {
  const job = workerData;
  job.ds = fromHex(job.dsHex);
  const out = [];
  for (let i = job.from; i < job.to; i++) out.push(makeOne(job, job.payers[i % job.payers.length]));
  parentPort.postMessage(out);
} else {
  await main();
}

function parseArgs(argv) {
  const o = { kind: "header", workers: String(Math.max(1, os.cpus().length)), payers: "1,3,4,5,6,7,8" };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["url", "count", "out"]) if (!o[k]) throw new Error(`--${k} is required`);
  if (!["header", "verify"].includes(o.kind)) throw new Error("--kind is header or verify");
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const count = Number(opts.count);
  const t0 = performance.now();
  const required = await fetchRequired(opts.url);
  const { req, domain, ds } = evmOffer(required);
  const payers = opts.payers.split(",").map((n) => {
    const key = KEYS[n.trim()];
    if (!key) throw new Error(`no key for payer #${n}`);
    return { key, address: privateKeyToAccount(key).address };
  });

  const now = Math.floor(Date.now() / 1000);
  const job = { req, resource: required.resource, kind: opts.kind, validAfter: now - 600,
    validBefore: now + req.maxTimeoutSeconds, payers, dsHex: hex(ds) };

  // self-check: our digest = viem's hashTypedData, and the signature recovers to the payer
  const sample = { from: payers[0].address, to: getAddress(req.payTo), value: BigInt(req.amount),
    validAfter: BigInt(job.validAfter), validBefore: BigInt(job.validBefore), nonce: "0x" + "ab".repeat(32) };
  const viemDigest = hashTypedData({ domain, types: TYPES, primaryType: "TransferWithAuthorization", message: sample });
  const ours = "0x" + hex(digest(ds, { ...sample, value: req.amount }));
  if (viemDigest !== ours) throw new Error(`EIP-712 digest mismatch: viem ${viemDigest}, ours ${ours}`);
  const signer = await recoverTypedDataAddress({ domain, types: TYPES, primaryType: "TransferWithAuthorization",
    message: sample, signature: sign(fromHex(ours), payers[0].key) });
  if (signer !== payers[0].address) throw new Error(`signature recovers to ${signer}, not ${payers[0].address}`);

  const workers = Math.max(1, Math.min(Number(opts.workers), count));
  const per = Math.ceil(count / workers);
  const parts = await Promise.all(Array.from({ length: workers }, (_, w) => new Promise((resolve, reject) => {
    const from = w * per;
    const to = Math.min(count, from + per);
    const worker = new Worker(new URL(import.meta.url), { workerData: { ...job, from, to } });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`signer worker exited with ${code}`)));
  })));
  const lines = parts.flat();
  writeFileSync(opts.out, lines.join("\n") + "\n");
  process.stdout.write(JSON.stringify({ count: lines.length, kind: opts.kind, payers: payers.length,
    validBefore: job.validBefore, seconds: +((performance.now() - t0) / 1000).toFixed(1) }) + "\n");
}
