// The devnet's genesis: network identity, protocol parameters, the USDC-like ASA and the
// documented accounts (README.md has the table). Everything here is deterministic: the same
// addresses, keys and balances on every start.
import { createHash } from 'node:crypto';
import algosdk from 'algosdk';

// Testnet's identity: the official @x402/avm client treats only this hash as testnet, and
// its defaults (USDC ASA 10458941) then work against the devnet unchanged.
export const GENESIS_ID = 'testnet-v1.0';
export const GENESIS_HASH_B64 = 'SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=';
export const GENESIS_HASH = new Uint8Array(Buffer.from(GENESIS_HASH_B64, 'base64'));
/** CAIP-2 id as x402-protocol.md writes it: the full standard-base64 genesis hash. */
export const NETWORK = `algorand:${GENESIS_HASH_B64}`;
/** The 32-character form @x402/avm 2.26 uses as its constant (it accepts both). */
export const NETWORK_SHORT = `algorand:${GENESIS_HASH_B64.slice(0, 32)}`;

// Consensus label reported by /v2/status and /v2/transactions/params. The rules below are the
// subset of that protocol the devnet implements (see README.md).
export const CONSENSUS_VERSION = 'https://github.com/algorandfoundation/specs/tree/236dcc18c9c507d794813ab768e467ea42d1b4d9';
export const MIN_TXN_FEE = 1000n; // µAlgo per transaction, pooled across a group
export const FEE_PER_BYTE = 0n; // suggested fee per byte when the network is not congested
export const MIN_BALANCE = 100_000n; // µAlgo, plus the same again per asset holding
export const MAX_TXN_LIFE = 1000n; // rounds between first and last valid
export const MAX_GROUP_SIZE = 16;
export const MAX_NOTE_BYTES = 1024;

// Testnet's fee sink: fees are credited there.
export const FEE_SINK = 'A7NMWS3NT3IUDMLVO26ULGXGIIOUQ3ND2TXSER6EBGRZNOBOUIQXHIBGDE';

// Testnet USDC's id, name and decimals (AVM/constants.ts of the x402 reference).
export const USDC = Object.freeze({
  assetId: 10458941n,
  name: 'USDC',
  unitName: 'USDC',
  decimals: 6,
  total: 18_446_744_073_709_551_615n, // 2^64 - 1, held by the reserve account at genesis
  url: 'https://sippar.invalid/devnet-usdc',
});

/**
 * Starts well above zero, like a real network, and so that §6.2 vector E of x402-protocol.md
 * (first/last valid 50000000..50001000) is valid on a fresh devnet.
 */
export const DEFAULT_INITIAL_ROUND = 50_000_000n;

const ALGO = 1_000_000n; // µAlgo
const USDC_UNIT = 10n ** 6n;
const PAYER_USDC = 1_000_000n * USDC_UNIT;

/** Seeds come from fixed strings, so every devnet has the same keys: public test keys, never real money. */
export function seedFor(name) {
  return createHash('sha256').update(`sippar/algorand-devnet/v1/${name}`).digest();
}

// x402-protocol.md §6.2 E: facilitator seed 32×0x01, payTo seed 32×0x02, and the client seed =
// the first 32 bytes of the x402 repository's AVM test key (typescript/packages/mechanisms/avm/
// test/unit/signer.test.ts), so the vector's addresses exist here.
const VECTOR_SEEDS = {
  'x402-vector-facilitator': Buffer.alloc(32, 1),
  'x402-vector-payto': Buffer.alloc(32, 2),
  'x402-vector-client': Buffer.from('9991c7bcb7cea89ac8c4831360f15d196c5f672d4cb5a4f727a6899f2fb8c96d', 'hex'),
};

/**
 * The accounts at genesis. `usdc` null means not opted in to the ASA; `authBy` names the
 * account whose key signs for a rekeyed one; `multisig` describes a multisig address.
 */
