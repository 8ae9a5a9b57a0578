// The devnet's ledger: balances, the ASA, rounds, the transaction pool and the rules applied to a
// submitted or simulated group. All transaction encoding, decoding, txids and group ids come from
// algosdk, so whatever the gateway encodes in Java is checked by an independent implementation.
import { createPublicKey, verify as edVerify } from 'node:crypto';
import algosdk from 'algosdk';
import { Decoder, IntMode } from 'algorand-msgpack';
import base32 from 'hi-base32';
import {
  FEE_SINK, GENESIS_HASH, GENESIS_ID, MAX_GROUP_SIZE, MAX_NOTE_BYTES, MAX_TXN_LIFE, MIN_BALANCE, MIN_TXN_FEE, USDC,
} from './genesis.mjs';

/** A request the devnet refuses, with the HTTP status algod would answer and algod's wording. */
export class DevnetError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A rule broken while applying one transaction; the evaluator prefixes the txid. */
class ApplyError extends Error {}

const SUPPORTED_TYPES = new Set(['pay', 'axfer']);
const ZERO_ADDRESS = algosdk.ALGORAND_ZERO_ADDRESS_STRING;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const STATUS_CACHE_LIMIT = 10_000;
// Confirmed transactions kept for GET /devnet/confirmed (the fault tests' audit), beyond algod's
// 1000-round memory; the oldest go first past this many, and the answer says from which round on
// the list is complete.
const HISTORY_LIMIT = 200_000;

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
// go-algorand prints digests (genesis hash, txids) as unpadded base32.
const b32 = (bytes) => base32.encode(Buffer.from(bytes)).replace(/=+$/, '');
const isZero = (bytes) => !bytes || bytes.length === 0 || bytes.every((b) => b === 0);
const sameBytes = (a, b) => Buffer.from(a).equals(Buffer.from(b));

// ------------------------------------------------------------------------------ state

function emptyAccount() {
  return { amount: 0n, holdings: new Map(), authAddr: undefined, createdAssets: new Set() };
}

function cloneAccount(a) {
  const holdings = new Map();
  for (const [id, h] of a.holdings) holdings.set(id, { ...h });
  return { amount: a.amount, holdings, authAddr: a.authAddr, createdAssets: new Set(a.createdAssets) };
}

/** Balances, assets and leases at one point in time. */
class State {
  constructor() {
    this.accounts = new Map();
    this.assets = new Map();
    this.leases = new Map();
  }

  clone() {
    const copy = new State();
    for (const [addr, a] of this.accounts) copy.accounts.set(addr, cloneAccount(a));
    for (const [id, p] of this.assets) copy.assets.set(id, p); // asset params never change here
    for (const [k, v] of this.leases) copy.leases.set(k, v);
    return copy;
  }

  /** The account, created empty on first touch (as an algod ledger lookup of an unknown address). */
  account(addr) {
    let a = this.accounts.get(addr);
    if (!a) {
      a = emptyAccount();
      this.accounts.set(addr, a);
    }
    return a;
  }

  peek(addr) {
    return this.accounts.get(addr) ?? emptyAccount();
  }
}

export function minBalanceOf(account) {
  return MIN_BALANCE * (1n + BigInt(account.holdings.size));
}

function isEmptyAccount(a) {
  return a.amount === 0n && a.holdings.size === 0 && a.createdAssets.size === 0 && a.authAddr === undefined;
}

// ------------------------------------------------------------------------------ signatures

const publicKeys = new Map();

// Node's Ed25519 (OpenSSL) instead of tweetnacl: the same curve and check at ~50x the speed,
// which matters when benchmarks push thousands of groups through simulate and submit.
function ed25519Verify(message, signature, publicKey) {
  if (!signature || signature.length !== 64) return false;
  const id = b64(publicKey);
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    publicKeys.set(id, key);
  }
  return edVerify(null, message, key, signature);
}

function signatureKinds(stxn) {
  const kinds = [];
  if (stxn.sig && stxn.sig.length > 0 && !isZero(stxn.sig)) kinds.push('sig');
  if (stxn.msig) kinds.push('msig');
  if (stxn.lsig) kinds.push('lsig');
  return kinds;
}

// ------------------------------------------------------------------------------ decoding

