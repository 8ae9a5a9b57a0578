package io.sippar.scheme;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.SupportedKind;
import io.sippar.x402.VerifyResponse;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;

/**
 * One payment scheme on one family of networks (e.g. exact on eip155:*). Implementations own their
 * chain access, timeouts and failover; an outage of ours surfaces as {@link SchemeUnavailableException},
 * never as an invalid payment.
 */
public interface PaymentScheme {

    /** The scheme name on the wire, e.g. {@code exact}. */
    String scheme();

    /** Whether this deployment can verify and settle this scheme on this CAIP-2 network. */
    boolean supports(String network);

    /** The concrete kinds for {@code GET /supported}. */
    List<SupportedKind> kinds();

    /** Addresses this scheme signs or settles with, keyed by CAIP family pattern (eip155:*). */
    default java.util.Map<String, List<String>> signers() {
        return java.util.Map.of();
    }

    /** Scheme data a requirement on this network must carry (e.g. Algorand's feePayer). */
    default Optional<ObjectNode> requirementExtra(String network) {
        return Optional.empty();
    }

    /** Who pays and the payment's unique on-chain reference, read without any chain call. */
    PaymentIdentity identify(Payment payment, PaymentRequirements requirements);

    /** Checks a payment against the requirements and the chain's state. */
    Uni<VerifyResponse> verify(Payment payment, PaymentRequirements requirements);

    /**
     * Why this process cannot settle on {@code network} right now (no settlement key configured, or
     * none leased to it), checked before a payment is reserved so it is refused with 503 and never
     * charged; empty when it can.
     */
    default Optional<String> settlementUnavailable(String network) {
        return Optional.empty();
    }

    /**
     * Whether {@link #settle} calls {@link BroadcastListener#beforeBroadcast} before it first
     * broadcasts (and {@link BroadcastListener#feePaid} after): the gateway then moves the payment
     * to settling inside that call, together with holding the fee against the gas ceilings, so a
     * ceiling can refuse a settlement while nothing has happened yet. Default false: the payment is
     * moved to settling before {@link #settle} is called, and no ceiling applies.
     */
    default boolean announcesFees() {
        return false;
    }

    /**
     * Executes a verified payment on chain and waits for its outcome. {@code listener} hears the
     * transaction id as soon as it is broadcast.
     */
    Uni<SettleResponse> settle(Payment payment, PaymentRequirements requirements, BroadcastListener listener);

    /**
     * What became of a payment the gateway did not finish (the reconciler's question): looked up on
     * chain by its transaction id when one was recorded, else by its {@code chainRef}. Read-only: it
     * never broadcasts. Chain or node trouble is {@link ChainStatus.Unknown}, never a failed Uni.
     * The default cannot look anything up, so the reconciler leaves this scheme's settling payments
     * for an operator and only releases its stale reservations (nothing was broadcast for those).
     */
    default Uni<ChainStatus> status(UnfinishedPayment payment) {
        return Uni.createFrom().item(new ChainStatus.Unknown("the " + scheme() + " scheme on " + payment.network()
                + " cannot look payments up on chain"));
    }
}
