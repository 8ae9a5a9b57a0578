// Shared helpers for client.mjs and parse402.mjs.
//
// Everything here only builds the *official* x402 clients (@x402/* 2.27.0 for
// v2, x402 / x402-fetch 1.2.0 for v1) the way an agent would; the harness adds
// argument parsing, wire recording and a single JSON line of output.

import { createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";

// anvil / hardhat account #1 (address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8)
export const DEFAULT_EVM_KEY =
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export const BODY_LIMIT = 4096;

// ---------------------------------------------------------------- stdout hygiene

// The contract with the Java side is "exactly one JSON line on stdout".
// Libraries log through console.*; send all of that to stderr.
export function divertConsoleToStderr() {
  const toErr = (...args) => {
    process.stderr.write(
      args.map((a) => (typeof a === "string" ? a : safeStringify(a))).join(" ") + "\n",
    );
  };
  console.log = toErr;
  console.info = toErr;
  console.debug = toErr;
  console.warn = toErr;
}

export function safeStringify(value) {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return String(value);
  }
}

let emitted = false;

/** Writes the one JSON result line (once) and exits with `code`. */
export function emitAndExit(result, code = 0) {
  if (emitted) return;
  emitted = true;
  process.stdout.write(safeStringify(result) + "\n", () => process.exit(code));
}

/** Command-line options both scripts take: the request and how the client is set up. */
export const CLIENT_OPTIONS = {
  url: "string",
  method: "string",
  header: "list",
  "evm-key": "string",
  "avm-key": "string",
  "algod-url": "string",
  "algod-token": "string",
  "allow-asset": "list",
  "max-value": "string",
  "max-usd": "string",
  "no-spend-controls": "bool",
  "v1-network": "string",
  "timeout-ms": "string",
};

export class UsageError extends Error {}

// ---------------------------------------------------------------- arguments

/**
 * Minimal `--flag value` parser. `spec` maps flag name -> "string" | "list" | "bool".
 * Unknown flags and missing values are usage errors.
 */
export function parseArgs(argv, spec) {
  const out = {};
  for (const [name, kind] of Object.entries(spec)) {
    if (kind === "list") out[name] = [];
    if (kind === "bool") out[name] = false;
  }
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (!raw.startsWith("--")) throw new UsageError(`unexpected argument: ${raw}`);
    let name = raw.slice(2);
    let inline;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag: --${name}`);
    if (kind === "bool") {
      out[name] = inline === undefined ? true : inline !== "false";
      continue;
    }
    const value = inline !== undefined ? inline : argv[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    if (kind === "list") out[name].push(value);
    else out[name] = value;
  }
  return out;
}

// ---------------------------------------------------------------- decoding

/** base64 (standard alphabet) -> UTF-8 -> JSON, leniently; used for recording only. */
export function decodeB64Json(value) {
  if (value == null) return undefined;
  try {
    return JSON.parse(Buffer.from(value, "base64").toString("utf8"));
  } catch (e) {
    return { _decodeError: e instanceof Error ? e.message : String(e), raw: value };
  }
}

export function truncate(text, limit = BODY_LIMIT) {
  if (text == null) return text;
  return text.length > limit ? text.slice(0, limit) : text;
}

// ---------------------------------------------------------------- recording fetch

const REQUEST_HEADERS = ["payment-signature", "x-payment"];
const RESPONSE_HEADERS = ["payment-required", "payment-response", "x-payment-response", "content-type"];

function pick(headers, names) {
  const out = {};
  for (const n of names) {
    const v = headers.get(n);
    if (v !== null) out[n] = v;
  }
  return out;
}

/**
 * Wraps `baseFetch` so every request/response pair is appended to `exchanges`.
 * `onResponse(response, text)` is called before the response is handed back
 * (client.mjs uses it to choose the legacy wallet's chain from the 402).
 * `signal` aborts every in-flight request when the harness timeout fires.
 */
export function recordingFetch(baseFetch, exchanges, { signal, onResponse } = {}) {
  return async (input, init) => {
    // Normalise whatever the client passed (Request, URL or string + init).
    const request = new Request(input, init);
    const entry = {
      request: {
        method: request.method,
        url: request.url,
        headers: pick(request.headers, REQUEST_HEADERS),
      },
      response: null,
    };
    exchanges.push(entry);
    let response;
    try {
      response = await baseFetch(request, signal ? { signal } : undefined);
    } catch (e) {
      entry.error = e instanceof Error ? e.message : String(e);
      throw e;
    }
    let text = "";
    try {
      text = await response.clone().text();
    } catch (e) {
      entry.bodyError = e instanceof Error ? e.message : String(e);
    }
    entry.response = {
      status: response.status,
      headers: pick(response.headers, RESPONSE_HEADERS),
      body: truncate(text),
    };
    if (onResponse) await onResponse(response, text);
    return response;
  };
}

/** The `decoded` block of the output, derived from the recorded exchanges. */
export function decodeExchanges(exchanges) {
  const decoded = {};
  const first402 = exchanges.find((x) => x.response && x.response.status === 402);
  if (first402 && first402.response.headers["payment-required"]) {
    decoded.paymentRequired = decodeB64Json(first402.response.headers["payment-required"]);
  }
  for (const x of exchanges) {
    if (x.request.headers["payment-signature"]) {
      decoded.paymentSignature = decodeB64Json(x.request.headers["payment-signature"]);
    }
    if (x.request.headers["x-payment"]) {
      decoded.xPayment = decodeB64Json(x.request.headers["x-payment"]);
    }
  }
  const last = [...exchanges].reverse().find((x) => x.response);
  if (last) {
    const h = last.response.headers;
    const pr = h["payment-response"] ?? h["x-payment-response"];
    if (pr) decoded.paymentResponse = decodeB64Json(pr);
    // A 402 to the paid retry: its PAYMENT-REQUIRED carries the server's reason in `error`.
    if (last !== first402 && last.response.status === 402 && h["payment-required"]) {
      decoded.finalPaymentRequired = decodeB64Json(h["payment-required"]);
    }
  }
  return decoded;
}

// ---------------------------------------------------------------- v2 client

/**
 * Parses `--allow-asset` values: `ASSET` (any network) or `ASSET@NETWORK`
 * (NETWORK may be a CAIP-2 pattern such as `eip155:*`).
 */
export function parseAllowedAssets(values, maxValue) {
  return values.map((v) => {
    const at = v.indexOf("@");
    const asset = at >= 0 ? v.slice(0, at) : v;
    const network = at >= 0 ? v.slice(at + 1) : "*";
    if (!asset || !network) throw new UsageError(`bad --allow-asset value: ${v}`);
    const entry = { network, asset };
    if (maxValue !== undefined) entry.maxAmountPerPayment = maxValue;
    return entry;
  });
}

export function validateMaxValue(value) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--max-value must be an integer atomic amount, got ${value}`);
  return value;
}

