package io.sippar.billing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the plan file format {@code sippar-plans/1} (see {@code billing/PLANS.md}).
 *
 * <p>Walked by hand so that every error names its JSON path, unknown fields are refused (a typo in a
 * price file must not fall back to a default) and decimals are read exactly (strings, or JSON numbers
 * as BigDecimal, never double).
 */
public final class PlanCatalogJson {

    /** The format marker every plan file carries. */
    public static final String FORMAT = "sippar-plans/1";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private static final Set<String> ROOT = Set.of("format", "defaultPlan", "commitmentDiscounts", "plans");
    private static final Set<String> PLAN = Set.of("id", "name", "priceUsd", "billingCycle",
            "includedTransactionsPerMonth", "overageUsdPerTransaction", "hardStop", "commitmentYears", "offered");

    private PlanCatalogJson() {
    }

    /** Parses a plan file; {@code source} names it in error messages. */
    public static PlanCatalog parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidPlanCatalogException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")"), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidPlanCatalogException(source + ": empty document");
        }
        Reader r = new Reader(source);
        r.object(root, "$", ROOT);
        String format = r.text(r.required(root, "format", "$"), "$.format");
        if (!FORMAT.equals(format)) {
            throw r.fail("$.format", "expected \"" + FORMAT + "\", got \"" + format + "\"");
        }
        String defaultPlan = r.text(r.required(root, "defaultPlan", "$"), "$.defaultPlan");
        Map<Integer, BigDecimal> discounts = r.discounts(r.required(root, "commitmentDiscounts", "$"),
                "$.commitmentDiscounts");
        JsonNode plansNode = r.required(root, "plans", "$");
        if (!plansNode.isArray()) {
            throw r.fail("$.plans", "expected an array of plans");
        }
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < plansNode.size(); i++) {
            plans.add(r.plan(plansNode.get(i), "$.plans[" + i + "]"));
        }
        try {
            return new PlanCatalog(plans, defaultPlan, new TreeMap<>(discounts), source);
        } catch (IllegalArgumentException e) {
            throw r.fail("$", e.getMessage());
        }
    }

    /** Walks the tree, carrying the source name for messages. */
    private record Reader(String source) {

        InvalidPlanCatalogException fail(String path, String problem) {
            return new InvalidPlanCatalogException(source + ": " + path + ": " + problem);
        }

        void object(JsonNode n, String path, Set<String> allowed) {
            if (n == null || !n.isObject()) {
                throw fail(path, "expected an object");
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                String field = it.next();
                if (!allowed.contains(field)) {
                    throw fail(path + "." + field, "unknown field (allowed: "
                            + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                }
            }
        }

        JsonNode required(JsonNode n, String field, String path) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                throw fail(path + "." + field, "required");
            }
            return v;
        }

        String text(JsonNode n, String path) {
            if (!n.isTextual() || n.asText().isBlank()) {
                throw fail(path, "expected a non-empty string");
            }
            return n.asText();
        }

        BigDecimal decimal(JsonNode n, String path) {
            if (n.isTextual()) {
                String s = n.asText();
                if (!s.matches("^[0-9]+(\\.[0-9]+)?$")) {
                    throw fail(path, "expected a non-negative decimal like \"0.15\", got \"" + s + "\"");
                }
                return new BigDecimal(s);
            }
            if (n.isNumber() && !n.isFloatingPointNumber() || n.isBigDecimal()) {
                return n.decimalValue();
            }
            throw fail(path, "expected a decimal string like \"500.00\"");
        }

        Map<Integer, BigDecimal> discounts(JsonNode n, String path) {
            if (!n.isObject()) {
                throw fail(path, "expected an object of years to discount, like {\"1\": \"0\", \"3\": \"0.15\"}");
            }
            Map<Integer, BigDecimal> out = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                var e = it.next();
                if (!e.getKey().matches("^[1-9][0-9]?$")) {
                    throw fail(path + "." + e.getKey(), "keys are whole years, like \"3\"");
                }
                out.put(Integer.parseInt(e.getKey()), decimal(e.getValue(), path + "." + e.getKey()));
            }
            return out;
        }

        Plan plan(JsonNode n, String path) {
            object(n, path, PLAN);
            String id = text(required(n, "id", path), path + ".id");
            String at = path + " (" + id + ")";
            String name = text(required(n, "name", path), path + ".name");
            BigDecimal price = decimal(required(n, "priceUsd", path), path + ".priceUsd");
            String cycleText = text(required(n, "billingCycle", path), path + ".billingCycle");
            BillingCycle cycle = BillingCycle.fromWire(cycleText).orElseThrow(() -> fail(path + ".billingCycle",
                    "expected \"month\" or \"year\", got \"" + cycleText + "\""));
            JsonNode includedNode = required(n, "includedTransactionsPerMonth", path);
            Long included;
            if (includedNode.isTextual() && "unlimited".equals(includedNode.asText())) {
                included = null;
            } else if (includedNode.isIntegralNumber() && includedNode.canConvertToLong()) {
                included = includedNode.asLong();
            } else {
                throw fail(path + ".includedTransactionsPerMonth", "expected a whole number or \"unlimited\"");
            }
            JsonNode overageNode = n.get("overageUsdPerTransaction");
            BigDecimal overage = overageNode == null || overageNode.isNull() ? null
                    : decimal(overageNode, path + ".overageUsdPerTransaction");
            JsonNode hardStopNode = required(n, "hardStop", path);
            if (!hardStopNode.isBoolean()) {
                throw fail(path + ".hardStop", "expected true or false");
            }
            List<Integer> years = new ArrayList<>();
            JsonNode yearsNode = n.get("commitmentYears");
            if (yearsNode != null) {
                if (!yearsNode.isArray()) {
                    throw fail(path + ".commitmentYears", "expected an array of years, like [1, 3, 5]");
                }
                for (int i = 0; i < yearsNode.size(); i++) {
                    JsonNode y = yearsNode.get(i);
                    if (!y.isInt() || y.asInt() < 1) {
                        throw fail(path + ".commitmentYears[" + i + "]", "expected a whole number of years");
                    }
                    if (years.contains(y.asInt())) {
                        throw fail(path + ".commitmentYears[" + i + "]", y.asInt() + " appears twice");
                    }
                    years.add(y.asInt());
                }
            }
            JsonNode offeredNode = n.get("offered");
            if (offeredNode != null && !offeredNode.isBoolean()) {
                throw fail(path + ".offered", "expected true or false");
            }
            try {
                return new Plan(id, name, price, cycle, included, overage, hardStopNode.asBoolean(), years,
                        offeredNode == null || offeredNode.asBoolean());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw fail(at, e.getMessage());
            }
        }
    }
}
