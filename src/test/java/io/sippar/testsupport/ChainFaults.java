package io.sippar.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.utils.Numeric;

/**
 * Drives an anvil for fault tests: mining control, and transactions the gateway did not send (a third
 * party submitting a payer's authorization, or a submission that reverts on chain).
 */
public final class ChainFaults implements AutoCloseable {

    private final HttpService service;
    private final Web3j web3j;

    public ChainFaults(String rpcUrl) {
        this.service = new HttpService(rpcUrl);
        this.web3j = Web3j.build(service);
    }

    /** The web3j client on this chain. */
    public Web3j web3j() {
        return web3j;
    }

    /** Mines one block now (with the current time as its timestamp). */
    public void mine() {
        control("evm_mine");
    }

    /** Drops a transaction from anvil's pool, as a node that lost it would (anvil_dropTransaction). */
    public void dropTransaction(String txHash) {
        control("anvil_dropTransaction", txHash);
    }

    /** Turns automine on or off; off, transactions wait in the mempool until {@link #mine()}. */
    public void automine(boolean on) {
        control("evm_setAutomine", on);
    }

    private void control(String method, Object... params) {
        try {
            VoidResponse r = new Request<>(method, List.of(params), service, VoidResponse.class).send();
            if (r.hasError()) {
                throw new IllegalStateException(method + ": " + r.getError().getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The latest block number. */
    public BigInteger blockNumber() {
        try {
            return web3j.ethBlockNumber().send().getBlockNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the node has the transaction in its mempool, not yet mined. */
    public boolean pending(String txHash) {
        try {
            return web3j.ethGetTransactionByHash(txHash).send().getTransaction()
                    .map(t -> t.getBlockHash() == null || t.getBlockNumberRaw() == null)
                    .orElse(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code transferWithAuthorization} calldata for an exact-EVM payload {@code {signature, authorization}}
     * with a 65-byte signature; {@code corruptSignature} replaces r and s so the call reverts.
     */
    public static String transferWithAuthorization(JsonNode payload, boolean corruptSignature) {
        JsonNode a = payload.get("authorization");
        byte[] sig = Numeric.hexStringToByteArray(payload.get("signature").asText());
        byte[] r = java.util.Arrays.copyOfRange(sig, 0, 32);
        byte[] s = java.util.Arrays.copyOfRange(sig, 32, 64);
        int v = sig[64] & 0xff;
        if (corruptSignature) {
            r = new byte[32];
            s = new byte[32];
            r[31] = 1;
            s[31] = 1;
        }
        return FunctionEncoder.encode(new Function("transferWithAuthorization", List.of(
                new Address(a.get("from").asText()), new Address(a.get("to").asText()),
                new Uint256(new BigInteger(a.get("value").asText())),
                new Uint256(new BigInteger(a.get("validAfter").asText())),
                new Uint256(new BigInteger(a.get("validBefore").asText())),
                new Bytes32(Numeric.hexStringToByteArray(a.get("nonce").asText())),
                new Uint8(v < 27 ? v + 27 : v), new Bytes32(r), new Bytes32(s)), List.of()));
    }

    /**
     * {@code cancelAuthorization(authorizer, nonce, v, r, s)} calldata, signed by the authorizer's key over
     * the token's EIP-712 domain ("USD Coin", "2") as EIP-3009 defines it.
     */
    public static String cancelAuthorization(String authorizerKey, long chainId, String token, String nonce) {
        Credentials authorizer = Credentials.create(authorizerKey);
        String typedData = """
                {"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},
                {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
                "CancelAuthorization":[{"name":"authorizer","type":"address"},{"name":"nonce","type":"bytes32"}]},
                "primaryType":"CancelAuthorization",
                "domain":{"name":"USD Coin","version":"2","chainId":%d,"verifyingContract":"%s"},
                "message":{"authorizer":"%s","nonce":"%s"}}""".formatted(chainId, token, authorizer.getAddress(), nonce);
        try {
            byte[] digest = new org.web3j.crypto.StructuredDataEncoder(typedData).hashStructuredData();
            org.web3j.crypto.Sign.SignatureData sig = org.web3j.crypto.Sign.signMessage(digest,
                    authorizer.getEcKeyPair(), false);
            return FunctionEncoder.encode(new Function("cancelAuthorization", List.of(
                    new Address(authorizer.getAddress()), new Bytes32(Numeric.hexStringToByteArray(nonce)),
                    new Uint8(Byte.toUnsignedInt(sig.getV()[0])), new Bytes32(sig.getR()), new Bytes32(sig.getS())),
                    List.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code data} to {@code to} from {@code privateKey} with a fixed gas limit (no estimation, so a
     * reverting call is mined too) and waits up to 20 s for the receipt; returns it.
     */
    public TransactionReceipt send(String privateKey, String to, String data) {
        try {
            long chainId = web3j.ethChainId().send().getChainId().longValue();
            RawTransactionManager manager = new RawTransactionManager(web3j, Credentials.create(privateKey), chainId);
            String hash = manager.sendTransaction(BigInteger.valueOf(50_000_000_000L), BigInteger.valueOf(300_000),
                    to, data, BigInteger.ZERO).getTransactionHash();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                var receipt = web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
                if (receipt.isPresent()) {
                    return receipt.get();
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("no receipt for " + hash + " within 20 s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
