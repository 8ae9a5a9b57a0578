#!/usr/bin/env node
// Local EVM devnet for Sippar: starts anvil on 127.0.0.1, deploys SipparUSDC (EIP-3009,
// USDC's interface and EIP-712 domain) at a fixed address, funds the test accounts, and
// stays up until SIGTERM/SIGINT. See README.md for accounts, roles and addresses.
//
//   node chain-fixtures/evm/anvil.mjs [--port 8545] [--chain-id 31337] [--block-time 0]
//                                     [--state-file path] [--quiet] [--exit-on-stdin-close]
//
// stdout carries exactly one line, `ANVIL_READY <json>`; everything else (npm, anvil's own
// log, progress) goes to stderr so a parent process can read stdout as a protocol.
import { spawn, spawnSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ANVIL_BIN = path.join(HERE, 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');
const VIEM_PKG = path.join(HERE, 'node_modules', 'viem', 'package.json');

// anvil's (and Hardhat's) default test mnemonic: the well-known keys every EVM tool knows.
const MNEMONIC = 'test test test test test test test test test test test junk';
const TEST_ACCOUNTS = 10; // indexes 0..9: the accounts anvil funds by default
const DEPLOYER_INDEX = 10; // index 10: used for nothing but deploying, so its nonce 0 is ours
const TREASURY_INDEX = 11; // index 11: the gateway's treasury key, owner of SipparDisburser (ETH for gas only)
const MINT_PER_ACCOUNT = 1_000_000n * 10n ** 6n; // 1,000,000 USDC in 6-decimal atomic units
const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11';
const WALLET_OWNER_INDEX = 3;

// Roles are conventions for tests; every account can sign anything.
const ROLES = {
  0: 'spare', // default sender of ad-hoc tools (cast, viem examples): keep tests off it
  1: 'payer',
  2: 'merchant', // payTo of the resource server
  3: 'wallet-owner', // EOA behind the ERC-1271 test wallet; also usable as a payer
  4: 'payer',
  5: 'payer',
  6: 'payer',
  7: 'payer',
  8: 'payer',
  9: 'settler', // the gateway/facilitator key that submits transferWithAuthorization
};

const log = (...args) => console.error('[anvil.mjs]', ...args);

function usage(exitCode) {
  console.error(`usage: node anvil.mjs [--port 8545] [--chain-id 31337] [--block-time N (0 = automine)]
                     [--state-file path] [--quiet] [--exit-on-stdin-close]`);
  process.exit(exitCode);
}

function parseArgs(argv) {
  const opts = { port: 8545, chainId: 31337, blockTime: 0, stateFile: null, quiet: false, exitOnStdinClose: false };
  const int = (name, value, min, max) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      log(`${name} needs an integer in [${min}, ${max}], got ${value}`);
      usage(2);
    }
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Accept both `--port 8545` and `--port=8545`.
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--port': opts.port = int(flag, value(), 1, 65535); break;
      case '--chain-id': opts.chainId = int(flag, value(), 1, Number.MAX_SAFE_INTEGER); break;
      case '--block-time': opts.blockTime = int(flag, value(), 0, 3600); break;
      case '--state-file': opts.stateFile = path.resolve(value() ?? usage(2)); break;
      case '--quiet': opts.quiet = true; break;
      case '--exit-on-stdin-close': opts.exitOnStdinClose = true; break;
      case '-h': case '--help': usage(0); break;
      default: log(`unknown argument ${arg}`); usage(2);
    }
  }
  return opts;
}

// npm ci on first use. A lock directory keeps two launchers started at once (parallel
// test JVMs) from running npm ci over each other in the same folder; whoever finds the
// lock waits for it to go away, because files appear long before npm ci has finished.
function ensureNodeModules() {
  const lockDir = path.join(HERE, '.npm-ci.lock');
  // npm writes its hidden lockfile at the end of an install: a complete tree has it.
  const ready = () => fs.existsSync(ANVIL_BIN) && fs.existsSync(VIEM_PKG)
    && fs.existsSync(path.join(HERE, 'node_modules', '.package-lock.json'));
  if (ready() && !fs.existsSync(lockDir)) return;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A lock older than the deadline belongs to a launcher that died mid-install.
      if (Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (ready()) return;
    log(`node_modules missing: running npm ci in ${HERE}`);
    // stdout of npm goes to our stderr: our stdout is reserved for the ANVIL_READY line.
    const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: HERE, stdio: ['ignore', 2, 2] });
    if (res.status !== 0 || !ready()) throw new Error(`npm ci failed in ${HERE} (exit ${res.status ?? res.signal})`);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function readArtifact(name) {
  return JSON.parse(fs.readFileSync(path.join(HERE, 'artifacts', `${name}.json`), 'utf8'));
}

