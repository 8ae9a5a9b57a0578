package io.sippar.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.gateway.PaymentFlow;
import io.sippar.testsupport.ChainsTestResource;
import io.sippar.x402.HeaderCodec;
import io.sippar.x402.X402Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Log capture around paid and refused requests: every step of a paid request (verify, upstream,
 * settle, ledger) logs with its payment id in the MDC, carried by the request's Vert.x duplicated
 * context across the chain client's threads, and no settlement key, API key, mnemonic or payment
 * header ever reaches a log record.
 */
@QuarkusTest
class PaymentLoggingTest {

    private static final String ACME_KEY = "sk_test_acme_0123456789abcdefghijklmn";
    private static final String OPERATOR_KEY = "sk_test_operator_0123456789abcdefghij";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Keeps every record with the MDC as it was when it was logged. */
    static final class Capture extends Handler {
        final List<ExtLogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            ExtLogRecord r = ExtLogRecord.wrap(record);
            r.copyMdc();
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        /** Message with its parameters, thrown text and MDC values: everything a formatter could print. */
        static String printed(ExtLogRecord r) {
            StringBuilder s = new StringBuilder(String.valueOf(r.getFormattedMessage()));
            r.getMdcCopy().values().forEach(v -> s.append(' ').append(v));
            for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                s.append(' ').append(t);
            }
            return s.toString();
        }
    }

    @Inject
    Pool pool;

    private final Capture capture = new Capture();
    private Level flowLevel;

    @BeforeEach
    void capture() {
        Logger root = LogContext.getLogContext().getLogger("");
        root.addHandler(capture);
        Logger flow = LogContext.getLogContext().getLogger(PaymentFlow.class.getName());
        flowLevel = flow.getLevel();
        flow.setLevel(Level.FINE);
    }

    @AfterEach
    void release() {
        LogContext.getLogContext().getLogger("").removeHandler(capture);
        LogContext.getLogContext().getLogger(PaymentFlow.class.getName()).setLevel(flowLevel);
    }

    private static JsonNode offered(String path, int index) {
        return HeaderCodec.decodeJson(given().get(path).then().statusCode(402).extract().header("PAYMENT-REQUIRED"))
                .at("/accepts/" + index);
    }

    private String paymentIdOf(String tx) {
        return pool.preparedQuery("SELECT id FROM payment WHERE tx_hash = $1").execute(Tuple.of(tx))
                .await().atMost(WAIT).iterator().next().getUUID("id").toString();
    }

    private List<ExtLogRecord> flowRecords(String paymentId) {
        return capture.records.stream().filter(r -> r.getLoggerName().equals(PaymentFlow.class.getName()))
                .filter(r -> paymentId.equals(r.getMdcCopy().get(PaymentFlow.MDC_PAYMENT_ID))).toList();
    }

    private static void assertEveryStepLogged(List<ExtLogRecord> records, String what) {
        List<String> messages = records.stream().map(ExtLogRecord::getFormattedMessage).toList();
        for (String step : List.of("verification of", "settling on", "settlement on", "recorded in the ledger")) {
            assertTrue(messages.stream().anyMatch(m -> m.startsWith(step)), what + ": no '" + step + "' line with the "
                    + "payment id among " + messages);
        }
    }

    @Test
    void everyStepOfAPaidRequestLogsWithItsPaymentId() {
        String payerKey = ChainsTestResource.devnet().payer().privateKey();
        Response paid = given().header("PAYMENT-SIGNATURE", TestPayments.v2Header(offered("/demo/weather", 0), payerKey))
                .get("/demo/weather?city=Lagash");
        assertEquals(200, paid.statusCode(), paid.asString());
        String tx = HeaderCodec.decodeJson(paid.header("PAYMENT-RESPONSE")).get("transaction").asText();
        String id = paymentIdOf(tx);
        List<ExtLogRecord> mine = flowRecords(id);
        assertEveryStepLogged(mine, "reverse proxy");
        assertTrue(mine.stream().anyMatch(r -> r.getFormattedMessage().startsWith("upstream of weather answered 200")),
                "the upstream step too");
        // the chain client answers on its own threads: the id still came back with the flow
        assertTrue(mine.stream().map(ExtLogRecord::getThreadName).anyMatch(t -> t.startsWith("vert.x-eventloop")),
                "logged on the event loop");
    }

    @Test
    void aFacilitatorSettlementLogsWithItsPaymentIdToo() {
        String payerKey = ChainsTestResource.devnet().payer().privateKey();
        JsonNode offer = offered("/acme/forecast/ur", 1);
        ObjectNode body = X402Json.MAPPER.createObjectNode().put("x402Version", 2);
        body.set("paymentPayload", TestPayments.v2Payload(offer, payerKey));
        body.set("paymentRequirements", offer);
        Response settled = given().header("Authorization", "Bearer " + ACME_KEY).contentType(ContentType.JSON)
                .body(body.toString()).post("/settle");
        assertEquals(200, settled.statusCode(), settled.asString());
        assertTrue(settled.jsonPath().getBoolean("success"), settled.asString());
        assertEveryStepLogged(flowRecords(paymentIdOf(settled.jsonPath().getString("transaction"))), "facilitator");
    }

    @Test
    void noSecretOrPaymentHeaderReachesALogRecordOnPaidOrRefusedRequests() {
        String payerKey = ChainsTestResource.devnet().payer().privateKey();
        JsonNode offer = offered("/demo/weather", 0);
        String header = TestPayments.v2Header(offer, payerKey);
        List<String> headers = new ArrayList<>(List.of(header));
        assertEquals(200, given().header("PAYMENT-SIGNATURE", header).get("/demo/weather").statusCode());
        // refused: the replay, a malformed header, a tampered signature, unknown API keys
        assertEquals(402, given().header("PAYMENT-SIGNATURE", header).get("/demo/weather").statusCode());
        assertEquals(402, given().header("PAYMENT-SIGNATURE", "%%%not-base64").get("/demo/weather").statusCode());
        ObjectNode tampered = TestPayments.v2Payload(offer, payerKey);
        String signature = tampered.at("/payload/signature").asText();
        ((ObjectNode) tampered.get("payload")).put("signature", signature.substring(0, 10)
                + (signature.charAt(10) == 'a' ? 'b' : 'a') + signature.substring(11));
        String tamperedHeader = HeaderCodec.encode(tampered);
        headers.add(tamperedHeader);
        assertEquals(402, given().header("PAYMENT-SIGNATURE", tamperedHeader).get("/demo/weather").statusCode());
        given().header("Authorization", "Bearer sk_test_wrong_0123456789abcdefghij").contentType(ContentType.JSON)
                .body("{}").post("/settle").then().statusCode(401);
        given().header("Authorization", "Bearer " + OPERATOR_KEY).get("/admin/merchants").then().statusCode(200);

        List<String> secrets = new ArrayList<>(List.of(ACME_KEY, OPERATOR_KEY, "sk_test_wrong_0123456789abcdefghij",
                "test test test test"));
        for (var chain : List.of(ChainsTestResource.devnet(), ChainsTestResource.baseSepolia())) {
            secrets.add(chain.settler().privateKey().substring(2));
            secrets.add(chain.payer().privateKey().substring(2));
        }
        for (String h : headers) {
            secrets.add(h);
            secrets.add(h.substring(h.length() / 2, h.length() / 2 + 40));
        }
        secrets.add(signature.substring(2, 66));
        assertFalse(capture.records.isEmpty(), "records were captured");
        for (ExtLogRecord r : capture.records) {
            String printed = Capture.printed(r).toLowerCase(Locale.ROOT);
            for (String s : secrets) {
                assertFalse(printed.contains(s.toLowerCase(Locale.ROOT)), "a secret or payment header in "
                        + r.getLoggerName() + ": " + Capture.printed(r));
            }
        }
    }
}
