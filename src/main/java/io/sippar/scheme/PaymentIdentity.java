package io.sippar.scheme;

/**
 * The on-chain identity of a payment, the key of the replay guard.
 *
 * @param payer the paying address
 * @param chainRef EVM: the EIP-3009 nonce (lowercase 0x hex); Algorand: the payment transaction id
 */
public record PaymentIdentity(String payer, String chainRef) {
}
