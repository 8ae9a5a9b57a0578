package io.sippar.evm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentPayload;
import io.sippar.x402.PaymentPayloadV1;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ResourceInfo;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Vectors A, B and D of x402-protocol.md §6.2, and helpers to build signed payments around them. */
final class EvmVectors {

    private EvmVectors() {
    }

    // --- A: the spec's EIP-3009 signature (Base Sepolia USDC, domain name "USDC") ---
    static final Eip712.Domain A_DOMAIN =
            new Eip712.Domain("USDC", "2", 84532, "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
    static final Eip3009Authorization A_AUTH = new Eip3009Authorization(
            "0x857b06519E91e3A54538791bDbb0E22373e36b66", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            BigInteger.valueOf(10000), BigInteger.valueOf(1740672089), BigInteger.valueOf(1740672154),
            "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480");
    static final String A_DOMAIN_SEPARATOR = "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818";
    static final String A_DIGEST = "0xf256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6";
    static final String A_R = "2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a12832597641736";
    static final String A_S = "08a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b57";
    static final String A_SIGNATURE = "0x" + A_R + A_S + "1c";
    static final String A_SIGNER = "0x857b06519E91e3A54538791bDbb0E22373e36b66";

    // --- B: Hardhat/anvil key #0 signing, RFC 6979 ---
    static final String KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final String KEY0_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    static final String KEY1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    static final String KEY1_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    static final String MERCHANT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    static final Eip712.Domain B_DOMAIN =
            new Eip712.Domain("USD Coin", "2", 84532, "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
    static final Eip3009Authorization B_AUTH = new Eip3009Authorization(
            KEY0_ADDRESS, KEY1_ADDRESS, BigInteger.valueOf(1_000_000), BigInteger.ZERO,
            BigInteger.valueOf(9_999_999_999L),
            "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    static final String B_DIGEST = "0x8defeddca0623a71142068cab3d3aa28ec60a4d59e9decb067789ec2d56d9a8f";
    static final String B_SIGNATURE = "0x765700d410828dbeb72aa797b3b9b46bc0150557707e67a5aa690dd088f77513"
            + "1984e534eab3a2a385c5974f9c8547d8ad519cfbfc092514df9a34bb56c029d71b";
    /** Message A with {@code from} = key #0, domain A ("USDC"). */
    static final Eip3009Authorization B2_AUTH = new Eip3009Authorization(KEY0_ADDRESS, A_AUTH.to(),
            A_AUTH.value(), A_AUTH.validAfter(), A_AUTH.validBefore(), A_AUTH.nonce());
    static final String B2_DIGEST = "0x50708d3bf7216e1aeabe7bf22081b9f36c7c287530f92510318f13a03d89dc86";
    static final String B2_SIGNATURE = "0xdc53a4a579de989368a0fae2ef2172ff2f474b4297013f865d171239f17ef4c3"
            + "157b4b4030f1bebc53d55ace15c2377dff501a60e1e56c291f1000d6e78f082f1b";

    // --- D: the Go port's EIP-3009 hash input (Base mainnet USDC) ---
    static final Eip712.Domain D_DOMAIN =
            new Eip712.Domain("USD Coin", "2", 8453, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    static final Eip3009Authorization D_AUTH = new Eip3009Authorization(
            "0x1234567890123456789012345678901234567890", "0x9876543210987654321098765432109876543210",
            BigInteger.valueOf(1_000_000), BigInteger.ZERO, BigInteger.valueOf(9_999_999_999L),
            "0x0000000000000000000000000000000000000000000000000000000000000001");
    static final String D_DOMAIN_SEPARATOR = "0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f";
    static final String D_DIGEST = "0x85c207d3ba0a06e935c158ca65d4f4cbf97312fdb1317150584c53de04203a54";

    /** 65-byte r‖s‖v signature of {@code digest} by {@code privateKey}, v = 27/28, low s (RFC 6979). */
    static String sign(byte[] digest, String privateKey) {
        Sign.SignatureData sig = Sign.signMessage(digest, Credentials.create(privateKey).getEcKeyPair(), false);
        byte[] out = new byte[65];
        System.arraycopy(sig.getR(), 0, out, 0, 32);
        System.arraycopy(sig.getS(), 0, out, 32, 32);
        out[64] = sig.getV()[0];
        return Numeric.toHexString(out);
    }

    static String sign(Eip712.Domain domain, Eip3009Authorization auth, String privateKey) {
        return sign(Eip712.digest(domain, auth), privateKey);
    }

    /** The wire payload {@code {signature, authorization}} with numbers as decimal strings. */
    static ObjectNode payloadJson(Eip3009Authorization auth, String signature) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("signature", signature);
        ObjectNode a = payload.putObject("authorization");
        a.put("from", auth.from());
        a.put("to", auth.to());
        a.put("value", auth.value().toString());
        a.put("validAfter", auth.validAfter().toString());
        a.put("validBefore", auth.validBefore().toString());
        a.put("nonce", auth.nonce());
        return payload;
    }

    /** Requirements matching {@code domain}: exact on its chain, paying {@code amount} to {@code payTo}. */
    static PaymentRequirements requirements(Eip712.Domain domain, String amount, String payTo) {
        ObjectNode extra = JsonNodeFactory.instance.objectNode()
                .put("name", domain.name()).put("version", domain.version());
        return new PaymentRequirements("exact", "eip155:" + domain.chainId(), amount,
                domain.verifyingContract(), payTo, 60, extra);
    }

    /** A v2 payment that accepted {@code accepted} and carries {@code payload}. */
    static Payment v2(PaymentRequirements accepted, ObjectNode payload) {
        ResourceInfo resource = new ResourceInfo("https://api.example.com/premium-data", "", "application/json");
        return Payment.from(PaymentPayload.of(resource, accepted, payload), null);
    }

    /** A v1 payment on the v1 network name {@code v1Network}. */
    static Payment v1(String scheme, String v1Network, ObjectNode payload) {
        return Payment.from(PaymentPayloadV1.of(scheme, v1Network, payload), null);
    }
}
