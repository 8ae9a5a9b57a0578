package io.sippar.gateway;

import io.quarkus.runtime.StartupEvent;
import io.sippar.fees.Fee;
import io.sippar.fees.FeeCalculator;
import io.sippar.fees.FeeOutcome;
import io.sippar.fees.FeeRequest;
import io.sippar.fees.FeeSchedule;
import io.sippar.fees.FeeScheduleJson;
import io.sippar.fees.FeeScheduleLoader;
import io.sippar.fees.FeeSchedules;
import io.sippar.ledger.ChangeNotifications;
import io.sippar.ledger.FeeScheduleRepository;
import io.sippar.ledger.SettlementTerms;
import io.sippar.pricing.Asset;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The fee schedule versions kept in Postgres, applied to settled payments. At start the configured
 * file (or the seeds' default) is imported as versions if absent; afterwards versions are added
 * through the admin API and reach every pod by LISTEN/NOTIFY and a periodic reload. The copy held
 * here is a cache: which version prices a settlement is decided in the settlement's transaction
 * ({@link SettlementTerms#feeScheduleVersion()}), and a version missing from the copy is loaded first.
 */
@ApplicationScoped
public class FeeBook {

    private static final Logger LOG = Logger.getLogger(FeeBook.class);
    private static final Duration STARTUP_DB_TIMEOUT = Duration.ofSeconds(30);
    /** The channel the fee_schedule table's trigger notifies. */
    static final String CHANNEL = "sippar_fee_schedules";

    /** Where the fee schedule comes from. */
    @ConfigMapping(prefix = "sippar.fees")
    public interface FeesConfig {
        /** A schedule file in the format of fees/FEES.md, imported at start; absent = the built-in default schedule. */
        Optional<Path> scheduleFile();

        /** How far after the database's clock a version added or withdrawn through the API must take effect; default 5s. */
        @WithDefault("5s")
        Duration minLeadTime();
    }

    /** The versions this pod holds and the calculator over them. */
    private record Snapshot(long generation, FeeSchedules schedules, FeeCalculator calculator, Set<String> versions) {
        static Snapshot of(long generation, FeeSchedules schedules) {
            return new Snapshot(generation, schedules, new FeeCalculator(schedules),
                    schedules.versions().stream().map(FeeSchedule::version).collect(Collectors.toUnmodifiableSet()));
        }
    }

    private final FeesConfig config;
    private final FeeScheduleRepository repository;
    private final ChangeNotifications notifications;
    private final AtomicLong generations = new AtomicLong();
    private volatile Snapshot snapshot;

    public FeeBook(FeesConfig config, FeeScheduleRepository repository, ChangeNotifications notifications) {
        this.config = config;
        this.repository = repository;
        this.notifications = notifications;
        // the configured versions until the database answers: a bad file fails the start here
        this.snapshot = Snapshot.of(0, configured());
    }

    private FeeSchedules configured() {
        return config.scheduleFile().map(FeeScheduleLoader::load).orElseGet(FeeScheduleLoader::loadDefault);
    }

    void onStart(@Observes StartupEvent event) {
        importConfigured().await().atMost(STARTUP_DB_TIMEOUT);
        reload().await().atMost(STARTUP_DB_TIMEOUT);
        notifications.register(CHANNEL, "fee schedules", this::reload);
    }

    /**
     * Writes the configured versions that the database does not hold yet. A stored version is never
     * replaced (versions are immutable); a configured one that differs from it is reported.
     */
    private Uni<Void> importConfigured() {
        String source = "configuration:" + config.scheduleFile().map(Path::toString)
                .orElse("classpath:" + FeeScheduleLoader.DEFAULT_RESOURCE);
        Uni<Void> all = Uni.createFrom().voidItem();
        for (FeeSchedule version : snapshot.schedules().versions()) {
            String document = FeeScheduleJson.write(FeeSchedules.of(version));
            all = all.call(() -> repository.addIfAbsent(version.version(), version.effectiveFrom(), document, source)
                    .onFailure().transform(e -> new IllegalStateException("cannot import fee schedule version "
                            + version.version() + " from " + source + ": " + e.getMessage(), e))
                    .call(added -> added ? Uni.createFrom().voidItem() : compareStored(version, document)));
        }
        return all;
    }

    private Uni<Void> compareStored(FeeSchedule version, String document) {
        return repository.find(version.version()).invoke(stored -> {
            if (stored.isEmpty()) {
                throw new IllegalStateException("configured fee schedule version " + version.version()
                        + " takes effect at " + version.effectiveFrom()
                        + ", when another stored version already does; give it another effectiveFrom");
            }
            if (!stored.get().document().equals(document)) {
                LOG.warnf("configured fee schedule version %s differs from the stored one, which stays in use "
                        + "(versions are immutable: publish a new version to change fees)", version.version());
            }
        }).replaceWithVoid();
    }

    /** Loads every stored version; the copy is replaced only by a load that started later than it. */
    public Uni<FeeSchedules> reload() {
        long generation = generations.incrementAndGet();
        return repository.all().map(rows -> {
            List<FeeSchedule> versions = new ArrayList<>();
            for (FeeScheduleRepository.ScheduleRow row : rows) {
                versions.addAll(FeeScheduleJson.parse(row.document(), "fee_schedule " + row.version()).versions());
            }
            if (versions.isEmpty()) {
                throw new IllegalStateException("the database holds no fee schedule version");
            }
            Snapshot next = Snapshot.of(generation, new FeeSchedules(versions));
            install(next);
            return snapshot.schedules();
        });
    }

    private synchronized void install(Snapshot next) {
        if (next.generation() > snapshot.generation()) {
            if (!next.versions().equals(snapshot.versions())) {
                LOG.infof("fee schedule versions: %s", next.schedules().versions().stream()
                        .map(v -> v.version() + " from " + v.effectiveFrom()).toList());
            }
            snapshot = next;
        }
    }

    /** Every version this pod holds, oldest first. */
    public FeeSchedules schedules() {
        return snapshot.schedules();
    }

    /** How far ahead a version added or withdrawn through the API must take effect. */
    public Duration minLeadTime() {
        return config.minLeadTime();
    }

    /**
     * The fee on a payment settled under {@code terms}, by the version the database held in force at
     * that instant. The chain has already moved the money, so a fee that can't be computed (e.g. no
     * USD rate for a non-stable asset) is recorded as zero with the reason, never blocks the
     * settlement, and is logged for the operator.
     */
    public Uni<Fee> price(SettlementTerms terms, Optional<Asset> asset, BigInteger amount, String network) {
        if (asset.isEmpty()) {
            return Uni.createFrom().item(notComputed("asset not in the asset table"));
        }
        if (terms.feeScheduleVersion() == null) {
            LOG.warnf("no fee schedule in force at %s: payment on %s charged nothing", terms.settledAt(), network);
            return Uni.createFrom().item(notComputed("no fee schedule in force at " + terms.settledAt()));
        }
        Snapshot held = snapshot;
        Uni<Snapshot> current = held.versions().contains(terms.feeScheduleVersion()) ? Uni.createFrom().item(held)
                : reload().map(s -> snapshot).onFailure().recoverWithItem(failure -> {
                    // recording must not wait on a reload: the held versions price it, and the log says so
                    LOG.warnf("cannot load fee schedule %s (%s); pricing with the versions held",
                            terms.feeScheduleVersion(), failure.toString());
                    return held;
                });
        return current.map(s -> charge(s, terms, asset.get(), amount, network));
    }

    private static Fee charge(Snapshot s, SettlementTerms terms, Asset asset, BigInteger amount, String network) {
        FeeRequest base = asset.usdStable() ? FeeRequest.stablecoin(amount, asset.decimals(), terms.settledAt())
                : FeeRequest.priced(amount, asset.decimals(), null, terms.settledAt());
        base = base.plan(terms.plan());
        if (terms.agentPricing()) {
            base = base.agent(terms.agentTransactionsBefore());
        }
        FeeRequest request = terms.crossChain(network) ? base.crossChain(terms.crossChainTier()) : base;
        FeeOutcome outcome = s.calculator().calculate(request);
        if (outcome instanceof FeeOutcome.Refused r && r.reason() == FeeOutcome.Reason.UNKNOWN_CROSS_CHAIN_TIER) {
            // the base fee is still owed; only the surcharge the schedule can't price is dropped
            LOG.warnf("merchant %s: %s; charged without the cross-chain fee", terms.merchantId(), r.detail());
            outcome = s.calculator().calculate(base);
            if (outcome instanceof Fee f) {
                outcome = new Fee(f.atomic(), f.usd(), f.band(), f.scheduleVersion(),
                        f.rule() + "; cross-chain tier " + terms.crossChainTier() + " not in this version: not charged");
            }
        }
        if (outcome instanceof Fee fee) {
            if (!fee.scheduleVersion().equals(terms.feeScheduleVersion())) {
                LOG.warnf("fee priced by %s while the database holds %s in force at %s", fee.scheduleVersion(),
                        terms.feeScheduleVersion(), terms.settledAt());
            }
            return fee;
        }
        LOG.warnf("no fee computed for %s on %s: %s", amount, network, outcome);
        return notComputed(outcome.toString());
    }

    private static Fee notComputed(String why) {
        return new Fee(BigInteger.ZERO, BigDecimal.ZERO, "none", "none", "not computed: " + why);
    }

    /** What became of a version offered through the admin API. */
    public sealed interface Offer {
    }

    /** Stored (and loaded on this pod). */
    public record Accepted(FeeScheduleRepository.ScheduleRow row) implements Offer {
    }

    /** Refused; {@code conflict} tells a clash with stored state (409) from a bad request (400). */
    public record Refused(boolean conflict, String message) implements Offer {
    }

    /**
     * Validates a one-version document with the schedule loader (path-precise messages) and stores it
     * when it takes effect far enough ahead, its id and instant are free, and it prices every
     * cross-chain tier merchants are on.
     *
     * @throws io.sippar.fees.InvalidFeeScheduleException when the document is not a valid schedule
     */
    public Uni<Offer> offer(String json, String createdBy) {
        FeeSchedules parsed = FeeScheduleJson.parse(json, "request");
        if (parsed.versions().size() != 1) {
            return Uni.createFrom().item(new Refused(false, "request: $.versions: exactly one version per request, got "
                    + parsed.versions().size()));
        }
        FeeSchedule version = parsed.versions().get(0);
        return repository.crossChainTiersInUse().chain(tiers -> {
            List<String> missing = tiers.stream().filter(t -> !version.crossChainPercent().containsKey(t)).toList();
            if (!missing.isEmpty()) {
                return Uni.createFrom().item((Offer) new Refused(true, "request: $.versions[0].crossChainPercent: "
                        + "merchants are on cross-chain tier(s) " + missing + " that this version does not price"));
            }
            return repository.addFuture(version.version(), version.effectiveFrom(),
                    FeeScheduleJson.write(FeeSchedules.of(version)), createdBy, config.minLeadTime())
                    .chain(added -> switch (added) {
                        case FeeScheduleRepository.Stored s -> reload().replaceWith((Offer) new Accepted(s.row()));
                        case FeeScheduleRepository.TooEarly t -> Uni.createFrom().item((Offer) new Refused(false,
                                "request: $.versions[0].effectiveFrom: " + version.effectiveFrom()
                                        + " is too soon: a version must take effect at least " + config.minLeadTime()
                                        + " after now (the database clock says " + t.databaseNow() + ")"));
                        case FeeScheduleRepository.VersionTaken v -> Uni.createFrom().item((Offer) new Refused(true,
                                "request: $.versions[0].version: version " + version.version() + " exists"));
                        case FeeScheduleRepository.EffectiveFromTaken e -> Uni.createFrom().item((Offer) new Refused(
                                true, "request: $.versions[0].effectiveFrom: another version takes effect at "
                                        + version.effectiveFrom()));
                        case FeeScheduleRepository.WouldReprice w -> Uni.createFrom().item(
                                (Offer) new Refused(true, w.message()));
                    });
        });
    }

    /** Withdraws a version that has not taken effect (and is not about to). */
    public Uni<FeeScheduleRepository.Deleted> withdraw(String version) {
        return repository.deleteFuture(version, config.minLeadTime())
                .call(d -> d == FeeScheduleRepository.Deleted.DELETED ? reload() : Uni.createFrom().voidItem());
    }

    /**
     * Whether {@code tier} is priced by the version in force at {@code now} and by every later one:
     * a merchant may only be put on a tier the schedule can charge.
     */
    public Optional<String> unpricedTier(String tier, Instant now) {
        FeeSchedules all = snapshot.schedules();
        Optional<FeeSchedule> inForce = all.inForceAt(now);
        for (FeeSchedule v : all.versions()) {
            boolean relevant = v.effectiveFrom().isAfter(now) || inForce.map(f -> f == v).orElse(false);
            if (relevant && !v.crossChainPercent().containsKey(tier)) {
                return Optional.of("cross-chain tier '" + tier + "' is not priced by fee schedule version "
                        + v.version() + " (tiers: " + v.crossChainPercent().keySet().stream().sorted().toList() + ")");
            }
        }
        return Optional.empty();
    }
}
