package io.sippar.algorand;

import com.algorand.algosdk.transaction.Transaction;
import io.sippar.algorand.AvmVerdict.Passed;
import io.sippar.algorand.AvmVerdict.Refused;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import io.sippar.x402.ReasonCode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The offline part of exact-AVM verify (x402 digest §4.3 steps 1-11), in the reference's order, so
 * that a group with several faults is refused with the code the TS facilitator would send. Pure:
 * no chain access and no signing.
 *
 * <p>Beyond the reference, each with its own code and at the place given: the group id must be the
 * hash of the group (step 8, {@code invalid_exact_avm_invalid_group_id}); every transaction must
 * carry the network's genesis hash (after step 8, {@code invalid_exact_avm_genesis_mismatch}); the
 * payment transaction must not close out, rekey or claw back (after step 10,
 * {@code invalid_exact_avm_payment_close_to} / {@code _rekey} / {@code _clawback}); the fee payer's
 * fees summed over the group are capped like each single fee (step 11). A signature with
 * {@code sgnr} (rekeyed sender) is checked against the {@code sgnr} key, as algod does.
 */
final class ExactAvmChecks {

    static final String SCHEME = "exact";
    /** Algorand's largest atomic group. */
    static final int MAX_GROUP_SIZE = 16;

    private static final Pattern ASA_ID = Pattern.compile("[0-9]{1,20}");

    /**
     * What the checks need to know about the network and the gateway.
     *
     * @param network the CAIP-2 id this scheme serves, {@code algorand:<genesis hash>}
     * @param genesisHash standard base64 of the network's genesis hash
     * @param facilitators addresses the gateway signs for (its fee payer), possibly none
     * @param maxFeePerTxn microAlgo the fee payer pays at most per transaction of the group
     */
    record Context(String network, String genesisHash, Set<String> facilitators, long maxFeePerTxn) {
        Context {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(genesisHash, "genesisHash");
            facilitators = Set.copyOf(facilitators);
        }
    }

    private ExactAvmChecks() {
    }

    /** Runs the offline checks in order; the first failure wins. */
    static AvmVerdict check(Payment payment, PaymentRequirements req, Context ctx) {
        Objects.requireNonNull(payment, "payment");
        Objects.requireNonNull(req, "req");
        Objects.requireNonNull(ctx, "ctx");

        // 1-3. version, scheme, network
        if (payment.x402Version() != 2) {
            return refused(ReasonCode.INVALID_EXACT_AVM_INVALID_VERSION,
                    "expected x402Version 2, got " + payment.x402Version(), null);
        }
        if (!SCHEME.equals(payment.scheme()) || !SCHEME.equals(req.scheme())) {
            return refused(ReasonCode.INVALID_EXACT_AVM_SCHEME, "scheme must be exact (payment: " + payment.scheme()
                    + ", requirements: " + req.scheme() + ")", null);
        }
        if (!req.network().equals(payment.network())) {
            return refused(ReasonCode.INVALID_EXACT_AVM_NETWORK_MISMATCH, "payment network " + payment.network()
                    + " does not match " + req.network(), null);
        }

        // 4-6. shape, group size, payment index
        Optional<ExactAvmPayload> parsed = ExactAvmPayload.parse(payment.payload());
        if (parsed.isEmpty()) {
            return refused(ReasonCode.INVALID_EXACT_AVM_PAYLOAD,
                    "payload must be {paymentGroup: [base64 strings], paymentIndex: integer}", null);
        }
        List<String> elements = parsed.get().paymentGroup();
        int paymentIndex = parsed.get().paymentIndex();
        if (elements.size() > MAX_GROUP_SIZE) {
            return refused(ReasonCode.INVALID_EXACT_AVM_GROUP_SIZE_EXCEEDED, "the group has " + elements.size()
                    + " transactions, at most " + MAX_GROUP_SIZE + " are allowed", null);
        }
        if (paymentIndex < 0 || paymentIndex >= elements.size()) {
            return refused(ReasonCode.INVALID_EXACT_AVM_PAYMENT_INDEX, "paymentIndex " + paymentIndex
                    + " is outside the group of " + elements.size(), null);
        }

        // 7. decode; a bare (unsigned) transaction only from the fee payer
        List<AvmTransaction> group = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            AvmTransaction t;
            try {
                t = AvmCodec.decode(i, elements.get(i));
            } catch (AvmCodec.DecodeException e) {
                return refused(ReasonCode.INVALID_EXACT_AVM_INVALID_TRANSACTION, e.getMessage(), null);
            }
            if (t.form() == AvmTransaction.Form.BARE && !ctx.facilitators().contains(t.sender())) {
                return refused(ReasonCode.INVALID_EXACT_AVM_UNSIGNED_NON_FACILITATOR, "unsigned transaction at index "
                        + i + " from " + t.sender() + " is not from this gateway's fee payer", null);
            }
            group.add(t);
        }
        String payer = group.get(paymentIndex).sender();

