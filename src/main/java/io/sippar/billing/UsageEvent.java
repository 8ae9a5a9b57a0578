package io.sippar.billing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.x402.X402Json;
import java.nio.charset.StandardCharsets;

/**
 * The JSON body of a usage-notice webhook. The same notice always gives the same bytes (every attempt
 * and redelivery carries the same {@code id}, so a receiver can drop duplicates):
 *
 * <pre>{"id":"…","type":"usage.threshold_reached","created":"2026-03-18T09:12:44.120Z","merchant":"…",
 * "period":"2026-03","threshold":80,"used":800,"included":1000,"plan":"developer"}</pre>
 */
public final class UsageEvent {

    private UsageEvent() {
    }

    /** The body of {@code notice}'s webhook. */
    public static byte[] body(UsageNotice notice) {
        ObjectNode n = X402Json.MAPPER.createObjectNode();
        n.put("id", notice.id().toString());
        n.put("type", UsageNotice.TYPE);
        n.put("created", notice.createdAt().toString());
        n.put("merchant", notice.merchantId().toString());
        n.put("period", notice.period().toString());
        n.put("threshold", notice.threshold());
        n.put("used", notice.used());
        n.put("included", notice.included());
        n.put("plan", notice.planId());
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }
}