/** Splits algod's raw body (concatenated msgpack SignedTxns) and decodes each with algosdk. */
export function decodeRawGroup(body) {
  if (body.length === 0) throw new DevnetError(400, 'empty txgroup');
  const chunks = [];
  try {
    const decoder = new Decoder({ intMode: IntMode.BIGINT, useMap: true });
    let start = 0;
    for (const _ of decoder.decodeMulti(body)) { // eslint-disable-line no-unused-vars
      chunks.push(body.subarray(start, decoder.pos));
      start = decoder.pos;
      if (chunks.length > MAX_GROUP_SIZE) throw new DevnetError(400, `max group size is ${MAX_GROUP_SIZE}`);
    }
  } catch (e) {
    if (e instanceof DevnetError) throw e;
    throw new DevnetError(400, `msgpack decode error: ${e.message}`);
  }
  return chunks.map((bytes, i) => {
    try {
      return entry(algosdk.decodeSignedTransaction(bytes));
    } catch (e) {
      throw new DevnetError(400, `msgpack decode error: transaction ${i}: ${e.message}`);
    }
  });
}

/** A group member as the evaluator sees it. */
export function entry(stxn) {
  return { stxn, txid: stxn.txn.txID() };
}

/** A Map that forgets its oldest entries beyond `limit`. */
class BoundedCache extends Map {
  constructor(limit) {
    super();
    this.limit = limit;
  }

  set(key, value) {
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value);
    return this;
  }
}

// A payment passes through simulate (verify), simulate (settle) and submit with the same
// transactions: results that depend only on a transaction's bytes are computed once.
const ungroupedCache = new BoundedCache(50_000); // txid -> the transaction without `grp`
const verifiedSignatures = new BoundedCache(50_000); // txid/sig/signer known to verify

/** The member as it was before its group id was assigned (group ids hash those txids). */
function withoutGroup(txn, txid) {
  let copy = ungroupedCache.get(txid);
  if (!copy) {
    copy = algosdk.decodeUnsignedTransaction(algosdk.encodeUnsignedTransaction(txn));
    copy.group = undefined;
    ungroupedCache.set(txid, copy);
  }
  return copy;
}

/** Ed25519 over the transaction's signing bytes; a success is remembered (it cannot change). */
function verifySig(stxn, txid, authorizer) {
  const key = `${txid}/${b64(stxn.sig)}/${b64(authorizer)}`;
  if (verifiedSignatures.has(key)) return true;
  const ok = ed25519Verify(stxn.txn.bytesToSign(), stxn.sig, authorizer);
  if (ok) verifiedSignatures.set(key, true);
  return ok;
}

// ------------------------------------------------------------------------------ the ledger

/**
 * Rounds, committed and pending state, the pool, confirmed transactions and the rules.
 * `roundIntervalMs` 0: every accepted group is committed in a round of its own at once.
 */
export class Ledger {
  constructor({ accounts, initialRound, roundIntervalMs = 0, now = () => Date.now() }) {
    this.now = now;
    this.roundIntervalMs = roundIntervalMs;
    this.lastRound = initialRound;
    this.lastRoundAt = now();
    this.paused = false;
    this.committed = new State();
    this.pool = []; // groups accepted but not yet in a round: [{ entries: [{ stxn, txid, applyData }] }]
    this.poolTxids = new Set();
    this.confirmed = new Map(); // txid -> { stxn, round, applyData }
    this.roundTxids = []; // [{ round, txids }] to forget transactions older than MAX_TXN_LIFE rounds
    this.history = []; // every confirmed transaction in order, summarised, at most HISTORY_LIMIT
    this.historyStart = 0; // index into history of the oldest entry still kept
    this.historyCompleteFrom = initialRound + 1n; // the list holds every transaction confirmed from this round on
    this.statusCache = new BoundedCache(STATUS_CACHE_LIMIT); // txid -> { stxn, poolError } of dropped groups
    this.waiters = new Set();
    this.#seed(accounts);
    this.pending = this.committed.clone();
  }

