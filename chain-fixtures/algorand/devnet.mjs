#!/usr/bin/env node
// Local algod-compatible Algorand devnet for Sippar: algod v2 REST on 127.0.0.1 with testnet's
// genesis id and hash, the USDC-like ASA 10458941 and the documented accounts (README.md).
//
//   node chain-fixtures/algorand/devnet.mjs [--port 0|N] [--round-interval-ms 0|N] [--token T]
//        [--initial-round N] [--wait-timeout-ms N] [--quiet] [--exit-on-stdin-close]
//
// stdout carries exactly one line, `ALGOD_READY <json>`; everything else goes to stderr, so a
// parent process can read stdout as a protocol. Stops on SIGTERM/SIGINT/SIGHUP.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The well-known sandbox token: this devnet holds only public test keys.
const DEFAULT_TOKEN = 'a'.repeat(64);

const log = (...args) => console.error('[devnet.mjs]', ...args);

function usage(exitCode) {
  console.error(`usage: node devnet.mjs [--port 0|N] [--round-interval-ms 0|N] [--token T ('' = no token check)]
                     [--initial-round N] [--wait-timeout-ms N] [--quiet] [--exit-on-stdin-close]`);
  process.exit(exitCode);
}

function parseArgs(argv) {
  const opts = {
    port: 0, roundIntervalMs: 0, token: DEFAULT_TOKEN, initialRound: null, waitTimeoutMs: 60_000, quiet: false, exitOnStdinClose: false,
  };
  const int = (name, value, min, max) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      log(`${name} needs an integer in [${min}, ${max}], got ${value}`);
      usage(2);
    }
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--port': opts.port = int(flag, value(), 0, 65535); break;
      case '--round-interval-ms': opts.roundIntervalMs = int(flag, value(), 0, 3_600_000); break;
      case '--token': {
        const t = value();
        if (t === undefined || !/^[\x21-\x7e]*$/.test(t)) { log('--token needs printable ASCII without spaces'); usage(2); }
        opts.token = t;
        break;
      }
      case '--initial-round': {
        const r = value();
        if (r === undefined || !/^\d{1,15}$/.test(r)) { log(`--initial-round needs a round number, got ${r}`); usage(2); }
        opts.initialRound = BigInt(r);
        break;
      }
      case '--wait-timeout-ms': opts.waitTimeoutMs = int(flag, value(), 1, 600_000); break;
      case '--quiet': opts.quiet = true; break;
      case '--exit-on-stdin-close': opts.exitOnStdinClose = true; break;
      case '-h': case '--help': usage(0); break;
      default: log(`unknown argument ${arg}`); usage(2);
    }
  }
  return opts;
}

// npm ci on first use, guarded by a lock directory: parallel test JVMs may start several
// launchers at once, and npm ci must not run twice over the same folder.
function ensureNodeModules() {
  const ready = () => fs.existsSync(path.join(HERE, 'node_modules', '.package-lock.json'))
    && fs.existsSync(path.join(HERE, 'node_modules', 'algosdk', 'package.json'));
  const lockDir = path.join(HERE, '.npm-ci.lock');
  if (ready() && !fs.existsSync(lockDir)) return;
  const deadline = Date.now() + 10 * 60_000;
  while (!tryLock(lockDir)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  try {
    if (ready()) return;
    log(`node_modules missing: running npm ci in ${HERE}`);
    // npm's stdout goes to our stderr: our stdout is reserved for the ALGOD_READY line.
    const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: HERE, stdio: ['ignore', 2, 2] });
    if (res.status !== 0 || !ready()) throw new Error(`npm ci failed in ${HERE} (exit ${res.status ?? res.signal})`);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function tryLock(lockDir) {
  try {
    fs.mkdirSync(lockDir);
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A lock older than ten minutes belongs to a launcher that died mid-install.
    const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 10 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
    return false;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureNodeModules();
  const { startDevnet } = await import('./lib/devnet.mjs');
  const devnet = await startDevnet({
    ...opts,
    log: opts.quiet ? () => {} : (line) => log(line),
    warn: (line) => log(line),
  });

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await devnet.close();
    process.exit(code);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => stop(0));
  // A parent gone means EPIPE on our pipes: a clean stop, not a crash.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => stop(0));
  if (opts.exitOnStdinClose) {
    // A parent that dies without signalling us (kill -9 of a test JVM) still closes our stdin.
    process.stdin.on('end', () => stop(0));
    process.stdin.on('error', () => stop(0));
    process.stdin.resume();
  }
  log(`ready at ${devnet.info.url} (round ${devnet.info.lastRound}, ${opts.roundIntervalMs === 0 ? 'one round per accepted group' : `a round every ${opts.roundIntervalMs} ms`})`);
  process.stdout.write(`ALGOD_READY ${JSON.stringify(devnet.info)}\n`);
}

main().catch((e) => {
  log(`startup failed: ${e.stack ?? e}`);
  process.exit(1);
});
