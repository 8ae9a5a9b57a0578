package io.sippar.billing;

import io.sippar.merchant.ApiError;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * A half-open range of UTC days [from, to) for analytics: each end a date {@code YYYY-MM-DD} or a
 * month {@code YYYY-MM} (its first day), so {@code from=2026-01&to=2026-04} is the first quarter.
 */
record AnalyticsRange(Instant from, Instant to) {

    /** The longest range one request may scan. */
    static final Duration MAX_SPAN = Duration.ofDays(5 * 366);

    private static final Pattern DAY = Pattern.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
    private static final Pattern MONTH = Pattern.compile("^[0-9]{4}-[0-9]{2}$");

    static AnalyticsRange parse(String from, String to) {
        Instant start = bound("from", from);
        Instant end = bound("to", to);
        if (!end.isAfter(start)) {
            throw ApiError.badRequest("to (" + to + ") must be after from (" + from + "); the range is [from, to)");
        }
        if (Duration.between(start, end).compareTo(MAX_SPAN) > 0) {
            throw ApiError.badRequest("the range may span at most " + MAX_SPAN.toDays() + " days");
        }
        return new AnalyticsRange(start, end);
    }

    private static Instant bound(String name, String text) {
        if (text == null || text.isBlank()) {
            throw ApiError.badRequest(name + " is required (YYYY-MM-DD or YYYY-MM, UTC)");
        }
        LocalDate day;
        try {
            if (DAY.matcher(text).matches()) {
                day = LocalDate.parse(text);
            } else if (MONTH.matcher(text).matches()) {
                day = YearMonth.parse(text).atDay(1);
            } else {
                throw ApiError.badRequest(name + " must be YYYY-MM-DD or YYYY-MM (UTC), got '" + text + "'");
            }
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(name + " " + text + " is not a calendar date");
        }
        if (day.isBefore(StatementPeriod.FIRST.atDay(1))) {
            throw ApiError.badRequest(name + " must not be before " + StatementPeriod.FIRST.atDay(1));
        }
        return day.atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** The window of the same length just before this one: what net revenue retention compares with. */
    AnalyticsRange base() {
        return new AnalyticsRange(from.minus(Duration.between(from, to)), from);
    }
}
