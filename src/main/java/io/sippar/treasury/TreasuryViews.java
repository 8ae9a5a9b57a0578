package io.sippar.treasury;

import io.sippar.ledger.TreasuryRepository;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** JSON shapes of the treasury endpoints; amounts are decimal strings of atomic units. */
public final class TreasuryViews {

    private TreasuryViews() {
    }

    /** A merchant's settlement mode and the networks where treasury mode applies. */
    public record ModeView(String mode, List<String> treasuryNetworks) {
    }

    /** Body of a mode change. */
    public record ModeRequest(String mode) {
    }

    /** One asset's balance: owed, in a payout not finished yet, paid out so far, and when it is paid. */
    public record BalanceView(String network, String asset, String payable, String inPayout, String paidOut,
            String threshold) {
    }

    /** A merchant's settlement mode and balances. */
    public record BalancesView(String settlementMode, List<BalanceView> balances) {
    }

    /** A payout account: the address in effect, a pending change and when it takes effect, the threshold. */
    public record PayoutAccountView(String network, String address, String pendingAddress,
            OffsetDateTime pendingEffectiveAt, String threshold, boolean defaultThreshold, String warning) {
    }

    /** Body of a payout account change: a network and what to change (absent = unchanged). */
    public record PayoutAccountRequest(String network, String address, String threshold) {
    }

    /** Body naming a network. */
    public record NetworkRequest(String network) {
    }

    /** A merchant's transfer in a payout. */
    public record MerchantPayoutView(UUID payoutId, String network, String asset, String address, String amount,
            String state, String payoutState, String transaction, String failureReason, OffsetDateTime createdAt,
            OffsetDateTime finishedAt) {
        static MerchantPayoutView of(TreasuryRepository.MerchantPayout p) {
            return new MerchantPayoutView(p.payoutId(), p.network(), p.asset(), p.address(), p.amount().toString(),
                    p.state(), p.payoutState(), p.txId(), p.failureReason(), p.createdAt(), p.finishedAt());
        }
    }

    /** A transfer of a payout as the operator sees it. */
    public record ItemView(int position, UUID merchantId, String address, String amount, Integer chainIndex,
            String state, String transaction, String failureReason) {
    }

    /** A payout as the operator sees it. */
    public record PayoutView(UUID id, String network, String asset, String treasury, String state, long sequence,
            String transaction, String networkFee, String feeAsset, String reason, String createdBy,
            OffsetDateTime createdAt, OffsetDateTime broadcastAt, OffsetDateTime finishedAt, List<ItemView> items,
            List<String> versions) {
        static PayoutView of(TreasuryRepository.Payout p) {
            return new PayoutView(p.id(), p.network(), p.asset(), p.treasury(), p.state(), p.sequence(), p.txId(),
                    p.networkFee() == null ? null : p.networkFee().toString(), p.feeAsset(), p.reason(), p.createdBy(),
                    p.createdAt(), p.broadcastAt(), p.finishedAt(), p.items().stream().map(i -> new ItemView(i.position(),
                            i.merchantId(), i.address(), i.amount().toString(), i.chainIndex(), i.state(), i.txId(),
                            i.failureReason())).toList(),
                    p.versions().stream().map(TreasuryRepository.Version::txId).toList());
        }
    }

    /** One asset's last hygiene check. */
    public record CheckView(String asset, String status, String chainBalance, String ledgerBalance, String settling,
            String detail, OffsetDateTime checkedAt, OffsetDateTime mismatchSince, OffsetDateTime clearedAt,
            String clearedBy, String clearedNote) {
        static CheckView of(TreasuryRepository.Check c) {
            return new CheckView(c.asset(), c.status(), str(c.chainBalance()), str(c.ledgerBalance()), str(c.settling()),
                    c.detail(), c.checkedAt(), c.mismatchSince(), c.clearedAt(), c.clearedBy(), c.clearedNote());
        }
    }

    /** A treasury, its checks and its unfinished payout. */
    public record TreasuryView(String network, String address, String signer, String feeAsset, int maxTransfers,
            List<CheckView> checks, UUID unfinishedPayout) {
    }

    /**
     * Body of clearing a mismatch. With {@code adjust}, the difference found by the last check (which
     * {@code difference} must repeat, so a moving figure is never booked blind) is booked first.
     */
    public record ClearRequest(String network, String asset, String note, Boolean adjust, String difference) {
    }

    /** Body of an operator's decision on a held payout. */
    public record ResolveRequest(Boolean executed, String transaction, String networkFee, String note) {
    }

    /** What a payout run did. */
    public record RunView(boolean ran, List<String> events) {
    }

    /** A change of a payout address, for audit. */
    public record AddressEventView(String network, String action, String address, String actor, OffsetDateTime at) {
    }

    static String str(java.math.BigInteger b) {
        return b == null ? null : b.toString();
    }
}
