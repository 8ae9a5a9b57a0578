package io.sippar.ops;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Entry point: resolves the database before Quarkus reads its configuration. An operator's DB_URL
 * (or explicit Quarkus datasource properties) wins; with nothing configured an embedded PostgreSQL
 * is started so that one command runs the whole gateway.
 */
@QuarkusMain
public final class SipparMain {

    private static final Logger LOG = Logger.getLogger(SipparMain.class);

    private static final List<String> EXPLICIT_DATASOURCE_KEYS = List.of(
            "quarkus.datasource.reactive.url", "quarkus.datasource.jdbc.url");

    private SipparMain() {
    }

    public static void main(String... args) {
        String dbUrl = System.getenv("DB_URL");
        if (dbUrl != null && !dbUrl.isBlank()) {
            DatabaseUrls.fromUrl(dbUrl).forEach(System::setProperty);
            LOG.info("using the database from DB_URL");
        } else if (explicitlyConfigured()) {
            LOG.info("using the configured Quarkus datasource");
        } else {
            EmbeddedDatabase db = EmbeddedDatabase.start();
            Runtime.getRuntime().addShutdownHook(new Thread(db::close, "embedded-postgres-stop"));
            db.quarkusProperties().forEach(System::setProperty);
            LOG.infof("no database configured: started an embedded PostgreSQL on 127.0.0.1:%d", db.port());
            if (System.getenv("SIPPAR_DEMO") == null && System.getProperty("sippar.demo.enabled") == null) {
                // a throwaway database gets the demo merchant, so the first curl shows a 402
                System.setProperty("sippar.demo.enabled", "true");
            }
        }
        Quarkus.run(args);
    }

    private static boolean explicitlyConfigured() {
        for (String key : EXPLICIT_DATASOURCE_KEYS) {
            String env = key.toUpperCase().replace('.', '_').replace('-', '_');
            if (System.getProperty(key) != null || System.getenv(env) != null) {
                return true;
            }
        }
        return false;
    }
}