const ACCOUNT_SPECS = [
  ...[1, 2, 3, 4, 5, 6].map((i) => ({ name: `payer-${i}`, role: 'payer', algo: 1000n * ALGO, usdc: PAYER_USDC })),
  { name: 'merchant-1', role: 'merchant', algo: 10n * ALGO, usdc: 0n },
  { name: 'merchant-2', role: 'merchant', algo: 10n * ALGO, usdc: 0n },
  { name: 'fee-payer', role: 'fee-payer', algo: 1_000_000n * ALGO, usdc: null },
  { name: 'not-opted-in', role: 'not-opted-in', algo: 100n * ALGO, usdc: null },
  { name: 'no-usdc', role: 'no-usdc', algo: 100n * ALGO, usdc: 0n },
  { name: 'rekey-authority', role: 'rekey-authority', algo: 10n * ALGO, usdc: null },
  { name: 'rekeyed-payer', role: 'rekeyed-payer', algo: 1000n * ALGO, usdc: PAYER_USDC, authBy: 'rekey-authority' },
  { name: 'multisig-signer-1', role: 'multisig-signer', algo: 0n, usdc: null },
  { name: 'multisig-signer-2', role: 'multisig-signer', algo: 0n, usdc: null },
  { name: 'multisig-signer-3', role: 'multisig-signer', algo: 0n, usdc: null },
  {
    name: 'multisig-payer', role: 'multisig-payer', algo: 1000n * ALGO, usdc: PAYER_USDC,
    multisig: { version: 1, threshold: 2, signers: ['multisig-signer-1', 'multisig-signer-2', 'multisig-signer-3'] },
  },
  { name: 'x402-vector-facilitator', role: 'vector-facilitator', algo: 1000n * ALGO, usdc: null },
  { name: 'x402-vector-payto', role: 'vector-payto', algo: 10n * ALGO, usdc: 0n },
  { name: 'x402-vector-client', role: 'vector-client', algo: 1000n * ALGO, usdc: PAYER_USDC },
  { name: 'spare-1', role: 'spare', algo: 1000n * ALGO, usdc: PAYER_USDC },
  { name: 'spare-2', role: 'spare', algo: 1000n * ALGO, usdc: PAYER_USDC },
  { name: 'spare-3', role: 'spare', algo: 1000n * ALGO, usdc: PAYER_USDC },
  // the gateway's treasury (payTo of treasury-mode payments, sender of payouts); ALGO for fees only
  { name: 'treasury', role: 'treasury', algo: 1000n * ALGO, usdc: 0n },
  { name: 'usdc-reserve', role: 'asset-reserve', algo: 1000n * ALGO, usdc: 'rest' },
];

function keyAccount(name) {
  const seed = VECTOR_SEEDS[name] ?? seedFor(name);
  const mnemonic = algosdk.mnemonicFromSeed(seed);
  const { addr, sk } = algosdk.mnemonicToSecretKey(mnemonic);
  return {
    address: addr.toString(),
    // x402 key form (AVM_PRIVATE_KEY): base64 of seed || public key
    key: Buffer.from(sk).toString('base64'),
    mnemonic,
    secretKey: sk,
  };
}

/** Builds the genesis accounts with their keys; the result is what the ready line reports. */
export function genesisAccounts() {
  const keyed = new Map();
  for (const spec of ACCOUNT_SPECS) {
    if (!spec.multisig) keyed.set(spec.name, keyAccount(spec.name));
  }
  const distributed = ACCOUNT_SPECS.reduce((sum, s) => (typeof s.usdc === 'bigint' ? sum + s.usdc : sum), 0n);
  return ACCOUNT_SPECS.map((spec) => {
    const account = { name: spec.name, role: spec.role, algo: spec.algo };
    account.usdc = spec.usdc === 'rest' ? USDC.total - distributed : spec.usdc;
    if (spec.multisig) {
      const addrs = spec.multisig.signers.map((n) => keyed.get(n).address);
      account.address = algosdk.multisigAddress({ version: spec.multisig.version, threshold: spec.multisig.threshold, addrs }).toString();
      account.multisig = { version: spec.multisig.version, threshold: spec.multisig.threshold, signers: addrs };
    } else {
      Object.assign(account, keyed.get(spec.name));
    }
    if (spec.authBy) account.authAddr = keyed.get(spec.authBy).address;
    return account;
  });
}
