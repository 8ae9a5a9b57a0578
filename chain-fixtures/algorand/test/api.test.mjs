// The algod REST surface: token check, error shapes, status and waiting, simulate, pending,
// accounts and assets, timed rounds and the /devnet/ controls; plus x402 vector E.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import algosdk from 'algosdk';
import {
  USDC_ID, algoOf, axfer, devnet, lastRound, params, pay, sign, simulate, submit, unsigned, usdcOf,
} from './helpers.mjs';

test('the API token is required on /v2 (header or Bearer), /health is public, unknown routes get algod\'s 404', async (t) => {
  const net = await devnet(t);
  for (const token of [null, '', 'b'.repeat(64), `${net.info.token}x`]) {
    const r = await net.request('GET', '/v2/status', { token });
    assert.equal(r.status, 401, `token ${token}`);
    assert.deepEqual(r.json, { message: 'Invalid API Token' });
  }
  assert.equal((await net.request('GET', '/v2/status', { token: null, headers: { authorization: `Bearer ${net.info.token}` } })).status, 200);
  assert.equal((await net.request('GET', '/health', { token: null })).status, 200);
  assert.equal((await net.request('POST', '/v2/transactions', { token: null, body: 'x' })).status, 401, 'submits too');
  const unknown = await net.request('GET', '/v2/blocks/1');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json, { message: 'Not Found' });
  const wrongMethod = await net.request('DELETE', '/v2/status');
  assert.equal(wrongMethod.status, 405);
});

test('--token \'\' turns the token check off', async (t) => {
  const net = await devnet(t, { token: '' });
  assert.equal((await net.request('GET', '/v2/status', { token: null })).status, 200);
});

test('status and suggested params carry algod\'s fields; wait-for-block-after returns when the next round exists', async (t) => {
  const net = await devnet(t);
  const status = (await net.request('GET', '/v2/status')).json;
  for (const field of ['last-round', 'last-version', 'next-version', 'next-version-round', 'next-version-supported',
    'stopped-at-unsupported-round', 'time-since-last-round', 'catchup-time']) {
    assert.ok(field in status, field);
  }
  assert.equal(status['last-round'], 50_000_000n);
  const sp = (await net.request('GET', '/v2/transactions/params')).json;
  assert.deepEqual(Object.keys(sp).sort(), ['consensus-version', 'fee', 'genesis-hash', 'genesis-id', 'last-round', 'min-fee']);
  assert.equal(sp['genesis-id'], 'testnet-v1.0');
  assert.equal(sp['genesis-hash'], 'SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=');
  assert.equal(sp['min-fee'], 1000n);
  assert.equal(sp.fee, 0n);

  const round = status['last-round'];
  const already = await net.request('GET', `/v2/status/wait-for-block-after/${round - 1n}`);
  assert.equal(already.json['last-round'], round, 'a past round answers at once');
  const started = Date.now();
  const waiting = net.request('GET', `/v2/status/wait-for-block-after/${round}`);
  await new Promise((r) => setTimeout(r, 150));
  const p1 = net.account('payer-1');
  assert.equal((await submit(net, [sign(pay(p1, p1, 0n, await params(net)), p1)])).status, 200);
  const after = await waiting;
  assert.equal(after.json['last-round'], round + 1n);
  assert.ok(Date.now() - started >= 150, 'it did wait');
  assert.equal((await net.request('GET', '/v2/status/wait-for-block-after/abc')).status, 400);
});

test('wait-for-block-after gives up after the bounded timeout and answers the current status', async (t) => {
  const net = await devnet(t, { waitTimeoutMs: 300 });
  const round = await lastRound(net);
  const started = Date.now();
  const r = await net.request('GET', `/v2/status/wait-for-block-after/${round + 10n}`);
  assert.equal(r.status, 200);
  assert.equal(r.json['last-round'], round);
  assert.ok(Date.now() - started >= 250 && Date.now() - started < 10_000, `${Date.now() - started} ms`);
});

