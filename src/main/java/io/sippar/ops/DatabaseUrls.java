package io.sippar.ops;

import java.net.URI;
import java.util.Map;

/** Turns the operator's DB_URL into the JDBC (Flyway) and reactive (queries) URLs Quarkus needs. */
public final class DatabaseUrls {

    private DatabaseUrls() {
    }

    /**
     * Accepts {@code postgresql://}, {@code postgres://} and {@code jdbc:postgresql://} URLs.
     *
     * @return the Quarkus datasource properties for both clients
     * @throws IllegalArgumentException for anything else, naming the expected forms
     */
    public static Map<String, String> fromUrl(String url) {
        String trimmed = url.trim();
        String rest;
        if (trimmed.startsWith("jdbc:postgresql://")) {
            rest = trimmed.substring("jdbc:postgresql://".length());
        } else if (trimmed.startsWith("postgresql://")) {
            rest = trimmed.substring("postgresql://".length());
        } else if (trimmed.startsWith("postgres://")) {
            rest = trimmed.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException(
                    "DB_URL must look like postgresql://host:5432/db or jdbc:postgresql://host:5432/db");
        }
        URI parsed = URI.create("postgresql://" + rest);
        if (parsed.getHost() == null || parsed.getPath() == null || parsed.getPath().length() < 2) {
            throw new IllegalArgumentException("DB_URL needs a host and a database name");
        }
        if (parsed.getUserInfo() != null) {
            // credentials belong in DB_USER / DB_PASSWORD so they never end up in logged URLs
            throw new IllegalArgumentException("DB_URL must not contain credentials; use DB_USER and DB_PASSWORD");
        }
        return Map.of(
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + rest,
                "quarkus.datasource.reactive.url", "postgresql://" + rest);
    }
}
