#!/usr/bin/env node
// Inclusive CPU breakdown of a JFR recording's execution samples by component:
//   jfr print --events jdk.ExecutionSample --stack-depth 200 rec.jfr | node bench/jfr-breakdown.mjs
// Each sample goes to the first rule whose pattern appears anywhere in its stack.
import { readFileSync } from "node:fs";

const RULES = [
  ["secp256k1 recovery (web3j Sign.recoverFromSignature)", "Sign.recoverFromSignature"],
  ["secp256k1 signing (settlement tx)", "Sign.signMessage"],
  ["EIP-712 digest (web3j StructuredDataEncoder)", "StructuredDataEncoder"],
  ["EVM JSON-RPC client (web3j + OkHttp)", "okhttp3"],
  ["EVM JSON-RPC client (web3j + OkHttp)", "org.web3j.protocol"],
  ["web3j other (ABI, RLP, keys)", "org.web3j"],
  ["PostgreSQL client", "io.vertx.pgclient"],
  ["PostgreSQL client", "io.vertx.sqlclient"],
  ["JSON (Jackson)", "com.fasterxml.jackson"],
  ["HTTP server, REST, routing", "org.jboss.resteasy"],
  ["HTTP server, REST, routing", "io.quarkus.vertx.http"],
  ["HTTP server, REST, routing", "io.vertx.core.http"],
  ["HTTP server, REST, routing", "io.vertx.ext.web"],
  ["Netty I/O", "io.netty"],
  ["Sippar code (gateway, x402, ledger)", "io.sippar"],
];
const text = readFileSync(0, "utf8");
const samples = text.split("jdk.ExecutionSample {").slice(1);
const counts = new Map();
for (const s of samples) {
  const hit = RULES.find(([, pattern]) => s.includes(pattern));
  const key = hit ? hit[0] : "other (JDK, GC helpers, Mutiny, ...)";
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
const total = samples.length || 1;
console.log(`| component (inclusive, first match) | samples | share |\n| --- | ---: | ---: |`);
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${k} | ${v} | ${((100 * v) / total).toFixed(1)}% |`);
}
console.log(`| total | ${samples.length} | |`);
