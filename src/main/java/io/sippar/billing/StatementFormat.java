package io.sippar.billing;

import io.sippar.merchant.ApiError;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code ?format=csv|json} on the statement and analytics endpoints: turned into the Accept header
 * before matching, so a browser link or {@code curl} without headers picks the export, and the
 * normal content negotiation selects the CSV or JSON method.
 */
public class StatementFormat {

    @ServerRequestFilter(preMatching = true)
    public void format(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        boolean ours = path.startsWith("/merchant/statements") || path.startsWith("/admin/statements")
                || path.startsWith("/admin/analytics") || (path.startsWith("/admin/merchants/") && path.contains("/statements"));
        if (!ours) {
            return;
        }
        List<String> format = ctx.getUriInfo().getQueryParameters().get("format");
        if (format == null || format.isEmpty()) {
            return;
        }
        String accept = switch (format.get(0)) {
            case "csv" -> StatementCsv.MEDIA_TYPE;
            case "json" -> MediaType.APPLICATION_JSON;
            default -> throw ApiError.badRequest("format must be csv or json, got '" + format.get(0) + "'");
        };
        ctx.getHeaders().putSingle(HttpHeaders.ACCEPT, accept);
    }
}
