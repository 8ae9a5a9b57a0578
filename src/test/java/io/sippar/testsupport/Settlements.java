package io.sippar.testsupport;

import io.sippar.fees.Fee;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Posting;
import io.sippar.ledger.Reservation;
import io.smallrye.mutiny.Uni;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Settlements recorded through the real ledger path (reserve, verify, settling, settle), many at once. */
public final class Settlements {

    private static final Duration WAIT = Duration.ofSeconds(180);
    /** The fee every test settlement carries: a micro payment's capped fee. */
    public static final Fee FEE = new Fee(BigInteger.valueOf(50), new BigDecimal("0.00005"), "micro", "test", "t");

    private Settlements() {
    }

    /** A random 32-byte hex value (a nonce or a transaction hash). */
    public static String hex32() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }

    /** {@code n} payments of 1,000 units for the merchant, each moved to settling, concurrently. */
    public static List<UUID> settling(PaymentRepository payments, UUID merchant, int n) {
        List<Uni<UUID>> prepared = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NewPayment p = new NewPayment(merchant, null, 2, "exact", "eip155:31337",
                    "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", BigInteger.valueOf(1000), hex32(), null);
            prepared.add(payments.reserve(p).map(r -> ((Reservation.Reserved) r).paymentId())
                    .call(id -> payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                    .call(id -> payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)));
        }
        return Uni.join().all(prepared).andFailFast().await().atMost(WAIT);
    }

    /** The settlement of each payment (payer to merchant, 1,000 units), not yet subscribed. */
    public static List<Uni<Boolean>> settlements(PaymentRepository payments, UUID merchant, List<UUID> ids) {
        List<Uni<Boolean>> settled = new ArrayList<>();
        for (UUID id : ids) {
            settled.add(payments.settle(id, "eip155:31337", hex32(), List.of(
                    new Posting("payer:eip155:31337:0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "usdc",
                            BigInteger.valueOf(-1000)),
                    new Posting("merchant:" + merchant, "usdc", BigInteger.valueOf(1000))), FEE));
        }
        return settled;
    }

    /** Records {@code n} settlements for the merchant concurrently; returns how many were recorded. */
    public static long settle(PaymentRepository payments, UUID merchant, int n) {
        return Uni.join().all(settlements(payments, merchant, settling(payments, merchant, n))).andFailFast()
                .await().atMost(WAIT).stream().filter(Boolean::booleanValue).count();
    }
}
