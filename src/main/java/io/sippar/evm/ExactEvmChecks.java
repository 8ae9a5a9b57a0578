package io.sippar.evm;

import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.evm.Verdict.NeedsContractSignatureCheck;
import io.sippar.evm.Verdict.PassedOffline;
import io.sippar.evm.Verdict.Refused;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.x402.Network;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.web3j.utils.Numeric;

/**
 * The offline part of exact-EVM verify (x402 digest §3.3, EIP-3009 path), in the reference's
 * order, so that a payment with several faults is refused with the same code the TS facilitator
 * would send. Pure: no chain access, the clock is a parameter.
 */
final class ExactEvmChecks {

    static final String SCHEME = "exact";

    /** The reference's slack on validBefore: the transfer must still be valid when it lands in a block. */
    static final long VALID_BEFORE_SLACK_SECONDS = 6;

    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,78}");

    /** Which signatures that do not recover to {@code from} may still be a contract wallet's. */
    enum ContractSigners {
        /**
         * Only signatures longer than 65 bytes; a 65-byte mismatch is refused offline. Cheaper, but
         * refuses a deployed ERC-1271 wallet that signs with 65 bytes (e.g. the fixture's
         * ERC1271TestWallet), which the reference (viem's universal verifier) accepts.
         */
        LONGER_THAN_65_BYTES,
        /** Any signature that is not a valid EOA signature by {@code from}: the reference's behaviour. */
        ANY_LENGTH
    }

    private ExactEvmChecks() {
    }

    /** {@link #check(Payment, PaymentRequirements, long, ContractSigners)} with {@link ContractSigners#LONGER_THAN_65_BYTES}. */
    static Verdict check(Payment payment, PaymentRequirements req, long nowEpochSeconds) {
        return check(payment, req, nowEpochSeconds, ContractSigners.LONGER_THAN_65_BYTES);
    }

    /** Runs the offline checks in order; the first failure wins. */
    static Verdict check(Payment payment, PaymentRequirements req, long nowEpochSeconds, ContractSigners contractSigners) {
        Objects.requireNonNull(payment, "payment");
        Objects.requireNonNull(req, "req");
        Objects.requireNonNull(contractSigners, "contractSigners");

        // parsed first only so that early refusals can name the payer, as the reference does;
        // a malformed payload is reported at its own place in the order (after the network)
        ExactEvmPayload payload = null;
        X402DecodeException malformed = null;
        try {
            payload = ExactEvmPayload.parse(payment.payload());
        } catch (X402DecodeException e) {
            malformed = e;
        }
        String payer = payload == null ? null : payload.authorization().from();

        // 1. scheme, on both sides
        if (!SCHEME.equals(payment.scheme()) || !SCHEME.equals(req.scheme())) {
            return new Refused(ReasonCode.INVALID_EXACT_EVM_SCHEME,
                    "scheme must be exact (payment: " + payment.scheme() + ", requirements: " + req.scheme() + ")",
                    payer);
        }

        // v1 looks the network name up before anything else; an unknown name is a mismatch
        Optional<String> paymentNetwork = paymentNetworkAsCaip2(payment);
        if (!payment.isV2() && paymentNetwork.isEmpty()) {
            return networkMismatch(payment, req, payer);
        }

        // 2. EIP-712 domain comes only from extra (no on-chain name()/version() lookup)
        Optional<String> name = nonEmptyText(req.extra(), "name");
        Optional<String> version = nonEmptyText(req.extra(), "version");
        if (name.isEmpty() || version.isEmpty()) {
            return new Refused(ReasonCode.INVALID_EXACT_EVM_MISSING_EIP712_DOMAIN,
                    "requirements.extra must carry the token's EIP-712 name and version", payer);
        }

        // 3. our own requirements must be usable; the reference throws (HTTP 500) here instead
        Optional<String> asset = EvmAddresses.parse(req.asset());
        OptionalLong chainId = Network.parse(req.network()).map(Network::evmChainId).orElse(OptionalLong.empty());
        if (asset.isEmpty() || chainId.isEmpty()) {
            return new Refused(ReasonCode.INVALID_PAYMENT_REQUIREMENTS,
                    "requirements need an EVM network and a token address as asset", payer);
        }

        // 4. network
        if (paymentNetwork.isEmpty() || !paymentNetwork.get().equals(req.network())) {
            return networkMismatch(payment, req, payer);
        }

        if (malformed != null) {
            return new Refused(malformed.reason(), malformed.getMessage(), null);
        }

        ExactEvmPayload parsed = payload;

        // 5-7. signature
        Eip712.Domain domain = new Eip712.Domain(name.get(), version.get(), chainId.getAsLong(), asset.get());
        Eip3009Authorization auth = parsed.authorization();
        byte[] digest = Eip712.digest(domain, auth);
        byte[] signature = parsed.signatureBytes();
        boolean eoaSigned = SignatureRecovery.recover(digest, signature)
                .filter(signer -> EvmAddresses.same(signer, auth.from()))
                .isPresent();
        boolean contractCandidate = !eoaSigned && (signature.length > SignatureRecovery.ECDSA_LENGTH
                || (contractSigners == ContractSigners.ANY_LENGTH && signature.length == SignatureRecovery.ECDSA_LENGTH));
        if (!eoaSigned && !contractCandidate) {
            return new Refused(ReasonCode.INVALID_EXACT_EVM_SIGNATURE,
                    "signature is not a valid EIP-712 TransferWithAuthorization signature by " + auth.from(), payer);
        }

        // 8-11 are evaluated even for contract candidates: the caller applies them after its chain check
        Optional<Refused> later = afterSignature(auth, req, nowEpochSeconds);
        if (contractCandidate) {
            return new NeedsContractSignatureCheck(payer, parsed, domain, Numeric.toHexString(digest), later);
        }
        return later.<Verdict>map(r -> r).orElseGet(() -> new PassedOffline(payer, parsed, domain));
    }

    /** Steps 8-11 of §3.3: recipient, validBefore, validAfter, value. */
    private static Optional<Refused> afterSignature(Eip3009Authorization auth, PaymentRequirements req, long now) {
        String payer = auth.from();
        if (!EvmAddresses.same(auth.to(), req.payTo())) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_EVM_RECIPIENT_MISMATCH,
                    "authorization.to " + auth.to() + " is not payTo " + req.payTo(), payer));
        }
        BigInteger nowBig = BigInteger.valueOf(now);
        BigInteger earliestValidBefore = nowBig.add(BigInteger.valueOf(VALID_BEFORE_SLACK_SECONDS));
        if (auth.validBefore().compareTo(earliestValidBefore) < 0) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE,
                    "authorization expires at " + auth.validBefore() + ", must be at least " + earliestValidBefore,
                    payer));
        }
        if (auth.validAfter().compareTo(nowBig) > 0) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_AFTER,
                    "authorization is not valid before " + auth.validAfter() + " (now " + now + ")", payer));
        }
        if (req.amount() == null || !DECIMAL.matcher(req.amount()).matches()) {
            return Optional.of(new Refused(ReasonCode.INVALID_PAYMENT_REQUIREMENTS,
                    "requirements.amount is not an atomic decimal amount", payer));
        }
        // exact equality: paying more is as wrong as paying less for the exact scheme
        if (!auth.value().equals(new BigInteger(req.amount()))) {
            return Optional.of(new Refused(ReasonCode.INVALID_EXACT_EVM_AUTHORIZATION_VALUE,
                    "authorization value " + auth.value() + " is not the required amount " + req.amount(), payer));
        }
        return Optional.empty();
    }

    /**
     * The replay-guard key: payer (EIP-55) and EIP-3009 nonce (lowercase hex), read from the payload
     * alone. {@code requirements} is unused but kept to mirror {@code PaymentScheme.identify}.
     *
     * @throws X402DecodeException with {@code invalid_payload} when the payload is malformed
     */
    static PaymentIdentity identify(Payment payment, PaymentRequirements requirements) {
        Eip3009Authorization auth = ExactEvmPayload.parse(Objects.requireNonNull(payment, "payment").payload())
                .authorization();
        return new PaymentIdentity(auth.from(), auth.nonce(), validBeforeInstant(auth.validBefore()));
    }

    /** Latest instant PostgreSQL and java.time both hold comfortably; later validBefore values mean "never expires". */
    private static final BigInteger LAST_STORABLE_SECOND = BigInteger.valueOf(253_402_300_799L); // 9999-12-31T23:59:59Z

    static java.time.Instant validBeforeInstant(BigInteger validBefore) {
        return java.time.Instant.ofEpochSecond(validBefore.min(LAST_STORABLE_SECOND).longValueExact());
    }

    /** v2: the {@code accepted.network} string as sent; v1: the short name mapped to CAIP-2. */
    private static Optional<String> paymentNetworkAsCaip2(Payment payment) {
        if (payment.isV2()) {
            // the reference compares the two strings as they are; no normalisation for v2
            return Optional.ofNullable(payment.network());
        }
        return Network.fromV1Name(payment.network()).map(Network::caip2);
    }

    private static Refused networkMismatch(Payment payment, PaymentRequirements req, String payer) {
        return new Refused(ReasonCode.INVALID_EXACT_EVM_NETWORK_MISMATCH,
                "payment network " + payment.network() + " does not match " + req.network(), payer);
    }

    private static Optional<String> nonEmptyText(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? Optional.of(v.textValue()) : Optional.empty();
    }
}
