package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.x402.ReasonCode;
import io.sippar.x402.SupportedKind;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scheme advertises, how it reads its key, and the settle-time revert mapping; no chain needed. */
class ExactEvmSchemeConfigTest {

    private static final String KEY9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
    private static final String ADDRESS9 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

    @Test
    void advertisesV2KindAndV1KindWhereALegacyNameExists() {
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(
                new TestEvmConfig.TestNetwork(84532, KEY9, "http://127.0.0.1:1"),
                new TestEvmConfig.TestNetwork(31337, null, "http://127.0.0.1:1")))) {
            assertEquals(List.of(new SupportedKind(2, "exact", "eip155:84532", null),
                    new SupportedKind(1, "exact", "base-sepolia", null),
                    new SupportedKind(2, "exact", "eip155:31337", null)), scheme.kinds());
            assertTrue(scheme.supports("eip155:84532"));
            assertTrue(scheme.supports("eip155:31337"));
            assertFalse(scheme.supports("eip155:1"));
            assertFalse(scheme.supports("base-sepolia"));
            assertEquals(Map.of("eip155:*", List.of(ADDRESS9)), scheme.signers());
            assertEquals("exact", scheme.scheme());
        }
    }

    @Test
    void readsTrimmedKeyFromFileAndNeverPrintsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, "  " + KEY9 + "\n");
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(84532, null, "http://127.0.0.1:1");
        n.settlementKeyFile = file;
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(n))) {
            assertEquals(ADDRESS9, scheme.settlerAddress("eip155:84532").orElseThrow());
            String printed = scheme.settler("eip155:84532").orElseThrow().toString() + scheme;
            assertFalse(printed.contains(KEY9.substring(2, 20)), printed);
        }
    }

    @Test
    void refusesTheSameChainTwice() {
        assertThrows(IllegalStateException.class, () -> new ExactEvmScheme(TestEvmConfig.of(
                new TestEvmConfig.TestNetwork(84532, null, "http://127.0.0.1:1"),
                new TestEvmConfig.TestNetwork(84532, null, "http://127.0.0.1:2"))));
    }

    @Test
    void settleWithoutKeyIsUnavailable() {
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(
                new TestEvmConfig.TestNetwork(84532, null, "http://127.0.0.1:1")))) {
            var req = EvmVectors.requirements(EvmVectors.B_DOMAIN, "1000000", EvmVectors.MERCHANT);
            var p = EvmVectors.v2(req, EvmVectors.payloadJson(EvmVectors.B_AUTH, EvmVectors.B_SIGNATURE));
            assertThrows(io.sippar.scheme.SchemeUnavailableException.class,
                    () -> scheme.settle(p, req, io.sippar.scheme.BroadcastListener.NONE).await().indefinitely());
        }
    }

    @Test
    void mapsFiatTokenRevertStrings() {
        assertEquals(ReasonCode.INVALID_EXACT_EVM_NONCE_ALREADY_USED,
                ExactEvmScheme.settleRevertReason("FiatTokenV2: authorization is used or canceled"));
        assertEquals(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_BEFORE,
                ExactEvmScheme.settleRevertReason("FiatTokenV2: authorization is expired"));
        assertEquals(ReasonCode.INVALID_EXACT_EVM_PAYLOAD_AUTHORIZATION_VALID_AFTER,
                ExactEvmScheme.settleRevertReason("FiatTokenV2: authorization is not yet valid"));
        assertEquals(ReasonCode.INVALID_EXACT_EVM_INSUFFICIENT_BALANCE,
                ExactEvmScheme.settleRevertReason("ERC20: transfer amount exceeds balance"));
        assertEquals(ReasonCode.INVALID_EXACT_EVM_SIGNATURE,
                ExactEvmScheme.settleRevertReason("FiatTokenV2: invalid signature"));
        assertEquals(ReasonCode.INVALID_EXACT_EVM_TRANSACTION_FAILED,
                ExactEvmScheme.settleRevertReason("something else"));
    }

    @Test
    void bumpsFeesByAtLeastAnEighth() {
        BigInteger v = BigInteger.valueOf(1_000_000_000L);
        assertTrue(Settler.bump(v).compareTo(BigInteger.valueOf(1_125_000_000L)) >= 0);
        assertTrue(Settler.bump(BigInteger.ZERO).signum() > 0);
    }
}
