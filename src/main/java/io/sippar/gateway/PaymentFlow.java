package io.sippar.gateway;

import io.sippar.ledger.NewPayment;
import io.sippar.ledger.PaymentRepository;
import io.sippar.ledger.PaymentState;
import io.sippar.ledger.Posting;
import io.sippar.ledger.Reservation;
import io.sippar.limits.GasBudget;
import io.sippar.limits.LimitExceededException;
import io.sippar.limits.RequestLimits;
import io.sippar.pricing.PricedRoute;
import io.sippar.scheme.BroadcastListener;
import io.sippar.scheme.NetworkFee;
import io.sippar.scheme.OnCallerContext;
import io.sippar.scheme.PaymentIdentity;
import io.sippar.scheme.PaymentScheme;
import io.sippar.scheme.SchemeRegistry;
import io.sippar.scheme.SchemeUnavailableException;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import io.sippar.x402.SettleResponse;
import io.sippar.x402.VerifyResponse;
import io.sippar.x402.X402DecodeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The paid-request path shared by every integration mode. In order: match the payment to the
 * route, reserve its on-chain identity (the replay guard), verify, serve, settle, record. Every
 * exit releases or finishes the reservation, so an authorization is either charged exactly once
 * with the resource served, or left usable.
 *
 * <p>Once a payment is reserved its id is in the log MDC ({@value #MDC_PAYMENT_ID}) for every step:
 * the request's Vert.x duplicated context carries it, and every scheme result is brought back to
 * that context ({@link OnCallerContext}) before the flow goes on.
 */
@ApplicationScoped
public class PaymentFlow {

    private static final Logger LOG = Logger.getLogger(PaymentFlow.class);
    /** The MDC key of the payment id in every log line of a paid request. */
    public static final String MDC_PAYMENT_ID = "paymentId";

    private final SchemeRegistry schemes;
    private final PaymentRepository payments;
    private final UpstreamProxy upstreams;
    private final GatewayConfig config;
    private final FeeBook fees;
    private final io.sippar.pricing.AssetRegistry assets;
    private final RequestLimits limits;
    private final GasBudget gas;
    @jakarta.inject.Inject
    io.sippar.billing.PlanLimits planLimits;
    @jakarta.inject.Inject
    io.sippar.treasury.TreasuryAdmission treasury;
    @jakarta.inject.Inject
    PaymentMetrics metrics;

    public PaymentFlow(SchemeRegistry schemes, PaymentRepository payments, UpstreamProxy upstreams, GatewayConfig config,
            FeeBook fees, io.sippar.pricing.AssetRegistry assets, RequestLimits limits, GasBudget gas) {
        this.limits = limits;
        this.gas = gas;
        this.fees = fees;
        this.assets = assets;
        this.schemes = schemes;
        this.payments = payments;
        this.upstreams = upstreams;
        this.config = config;
    }

    /** What the edge answers for a paid request. */
    public sealed interface Outcome {
    }

    /** The payment is refused; answer 402 with the route's challenge and this reason. Nothing was charged. */
    public record Rejected(ReasonCode reason, String message) implements Outcome {
    }

    /** Our side cannot decide now (chain node or database down): 503 with Retry-After. */
    public record Unavailable(String message, int retryAfterSeconds) implements Outcome {
    }

    /** The upstream answered 4xx/5xx: passed on as is, nothing charged, the authorization stays usable. */
    public record NotCharged(UpstreamProxy.UpstreamResponse upstream) implements Outcome {
    }

    /** The upstream could not be reached: 502, nothing charged. */
    public record UpstreamFailed(String message) implements Outcome {
    }

    /** Paid and served: the upstream's answer plus the settlement for PAYMENT-RESPONSE. */
    public record Served(UpstreamProxy.UpstreamResponse upstream, SettleResponse settlement) implements Outcome {
    }

    /** The chain refused the settlement: 402 with the failure in PAYMENT-RESPONSE, no resource. */
    public record SettlementFailed(SettleResponse settlement) implements Outcome {
    }

    /** Forward auth: settled and recorded, so the proxy in front may let the request through. */
    public record Allowed(UUID paymentId, String payer, PaymentRequirements requirements, SettleResponse settlement)
            implements Outcome {
    }

    /** An abuse limit refused the request or its settlement before anything was charged: 429 with Retry-After. */
    public record Limited(LimitExceededException limit) implements Outcome {
    }

    /** The merchant's plan hard-stopped for the month: 429 with Retry-After, refused before anything was reserved. */
    public record OverPlanLimit(io.sippar.billing.PlanLimits.Refusal refusal) implements Outcome {
    }

    /** Handles a request that carries a decoded payment for a priced route. */
    public Uni<Outcome> pay(PricedRoute route, Payment payment, HttpServerRequest request, Buffer body,
            String resourceUrl) {
        return metrics.payment(route, start(route, payment, request, body, resourceUrl, false));
    }

    /**
     * Forward-auth mode: the proxy in front serves the request, so the gateway never sees the
     * upstream's answer and settles before allowing. Same replay guard, lifecycle and ledger as
     * {@link #pay}; the result is {@link Allowed} instead of {@link Served}.
     */
    public Uni<Outcome> authorize(PricedRoute route, Payment payment, String resourceUrl) {
        return metrics.payment(route, start(route, payment, null, null, resourceUrl, true));
    }

    private Uni<Outcome> start(PricedRoute route, Payment payment, HttpServerRequest request, Buffer body,
            String resourceUrl, boolean allowOnly) {
        RequirementMatcher.Result match = RequirementMatcher.match(route, payment);
        if (match instanceof RequirementMatcher.Mismatch m) {
            return rejected(m.reason(), m.message());
        }
        PaymentRequirements requirements = ((RequirementMatcher.Matched) match).requirements();
        Optional<PaymentScheme> found = schemes.find(requirements.scheme(), requirements.network());
        if (found.isEmpty()) {
            return rejected(ReasonCode.UNSUPPORTED_SCHEME, requirements.scheme() + " on " + requirements.network()
                    + " is offered by this route but this deployment cannot verify it");
        }
        PaymentScheme scheme = found.get();
        PaymentIdentity identity;
        try {
            identity = scheme.identify(payment, requirements);
        } catch (X402DecodeException e) {
            return rejected(e.reason(), e.getMessage());
        }
        Optional<String> cannotSettle = scheme.settlementUnavailable(requirements.network());
        if (cannotSettle.isPresent()) {
            // before anything is reserved or served: nobody is charged, the client retries (maybe on another pod)
            return Uni.createFrom().item(new Unavailable(cannotSettle.get(), config.retryAfterSeconds()));
        }
        Optional<LimitExceededException> limited = limits.verification(requirements.network(), identity.payer());
        if (limited.isPresent()) {
            return Uni.createFrom().item(new Limited(limited.get()));
        }
        NewPayment row = new NewPayment(route.definition().merchantId(), route.definition().id(),
                payment.x402Version(), requirements.scheme(), requirements.network(), requirements.asset(),
                identity.payer(), requirements.payTo(), new BigInteger(requirements.amount()), identity.chainRef(),
                resourceUrl, identity.validBefore(), fromRound(identity), untilRound(identity));
        Context ctx = new Context(route, payment, requirements, scheme, row, request, body, allowOnly);
        // the plan's hard stop is checked before the payment is reserved: nothing of it is ever used
        return db(treasury.admit(row.merchantId(), requirements, identity,
                        io.sippar.treasury.TreasuryAdmission.Via.ROUTE))
                .chain(unattributable -> unattributable.isPresent()
                        ? rejected(unattributable.get().reason(), unattributable.get().message())
                        : db(planLimits.check(row.merchantId())).chain(refused -> refused.isPresent()
                ? Uni.createFrom().item((Outcome) new OverPlanLimit(refused.get()))
                : db(payments.reserve(row))
                .chain(reservation -> switch (reservation) {
                    case Reservation.Reserved r -> verified(ctx, r.paymentId());
                    case Reservation.Taken t -> taken(t);
                })))
                .onFailure(ReservationLost.class).recoverWithItem(lost -> {
                    LOG.warn(lost.getMessage());
                    return new Unavailable(lost.getMessage(), config.retryAfterSeconds());
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.error("payment flow failed before settlement", failure);
                    return new Unavailable("the gateway could not record the payment", config.retryAfterSeconds());
                });
    }

    /**
     * Facilitator mode: a merchant's own server (e.g. the official x402 middleware) asks us to settle.
     * The same replay guard, lifecycle and ledger apply; there is no upstream to serve.
     *
     * @throws SchemeUnavailableException (as a failed Uni) when a chain node is down
     */
    public Uni<SettleResponse> settleForMerchant(UUID merchantId, PaymentScheme scheme, Payment payment,
            PaymentRequirements requirements) {
        PaymentIdentity identity;
        try {
            identity = scheme.identify(payment, requirements);
        } catch (X402DecodeException e) {
            return Uni.createFrom().item(SettleResponse.failure(e.reason(), e.getMessage(), null,
                    requirements.network(), ""));
        }
        Optional<String> cannotSettle = scheme.settlementUnavailable(requirements.network());
        if (cannotSettle.isPresent()) {
            return Uni.createFrom().failure(new SchemeUnavailableException(cannotSettle.get(),
                    config.retryAfterSeconds(), null));
        }
        Optional<LimitExceededException> limited = limits.verification(requirements.network(), identity.payer());
        if (limited.isPresent()) {
            return Uni.createFrom().failure(limited.get());
        }
        String resource = payment.resource() == null ? null : payment.resource().url();
        NewPayment row = new NewPayment(merchantId, null, payment.x402Version(), requirements.scheme(),
                requirements.network(), requirements.asset(), identity.payer(), requirements.payTo(),
                new BigInteger(requirements.amount()), identity.chainRef(), resource, identity.validBefore(),
                fromRound(identity), untilRound(identity));
        Context ctx = new Context(null, payment, requirements, scheme, row, null, null, false);
        return metrics.knowMerchant(merchantId)
                .chain(() -> db(treasury.admit(merchantId, requirements, identity,
                        io.sippar.treasury.TreasuryAdmission.Via.SETTLE)))
                .chain(unattributable -> unattributable.isPresent()
                ? Uni.createFrom().item(SettleResponse.failure(unattributable.get().reason(),
                        unattributable.get().message(), identity.payer(), requirements.network(), ""))
                : db(planLimits.check(merchantId)).chain(refused -> refused.isPresent()
                ? Uni.createFrom().item(SettleResponse.failure(ReasonCode.MERCHANT_PLAN_LIMIT_REACHED,
                        refused.get().message(), identity.payer(), requirements.network(), ""))
                : db(payments.reserve(row)).chain(reservation -> switch (reservation) {
            case Reservation.Taken t -> Uni.createFrom().item(SettleResponse.failure(
                    t.state() == PaymentState.SETTLED || t.state() == PaymentState.FAILED
                            ? ReasonCode.PAYMENT_ALREADY_USED : ReasonCode.PAYMENT_IN_PROGRESS,
                    "this payment is already " + t.state().db(), identity.payer(), requirements.network(),
                    t.txHash() == null ? "" : t.txHash()));
            case Reservation.Reserved r -> verify(ctx, r.paymentId())
                    .onFailure().call(() -> release(r.paymentId(), PaymentState.RESERVED))
                    .chain(verdict -> verdict.isValid()
                            ? db(payments.transition(r.paymentId(), PaymentState.RESERVED, PaymentState.VERIFIED))
                                    .chain(owned -> owned ? settle(ctx, r.paymentId())
                                            : Uni.createFrom().failure(new ReservationLost(r.paymentId(),
                                                    config.retryAfterSeconds())))
                            : release(r.paymentId(), PaymentState.RESERVED).replaceWith(SettleResponse.failure(
                                    reason(verdict), verdict.invalidMessage(), identity.payer(),
                                    requirements.network(), "")));
        }))).onFailure(t -> !(t instanceof SchemeUnavailableException || t instanceof SettlementOutcomeUnknown
                || t instanceof LimitExceededException))
                .transform(t -> new SchemeUnavailableException("the gateway could not record the payment: "
                        + t.getMessage(), config.retryAfterSeconds(), t));
    }

    /** Everything one paid request needs, passed along the steps; allowOnly = forward auth, nothing to serve. */
    private record Context(PricedRoute route, Payment payment, PaymentRequirements requirements, PaymentScheme scheme,
            NewPayment row, HttpServerRequest request, Buffer body, boolean allowOnly) {
    }

    private static Uni<Outcome> rejected(ReasonCode reason, String message) {
        return Uni.createFrom().item(new Rejected(reason, message));
    }

    private static Uni<Outcome> taken(Reservation.Taken t) {
        return switch (t.state()) {
            case SETTLED, FAILED -> rejected(ReasonCode.PAYMENT_ALREADY_USED,
                    "this payment was already " + t.state().db());
            default -> rejected(ReasonCode.PAYMENT_IN_PROGRESS,
                    "this payment is being processed by another request");
        };
    }

    /** The scheme's verdict, timed and counted, back on the request's context with the payment id in the MDC. */
    private Uni<VerifyResponse> verify(Context ctx, UUID id) {
        MDC.put(MDC_PAYMENT_ID, id.toString());
        return metrics.verification(labels(ctx), OnCallerContext.of(ctx.scheme().verify(ctx.payment(),
                        ctx.requirements())))
                .invoke(v -> LOG.debugf("verification of %s on %s: %s", ctx.row().payer(), ctx.requirements().network(),
                        v.isValid() ? "valid" : "refused, " + v.invalidReason()));
    }

    private PaymentMetrics.Labels labels(Context ctx) {
        return metrics.labels(ctx.route(), ctx.row().merchantId(), ctx.requirements());
    }

    private Uni<Outcome> verified(Context ctx, UUID id) {
        return verify(ctx, id)
                .onFailure(SchemeUnavailableException.class).recoverWithNull()
                .chain(verdict -> {
                    if (verdict == null) {
                        return release(id, PaymentState.RESERVED).replaceWith(unavailable());
                    }
                    if (!verdict.isValid()) {
                        return release(id, PaymentState.RESERVED).replaceWith((Outcome) new Rejected(
                                reason(verdict), verdict.invalidMessage()));
                    }
                    return db(payments.transition(id, PaymentState.RESERVED, PaymentState.VERIFIED))
                            .chain(owned -> {
                                if (!owned) {
                                    return Uni.createFrom().failure(new ReservationLost(id,
                                            config.retryAfterSeconds()));
                                }
                                return ctx.allowOnly() ? settleThenAllow(ctx, id)
                                        : ctx.route().definition().settleBeforeServe()
                                        ? settleThenServe(ctx, id)
                                        : serveThenSettle(ctx, id);
                            });
                });
    }

    private Outcome unavailable() {
        return new Unavailable("a chain node could not be reached; retry shortly", config.retryAfterSeconds());
    }

    private static ReasonCode reason(VerifyResponse verdict) {
        return Optional.ofNullable(verdict.invalidReason()).flatMap(ReasonCode::fromWire)
                .orElse(ReasonCode.INVALID_PAYMENT);
    }

    private Uni<Void> release(UUID id, PaymentState from) {
        return db(payments.transition(id, from, PaymentState.RELEASED)).replaceWithVoid();
    }

    private Uni<Outcome> serveThenSettle(Context ctx, UUID id) {
        return forward(ctx, id).chain(upstream -> {
            if (upstream.isEmpty()) {
                return release(id, PaymentState.VERIFIED)
                        .replaceWith((Outcome) new UpstreamFailed("the upstream could not be reached"));
            }
            if (!upstream.get().chargeable()) {
                return release(id, PaymentState.VERIFIED).replaceWith((Outcome) new NotCharged(upstream.get()));
            }
            return settle(ctx, id).map(settled -> settled.success()
                    ? new Served(upstream.get(), settled)
                    : new SettlementFailed(settled));
        }).onFailure(SettlementOutcomeUnknown.class).recoverWithItem(this::unknownOutcome)
                .onFailure(LimitExceededException.class).recoverWithItem(e -> new Limited((LimitExceededException) e))
                .onFailure(SchemeUnavailableException.class).recoverWithItem(e -> unavailable());
    }

    private Uni<Outcome> settleThenServe(Context ctx, UUID id) {
        return settle(ctx, id).chain(settled -> {
            if (!settled.success()) {
                return Uni.createFrom().item((Outcome) new SettlementFailed(settled));
            }
            // paid first by the route's choice: whatever the upstream answers is what was bought
            return forward(ctx, id).map(upstream -> upstream
                    .<Outcome>map(u -> new Served(u, settled))
                    .orElseGet(() -> new UpstreamFailed("the upstream could not be reached after settlement")));
        }).onFailure(SettlementOutcomeUnknown.class).recoverWithItem(this::unknownOutcome)
                .onFailure(LimitExceededException.class).recoverWithItem(e -> new Limited((LimitExceededException) e))
                .onFailure(SchemeUnavailableException.class).recoverWithItem(e -> unavailable());
    }

    private Uni<Outcome> settleThenAllow(Context ctx, UUID id) {
        return settle(ctx, id).map(settled -> settled.success()
                ? (Outcome) new Allowed(id, ctx.row().payer(), ctx.requirements(), settled)
                : new SettlementFailed(settled))
                .onFailure(SettlementOutcomeUnknown.class).recoverWithItem(this::unknownOutcome)
                .onFailure(LimitExceededException.class).recoverWithItem(e -> new Limited((LimitExceededException) e))
                .onFailure(SchemeUnavailableException.class).recoverWithItem(e -> unavailable());
    }

    private Outcome unknownOutcome(Throwable t) {
        LOG.warnf("settlement outcome unknown, left for the reconciler: %s", t.getMessage());
        return new Unavailable("the settlement was broadcast but not yet confirmed; the payment stays reserved",
                config.retryAfterSeconds());
    }

    /** The outcome of a broadcast settlement is not known yet; the row stays in settling. */
    static final class SettlementOutcomeUnknown extends RuntimeException {
        SettlementOutcomeUnknown(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Uni<Optional<UpstreamProxy.UpstreamResponse>> forward(Context ctx, UUID id) {
        MultiMap headers = describe(id, ctx.row().payer(), ctx.requirements());
        return metrics.upstream(ctx.route(), upstreams.forward(ctx.route(), ctx.request(), ctx.body(), headers)
                .map(Optional::of)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("upstream of %s failed: %s", ctx.route().definition().name(), failure.getMessage());
                    return Optional.empty();
                }))
                .invoke(answer -> answer.ifPresent(a -> LOG.debugf("upstream of %s answered %d",
                        ctx.route().definition().name(), a.status())));
    }

    /**
     * The transaction is out whether or not its hash can be written now, so a database failure here
     * must not abandon the receipt wait: the client still gets what the chain decides, and the
     * reconciler finds the transaction by the authorization's event if the hash never reached the row.
     */
    private Uni<Void> recordBroadcast(UUID id, String tx, Integer batchIndex) {
        return db(payments.recordTransaction(id, tx, batchIndex)).replaceWithVoid().onFailure().recoverWithItem(t -> {
            LOG.errorf("payment %s: broadcast %s could not be recorded yet (%s)", id, tx, t.getMessage());
            return null;
        });
    }

    /**
     * This request no longer owns the payment: the reconciler released (or failed) its reservation
     * after the reserved deadline. Nothing was broadcast, so nothing was charged.
     */
    static final class ReservationLost extends SchemeUnavailableException {
        ReservationLost(UUID id, int retryAfterSeconds) {
            super("payment " + id + " was taken over by the reconciler before settlement (sippar.reconciler."
                    + "reserved-deadline passed); nothing was charged, retry", retryAfterSeconds, null);
        }
    }

    /** The X-Payment-* headers that tell an upstream which verified payment a request carries. */
    static MultiMap describe(UUID id, String payer, PaymentRequirements requirements) {
        return MultiMap.caseInsensitiveMultiMap()
                .add("X-Payment-Id", id.toString())
                .add("X-Payment-Payer", payer)
                .add("X-Payment-Amount", requirements.amount())
                .add("X-Payment-Asset", requirements.asset())
                .add("X-Payment-Network", requirements.network())
                .add("X-Payment-Scheme", requirements.scheme());
    }

    /**
     * settling is written before broadcast and the transaction id as soon as it is known, so a crash
     * at any instant leaves a row the reconciler can finish from the chain. A scheme that announces
     * its fees gets the row moved to settling right before its first broadcast, together with the
     * gas hold; until then a failure (a gas ceiling, a node down) releases the authorization.
     */
    private Uni<SettleResponse> settle(Context ctx, UUID id) {
        SettlementListener settlement = new SettlementListener(ctx, id);
        Uni<Void> start = ctx.scheme().announcesFees() ? Uni.createFrom().voidItem()
                : db(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)).invoke(owned -> {
                    if (!owned) {
                        throw new ReservationLost(id, config.retryAfterSeconds());
                    }
                    settlement.settling = true;
                }).replaceWithVoid();
        return start.invoke(() -> LOG.debugf("settling on %s", ctx.requirements().network()))
                .chain(() -> metrics.settlement(labels(ctx), OnCallerContext.of(ctx.scheme().settle(ctx.payment(),
                        ctx.requirements(), settlement))))
                .invoke(result -> LOG.debugf("settlement on %s: %s, transaction %s", result.network(),
                        result.success() ? "success" : "failed, " + result.errorReason(), result.transaction()))
                .onFailure().recoverWithUni(t -> notSettled(settlement, t))
                .call(result -> record(ctx, id, result,
                        settlement.settling ? PaymentState.SETTLING : PaymentState.VERIFIED));
    }

    /**
     * A settlement that failed. Before settling nothing was broadcast: the authorization is released
     * and the cause passed on (429 for a limit, else 503). After it the outcome is unknown and the
     * row is left for the reconciler; its gas hold is given back only if nothing was broadcast.
     */
    private Uni<SettleResponse> notSettled(SettlementListener s, Throwable t) {
        if (!s.settling) {
            Throwable cause = t instanceof LimitExceededException || t instanceof SchemeUnavailableException ? t
                    : new SchemeUnavailableException("settlement could not start: " + t.getMessage(),
                            config.retryAfterSeconds(), t);
            return release(s.id, PaymentState.VERIFIED).onFailure().recoverWithNull()
                    .chain(() -> Uni.createFrom().failure(cause));
        }
        Uni<?> hold = s.broadcast || !gas.limits(s.ctx.requirements().network()) ? Uni.createFrom().voidItem()
                : db(gas.release(s.id)).onFailure().recoverWithNull();
        return hold.chain(() -> Uni.createFrom().failure(new SettlementOutcomeUnknown(
                "settlement of payment " + s.id + " did not complete: " + t.getMessage(), t)));
    }

    /**
     * What the scheme reports around its broadcast: the worst-case fee (held against the gas
     * ceilings as the row moves to settling), the transaction id, and the fee finally paid.
     */
    private final class SettlementListener implements BroadcastListener {
        private final Context ctx;
        private final UUID id;
        private volatile boolean settling;
        private volatile boolean broadcast;

        SettlementListener(Context ctx, UUID id) {
            this.ctx = ctx;
            this.id = id;
        }

        @Override
        public Uni<Void> broadcast(String transactionId) {
            broadcast = true;
            return recordBroadcast(id, transactionId, null);
        }

        @Override
        public Uni<Void> broadcast(String transactionId, int batchIndex) {
            broadcast = true;
            return recordBroadcast(id, transactionId, batchIndex);
        }

        @Override
        public Uni<Void> beforeBroadcast(NetworkFee maxFee) {
            Uni<Void> start = gas.limits(maxFee.network())
                    ? db(gas.holdAndStartSettling(id, ctx.row().merchantId(), maxFee))
                    : db(payments.transition(id, PaymentState.VERIFIED, PaymentState.SETTLING)).invoke(moved -> {
                        if (!moved) {
                            throw new ReservationLost(id, config.retryAfterSeconds());
                        }
                    }).replaceWithVoid();
            return start.invoke(() -> settling = true);
        }

        @Override
        public Uni<Boolean> beforeFeeIncrease(NetworkFee newMaxFee) {
            return gas.limits(newMaxFee.network()) ? db(gas.raise(id, ctx.row().merchantId(), newMaxFee))
                    : Uni.createFrom().item(true);
        }

        @Override
        public Uni<Void> feePaid(NetworkFee fee) {
            return gas.limits(fee.network()) ? db(gas.charge(id, fee)).replaceWithVoid() : Uni.createFrom().voidItem();
        }
    }

    /**
     * Records the chain's verdict. If the database fails here the chain has already decided: the
     * client still gets what it paid for, and the row, left in settling with its transaction id,
     * is finished by the reconciler.
     */
    private Uni<Boolean> record(Context ctx, UUID id, SettleResponse result, PaymentState from) {
        Uni<Boolean> write = result.success()
                ? settled(ctx, id, result)
                : db(payments.fail(id, from,
                        Optional.ofNullable(result.errorReason()).orElse("settlement_failed"),
                        emptyToNull(result.transaction())));
        return write.onFailure().recoverWithItem(t -> {
            LOG.errorf(t, "payment %s settled as %s on chain (%s) but could not be recorded yet", id,
                    result.success() ? "success" : "failure", result.transaction());
            return false;
        });
    }

    private Uni<Boolean> settled(Context ctx, UUID id, SettleResponse result) {
        return recordSettled(new Settlement(id, ctx.row().merchantId(), result.network(), ctx.requirements().asset(),
                ctx.row().payer(), new BigInteger(ctx.requirements().amount()), result.transaction()));
    }

    /**
     * A settlement the chain confirmed, as the ledger records it; {@code batchIndex} is the payment's call
     * in a batch transaction when known here (null: alone, or as recorded at broadcast).
     */
    public record Settlement(UUID paymentId, UUID merchantId, String network, String asset, String payer,
            BigInteger amount, String transaction, Integer batchIndex) {

        public Settlement(UUID paymentId, UUID merchantId, String network, String asset, String payer,
                BigInteger amount, String transaction) {
            this(paymentId, merchantId, network, asset, payer, amount, transaction, null);
        }
    }

    /**
     * Records a confirmed settlement: the payment settled with the fee in force, its journal entry and
     * the merchant's usage, in one transaction. The only way a payment becomes settled, for the live
     * path and the reconciler alike; false (nothing written) when it was no longer settling. The fee is
     * priced inside that transaction, by the merchant's terms and the schedule version it reads there.
     */
    public Uni<Boolean> recordSettled(Settlement s) {
        var asset = assets.find(s.network(), Optional.of(s.asset()));
        AtomicReference<io.sippar.fees.Fee> charged = new AtomicReference<>();
        return db(payments.settle(s.paymentId(), s.network(), s.transaction(), s.batchIndex(),
                terms -> fees.price(terms, asset, s.amount(), s.network()).invoke(charged::set),
                (terms, fee) -> terms.treasury() == null ? postings(s, fee.atomic())
                        : io.sippar.ledger.TreasuryAccounts.settlement(s.network(), terms.treasury(), s.payer(),
                                s.merchantId(), s.asset(), s.amount(), fee.atomic()), null))
                .call(recorded -> {
                    if (!recorded) {
                        return Uni.createFrom().voidItem();
                    }
                    io.sippar.fees.Fee fee = charged.get();
                    LOG.debugf("recorded in the ledger: %s, fee %s (%s)", s.transaction(), fee.atomic(), fee.band());
                    return metrics.feeEarned(s.merchantId(), s.network(), fee.usd());
                });
    }

    /**
     * One journal entry per settlement: the payer pays the merchant the amount, and the merchant
     * pays the gateway's fee revenue the fee; lines sum to zero in the payment's asset.
     */
    private static List<Posting> postings(Settlement s, BigInteger fee) {
        BigInteger amount = s.amount();
        String asset = s.network() + ":" + s.asset().toLowerCase(Locale.ROOT);
        String merchant = "merchant:" + s.merchantId();
        List<Posting> lines = new java.util.ArrayList<>(List.of(
                new Posting("payer:" + s.network() + ":" + s.payer().toLowerCase(Locale.ROOT), asset, amount.negate()),
                new Posting(merchant, asset, amount)));
        if (fee.signum() > 0) {
            lines.add(new Posting(merchant, asset, fee.negate()));
            lines.add(new Posting("gateway:fee_revenue", asset, fee));
        }
        return lines;
    }

    private static Long fromRound(PaymentIdentity identity) {
        return identity.validRounds() == null ? null : identity.validRounds().firstValid();
    }

    private static Long untilRound(PaymentIdentity identity) {
        return identity.validRounds() == null ? null : identity.validRounds().lastValid();
    }

    /**
     * One database call of the payment path, bounded: a database that stops answering (a frozen
     * server, a lost connection without a reset) must give the client a 503, not a hang. What the
     * database still does after the deadline is safe: every write is a compare-and-set the reconciler
     * finishes or undoes.
     */
    private <T> Uni<T> db(Uni<T> call) {
        return call.ifNoItem().after(config.databaseTimeout()).failWith(() -> new SchemeUnavailableException(
                "the database did not answer within " + config.databaseTimeout().toSeconds() + " s",
                config.retryAfterSeconds(), null));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
