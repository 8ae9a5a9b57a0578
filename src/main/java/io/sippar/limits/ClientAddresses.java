package io.sippar.limits;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is, for per-IP limits: the connection's remote address, unless that address is a
 * configured trusted proxy; then {@code X-Forwarded-For} is walked from the right, past every
 * trusted hop, and the first untrusted address is the client. Anything a client could write itself
 * (the left part of the header, or the header when no proxy is trusted) is never believed.
 * IPv6 clients are keyed by their prefix, since one host usually holds a whole /64.
 */
final class ClientAddresses {

    private final List<IpSubnetFilterRule> trusted;
    private final int ipv6PrefixLength;

    ClientAddresses(List<String> trustedCidrs, int ipv6PrefixLength) {
        if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("sippar.limits.ipv6-prefix-length must be 1..128, got " + ipv6PrefixLength);
        }
        this.ipv6PrefixLength = ipv6PrefixLength;
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String cidr : trustedCidrs) {
            rules.add(rule(cidr.trim()));
        }
        this.trusted = List.copyOf(rules);
    }

    private static IpSubnetFilterRule rule(String cidr) {
        String[] parts = cidr.split("/", 2);
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(parts[0]);
        if (address == null) {
            throw new IllegalArgumentException("sippar.limits.trusted-proxies: not an IP address or CIDR: " + cidr);
        }
        int bits = address instanceof Inet6Address ? 128 : 32;
        int prefix;
        try {
            prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sippar.limits.trusted-proxies: bad prefix length in " + cidr, e);
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("sippar.limits.trusted-proxies: bad prefix length in " + cidr);
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    /**
     * The limiter key of a request's client.
     *
     * @param remoteHost the connection's peer address, as an IP literal
     * @param forwardedFor every {@code X-Forwarded-For} header value, in order
     */
    String clientKey(String remoteHost, List<String> forwardedFor) {
        InetAddress client = parse(remoteHost);
        if (client == null) {
            // not an IP (a unix socket, say): one bucket for all such peers
            return "peer:" + remoteHost;
        }
        if (isTrusted(client) && !forwardedFor.isEmpty()) {
            List<String> hops = new ArrayList<>();
            for (String header : forwardedFor) {
                for (String hop : header.split(",")) {
                    hops.add(hop.trim());
                }
            }
            for (int i = hops.size() - 1; i >= 0 && isTrusted(client); i--) {
                InetAddress hop = parse(stripPort(hops.get(i)));
                if (hop == null) {
                    // a garbled hop written by a trusted proxy: stop at the last address we can name
                    break;
                }
                client = hop;
            }
        }
        return key(client);
    }

    private boolean isTrusted(InetAddress address) {
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule rule : trusted) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    private String key(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            for (int bit = ipv6PrefixLength; bit < 128; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            return "ip6:" + NetUtil.bytesToIpAddress(bytes) + "/" + ipv6PrefixLength;
        }
        return "ip:" + address.getHostAddress();
    }

    /** An IP literal only: nothing here may ever trigger a DNS lookup. */
    private static InetAddress parse(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String v = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        int zone = v.indexOf('%');
        if (zone >= 0) {
            v = v.substring(0, zone);
        }
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(v);
        if (address instanceof Inet6Address v6 && isIpv4Mapped(v6.getAddress())) {
            byte[] b = v6.getAddress();
            return NetUtil.createInetAddressFromIpAddressString((b[12] & 0xff) + "." + (b[13] & 0xff) + "."
                    + (b[14] & 0xff) + "." + (b[15] & 0xff));
        }
        return address;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** {@code 1.2.3.4:5678} and {@code [::1]:5678} as some proxies write them. */
    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(0, end + 1) : hop;
        }
        int colon = hop.indexOf(':');
        return colon > 0 && hop.indexOf(':', colon + 1) < 0 ? hop.substring(0, colon) : hop;
    }
}
