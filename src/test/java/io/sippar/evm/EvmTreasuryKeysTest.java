package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The treasury's key is refused at start when it is the network's settlement key (one nonce lane for
 * settlements and payouts would let each take the other's nonces), and errors never show a key.
 */
class EvmTreasuryKeysTest {

    private static final String SETTLER = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
    private static final String TREASURY = "0x701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82";
    private static final String DISBURSER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

    private static EvmTreasury start(String treasuryKey, String address) {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(31337, SETTLER, "http://127.0.0.1:9");
        n.treasury = TestEvmConfig.treasury(address, treasuryKey);
        return new EvmTreasury(TestEvmConfig.of(n));
    }

    @Test
    void theSettlementKeyCannotBeTheTreasuryKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start(SETTLER, DISBURSER));
        assertTrue(e.getMessage().contains("treasury.key is the network's settlement key"), e.getMessage());
        assertFalse(e.getMessage().contains(SETTLER.substring(2, 20)), "never the key itself");
    }

    @Test
    void aTreasuryAddressThatIsNotAnAddressIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start(TREASURY, "0x1234"));
        assertTrue(e.getMessage().contains("address must be the SipparDisburser contract's address"), e.getMessage());
    }

    @Test
    void aKeyOfItsOwnStartsTheTreasury() {
        try (EvmTreasury t = start(TREASURY, DISBURSER)) {
            assertEquals(1, t.treasuries().size());
            assertEquals(DISBURSER, t.treasuries().get(0).address());
        }
    }
}
