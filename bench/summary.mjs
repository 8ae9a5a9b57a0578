#!/usr/bin/env node
// Prints the benchmark summary (markdown tables) from the result files bench/run.sh wrote:
//   node bench/summary.mjs <results-dir> <duration>
// and copies it to bench/results/latest.md.

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [dir, duration] = process.argv.slice(2);
const read = (f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : null);
const json = (f) => { const t = read(f); return t ? JSON.parse(t) : null; };

function wrkMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

function parseWrk(text) {
  const pct = (p) => wrkMs((new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(text) ?? [])[1] ?? "");
  const total = Number((/(\d+) requests in ([\d.]+)(\w+)/.exec(text) ?? [])[1] ?? 0);
  const non2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(text) ?? [])[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  // every correct answer is a 402, so anything that is not "non-2xx" is an error too
  return { requests: total, rps: Number((/Requests\/sec:\s+([\d.]+)/.exec(text) ?? [])[1]),
    p50: pct(50), p99: pct(99), errors: socketErrors + (total - non2xx), connections: 32, tool: "wrk -t2" };
}

const rows = [];
const verdict = (checks) => (checks.every(Boolean) ? "PASS" : "FAIL");
const f1 = (n) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–");
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : "–");

// --- challenges
{
  const wrk = read("challenges.wrk.txt");
  const r = wrk ? parseWrk(wrk) : json("challenges.json");
  if (r) {
    rows.push({ name: "challenges (402, GET /demo/weather)", c: r.connections, n: r.requests, rps: r.rps, p50: r.p50,
      p99: r.p99, errors: r.errors, target: "≥ 20,000 req/s, p99 ≤ 10 ms @32",
      verdict: verdict([r.rps >= 20000, r.p99 <= 10, r.errors === 0]), tool: r.tool ?? "loadgen.mjs", cpu: json("challenges.cpu.json") });
  }
}
// --- verify
{
  const r = json("verify.json");
  if (r && r.skipped) rows.push({ name: "verify (POST /verify)", skipped: r.skipped, target: "≥ 2,500 req/s, p99 ≤ 50 ms" });
  else if (r) {
    rows.push({ name: "verify (POST /verify, distinct payments)", c: r.connections, n: r.requests, rps: r.okRps,
      p50: r.p50, p99: r.p99, errors: r.errors, errorKinds: r.errorKinds, target: "≥ 2,500 req/s, p99 ≤ 50 ms",
      verdict: verdict([r.okRps >= 2500, r.p99 <= 50, r.errors === 0]), tool: "loadgen.mjs", cpu: json("verify.cpu.json") });
  }
}
// --- verify on Algorand: no target in the issue; shown next to the EVM figures
{
  const r = json("verify-avm.json");
  if (r && r.skipped) rows.push({ name: "verify-avm (POST /verify)", skipped: r.skipped, target: "(none set)" });
  else if (r) {
    rows.push({ name: "verify-avm (POST /verify, distinct Algorand groups)", c: r.connections, n: r.requests,
      rps: r.okRps, p50: r.p50, p99: r.p99, errors: r.errors, errorKinds: r.errorKinds, target: "(none set; 0 errors)",
      verdict: verdict([r.errors === 0]), tool: "loadgen.mjs", cpu: json("verify-avm.cpu.json") });
  }
}
// --- paid, paid-blocks, paid-avm
for (const [file, label, target, checks] of [
  ["paid", "paid e2e, automine", "≥ 500 req/s, 0 failures, p99 ≤ 250 ms @32",
    (r) => [r.okRps >= 500, r.errors === 0, r.p99 <= 250]],
  ["paid-blocks", "paid e2e, 1 s blocks", "≥ 300 settlements/s, 0 failures @512",
    (r) => [r.okRps >= 300, r.errors === 0]],
  ...readdirSync(dir).map((f) => /^paid-blocks-(\d+)s\.json$/.exec(f)).filter(Boolean).map((m) =>
    [`paid-blocks-${m[1]}s`, `paid e2e, ${m[1]} s blocks`, "(none set; 0 failures) @512", (r) => [r.errors === 0]]),
  ["paid-avm", "paid e2e on Algorand, 1 s rounds", "(none set; 0 failures) @32", (r) => [r.errors === 0]],
]) {
  const r = json(`${file}.json`);
  if (!r) continue;
  const chain = json(`${file}.chain.json`);
  const onChain = chain ? Number(BigInt(chain.merchantReceived) / BigInt(chain.pricePerRequest)) : undefined;
  rows.push({ name: label, c: r.connections, n: r.requests, rps: r.okRps, p50: r.p50, p99: r.p99, errors: r.errors,
    errorKinds: r.errorKinds, target, verdict: verdict(checks(r)), tool: "loadgen.mjs", cpu: json(`${file}.cpu.json`),
    onChain, blocks: json(`${file}.blocks.json`) });
}

