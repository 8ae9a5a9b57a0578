package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseUrlsTest {

    @Test
    void acceptsTheThreeUsualForms() {
        for (String url : new String[] {"postgresql://db.internal:5432/sippar", "postgres://db.internal:5432/sippar",
                "jdbc:postgresql://db.internal:5432/sippar"}) {
            Map<String, String> p = DatabaseUrls.fromUrl(url);
            assertEquals("jdbc:postgresql://db.internal:5432/sippar", p.get("quarkus.datasource.jdbc.url"), url);
            assertEquals("postgresql://db.internal:5432/sippar", p.get("quarkus.datasource.reactive.url"), url);
        }
    }

    @Test
    void keepsQueryParameters() {
        assertEquals("postgresql://db:5432/sippar?sslmode=require",
                DatabaseUrls.fromUrl("jdbc:postgresql://db:5432/sippar?sslmode=require")
                        .get("quarkus.datasource.reactive.url"));
    }

    @Test
    void refusesCredentialsInTheUrlSoTheyNeverReachALog() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrls.fromUrl("postgresql://admin:secret@db:5432/sippar"));
        assertEquals("DB_URL must not contain credentials; use DB_USER and DB_PASSWORD", e.getMessage());
    }

    @Test
    void refusesOtherSchemesAndMissingDatabase() {
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrls.fromUrl("mysql://db/x"));
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrls.fromUrl("postgresql://db:5432/"));
    }
}
