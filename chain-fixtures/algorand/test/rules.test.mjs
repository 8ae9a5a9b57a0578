// The ledger rules applied on POST /v2/transactions, each with a passing and a failing case, and
// always checking that a refused group changed nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import algosdk from 'algosdk';
import {
  USDC_ID, algoOf, axfer, devnet, lastRound, params, pay, sign, submit, usdcOf,
} from './helpers.mjs';

const TESTNET_GH = Buffer.from('SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=', 'base64');

/** The x402 shape: fee payer pays both fees (pooling), payer's axfer carries fee 0. */
async function x402Group(net, { payer = 'payer-1', payTo = 'merchant-1', amount = 1000n, feeTotal = 2000n, sp } = {}) {
  const base = sp ?? await params(net);
  const feePayer = net.account('fee-payer');
  const txns = [
    pay(feePayer, feePayer, 0n, { ...base, fee: feeTotal }),
    axfer(net.account(payer), net.account(payTo), amount, { ...base, fee: 0n }),
  ];
  algosdk.assignGroupID(txns);
  return { txns, feePayer, blobs: [sign(txns[0], feePayer), sign(txns[1], net.account(payer))] };
}

test('an x402 group moves the USDC, charges the pooled fee to the fee payer and confirms in the next round', async (t) => {
  const net = await devnet(t);
  const { txns, blobs, feePayer } = await x402Group(net, { amount: 12_345n });
  const [payer, merchant] = [net.account('payer-1'), net.account('merchant-1')];
  const before = { payer: await usdcOf(net, payer.address), merchant: await usdcOf(net, merchant.address), fee: await algoOf(net, feePayer.address) };
  const round = await lastRound(net);

  const r = await submit(net, blobs);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.txId, txns[0].txID());

  assert.equal(await usdcOf(net, payer.address), before.payer - 12_345n);
  assert.equal(await usdcOf(net, merchant.address), before.merchant + 12_345n);
  assert.equal(await algoOf(net, feePayer.address), before.fee - 2000n);
  assert.equal(await algoOf(net, payer.address), 1000n * 1_000_000n, 'the payer paid no ALGO');
  assert.equal(await lastRound(net), round + 1n);
  const pending = await net.algod.pendingTransactionInformation(txns[1].txID()).do();
  assert.equal(pending.confirmedRound, round + 1n);
  assert.equal(pending.poolError, '');
  assert.equal(pending.txn.txn.txID(), txns[1].txID());
});

test('a signature that does not verify is refused and nothing moves', async (t) => {
  const net = await devnet(t);
  const { txns } = await x402Group(net);
  const feePayer = net.account('fee-payer');
  const payer = net.account('payer-1');
  const before = await usdcOf(net, payer.address);
  // payer-2's signature presented as the sender's own (no sgnr): the Ed25519 check fails.
  const otherSig = algosdk.decodeSignedTransaction(sign(txns[1], net.account('payer-2'))).sig;
  const forged = algosdk.encodeMsgpack(new algosdk.SignedTransaction({ txn: txns[1], sig: otherSig }));
  const r = await submit(net, [sign(txns[0], feePayer), forged]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, "At least one signature didn't pass verification");
  const tampered = Buffer.from(sign(txns[1], payer));
  tampered[10] ^= 1; // a bit inside the signature
  assert.equal((await submit(net, [sign(txns[0], feePayer), tampered])).json.message, "At least one signature didn't pass verification");
  // A valid signature by another key names that key as signer (sgnr): not the sender's authority.
  const byOther = await submit(net, [sign(txns[0], feePayer), sign(txns[1], net.account('payer-2'))]);
  assert.equal(byOther.status, 400);
  assert.match(byOther.json.message, /should have been authorized by .* but was actually authorized by/);
  assert.equal(await usdcOf(net, payer.address), before);
  assert.equal(await algoOf(net, feePayer.address), 1_000_000n * 1_000_000n);
  assert.equal((await submit(net, [sign(txns[0], feePayer), sign(txns[1], payer)])).status, 200, 'the honest group passes');
});

test('a transaction without any signature is refused on submit', async (t) => {
  const net = await devnet(t);
  const sp = await params(net);
  const txn = pay(net.account('payer-1'), net.account('payer-2'), 1n, sp);
  const r = await submit(net, [algosdk.encodeMsgpack(new algosdk.SignedTransaction({ txn }))]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'signedtxn has no sig');
});

