package io.sippar.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A per-process secret the proxy adds when it calls an upstream served by the gateway itself (the
 * demo API), so such an upstream can't be reached around the paid route.
 */
@ApplicationScoped
public class InternalUpstreamToken {

    /** Request header carrying the token. */
    public static final String HEADER = "X-Sippar-Internal";

    private final String token;

    public InternalUpstreamToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        token = HexFormat.of().formatHex(bytes);
    }

    public String value() {
        return token;
    }

    /** Constant-time check of a presented token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(), token.getBytes());
    }
}
