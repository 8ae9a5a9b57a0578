package io.sippar.scheme;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A payment the gateway has not finished, as it was stored: everything a scheme needs to ask the
 * chain what became of it ({@link PaymentScheme#status}).
 *
 * @param network CAIP-2 network
 * @param asset the token (EVM) or asset id (Algorand) as in the requirements
 * @param payer the paying address
 * @param payTo the receiving address the payment was signed for
 * @param amount atomic units the payment was signed for
 * @param chainRef the scheme's unique on-chain reference ({@link PaymentIdentity#chainRef()})
 * @param transactionId the last transaction id recorded for it, if its broadcast was recorded
 * @param validBefore when the chain stops accepting it, if known ({@link PaymentIdentity#validBefore()})
 * @param validRounds the heights the chain can execute it in, if known ({@link PaymentIdentity#validRounds()})
 * @param firstSeen when the gateway first stored the payment; the chain cannot have executed it
 *        through the gateway before then
 */
public record UnfinishedPayment(String network, String asset, String payer, String payTo, BigInteger amount,
        String chainRef, Optional<String> transactionId, Optional<Instant> validBefore,
        Optional<RoundWindow> validRounds, Instant firstSeen) {

    public UnfinishedPayment {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(asset, "asset");
        Objects.requireNonNull(payer, "payer");
        Objects.requireNonNull(payTo, "payTo");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(chainRef, "chainRef");
        Objects.requireNonNull(transactionId, "transactionId");
        Objects.requireNonNull(validBefore, "validBefore");
        Objects.requireNonNull(validRounds, "validRounds");
        Objects.requireNonNull(firstSeen, "firstSeen");
    }

    /** A payment whose validity is bounded by time only (or not known). */
    public UnfinishedPayment(String network, String asset, String payer, String payTo, BigInteger amount,
            String chainRef, Optional<String> transactionId, Optional<Instant> validBefore, Instant firstSeen) {
        this(network, asset, payer, payTo, amount, chainRef, transactionId, validBefore, Optional.empty(), firstSeen);
    }
}
