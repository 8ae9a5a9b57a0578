package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Without the LISTEN connection (a lost notification), the periodic reload still brings a change in. */
@QuarkusTest
@TestProfile(RouteApiPeriodicReloadTest.NoListen.class)
class RouteApiPeriodicReloadTest {

    /** Notifications off, a short reload interval. */
    public static class NoListen implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sippar.reload.listen", "false", "sippar.reload.interval", "1s");
        }
    }


    @Inject
    Pool pool;

    @Test
    void aRouteWrittenElsewhereIsServedByThePeriodicReload() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("developer");
        String path = RouteApiFixtures.randomPath();
        RouteApiLiveReloadTest.insertRoute(pool, m.id(), RouteApiFixtures.unique("r"), path,
                RouteApiFixtures.upstreamUrl("/x"), "$0.008");
        Response served = eventually(RouteApiLiveReloadTest.BOUND, () -> given().get(path), r -> r.statusCode() == 402);
        assertEquals(402, served.statusCode());
        assertEquals("8000", RouteApiLiveReloadTest.amount(served));
    }
}
