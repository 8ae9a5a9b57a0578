package io.sippar.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address a per-IP limit counts: X-Forwarded-For only from trusted proxies, never by default. */
class ClientAddressLimitTest {

    private static final ClientAddresses NO_PROXY = new ClientAddresses(List.of(), 64);
    private static final ClientAddresses BEHIND_LB = new ClientAddresses(List.of("10.0.0.0/8", "fd00::/8"), 64);

    @Test
    void withoutTrustedProxiesForwardedForIsIgnored() {
        assertEquals("ip:192.0.2.7", NO_PROXY.clientKey("192.0.2.7", List.of("203.0.113.9")));
        assertEquals("ip:10.1.2.3", NO_PROXY.clientKey("10.1.2.3", List.of("203.0.113.9")));
    }

    @Test
    void aTrustedProxyNamesTheClient() {
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("10.1.2.3", List.of("203.0.113.9")));
    }

    @Test
    void theRightmostUntrustedHopWinsSoAClientCannotPrependAnAddress() {
        // the client wrote "198.51.100.1"; the load balancer appended what it saw
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("10.1.2.3", List.of("198.51.100.1, 203.0.113.9")));
        // two proxies of ours in a row are skipped
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("10.1.2.3", List.of("198.51.100.1, 203.0.113.9, 10.9.9.9")));
        // split across several header lines, in order
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("10.1.2.3", List.of("198.51.100.1", "203.0.113.9")));
    }

    @Test
    void anUntrustedPeerSpoofingForwardedForCountsAsItself() {
        assertEquals("ip:192.0.2.7", BEHIND_LB.clientKey("192.0.2.7", List.of("10.1.2.3, 203.0.113.9")));
    }

    @Test
    void garbledHopsStopTheWalk() {
        assertEquals("ip:10.1.2.3", BEHIND_LB.clientKey("10.1.2.3", List.of("203.0.113.9, not-an-ip")));
        assertEquals("ip:10.1.2.3", BEHIND_LB.clientKey("10.1.2.3", List.of("")));
        // host names are never resolved
        assertEquals("ip:10.1.2.3", BEHIND_LB.clientKey("10.1.2.3", List.of("localhost")));
    }

    @Test
    void portsAndBracketsAreStripped() {
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("10.1.2.3", List.of("203.0.113.9:4711")));
        assertEquals("ip6:2001:db8:1:2::/64", BEHIND_LB.clientKey("10.1.2.3", List.of("[2001:db8:1:2::5]:4711")));
    }

    @Test
    void ipv6ClientsShareTheirPrefix() {
        assertEquals(NO_PROXY.clientKey("2001:db8:1:2::1", List.of()), NO_PROXY.clientKey("2001:db8:1:2:ffff::9", List.of()));
        assertEquals("ip6:2001:db8:1:3::/64", NO_PROXY.clientKey("2001:db8:1:3:abcd::1", List.of()));
        assertEquals("ip:192.0.2.1", NO_PROXY.clientKey("::ffff:192.0.2.1", List.of()), "IPv4-mapped is IPv4");
    }

    @Test
    void ipv6TrustedProxies() {
        assertEquals("ip:203.0.113.9", BEHIND_LB.clientKey("fd12::1", List.of("203.0.113.9")));
    }

    @Test
    void badTrustedProxyConfigurationIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of("10.0.0.0/33"), 64));
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of("proxy.internal"), 64));
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of("10.0.0.0/x"), 64));
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of(), 0));
    }
}
