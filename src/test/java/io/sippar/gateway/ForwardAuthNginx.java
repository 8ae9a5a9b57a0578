package io.sippar.gateway;

import com.sun.net.httpserver.HttpServer;
import io.sippar.interop.NodeScript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx (Debian's package) running the documented recipe of {@code docs/forward-auth/} in
 * front of a {@link Upstream}, with the gateway as its auth service: one process in the
 * foreground ({@code daemon off; master_process off}), its prefix, pid file and logs under
 * {@code target/}, listening on a free 127.0.0.1 port, stopped by PID on close.
 */
final class ForwardAuthNginx implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final Path prefix;
    private final int port;

    private ForwardAuthNginx(Process process, Path prefix, int port) {
        this.process = process;
        this.prefix = prefix;
        this.port = port;
    }

    /** nginx listening on 127.0.0.1 with /fwd/ protected by the gateway at {@code gatewayPort}. */
    static ForwardAuthNginx start(int gatewayPort, int upstreamPort) {
        Path binary = binary();
        Path root = NodeScript.projectRoot();
        Path recipe = root.resolve("docs/forward-auth");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Path prefix = root.resolve("target/nginx-" + UUID.randomUUID());
            try {
                Files.createDirectories(prefix.resolve("logs"));
                Files.writeString(prefix.resolve("nginx.conf"), config(prefix, recipe, port, gatewayPort, upstreamPort));
                Process p = new ProcessBuilder(binary.toString(), "-p", prefix.toString(), "-c",
                        prefix.resolve("nginx.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
                        .start();
                if (awaitListening(p, port)) {
                    return new ForwardAuthNginx(p, prefix, port);
                }
                stop(p);
                last = new IOException("nginx did not listen on " + port + ": "
                        + Files.readString(prefix.resolve("logs/error.log")) + Files.readString(prefix.resolve(
                                "logs/stdout.log")));
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("nginx did not start", last);
    }

    /** Debian installs nginx in /usr/sbin, which is not on every PATH; scripts/test installs it. */
    private static Path binary() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nginx");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("nginx is not installed: scripts/test installs it (apt-get install nginx)");
    }

    private static String config(Path prefix, Path recipe, int port, int gatewayPort, int upstreamPort) {
        String p = prefix.toString();
        return """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 512; }
                http {
                    access_log %1$s/logs/access.log;
                    client_body_temp_path %1$s/tmp-body;
                    proxy_temp_path %1$s/tmp-proxy;
                    fastcgi_temp_path %1$s/tmp-fastcgi;
                    uwsgi_temp_path %1$s/tmp-uwsgi;
                    scgi_temp_path %1$s/tmp-scgi;
                    upstream sippar_gateway { server 127.0.0.1:%3$d; keepalive 8; }
                    upstream merchant_api { server 127.0.0.1:%4$d; }
                    server {
                        listen 127.0.0.1:%2$d;
                        include %5$s/sippar-auth.conf;
                        location /fwd/ {
                            include %5$s/sippar-protect.conf;
                            proxy_pass http://merchant_api;
                        }
                    }
                }
                """.formatted(p, port, gatewayPort, upstreamPort, recipe);
    }

    private static boolean awaitListening(Process p, int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        return false;
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Base URL clients call. */
    String url(String pathAndQuery) {
        return "http://127.0.0.1:" + port + pathAndQuery;
    }

    /** nginx's error log, for assertion messages. */
    String errorLog() {
        try {
            return Files.readString(prefix.resolve("logs/error.log"));
        } catch (IOException e) {
            return "(no error log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stop(process);
    }

    /** The merchant's API behind nginx: answers 200 JSON naming the path and records every request. */
    static final class Upstream implements AutoCloseable {

        /** One request as the upstream saw it; header names lower-case. */
        record Seen(String method, String uri, Map<String, String> headers) {
        }

        private final HttpServer server;
        private final List<Seen> seen = new CopyOnWriteArrayList<>();

        Upstream() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/", exchange -> {
                Map<String, String> headers = new TreeMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT),
                        String.join(",", v)));
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers));
                byte[] body = ("{\"servedBy\":\"merchant-api\",\"uri\":\"" + exchange.getRequestURI() + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        List<Seen> seen() {
            return seen;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