test('a wrong group id is refused as an incomplete group and no member is applied', async (t) => {
  const net = await devnet(t);
  const sp = await params(net);
  const feePayer = net.account('fee-payer');
  const txns = [pay(feePayer, feePayer, 0n, { ...sp, fee: 2000n }), axfer(net.account('payer-1'), net.account('merchant-1'), 5n, { ...sp, fee: 0n })];
  for (const txn of txns) txn.group = new Uint8Array(32).fill(7);
  const r = await submit(net, [sign(txns[0], feePayer), sign(txns[1], net.account('payer-1'))]);
  assert.equal(r.status, 400);
  assert.match(r.json.message, /^TransactionPool\.Remember: transactionGroup: incomplete group: /);
  assert.equal(await usdcOf(net, net.account('merchant-1').address), 0n);
  assert.equal(await algoOf(net, feePayer.address), 1_000_000n * 1_000_000n);

  // Members of one group computed over different lists: inconsistent group values.
  const a = await x402Group(net);
  const b = await x402Group(net, { payer: 'payer-2', amount: 7n });
  const r2 = await submit(net, [a.blobs[0], b.blobs[1]]);
  assert.equal(r2.status, 400);
  assert.match(r2.json.message, /inconsistent group values/);
  // A grouped transaction submitted without its partner.
  const r3 = await submit(net, [a.blobs[0]]);
  assert.equal(r3.status, 400);
  assert.match(r3.json.message, /incomplete group/);
  // The intact group still goes through.
  assert.equal((await submit(net, a.blobs)).status, 200);
});

test('a group whose last member fails leaves the earlier members unapplied', async (t) => {
  const net = await devnet(t);
  const sp = await params(net);
  const [p1, noUsdc, merchant] = [net.account('payer-1'), net.account('no-usdc'), net.account('merchant-1')];
  const txns = [axfer(p1, merchant, 500n, sp), axfer(noUsdc, merchant, 1n, sp)];
  algosdk.assignGroupID(txns);
  const r = await submit(net, [sign(txns[0], p1), sign(txns[1], noUsdc)]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, `TransactionPool.Remember: transaction ${txns[1].txID()}: underflow on subtracting 1 from sender amount 0`);
  assert.equal(await usdcOf(net, merchant.address), 0n, 'the first transfer was rolled back');
  assert.equal(await usdcOf(net, p1.address), 1_000_000n * 1_000_000n);
  assert.equal(await algoOf(net, p1.address), 1000n * 1_000_000n, 'its fee too');
});

test('fees: below the minimum refused, pooled across the group accepted', async (t) => {
  const net = await devnet(t);
  const low = await x402Group(net, { feeTotal: 1999n });
  const r = await submit(net, low.blobs);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'txgroup had 1999 in fees, which is less than the minimum 2 * 1000');
  const sp = await params(net, { fee: 999n });
  const single = pay(net.account('payer-1'), net.account('payer-2'), 1n, sp);
  assert.equal((await submit(net, [sign(single, net.account('payer-1'))])).json.message,
    'txgroup had 999 in fees, which is less than the minimum 1 * 1000');
  const pooled = await x402Group(net, { feeTotal: 2000n });
  assert.equal((await submit(net, pooled.blobs)).status, 200);
});

test('round window: expired, not yet valid and too long are refused; the current window is accepted', async (t) => {
  const net = await devnet(t);
  const round = await lastRound(net);
  const p1 = net.account('payer-1');
  const p2 = net.account('payer-2');
  const expired = pay(p1, p2, 1n, await params(net, { firstValid: round - 1000n, lastValid: round }));
  const r1 = await submit(net, [sign(expired, p1)]);
  assert.equal(r1.status, 400);
  assert.equal(r1.json.message, `TransactionPool.Remember: txn dead: round ${round + 1n} outside of ${round - 1000n}--${round}`);
  const future = pay(p1, p2, 1n, await params(net, { firstValid: round + 5n, lastValid: round + 10n }));
  assert.match((await submit(net, [sign(future, p1)])).json.message, /txn dead: round \d+ outside of/);
  const tooLong = pay(p1, p2, 1n, await params(net, { firstValid: round, lastValid: round + 1001n }));
  assert.equal((await submit(net, [sign(tooLong, p1)])).json.message, `transaction window size excessive (${round}--${round + 1001n})`);
  const edge = pay(p1, p2, 1n, await params(net, { firstValid: round + 1n, lastValid: round + 1n }));
  assert.equal((await submit(net, [sign(edge, p1)])).status, 200, 'valid exactly in the next round');
  assert.equal(await algoOf(net, p2.address), 1000n * 1_000_000n + 1n);
});

