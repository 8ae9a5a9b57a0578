package io.sippar.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PricingTest {

    private static final Asset USDC = new Asset("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", 6,
            "USDC", "2", true);

    @Test
    void usdPriceConvertsExactlyToAtomicUnits() {
        assertEquals(BigInteger.valueOf(1000), Price.parse("$0.001").atomicAmount(USDC));
        assertEquals(BigInteger.valueOf(1), Price.parse("$0.000001").atomicAmount(USDC));
        assertEquals(new BigInteger("123456789012000000"), Price.parse("$123456789012").atomicAmount(USDC));
    }

    @Test
    void priceFinerThanTheSmallestUnitIsAConfigurationError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Price.parse("$0.0000001").atomicAmount(USDC));
        assertTrue(e.getMessage().contains("finer than the smallest unit"));
    }

    @Test
    void atomicPriceIsTakenAsIs() {
        assertEquals(BigInteger.valueOf(1500), Price.parse("1500").atomicAmount(USDC));
    }

    @Test
    void malformedOrNonPositivePricesAreRefused() {
        for (String bad : List.of("", "$", "$-1", "-5", "0", "$0", "1e6", "$1,00", "$.5", "USD 1")) {
            assertThrows(IllegalArgumentException.class, () -> Price.parse(bad), bad);
        }
    }

    @Test
    void usdPriceNeedsAStablecoin() {
        Asset volatileToken = new Asset("eip155:1", "0x0000000000000000000000000000000000000001", 18, "X", "1", false);
        assertThrows(IllegalArgumentException.class, () -> Price.parse("$1").atomicAmount(volatileToken));
    }

    @Test
    void patternsMatchExactOneSegmentAndAnyDepth() {
        assertTrue(RoutePattern.parse("/demo/weather").matches("/demo/weather"));
        assertFalse(RoutePattern.parse("/demo/weather").matches("/demo/weather/x"));
        assertTrue(RoutePattern.parse("/items/*").matches("/items/42"));
        assertFalse(RoutePattern.parse("/items/*").matches("/items/42/parts"));
        assertTrue(RoutePattern.parse("/api/**").matches("/api"));
        assertTrue(RoutePattern.parse("/api/**").matches("/api/a/b/c"));
        assertFalse(RoutePattern.parse("/api/**").matches("/apix"));
        assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse("/a/**/b"));
        assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse("no-slash"));
    }

    @Test
    void requestPathsAreNormalisedLikeTheReferenceServer() {
        assertEquals(Optional.of("/demo/weather"), RoutePattern.normalise("//demo///weather/"));
        assertEquals(Optional.of("/demo/weather"), RoutePattern.normalise("/demo/%77eather?x=1#frag"));
        assertEquals(Optional.of("/demo/weather"), RoutePattern.normalise("\\demo\\weather"));
        assertEquals(Optional.of("/a+b"), RoutePattern.normalise("/a+b"));
        assertEquals(Optional.empty(), RoutePattern.normalise("/bad/%zz"));
    }

    private static RouteDefinition route(String name, String host, String path, String price,
            List<RouteDefinition.Accept> accepts) {
        return new RouteDefinition(UUID.randomUUID(), UUID.randomUUID(), "m", name, "GET", host, path, null, price, "",
                "application/json", 60, false, accepts);
    }

    private static final List<RouteDefinition.Accept> BASE_SEPOLIA = List.of(new RouteDefinition.Accept("exact",
            "eip155:84532", null, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"));

    @Test
    void tablePrefersHostBoundThenMostSpecificRoute() {
        AssetRegistry assets = new AssetRegistry(List.of());
        RouteTable table = RouteTable.build(List.of(
                route("any", null, "/api/**", "$1", BASE_SEPOLIA),
                route("items", null, "/api/items/*", "$2", BASE_SEPOLIA),
                route("hosted", "shop.example", "/api/items/*", "$3", BASE_SEPOLIA)), assets, (s, n) -> Optional.empty());
        assertEquals("hosted", table.find("GET", "shop.example:8080", "/api/items/1").orElseThrow().definition().name());
        assertEquals("items", table.find("GET", "other.example", "/api/items/1").orElseThrow().definition().name());
        assertEquals("any", table.find("GET", null, "/api/other").orElseThrow().definition().name());
        assertTrue(table.find("POST", null, "/api/other").isEmpty());
    }

    @Test
    void requirementsAreCanonical() {
        AssetRegistry assets = new AssetRegistry(List.of());
        RouteTable table = RouteTable.build(List.of(route("a", null, "/a", "$0.01", BASE_SEPOLIA)), assets,
                (s, n) -> Optional.empty());
        var req = table.routes().get(0).requirements().get(0);
        assertEquals("10000", req.amount());
        assertEquals("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", req.payTo());
        assertEquals("0x036CbD53842c5426634e7929541eC2318f3dCF7e", req.asset());
        assertEquals("USDC", req.extra().get("name").asText());
        assertEquals(60, req.maxTimeoutSeconds());
    }

    @Test
    void badRouteIsReportedAndLeftOutWithoutDroppingOthers() {
        AssetRegistry assets = new AssetRegistry(List.of());
        RouteTable table = RouteTable.build(List.of(
                route("good", null, "/good", "$1", BASE_SEPOLIA),
                route("unknown-asset", null, "/x", "$1",
                        List.of(new RouteDefinition.Accept("exact", "eip155:999", null, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"))),
                route("bad-payto", null, "/y", "$1",
                        List.of(new RouteDefinition.Accept("exact", "eip155:84532", null, "0x1234")))),
                assets, (s, n) -> Optional.empty());
        assertEquals(1, table.routes().size());
        assertEquals(2, table.problems().size());
    }
}
