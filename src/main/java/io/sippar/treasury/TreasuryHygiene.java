package io.sippar.treasury;

import io.sippar.ledger.TreasuryAccounts;
import io.sippar.ledger.TreasuryRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import org.jboss.logging.Logger;

/**
 * The treasury's on-chain balance of an asset against the ledger's custody account (what it received
 * less what it paid out and any adjustment an operator booked). Settlements race the comparison, so
 * the ledger is read before and after the chain: everything recorded before the chain read was on
 * chain by then, and whatever the chain shows was either recorded by the second read or still
 * {@code settling} there. A balance outside {@code [ledger before, ledger after + settling]} is a
 * mismatch: logged, counted in {@code sippar_treasury_mismatch{network,asset}}, and payouts of that
 * asset stop until an operator clears it. Only run while the network has no unfinished payout.
 */
@ApplicationScoped
public class TreasuryHygiene {

    private static final Logger LOG = Logger.getLogger(TreasuryHygiene.class);

    private final TreasuryRepository repository;
    private final TreasuryMetrics metrics;

    public TreasuryHygiene(TreasuryRepository repository, TreasuryMetrics metrics) {
        this.repository = repository;
        this.metrics = metrics;
    }

    /** Compares and records; the result says whether payouts of the asset may go on. */
    public Uni<TreasuryRepository.Check> check(Treasuries.Entry e, String postingAsset) {
        String network = e.network();
        String treasury = e.treasury().address();
        String custody = TreasuryAccounts.custody(network, treasury);
        String asset = postingAsset.substring(network.length() + 1);
        return repository.check(network, postingAsset).chain(before -> repository.accountBalance(custody, postingAsset)
                .chain(ledgerBefore -> e.chain().balance(network, asset)
                        .chain(chain -> repository.accountBalance(custody, postingAsset)
                                .chain(ledgerAfter -> repository.settlingInto(network, treasury, asset)
                                        .chain(settling -> {
                                            boolean matches = chain.compareTo(ledgerBefore) >= 0
                                                    && chain.compareTo(ledgerAfter.add(settling)) <= 0;
                                            String detail = detail(chain, ledgerBefore, ledgerAfter, settling);
                                            return repository.recordCheck(network, postingAsset, matches, chain,
                                                    ledgerAfter, settling, detail);
                                        }))))
                .invoke(check -> {
                    metrics.mismatch(network, postingAsset, check.mismatch());
                    boolean wasMismatch = before.map(TreasuryRepository.Check::mismatch).orElse(false);
                    if (check.mismatch() && !wasMismatch) {
                        LOG.errorf("treasury mismatch on %s for %s: %s; payouts of it stop until an operator clears it"
                                + " (POST /admin/treasury/clear)", network, postingAsset, check.detail());
                    } else if (check.mismatch()) {
                        LOG.warnf("treasury of %s still mismatched for %s (since %s): %s", network, postingAsset,
                                check.mismatchSince(), detail(check.chainBalance(), check.ledgerBalance(),
                                        check.ledgerBalance(), check.settling()));
                    }
                }));
    }

    private static String detail(BigInteger chain, BigInteger ledgerBefore, BigInteger ledgerAfter, BigInteger settling) {
        BigInteger difference = chain.subtract(ledgerAfter);
        if (chain.compareTo(ledgerBefore) >= 0 && chain.compareTo(ledgerAfter.add(settling)) <= 0) {
            return "chain " + chain + ", ledger " + ledgerAfter + (settling.signum() > 0 ? " (+" + settling
                    + " settling)" : "");
        }
        return "the chain holds " + chain + ", the ledger says " + ledgerAfter + " (" + settling + " settling): "
                + (difference.signum() > 0 ? difference + " more on chain than recorded"
                        : difference.negate() + " missing on chain");
    }
}
