package io.sippar.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Forward auth (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz): what happens off the price list. */
@ConfigMapping(prefix = "sippar.forward-auth")
public interface ForwardAuthConfig {

    /** What a request for a path no route prices gets: allow (2xx, let it through) or deny (403); default allow. */
    @WithDefault("allow")
    Unpriced unpriced();

    /** The answer for unpriced paths. */
    enum Unpriced {
        /** 200: the proxy serves the request unpaid. */
        ALLOW,
        /** 403 problem+json {@code route_not_found}: only priced paths pass. */
        DENY
    }
}
