package io.sippar.evm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.utils.Numeric;

/** aggregate3 calldata and its results, encoded by web3j and decoded by hand, with hostile inputs. */
class Multicall3Test {

    private static final String TOKEN = "0xfbfbfddd6e35da57b7b0f9a2c10e34be70b3a4e9";

    @Test
    void aggregate3CalldataRoundTripsThroughTheDecoder() {
        List<Multicall3.Call> calls = List.of(
                new Multicall3.Call(TOKEN, true, Numeric.hexStringToByteArray("0xe3ee160e" + "11".repeat(300))),
                new Multicall3.Call(Multicall3.ADDRESS.toLowerCase(), false, new byte[0]),
                new Multicall3.Call(TOKEN, true, Numeric.hexStringToByteArray("0xcf092995" + "ab".repeat(33))));
        String data = Multicall3.aggregate3(calls);
        assertTrue(data.startsWith(Multicall3.AGGREGATE3_SELECTOR), data.substring(0, 10));

        List<Multicall3.Call> back = Multicall3.decodeCalls(data);
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(calls.get(i).target(), back.get(i).target());
            assertEquals(calls.get(i).allowFailure(), back.get(i).allowFailure());
            assertArrayEquals(calls.get(i).callData(), back.get(i).callData());
        }
        assertEquals(List.of(), Multicall3.decodeCalls("0xe3ee160e00"), "another function is no batch");
    }

    @Test
    void resultsDecodeSuccessAndRevertReasons() {
        // (bool,bytes)[] with [(true, 0x01), (false, Error("FiatTokenV2: authorization is used or canceled"))]
        byte[] reason = Numeric.hexStringToByteArray("0x08c379a0" + FunctionEncoder.encodeConstructor(
                List.of(new Utf8String("FiatTokenV2: authorization is used or canceled"))));
        String encoded = FunctionEncoder.encodeConstructor(List.of(new org.web3j.abi.datatypes.DynamicArray<>(
                Result.class, List.of(new Result(true, new byte[] {1}), new Result(false, reason)))));

        List<Multicall3.Result> results = Multicall3.decodeResults("0x" + encoded);
        assertEquals(2, results.size());
        assertTrue(results.get(0).success());
        assertArrayEquals(new byte[] {1}, results.get(0).returnData());
        assertFalse(results.get(1).success());
        assertEquals("FiatTokenV2: authorization is used or canceled", Multicall3.revertReason(results.get(1).returnData()));
        assertEquals("execution reverted", Multicall3.revertReason(new byte[0]));
        assertEquals("execution reverted (0xdeadbeef)", Multicall3.revertReason(Numeric.hexStringToByteArray("0xdeadbeef")));
        assertTrue(Multicall3.revertReason(Numeric.hexStringToByteArray("0x08c379a0" + "ff".repeat(64)))
                .startsWith("execution reverted (undecodable"));
    }

    @Test
    void truncatedOrLyingAbiDataIsRefusedNotReadPastTheEnd() {
        assertThrows(IllegalArgumentException.class, () -> Multicall3.decodeResults("0x"));
        // offset far past the end
        assertThrows(IllegalArgumentException.class, () -> Multicall3.decodeResults("0x" + "ff".repeat(32)));
        // an array claiming 2^32 elements
        assertThrows(IllegalArgumentException.class, () -> Multicall3.decodeResults(
                "0x" + "00".repeat(31) + "20" + "00".repeat(28) + "ffffffff"));
        String good = Multicall3.aggregate3(List.of(new Multicall3.Call(TOKEN, true, "x".repeat(40)
                .getBytes(StandardCharsets.US_ASCII))));
        assertThrows(IllegalArgumentException.class, () -> Multicall3.decodeCalls(good.substring(0, good.length() - 64)));
    }

    /** The (bool, bytes) result tuple, for encoding test data with web3j. */
    public static final class Result extends org.web3j.abi.datatypes.DynamicStruct {
        public Result(boolean success, byte[] data) {
            super(new org.web3j.abi.datatypes.Bool(success), new DynamicBytes(data));
        }
    }
}
