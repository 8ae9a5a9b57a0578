package io.sippar.pricing;

/**
 * A token a route can be paid in.
 *
 * @param network CAIP-2 network id
 * @param address token contract (EVM, EIP-55) or ASA id (Algorand, decimal string)
 * @param decimals the asset's smallest unit is 10^-decimals
 * @param eip712Name EIP-712 domain name (EVM EIP-3009 tokens), null elsewhere
 * @param eip712Version EIP-712 domain version, null elsewhere
 * @param usdStable whether one whole unit is worth one US dollar (prices in $ convert 1:1)
 */
public record Asset(String network, String address, int decimals, String eip712Name, String eip712Version,
        boolean usdStable) {

    public Asset {
        if (decimals < 0 || decimals > 36) {
            throw new IllegalArgumentException("decimals out of range: " + decimals);
        }
    }
}