  #seed(accounts) {
    const reserve = accounts.find((a) => a.role === 'asset-reserve');
    this.committed.assets.set(USDC.assetId, {
      creator: reserve.address, decimals: USDC.decimals, defaultFrozen: false, manager: reserve.address,
      reserve: reserve.address, name: USDC.name, unitName: USDC.unitName, url: USDC.url, total: USDC.total,
    });
    const feeSink = this.committed.account(FEE_SINK);
    feeSink.amount = MIN_BALANCE;
    for (const a of accounts) {
      const acct = this.committed.account(a.address);
      acct.amount = a.algo;
      if (a.usdc !== null) acct.holdings.set(USDC.assetId, { amount: a.usdc, frozen: false });
      if (a.role === 'asset-reserve') acct.createdAssets.add(USDC.assetId);
      if (a.authAddr) acct.authAddr = a.authAddr;
      if (isEmptyAccount(acct)) this.committed.accounts.delete(a.address);
    }
  }

  // -------------------------------------------------------------------------- queries

  account(address) {
    return this.committed.peek(address);
  }

  asset(id) {
    return this.committed.assets.get(id);
  }

  /** What /v2/transactions/pending/{txid} knows: pooled, confirmed, or dropped with a pool error. */
  lookup(txid) {
    for (const group of this.pool) {
      const e = group.entries.find((x) => x.txid === txid);
      if (e) return { stxn: e.stxn, poolError: '' };
    }
    const c = this.confirmed.get(txid);
    if (c) return { stxn: c.stxn, poolError: '', confirmedRound: c.round, applyData: c.applyData };
    return this.statusCache.get(txid) ?? null;
  }

  #known(txid, includePool) {
    return this.confirmed.has(txid) || (includePool && this.poolTxids.has(txid));
  }

  // -------------------------------------------------------------------------- rules

  /**
   * Signature and well-formedness checks (algod's verify step). Returns null, or the failure
   * with the index of the transaction at fault (-1 when the group as a whole is at fault).
   */
  verify(group, { allowEmptySignatures = false } = {}) {
    for (const [i, { stxn, txid }] of group.entries()) {
      const t = stxn.txn;
      if (!SUPPORTED_TYPES.has(t.type)) {
        return { index: i, message: `transaction ${txid}: type ${t.type} is not supported by this devnet (pay and axfer are)` };
      }
      if (t.lastValid < t.firstValid) return { index: i, message: `transaction invalid range (${t.firstValid}--${t.lastValid})` };
      if (t.lastValid - t.firstValid > MAX_TXN_LIFE) {
        return { index: i, message: `transaction window size excessive (${t.firstValid}--${t.lastValid})` };
      }
      if (t.note.length > MAX_NOTE_BYTES) return { index: i, message: `transaction note too big: ${t.note.length} > ${MAX_NOTE_BYTES}` };
      if (t.type === 'axfer' && t.assetTransfer.assetSender && t.assetTransfer.assetSender.toString() !== ZERO_ADDRESS) {
        return { index: i, message: `transaction ${txid}: clawback transfers (asnd) are not supported by this devnet` };
      }
    }
    const fees = group.reduce((sum, { stxn }) => sum + stxn.txn.fee, 0n);
    if (fees < MIN_TXN_FEE * BigInt(group.length)) {
      return { index: -1, message: `txgroup had ${fees} in fees, which is less than the minimum ${group.length} * ${MIN_TXN_FEE}` };
    }
    for (const [i, { stxn, txid }] of group.entries()) {
      const kinds = signatureKinds(stxn);
      if (kinds.includes('lsig')) {
        return { index: i, message: `transaction ${txid}: logic signatures are not supported by this devnet (sign with an Ed25519 key or a multisig)` };
      }
      if (kinds.length === 0) {
        if (allowEmptySignatures) continue;
        return { index: i, message: 'signedtxn has no sig' };
      }
      if (kinds.length > 1) return { index: i, message: 'signedtxn should only have one of Sig or Msig or LogicSig' };
      const authorizer = (stxn.sgnr ?? stxn.txn.sender).publicKey;
      const ok = kinds[0] === 'sig'
        ? verifySig(stxn, txid, authorizer)
        : algosdk.verifyMultisig(stxn.txn.bytesToSign(), stxn.msig, authorizer);
      if (!ok) return { index: i, message: "At least one signature didn't pass verification" };
    }
    return null;
  }

  /**
   * Applies the group to `state` (a working copy) as algod's block evaluator does, for the
   * round `round`. All or nothing is the caller's part: it throws the copy away on failure.
   */
  evaluate(group, state, round, { includePool }) {
    const fail = (index, message) => ({ ok: false, index, message });
    const n = group.length;
    let groupId = null;
    const ungrouped = [];
    const seen = new Set();
    const applyData = [];
    for (const [i, { stxn, txid }] of group.entries()) {
      const t = stxn.txn;
      if (isZero(t.group)) {
        if (n > 1) return fail(i, `transactionGroup: [${i}] had zero Group but was submitted in a group of ${n}`);
      } else {
        if (groupId === null) groupId = t.group;
        else if (!sameBytes(t.group, groupId)) {
          return fail(i, `transactionGroup: inconsistent group values: ${b64(t.group)} != ${b64(groupId)}`);
        }
        ungrouped.push(withoutGroup(t, txid));
      }
      if (round < t.firstValid || round > t.lastValid) return fail(i, `txn dead: round ${round} outside of ${t.firstValid}--${t.lastValid}`);
      if (t.genesisID && t.genesisID !== GENESIS_ID) return fail(i, `tx.GenesisID <${t.genesisID}> does not match expected <${GENESIS_ID}>`);
      if (isZero(t.genesisHash)) return fail(i, 'required tx.GenesisHash is missing');
      if (!sameBytes(t.genesisHash, GENESIS_HASH)) {
        return fail(i, `tx.GenesisHash <${b32(t.genesisHash)}> does not match expected <${b32(GENESIS_HASH)}>`);
      }
      if (seen.has(txid) || this.#known(txid, includePool)) return fail(i, `transaction already in ledger: ${txid}`);
      seen.add(txid);
      const sender = t.sender.toString();
      if (!isZero(t.lease)) {
        const key = `${sender}/${b64(t.lease)}`;
        const held = state.leases.get(key);
        if (held !== undefined && held >= round) {
          return fail(i, `transaction ${txid} using an overlapping lease (sender, lease):(${sender}, ${b64(t.lease)})`);
        }
        state.leases.set(key, t.lastValid);
      }
      const expected = state.peek(sender).authAddr ?? sender;
      const actual = (stxn.sgnr ?? t.sender).toString();
      if (actual !== expected) {
        return fail(i, `transaction ${txid}: should have been authorized by ${expected} but was actually authorized by ${actual}`);
      }
      try {
        const touched = new Set([sender]);
        applyData.push(apply(state, t, touched));
        for (const addr of touched) {
          const a = state.peek(addr);
          const min = minBalanceOf(a);
          if (!isEmptyAccount(a) && a.amount < min) {
            throw new ApplyError(`account ${addr} balance ${a.amount} below min ${min} (${a.holdings.size} assets)`);
          }
          if (isEmptyAccount(a)) state.accounts.delete(addr);
        }
      } catch (e) {
        if (e instanceof ApplyError) return fail(i, `transaction ${txid}: ${e.message}`);
        throw e;
      }
    }
    if (groupId !== null) {
      const computed = algosdk.computeGroupID(ungrouped);
      if (!sameBytes(computed, groupId)) {
        return fail(null, `transactionGroup: incomplete group: ${b64(groupId)} != ${b64(computed)}`);
      }
    }
    return { ok: true, applyData };
  }

  // -------------------------------------------------------------------------- submit, simulate

  /** POST /v2/transactions: all or nothing; returns the txid of the first transaction. */
  submit(body) {
    const group = decodeRawGroup(body);
    const bad = this.verify(group);
    if (bad) throw new DevnetError(400, bad.message);
    const work = this.pending.clone();
    const result = this.evaluate(group, work, this.lastRound + 1n, { includePool: true });
    if (!result.ok) throw new DevnetError(400, `TransactionPool.Remember: ${result.message}`);
    this.pending = work;
    const entries = group.map((g, i) => ({ ...g, applyData: result.applyData[i] }));
    this.pool.push({ entries });
    for (const e of entries) this.poolTxids.add(e.txid);
    if (this.roundIntervalMs === 0 && !this.paused) this.closeRound();
    return group[0].txid;
  }

  /**
   * POST /v2/transactions/simulate: the same rules against the latest committed round, nothing
   * applied. Returns algod's SimulateResponse fields (bigints for uint64).
   */
  simulate(request) {
    const groups = request.txnGroups ?? [];
    if (groups.length !== 1) throw new DevnetError(400, `expected 1 transaction group, got ${groups.length}`);
    const txns = groups[0].txns ?? [];
    if (txns.length === 0) throw new DevnetError(400, 'empty txgroup');
    if (txns.length > MAX_GROUP_SIZE) throw new DevnetError(400, `transaction group size ${txns.length} exceeds protocol max ${MAX_GROUP_SIZE}`);
    if (request.round && BigInt(request.round) !== this.lastRound) {
      throw new DevnetError(400, `simulating at round ${request.round} is not supported by this devnet (latest is ${this.lastRound})`);
    }
    if (request.fixSigners && !request.allowEmptySignatures) throw new DevnetError(400, 'FixSigners requires AllowEmptySignatures to be enabled');
    const allowEmptySignatures = Boolean(request.allowEmptySignatures);
    const group = txns.map(entry);
    const outcome = { failureMessage: undefined, failedAt: undefined, applyData: [] };
    const bad = this.verify(group, { allowEmptySignatures });
    if (bad && bad.index < 0) throw new DevnetError(400, bad.message);
    if (bad) {
      outcome.failureMessage = bad.message;
      outcome.failedAt = [bad.index];
    } else {
      const result = this.evaluate(group, this.committed.clone(), this.lastRound + 1n, { includePool: false });
      if (result.ok) outcome.applyData = result.applyData;
      else {
        outcome.failureMessage = result.message;
        if (result.index !== null) outcome.failedAt = [result.index];
      }
    }
    return { lastRound: this.lastRound, group, allowEmptySignatures, ...outcome };
  }

  // -------------------------------------------------------------------------- rounds

  /** Ends the current round: everything in the pool is confirmed in round lastRound + 1. */
  closeRound() {
    this.lastRound += 1n;
    this.lastRoundAt = this.now();
    if (this.pool.length > 0) {
      const txids = [];
      for (const group of this.pool) {
        for (const e of group.entries) {
          this.confirmed.set(e.txid, { stxn: e.stxn, round: this.lastRound, applyData: e.applyData });
          txids.push(e.txid);
          this.#remember(e, this.lastRound);
        }
      }
      this.roundTxids.push({ round: this.lastRound, txids });
      this.pool = [];
      this.poolTxids.clear();
      this.committed = this.pending;
      this.pending = this.committed.clone();
    }
    // Like algod, forget confirmed transactions after MaxTxnLife rounds: no txn that old is
    // still valid, so duplicates cannot slip through, and memory stays bounded under load.
    while (this.roundTxids.length > 0 && this.roundTxids[0].round + MAX_TXN_LIFE < this.lastRound) {
      for (const txid of this.roundTxids.shift().txids) this.confirmed.delete(txid);
    }
    for (const [key, lastValid] of this.committed.leases) {
      if (lastValid < this.lastRound) this.committed.leases.delete(key);
    }
    for (const w of [...this.waiters]) w.check();
  }

  /** Appends one confirmed transaction to the history, forgetting the oldest past HISTORY_LIMIT. */
  #remember({ stxn, txid }, round) {
    const t = stxn.txn;
    const entry = {
      txid, round, type: t.type, sender: t.sender.toString(), fee: t.fee,
      group: isZero(t.group) ? null : b64(t.group),
    };
    if (t.type === 'pay') Object.assign(entry, { receiver: t.payment.receiver.toString(), amount: t.payment.amount });
    if (t.type === 'axfer') {
      Object.assign(entry, {
        receiver: t.assetTransfer.receiver.toString(), amount: t.assetTransfer.amount, 'asset-id': t.assetTransfer.assetIndex,
      });
    }
    this.history.push(entry);
    if (this.history.length - this.historyStart > HISTORY_LIMIT) {
      this.historyStart += 1;
      this.historyCompleteFrom = this.history[this.historyStart].round;
      // compact now and then, so forgetting stays O(1) amortised
      if (this.historyStart > HISTORY_LIMIT) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
  }

  /** Confirmed transactions from round `fromRound` on, oldest first, and whether the list is complete there. */
  confirmedSince(fromRound) {
    const out = [];
    for (let i = this.history.length - 1; i >= this.historyStart && this.history[i].round >= fromRound; i--) {
      out.push(this.history[i]);
    }
    out.reverse();
    return { complete: fromRound >= this.historyCompleteFrom, transactions: out };
  }

  /**
   * Drops the pooled group holding `txid` with `poolError`, then re-evaluates what is left of the
   * pool on the committed state, as algod does after each block: groups that no longer apply are
   * dropped with their error. Returns the txids dropped.
   */
  evict(txid, poolError) {
    const target = this.pool.find((g) => g.entries.some((e) => e.txid === txid));
    if (!target) return null;
    const dropped = [];
    const drop = (group, message) => {
      for (const e of group.entries) {
        this.statusCache.set(e.txid, { stxn: e.stxn, poolError: message });
        dropped.push(e.txid);
      }
    };
    drop(target, poolError);
    const kept = [];
    const state = this.committed.clone();
    const seen = new Set();
    for (const group of this.pool) {
      if (group === target) continue;
      const work = state.clone();
      const result = this.evaluate(group.entries, work, this.lastRound + 1n, { includePool: false });
      const duplicate = group.entries.find((e) => seen.has(e.txid));
      if (!result.ok || duplicate) {
        drop(group, result.ok ? `transaction already in ledger: ${duplicate.txid}` : result.message);
        continue;
      }
      for (const e of group.entries) seen.add(e.txid);
      Object.assign(state, work);
      kept.push({ entries: group.entries.map((e, i) => ({ ...e, applyData: result.applyData[i] })) });
    }
    this.pool = kept;
    this.poolTxids = new Set(kept.flatMap((g) => g.entries.map((e) => e.txid)));
    this.pending = state;
    return dropped;
  }

  /** Resolves once a round later than `round` exists, or after `timeoutMs` (then false). */
  waitForRoundAfter(round, timeoutMs, signal) {
    return new Promise((resolve) => {
      const waiter = {
        check: () => {
          if (this.lastRound > round) finish(true);
        },
      };
      const finish = (reached) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        resolve(reached);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort);
      waiter.check();
    });
  }
}

