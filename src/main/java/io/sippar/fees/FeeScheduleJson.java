package io.sippar.fees;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads and writes the fee schedule file format ({@code sippar-fee-schedules/1}, see {@code fees/FEES.md}).
 *
 * <p>Pure: it turns text into {@link FeeSchedules} and back, no file or classpath access. The tree is
 * walked by hand rather than bound to classes so that every error names its JSON path, unknown
 * fields are rejected (a typo in a money file must not silently fall back to a default), and
 * decimals are read exactly (strings, or JSON numbers read as BigDecimal, never double).
 */
public final class FeeScheduleJson {

    /** The format marker every file must carry, so a future format change is detected, not misread. */
    public static final String FORMAT = "sippar-fee-schedules/1";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private FeeScheduleJson() {
    }

    /** Parses a schedule file; {@code source} names it in error messages. */
    public static FeeSchedules parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidFeeScheduleException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidFeeScheduleException(source + ": empty document");
        }
        var r = new Reader(source);
        r.object(root, "$", Set.of("format", "versions"));
        String format = r.text(r.required(root, "format", "$"), "$.format");
        if (!FORMAT.equals(format)) {
            throw r.fail("$.format", "expected \"" + FORMAT + "\", got \"" + format + "\"");
        }
        JsonNode versions = r.required(root, "versions", "$");
        r.array(versions, "$.versions");
        List<FeeSchedule> list = new ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            list.add(r.schedule(versions.get(i), "$.versions[" + i + "]"));
        }
        try {
            return new FeeSchedules(list);
        } catch (IllegalArgumentException e) {
            throw r.fail("$.versions", e.getMessage());
        }
    }

    /** Writes {@code schedules} in the file format, decimals as strings, keys in a stable order. */
    public static String write(FeeSchedules schedules) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode versions = root.putArray("versions");
        for (FeeSchedule s : schedules.versions()) {
            ObjectNode v = versions.addObject();
            v.put("version", s.version());
            v.put("effectiveFrom", s.effectiveFrom().toString());
            v.put("capPercentOfPayment", s.capPercentOfPayment().toPlainString());
            ArrayNode bands = v.putArray("bands");
            for (Band b : s.bands()) {
                ObjectNode bn = bands.addObject();
                bn.put("name", b.name());
                if (b.upToUsd() != null) {
                    bn.put("upToUsd", b.upToUsd().toPlainString());
                    bn.put("upToInclusive", b.upToInclusive());
                }
                bn.set("fee", rule(b.fee()));
            }
            v.set("crossChainPercent", percents(s.crossChainPercent()));
            ObjectNode agent = v.putObject("aiAgent");
            agent.put("minPercent", s.aiAgent().minPercent().toPlainString());
            agent.put("maxPercent", s.aiAgent().maxPercent().toPlainString());
            agent.set("tiers", tiers(s.aiAgent().tiers()));
            ObjectNode plans = v.putObject("planOverrides");
            for (var e : new TreeMap<>(s.planOverrides()).entrySet()) {
                ObjectNode p = plans.putObject(e.getKey());
                PlanOverride o = e.getValue();
                if (!o.bandFees().isEmpty()) {
                    ObjectNode bf = p.putObject("bandFees");
                    new TreeMap<>(o.bandFees()).forEach((k, rule) -> bf.set(k, rule(rule)));
                }
                if (!o.crossChainPercent().isEmpty()) {
                    p.set("crossChainPercent", percents(o.crossChainPercent()));
                }
                if (!o.agentTiers().isEmpty()) {
                    p.set("aiAgentTiers", tiers(o.agentTiers()));
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen for a tree of strings", e);
        }
    }

    private static ObjectNode rule(FeeRule rule) {
        ObjectNode n = MAPPER.createObjectNode();
        switch (rule) {
            case FeeRule.Flat f -> n.put("flatUsd", f.usd().toPlainString());
            case FeeRule.Percent p -> n.put("percent", p.percent().toPlainString());
        }
        return n;
    }

    private static ObjectNode percents(Map<String, BigDecimal> map) {
        ObjectNode n = MAPPER.createObjectNode();
        new TreeMap<>(map).forEach((k, p) -> n.put(k, p.toPlainString()));
        return n;
    }

    private static ArrayNode tiers(List<AgentTier> tiers) {
        ArrayNode a = MAPPER.createArrayNode();
        for (AgentTier t : tiers) {
            ObjectNode n = a.addObject();
            n.put("fromMonthlyTransactions", t.fromMonthlyTransactions());
            n.put("percent", t.percent().toPlainString());
        }
        return a;
    }

    /** Walks the tree, carrying the source name for messages. */
    private record Reader(String source) {

        InvalidFeeScheduleException fail(String path, String problem) {
            return new InvalidFeeScheduleException(source + ": " + path + ": " + problem);
        }

        FeeSchedule schedule(JsonNode n, String path) {
            object(n, path, Set.of("version", "effectiveFrom", "capPercentOfPayment", "bands",
                    "crossChainPercent", "aiAgent", "planOverrides"));
            String version = text(required(n, "version", path), path + ".version");
            String fromText = text(required(n, "effectiveFrom", path), path + ".effectiveFrom");
            Instant from;
            try {
                from = Instant.parse(fromText);
            } catch (DateTimeParseException e) {
                throw fail(path + ".effectiveFrom", "expected an ISO-8601 UTC instant like \"2026-01-01T00:00:00Z\", got \""
                        + fromText + "\"");
            }
            BigDecimal cap = decimal(required(n, "capPercentOfPayment", path), path + ".capPercentOfPayment");

            JsonNode bandsNode = required(n, "bands", path);
            array(bandsNode, path + ".bands");
            List<Band> bands = new ArrayList<>();
            for (int i = 0; i < bandsNode.size(); i++) {
                bands.add(band(bandsNode.get(i), path + ".bands[" + i + "]"));
            }
            Map<String, BigDecimal> crossChain = percentMap(required(n, "crossChainPercent", path),
                    path + ".crossChainPercent");
            AgentPricing agent = agent(required(n, "aiAgent", path), path + ".aiAgent");

            Map<String, PlanOverride> overrides = new HashMap<>();
            JsonNode plans = n.get("planOverrides");
            if (plans != null) {
                object(plans, path + ".planOverrides", null);
                for (Iterator<Map.Entry<String, JsonNode>> it = plans.fields(); it.hasNext();) {
                    var e = it.next();
                    overrides.put(e.getKey(), override(e.getValue(), path + ".planOverrides." + e.getKey()));
                }
            }
            try {
                return new FeeSchedule(version, from, cap, bands, crossChain, agent, overrides);
            } catch (IllegalArgumentException e) {
                throw fail(path + " (version " + version + ")", e.getMessage());
            }
        }

        Band band(JsonNode n, String path) {
            object(n, path, Set.of("name", "upToUsd", "upToInclusive", "fee"));
            String name = text(required(n, "name", path), path + ".name");
            BigDecimal upTo = n.has("upToUsd") ? decimal(n.get("upToUsd"), path + ".upToUsd") : null;
            if (upTo != null && !n.has("upToInclusive")) {
                // The edge side is the decision that matters most; never default it.
                throw fail(path, "upToInclusive is required when upToUsd is given (which band owns the edge value?)");
            }
            if (upTo == null && n.has("upToInclusive")) {
                throw fail(path, "upToInclusive without upToUsd");
            }
            boolean inclusive = false;
            if (upTo != null) {
                JsonNode inc = n.get("upToInclusive");
                if (!inc.isBoolean()) {
                    throw fail(path + ".upToInclusive", "expected true or false, got " + inc);
                }
                inclusive = inc.booleanValue();
            }
            FeeRule fee = rule(required(n, "fee", path), path + ".fee");
            try {
                return new Band(name, upTo, inclusive, fee);
            } catch (IllegalArgumentException e) {
                throw fail(path, e.getMessage());
            }
        }

        FeeRule rule(JsonNode n, String path) {
            object(n, path, Set.of("flatUsd", "percent"));
            boolean flat = n.has("flatUsd");
            boolean percent = n.has("percent");
            if (flat == percent) {
                throw fail(path, "exactly one of \"flatUsd\" or \"percent\" is required");
            }
            try {
                return flat ? new FeeRule.Flat(decimal(n.get("flatUsd"), path + ".flatUsd"))
                        : new FeeRule.Percent(decimal(n.get("percent"), path + ".percent"));
            } catch (IllegalArgumentException e) {
                throw fail(path, e.getMessage());
            }
        }

        AgentPricing agent(JsonNode n, String path) {
            object(n, path, Set.of("minPercent", "maxPercent", "tiers"));
            BigDecimal min = decimal(required(n, "minPercent", path), path + ".minPercent");
            BigDecimal max = decimal(required(n, "maxPercent", path), path + ".maxPercent");
            List<AgentTier> tiers = tiers(required(n, "tiers", path), path + ".tiers");
            try {
                return new AgentPricing(min, max, tiers);
            } catch (IllegalArgumentException e) {
                throw fail(path, e.getMessage());
            }
        }

        List<AgentTier> tiers(JsonNode n, String path) {
            array(n, path);
            List<AgentTier> tiers = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                JsonNode t = n.get(i);
                String p = path + "[" + i + "]";
                object(t, p, Set.of("fromMonthlyTransactions", "percent"));
                JsonNode from = required(t, "fromMonthlyTransactions", p);
                if (!from.canConvertToExactIntegral() || !from.canConvertToLong()) {
                    throw fail(p + ".fromMonthlyTransactions", "expected a whole number, got " + from);
                }
                try {
                    tiers.add(new AgentTier(from.longValue(), decimal(required(t, "percent", p), p + ".percent")));
                } catch (IllegalArgumentException e) {
                    throw fail(p, e.getMessage());
                }
            }
            return tiers;
        }

        PlanOverride override(JsonNode n, String path) {
            object(n, path, Set.of("bandFees", "crossChainPercent", "aiAgentTiers"));
            Map<String, FeeRule> bandFees = new HashMap<>();
            if (n.has("bandFees")) {
                JsonNode bf = n.get("bandFees");
                object(bf, path + ".bandFees", null);
                for (Iterator<Map.Entry<String, JsonNode>> it = bf.fields(); it.hasNext();) {
                    var e = it.next();
                    bandFees.put(e.getKey(), rule(e.getValue(), path + ".bandFees." + e.getKey()));
                }
            }
            Map<String, BigDecimal> cross = n.has("crossChainPercent")
                    ? percentMap(n.get("crossChainPercent"), path + ".crossChainPercent") : Map.of();
            List<AgentTier> tiers = n.has("aiAgentTiers") ? tiers(n.get("aiAgentTiers"), path + ".aiAgentTiers")
                    : List.of();
            if (n.has("aiAgentTiers") && tiers.isEmpty()) {
                throw fail(path + ".aiAgentTiers", "must not be empty; omit it to keep the base tiers");
            }
            try {
                return new PlanOverride(bandFees, cross, tiers);
            } catch (IllegalArgumentException e) {
                throw fail(path, e.getMessage());
            }
        }

        Map<String, BigDecimal> percentMap(JsonNode n, String path) {
            object(n, path, null);
            Map<String, BigDecimal> map = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                var e = it.next();
                map.put(e.getKey(), decimal(e.getValue(), path + "." + e.getKey()));
            }
            return map;
        }

        void object(JsonNode n, String path, Set<String> allowed) {
            if (n == null || !n.isObject()) {
                throw fail(path, "expected an object, got " + (n == null ? "nothing" : n.getNodeType()));
            }
            if (allowed != null) {
                for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                    String f = it.next();
                    if (!allowed.contains(f)) {
                        throw fail(path, "unknown field \"" + f + "\" (allowed: " + new TreeSet<>(allowed) + ")");
                    }
                }
            }
        }

        void array(JsonNode n, String path) {
            if (n == null || !n.isArray()) {
                throw fail(path, "expected an array, got " + (n == null ? "nothing" : n.getNodeType()));
            }
        }

        JsonNode required(JsonNode n, String field, String path) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                throw fail(path, "missing required field \"" + field + "\"");
            }
            return v;
        }

        String text(JsonNode n, String path) {
            if (!n.isTextual() || n.textValue().isBlank()) {
                throw fail(path, "expected a non-empty string, got " + n);
            }
            return n.textValue();
        }

        BigDecimal decimal(JsonNode n, String path) {
            if (n.isTextual()) {
                try {
                    return new BigDecimal(n.textValue().trim());
                } catch (NumberFormatException e) {
                    throw fail(path, "expected a decimal number like \"0.05\", got \"" + n.textValue() + "\"");
                }
            }
            if (n.isNumber()) {
                return n.decimalValue();
            }
            throw fail(path, "expected a decimal number like \"0.05\", got " + n);
        }
    }
}
