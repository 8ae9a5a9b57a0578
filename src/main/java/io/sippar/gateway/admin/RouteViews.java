package io.sippar.gateway.admin;

import io.sippar.ledger.RouteRepository;
import io.sippar.pricing.RouteDefinition;
import java.time.OffsetDateTime;
import java.util.List;

/** JSON shapes of the route endpoints. */
public final class RouteViews {

    private RouteViews() {
    }

    /**
     * A route as written by a client (POST: with its name; PUT: the name is the URL's). Absent fields
     * take the same defaults as a configured route.
     */
    public record RouteBody(String name, String method, String host, String path, String upstream, String price,
            String description, String mimeType, Integer maxTimeoutSeconds, Boolean settleBeforeServe,
            Boolean enabled, List<AcceptBody> accepts) {
    }

    /** One accepted (scheme, network, asset, payTo); asset absent = the network's default stablecoin. */
    public record AcceptBody(String scheme, String network, String asset, String payTo) {
    }

    /**
     * A stored route.
     *
     * @param source "api" (managed here) or "configuration" (read-only: change sippar.pricing.routes)
     */
    public record RouteView(String name, String source, boolean enabled, String method, String host, String path,
            String upstream, String price, String description, String mimeType, int maxTimeoutSeconds,
            boolean settleBeforeServe, List<AcceptBody> accepts, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

        static RouteView of(RouteRepository.RouteRow row) {
            RouteDefinition d = row.definition();
            return new RouteView(d.name(), row.source(), row.enabled(), d.method(), d.host(), d.pathPattern(),
                    d.upstream(), d.price(), d.description(), d.mimeType(), d.maxTimeoutSeconds(),
                    d.settleBeforeServe(),
                    d.accepts().stream().map(a -> new AcceptBody(a.scheme(), a.network(), a.asset(), a.payTo()))
                            .toList(),
                    row.createdAt(), row.updatedAt());
        }
    }
}
