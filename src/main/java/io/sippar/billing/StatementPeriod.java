package io.sippar.billing;

import io.sippar.merchant.ApiError;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * A statement period: one calendar month in UTC, written {@code YYYY-MM} on the wire.
 *
 * @param month the month
 */
public record StatementPeriod(YearMonth month) implements Comparable<StatementPeriod> {

    private static final Pattern WIRE = Pattern.compile("^[0-9]{4}-[0-9]{2}$");
    /** Statements exist from the gateway's first possible year; anything earlier is a typo. */
    static final YearMonth FIRST = YearMonth.of(2000, 1);

    /** Parses {@code YYYY-MM}; anything else is a 400 with the expected form. */
    public static StatementPeriod parse(String text) {
        if (text == null || !WIRE.matcher(text).matches()) {
            throw ApiError.badRequest("period must be a month written YYYY-MM (UTC), got '" + text + "'");
        }
        YearMonth month;
        try {
            month = YearMonth.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("period " + text + " is not a calendar month");
        }
        if (month.isBefore(FIRST)) {
            throw ApiError.badRequest("period " + text + " is before " + FIRST);
        }
        return new StatementPeriod(month);
    }

    /** The month containing {@code instant} (UTC). */
    public static StatementPeriod containing(Instant instant) {
        return new StatementPeriod(YearMonth.from(instant.atOffset(ZoneOffset.UTC)));
    }

    /** The period starting on {@code firstDay}. */
    public static StatementPeriod of(LocalDate firstDay) {
        return new StatementPeriod(YearMonth.from(firstDay));
    }

    /** First day of the month. */
    public LocalDate firstDay() {
        return month.atDay(1);
    }

    /** 00:00 UTC on the first day (inclusive). */
    public OffsetDateTime start() {
        return firstDay().atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    /** 00:00 UTC on the first day of the next month (exclusive). */
    public OffsetDateTime end() {
        return next().start();
    }

    public StatementPeriod next() {
        return new StatementPeriod(month.plusMonths(1));
    }

    public StatementPeriod previous() {
        return new StatementPeriod(month.minusMonths(1));
    }

    /** Whether the month is over at {@code now}. */
    public boolean endedBy(Instant now) {
        return !end().toInstant().isAfter(now);
    }

    @Override
    public int compareTo(StatementPeriod o) {
        return month.compareTo(o.month);
    }

    @Override
    public String toString() {
        return month.toString();
    }
}
