package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The billing benchmarks (bench/billing.sh; not part of the test suite: the name matches no test
 * pattern). Prints (1) settled payments recorded per second through the real recording path with N
 * concurrent writers, and (2) the time to produce, close, re-read and export a month's statement for
 * a merchant with a million payments generated set-wise in the real schema.
 */
@QuarkusTest
class BillingBenchmark {

    static final String ADMIN = StatementTotalsTest.ADMIN;
    /** One amount per band edge region: micro, small, medium, large. */
    static final long[] AMOUNTS = {10_000, 500_000, 2_000_000, 99_000_000, 250_000_000, 12_000_000_000L};

    @Inject
    StatementFixture fixture;
    @Inject
    Statements statements;
    @Inject
    Pool pool;
    @ConfigProperty(name = "quarkus.datasource.reactive.max-size")
    int poolSize;

    private final StringBuilder report = new StringBuilder();

    private void out(String line) {
        report.append(line).append('\n');
        System.out.println(line);
    }

    private static int intProperty(String name, int fallback) {
        return Integer.parseInt(System.getProperty(name, Integer.toString(fallback)));
    }

    @Test
    void billing() throws IOException {
        int settlements = intProperty("bench.settlements", 4000);
        int payments = intProperty("bench.payments", 1_000_000);
        List<Integer> writers = Arrays.stream(System.getProperty("bench.writers", "1,8,32").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        out("# Billing benchmarks");
        out("");
        out("JVM " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, reactive pool " + poolSize + " connections, embedded PostgreSQL unless DB_URL/TEST_DB_URL");
        out("");
        recording(settlements, writers);
        statement(payments);
        Path file = Path.of("target", "bench-billing.md");
        Files.writeString(file, report.toString());
    }

    /** (1) settle() of prepared settling payments, timed from the first call to the last commit. */
    private void recording(int n, List<Integer> writers) {
        StatementPeriod now = StatementFixture.monthsAgo(0);
        out("## Settled payments recorded per second");
        out("");
        out("Each settlement: payment row settling -> settled with its fee (schedule in force), one journal entry with "
                + "its postings (checked balanced at commit), the usage counter and any usage notice, in one "
                + "transaction (`PaymentRepository.settle`). " + n + " settlements per run, prepared beforehand.");
        out("");
        out("| writers | merchants | settlements | seconds | settlements/s |");
        out("| ---: | ---: | ---: | ---: | ---: |");
        for (int w : writers) {
            for (int merchants : w == 1 ? List.of(1) : List.of(1, w)) {
                List<UUID> ids = new ArrayList<>();
                for (int m = 0; m < merchants; m++) {
                    ids.add(fixture.merchant("bench-rec", "business", now.start().minusDays(1)));
                }
                List<Uni<UUID>> prep = new ArrayList<>();
                List<UUID> owners = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    UUID owner = ids.get(i % merchants);
                    owners.add(owner);
                    prep.add(fixture.settling(owner, StatementFixture.BASE, BigInteger.valueOf(AMOUNTS[i % AMOUNTS.length])));
                }
                List<UUID> settling = Uni.join().all(prep).usingConcurrencyOf(8).andFailFast().await()
                        .atMost(Duration.ofMinutes(10));
                List<Uni<Boolean>> work = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    UUID id = settling.get(i);
                    UUID owner = owners.get(i);
                    BigInteger amount = BigInteger.valueOf(AMOUNTS[i % AMOUNTS.length]);
                    work.add(Uni.createFrom().deferred(() -> fixture.settle(id, owner, StatementFixture.BASE, amount,
                            null)));
                }
                long t0 = System.nanoTime();
                List<Boolean> done = Uni.join().all(work).usingConcurrencyOf(w).andFailFast().await()
                        .atMost(Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertEquals(n, done.stream().filter(Boolean::booleanValue).count());
                out(String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.0f |", w, merchants, n, seconds, n / seconds));
            }
        }
        out("");
    }

    /** (2) a month of {@code n} payments for one merchant, then the statement cold and warm. */
    private void statement(int n) throws IOException {
        StatementPeriod p = StatementFixture.monthsAgo(1);
        UUID merchant = fixture.merchant("bench-1m", "business", p.start().minusDays(1));
        out("## A month's statement for a merchant with " + String.format(Locale.ROOT, "%,d", n) + " payments");
        out("");
        long t0 = System.nanoTime();
        fixture.bulk(merchant, StatementFixture.BASE, AMOUNTS, n, p.start(), p.end().minusMinutes(1), true);
        double generated = (System.nanoTime() - t0) / 1e9;
        // what autovacuum would have done by then: without statistics on journal_entry the planner can take
        // a freshly loaded table for a tiny one and join every page against all of it
        pool.query("VACUUM ANALYZE payment, journal_entry, posting, merchant_usage").execute().await()
                .atMost(Duration.ofMinutes(20));
        out(String.format(Locale.ROOT, "Generated in %.1f s: set-wise SQL in the real schema (payments, journal entries, "
                + "4 postings each, usage counter) with the per-row triggers off, then the invariants they guard checked "
                + "set-wise (every entry balances, one settlement entry per payment, every payment billed); then "
                + "VACUUM ANALYZE of the loaded tables, as autovacuum would.", generated));
        out("");
        out("| step | ms |");
        out("| --- | ---: |");
        String path = "/admin/merchants/" + merchant + "/statements/" + p;
        out(row("statement in the service, first read (cold: new data, no cached plan)", () -> assertEquals(n,
                statements.statement(merchant, p).await().atMost(Duration.ofMinutes(5)).transactions())));
        out(row("statement over HTTP, first read (the endpoint's first call in this JVM)", () -> get(path)));
        List<Double> warm = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            warm.add(time(() -> get(path)));
        }
        warm.sort(Double::compare);
        out(String.format(Locale.ROOT, "| statement over HTTP, warm (median of 5, min %.0f) | %.0f |", warm.get(0), warm.get(2)));
        List<Double> service = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            service.add(time(() -> statements.statement(merchant, p).await().atMost(Duration.ofMinutes(5))));
        }
        service.sort(Double::compare);
        out(String.format(Locale.ROOT, "| statement in the service, warm (median of 3) | %.0f |", service.get(1)));
        out(row("first page of 1,000 payments over HTTP (tx hash, journal entry), first call",
                () -> get(path + "/lines?limit=1000")));
        out(row("first page of 1,000 payments over HTTP, again", () -> get(path + "/lines?limit=1000")));
        out(row("close over HTTP (aggregate under the lock, freeze lines)", () -> send(HttpRequest.newBuilder(uri(path
                + "/close")).header("Authorization", ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding())));
        out(row("closed statement re-read (frozen lines only)", () -> get(path)));
        long[] bytes = {0};
        long[] lines = {0};
        out(row("CSV of all payments, streamed to the client", () -> {
            try (InputStream in = send(HttpRequest.newBuilder(uri(path + "/lines")).header("Authorization", ADMIN)
                    .header("Accept", "text/csv").build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0;) {
                    bytes[0] += r;
                    for (int i = 0; i < r; i++) {
                        if (buf[i] == '\n') {
                            lines[0]++;
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }));
        out("");
        assertEquals(n + 1L, lines[0], "the CSV has a header and one row per payment");
        out(String.format(Locale.ROOT, "CSV export: %,d bytes, %,d rows after the header.", bytes[0], lines[0] - 1));
        out("");
        explain("The statement's aggregation", StatementRepository.CELLS_SQL,
                Tuple.of(merchant, p.firstDay(), p.start()));
        explain("A page of 1,000 payments", StatementRepository.PAGE_SQL, Tuple.from(new Object[] {merchant,
                p.firstDay(), java.time.OffsetDateTime.parse("1970-01-01T00:00:00Z"), new UUID(0, 0), 1001}));
    }

    private void explain(String title, String sql, Tuple args) {
        out("");
        out(title + " (EXPLAIN ANALYZE, BUFFERS):");
        out("");
        out("```");
        for (Row r : pool.preparedQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql).execute(args).await()
                .atMost(Duration.ofMinutes(5))) {
            out(r.getString(0));
        }
        out("```");
    }

    /** Timed requests go through the JDK client: rest-assured costs about a second per 500 KB body. */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static URI uri(String path) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
    }

    private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            HttpResponse<T> response = HTTP.send(request, body);
            assertEquals(200, response.statusCode(), request.uri().toString());
            return response;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void get(String path) {
        send(HttpRequest.newBuilder(uri(path)).header("Authorization", ADMIN).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static String row(String step, Runnable r) {
        return String.format(Locale.ROOT, "| %s | %.0f |", step, time(r));
    }
}
