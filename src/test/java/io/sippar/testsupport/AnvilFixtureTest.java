package io.sippar.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.crypto.StructuredDataEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The EVM devnet fixture end to end: startup, token, an x402-style EIP-3009 settlement, shutdown. */
class AnvilFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger GAS_LIMIT = BigInteger.valueOf(200_000);

    @Test
    void automineFixtureSettlesTransferWithAuthorization() throws Exception {
        long launcherPid;
        long anvilPid;
        String rpcUrl;
        long started = System.nanoTime();
        try (AnvilFixture anvil = AnvilFixture.builder().start()) {
            System.out.printf("anvil fixture ready in %d ms at %s%n", (System.nanoTime() - started) / 1_000_000, anvil.rpcUrl());
            launcherPid = anvil.pid();
            anvilPid = anvil.anvilPid();
            rpcUrl = anvil.rpcUrl();
            Web3j web3j = Web3j.build(new HttpService(anvil.rpcUrl()));
            try {
                String token = anvil.token().address();
                assertEquals(31337L, web3j.ethChainId().send().getChainId().longValue());
                assertEquals(31337L, anvil.chainId());
                assertEquals("eip155:31337", anvil.network());
                assertEquals(AnvilFixture.TOKEN_ADDRESS, token);
                assertEquals("USD Coin", call(web3j, token, "name", List.of(), new TypeReference<Utf8String>() { }).getValue());
                assertEquals("2", call(web3j, token, "version", List.of(), new TypeReference<Utf8String>() { }).getValue());
                assertEquals(BigInteger.valueOf(6), call(web3j, token, "decimals", List.of(), new TypeReference<Uint8>() { }).getValue());

                AnvilFixture.Account payer = anvil.payer();
                AnvilFixture.Account merchant = anvil.merchant();
                AnvilFixture.Account settler = anvil.settler();
                assertEquals(1, payer.index());
                assertEquals(9, settler.index());
                assertEquals(AnvilFixture.MINTED_PER_ACCOUNT, balanceOf(web3j, token, payer.address()));
                assertEquals(AnvilFixture.MINTED_PER_ACCOUNT, balanceOf(web3j, token, anvil.erc1271Wallet()));

                // Authorization as the x402 client builds it: validAfter = now - 600, random nonce.
                long now = System.currentTimeMillis() / 1000;
                BigInteger value = BigInteger.valueOf(12_345);
                BigInteger validAfter = BigInteger.valueOf(now - 600);
                BigInteger validBefore = BigInteger.valueOf(now + 300);
                byte[] nonce = new byte[32];
                new SecureRandom().nextBytes(nonce);

                StructuredDataEncoder typedData = new StructuredDataEncoder(transferWithAuthorizationJson(
                        anvil.chainId(), token, payer.address(), merchant.address(), value, validAfter, validBefore, nonce));
                // web3j's domain hash must be exactly what the contract uses.
                assertArrayEquals(typedData.hashDomain(),
                        call(web3j, token, "DOMAIN_SEPARATOR", List.of(), new TypeReference<Bytes32>() { }).getValue());
                Sign.SignatureData sig = Sign.signMessage(typedData.hashStructuredData(),
                        Credentials.create(payer.privateKey()).getEcKeyPair(), false);

                String calldata = FunctionEncoder.encode(new Function("transferWithAuthorization", List.of(
                        new Address(payer.address()), new Address(merchant.address()), new Uint256(value),
                        new Uint256(validAfter), new Uint256(validBefore), new Bytes32(nonce),
                        new Uint8(Byte.toUnsignedInt(sig.getV()[0])), new Bytes32(sig.getR()), new Bytes32(sig.getS())),
                        List.of()));

                BigInteger payerBefore = balanceOf(web3j, token, payer.address());
                BigInteger merchantBefore = balanceOf(web3j, token, merchant.address());
                assertFalse(authorizationState(web3j, token, payer.address(), nonce));

                TransactionReceipt receipt = sendFrom(web3j, anvil, settler, token, calldata);
                assertTrue(receipt.isStatusOK(), () -> "settlement failed: " + receipt + "\n" + anvil.recentOutput());
                assertEquals(payerBefore.subtract(value), balanceOf(web3j, token, payer.address()));
                assertEquals(merchantBefore.add(value), balanceOf(web3j, token, merchant.address()));
                assertTrue(authorizationState(web3j, token, payer.address(), nonce));

                // Replay: refused in simulation with FiatToken's reason, and reverted if mined anyway.
                EthCall replayCall = web3j.ethCall(
                        Transaction.createEthCallTransaction(settler.address(), token, calldata),
                        DefaultBlockParameterName.LATEST).send();
                assertTrue(replayCall.isReverted(), "replay should revert");
                assertEquals("FiatTokenV2: authorization is used or canceled", revertString(replayCall));
                TransactionReceipt replay = sendFrom(web3j, anvil, settler, token, calldata);
                assertFalse(replay.isStatusOK(), "replayed settlement must revert on chain");
                assertEquals(payerBefore.subtract(value), balanceOf(web3j, token, payer.address()));
                assertEquals(merchantBefore.add(value), balanceOf(web3j, token, merchant.address()));
            } finally {
                web3j.shutdown();
            }
        }

        // close() leaves neither the launcher nor anvil behind, and the port stops answering.
        assertFalse(ProcessHandle.of(launcherPid).map(ProcessHandle::isAlive).orElse(false), "launcher still running");
        assertFalse(ProcessHandle.of(anvilPid).map(ProcessHandle::isAlive).orElse(false), "anvil still running");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        assertThrows(IOException.class, () -> http.send(
                HttpRequest.newBuilder(URI.create(rpcUrl))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}"))
                        .header("content-type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void intervalMiningFixtureStartsAndMines() throws Exception {
        try (AnvilFixture anvil = AnvilFixture.builder().chainId(84532).blockTime(1).start()) {
            Web3j web3j = Web3j.build(new HttpService(anvil.rpcUrl()));
            try {
                assertEquals(84532L, web3j.ethChainId().send().getChainId().longValue());
                assertEquals(1, anvil.blockTime());
                // Same deployer, same nonce: the token address does not depend on the chain id.
                assertEquals(AnvilFixture.TOKEN_ADDRESS, anvil.token().address());
                assertEquals(AnvilFixture.MINTED_PER_ACCOUNT, balanceOf(web3j, anvil.token().address(), anvil.account(4).address()));

                // Blocks keep coming without transactions.
                BigInteger first = web3j.ethBlockNumber().send().getBlockNumber();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                BigInteger latest = first;
                while (latest.compareTo(first) <= 0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    latest = web3j.ethBlockNumber().send().getBlockNumber();
                }
                assertTrue(latest.compareTo(first) > 0, "no new block within 10 s at block time 1");

                // A transaction waits for the next block and is then mined.
                String transfer = FunctionEncoder.encode(new Function("transfer",
                        List.of(new Address(anvil.merchant().address()), new Uint256(1)), List.of()));
                TransactionReceipt receipt = sendFrom(web3j, anvil, anvil.account(4), anvil.token().address(), transfer);
                assertTrue(receipt.isStatusOK(), () -> "transfer failed: " + receipt);
                assertEquals(AnvilFixture.MINTED_PER_ACCOUNT.subtract(BigInteger.ONE),
                        balanceOf(web3j, anvil.token().address(), anvil.account(4).address()));
            } finally {
                web3j.shutdown();
            }
        }
    }

    @Test
    void failedStartupReportsLauncherOutput(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("broken.mjs"),
                "console.error('boom: no chain today'); process.exit(3);\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AnvilFixture.builder().launcher(script).start());
        assertTrue(e.getMessage().contains("boom: no chain today"), e.getMessage());
        assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
    }

    @Test
    void startupTimeoutStopsTheLauncher(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("hang.mjs"),
                "console.error(`hanging as ${process.pid}`); setInterval(() => {}, 1000);\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AnvilFixture.builder().launcher(script).startupTimeout(Duration.ofSeconds(3)).start());
        assertTrue(e.getMessage().contains("no ANVIL_READY within 3 s"), e.getMessage());
        Matcher pid = Pattern.compile("hanging as (\\d+)").matcher(e.getMessage());
        assertTrue(pid.find(), e.getMessage());
        assertFalse(ProcessHandle.of(Long.parseLong(pid.group(1))).map(ProcessHandle::isAlive).orElse(false),
                "launcher survived the startup timeout");
    }

    /** Offline check of the typed-data JSON against vector 6.2 B of docs/x402-protocol.md. */
    @Test
    void typedDataMatchesProtocolDigestVector() throws Exception {
        byte[] nonce = new byte[32];
        for (int i = 0; i < 32; i++) {
            nonce[i] = (byte) (i + 1);
        }
        StructuredDataEncoder typedData = new StructuredDataEncoder(transferWithAuthorizationJson(84532,
                "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", BigInteger.valueOf(1_000_000), BigInteger.ZERO,
                BigInteger.valueOf(9_999_999_999L), nonce));
        assertEquals("0x8defeddca0623a71142068cab3d3aa28ec60a4d59e9decb067789ec2d56d9a8f",
                Numeric.toHexString(typedData.hashStructuredData()));
    }

    // ------------------------------------------------------------------ helpers

    private static String transferWithAuthorizationJson(long chainId, String token, String from, String to,
                                                        BigInteger value, BigInteger validAfter, BigInteger validBefore,
                                                        byte[] nonce) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode types = root.putObject("types");
        ArrayNode domainType = types.putArray("EIP712Domain");
        field(domainType, "name", "string");
        field(domainType, "version", "string");
        field(domainType, "chainId", "uint256");
        field(domainType, "verifyingContract", "address");
        ArrayNode twa = types.putArray("TransferWithAuthorization");
        field(twa, "from", "address");
        field(twa, "to", "address");
        field(twa, "value", "uint256");
        field(twa, "validAfter", "uint256");
        field(twa, "validBefore", "uint256");
        field(twa, "nonce", "bytes32");
        root.put("primaryType", "TransferWithAuthorization");
        ObjectNode domain = root.putObject("domain");
        domain.put("name", "USD Coin");
        domain.put("version", "2");
        domain.put("chainId", chainId);
        domain.put("verifyingContract", token);
        ObjectNode message = root.putObject("message");
        message.put("from", from);
        message.put("to", to);
        // Decimal strings: JSON numbers would lose precision beyond 2^53.
        message.put("value", value.toString());
        message.put("validAfter", validAfter.toString());
        message.put("validBefore", validBefore.toString());
        message.put("nonce", Numeric.toHexString(nonce));
        return root.toString();
    }

    private static void field(ArrayNode type, String name, String solidityType) {
        type.addObject().put("name", name).put("type", solidityType);
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static <T extends Type> T call(Web3j web3j, String contract, String name, List<Type> args,
                                           TypeReference<T> returns) throws IOException {
        Function function = new Function(name, args, List.of((TypeReference) returns));
        EthCall result = web3j.ethCall(
                Transaction.createEthCallTransaction(null, contract, FunctionEncoder.encode(function)),
                DefaultBlockParameterName.LATEST).send();
        if (result.hasError() || result.isReverted()) {
            throw new IllegalStateException(name + "() failed: "
                    + (result.hasError() ? result.getError().getMessage() : result.getRevertReason()));
        }
        return (T) FunctionReturnDecoder.decode(result.getValue(), function.getOutputParameters()).get(0);
    }

    /** Decodes Solidity's {@code Error(string)} revert data; the node's message text varies by client. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static String revertString(EthCall result) {
        // Nodes return the revert data in the JSON-RPC error's "data" (possibly JSON-quoted).
        String data = result.hasError() && result.getError().getData() != null
                ? result.getError().getData().replace("\"", "") : "";
        String errorSelector = "0x08c379a0";
        if (!data.startsWith(errorSelector)) {
            throw new IllegalStateException("no Error(string) revert data in " + data + ": " + result.getRevertReason());
        }
        List<Type> decoded = FunctionReturnDecoder.decode(data.substring(errorSelector.length()),
                List.of((TypeReference) new TypeReference<Utf8String>() { }));
        return ((Utf8String) decoded.get(0)).getValue();
    }

    private static BigInteger balanceOf(Web3j web3j, String token, String owner) throws IOException {
        return call(web3j, token, "balanceOf", List.of(new Address(owner)), new TypeReference<Uint256>() { }).getValue();
    }

    private static boolean authorizationState(Web3j web3j, String token, String authorizer, byte[] nonce) throws IOException {
        return call(web3j, token, "authorizationState", List.of(new Address(authorizer), new Bytes32(nonce)),
                new TypeReference<Bool>() { }).getValue();
    }

    /** Sends with a fixed gas limit (no estimation), so a reverting call is still mined and visible. */
    private static TransactionReceipt sendFrom(Web3j web3j, AnvilFixture anvil, AnvilFixture.Account from, String to,
                                               String data) throws Exception {
        RawTransactionManager txManager = new RawTransactionManager(web3j, Credentials.create(from.privateKey()), anvil.chainId());
        BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice();
        EthSendTransaction sent = txManager.sendTransaction(gasPrice, GAS_LIMIT, to, data, BigInteger.ZERO);
        if (sent.hasError()) {
            throw new IllegalStateException("eth_sendRawTransaction: " + sent.getError().getMessage());
        }
        return new PollingTransactionReceiptProcessor(web3j, 100, 600).waitForTransactionReceipt(sent.getTransactionHash());
    }
}
