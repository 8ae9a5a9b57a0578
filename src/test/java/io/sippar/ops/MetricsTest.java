package io.sippar.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Reservation;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.x402.HeaderCodec;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} after a paid flow, a refused payment and a plain challenge: every series the
 * README lists is there with its labels (Prometheus sorts labels by name) and moved as it should.
 */
@QuarkusTest
class MetricsTest {

    private static final String MERCHANT = "merchant=\"demo\"";
    private static final String ROUTE = "route=\"weather\"";
    private static final String EVM = "network=\"eip155:31337\"";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    PaymentRepository payments;

    @Inject
    PendingPaymentsMetrics pending;

    @Inject
    Pool pool;

    private static JsonNode offered() {
        return HeaderCodec.decodeJson(given().get("/demo/weather").then().statusCode(402).extract()
                .header("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the one sample of {@code series} whose labels contain all of {@code labels}. */
    private static double value(String scrape, String series, String... labels) {
        List<Double> found = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        while (m.find()) {
            String have = m.group(1);
            boolean all = true;
            for (String l : labels) {
                all &= have.contains(l);
            }
            if (all) {
                found.add(Double.parseDouble(m.group(2)));
            }
        }
        assertEquals(1, found.size(), series + " with " + String.join(",", labels) + " in:\n" + grep(scrape, series));
        return found.get(0);
    }

    private static double valueOrZero(String scrape, String series, String... labels) {
        return scrape.contains(series + "{") && grep(scrape, series).lines()
                .anyMatch(l -> List.of(labels).stream().allMatch(l::contains)) ? value(scrape, series, labels) : 0;
    }

    private static String grep(String scrape, String prefix) {
        StringBuilder out = new StringBuilder();
        scrape.lines().filter(l -> l.startsWith(prefix)).forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    @Test
    void aPaidFlowARefusalAndAChallengeShowInTheSeriesWithTheirLabels() {
        String payerKey = ChainsTestResource.devnet().payer().privateKey();
        String before = metrics();
        double challenges = valueOrZero(before, "sippar_challenges_total", MERCHANT, ROUTE, "reason=\"payment_required\"");
        double valid = valueOrZero(before, "sippar_verifications_total", MERCHANT, ROUTE, EVM, "result=\"valid\"");
        double settled = valueOrZero(before, "sippar_settlements_total", MERCHANT, ROUTE, EVM, "result=\"success\"");
        double expired = valueOrZero(before, "sippar_verifications_total", MERCHANT, ROUTE,
                "reason=\"invalid_exact_evm_payload_authorization_valid_before\"");
        double gas = valueOrZero(before, "sippar_gas_spent_native_total", EVM);
        double gasUsd = valueOrZero(before, "sippar_gas_spent_usd_total", EVM);
        double fees = valueOrZero(before, "sippar_fees_earned_usd_total", "merchant=\"demo\"", EVM);

        JsonNode offer = offered();
        Response paid = given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offer, payerKey))
                .get("/demo/weather?city=Uruk");
        assertEquals(200, paid.statusCode(), paid.asString());
        // an authorization that expired before it was presented: refused by verify, nothing charged
        long now = System.currentTimeMillis() / 1000;
        ObjectNode stale = TestPayments.v2Payload(offer, payerKey);
        stale.set("payload", TestPayments.payload(offer, payerKey, BigInteger.valueOf(now - 900),
                BigInteger.valueOf(now - 300)));
        Response refused = given().header("PAYMENT-SIGNATURE", HeaderCodec.encode(stale)).get("/demo/weather");
        assertEquals(402, refused.statusCode());

        String after = metrics();
        assertEquals(challenges + 1, value(after, "sippar_challenges_total", MERCHANT, ROUTE, "reason=\"payment_required\""));
        assertEquals(valid + 1, value(after, "sippar_verifications_total", MERCHANT, ROUTE, EVM, "scheme=\"exact\"",
                "result=\"valid\"", "reason=\"none\""));
        assertEquals(expired + 1, value(after, "sippar_verifications_total", MERCHANT, ROUTE, EVM, "result=\"invalid\"",
                "reason=\"invalid_exact_evm_payload_authorization_valid_before\""));
        assertEquals(settled + 1, value(after, "sippar_settlements_total", MERCHANT, ROUTE, EVM, "scheme=\"exact\"",
                "result=\"success\"", "reason=\"none\""));
        assertTrue(value(after, "sippar_challenges_total", MERCHANT, ROUTE,
                "reason=\"invalid_exact_evm_payload_authorization_valid_before\"") >= 1, "the refusal's 402 counts");

        // histograms: buckets, count and sum per series
        for (String h : List.of("sippar_verify_duration_seconds", "sippar_settle_duration_seconds")) {
            assertTrue(value(after, h + "_count", EVM, "scheme=\"exact\"", "result=\"" + (h.contains("verify")
                    ? "valid" : "success") + "\"") >= 1, h);
            assertTrue(after.contains(h + "_bucket{"), h + " buckets");
            assertTrue(grep(after, h + "_bucket{").contains("le=\"0.1\""), h + " has the 100 ms bucket");
        }
        assertTrue(value(after, "sippar_upstream_duration_seconds_count", MERCHANT, ROUTE, "outcome=\"2xx\"") >= 1);
        assertTrue(value(after, "sippar_payment_duration_seconds_count", MERCHANT, ROUTE, "outcome=\"served\"") >= 1);
        assertTrue(value(after, "sippar_payment_duration_seconds_count", MERCHANT, ROUTE, "outcome=\"rejected\"") >= 1);

        // money: the gateway paid gas in ETH on the devnet and earned the micro fee ($0.00005, 5% of $0.001)
        double gasSpent = value(after, "sippar_gas_spent_native_total", EVM) - gas;
        assertTrue(gasSpent > 0, "gas spent grew");
        // ChainsTestResource sets the devnet's native-usd-rate to 3000 USD per ETH
        assertEquals(gasSpent * 3000, value(after, "sippar_gas_spent_usd_total", EVM) - gasUsd, gasSpent * 3000 * 1e-6);
        assertEquals(fees + 0.00005, value(after, "sippar_fees_earned_usd_total", "merchant=\"demo\"", EVM), 1e-12);

        // key leases and pending payments (gauges)
        assertEquals(1.0, value(after, "sippar_settlement_key_leased", EVM));
        assertTrue(value(after, "sippar_settlement_key_lease_events_total", EVM, "event=\"acquired\"") >= 1);
        for (String state : List.of("reserved", "verified", "settling")) {
            assertTrue(value(after, "sippar_payments_pending", "state=\"" + state + "\"") >= 0);
            assertTrue(value(after, "sippar_payments_pending_oldest_age_seconds", "state=\"" + state + "\"") >= 0);
        }
    }

    @Test
    void aPaymentLeftVerifiedIsCountedAsPendingWithTheAgeOfTheOldest() throws Exception {
        UUID merchant = pool.query("SELECT merchant_id FROM route WHERE path_pattern = '/demo/weather'").execute()
                .await().atMost(WAIT).iterator().next().getUUID(0);
        NewPayment np = new NewPayment(merchant, null, 2, "exact", "eip155:31337", address(), address(), address(),
                BigInteger.ONE, "0x" + hex(32), null);
        UUID id = ((Reservation.Reserved) payments.reserve(np).await().atMost(WAIT)).paymentId();
        try {
            assertTrue(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED).await().atMost(WAIT));
            // as if its pod had died an hour ago (the reconciler is off in the test profile)
            pool.preparedQuery("UPDATE payment SET state_changed_at = now() - interval '1 hour' WHERE id = $1")
                    .execute(Tuple.of(id)).await().atMost(WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            String scrape = metrics();
            while (value(scrape, "sippar_payments_pending_oldest_age_seconds", "state=\"verified\"") < 3600
                    && System.nanoTime() < deadline) {
                pending.refresh();
                Thread.sleep(200);
                scrape = metrics();
            }
            assertTrue(value(scrape, "sippar_payments_pending", "state=\"verified\"") >= 1, grep(scrape, "sippar_payments"));
            assertTrue(value(scrape, "sippar_payments_pending_oldest_age_seconds", "state=\"verified\"") >= 3600,
                    grep(scrape, "sippar_payments"));
        } finally {
            payments.transition(id, PaymentState.VERIFIED, PaymentState.RELEASED).await().atMost(WAIT);
        }
    }

    private static String address() {
        return "0x" + hex(20);
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static final java.util.regex.Pattern HEX_VALUE = java.util.regex.Pattern.compile("0x[0-9a-fA-F]{8,}");

    @Test
    void reasonLabelsStayBoundedWhateverTheClientSends() {
        given().header("PAYMENT-SIGNATURE", "dGhpcyBpcyBub3QgSlNPTg==").get("/demo/weather").then().statusCode(402);
        String scrape = metrics();
        assertTrue(value(scrape, "sippar_challenges_total", MERCHANT, ROUTE, "reason=\"invalid_payment_header_json\"") >= 1);
        for (String line : grep(scrape, "sippar_").split("\n")) {
            // an address or hash as a label value (route and merchant names may contain "0x" by chance)
            assertTrue(!HEX_VALUE.matcher(line).find() && !line.toLowerCase().contains("this is not"),
                    "no addresses or client text in labels: " + line);
        }
    }
}
