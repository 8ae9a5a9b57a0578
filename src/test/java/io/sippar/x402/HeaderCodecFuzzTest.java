package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bounded fuzz run of the header decoder and the v1/v2 payload readers (see {@link FuzzInputs} for
 * the budget properties). Invariants: nothing but {@link X402DecodeException} with a reason ever
 * escapes, no input takes longer than {@link FuzzInputs#PER_INPUT_LIMIT}, and whatever decodes
 * re-encodes to a header that decodes to the same payment.
 */
class HeaderCodecFuzzTest {

    private static final int DEFAULT_SECONDS = 12;

    @Test
    void decoderOnlyEverRefusesWithAReasonAndRoundTripsWhatItAccepts() throws Throwable {
        long seed = FuzzInputs.seed();
        Duration budget = FuzzInputs.budget(DEFAULT_SECONDS);
        FuzzInputs inputs = new FuzzInputs(seed, FuzzInputs.standardSeeds(List.of()));
        Map<ReasonCode, Integer> reasons = new EnumMap<>(ReasonCode.class);
        int[] decoded = {0};
        long n = FuzzInputs.run(budget, (i, bounded) -> {
            String header = inputs.nextHeader();
            for (String name : List.of(HeaderCodec.PAYMENT_SIGNATURE, HeaderCodec.X_PAYMENT)) {
                String context = "seed " + seed + ", iteration " + i + ", " + name + ": " + header;
                bounded.run(context, () -> decodeOnce(name, header, context, reasons, decoded));
            }
        });
        System.out.printf("HeaderCodecFuzzTest: seed %d, %d inputs in %s, %d decoded, refusals %s%n", seed, n,
                budget, decoded[0], reasons);
        assertTrue(n > 0, "no input was tried");
        assertTrue(reasons.size() >= 5, "the fuzzer reached too few refusal kinds: " + reasons);
    }

    private static void decodeOnce(String name, String header, String context, Map<ReasonCode, Integer> reasons,
            int[] decoded) {
        Payment payment;
        try {
            payment = HeaderCodec.decodePayment(name, header);
        } catch (X402DecodeException e) {
            assertNotNull(e.reason(), context);
            assertNotNull(e.getMessage(), context);
            reasons.merge(e.reason(), 1, Integer::sum);
            return;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("decoder threw " + e + " for " + context, e);
        }
        decoded[0]++;
        // what was accepted re-encodes to a header that decodes to the same payment, and is stable
        String again = HeaderCodec.encode(payment.toWire());
        Payment second = HeaderCodec.decodePayment(name, again);
        // numbers compare by value: 2e0 comes back as 2, which every JSON reader takes for the same
        assertTrue(JsonEquality.equal(tree(payment), tree(second)), context);
        assertEquals(again, HeaderCodec.encode(second.toWire()), context);
        JsonNode raw = HeaderCodec.decodeJson(header);
        assertTrue(JsonEquality.equal(raw, HeaderCodec.decodeJson(HeaderCodec.encode(raw))), context);
        // everything a caller may ask of a decoded payment is defined
        payment.parsedNetwork();
        try {
            payment.acceptedRequirements();
        } catch (X402DecodeException e) {
            assertNotNull(e.reason(), context);
        }
    }

    @Test
    void payloadReadersOnlyEverRefuseWithAReason() throws Throwable {
        long seed = FuzzInputs.seed() + 1;
        Duration budget = FuzzInputs.budget(DEFAULT_SECONDS / 3);
        FuzzInputs inputs = new FuzzInputs(seed, FuzzInputs.standardSeeds(List.of()));
        int[] trees = {0};
        long n = FuzzInputs.run(budget, (i, bounded) -> {
            JsonNode tree;
            try {
                // the facilitator API hands the readers a tree parsed from its body
                tree = X402Json.MAPPER.readTree(inputs.nextDocument());
            } catch (java.io.IOException | NumberFormatException e) {
                // refused before the readers, as the facilitator API's body parser does (400)
                return;
            }
            trees[0]++;
            String context = "seed " + seed + ", iteration " + i + ": " + tree;
            bounded.run(context, () -> {
                try {
                    Payment p = HeaderCodec.paymentFromJson(tree);
                    p.parsedNetwork();
                    p.toWire();
                } catch (X402DecodeException e) {
                    assertNotNull(e.reason(), context);
                } catch (RuntimeException | StackOverflowError e) {
                    throw new AssertionError("reader threw " + e + " for " + context, e);
                }
            });
        });
        System.out.printf("HeaderCodecFuzzTest readers: seed %d, %d documents, %d trees%n", seed, n, trees[0]);
        assertTrue(trees[0] > 0, "no document parsed");
    }

    private static JsonNode tree(Payment p) {
        return X402Json.MAPPER.valueToTree(p.toWire());
    }
}
