package io.sippar.gateway.admin;

import static io.restassured.RestAssured.given;
import static io.sippar.gateway.admin.RouteApiFixtures.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A route written to the database by someone else (another pod, psql) reaches this pod through the
 * database's NOTIFY, without this pod's API in the loop: served, re-priced and withdrawn within a
 * bound.
 */
@QuarkusTest
class RouteApiLiveReloadTest {

    static final Duration BOUND = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    /** Writes a route the way another pod's API does, bypassing this pod entirely. */
    static void insertRoute(Pool pool, String merchantId, String name, String path, String upstreamUrl,
            String price) {
        pool.withTransaction(conn -> conn.preparedQuery("""
                INSERT INTO route (merchant_id, name, method, path_pattern, upstream_url, price, source)
                VALUES ($1, $2, 'GET', $3, $4, $5, 'api') RETURNING id""")
                .execute(Tuple.of(UUID.fromString(merchantId), name, path, upstreamUrl, price))
                .map(rows -> rows.iterator().next().getUUID("id"))
                .chain(id -> conn.preparedQuery("""
                        INSERT INTO route_accept (route_id, position, scheme, network, asset, pay_to)
                        VALUES ($1, 0, 'exact', 'eip155:31337', '', $2)""")
                        .execute(Tuple.of(id, RouteApiFixtures.PAY_TO))))
                .await().atMost(BOUND);
    }

    static String amount(Response r) {
        return HeaderCodec.decodeJson(r.getHeader("PAYMENT-REQUIRED")).at("/accepts/0/amount").asText();
    }

    static void sql(Pool pool, String statement, Object... args) {
        pool.preparedQuery(statement).execute(Tuple.from(args)).await().atMost(BOUND);
    }

    @Test
    void aRouteWrittenElsewhereIsServedRepricedAndWithdrawnOnTheNotification() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("developer");
        String name = RouteApiFixtures.unique("r");
        String path = RouteApiFixtures.randomPath();
        given().get(path).then().statusCode(404);

        insertRoute(pool, m.id(), name, path, RouteApiFixtures.upstreamUrl("/x"), "$0.007");
        Response served = eventually(BOUND, () -> given().get(path), r -> r.statusCode() == 402);
        assertEquals(402, served.statusCode(), "a route inserted in the database is served within " + BOUND);
        assertEquals("7000", amount(served));

        sql(pool, "UPDATE route SET price = '$0.009', updated_at = now() WHERE merchant_id = $1 AND name = $2",
                UUID.fromString(m.id()), name);
        Response repriced = eventually(BOUND, () -> given().get(path), r -> "9000".equals(amount(r)));
        assertEquals("9000", amount(repriced), "a new price reaches the next 402 within " + BOUND);

        sql(pool, "UPDATE route SET enabled = false, deleted_at = now() WHERE merchant_id = $1 AND name = $2",
                UUID.fromString(m.id()), name);
        Response gone = eventually(BOUND, () -> given().get(path), r -> r.statusCode() == 404);
        assertEquals(404, gone.statusCode(), "a deleted route stops being served within " + BOUND);
    }

    private long listeners() {
        return pool.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")
                .execute().await().atMost(BOUND).iterator().next().getLong(0);
    }

    @Test
    void aDroppedListenConnectionIsReopenedAndNotificationsArriveAgain() {
        assertEquals(1L, eventually(BOUND, this::listeners, n -> n == 1L), "one LISTEN connection per pod");
        long killed = pool.query("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()) t").execute()
                .await().atMost(BOUND).iterator().next().getLong(0);
        assertEquals(1L, killed);
        assertEquals(1L, eventually(BOUND, this::listeners, n -> n == 1L), "the LISTEN connection is reopened");

        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("developer");
        String path = RouteApiFixtures.randomPath();
        insertRoute(pool, m.id(), RouteApiFixtures.unique("r"), path, RouteApiFixtures.upstreamUrl("/x"),
                "$0.006");
        Response served = eventually(BOUND, () -> given().get(path), r -> r.statusCode() == 402);
        assertEquals(402, served.statusCode(), "notifications arrive on the reopened connection");
        assertEquals("6000", amount(served));
    }

    @Test
    void aSuspendedMerchantsRoutesStopBeingServed() {
        RouteApiFixtures.Merchant m = RouteApiFixtures.merchant("developer");
        String path = RouteApiFixtures.randomPath();
        insertRoute(pool, m.id(), RouteApiFixtures.unique("r"), path, RouteApiFixtures.upstreamUrl("/x"),
                "$0.001");
        assertEquals(402, eventually(BOUND, () -> given().get(path), r -> r.statusCode() == 402).statusCode());
        sql(pool, "UPDATE merchant SET status = 'suspended' WHERE id = $1", UUID.fromString(m.id()));
        assertEquals(404, eventually(BOUND, () -> given().get(path), r -> r.statusCode() == 404).statusCode());
    }
}
