package io.sippar.billing;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The hard stop of plans that have one (Developer): once the month's included transactions are used,
 * requests to the merchant's routes are refused before anything is reserved, verified or settled.
 *
 * <p>Cheap on the hot path: each pod caches a merchant's plan state for {@code limit-cache-ttl}. A
 * request without payment is answered from the cache alone (refreshed in the background). A paid
 * request of a merchant on a hard-stop plan is confirmed against the database's counter every time;
 * merchants on other plans never cost a query within the TTL. The counter only moves at settlement, so
 * paid requests in flight together when the limit is reached can each pass the check: the month can
 * end a few transactions over (at most the number of that merchant's paid requests in flight at that
 * moment), and each of those is still charged, counted and recorded exactly once.
 */
@ApplicationScoped
public class PlanLimits {

    private static final Logger LOG = Logger.getLogger(PlanLimits.class);
    private static final int CACHE_MAX = 100_000;

    /**
     * Why requests to a merchant's routes are refused.
     *
     * @param resumesAt when the next month starts (or the merchant upgrades)
     */
    public record Refusal(String message, Instant resumesAt) {
        /** Seconds from {@code now} until {@link #resumesAt()}, at least 1. */
        public long retryAfterSeconds(Instant now) {
            return Math.max(1, resumesAt.getEpochSecond() - now.getEpochSecond());
        }
    }

    private record State(boolean hardStop, boolean blocked, YearMonth month, long expiresAtNanos) {
    }

    private final Pool pool;
    private final long ttlNanos;
    private final ConcurrentHashMap<UUID, State> cache = new ConcurrentHashMap<>();
    private final java.util.Set<UUID> refreshing = ConcurrentHashMap.newKeySet();

    public PlanLimits(Pool pool, BillingConfig config) {
        this.pool = pool;
        this.ttlNanos = config.limitCacheTtl().toNanos();
    }

    /**
     * For a request without payment: the refusal the cache knows of, without waiting for the database
     * (a missing or stale entry is refreshed in the background and the request goes on to its 402).
     */
    public Optional<Refusal> cachedRefusal(UUID merchantId) {
        State s = cache.get(merchantId);
        YearMonth month = currentMonth();
        boolean thisMonth = s != null && s.month().equals(month);
        if (!thisMonth || System.nanoTime() - s.expiresAtNanos() >= 0) {
            if (refreshing.add(merchantId)) {
                load(merchantId).eventually(() -> refreshing.remove(merchantId)).subscribe().with(x -> { },
                        failure -> LOG.debugf("plan state of %s not refreshed: %s", merchantId, failure.getMessage()));
            }
        }
        return thisMonth && s.blocked() ? Optional.of(refusal()) : Optional.empty();
    }

    /**
     * For a paid request, before it is reserved: exact against the database for a hard-stop plan, from the
     * cache for any other. A database failure lets the request through to the payment flow, which then
     * answers for the outage itself.
     */
    public Uni<Optional<Refusal>> check(UUID merchantId) {
        State s = cache.get(merchantId);
        if (s != null && !s.hardStop() && System.nanoTime() - s.expiresAtNanos() < 0
                && s.month().equals(currentMonth())) {
            return Uni.createFrom().item(Optional.empty());
        }
        return load(merchantId)
                .map(state -> state.blocked() ? Optional.of(refusal()) : Optional.<Refusal>empty())
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("plan state of %s unavailable: %s", merchantId, failure.getMessage());
                    return Optional.empty();
                });
    }

    /** Drops a merchant's cached state (after a plan change on this pod, so it applies at once here). */
    public void forget(UUID merchantId) {
        cache.remove(merchantId);
    }

    private Uni<State> load(UUID merchantId) {
        return pool.preparedQuery("""
                WITH m AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS period)
                SELECT m.period, a.hard_stop, a.included, coalesce(u.transactions, 0) AS used
                  FROM m CROSS JOIN LATERAL merchant_allowance($1, m.period, now()) a
                  LEFT JOIN merchant_usage u ON u.merchant_id = $1 AND u.period_start = m.period""")
                .execute(Tuple.of(merchantId))
                .map(rows -> {
                    State state;
                    if (rows.size() == 0) {
                        state = new State(false, false, currentMonth(), System.nanoTime() + ttlNanos);
                    } else {
                        Row r = rows.iterator().next();
                        boolean hardStop = Boolean.TRUE.equals(r.getBoolean("hard_stop"));
                        Long included = r.getLong("included");
                        boolean blocked = hardStop && included != null && r.getLong("used") >= included;
                        LocalDate period = r.getLocalDate("period");
                        state = new State(hardStop, blocked, YearMonth.from(period), System.nanoTime() + ttlNanos);
                    }
                    if (cache.size() >= CACHE_MAX) {
                        cache.clear();
                    }
                    cache.put(merchantId, state);
                    return state;
                });
    }

    private static YearMonth currentMonth() {
        return YearMonth.now(ZoneOffset.UTC);
    }

    private static Refusal refusal() {
        Instant next = PlanMonth.start(currentMonth().plusMonths(1));
        return new Refusal("this API's provider has used every transaction its plan includes this month; no payment "
                + "was taken. Paid requests are accepted again from " + next + " or as soon as the provider upgrades",
                next);
    }
}
