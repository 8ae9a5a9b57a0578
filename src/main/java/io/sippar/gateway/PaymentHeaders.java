package io.sippar.gateway;

import io.sippar.x402.HeaderCodec;
import io.sippar.x402.Payment;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.X402DecodeException;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * Reads the client's payment from {@code PAYMENT-SIGNATURE} (v2) or {@code X-PAYMENT} (v1), the same
 * way for the reverse proxy and forward auth, so both refuse exactly the same inputs.
 */
final class PaymentHeaders {

    private PaymentHeaders() {
    }

    /** What the payment headers of a request hold. */
    sealed interface Read {
    }

    /** No payment header: answer with the route's challenge. */
    record Missing() implements Read {
    }

    /** A payment header that can't be used; the reason goes into the challenge. */
    record Invalid(ReasonCode reason) implements Read {
    }

    /** One well-formed payment. */
    record Decoded(Payment payment) implements Read {
    }

    /** Whether the request carries any payment header (decoding it is {@link #read}'s job). */
    static boolean present(MultiMap headers) {
        return headers.contains(EdgeRoutes.PAYMENT_SIGNATURE) || headers.contains(EdgeRoutes.X_PAYMENT);
    }

    static Read read(MultiMap headers) {
        List<String> v2 = headers.getAll(EdgeRoutes.PAYMENT_SIGNATURE);
        List<String> v1 = headers.getAll(EdgeRoutes.X_PAYMENT);
        if (v2.isEmpty() && v1.isEmpty()) {
            return new Missing();
        }
        if (v2.size() + v1.size() > 1) {
            // two payment headers could be read differently by two hops: refuse rather than guess
            return new Invalid(ReasonCode.INVALID_PAYLOAD);
        }
        try {
            return new Decoded(v2.isEmpty() ? HeaderCodec.decodePayment(EdgeRoutes.X_PAYMENT, v1.get(0))
                    : HeaderCodec.decodePayment(EdgeRoutes.PAYMENT_SIGNATURE, v2.get(0)));
        } catch (X402DecodeException e) {
            return new Invalid(e.reason());
        }
    }
}
