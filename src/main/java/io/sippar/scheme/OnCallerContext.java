package io.sippar.scheme;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Brings an asynchronous result back to the Vert.x context that subscribed. Chain clients complete
 * on their own I/O threads; continuing there would lose the request's duplicated context, with the
 * MDC (payment id) it carries, and leave the event loop's thread model.
 */
public final class OnCallerContext {

    private OnCallerContext() {
    }

    /** {@code uni}, with its item or failure delivered on the subscriber's Vert.x context (if any). */
    public static <T> Uni<T> of(Uni<T> uni) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            return context == null ? uni : uni.emitOn(task -> context.runOnContext(ignored -> task.run()));
        });
    }
}
