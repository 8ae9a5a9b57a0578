#!/usr/bin/env node
// Closed-loop HTTP load generator for the benchmarks (undici pool + HdrHistogram), bounded in count
// and time. Every request of a --requests file is sent exactly once (distinct payments); without a
// file the same request repeats until --duration or --max-requests.
//
//   node bench/loadgen.mjs --url http://127.0.0.1:8080/demo/weather --connections 32 \
//       [--requests payments.txt --kind header|verify] [--header "Authorization: Bearer sk_..."] \
//       [--duration 20] [--max-requests N] [--expect 402] [--timeout-ms 30000] [--label name]
//
//   --kind header : GET url with PAYMENT-SIGNATURE: <line>; ok = 200 + PAYMENT-RESPONSE success:true
//   --kind verify : POST url with the line as JSON body; ok = 200 + isValid:true
//   (no file)     : the request given by --method/--header; ok = status --expect (default 200)
//
// Latency is measured per request from send to the end of the response body (closed loop: a
// connection sends its next request when the previous answer is complete). Prints one JSON line.

import { readFileSync } from "node:fs";
import { Pool } from "undici";
import * as hdr from "hdr-histogram-js";

function parseArgs(argv) {
  const o = { headers: [], connections: "32", duration: "20", "timeout-ms": "30000", method: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!k.startsWith("--") || v === undefined) throw new Error(`bad argument ${k}`);
    if (k === "--header") o.headers.push(v);
    else o[k.slice(2)] = v;
  }
  if (!o.url) throw new Error("--url is required");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const url = new URL(opts.url);
const connections = Number(opts.connections);
const durationMs = Number(opts.duration) * 1000;
const timeoutMs = Number(opts["timeout-ms"]);
const kind = opts.requests ? (opts.kind ?? "header") : "plain";
const method = opts.method ?? (kind === "verify" ? "POST" : "GET");
const expect = Number(opts.expect ?? 200);
const baseHeaders = {};
for (const h of opts.headers) {
  const i = h.indexOf(":");
  baseHeaders[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
}
if (kind === "verify") baseHeaders["content-type"] = "application/json";

const items = opts.requests ? readFileSync(opts.requests, "utf8").split("\n").filter((l) => l.length > 0) : null;
const maxRequests = items ? Math.min(items.length, Number(opts["max-requests"] ?? Infinity))
  : Number(opts["max-requests"] ?? 10_000_000);

const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
const errorKinds = {};
let sent = 0;
let ok = 0;
let errors = 0;
const fail = (key) => {
  errors++;
  errorKinds[key] = (errorKinds[key] ?? 0) + 1;
};

const decode = (b64) => {
  try {
    return JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
};

async function judge(res) {
  const body = await res.body.text();
  if (kind === "verify") {
    if (res.statusCode !== 200) return fail(`http_${res.statusCode}`);
    let v;
    try { v = JSON.parse(body); } catch { return fail("verify_body_not_json"); }
    return v.isValid === true ? ok++ : fail(`invalid:${v.invalidReason ?? "?"}`);
  }
  if (kind === "header") {
    const pr = res.headers["payment-response"];
    if (res.statusCode === 200) {
      const r = pr && decode(pr);
      return r && r.success === true ? ok++ : fail("200_without_successful_payment_response");
    }
    const required = res.headers["payment-required"];
    const reason = (required && decode(required)?.error) ?? (pr && decode(pr)?.errorReason) ?? "";
    return fail(`http_${res.statusCode}${reason ? ":" + reason : ""}`);
  }
  return res.statusCode === expect ? ok++ : fail(`http_${res.statusCode}`);
}

const pool = new Pool(url.origin, {
  connections,
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
});

const start = performance.now();
const deadline = start + durationMs;
let last = start;

async function connectionLoop() {
  while (performance.now() < deadline) {
    const i = sent++;
    if (i >= maxRequests) return;
    const headers = { ...baseHeaders };
    let body;
    if (kind === "header") headers["payment-signature"] = items[i];
    else if (kind === "verify") body = items[i];
    const t0 = performance.now();
    try {
      const res = await pool.request({ path: url.pathname + url.search, method, headers, body,
        signal: AbortSignal.timeout(timeoutMs) });
      await judge(res);
    } catch (e) {
      fail(`net:${e.code ?? e.name ?? "error"}`);
    }
    const t1 = performance.now();
    histogram.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
    if (t1 > last) last = t1;
  }
}

await Promise.all(Array.from({ length: connections }, connectionLoop));
await pool.close();
const seconds = (last - start) / 1000;
const done = ok + errors;
const ms = (p) => +(histogram.getValueAtPercentile(p) / 1000).toFixed(2);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({
  label: opts.label ?? kind,
  connections,
  requests: done,
  available: items ? items.length : null,
  ok,
  errors,
  errorKinds,
  seconds: +seconds.toFixed(2),
  rps: +(done / seconds).toFixed(1),
  okRps: +(ok / seconds).toFixed(1),
  p50: ms(50),
  p90: ms(90),
  p99: ms(99),
  max: +(histogram.maxValue / 1000).toFixed(2),
  loadgenCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
}) + "\n");
