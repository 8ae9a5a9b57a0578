package io.sippar.evm;

import io.sippar.testsupport.AnvilFixture;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own anvil (automine) with {@link AnvilPayments} on it, stopped after the class;
 * automine is switched back on after every test, since stuck-transaction tests turn it off.
 * Register with {@code @RegisterExtension static final AnvilChain CHAIN = new AnvilChain();}.
 */
final class AnvilChain implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private AnvilFixture anvil;
    private AnvilPayments payments;

    @Override
    public void beforeAll(ExtensionContext context) {
        anvil = AnvilFixture.builder().blockTime(0).start();
        payments = new AnvilPayments(anvil);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        payments.control("evm_setAutomine", true);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        payments.close();
        anvil.close();
    }

    AnvilFixture anvil() {
        return anvil;
    }

    AnvilPayments payments() {
        return payments;
    }
}