test('genesis hash and id must be testnet\'s', async (t) => {
  const net = await devnet(t);
  const p1 = net.account('payer-1');
  const p2 = net.account('payer-2');
  const mainnet = Buffer.from('wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=', 'base64');
  const wrongHash = pay(p1, p2, 1n, await params(net, { genesisHash: mainnet }));
  const r = await submit(net, [sign(wrongHash, p1)]);
  assert.equal(r.status, 400);
  // go-algorand prints digests as unpadded base32.
  assert.match(r.json.message, /^TransactionPool\.Remember: tx\.GenesisHash <[A-Z2-7]{52}> does not match expected <JBR3KGFEWPEE5SAQ6IWU6EEBZMHXD4CZU6WCBXWGF57XBZIJHIRA>$/);
  const wrongId = pay(p1, p2, 1n, await params(net, { genesisID: 'mainnet-v1.0' }));
  assert.equal((await submit(net, [sign(wrongId, p1)])).json.message,
    'TransactionPool.Remember: tx.GenesisID <mainnet-v1.0> does not match expected <testnet-v1.0>');
  // An empty genesis id is allowed (the hash alone identifies the network), as algod does.
  const noId = pay(p1, p2, 1n, await params(net, { genesisID: '' }));
  assert.equal((await submit(net, [sign(noId, p1)])).status, 200);
  assert.deepEqual([...TESTNET_GH], [...Buffer.from((await net.algod.getTransactionParams().do()).genesisHash)]);
});

test('ASA: the receiver must be opted in; an opt-in (0-amount self transfer) makes the same transfer pass', async (t) => {
  const net = await devnet(t);
  const [p1, fresh] = [net.account('payer-1'), net.account('not-opted-in')];
  const sp = await params(net);
  const first = axfer(p1, fresh, 10n, sp);
  const r = await submit(net, [sign(first, p1)]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, `TransactionPool.Remember: transaction ${first.txID()}: asset ${USDC_ID} missing from ${fresh.address}`);
  assert.equal(await usdcOf(net, fresh.address), null);

  const optIn = axfer(fresh, fresh, 0n, await params(net));
  assert.equal((await submit(net, [sign(optIn, fresh)])).status, 200);
  assert.equal(await usdcOf(net, fresh.address), 0n);
  const account = (await net.request('GET', `/v2/accounts/${fresh.address}`)).json;
  assert.equal(account['min-balance'], 200_000n, 'one holding raises the minimum balance');
  assert.equal(account['total-assets-opted-in'], 1n);

  assert.equal((await submit(net, [sign(axfer(p1, fresh, 10n, await params(net)), p1)])).status, 200);
  assert.equal(await usdcOf(net, fresh.address), 10n);
  // A sender that holds no USDC cannot send any.
  const other = net.account('rekey-authority');
  const noHolding = axfer(other, p1, 1n, await params(net));
  assert.match((await submit(net, [sign(noHolding, other)])).json.message, new RegExp(`asset ${USDC_ID} missing from ${other.address}`));
  // Opting in to an asset that does not exist.
  const ghost = algosdk.makeAssetTransferTxnWithSuggestedParamsFromObject({
    sender: fresh.address, receiver: fresh.address, amount: 0n, assetIndex: 42n, suggestedParams: await params(net),
  });
  assert.match((await submit(net, [sign(ghost, fresh)])).json.message, /asset 42 does not exist or has been deleted/);
});

test('overspend: ALGO beyond the balance, USDC beyond the holding, and the minimum balance are refused', async (t) => {
  const net = await devnet(t);
  const [p1, p2] = [net.account('payer-1'), net.account('payer-2')];
  const sp = await params(net);
  const all = 1000n * 1_000_000n;
  const over = pay(p1, p2, all, sp);
  const r = await submit(net, [sign(over, p1)]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message,
    `TransactionPool.Remember: transaction ${over.txID()}: overspend (account ${p1.address}, data {MicroAlgos:{Raw:${all - 1000n}}}, tried to spend {${all}})`);
  const belowMin = pay(p1, p2, all - 1000n - 100_000n, sp);
  assert.equal((await submit(net, [sign(belowMin, p1)])).json.message,
    `TransactionPool.Remember: transaction ${belowMin.txID()}: account ${p1.address} balance 100000 below min 200000 (1 assets)`);
  const tooMuchUsdc = axfer(p1, p2, 1_000_000n * 1_000_000n + 1n, sp);
  assert.match((await submit(net, [sign(tooMuchUsdc, p1)])).json.message, /underflow on subtracting 1000000000001 from sender amount 1000000000000/);
  // New accounts must be funded to at least the minimum balance.
  const stranger = algosdk.generateAccount().addr.toString();
  assert.match((await submit(net, [sign(pay(p1, stranger, 99_999n, sp), p1)])).json.message, /balance 99999 below min 100000 \(0 assets\)/);
  assert.equal((await submit(net, [sign(pay(p1, stranger, 100_000n, sp), p1)])).status, 200);
  assert.equal(await algoOf(net, p1.address), all - 1000n - 100_000n);
  assert.equal(await usdcOf(net, p1.address), 1_000_000n * 1_000_000n);
});

