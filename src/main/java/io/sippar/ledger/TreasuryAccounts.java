package io.sippar.ledger;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The ledger accounts of treasury mode (chart in V80__treasury.sql and the README) and the journal
 * lines of its business events. Positive = the account receives; each event's lines sum to zero per
 * asset.
 */
public final class TreasuryAccounts {

    /** Fees, in every mode. */
    public static final String FEE_REVENUE = "gateway:fee_revenue";
    /** Network fees the treasury pays for payouts, as the gateway's expense. */
    public static final String NETWORK_FEES = "gateway:network_fees";
    /** The counter-account of differences an operator books when clearing a treasury mismatch. */
    public static final String ADJUSTMENT = "gateway:treasury_adjustment";

    private TreasuryAccounts() {
    }

    /** A chain asset as postings name it: network, a colon, the asset in lower case. */
    public static String asset(String network, String asset) {
        return network + ":" + asset.toLowerCase(Locale.ROOT);
    }

    /** What the treasury holds on chain. */
    public static String custody(String network, String treasury) {
        return "treasury:" + network + ":" + treasury;
    }

    /** What the treasury owes (merchants' payables and the fee revenue it holds), as a negative balance. */
    public static String liability(String network, String treasury) {
        return "treasury_liability:" + network + ":" + treasury;
    }

    /** What the treasury owes a merchant. */
    public static String payable(UUID merchantId) {
        return "merchant_payable:" + merchantId;
    }

    /** What reached a merchant on chain. */
    public static String merchant(UUID merchantId) {
        return "merchant:" + merchantId;
    }

    /** The native coin a treasury key spends on fees. */
    public static String gas(String network, String signer) {
        return "treasury_gas:" + network + ":" + signer;
    }

    /**
     * A payment settled into the treasury: the payer pays the treasury the amount; the treasury owes
     * the merchant the amount less the fee and holds the fee as revenue.
     */
    public static List<Posting> settlement(String network, String treasury, String payer, UUID merchantId,
            String asset, BigInteger amount, BigInteger fee) {
        String a = asset(network, asset);
        List<Posting> lines = new ArrayList<>(List.of(
                new Posting("payer:" + network + ":" + payer.toLowerCase(Locale.ROOT), a, amount.negate()),
                new Posting(custody(network, treasury), a, amount),
                new Posting(liability(network, treasury), a, amount.negate())));
        if (amount.compareTo(fee) > 0) {
            lines.add(new Posting(payable(merchantId), a, amount.subtract(fee)));
        }
        if (fee.signum() > 0) {
            lines.add(new Posting(FEE_REVENUE, a, fee));
        }
        return lines;
    }

    /** A transfer of a payout that reached the merchant: out of the treasury, off its payable balance. */
    public static List<Posting> paid(String network, String treasury, UUID merchantId, String asset,
            BigInteger amount) {
        String a = asset(network, asset);
        return List.of(
                new Posting(custody(network, treasury), a, amount.negate()),
                new Posting(merchant(merchantId), a, amount),
                new Posting(payable(merchantId), a, amount.negate()),
                new Posting(liability(network, treasury), a, amount));
    }

    /** The network fee of a payout transaction, paid by the treasury key in the native coin. */
    public static List<Posting> networkFee(String network, String signer, String feeAsset, BigInteger fee) {
        if (fee.signum() == 0) {
            return List.of();
        }
        return List.of(new Posting(gas(network, signer), feeAsset, fee.negate()),
                new Posting(NETWORK_FEES, feeAsset, fee));
    }

    /** A difference between chain and ledger an operator accepted: the custody account moves to the chain's figure. */
    public static List<Posting> adjustment(String network, String treasury, String asset, BigInteger difference) {
        String a = asset(network, asset);
        return List.of(new Posting(custody(network, treasury), a, difference),
                new Posting(ADJUSTMENT, a, difference.negate()));
    }
}
