package io.sippar.billing;

import io.sippar.ledger.MerchantRepository;
import io.sippar.merchant.AdminMerchantsResource;
import io.sippar.merchant.ApiError;
import io.sippar.merchant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Operator API: revenue analytics across merchants for a date range. */
@Path("/admin/analytics")
@RolesAllowed(Caller.ADMIN)
@Tag(name = "admin")
@SecurityRequirement(name = AdminMerchantsResource.API_KEY)
public class AnalyticsResource {

    /** The definitions every report states, so a figure is never read two ways. */
    static final Map<String, String> DEFINITIONS = Map.of(
            "range", "[from, to) in UTC; from and to are YYYY-MM-DD or YYYY-MM (the first day of that month)",
            "mrrUsd", "monthly recurring revenue at mrrAt (the end of the range, or now if it is later): the "
                    + "monthly-equivalent price of every subscription in force (annual price / 12), less the "
                    + "commitment discount while within the committed term; usage fees and overage are not recurring",
            "arrUsd", "12 x mrrUsd",
            "feeRevenue", "fees of the payments settled in the range (by settlement time), exact; the plan is the one "
                    + "the merchant was on when the payment settled",
            "netRevenueRetention", "revenue in the range of the merchants that had revenue in the base window (the "
                    + "window of the same length just before the range), divided by their revenue in the base window; "
                    + "revenue = fees settled in the window + subscription revenue recognised evenly over time "
                    + "(monthly-equivalent, discounted); overage is excluded because it is only defined per calendar month",
            "volumeUsd", "settled amounts of USD stablecoins at 1:1; assets without a USD value are left out "
                    + "(volumeUsdComplete false)");

    private final Analytics analytics;

    public AnalyticsResource(Analytics analytics) {
        this.analytics = analytics;
    }

    /** One slice of the fee revenue. */
    public record SliceView(String key, long transactions, String volumeUsd, boolean volumeUsdComplete,
            String feesUsd) {
        static SliceView of(Analytics.Slice s) {
            return new SliceView(s.key, s.transactions, Money.usd(s.volumeUsd), s.volumeComplete, Money.usd(s.feesUsd));
        }
    }

    /** A merchant in a top list. */
    public record TopMerchantView(UUID merchantId, String slug, String name, long transactions, String volumeUsd,
            String feesUsd) {
        static TopMerchantView of(Analytics.Slice s, Map<UUID, MerchantRepository.MerchantRow> merchants) {
            UUID id = UUID.fromString(s.key);
            MerchantRepository.MerchantRow m = merchants.get(id);
            return new TopMerchantView(id, m == null ? null : m.slug(), m == null ? null : m.name(), s.transactions,
                    Money.usd(s.volumeUsd), Money.usd(s.feesUsd));
        }
    }

    /** Net revenue retention; ratio and percent are null when the base window had no revenue. */
    public record RetentionView(Instant baseFrom, Instant baseTo, int cohortMerchants, String baseRevenueUsd,
            String currentRevenueUsd, String ratio, String percent) {
    }

