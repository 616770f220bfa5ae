package io.tollgate.api.worker;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every job has a deadline (issue 15, finding 1): a run that cannot finish (here Shopify answers one tenant only
 * after {@link #SHOPIFY_DELAY_MS}, well inside the upstream read timeout) is given up at the deadline, its worker takes
 * the next job meanwhile (another tenant's ordinary ticket gets its note), the stuck job is retried and then dead with
 * the deadline as its error, and a run given up never posts a note later.
 */
class JobDeadlineTest {
    private static final long SHOPIFY_DELAY_MS = 15_000;
    /** Shorter than the delay: only a worker whose one slot came free before Shopify's answer can make it. */
    private static final Duration OTHER_WITHIN = Duration.ofMillis(SHOPIFY_DELAY_MS - 3_000);

    @Test
    void aRunPastItsDeadlineIsGivenUpRetriedThenDeadAndItsWorkerServesAnotherTenantMeanwhile() {
        try (Pipeline p = Pipeline.start(Map.of("TOLLGATE_WORKER_CONCURRENCY", "1",
                                                "TOLLGATE_WORKER_JOB_DEADLINE_MS", "3000",
                                                "TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "60000"))) {
            Pipeline.Tenant stuck = p.tenant("dl-stuck", "{\"retry_attempts\": 2}");
            Pipeline.Tenant other = p.tenant("dl-other");
            p.shopifyAnswersAfter(stuck, SHOPIFY_DELAY_MS);
            long stuckTicket = 44_000_000_001L;
            long otherTicket = 44_000_000_002L;
            UUID stuckEvent = Pipeline.eventId(p.deliver(stuck, Pipeline.ticket(
                    stuckTicket, 54_000_000_001L, "Order #1001", "Where is my order #1001?"), "wh-dl-stuck"));
            Pipeline.await(() -> !shopifyCalls(p, stuck).isEmpty(), Duration.ofSeconds(20),
                           () -> "the stuck job never asked Shopify; job " + p.job(stuckEvent));

            // the one worker slot is held by the stuck run until its deadline, then serves the other tenant
            UUID otherEvent = Pipeline.eventId(p.deliver(other, Pipeline.ticket(
                    otherTicket, 54_000_000_002L, "Order #1001", "Where is my order #1001?"), "wh-dl-other"));
            assertThat(p.awaitStatus(otherEvent, OTHER_WITHIN, "processed", "dead")).isEqualTo("processed");
            assertThat(p.notePosts(otherTicket)).singleElement().satisfies(
                    note -> assertThat(Webhooks.json(note.getBodyAsString()).get("body_text").asText())
                            .contains("#1001").contains(Pipeline.TRACKING_1001));

            // the stuck job: given up at its deadline on both attempts, then dead saying why
            assertThat(p.awaitStatus(stuckEvent, Duration.ofSeconds(30), "dead", "processed")).isEqualTo("dead");
            assertThat(p.job(stuckEvent)).startsWith("dead attempts=2 ")
                    .contains("deadline of 3000 ms passed").contains("attempt 2 of 2");
            assertThat(shopifyCalls(p, stuck)).as("one Shopify call per attempt").hasSize(2);
            assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", stuck.slug(), "outcome", "retry"))
                    .isEqualTo(1.0);
            assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", stuck.slug(), "outcome", "dead"))
                    .isEqualTo(1.0);

            // past the moment Shopify answered the last given-up run: no run posted a note late
            long lastAnswer = shopifyCalls(p, stuck).stream().mapToLong(r -> r.getLoggedDate().getTime()).max()
                    .orElseThrow() + SHOPIFY_DELAY_MS;
            Pipeline.sleep(Math.max(0, lastAnswer + 1_000 - System.currentTimeMillis()));
            assertThat(p.notePosts(stuckTicket)).isEmpty();
            assertThat(p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ? AND state = 'posted'",
                               stuckTicket)).isZero();
            assertThat(p.status(stuckEvent)).isEqualTo("dead");
        }
    }

    private static List<LoggedRequest> shopifyCalls(Pipeline p, Pipeline.Tenant t) {
        return p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json"))
                                      .withHeader("X-Shopify-Access-Token", equalTo(t.accessToken())));
    }
}
