package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests: every kustomization renders with kubectl's kustomize and every object
 * validates against the Kubernetes schemas (and a broken manifest is refused), and the rendered
 * base and production overlay keep the invariants the gateway relies on.
 */
class K8sManifestsTest {

    private static K8sManifests.Check check;

    @BeforeAll
    static void render() {
        check = K8sManifests.check("k8s/base", "k8s/overlays/production", "--file", "k8s/base/secret.example.yaml");
    }

    @Test
    void everyKustomizationRendersAndEveryObjectIsValidAgainstTheKubernetesSchemas() {
        assertEquals(0, check.exitCode(), check.stderr() + check.report());
        assertTrue(check.report().get("ok").asBoolean());
        for (JsonNode target : check.report().get("targets")) {
            assertTrue(target.get("error").isNull(), target.toString());
            assertTrue(target.get("objects").size() > 0, target.toString());
            target.get("objects").forEach(o -> assertEquals(0, o.get("errors").size(), o.toString()));
        }
        Set<String> kinds = new TreeSet<>();
        check.rendered("k8s/base").forEach(o -> kinds.add(o.get("kind").asText()));
        assertEquals(new TreeSet<>(List.of("ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                "PodDisruptionBudget", "Service", "ServiceAccount")), kinds);
    }

    @Test
    void brokenManifestsAreRefusedByTheValidator() throws IOException {
        Path dir = K8sManifests.root().resolve("target/k8s-broken-" + UUID.randomUUID());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [deployment.yaml]
                """);
        Files.writeString(dir.resolve("deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: broken}
                spec:
                  replicas: two
                  selector: {matchLabels: {app: broken}}
                  template:
                    metadata: {labels: {app: broken}}
                    spec:
                      containers:
                        - image: sippar/gateway:0.1.0
                          ports: [{containerPort: http}]
                """);
        Files.writeString(dir.resolve("unknown.yaml"), """
                apiVersion: apps/v1
                kind: Deploymnt
                metadata: {name: typo}
                """);
        Files.createDirectories(dir.resolve("missing"));
        Files.writeString(dir.resolve("missing/kustomization.yaml"), "resources: [nowhere.yaml]\n");
        String base = K8sManifests.root().relativize(dir).toString();

        K8sManifests.Check broken = K8sManifests.check(base, "--file", base + "/unknown.yaml", base + "/missing");
        assertEquals(1, broken.exitCode(), broken.report().toString());
        String errors = broken.report().toString();
        assertTrue(errors.contains("data/spec/replicas must be integer"), errors);
        assertTrue(errors.contains("containers/0 must have required property 'name'")
                || errors.contains("containers/0 must have required property name"), errors);
        assertTrue(errors.contains("containerPort must be integer"), errors);
        assertTrue(errors.contains("no schema for apps/v1 Deploymnt"), errors);
        assertTrue(broken.report().at("/targets/2/error").asText().contains("nowhere.yaml"), errors);
    }

    @Test
    void renderedBaseAndProductionOverlayKeepTheOperationalInvariants() {
        assertEquals(List.of(), K8sManifests.violations(check.rendered("k8s/base")));
        assertEquals(List.of(), K8sManifests.violations(check.rendered("k8s/overlays/production")));
        JsonNode production = check.rendered("k8s/overlays/production");
        JsonNode container = K8sManifests.ofKind(production, "Deployment").get(0)
                .at("/spec/template/spec/containers/0");
        assertEquals("registry.example.com/sippar/gateway:0.1.0", container.get("image").asText());
        K8sManifests.ofKind(production, "Deployment").forEach(d -> assertEquals("sippar",
                d.at("/metadata/namespace").asText()));
    }

    @Test
    void invariantCheckCatchesEachWeakenedManifest() {
        List<String> found = new ArrayList<>();
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec/containers/0/securityContext"))
                .put("readOnlyRootFilesystem", false)));
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec/containers/0/readinessProbe/httpGet"))
                .put("path", "/health")));
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec")).put("terminationGracePeriodSeconds",
                30)));
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec/containers/0")).put("image",
                "sippar/gateway:latest")));
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec/containers/0/resources")).remove(
                "limits")));
        found.addAll(mutated(d -> ((ObjectNode) d.at("/spec/template/spec/securityContext")).put("runAsUser", 0)));
        String all = String.join("\n", found);
        for (String expected : List.of("readOnlyRootFilesystem must be true", "readinessProbe must GET /q/health/ready",
                "terminationGracePeriodSeconds 30 must exceed", "must have a fixed tag or digest, not latest",
                "resources.limits.memory must be set", "must run as a non-zero UID")) {
            assertTrue(all.contains(expected), expected + " not in:\n" + all);
        }

        JsonNode rendered = check.rendered("k8s/base").deepCopy();
        for (JsonNode o : rendered) {
            if (o.get("kind").asText().equals("HorizontalPodAutoscaler")) {
                ((ObjectNode) o.get("spec")).put("minReplicas", 1);
            }
            if (o.get("kind").asText().equals("ConfigMap") && o.at("/data/HTTP_HOST").isTextual()) {
                ((ObjectNode) o.get("data")).put("SIPPAR_LOG_JSON", "false");
                ((ObjectNode) o.get("data")).put("DB_PASSWORD", "hunter2");
                ((ObjectNode) o.get("data")).put("SETTLER", "0x" + "ab".repeat(32));
            }
            if (o.get("kind").asText().equals("PodDisruptionBudget")) {
                ((ObjectNode) o.get("spec")).remove("maxUnavailable");
                ((ObjectNode) o.get("spec")).put("minAvailable", 2);
            }
        }
        String violations = String.join("\n", K8sManifests.violations(rendered));
        assertTrue(violations.contains("HPA minReplicas must be at least 2"), violations);
        assertTrue(violations.contains("SIPPAR_LOG_JSON must be true"), violations);
        assertTrue(violations.contains("looks like a secret: DB_PASSWORD"), violations);
        assertTrue(violations.contains("looks like a secret: SETTLER"), violations);
        assertTrue(violations.contains("PDB minAvailable must be below"), violations);
    }

    @Test
    void aNetworkSettlingFromOneKeyFileWhileTheHpaScalesOutIsRefused() {
        JsonNode production = check.rendered("k8s/overlays/production").deepCopy();
        assertEquals(List.of(), K8sManifests.violations(production), "the overlay names a key directory");
        for (JsonNode o : production) {
            JsonNode file = o.at("/data/application.properties");
            if (o.get("kind").asText().equals("ConfigMap") && file.isTextual()) {
                ((ObjectNode) o.get("data")).put("application.properties", file.asText().replace(
                        "settlement-key-dir=/var/run/secrets/sippar/settlement",
                        "settlement-key-file=/var/run/secrets/sippar/settlement/base"));
            }
        }
        String violations = String.join("\n", K8sManifests.violations(production));
        assertTrue(violations.contains("sippar.evm.networks.base must name several settlement keys"), violations);
    }

    @Test
    void secretExampleHoldsOnlyPlaceholders() {
        JsonNode secrets = check.rendered("secret.example.yaml");
        assertEquals(2, secrets.size());
        for (JsonNode s : secrets) {
            assertEquals("Secret", s.get("kind").asText());
            s.get("stringData").fields().forEachRemaining(e -> {
                String v = e.getValue().asText();
                assertTrue(v.startsWith("REPLACE-WITH-") || v.contains(".example.invalid") || v.equals("sippar"),
                        e.getKey() + " is not an obvious placeholder: " + v);
            });
        }
    }

    @Test
    void durationsParseLikeQuarkus() {
        assertEquals(Duration.ofSeconds(100), K8sManifests.duration("100s").orElseThrow());
        assertEquals(Duration.ofMillis(250), K8sManifests.duration("250ms").orElseThrow());
        assertEquals(Duration.ofMinutes(2), K8sManifests.duration("2m").orElseThrow());
        assertEquals(Duration.ofSeconds(100), K8sManifests.duration("PT1M40S").orElseThrow());
        assertTrue(K8sManifests.duration(" ").isEmpty());
    }

    private static List<String> mutated(java.util.function.Consumer<JsonNode> change) {
        ArrayNode rendered = (ArrayNode) check.rendered("k8s/base").deepCopy();
        for (JsonNode o : rendered) {
            if (o.get("kind").asText().equals("Deployment")) {
                change.accept(o);
            }
        }
        return K8sManifests.violations(rendered);
    }
}
