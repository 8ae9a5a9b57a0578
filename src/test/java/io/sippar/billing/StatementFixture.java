package io.sippar.billing;

import io.sippar.fees.Fee;
import io.sippar.gateway.FeeBook;
import io.sippar.ledger.MerchantRepository;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Posting;
import io.sippar.ledger.Reservation;
import io.sippar.pricing.Asset;
import io.sippar.pricing.AssetRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Records settled payments through the real ledger path (reserve, verify, settling, settle with the
 * fee of the real schedule, journal entry, usage), dated as a test needs, for merchants created when
 * a test needs (a statement exists only for months the merchant existed in).
 */
@ApplicationScoped
public class StatementFixture {

    static final Duration WAIT = Duration.ofSeconds(120);

    /** A stablecoin on a network the gateway knows, with a payer and a payee. */
    public record Rail(String network, String asset) {
    }

    public static final Rail ANVIL = new Rail("eip155:31337", "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9");
    public static final Rail BASE = new Rail("eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    public static final Rail BASE_SEPOLIA = new Rail("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
    public static final Rail ALGORAND_TESTNET = new Rail("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=",
            "10458941");

    private static final String PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    private static final String PAY_TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    private final PaymentRepository payments;
    private final MerchantRepository merchants;
    private final FeeBook fees;
    private final AssetRegistry assets;
    private final Pool pool;

    public StatementFixture(PaymentRepository payments, MerchantRepository merchants, FeeBook fees,
            AssetRegistry assets, Pool pool) {
        this.payments = payments;
        this.merchants = merchants;
        this.fees = fees;
        this.assets = assets;
        this.pool = pool;
    }

    /** A new merchant that has existed since {@code createdAt}. */
    public UUID merchant(String prefix, String plan, OffsetDateTime createdAt) {
        String slug = prefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        UUID id = merchants.upsert(slug, "Merchant " + slug, plan).await().atMost(WAIT);
        pool.preparedQuery("UPDATE merchant SET created_at = $2 WHERE id = $1").execute(Tuple.of(id, createdAt))
                .await().atMost(WAIT);
        return id;
    }

    /** Reserves a payment and moves it to settling, as the gateway does before broadcasting. */
    public Uni<UUID> settling(UUID merchant, Rail rail, BigInteger amount) {
        byte[] nonce = new byte[32];
        ThreadLocalRandom.current().nextBytes(nonce);
        NewPayment p = new NewPayment(merchant, null, 2, "exact", rail.network(), rail.asset(), PAYER, PAY_TO, amount,
                "0x" + HexFormat.of().formatHex(nonce), null);
        return payments.reserve(p).map(r -> ((Reservation.Reserved) r).paymentId())
                .call(id -> payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                .call(id -> payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING));
    }

    /** Records the settlement of a settling payment, dated {@code settledAt}, with the real schedule's fee. */
    public Uni<Boolean> settle(UUID paymentId, UUID merchant, Rail rail, BigInteger amount, OffsetDateTime settledAt) {
        Asset asset = assets.find(rail.network(), Optional.of(rail.asset())).orElseThrow();
        Fee fee = fees.feeFor(asset, amount, settledAt.toInstant());
        String ledgerAsset = rail.network() + ":" + rail.asset().toLowerCase(Locale.ROOT);
        List<Posting> lines = new ArrayList<>(List.of(
                new Posting("payer:" + rail.network() + ":" + PAYER.toLowerCase(Locale.ROOT), ledgerAsset, amount.negate()),
                new Posting("merchant:" + merchant, ledgerAsset, amount)));
        if (fee.atomic().signum() > 0) {
            lines.add(new Posting("merchant:" + merchant, ledgerAsset, fee.atomic().negate()));
            lines.add(new Posting("gateway:fee_revenue", ledgerAsset, fee.atomic()));
        }
        return payments.settle(paymentId, rail.network(), tx(), lines, fee, settledAt);
    }

    /** One settled payment, dated {@code settledAt}. */
    public UUID paid(UUID merchant, Rail rail, BigInteger amount, OffsetDateTime settledAt) {
        UUID id = settling(merchant, rail, amount).await().atMost(WAIT);
        if (!settle(id, merchant, rail, amount, settledAt).await().atMost(WAIT)) {
            throw new AssertionError("payment " + id + " was not settled");
        }
        return id;
    }

    /** A random 32-byte transaction hash. */
    static String tx() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }

    /** The statement period {@code monthsBack} months before the current one. */
    static StatementPeriod monthsAgo(int monthsBack) {
        return new StatementPeriod(java.time.YearMonth.now(java.time.ZoneOffset.UTC).minusMonths(monthsBack));
    }

    /** An instant inside a period: its first day plus {@code days} and {@code hours}. */
    static OffsetDateTime in(StatementPeriod p, int days, int hours) {
        return p.start().plusDays(days).plusHours(hours);
    }
}
