// Contract-level checks of the fixture: EIP-3009 semantics and revert strings of
// SipparUSDC, the ERC-1271 wallet path, Multicall3, and the launcher's report.
// Run: npm test (starts its own anvil on a free loopback port, stops it afterwards).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  createPublicClient, createWalletClient, defineChain, hashDomain, http, hashTypedData, parseSignature,
  toHex, BaseError, ContractFunctionRevertedError, encodeFunctionData, decodeEventLog, decodeErrorResult,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const token = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'artifacts', 'SipparUSDC.json'), 'utf8'));
const walletArtifact = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'artifacts', 'ERC1271TestWallet.json'), 'utf8'));
const multicall = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'artifacts', 'Multicall3.json'), 'utf8'));
const disburser = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'artifacts', 'SipparDisburser.json'), 'utf8'));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

let launcher;
let state;
let pub;
let chain;

before(async () => {
  const port = await freePort();
  launcher = spawn(process.execPath, [path.join(HERE, '..', 'anvil.mjs'), '--port', String(port), '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  state = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('no ANVIL_READY within 60 s')), 60_000);
    launcher.stdout.on('data', (c) => {
      buf += c;
      const line = buf.split('\n').find((l) => l.startsWith('ANVIL_READY '));
      if (line) { clearTimeout(timer); resolve(JSON.parse(line.slice('ANVIL_READY '.length))); }
    });
    launcher.on('exit', (code) => { clearTimeout(timer); reject(new Error(`launcher exited ${code}`)); });
  });
  chain = defineChain({
    id: state.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [state.rpcUrl] } }, contracts: { multicall3: { address: state.multicall3 } },
  });
  pub = createPublicClient({ chain, transport: http(state.rpcUrl), pollingInterval: 100 });
});

after(async () => {
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((r) => launcher.once('exit', r));
    launcher.kill('SIGTERM');
    await exited;
  }
});

const acct = (i) => privateKeyToAccount(state.accounts[i].privateKey);
const walletFor = (i) => createWalletClient({ account: acct(i), chain, transport: http(state.rpcUrl), pollingInterval: 100 });
const domain = () => ({ name: 'USD Coin', version: '2', chainId: state.chainId, verifyingContract: state.token.address });
const TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
  ],
};
const RECEIVE_TYPES = { ReceiveWithAuthorization: TYPES.TransferWithAuthorization };
const CANCEL_TYPES = { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] };

function authorization(from, to, value, overrides = {}) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { from, to, value, validAfter: now - 600n, validBefore: now + 300n, nonce: toHex(randomBytes(32)), ...overrides };
}
const argsOf = (a) => [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce];
const balanceOf = (address) => pub.readContract({ address: state.token.address, abi: token.abi, functionName: 'balanceOf', args: [address] });

// Simulate first so that a revert surfaces with its reason; send only if it passes.
async function send(signerIndex, functionName, args) {
  const { request } = await pub.simulateContract({
    account: acct(signerIndex), address: state.token.address, abi: token.abi, functionName, args,
  });
  const hash = await walletFor(signerIndex).writeContract(request);
  const receipt = await pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  return receipt;
}

async function assertRevert(promise, reason) {
  await assert.rejects(promise, (e) => {
    const revert = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    assert.ok(revert, `expected a contract revert, got: ${e.shortMessage ?? e.message}`);
    assert.equal(revert.reason, reason);
    return true;
  });
}
const simulate = (signerIndex, functionName, args) => pub.simulateContract({
  account: acct(signerIndex), address: state.token.address, abi: token.abi, functionName, args,
});

describe('launcher report', () => {
  it('describes the chain, token and roles', async () => {
    assert.equal(state.token.address, '0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9');
    assert.equal(state.deployer.address, '0xBcd4042DE499D14e55001CcbB24a551F3b954096');
    assert.equal(state.accounts.length, 10);
    assert.equal(state.accounts[9].role, 'settler');
    assert.equal(await pub.getChainId(), state.chainId);
    for (const a of state.accounts) assert.equal(await balanceOf(a.address), 10n ** 12n);
    assert.equal(await balanceOf(state.erc1271Wallet.address), 10n ** 12n);
    // The settler starts unused: its first transaction has nonce 0.
    assert.equal(await pub.getTransactionCount({ address: state.accounts[9].address }), 0);
    // The treasury key owns the disburser, holds no tokens and has sent nothing.
    assert.equal(state.treasury.disburser, '0xCABEe62adFB2a4d4172Fc2F7536f324FC52C274a');
    assert.equal(await pub.readContract({ address: state.treasury.disburser, abi: disburser.abi, functionName: 'owner' }),
      state.treasury.address);
    assert.equal(await balanceOf(state.treasury.disburser), 0n);
    assert.equal(await pub.getTransactionCount({ address: state.treasury.address }), 0);
  });
});