// ------------------------------------------------------------------------------ apply

function debit(state, addr, amount) {
  const a = state.account(addr);
  if (a.amount < amount) throw new ApplyError(`overspend (account ${addr}, data {MicroAlgos:{Raw:${a.amount}}}, tried to spend {${amount}})`);
  a.amount -= amount;
}

function credit(state, addr, amount) {
  state.account(addr).amount += amount;
}

/** Applies one pay or axfer; adds every account it changes to `touched`; returns its ApplyData. */
function apply(state, t, touched) {
  const sender = t.sender.toString();
  const applyData = { closingAmount: 0n, assetClosingAmount: 0n };
  debit(state, sender, t.fee);
  credit(state, FEE_SINK, t.fee);
  if (t.type === 'pay') {
    const receiver = t.payment.receiver.toString();
    debit(state, sender, t.payment.amount);
    credit(state, receiver, t.payment.amount);
    touched.add(receiver);
    if (t.payment.closeRemainderTo) {
      const closeTo = t.payment.closeRemainderTo.toString();
      if (closeTo === sender) throw new ApplyError(`transaction cannot close account to its sender ${sender}`);
      const a = state.account(sender);
      if (a.holdings.size > 0) throw new ApplyError(`cannot close: ${a.holdings.size} outstanding assets`);
      applyData.closingAmount = a.amount;
      credit(state, closeTo, a.amount);
      a.amount = 0n;
      a.authAddr = undefined;
      touched.add(closeTo);
    }
  } else {
    applyAssetTransfer(state, t, sender, applyData, touched);
  }
  if (t.rekeyTo) {
    const to = t.rekeyTo.toString();
    state.account(sender).authAddr = to === sender ? undefined : to;
  }
  return applyData;
}

