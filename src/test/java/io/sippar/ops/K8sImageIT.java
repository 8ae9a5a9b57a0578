package io.sippar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The container image and the pod as Kubernetes runs them. No Docker daemon here, so the image
 * can't be built: its Dockerfile's invariants are checked, the fast-jar layout it copies must exist
 * after {@code package}, and the packaged jar is started as the base Deployment starts it (its
 * working directory with the ConfigMap's application.properties, the ConfigMap's environment) and
 * must answer the Deployment's probe paths and the metrics path.
 */
class K8sImageIT {

    private static final Path ROOT = K8sManifests.root();
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+(\\S+)\\s*$");

    private static List<String> instructions() throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("src/main/docker/Dockerfile.jvm"))) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            current.append(t.endsWith("\\") ? t.substring(0, t.length() - 1) + " " : t);
            if (!t.endsWith("\\")) {
                out.add(current.toString());
                current.setLength(0);
            }
        }
        return out;
    }

    @Test
    void dockerfileRunsNonRootWithoutSecretsOnAFixedBaseAndExecsJava() throws IOException {
        List<String> ins = instructions();
        List<String> users = ins.stream().filter(i -> i.startsWith("USER ")).toList();
        assertEquals(1, users.size(), "one USER: " + users);
        String uid = users.get(0).substring(5).split(":")[0].strip();
        assertTrue(uid.matches("\\d+") && Integer.parseInt(uid) > 0, "numeric non-root UID, was " + uid);
        assertTrue(ins.indexOf(users.get(0)) > ins.stream().filter(i -> i.startsWith("COPY")).mapToInt(ins::indexOf)
                .max().orElse(-1), "USER comes after the COPYs, so nothing runs as root at start");
        String from = ins.stream().filter(i -> i.startsWith("FROM ")).findFirst().orElseThrow();
        assertTrue(from.matches("FROM \\S+:[^:\\s]+") && !from.endsWith(":latest"), from);
        for (String i : ins) {
            if (i.startsWith("ENV ") || i.startsWith("ARG ")) {
                assertFalse(i.toUpperCase(Locale.ROOT).matches(
                        ".*(PASSWORD|SECRET|TOKEN|MNEMONIC|PRIVATE|API_KEY|SETTLEMENT_KEY)[A-Z_]*=.*"), i);
            }
        }
        String env = String.join("\n", ins);
        assertTrue(env.contains("-XX:MaxRAMPercentage="), "heap sized from the container limit");
        assertTrue(ins.contains("EXPOSE 8080"));
        assertTrue(ins.contains("WORKDIR /deployments"), "config/application.properties is read from here");
        String entry = ins.stream().filter(i -> i.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        assertTrue(entry.contains("exec java"), "java must be PID 1 to get SIGTERM: " + entry);
    }

    @Test
    void fastJarLayoutTheDockerfileCopiesExistsAfterPackage() throws IOException {
        int copies = 0;
        for (String i : instructions()) {
            Matcher m = COPY.matcher(i);
            if (!m.matches()) {
                continue;
            }
            copies++;
            String source = m.group(1);
            if (source.contains("*")) {
                Path dir = ROOT.resolve(source.substring(0, source.lastIndexOf('/')));
                try (DirectoryStream<Path> found = Files.newDirectoryStream(dir,
                        source.substring(source.lastIndexOf('/') + 1))) {
                    assertTrue(found.iterator().hasNext(), "nothing matches " + source);
                }
            } else {
                Path p = ROOT.resolve(source);
                assertTrue(Files.isDirectory(p) && Files.list(p).findAny().isPresent(), source + " missing or empty");
            }
        }
        assertEquals(4, copies);
        assertTrue(Files.isRegularFile(ROOT.resolve("target/quarkus-app/quarkus-run.jar")), "the ENTRYPOINT's jar");
    }

    @Test
    void packagedJarStartedLikeTheBasePodAnswersItsProbesAndMetrics() throws Exception {
        JsonNode rendered = K8sManifests.check("k8s/base").rendered("k8s/base");
        JsonNode container = K8sManifests.ofKind(rendered, "Deployment").get(0).at("/spec/template/spec/containers/0");
        Path workdir = Files.createTempDirectory("sippar-pod");
        Files.createDirectories(workdir.resolve("config"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                ROOT.resolve("target/quarkus-app/quarkus-run.jar").toString())
                .directory(workdir.toFile()).redirectErrorStream(true)
                .redirectOutput(workdir.resolve("app.log").toFile());
        pb.environment().remove("DB_URL");
        for (JsonNode cm : K8sManifests.ofKind(rendered, "ConfigMap")) {
            cm.get("data").fields().forEachRemaining(e -> {
                if (e.getKey().equals("application.properties")) {
                    write(workdir.resolve("config/application.properties"), e.getValue().asText());
                } else {
                    pb.environment().put(e.getKey(), e.getValue().asText());
                }
            });
        }
        // loopback only here, and no Secret: the launcher's embedded database stands in for DB_URL
        pb.environment().put("HTTP_HOST", "127.0.0.1");
        pb.environment().put("HTTP_PORT", Integer.toString(port));
        Process app = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            List<String> paths = new ArrayList<>();
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                paths.add(container.at("/" + probe + "/httpGet/path").asText());
            }
            paths.add(K8sManifests.ofKind(rendered, "Deployment").get(0)
                    .at("/spec/template/metadata/annotations/prometheus.io~1path").asText());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            for (String path : paths) {
                int status = -1;
                while (status != 200 && System.nanoTime() < deadline && app.isAlive()) {
                    try {
                        status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                    } catch (IOException notYet) {
                        Thread.sleep(250);
                    }
                    if (status != 200) {
                        Thread.sleep(250);
                    }
                }
                assertEquals(200, status, path + "\n" + Files.readString(workdir.resolve("app.log")));
            }
            app.destroy();
            assertTrue(app.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops an idle gateway promptly");
        } finally {
            app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
