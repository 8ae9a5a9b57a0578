package io.sippar.evm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sippar.testsupport.AnvilFixture;
import io.sippar.x402.Payment;
import io.sippar.x402.PaymentRequirements;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/** Builds signed exact-EVM payments against an {@link AnvilFixture} and reads token state back. */
final class AnvilPayments {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong COUNTER = new AtomicLong();

    final AnvilFixture anvil;
    final HttpService service;
    final Web3j web3j;

    AnvilPayments(AnvilFixture anvil) {
        this.anvil = anvil;
        this.service = new HttpService(anvil.rpcUrl());
        this.web3j = Web3j.build(service);
    }

    Eip712.Domain domain() {
        return new Eip712.Domain(anvil.token().name(), anvil.token().version(), anvil.chainId(),
                anvil.token().address());
    }

    PaymentRequirements requirements(String amount) {
        return requirements(domain(), amount);
    }

    PaymentRequirements requirements(Eip712.Domain domain, String amount) {
        ObjectNode extra = JsonNodeFactory.instance.objectNode().put("name", domain.name())
                .put("version", domain.version());
        return new PaymentRequirements("exact", anvil.network(), amount, anvil.token().address(),
                anvil.merchant().address(), 60, extra);
    }

    static String randomNonce() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        // a counter in the first bytes makes collisions impossible even across fast loops
        long c = COUNTER.incrementAndGet();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (c >>> (56 - 8 * i));
        }
        return Numeric.toHexString(b);
    }

    Eip3009Authorization authorization(String from, String amount) {
        long now = System.currentTimeMillis() / 1000;
        return new Eip3009Authorization(from, anvil.merchant().address(), new BigInteger(amount),
                BigInteger.valueOf(now - 600), BigInteger.valueOf(now + 600), randomNonce());
    }

    /** A v2 payment of {@code amount} from the EOA with {@code key}, signed over {@code domain}. */
    Payment payment(String key, String from, String amount, Eip712.Domain domain) {
        Eip3009Authorization auth = authorization(from, amount);
        return EvmVectors.v2(requirements(domain, amount),
                EvmVectors.payloadJson(auth, EvmVectors.sign(domain, auth, key)));
    }

    Payment payment(AnvilFixture.Account account, String amount) {
        return payment(account.privateKey(), account.address(), amount, domain());
    }

    String nonceOf(Payment p) {
        return p.payload().at("/authorization/nonce").asText();
    }

    BigInteger balanceOf(String owner) throws IOException {
        return (BigInteger) call(TokenAbi.balanceOf(owner)).get(0).getValue();
    }

    boolean authorizationState(String from, String nonce) throws IOException {
        return (Boolean) call(TokenAbi.authorizationState(from, nonce)).get(0).getValue();
    }

    @SuppressWarnings("rawtypes")
    private List<Type> call(Function f) throws IOException {
        String out = web3j.ethCall(Transaction.createEthCallTransaction(null, anvil.token().address(),
                FunctionEncoder.encode(f)), DefaultBlockParameterName.LATEST).send().getValue();
        return FunctionReturnDecoder.decode(out, f.getOutputParameters());
    }

    /** An anvil/evm_* control call (evm_setAutomine, evm_mine, ...). */
    void control(String method, Object... params) throws IOException {
        VoidResponse r = new Request<>(method, List.of(params), service, VoidResponse.class).send();
        if (r.hasError()) {
            throw new IOException(method + ": " + r.getError().getMessage());
        }
    }

    void close() {
        web3j.shutdown();
    }
}
