// Devnet-only endpoints under /devnet/ (not part of algod), behind the same token: they let
// tests hold transactions in the pool, produce rounds on demand and make algod's pool-error path
// happen (a pooled transaction dropped), which a single honest node otherwise never shows.
import algosdk from 'algosdk';
import { DevnetError } from './ledger.mjs';

const MAX_ROUNDS_PER_CALL = 1000;

async function jsonBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 64 * 1024) throw new DevnetError(413, 'http: request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed = algosdk.parseJSON(text, { intDecoding: algosdk.IntDecoding.SAFE });
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (e) {
    throw new DevnetError(400, `body must be a JSON object: ${e.message}`);
  }
}

function state(ledger) {
  return {
    'last-round': ledger.lastRound,
    paused: ledger.paused,
    'round-interval-ms': ledger.roundIntervalMs,
    pool: ledger.pool.map((g) => g.entries.map((e) => e.txid)),
  };
}

/** Routes in the shape createAlgodServer takes. */
export function controlRoutes(ledger) {
  return [
    ['GET', /^\/devnet\/state$/, () => ({ json: state(ledger) })],
    ['GET', /^\/devnet\/confirmed$/, (m, ctx) => {
      const raw = ctx.url.searchParams.get('from-round') ?? '0';
      if (!/^\d{1,19}$/.test(raw)) throw new DevnetError(400, 'from-round must be a round number');
      const { complete, transactions } = ledger.confirmedSince(BigInt(raw));
      return { json: { 'last-round': ledger.lastRound, complete, transactions } };
    }],
    ['POST', /^\/devnet\/rounds$/, async (m, ctx) => {
      const { count = 1 } = await jsonBody(ctx.req);
      if (!Number.isInteger(count) || count < 1 || count > MAX_ROUNDS_PER_CALL) {
        throw new DevnetError(400, `count must be an integer in [1, ${MAX_ROUNDS_PER_CALL}]`);
      }
      for (let i = 0; i < count; i++) ledger.closeRound();
      return { json: state(ledger) };
    }],
    // pause and resume take no options but read the body like every other POST, so that nothing of
    // the request is left on a keep-alive connection when the answer goes out
    ['POST', /^\/devnet\/pause$/, async (m, ctx) => {
      await jsonBody(ctx.req);
      ledger.paused = true;
      return { json: state(ledger) };
    }],
    ['POST', /^\/devnet\/resume$/, async (m, ctx) => {
      await jsonBody(ctx.req);
      ledger.paused = false;
      // With one round per submit, what piled up while paused goes into the next round now.
      if (ledger.roundIntervalMs === 0 && ledger.pool.length > 0) ledger.closeRound();
      return { json: state(ledger) };
    }],
    ['POST', /^\/devnet\/evict\/([A-Z2-7]{52})$/, async (m, ctx) => {
      const { message = 'transaction dropped from the pool by POST /devnet/evict' } = await jsonBody(ctx.req);
      if (typeof message !== 'string' || message === '') throw new DevnetError(400, 'message must be a non-empty string');
      const dropped = ledger.evict(m[1], message);
      if (!dropped) throw new DevnetError(404, `transaction ${m[1]} is not in the pool`);
      return { json: { evicted: dropped, ...state(ledger) } };
    }],
  ];
}
