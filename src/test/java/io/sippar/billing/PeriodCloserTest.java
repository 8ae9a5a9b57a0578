package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The scheduled close takes the months whose grace has passed, closes each once, and is safe to repeat. */
@QuarkusTest
class PeriodCloserTest {

    @Inject
    PeriodCloser closer;
    @Inject
    Statements statements;
    @Inject
    StatementFixture fixture;

    @Test
    void aMonthIsDueOnlyOnceItsGraceHasPassed() {
        // default grace: 24 h after the month ends
        List<StatementPeriod> early = closer.due(Instant.parse("2005-03-01T23:59:59Z"));
        assertEquals(new StatementPeriod(YearMonth.of(2005, 1)), early.get(early.size() - 1));
        List<StatementPeriod> due = closer.due(Instant.parse("2005-03-02T00:00:00Z"));
        assertEquals(new StatementPeriod(YearMonth.of(2005, 2)), due.get(due.size() - 1));
        assertEquals(PeriodCloser.CATCH_UP_MONTHS, due.size());
        assertEquals(new StatementPeriod(YearMonth.of(2004, 3)), due.get(0), "oldest first, a year back");
    }

    @Test
    void theScheduledCloseClosesDueMonthsOnceAcrossRepeatedRuns() {
        UUID merchant = fixture.merchant("sched", "developer", java.time.OffsetDateTime.parse("2006-01-10T00:00:00Z"));
        fixture.paid(merchant, StatementFixture.BASE, BigInteger.valueOf(5_000_000),
                java.time.OffsetDateTime.parse("2006-02-14T12:00:00Z"));
        Instant now = Instant.parse("2006-03-05T00:00:00Z");
        List<Statements.ClosedAll> first = closer.closeDue(now).await().atMost(StatementFixture.WAIT);
        // other tests' merchants of earlier years may be closed in the same run; this one's months must be
        List<String> closed = first.stream().map(r -> r.period().toString()).toList();
        assertTrue(closed.containsAll(List.of("2006-01", "2006-02")), closed.toString());
        assertTrue(first.stream().allMatch(r -> r.closedNow() >= 1 && r.failed().isEmpty()));
        Statement jan = statements.statement(merchant, new StatementPeriod(YearMonth.of(2006, 1))).await()
                .atMost(StatementFixture.WAIT);
        assertTrue(jan.closed());
        assertEquals(0, jan.transactions());
        Statement feb = statements.statement(merchant, new StatementPeriod(YearMonth.of(2006, 2))).await()
                .atMost(StatementFixture.WAIT);
        assertTrue(feb.closed());
        assertEquals("scheduler", feb.closedBy());
        assertEquals(1, feb.transactions());
        assertEquals(List.of(), closer.closeDue(now).await().atMost(StatementFixture.WAIT), "nothing left to close");
    }
}