test('simulate checks without applying: success leaves balances, failures report failure-message and failed-at (msgpack and JSON)', async (t) => {
  const net = await devnet(t);
  const [p1, merchant] = [net.account('payer-1'), net.account('merchant-1')];
  const sp = await params(net);
  const good = axfer(p1, merchant, 10n, sp);
  for (const msgpack of [true, false]) {
    const ok = await simulate(net, [sign(good, p1)], { msgpack });
    assert.equal(ok.status, 200);
    assert.equal(ok.group.failureMessage, undefined);
    assert.equal(ok.response.lastRound, 50_000_000n);
    assert.equal(ok.group.txnResults.length, 1);
    assert.equal(ok.group.txnResults[0].txnResult.txn.txn.txID(), good.txID());
    assert.equal(ok.response.version, 2);
  }
  assert.equal(await usdcOf(net, merchant.address), 0n, 'simulate applied nothing');
  assert.equal(await lastRound(net), 50_000_000n, 'and made no round');

  const toStranger = axfer(p1, net.account('not-opted-in'), 10n, sp);
  const missing = await simulate(net, [sign(toStranger, p1)]);
  assert.equal(missing.group.failureMessage, `transaction ${toStranger.txID()}: asset ${USDC_ID} missing from ${net.account('not-opted-in').address}`);
  assert.deepEqual(missing.group.failedAt, [0]);

  const badSig = algosdk.encodeMsgpack(new algosdk.SignedTransaction({ txn: good, sig: new Uint8Array(64).fill(3) }));
  const sig = await simulate(net, [badSig], { msgpack: false });
  assert.equal(sig.group.failureMessage, "At least one signature didn't pass verification");
  assert.deepEqual(sig.group.failedAt, [0]);

  // Group-level faults are a 400, as in algod.
  const cheap = await simulate(net, [sign(axfer(p1, merchant, 1n, { ...sp, fee: 0n }), p1)]);
  assert.equal(cheap.status, 400);
  assert.equal(cheap.message, 'txgroup had 0 in fees, which is less than the minimum 1 * 1000');
  // Then the real thing still works: the simulation left no trace (no duplicate).
  assert.equal((await submit(net, [sign(good, p1)])).status, 200);
  assert.equal(await usdcOf(net, merchant.address), 10n);
});

test('simulate honours allow-empty-signatures and reports it in eval-overrides', async (t) => {
  const net = await devnet(t);
  const { feePayer, txns } = await (async () => {
    const sp = await params(net);
    const fp = net.account('fee-payer');
    const g = [pay(fp, fp, 0n, { ...sp, fee: 2000n }), axfer(net.account('payer-1'), net.account('merchant-1'), 5n, { ...sp, fee: 0n })];
    algosdk.assignGroupID(g);
    return { feePayer: fp, txns: g };
  })();
  const group = [unsigned(txns[0]), sign(txns[1], net.account('payer-1'))];
  const strict = await simulate(net, group);
  assert.equal(strict.group.failureMessage, 'signedtxn has no sig');
  assert.deepEqual(strict.group.failedAt, [0]);
  const lenient = await simulate(net, group, { allowEmptySignatures: true });
  assert.equal(lenient.group.failureMessage, undefined);
  assert.equal(lenient.response.evalOverrides.allowEmptySignatures, true);
  // Even unsigned, the ledger rules still apply.
  const over = pay(feePayer, feePayer, 0n, { ...(await params(net)), fee: 2_000_000n * 1_000_000n });
  const broke = await simulate(net, [unsigned(over)], { allowEmptySignatures: true });
  assert.match(broke.group.failureMessage, /overspend/);
  assert.equal(await usdcOf(net, net.account('merchant-1').address), 0n);
});

test('simulate refuses requests that are not one group of 1..16 transactions', async (t) => {
  const net = await devnet(t);
  const r = await net.request('POST', '/v2/transactions/simulate', { body: '{"txn-groups":[]}' });
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'expected 1 transaction group, got 0');
  const empty = await net.request('POST', '/v2/transactions/simulate', { body: '{"txn-groups":[{"txns":[]}]}' });
  assert.equal(empty.json.message, 'empty txgroup');
  const junk = await net.request('POST', '/v2/transactions/simulate', { body: 'nonsense' });
  assert.equal(junk.status, 400);
  assert.match(junk.json.message, /cannot decode the simulate request/);
  assert.equal((await net.request('POST', '/v2/transactions/simulate?format=xml', { body: '{}' })).json.message, 'failed to parse the format option');
});

