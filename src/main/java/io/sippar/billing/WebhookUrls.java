package io.sippar.billing;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which webhook endpoints the gateway will call. A merchant chooses the URL and the gateway POSTs to
 * it from inside the cluster, so: https only; no credentials in the URL, no fragment; and never an
 * address inside the operator's network (loopback, private, link-local such as the cloud metadata
 * service, unique-local, multicast, unspecified) unless the operator allows it. The policy is applied
 * to a literal address when the URL is set and to every address the host name resolves to at each
 * delivery (the request then goes to the checked address, so a DNS answer cannot change in between).
 */
public final class WebhookUrls {

    /** Longest URL accepted. */
    public static final int MAX_LENGTH = 2048;

    private static final Pattern IPV4_LITERAL = Pattern.compile("^[0-9.]+$");

    /** What the operator allows beyond public https endpoints. */
    public record Policy(boolean allowLoopback, boolean allowPrivateNetworks) {
        /** From the configuration. */
        public static Policy of(BillingConfig.Webhooks config) {
            return new Policy(config.allowLoopback(), config.allowPrivateNetworks());
        }
    }

    private WebhookUrls() {
    }

    /** The checked URL; {@link IllegalArgumentException} with the precise reason otherwise. */
    public static URI validate(String url, Policy policy) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url is required");
        }
        if (url.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("url must be at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is not a valid URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("url must be an absolute https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url must not carry credentials (user:password@)");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("url must not have a #fragment");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("url must name a host");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("url port must be 1 to 65535");
        }
        boolean loopbackName = isLoopbackName(host);
        InetAddress literal = literal(host);
        boolean loopback = loopbackName || (literal != null && literal.isLoopbackAddress());
        if (scheme.equals("http") && !(policy.allowLoopback() && loopback)) {
            throw new IllegalArgumentException("url must use https (http is accepted only for loopback endpoints "
                    + "when sippar.billing.webhooks.allow-loopback is on)");
        }
        if (loopbackName && !policy.allowLoopback()) {
            throw new IllegalArgumentException("url must not point at this host (" + host + ")");
        }
        if (literal != null) {
            String problem = refusal(literal, policy);
            if (problem != null) {
                throw new IllegalArgumentException("url must not point at " + problem + " (" + host + ")");
            }
        }
        return uri;
    }

    /** Why the gateway must not connect to {@code address}, or null when it may. */
    public static String refusal(InetAddress address, Policy policy) {
        if (address.isLoopbackAddress()) {
            return policy.allowLoopback() ? null : "a loopback address";
        }
        if (policy.allowPrivateNetworks()) {
            return address.isAnyLocalAddress() || address.isMulticastAddress() ? "an unroutable address" : null;
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return "an unroutable address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (address.isSiteLocalAddress() || uniqueLocal(address) || sharedAddressSpace(address)) {
            return "a private network address";
        }
        return null;
    }

    private static boolean isLoopbackName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.endsWith(".localhost");
    }

    /** The address of an IP literal host (never a DNS lookup), or null for a name. */
    private static InetAddress literal(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!(IPV4_LITERAL.matcher(h).matches() || h.contains(":"))) {
            return null;
        }
        try {
            return InetAddress.getByName(h);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("url host " + host + " is not a valid IP address");
        }
    }

    // fc00::/7
    private static boolean uniqueLocal(InetAddress a) {
        return a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
    }

    // 100.64.0.0/10 (carrier-grade NAT, often a cluster's pod network)
    private static boolean sharedAddressSpace(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }
}
