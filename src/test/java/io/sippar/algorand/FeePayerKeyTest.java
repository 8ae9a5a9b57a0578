package io.sippar.algorand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fee payer's key: its accepted forms, and that it never appears in text. */
class FeePayerKeyTest {

    private static final String SEED_B64 = Base64.getEncoder().encodeToString(seed());

    private static byte[] seed() {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) 1);
        return s;
    }

    @Test
    void x402KeyFormUsesOnlyTheSeed() {
        // the repo key's second half is not its seed's public key: the address must come from the seed
        assertEquals(AvmVectors.E_CLIENT, FeePayerKey.parse(AvmVectors.REPO_AVM_KEY, "k").address());
        assertEquals(AvmVectors.E_FACILITATOR, FeePayerKey.parse(AvmVectors.E_FACILITATOR_KEY, "k").address());
    }

    @Test
    void bareSeedAndMnemonicGiveTheSameKey() {
        String mnemonic = AvmGroups.FACILITATOR.toMnemonic();
        assertEquals(25, mnemonic.split(" ").length);
        assertEquals(AvmVectors.E_FACILITATOR, FeePayerKey.parse(SEED_B64, "k").address());
        assertEquals(AvmVectors.E_FACILITATOR, FeePayerKey.parse(mnemonic, "k").address());
        assertEquals(AvmVectors.E_FACILITATOR, FeePayerKey.parse("  " + mnemonic.replace(" ", "\n  ") + "\n", "k")
                .address(), "whitespace around and between words is tolerated (a file's line breaks)");
    }

    @Test
    void signaturesAreAlgosdksForTheSameTransaction() throws Exception {
        byte[] txn = AvmCodec.decode(0, AvmVectors.E_FEE_PAYER).txnBytes();
        byte[] ours = FeePayerKey.parse(AvmVectors.E_FACILITATOR_KEY, "k").signTransaction(txn);
        byte[] algosdk = AvmGroups.FACILITATOR.signTransactionBytes(txn).sig.getBytes();
        assertTrue(Arrays.equals(algosdk, ours));
    }

    @Test
    void malformedKeysAreRefusedWithoutEchoingThem() {
        String mnemonic = AvmGroups.FACILITATOR.toMnemonic();
        String[] words = mnemonic.split(" ");
        String swapped = words[1] + " " + words[0] + " " + String.join(" ", Arrays.copyOfRange(words, 2, 25));
        String badB64 = Base64.getEncoder().encodeToString(new byte[48]);
        for (String secret : new String[] {swapped, badB64, "not a key", SEED_B64.substring(4), ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FeePayerKey.parse(secret, "sippar.algorand.networks.x.fee-payer-key"));
            assertTrue(e.getMessage().startsWith("sippar.algorand.networks.x.fee-payer-key"), e.getMessage());
            if (!secret.isEmpty()) {
                assertFalse(e.getMessage().contains(secret), e.getMessage());
            }
            for (int i = 0; i + 1 < words.length; i++) {
                String pair = words[i] + " " + words[i + 1];
                assertFalse(e.getMessage().contains(pair), "no part of the mnemonic in: " + e.getMessage());
            }
        }
    }

    @Test
    void toStringNamesOnlyTheAddress() {
        FeePayerKey key = FeePayerKey.parse(AvmVectors.E_FACILITATOR_KEY, "k");
        assertEquals("FeePayerKey[" + AvmVectors.E_FACILITATOR + "]", key.toString());
        assertFalse(key.toString().contains(SEED_B64));
        assertFalse(key.toString().contains(AvmVectors.E_FACILITATOR_KEY));
    }

    @Test
    void keyFileIsReadAndOnlyOneSourceMayBeSet(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fee-payer");
        Files.writeString(file, AvmGroups.FACILITATOR.toMnemonic() + "\n");
        TestAlgorandConfig.TestNetwork n = new TestAlgorandConfig.TestNetwork("testnet", "http://127.0.0.1:9");
        n.feePayerKeyFile = file;
        try (ExactAvmScheme scheme = new ExactAvmScheme(TestAlgorandConfig.of(n), TestAlgorandConfig.vertx())) {
            assertEquals(Optional.of(AvmVectors.E_FACILITATOR), scheme.feePayerAddress(AvmVectors.TESTNET));
            assertFalse(scheme.toString().contains(SEED_B64));
        }
        n.feePayerKey = AvmVectors.E_FACILITATOR_KEY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExactAvmScheme(TestAlgorandConfig.of(n), TestAlgorandConfig.vertx()));
        assertFalse(e.getMessage().contains(AvmVectors.E_FACILITATOR_KEY), e.getMessage());
    }

    @Test
    void unreadableKeyFileNamesThePathNotAContent(@TempDir Path dir) {
        TestAlgorandConfig.TestNetwork n = new TestAlgorandConfig.TestNetwork("testnet", "http://127.0.0.1:9");
        n.feePayerKeyFile = dir.resolve("missing");
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> new ExactAvmScheme(TestAlgorandConfig.of(n), TestAlgorandConfig.vertx()));
        assertTrue(e.getMessage().contains("fee-payer-key-file"), e.getMessage());
    }

    @Test
    void badKeyInAFileIsRefusedWithoutItsContent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fee-payer");
        String secret = Base64.getEncoder().encodeToString(new byte[40]);
        Files.writeString(file, secret);
        TestAlgorandConfig.TestNetwork n = new TestAlgorandConfig.TestNetwork("testnet", "http://127.0.0.1:9");
        n.feePayerKeyFile = file;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExactAvmScheme(TestAlgorandConfig.of(n), TestAlgorandConfig.vertx()));
        assertFalse(e.getMessage().contains(secret), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void networkIsTheCaip2IdTheBareGenesisHashOrAName() {
        assertEquals(AvmVectors.TESTNET, ExactAvmScheme.network("a", "testnet").caip2());
        assertEquals(AvmVectors.TESTNET, ExactAvmScheme.network("a", AvmVectors.TESTNET_GH).caip2());
        assertEquals(AvmVectors.TESTNET, ExactAvmScheme.network("a", AvmVectors.TESTNET).caip2());
        assertEquals("algorand:" + AvmVectors.MAINNET_GH, ExactAvmScheme.network("a", "mainnet").caip2());
        // the 32-character CAIP-2 form is not a genesis hash: one spelling per network keeps the replay key unique
        assertThrows(IllegalArgumentException.class,
                () -> ExactAvmScheme.network("a", "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDe"));
        assertThrows(IllegalArgumentException.class, () -> ExactAvmScheme.network("a", "eip155:1"));
    }
}
