package io.sippar.testsupport;

import com.algorand.algosdk.account.Account;
import com.algorand.algosdk.crypto.Address;
import com.algorand.algosdk.transaction.SignedTransaction;
import com.algorand.algosdk.transaction.Transaction;
import com.algorand.algosdk.transaction.TxGroup;
import com.algorand.algosdk.util.Encoder;
import com.algorand.algosdk.v2.client.Utils;
import com.algorand.algosdk.v2.client.common.AlgodClient;
import com.algorand.algosdk.v2.client.common.Response;
import com.algorand.algosdk.v2.client.model.PendingTransactionResponse;
import com.algorand.algosdk.v2.client.model.PostTransactionsResponse;
import com.algorand.algosdk.v2.client.model.TransactionParametersResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.sippar.interop.NodeScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Algorand devnet fixture end to end: startup, payments with the Java algosdk and the official x402 client, shutdown. */
class AlgodFixtureTest {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void javaAlgosdkPaymentIsConfirmedAndMovesTheBalancesAndCloseStopsTheDevnet() throws Exception {
        long pid;
        String url;
        try (AlgodFixture algod = AlgodFixture.builder().start()) {
            pid = algod.pid();
            url = algod.url();
            AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
            assertEquals("algorand:" + AlgodFixture.GENESIS_HASH, algod.network());
            assertEquals(AlgodFixture.USDC_ASSET_ID, algod.usdcAssetId());
            assertEquals(6, algod.usdcDecimals());
            TransactionParametersResponse params = ok(client.TransactionParams().execute());
            assertEquals("testnet-v1.0", params.genesisId);
            assertArrayEquals(Base64.getDecoder().decode(AlgodFixture.GENESIS_HASH), params.genesisHash);
            assertEquals(algod.initialRound(), params.lastRound);
            assertEquals(1000L, params.minFee);

            Account payer = new Account(algod.payer().mnemonic());
            assertEquals(algod.payer().address(), payer.getAddress().toString());
            Address merchant = new Address(algod.merchant().address());
            BigInteger before = usdc(client, payer.getAddress());
            assertEquals(algod.payer().usdc(), before);

            Transaction axfer = Transaction.AssetTransferTransactionBuilder()
                    .sender(payer.getAddress()).assetReceiver(merchant).assetIndex(algod.usdcAssetId())
                    .assetAmount(BigInteger.valueOf(1_234)).firstValid(params.lastRound).lastValid(params.lastRound + 1000)
                    .genesisID(params.genesisId).genesisHash(params.genesisHash).flatFee(1000L).build();
            SignedTransaction signed = payer.signTransaction(axfer);
            String txid = ok(client.RawTransaction().rawtxn(Encoder.encodeToMsgPack(signed)).execute()).txId;
            assertEquals(signed.transactionID, txid, "the devnet's algosdk computes the Java SDK's txid");
            PendingTransactionResponse confirmed = Utils.waitForConfirmation(client, txid, 5);
            assertEquals(params.lastRound + 1, confirmed.confirmedRound);

            assertEquals(before.subtract(BigInteger.valueOf(1_234)), usdc(client, payer.getAddress()));
            assertEquals(BigInteger.valueOf(1_234), usdc(client, merchant));
            assertEquals(algod.payer().algo().longValue() - 1000L, ok(client.AccountInformation(payer.getAddress()).execute()).amount);

            // The same bytes again: algod's duplicate answer, nothing moves twice.
            Response<PostTransactionsResponse> again = client.RawTransaction().rawtxn(Encoder.encodeToMsgPack(signed)).execute();
            assertEquals(400, again.code());
            assertTrue(again.message().contains("transaction already in ledger"), again.message());
            assertEquals(BigInteger.valueOf(1_234), usdc(client, merchant));
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "devnet still running after close()");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void javaAlgosdkGroupWithPooledFeeIsAtomicAndChargesTheFeePayer() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().start()) {
            AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
            TransactionParametersResponse params = ok(client.TransactionParams().execute());
            Account feePayer = new Account(algod.feePayer().mnemonic());
            Account payer = new Account(algod.account("payer-2").mnemonic());
            Address merchant = new Address(algod.account("merchant-2").address());
            assertNull(algod.feePayer().usdc(), "the fee payer holds ALGO only");

            // The x402 shape: the fee payer's zero pay to itself carries both fees, the axfer none.
            Transaction feeTxn = Transaction.PaymentTransactionBuilder().sender(feePayer.getAddress())
                    .receiver(feePayer.getAddress()).amount(0L).firstValid(params.lastRound).lastValid(params.lastRound + 1000)
                    .genesisID(params.genesisId).genesisHash(params.genesisHash).flatFee(2000L).build();
            Transaction payTxn = Transaction.AssetTransferTransactionBuilder().sender(payer.getAddress())
                    .assetReceiver(merchant).assetIndex(algod.usdcAssetId()).assetAmount(BigInteger.valueOf(500))
                    .firstValid(params.lastRound).lastValid(params.lastRound + 1000)
                    .genesisID(params.genesisId).genesisHash(params.genesisHash).flatFee(0L).build();
            TxGroup.assignGroupID(feeTxn, payTxn);
            byte[] group = concat(Encoder.encodeToMsgPack(feePayer.signTransaction(feeTxn)),
                    Encoder.encodeToMsgPack(payer.signTransaction(payTxn)));

            // Only the payment half: refused (incomplete group), nothing applied.
            Response<PostTransactionsResponse> half = client.RawTransaction()
                    .rawtxn(Encoder.encodeToMsgPack(payer.signTransaction(payTxn))).execute();
            assertEquals(400, half.code());
            assertTrue(half.message().contains("fees") || half.message().contains("incomplete group"), half.message());
            assertEquals(BigInteger.ZERO, usdc(client, merchant));

            String first = ok(client.RawTransaction().rawtxn(group).execute()).txId;
            assertEquals(feeTxn.txID(), first);
            assertNotNull(Utils.waitForConfirmation(client, payTxn.txID(), 5).confirmedRound);
            assertEquals(BigInteger.valueOf(500), usdc(client, merchant));
            assertEquals(algod.feePayer().algo().longValue() - 2000L, ok(client.AccountInformation(feePayer.getAddress()).execute()).amount);
            assertEquals(algod.account("payer-2").algo().longValue(), ok(client.AccountInformation(payer.getAddress()).execute()).amount);
        }
    }

    @Test
    void officialAvmClientBuildsTheGroupAgainstTheDevnetAndItSettles() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().start()) {
            AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
            Address merchant = new Address(algod.merchant().address());
            Address feePayer = new Address(algod.feePayer().address());
            long feePayerBefore = ok(client.AccountInformation(feePayer).execute()).amount;

            // 1. @x402/avm's client code path (suggested params from the devnet), fee payer signed with algosdk.
            JsonNode viaAlgosdk = NodeScript.run("avm-devnet.mjs", SCRIPT_TIMEOUT, avmArgs(algod, "algosdk", "1000"));
            assertTrue(viaAlgosdk.path("ok").asBoolean(), viaAlgosdk::toPrettyString);
            JsonNode group = viaAlgosdk.get("group");
            assertEquals(2, group.size());
            assertFalse(group.get(0).get("signed").asBoolean(), "the client leaves the fee payer unsigned");
            assertEquals("pay", group.get(0).get("type").asText());
            assertEquals(algod.feePayer().address(), group.get(0).get("sender").asText());
            assertEquals("2000", group.get(0).get("fee").asText());
            assertEquals("axfer", group.get(1).get("type").asText());
            assertEquals("0", group.get(1).get("fee").asText());
            assertEquals(algod.initialRound(), group.get(1).get("firstValid").asLong(), "first valid from the devnet's params");
            assertEquals(1, viaAlgosdk.at("/paymentPayload/payload/paymentIndex").asInt());
            String txid = viaAlgosdk.get("transaction").asText();
            assertEquals(group.get(1).get("txid").asText(), txid);
            PendingTransactionResponse pending = ok(client.PendingTransactionInformation(txid).execute());
            assertTrue(pending.confirmedRound > 0);

            // 2. The official @x402/avm facilitator: verify + settle (simulate, submit, confirm) on the devnet.
            JsonNode viaFacilitator = NodeScript.run("avm-devnet.mjs", SCRIPT_TIMEOUT, avmArgs(algod, "facilitator", "2500"));
            assertTrue(viaFacilitator.path("ok").asBoolean(), viaFacilitator::toPrettyString);
            assertTrue(viaFacilitator.at("/verify/isValid").asBoolean());
            assertEquals(algod.payer().address(), viaFacilitator.at("/settle/payer").asText());
            assertTrue(ok(client.PendingTransactionInformation(viaFacilitator.get("transaction").asText()).execute()).confirmedRound > 0);

            assertEquals(BigInteger.valueOf(3_500), usdc(client, merchant), "exactly the two prices arrived");
            assertEquals(algod.payer().usdc().subtract(BigInteger.valueOf(3_500)), usdc(client, new Address(algod.payer().address())));
            assertEquals(feePayerBefore - 4_000L, ok(client.AccountInformation(feePayer).execute()).amount,
                    "the fee payer paid both groups' pooled fees");
        }
    }

    @Test
    void officialAvmFacilitatorWaitsForTheNextTimedRound() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().roundInterval(Duration.ofMillis(700)).start()) {
            // With timed rounds the group sits in the pool first: the facilitator's confirmation
            // loop (pending -> wait-for-block-after -> pending) has to work against the devnet.
            JsonNode settled = NodeScript.run("avm-devnet.mjs", SCRIPT_TIMEOUT, avmArgs(algod, "facilitator", "700"));
            assertTrue(settled.path("ok").asBoolean(), settled::toPrettyString);
            AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
            PendingTransactionResponse pending = ok(client.PendingTransactionInformation(settled.get("transaction").asText()).execute());
            assertTrue(pending.confirmedRound > algod.initialRound());
            assertEquals(BigInteger.valueOf(700), usdc(client, new Address(algod.merchant().address())));
        }
    }

    @Test
    void timedRoundsAdvanceWithoutTransactions() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().roundInterval(Duration.ofMillis(200)).initialRound(1_000).start()) {
            assertEquals(200, algod.roundIntervalMs());
            AlgodClient client = new AlgodClient(algod.host(), algod.port(), algod.token());
            long first = ok(client.GetStatus().execute()).lastRound;
            assertTrue(first >= 1_000);
            // wait-for-block-after blocks until the next round comes from the timer.
            long next = ok(client.WaitForBlock(first).execute()).lastRound;
            assertTrue(next > first, next + " <= " + first);
        }
    }

    @Test
    void wrongTokenGetsAlgodsUnauthorizedAnswer() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().token("fixture-token").start()) {
            assertEquals("fixture-token", algod.token());
            assertEquals(401, new AlgodClient(algod.host(), algod.port(), "wrong").GetStatus().execute().code());
            assertEquals(200, new AlgodClient(algod.host(), algod.port(), "fixture-token").GetStatus().execute().code());
        }
    }

    @Test
    void accountsByRoleAndKeysAreConsistent() throws Exception {
        try (AlgodFixture algod = AlgodFixture.builder().start()) {
            assertEquals(6, algod.accounts("payer").size());
            assertEquals("payer-1", algod.accounts("payer").get(0).name());
            for (AlgodFixture.Account a : algod.accounts()) {
                if (a.mnemonic() != null) {
                    Account sdk = new Account(a.mnemonic());
                    assertEquals(a.address(), sdk.getAddress().toString(), a.name());
                    assertArrayEquals(sdk.getClearTextPublicKey(), java.util.Arrays.copyOfRange(Base64.getDecoder().decode(a.key()), 32, 64));
                    assertEquals(32, a.seed().length);
                }
                assertFalse(a.toString().contains(String.valueOf(a.key())), "toString leaks no key");
            }
            assertEquals("RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE", algod.account("x402-vector-facilitator").address());
            assertEquals("QE4XODVIPULV6VVDKRTMGTD6ZTFY3CURWTXDPIS56YHVXD6JWOKORTLPBU", algod.account("x402-vector-payto").address());
            assertEquals(algod.account("rekey-authority").address(), algod.account("rekeyed-payer").authAddr());
            assertNull(algod.account("not-opted-in").usdc());
            assertEquals(BigInteger.ZERO, algod.account("no-usdc").usdc());
        }
    }

    @Test
    void failedStartupReportsLauncherOutput(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("broken.mjs"), "console.error('boom: no devnet today'); process.exit(3);\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlgodFixture.builder().launcher(script).start());
        assertTrue(e.getMessage().contains("boom: no devnet today"), e.getMessage());
        assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
    }

    @Test
    void startupTimeoutStopsTheLauncher(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("hang.mjs"), "console.error(`hanging as ${process.pid}`); setInterval(() => {}, 1000);\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AlgodFixture.builder().launcher(script).startupTimeout(Duration.ofSeconds(3)).start());
        assertTrue(e.getMessage().contains("no ALGOD_READY within 3 s"), e.getMessage());
        Matcher pid = Pattern.compile("hanging as (\\d+)").matcher(e.getMessage());
        assertTrue(pid.find(), e.getMessage());
        assertFalse(ProcessHandle.of(Long.parseLong(pid.group(1))).map(ProcessHandle::isAlive).orElse(false),
                "launcher survived the startup timeout");
    }

    // ------------------------------------------------------------------ helpers

    private static String[] avmArgs(AlgodFixture algod, String settle, String amount) {
        return new String[] {"--algod-url", algod.url(), "--algod-token", algod.token(), "--network", algod.network(),
                "--avm-key", algod.payer().key(), "--fee-payer-key", algod.feePayer().key(),
                "--pay-to", algod.merchant().address(), "--amount", amount, "--settle", settle};
    }

    private static <T> T ok(Response<T> response) {
        assertTrue(response.isSuccessful(), () -> response.code() + " " + response.message());
        return response.body();
    }

    private static BigInteger usdc(AlgodClient client, Address address) throws Exception {
        return ok(client.AccountAssetInformation(address, AlgodFixture.USDC_ASSET_ID).execute()).assetHolding.amount;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
