package io.sippar.treasury;

import io.sippar.ledger.Posting;
import io.sippar.ledger.TreasuryAccounts;
import io.sippar.ledger.TreasuryRepository;
import io.sippar.ledger.TreasuryRepository.Candidate;
import io.sippar.ledger.TreasuryRepository.Item;
import io.sippar.ledger.TreasuryRepository.Payout;
import io.sippar.pricing.Asset;
import io.sippar.pricing.AssetRegistry;
import io.sippar.pricing.Price;
import io.sippar.scheme.TreasuryChain;
import io.sippar.scheme.TreasuryChain.Executed;
import io.sippar.scheme.TreasuryChain.Signed;
import io.sippar.scheme.TreasuryChain.Transfer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * One payout run over every treasury: first the network's unfinished payout, if any, is decided from
 * the chain (a crash, a lost node or a timeout leaves one behind); only a network with none left is
 * checked against the ledger (hygiene) and then pays its merchants, one transaction at a time:
 * choose who is due, simulate and sign, store the signed transaction (the database allows one
 * unfinished payout per network), only then send it, and wait for the chain.
 *
 * <p>Runs hold nothing between steps: everything is read from the database and the chain, so a run
 * killed at any instant is finished by the next one, on this pod or another, without a second transfer.
 */
@ApplicationScoped
public class Payouts {

    private static final Logger LOG = Logger.getLogger(Payouts.class);

    /** What a run did on one network. */
    public record Event(String network, String what) {
    }

    private final Treasuries treasuries;
    private final TreasuryRepository repository;
    private final TreasuryHygiene hygiene;
    private final AssetRegistry assets;
    private final TreasuryConfig config;
    private final TreasuryMetrics metrics;

    public Payouts(Treasuries treasuries, TreasuryRepository repository, TreasuryHygiene hygiene, AssetRegistry assets,
            TreasuryConfig config, TreasuryMetrics metrics) {
        this.treasuries = treasuries;
        this.repository = repository;
        this.hygiene = hygiene;
        this.assets = assets;
        this.config = config;
        this.metrics = metrics;
    }

    /** One run over every treasury; {@code owner} names the run in the payouts it creates. */
    public Uni<List<Event>> run(String owner) {
        List<Event> events = Collections.synchronizedList(new ArrayList<>());
        Uni<Void> all = repository.promoteDueAddresses().invoke(n -> {
            if (n > 0) {
                events.add(new Event("*", n + " payout address change(s) took effect"));
            }
        }).replaceWithVoid();
        for (Treasuries.Entry e : treasuries.all()) {
            all = all.call(() -> network(e, owner, events).onFailure().recoverWithItem(t -> {
                LOG.warnf("payout run on %s stopped: %s", e.network(), t.getMessage());
                events.add(new Event(e.network(), "stopped: " + t.getMessage()));
                return null;
            }));
        }
        return all.replaceWith(() -> List.copyOf(events));
    }

    private Uni<Void> network(Treasuries.Entry e, String owner, List<Event> events) {
        Instant deadline = Instant.now().plus(config.confirmationTimeout());
        return repository.unfinished(e.network())
                .chain(open -> open.isPresent() ? advance(e, open.get(), deadline, false, events)
                        : Uni.createFrom().item(true))
                .chain(free -> free ? assets(e).chain(list -> eachAsset(e, owner, list, 0, events))
                        : Uni.createFrom().voidItem());
    }

    /** The assets the treasury has held, and the network's default asset (so a stray deposit shows too). */
    private Uni<List<String>> assets(Treasuries.Entry e) {
        return repository.custodyAssets(e.network(), e.treasury().address()).map(held -> {
            Set<String> all = new LinkedHashSet<>(held);
            assets.find(e.network(), Optional.empty())
                    .ifPresent(a -> all.add(TreasuryAccounts.asset(e.network(), a.address())));
            return List.copyOf(all);
        });
    }

    private Uni<Void> eachAsset(Treasuries.Entry e, String owner, List<String> postingAssets, int i, List<Event> events) {
        if (i >= postingAssets.size()) {
            return Uni.createFrom().voidItem();
        }
        String postingAsset = postingAssets.get(i);
        return hygiene.check(e, postingAsset).chain(check -> {
            if (check.mismatch()) {
                events.add(new Event(e.network(), "payouts of " + postingAsset + " stopped: " + check.detail()));
                return Uni.createFrom().voidItem();
            }
            return payouts(e, owner, chainAsset(e.network(), postingAsset), 0, events);
        }).chain(() -> eachAsset(e, owner, postingAssets, i + 1, events));
    }

