package io.sippar.ledger;

import java.math.BigInteger;
import java.time.Instant;
import java.util.UUID;

/**
 * What is known of a payment when it is first seen: enough to reserve its on-chain identity.
 *
 * @param validBefore when the chain stops accepting the payment, or null when unknown
 * @param validFromRound the first round the chain can execute it in, for chains valid by round (Algorand), else null
 * @param validUntilRound the last round the chain can execute it in, set together with {@code validFromRound}
 */
public record NewPayment(UUID merchantId, UUID routeId, int x402Version, String scheme, String network, String asset,
        String payer, String payTo, BigInteger amount, String chainRef, String resource, Instant validBefore,
        Long validFromRound, Long validUntilRound) {

    /** A payment whose validity on chain is bounded by time (or not known). */
    public NewPayment(UUID merchantId, UUID routeId, int x402Version, String scheme, String network, String asset,
            String payer, String payTo, BigInteger amount, String chainRef, String resource, Instant validBefore) {
        this(merchantId, routeId, x402Version, scheme, network, asset, payer, payTo, amount, chainRef, resource,
                validBefore, null, null);
    }

    /** A payment whose expiry on chain is not known. */
    public NewPayment(UUID merchantId, UUID routeId, int x402Version, String scheme, String network, String asset,
            String payer, String payTo, BigInteger amount, String chainRef, String resource) {
        this(merchantId, routeId, x402Version, scheme, network, asset, payer, payTo, amount, chainRef, resource, null);
    }
}
