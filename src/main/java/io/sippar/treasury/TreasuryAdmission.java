package io.sippar.treasury;

import io.sippar.ledger.TreasuryRepository;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/**
 * Attribution of treasury payments, checked before a payment is reserved or verified. The payer's
 * signature names the treasury, not a merchant, and two merchants' treasury requirements can be
 * identical, so neither the authorization nor a marker in the requirements (which nobody signs) can
 * say whose it is: the first merchant it is presented for claims it (a route of that merchant, or that
 * merchant's own {@code /verify} or {@code /settle}), and it is credited to that merchant only. A merchant
 * serves only after its own verification, which claimed the authorization, so another merchant can
 * never settle an authorization a merchant has served against and get it credited to itself.
 */
@ApplicationScoped
public class TreasuryAdmission {

    /** How the payment reached the gateway. */
    public enum Via {
        /** A route's request (reverse proxy or forward auth): the requirements are the gateway's own. */
        ROUTE,
        /** The merchant's {@code /verify}. */
        VERIFY,
        /** The merchant's {@code /settle}. */
        SETTLE;

        String db() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Why a payment is refused, as an x402 reason. */
    public record Refusal(ReasonCode reason, String message) {
    }

    private final Treasuries treasuries;
    private final TreasuryRouting routing;
    private final TreasuryRepository repository;

    public TreasuryAdmission(Treasuries treasuries, TreasuryRouting routing, TreasuryRepository repository) {
        this.treasuries = treasuries;
        this.routing = routing;
        this.repository = repository;
    }

    /** Whether {@code requirements} pay a treasury (then the payment is credited to a payable balance). */
    public boolean paysTreasury(PaymentRequirements requirements) {
        return treasuries.isTreasury(requirements.network(), requirements.payTo());
    }

    /**
     * Empty when {@code merchantId} may go on with this payment: it does not pay a treasury (and the
     * merchant's mode allows that), or it does and the authorization is, or now becomes, this merchant's.
     */
    public Uni<Optional<Refusal>> admit(UUID merchantId, PaymentRequirements requirements, PaymentIdentity identity,
            Via via) {
        String network = requirements.network();
        if (!paysTreasury(requirements)) {
            if (via == Via.ROUTE || treasuries.of(network).isEmpty() || !routing.cachedTreasuryMode(merchantId)) {
                return Uni.createFrom().item(Optional.empty());
            }
            return inTreasuryMode(merchantId).map(treasury -> treasury ? Optional.of(new Refusal(
                    ReasonCode.TREASURY_PAYMENT_REQUIRED, "this merchant is in treasury mode: payTo must be the"
                            + " gateway's treasury on " + network + ", " + treasuries.of(network).get().treasury().address()))
                    : Optional.empty());
        }
        Uni<Boolean> allowed = via == Via.ROUTE ? Uni.createFrom().item(true) : inTreasuryMode(merchantId);
        return allowed.chain(ok -> {
            if (!ok) {
                return Uni.createFrom().item(Optional.of(new Refusal(ReasonCode.TREASURY_NOT_ENABLED, "payTo is the"
                        + " gateway's treasury, but this merchant is not in treasury mode; pay its own address")));
            }
            return repository.claim(network, requirements.asset(), identity.payer(), identity.chainRef(), merchantId,
                    via.db()).map(owner -> owner.equals(merchantId) ? Optional.<Refusal>empty()
                            : Optional.of(new Refusal(ReasonCode.PAYMENT_CLAIMED_BY_ANOTHER_MERCHANT, "this"
                                    + " authorization pays the shared treasury and was presented for another merchant"
                                    + " first; it can only be credited to that merchant")));
        });
    }

    private Uni<Boolean> inTreasuryMode(UUID merchantId) {
        if (routing.cachedTreasuryMode(merchantId)) {
            return Uni.createFrom().item(true);
        }
        // the cache follows route reloads; a mode changed a moment ago is in the database already
        return repository.settlementMode(merchantId).map(m -> m.map("treasury"::equals).orElse(false));
    }
}
