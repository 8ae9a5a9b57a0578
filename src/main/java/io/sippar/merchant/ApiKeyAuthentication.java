package io.sippar.merchant;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.sippar.limits.LimitExceededException;
import io.sippar.limits.RequestLimits;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates the admin and merchant APIs by {@code Authorization: Bearer sk_...}: the key's hash
 * is looked up (through {@link ApiKeys}' short cache) and the caller gets its role, so resources
 * declare access with {@code @RolesAllowed}. No header means anonymous (public endpoints stay
 * public); a header that is not a live key fails the request with 401.
 */
@ApplicationScoped
public class ApiKeyAuthentication implements HttpAuthenticationMechanism {

    /** The identity attribute holding the {@link Caller}. */
    public static final String CALLER = "sippar.caller";

    private final ApiKeys keys;
    private final RequestLimits limits;

    public ApiKeyAuthentication(ApiKeys keys, RequestLimits limits) {
        this.keys = keys;
        this.limits = limits;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String header = context.request().getHeader("Authorization");
        if (header == null) {
            return Uni.createFrom().optional(Optional.empty());
        }
        Optional<LimitExceededException> blocked = limits.apiKeyAllowed(context.request());
        if (blocked.isPresent()) {
            return Uni.createFrom().failure(blocked.get());
        }
        return keys.identify(header).map(found -> {
            if (found.isEmpty()) {
                limits.apiKeyFailed(context.request());
            }
            Caller caller = found.orElseThrow(() -> new AuthenticationFailedException(
                    "the API key is missing, malformed, unknown or revoked"));
            String name = caller.admin() ? "admin:" + caller.keyId() : "merchant:" + caller.merchantId();
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(name))
                    .addRole(caller.role())
                    .addAttribute(CALLER, caller)
                    .build();
        });
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        // the mechanism resolves identities itself; no IdentityProvider is involved
        return Set.of();
    }

    /** The caller of an authenticated request. */
    public static Caller caller(SecurityIdentity identity) {
        Caller caller = identity.getAttribute(CALLER);
        if (caller == null) {
            throw new io.quarkus.security.UnauthorizedException("an API key is required");
        }
        return caller;
    }
}
