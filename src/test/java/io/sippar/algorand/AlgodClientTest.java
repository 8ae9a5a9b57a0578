package io.sippar.algorand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sippar.algorand.AlgodStub.Reply;
import io.sippar.scheme.SchemeUnavailableException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** algod access: per-call timeouts, failover, breakers, reads-only retries and the submit re-check, against stub nodes. */
class AlgodClientTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TXID = "5RRCVLHKDUUEDM4NQZTW2ZQVWQUYSA57TWBTVFONENHN5K6ASGKA";
    private static final Reply STATUS = Reply.json(200, "{\"last-round\":1234}");
    private static final Reply NOT_FOUND = Reply.json(404, "{\"message\":\"could not find the transaction\"}");

    private static AlgodClient client(Duration timeout, int breakerThreshold, String... urls) {
        return new AlgodClient(TestAlgorandConfig.vertx(), AvmVectors.TESTNET, List.of(urls), Optional.of("tok-123"),
                timeout, timeout, breakerThreshold, Duration.ofSeconds(30));
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    @Test
    void readFailsOverFromARefusingNodeAndSendsTheToken() throws Exception {
        try (AlgodStub node = new AlgodStub(r -> STATUS);
             AlgodClient algod = client(Duration.ofSeconds(2), 5, AlgodStub.deadUrl(), node.url())) {
            assertEquals(1234L, await(algod.lastRound()));
            assertEquals("tok-123", node.requests().get(0).token());
        }
    }

    @Test
    void slowNodeTimesOutAndTheNextAnswers() throws Exception {
        try (AlgodStub slow = new AlgodStub(r -> STATUS.after(Duration.ofSeconds(5)));
             AlgodStub fast = new AlgodStub(r -> Reply.json(200, "{\"last-round\":7}"));
             AlgodClient algod = client(Duration.ofMillis(400), 5, slow.url(), fast.url())) {
            long started = System.nanoTime();
            assertEquals(7L, await(algod.lastRound()));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(4)) < 0,
                    "the slow node's 5 s must not be waited for");
        }
    }

    @Test
    void serverErrorsAndGarbageFailOverButNotFoundIsAnAnswer() throws Exception {
        try (AlgodStub broken = new AlgodStub(r -> Reply.json(503, "{\"message\":\"catching up\"}"));
             AlgodStub html = new AlgodStub(r -> new Reply(200, "text/html", "<html>portal</html>", Duration.ZERO));
             AlgodStub good = new AlgodStub(r -> r.path().startsWith("/v2/transactions/pending") ? NOT_FOUND : STATUS);
             AlgodClient algod = client(Duration.ofSeconds(2), 5, broken.url(), html.url(), good.url())) {
            assertEquals(1234L, await(algod.lastRound()));
            assertInstanceOf(AlgodClient.Pending.NotFound.class, await(algod.pending(TXID)));
        }
        try (AlgodStub first = new AlgodStub(r -> NOT_FOUND);
             AlgodStub second = new AlgodStub(r -> STATUS);
             AlgodClient algod = client(Duration.ofSeconds(2), 5, first.url(), second.url())) {
            assertInstanceOf(AlgodClient.Pending.NotFound.class, await(algod.pending(TXID)));
            assertEquals(0, second.requests().size(), "a 404 is the node's answer, not a reason to ask another");
        }
    }

    @Test
    void everyNodeDownIsOurOutageWithRetryAfter() throws Exception {
        try (AlgodStub broken = new AlgodStub(r -> Reply.json(500, "{}"));
             AlgodClient algod = client(Duration.ofSeconds(1), 5, AlgodStub.deadUrl(), broken.url())) {
            SchemeUnavailableException e = assertThrows(SchemeUnavailableException.class, () -> await(algod.lastRound()));
            assertTrue(e.retryAfterSeconds() > 0);
            assertTrue(e.getMessage().contains("every algod node"), e.getMessage());
            assertEquals(2, broken.requests().size(), "reads make a second pass over the nodes");
        }
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresAndSkipsTheNode() throws Exception {
        try (AlgodStub broken = new AlgodStub(r -> Reply.json(500, "{}"));
             AlgodStub good = new AlgodStub(r -> STATUS);
             AlgodClient algod = client(Duration.ofSeconds(1), 3, broken.url(), good.url())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(1234L, await(algod.lastRound()));
            }
            assertEquals(CircuitBreakerState.OPEN, algod.endpoints().get(0).breakerState());
            long before = broken.requests().size();
            for (int i = 0; i < 5; i++) {
                assertEquals(1234L, await(algod.lastRound()));
            }
            assertEquals(before, broken.requests().size(), "an open breaker sends nothing to its node");
            assertEquals(CircuitBreakerState.CLOSED, algod.endpoints().get(1).breakerState());
        }
    }

    @Test
    void simulateReportsTheGroupsFailureAndItsRefusal() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean();
        try (AlgodStub node = new AlgodStub(r -> refuse.get()
                ? Reply.json(400, "{\"message\":\"msgpack decode error\"}")
                : Reply.json(200, "{\"txn-groups\":[{\"failure-message\":\"overspend\",\"failed-at\":[1]}]}"));
             AlgodClient algod = client(Duration.ofSeconds(2), 5, node.url())) {
            assertEquals(Optional.of("overspend"), await(algod.simulate(List.of(new byte[] {(byte) 0x80}))));
            refuse.set(true);
            assertEquals(Optional.of("msgpack decode error"), await(algod.simulate(List.of(new byte[] {(byte) 0x80}))));
            assertEquals("POST", node.requests().get(0).method());
            assertEquals("/v2/transactions/simulate", node.requests().get(0).path());
        }
    }

    @Test
    void submitThatDiesMidCallIsCheckedByTxidAndNotSentAgain() throws Exception {
        // node 1 takes the group and then fails the call; node 2 knows the txid from the pool
        try (AlgodStub dying = new AlgodStub(r -> r.path().equals("/v2/transactions")
                ? Reply.json(500, "{\"message\":\"connection reset\"}") : NOT_FOUND);
             AlgodStub knows = new AlgodStub(r -> r.path().startsWith("/v2/transactions/pending")
                     ? Reply.json(200, "{\"pool-error\":\"\",\"txn\":{}}") : Reply.json(200, "{\"txId\":\"" + TXID + "\"}"));
             AlgodClient algod = client(Duration.ofSeconds(2), 5, dying.url(), knows.url())) {
            AlgodClient.Submitted s = await(algod.submit(new byte[] {1, 2, 3}, TXID));
            assertInstanceOf(AlgodClient.Submitted.AlreadyKnown.class, s);
            assertEquals(1, dying.count("POST", "/v2/transactions"));
            assertEquals(0, knows.count("POST", "/v2/transactions"), "never sent blindly to a second node");
        }
    }

    @Test
    void submitGoesToTheNextNodeOnlyWhenNoNodeKnowsTheGroup() throws Exception {
        try (AlgodStub dying = new AlgodStub(r -> r.path().equals("/v2/transactions") ? Reply.json(502, "{}")
                : NOT_FOUND);
             AlgodStub next = new AlgodStub(r -> r.path().startsWith("/v2/transactions/pending") ? NOT_FOUND
                     : Reply.json(200, "{\"txId\":\"" + TXID + "\"}"));
             AlgodClient algod = client(Duration.ofSeconds(2), 5, dying.url(), next.url())) {
            AlgodClient.Submitted s = await(algod.submit(new byte[] {1, 2, 3}, TXID));
            assertEquals(new AlgodClient.Submitted.Accepted(TXID), s);
            assertEquals(1, next.count("POST", "/v2/transactions"));
            assertTrue(next.count("GET", "/v2/transactions/pending") >= 1, "looked up before sending again");
        }
    }

    @Test
    void nodeRefusalAndDuplicateAreAnswersNotFailures() throws Exception {
        AtomicBoolean duplicate = new AtomicBoolean();
        try (AlgodStub node = new AlgodStub(r -> Reply.json(400, duplicate.get()
                ? "{\"message\":\"TransactionPool.Remember: transaction already in ledger: " + TXID + "\"}"
                : "{\"message\":\"TransactionPool.Remember: txn dead: round 9 outside of 1--5\"}"));
             AlgodStub other = new AlgodStub(r -> Reply.json(200, "{\"txId\":\"" + TXID + "\"}"));
             AlgodClient algod = client(Duration.ofSeconds(2), 5, node.url(), other.url())) {
            AlgodClient.Submitted refused = await(algod.submit(new byte[] {1}, TXID));
            assertTrue(assertInstanceOf(AlgodClient.Submitted.Refused.class, refused).message().contains("txn dead"));
            duplicate.set(true);
            assertInstanceOf(AlgodClient.Submitted.AlreadyKnown.class, await(algod.submit(new byte[] {1}, TXID)));
            assertEquals(0, other.requests().size());
        }
    }

    @Test
    void submitFailingEverywhereIsUnknownOutcomeButNeverTriedIsPlainOutage() throws Exception {
        try (AlgodStub broken = new AlgodStub(r -> r.path().equals("/v2/transactions") ? Reply.json(500, "{}")
                : Reply.json(500, "{}"));
             AlgodClient algod = client(Duration.ofSeconds(1), 1, broken.url())) {
            assertThrows(AlgodClient.SubmitOutcomeUnknownException.class, () -> await(algod.submit(new byte[] {1}, TXID)));
            // the one failure opened the breaker: nothing can be sent now, so nothing was
            SchemeUnavailableException e = assertThrows(SchemeUnavailableException.class,
                    () -> await(algod.submit(new byte[] {1}, TXID)));
            assertTrue(!(e instanceof AlgodClient.SubmitOutcomeUnknownException), e.toString());
        }
    }

    @Test
    void quietChainsLongPollAnswersTheSameRoundWithoutFailingOverOrOpeningTheBreaker() throws Exception {
        try (AlgodStub quiet = new AlgodStub(r -> Reply.json(200, "{\"last-round\":99}").after(Duration.ofSeconds(3)));
             AlgodStub second = new AlgodStub(r -> Reply.json(200, "{\"last-round\":99}"));
             AlgodClient algod = new AlgodClient(TestAlgorandConfig.vertx(), AvmVectors.TESTNET,
                     List.of(quiet.url(), second.url()), Optional.empty(), Duration.ofSeconds(2),
                     Duration.ofMillis(300), 1, Duration.ofSeconds(30))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(10L, await(algod.waitForBlockAfter(10)));
            }
            assertEquals(CircuitBreakerState.CLOSED, algod.endpoints().get(0).breakerState());
            assertEquals(0, second.requests().size());
        }
    }

    @Test
    void waitForBlockAfterUsesItsOwnLongerDeadline() throws Exception {
        try (AlgodStub node = new AlgodStub(r -> r.path().startsWith("/v2/status/wait-for-block-after/")
                ? Reply.json(200, "{\"last-round\":11}").after(Duration.ofMillis(800)) : STATUS);
             AlgodClient algod = new AlgodClient(TestAlgorandConfig.vertx(), AvmVectors.TESTNET, List.of(node.url()),
                     Optional.empty(), Duration.ofMillis(300), Duration.ofSeconds(5), 5, Duration.ofSeconds(10))) {
            assertEquals(11L, await(algod.waitForBlockAfter(10)));
            assertEquals("/v2/status/wait-for-block-after/10", node.requests().get(0).path());
            assertEquals(null, node.requests().get(0).token(), "no token configured, none sent");
        }
    }
}
