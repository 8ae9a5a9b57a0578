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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * What the chain and the ledger say after gateway processes ran against one anvil and one database:
 * the token's {@code AuthorizationUsed} events and transactions on one side, payment rows, journal
 * entries and key leases (over JDBC) on the other.
 */
public final class PodAudit implements AutoCloseable {

    private static final String AUTHORIZATION_USED = EventEncoder.encode(new Event("AuthorizationUsed",
            List.of(new TypeReference<Address>(true) { }, new TypeReference<Bytes32>(true) { })));

    private final AnvilFixture anvil;
    private final Web3j web3j;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    public PodAudit(AnvilFixture anvil, String jdbcUrl, String user, String password) {
        this.anvil = anvil;
        this.web3j = Web3j.build(new HttpService(anvil.rpcUrl()));
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    // ------------------------------------------------------------------ chain

    /** Transactions that used {@code payer}'s authorization {@code nonce}. */
    public List<String> transfersOf(String payer, String nonce) {
        List<String> out = new ArrayList<>();
        for (Log l : authorizationsUsed()) {
            if (topicAddress(l).equalsIgnoreCase(payer) && l.getTopics().get(2).equalsIgnoreCase(nonce)) {
                out.add(l.getTransactionHash());
            }
        }
        return out;
    }

    /** The token's {@code authorizationState(payer, nonce)}: true once used (or canceled). */
    public boolean authorizationUsed(String payer, String nonce) {
        Function f = new Function("authorizationState", List.of(new Address(payer),
                new Bytes32(Numeric.hexStringToByteArray(nonce))), List.of());
        String out = send(web3j.ethCall(Transaction.createEthCallTransaction(null, anvil.token().address(),
                FunctionEncoder.encode(f)), DefaultBlockParameterName.LATEST)).getValue();
        return new BigInteger(Numeric.cleanHexPrefix(out), 16).signum() != 0;
    }

    /** Who sent a transaction. */
    public String sender(String tx) {
        return send(web3j.ethGetTransactionByHash(tx)).getTransaction().orElseThrow().getFrom();
    }

    /** A transaction's nonce. */
    public long transactionNonce(String tx) {
        return send(web3j.ethGetTransactionByHash(tx)).getTransaction().orElseThrow().getNonce().longValueExact();
    }

    /** The latest block number. */
    public BigInteger blockNumber() {
        return send(web3j.ethBlockNumber()).getBlockNumber();
    }

    /** The next nonce of {@code address}, counting the mempool. */
    public long pendingNonce(String address) {
        return send(web3j.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING)).getTransactionCount()
                .longValueExact();
    }

    private static <T extends org.web3j.protocol.core.Response<?>> T send(org.web3j.protocol.core.Request<?, T> r) {
        try {
            return r.send();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Log> authorizationsUsed() {
        EthFilter filter = new EthFilter(DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST,
                anvil.token().address());
        filter.addSingleTopic(AUTHORIZATION_USED);
        EthLog logs = send(web3j.ethGetLogs(filter));
        assertTrue(!logs.hasError(), () -> "eth_getLogs: " + logs.getError().getMessage());
        List<Log> out = new ArrayList<>();
        logs.getLogs().forEach(r -> out.add((Log) r.get()));
        return out;
    }

    private static String topicAddress(Log l) {
        return "0x" + l.getTopics().get(1).substring(26);
    }

    // ------------------------------------------------------------------ ledger

    /** Journal entries of the payment with this EIP-3009 nonce. */
    public long journalEntries(String nonce) {
        return queryLong("SELECT count(*) FROM journal_entry e JOIN payment p ON p.id = e.payment_id "
                + "WHERE lower(p.chain_ref) = lower(?)", nonce);
    }

    /** The state of the payment with this nonce, or null when none was reserved. */
    public String paymentState(String nonce) {
        return queryString("SELECT state FROM payment WHERE lower(chain_ref) = lower(?)", nonce);
    }

    /** The state of the payment with this id, or null. */
    public String paymentById(String id) {
        return queryString("SELECT state FROM payment WHERE id = ?::uuid", id);
    }

    /** Signer address to holder of every live lease on {@code network}. */
    public Map<String, String> leaseHolders(String network) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement("""
                SELECT signer_address, holder FROM settlement_key_lease
                 WHERE network = ? AND holder IS NOT NULL AND expires_at > now() ORDER BY signer_address""")) {
            st.setString(1, network);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Waits (bounded) until no payment is left in settling, e.g. for the reconciler to finish some. */
    public void awaitNoneSettling(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long settling;
        do {
            settling = queryLong("SELECT count(*) FROM payment WHERE state = 'settling'");
            if (settling == 0) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        assertEquals(0, settling, "payments left in settling");
    }

    private long queryLong(String sql, String... args) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String queryString(String sql, String arg) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, arg);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
