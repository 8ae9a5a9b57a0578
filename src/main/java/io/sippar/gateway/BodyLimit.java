package io.sippar.gateway;

import io.quarkus.runtime.configuration.MemorySize;
import io.sippar.x402.ReasonCode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a request whose declared body is over {@code quarkus.http.limits.max-body-size} with a
 * problem+json 413, one route ahead of Quarkus's own check (order -2), which answers with an empty
 * body. A chunked body without a length is still cut off by Quarkus as it streams.
 */
@ApplicationScoped
public class BodyLimit {

    private static final int BEFORE_QUARKUS_LIMIT = -3;

    private final Optional<MemorySize> maxBodySize;

    public BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    void install(@Observes Router router) {
        maxBodySize.ifPresent(limit -> router.route().order(BEFORE_QUARKUS_LIMIT)
                .handler(ctx -> check(ctx, limit.asLongValue())));
    }

    private static void check(RoutingContext ctx, long limit) {
        String length = ctx.request().getHeader("Content-Length");
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            // Vert.x's codec refuses a malformed length before any route; nothing to add here
            ctx.next();
            return;
        }
        if (declared <= limit) {
            ctx.next();
            return;
        }
        // the body is not read: close the connection rather than drain it
        ctx.response().putHeader("Connection", "close");
        EdgeRoutes.problem(ctx.response(), 413, "Request body too large", ReasonCode.INVALID_REQUEST,
                "the request body (" + declared + " bytes) exceeds the gateway's limit of " + limit + " bytes");
    }
}
