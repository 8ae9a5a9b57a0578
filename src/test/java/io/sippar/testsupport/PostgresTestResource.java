package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sippar.ops.DatabaseUrls;
import io.sippar.ops.EmbeddedDatabase;
import java.util.HashMap;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The database every {@code @QuarkusTest} runs against, started once per JVM: an external one when
 * TEST_DB_URL (or DB_URL) is set, else Testcontainers when Docker answers, else the embedded
 * PostgreSQL. Nothing is skipped on a machine without Docker.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static Map<String, String> properties;

    @Override
    public Map<String, String> start() {
        return database();
    }

    /** Datasource properties of the shared test database, starting it on first use. */
    public static synchronized Map<String, String> database() {
        if (properties == null) {
            properties = startDatabase();
        }
        return properties;
    }

    private static Map<String, String> startDatabase() {
        String external = firstNonBlank(System.getenv("TEST_DB_URL"), System.getenv("DB_URL"));
        if (external != null) {
            Map<String, String> props = new HashMap<>(DatabaseUrls.fromUrl(external));
            props.put("quarkus.datasource.username", firstNonBlank(System.getenv("DB_USER"), "postgres"));
            props.put("quarkus.datasource.password", firstNonBlank(System.getenv("DB_PASSWORD"), "postgres"));
            return props;
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-postgres-stop"));
            Map<String, String> props = new HashMap<>(DatabaseUrls.fromUrl(container.getJdbcUrl()));
            props.put("quarkus.datasource.username", container.getUsername());
            props.put("quarkus.datasource.password", container.getPassword());
            return props;
        }
        EmbeddedDatabase db = EmbeddedDatabase.start();
        Runtime.getRuntime().addShutdownHook(new Thread(db::close, "test-postgres-stop"));
        return db.quarkusProperties();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    @Override
    public void stop() {
        // shared for the whole JVM; the shutdown hook stops it
    }
}
