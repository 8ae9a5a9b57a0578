package io.sippar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code k8s/tools/check.mjs} (kubectl's kustomize + the Kubernetes schemas, npm packages
 * installed from the committed lock file) and checks the operational invariants of the rendered
 * objects: what the gateway needs to run safely on Kubernetes.
 */
final class K8sManifests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration CHECK_TIMEOUT = Duration.ofMinutes(2);
    /** Defaults of the properties that bound a request's life (GatewayConfig, EvmConfig). */
    private static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DEFAULT_RECEIPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|token|mnemonic|private|api[-_.]?key|settlement[-_.]key)(?![-_.]?(file|dir)).*");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "(?s).*(0x[0-9a-fA-F]{64}|sk_[A-Za-z0-9_]{16,}|://[^/\\s:@]+:[^/\\s@]+@|-----BEGIN).*");

    private K8sManifests() {
    }

    /** The result of one check.mjs run. */
    record Check(int exitCode, JsonNode report, String stderr) {
        /** The rendered objects of the target whose path ends with {@code suffix}. */
        JsonNode rendered(String suffix) {
            for (JsonNode t : report.get("targets")) {
                if (t.get("target").asText().endsWith(suffix)) {
                    return t.get("rendered");
                }
            }
            throw new IllegalArgumentException("no target " + suffix + " in " + report);
        }
    }

    static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("k8s/tools/package.json"))) {
                return p;
            }
        }
        throw new IllegalStateException("no k8s/tools/package.json above " + dir);
    }

    /** Runs check.mjs with {@code --print} on the given arguments (paths relative to the project root). */
    static Check check(String... args) {
        Path tools = root().resolve("k8s/tools");
        installOnce(tools);
        List<String> command = new ArrayList<>(List.of("node", tools.resolve("check.mjs").toString(), "--print"));
        command.addAll(List.of(args));
        Exec r = exec(command, root(), CHECK_TIMEOUT);
        try {
            String line = r.stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("check.mjs printed no report (exit " + r.exit
                            + "): " + r.stderr));
            return new Check(r.exit, JSON.readTree(line), r.stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized void installOnce(Path tools) {
        Path marker = tools.resolve("node_modules/.package-lock.json");
        try {
            if (Files.isRegularFile(marker) && Files.getLastModifiedTime(marker)
                    .compareTo(Files.getLastModifiedTime(tools.resolve("package-lock.json"))) >= 0) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exec r = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), tools, NPM_TIMEOUT);
        if (r.exit != 0) {
            throw new IllegalStateException("npm ci failed in " + tools + ": " + r.stderr);
        }
    }

    private record Exec(int exit, String stdout, String stderr) {
    }

    private static Exec exec(List<String> command, Path cwd, Duration timeout) {
        try {
            Path out = Files.createTempFile("k8s-check", ".out");
            Path err = Files.createTempFile("k8s-check", ".err");
            try {
                Process p = new ProcessBuilder(command).directory(cwd.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeout);
                }
                return new Exec(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> ofKind(JsonNode rendered, String kind) {
        List<JsonNode> found = new ArrayList<>();
        rendered.forEach(o -> {
            if (kind.equals(o.path("kind").asText())) {
                found.add(o);
            }
        });
        return found;
    }

    private static JsonNode one(JsonNode rendered, String kind, List<String> violations) {
        List<JsonNode> found = ofKind(rendered, kind);
        if (found.size() != 1) {
            violations.add("expected one " + kind + ", found " + found.size());
            return JSON.missingNode();
        }
        return found.get(0);
    }

    /** Everything wrong with a rendered set of objects, for operating the gateway; empty when fine. */
    static List<String> violations(JsonNode rendered) {
        List<String> v = new ArrayList<>();
        JsonNode deployment = one(rendered, "Deployment", v);
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode hpa = one(rendered, "HorizontalPodAutoscaler", v);
        JsonNode pdb = one(rendered, "PodDisruptionBudget", v);
        JsonNode service = one(rendered, "Service", v);
        JsonNode policy = one(rendered, "NetworkPolicy", v);
        JsonNode account = one(rendered, "ServiceAccount", v);
        if (!ofKind(rendered, "Secret").isEmpty()) {
            v.add("Secrets must not be part of the kustomization (created out of band)");
        }

        // pod security
        if (!pod.at("/securityContext/runAsNonRoot").asBoolean(false)) {
            v.add("pod securityContext.runAsNonRoot must be true");
        }
        if (pod.at("/securityContext/runAsUser").asInt(0) == 0) {
            v.add("pod must run as a non-zero UID");
        }
        if (!"RuntimeDefault".equals(pod.at("/securityContext/seccompProfile/type").asText())) {
            v.add("seccompProfile must be RuntimeDefault");
        }
        if (pod.path("automountServiceAccountToken").asBoolean(true)
                || account.path("automountServiceAccountToken").asBoolean(true)) {
            v.add("the service account token must not be mounted");
        }
        if (!pod.path("serviceAccountName").asText().equals(account.at("/metadata/name").asText())) {
            v.add("the pod must use the gateway's ServiceAccount");
        }
        JsonNode containers = pod.path("containers");
        if (containers.isEmpty()) {
            v.add("no containers");
        }
        for (JsonNode c : containers) {
            String name = c.path("name").asText();
            JsonNode sc = c.path("securityContext");
            if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
                v.add(name + ": readOnlyRootFilesystem must be true");
            }
            if (sc.path("allowPrivilegeEscalation").asBoolean(true)) {
                v.add(name + ": allowPrivilegeEscalation must be false");
            }
            boolean dropsAll = false;
            for (JsonNode d : sc.at("/capabilities/drop")) {
                dropsAll |= d.asText().equals("ALL");
            }
            if (!dropsAll || !sc.at("/capabilities/add").isMissingNode()) {
                v.add(name + ": must drop ALL capabilities and add none");
            }
            for (String r : List.of("requests", "limits")) {
                for (String res : List.of("cpu", "memory")) {
                    if (c.at("/resources/" + r + "/" + res).asText().isBlank()) {
                        v.add(name + ": resources." + r + "." + res + " must be set");
                    }
                }
            }
            String image = c.path("image").asText();
            String tag = image.contains("@") ? "digest" : image.substring(image.lastIndexOf('/') + 1).contains(":")
                    ? image.substring(image.lastIndexOf(':') + 1) : "";
            if (tag.isEmpty() || tag.equals("latest")) {
                v.add(name + ": image " + image + " must have a fixed tag or digest, not latest");
            }
            probes(c, v);
            mounts(c, pod, v);
        }

        // graceful shutdown longer than the longest settlement wait
        Properties config = config(rendered, v);
        Duration upstream = duration(config.getProperty("sippar.gateway.upstream-timeout"))
                .orElse(DEFAULT_UPSTREAM_TIMEOUT);
        Duration receipt = DEFAULT_RECEIPT_TIMEOUT;
        for (String key : config.stringPropertyNames()) {
            if (key.startsWith("sippar.evm.networks.") && key.endsWith(".receipt-timeout")) {
                Duration d = duration(config.getProperty(key)).orElse(DEFAULT_RECEIPT_TIMEOUT);
                receipt = d.compareTo(receipt) > 0 ? d : receipt;
            }
        }
        Duration longestWait = upstream.plus(receipt);
        Optional<Duration> shutdown = duration(config.getProperty("quarkus.shutdown.timeout"));
        long grace = pod.path("terminationGracePeriodSeconds").asLong(30);
        long preStop = preStopSeconds(containers);
        if (shutdown.isEmpty() || shutdown.get().compareTo(longestWait) <= 0) {
            v.add("quarkus.shutdown.timeout (" + shutdown.orElse(null) + ") must exceed upstream + receipt timeout ("
                    + longestWait + ")");
        }
        if (grace <= preStop + shutdown.orElse(longestWait).toSeconds()) {
            v.add("terminationGracePeriodSeconds " + grace + " must exceed preStop " + preStop + " s + shutdown "
                    + shutdown.orElse(longestWait).toSeconds() + " s");
        }
        if (preStop <= 0) {
            v.add("a preStop sleep must let proxies drop the pod before it stops accepting");
        }

        // scaling and disruptions
        int minReplicas = hpa.at("/spec/minReplicas").asInt(1);
        if (minReplicas < 2) {
            v.add("HPA minReplicas must be at least 2");
        }
        if (hpa.at("/spec/maxReplicas").asInt(0) < minReplicas) {
            v.add("HPA maxReplicas must be at least minReplicas");
        }
        // each pod leases its own settlement key per network: one key file leaves every other pod unready
        for (String key : config.stringPropertyNames()) {
            if (key.startsWith("sippar.evm.networks.") && key.endsWith(".chain-id")) {
                String network = key.substring(0, key.length() - ".chain-id".length());
                if (config.getProperty(network + ".settlement-key-dir") == null
                        && config.getProperty(network + ".settlement-keys") == null) {
                    v.add(network + " must name several settlement keys (settlement-key-dir): each of up to "
                            + hpa.at("/spec/maxReplicas").asInt() + " pods leases its own");
                }
            }
        }
        if (!"true".equals(envLiteral(rendered, "SIPPAR_LOG_JSON"))) {
            v.add("SIPPAR_LOG_JSON must be true: log collectors read one JSON object per line");
        }
        if (!hpa.at("/spec/scaleTargetRef/name").asText().equals(deployment.at("/metadata/name").asText())) {
            v.add("HPA must scale the gateway Deployment");
        }
        if (deployment.at("/spec/replicas").isInt() && deployment.at("/spec/replicas").asInt() < minReplicas) {
            v.add("Deployment replicas below the HPA's minReplicas");
        }
        JsonNode maxUnavailable = pdb.at("/spec/maxUnavailable");
        JsonNode minAvailable = pdb.at("/spec/minAvailable");
        if (maxUnavailable.isMissingNode() == minAvailable.isMissingNode()) {
            v.add("PDB must set exactly one of minAvailable and maxUnavailable");
        } else if (maxUnavailable.isInt() && maxUnavailable.asInt() < 1) {
            v.add("PDB maxUnavailable 0 blocks every drain");
        } else if (minAvailable.isInt() && minAvailable.asInt() >= minReplicas) {
            v.add("PDB minAvailable must be below the HPA's minReplicas, else no pod can ever be evicted");
        } else if (maxUnavailable.isTextual() || minAvailable.isTextual()) {
            v.add("PDB with a percentage: use an absolute number next to minReplicas");
        }
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        if (!deployment.at("/spec/selector/matchLabels").equals(pdb.at("/spec/selector/matchLabels"))
                || !deployment.at("/spec/selector/matchLabels").equals(policy.at("/spec/podSelector/matchLabels"))
                || !matches(service.at("/spec/selector"), podLabels)) {
            v.add("Service, PDB and NetworkPolicy must select the Deployment's pods");
        }

        // network
        List<String> types = new ArrayList<>();
        policy.at("/spec/policyTypes").forEach(t -> types.add(t.asText()));
        if (!types.containsAll(List.of("Ingress", "Egress"))) {
            v.add("NetworkPolicy must restrict both ingress and egress");
        }
        if (!allowsPort(policy.at("/spec/ingress"), 8080, "TCP")) {
            v.add("NetworkPolicy must admit ingress to 8080");
        }
        for (int[] port : new int[][] {{53, 0}, {5432, 1}, {443, 1}}) {
            if (!allowsPort(policy.at("/spec/egress"), port[0], port[1] == 0 ? "UDP" : "TCP")) {
                v.add("NetworkPolicy must allow egress to " + port[0]);
            }
        }
        return v;
    }

    private static void probes(JsonNode c, List<String> v) {
        String[][] expected = {{"startupProbe", "/q/health/started"}, {"readinessProbe", "/q/health/ready"},
            {"livenessProbe", "/q/health/live"}};
        for (String[] e : expected) {
            JsonNode get = c.at("/" + e[0] + "/httpGet");
            if (!e[1].equals(get.path("path").asText())) {
                v.add(c.path("name").asText() + ": " + e[0] + " must GET " + e[1]);
            }
            if (containerPort(c, get.path("port")) != 8080) {
                v.add(c.path("name").asText() + ": " + e[0] + " must probe the HTTP port 8080");
            }
        }
    }

    private static int containerPort(JsonNode c, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : c.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return -1;
    }

    private static void mounts(JsonNode c, JsonNode pod, List<String> v) {
        boolean tmp = false;
        for (JsonNode m : c.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals("/tmp")) {
                for (JsonNode vol : pod.path("volumes")) {
                    tmp |= vol.path("name").asText().equals(m.path("name").asText()) && vol.has("emptyDir");
                }
            }
        }
        if (!tmp) {
            v.add(c.path("name").asText() + ": /tmp must be an emptyDir on a read-only root filesystem");
        }
        boolean dbFromSecret = false;
        for (JsonNode from : c.path("envFrom")) {
            dbFromSecret |= from.has("secretRef");
        }
        for (JsonNode env : c.path("env")) {
            if (env.path("name").asText().equals("DB_URL") && env.has("value")) {
                v.add("DB_URL must come from a Secret, not a literal");
            }
            dbFromSecret |= env.path("name").asText().equals("DB_URL") && env.has("valueFrom");
        }
        if (!dbFromSecret) {
            v.add("the database settings must come from a Secret (without DB_URL the pod starts an embedded database)");
        }
        boolean keysAsFiles = false;
        for (JsonNode vol : pod.path("volumes")) {
            keysAsFiles |= vol.has("secret");
        }
        if (!keysAsFiles) {
            v.add("settlement keys must be mounted as files from a Secret");
        }
    }

    private static long preStopSeconds(JsonNode containers) {
        long max = 0;
        for (JsonNode c : containers) {
            JsonNode stop = c.at("/lifecycle/preStop");
            if (stop.has("sleep")) {
                max = Math.max(max, stop.at("/sleep/seconds").asLong());
            }
            JsonNode cmd = stop.at("/exec/command");
            if (cmd.size() == 2 && cmd.get(0).asText().endsWith("sleep")) {
                max = Math.max(max, Long.parseLong(cmd.get(1).asText()));
            }
        }
        return max;
    }

    /** A literal of the generated environment ConfigMap, or null. */
    private static String envLiteral(JsonNode rendered, String name) {
        for (JsonNode cm : ofKind(rendered, "ConfigMap")) {
            if (cm.at("/data/" + name).isTextual()) {
                return cm.at("/data/" + name).asText();
            }
        }
        return null;
    }

    /** The merged application.properties of every ConfigMap, checking none holds a secret. */
    private static Properties config(JsonNode rendered, List<String> v) {
        Properties props = new Properties();
        for (JsonNode cm : ofKind(rendered, "ConfigMap")) {
            cm.path("data").fields().forEachRemaining(e -> {
                String value = e.getValue().asText();
                if (e.getKey().endsWith(".properties")) {
                    Properties file = new Properties();
                    try {
                        file.load(new StringReader(value));
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                    file.forEach((k, val) -> secretCheck(cm, k.toString(), val.toString(), v));
                    props.putAll(file);
                } else {
                    secretCheck(cm, e.getKey(), value, v);
                }
            });
        }
        return props;
    }

    private static void secretCheck(JsonNode cm, String key, String value, List<String> v) {
        if (SECRET_NAME.matcher(key).matches() || SECRET_VALUE.matcher(value).matches()) {
            v.add("ConfigMap " + cm.at("/metadata/name").asText() + " holds what looks like a secret: " + key);
        }
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().equals(labels.path(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allowsPort(JsonNode rules, int port, String protocol) {
        for (JsonNode rule : rules) {
            for (JsonNode p : rule.path("ports")) {
                if (p.path("port").asInt() == port && p.path("protocol").asText("TCP").equals(protocol)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Quarkus duration syntax as used here: 100s, 250ms, 2m, 1h, or ISO-8601 (PT1M40S). */
    static Optional<Duration> duration(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)?").matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return Optional.of(switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return Optional.of(Duration.parse(text.trim().toUpperCase(Locale.ROOT)));
    }
}
