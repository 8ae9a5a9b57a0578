package io.sippar.treasury;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.scheme.KeyLease;
import io.sippar.scheme.LeasedKeys;
import io.sippar.scheme.TreasuryChain.Treasury;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A treasury may not sign with any key of its network's leased settlement-key pool. */
class TreasuryOwnKeyTest {

    private static final String NETWORK = "eip155:31337";
    private static final String SIGNER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

    /** A settlement-key pool of addresses per network (what the lease manager hands out). */
    private static LeasedKeys pool(Map<String, List<String>> keys) {
        return new LeasedKeys() {
            @Override
            public Map<String, List<String>> settlementKeys() {
                return keys;
            }

            @Override
            public void use(KeyLease lease) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void stopUsing(String network) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int settlementsInFlight(String network) {
                return 0;
            }

            @Override
            public Duration broadcastMargin(String network) {
                return Duration.ZERO;
            }
        };
    }

    private static Treasury treasury(String network) {
        return new Treasury(network, "0x5FbDB2315678afecb367f032d93F642f64180aa3", SIGNER, "usdc", 50);
    }

    @Test
    void aTreasurySignerThatIsAnyKeyOfThePoolIsRefusedWhateverItsCase() {
        LeasedKeys keys = pool(Map.of(NETWORK, List.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                SIGNER.toLowerCase())));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Treasuries.requireOwnKey(treasury(NETWORK), List.of(keys)));
        assertTrue(e.getMessage().contains("is one of its settlement keys"), e.getMessage());
    }

    @Test
    void theSameAddressInAnotherNetworksPoolOrAPoolWithoutItIsAllowed() {
        LeasedKeys elsewhere = pool(Map.of("eip155:84532", List.of(SIGNER)));
        LeasedKeys others = pool(Map.of(NETWORK, List.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")));
        assertDoesNotThrow(() -> Treasuries.requireOwnKey(treasury(NETWORK), List.of(elsewhere, others)));
    }
}
