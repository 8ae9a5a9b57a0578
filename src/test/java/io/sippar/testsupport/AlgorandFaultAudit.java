package io.sippar.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The end check of every Algorand fault test, {@link FaultAudit}'s counterpart on the devnet: every
 * asset transfer of the asset to one of the merchants that the devnet committed from {@code fromRound}
 * on is one settled payment with that transaction as its TxID and transaction, that sender as payer,
 * that receiver and that amount, journaled once; every Algorand payment settled since {@code since} is
 * such a transfer; and the whole ledger balances. The devnet lists what it committed
 * ({@code GET /devnet/confirmed}); the list must be complete from {@code fromRound}.
 */
public final class AlgorandFaultAudit {

    private AlgorandFaultAudit() {
    }

    /**
     * Asserts the agreement; see the class comment.
     *
     * @return how many settlements were found on both sides
     */
    public static FaultAudit.Result assertChainAndLedgerAgree(AlgodQueries devnet, String network, long assetId,
            Set<String> merchants, long fromRound, Instant since, FaultAudit.Database db) {
        JsonNode confirmed = devnet.confirmedSince(fromRound);
        assertTrue(confirmed.path("complete").asBoolean(), "the devnet no longer lists every transaction since round "
                + fromRound);
        Map<String, String> onChain = new HashMap<>();
        for (JsonNode t : confirmed.path("transactions")) {
            if (t.path("type").asText().equals("axfer") && t.path("asset-id").asLong() == assetId
                    && merchants.contains(t.path("receiver").asText()) && t.path("amount").bigIntegerValue().signum() > 0) {
                String txId = t.path("txid").asText();
                onChain.put(txId, key(t.path("sender").asText(), t.path("receiver").asText(),
                        t.path("amount").bigIntegerValue().toString(), txId));
            }
        }
        return FaultAudit.assertLedgerMatches(onChain, FaultAudit.SettledRow::txHash,
                r -> key(r.payer(), r.payTo(), r.amount().toString(), r.chainRef()), network, since, db,
                "an asset transfer to the merchant committed");
    }

    /** Payer, payee, amount and the payment's TxID, which on Algorand is also its transaction. */
    private static String key(String payer, String payTo, String amount, String txId) {
        return payer + "/" + payTo + "/" + amount + "/" + txId;
    }
}
