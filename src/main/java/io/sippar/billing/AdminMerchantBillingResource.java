package io.sippar.billing;

import io.quarkus.security.identity.SecurityIdentity;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.ApiKeyAuthentication;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operator API: one merchant's subscription, usage and notices. Rooted at the same path as
 * {@link AdminMerchantsResource} (the REST layer merges classes with the same root path; a longer root
 * such as /admin/merchants/{id} would hide that class's sub-paths).
 */
@Path("/admin/merchants")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AdminMerchantBillingResource {

    private final SecurityIdentity identity;
    private final Subscriptions subscriptions;
    private final BillingApi api;

    public AdminMerchantBillingResource(SecurityIdentity identity, Subscriptions subscriptions, BillingApi api) {
        this.identity = identity;
        this.subscriptions = subscriptions;
        this.api = api;
    }

    @GET
    @Path("{merchantId}/subscription")
    @Operation(summary = "A merchant's plan now, its scheduled change and this month's usage")
    @APIResponse(responseCode = "200", description = "The plan")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<BillingViews.MerchantPlanView> subscription(@PathParam("merchantId") UUID merchantId) {
        return api.plan(merchantId);
    }

    @GET
    @Path("{merchantId}/subscription/history")
    @Operation(summary = "A merchant's whole plan history, oldest first (a scheduled change last)")
    @APIResponse(responseCode = "200", description = "The history")
    public Uni<List<BillingViews.SubscriptionView>> history(@PathParam("merchantId") UUID merchantId) {
        PlanCatalog catalog = subscriptions.catalog();
        return subscriptions.history(merchantId).map(h -> {
            if (h.isEmpty()) {
                throw ApiError.notFound("no merchant " + merchantId + " with a plan");
            }
            return h.stream().map(s -> BillingViews.SubscriptionView.of(s, catalog)).toList();
        });
    }

    @PUT
    @Path("{merchantId}/subscription")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a merchant's plan: an upgrade applies now (the month prorated by days), anything "
            + "else at the next period start; effective=now or next-period overrides; a pending change is replaced")
    @APIResponse(responseCode = "200", description = "The decision and the merchant's plan history")
    @APIResponse(responseCode = "400", description = "Unknown or retired plan, or a commitment the plan does not take")
    @APIResponse(responseCode = "404", description = "No such merchant")
    public Uni<BillingViews.ChangeView> change(@PathParam("merchantId") UUID merchantId,
            BillingViews.SubscriptionRequest body) {
        if (body == null || body.plan() == null || body.plan().isBlank()) {
            throw ApiError.badRequest("a JSON body {\"plan\": \"...\"} is required");
        }
        PlanChangeRule.Timing timing = timing(body.effective());
        Plan plan = subscriptions.catalog().find(body.plan()).orElseThrow(() -> ApiError.badRequest("unknown plan "
                + body.plan() + "; GET /admin/plans lists them"));
        if (!plan.offered()) {
            throw ApiError.badRequest("plan " + plan.id() + " is retired and cannot be chosen");
        }
        try {
            Subscriptions.commitment(plan, body.commitmentYears());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        String by = "api-key:" + ApiKeyAuthentication.caller(identity).keyId();
        PlanCatalog catalog = subscriptions.catalog();
        return subscriptions.change(merchantId, plan.id(), body.commitmentYears(), timing, "api", by)
                .map(found -> {
                    Subscriptions.Change c = found.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId));
                    Instant now = Instant.now();
                    Subscription current = c.history().stream().filter(s -> s.activeAt(now)).findFirst().orElse(null);
                    Subscription scheduled = c.history().stream().filter(s -> s.effectiveFrom().isAfter(now))
                            .findFirst().orElse(null);
                    return new BillingViews.ChangeView(c.direction().name().toLowerCase(Locale.ROOT), c.effectiveFrom(),
                            c.previous() == null ? null : c.previous().planId(),
                            current == null ? null : BillingViews.SubscriptionView.of(current, catalog),
                            scheduled == null ? null : BillingViews.SubscriptionView.of(scheduled, catalog),
                            c.history().stream().map(s -> BillingViews.SubscriptionView.of(s, catalog)).toList());
                });
    }

    @GET
    @Path("{merchantId}/usage")
    @Operation(summary = "A merchant's usage of one month against its plan(s)")
    @APIResponse(responseCode = "200", description = "The month's usage")
    @APIResponse(responseCode = "400", description = "period is not YYYY-MM or has not started")
    @APIResponse(responseCode = "404", description = "The merchant had no plan that month")
    public Uni<BillingViews.UsageView> usage(@PathParam("merchantId") UUID merchantId,
            @Parameter(description = "Month as YYYY-MM (UTC); default the current one") @QueryParam("period") String period) {
        return api.usage(merchantId, period);
    }

    @GET
    @Path("{merchantId}/notices")
    @Operation(summary = "A merchant's usage notices with every delivery attempt, newest first")
    @APIResponse(responseCode = "200", description = "The notices")
    public Uni<List<BillingViews.NoticeView>> notices(@PathParam("merchantId") UUID merchantId,
            @Parameter(description = "Only this month (YYYY-MM)") @QueryParam("period") String period,
            @Parameter(description = "At most this many (1..500, default 100)") @QueryParam("limit") Integer limit) {
        return api.notices(merchantId, period, limit);
    }

    private static PlanChangeRule.Timing timing(String effective) {
        if (effective == null || effective.isBlank() || effective.equals("rule")) {
            return PlanChangeRule.Timing.RULE;
        }
        return switch (effective) {
            case "now" -> PlanChangeRule.Timing.NOW;
            case "next-period" -> PlanChangeRule.Timing.NEXT_PERIOD;
            default -> throw ApiError.badRequest("effective must be rule, now or next-period, got " + effective);
        };
    }
}
