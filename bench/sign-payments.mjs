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
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak_256 } from "@noble/hashes/sha3";
import { hashTypedData, recoverTypedDataAddress, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

// chain-fixtures/evm accounts (anvil's public test mnemonic; README table)
const KEYS = {
  1: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  3: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  4: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  5: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  6: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  7: "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  8: "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
};
const TOKEN = "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9";
const TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
};

const enc = new TextEncoder();
const hex = (b) => Buffer.from(b).toString("hex");
const fromHex = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const keccak = (...parts) => {
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};
const word = (n) => fromHex(BigInt(n).toString(16).padStart(64, "0"));
const addrWord = (a) => fromHex(a.replace(/^0x/, "").toLowerCase().padStart(64, "0"));

const TRANSFER_TYPEHASH = keccak(enc.encode(
  "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"));
const DOMAIN_TYPEHASH = keccak(enc.encode(
  "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));

function domainSeparator(d) {
  return keccak(DOMAIN_TYPEHASH, keccak(enc.encode(d.name)), keccak(enc.encode(d.version)), word(d.chainId),
    addrWord(d.verifyingContract));
}

function digest(ds, m) {
  const structHash = keccak(TRANSFER_TYPEHASH, addrWord(m.from), addrWord(m.to), word(m.value),
    word(m.validAfter), word(m.validBefore), fromHex(m.nonce));
  return keccak(Uint8Array.of(0x19, 0x01), ds, structHash);
}

/** 65-byte r‖s‖v (v = 27/28, low s) as 0x hex. */
function sign(digestBytes, privateKey) {
  const sig = secp256k1.sign(digestBytes, fromHex(privateKey), { lowS: true });
  return "0x" + hex(sig.toCompactRawBytes()) + (27 + sig.recovery).toString(16);
}

function makeOne(job, payer, index) {
  const { req, resource, kind, validAfter, validBefore } = job;
  const auth = {
    from: payer.address,
    to: req.payTo,
    value: req.amount,
    validAfter: String(validAfter),
    validBefore: String(validBefore),
    nonce: "0x" + randomBytes(32).toString("hex"),
  };
  const signature = sign(digest(job.ds, auth), payer.key);
  const paymentPayload = { x402Version: 2, resource, accepted: req, payload: { signature, authorization: auth } };
  if (kind === "verify") {
    return JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements: req });
  }
  return Buffer.from(JSON.stringify(paymentPayload), "utf8").toString("base64");
}

if (!isMainThread) {
  const job = workerData;
  job.ds = fromHex(job.dsHex);
  const out = [];
  for (let i = job.from; i < job.to; i++) out.push(makeOne(job, job.payers[i % job.payers.length], i));
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
  const res = await fetch(opts.url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  const header = res.headers.get("payment-required");
  if (res.status !== 402 || !header) throw new Error(`expected a 402 with PAYMENT-REQUIRED, got ${res.status}`);
  const required = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  const req = required.accepts.find((a) => a.scheme === "exact" && a.network.startsWith("eip155:")
    && a.asset.toLowerCase() === TOKEN.toLowerCase());
  if (!req) throw new Error("the 402 offers no exact payment in the devnet token");
  const chainId = Number(req.network.slice("eip155:".length));
  const domain = { name: req.extra.name, version: req.extra.version, chainId, verifyingContract: req.asset };
  const ds = domainSeparator(domain);
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
