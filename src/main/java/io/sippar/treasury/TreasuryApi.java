package io.sippar.treasury;

import io.sippar.ledger.ChangeNotifications;
import io.sippar.ledger.Posting;
import io.sippar.ledger.TreasuryAccounts;
import io.sippar.ledger.TreasuryRepository;
import io.sippar.merchant.ApiError;
import io.sippar.pricing.Price;
import io.sippar.treasury.TreasuryViews.BalanceView;
import io.sippar.treasury.TreasuryViews.PayoutAccountView;
import io.sippar.x402.ReasonCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What the treasury endpoints do, for the merchant (its own data only) and the operator. */
@ApplicationScoped
public class TreasuryApi {

    /** The route table's notification channel: a mode change is served on this pod before the answer. */
    private static final String ROUTES_CHANNEL = "sippar_routes";

    private final TreasuryRepository repository;
    private final Treasuries treasuries;
    private final TreasuryConfig config;
    private final PayoutJob job;
    private final ChangeNotifications notifications;
    private final io.sippar.pricing.AssetRegistry assets;

    public TreasuryApi(TreasuryRepository repository, Treasuries treasuries, TreasuryConfig config, PayoutJob job,
            ChangeNotifications notifications, io.sippar.pricing.AssetRegistry assets) {
        this.assets = assets;
        this.repository = repository;
        this.treasuries = treasuries;
        this.config = config;
        this.job = job;
        this.notifications = notifications;
    }

    private List<String> networks() {
        return treasuries.all().stream().map(Treasuries.Entry::network).toList();
    }

    private Uni<String> existing(UUID merchantId) {
        return repository.settlementMode(merchantId)
                .map(m -> m.orElseThrow(() -> ApiError.notFound("no merchant " + merchantId)));
    }

    // ------------------------------------------------------------------ mode

    public Uni<TreasuryViews.ModeView> mode(UUID merchantId) {
        return existing(merchantId).map(m -> new TreasuryViews.ModeView(m, networks()));
    }

    /** Sets the mode; this pod's 402s follow before the answer, the others by the routes' notification. */
    public Uni<TreasuryViews.ModeView> setMode(UUID merchantId, TreasuryViews.ModeRequest body) {
        if (body == null || body.mode() == null || !TreasuryRepository.MODES.contains(body.mode())) {
            throw ApiError.badRequest("mode must be \"direct\" or \"treasury\"");
        }
        if ("treasury".equals(body.mode()) && treasuries.all().isEmpty()) {
            throw ApiError.conflict("no treasury is configured on any network (sippar.evm|algorand.networks.<alias>"
                    + ".treasury.*)");
        }
        return repository.setSettlementMode(merchantId, body.mode()).chain(found -> {
            if (!found) {
                throw ApiError.notFound("no merchant " + merchantId);
            }
            return notifications.reloadNow(ROUTES_CHANNEL);
        }).map(x -> new TreasuryViews.ModeView(body.mode(), networks()));
    }

    // ------------------------------------------------------------------ balances and payouts

    public Uni<TreasuryViews.BalancesView> balances(UUID merchantId) {
        return existing(merchantId).chain(mode -> Uni.combine().all()
                .unis(repository.balances(merchantId), repository.payoutAccounts(merchantId)).asTuple()
                .map(t -> {
                    List<BalanceView> out = new ArrayList<>();
                    for (TreasuryRepository.Balance b : t.getItem1()) {
                        int split = b.asset().lastIndexOf(':');
                        String network = b.asset().substring(0, split);
                        String threshold = t.getItem2().stream().filter(a -> a.network().equals(network))
                                .map(TreasuryRepository.PayoutAccount::threshold).filter(java.util.Objects::nonNull)
                                .findFirst().orElse(config.defaultThreshold());
                        out.add(new BalanceView(network, b.asset().substring(split + 1), b.payable().toString(),
                                b.inPayout().toString(), b.paidOut().toString(), threshold));
                    }
                    return new TreasuryViews.BalancesView(mode, out);
                }));
    }