    /** The report. */
    public record ReportView(Instant from, Instant to, Instant mrrAt, String mrrUsd, String arrUsd,
            String mrrAtStartUsd, long transactions, String volumeUsd, boolean volumeUsdComplete, String feeRevenueUsd,
            List<SliceView> feeRevenueByBand, List<SliceView> feeRevenueByNetwork, List<SliceView> feeRevenueByPlan,
            RetentionView netRevenueRetention, List<TopMerchantView> topMerchantsByFees,
            List<TopMerchantView> topMerchantsByVolume, Map<String, String> definitions) {

        static ReportView of(Analytics.Report r) {
            Analytics.Retention n = r.retention();
            return new ReportView(r.range().from(), r.range().to(), r.mrrAt(), Money.usd(r.mrrUsd()),
                    Money.usd(r.arrUsd()), Money.usd(r.mrrAtStartUsd()), r.total().transactions,
                    Money.usd(r.total().volumeUsd), r.total().volumeComplete, Money.usd(r.total().feesUsd),
                    r.byBand().stream().map(SliceView::of).toList(), r.byNetwork().stream().map(SliceView::of).toList(),
                    r.byPlan().stream().map(SliceView::of).toList(),
                    new RetentionView(n.baseFrom(), n.baseTo(), n.cohortMerchants(), Money.usd(n.baseRevenueUsd()),
                            Money.usd(n.currentRevenueUsd()), n.ratio() == null ? null : Money.plain(n.ratio()),
                            n.ratio() == null ? null
                                    : n.ratio().movePointRight(2).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString()),
                    r.topByFees().stream().map(s -> TopMerchantView.of(s, r.merchants())).toList(),
                    r.topByVolume().stream().map(s -> TopMerchantView.of(s, r.merchants())).toList(), DEFINITIONS);
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "MRR, ARR, fee revenue by band, network and plan, net revenue retention and the top merchants "
            + "for [from, to); CSV with ?format=csv or Accept: text/csv")
    public Uni<ReportView> report(@Parameter(description = "YYYY-MM-DD or YYYY-MM, inclusive") @QueryParam("from") String from,
            @Parameter(description = "YYYY-MM-DD or YYYY-MM, exclusive") @QueryParam("to") String to,
            @Parameter(description = "size of the top-merchant lists, 1 to 100 (default 10)") @QueryParam("top") Integer top) {
        return analytics.report(AnalyticsRange.parse(from, to), top(top)).map(ReportView::of);
    }

    @GET
    @Produces(StatementCsv.MEDIA_TYPE)
    @Operation(summary = "The analytics report as CSV: one row per figure (section, key, transactions, volume, fees, value)")
    public Uni<Response> reportCsv(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("top") Integer top) {
        AnalyticsRange range = AnalyticsRange.parse(from, to);
        return analytics.report(range, top(top)).map(r -> Response.ok(csv(ReportView.of(r)), StatementCsv.MEDIA_TYPE)
                .header("Content-Disposition", "attachment; filename=\"analytics-" + from + "-" + to + ".csv\"").build());
    }

    private static int top(Integer top) {
        int n = top == null ? 10 : top;
        if (n < 1 || n > 100) {
            throw ApiError.badRequest("top must be 1 to 100");
        }
        return n;
    }

    static String csv(ReportView v) {
        StringBuilder out = new StringBuilder("section,key,merchant_id,transactions,volume_usd,fees_usd,value\r\n");
        row(out, "summary", "mrr_usd", null, null, null, null, v.mrrUsd());
        row(out, "summary", "arr_usd", null, null, null, null, v.arrUsd());
        row(out, "summary", "mrr_at_start_usd", null, null, null, null, v.mrrAtStartUsd());
        row(out, "summary", "fee_revenue_usd", null, Long.toString(v.transactions()), v.volumeUsd(), v.feeRevenueUsd(),
                null);
        row(out, "summary", "net_revenue_retention", null, null, null, null, v.netRevenueRetention().ratio());
        for (SliceView s : v.feeRevenueByBand()) {
            row(out, "band", s.key(), null, Long.toString(s.transactions()), s.volumeUsd(), s.feesUsd(), null);
        }
        for (SliceView s : v.feeRevenueByNetwork()) {
            row(out, "network", s.key(), null, Long.toString(s.transactions()), s.volumeUsd(), s.feesUsd(), null);
        }
        for (SliceView s : v.feeRevenueByPlan()) {
            row(out, "plan", s.key(), null, Long.toString(s.transactions()), s.volumeUsd(), s.feesUsd(), null);
        }
        for (TopMerchantView m : v.topMerchantsByFees()) {
            row(out, "top_by_fees", m.slug(), m.merchantId().toString(), Long.toString(m.transactions()), m.volumeUsd(),
                    m.feesUsd(), null);
        }
        for (TopMerchantView m : v.topMerchantsByVolume()) {
            row(out, "top_by_volume", m.slug(), m.merchantId().toString(), Long.toString(m.transactions()),
                    m.volumeUsd(), m.feesUsd(), null);
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String section, String key, String merchant, String transactions,
            String volume, String fees, String value) {
        StatementCsv.row(out, section, StatementCsv.text(key), merchant, transactions, volume, fees, value);
    }
}
