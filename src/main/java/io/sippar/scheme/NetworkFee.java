package io.sippar.scheme;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A network fee the gateway pays to settle, in the network's native atomic unit (wei on EVM,
 * microAlgos on Algorand), keyed by CAIP-2 network so fee ceilings stay scheme-neutral.
 */
public record NetworkFee(String network, BigInteger amount) {

    public NetworkFee {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(amount, "amount");
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("a network fee is never negative: " + amount);
        }
    }
}
