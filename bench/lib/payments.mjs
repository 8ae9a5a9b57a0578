// x402 v2 exact payments for the benchmarks, built the way the official clients build them:
// EIP-3009 TransferWithAuthorization on the EVM devnet (chain-fixtures/evm) and Algorand payment
// groups on the algod devnet (chain-fixtures/algorand). Used by sign-payments.mjs and
// sign-avm-payments.mjs (files of pre-signed payments) and load.mjs (signed right before sending,
// so a long run never outlives a validity window).

import { createPrivateKey, randomBytes, sign as edSign } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak_256 } from "@noble/hashes/sha3";
import algosdk from "algosdk";

// chain-fixtures/evm accounts (anvil's public test mnemonic; README table)
export const EVM_KEYS = {
  1: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  3: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  4: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  5: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  6: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  7: "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  8: "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
};
export const EVM_TOKEN = "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9";
export const EIP3009_TYPES = {
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
export const hex = (b) => Buffer.from(b).toString("hex");
export const fromHex = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
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

export function domainSeparator(d) {
  return keccak(DOMAIN_TYPEHASH, keccak(enc.encode(d.name)), keccak(enc.encode(d.version)), word(d.chainId),
    addrWord(d.verifyingContract));
}

/** The EIP-712 digest of a TransferWithAuthorization from precomputed type and domain hashes. */
export function eip3009Digest(ds, m) {
  const structHash = keccak(TRANSFER_TYPEHASH, addrWord(m.from), addrWord(m.to), word(m.value),
    word(m.validAfter), word(m.validBefore), fromHex(m.nonce));
  return keccak(Uint8Array.of(0x19, 0x01), ds, structHash);
}

/** 65-byte r‖s‖v (v = 27/28, low s) as 0x hex. */
export function secpSign(digestBytes, privateKey) {
  const sig = secp256k1.sign(digestBytes, fromHex(privateKey), { lowS: true });
  return "0x" + hex(sig.toCompactRawBytes()) + (27 + sig.recovery).toString(16);
}

/** The line a load generator sends: the base64 PAYMENT-SIGNATURE, or the JSON body of POST /verify. */
export function asLine(kind, paymentPayload, req) {
  if (kind === "verify") return JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements: req });
  return Buffer.from(JSON.stringify(paymentPayload), "utf8").toString("base64");
}

/**
 * One signed EIP-3009 payment for {@code req} from {@code payer} ({address, key}); {@code ds} is the
 * token's domain separator. Returns the line and the authorization (payer + nonce identify it on chain).
 */
export function evmPayment({ req, resource, ds, payer, kind = "header", validAfter, validBefore }) {
  const auth = {
    from: payer.address,
    to: req.payTo,
    value: req.amount,
    validAfter: String(validAfter),
    validBefore: String(validBefore),
    nonce: "0x" + randomBytes(32).toString("hex"),
  };
  const signature = secpSign(eip3009Digest(ds, auth), payer.key);
  const paymentPayload = { x402Version: 2, resource, accepted: req, payload: { signature, authorization: auth } };
  return { line: asLine(kind, paymentPayload, req), auth };
}

/** GET url once; the decoded PAYMENT-REQUIRED of its 402. */
export async function fetchRequired(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  const header = res.headers.get("payment-required");
  if (res.status !== 402 || !header) throw new Error(`expected a 402 with PAYMENT-REQUIRED, got ${res.status}`);
  return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
}

/** The 402's exact offer in the devnet USDC on EVM, with its EIP-712 domain. */
export function evmOffer(required) {
  const req = required.accepts.find((a) => a.scheme === "exact" && a.network.startsWith("eip155:")
    && a.asset.toLowerCase() === EVM_TOKEN.toLowerCase());
  if (!req) throw new Error("the 402 offers no exact payment in the devnet token");
  const chainId = Number(req.network.slice("eip155:".length));
  const domain = { name: req.extra.name, version: req.extra.version, chainId, verifyingContract: req.asset };
  return { req, domain, ds: domainSeparator(domain) };
}

/** The 402's exact offer on the Algorand devnet (with the gateway as fee payer). */
export function avmOffer(required, network) {
  const req = required.accepts.find((a) => a.scheme === "exact" && a.network === network);
  if (!req || !req.extra?.feePayer) throw new Error(`the 402 offers no exact payment on ${network} with a feePayer`);
  return req;
}

/** Ed25519 key from a 32-byte seed (PKCS#8 wrapping of RFC 8410). */
function edKey(seed) {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" });
}

/** The devnet's funded payer and spare accounts, with their signing keys. */
export function avmPayers(devnet) {
  const payers = devnet.accounts.filter((a) => (a.role === "payer" || a.role === "spare") && a.key).map((a) => {
    const sk = new Uint8Array(Buffer.from(a.key, "base64"));
    return { address: a.address, sk, key: edKey(Buffer.from(sk.subarray(0, 32))) };
  });
  if (payers.length === 0) throw new Error("no payer accounts in the devnet state");
  return payers;
}

/** algod's /v2/transactions/params, as the suggested parameters of a group valid for 1000 rounds. */
export async function avmParams(devnet) {
  const res = await fetch(`${devnet.url}/v2/transactions/params`, {
    headers: { "X-Algo-API-Token": devnet.token }, signal: AbortSignal.timeout(10_000),
  });
  const params = await res.json();
  const firstValid = BigInt(params["last-round"]);
  return {
    firstValid,
    suggested: (fee) => ({
      fee: BigInt(fee), flatFee: true, minFee: BigInt(params["min-fee"]), firstValid, lastValid: firstValid + 1000n,
      genesisID: params["genesis-id"], genesisHash: new Uint8Array(Buffer.from(params["genesis-hash"], "base64")),
    }),
  };
}

/**
 * One Algorand payment group as @x402/avm's client builds it: the fee payer's unsigned 0-ALGO
 * self-payment paying 2000 microAlgo for both, then the payer's axfer of exactly the amount with fee 0
 * and a unique note. {@code check} also compares Node's Ed25519 signature with algosdk's signTxn.
 * Returns the line and the payment transaction's id (what PAYMENT-RESPONSE names).
 */
export function avmPayment({ req, resource, params, payer, tag, kind = "header", check = false }) {
  const feeTxn = algosdk.makePaymentTxnWithSuggestedParamsFromObject({
    sender: req.extra.feePayer, receiver: req.extra.feePayer, amount: 0n,
    note: enc.encode(`x402-fee-payer-${tag}`), suggestedParams: params.suggested(2000),
  });
  const pay = algosdk.makeAssetTransferTxnWithSuggestedParamsFromObject({
    sender: payer.address, receiver: req.payTo, assetIndex: BigInt(req.asset), amount: BigInt(req.amount),
    note: enc.encode(`x402-payment-v2-${tag}`), suggestedParams: params.suggested(0),
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
  return { line: asLine(kind, { x402Version: 2, resource, accepted: req, payload }, req), txid: pay.txID() };
}
