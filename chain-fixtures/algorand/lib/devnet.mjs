// Starts the devnet in this process: ledger + algod server (+ the round timer), and describes it
// the way the launcher's ALGOD_READY line does. The node tests use it directly.
import {
  DEFAULT_INITIAL_ROUND, FEE_SINK, GENESIS_HASH_B64, GENESIS_ID, MIN_TXN_FEE, NETWORK, NETWORK_SHORT, USDC, genesisAccounts,
} from './genesis.mjs';
import { Ledger } from './ledger.mjs';
import { createAlgodServer } from './server.mjs';
import { controlRoutes } from './control.mjs';

/** Describes an account for the ready line: amounts as decimal strings (they exceed 2^53). */
function describe(a) {
  const out = { name: a.name, role: a.role, address: a.address, algo: a.algo.toString(), usdc: a.usdc === null ? null : a.usdc.toString() };
  if (a.key) Object.assign(out, { key: a.key, mnemonic: a.mnemonic });
  if (a.authAddr) out.authAddr = a.authAddr;
  if (a.multisig) out.multisig = a.multisig;
  return out;
}

export async function startDevnet({
  port = 0, roundIntervalMs = 0, token = 'a'.repeat(64), initialRound = null, waitTimeoutMs = 60_000,
  log = () => {}, warn = log,
} = {}) {
  const accounts = genesisAccounts();
  const ledger = new Ledger({ accounts, initialRound: initialRound ?? DEFAULT_INITIAL_ROUND, roundIntervalMs });
  const server = createAlgodServer({ ledger, token, waitTimeoutMs, log, warn, control: controlRoutes(ledger) });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const timer = roundIntervalMs > 0
    ? setInterval(() => {
      if (!ledger.paused) ledger.closeRound();
    }, roundIntervalMs)
    : null;
  const url = `http://127.0.0.1:${server.address().port}`;
  const info = {
    url,
    token,
    genesisId: GENESIS_ID,
    genesisHash: GENESIS_HASH_B64,
    network: NETWORK,
    networkShort: NETWORK_SHORT,
    usdc: {
      assetId: Number(USDC.assetId), name: USDC.name, unitName: USDC.unitName, decimals: USDC.decimals, total: USDC.total.toString(),
    },
    minFee: Number(MIN_TXN_FEE),
    lastRound: Number(ledger.lastRound),
    roundIntervalMs,
    feePayer: accounts.find((a) => a.role === 'fee-payer').address,
    feeSink: FEE_SINK,
    accounts: accounts.map(describe),
    pid: process.pid,
  };
  const close = () => new Promise((resolve) => {
    if (timer) clearInterval(timer);
    // Long polls (wait-for-block-after) must not hold the shutdown for their full minute.
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return { info, ledger, server, close };
}
