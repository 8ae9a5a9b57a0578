package io.sippar.testsupport;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers the shared test database and local chains for every {@code @QuarkusTest} in the module. */
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(ChainsTestResource.class)
public final class TestDatabase {

    private TestDatabase() {
    }
}
