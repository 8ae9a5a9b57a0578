package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Concurrent settlements when blocks come once a second, as on a real chain. */
class IntervalMiningTest {

    private static AnvilFixture anvil;
    private static AnvilPayments chain;

    @BeforeAll
    static void start() {
        anvil = AnvilFixture.builder().blockTime(1).start();
        chain = new AnvilPayments(anvil);
    }

    @AfterAll
    static void stop() {
        chain.close();
        anvil.close();
    }

    @Test
    void oneHundredTwentyConcurrentSettlementsLandWithBlockTimeOne() throws Exception {
        TestEvmConfig.TestNetwork n = new TestEvmConfig.TestNetwork(anvil.chainId(), anvil.settler().privateKey(),
                anvil.rpcUrl());
        int[] payers = {1, 3, 4, 5, 6, 7, 8};
        List<Payment> payments = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            payments.add(chain.payment(anvil.account(payers[i % payers.length]), "2"));
        }
        BigInteger before = chain.balanceOf(anvil.merchant().address());

        ConcurrentSettlements.Result result;
        try (ExactEvmScheme scheme = new ExactEvmScheme(TestEvmConfig.of(n))) {
            result = ConcurrentSettlements.run(scheme, payments, Duration.ofSeconds(120));
        }

        System.out.printf("[evm] 120 concurrent settlements, block time 1 s: %s%n", result);
        assertEquals(0, result.failures(), result.toString());
        assertEquals(120, result.distinctTransactions());
        assertEquals(before.add(BigInteger.valueOf(240)), chain.balanceOf(anvil.merchant().address()));
    }
}
