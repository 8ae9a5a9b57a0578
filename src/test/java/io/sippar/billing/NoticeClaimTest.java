package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.sippar.ledger.MerchantRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Several pods polling the outbox at once never claim the same notice (SKIP LOCKED and a lease). */
@QuarkusTest
class NoticeClaimTest {

    private static final Duration DB = Duration.ofSeconds(30);

    @Inject
    Pool pool;
    @Inject
    NoticeRepository notices;
    @Inject
    MerchantRepository merchants;

    @Test
    void concurrentClaimersTakeEachDueNoticeOnce() {
        UUID m = merchants.upsert("claim-" + UUID.randomUUID().toString().substring(0, 8), "Claims", "developer")
                .await().atMost(DB);
        LocalDate first = LocalDate.of(2020, 1, 1);
        List<Tuple> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            rows.add(Tuple.of(m, first.plusMonths(i)));
        }
        pool.preparedQuery("""
                INSERT INTO usage_notice (merchant_id, period_start, threshold, used, included, plan_id, next_attempt_at)
                VALUES ($1, $2, 80, 800, 1000, 'developer', now())""").executeBatch(rows).await().atMost(DB);

        // four "pods" at once (the running dispatcher is a fifth), each with a long lease
        List<Uni<List<NoticeRepository.Claimed>>> pods = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pods.add(notices.claimDue(60, 120_000, 4));
        }
        List<List<NoticeRepository.Claimed>> claims = Uni.join().all(pods).andFailFast().await().atMost(DB);
        Set<UUID> seen = new HashSet<>();
        int mine = 0;
        for (List<NoticeRepository.Claimed> pod : claims) {
            for (NoticeRepository.Claimed c : pod) {
                if (c.notice().merchantId().equals(m)) {
                    assertTrue(seen.add(c.notice().id()), "notice " + c.notice().id() + " claimed twice");
                    assertEquals(1, c.attempt());
                    mine++;
                }
            }
        }
        assertTrue(mine > 0, "the claimers found the due notices");
        // nothing was claimed by two pods: no notice of the merchant is on a second attempt
        long twice = pool.preparedQuery("SELECT count(*) FROM usage_notice WHERE merchant_id = $1 AND attempts > 1")
                .execute(Tuple.of(m)).await().atMost(DB).iterator().next().getLong(0);
        assertEquals(0L, twice);
        // a claimed notice under lease is not claimed again while the lease holds
        List<NoticeRepository.Claimed> again = notices.claimDue(60, 120_000, 4).await().atMost(DB);
        assertTrue(again.stream().noneMatch(c -> seen.contains(c.notice().id())));
    }
}
