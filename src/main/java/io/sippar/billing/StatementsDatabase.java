package io.sippar.billing;

import io.sippar.merchant.ApiError;
import io.vertx.pgclient.PgException;
import java.util.Set;

/** Which database failures mean "unavailable, retry later" (503) rather than a bug (500). */
final class StatementsDatabase {

    /** query_canceled (our statement_timeout), lock_not_available, admin/crash shutdown, cannot connect now. */
    private static final Set<String> TRANSIENT = Set.of("57014", "55P03", "57P01", "57P02", "57P03", "53300", "08006",
            "08001", "08004", "40001", "40P01");

    private StatementsDatabase() {
    }

    static boolean unavailable(Throwable t) {
        if (t instanceof ApiError) {
            return false;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg) {
                return pg.getSqlState() != null && TRANSIENT.contains(pg.getSqlState());
            }
            if (c instanceof java.net.ConnectException || c instanceof io.vertx.sqlclient.ClosedConnectionException
                    || c instanceof java.util.concurrent.TimeoutException || c instanceof java.io.IOException) {
                return true;
            }
            String name = c.getClass().getName();
            if (name.endsWith("NoStackTraceThrowable") || name.endsWith("ConnectTimeoutException")) {
                // the Vert.x pool reports "Timeout" / "Connection refused" this way
                return true;
            }
        }
        return false;
    }

    /** A short, secret-free description for the problem detail. */
    static String brief(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg && "57014".equals(pg.getSqlState())) {
                return "the query took longer than the configured limit";
            }
        }
        return "cannot reach or use the database now";
    }
}
