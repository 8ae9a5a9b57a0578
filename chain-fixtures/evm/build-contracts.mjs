#!/usr/bin/env node
// Rebuilds artifacts/*.json from contracts/*.sol with solcjs from npm (the compiler is
// JavaScript inside node_modules/solc, so this works offline; `forge build` would try to
// download solc and fail here).
//
//   node build-contracts.mjs           write artifacts/*.json
//   node build-contracts.mjs --check   exit 1 if the committed artifacts are stale
//
// Output is deterministic for a given solc version and source text, so a rebuild of
// unchanged sources leaves git clean.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

if (!fs.existsSync(path.join(here, 'node_modules', 'solc'))) {
  console.error('node_modules is missing: run `npm ci` in', here);
  process.exit(2);
}
const solc = require('solc');

// One compilation for all contracts. cancun rather than solc's newer default so the
// bytecode also runs on nodes that lag behind anvil's "latest" hardfork.
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const contractsDir = path.join(here, 'contracts');
const artifactsDir = path.join(here, 'artifacts');
const check = process.argv.includes('--check');

const sources = {};
for (const file of fs.readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`contracts/${file}`] = { content: fs.readFileSync(path.join(contractsDir, file), 'utf8') };
}

// Imports of npm packages (e.g. @openzeppelin/...) resolve from node_modules.
function findImports(importPath) {
  for (const base of [here, path.join(here, 'node_modules')]) {
    const candidate = path.join(base, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `not found: ${importPath}` };
}

const input = { language: 'Solidity', sources, settings: SETTINGS };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

let failed = false;
for (const diag of output.errors ?? []) {
  const isError = diag.severity === 'error';
  failed ||= isError;
  console.error(diag.formattedMessage ?? diag.message);
}
if (failed) process.exit(1);

const expected = new Map();
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  for (const [contractName, out] of Object.entries(contracts)) {
    if (!out.evm.bytecode.object) continue; // interfaces and abstract contracts: nothing to deploy
    const artifact = {
      contractName,
      sourceName,
      compiler: { name: 'solc', version: solc.version(), settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion } },
      abi: out.abi,
      bytecode: `0x${out.evm.bytecode.object}`,
      deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
    };
    expected.set(`${contractName}.json`, `${JSON.stringify(artifact, null, 2)}\n`);
  }
}

if (check) {
  const present = fs.existsSync(artifactsDir) ? fs.readdirSync(artifactsDir).filter((f) => f.endsWith('.json')) : [];
  const stale = [...expected].filter(([file, text]) => {
    const p = path.join(artifactsDir, file);
    return !fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text;
  }).map(([file]) => file);
  const extra = present.filter((f) => !expected.has(f));
  if (stale.length || extra.length) {
    console.error(`artifacts out of date: ${[...stale, ...extra].join(', ')}; run: node build-contracts.mjs`);
    process.exit(1);
  }
  console.error(`artifacts up to date (${expected.size} contracts, solc ${solc.version()})`);
} else {
  fs.mkdirSync(artifactsDir, { recursive: true });
  // Remove artifacts of contracts that no longer exist, so the folder mirrors contracts/.
  for (const f of fs.readdirSync(artifactsDir)) {
    if (f.endsWith('.json') && !expected.has(f)) fs.unlinkSync(path.join(artifactsDir, f));
  }
  for (const [file, text] of expected) fs.writeFileSync(path.join(artifactsDir, file), text);
  console.error(`wrote ${[...expected.keys()].join(', ')} (solc ${solc.version()})`);
}