test('the same transaction twice is refused as already in the ledger', async (t) => {
  const net = await devnet(t);
  const { blobs, txns } = await x402Group(net);
  assert.equal((await submit(net, blobs)).status, 200);
  const again = await submit(net, blobs);
  assert.equal(again.status, 400);
  assert.equal(again.json.message, `TransactionPool.Remember: transaction already in ledger: ${txns[0].txID()}`);
  assert.equal(await usdcOf(net, net.account('merchant-1').address), 1000n, 'paid once');
  // The same transaction twice inside one group.
  const single = pay(net.account('payer-3'), net.account('payer-4'), 1n, await params(net));
  const twins = [single, algosdk.decodeUnsignedTransaction(algosdk.encodeUnsignedTransaction(single))];
  algosdk.assignGroupID(twins);
  const blob = sign(twins[0], net.account('payer-3'));
  assert.match((await submit(net, [blob, blob])).json.message, /transaction already in ledger/);
});

test('groups: 16 members are accepted, 17 are refused before anything is applied', async (t) => {
  const net = await devnet(t);
  const sp = await params(net);
  const p1 = net.account('payer-1');
  const make = (n) => {
    const txns = Array.from({ length: n }, (_, i) => pay(p1, net.account('payer-2'), BigInt(i + 1), sp));
    algosdk.assignGroupID(txns.slice(0, Math.min(n, 16)));
    return txns.map((x) => sign(x, p1));
  };
  const r = await submit(net, make(17));
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'max group size is 16');
  assert.equal((await submit(net, make(16))).status, 200);
  assert.equal(await algoOf(net, net.account('payer-2').address), 1000n * 1_000_000n + 136n);
});

test('a rekeyed account is authorized by its auth address only', async (t) => {
  const net = await devnet(t);
  const [rekeyed, authority, merchant] = [net.account('rekeyed-payer'), net.account('rekey-authority'), net.account('merchant-2')];
  assert.equal(rekeyed.authAddr, authority.address);
  const sp = await params(net);
  const byOwnKey = axfer(rekeyed, merchant, 3n, sp);
  const r = await submit(net, [sign(byOwnKey, rekeyed)]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, `TransactionPool.Remember: transaction ${byOwnKey.txID()}: should have been authorized by ${authority.address} but was actually authorized by ${rekeyed.address}`);
  const byAuthority = axfer(rekeyed, merchant, 3n, sp);
  const blob = algosdk.signTransaction(byAuthority, authority.sk).blob; // sets sgnr
  assert.equal((await submit(net, [blob])).status, 200);
  assert.equal(await usdcOf(net, merchant.address), 3n);
  const acct = (await net.request('GET', `/v2/accounts/${rekeyed.address}`)).json;
  assert.equal(acct['auth-addr'], authority.address);
});

test('rekey-to changes who may sign, and rekeying back to the account restores its own key', async (t) => {
  const net = await devnet(t);
  const [p5, p6] = [net.account('payer-5'), net.account('payer-6')];
  const sp = await params(net);
  assert.equal((await submit(net, [sign(pay(p5, p5, 0n, sp, { rekeyTo: p6.address }), p5)])).status, 200);
  assert.match((await submit(net, [sign(pay(p5, p6, 1n, sp), p5)])).json.message, /should have been authorized by/);
  assert.equal((await submit(net, [algosdk.signTransaction(pay(p5, p5, 0n, sp, { rekeyTo: p5.address }), p6.sk).blob])).status, 200);
  assert.equal((await submit(net, [sign(pay(p5, p6, 2n, sp), p5)])).status, 200);
  assert.equal((await net.request('GET', `/v2/accounts/${p5.address}`)).json['auth-addr'], undefined);
});

