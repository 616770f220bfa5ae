package io.tollgate.api.worker;

import io.tollgate.api.Tollgate;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run that legitimately takes longer than the lease (Shopify answers after 2.5 leases, well within the job's
 * deadline) on a live worker: its heartbeat renews the lease while it runs, so a second worker on the same database,
 * reaping expired leases ten times a second, never takes the job over; it runs once and posts one note.
 */
class LongRunLeaseTest {
    private static final long TICKET = 19_600_001L;

    @Test
    void aRunLongerThanTheLeaseOnALiveWorkerIsNotTakenOver() {
        try (Pipeline p = Pipeline.create(Map.of("TOLLGATE_WORKER_LEASE_SECONDS", "2",
                                                 "TOLLGATE_WORKER_LEASE_RENEW_MS", "500",
                                                 "TOLLGATE_WORKER_REAP_MS", "100"))) {
            Tollgate one = p.startServer();
            p.startServer(); // a second worker, idle, reaping
            Pipeline.Tenant t = p.tenant(one, "long-run");
            p.shopifyAnswersAfter(t, 5_000);
            HttpResponse<String> accepted = p.deliver(one, t, Pipeline.ticket(TICKET, 29_600_001L, "Where is my order?",
                                                                              "Where is order #1001?"), "long-1");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            UUID event = Pipeline.eventId(accepted);

            Pipeline.await(() -> !p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json")))
                                   .isEmpty(), Duration.ofSeconds(30), () -> "no Shopify call; job: " + p.job(event));
            Instant firstLease = leaseOf(p, event);
            // past the first lease's end, while Shopify has not answered yet: the lease was renewed, not lost
            Pipeline.await(() -> leaseOf(p, event).isAfter(firstLease.plusSeconds(2)), Duration.ofSeconds(30),
                           () -> "lease not renewed past " + firstLease + "; job: " + p.job(event));
            assertThat(p.job(event)).startsWith("running attempts=1 ");
            assertThat(p.notePosts(TICKET)).as("Shopify has not answered yet").isEmpty();

            p.awaitProcessed(event, Duration.ofSeconds(30));
            assertThat(p.job(event)).as("one run, never taken over").startsWith("done attempts=1 ");
            assertThat(p.notePosts(TICKET)).hasSize(1);
            assertThat(p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))))
                    .as("no second run looked the order up").hasSize(1);
        }
    }

    private static Instant leaseOf(Pipeline p, UUID event) {
        String micros = p.one("SELECT (extract(epoch FROM lease_expires_at) * 1000000)::bigint FROM jobs"
                                      + " WHERE event_id = ?", event);
        return micros == null ? Instant.EPOCH : Instant.EPOCH.plus(Long.parseLong(micros),
                                                                   ChronoUnit.MICROS);
    }
}
