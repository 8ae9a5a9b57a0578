package io.sippar.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every connection of the reactive pool carries the server-side bounds of application.properties. */
@QuarkusTest
class DatabaseSessionSettingsTest {

    @Inject
    Pool pool;

    private String show(String setting) {
        return pool.query("SHOW " + setting).execute().await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString(0);
    }

    @Test
    void statementsAndIdleTransactionsAreBoundedOnTheServer() {
        assertEquals("30s", show("statement_timeout"));
        assertEquals("1min", show("idle_in_transaction_session_timeout"));
    }
}