// BIP-39 seed with node's native PBKDF2 (viem's mnemonicToAccount redoes the 2048 JS
// rounds for every account, which costs ~40 ms each).
function deriveAccounts(viemAccounts, count) {
  const seed = pbkdf2Sync(MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  const root = viemAccounts.HDKey.fromMasterSeed(seed);
  return Array.from({ length: count }, (_, i) => {
    const account = viemAccounts.hdKeyToAccount(root, { addressIndex: i });
    const privateKey = `0x${Buffer.from(account.getHdKey().privateKey).toString('hex')}`;
    return { index: i, account, privateKey };
  });
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  ensureNodeModules();
  const rpcUrl = `http://127.0.0.1:${opts.port}`;

  // ---- start anvil -------------------------------------------------------------------
  const anvilArgs = [
    '--host', '127.0.0.1',
    '--port', String(opts.port),
    '--chain-id', String(opts.chainId),
    '--mnemonic', MNEMONIC,
    // 12 dev accounts instead of 10: index 10 (deployer) and 11 (treasury) must be funded too.
    '--accounts', String(TREASURY_INDEX + 1),
  ];
  if (opts.blockTime > 0) anvilArgs.push('--block-time', String(opts.blockTime));
  if (opts.quiet) anvilArgs.push('--silent');

  const anvil = spawn(ANVIL_BIN, anvilArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = []; // last lines of anvil's output, for error messages
  for (const stream of [anvil.stdout, anvil.stderr]) {
    stream.on('data', (chunk) => {
      process.stderr.write(chunk);
      tail.push(...chunk.toString().split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 40));
    });
  }
  let anvilExit = null;
  const anvilExited = new Promise((resolve) => anvil.on('exit', (code, signal) => {
    anvilExit = { code, signal };
    resolve(anvilExit);
  }));

  let shuttingDown = false;
  const shutdown = async (exitCode) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (anvilExit === null) {
      anvil.kill('SIGTERM');
      const timer = setTimeout(() => anvil.kill('SIGKILL'), 3000);
      await anvilExited;
      clearTimeout(timer);
    }
    // The state file describes a running chain; once it is gone the file would only mislead.
    if (opts.stateFile) fs.rmSync(opts.stateFile, { force: true });
    process.exit(exitCode);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(0));
  // When the parent is gone, writing to its pipes fails (EPIPE). That must end in a clean
  // shutdown, not a crash; and whatever way this process ends, anvil must not outlive it.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => shutdown(0));
  process.on('exit', () => {
    if (anvilExit === null) anvil.kill('SIGKILL');
  });
  if (opts.exitOnStdinClose) {
    // A parent that dies without signalling us (kill -9 of a test JVM) still closes our
    // stdin; treat EOF as the signal so no anvil outlives its user.
    process.stdin.on('end', () => shutdown(0));
    process.stdin.on('error', () => shutdown(0));
    process.stdin.resume();
  }
  anvilExited.then(({ code, signal }) => {
    if (shuttingDown) return;
    log(`anvil exited unexpectedly (code ${code}, signal ${signal})\n${tail.join('\n')}`);
    shutdown(1);
  });

  try {
    // Loading viem and deriving keys take ~0.5 s; doing it while anvil boots hides most of it.
    const viem = await import('viem');
    const viemAccounts = await import('viem/accounts');
    const keys = deriveAccounts(viemAccounts, TREASURY_INDEX + 1);
    const deployer = keys[DEPLOYER_INDEX];
    const treasury = keys[TREASURY_INDEX];

    // ---- wait for RPC ------------------------------------------------------------------
    const rpcDeadline = Date.now() + 30_000;
    for (;;) {
      if (anvilExit) throw new Error(`anvil exited before answering RPC:\n${tail.join('\n')}`);
      try {
        const id = Number(await rpc(rpcUrl, 'eth_chainId'));
        if (id !== opts.chainId) throw new Error(`chain id ${id} at ${rpcUrl}, expected ${opts.chainId}: another node on this port?`);
        break;
      } catch (e) {
        if (e.message.startsWith('chain id')) throw e;
        if (Date.now() > rpcDeadline) throw new Error(`anvil did not answer on ${rpcUrl} within 30 s:\n${tail.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const tRpc = Date.now();

    // ---- deploy ------------------------------------------------------------------------
    const chain = viem.defineChain({
      id: opts.chainId,
      name: `Sippar anvil ${opts.chainId}`,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
      contracts: { multicall3: { address: MULTICALL3_ADDRESS } },
    });
    // 100 ms polling instead of viem's 4 s default: receipts come within one block here.
    const transport = viem.http(rpcUrl, { retryCount: 0 });
    const publicClient = viem.createPublicClient({ chain, transport, pollingInterval: 100 });
    const wallet = viem.createWalletClient({ account: deployer.account, chain, transport, pollingInterval: 100 });

    const deployerNonce = await publicClient.getTransactionCount({ address: deployer.account.address });
    if (deployerNonce !== 0) throw new Error(`deployer nonce is ${deployerNonce}, expected 0 on a fresh chain`);

    // Multicall3 has no constructor and no immutables, so its runtime code can simply be
    // placed at the canonical address (no transaction, identical on every chain id).
    const multicall = readArtifact('Multicall3');
    await rpc(rpcUrl, 'anvil_setCode', [MULTICALL3_ADDRESS, multicall.deployedBytecode]);

    const token = readArtifact('SipparUSDC');
    const walletArtifact = readArtifact('ERC1271TestWallet');
    const disburserArtifact = readArtifact('SipparDisburser');
    const walletOwner = keys[WALLET_OWNER_INDEX].account.address;
    // Deterministic addresses: CREATE from the dedicated deployer at nonces 0, 1 and 2.
    const tokenAddress = viem.getContractAddress({ from: deployer.account.address, nonce: 0n });
    const walletAddress = viem.getContractAddress({ from: deployer.account.address, nonce: 1n });
    const disburserAddress = viem.getContractAddress({ from: deployer.account.address, nonce: 2n });

    // All transactions go out at once with explicit nonces and gas, then we wait for all
    // receipts: with interval mining they land in one block instead of one block each.
    // Gas is explicit because estimating a mint fails while the token deployment is still
    // pending. Deploy gas is estimated (it depends only on the bytecode).
    const walletDeployData = viem.encodeDeployData({ abi: walletArtifact.abi, bytecode: walletArtifact.bytecode, args: [walletOwner] });
    const disburserDeployData = viem.encodeDeployData({ abi: disburserArtifact.abi, bytecode: disburserArtifact.bytecode, args: [treasury.account.address] });
    const [tokenGas, walletGas, disburserGas] = await Promise.all([
      publicClient.estimateGas({ account: deployer.account, data: token.bytecode }),
      publicClient.estimateGas({ account: deployer.account, data: walletDeployData }),
      publicClient.estimateGas({ account: deployer.account, data: disburserDeployData }),
    ]);
    const fees = await publicClient.estimateFeesPerGas();
    const txCommon = { ...fees, chain };

    const hashes = [];
    hashes.push(['deploy SipparUSDC', await wallet.deployContract({
      ...txCommon, abi: token.abi, bytecode: token.bytecode, nonce: 0, gas: (tokenGas * 12n) / 10n,
    })]);
    hashes.push(['deploy ERC1271TestWallet', await wallet.deployContract({
      ...txCommon, abi: walletArtifact.abi, bytecode: walletArtifact.bytecode, args: [walletOwner], nonce: 1, gas: (walletGas * 12n) / 10n,
    })]);
    hashes.push(['deploy SipparDisburser', await wallet.deployContract({
      ...txCommon, abi: disburserArtifact.abi, bytecode: disburserArtifact.bytecode, args: [treasury.account.address], nonce: 2, gas: (disburserGas * 12n) / 10n,
    })]);
    const recipients = [...keys.slice(0, TEST_ACCOUNTS).map((k) => k.account.address), walletAddress];
    let nonce = 3;
    for (const to of recipients) {
      hashes.push([`mint to ${to}`, await wallet.writeContract({
        ...txCommon, address: tokenAddress, abi: token.abi, functionName: 'mint', args: [to, MINT_PER_ACCOUNT], nonce: nonce++, gas: 150_000n,
      })]);
    }
    const receipts = await Promise.all(hashes.map(([, hash]) =>
      publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 60_000 })));
    receipts.forEach((r, i) => {
      if (r.status !== 'success') throw new Error(`${hashes[i][0]} failed in tx ${r.transactionHash}`);
    });
    if (viem.getAddress(receipts[0].contractAddress) !== tokenAddress) {
      throw new Error(`token landed at ${receipts[0].contractAddress}, expected ${tokenAddress}`);
    }
    if (viem.getAddress(receipts[2].contractAddress) !== disburserAddress) {
      throw new Error(`disburser landed at ${receipts[2].contractAddress}, expected ${disburserAddress}`);
    }
    // Read back through the deployed code so a broken artifact fails here, not in a test.
    const [onChainName, onChainVersion, onChainDecimals, balance] = await Promise.all([
      publicClient.readContract({ address: tokenAddress, abi: token.abi, functionName: 'name' }),
      publicClient.readContract({ address: tokenAddress, abi: token.abi, functionName: 'version' }),
      publicClient.readContract({ address: tokenAddress, abi: token.abi, functionName: 'decimals' }),
      publicClient.readContract({ address: tokenAddress, abi: token.abi, functionName: 'balanceOf', args: [recipients[0]] }),
    ]);
    if (balance !== MINT_PER_ACCOUNT) throw new Error(`minted balance is ${balance}, expected ${MINT_PER_ACCOUNT}`);
    const tDeploy = Date.now();

    // ---- report ------------------------------------------------------------------------
    const state = {
      rpcUrl,
      chainId: opts.chainId,
      network: `eip155:${opts.chainId}`,
      blockTime: opts.blockTime,
      token: {
        address: tokenAddress,
        name: onChainName,
        version: onChainVersion,
        symbol: 'USDC',
        decimals: onChainDecimals,
        mintedPerAccount: MINT_PER_ACCOUNT.toString(),
      },
      erc1271Wallet: { address: walletAddress, owner: walletOwner, ownerIndex: WALLET_OWNER_INDEX },
      // the gateway's treasury: payTo of treasury-mode 402s is the disburser; the key only pays gas
      treasury: { index: TREASURY_INDEX, address: treasury.account.address, privateKey: treasury.privateKey, disburser: disburserAddress },
      multicall3: MULTICALL3_ADDRESS,
      mnemonic: MNEMONIC,
      deployer: { address: deployer.account.address, privateKey: deployer.privateKey },
      accounts: keys.slice(0, TEST_ACCOUNTS).map((k) => ({
        index: k.index, address: k.account.address, privateKey: k.privateKey, role: ROLES[k.index],
      })),
      roles: { payer: 1, merchant: 2, walletOwner: WALLET_OWNER_INDEX, settler: 9 },
      pid: process.pid,
      anvilPid: anvil.pid,
    };
    const json = JSON.stringify(state);
    if (opts.stateFile) {
      // Write then rename so a reader polling for the file never sees half of it.
      const tmp = `${opts.stateFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${json}\n`);
      fs.renameSync(tmp, opts.stateFile);
    }
    log(`ready: anvil answered after ${tRpc - t0} ms, deploy+mint took ${tDeploy - tRpc} ms, total ${tDeploy - t0} ms`);
    process.stdout.write(`ANVIL_READY ${json}\n`);
  } catch (e) {
    log(`startup failed: ${e.stack ?? e}`);
    await shutdown(1);
  }
}

main().catch((e) => {
  log(e.stack ?? e);
  process.exit(1);
});
