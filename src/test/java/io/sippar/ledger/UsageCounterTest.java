package io.sippar.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.fees.Fee;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Usage counts stay exact under concurrency: they are written in the settlement's own transaction. */
@QuarkusTest
class UsageCounterTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Fee FEE = new Fee(BigInteger.valueOf(50), new BigDecimal("0.00005"), "micro", "test", "t");

    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;

    private Uni<UUID> settlingPayment(UUID merchant) {
        byte[] nonce = new byte[32];
        ThreadLocalRandom.current().nextBytes(nonce);
        NewPayment p = new NewPayment(merchant, null, 2, "exact", "eip155:31337",
                "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", BigInteger.valueOf(1000),
                "0x" + HexFormat.of().formatHex(nonce), null);
        return payments.reserve(p).map(r -> ((Reservation.Reserved) r).paymentId())
                .call(id -> payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                .call(id -> payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING));
    }

    private static String tx() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }

    @Test
    void thousandConcurrentSettlementsForOneMerchantCountAThousand() {
        UUID merchant = merchants.upsert("usage-" + ThreadLocalRandom.current().nextInt(1_000_000), "Usage",
                "developer").await().atMost(WAIT);
        List<Uni<UUID>> prepared = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            prepared.add(settlingPayment(merchant));
        }
        List<UUID> ids = Uni.join().all(prepared).andFailFast().await().atMost(WAIT);
        List<Uni<Boolean>> settlements = new ArrayList<>();
        for (UUID id : ids) {
            settlements.add(payments.settle(id, "eip155:31337", tx(), List.of(
                    new Posting("payer:eip155:31337:0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "usdc",
                            BigInteger.valueOf(-1000)),
                    new Posting("merchant:" + merchant, "usdc", BigInteger.valueOf(1000))), FEE));
        }
        // a second attempt at every settlement (retry, second pod) must not count again
        for (UUID id : ids.subList(0, 100)) {
            settlements.add(payments.settle(id, "eip155:31337", tx(), List.of(), FEE));
        }
        List<Boolean> results = Uni.join().all(settlements).andCollectFailures().await().atMost(WAIT);
        assertEquals(1000L, results.stream().filter(Boolean::booleanValue).count());
        assertEquals(1000L, payments.usage(merchant, LocalDate.now(ZoneOffset.UTC)).await().atMost(WAIT));
    }
}
