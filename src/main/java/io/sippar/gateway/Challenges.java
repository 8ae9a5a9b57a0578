package io.sippar.gateway;

import io.sippar.pricing.PricedRoute;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Network;
import io.sippar.x402.PaymentRequired;
import io.sippar.x402.PaymentRequiredV1;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.PaymentRequirementsV1;
import io.sippar.x402.ResourceInfo;
import io.sippar.x402.X402Json;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the 402 a priced route answers with. One response serves both protocol versions: the v2
 * {@code PAYMENT-REQUIRED} header (read first by {@code @x402/fetch}) and a v1 JSON body (the only
 * thing the legacy {@code x402-fetch} reads), as x402-protocol.md section 1.6 recommends.
 */
@ApplicationScoped
public class Challenges {

    /** Error text of an unpaid request's v2 challenge, as the reference server words it. */
    public static final String PAYMENT_REQUIRED = "Payment required";
    /** Error text of an unpaid request's v1 challenge, as the legacy server words it. */
    public static final String X_PAYMENT_REQUIRED = "X-PAYMENT header is required";

    private final GatewayConfig config;
    private final PaymentMetrics metrics;

    public Challenges(GatewayConfig config, PaymentMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** A ready 402: the PAYMENT-REQUIRED header value and the v1 JSON body. */
    public record Challenge(String paymentRequiredHeader, String body) {
    }

    /** The absolute URL of the requested resource (the v1 schema requires a URL, not a path). */
    public String resourceUrl(HttpServerRequest request) {
        String host = request.getHeader("Host");
        if ((host == null || host.isBlank()) && request.localAddress() != null) {
            host = request.localAddress().host() + ":" + request.localAddress().port();
        }
        return resourceUrl(request.scheme(), host, request.uri());
    }

    /** The absolute URL of a resource requested as scheme://host + uri (forward auth: the original request). */
    public String resourceUrl(String scheme, String host, String uri) {
        Optional<String> base = config.publicBaseUrl();
        if (base.isPresent()) {
            String b = base.get();
            return (b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + uri;
        }
        return scheme + "://" + (host == null || host.isBlank() ? "localhost" : host) + uri;
    }

    /** The challenge for a route, with an error text per version. */
    public Challenge challenge(PricedRoute route, String resourceUrl, String errorV2, String errorV1) {
        var def = route.definition();
        ResourceInfo resource = new ResourceInfo(resourceUrl, def.description(), def.mimeType());
        PaymentRequired v2 = new PaymentRequired(2, errorV2, resource, route.requirements(), null);
        List<PaymentRequirementsV1> v1Accepts = new ArrayList<>();
        for (PaymentRequirements r : route.requirements()) {
            // v1 clients only know the legacy network names; networks without one are offered in v2 only
            Network.parse(r.network()).flatMap(Network::v1Name)
                    .ifPresent(name -> v1Accepts.add(r.toV1(name, resource, null)));
        }
        PaymentRequiredV1 v1 = new PaymentRequiredV1(1, errorV1, v1Accepts);
        metrics.challenge(route, errorV2);
        try {
            return new Challenge(HeaderCodec.encode(v2), X402Json.MAPPER.writeValueAsString(v1));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("x402 records always serialise", e);
        }
    }
}
