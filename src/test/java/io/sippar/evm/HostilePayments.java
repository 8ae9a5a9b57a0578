package io.sippar.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.testsupport.AnvilFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.utils.Numeric;

/**
 * Signed EIP-3009 payloads with one thing wrong, for the hostile-input corpus: fields signed with
 * other values, signatures twisted after signing, authorizations consumed on chain behind the
 * gateway's back.
 */
public final class HostilePayments {

    private static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private HostilePayments() {
    }

    /**
     * {@code {signature, authorization}} for {@code offered} (a 402's accepts entry) signed by
     * {@code privateKey}. {@code signedWith} overrides authorization fields before signing (from, to,
     * value, validAfter, validBefore, nonce; times may be {@code now}, {@code now+N}, {@code now-N});
     * {@code domain} overrides EIP-712 domain fields (name, version, chainId, verifyingContract).
     */
    public static ObjectNode payload(JsonNode offered, String privateKey, Map<String, String> signedWith,
            Map<String, String> domain) {
        long now = System.currentTimeMillis() / 1000;
        String from = Keys.toChecksumAddress(Credentials.create(privateKey).getAddress());
        Eip3009Authorization auth = new Eip3009Authorization(
                signedWith.getOrDefault("from", from),
                signedWith.getOrDefault("to", offered.get("payTo").asText()),
                new BigInteger(signedWith.getOrDefault("value", offered.get("amount").asText())),
                time(signedWith.getOrDefault("validAfter", "now-600"), now),
                time(signedWith.getOrDefault("validBefore", "now+" + offered.get("maxTimeoutSeconds").asLong()), now),
                signedWith.getOrDefault("nonce", AnvilPayments.randomNonce()));
        long chainId = Long.parseLong(domain.getOrDefault("chainId",
                offered.get("network").asText().substring("eip155:".length())));
        Eip712.Domain d = new Eip712.Domain(domain.getOrDefault("name", offered.at("/extra/name").asText()),
                domain.getOrDefault("version", offered.at("/extra/version").asText()), chainId,
                domain.getOrDefault("verifyingContract", offered.get("asset").asText()));
        return EvmVectors.payloadJson(auth, EvmVectors.sign(d, auth, privateKey));
    }

    private static BigInteger time(String spec, long now) {
        if (spec.startsWith("now")) {
            String rest = spec.substring(3);
            return BigInteger.valueOf(now + (rest.isEmpty() ? 0 : Long.parseLong(rest.replace("+", ""))));
        }
        return new BigInteger(spec);
    }

    /**
     * A signature twisted after signing: {@code high-s} (the (r, n - s) twin with v flipped, which
     * verifies as the same signer under plain ECDSA), {@code flip-v}, {@code v:<n>}, {@code zero-r},
     * {@code zero}, {@code truncate} (64 bytes), {@code append-byte} (66 bytes), {@code erc6492}.
     */
    public static String twist(String signatureHex, String trick) {
        byte[] sig = Numeric.hexStringToByteArray(signatureHex);
        switch (trick) {
            case "high-s" -> {
                BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
                System.arraycopy(Numeric.toBytesPadded(N.subtract(s), 32), 0, sig, 32, 32);
                sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
            }
            case "flip-v" -> sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
            case "zero-r" -> Arrays.fill(sig, 0, 32, (byte) 0);
            case "zero" -> Arrays.fill(sig, (byte) 0);
            case "truncate" -> sig = Arrays.copyOf(sig, 64);
            case "append-byte" -> sig = Arrays.copyOf(sig, 66);
            case "erc6492" -> {
                return signatureHex + "00".repeat(32) + TokenAbi.ERC6492_SUFFIX;
            }
            default -> {
                if (!trick.startsWith("v:")) {
                    throw new IllegalArgumentException("unknown signature trick " + trick);
                }
                sig[64] = (byte) Integer.parseInt(trick.substring(2));
            }
        }
        return Numeric.toHexString(sig);
    }

    /** Whether the token itself would refuse {@code payload}: an eth_call of transferWithAuthorization reverts. */
    public static boolean tokenRefuses(AnvilFixture chain, JsonNode payload) {
        Eip3009Authorization auth = Eip3009Authorization.parse(payload.get("authorization"));
        byte[] sig = Numeric.hexStringToByteArray(payload.get("signature").asText());
        Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
        try {
            var call = org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
                    chain.settler().address(), chain.token().address(), rawTransferWithAuthorization(auth, sig));
            return web3j.ethCall(call, org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().hasError();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            web3j.shutdown();
        }
    }

    /**
     * The token's (v, r, s) call with the signature's bytes as they are (no low-s or v repair), so a
     * test sees what the contract itself does with them.
     */
    private static String rawTransferWithAuthorization(Eip3009Authorization a, byte[] sig) {
        if (sig.length != SignatureRecovery.ECDSA_LENGTH) {
            return TokenAbi.transferWithAuthorization(a, sig);
        }
        return org.web3j.abi.FunctionEncoder.encode(new org.web3j.abi.datatypes.Function("transferWithAuthorization",
                java.util.List.of(new org.web3j.abi.datatypes.Address(a.from()),
                        new org.web3j.abi.datatypes.Address(a.to()),
                        new org.web3j.abi.datatypes.generated.Uint256(a.value()),
                        new org.web3j.abi.datatypes.generated.Uint256(a.validAfter()),
                        new org.web3j.abi.datatypes.generated.Uint256(a.validBefore()),
                        new org.web3j.abi.datatypes.generated.Bytes32(Numeric.hexStringToByteArray(a.nonce())),
                        new org.web3j.abi.datatypes.generated.Uint8(sig[64] & 0xff),
                        new org.web3j.abi.datatypes.generated.Bytes32(Arrays.copyOfRange(sig, 0, 32)),
                        new org.web3j.abi.datatypes.generated.Bytes32(Arrays.copyOfRange(sig, 32, 64))),
                java.util.List.of()));
    }

    /**
     * Uses the authorization in {@code payload} directly on the token, from {@code senderKey}, as a
     * third party watching the mempool could: the gateway never sees this transfer.
     */
    public static TransactionReceipt consumeOnChain(AnvilFixture chain, JsonNode payload, String senderKey) {
        Eip3009Authorization auth = Eip3009Authorization.parse(payload.get("authorization"));
        byte[] sig = Numeric.hexStringToByteArray(payload.get("signature").asText());
        Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
        try {
            RawTransactionManager tm = new RawTransactionManager(web3j, Credentials.create(senderKey), chain.chainId());
            String hash = tm.sendTransaction(BigInteger.valueOf(50_000_000_000L), BigInteger.valueOf(300_000),
                    chain.token().address(), TokenAbi.transferWithAuthorization(auth, sig), BigInteger.ZERO)
                    .getTransactionHash();
            for (int i = 0; i < 200; i++) {
                var r = web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
                if (r.isPresent()) {
                    return r.get();
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("no receipt for " + hash);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            web3j.shutdown();
        }
    }
}
