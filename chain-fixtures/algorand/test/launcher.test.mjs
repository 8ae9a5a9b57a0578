// The launcher as a process: the ALGOD_READY protocol on stdout, flags, stopping on SIGTERM and
// on stdin close, and usage errors.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'devnet.mjs');

function launch(args, { stdin = 'ignore' } = {}) {
  const child = spawn(process.execPath, [LAUNCHER, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => { out.stdout += c; });
  child.stderr.on('data', (c) => { out.stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ALGOD_READY within 60 s:\n${out.stderr}`)), 60_000);
    child.stdout.on('data', () => {
      const line = out.stdout.split('\n').find((l) => l.startsWith('ALGOD_READY '));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('ALGOD_READY '.length)));
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited ${code} before ALGOD_READY:\n${out.stderr}`));
    });
  });
  ready.catch(() => {}); // a test that expects no ready line awaits `exited` instead
  return { child, out, ready, exited };
}

async function stopsWithin(exited, ms) {
  return Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

test('the launcher prints one ALGOD_READY line with the documented fields and stops on SIGTERM', async () => {
  const { child, out, ready, exited } = launch(['--port', '0', '--round-interval-ms', '0', '--token', 'devnet-token']);
  const info = await ready;
  try {
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.token, 'devnet-token');
    assert.equal(info.genesisId, 'testnet-v1.0');
    assert.equal(info.genesisHash, 'SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=');
    assert.equal(info.network, 'algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=');
    assert.deepEqual(info.usdc, { assetId: 10458941, name: 'USDC', unitName: 'USDC', decimals: 6, total: '18446744073709551615' });
    assert.equal(info.lastRound, 50_000_000);
    const feePayer = info.accounts.find((a) => a.role === 'fee-payer');
    assert.equal(info.feePayer, feePayer.address);
    assert.equal(Buffer.from(feePayer.key, 'base64').length, 64);
    assert.equal(feePayer.mnemonic.split(' ').length, 25);
    const roles = new Set(info.accounts.map((a) => a.role));
    for (const role of ['payer', 'merchant', 'fee-payer', 'not-opted-in', 'no-usdc', 'spare', 'vector-facilitator', 'vector-payto']) {
      assert.ok(roles.has(role), role);
    }
    const res = await fetch(`${info.url}/v2/status`, { headers: { 'X-Algo-API-Token': 'devnet-token' } });
    assert.equal(res.status, 200);
    await fetch(`${info.url}/v2/not-a-route`, { headers: { 'X-Algo-API-Token': 'devnet-token' } });
  } finally {
    child.kill('SIGTERM');
  }
  const { code } = await exited;
  assert.equal(code, 0);
  assert.equal(out.stdout.trim().split('\n').length, 1, 'stdout carries only the ready line');
  assert.match(out.stderr, /unknown route GET \/v2\/not-a-route: answered 404/);
  await assert.rejects(fetch(`${info.url}/health`), 'the port is closed');
});

test('with --exit-on-stdin-close the launcher stops when its parent closes stdin', async () => {
  const { child, ready, exited } = launch(['--exit-on-stdin-close', '--quiet'], { stdin: 'pipe' });
  await ready;
  child.stdin.end();
  const result = await stopsWithin(exited, 10_000);
  if (result === 'timeout') child.kill('SIGKILL');
  assert.notEqual(result, 'timeout', 'still running 10 s after stdin closed');
  assert.equal(result.code, 0);
});

test('bad flags are usage errors (exit 2) before anything listens', async () => {
  for (const args of [['--port', 'x'], ['--round-interval-ms', '-1'], ['--bogus'], ['--initial-round', 'soon']]) {
    const { exited, out } = launch(args);
    const { code } = await exited;
    assert.equal(code, 2, `${args.join(' ')}: ${out.stderr}`);
    assert.equal(out.stdout, '');
  }
});

test('--initial-round sets where the chain starts', async () => {
  const { child, ready, exited } = launch(['--initial-round', '1000', '--quiet']);
  const info = await ready;
  child.kill('SIGTERM');
  await exited;
  assert.equal(info.lastRound, 1000);
});