describe('SipparUSDC', () => {
  it('has USDC metadata and the EIP-712 domain viem computes', async () => {
    const read = (functionName) => pub.readContract({ address: state.token.address, abi: token.abi, functionName });
    assert.equal(await read('name'), 'USD Coin');
    assert.equal(await read('symbol'), 'USDC');
    assert.equal(await read('version'), '2');
    assert.equal(await read('decimals'), 6);
    assert.equal(await read('TRANSFER_WITH_AUTHORIZATION_TYPEHASH'), '0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267');
    assert.equal(await read('DOMAIN_SEPARATOR'), hashDomain({ domain: domain(), types: { EIP712Domain: [
      { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' },
    ] } }));
  });

  it('transferWithAuthorization (v,r,s) moves value, marks the nonce, and cannot be replayed', async () => {
    const payer = acct(1);
    const merchant = state.accounts[2].address;
    const auth = authorization(payer.address, merchant, 12_345n);
    const sig = parseSignature(await payer.signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth }));
    const before = [await balanceOf(payer.address), await balanceOf(merchant)];
    const args = [...argsOf(auth), Number(sig.v), sig.r, sig.s];
    const receipt = await send(9, 'transferWithAuthorization', args);
    assert.equal(receipt.logs.length, 2); // AuthorizationUsed + Transfer
    assert.equal(await balanceOf(payer.address), before[0] - 12_345n);
    assert.equal(await balanceOf(merchant), before[1] + 12_345n);
    assert.equal(await pub.readContract({ address: state.token.address, abi: token.abi, functionName: 'authorizationState', args: [payer.address, auth.nonce] }), true);
    await assertRevert(simulate(9, 'transferWithAuthorization', args), 'FiatTokenV2: authorization is used or canceled');
  });

  it('transferWithAuthorization (bytes) works for EOAs', async () => {
    const payer = acct(4);
    const auth = authorization(payer.address, state.accounts[2].address, 1n);
    const signature = await payer.signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth });
    await send(9, 'transferWithAuthorization', [...argsOf(auth), signature]);
  });

  it('rejects bad signatures with FiatToken reasons', async () => {
    const payer = acct(1);
    const auth = authorization(payer.address, state.accounts[2].address, 5n);
    const signature = await payer.signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth });
    const sig = parseSignature(signature);
    // Signed by someone else.
    const other = await acct(5).signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth), other]), 'FiatTokenV2: invalid signature');
    // Tampered value.
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf({ ...auth, value: 6n }), signature]), 'FiatTokenV2: invalid signature');
    // Malleable twin (high s, flipped v) of a valid signature.
    const highS = toHex(SECP256K1_N - BigInt(sig.s), { size: 32 });
    const flippedV = sig.v === 27n ? 28 : 27;
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth), flippedV, sig.r, highS]), "ECRecover: invalid signature 's' value");
    // v as yParity (0/1) is not accepted by the contract: callers must send 27/28.
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth), Number(sig.yParity), sig.r, sig.s]), "ECRecover: invalid signature 'v' value");
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth), '0x1234']), 'ECRecover: invalid signature length');
    // Still usable after all of the above.
    await simulate(9, 'transferWithAuthorization', [...argsOf(auth), signature]);
  });

  it('enforces the validity window and the balance', async () => {
    const payer = acct(6);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const sign = (a) => payer.signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: a });
    const early = authorization(payer.address, state.accounts[2].address, 1n, { validAfter: now + 3600n, validBefore: now + 7200n });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(early), await sign(early)]), 'FiatTokenV2: authorization is not yet valid');
    const late = authorization(payer.address, state.accounts[2].address, 1n, { validAfter: 0n, validBefore: now - 60n });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(late), await sign(late)]), 'FiatTokenV2: authorization is expired');
    const tooMuch = authorization(payer.address, state.accounts[2].address, 10n ** 12n + 1n);
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(tooMuch), await sign(tooMuch)]), 'ERC20: transfer amount exceeds balance');
  });

  it('receiveWithAuthorization requires the payee as caller', async () => {
    const payer = acct(7);
    const merchant = state.accounts[2].address;
    const auth = authorization(payer.address, merchant, 77n);
    const signature = await payer.signTypedData({ domain: domain(), types: RECEIVE_TYPES, primaryType: 'ReceiveWithAuthorization', message: auth });
    await assertRevert(simulate(9, 'receiveWithAuthorization', [...argsOf(auth), signature]), 'FiatTokenV2: caller must be the payee');
    const sig = parseSignature(signature);
    await send(2, 'receiveWithAuthorization', [...argsOf(auth), Number(sig.v), sig.r, sig.s]);
  });

  it('cancelAuthorization burns the nonce', async () => {
    const payer = acct(8);
    const auth = authorization(payer.address, state.accounts[2].address, 1n);
    const cancel = await payer.signTypedData({ domain: domain(), types: CANCEL_TYPES, primaryType: 'CancelAuthorization', message: { authorizer: payer.address, nonce: auth.nonce } });
    const receipt = await send(9, 'cancelAuthorization', [payer.address, auth.nonce, cancel]);
    assert.equal(receipt.logs.length, 1); // AuthorizationCanceled
    const signature = await payer.signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth), signature]), 'FiatTokenV2: authorization is used or canceled');
  });

  it('accepts ERC-1271 signatures of the test wallet (both overloads) and rejects others', async () => {
    const wallet = state.erc1271Wallet.address;
    const owner = acct(state.erc1271Wallet.ownerIndex);
    const merchant = state.accounts[2].address;
    // The wallet accepts its owner's plain ECDSA signature over the EIP-712 digest.
    const digestOf = (message) => hashTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message });
    const before = await balanceOf(wallet);

    const auth = authorization(wallet, merchant, 1_000n);
    await send(9, 'transferWithAuthorization', [...argsOf(auth), await owner.sign({ hash: digestOf(auth) })]);
    assert.equal(await balanceOf(wallet), before - 1_000n);

    // The (v,r,s) overload packs r||s||v and takes the same ERC-1271 path.
    const auth2 = authorization(wallet, merchant, 2_000n);
    const sig2 = parseSignature(await owner.sign({ hash: digestOf(auth2) }));
    await send(9, 'transferWithAuthorization', [...argsOf(auth2), Number(sig2.v), sig2.r, sig2.s]);
    assert.equal(await balanceOf(wallet), before - 3_000n);

    // A non-owner's signature gets the generic reason (the wallet answers, it does not revert).
    const auth3 = authorization(wallet, merchant, 1n);
    const bad = await acct(5).sign({ hash: digestOf(auth3) });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(auth3), bad]), 'FiatTokenV2: invalid signature');

    // viem's public verifyTypedData, which the x402 facilitator uses, takes the ERC-1271 route too.
    const good = await owner.sign({ hash: digestOf(auth3) });
    assert.equal(await pub.verifyTypedData({
      address: wallet, domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: auth3, signature: good,
    }), true);
    assert.equal(await pub.readContract({ address: wallet, abi: walletArtifact.abi, functionName: 'owner' }), owner.address);
  });

  it('lets only the owner mint', async () => {
    await assertRevert(simulate(1, 'mint', [state.accounts[1].address, 1n]), 'FiatToken: caller is not a minter');
  });

  it('supports EIP-2612 permit', async () => {
    const holder = acct(5);
    const spender = state.accounts[9].address;
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 600);
    const signature = await holder.signTypedData({
      domain: domain(), primaryType: 'Permit',
      types: { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
      message: { owner: holder.address, spender, value: 42n, nonce: 0n, deadline },
    });
    await send(9, 'permit', [holder.address, spender, 42n, deadline, signature]);
    assert.equal(await pub.readContract({ address: state.token.address, abi: token.abi, functionName: 'allowance', args: [holder.address, spender] }), 42n);
    await assertRevert(simulate(9, 'permit', [holder.address, spender, 42n, deadline, signature]), 'EIP2612: invalid signature');
  });
});

