// Shared set-up for the devnet's node tests: a devnet on a free loopback port, algosdk clients and
// transaction builders. Everything goes over HTTP, exactly as a gateway or SDK talks to algod.
import algosdk from 'algosdk';
import { startDevnet } from '../lib/devnet.mjs';

export const USDC_ID = 10458941n;

/** Starts a devnet in this process; `t.after` (node:test) stops it. */
export async function devnet(t, opts = {}) {
  const d = await startDevnet({ port: 0, ...opts });
  t.after(() => d.close());
  const u = new URL(d.info.url);
  const algod = new algosdk.Algodv2(d.info.token, `${u.protocol}//${u.hostname}`, u.port);
  const keys = new Map(d.info.accounts.filter((a) => a.mnemonic).map((a) => [a.name, algosdk.mnemonicToSecretKey(a.mnemonic)]));
  const account = (name) => {
    const info = d.info.accounts.find((a) => a.name === name);
    if (!info) throw new Error(`no account ${name}`);
    return { ...info, sk: keys.get(name)?.sk };
  };
  const request = async (method, path, { body, headers = {}, token = d.info.token } = {}) => {
    const h = { ...headers };
    if (token !== null) h['X-Algo-API-Token'] = token;
    const res = await fetch(`${d.info.url}${path}`, { method, headers: h, body });
    const type = res.headers.get('content-type') ?? '';
    const raw = new Uint8Array(await res.arrayBuffer());
    const text = Buffer.from(raw).toString('utf8');
    return {
      status: res.status,
      type,
      raw,
      json: type.includes('json') ? algosdk.parseJSON(text, { intDecoding: algosdk.IntDecoding.BIGINT }) : undefined,
    };
  };
  return { ...d, algod, account, request };
}

/** Suggested params as the SDKs get them, with a flat fee. */
export async function params(net, { fee = 1000n, firstValid, lastValid, genesisHash, genesisID } = {}) {
  const sp = await net.algod.getTransactionParams().do();
  return {
    ...sp,
    flatFee: true,
    fee,
    firstValid: firstValid ?? sp.firstValid,
    lastValid: lastValid ?? (firstValid ?? sp.firstValid) + 1000n,
    ...(genesisHash ? { genesisHash } : {}),
    ...(genesisID !== undefined ? { genesisID } : {}),
  };
}

export function axfer(from, to, amount, sp, extra = {}) {
  return algosdk.makeAssetTransferTxnWithSuggestedParamsFromObject({
    sender: from.address, receiver: to.address ?? to, amount, assetIndex: USDC_ID, suggestedParams: sp, ...extra,
  });
}

export function pay(from, to, amount, sp, extra = {}) {
  return algosdk.makePaymentTxnWithSuggestedParamsFromObject({
    sender: from.address, receiver: to.address ?? to, amount, suggestedParams: sp, ...extra,
  });
}

export function sign(txn, account) {
  return algosdk.signTransaction(txn, account.sk).blob;
}

export function concat(blobs) {
  return Buffer.concat(blobs.map((b) => Buffer.from(b)));
}

/** POST /v2/transactions with raw concatenated signed transactions. */
export function submit(net, blobs) {
  return net.request('POST', '/v2/transactions', { body: concat(blobs), headers: { 'content-type': 'application/x-binary' } });
}

export async function usdcOf(net, address) {
  const r = await net.request('GET', `/v2/accounts/${address}/assets/${USDC_ID}`);
  return r.status === 200 ? r.json['asset-holding'].amount : null;
}

export async function algoOf(net, address) {
  return (await net.request('GET', `/v2/accounts/${address}`)).json.amount;
}

export async function lastRound(net) {
  return (await net.request('GET', '/v2/status')).json['last-round'];
}

/** Simulate with algosdk's own request model, as JSON or msgpack; returns the decoded group result. */
export async function simulate(net, stxnBlobs, { allowEmptySignatures, msgpack = true } = {}) {
  const txns = stxnBlobs.map((b) => algosdk.decodeSignedTransaction(b));
  const req = new algosdk.modelsv2.SimulateRequest({
    txnGroups: [new algosdk.modelsv2.SimulateRequestTransactionGroup({ txns })], allowEmptySignatures,
  });
  const r = msgpack
    ? await net.request('POST', '/v2/transactions/simulate?format=msgpack', { body: algosdk.encodeMsgpack(req), headers: { 'content-type': 'application/msgpack' } })
    : await net.request('POST', '/v2/transactions/simulate', { body: algosdk.encodeJSON(req), headers: { 'content-type': 'application/json' } });
  if (r.status !== 200) return { status: r.status, message: r.json?.message };
  const decoded = msgpack
    ? algosdk.decodeMsgpack(r.raw, algosdk.modelsv2.SimulateResponse)
    : algosdk.decodeJSON(Buffer.from(r.raw).toString('utf8'), algosdk.modelsv2.SimulateResponse);
  return { status: 200, response: decoded, group: decoded.txnGroups[0], raw: r };
}

/** An unsigned transaction wrapped as a SignedTxn without signature (what simulate accepts). */
export function unsigned(txn) {
  return algosdk.encodeMsgpack(new algosdk.SignedTransaction({ txn }));
}
