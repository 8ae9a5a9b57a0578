package io.sippar.fees;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeeScheduleJsonTest {

    @Test
    void defaultScheduleCarriesTheSeedNumbers() {
        FeeSchedule s = Fees.DEFAULT.versions().get(0);
        assertEquals(1, Fees.DEFAULT.versions().size());
        assertEquals("2025-01-seed", s.version());
        assertEquals(Instant.parse("2025-01-01T00:00:00Z"), s.effectiveFrom());
        assertEquals(List.of("micro", "small", "medium", "large"), s.bands().stream().map(Band::name).toList());
        assertEquals(new FeeRule.Flat(new BigDecimal("0.01")), s.bands().get(0).fee());
        assertEquals(new FeeRule.Flat(new BigDecimal("0.05")), s.bands().get(1).fee());
        assertEquals(new FeeRule.Percent(new BigDecimal("0.1")), s.bands().get(2).fee());
        assertEquals(new FeeRule.Percent(new BigDecimal("0.05")), s.bands().get(3).fee());
        assertEquals(new BigDecimal("1"), s.bands().get(0).upToUsd());
        assertFalse(s.bands().get(0).upToInclusive());
        assertTrue(s.bands().get(1).upToInclusive());
        assertTrue(s.bands().get(2).upToInclusive());
        assertNull(s.bands().get(3).upToUsd());
        assertEquals(Map.of("standard", new BigDecimal("0.1"), "enterprise", new BigDecimal("0.05"),
                "high-frequency", new BigDecimal("0.02")), s.crossChainPercent());
        assertEquals(new BigDecimal("0.001"), s.aiAgent().minPercent());
        assertEquals(new BigDecimal("0.01"), s.aiAgent().maxPercent());
        assertEquals(1_000_000, s.aiAgent().tiers().get(1).fromMonthlyTransactions());
        assertEquals(new BigDecimal("5"), s.capPercentOfPayment());
    }

    @Test
    void roundTripsTheDefaultSchedule() {
        String written = FeeScheduleJson.write(Fees.DEFAULT);
        FeeSchedules back = FeeScheduleJson.parse(written, "round-trip");
        assertEquals(Fees.DEFAULT, back);
        assertEquals(written, FeeScheduleJson.write(back), "writing is stable");
    }

    @Test
    void roundTripsVersionsWithPlanOverrides() {
        FeeSchedule base = Fees.DEFAULT.versions().get(0);
        var override = new PlanOverride(Map.of("large", new FeeRule.Percent(new BigDecimal("0.040")),
                "micro", new FeeRule.Flat(new BigDecimal("0.005"))),
                Map.of("standard", new BigDecimal("0.05")),
                List.of(new AgentTier(0, new BigDecimal("0.005")), new AgentTier(500_000, new BigDecimal("0.002"))));
        var v2 = new FeeSchedule("2026-07", Instant.parse("2026-07-01T00:00:00Z"), new BigDecimal("4.5"),
                base.bands(), base.crossChainPercent(), base.aiAgent(),
                Map.of("enterprise", override, "developer", PlanOverride.none()));
        var schedules = FeeSchedules.of(base, v2);
        assertEquals(schedules, FeeScheduleJson.parse(FeeScheduleJson.write(schedules), "round-trip"));
    }

    @Test
    void loadsAFileFromDisk(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("schedule.json");
        Files.writeString(file, FeeScheduleJson.write(Fees.DEFAULT));
        assertEquals(Fees.DEFAULT, FeeScheduleLoader.load(file));
        Files.writeString(file, "{\"format\": \"sippar-fee-schedules/1\"}");
        var e = assertThrows(InvalidFeeScheduleException.class, () -> FeeScheduleLoader.load(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": $: missing required field \"versions\""),
                e.getMessage());
    }

    @Test
    void readsJsonNumbersExactlyNotAsDoubles() {
        String json = valid().replace("\"flatUsd\": \"0.01\"", "\"flatUsd\": 0.1000000000000000055511151231257827");
        var s = FeeScheduleJson.parse(json, "t").versions().get(0);
        assertEquals(new BigDecimal("0.1000000000000000055511151231257827"),
                ((FeeRule.Flat) s.bands().get(0).fee()).usd());
    }

    /** Each row: a replacement applied to a valid file, and a fragment the error message must contain. */
    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', textBlock = """
            "version": "v1"|"version": "v1", "colour": "red"|$.versions[0]: unknown field "colour"
            "format": "sippar-fee-schedules/1"|"format": "sippar-fee-schedules/2"|$.format: expected "sippar-fee-schedules/1"
            "effectiveFrom": "2025-01-01T00:00:00Z"|"effectiveFrom": "2025-01-01"|$.versions[0].effectiveFrom: expected an ISO-8601
            "upToUsd": "1", "upToInclusive": false|"upToUsd": "1"|$.versions[0].bands[0]: upToInclusive is required
            "upToUsd": "100", "upToInclusive": true|"upToUsd": "0.5", "upToInclusive": true|must be above the previous band's 1
            "fee": { "percent": "0.05" }|"upToUsd": "20000", "upToInclusive": true, "fee": { "percent": "0.05" }|the last band 'large' must be open-ended
            "fee": { "flatUsd": "0.05" }|"fee": { "flatUsd": "0.05", "percent": "1" }|$.versions[0].bands[1].fee: exactly one of
            "fee": { "percent": "0.1" }|"fee": { "percent": "-0.1" }|$.versions[0].bands[2].fee: percent must be between 0 and 100
            "fee": { "flatUsd": "0.01" }|"fee": { "flatUsd": "one cent" }|$.versions[0].bands[0].fee.flatUsd: expected a decimal number
            "capPercentOfPayment": "5"|"capPercentOfPayment": "0"|capPercentOfPayment must be above 0
            "capPercentOfPayment": "5"|"capPercentOfPayment": "101"|capPercentOfPayment must be above 0 and at most 100
            "percent": "0.0025" }|"percent": "0.006" }|is above the previous tier's
            "percent": "0.001" }|"percent": "0.0001" }|is outside the AI-agent range
            "fromMonthlyTransactions": 0,|"fromMonthlyTransactions": 5,|fromMonthlyTransactions must be 0
            "fromMonthlyTransactions": 1000000,|"fromMonthlyTransactions": 1.5,|expected a whole number
            "planOverrides": {}|"planOverrides": { "enterprise": { "bandFees": { "huge": { "percent": "0.01" } } } }|plan 'enterprise' overrides unknown band 'huge'
            "planOverrides": {}|"planOverrides": { "enterprise": { "crossChainPercent": { "warp": "0.01" } } }|plan 'enterprise' overrides unknown cross-chain tier 'warp'
            "planOverrides": {}|"planOverrides": { "enterprise": { "aiAgentTiers": [] } }|aiAgentTiers: must not be empty
            "name": "small"|"name": "micro"|band name 'micro' appears twice
            "standard": "0.1",|"standard": "0.1", "standard": "0.2",|not valid JSON: Duplicate field 'standard'
            "versions": [|"versions": [ 42,|$.versions[0]: expected an object, got NUMBER
            "aiAgent": {|"aiAgentx": {|unknown field "aiAgentx"
            """)
    void rejectsMalformedSchedulesWithTheirPath(String find, String replace, String expected) {
        String json = valid();
        assertTrue(json.contains(find), "fixture lacks: " + find);
        String broken = json.replaceFirst(java.util.regex.Pattern.quote(find),
                java.util.regex.Matcher.quoteReplacement(replace));
        var e = assertThrows(InvalidFeeScheduleException.class, () -> FeeScheduleJson.parse(broken, "broken.json"));
        assertTrue(e.getMessage().startsWith("broken.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "message was: " + e.getMessage());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"format": "sippar-fee-schedules/1", "versions": [|not valid JSON
            ''|empty document
            []|$: expected an object, got ARRAY
            {"format": "sippar-fee-schedules/1", "versions": []}|at least one schedule version is required
            {"format": "sippar-fee-schedules/1", "versions": {}}|$.versions: expected an array
            """)
    void rejectsDocumentsThatAreNotSchedules(String json, String expected) {
        var e = assertThrows(InvalidFeeScheduleException.class, () -> FeeScheduleJson.parse(json, "doc.json"));
        assertTrue(e.getMessage().contains(expected), () -> "message was: " + e.getMessage());
    }

    @Test
    void rejectsTwoVersionsTakingEffectTogether() {
        String json = valid();
        int start = json.indexOf("{", json.indexOf("\"versions\""));
        int end = json.lastIndexOf("]");
        String version = json.substring(start, json.lastIndexOf("}", end) + 1);
        String two = json.substring(0, start) + version + ", " + version.replace("\"v1\"", "\"v2\"")
                + json.substring(json.lastIndexOf("}", end) + 1);
        var e = assertThrows(InvalidFeeScheduleException.class, () -> FeeScheduleJson.parse(two, "two.json"));
        assertTrue(e.getMessage().contains("both take effect at 2025-01-01T00:00:00Z"), e.getMessage());
    }

    /**
     * The default schedule file, whitespace collapsed (its columns are aligned for reading) and its
     * version renamed "v1": the fixture every malformed case edits.
     */
    private static String valid() {
        try (var in = FeeScheduleLoader.class.getClassLoader().getResourceAsStream(FeeScheduleLoader.DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replaceAll("\\s+", " ")
                    .replace("\"version\": \"2025-01-seed\"", "\"version\": \"v1\"");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