describe('Multicall3 at the canonical address', () => {
  it('serves viem multicall (aggregate3) and tryAggregate', async () => {
    const [name, version] = await pub.multicall({
      allowFailure: false,
      contracts: ['name', 'version'].map((functionName) => ({ address: state.token.address, abi: token.abi, functionName })),
    });
    assert.deepEqual([name, version], ['USD Coin', '2']);
    const calls = [
      { target: state.token.address, callData: encodeFunctionData({ abi: token.abi, functionName: 'balanceOf', args: [state.accounts[0].address] }) },
      { target: state.token.address, callData: '0xdeadbeef' },
    ];
    const { result } = await pub.simulateContract({ address: state.multicall3, abi: multicall.abi, functionName: 'tryAggregate', args: [false, calls] });
    assert.equal(result[0].success, true);
    assert.equal(BigInt(result[0].returnData), 10n ** 12n);
    assert.equal(result[1].success, false);
  });
});

describe('blacklist (FiatToken Blacklistable)', () => {
  const owner = () => privateKeyToAccount(state.deployer.privateKey);
  async function asOwner(functionName, args) {
    const { request } = await pub.simulateContract({ account: owner(), address: state.token.address, abi: token.abi, functionName, args });
    const hash = await createWalletClient({ account: owner(), chain, transport: http(state.rpcUrl) }).writeContract(request);
    assert.equal((await pub.waitForTransactionReceipt({ hash })).status, 'success');
  }

  it('refuses transfers from and to a blacklisted account until it is unblacklisted', async () => {
    const frozen = privateKeyToAccount(toHex(randomBytes(32))).address;
    await send(0, 'transfer', [frozen, 5n]);
    await asOwner('blacklist', [frozen]);
    assert.equal(await pub.readContract({ address: state.token.address, abi: token.abi, functionName: 'isBlacklisted', args: [frozen] }), true);
    await assertRevert(simulate(0, 'transfer', [frozen, 1n]), 'Blacklistable: account is blacklisted');
    const a = authorization(state.accounts[0].address, frozen, 1n);
    const sig = await acct(0).signTypedData({ domain: domain(), types: TYPES, primaryType: 'TransferWithAuthorization', message: a });
    await assertRevert(simulate(9, 'transferWithAuthorization', [...argsOf(a), sig]), 'Blacklistable: account is blacklisted');
    await asOwner('unBlacklist', [frozen]);
    await send(0, 'transfer', [frozen, 1n]);
    assert.equal(await balanceOf(frozen), 6n);
  });

  it('lets only the owner blacklist', async () => {
    await assertRevert(simulate(0, 'blacklist', [state.accounts[1].address]), 'Blacklistable: caller is not the blacklister');
  });
});

