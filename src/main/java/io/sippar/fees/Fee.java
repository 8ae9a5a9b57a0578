package io.sippar.fees;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * The fee charged on one settled payment.
 *
 * @param atomic the fee in the payment asset's smallest unit; what the ledger posts
 * @param usd the exact USD value of {@code atomic} at the request's rate (scale = decimals + rate scale)
 * @param band the x402 band of the payment's USD value (reported even when an agent rate applied)
 * @param scheduleVersion the schedule version that priced it
 * @param rule what was applied, for statements and support ("small: flat 0.05 USD; cross-chain standard 0.1%")
 */
public record Fee(BigInteger atomic, BigDecimal usd, String band, String scheduleVersion, String rule)
        implements FeeOutcome {

    public Fee {
        Objects.requireNonNull(atomic, "atomic");
        Objects.requireNonNull(usd, "usd");
        Objects.requireNonNull(band, "band");
        Objects.requireNonNull(scheduleVersion, "scheduleVersion");
        Objects.requireNonNull(rule, "rule");
        if (atomic.signum() < 0) {
            throw new IllegalArgumentException("fee must not be negative");
        }
    }
}
