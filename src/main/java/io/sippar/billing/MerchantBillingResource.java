package io.sippar.billing;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Merchant API: its plan, usage, webhook and usage notices. The merchant is always the key's. */
@Path("/merchant")
@RolesAllowed(Caller.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "merchant")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class MerchantBillingResource {

    private final SecurityIdentity identity;
    private final BillingApi api;
    private final Webhooks webhooks;

    public MerchantBillingResource(SecurityIdentity identity, BillingApi api, Webhooks webhooks) {
        this.identity = identity;
        this.api = api;
        this.webhooks = webhooks;
    }

    private UUID me() {
        return ApiKeyAuthentication.caller(identity).scope(Optional.empty());
    }

    @GET
    @Path("plan")
    @Operation(summary = "The calling merchant's plan, scheduled change and this month's usage (included, used, "
            + "remaining, overage so far)")
    @APIResponse(responseCode = "200", description = "The plan and this month's usage")
    public Uni<BillingViews.MerchantPlanView> plan() {
        return api.plan(me());
    }

    @GET
    @Path("usage")
    @Operation(summary = "Usage of one month against the plan(s) of that month, with the plan segments and their days")
    @APIResponse(responseCode = "200", description = "The month's usage")
    @APIResponse(responseCode = "400", description = "period is not YYYY-MM or has not started")
    public Uni<BillingViews.UsageView> usage(
            @Parameter(description = "Month as YYYY-MM (UTC); default the current one") @QueryParam("period") String period) {
        return api.usage(me(), period);
    }

    @GET
    @Path("webhook")
    @Operation(summary = "The webhook endpoint usage notices are sent to (never its secret)")
    @APIResponse(responseCode = "200", description = "The endpoint")
    @APIResponse(responseCode = "404", description = "No endpoint is configured")
    public Uni<BillingViews.WebhookView> webhook() {
        return webhooks.find(me()).map(e -> BillingViews.WebhookView.of(e.orElseThrow(
                () -> ApiError.notFound("no webhook is configured; PUT /merchant/webhook"))));
    }

    @PUT
    @Path("webhook")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set the webhook URL (https). The first time, a signing secret is made and returned in "
            + "this answer only; changing the URL keeps the secret")
    @APIResponse(responseCode = "201", description = "Endpoint created; the answer holds its secret")
    @APIResponse(responseCode = "200", description = "URL changed; the secret is unchanged")
    @APIResponse(responseCode = "400", description = "The URL is not an acceptable https endpoint")
    @APIResponse(responseCode = "409", description = "The operator has not configured the secrets' encryption key")
    public Uni<Response> configure(BillingViews.WebhookRequest body) {
        if (body == null) {
            throw ApiError.badRequest("a JSON body {\"url\": \"https://...\"} is required");
        }
        return webhooks.configure(me(), body.url()).map(c -> c.secret()
                .map(secret -> Response.status(201).entity(new BillingViews.WebhookWithSecretView(c.endpoint().url(),
                        c.endpoint().secretPrefix(), secret, c.endpoint().secretRotatedAt())).build())
                .orElseGet(() -> Response.ok(BillingViews.WebhookView.of(c.endpoint())).build()));
    }

    @POST
    @Path("webhook/rotate-secret")
    @Operation(summary = "Replace the webhook's signing secret; the new one is in this answer only and signs every "
            + "attempt from now on")
    @APIResponse(responseCode = "200", description = "The new secret")
    @APIResponse(responseCode = "404", description = "No endpoint is configured")
    public Uni<BillingViews.WebhookWithSecretView> rotate() {
        return webhooks.rotate(me()).map(c -> new BillingViews.WebhookWithSecretView(c.endpoint().url(),
                c.endpoint().secretPrefix(), c.secret().orElseThrow(), c.endpoint().secretRotatedAt()));
    }

    @DELETE
    @Path("webhook")
    @Operation(summary = "Remove the webhook endpoint (later notices are kept, with status no_webhook)")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "404", description = "No endpoint was configured")
    public Uni<Response> deleteWebhook() {
        return webhooks.delete(me()).map(done -> {
            if (!done) {
                throw ApiError.notFound("no webhook is configured");
            }
            return Response.noContent().build();
        });
    }

    @GET
    @Path("notices")
    @Operation(summary = "The 80% / 100% usage notices (the outbox) with every delivery attempt, newest first")
    @APIResponse(responseCode = "200", description = "The notices")
    public Uni<List<BillingViews.NoticeView>> notices(
            @Parameter(description = "Only this month (YYYY-MM)") @QueryParam("period") String period,
            @Parameter(description = "At most this many (1..500, default 100)") @QueryParam("limit") Integer limit) {
        return api.notices(me(), period, limit);
    }
}
