// algod v2 REST on Node's http: the endpoints the gateway, the Java and JS SDKs and the official
// x402 AVM client call, with algod's field names, error shape ({"message": ...}) and token check.
// Responses are built from algosdk's encodings (SignedTxn JSON/msgpack, JSON with big integers).
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import algosdk from 'algosdk';
import {
  CONSENSUS_VERSION, FEE_PER_BYTE, GENESIS_HASH, GENESIS_HASH_B64, GENESIS_ID, MIN_TXN_FEE,
} from './genesis.mjs';
import { DevnetError, minBalanceOf } from './ledger.mjs';

const TOKEN_HEADER = 'x-algo-api-token';
const MAX_BODY_BYTES = 1_000_000; // algod's limit for simulate bodies; plenty for 16 signed txns
const PUBLIC_PATHS = new Set(['/health', '/ready', '/versions']);
const { modelsv2 } = algosdk;

// ------------------------------------------------------------------------------ encoding

function sendJson(res, status, body) {
  const text = algosdk.stringifyJSON(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendMsgpack(res, status, body) {
  const bytes = algosdk.msgpackRawEncode(body);
  res.writeHead(status, { 'content-type': 'application/msgpack', 'content-length': bytes.length });
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** algod answers every error as {"message": ...}. */
function sendError(res, status, message) {
  sendJson(res, status, { message });
}

/** algod's `format` query parameter: json (default) or msgpack. */
function wantsMsgpack(url) {
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json' && format !== 'msgpack') throw new DevnetError(400, 'failed to parse the format option');
  return format === 'msgpack';
}

function signedTxn(stxn, msgpack) {
  const schema = stxn.getEncodingSchema();
  const data = stxn.toEncodingData();
  return msgpack ? schema.prepareMsgpack(data) : schema.prepareJSON(data, {});
}

/** algod's PreEncodedTxInfo: `pool-error` always present, the rest only when set. */
function txnInfo({ stxn, poolError = '', confirmedRound, applyData }, msgpack) {
  const info = { 'pool-error': poolError, txn: signedTxn(stxn, msgpack) };
  if (confirmedRound !== undefined) {
    info['confirmed-round'] = confirmedRound;
    info['closing-amount'] = applyData.closingAmount;
    info['asset-closing-amount'] = applyData.assetClosingAmount;
    info['sender-rewards'] = 0n;
    info['receiver-rewards'] = 0n;
    info['close-rewards'] = 0n;
  } else if (applyData) {
    if (applyData.closingAmount) info['closing-amount'] = applyData.closingAmount;
    if (applyData.assetClosingAmount) info['asset-closing-amount'] = applyData.assetClosingAmount;
  }
  return info;
}

function assetParams(id, p) {
  const utf8 = (s) => Buffer.from(s, 'utf8').toString('base64');
  return {
    index: id,
    params: {
      creator: p.creator, decimals: p.decimals, 'default-frozen': p.defaultFrozen, manager: p.manager, reserve: p.reserve,
      name: p.name, 'name-b64': utf8(p.name), 'unit-name': p.unitName, 'unit-name-b64': utf8(p.unitName),
      url: p.url, 'url-b64': utf8(p.url), total: p.total,
    },
  };
}

function holdingJson(id, h) {
  return { amount: h.amount, 'asset-id': id, 'is-frozen': h.frozen };
}

// ------------------------------------------------------------------------------ request helpers

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new DevnetError(413, 'http: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseAddress(text) {
  if (!algosdk.isValidAddress(text)) throw new DevnetError(400, 'failed to parse the address');
  return text;
}

function parseUint(text, what) {
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) throw new DevnetError(400, `failed to parse ${what}`);
  return BigInt(text);
}

function tokensMatch(given, expected) {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function providedToken(req) {
  const header = req.headers[TOKEN_HEADER];
  if (header) return header;
  const [scheme, value] = (req.headers.authorization ?? '').split(' ', 2);
  return scheme && scheme.toLowerCase() === 'bearer' ? value : '';
}

// ------------------------------------------------------------------------------ the server

/**
 * Creates (but does not start) the algod-compatible HTTP server for `ledger`.
 * `token` '' turns the token check off; `waitTimeoutMs` bounds wait-for-block-after like
 * algod's one minute; `log` receives one line per request (and always one per unknown route).
 */
export function createAlgodServer({ ledger, token, waitTimeoutMs = 60_000, log = () => {}, warn = log, control }) {
  const routes = [
    ['GET', /^\/health$/, () => ({ status: 200, raw: '' })],
    ['GET', /^\/ready$/, () => ({ status: 200, raw: '' })],
    ['GET', /^\/versions$/, () => ({
      json: {
        versions: ['v2'], genesis_id: GENESIS_ID, genesis_hash_b64: GENESIS_HASH_B64,
        build: { major: 4, minor: 0, build_number: 0, commit_hash: 'sippar-devnet', branch: 'devnet', channel: 'dev' },
      },
    })],
    ['GET', /^\/v2\/status$/, () => ({ json: status() })],
    ['GET', /^\/v2\/status\/wait-for-block-after\/([^/]+)\/?$/, async (m, ctx) => {
      const round = parseUint(m[1], 'the round number');
      await ledger.waitForRoundAfter(round, waitTimeoutMs, ctx.signal);
      return { json: status() };
    }],
    ['GET', /^\/v2\/transactions\/params$/, () => ({
      json: {
        'consensus-version': CONSENSUS_VERSION, fee: FEE_PER_BYTE, 'genesis-hash': Buffer.from(GENESIS_HASH).toString('base64'),
        'genesis-id': GENESIS_ID, 'last-round': ledger.lastRound, 'min-fee': MIN_TXN_FEE,
      },
    })],
    ['POST', /^\/v2\/transactions$/, async (m, ctx) => ({ json: { txId: ledger.submit(await readBody(ctx.req)) } })],
    ['POST', /^\/v2\/transactions\/simulate$/, async (m, ctx) => {
      const msgpack = wantsMsgpack(ctx.url);
      const result = ledger.simulate(decodeSimulateRequest(await readBody(ctx.req)));
      return { [msgpack ? 'msgpack' : 'json']: simulateResponse(result, msgpack) };
    }],
    ['GET', /^\/v2\/transactions\/pending\/([^/]+)$/, (m, ctx) => {
      const msgpack = wantsMsgpack(ctx.url);
      if (!/^[A-Z2-7]{52}$/.test(m[1])) throw new DevnetError(400, 'no valid transaction ID was specified');
      const found = ledger.lookup(m[1]);
      if (!found) throw new DevnetError(404, 'could not find the transaction in the transaction pool or in the last 1000 confirmed rounds');
      return { [msgpack ? 'msgpack' : 'json']: txnInfo(found, msgpack) };
    }],
    ['GET', /^\/v2\/accounts\/([^/]+)$/, (m, ctx) => {
      if (wantsMsgpack(ctx.url)) throw new DevnetError(400, 'format=msgpack for accounts is not implemented by this devnet; use json');
      return { json: accountJson(parseAddress(m[1]), ctx.url.searchParams.get('exclude')) };
    }],
    ['GET', /^\/v2\/accounts\/([^/]+)\/assets\/([^/]+)$/, (m, ctx) => {
      if (wantsMsgpack(ctx.url)) throw new DevnetError(400, 'format=msgpack for accounts is not implemented by this devnet; use json');
      const address = parseAddress(m[1]);
      const id = parseUint(m[2], 'asset index');
      const acct = ledger.account(address);
      const h = acct.holdings.get(id);
      const params = ledger.asset(id);
      const created = params && params.creator === address;
      if (!h && !created) throw new DevnetError(404, 'account asset info not found');
      const body = { round: ledger.lastRound };
      if (h) body['asset-holding'] = holdingJson(id, h);
      if (created) body['created-asset'] = assetParams(id, params).params;
      return { json: body };
    }],
    ['GET', /^\/v2\/assets\/([^/]+)$/, (m) => {
      const id = parseUint(m[1], 'asset index');
      const params = ledger.asset(id);
      if (!params) throw new DevnetError(404, 'asset does not exist');
      return { json: assetParams(id, params) };
    }],
    ...(control ?? []),
  ];

  function status() {
    const now = Date.now();
    return {
      catchpoint: '', 'catchpoint-acquired-blocks': 0, 'catchpoint-processed-accounts': 0, 'catchpoint-processed-kvs': 0,
      'catchpoint-total-accounts': 0, 'catchpoint-total-blocks': 0, 'catchpoint-total-kvs': 0,
      'catchpoint-verified-accounts': 0, 'catchpoint-verified-kvs': 0, 'catchup-time': 0, 'last-catchpoint': '',
      'last-round': ledger.lastRound, 'last-version': CONSENSUS_VERSION, 'next-version': CONSENSUS_VERSION,
      'next-version-round': ledger.lastRound + 1n, 'next-version-supported': true, 'stopped-at-unsupported-round': false,
      'time-since-last-round': BigInt(Math.max(0, now - ledger.lastRoundAt)) * 1_000_000n,
    };
  }

  function accountJson(address, exclude) {
    if (exclude !== null && !['all', 'none', ''].includes(exclude)) throw new DevnetError(400, 'failed to parse exclude');
    const a = ledger.account(address);
    const body = {
      address, amount: a.amount, 'amount-without-pending-rewards': a.amount,
      'apps-total-schema': { 'num-byte-slice': 0, 'num-uint': 0 },
      'min-balance': minBalanceOf(a), 'pending-rewards': 0n, 'reward-base': 0n, rewards: 0n, round: ledger.lastRound,
      status: 'Offline', 'total-apps-opted-in': 0, 'total-assets-opted-in': a.holdings.size, 'total-created-apps': 0,
      'total-created-assets': a.createdAssets.size,
    };
    if (exclude !== 'all') {
      if (a.holdings.size > 0) body.assets = [...a.holdings].map(([id, h]) => holdingJson(id, h));
      if (a.createdAssets.size > 0) body['created-assets'] = [...a.createdAssets].map((id) => assetParams(id, ledger.asset(id)));
    }
    if (a.authAddr) body['auth-addr'] = a.authAddr;
    return body;
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://devnet.invalid');
    const ctx = { req, url, signal: undefined };
    const abort = new AbortController();
    ctx.signal = abort.signal;
    res.on('close', () => abort.abort());
    const started = Date.now();
    let status = 500;
    try {
      const path = url.pathname;
      const candidates = routes.filter(([, re]) => re.test(path));
      if (candidates.length === 0) {
        warn(`unknown route ${req.method} ${req.url}: answered 404`);
        status = 404;
        return sendError(res, 404, 'Not Found');
      }
      if (!PUBLIC_PATHS.has(path) && token !== '' && !tokensMatch(providedToken(req), token)) {
        status = 401;
        return sendError(res, 401, 'Invalid API Token');
      }
      const route = candidates.find(([method]) => method === req.method);
      if (!route) {
        status = 405;
        return sendError(res, 405, 'Method Not Allowed');
      }
      const out = await route[2](path.match(route[1]), ctx);
      status = out.status ?? 200;
      if (res.writableEnded || res.destroyed) return undefined;
      if (out.raw !== undefined) {
        res.writeHead(status, { 'content-length': Buffer.byteLength(out.raw) });
        return res.end(out.raw);
      }
      return out.msgpack !== undefined ? sendMsgpack(res, status, out.msgpack) : sendJson(res, status, out.json);
    } catch (e) {
      if (e instanceof DevnetError) {
        status = e.status;
        return sendError(res, e.status, e.message);
      }
      status = 500;
      warn(`internal error on ${req.method} ${req.url}: ${e.stack ?? e}`);
      return sendError(res, 500, `internal failure: ${e.message}`);
    } finally {
      log(`${req.method} ${url.pathname}${url.search} -> ${status} (${Date.now() - started} ms)`);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      warn(`unhandled: ${e.stack ?? e}`);
      if (!res.headersSent) sendError(res, 500, 'internal failure');
    });
  });
  // Bounded: a client that never finishes its request is cut off; keep-alive outlasts typical pools.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

/** algod takes simulate requests as msgpack or JSON, trying msgpack first. */
function decodeSimulateRequest(body) {
  try {
    return algosdk.decodeMsgpack(body, modelsv2.SimulateRequest);
  } catch (msgpackError) {
    try {
      return algosdk.decodeJSON(body.toString('utf8'), modelsv2.SimulateRequest);
    } catch (jsonError) {
      throw new DevnetError(400, `cannot decode the simulate request as msgpack (${msgpackError.message}) or JSON (${jsonError.message})`);
    }
  }
}

function simulateResponse(result, msgpack) {
  const groupResult = {
    'txn-results': result.group.map(({ stxn }, i) => ({
      'txn-result': txnInfo({ stxn, applyData: result.applyData[i] }, msgpack),
    })),
  };
  if (result.failureMessage !== undefined) groupResult['failure-message'] = result.failureMessage;
  if (result.failedAt !== undefined) groupResult['failed-at'] = result.failedAt;
  const body = { version: 2, 'last-round': result.lastRound, 'txn-groups': [groupResult] };
  if (result.allowEmptySignatures) body['eval-overrides'] = { 'allow-empty-signatures': true };
  return body;
}
