package io.sippar.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.testsupport.Settlements;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Usage counts stay exact under concurrency: they are written in the settlement's own transaction. */
@QuarkusTest
class UsageCounterTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;

    @Test
    void thousandConcurrentSettlementsForOneMerchantCountAThousand() {
        UUID merchant = merchants.upsert("usage-" + ThreadLocalRandom.current().nextInt(1_000_000), "Usage",
                "developer").await().atMost(WAIT);
        List<UUID> ids = Settlements.settling(payments, merchant, 1000);
        List<Uni<Boolean>> settlements = new ArrayList<>(Settlements.settlements(payments, merchant, ids));
        // a second attempt at every settlement (retry, second pod) must not count again
        for (UUID id : ids.subList(0, 100)) {
            settlements.add(payments.settle(id, "eip155:31337", Settlements.hex32(), List.of(), Settlements.FEE));
        }
        List<Boolean> results = Uni.join().all(settlements).andCollectFailures().await().atMost(WAIT);
        assertEquals(1000L, results.stream().filter(Boolean::booleanValue).count());
        assertEquals(1000L, payments.usage(merchant, LocalDate.now(ZoneOffset.UTC)).await().atMost(WAIT));
    }
}
