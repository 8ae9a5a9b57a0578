#!/usr/bin/env node
// Builds an x402 payment group with the official @x402/avm client against an algod (the local
// devnet), then settles it and prints ONE JSON line. It proves the devnet serves what the official
// code paths ask of algod: the client's suggested params, and either
//   --settle algosdk       the fee payer signed with algosdk and the group submitted with algosdk, or
//   --settle facilitator   the official @x402/avm facilitator's verify + settle (simulate as msgpack,
//                          submit, wait for confirmation through algokit-utils).
//
//   node src/test/js/avm-devnet.mjs --algod-url URL --algod-token T --network CAIP2
//        --avm-key PAYER_KEY --fee-payer-key KEY --pay-to ADDR --amount N [--asset 10458941]
//        [--settle algosdk|facilitator] [--timeout-ms 30000]
//
// Exit 0 whenever the harness worked (ok:false for a refused payment), 2 for bad usage, 1 otherwise.
import algosdk from "algosdk";
import { ExactAvmScheme as ClientScheme } from "@x402/avm/exact/client";
import { ExactAvmScheme as FacilitatorScheme } from "@x402/avm/exact/facilitator";
import { toClientAvmSigner, toFacilitatorAvmSigner } from "@x402/avm";
import { UsageError, divertConsoleToStderr, emitAndExit, errorMessage, parseArgs, safeStringify } from "./lib.mjs";

divertConsoleToStderr();

const SPEC = {
  "algod-url": "string",
  "algod-token": "string",
  network: "string",
  "avm-key": "string",
  "fee-payer-key": "string",
  "pay-to": "string",
  amount: "string",
  asset: "string",
  settle: "string",
  "timeout-ms": "string",
};

const result = { ok: false };

function usage() {
  const args = parseArgs(process.argv.slice(2), SPEC);
  for (const name of ["algod-url", "network", "avm-key", "fee-payer-key", "pay-to", "amount"]) {
    if (!args[name]) throw new UsageError(`--${name} is required`);
  }
  if (!/^\d+$/.test(args.amount)) throw new UsageError("--amount must be atomic units (digits)");
  args.settle ??= "algosdk";
  if (!["algosdk", "facilitator"].includes(args.settle)) throw new UsageError("--settle must be algosdk or facilitator");
  args.asset ??= "10458941";
  args["algod-token"] ??= "";
  args["timeout-ms"] = Number(args["timeout-ms"] ?? 30000);
  return args;
}

/** algosdk's client wants host and port apart. */
function algodClient(url, token) {
  const u = new URL(url);
  return new algosdk.Algodv2(token, `${u.protocol}//${u.hostname}`, u.port);
}

async function settleWithAlgosdk(args, payload) {
  const feePayer = algosdk.mnemonicToSecretKey(
    algosdk.mnemonicFromSeed(Buffer.from(args["fee-payer-key"], "base64").subarray(0, 32)),
  );
  const signed = payload.paymentGroup.map((b64) => {
    const bytes = Buffer.from(b64, "base64");
    // @x402/avm sends the fee payer's transaction bare and unsigned; everything else is signed.
    try {
      algosdk.decodeSignedTransaction(bytes);
      return bytes;
    } catch {
      const txn = algosdk.decodeUnsignedTransaction(bytes);
      if (txn.sender.toString() !== feePayer.addr.toString()) throw new Error(`unsigned transaction from ${txn.sender}`);
      return Buffer.from(algosdk.signTransaction(txn, feePayer.sk).blob);
    }
  });
  const algod = algodClient(args["algod-url"], args["algod-token"]);
  const sent = await algod.sendRawTransaction(signed).do();
  const paymentTxid = algosdk.decodeSignedTransaction(signed[payload.paymentIndex]).txn.txID();
  const confirmed = await algosdk.waitForConfirmation(algod, paymentTxid, 10);
  result.submittedTxid = sent.txid;
  result.transaction = paymentTxid;
  result.confirmedRound = Number(confirmed.confirmedRound);
  result.ok = true;
}

async function settleWithFacilitator(args, paymentPayload, requirements) {
  const signer = toFacilitatorAvmSigner(args["fee-payer-key"], {
    testnetUrl: args["algod-url"], mainnetUrl: args["algod-url"], algodToken: args["algod-token"],
  });
  const facilitator = new FacilitatorScheme(signer);
  result.verify = await facilitator.verify(paymentPayload, requirements);
  result.settle = await facilitator.settle(paymentPayload, requirements);
  result.transaction = result.settle.transaction;
  result.ok = Boolean(result.verify.isValid && result.settle.success);
}

async function main(args) {
  const signer = toClientAvmSigner(args["avm-key"]);
  const feePayer = algosdk.mnemonicToSecretKey(
    algosdk.mnemonicFromSeed(Buffer.from(args["fee-payer-key"], "base64").subarray(0, 32)),
  ).addr.toString();
  const requirements = {
    scheme: "exact",
    network: args.network,
    amount: args.amount,
    asset: args.asset,
    payTo: args["pay-to"],
    maxTimeoutSeconds: 60,
    extra: { decimals: 6, feePayer },
  };
  const client = new ClientScheme(signer, { algodUrl: args["algod-url"], algodToken: args["algod-token"] });
  const created = await client.createPaymentPayload(2, requirements);
  const paymentPayload = { x402Version: 2, accepted: requirements, payload: created.payload };
  result.payer = signer.address;
  result.feePayer = feePayer;
  result.paymentPayload = paymentPayload;
  result.group = created.payload.paymentGroup.map((b64) => {
    const bytes = Buffer.from(b64, "base64");
    let txn;
    let signed = true;
    try {
      txn = algosdk.decodeSignedTransaction(bytes).txn;
    } catch {
      txn = algosdk.decodeUnsignedTransaction(bytes);
      signed = false;
    }
    return { signed, txid: txn.txID(), type: txn.type, sender: txn.sender.toString(), fee: txn.fee.toString(), firstValid: txn.firstValid.toString() };
  });
  if (args.settle === "facilitator") await settleWithFacilitator(args, paymentPayload, requirements);
  else await settleWithAlgosdk(args, created.payload);
}

let args;
try {
  args = usage();
} catch (e) {
  result.usageError = true;
  result.error = errorMessage(e);
  emitAndExit(result, 2);
}
if (args) {
  const timer = setTimeout(() => {
    result.timedOut = true;
    result.error = `no result within ${args["timeout-ms"]} ms`;
    emitAndExit(result, 0);
  }, args["timeout-ms"]);
  main(args)
    .then(() => emitAndExit(result, 0))
    .catch((e) => {
      result.error = errorMessage(e);
      // algosdk's HTTP errors carry algod's {"message"} body: keep it for the test's assertion.
      if (e?.response?.body) result.algodError = safeStringify(e.response.body);
      emitAndExit(result, 0);
    })
    .finally(() => clearTimeout(timer));
}
