package io.sippar.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A merchant upstream on loopback that misbehaves on purpose, one behaviour per path: {@code /ok}
 * answers 200 JSON, {@code /slow} answers after {@link #SLOW}, {@code /fail} answers 500,
 * {@code /cut-body} sends its headers and part of the declared body then closes, {@code /cut-headers}
 * reads the request and closes without a byte. Written on raw sockets, so the broken answers really are
 * broken on the wire.
 */
public final class FaultyUpstream implements AutoCloseable {

    /** How long {@code /slow} takes. */
    public static final Duration SLOW = Duration.ofSeconds(6);
    /** The body {@code /ok} answers. */
    public static final String OK_BODY = "{\"report\":\"sunny\"}";

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-upstream");
        t.setDaemon(true);
        return t;
    });

    public FaultyUpstream() {
        try {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor.execute(this::accept);
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                executor.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String requestLine = in.readLine();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                // headers are not needed; the request has no body (GET)
            }
            String path = requestLine == null ? "" : requestLine.split(" ")[1];
            OutputStream out = socket.getOutputStream();
            if (path.startsWith("/cut-headers")) {
                return;
            }
            if (path.startsWith("/slow")) {
                Thread.sleep(SLOW.toMillis());
            }
            if (path.startsWith("/cut-body")) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                        + "{\"partial\":").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            int status = path.startsWith("/fail") ? 500 : 200;
            String body = status == 200 ? OK_BODY : "{\"error\":\"upstream broke\"}";
            out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Internal Server Error")
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // the gateway hung up first (its timeout): nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        executor.shutdownNow();
    }
}
