package io.sippar.ledger;

import java.math.BigInteger;
import java.util.UUID;

/** What is known of a payment when it is first seen: enough to reserve its on-chain identity. */
public record NewPayment(UUID merchantId, UUID routeId, int x402Version, String scheme, String network, String asset,
        String payer, String payTo, BigInteger amount, String chainRef, String resource) {
}
