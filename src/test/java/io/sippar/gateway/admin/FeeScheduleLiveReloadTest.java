package io.sippar.gateway.admin;

import static io.sippar.gateway.admin.RouteApiFixtures.eventually;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.fees.FeeSchedule;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.PaymentRepository;
import io.sippar.pricing.AssetRegistry;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fee schedule versions written straight into the database (as another pod or an operator would)
 * reach this pod by NOTIFY, and the database itself keeps versions immutable and the past unpriced
 * anew, whoever writes.
 */
@QuarkusTest
class FeeScheduleLiveReloadTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    @Inject
    Pool pool;
    @Inject
    FeeBook fees;
    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;
    @Inject
    AssetRegistry assets;

    private Set<String> held() {
        return fees.schedules().versions().stream().map(FeeSchedule::version).collect(Collectors.toSet());
    }

    private String seedDocumentAs(String version, Instant from) {
        String seed = pool.query("SELECT document FROM fee_schedule WHERE version = '2025-01-seed'").execute()
                .await().atMost(BOUND).iterator().next().getString(0);
        return seed.replace("\"2025-01-seed\"", "\"" + version + "\"")
                .replace("\"2025-01-01T00:00:00Z\"", "\"" + from + "\"");
    }

    private String sqlError(String statement, Object... args) {
        try {
            pool.preparedQuery(statement).execute(Tuple.from(args)).await().atMost(BOUND);
            return "";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    @Test
    void aVersionInsertedElsewhereIsLoadedOnTheNotificationAndDroppedWhenWithdrawn() {
        String version = RouteApiFixtures.unique("sql");
        Instant from = FeeScheduleApiTest.farFuture();
        pool.preparedQuery("INSERT INTO fee_schedule (version, effective_from, document, created_by) "
                        + "VALUES ($1, $2, $3, 'psql')")
                .execute(Tuple.of(version, from.atOffset(ZoneOffset.UTC), seedDocumentAs(version, from)))
                .await().atMost(BOUND);
        assertTrue(eventually(BOUND, this::held, v -> v.contains(version)).contains(version),
                "a version inserted in the database is held within " + BOUND);
        pool.preparedQuery("DELETE FROM fee_schedule WHERE version = $1").execute(Tuple.of(version))
                .await().atMost(BOUND);
        assertFalse(eventually(BOUND, this::held, v -> !v.contains(version)).contains(version),
                "a withdrawn version is dropped within " + BOUND);
    }

    @Test
    void theDatabaseRefusesToEditAnEffectiveVersionOrRepriceSettledPayments() {
        assertTrue(sqlError("UPDATE fee_schedule SET created_by = 'me' WHERE version = '2025-01-seed'")
                .contains("immutable"));
        assertTrue(sqlError("DELETE FROM fee_schedule WHERE version = '2025-01-seed'").contains("taken effect"));

        // a payment settled now, charged by the seed; a version slipped in before it would re-price it
        UUID merchant = merchants.upsert(RouteApiFixtures.unique("fee"), "Fee test", "developer")
                .await().atMost(BOUND);
        FeeScheduleSettlements settlements = new FeeScheduleSettlements(payments, fees, assets);
        BigInteger amount = BigInteger.valueOf(1_000_000);
        UUID id = settlements.settling(merchant, amount).await().atMost(BOUND);
        assertTrue(settlements.settle(id, merchant, amount).await().atMost(BOUND));
        Instant past = Instant.now().minus(Duration.ofDays(1));
        String version = RouteApiFixtures.unique("retro");
        String error = sqlError("INSERT INTO fee_schedule (version, effective_from, document, created_by) "
                + "VALUES ($1, $2, $3, 'psql')", version, past.atOffset(ZoneOffset.UTC), seedDocumentAs(version, past));
        assertTrue(error.contains("would re-price payment"), error);
    }
}
