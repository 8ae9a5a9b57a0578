package io.sippar.gateway.admin;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a merchant's upstream may point. Merchants are not trusted with the gateway's network
 * position: an upstream must be an absolute http(s) URL without credentials, and its host must
 * resolve only to public addresses unless the operator allows private ones or names the host.
 * The check runs when a route is written; a host that later re-resolves elsewhere (DNS rebinding)
 * is the job of the pods' egress policy (k8s NetworkPolicy), which the README recommends.
 */
@ApplicationScoped
public class UpstreamPolicy {

    private static final int MAX_URL_LENGTH = 2048;

    private final RouteApiConfig config;
    private final Set<String> allowed;
    private final Set<String> denied;

    public UpstreamPolicy(RouteApiConfig config) {
        this.config = config;
        this.allowed = normalised(config.upstreamAllowedHosts());
        this.denied = normalised(config.upstreamDeniedHosts());
    }

    private static Set<String> normalised(Optional<List<String>> hosts) {
        return hosts.orElse(List.of()).stream().map(UpstreamPolicy::bare).collect(Collectors.toUnmodifiableSet());
    }

    private static String bare(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** Why {@code upstream} may not be used, or empty when it may. Resolves the host off the event loop. */
    public Uni<Optional<String>> problem(String upstream) {
        Optional<String> shape = shapeProblem(upstream);
        if (shape.isPresent()) {
            return Uni.createFrom().item(shape);
        }
        String host = bare(URI.create(upstream).getHost());
        if (denied.contains(host)) {
            return refused(upstream + ": host " + host + " is denied by the operator");
        }
        if (allowed.contains(host) || config.upstreamAllowPrivate()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Uni.createFrom().item(() -> resolve(host))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .ifNoItem().after(config.upstreamResolveTimeout())
                .recoverWithItem(() -> Optional.of(upstream + ": host " + host + " did not resolve within "
                        + config.upstreamResolveTimeout()));
    }

    private static Uni<Optional<String>> refused(String why) {
        return Uni.createFrom().item(Optional.of(why));
    }

    /** The checks that need no lookup: scheme, host, no credentials, query or fragment. */
    static Optional<String> shapeProblem(String upstream) {
        if (upstream == null || upstream.isBlank()) {
            return Optional.of("upstream is required: the http(s) URL the paid requests are forwarded to");
        }
        if (upstream.length() > MAX_URL_LENGTH) {
            return Optional.of("upstream must be at most " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(upstream);
        } catch (URISyntaxException e) {
            return Optional.of("upstream is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("upstream " + upstream + " must be an absolute http:// or https:// URL");
        }
        if (!scheme.equals(uri.getScheme())) {
            return Optional.of("upstream " + upstream + ": write the scheme in lower case");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            return Optional.of("upstream " + upstream + " has no host");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("upstream " + upstream + " must not carry credentials");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // the proxy appends the request's own path tail and query to the upstream
            return Optional.of("upstream " + upstream + " must not have a query or fragment");
        }
        return Optional.empty();
    }

    private static Optional<String> resolve(String host) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.of("upstream host " + host + " does not resolve");
        }
        for (InetAddress a : addresses) {
            if (!isPublic(a)) {
                return Optional.of("upstream host " + host + " resolves to " + a.getHostAddress()
                        + ", a loopback, private, link-local or reserved address; the operator can allow it "
                        + "(sippar.route-api.upstream-allowed-hosts)");
            }
        }
        return Optional.empty();
    }

    /** Whether an address is routable on the public internet (not loopback, private, link-local or reserved). */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 // "this network"
                    && !(first == 100 && second >= 64 && second <= 127) // carrier-grade NAT 100.64/10
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking 198.18/15
                    && first < 240; // reserved 240/4 and broadcast
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // unique local fc00::/7
            }
            if (isEmbeddedIpv4(b)) {
                byte[] v4 = {b[12], b[13], b[14], b[15]};
                try {
                    return isPublic(InetAddress.getByAddress(v4));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) forms, which reach an IPv4 address. */
    private static boolean isEmbeddedIpv4(byte[] b) {
        boolean compatible = true;
        for (int i = 0; i < 12; i++) {
            compatible &= b[i] == 0;
        }
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = b[i] == 0;
        }
        return compatible || nat64;
    }
}
