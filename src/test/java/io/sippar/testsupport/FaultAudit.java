package io.sippar.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;

/**
 * The end check of every fault test: the chain and the ledger agree exactly. Every
 * {@code AuthorizationUsed} of the token mined from the gateway's settler since {@code fromBlock} is
 * one settled payment with that payer, nonce and transaction, journaled once; every payment settled
 * since {@code since} is such an event; and the whole ledger balances. A batch transaction carries
 * several events, each one payment. The ledger half ({@link #assertLedgerMatches}) is shared with
 * {@link AlgorandFaultAudit}.
 */
public final class FaultAudit {

    private static final String AUTHORIZATION_USED = EventEncoder.encode(new Event("AuthorizationUsed",
            List.of(new TypeReference<Address>(true) { }, new TypeReference<Bytes32>(true) { })));

    /** How the database is reached: JDBC URL and credentials. */
    public record Database(String jdbcUrl, String user, String password) {
        /** The shared @QuarkusTest database. */
        public static Database ofTests() {
            Map<String, String> p = PostgresTestResource.database();
            return new Database(p.get("quarkus.datasource.jdbc.url"), p.get("quarkus.datasource.username"),
                    p.get("quarkus.datasource.password"));
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }
    }

    /** What agreed: settlements counted on both sides. */
    public record Result(int settlements) {
    }

    /** One settled payment as the ledger holds it. */
    public record SettledRow(String id, String payer, String payTo, BigInteger amount, String chainRef, String txHash) {
    }

    private FaultAudit() {
    }

    /**
     * Asserts the agreement on {@code network} for the token at {@code token}; see the class comment.
     *
     * @return how many settlements were found on both sides
     */
    public static Result assertChainAndLedgerAgree(String rpcUrl, String token, String settler, String network,
            BigInteger fromBlock, Instant since, Database db) {
        return assertChainAndLedgerAgree(rpcUrl, token, List.of(settler), network, fromBlock, since, db);
    }

    /** As above, for gateways settling from several keys (one per pod). */
    public static Result assertChainAndLedgerAgree(String rpcUrl, String token, List<String> settlers, String network,
            BigInteger fromBlock, Instant since, Database db) {
        Map<String, String> onChain = settlerEvents(rpcUrl, token, settlers, fromBlock);
        // keyed by authorization (payer/nonce): a batch transaction carries several
        return assertLedgerMatches(onChain,
                r -> r.payer().toLowerCase(Locale.ROOT) + "/" + r.chainRef().toLowerCase(Locale.ROOT),
                r -> r.txHash().toLowerCase(Locale.ROOT), network, since, db, "an AuthorizationUsed by the settler");
    }

    /**
     * The ledger half of an audit: the payments settled on {@code network} since {@code since}, each
     * journaled exactly once under its transaction, are exactly {@code onChain} (one entry per
     * settlement, as {@code keyOf} and {@code valueOf} read it from a row); and the whole ledger balances.
     *
     * @param what how a settlement on chain is described in failure messages
     */
    public static Result assertLedgerMatches(Map<String, String> onChain, Function<SettledRow, String> keyOf,
            Function<SettledRow, String> valueOf, String network, Instant since, Database db, String what) {
        Map<String, String> recorded = new HashMap<>();
        try (Connection c = db.connect()) {
            try (PreparedStatement st = c.prepareStatement("""
                    SELECT p.id, p.payer, p.pay_to, p.amount, p.chain_ref, p.tx_hash,
                           (SELECT count(*) FROM journal_entry e WHERE e.payment_id = p.id) AS entries,
                           (SELECT count(*) FROM journal_entry e WHERE e.payment_id = p.id AND e.tx_hash = p.tx_hash
                                AND e.kind = 'settlement') AS matching
                      FROM payment p WHERE p.network = ? AND p.state = 'settled' AND p.settled_at >= ?""")) {
                st.setString(1, network);
                st.setTimestamp(2, Timestamp.from(since));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        SettledRow row = new SettledRow(rs.getString("id"), rs.getString("payer"), rs.getString("pay_to"),
                                rs.getBigDecimal("amount").toBigIntegerExact(), rs.getString("chain_ref"),
                                rs.getString("tx_hash"));
                        assertEquals(1, rs.getLong("entries"), "payment " + row.id() + " journal entries");
                        assertEquals(1, rs.getLong("matching"), "payment " + row.id()
                                + " journal entry names its transaction");
                        String key = keyOf.apply(row);
                        String before = recorded.put(key, valueOf.apply(row));
                        assertEquals(null, before, key + " recorded as settled twice");
                    }
                }
            }
            // rows settled here whose transaction is older than the window (none expected) would show below
            for (Map.Entry<String, String> e : onChain.entrySet()) {
                assertEquals(e.getValue(), recorded.get(e.getKey()), "on-chain settlement " + e.getKey()
                        + " (" + e.getValue() + ") must be recorded once as settled");
            }
            for (Map.Entry<String, String> e : recorded.entrySet()) {
                assertEquals(e.getValue(), onChain.get(e.getKey()), "settled payment " + e.getKey() + " ("
                        + e.getValue() + ") must be " + what + " on chain");
            }
            try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM ledger_unbalanced_entries");
                    ResultSet rs = st.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getLong(1), "unbalanced journal entries");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger query failed", e);
        }
        return new Result(onChain.size());
    }

    /** "payer/nonce" to tx hash of every AuthorizationUsed in a transaction sent by one of {@code settlers}. */
    private static Map<String, String> settlerEvents(String rpcUrl, String token, List<String> settlers,
            BigInteger fromBlock) {
        Web3j web3j = Web3j.build(new HttpService(rpcUrl));
        try {
            if (web3j.ethBlockNumber().send().getBlockNumber().compareTo(fromBlock) < 0) {
                return Map.of();
            }
            EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(fromBlock), DefaultBlockParameterName.LATEST,
                    token);
            filter.addSingleTopic(AUTHORIZATION_USED);
            EthLog logs = web3j.ethGetLogs(filter).send();
            assertTrue(!logs.hasError(), () -> "eth_getLogs: " + logs.getError().getMessage());
            Map<String, String> out = new HashMap<>();
            Map<String, String> senders = new HashMap<>();
            for (EthLog.LogResult<?> r : logs.getLogs()) {
                Log l = (Log) r.get();
                String tx = l.getTransactionHash().toLowerCase(Locale.ROOT);
                String from = senders.get(tx);
                if (from == null) {
                    from = web3j.ethGetTransactionByHash(tx).send().getTransaction().orElseThrow().getFrom();
                    senders.put(tx, from);
                }
                if (settlers.stream().noneMatch(from::equalsIgnoreCase)) {
                    continue;
                }
                String payer = "0x" + l.getTopics().get(1).substring(26);
                String before = out.put(payer.toLowerCase(Locale.ROOT) + "/" + l.getTopics().get(2).toLowerCase(Locale.ROOT), tx);
                assertEquals(null, before, "one authorization used twice on chain: " + tx);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            web3j.shutdown();
        }
    }
}
