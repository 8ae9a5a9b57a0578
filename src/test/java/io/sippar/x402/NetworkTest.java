package io.sippar.x402;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkTest {

    @Test
    void parsesEvmCaip2() {
        Network n = Network.parse("eip155:84532").orElseThrow();
        assertEquals("eip155", n.namespace());
        assertEquals("84532", n.reference());
        assertEquals("eip155:84532", n.caip2());
        assertEquals(OptionalLong.of(84532), n.evmChainId());
        assertEquals(Network.BASE_SEPOLIA, n);
    }

    @Test
    void parsesAlgorandGenesisHashIds() {
        Network main = Network.parse("algorand:wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=").orElseThrow();
        Network test = Network.parse("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=").orElseThrow();
        assertEquals(Network.ALGORAND_MAINNET, main);
        assertEquals(Network.ALGORAND_TESTNET, test);
        assertTrue(test.isAlgorand());
        assertEquals(OptionalLong.empty(), test.evmChainId());
        assertEquals(Optional.empty(), test.v1Name());
        assertEquals("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=", test.caip2());
    }

    @Test
    void parsesSolanaCaip2AndItsV1Names() {
        Network devnet = Network.parse("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1").orElseThrow();
        assertEquals(Optional.of("solana-devnet"), devnet.v1Name());
        assertEquals(devnet, Network.fromV1Name("solana-devnet").orElseThrow());
        assertEquals("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Network.fromV1Name("solana").orElseThrow().caip2());
    }

    @Test
    void mapsBaseSepoliaBothWays() {
        assertEquals(Network.BASE_SEPOLIA, Network.fromV1Name("base-sepolia").orElseThrow());
        assertEquals(Network.BASE_SEPOLIA, Network.parse("base-sepolia").orElseThrow());
        assertEquals(Optional.of("base-sepolia"), Network.BASE_SEPOLIA.v1Name());
        assertEquals(Optional.of("base"), Network.BASE.v1Name());
    }

    @Test
    void localAnvilChainHasNoV1Name() {
        Network anvil = Network.parse("eip155:31337").orElseThrow();
        assertEquals(Optional.empty(), anvil.v1Name());
        assertEquals(OptionalLong.of(31337), anvil.evmChainId());
    }

    @Test
    void ethereumDecodesButHasNoLegacyV1Name() {
        Network mainnet = Network.fromV1Name("ethereum").orElseThrow();
        assertEquals("eip155:1", mainnet.caip2());
        assertEquals(Optional.empty(), mainnet.v1Name());
    }

    @ParameterizedTest
    @CsvSource({
        "abstract,2741", "abstract-testnet,11124", "base-sepolia,84532", "base,8453", "avalanche-fuji,43113",
        "avalanche,43114", "iotex,4689", "sei,1329", "sei-testnet,1328", "polygon,137", "polygon-amoy,80002",
        "peaq,3338", "story,1514", "educhain,41923", "skale-base-sepolia,324705682"})
    void everyLegacyEvmNameRoundTrips(String name, long chainId) {
        Network n = Network.fromV1Name(name).orElseThrow();
        assertEquals(OptionalLong.of(chainId), n.evmChainId());
        assertEquals(Optional.of(name), n.v1Name());
    }

    @ParameterizedTest
    @CsvSource({"sepolia,11155111", "megaeth,4326", "monad,143", "stable,988", "stable-testnet,2201"})
    void newerV1NamesDecodeButAreNotOfferedToLegacyClients(String name, long chainId) {
        Network n = Network.fromV1Name(name).orElseThrow();
        assertEquals(OptionalLong.of(chainId), n.evmChainId());
        assertEquals(Optional.empty(), n.v1Name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "eip155", "eip155:", ":1", "EIP155:1", "ei:1", "toolongns:1", "eip155:abc",
        "eip155:0", "eip155:01", "eip155:-1", "eip155:1 ", "algorand:a b", "kairos-testnet", "Base-Sepolia",
        "eip155:99999999999999999999"})
    void rejectsMalformedOrUnknownIds(String value) {
        assertEquals(Optional.empty(), Network.parse(value));
    }

    @Test
    void rejectsReferencesLongerThan64() {
        assertTrue(Network.parse("cosmos:" + "a".repeat(64)).isPresent());
        assertEquals(Optional.empty(), Network.parse("cosmos:" + "a".repeat(65)));
    }

    @Test
    void constructorRejectsInvalidParts() {
        assertThrows(IllegalArgumentException.class, () -> new Network("eip155", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Network("E", "1"));
    }

    @Test
    void matchesExactIdsAndWildcards() {
        Network base = Network.BASE;
        assertTrue(base.matches("eip155:8453"));
        assertTrue(base.matches("eip155:*"));
        assertTrue(base.matches("*"));
        assertTrue(Network.ALGORAND_TESTNET.matches("algorand:*"));
        assertFalse(base.matches("eip155:84532"));
        assertFalse(base.matches("algorand:*"));
        assertFalse(base.matches("eip155"));
        assertFalse(base.matches(null));
        assertTrue(Network.parse("eip155:84532").orElseThrow().matches("eip155:845*"));
        // regex metacharacters in a pattern are literal
        assertFalse(Network.ALGORAND_TESTNET.matches("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9.cOUJOiI=*"));
        assertTrue(Network.ALGORAND_TESTNET.matches("algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=*"));
    }

    @Test
    void printsAsCaip2() {
        assertEquals("eip155:8453", Network.BASE.toString());
    }
}
