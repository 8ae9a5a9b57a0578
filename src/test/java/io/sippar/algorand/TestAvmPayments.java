package io.sippar.algorand;

import com.algorand.algosdk.account.Account;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.testsupport.AlgodFixture;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PAYMENT-SIGNATURE headers for an offered Algorand requirement, built the way {@code @x402/avm}'s
 * client builds them: the fee payer named in {@code extra.feePayer} pays 2000 for both (left
 * unsigned, bare), the payer's axfer of exactly the amount with fee 0, a note making it unique.
 */
public final class TestAvmPayments {

    private static final AtomicLong NOTES = new AtomicLong();

    private TestAvmPayments() {
    }

    /** A v2 header paying {@code offered} from {@code payer}, valid for 1000 rounds from {@code round}. */
    public static String v2Header(JsonNode offered, AlgodFixture.Account payer, long round) {
        return HeaderCodec.encode(v2Payload(offered, payer, round));
    }

    /** The v2 payload object behind {@link #v2Header}. */
    public static ObjectNode v2Payload(JsonNode offered, AlgodFixture.Account payer, long round) {
        return v2Payload(offered, payer, round, round + 1000);
    }

    /** A v2 payload valid from round {@code firstValid} to {@code lastValid}. */
    public static ObjectNode v2Payload(JsonNode offered, AlgodFixture.Account payer, long firstValid, long lastValid) {
        return v2Payload(offered, payer, firstValid, lastValid, false);
    }

    /**
     * A v2 payload valid from round {@code firstValid} to {@code lastValid}; {@code selfFunded}: the payer
     * pays its own fee in a group of one, with no transaction for the fee payer, so it can also be
     * submitted without the gateway.
     */
    public static ObjectNode v2Payload(JsonNode offered, AlgodFixture.Account payer, long firstValid, long lastValid,
            boolean selfFunded) {
        Account account;
        try {
            account = new Account(payer.seed());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        AvmGroups.Builder b = AvmGroups.builder();
        b.firstValid = firstValid;
        b.lastValid = lastValid;
        b.payer = account;
        b.signer = account;
        b.payTo = offered.get("payTo").asText();
        b.amount = Long.parseLong(offered.get("amount").asText());
        b.asset = Long.parseLong(offered.get("asset").asText());
        b.note = "x402-payment-v2-" + System.currentTimeMillis() + "-" + NOTES.incrementAndGet();
        JsonNode feePayer = offered.path("extra").get("feePayer");
        if (feePayer == null || selfFunded) {
            b.withFeePayer = false;
        } else {
            b.feePayer = null;
            b.feePayerAddress = feePayer.asText();
        }
        ObjectNode root = X402Json.MAPPER.createObjectNode();
        root.put("x402Version", 2);
        root.set("accepted", offered);
        root.set("payload", b.build().payload());
        return root;
    }
}