test('pending: confirmed transactions answer in JSON and msgpack; unknown ids get algod\'s 404', async (t) => {
  const net = await devnet(t);
  const p1 = net.account('payer-1');
  const txn = axfer(p1, net.account('merchant-1'), 9n, await params(net));
  await submit(net, [sign(txn, p1)]);
  const json = await net.request('GET', `/v2/transactions/pending/${txn.txID()}`);
  assert.equal(json.status, 200);
  assert.equal(json.json['pool-error'], '');
  assert.equal(json.json['confirmed-round'], 50_000_001n);
  assert.equal(json.json.txn.txn.snd, p1.address, 'addresses in base32 as algod writes them');
  assert.equal(json.json.txn.txn.xaid, USDC_ID);
  const mp = await net.request('GET', `/v2/transactions/pending/${txn.txID()}?format=msgpack`);
  assert.equal(mp.type, 'application/msgpack');
  const decoded = algosdk.decodeMsgpack(mp.raw, algosdk.modelsv2.PendingTransactionResponse);
  assert.equal(decoded.confirmedRound, 50_000_001n);
  assert.equal(decoded.txn.txn.txID(), txn.txID());
  const unknown = await net.request('GET', `/v2/transactions/pending/${'A'.repeat(52)}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.message, 'could not find the transaction in the transaction pool or in the last 1000 confirmed rounds');
  assert.equal((await net.request('GET', '/v2/transactions/pending/nope')).status, 400);
});

test('accounts and assets: balances, min balance, holdings, the ASA and algod\'s not-found answers', async (t) => {
  const net = await devnet(t);
  const p1 = net.account('payer-1');
  const a = (await net.request('GET', `/v2/accounts/${p1.address}`)).json;
  assert.equal(a.amount, 1_000_000_000n);
  assert.equal(a['min-balance'], 200_000n);
  assert.deepEqual(a.assets, [{ amount: 1_000_000_000_000n, 'asset-id': USDC_ID, 'is-frozen': false }]);
  assert.equal(a.round, 50_000_000n);
  assert.equal(a.status, 'Offline');
  const sdk = await net.algod.accountInformation(p1.address).do();
  assert.equal(sdk.amount, 1_000_000_000n);
  assert.equal(sdk.assets[0].assetId, USDC_ID);
  const bare = (await net.request('GET', `/v2/accounts/${p1.address}?exclude=all`)).json;
  assert.equal(bare.assets, undefined);
  const stranger = algosdk.generateAccount().addr.toString();
  const empty = (await net.request('GET', `/v2/accounts/${stranger}`)).json;
  assert.equal(empty.amount, 0n);
  assert.equal(empty['min-balance'], 100_000n);
  assert.equal((await net.request('GET', '/v2/accounts/NOTANADDRESS')).json.message, 'failed to parse the address');
  const notOpted = await net.request('GET', `/v2/accounts/${net.account('not-opted-in').address}/assets/${USDC_ID}`);
  assert.equal(notOpted.status, 404);
  assert.equal(notOpted.json.message, 'account asset info not found');
  const reserve = (await net.request('GET', `/v2/accounts/${net.account('usdc-reserve').address}/assets/${USDC_ID}`)).json;
  assert.equal(reserve['created-asset'].total, 18_446_744_073_709_551_615n);
  const asset = (await net.request('GET', `/v2/assets/${USDC_ID}`)).json;
  assert.equal(asset.index, USDC_ID);
  assert.equal(asset.params.decimals, 6n);
  assert.equal(asset.params['unit-name'], 'USDC');
  assert.equal(asset.params.creator, net.account('usdc-reserve').address);
  const viaSdk = await net.algod.getAssetByID(USDC_ID).do();
  assert.equal(viaSdk.params.name, 'USDC');
  assert.equal((await net.request('GET', '/v2/assets/1')).json.message, 'asset does not exist');
  // Every documented account's balances are what the ready line says.
  for (const acct of net.info.accounts) {
    assert.equal(await algoOf(net, acct.address), BigInt(acct.algo), acct.name);
    assert.equal(await usdcOf(net, acct.address), acct.usdc === null ? null : BigInt(acct.usdc), acct.name);
  }
});

test('timed rounds: rounds advance with no transactions, a submit waits in the pool for the next round', async (t) => {
  const net = await devnet(t, { roundIntervalMs: 400 });
  const first = await lastRound(net);
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(await lastRound(net) >= first + 1n, 'empty rounds come on the timer');
  await net.request('POST', '/devnet/pause');
  const p1 = net.account('payer-1');
  const txn = axfer(p1, net.account('merchant-2'), 4n, await params(net));
  assert.equal((await submit(net, [sign(txn, p1)])).status, 200);
  const pendingNow = (await net.request('GET', `/v2/transactions/pending/${txn.txID()}`)).json;
  assert.equal(pendingNow['confirmed-round'], undefined, 'in the pool, not in a round yet');
  assert.equal(pendingNow['pool-error'], '');
  assert.equal(await usdcOf(net, net.account('merchant-2').address), 0n, 'balances are the committed ones');
  assert.match((await submit(net, [sign(txn, p1)])).json.message, /already in ledger/, 'a pooled txid is a duplicate too');
  await net.request('POST', '/devnet/resume');
  const confirmed = await algosdk.waitForConfirmation(net.algod, txn.txID(), 20);
  assert.ok(confirmed.confirmedRound > first);
  assert.equal(await usdcOf(net, net.account('merchant-2').address), 4n);
});

test('devnet controls: paused pools hold groups, rounds on demand, evict reports pool-error and drops what depended on it', async (t) => {
  const net = await devnet(t);
  const [fresh, p1] = [net.account('not-opted-in'), net.account('payer-1')];
  assert.equal((await net.request('POST', '/devnet/pause')).json.paused, true);
  const optIn = axfer(fresh, fresh, 0n, await params(net));
  const transfer = axfer(p1, fresh, 6n, await params(net));
  assert.equal((await submit(net, [sign(optIn, fresh)])).status, 200);
  assert.equal((await submit(net, [sign(transfer, p1)])).status, 200, 'valid on top of the pooled opt-in');
  assert.deepEqual((await net.request('GET', '/devnet/state')).json.pool, [[optIn.txID()], [transfer.txID()]]);

  const evicted = await net.request('POST', `/devnet/evict/${optIn.txID()}`, { body: JSON.stringify({ message: 'dropped for the test' }) });
  assert.equal(evicted.status, 200);
  assert.deepEqual(evicted.json.evicted, [optIn.txID(), transfer.txID()]);
  const a = (await net.request('GET', `/v2/transactions/pending/${optIn.txID()}`)).json;
  assert.equal(a['pool-error'], 'dropped for the test');
  assert.equal(a['confirmed-round'], undefined);
  const b = (await net.request('GET', `/v2/transactions/pending/${transfer.txID()}`)).json;
  assert.equal(b['pool-error'], `transaction ${transfer.txID()}: asset ${USDC_ID} missing from ${fresh.address}`);
  const sdk = await net.algod.pendingTransactionInformation(transfer.txID()).do();
  assert.match(sdk.poolError, /missing from/);
  await assert.rejects(algosdk.waitForConfirmation(net.algod, transfer.txID(), 2), /Transaction Rejected/);
  assert.equal((await net.request('POST', `/devnet/evict/${optIn.txID()}`)).status, 404);

  const round = await lastRound(net);
  const more = await net.request('POST', '/devnet/rounds', { body: '{"count":3}' });
  assert.equal(more.json['last-round'], round + 3n);
  assert.equal((await net.request('POST', '/devnet/rounds', { body: '{"count":0}' })).status, 400);
  assert.equal((await net.request('POST', '/devnet/rounds', { token: null })).status, 401, 'controls need the token');
  assert.equal(await usdcOf(net, fresh.address), null, 'nothing evicted was ever applied');
});

test('devnet confirmed: every committed transaction from a round on, with what it moved; evicted and pooled ones are not listed', async (t) => {
  const net = await devnet(t);
  const [p1, m1, fresh] = [net.account('payer-1'), net.account('merchant-1'), net.account('not-opted-in')];
  const start = (await lastRound(net)) + 1n;
  const sp = await params(net);
  const fee = pay(net.account('fee-payer'), net.account('fee-payer'), 0n, { ...sp, fee: 2000n });
  const transfer = axfer(p1, m1, 1234n, { ...sp, fee: 0n });
  algosdk.assignGroupID([fee, transfer]);
  assert.equal((await submit(net, [sign(fee, net.account('fee-payer')), sign(transfer, p1)])).status, 200);
  await net.request('POST', '/devnet/pause');
  const held = axfer(fresh, fresh, 0n, await params(net));
  assert.equal((await submit(net, [sign(held, fresh)])).status, 200);
  await net.request('POST', `/devnet/evict/${held.txID()}`);

  const listed = await net.request('GET', `/devnet/confirmed?from-round=${start}`);
  assert.equal(listed.status, 200);
  assert.equal(listed.json.complete, true);
  assert.deepEqual(listed.json.transactions.map((x) => x.txid), [fee.txID(), transfer.txID()]);
  const [f, x] = listed.json.transactions;
  assert.equal(f.type, 'pay');
  assert.equal(f.fee, 2000n);
  assert.equal(x.type, 'axfer');
  assert.equal(x.sender, p1.address);
  assert.equal(x.receiver, m1.address);
  assert.equal(x.amount, 1234n);
  assert.equal(x['asset-id'], USDC_ID);
  assert.equal(x.round, start);
  assert.equal(x.group, Buffer.from(transfer.group).toString('base64'));
  assert.deepEqual((await net.request('GET', `/devnet/confirmed?from-round=${start + 1n}`)).json.transactions, []);
  assert.equal((await net.request('GET', '/devnet/confirmed?from-round=0')).json.complete, false,
    'rounds before the devnet started are not in the list');
  assert.equal((await net.request('GET', '/devnet/confirmed?from-round=x')).status, 400);
});

test('pending as msgpack: the SignedTxn it carries is canonical, so its transaction hashes to the TxID asked for', async (t) => {
  const net = await devnet(t);
  const p1 = net.account('payer-1');
  const txn = axfer(p1, net.account('merchant-1'), 5n, await params(net, { fee: 0n }), { note: new Uint8Array([1, 2]) });
  const fee = pay(net.account('fee-payer'), net.account('fee-payer'), 0n, await params(net, { fee: 2000n }));
  algosdk.assignGroupID([fee, txn]);
  await submit(net, [sign(fee, net.account('fee-payer')), sign(txn, p1)]);
  const mp = await net.request('GET', `/v2/transactions/pending/${txn.txID()}?format=msgpack`);
  // as raw bytes, not re-encoded: a reader hashing the answer's txn must get the signed bytes back
  assert.ok(Buffer.from(mp.raw).includes(Buffer.from(txn.toByte())), 'the same canonical bytes the payer signed');
});

test('x402-protocol.md §6.2 vector E simulates and settles on a fresh devnet', async (t) => {
  const net = await devnet(t);
  const feePayerSigned = 'gqNzaWfEQJFODrK9OYVyQVgR1g7M9Etp6M86M+5V9VyeRuTBgJVOpRyz1UwyeID9NyoeZu2cLt6n/fPeOa0qdqt1mIWa0wSjdHhuiaNmZWXNB9CiZnbOAvrwgKNnZW6sdGVzdG5ldC12MS4womdoxCBIY7UYpLPITsgQ8i1PEIHLD3HwWaesIN7GL39w5Qk6IqNncnDEIIYOXvP/MFc5z5w+ga5OPn8P0/BynEdGkGQDUKhpyKBWomx2zgL69GijcmN2xCCKiOPddAnxlf1S2y08ul1yymcJvx2UEhvzdIgBtA9vXKNzbmTEIIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29cpHR5cGWjcGF5';
  const payment = 'gqNzaWfEQM0+AOOS0denGXm5YBjIJWy02YtZlNNMXmlbQ/JA3Mpp4nUHmWi4MavH0QMkYgOlNFk66Nz7uqUUKxKrXKXnCgWjdHhuiqRhYW10zQPopGFyY3bEIIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOUomZ2zgL68ICjZ2VurHRlc3RuZXQtdjEuMKJnaMQgSGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiKjZ3JwxCCGDl7z/zBXOc+cPoGuTj5/D9PwcpxHRpBkA1CoacigVqJsds4C+vRoo3NuZMQg8JGJFIoxA0o72dNXSv5upuF2z/g8quUIEj4t1SdvXrqkdHlwZaVheGZlcqR4YWlkzgCflz0=';
  const blobs = [feePayerSigned, payment].map((b) => Buffer.from(b, 'base64'));
  assert.equal(net.account('x402-vector-facilitator').address, 'RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE');
  assert.equal(net.account('x402-vector-payto').address, 'QE4XODVIPULV6VVDKRTMGTD6ZTFY3CURWTXDPIS56YHVXD6JWOKORTLPBU');
  assert.equal(net.account('x402-vector-client').address, '6CIYSFEKGEBUUO6Z2NLUV7TOU3QXNT7YHSVOKCASHYW5KJ3PL25CBBI45Y');
  const sim = await simulate(net, blobs);
  assert.equal(sim.group.failureMessage, undefined);
  const r = await submit(net, blobs);
  assert.equal(r.json.txId, '5IJLHLKQ5G447TF6EEQR6RGEW23UAJCZKLRKWSVOZBWCXXI7FEEA');
  const confirmed = await algosdk.waitForConfirmation(net.algod, '5RRCVLHKDUUEDM4NQZTW2ZQVWQUYSA57TWBTVFONENHN5K6ASGKA', 3);
  assert.equal(confirmed.confirmedRound, 50_000_001n);
  assert.equal(await usdcOf(net, 'QE4XODVIPULV6VVDKRTMGTD6ZTFY3CURWTXDPIS56YHVXD6JWOKORTLPBU'), 1000n);
});
