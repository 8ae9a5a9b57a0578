#!/usr/bin/env node
// Fetches a URL ONCE without paying and runs the official clients' parsing and
// requirement-selection code on the answer. Prints ONE JSON line; see README.md.
// Exit code 0 whenever the harness worked; 2 for bad usage; 1 for harness bugs.

import {
  CLIENT_OPTIONS,
  DEFAULT_EVM_KEY,
  DEFAULT_LEGACY_MAX_VALUE,
  UsageError,
  buildV2Client,
  divertConsoleToStderr,
  emitAndExit,
  errorMessage,
  parseArgs,
  pickLegacyNetwork,
  truncate,
  validateMaxValue,
} from "./lib.mjs";

divertConsoleToStderr();

const SPEC = { ...CLIENT_OPTIONS };

const result = { status: null, headers: {}, body: null, v2: null, v1: null };

let args;
try {
  const parsed = parseArgs(process.argv.slice(2), SPEC);
  if (!parsed.url) throw new UsageError("--url is required");
  new URL(parsed.url);
  args = parsed;
} catch (e) {
  result.error = `usage: ${errorMessage(e)}`;
  result.usageError = true;
  emitAndExit(result, 2);
}

if (args) {
  const timeoutMs = Number(args["timeout-ms"] ?? 30000);
  const timer = setTimeout(() => {
    result.timedOut = true;
    result.error = `harness timeout after ${timeoutMs} ms`;
    emitAndExit(result, 0);
  }, timeoutMs);
  run(args, AbortSignal.timeout(timeoutMs))
    .then(() => {
      clearTimeout(timer);
      emitAndExit(result, 0);
    })
    .catch((e) => {
      clearTimeout(timer);
      if (e instanceof UsageError) {
        result.error = `usage: ${e.message}`;
        result.usageError = true;
        emitAndExit(result, 2);
      } else {
        result.error = `harness: ${errorMessage(e)}`;
        result.harnessError = true;
        result.stack = e instanceof Error ? e.stack : undefined;
        emitAndExit(result, 1);
      }
    });
}

async function run(a, signal) {
  const headers = {};
  for (const h of a.header) {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`bad --header ${h} (want Name: value)`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const maxValue = validateMaxValue(a["max-value"]);
  const evmKey = a["evm-key"] ?? DEFAULT_EVM_KEY;

  let response;
  try {
    response = await fetch(a.url, { method: (a.method ?? "GET").toUpperCase(), headers, signal });
  } catch (e) {
    result.error = `request failed: ${errorMessage(e)}`;
    return;
  }
  const text = await response.text();
  result.status = response.status;
  for (const n of ["payment-required", "content-type"]) {
    const v = response.headers.get(n);
    if (v !== null) result.headers[n] = v;
  }
  result.body = truncate(text);
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }

  result.v2 = await parseV2(response, body, { ...a, evmKey, maxValue });
  result.v1 = await parseV1(text, body, a["v1-network"], maxValue);
}

// v2: what @x402/fetch 2.27.0 does with a 402 (x402HTTPClient.getPaymentRequiredResponse:
// PAYMENT-REQUIRED header first, else a body with x402Version === 1), then the
// x402Client's selection (registered schemes -> paymentFlow -> spendControls -> policies
// -> selector) with the same registrations client.mjs uses.
async function parseV2(response, body, a) {
  const { x402HTTPClient } = await import("@x402/core/client");
  const { parsePaymentRequired } = await import("@x402/core/schemas");
  const { client, spendControls } = await buildV2Client({
    evmKey: a.evmKey,
    avmKey: a["avm-key"],
    algodUrl: a["algod-url"],
    algodToken: a["algod-token"],
    allowAssets: a["allow-asset"],
    maxValue: a.maxValue,
    maxUsd: a["max-usd"],
    noSpendControls: a["no-spend-controls"],
  });
  const http = new x402HTTPClient(client);
  let parsed;
  try {
    parsed = http.getPaymentRequiredResponse((name) => response.headers.get(name), body);
  } catch (e) {
    return { stage: "parse", error: errorMessage(e) };
  }
  const out = {
    source: response.headers.get("payment-required") ? "header" : "body",
    x402Version: parsed?.x402Version,
    parsed,
    spendControls,
  };
  // The Zod schema is not on @x402/fetch's path, but tells whether the object is well-formed.
  const schema = parsePaymentRequired(parsed);
  out.schema = schema.success
    ? { valid: true }
    : { valid: false, issues: schema.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
  try {
    out.selected = client.selectPaymentRequirements(parsed.x402Version, parsed.accepts);
  } catch (e) {
    out.selected = null;
    out.stage = "select";
    out.error = errorMessage(e);
  }
  return out;
}

// v1: what legacy x402-fetch 1.2.0 does: response.json(), every accepts[] entry through
// x402's PaymentRequirementsSchema, then selectPaymentRequirements(parsed, walletNetwork,
// "exact") and the maxValue check.
async function parseV1(text, body, v1Network, maxValue) {
  const { PaymentRequirementsSchema } = await import("x402/types");
  const { selectPaymentRequirements } = await import("x402/client");
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { stage: "json", error: errorMessage(e) };
  }
  const accepts = json?.accepts;
  if (!Array.isArray(accepts)) {
    return { stage: "parse", x402Version: json?.x402Version, error: "body has no accepts[] array" };
  }
  let parsed;
  try {
    parsed = accepts.map((x) => PaymentRequirementsSchema.parse(x));
  } catch (e) {
    const issues = e?.issues?.map((i) => ({ path: i.path.join("."), message: i.message }));
    return { stage: "parse", x402Version: json.x402Version, error: errorMessage(e), issues };
  }
  const network = await pickLegacyNetwork(body, v1Network);
  const out = { x402Version: json.x402Version, parsed, network: network ?? null };
  try {
    out.selected = selectPaymentRequirements(parsed, network, "exact");
  } catch (e) {
    out.selected = null;
    out.stage = "select";
    out.error = errorMessage(e);
    return out;
  }
  const max = maxValue !== undefined ? BigInt(maxValue) : DEFAULT_LEGACY_MAX_VALUE;
  out.maxValue = max.toString();
  out.exceedsMaxValue = out.selected ? BigInt(out.selected.maxAmountRequired) > max : null;
  return out;
}
