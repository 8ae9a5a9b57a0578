package io.sippar.ops;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** A real PostgreSQL (zonky's embedded binaries) for the local run and for tests without Docker. */
public final class EmbeddedDatabase implements AutoCloseable {

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL on a free loopback port with a fresh data directory. */
    public static EmbeddedDatabase start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    // zonky turns durability down for tests; a payment ledger keeps every commit
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            return new EmbeddedDatabase(pg);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** Quarkus datasource properties pointing at this database (user postgres, database postgres). */
    public Map<String, String> quarkusProperties() {
        Map<String, String> urls = DatabaseUrls.fromUrl("postgresql://127.0.0.1:" + port() + "/postgres");
        return Map.of(
                "quarkus.datasource.jdbc.url", urls.get("quarkus.datasource.jdbc.url"),
                "quarkus.datasource.reactive.url", urls.get("quarkus.datasource.reactive.url"),
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