    public Uni<List<TreasuryViews.MerchantPayoutView>> payouts(UUID merchantId, Integer limit) {
        return payouts(merchantId, limit, null);
    }

    /** The merchant's payout transfers; with {@code period} ({@code YYYY-MM}) those made in that UTC month. */
    public Uni<List<TreasuryViews.MerchantPayoutView>> payouts(UUID merchantId, Integer limit, String period) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 500) {
            throw ApiError.badRequest("limit must be between 1 and 500");
        }
        io.sippar.billing.StatementPeriod month = period == null ? null : io.sippar.billing.StatementPeriod.parse(period);
        return existing(merchantId).chain(m -> repository.merchantPayouts(merchantId, n,
                        month == null ? null : month.start(), month == null ? null : month.end()))
                .map(list -> list.stream().map(TreasuryViews.MerchantPayoutView::of).toList());
    }

    // ------------------------------------------------------------------ payout accounts

    public Uni<List<PayoutAccountView>> accounts(UUID merchantId) {
        return existing(merchantId).chain(m -> repository.payoutAccounts(merchantId))
                .map(list -> list.stream().map(a -> view(a, null)).toList());
    }

    private PayoutAccountView view(TreasuryRepository.PayoutAccount a, String warning) {
        return new PayoutAccountView(a.network(), a.address(), a.pendingAddress(), a.pendingEffectiveAt(),
                a.threshold() == null ? config.defaultThreshold() : a.threshold(), a.threshold() == null, warning);
    }

    /**
     * Changes a payout account. A merchant's new address waits {@code address-change-delay} (a stolen API
     * key cannot redirect the next payout); the operator's takes effect at once. A threshold applies now.
     */
    public Uni<PayoutAccountView> change(UUID merchantId, TreasuryViews.PayoutAccountRequest body, String actor,
            boolean operator) {
        if (body == null || body.network() == null) {
            throw ApiError.badRequest("a JSON body {\"network\": ..., \"address\": ..., \"threshold\": ...} is required");
        }
        Treasuries.Entry e = treasury(body.network());
        if (body.address() == null && body.threshold() == null) {
            throw ApiError.badRequest("nothing to change: give an address, a threshold or both");
        }
        if (body.address() != null) {
            e.chain().invalidAddress(e.network(), body.address()).ifPresent(why -> {
                throw ApiError.badRequest("address: " + why);
            });
        }
        String threshold = body.threshold() == null ? null : threshold(body.threshold());
        return existing(merchantId).chain(m -> {
            Uni<TreasuryRepository.PayoutAccount> written = Uni.createFrom().nullItem();
            if (threshold != null) {
                written = written.chain(() -> repository.setThreshold(merchantId, e.network(),
                        "default".equals(threshold) ? null : threshold));
            }
            if (body.address() != null) {
                written = written.chain(() -> operator
                        ? repository.setAddress(merchantId, e.network(), body.address(), actor)
                        : repository.requestAddress(merchantId, e.network(), body.address(), actor,
                                config.addressChangeDelay()));
            }
            return written;
        }).chain(account -> body.address() == null ? Uni.createFrom().item(view(account, null))
                : receivable(e, body.address()).map(warning -> view(account, warning.orElse(null))));
    }

    /** A warning (not a refusal) when the address cannot receive the network's default asset yet, e.g. not opted in. */
    private Uni<Optional<String>> receivable(Treasuries.Entry e, String address) {
        return repository.custodyAssets(e.network(), e.treasury().address()).chain(held -> {
            String asset = held.isEmpty()
                    ? assets.find(e.network(), Optional.empty()).map(io.sippar.pricing.Asset::address).orElse(null)
                    : held.get(0).substring(e.network().length() + 1);
            if (asset == null) {
                return Uni.createFrom().item(Optional.<String>empty());
            }
            return e.chain().cannotReceive(e.network(), asset, address)
                    .map(why -> why.map(w -> w + "; payouts to it fail until it can receive"))
                    .onFailure().recoverWithItem(Optional.empty());
        });
    }

    private static String threshold(String text) {
        if ("default".equals(text)) {
            return text;
        }
        try {
            Price.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("threshold: " + e.getMessage() + " (or \"default\")");
        }
        return text.strip();
    }

    private Treasuries.Entry treasury(String network) {
        return treasuries.of(network).orElseThrow(() -> ApiError.badRequest("no treasury runs on " + network
                + "; networks with one: " + networks()));
    }

    public Uni<PayoutAccountView> approve(UUID merchantId, TreasuryViews.NetworkRequest body, String actor) {
        String network = network(body);
        return existing(merchantId).chain(m -> repository.approve(merchantId, network, actor))
                .map(a -> view(a.orElseThrow(() -> ApiError.conflict("no address change is pending on " + network)),
                        null));
    }

    public Uni<Void> cancel(UUID merchantId, TreasuryViews.NetworkRequest body, String actor) {
        String network = network(body);
        return existing(merchantId).chain(m -> repository.cancelPending(merchantId, network, actor)).invoke(done -> {
            if (!done) {
                throw ApiError.conflict("no address change is pending on " + network);
            }
        }).replaceWithVoid();
    }

    private static String network(TreasuryViews.NetworkRequest body) {
        if (body == null || body.network() == null || body.network().isBlank()) {
            throw ApiError.badRequest("a JSON body {\"network\": ...} is required");
        }
        return body.network();
    }

    public Uni<List<TreasuryViews.AddressEventView>> history(UUID merchantId) {
        return existing(merchantId).chain(m -> repository.addressHistory(merchantId)).map(list -> list.stream()
                .map(h -> new TreasuryViews.AddressEventView(h.network(), h.action(), h.address(), h.actor(), h.at()))
                .toList());
    }

    // ------------------------------------------------------------------ operator: treasuries

    public Uni<List<TreasuryViews.TreasuryView>> treasuries() {
        return repository.checks().chain(checks -> {
            List<Uni<TreasuryViews.TreasuryView>> views = new ArrayList<>();
            for (Treasuries.Entry e : treasuries.all()) {
                views.add(repository.unfinished(e.network()).map(open -> new TreasuryViews.TreasuryView(e.network(),
                        e.treasury().address(), e.treasury().signer(), e.treasury().feeAsset(),
                        e.treasury().maxTransfers(), checks.stream().filter(c -> c.network().equals(e.network()))
                                .map(TreasuryViews.CheckView::of).toList(),
                        open.map(TreasuryRepository.Payout::id).orElse(null))));
            }
            return views.isEmpty() ? Uni.createFrom().item(List.<TreasuryViews.TreasuryView>of())
                    : Uni.join().all(views).andFailFast();
        });
    }

    /**
     * Clears a mismatch so payouts of the asset resume. With {@code adjust}, the last check's difference
     * (chain − ledger, repeated by the operator) is booked first, so the next check matches.
     */
    public Uni<TreasuryViews.CheckView> clear(TreasuryViews.ClearRequest body, String actor) {
        if (body == null || body.network() == null || body.asset() == null || body.note() == null
                || body.note().isBlank()) {
            throw ApiError.badRequest("a JSON body {\"network\", \"asset\", \"note\", \"adjust\", \"difference\"} is"
                    + " required (note: what was found)");
        }
        Treasuries.Entry e = treasury(body.network());
        String postingAsset = TreasuryAccounts.asset(e.network(), body.asset());
        boolean adjust = Boolean.TRUE.equals(body.adjust());
        return repository.check(e.network(), postingAsset).chain(found -> {
            TreasuryRepository.Check check = found.filter(TreasuryRepository.Check::mismatch).orElseThrow(() ->
                    ApiError.conflict("no mismatch is recorded for " + postingAsset));
            Optional<BigInteger> difference = Optional.empty();
            if (adjust) {
                BigInteger found2 = check.chainBalance().subtract(check.ledgerBalance());
                BigInteger given;
                try {
                    given = new BigInteger(body.difference() == null ? "" : body.difference());
                } catch (NumberFormatException ex) {
                    throw ApiError.badRequest("difference must be the integer chain − ledger of the last check ("
                            + found2 + ")");
                }
                if (!given.equals(found2)) {
                    throw ApiError.conflict("the last check found a difference of " + found2 + ", not " + given
                            + "; look again before booking it");
                }
                difference = Optional.of(found2);
            }
            return repository.clear(e.network(), e.treasury().address(), postingAsset, actor, body.note(), difference);
        }).chain(cleared -> {
            if (!cleared) {
                throw ApiError.conflict("no mismatch is recorded for " + postingAsset);
            }
            return repository.check(e.network(), postingAsset);
        }).map(c -> TreasuryViews.CheckView.of(c.orElseThrow()));
    }

    // ------------------------------------------------------------------ operator: payouts

    public Uni<TreasuryViews.RunView> run() {
        return job.runOnce().map(events -> {
            if (events.isEmpty()) {
                throw new ApiError(409, ReasonCode.CONFLICT, "another pod is running payouts now; retry shortly");
            }
            return new TreasuryViews.RunView(true, events.get().stream().map(ev -> ev.network() + ": " + ev.what())
                    .toList());
        });
    }

    public Uni<List<TreasuryViews.PayoutView>> allPayouts(String state, Integer limit) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 500) {
            throw ApiError.badRequest("limit must be between 1 and 500");
        }
        if (state != null && !List.of("prepared", "broadcast", "confirmed", "failed", "held").contains(state)) {
            throw ApiError.badRequest("state must be prepared, broadcast, confirmed, failed or held");
        }
        return repository.payouts(state, n).map(list -> list.stream().map(TreasuryViews.PayoutView::of).toList());
    }

    public Uni<TreasuryViews.PayoutView> payout(UUID id) {
        return repository.payout(id).map(p -> TreasuryViews.PayoutView.of(p.orElseThrow(
                () -> ApiError.notFound("no payout " + id))));
    }

    /**
     * An operator's decision on a held payout, after looking at the chain (an explorer, an indexer):
     * not executed (its transfers' balances stay payable) or executed in a given transaction (every
     * transfer it carried paid, with the network fee the operator read).
     */
    public Uni<TreasuryViews.PayoutView> resolve(UUID id, TreasuryViews.ResolveRequest body, String actor) {
        if (body == null || body.executed() == null || body.note() == null || body.note().isBlank()) {
            throw ApiError.badRequest("a JSON body {\"executed\": true|false, \"note\": ...} is required");
        }
        return repository.payout(id).chain(found -> {
            TreasuryRepository.Payout p = found.orElseThrow(() -> ApiError.notFound("no payout " + id));
            if (!"held".equals(p.state())) {
                throw ApiError.conflict("payout " + id + " is " + p.state() + ", not held");
            }
            String reason = "resolved by " + actor + ": " + body.note();
            if (!body.executed()) {
                return repository.fail(id, reason);
            }
            if (body.transaction() == null || body.transaction().isBlank()) {
                throw ApiError.badRequest("transaction is required when executed is true");
            }
            BigInteger fee;
            try {
                fee = new BigInteger(body.networkFee() == null ? "0" : body.networkFee());
            } catch (NumberFormatException ex) {
                throw ApiError.badRequest("networkFee must be an integer of the network's native atomic units");
            }
            Treasuries.Entry e = treasury(p.network());
            List<TreasuryRepository.Outcome> outcomes = new ArrayList<>();
            List<Posting> postings = new ArrayList<>();
            p.items().stream().filter(i -> i.chainIndex() != null && "pending".equals(i.state())).forEach(i -> {
                outcomes.add(new TreasuryRepository.Outcome(i.position(), true, null));
                postings.addAll(TreasuryAccounts.paid(p.network(), p.treasury(), i.merchantId(), p.asset(), i.amount()));
            });
            postings.addAll(TreasuryAccounts.networkFee(p.network(), e.treasury().signer(), e.treasury().feeAsset(), fee));
            return repository.confirm(id, body.transaction(), fee, e.treasury().feeAsset(), outcomes, postings);
        }).chain(() -> payout(id));
    }
}
