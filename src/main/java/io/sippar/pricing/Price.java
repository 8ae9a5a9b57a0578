package io.sippar.pricing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * A route's price: either US dollars ({@code $0.001}, converted per asset) or an exact amount of
 * atomic units ({@code 1000}) of whatever asset the route accepts.
 */
public sealed interface Price {

    Pattern USD = Pattern.compile("^\\$([0-9]{1,12})(\\.[0-9]{1,18})?$");
    Pattern ATOMIC = Pattern.compile("^[0-9]{1,78}$");

    /** Atomic units of {@code asset} this price asks for. */
    BigInteger atomicAmount(Asset asset);

    /** The price as configured, e.g. {@code $0.001}. */
    String text();

    /** Parses {@code $0.001} or {@code 1000}; anything else is a configuration error. */
    static Price parse(String text) {
        String t = text == null ? "" : text.trim();
        if (USD.matcher(t).matches()) {
            BigDecimal usd = new BigDecimal(t.substring(1));
            if (usd.signum() <= 0) {
                throw new IllegalArgumentException("price must be positive: " + text);
            }
            return new Usd(usd, t);
        }
        if (ATOMIC.matcher(t).matches()) {
            BigInteger atomic = new BigInteger(t);
            if (atomic.signum() <= 0) {
                throw new IllegalArgumentException("price must be positive: " + text);
            }
            return new Atomic(atomic, t);
        }
        throw new IllegalArgumentException("price must be like $0.001 or an integer of atomic units: " + text);
    }

    /** A US-dollar price; only stablecoins are accepted for it, at 1:1. */
    record Usd(BigDecimal usd, String text) implements Price {
        @Override
        public BigInteger atomicAmount(Asset asset) {
            if (!asset.usdStable()) {
                throw new IllegalArgumentException("a $ price needs a USD stablecoin, not " + asset.address());
            }
            try {
                // a price finer than the asset's smallest unit is a configuration error, not a rounding
                return usd.movePointRight(asset.decimals()).setScale(0, RoundingMode.UNNECESSARY).toBigIntegerExact();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        text + " is finer than the smallest unit of " + asset.address() + " (" + asset.decimals()
                                + " decimals)");
            }
        }
    }

    /** An exact number of atomic units, whatever the asset. */
    record Atomic(BigInteger amount, String text) implements Price {
        @Override
        public BigInteger atomicAmount(Asset asset) {
            return amount;
        }
    }
}
