package io.sippar.pricing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A route's path: exact ({@code /demo/weather}), one wildcard segment ({@code /items/*}) or any depth
 * below a prefix ({@code /api/**}). Request paths are normalised the way the x402 reference server
 * does before matching, so {@code //demo/weather/} and {@code /demo/%77eather} hit the same route.
 */
public final class RoutePattern {

    private final String text;
    private final String[] segments;
    private final boolean anyDepth;

    private RoutePattern(String text, String[] segments, boolean anyDepth) {
        this.text = text;
        this.segments = segments;
        this.anyDepth = anyDepth;
    }

    /** Parses a configured pattern; it must start with '/' and use '**' only as the last segment. */
    public static RoutePattern parse(String pattern) {
        if (pattern == null || !pattern.startsWith("/")) {
            throw new IllegalArgumentException("path pattern must start with '/': " + pattern);
        }
        String[] parts = split(collapse(pattern));
        boolean anyDepth = parts.length > 0 && parts[parts.length - 1].equals("**");
        String[] literal = anyDepth ? Arrays.copyOf(parts, parts.length - 1) : parts;
        for (String s : literal) {
            if (s.contains("**")) {
                throw new IllegalArgumentException("'**' may only end a path pattern: " + pattern);
            }
        }
        return new RoutePattern(pattern, literal, anyDepth);
    }

    /** Normalised request path, or empty when its percent-encoding is broken. */
    public static Optional<String> normalise(String rawPath) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        int cut = indexOfAny(path, '?', '#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        try {
            // '+' is a literal in paths, not a space
            path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(collapse(path.replace('\\', '/')));
    }

    /** Whether a normalised path matches. */
    public boolean matches(String normalisedPath) {
        String[] parts = split(normalisedPath);
        if (anyDepth ? parts.length < segments.length : parts.length != segments.length) {
            return false;
        }
        for (int i = 0; i < segments.length; i++) {
            if (!segments[i].equals("*") && !segments[i].equals(parts[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether some request path matches both patterns: segment by segment a literal must equal the
     * other pattern's literal or meet its {@code *}, and the fixed depths must agree unless a
     * {@code /**} tail absorbs the difference.
     */
    public boolean overlaps(RoutePattern other) {
        int common = Math.min(segments.length, other.segments.length);
        for (int i = 0; i < common; i++) {
            String a = segments[i];
            String b = other.segments[i];
            if (!a.equals("*") && !b.equals("*") && !a.equals(b)) {
                return false;
            }
        }
        if (anyDepth && other.anyDepth) {
            return true;
        }
        if (anyDepth) {
            return other.segments.length >= segments.length;
        }
        if (other.anyDepth) {
            return segments.length >= other.segments.length;
        }
        return segments.length == other.segments.length;
    }

    /** The literal segments before the first wildcard, as a path: "/api" for "/api/&#42;/items", "/" for none. */
    public String literalPrefix() {
        StringBuilder sb = new StringBuilder();
        for (String s : segments) {
            if (s.equals("*")) {
                break;
            }
            sb.append('/').append(s);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    /**
     * For a {@code /prefix/**} pattern, the part of a request path below the prefix (with its
     * leading slash), else the empty string.
     */
    public String anyDepthTail(String rawPath) {
        if (!anyDepth) {
            return "";
        }
        String[] parts = split(normalise(rawPath).orElse("/"));
        if (parts.length <= segments.length) {
            return "";
        }
        return "/" + String.join("/", Arrays.copyOfRange(parts, segments.length, parts.length));
    }

    /** True when the pattern has no wildcard, so it can be looked up by exact path. */
    public boolean isExact() {
        return !anyDepth && Arrays.stream(segments).noneMatch("*"::equals);
    }

    /** Higher is more specific: literal segments count most, then fixed depth. */
    public int specificity() {
        int literals = (int) Arrays.stream(segments).filter(s -> !s.equals("*")).count();
        return literals * 4 + segments.length * 2 + (anyDepth ? 0 : 1);
    }

    /** The canonical exact path (only meaningful when {@link #isExact()}). */
    public String exactPath() {
        return "/" + String.join("/", segments);
    }

    @Override
    public String toString() {
        return text;
    }

    private static String collapse(String path) {
        String p = path.replaceAll("/{2,}", "/");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.startsWith("/") ? p : "/" + p;
    }

    private static String[] split(String normalised) {
        return normalised.equals("/") ? new String[0] : normalised.substring(1).split("/");
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }
}