/**
 * Builds the v2 `x402Client` the documented 2.27.0 way (builder + register /
 * registerV1) and returns `{ client, spendControls }`.
 *
 * Spend controls (x402Client.setSpendControls):
 *  - default: only assets that the scheme's findDefaultAsset knows (e.g. Base
 *    Sepolia USDC), capped at "$1"; anything else is "rejected by spendControls";
 *  - each `--allow-asset` adds an `allowedAssets` entry (atomic cap `--max-value`
 *    when given, else uncapped for non-default tokens);
 *  - `--max-usd` replaces the "$1" USD cap for default assets ("false" disables it);
 *  - `--no-spend-controls` passes `false` (no allow-list, no caps).
 */
export async function buildV2Client(opts) {
  const { x402Client } = await import("@x402/core/client");
  const { ExactEvmScheme } = await import("@x402/evm/exact/client");
  const { ExactEvmSchemeV1 } = await import("@x402/evm/exact/v1/client");

  const account = privateKeyToAccount(opts.evmKey);
  const client = new x402Client()
    .register("eip155:*", new ExactEvmScheme(account))
    .registerV1("base-sepolia", new ExactEvmSchemeV1(account))
    .registerV1("base", new ExactEvmSchemeV1(account));

  if (opts.avmKey) {
    if (!opts.algodUrl) {
      // Without algodUrl the AVM client talks to public mainnet/testnet nodes.
      throw new UsageError("--avm-key needs --algod-url (the client must never reach public nodes)");
    }
    const { ExactAvmScheme } = await import("@x402/avm/exact/client");
    const { toClientAvmSigner } = await import("@x402/avm");
    const signer = toClientAvmSigner(opts.avmKey);
    client.register(
      "algorand:*",
      new ExactAvmScheme(signer, { algodUrl: opts.algodUrl, algodToken: opts.algodToken ?? "" }),
    );
  }

  let spendControls;
  if (opts.noSpendControls) {
    spendControls = false;
  } else {
    spendControls = {};
    const allowed = parseAllowedAssets(opts.allowAssets ?? [], opts.maxValue);
    if (allowed.length > 0) spendControls.allowedAssets = allowed;
    if (opts.maxUsd !== undefined) {
      spendControls.maxAmountPerPayment = opts.maxUsd === "false" ? false : opts.maxUsd;
    }
  }
  client.setSpendControls(spendControls);
  return { client, spendControls, payer: { evm: account.address } };
}

// ---------------------------------------------------------------- v1 (legacy) client

/** The legacy network the v1 wallet should be on: `--v1-network`, else the first
 * `exact` requirement of the 402 body whose network legacy x402 can sign for. */
export async function pickLegacyNetwork(body, override) {
  if (override) return override;
  const { SupportedEVMNetworks } = await import("x402/types");
  const accepts = body && Array.isArray(body.accepts) ? body.accepts : [];
  const hit = accepts.find(
    (a) => a && a.scheme === "exact" && SupportedEVMNetworks.includes(a.network),
  );
  return hit ? hit.network : undefined;
}

/**
 * A viem wallet client with a local account and a transport that refuses RPC:
 * EIP-712 signing with a local account is offline, so nothing may leave the box.
 * Its `chain` is filled in by `setLegacyChain` once the 402 tells the network.
 */
export function legacyWalletClient(evmKey) {
  return createWalletClient({
    account: privateKeyToAccount(evmKey),
    transport: custom({
      async request({ method }) {
        throw new Error(`interop harness: no RPC allowed (wallet asked for ${method})`);
      },
    }),
  });
}

export async function setLegacyChain(walletClient, network) {
  if (!network) return;
  const { evm } = await import("x402/types");
  walletClient.chain = evm.getChainFromNetwork(network);
}

export const DEFAULT_LEGACY_MAX_VALUE = BigInt(0.1 * 10 ** 6); // x402-fetch's own default

export function errorMessage(e) {
  if (e instanceof Error) {
    return e.cause instanceof Error ? `${e.message} (cause: ${e.cause.message})` : e.message;
  }
  return String(e);
}
