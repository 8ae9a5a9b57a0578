package io.sippar.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The lease SQL against a real PostgreSQL: keys go to one holder at a time, the epoch fences
 * earlier holders, and expiry is the database's clock. Each test uses its own network name.
 */
@QuarkusTest
class SettlementKeyLeaseTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final List<String> KEYS = List.of("0xKey1", "0xKey2", "0xKey3");

    @Inject
    SettlementKeyLeaseRepository leases;
    @Inject
    Pool pool;

    private String network() {
        String n = "test:" + UUID.randomUUID();
        leases.register(n, KEYS).await().atMost(WAIT);
        return n;
    }

    private Optional<SettlementKeyLeaseRepository.Grant> acquire(String network, String holder, Duration ttl) {
        return leases.acquire(network, KEYS, holder, ttl).await().atMost(WAIT);
    }

    @Test
    void eachHolderGetsAnotherKeyAndOnceAllAreHeldTheNextGetsNone() {
        String n = network();
        Set<String> signers = new HashSet<>();
        for (String holder : List.of("pod-a", "pod-b", "pod-c")) {
            SettlementKeyLeaseRepository.Grant g = acquire(n, holder, TTL).orElseThrow();
            assertEquals(1, g.epoch());
            signers.add(g.signer());
        }
        assertEquals(Set.copyOf(KEYS), signers);
        assertEquals(Optional.empty(), acquire(n, "pod-d", TTL));
    }

    @Test
    void keysAreTakenInConfigurationOrderAndRegisteringAgainChangesNothing() {
        String n = network();
        assertEquals("0xKey1", acquire(n, "pod-a", TTL).orElseThrow().signer());
        leases.register(n, KEYS).await().atMost(WAIT);
        assertEquals("0xKey2", acquire(n, "pod-b", TTL).orElseThrow().signer());
        assertTrue(leases.list(n).await().atMost(WAIT).get(0).live(), "pod-a still holds the first key");
    }

    @Test
    void anExpiredLeaseIsTakenOverWithANewEpochAndTheOldHolderCanNeitherRenewNorReleaseIt() throws Exception {
        String n = network();
        SettlementKeyLeaseRepository.Grant mine = leases.acquire(n, List.of("0xKey1"), "pod-a", Duration.ofMillis(300))
                .await().atMost(WAIT).orElseThrow();
        assertEquals(Optional.empty(), leases.acquire(n, List.of("0xKey1"), "pod-b", TTL).await().atMost(WAIT),
                "held: not for the taking");
        Thread.sleep(700);
        SettlementKeyLeaseRepository.Grant taken = leases.acquire(n, List.of("0xKey1"), "pod-b", TTL)
                .await().atMost(WAIT).orElseThrow();
        assertEquals(mine.epoch() + 1, taken.epoch());
        assertEquals(Optional.empty(), leases.renew(n, "0xKey1", "pod-a", mine.epoch(), TTL).await().atMost(WAIT));
        assertFalse(leases.release(n, "0xKey1", "pod-a", mine.epoch()).await().atMost(WAIT));
        assertTrue(leases.renew(n, "0xKey1", "pod-b", taken.epoch(), TTL).await().atMost(WAIT).isPresent());
    }

    @Test
    void anExpiredLeaseNobodyTookIsRenewedByItsHolderWithTheSameEpoch() throws Exception {
        String n = network();
        SettlementKeyLeaseRepository.Grant mine = leases.acquire(n, List.of("0xKey2"), "pod-a", Duration.ofMillis(200))
                .await().atMost(WAIT).orElseThrow();
        Thread.sleep(500);
        SettlementKeyLeaseRepository.Grant renewed = leases.renew(n, "0xKey2", "pod-a", mine.epoch(), TTL)
                .await().atMost(WAIT).orElseThrow();
        assertEquals(mine.epoch(), renewed.epoch(), "nobody signed with it meanwhile: still the same holding");
        assertTrue(renewed.expiresAt().isAfter(mine.expiresAt()));
    }

    @Test
    void aReleasedKeyIsFreeAtOnceAndPreferredToAnExpiredOne() throws Exception {
        String n = network();
        SettlementKeyLeaseRepository.Grant one = acquire(n, "pod-a", Duration.ofMillis(200)).orElseThrow();
        SettlementKeyLeaseRepository.Grant two = acquire(n, "pod-b", TTL).orElseThrow();
        acquire(n, "pod-c", TTL).orElseThrow();
        assertTrue(leases.release(n, two.signer(), "pod-b", two.epoch()).await().atMost(WAIT));
        Thread.sleep(400);
        // key 1 has expired (a crashed pod) and key 2 was given back: the clean one goes first
        SettlementKeyLeaseRepository.Grant next = acquire(n, "pod-d", TTL).orElseThrow();
        assertEquals(two.signer(), next.signer());
        assertEquals(two.epoch() + 1, next.epoch());
        assertEquals(one.signer(), acquire(n, "pod-e", TTL).orElseThrow().signer());
    }

    @Test
    void manyHoldersRacingForThreeKeysGetEachKeyExactlyOnce() {
        String n = network();
        List<Uni<Optional<SettlementKeyLeaseRepository.Grant>>> racers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            racers.add(leases.acquire(n, KEYS, "racer-" + i, TTL));
        }
        List<Optional<SettlementKeyLeaseRepository.Grant>> results = Uni.join().all(racers).andFailFast()
                .await().atMost(WAIT);
        List<String> won = results.stream().flatMap(Optional::stream).map(SettlementKeyLeaseRepository.Grant::signer)
                .toList();
        assertEquals(3, won.size(), "three winners: " + won);
        assertEquals(Set.copyOf(KEYS), Set.copyOf(won));
        assertEquals(3, leases.list(n).await().atMost(WAIT).stream().filter(SettlementKeyLeaseRepository.LeaseRow::live)
                .map(r -> r.holder().orElseThrow()).distinct().count());
    }

    @Test
    void theDatabaseRefusesAHolderChangeWithoutANewEpochAndAnEpochGoingBack() {
        String n = network();
        SettlementKeyLeaseRepository.Grant g = acquire(n, "pod-a", TTL).orElseThrow();
        assertTrue(fails("UPDATE settlement_key_lease SET holder = 'intruder' WHERE network = $1 AND signer_address = $2",
                n, g.signer()), "a new holder needs a new epoch");
        assertTrue(fails("UPDATE settlement_key_lease SET epoch = 0 WHERE network = $1 AND signer_address = $2",
                n, g.signer()), "the epoch never goes back");
    }

    private boolean fails(String sql, String network, String signer) {
        try {
            pool.preparedQuery(sql).execute(Tuple.of(network, signer)).await().atMost(WAIT);
            return false;
        } catch (RuntimeException e) {
            return e.getMessage().contains("settlement key lease");
        }
    }
}