function applyAssetTransfer(state, t, sender, applyData, touched) {
  const { assetIndex: id, amount, receiver: rcv, closeRemainderTo } = t.assetTransfer;
  const receiver = rcv.toString();
  const params = state.assets.get(id);
  const holding = (addr) => {
    const h = state.account(addr).holdings.get(id);
    if (!h) throw new ApplyError(`asset ${id} missing from ${addr}`);
    return h;
  };
  touched.add(receiver);
  if (receiver === sender && amount === 0n && !closeRemainderTo && !state.peek(sender).holdings.has(id)) {
    if (!params) throw new ApplyError(`asset ${id} does not exist or has been deleted`);
    state.account(sender).holdings.set(id, { amount: 0n, frozen: params.defaultFrozen });
    return;
  }
  if (amount !== 0n) {
    const from = holding(sender);
    const to = holding(receiver);
    for (const [addr, h] of [[sender, from], [receiver, to]]) {
      if (h.frozen) throw new ApplyError(`asset ${id} frozen in ${addr}`);
    }
    if (from.amount < amount) throw new ApplyError(`underflow on subtracting ${amount} from sender amount ${from.amount}`);
    from.amount -= amount;
    to.amount += amount;
  }
  if (closeRemainderTo) {
    const closeTo = closeRemainderTo.toString();
    if (params && params.creator === sender) throw new ApplyError('cannot close asset ID in allocating account');
    const from = holding(sender);
    const to = holding(closeTo);
    to.amount += from.amount;
    applyData.assetClosingAmount = from.amount;
    state.account(sender).holdings.delete(id);
    touched.add(closeTo);
  }
}
