package io.sippar.fees;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A settled payment to be charged: its amount, its asset, and the flags that select the rule.
 *
 * <p>Structurally impossible values (negative amounts, negative decimals) are rejected here with
 * {@link IllegalArgumentException}: they are caller bugs. Conditions that depend on data (a missing
 * USD rate, an unknown cross-chain tier, no schedule in force) come back as {@link FeeOutcome.Refused}.
 *
 * @param amountAtomic payment amount in the asset's smallest unit
 * @param decimals the asset's decimals (6 for USDC, 18 for most native EVM assets)
 * @param stablecoin true for USD stablecoins, valued 1:1 without a rate
 * @param usdRate USD value of one whole unit of a non-stable asset; null when unknown
 * @param settledAt when the payment settled: selects the schedule version
 * @param crossChainTier cross-chain tier when settled away from the merchant's home network
 * @param agentMonthlyTransactions present for AI-agent transactions: the month's agent volume
 * @param plan the merchant's plan id, for per-plan overrides
 */
public record FeeRequest(BigInteger amountAtomic, int decimals, boolean stablecoin, BigDecimal usdRate,
        Instant settledAt, Optional<String> crossChainTier, OptionalLong agentMonthlyTransactions,
        Optional<String> plan) {

    /** NUMERIC(78,0) holds at most 78 digits, so no ledger asset can have more decimals than that. */
    static final int MAX_DECIMALS = 77;

    public FeeRequest {
        Objects.requireNonNull(amountAtomic, "amountAtomic");
        if (amountAtomic.signum() < 0) {
            throw new IllegalArgumentException("amountAtomic must not be negative, got " + amountAtomic);
        }
        if (decimals < 0 || decimals > MAX_DECIMALS) {
            throw new IllegalArgumentException("decimals must be 0.." + MAX_DECIMALS + ", got " + decimals);
        }
        Objects.requireNonNull(settledAt, "settledAt");
        Objects.requireNonNull(crossChainTier, "crossChainTier");
        Objects.requireNonNull(agentMonthlyTransactions, "agentMonthlyTransactions");
        if (agentMonthlyTransactions.isPresent() && agentMonthlyTransactions.getAsLong() < 0) {
            throw new IllegalArgumentException("agentMonthlyTransactions must not be negative");
        }
        Objects.requireNonNull(plan, "plan");
    }

    /** A same-network, non-agent stablecoin payment with no plan. */
    public static FeeRequest stablecoin(BigInteger amountAtomic, int decimals, Instant settledAt) {
        return new FeeRequest(amountAtomic, decimals, true, null, settledAt, Optional.empty(), OptionalLong.empty(),
                Optional.empty());
    }

    /** A same-network, non-agent payment in a non-stable asset; {@code usdRate} may be null (refused). */
    public static FeeRequest priced(BigInteger amountAtomic, int decimals, BigDecimal usdRate, Instant settledAt) {
        return new FeeRequest(amountAtomic, decimals, false, usdRate, settledAt, Optional.empty(), OptionalLong.empty(),
                Optional.empty());
    }

    /** This request, settled cross-chain at {@code tier}. */
    public FeeRequest crossChain(String tier) {
        return new FeeRequest(amountAtomic, decimals, stablecoin, usdRate, settledAt, Optional.of(tier),
                agentMonthlyTransactions, plan);
    }

    /** This request, made by an AI agent whose month so far counts {@code monthlyTransactions}. */
    public FeeRequest agent(long monthlyTransactions) {
        return new FeeRequest(amountAtomic, decimals, stablecoin, usdRate, settledAt, crossChainTier,
                OptionalLong.of(monthlyTransactions), plan);
    }

    /** This request, for a merchant on {@code planId}. */
    public FeeRequest plan(String planId) {
        return new FeeRequest(amountAtomic, decimals, stablecoin, usdRate, settledAt, crossChainTier,
                agentMonthlyTransactions, Optional.of(planId));
    }

    /** This request with a different amount, everything else equal. */
    public FeeRequest amount(BigInteger newAmountAtomic) {
        return new FeeRequest(newAmountAtomic, decimals, stablecoin, usdRate, settledAt, crossChainTier,
                agentMonthlyTransactions, plan);
    }
}