test('multisig: two of three signatures pay, one is refused', async (t) => {
  const net = await devnet(t);
  const msigAccount = net.account('multisig-payer');
  const signers = ['multisig-signer-1', 'multisig-signer-2', 'multisig-signer-3'].map((n) => net.account(n));
  const meta = { version: 1, threshold: 2, addrs: signers.map((s) => s.address) };
  assert.equal(algosdk.multisigAddress(meta).toString(), msigAccount.address);
  const txn = axfer(msigAccount, net.account('merchant-1'), 77n, await params(net));
  const one = algosdk.signMultisigTransaction(txn, meta, signers[0].sk).blob;
  const r = await submit(net, [one]);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, "At least one signature didn't pass verification");
  const two = algosdk.appendSignMultisigTransaction(one, meta, signers[2].sk).blob;
  assert.equal((await submit(net, [two])).status, 200);
  assert.equal(await usdcOf(net, net.account('merchant-1').address), 77n);
});

test('logic signatures are refused with a clear message', async (t) => {
  const net = await devnet(t);
  const program = new Uint8Array([0x01, 0x20, 0x01, 0x01, 0x22]); // #pragma version 1; int 1
  const lsig = new algosdk.LogicSigAccount(program);
  const txn = algosdk.makePaymentTxnWithSuggestedParamsFromObject({
    sender: lsig.address(), receiver: net.account('payer-1').address, amount: 1n, suggestedParams: await params(net),
  });
  const r = await submit(net, [algosdk.signLogicSigTransactionObject(txn, lsig).blob]);
  assert.equal(r.status, 400);
  assert.match(r.json.message, /logic signatures are not supported by this devnet/);
});

test('close-remainder-to empties the account into the target; asset close-to moves the whole holding', async (t) => {
  const net = await devnet(t);
  const [p3, p4, spare] = [net.account('payer-3'), net.account('payer-4'), net.account('spare-1')];
  const sp = await params(net);
  const before = await usdcOf(net, p4.address);
  const assetClose = axfer(p3, p4, 5n, sp, { closeRemainderTo: p4.address });
  assert.equal((await submit(net, [sign(assetClose, p3)])).status, 200);
  assert.equal(await usdcOf(net, p3.address), null, 'holding removed');
  assert.equal(await usdcOf(net, p4.address), before + 1_000_000n * 1_000_000n);
  const info = await net.algod.pendingTransactionInformation(assetClose.txID()).do();
  assert.equal(info.assetClosingAmount, 1_000_000n * 1_000_000n - 5n);

  const spareAlgo = await algoOf(net, spare.address);
  const p3Algo = await algoOf(net, p3.address);
  const close = pay(p3, spare, 1n, sp, { closeRemainderTo: spare.address });
  assert.equal((await submit(net, [sign(close, p3)])).status, 200);
  assert.equal(await algoOf(net, p3.address), 0n);
  assert.equal(await algoOf(net, spare.address), spareAlgo + p3Algo - 1000n);
  assert.equal((await net.algod.pendingTransactionInformation(close.txID()).do()).closingAmount, p3Algo - 1000n - 1n);
  // An account still holding an asset cannot be closed.
  const blocked = pay(p4, spare, 1n, sp, { closeRemainderTo: spare.address });
  assert.equal((await submit(net, [sign(blocked, p4)])).json.message, `TransactionPool.Remember: transaction ${blocked.txID()}: cannot close: 1 outstanding assets`);
});

test('leases: a second transaction with the same sender and lease is refused while the first is valid', async (t) => {
  const net = await devnet(t);
  const [p1, p2] = [net.account('payer-1'), net.account('payer-2')];
  const lease = new Uint8Array(32).fill(9);
  const sp = await params(net);
  assert.equal((await submit(net, [sign(pay(p1, p2, 1n, sp, { lease }), p1)])).status, 200);
  const second = pay(p1, p2, 2n, sp, { lease });
  assert.match((await submit(net, [sign(second, p1)])).json.message, /using an overlapping lease/);
  assert.equal((await submit(net, [sign(pay(p1, p2, 2n, sp, { lease: new Uint8Array(32).fill(8) }), p1)])).status, 200);
});

test('undecodable bodies are refused with algod\'s decode error', async (t) => {
  const net = await devnet(t);
  const r = await submit(net, [Buffer.from([0xc1])]); // a byte msgpack never uses
  assert.equal(r.status, 400);
  assert.match(r.json.message, /^msgpack decode error/);
  const notATxn = await submit(net, [Buffer.from([0x01])]); // valid msgpack, not a SignedTxn
  assert.match(notATxn.json.message, /^msgpack decode error: transaction 0: /);
  assert.equal((await submit(net, [])).json.message, 'empty txgroup');
});
