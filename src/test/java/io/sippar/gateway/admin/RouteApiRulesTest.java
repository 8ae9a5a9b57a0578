package io.sippar.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.gateway.RouteCatalog;
import io.sippar.ledger.RouteRepository;
import io.sippar.pricing.RouteDefinition;
import io.sippar.pricing.RoutePattern;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure rules behind the route API: which patterns claim the same requests, which addresses are public. */
class RouteApiRulesTest {

    @ParameterizedTest(name = "{0} and {1} overlap: {2}")
    @CsvSource({
        "/a/b, /a/b, true",
        "/a/b, /a/c, false",
        "/a/*, /a/b, true",
        "/a/*, /a/b/c, false",
        "/a/**, /a/b/c, true",
        "/a/**, /a, true",
        "/a/**, /b/**, false",
        "/*/x, /a/*, true",
        "/*/x, /a/y, false",
        "/**, /anything/at/all, true",
        "/a/*/c, /a/b/d, false",
        "/a/b/**, /a/*, true",
        "/a/b/**, /a, false",
        "/, /, true",
        "/, /a, false",
    })
    void pathPatternsOverlapWhenSomePathMatchesBoth(String a, String b, boolean overlap) {
        assertEquals(overlap, RoutePattern.parse(a).overlaps(RoutePattern.parse(b)));
        assertEquals(overlap, RoutePattern.parse(b).overlaps(RoutePattern.parse(a)), "overlap is symmetric");
    }

    @ParameterizedTest(name = "{0} has literal prefix {1}")
    @CsvSource({"/admin/**, /admin", "/a/*/b, /a", "/**, /", "/q/metrics, /q/metrics", "/*, /"})
    void theLiteralPrefixEndsAtTheFirstWildcard(String pattern, String prefix) {
        assertEquals(prefix, RoutePattern.parse(pattern).literalPrefix());
    }

    private static RouteDefinition def(String method, String host, String path) {
        return new RouteDefinition(null, UUID.randomUUID(), "mine", "r", method, host, path, "http://u", "$1", "",
                "application/json", 60, false, List.of());
    }

    private static RouteRepository.RouteKey other(String method, String host, String path) {
        return new RouteRepository.RouteKey(UUID.randomUUID(), "other", "theirs", method, host, path);
    }

    @ParameterizedTest(name = "{0} {1}{2} against {3} {4}{5}: clash {6}")
    @CsvSource(nullValues = "-", value = {
        "GET, -, /x/*, GET, -, /x/y, true",
        "GET, -, /x/*, POST, -, /x/y, false",
        "*, -, /x/*, POST, -, /x/y, true",
        "GET, a.example, /x/y, GET, -, /x/y, true",
        "GET, a.example, /x/y, GET, b.example, /x/y, false",
        "GET, A.example, /x/y, GET, a.example, /x/y, true",
        "GET, -, /x/y, GET, -, /z/y, false",
    })
    void aRouteClashesWithAnotherMerchantsWhenMethodHostAndPathAllOverlap(String m1, String h1, String p1, String m2,
            String h2, String p2, boolean clash) {
        var found = RouteCatalog.overlap(def(m1, h1, p1), List.of(other(m2, h2, p2)));
        assertEquals(clash, found.isPresent(), found.toString());
        found.ifPresent(msg -> assertTrue(msg.contains("other/theirs"), msg));
    }

    @ParameterizedTest(name = "{0} is public: {1}")
    @CsvSource({
        "8.8.8.8, true", "1.1.1.1, true", "2606:4700:4700::1111, true",
        "127.0.0.1, false", "127.8.9.10, false", "10.0.0.1, false", "172.16.5.4, false", "172.32.0.1, true",
        "192.168.1.1, false", "169.254.169.254, false", "100.64.0.1, false", "100.128.0.1, true", "0.0.0.0, false",
        "0.1.2.3, false", "224.0.0.1, false", "240.0.0.1, false", "255.255.255.255, false", "198.18.0.1, false",
        "::1, false", "::, false", "fe80::1, false", "fd00:ec2::254, false", "fc00::1, false", "ff02::1, false",
        "::ffff:127.0.0.1, false", "::127.0.0.1, false", "64:ff9b::10.0.0.1, false", "64:ff9b::8.8.8.8, true",
    })
    void onlyPubliclyRoutableAddressesArePublic(String address, boolean expected) throws Exception {
        assertEquals(expected, UpstreamPolicy.isPublic(InetAddress.getByName(address)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "https://api.example.com/v1|",
        "http://api.example.com:8080|",
        "HTTP://api.example.com/x|lower case",
        "ftp://api.example.com/x|http:// or https://",
        "/relative/path|http:// or https://",
        "https:///nohost|no host",
        "https://u:p@api.example.com/x|credentials",
        "https://api.example.com/x?q=1|query",
        "https://api.example.com/x#frag|query or fragment",
        "https://api.example.com/a b|not a valid URL",
    })
    void upstreamUrlsMustBeAbsoluteHttpWithoutCredentialsOrQuery(String url, String problem) {
        var found = UpstreamPolicy.shapeProblem(url);
        if (problem == null) {
            assertTrue(found.isEmpty(), found.toString());
        } else {
            assertTrue(found.isPresent() && found.get().contains(problem), found.toString());
        }
    }
}
