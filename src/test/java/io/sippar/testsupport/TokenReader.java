package io.sippar.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;

/** Reads token balances and receipts from a test chain, to check what a payment really moved. */
public final class TokenReader implements AutoCloseable {

    private final Web3j web3j;

    public TokenReader(AnvilFixture anvil) {
        this.web3j = Web3j.build(new HttpService(anvil.rpcUrl()));
    }

    /** The fixture token's balanceOf(holder). */
    public BigInteger balance(String holder) {
        String data = FunctionEncoder.encode(new Function("balanceOf", List.of(new Address(holder)), List.of()));
        try {
            String hex = web3j.ethCall(Transaction.createEthCallTransaction(null, AnvilFixture.TOKEN_ADDRESS, data),
                    DefaultBlockParameterName.LATEST).send().getValue();
            return new BigInteger(hex.substring(2), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a plain ERC-20 transfer of the fixture token from {@code privateKey}; returns the tx hash. */
    public String transfer(String privateKey, String to, BigInteger amount) {
        return send(privateKey, AnvilFixture.TOKEN_ADDRESS, FunctionEncoder.encode(new Function("transfer",
                List.of(new Address(to), new org.web3j.abi.datatypes.generated.Uint256(amount)), List.of())));
    }

    /** The token owner mints {@code amount} to {@code to}; returns the tx hash. */
    public String mint(String ownerKey, String to, BigInteger amount) {
        return send(ownerKey, AnvilFixture.TOKEN_ADDRESS, FunctionEncoder.encode(new Function("mint",
                List.of(new Address(to), new org.web3j.abi.datatypes.generated.Uint256(amount)), List.of())));
    }

    /** The token owner blacklists {@code account} (FiatToken's Blacklistable): transfers from or to it revert. */
    public String blacklist(String ownerKey, String account, boolean on) {
        return send(ownerKey, AnvilFixture.TOKEN_ADDRESS, FunctionEncoder.encode(new Function(
                on ? "blacklist" : "unBlacklist", List.of(new Address(account)), List.of())));
    }

    /** Sends {@code data} to {@code to} from {@code privateKey} and waits (up to 10 s) for it to be mined. */
    public String send(String privateKey, String to, String data) {
        org.web3j.crypto.Credentials from = org.web3j.crypto.Credentials.create(privateKey);
        try {
            org.web3j.tx.RawTransactionManager manager = new org.web3j.tx.RawTransactionManager(web3j, from,
                    web3j.ethChainId().send().getChainId().longValue());
            String hash = manager.sendTransaction(BigInteger.valueOf(50_000_000_000L), BigInteger.valueOf(200_000),
                    to, data, BigInteger.ZERO).getTransactionHash();
            for (int i = 0; i < 100 && receipt(hash) == null; i++) {
                Thread.sleep(100);
            }
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The native coin (wei) an address holds. */
    public BigInteger nativeBalance(String address) {
        try {
            return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many transactions {@code address} has had mined (its next nonce). */
    public long nonce(String address) {
        try {
            return web3j.ethGetTransactionCount(address, DefaultBlockParameterName.LATEST).send().getTransactionCount()
                    .longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mined receipt of a transaction, or null. */
    public TransactionReceipt receipt(String txHash) {
        try {
            return web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