describe('SipparDisburser', () => {
  const treasury = () => privateKeyToAccount(state.treasury.privateKey);
  const batchId = () => toHex(randomBytes(32));
  const disburse = (account, args) => pub.simulateContract({
    account, address: state.treasury.disburser, abi: disburser.abi, functionName: 'disburse', args,
  });

  it('pays a batch in one transaction, each transfer on its own, and reports the one that reverts', async () => {
    const [a, b, c] = [0, 1, 2].map(() => privateKeyToAccount(toHex(randomBytes(32))).address);
    await send(0, 'transfer', [state.treasury.disburser, 600n]);
    const owner = privateKeyToAccount(state.deployer.privateKey);
    const { request: bl } = await pub.simulateContract({ account: owner, address: state.token.address, abi: token.abi, functionName: 'blacklist', args: [b] });
    await pub.waitForTransactionReceipt({ hash: await createWalletClient({ account: owner, chain, transport: http(state.rpcUrl) }).writeContract(bl) });

    const batch = batchId();
    const { request, result } = await disburse(treasury(), [state.token.address, batch, [a, b, c], [100n, 200n, 300n]]);
    assert.deepEqual(result, [true, false, true]);
    const hash = await createWalletClient({ account: treasury(), chain, transport: http(state.rpcUrl) }).writeContract(request);
    const receipt = await pub.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(await balanceOf(a), 100n);
    assert.equal(await balanceOf(b), 0n);
    assert.equal(await balanceOf(c), 300n);
    assert.equal(await balanceOf(state.treasury.disburser), 200n);
    const events = receipt.logs.filter((l) => l.address.toLowerCase() === state.treasury.disburser.toLowerCase())
      .map((l) => decodeEventLog({ abi: disburser.abi, data: l.data, topics: l.topics }));
    assert.deepEqual(events.map((e) => [e.eventName, e.args.batch, Number(e.args.index)]),
      [['Disbursed', batch, 0], ['DisbursementFailed', batch, 1], ['Disbursed', batch, 2]]);
    const reason = decodeErrorResult({ abi: [{ type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] }], data: events[1].args.reason });
    assert.equal(reason.args[0], 'Blacklistable: account is blacklisted');
  });

  it('moves nothing for anyone but the treasury key', async () => {
    await assert.rejects(disburse(acct(0), [state.token.address, batchId(), [state.accounts[0].address], [1n]]),
      (e) => e.walk((x) => x instanceof ContractFunctionRevertedError).reason === 'SipparDisburser: caller is not the owner');
  });

  it('refuses a token address without code (a call to it would succeed and move nothing)', async () => {
    await assert.rejects(disburse(treasury(), [state.accounts[5].address, batchId(), [state.accounts[0].address], [1n]]),
      (e) => e.walk((x) => x instanceof ContractFunctionRevertedError).reason === 'SipparDisburser: token is not a contract');
  });
});
