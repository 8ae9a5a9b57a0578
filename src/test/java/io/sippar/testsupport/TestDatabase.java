package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers the shared test database for every {@code @QuarkusTest} in the module. */
@QuarkusTestResource(PostgresTestResource.class)
public final class TestDatabase {

    private TestDatabase() {
    }
}
