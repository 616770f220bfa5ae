package io.tollgate.api.observe;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public port's health answer is anyone's to call: a flood of it must not turn into a flood of database pings
 * (each takes a connection of the admin pool, and a full pool makes the kubelet's own probe fail).
 */
class PublicHealthTest {
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicBoolean up = new AtomicBoolean(true);
    private WebServer server;

    /** A readiness check that counts its calls and takes as long as a database ping on a busy pool. */
    private final HealthCheck counting = new HealthCheck() {
        @Override
        public HealthCheckType type() {
            return HealthCheckType.READINESS;
        }

        @Override
        public String name() {
            return "db";
        }

        @Override
        public HealthCheckResponse call() {
            calls.incrementAndGet();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return HealthCheckResponse.builder()
                    .status(up.get() ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN).build();
        }
    };

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aFloodOfHealthRequestsCostsAboutOneCheckPerSecond() throws Exception {
        start();
        int requests = 400;
        long t0 = System.nanoTime();
        List<Integer> statuses = flood(requests, 16);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(statuses).hasSize(requests).containsOnly(200);
        // one refresh per FRESH interval at most (plus the first call and one at each edge)
        assertThat(calls.get()).as("checks run for %d requests in %.1f s", requests, seconds)
                .isLessThanOrEqualTo((int) Math.ceil(seconds / PublicHealth.FRESH.toSeconds()) + 2);
    }

    @Test
    void aChangedStatusShowsWithinAboutASecond() throws Exception {
        start();
        assertThat(get("/observe/health/ready")).isEqualTo(200);
        up.set(false);
        long t0 = System.nanoTime();
        int status = get("/observe/health/ready");
        while (status != 503 && System.nanoTime() - t0 < 10_000_000_000L) {
            Thread.sleep(50);
            status = get("/observe/health/ready");
        }
        assertThat(status).isEqualTo(503);
        assertThat(get("/observe/health")).isEqualTo(503);
        // liveness runs no readiness check
        assertThat(get("/observe/health/live")).isEqualTo(200);
    }

    private void start() {
        server = WebServer.builder().port(0).host("127.0.0.1")
                .routing(r -> r.register("/observe/health", new PublicHealth(List.of(counting))))
                .build().start();
    }

    private List<Integer> flood(int requests, int threads) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                answers.add(pool.submit(() -> get("/observe/health/ready")));
            }
            for (Future<Integer> f : answers) {
                statuses.add(f.get());
            }
        }
        return statuses;
    }

    private final HttpClient client = HttpClient.newHttpClient();

    private int get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET()
                                   .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
