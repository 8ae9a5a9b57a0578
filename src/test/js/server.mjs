#!/usr/bin/env node
// A merchant's own server built with the official @x402/express middleware, using a Sippar
// gateway as its facilitator (facilitator mode). Serves GET /weather for an exact price on an EVM
// network, or on an Algorand one (--network algorand:...) with @x402/avm's server scheme, which
// takes the fee payer from the facilitator's /supported.
// Listens on 127.0.0.1 (random port unless --port), prints ONE JSON line {"listening": PORT}
// when ready, and runs until killed or its stdin closes.
import express from "express";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { ExactAvmScheme } from "@x402/avm/exact/server";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { divertConsoleToStderr, emitAndExit, parseArgs } from "./lib.mjs";

divertConsoleToStderr();

const SPEC = {
  port: "string",
  facilitator: "string",
  "api-key": "string",
  network: "string",
  asset: "string",
  amount: "string",
  "pay-to": "string",
  "token-name": "string",
  "token-version": "string",
};

let opts;
try {
  opts = parseArgs(process.argv.slice(2), SPEC);
  for (const required of ["facilitator", "network", "asset", "amount", "pay-to"]) {
    if (!opts[required]) throw new Error(`--${required} is required`);
  }
} catch (e) {
  emitAndExit({ usageError: true, error: String(e.message ?? e) }, 2);
}

const apiKey = opts["api-key"];
const authHeaders = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
const facilitator = new HTTPFacilitatorClient({
  url: opts.facilitator,
  timeoutMs: 60000,
  createAuthHeaders: async () => ({ verify: authHeaders, settle: authHeaders, supported: authHeaders }),
});
const avm = opts.network.startsWith("algorand:");
const server = new x402ResourceServer(facilitator).register(opts.network, avm ? new ExactAvmScheme() : new ExactEvmScheme());
// EVM tokens need their EIP-712 domain in extra; an ASA needs nothing (feePayer comes from /supported)
const price = avm
  ? { amount: opts.amount, asset: opts.asset }
  : {
      amount: opts.amount,
      asset: opts.asset,
      extra: { name: opts["token-name"] ?? "USD Coin", version: opts["token-version"] ?? "2" },
    };

const app = express();
app.use(
  paymentMiddleware(
    {
      "GET /weather": {
        accepts: {
          scheme: "exact",
          network: opts.network,
          payTo: opts["pay-to"],
          price,
          maxTimeoutSeconds: 120,
        },
        description: "Weather behind @x402/express, settled by Sippar",
        mimeType: "application/json",
      },
    },
    server,
  ),
);
app.get("/weather", (req, res) => res.json({ city: "Nineveh", temperatureC: 19, source: "express-merchant" }));

const listener = app.listen(Number(opts.port ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ listening: listener.address().port })}\n`);
});
const stop = () => listener.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
