package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReasonCodeTest {

    private static final Pattern SNAKE = Pattern.compile("[a-z0-9]+(_[a-z0-9]+)*");

    @ParameterizedTest
    @EnumSource(ReasonCode.class)
    void everyCodeIsSnakeCaseAndRoundTrips(ReasonCode code) {
        assertTrue(SNAKE.matcher(code.wire()).matches(), code.wire());
        assertEquals(Optional.of(code), ReasonCode.fromWire(code.wire()));
        assertEquals(code.wire(), code.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // core
        "before_verify_hook_error", "before_settle_hook_error",
        // EVM exact (v2 spellings) and Permit2
        "invalid_exact_evm_scheme", "invalid_exact_evm_missing_eip712_domain", "invalid_exact_evm_network_mismatch",
        "invalid_exact_evm_signature", "invalid_exact_evm_recipient_mismatch",
        "invalid_exact_evm_payload_authorization_valid_before", "invalid_exact_evm_payload_authorization_valid_after",
        "invalid_exact_evm_authorization_value", "invalid_exact_evm_nonce_already_used",
        "invalid_exact_evm_transaction_simulation_failed", "invalid_exact_evm_transaction_failed",
        "permit2_allowance_required", "permit2_2612_amount_mismatch", "invalid_transaction_state",
        "erc20_approval_tx_failed", "eip2612_deadline_expired",
        // AVM
        "invalid_exact_avm_invalid_version", "invalid_exact_avm_unsigned_non_facilitator",
        "invalid_exact_avm_fee_too_high", "invalid_exact_avm_confirmation_failed",
        // AVM, Sippar's own checks beyond the reference
        "invalid_exact_avm_genesis_mismatch", "invalid_exact_avm_payment_close_to", "invalid_exact_avm_payment_rekey",
        "invalid_exact_avm_payment_clawback", "invalid_exact_avm_transaction_expired",
        "invalid_exact_avm_transaction_not_yet_valid",
        // legacy v1
        "insufficient_funds", "invalid_exact_evm_payload_signature", "invalid_exact_evm_payload_recipient_mismatch",
        "invalid_exact_evm_payload_authorization_value", "invalid_network", "invalid_payload",
        "invalid_payment_requirements", "invalid_scheme", "invalid_payment", "payment_expired", "unsupported_scheme",
        "invalid_x402_version", "unexpected_settle_error", "unexpected_verify_error", "duplicate_settlement",
        "settle_exact_svm_block_height_exceeded", "invalid_exact_svm_payload_transaction_simulation_failed",
        // Sippar's own
        "invalid_payment_header_base64", "invalid_payment_header_utf8", "invalid_payment_header_json",
        "payment_header_too_large", "payment_version_header_mismatch", "no_matching_payment_requirements",
        "unsupported_network", "route_not_found", "payment_already_used", "payment_in_progress",
        "facilitator_unavailable", "invalid_request", "unauthorized", "rate_limited", "gas_budget_exceeded"})
    void knowsReferenceAndOwnCodes(String wire) {
        assertEquals(wire, ReasonCode.fromWire(wire).orElseThrow().wire());
    }

    @Test
    void unknownOrDifferentlyCasedCodesAreNotRecognised() {
        assertEquals(Optional.empty(), ReasonCode.fromWire("Settlement failed"));
        assertEquals(Optional.empty(), ReasonCode.fromWire("INSUFFICIENT_FUNDS"));
        assertEquals(Optional.empty(), ReasonCode.fromWire(null));
    }
}
