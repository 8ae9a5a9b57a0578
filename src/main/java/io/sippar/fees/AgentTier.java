package io.sippar.fees;

import java.math.BigDecimal;

/** AI-agent rate that applies from {@code fromMonthlyTransactions} agent transactions in the month upward. */
public record AgentTier(long fromMonthlyTransactions, BigDecimal percent) {

    public AgentTier {
        if (fromMonthlyTransactions < 0) {
            throw new IllegalArgumentException(
                    "agent tier fromMonthlyTransactions must not be negative, got " + fromMonthlyTransactions);
        }
        FeeSchedule.checkPercent(percent, "agent tier percent");
    }

    BigDecimal fraction() {
        return percent.movePointLeft(2);
    }
}
