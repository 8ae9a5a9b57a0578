package io.sippar.evm;

import io.sippar.scheme.TreasuryChain.Transfer;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/** Calldata, return values and events of chain-fixtures/evm's SipparDisburser. */
final class DisburserAbi {

    static final Event DISBURSED = new Event("Disbursed", List.of(
            new TypeReference<Bytes32>(true) { }, new TypeReference<Uint256>() { },
            new TypeReference<Address>(true) { }, new TypeReference<Uint256>() { }));
    static final Event DISBURSEMENT_FAILED = new Event("DisbursementFailed", List.of(
            new TypeReference<Bytes32>(true) { }, new TypeReference<Uint256>() { },
            new TypeReference<Address>(true) { }, new TypeReference<Uint256>() { },
            new TypeReference<DynamicBytes>() { }));
    private static final String DISBURSED_TOPIC = EventEncoder.encode(DISBURSED);
    private static final String FAILED_TOPIC = EventEncoder.encode(DISBURSEMENT_FAILED);
    /** Selector of Solidity's {@code Error(string)} revert data. */
    private static final String ERROR_SELECTOR = "08c379a0";

    private DisburserAbi() {
    }

    /** The payout's id as the contract's bytes32 batch: the UUID's 16 bytes, then zeros. */
    static byte[] batch(UUID id) {
        return ByteBuffer.allocate(32).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .array();
    }

    /** {@code disburse(token, batch, to[], amounts[])}. */
    static String disburse(String token, UUID batch, List<Transfer> transfers) {
        List<Address> to = transfers.stream().map(t -> new Address(t.to())).toList();
        List<Uint256> amounts = transfers.stream().map(t -> new Uint256(t.amount())).toList();
        return FunctionEncoder.encode(new Function("disburse", List.of(new Address(token), new Bytes32(batch(batch)),
                new DynamicArray<>(Address.class, to), new DynamicArray<>(Uint256.class, amounts)),
                List.of(new TypeReference<DynamicArray<Bool>>() { })));
    }

    /** ERC-20 {@code transfer(to, amount)}. */
    static String transfer(String to, BigInteger amount) {
        return FunctionEncoder.encode(new Function("transfer", List.of(new Address(to), new Uint256(amount)),
                List.of(new TypeReference<Bool>() { })));
    }

    /** The {@code bool[] paid} an eth_call of disburse returns. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static List<Boolean> decodePaid(String hex) {
        List<Type> out = FunctionReturnDecoder.decode(hex, List.of((TypeReference) new TypeReference<DynamicArray<Bool>>() { }));
        if (out.isEmpty()) {
            return List.of();
        }
        List<Bool> values = ((DynamicArray<Bool>) out.get(0)).getValue();
        return values.stream().map(Bool::getValue).toList();
    }

    /**
     * Reads the disburser's events of {@code batch} from a receipt's logs into {@code paid} and
     * {@code failures} by chain index; logs of other contracts or batches are ignored.
     */
    @SuppressWarnings("rawtypes")
    static void outcomes(List<Log> logs, String disburser, UUID batch, Map<Integer, Boolean> paid,
            Map<Integer, String> failures) {
        String batchTopic = Numeric.toHexString(batch(batch));
        for (Log log : logs) {
            if (log.getAddress() == null || !log.getAddress().equalsIgnoreCase(disburser) || log.getTopics().size() < 3
                    || !log.getTopics().get(1).equalsIgnoreCase(batchTopic)) {
                continue;
            }
            String topic = log.getTopics().get(0);
            if (topic.equalsIgnoreCase(DISBURSED_TOPIC)) {
                List<Type> data = FunctionReturnDecoder.decode(log.getData(), DISBURSED.getNonIndexedParameters());
                paid.put(((BigInteger) data.get(0).getValue()).intValueExact(), true);
            } else if (topic.equalsIgnoreCase(FAILED_TOPIC)) {
                List<Type> data = FunctionReturnDecoder.decode(log.getData(),
                        DISBURSEMENT_FAILED.getNonIndexedParameters());
                int index = ((BigInteger) data.get(0).getValue()).intValueExact();
                paid.put(index, false);
                failures.put(index, revertReason((byte[]) data.get(2).getValue()));
            }
        }
    }

    /** A revert's {@code Error(string)} message, or its data in hex. */
    static String revertReason(byte[] data) {
        String hex = Numeric.toHexStringNoPrefix(data);
        if (hex.startsWith(ERROR_SELECTOR) && data.length >= 68) {
            try {
                int length = new BigInteger(1, java.util.Arrays.copyOfRange(data, 36, 68)).intValueExact();
                if (68 + length <= data.length) {
                    return new String(data, 68, length, StandardCharsets.UTF_8);
                }
            } catch (ArithmeticException e) {
                // not a well-formed Error(string): the raw data below
            }
        }
        return data.length == 0 ? "the token call reverted without a reason" : "the token call failed: 0x" + hex;
    }
}