    private static String chainAsset(String network, String postingAsset) {
        return postingAsset.substring(network.length() + 1);
    }

    // ------------------------------------------------------------------ new payouts

    private Uni<Void> payouts(Treasuries.Entry e, String owner, String asset, int sent, List<Event> events) {
        if (sent >= config.maxPayoutsPerRun()) {
            return Uni.createFrom().voidItem();
        }
        Optional<Asset> known = assets.find(e.network(), Optional.of(asset));
        return repository.candidates(e.network(), TreasuryAccounts.asset(e.network(), asset), periodStart(Instant.now()))
                .chain(candidates -> {
                    List<Candidate> due = due(e, asset, known, candidates);
                    if (due.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    return payout(e, owner, asset, due, events).chain(free -> free
                            ? payouts(e, owner, asset, sent + 1, events) : Uni.createFrom().voidItem());
                });
    }

    /** Who is paid now: over the threshold, or owed since before this period; with an address; not failing lately. */
    private List<Candidate> due(Treasuries.Entry e, String asset, Optional<Asset> known, List<Candidate> candidates) {
        OffsetDateTime retryFrom = OffsetDateTime.now(ZoneOffset.UTC).minus(config.failedRetryDelay());
        BigInteger minPayout = atomic(config.minPayout(), known, asset);
        List<Candidate> due = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.address() == null || (c.lastFailureAt() != null && c.lastFailureAt().isAfter(retryFrom))) {
                continue;
            }
            BigInteger threshold = atomic(c.threshold() == null ? config.defaultThreshold() : c.threshold(), known, asset);
            boolean overThreshold = threshold != null && c.payable().compareTo(threshold) >= 0;
            boolean periodEnd = c.dueFromBefore().signum() > 0 && minPayout != null && c.payable().compareTo(minPayout) >= 0;
            if ((overThreshold || periodEnd) && e.chain().invalidAddress(e.network(), c.address()).isEmpty()) {
                due.add(c);
            }
            if (due.size() >= e.treasury().maxTransfers()) {
                break;
            }
        }
        return due;
    }

    /** A $ amount in the asset's atomic units; null when it cannot be converted (an asset outside the table). */
    private static BigInteger atomic(String price, Optional<Asset> asset, String address) {
        Price p = Price.parse(price);
        if (p instanceof Price.Atomic a) {
            return a.amount();
        }
        if (asset.isEmpty()) {
            LOG.warnf("payout threshold %s cannot be converted for asset %s (not in the asset table)", price, address);
            return null;
        }
        try {
            return p.atomicAmount(asset.get());
        } catch (IllegalArgumentException ex) {
            LOG.warnf("payout threshold %s: %s", price, ex.getMessage());
            return null;
        }
    }

    /** The start of the payout period containing {@code now}. */
    Instant periodStart(Instant now) {
        LocalDate day = now.atOffset(ZoneOffset.UTC).toLocalDate();
        LocalDate start = switch (config.period()) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Prepares, stores, sends and follows one payout; true when the network is free for the next one. */
    private Uni<Boolean> payout(Treasuries.Entry e, String owner, String asset, List<Candidate> due, List<Event> events) {
        UUID batch = UUID.randomUUID();
        List<Transfer> transfers = new ArrayList<>();
        for (int i = 0; i < due.size(); i++) {
            transfers.add(new Transfer(i, due.get(i).address(), due.get(i).payable()));
        }
        return e.chain().prepare(e.network(), asset, batch, transfers).chain(prepared -> {
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < due.size(); i++) {
                Candidate c = due.get(i);
                int position = i;
                int index = indexOf(prepared.included(), position);
                String why = prepared.leftOut().stream().filter(l -> l.position() == position)
                        .map(TreasuryChain.LeftOut::reason).findFirst().orElse("left out of the transaction");
                items.add(index >= 0
                        ? new Item(i, c.merchantId(), c.address(), c.payable(), index, "pending",
                                prepared.transferTxIds().get(index), null)
                        : new Item(i, c.merchantId(), c.address(), c.payable(), null, "failed", null, why));
            }
            Signed signed = prepared.signed();
            TreasuryRepository.NewPayout row = new TreasuryRepository.NewPayout(batch, e.network(), asset,
                    e.treasury().address(), prepared.sequence(), signed == null ? null
                            : new TreasuryRepository.Version(0, signed.txId(), signed.bytes(), null), items, owner);
            return repository.create(row).chain(stored -> {
                if (!stored) {
                    // another run holds the network's one unfinished payout: this one is never sent
                    events.add(new Event(e.network(), "another run has an unfinished payout; " + batch + " dropped"));
                    return Uni.createFrom().item(false);
                }
                items.stream().filter(i -> "failed".equals(i.state())).forEach(i -> {
                    metrics.transfer(e.network(), "left_out");
                    LOG.warnf("payout %s on %s: transfer to %s (merchant %s) left out: %s", batch, e.network(),
                            i.address(), i.merchantId(), i.failureReason());
                });
                if (signed == null) {
                    events.add(new Event(e.network(), "payout " + batch + ": every transfer was left out"));
                    return Uni.createFrom().item(true);
                }
                events.add(new Event(e.network(), "payout " + batch + " signed (" + prepared.included().size()
                        + " transfer(s), " + signed.txId() + ")"));
                return repository.payout(batch).chain(p -> advance(e, p.orElseThrow(),
                        Instant.now().plus(config.confirmationTimeout()), false, events));
            });
        });
    }

    private static int indexOf(List<Transfer> included, int position) {
        for (int i = 0; i < included.size(); i++) {
            if (included.get(i).position() == position) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ unfinished payouts

    /**
     * Decides an unfinished payout from the chain, sending it (again) while it can still execute, until
     * {@code deadline}. True when it is finished (the network may pay again).
     */
    private Uni<Boolean> advance(Treasuries.Entry e, Payout p, Instant deadline, boolean sent, List<Event> events) {
        if ("held".equals(p.state())) {
            events.add(new Event(e.network(), "payout " + p.id() + " is held for an operator: " + p.reason()));
            return Uni.createFrom().item(false);
        }
        TreasuryChain.Unfinished u = unfinished(p);
        return e.chain().status(e.network(), u).chain(status -> switch (status) {
            case Executed x -> record(e, p, x, events).replaceWith(true);
            case TreasuryChain.NotExecuted n -> repository.fail(p.id(), n.evidence()).invoke(done -> {
                metrics.payout(e.network(), "not_executed");
                LOG.warnf("payout %s on %s was not executed (%s); its balances stay payable", p.id(), e.network(),
                        n.evidence());
                events.add(new Event(e.network(), "payout " + p.id() + " not executed: " + n.evidence()));
            }).replaceWith(true);
            case TreasuryChain.Undecidable h -> repository.hold(p.id(), h.evidence()).invoke(done -> {
                metrics.payout(e.network(), "held");
                LOG.errorf("payout %s on %s held for an operator: %s", p.id(), e.network(), h.evidence());
                events.add(new Event(e.network(), "payout " + p.id() + " held: " + h.evidence()));
            }).replaceWith(false);
            case TreasuryChain.Pending pending -> (sent ? Uni.createFrom().<Payout>item(p) : send(e, p, u, events))
                    .chain(current -> {
                        if (Instant.now().isAfter(deadline)) {
                            events.add(new Event(e.network(), "payout " + p.id() + " still pending ("
                                    + pending.evidence() + "); left for the next run"));
                            return Uni.createFrom().item(false);
                        }
                        return Uni.createFrom().voidItem().onItem().delayIt().by(config.pollInterval())
                                .chain(() -> repository.payout(p.id()))
                                .chain(reloaded -> advance(e, reloaded.orElseThrow(), deadline, true, events));
                    });
        });
    }

    /**
     * Sends the newest stored version (a node that has it or executed it answers "known"); a version
     * stuck too long is first replaced, stored, then sent. A node's refusal is logged: the payout stays
     * unfinished until the chain decides it.
     */
    private Uni<Payout> send(Treasuries.Entry e, Payout p, TreasuryChain.Unfinished u, List<Event> events) {
        List<Transfer> included = p.items().stream().filter(i -> i.chainIndex() != null)
                .sorted(java.util.Comparator.comparing(Item::chainIndex))
                .map(i -> new Transfer(i.position(), i.address(), i.amount())).toList();
        Uni<Signed> latest = "broadcast".equals(p.state())
                ? e.chain().replacement(e.network(), u, p.id(), included).chain(next -> {
                    if (next.isEmpty()) {
                        return Uni.createFrom().item(u.versions().get(u.versions().size() - 1));
                    }
                    int version = u.versions().size();
                    return repository.addVersion(p.id(), new TreasuryRepository.Version(version, next.get().txId(),
                            next.get().bytes(), null)).map(stored -> {
                                events.add(new Event(e.network(), "payout " + p.id() + " replaced by "
                                        + next.get().txId()));
                                return stored ? next.get() : u.versions().get(u.versions().size() - 1);
                            });
                })
                : Uni.createFrom().item(u.versions().get(u.versions().size() - 1));
        return latest.chain(version -> e.chain().send(e.network(), version)
                .onFailure().recoverWithItem(t -> Optional.of("no node could be reached: " + t.getMessage()))
                .chain(refused -> {
                    if (refused.isPresent()) {
                        LOG.warnf("payout %s on %s: %s not taken: %s", p.id(), e.network(), version.txId(),
                                refused.get());
                        return Uni.createFrom().item(p);
                    }
                    return repository.markBroadcast(p.id()).replaceWith(p);
                }));
    }

    private static TreasuryChain.Unfinished unfinished(Payout p) {
        List<Signed> versions = p.versions().stream().map(v -> new Signed(v.txId(), v.signed())).toList();
        int transfers = (int) p.items().stream().filter(i -> i.chainIndex() != null).count();
        OffsetDateTime lastSent = p.versions().isEmpty() ? p.createdAt()
                : p.versions().get(p.versions().size() - 1).createdAt();
        return new TreasuryChain.Unfinished(p.id(), p.asset(), p.sequence(), versions, transfers,
                lastSent == null ? null : lastSent.toInstant());
    }

    /** An executed payout: each transfer's outcome, its journal entry (paid transfers and the network fee). */
    private Uni<Void> record(Treasuries.Entry e, Payout p, Executed x, List<Event> events) {
        List<TreasuryRepository.Outcome> outcomes = new ArrayList<>();
        List<Posting> postings = new ArrayList<>();
        for (Item i : p.items()) {
            if (i.chainIndex() == null || !"pending".equals(i.state())) {
                continue;
            }
            boolean paid = x.paid().getOrDefault(i.chainIndex(), false);
            outcomes.add(new TreasuryRepository.Outcome(i.position(), paid,
                    paid ? null : x.failures().getOrDefault(i.chainIndex(), "not paid")));
            if (paid) {
                postings.addAll(TreasuryAccounts.paid(e.network(), p.treasury(), i.merchantId(), p.asset(), i.amount()));
            }
        }
        postings.addAll(TreasuryAccounts.networkFee(e.network(), e.treasury().signer(), e.treasury().feeAsset(),
                x.networkFee()));
        return repository.confirm(p.id(), x.txId(), x.networkFee(), e.treasury().feeAsset(), outcomes, postings)
                .invoke(done -> {
                    if (!done) {
                        return;
                    }
                    long ok = outcomes.stream().filter(TreasuryRepository.Outcome::paid).count();
                    metrics.payout(e.network(), "confirmed");
                    outcomes.forEach(o -> metrics.transfer(e.network(), o.paid() ? "paid" : "failed"));
                    LOG.infof("payout %s on %s executed in %s: %d of %d transfer(s) paid, network fee %s", p.id(),
                            e.network(), x.txId(), ok, outcomes.size(), x.networkFee());
                    outcomes.stream().filter(o -> !o.paid()).forEach(o -> LOG.warnf(
                            "payout %s on %s: transfer %d refused by the chain: %s", p.id(), e.network(), o.position(),
                            o.failure()));
                    events.add(new Event(e.network(), "payout " + p.id() + " executed in " + x.txId() + ": " + ok + "/"
                            + outcomes.size() + " paid"));
                }).replaceWithVoid();
    }
}
