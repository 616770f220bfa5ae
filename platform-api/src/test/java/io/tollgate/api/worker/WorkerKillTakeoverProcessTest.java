package io.tollgate.api.worker;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.tollgate.api.GatewayProcess;
import io.tollgate.api.Tollgate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash recovery (issue 19, target 5): gateway process A runs jobs that wait for Shopify (their notes already reserved
 * in the ledger) when it is killed with SIGKILL, so no shutdown hook gives them back. Gateway B, a second process on
 * the same database, takes every one of them over soon after A stops renewing its leases (the default lease and
 * renewal interval, and the default reap interval: nothing in this test shortens them), and every ticket gets exactly
 * one note. The takeover is measured by the database: when each job's attempts first reads 2, on the database's clock,
 * against the database's clock just after the kill.
 */
class WorkerKillTakeoverProcessTest {
    private static final Path OUT = Path.of("target", "worker-kill");
    private static final int JOBS = 6;
    private static final long FIRST_TICKET = 19_500_001L;
    /** Target 5: a dead worker's jobs are taken over within this long (a correctness bound of the defaults). */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(15);
    /** The defaults, set explicitly over the pipeline's fast test values. */
    private static final Map<String, String> DEFAULT_TIMING = Map.of("TOLLGATE_WORKER_REAP_MS", "5000");

    private static Pipeline p;

    @BeforeAll
    static void start() {
        p = Pipeline.create(Map.of());
    }

    @AfterAll
    static void stop() {
        p.close();
    }

    @Test
    void aKilledWorkersJobsAreTakenOverWithinFifteenSecondsAndEachTicketGetsOneNote() throws Exception {
        // the events are accepted and queued by a gateway without a worker
        Tollgate front = p.startServer(Map.of("TOLLGATE_WORKER_ENABLED", "false"));
        // a shop each: a shop's further order look-ups wait for its first answer (its point budget), deferring jobs
        Map<UUID, Long> ticketOf = new LinkedHashMap<>();
        for (int i = 0; i < JOBS; i++) {
            long ticket = FIRST_TICKET + i;
            HttpResponse<String> accepted = p.deliver(front, p.tenant(front, "kill-shop-" + i), Pipeline.ticket(
                    ticket, 29_500_001L + i, "Where is my order?", "Where is order #1001?"), "kill-" + i);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            ticketOf.put(Pipeline.eventId(accepted), ticket);
        }
        p.stop(front);
        List<UUID> events = new ArrayList<>(ticketOf.keySet());

        // Shopify answers far later than the test waits, so A's jobs wait on it, each holding its reserved note
        StubMapping slowShopify = p.stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                .willReturn(okJson(Pipeline.ordersAnswer()).withFixedDelay(60_000)));
        Map<String, String> env = new HashMap<>(p.env);
        env.putAll(DEFAULT_TIMING);
        try (GatewayProcess a = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            a.awaitHealthy(Duration.ofSeconds(60));
            Pipeline.await(() -> p.count("SELECT count(*) FROM notes WHERE state = 'pending' AND gorgias_ticket_id"
                                                 + " BETWEEN ? AND ?", FIRST_TICKET, FIRST_TICKET + JOBS - 1) == JOBS,
                           Duration.ofSeconds(60), () -> "jobs: " + jobs(events) + "\n" + a.output());
            assertThat(jobs(events)).as("every job runs on A, in its first attempt")
                    .allSatisfy((event, job) -> assertThat(job).startsWith("running attempts=1 "));

            // B is up (nothing for it to claim yet) when A dies
            p.startServer(DEFAULT_TIMING);
            a.kill();
            Instant killedAt = dbNow();
            p.stub.removeStub(slowShopify);

            Map<UUID, Instant> takenOverAt = new HashMap<>();
            Pipeline.await(() -> {
                secondAttempts(events).forEach(takenOverAt::putIfAbsent);
                return takenOverAt.size() == JOBS;
            }, Duration.ofSeconds(60), () -> "taken over: " + takenOverAt + "; jobs: " + jobs(events));
            System.out.println("takeover after SIGKILL, by the database's clock: " + events.stream()
                    .map(e -> Duration.between(killedAt, takenOverAt.get(e)).toMillis() + " ms").toList());
            for (UUID event : events) {
                assertThat(Duration.between(killedAt, takenOverAt.get(event)))
                        .as("event %s taken over after the kill at %s", event, killedAt)
                        .isLessThanOrEqualTo(TAKEOVER_BOUND);
            }

            for (UUID event : events) {
                p.awaitProcessed(event, Duration.ofSeconds(60));
                long ticket = ticketOf.get(event);
                assertThat(p.notePosts(ticket)).as("ticket %d: exactly one note", ticket).hasSize(1);
                assertThat(p.one("SELECT state FROM notes WHERE gorgias_ticket_id = ?", ticket)).isEqualTo("posted");
                assertThat(p.job(event)).as("run once on A (killed), then on B").startsWith("done attempts=2 ");
            }
        }
    }

    /** The database's clock. */
    private static Instant dbNow() {
        long micros = Long.parseLong(p.one("SELECT (extract(epoch FROM now()) * 1000000)::bigint"));
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    /** The events whose job is in its second attempt (or later) now, each with the database's clock. */
    private static Map<UUID, Instant> secondAttempts(List<UUID> events) {
        Map<UUID, Instant> found = new HashMap<>();
        try (Connection c = p.db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.id, now() FROM webhook_events e LEFT JOIN jobs j ON j.event_id = e.id"
                        + " WHERE e.id = ANY(?) AND coalesce(j.attempts, e.job_attempts) >= 2")) {
            ps.setArray(1, c.createArrayOf("uuid", events.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant());
                }
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    private static Map<UUID, String> jobs(List<UUID> events) {
        Map<UUID, String> jobs = new LinkedHashMap<>();
        events.forEach(e -> jobs.put(e, p.job(e)));
        return jobs;
    }
}
