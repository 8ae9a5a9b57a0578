package io.sippar.evm;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * The per-payment CPU cost of the exact-EVM offline check, on the gateway's own code: the EIP-712
 * digest of one EIP-3009 {@code TransferWithAuthorization} ({@link Eip712#digest}) and the
 * secp256k1 public-key recovery with the low-s rule ({@link SignatureRecovery#recover}).
 *
 * <p>A pool of 256 distinct payments (random nonces, signed by the devnet payers) is cycled so
 * no result can be cached or constant-folded. Target (issue 3): recovery &lt;= 70 us per payment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class SignatureRecoveryBenchmark {

    private static final int POOL = 256;
    // chain-fixtures/evm payers #1, #3..#8 (public anvil test keys)
    private static final String[] PAYER_KEYS = {
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    };
    private static final Eip712.Domain DOMAIN =
            new Eip712.Domain("USD Coin", "2", 31337, "0xfbfbfDdd6e35dA57b7B0F9a2C10E34Be70B3A4E9");
    private static final String MERCHANT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

    private Eip3009Authorization[] auths;
    private byte[][] digests;
    private byte[][] signatures;
    private String[] signers;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SecureRandom random = new SecureRandom();
        long now = System.currentTimeMillis() / 1000;
        auths = new Eip3009Authorization[POOL];
        digests = new byte[POOL][];
        signatures = new byte[POOL][];
        signers = new String[POOL];
        for (int i = 0; i < POOL; i++) {
            Credentials payer = Credentials.create(PAYER_KEYS[i % PAYER_KEYS.length]);
            byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            auths[i] = new Eip3009Authorization(Keys.toChecksumAddress(payer.getAddress()), MERCHANT,
                    BigInteger.valueOf(1000), BigInteger.valueOf(now - 600), BigInteger.valueOf(now + 300),
                    "0x" + HexFormat.of().formatHex(nonce));
            digests[i] = Eip712.digest(DOMAIN, auths[i]);
            Sign.SignatureData sig = Sign.signMessage(digests[i], payer.getEcKeyPair(), false);
            byte[] bytes = new byte[65];
            System.arraycopy(sig.getR(), 0, bytes, 0, 32);
            System.arraycopy(sig.getS(), 0, bytes, 32, 32);
            bytes[64] = sig.getV()[0];
            signatures[i] = bytes;
            signers[i] = auths[i].from();
            Optional<String> recovered = SignatureRecovery.recover(digests[i], bytes);
            if (!recovered.equals(Optional.of(signers[i]))) {
                throw new IllegalStateException("recovery self-check failed for payment " + i + ": " + recovered);
            }
        }
    }

    private int index() {
        int i = next;
        next = (i + 1) & (POOL - 1);
        return i;
    }

    /** EIP-712 digest of one authorization (domain separator included, as the gateway computes it). */
    @Benchmark
    public byte[] digest() {
        return Eip712.digest(DOMAIN, auths[index()]);
    }

    /** secp256k1 recovery of the signer from a precomputed digest (the "signature recovery"). */
    @Benchmark
    public Optional<String> recover() {
        int i = index();
        return SignatureRecovery.recover(digests[i], signatures[i]);
    }

    /**
     * web3j's bare public-key recovery ({@code Sign.recoverFromSignature}) on the same inputs: the EC
     * arithmetic alone, without the low-s checks and the EIP-55 address derivation around it.
     */
    @Benchmark
    public BigInteger web3jRecoverPublicKey() {
        int i = index();
        byte[] sig = signatures[i];
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 0, 32));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        return Sign.recoverFromSignature((sig[64] & 0xff) - 27, new ECDSASignature(r, s), digests[i]);
    }

    /** Digest + recovery + comparison with {@code from}: the full offline signature check of one payment. */
    @Benchmark
    public boolean digestAndRecover() {
        int i = index();
        Optional<String> signer = SignatureRecovery.recover(Eip712.digest(DOMAIN, auths[i]), signatures[i]);
        return signer.isPresent() && signer.get().equals(signers[i]);
    }
}
