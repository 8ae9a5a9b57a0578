package io.sippar.evm;

import io.sippar.x402.ReasonCode;
import java.util.Objects;
import java.util.Optional;

/** Outcome of the offline exact-EVM checks: refused, passed, or waiting for an on-chain ERC-1271 check. */
sealed interface Verdict {

    /** The refusal, when this verdict is one. */
    default Optional<Refused> refusal() {
        return this instanceof Refused r ? Optional.of(r) : Optional.empty();
    }

    /**
     * The first failing check.
     *
     * @param payer {@code authorization.from} (EIP-55) when the payload could be read, else null;
     *     the reference returns the payer with every verify answer
     */
    record Refused(ReasonCode reason, String message, String payer) implements Verdict {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Every offline check that can be decided passed; the signature is not an EOA signature by
     * {@code from}, so only the chain can tell (code at {@code from}, ERC-1271, ERC-6492). The caller
     * must then apply, in this order (reference §3.3 steps 5-7, then 8-11):
     * <ol>
     *   <li>{@link #smartWalletSignature()} false (65 bytes): unless {@code from} is a contract whose
     *       {@code isValidSignature(digest, signature)} returns {@code 0x1626ba7e}, refuse with
     *       {@code invalid_exact_evm_signature};</li>
     *   <li>{@link #smartWalletSignature()} true: if {@code from} has no code and the signature
     *       carries no ERC-6492 factory data, refuse with
     *       {@code invalid_exact_evm_payload_undeployed_smart_wallet}; otherwise simulation decides;</li>
     *   <li>then {@link #laterRefusal()}, if present: the first failing check after the signature
     *       (recipient, validBefore, validAfter, value), already evaluated offline.</li>
     * </ol>
     *
     * @param digest the EIP-712 digest as lowercase 0x hex, the {@code hash} for ERC-1271
     */
    record NeedsContractSignatureCheck(
            String payer,
            ExactEvmPayload payload,
            Eip712.Domain domain,
            String digest,
            Optional<Refused> laterRefusal) implements Verdict {

        public NeedsContractSignatureCheck {
            Objects.requireNonNull(payer, "payer");
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(digest, "digest");
            Objects.requireNonNull(laterRefusal, "laterRefusal");
        }

        /** True for signatures longer than 65 bytes (smart wallet or ERC-6492 wrapped). */
        boolean smartWalletSignature() {
            return payload.signatureLength() > SignatureRecovery.ECDSA_LENGTH;
        }
    }

    /** Every offline check passed with an EOA signature by {@code payer}; on-chain checks come next. */
    record PassedOffline(String payer, ExactEvmPayload payload, Eip712.Domain domain) implements Verdict {
        public PassedOffline {
            Objects.requireNonNull(payer, "payer");
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(domain, "domain");
        }
    }
}
