package io.sippar.gateway.admin;

import io.sippar.gateway.FeeBook;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Posting;
import io.sippar.ledger.Reservation;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Uni;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Settles payments through the real recording path (payment row, fee priced in the settlement's
 * transaction by {@link FeeBook}, journal entry, usage) without a chain, for tests about pricing.
 */
final class FeeScheduleSettlements {

    static final String NETWORK = "eip155:31337";
    static final String TOKEN = "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9";
    private static final String PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    private final PaymentRepository payments;
    private final FeeBook fees;
    private final AssetRegistry assets;

    FeeScheduleSettlements(PaymentRepository payments, FeeBook fees, AssetRegistry assets) {
        this.payments = payments;
        this.fees = fees;
        this.assets = assets;
    }

    /** A payment of {@code amount} for {@code merchant}, reserved, verified and settling. */
    Uni<UUID> settling(UUID merchant, BigInteger amount) {
        NewPayment p = new NewPayment(merchant, null, 2, "exact", NETWORK, TOKEN, PAYER, RouteApiFixtures.PAY_TO,
                amount, random32(), null);
        return payments.reserve(p).map(r -> ((Reservation.Reserved) r).paymentId())
                .call(id -> payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                .call(id -> payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING));
    }

    /** Records {@code id} settled by a (made-up) transaction, priced as the live path prices it. */
    Uni<Boolean> settle(UUID id, UUID merchant, BigInteger amount) {
        var asset = assets.find(NETWORK, Optional.of(TOKEN));
        return payments.settle(id, NETWORK, random32(), terms -> fees.price(terms, asset, amount, NETWORK),
                fee -> {
                    String a = NETWORK + ":" + TOKEN.toLowerCase(java.util.Locale.ROOT);
                    List<Posting> lines = new java.util.ArrayList<>(List.of(
                            new Posting("payer:" + NETWORK + ":" + PAYER.toLowerCase(java.util.Locale.ROOT), a,
                                    amount.negate()),
                            new Posting("merchant:" + merchant, a, amount)));
                    if (fee.atomic().signum() > 0) {
                        lines.add(new Posting("merchant:" + merchant, a, fee.atomic().negate()));
                        lines.add(new Posting("gateway:fee_revenue", a, fee.atomic()));
                    }
                    return lines;
                });
    }

    private static String random32() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }
}
