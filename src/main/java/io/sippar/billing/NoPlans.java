package io.sippar.billing;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Until a plan catalog provides {@link StatementPlans}: no subscriptions, so statements carry fees only. */
@ApplicationScoped
class NoPlans {

    @Produces
    @DefaultBean
    @ApplicationScoped
    StatementPlans none() {
        return new StatementPlans() {
            @Override
            public Uni<MonthTerms> month(UUID merchantId, StatementPeriod period) {
                return Uni.createFrom().item(MonthTerms.none());
            }

            @Override
            public Uni<List<Segment>> segments(Instant from, Instant to) {
                return Uni.createFrom().item(List.of());
            }
        };
    }
}
