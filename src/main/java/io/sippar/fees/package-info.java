/**
 * The fee schedule: versioned, loaded from JSON, applied to one settled payment at a time.
 *
 * <p>Pure functions over {@link java.math.BigInteger} atomic units and exact
 * {@link java.math.BigDecimal} USD values; no database, no network, no CDI. The decisions it
 * encodes (band edges, the 5% cap on flat fees, how cross-chain and AI-agent rates combine,
 * rounding, version selection) are written down in {@code src/main/resources/fees/FEES.md}:
 * <ul>
 * <li>micro {@code v < $1}, small {@code $1 <= v <= $100}, medium {@code $100 < v <= $10,000},
 *     large {@code v > $10,000}, on the exact USD value;</li>
 * <li>any fee is capped at floor(5% of the payment), so a flat fee never exceeds the payment;</li>
 * <li>AI-agent rate replaces the band fee; cross-chain percent is added; one half-up rounding to
 *     the asset's smallest unit, then the cap;</li>
 * <li>a non-stable asset without a USD rate is refused.</li>
 * </ul>
 */
package io.sippar.fees;
