package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/** Settlement keys from every place a network may name them, as a mounted Secret lays them out. */
class SettlementKeysTest {

    // anvil's well-known test keys #7, #8, #9 (chain-fixtures/evm/README.md)
    private static final String K7 = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
    private static final String K8 = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
    private static final String K9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

    private static List<String> addresses(List<Credentials> keys) {
        return keys.stream().map(c -> Keys.toChecksumAddress(c.getAddress())).toList();
    }

    private static String address(String key) {
        return Keys.toChecksumAddress(Credentials.create(key).getAddress());
    }

    @Test
    void keysFromEveryPlaceComeInConfigurationOrderWithoutDuplicates(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("single.key"), "  " + K8 + "\n");
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Files.writeString(keys.resolve("b"), K7.substring(2));
        Files.writeString(keys.resolve("a"), K9);
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, K9, "http://127.0.0.1:1");
        n.settlementKeyFile = file;
        n.settlementKeys = List.of(K8, K7);
        n.settlementKeyDir = keys;
        assertEquals(List.of(address(K9), address(K8), address(K7)), addresses(SettlementKeys.load("devnet", n)));
    }

    @Test
    void aKeyDirectorySkipsHiddenEntriesAndSubdirectoriesAsAMountedSecretHasThem(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectory(dir.resolve("..2026_01_01_00_00_00.000000000"));
        Files.writeString(data.resolve("key-1"), K8);
        Files.writeString(data.resolve("key-2"), K7);
        // kubelet's layout: ..data -> the timestamped dir, each key a symlink through ..data
        Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
        Files.createSymbolicLink(dir.resolve("key-1"), Path.of("..data/key-1"));
        Files.createSymbolicLink(dir.resolve("key-2"), Path.of("..data/key-2"));
        Files.createDirectory(dir.resolve("notes"));
        Files.writeString(dir.resolve(".hidden"), "not a key");
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, null, "http://127.0.0.1:1");
        n.settlementKeyDir = dir;
        assertEquals(List.of(address(K8), address(K7)), addresses(SettlementKeys.load("base", n)));
    }

    @Test
    void aMalformedKeyIsRefusedNamingWhereItCameFromButNotItsContent() {
        String bad = K8.substring(0, 60) + "zz";
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, null, "http://127.0.0.1:1");
        n.settlementKeys = List.of(K7, bad);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SettlementKeys.load("base", n));
        assertTrue(e.getMessage().contains("sippar.evm.networks.base.settlement-keys[1]"), e.getMessage());
        assertFalse(e.getMessage().contains(bad.substring(2, 20)), "the key's content stays out of the message");
    }

    @Test
    void anEmptyKeyDirectoryIsRefusedAtStart(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".only-hidden"), K7);
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, null, "http://127.0.0.1:1");
        n.settlementKeyDir = dir;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SettlementKeys.load("base", n));
        assertTrue(e.getMessage().contains("holds no key file"), e.getMessage());
    }

    @Test
    void aNetworkWithoutKeysVerifiesOnlyAndSaysSoBeforeAnyPaymentIsReserved() {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, null, "http://127.0.0.1:1");
        assertEquals(List.of(), SettlementKeys.load("base", n));
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(n))) {
            assertEquals("no settlement key is configured for eip155:31337",
                    scheme.settlementUnavailable("eip155:31337").orElseThrow());
            assertTrue(scheme.settlementKeys().isEmpty());
        }
    }
}
