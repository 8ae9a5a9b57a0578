#!/usr/bin/env node
// Acts as an agent paying with an official x402 client and prints ONE JSON line.
// See README.md for flags and output. Exit code 0 whenever the harness worked,
// including refused / failed payments; 2 for bad usage; 1 for harness bugs.

import {
  CLIENT_OPTIONS,
  DEFAULT_EVM_KEY,
  DEFAULT_LEGACY_MAX_VALUE,
  UsageError,
  buildV2Client,
  decodeExchanges,
  divertConsoleToStderr,
  emitAndExit,
  errorMessage,
  legacyWalletClient,
  parseArgs,
  pickLegacyNetwork,
  recordingFetch,
  setLegacyChain,
  truncate,
  validateMaxValue,
} from "./lib.mjs";

divertConsoleToStderr();

const SPEC = { client: "string", ...CLIENT_OPTIONS, body: "string" };

const exchanges = [];
const result = {
  ok: false,
  client: undefined,
  error: undefined,
  exchanges,
  decoded: {},
  finalStatus: null,
  finalBody: null,
};

function finish(code = 0) {
  result.decoded = decodeExchanges(exchanges);
  if (result.finalStatus === null) {
    // The client threw: report the last response the server actually sent.
    const last = [...exchanges].reverse().find((x) => x.response);
    if (last) {
      result.finalStatus = last.response.status;
      result.finalBody = last.response.body;
    }
  }
  emitAndExit(result, code);
}

let args;
try {
  const parsed = parseArgs(process.argv.slice(2), SPEC);
  if (parsed.client !== "v2" && parsed.client !== "v1") throw new UsageError("--client must be v2 or v1");
  if (!parsed.url) throw new UsageError("--url is required");
  new URL(parsed.url);
  args = parsed;
} catch (e) {
  result.error = `usage: ${errorMessage(e)}`;
  result.usageError = true;
  finish(2);
}

if (args) {
  result.client = args.client;
  const timeoutMs = Number(args["timeout-ms"] ?? 30000);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    result.ok = false;
    result.timedOut = true;
    result.error = `harness timeout after ${timeoutMs} ms`;
    controller.abort(new Error(result.error));
    finish(0);
  }, timeoutMs);

  run(args, controller.signal)
    .then(() => {
      clearTimeout(timer);
      finish(0);
    })
    .catch((e) => {
      clearTimeout(timer);
      if (e instanceof UsageError) {
        result.error = `usage: ${e.message}`;
        result.usageError = true;
        finish(2);
      } else {
        result.ok = false;
        result.error = `harness: ${errorMessage(e)}`;
        result.harnessError = true;
        result.stack = e instanceof Error ? e.stack : undefined;
        finish(1);
      }
    });
}

function requestInit(a) {
  const headers = {};
  for (const h of a.header) {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`bad --header ${h} (want Name: value)`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const init = { method: (a.method ?? "GET").toUpperCase(), headers };
  if (a.body !== undefined) init.body = a.body;
  return init;
}

async function run(a, signal) {
  const evmKey = a["evm-key"] ?? DEFAULT_EVM_KEY;
  const maxValue = validateMaxValue(a["max-value"]);
  const init = requestInit(a);

  if (a.client === "v2") {
    const { wrapFetchWithPayment } = await import("@x402/fetch");
    const { client, spendControls, payer } = await buildV2Client({
      evmKey,
      avmKey: a["avm-key"],
      algodUrl: a["algod-url"],
      algodToken: a["algod-token"],
      allowAssets: a["allow-asset"],
      maxValue,
      maxUsd: a["max-usd"],
      noSpendControls: a["no-spend-controls"],
    });
    result.config = { spendControls, payer };
    const paidFetch = wrapFetchWithPayment(recordingFetch(fetch, exchanges, { signal }), client);
    await callClient(paidFetch, a.url, init);
    return;
  }

  // v1: legacy x402-fetch with a viem wallet client on the chain of the 402.
  const { wrapFetchWithPayment } = await import("x402-fetch");
  const walletClient = legacyWalletClient(evmKey);
  const legacyMax = maxValue !== undefined ? BigInt(maxValue) : DEFAULT_LEGACY_MAX_VALUE;
  result.config = {
    maxValue: legacyMax.toString(),
    payer: { evm: walletClient.account.address },
    network: null,
  };
  const onResponse = async (response, text) => {
    if (response.status !== 402 || walletClient.chain) return;
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const network = await pickLegacyNetwork(body, a["v1-network"]);
    result.config.network = network ?? null;
    await setLegacyChain(walletClient, network);
  };
  const paidFetch = wrapFetchWithPayment(
    recordingFetch(fetch, exchanges, { signal, onResponse }),
    walletClient,
    legacyMax,
  );
  await callClient(paidFetch, a.url, init);
}

async function callClient(paidFetch, url, init) {
  let response;
  try {
    response = await paidFetch(url, init);
  } catch (e) {
    // The official client refused or failed: that is a result, not a harness bug.
    result.ok = false;
    result.error = errorMessage(e);
    return;
  }
  result.finalStatus = response.status;
  result.finalBody = truncate(await response.text());
  result.ok = response.status >= 200 && response.status < 300;
  if (!result.ok && response.status === 402) {
    result.error = "server answered 402 after the payment attempt";
  }
}
