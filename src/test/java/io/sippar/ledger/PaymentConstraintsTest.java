package io.sippar.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Proves against the real PostgreSQL that the schema makes replays and double records impossible. */
@QuarkusTest
class PaymentConstraintsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final io.sippar.fees.Fee FEE = new io.sippar.fees.Fee(BigInteger.valueOf(50),
            new java.math.BigDecimal("0.00005"), "micro", "test", "test fee");

    @Inject
    Pool pool;
    @Inject
    PaymentRepository payments;
    @Inject
    MerchantRepository merchants;

    UUID merchant;

    @BeforeEach
    void merchant() {
        merchant = merchants.upsert("constraints-" + ThreadLocalRandom.current().nextInt(1_000_000), "Constraints",
                "developer").await().atMost(WAIT);
    }

    private NewPayment newPayment() {
        byte[] nonce = new byte[32];
        ThreadLocalRandom.current().nextBytes(nonce);
        return new NewPayment(merchant, null, 2, "exact", "eip155:31337", "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                BigInteger.valueOf(1000), "0x" + HexFormat.of().formatHex(nonce), "http://127.0.0.1/demo/weather");
    }

    private <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    private String sqlError(Uni<?> uni) {
        try {
            uni.await().atMost(WAIT);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    @Test
    void replayOfAReservedPaymentIsTaken() {
        NewPayment p = newPayment();
        Reservation first = await(payments.reserve(p));
        Reservation second = await(payments.reserve(p));
        assertInstanceOf(Reservation.Reserved.class, first);
        Reservation.Taken taken = assertInstanceOf(Reservation.Taken.class, second);
        assertEquals(PaymentState.RESERVED, taken.state());
    }

    @Test
    void concurrentReservationsOfOnePaymentHaveExactlyOneWinner() {
        NewPayment p = newPayment();
        List<Uni<Reservation>> racers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            racers.add(payments.reserve(p));
        }
        List<Reservation> results = await(Uni.join().all(racers).andFailFast());
        long winners = results.stream().filter(r -> r instanceof Reservation.Reserved).count();
        assertEquals(1, winners);
        Long rows = await(pool.preparedQuery("SELECT count(*) FROM payment WHERE chain_ref = $1")
                .execute(Tuple.of(p.chainRef())).map(r -> r.iterator().next().getLong(0)));
        assertEquals(1L, rows);
    }

    @Test
    void releasedPaymentIsReservedAgainWithTheTermsTheNextAttemptPresents() {
        NewPayment p = newPayment();
        UUID id = ((Reservation.Reserved) await(payments.reserve(p))).paymentId();
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.RELEASED)));
        NewPayment otherTerms = new NewPayment(p.merchantId(), null, 2, p.scheme(), p.network(), p.asset(), p.payer(),
                "0x000000000000000000000000000000000000dEaD", BigInteger.valueOf(999), p.chainRef(), p.resource());
        Reservation.Reserved wrong = assertInstanceOf(Reservation.Reserved.class, await(payments.reserve(otherTerms)));
        assertEquals(id, wrong.paymentId());
        assertEquals(999L, amountOf(id));
        // while reserved with those terms, nobody else gets it
        assertInstanceOf(Reservation.Taken.class, await(payments.reserve(p)));
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.RELEASED)));
        Reservation.Reserved again = assertInstanceOf(Reservation.Reserved.class, await(payments.reserve(p)));
        assertEquals(id, again.paymentId());
        assertEquals(3, again.attempt());
        assertEquals(p.amount().longValue(), amountOf(id));
    }

    private long amountOf(UUID id) {
        return await(pool.preparedQuery("SELECT amount FROM payment WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getBigDecimal("amount").longValue()));
    }

    @Test
    void termsOfAPaymentInFlightOrSettledNeverChange() {
        UUID id = ((Reservation.Reserved) await(payments.reserve(newPayment()))).paymentId();
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        String err = sqlError(pool.preparedQuery("UPDATE payment SET amount = 7, pay_to = 'x' WHERE id = $1")
                .execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("immutable"), err);
        UUID settled = settledPayment();
        err = sqlError(pool.preparedQuery("UPDATE payment SET amount = 7 WHERE id = $1").execute(Tuple.of(settled)));
        assertTrue(err != null && err.contains("immutable"), err);
    }

    @Test
    void settledPaymentIsFinal() {
        UUID id = settledPayment();
        String err = sqlError(payments.transition(id, PaymentState.SETTLED, PaymentState.RELEASED));
        assertTrue(err != null && err.contains("illegal payment transition"), err);
        assertInstanceOf(Reservation.Taken.class, await(payments.reserve(newPaymentLike(id))));
    }

    private NewPayment newPaymentLike(UUID id) {
        return await(pool.preparedQuery("SELECT * FROM payment WHERE id = $1").execute(Tuple.of(id)).map(rows -> {
            var r = rows.iterator().next();
            return new NewPayment(r.getUUID("merchant_id"), null, 2, r.getString("scheme"), r.getString("network"),
                    r.getString("asset"), r.getString("payer"), r.getString("pay_to"),
                    r.getBigDecimal("amount").toBigInteger(), r.getString("chain_ref"), null);
        }));
    }

    @Test
    void skippingSettlingIsRefusedByTheDatabase() {
        UUID id = ((Reservation.Reserved) await(payments.reserve(newPayment()))).paymentId();
        String err = sqlError(pool.preparedQuery(
                "UPDATE payment SET state = 'settled', tx_hash = '0x1', settled_at = now() WHERE id = $1")
                .execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("illegal payment transition reserved -> settled"), err);
    }

    @Test
    void amountAndIdentityAreImmutable() {
        UUID id = ((Reservation.Reserved) await(payments.reserve(newPayment()))).paymentId();
        String err = sqlError(pool.preparedQuery("UPDATE payment SET amount = 1 WHERE id = $1").execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("immutable"), err);
    }

    @Test
    void merchantIsFixedExceptWhenAReleasedAuthorizationIsReservedElsewhere() {
        NewPayment p = newPayment();
        UUID id = ((Reservation.Reserved) await(payments.reserve(p))).paymentId();
        UUID other = merchants.upsert("other-" + ThreadLocalRandom.current().nextInt(1_000_000), "Other", "developer")
                .await().atMost(WAIT);
        String err = sqlError(pool.preparedQuery("UPDATE payment SET merchant_id = $2 WHERE id = $1")
                .execute(Tuple.of(id, other)));
        assertTrue(err != null && err.contains("merchant is fixed"), err);
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.RELEASED)));
        NewPayment elsewhere = new NewPayment(other, null, 2, p.scheme(), p.network(), p.asset(), p.payer(), p.payTo(),
                p.amount(), p.chainRef(), p.resource());
        Reservation.Reserved again = assertInstanceOf(Reservation.Reserved.class, await(payments.reserve(elsewhere)));
        assertEquals(id, again.paymentId());
    }

    @Test
    void paymentsAreNeverDeleted() {
        UUID id = ((Reservation.Reserved) await(payments.reserve(newPayment()))).paymentId();
        String err = sqlError(pool.preparedQuery("DELETE FROM payment WHERE id = $1").execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("never deleted"), err);
    }

    @Test
    void negativeAmountIsRefused() {
        NewPayment p = newPayment();
        NewPayment negative = new NewPayment(p.merchantId(), null, 2, p.scheme(), p.network(), p.asset(), p.payer(),
                p.payTo(), BigInteger.valueOf(-1), p.chainRef(), null);
        String err = sqlError(payments.reserve(negative));
        assertTrue(err != null && err.contains("payment_amount_check"), err);
    }

    @Test
    void oneChainTransactionSettlesAtMostOnePayment() {
        UUID first = settledPayment();
        String tx = await(pool.preparedQuery("SELECT tx_hash FROM payment WHERE id = $1").execute(Tuple.of(first))
                .map(r -> r.iterator().next().getString(0)));
        UUID second = settlingPayment();
        String err = sqlError(payments.recordTransaction(second, tx));
        assertTrue(err != null && err.contains("payment_tx_unique"), err);
    }

    @Test
    void eachCallOfABatchTransactionSettlesAtMostOnePayment() {
        String tx = randomTx();
        UUID first = settlingPayment();
        UUID second = settlingPayment();
        UUID third = settlingPayment();
        assertTrue(await(payments.recordTransaction(first, tx, 0)));
        assertTrue(await(payments.recordTransaction(second, tx, 1)));
        String sameCall = sqlError(payments.recordTransaction(third, tx, 1));
        assertTrue(sameCall != null && sameCall.contains("payment_tx_call_unique"), sameCall);
        // a transaction that settles a payment alone still names no other payment
        UUID single = settlingPayment();
        String singleTx = randomTx();
        assertTrue(await(payments.recordTransaction(single, singleTx)));
        String again = sqlError(payments.recordTransaction(third, singleTx));
        assertTrue(again != null && again.contains("payment_tx_unique"), again);

        assertTrue(await(payments.settle(first, "eip155:31337", tx, null, t -> Uni.createFrom().item(FEE),
                f -> postings(1000))));
        assertTrue(await(payments.settle(second, "eip155:31337", tx, null, t -> Uni.createFrom().item(FEE),
                f -> postings(1000))));
        assertEquals(List.of(0, 1), List.of(batchIndex(first), batchIndex(second)),
                "the positions recorded at broadcast stay");
    }

    @Test
    void reconcilerGivesABatchPositionTheBroadcastNeverRecorded() {
        String tx = randomTx();
        UUID a = settlingPayment();
        UUID b = settlingPayment();
        // both rows lost their broadcast record (crash right after the batch went out)
        assertTrue(await(payments.settle(a, "eip155:31337", tx, 0, t -> Uni.createFrom().item(FEE), f -> postings(1000))));
        assertTrue(await(payments.settle(b, "eip155:31337", tx, 1, t -> Uni.createFrom().item(FEE), f -> postings(1000))));
        assertEquals(List.of(0, 1), List.of(batchIndex(a), batchIndex(b)));
        String err = sqlError(pool.preparedQuery("UPDATE payment SET batch_index = 3 WHERE id = $1").execute(Tuple.of(a)));
        assertTrue(err != null && err.contains("batch_index is final"), err);
    }

    private Integer batchIndex(UUID id) {
        return await(pool.preparedQuery("SELECT batch_index FROM payment WHERE id = $1").execute(Tuple.of(id))
                .map(r -> {
                    Short s = r.iterator().next().getShort(0);
                    return s == null ? null : s.intValue();
                }));
    }

    @Test
    void txHashMayBeReplacedWhileSettlingButIsFinalOnceSettled() {
        UUID id = settlingPayment();
        assertTrue(await(payments.recordTransaction(id, randomTx())));
        // a re-priced replacement at the same nonce
        String replacement = randomTx();
        assertTrue(await(payments.recordTransaction(id, replacement)));
        String erase = sqlError(pool.preparedQuery("UPDATE payment SET tx_hash = NULL WHERE id = $1").execute(Tuple.of(id)));
        assertTrue(erase != null && erase.contains("tx_hash is final"), erase);
        UUID settled = settledPayment();
        assertFalse(await(payments.recordTransaction(settled, randomTx())));
        String err = sqlError(pool.preparedQuery("UPDATE payment SET tx_hash = 'x' WHERE id = $1").execute(Tuple.of(settled)));
        assertTrue(err != null && err.contains("tx_hash is final"), err);
    }

    @Test
    void settlementIsJournaledExactlyOnce() {
        UUID id = settledPayment();
        // a second pod or the reconciler trying to record the same settlement changes nothing
        assertFalse(await(payments.settle(id, "eip155:31337", randomTx(), postings(1000), FEE)));
        Long entries = await(pool.preparedQuery("SELECT count(*) FROM journal_entry WHERE payment_id = $1")
                .execute(Tuple.of(id)).map(r -> r.iterator().next().getLong(0)));
        assertEquals(1L, entries);
        String err = sqlError(pool.preparedQuery("""
                INSERT INTO journal_entry (kind, payment_id, idempotency_key, network, tx_hash)
                VALUES ('settlement', $1, $2, 'eip155:31337', '0xdead')""")
                .execute(Tuple.of(id, "other-key-" + id)));
        assertTrue(err != null && err.contains("journal_one_settlement_per_payment"), err);
    }

    @Test
    void unbalancedEntryIsRefusedAtCommitAndLeavesThePaymentSettling() {
        UUID id = settlingPayment();
        List<Posting> unbalanced = List.of(new Posting("payer:eip155:31337:0xabc", "usdc", BigInteger.valueOf(1000)),
                new Posting("merchant:" + merchant, "usdc", BigInteger.valueOf(-999)));
        String err = sqlError(payments.settle(id, "eip155:31337", randomTx(), unbalanced, FEE));
        assertTrue(err != null && err.contains("does not balance"), err);
        // the whole transaction rolled back: not settled, no entry
        assertEquals(PaymentState.SETTLING, await(payments.state(id)).orElseThrow());
        assertTrue(await(payments.unbalancedEntries()).isEmpty());
    }

    @Test
    void ledgerIsAppendOnly() {
        UUID id = settledPayment();
        String err = sqlError(pool.preparedQuery(
                "UPDATE posting SET amount = amount * 2 WHERE entry_id IN (SELECT id FROM journal_entry WHERE payment_id = $1)")
                .execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("append-only"), err);
        err = sqlError(pool.preparedQuery("DELETE FROM journal_entry WHERE payment_id = $1").execute(Tuple.of(id)));
        assertTrue(err != null && err.contains("append-only"), err);
    }

    @Test
    void apiKeysAreStoredAsHashesWithARoleOwnerRule() {
        String err = sqlError(pool.preparedQuery(
                "INSERT INTO api_key (merchant_id, role, prefix, key_hash) VALUES (NULL, 'merchant', 'sk_abcdefgh', $1)")
                .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(new byte[32]))));
        assertTrue(err != null && err.contains("api_key_role_owner"), err);
        err = sqlError(pool.preparedQuery(
                "INSERT INTO api_key (merchant_id, role, prefix, key_hash) VALUES ($1, 'merchant', 'sk_abcdefgi', $2)")
                .execute(Tuple.of(merchant, io.vertx.core.buffer.Buffer.buffer("plaintext-secret".getBytes()))));
        assertTrue(err != null && err.contains("api_key_key_hash_check"), err);
    }

    private UUID settlingPayment() {
        UUID id = ((Reservation.Reserved) await(payments.reserve(newPayment()))).paymentId();
        assertTrue(await(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED)));
        assertTrue(await(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)));
        return id;
    }

    @Test
    void settledPaymentWithoutAFeeIsRefused() {
        UUID id = settlingPayment();
        String err = sqlError(pool.preparedQuery(
                "UPDATE payment SET state = 'settled', tx_hash = $2, settled_at = now() WHERE id = $1")
                .execute(Tuple.of(id, randomTx())));
        assertTrue(err != null && err.contains("payment_settled_has_fee"), err);
    }

    @Test
    void feeAboveTheAmountIsRefused() {
        UUID id = settlingPayment();
        io.sippar.fees.Fee tooMuch = new io.sippar.fees.Fee(BigInteger.valueOf(1001), java.math.BigDecimal.ONE, "x",
                "test", "too much");
        String err = sqlError(payments.settle(id, "eip155:31337", randomTx(), postings(1000), tooMuch));
        assertTrue(err != null && err.contains("payment_fee_within_amount"), err);
    }

    private UUID settledPayment() {
        UUID id = settlingPayment();
        assertTrue(await(payments.settle(id, "eip155:31337", randomTx(), postings(1000), FEE)));
        return id;
    }

    private List<Posting> postings(long amount) {
        return List.of(new Posting("payer:eip155:31337:0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "usdc",
                        BigInteger.valueOf(-amount)),
                new Posting("merchant:" + merchant, "usdc", BigInteger.valueOf(amount)));
    }

    private static String randomTx() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }
}
