package io.sippar.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real PostgreSQL that a test can stop mid-run and start again on the same port with the same data
 * directory, as an outage of the database server looks to the gateway.
 */
public final class FaultPostgres implements AutoCloseable {

    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres postgres;
    private boolean frozen;

    private FaultPostgres(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    /** A fresh database on a free loopback port. */
    public static FaultPostgres start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            FaultPostgres db = new FaultPostgres(Files.createTempDirectory("sippar-fault-pg"), port);
            db.restart();
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server again on its port and data directory (after {@link #stop()}). */
    public synchronized void restart() {
        thaw();
        if (postgres != null) {
            return;
        }
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL on " + port, e);
        }
    }

    /** Stops the server (connections are closed, the port refuses new ones); the data stays. */
    public synchronized void stop() {
        thaw();
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            postgres = null;
        }
    }

    /**
     * Freezes the server (SIGSTOP to the postmaster and every backend): connections stay open and the
     * kernel still accepts bytes, but nothing answers, as a hung server or a partition without a
     * reset looks to a client. {@link #thaw()} (or {@link #restart()}) resumes it.
     */
    public synchronized void freeze() {
        signal("-STOP");
        frozen = true;
    }

    /** Resumes a frozen server. */
    public synchronized void thaw() {
        if (frozen) {
            signal("-CONT");
            frozen = false;
        }
    }

    private void signal(String signal) {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("kill", signal,
                    Long.toString(postmaster)));
            ProcessHandle.of(postmaster).orElseThrow().descendants()
                    .forEach(p -> command.add(Long.toString(p.pid())));
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** For DB_URL. */
    public String url() {
        return "postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** For the audit's JDBC connection (user and password postgres). */
    public FaultAudit.Database database() {
        return new FaultAudit.Database("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "postgres");
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