        // 8. one group id, and (beyond the reference) the right one
        Optional<Refused> groupId = groupId(group, payer);
        if (groupId.isPresent()) {
            return groupId.get();
        }
        for (AvmTransaction t : group) {
            String gh = AvmFields.base64(t.txn().genesisHash);
            if (!ctx.genesisHash().equals(gh)) {
                return refused(ReasonCode.INVALID_EXACT_AVM_GENESIS_MISMATCH, "transaction " + t.index()
                        + " is for genesis hash " + gh + ", not " + ctx.network(), payer);
            }
        }

        // 9. the gateway never pays the merchant itself
        if (ctx.facilitators().contains(payer)) {
            return refused(ReasonCode.INVALID_EXACT_AVM_FACILITATOR_TRANSFERRING,
                    "the payment's sender is this gateway's fee payer", payer);
        }

        // 10. the payment transaction
        Optional<Refused> payment10 = paymentTransaction(group.get(paymentIndex), req, payer);
        if (payment10.isPresent()) {
            return payment10.get();
        }

        // 11. what the fee payer signs
        List<Integer> feePayers = new ArrayList<>();
        BigInteger maxFee = BigInteger.valueOf(ctx.maxFeePerTxn()).multiply(BigInteger.valueOf(group.size()));
        BigInteger totalFee = BigInteger.ZERO;
        for (AvmTransaction t : group) {
            if (!ctx.facilitators().contains(t.sender())) {
                continue;
            }
            Optional<Refused> r = feePayerTransaction(t, maxFee, payer);
            if (r.isPresent()) {
                return r.get();
            }
            totalFee = totalFee.add(AvmFields.amount(t.txn().fee));
            feePayers.add(t.index());
        }
        if (totalFee.compareTo(maxFee) > 0) {
            return refused(ReasonCode.INVALID_EXACT_AVM_FEE_TOO_HIGH, "the fee payer's fees in this group add up to "
                    + totalFee + " microAlgo, above " + maxFee + " (" + group.size() + " transactions x "
                    + ctx.maxFeePerTxn() + ")", payer);
        }
        return new Passed(payer, group, paymentIndex, feePayers);
    }

    private static Optional<Refused> groupId(List<AvmTransaction> group, String payer) {
        String first = AvmFields.base64(group.get(0).txn().group);
        for (AvmTransaction t : group) {
            if (!Objects.equals(first, AvmFields.base64(t.txn().group))) {
                return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_GROUP_ID,
                        "the transactions carry different group ids", payer));
            }
        }
        if (first == null && group.size() == 1) {
            return Optional.empty();
        }
        String expected = Base64.getEncoder().encodeToString(AvmCodec.groupId(group));
        if (first == null || !first.equals(expected)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_GROUP_ID, "the group id is "
                    + (first == null ? "missing" : first) + " but these transactions make the group " + expected,
                    payer));
        }
        return Optional.empty();
    }

    /** Step 10, then the payment-transaction checks the reference leaves out. */
    private static Optional<Refused> paymentTransaction(AvmTransaction t, PaymentRequirements req, String payer) {
        Transaction txn = t.txn();
        if (txn.type != Transaction.Type.AssetTransfer) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_NOT_ASSET_TRANSFER,
                    "the payment transaction must be an asset transfer (axfer), not " + txn.type.toValue(), payer));
        }
        BigInteger amount = AvmFields.amount(txn.assetAmount);
        if (!amount.toString().equals(req.amount())) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_AMOUNT_MISMATCH, "the payment transfers "
                    + amount + ", the requirements ask for exactly " + req.amount(), payer));
        }
        String receiver = AvmFields.present(txn.assetReceiver) ? txn.assetReceiver.toString() : "";
        if (!receiver.equals(req.payTo())) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_RECEIVER_MISMATCH, "the payment goes to "
                    + (receiver.isEmpty() ? "no receiver" : receiver) + ", not payTo " + req.payTo(), payer));
        }
        String asset = AvmFields.amount(txn.xferAsset).toString();
        if (!ASA_ID.matcher(req.asset()).matches() || !asset.equals(req.asset())) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_ASSET_MISMATCH, "the payment transfers asset "
                    + asset + ", not " + req.asset(), payer));
        }
        if (!t.signed()) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_PAYMENT_NOT_SIGNED,
                    "the payment transaction carries no signature (sig, msig or lsig)", payer));
        }
        Optional<byte[]> sig = t.sig();
        if (sig.isPresent()) {
            // msig and lsig are left to the node's simulation, as the reference does
            String signer = t.authAddress().orElse(payer);
            if (!AvmCodec.verifies(sig.get(), signer, t.txnBytes())) {
                return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_SIGNATURE,
                        "the payment transaction's signature is not " + signer + "'s", payer));
            }
        }
        if (AvmFields.present(txn.assetCloseTo)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_PAYMENT_CLOSE_TO,
                    "the payment transaction closes the payer's asset holding out to " + txn.assetCloseTo, payer));
        }
        if (AvmFields.present(txn.rekeyTo)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_PAYMENT_REKEY,
                    "the payment transaction rekeys the payer's account to " + txn.rekeyTo, payer));
        }
        if (AvmFields.present(txn.assetSender)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_PAYMENT_CLAWBACK,
                    "the payment transaction is a clawback from " + txn.assetSender + ", not a transfer by its sender",
                    payer));
        }
        return Optional.empty();
    }

    /** Step 11 for one transaction sent by the fee payer. */
    private static Optional<Refused> feePayerTransaction(AvmTransaction t, BigInteger maxFee, String payer) {
        Transaction txn = t.txn();
        String at = "the fee payer's transaction " + t.index();
        if (txn.type != Transaction.Type.Payment) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER, at + " must be a payment (pay), not "
                    + txn.type.toValue(), payer));
        }
        if (AvmFields.amount(txn.amount).signum() != 0) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER, at + " must pay 0, not "
                    + txn.amount, payer));
        }
        if (AvmFields.present(txn.receiver) && !txn.receiver.toString().equals(t.sender())) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER, at
                    + " must pay itself, not " + txn.receiver, payer));
        }
        if (AvmFields.present(txn.closeRemainderTo)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER, at
                    + " must not close the account (close-to " + txn.closeRemainderTo + ")", payer));
        }
        if (AvmFields.present(txn.rekeyTo)) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_INVALID_FEE_PAYER, at
                    + " must not rekey the account", payer));
        }
        BigInteger fee = AvmFields.amount(txn.fee);
        if (fee.compareTo(maxFee) > 0) {
            return Optional.of(refused(ReasonCode.INVALID_EXACT_AVM_FEE_TOO_HIGH, at + " has fee " + fee
                    + " microAlgo, above the " + maxFee + " this gateway pays for the group", payer));
        }
        return Optional.empty();
    }

    private static Refused refused(ReasonCode reason, String message, String payer) {
        return new Refused(reason, message, payer);
    }
}
