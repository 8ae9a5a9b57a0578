package io.sippar.fees;

import static io.sippar.fees.FeeCalculatorTest.schedule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeeSchedulesTest {

    private final FeeSchedule v1 = schedule("v1", "2025-01-01T00:00:00Z", "5", "0.05");
    private final FeeSchedule v2 = schedule("v2", "2026-01-01T00:00:00Z", "5", "0.04");
    private final FeeSchedule v3 = schedule("v3", "2026-07-01T00:00:00Z", "5", "0.03");
    private final FeeSchedules all = new FeeSchedules(List.of(v3, v1, v2));

    @Test
    void sortsVersionsByEffectiveFrom() {
        assertEquals(List.of("v1", "v2", "v3"), all.versions().stream().map(FeeSchedule::version).toList());
    }

    @Test
    void findsNoScheduleBeforeTheFirstVersion() {
        assertTrue(all.inForceAt(Instant.parse("2024-12-31T23:59:59.999999999Z")).isEmpty());
        var e = assertThrows(IllegalStateException.class,
                () -> all.requireInForceAt(Instant.parse("2024-06-01T00:00:00Z")));
        assertTrue(e.getMessage().contains("2025-01-01T00:00:00Z"), e.getMessage());
    }

    @Test
    void startsAVersionAtItsEffectiveFromInstant() {
        assertEquals("v1", at("2025-01-01T00:00:00Z"));
        assertEquals("v1", at("2025-12-31T23:59:59.999999999Z"));
        assertEquals("v2", at("2026-01-01T00:00:00Z"));
        assertEquals("v2", at("2026-06-30T23:59:59Z"));
        assertEquals("v3", at("2026-07-01T00:00:00Z"));
        assertEquals("v3", at("2099-01-01T00:00:00Z"));
    }

    @Test
    void rejectsDuplicateVersionIdsAndInstants() {
        var sameId = schedule("v1", "2026-01-01T00:00:00Z", "5", "0.05");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeeSchedules.of(v1, sameId))
                .getMessage().contains("appears twice"));
        var sameInstant = schedule("other", "2025-01-01T00:00:00Z", "5", "0.05");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeeSchedules.of(v1, sameInstant))
                .getMessage().contains("both take effect"));
        assertThrows(IllegalArgumentException.class, () -> new FeeSchedules(List.of()));
    }

    private String at(String instant) {
        return all.inForceAt(Instant.parse(instant)).orElseThrow().version();
    }
}