const out = [];
const machine = json("machine.json");
if (machine) {
  out.push(`Run ${machine.date}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.java}; ` +
    `load generator on the same cores; load average before: ${machine.loadavgBefore}; duration ${duration} s per scenario.`, "");
}
if (rows.length) {
  out.push("| scenario | conns | requests | req/s | p50 ms | p99 ms | errors | target | verdict |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const r of rows) {
    if (r.skipped) { out.push(`| ${r.name} | | | | | | | ${r.target} | SKIPPED: ${r.skipped} |`); continue; }
    out.push(`| ${r.name} | ${r.c} | ${f1(r.n)} | ${f1(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${f1(r.errors)} | ${r.target} | ${r.verdict} |`);
  }
  const notes = rows.filter((r) => r.errors > 0 && r.errorKinds);
  for (const r of notes) out.push("", `${r.name} errors: ${JSON.stringify(r.errorKinds)}`);
  for (const r of rows.filter((x) => x.onChain !== undefined)) {
    out.push("", `${r.name}: merchant balance grew by ${f1(r.onChain)} payments on chain during the run (${f1(r.n - r.errors)} ok answers).`);
    const b = r.blocks;
    if (b) {
      out.push(`${r.name}: ${f1(b.settlements)} settlements (warm-up and run) in ${f1(b.transactions)} transactions over ` +
        `${f1(b.blocks)} blocks: ${b.meanPerBlock} per block on average, at most ${b.maxPerBlock}` +
        (b.busiestBlockPerSecond !== undefined ? ` (${b.busiestBlockPerSecond}/s in the busiest block)` : "") + ".");
    }
  }
}

// --- RSS
const rssLines = readdirSync(dir).filter((f) => /^rss-.*\.log$/.test(f)).map(read).join("").split("\n").filter(Boolean);
if (rssLines.length) {
  const byPhase = {};
  let max = 0;
  for (const l of rssLines) {
    const [, ph, kb] = l.split(" ");
    const mb = Number(kb) / 1024;
    byPhase[ph] = Math.max(byPhase[ph] ?? 0, mb);
    max = Math.max(max, mb);
  }
  out.push("", `Gateway RSS (VmRSS, sampled every second, ${rssLines.length} samples): max **${max.toFixed(0)} MB** ` +
    `(target ≤ 512 MB: ${max <= 512 ? "PASS" : "FAIL"}); per phase max: ` +
    Object.entries(byPhase).map(([k, v]) => `${k} ${v.toFixed(0)} MB`).join(", ") + ".");
}

// --- CPU profile
const prof = rows.filter((r) => r.cpu);
if (prof.length) {
  out.push("", "CPU during each measured run, in cores (of 2): who limits throughput.", "",
    "| scenario | gateway JVM | PostgreSQL | chain node (anvil, algod devnet) | load generator | other processes | machine busy |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of prof) {
    const c = r.cpu;
    out.push(`| ${r.name} (${r.tool}) | ${c.gateway.toFixed(2)} | ${c.postgres.toFixed(2)} | ${c.anvil.toFixed(2)} | ` +
      `${c.loadgen.toFixed(2)} | ${c.other.toFixed(2)} | ${c.machine.toFixed(2)} |`);
  }
}

const disturbed = prof.filter((r) => r.cpu.other > 0.2);
if (disturbed.length) {
  out.push("", `Note: processes outside the benchmark used > 0.2 cores during: ${disturbed.map((r) => r.name).join(", ")}; ` +
    "those figures are lower than on a quiet machine.");
}
for (const [file, label] of [["challenges", "challenges"], ["verify", "verify"], ["paid", "paid, automine"],
  ["paid-blocks", "paid, 1 s blocks"], ["verify-avm", "verify on Algorand"], ["paid-avm", "paid on Algorand"]]) {
  const b = read(`${file}.breakdown.md`);
  if (b) out.push("", `Gateway CPU by component during ${label} (JFR execution samples, BENCH_PROFILE=1):`, "", b.trim());
}

// --- load and soak (bench/load.mjs prints its own tables)
for (const mode of ["load", "soak"]) {
  const r = json(`${mode}.json`);
  if (r) out.push("", `### ${mode} (bench/load.mjs, ${r.startedAt})`, "", r.text);
  const c = json(`${mode}.cpu.json`);
  if (c) {
    out.push("", `CPU during ${mode}, in cores: gateway ${c.gateway.toFixed(2)}, PostgreSQL ${c.postgres.toFixed(2)}, ` +
      `chain nodes ${c.anvil.toFixed(2)}, load generator ${c.loadgen.toFixed(2)}, other processes ${c.other.toFixed(2)}, ` +
      `machine ${c.machine.toFixed(2)}${c.other > 0.2 ? " (disturbed: the figures are lower than on a quiet machine)" : ""}.`);
  }
}

// --- JMH
const jmh = json("jmh.json");
if (jmh) {
  out.push("", "| JMH benchmark (SignatureRecoveryBenchmark) | µs/op | ± error | target | verdict |",
    "| --- | ---: | ---: | --- | --- |");
  for (const b of jmh) {
    const name = b.benchmark.split(".").pop();
    const s = b.primaryMetric.score;
    const e = b.primaryMetric.scoreError;
    const target = name === "recover" || name === "digestAndRecover" ? "≤ 70 µs per payment" : "(breakdown)";
    const v = target.startsWith("≤") ? (s <= 70 ? "PASS" : "FAIL") : "";
    out.push(`| ${name} | ${s.toFixed(2)} | ${Number.isFinite(e) ? e.toFixed(2) : "–"} | ${target} | ${v} |`);
  }
}

const text = out.join("\n") + "\n";
process.stdout.write("\n" + text);
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, "latest.md"), text);
