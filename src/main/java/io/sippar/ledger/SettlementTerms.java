package io.sippar.ledger;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Everything a settlement is priced with, read inside the transaction that marks the payment settled,
 * so the fee, its schedule version, the settled_at it is recorded with and the month's AI-agent count
 * all come from one consistent snapshot, whichever pod settles.
 *
 * @param merchantId the payment's merchant
 * @param settledAt the instant recorded as settled_at (the database's clock)
 * @param feeScheduleVersion the version in force at {@code settledAt}; null when none is
 * @param plan the merchant's plan id, for plan overrides
 * @param homeNetwork the merchant's home network (CAIP-2); null = no cross-chain fee ever
 * @param crossChainTier the cross-chain rate tier of the merchant's contract
 * @param agentPricing whether the merchant's payments are AI-agent transactions
 * @param agentTransactionsBefore the merchant's AI-agent transactions settled earlier this UTC month
 * @param treasury the treasury address the payment paid (treasury mode), or null when it paid the merchant
 */
public record SettlementTerms(UUID merchantId, Instant settledAt, String feeScheduleVersion, String plan,
        String homeNetwork, String crossChainTier, boolean agentPricing, long agentTransactionsBefore,
        String treasury) {

    public SettlementTerms {
        Objects.requireNonNull(merchantId, "merchantId");
        Objects.requireNonNull(settledAt, "settledAt");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(crossChainTier, "crossChainTier");
        if (agentTransactionsBefore < 0) {
            throw new IllegalArgumentException("agentTransactionsBefore must not be negative");
        }
    }

    /** Terms of a payment that paid the merchant itself (direct mode). */
    public SettlementTerms(UUID merchantId, Instant settledAt, String feeScheduleVersion, String plan,
            String homeNetwork, String crossChainTier, boolean agentPricing, long agentTransactionsBefore) {
        this(merchantId, settledAt, feeScheduleVersion, plan, homeNetwork, crossChainTier, agentPricing,
                agentTransactionsBefore, null);
    }

    /** Whether a payment on {@code network} settled away from the merchant's home network. */
    public boolean crossChain(String network) {
        return homeNetwork != null && !homeNetwork.equals(network);
    }
}
