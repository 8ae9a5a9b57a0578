package io.sippar.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sippar.evm.TestPayments;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.testsupport.FaultAudit;
import io.sippar.testsupport.FaultChainResource;
import io.sippar.testsupport.FaultProfile;
import io.sippar.testsupport.FaultyUpstream;
import io.sippar.testsupport.TokenReader;
import io.sippar.x402.HeaderCodec;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream that is slow past the deadline, fails, or cuts the connection is never charged: the
 * client gets a 502 (or the upstream's own error), no PAYMENT-RESPONSE, and the same authorization then
 * pays for a working call exactly once.
 */
@QuarkusTest
@TestProfile(FaultProfile.class)
class UpstreamFaultTest {

    private static final BigInteger PRICE = BigInteger.valueOf(1000);

    private static JsonNode offered() {
        return HeaderCodec.decodeJson(given().get("/fault/upstream/ok").getHeader("PAYMENT-REQUIRED")).at("/accepts/0");
    }

    private static BigInteger balance(AnvilFixture.Account a) {
        try (TokenReader token = new TokenReader(FaultChainResource.anvil())) {
            return token.balance(a.address());
        }
    }

    /** The failed call charged nothing; then the same authorization buys a working call, once. */
    private static void notChargedAndStillUsable(String header, AnvilFixture.Account payer, BigInteger before) {
        assertEquals(before, balance(payer), "a failed upstream call must not be charged");
        Response ok = given().header("PAYMENT-SIGNATURE", header).get("/fault/upstream/ok");
        assertEquals(200, ok.statusCode(), ok.body().asString());
        assertEquals(FaultyUpstream.OK_BODY, ok.body().asString());
        assertTrue(HeaderCodec.decodeJson(ok.getHeader("PAYMENT-RESPONSE")).get("success").asBoolean());
        assertEquals(before.subtract(PRICE), balance(payer));
    }

    @Test
    void upstreamSlowerThanTheUpstreamTimeoutIs502WithinTheDeadlineAndChargesNothing() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(1);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);
        long started = System.nanoTime();

        Response slow = given().header("PAYMENT-SIGNATURE", header).get("/fault/upstream/slow");

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(502, slow.statusCode(), slow.body().asString());
        assertEquals("upstream_unavailable", slow.jsonPath().getString("reason"));
        assertNull(slow.getHeader("PAYMENT-RESPONSE"));
        assertTrue(took.compareTo(FaultyUpstream.SLOW) < 0, "answered after " + took + ", before the upstream did");
        notChargedAndStillUsable(header, payer, before);
    }

    @Test
    void failingUpstreamIsPassedOnAndChargesNothing() {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(3);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);

        Response fail = given().header("PAYMENT-SIGNATURE", header).get("/fault/upstream/fail");

        assertEquals(500, fail.statusCode());
        assertTrue(fail.body().asString().contains("upstream broke"), fail.body().asString());
        assertNull(fail.getHeader("PAYMENT-RESPONSE"));
        notChargedAndStillUsable(header, payer, before);
    }

    /** {@code /cut-body}: headers and part of the body, then the connection closes; {@code /cut-headers}: not a byte. */
    @ParameterizedTest
    @ValueSource(strings = {"/fault/upstream/cut-body", "/fault/upstream/cut-headers"})
    void upstreamClosingTheConnectionBeforeTheAnswerIsCompleteIs502AndChargesNothing(String path) {
        AnvilFixture.Account payer = FaultChainResource.anvil().account(path.endsWith("body") ? 4 : 5);
        String header = TestPayments.v2Header(offered(), payer.privateKey());
        BigInteger before = balance(payer);

        Response cut = given().header("PAYMENT-SIGNATURE", header).get(path);

        assertEquals(502, cut.statusCode(), cut.body().asString());
        assertEquals("upstream_unavailable", cut.jsonPath().getString("reason"));
        assertFalse(cut.body().asString().contains("partial"), "a truncated answer is never passed on");
        assertNull(cut.getHeader("PAYMENT-RESPONSE"));
        notChargedAndStillUsable(header, payer, before);
    }

    @AfterAll
    static void chainAndLedgerAgree() {
        AnvilFixture chain = FaultChainResource.anvil();
        FaultAudit.assertChainAndLedgerAgree(chain.rpcUrl(), chain.token().address(), chain.settler().address(),
                FaultChainResource.NETWORK, BigInteger.ZERO, Instant.EPOCH, FaultAudit.Database.ofTests());
    }
}
