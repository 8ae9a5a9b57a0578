package io.sippar.evm;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Function;
import org.web3j.utils.Numeric;

/**
 * Multicall3's {@code aggregate3((address,bool,bytes)[])} at its canonical address, the same on every
 * chain: calldata for a batch of settlement calls (each with {@code allowFailure}, so one bad call
 * fails alone), and the decoding of its results and of its calldata. Decoding is by hand over the
 * ABI layout because web3j's struct-array decoder needs generated classes; every offset and length
 * is bounds-checked, and bad input raises {@link IllegalArgumentException}.
 */
final class Multicall3 {

    /** Where Multicall3 lives on every public chain (and on the devnet of chain-fixtures/evm). */
    static final String ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";

    /** {@code aggregate3((address,bool,bytes)[])}. */
    static final String AGGREGATE3_SELECTOR = "0x82ad56cb";

    /** {@code Error(string)}: how a Solidity {@code require} with a message reverts. */
    private static final String ERROR_SELECTOR = "08c379a0";

    /** One call's outcome as aggregate3 returns it. */
    record Result(boolean success, byte[] returnData) {
    }

    /** One call as aggregate3 takes it. */
    record Call(String target, boolean allowFailure, byte[] callData) {
    }

    /** Web3j's encoder for the {@code Call3} tuple. */
    public static final class Call3 extends DynamicStruct {
        public Call3(Address target, Bool allowFailure, DynamicBytes callData) {
            super(target, allowFailure, callData);
        }
    }

    private Multicall3() {
    }

    /** aggregate3 of {@code calls} ({@link Call#allowFailure} as given). */
    static String aggregate3(List<Call> calls) {
        List<Call3> tuples = calls.stream().map(c -> new Call3(new Address(c.target()), new Bool(c.allowFailure()),
                new DynamicBytes(c.callData()))).toList();
        return FunctionEncoder.encode(new Function("aggregate3",
                List.of(new DynamicArray<>(Call3.class, tuples)), List.of()));
    }

    /** The {@code (bool success, bytes returnData)[]} that aggregate3 returns. */
    static List<Result> decodeResults(String hex) {
        byte[] b = Numeric.hexStringToByteArray(hex == null ? "0x" : hex);
        int array = offset(b, 0, 0);
        int n = count(b, array);
        int base = array + 32;
        List<Result> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tuple = offset(b, base + 32 * i, base);
            boolean success = word(b, tuple).signum() != 0;
            out.add(new Result(success, bytes(b, offset(b, tuple + 32, tuple))));
        }
        return out;
    }

    /** The calls of aggregate3 calldata ({@code 0x82ad56cb…}); empty when {@code input} is another call. */
    static List<Call> decodeCalls(String input) {
        if (input == null || !input.toLowerCase(Locale.ROOT).startsWith(AGGREGATE3_SELECTOR)) {
            return List.of();
        }
        byte[] b = Numeric.hexStringToByteArray("0x" + input.substring(AGGREGATE3_SELECTOR.length()));
        int array = offset(b, 0, 0);
        int n = count(b, array);
        int base = array + 32;
        List<Call> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tuple = offset(b, base + 32 * i, base);
            String target = Numeric.toHexStringWithPrefixZeroPadded(word(b, tuple), 40);
            boolean allowFailure = word(b, tuple + 32).signum() != 0;
            out.add(new Call(target, allowFailure, bytes(b, offset(b, tuple + 64, tuple))));
        }
        return out;
    }

    /** A failed call's revert reason: the {@code Error(string)} message, else a description of the data. */
    static String revertReason(byte[] returnData) {
        String hex = Numeric.toHexStringNoPrefix(returnData);
        if (hex.startsWith(ERROR_SELECTOR) && returnData.length >= 4 + 64) {
            try {
                byte[] body = Arrays.copyOfRange(returnData, 4, returnData.length);
                return new String(bytes(body, offset(body, 0, 0)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return "execution reverted (undecodable reason 0x" + hex + ")";
            }
        }
        return returnData.length == 0 ? "execution reverted" : "execution reverted (0x" + hex + ")";
    }

    private static BigInteger word(byte[] b, int at) {
        if (at < 0 || at + 32 > b.length) {
            throw new IllegalArgumentException("ABI data ends at " + b.length + ", word wanted at " + at);
        }
        return new BigInteger(1, Arrays.copyOfRange(b, at, at + 32));
    }

    /** A head word holding an offset relative to {@code base}, as an absolute position inside {@code b}. */
    private static int offset(byte[] b, int at, int base) {
        BigInteger o = word(b, at).add(BigInteger.valueOf(base));
        if (o.compareTo(BigInteger.valueOf(b.length)) >= 0) {
            throw new IllegalArgumentException("ABI offset " + o + " past the end (" + b.length + ")");
        }
        return o.intValueExact();
    }

    /** An array's element count at {@code at}; its head words must fit in the data. */
    private static int count(byte[] b, int at) {
        BigInteger n = word(b, at);
        if (n.shiftLeft(5).add(BigInteger.valueOf(at + 32L)).compareTo(BigInteger.valueOf(b.length)) > 0) {
            throw new IllegalArgumentException("ABI array of " + n + " elements larger than the data");
        }
        return n.intValueExact();
    }

    private static byte[] bytes(byte[] b, int at) {
        BigInteger n = word(b, at);
        if (n.add(BigInteger.valueOf(at + 32L)).compareTo(BigInteger.valueOf(b.length)) > 0) {
            throw new IllegalArgumentException("ABI bytes of length " + n + " past the end");
        }
        return Arrays.copyOfRange(b, at + 32, at + 32 + n.intValueExact());
    }
}
