package io.sippar.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/** Signs EIP-3009 payments the way the official EVM client does, for tests in any package. */
public final class TestPayments {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPayments() {
    }

    /**
     * A v2 PAYMENT-SIGNATURE header paying {@code offered} (one entry of a 402's accepts) from
     * {@code privateKey}, valid from 10 minutes ago for the requirement's maxTimeoutSeconds.
     */
    public static String v2Header(JsonNode offered, String privateKey) {
        return HeaderCodec.encode(v2Payload(offered, privateKey));
    }

    /** The v2 payload object behind {@link #v2Header}. */
    public static ObjectNode v2Payload(JsonNode offered, String privateKey) {
        long now = System.currentTimeMillis() / 1000;
        ObjectNode root = X402Json.MAPPER.createObjectNode();
        root.put("x402Version", 2);
        root.set("accepted", offered);
        root.set("payload", payload(offered, privateKey, BigInteger.valueOf(now - 600),
                BigInteger.valueOf(now + offered.get("maxTimeoutSeconds").asLong())));
        return root;
    }

    /** {@code {signature, authorization}} for a requirement, with a fresh random nonce. */
    public static ObjectNode payload(JsonNode offered, String privateKey, BigInteger validAfter,
            BigInteger validBefore) {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return payload(offered, privateKey, validAfter, validBefore, "0x" + HexFormat.of().formatHex(nonce));
    }

    /** {@code {signature, authorization}} for a requirement with the given nonce (0x + 64 hex digits). */
    public static ObjectNode payload(JsonNode offered, String privateKey, BigInteger validAfter,
            BigInteger validBefore, String nonce) {
        Credentials payer = Credentials.create(privateKey);
        long chainId = Long.parseLong(offered.get("network").asText().substring("eip155:".length()));
        Eip3009Authorization auth = new Eip3009Authorization(Keys.toChecksumAddress(payer.getAddress()),
                offered.get("payTo").asText(), new BigInteger(offered.get("amount").asText()), validAfter, validBefore,
                nonce);
        Eip712.Domain domain = new Eip712.Domain(offered.at("/extra/name").asText(),
                offered.at("/extra/version").asText(), chainId, offered.get("asset").asText());
        return EvmVectors.payloadJson(auth, EvmVectors.sign(domain, auth, privateKey));
    }
}
