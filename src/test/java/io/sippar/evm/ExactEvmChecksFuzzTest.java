package io.sippar.evm;

import static io.sippar.evm.EvmVectors.B_DOMAIN;
import static io.sippar.evm.EvmVectors.KEY1;
import static io.sippar.evm.EvmVectors.KEY1_ADDRESS;
import static io.sippar.evm.EvmVectors.MERCHANT;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.x402.FuzzInputs;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.X402DecodeException;
import io.sippar.x402.X402Json;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bounded fuzz run of the offline exact-EVM checks on whatever the header decoder lets through,
 * starting from validly signed payments: {@code check} always answers with a verdict and
 * {@code identify} refuses only with {@link X402DecodeException}.
 */
class ExactEvmChecksFuzzTest {

    private static final long NOW = 1_750_000_000L;
    private static final String AMOUNT = "1000000";

    @Test
    void offlineChecksAlwaysGiveAVerdict() throws Throwable {
        long seed = FuzzInputs.seed() + 2;
        Duration budget = FuzzInputs.budget(4);
        PaymentRequirements req = EvmVectors.requirements(B_DOMAIN, AMOUNT, MERCHANT);
        Eip3009Authorization auth = new Eip3009Authorization(KEY1_ADDRESS, MERCHANT, new BigInteger(AMOUNT),
                BigInteger.valueOf(NOW - 600), BigInteger.valueOf(NOW + 60),
                "0x" + "ab".repeat(32));
        Payment valid = EvmVectors.v2(req, EvmVectors.payloadJson(auth, EvmVectors.sign(B_DOMAIN, auth, KEY1)));
        String v2 = X402Json.MAPPER.writeValueAsString(valid.toWire());
        String v1 = X402Json.MAPPER.writeValueAsString(EvmVectors.v1("exact", "base-sepolia",
                (com.fasterxml.jackson.databind.node.ObjectNode) valid.payload()).toWire());
        FuzzInputs inputs = new FuzzInputs(seed, FuzzInputs.standardSeeds(List.of(v2, v1)));
        Map<String, Integer> verdicts = new HashMap<>();
        long n = FuzzInputs.run(budget, (i, bounded) -> {
            String header = inputs.nextHeader();
            for (String name : List.of(HeaderCodec.PAYMENT_SIGNATURE, HeaderCodec.X_PAYMENT)) {
                String context = "seed " + seed + ", iteration " + i + ", " + name + ": " + header;
                bounded.run(context, () -> checkOnce(name, header, req, context, verdicts));
            }
        });
        System.out.printf("ExactEvmChecksFuzzTest: seed %d, %d inputs in %s, verdicts %s%n", seed, n, budget, verdicts);
        assertTrue(verdicts.size() >= 2, "the fuzzer reached too few verdict kinds: " + verdicts);
    }

    private static void checkOnce(String name, String header, PaymentRequirements req, String context,
            Map<String, Integer> verdicts) {
        Payment p;
        try {
            p = HeaderCodec.decodePayment(name, header);
        } catch (X402DecodeException e) {
            return;
        }
        try {
            for (ExactEvmChecks.ContractSigners policy : ExactEvmChecks.ContractSigners.values()) {
                Verdict v = ExactEvmChecks.check(p, req, NOW, policy);
                assertNotNull(v, context);
                verdicts.merge(v.getClass().getSimpleName(), 1, Integer::sum);
            }
            try {
                ExactEvmChecks.identify(p, req);
            } catch (X402DecodeException e) {
                assertNotNull(e.reason(), context);
            }
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("offline checks threw " + e + " for " + context, e);
        }
    }
}
