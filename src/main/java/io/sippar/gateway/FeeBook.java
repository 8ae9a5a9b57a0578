package io.sippar.gateway;

import io.sippar.fees.Fee;
import io.sippar.fees.FeeCalculator;
import io.sippar.fees.FeeOutcome;
import io.sippar.fees.FeeRequest;
import io.sippar.fees.FeeScheduleLoader;
import io.sippar.pricing.Asset;
import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/** The fee schedule in force (the seeds' default, or an operator's file) applied to settled payments. */
@ApplicationScoped
public class FeeBook {

    private static final Logger LOG = Logger.getLogger(FeeBook.class);

    /** Where the fee schedule comes from. */
    @ConfigMapping(prefix = "sippar.fees")
    public interface FeesConfig {
        /** A schedule file in the format of fees/FEES.md; absent = the built-in default schedule. */
        Optional<Path> scheduleFile();
    }

    private final FeeCalculator calculator;

    public FeeBook(FeesConfig config) {
        this.calculator = new FeeCalculator(config.scheduleFile().map(FeeScheduleLoader::load)
                .orElseGet(FeeScheduleLoader::loadDefault));
    }

    /**
     * The fee on a payment settled now. The chain has already moved the money, so a fee that can't be
     * computed (e.g. no USD rate for a non-stable asset) is recorded as zero with the reason, never
     * blocks the settlement, and is logged for the operator.
     */
    public Fee feeFor(Asset asset, BigInteger amount, Instant settledAt) {
        FeeRequest request = asset.usdStable() ? FeeRequest.stablecoin(amount, asset.decimals(), settledAt)
                : FeeRequest.priced(amount, asset.decimals(), null, settledAt);
        FeeOutcome outcome = calculator.calculate(request);
        if (outcome instanceof Fee fee) {
            return fee;
        }
        LOG.warnf("no fee computed for %s on %s: %s", amount, asset.network(), outcome);
        return new Fee(BigInteger.ZERO, BigDecimal.ZERO, "none", "none", "not computed: " + outcome);
    }
}
