package io.tollgate.api.worker;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs given up at their deadline (issue 15, finding 1, review): a run whose thread goes on past its deadline is
 * counted until the thread ends, and the worker claims nothing while such runs are as many as its concurrency; a run
 * that began posting its note before the deadline is waited for, and its real outcome recorded.
 */
class GivenUpRunsTest {
    private static final String NOTE = "{\"id\": 555000222, \"channel\": \"internal-note\"}";

    /**
     * The stuck run posts its note to a Gorgias that answers byte by byte over {@code DRIBBLE_MS} (each byte well
     * within the read timeout, so the post neither fails nor can be cut off): past the deadline and the wait for the
     * post, its thread still runs, and counts.
     */
    @Test
    void aRunStillRunningAfterItWasGivenUpIsCountedAndPausesClaimingUntilItsThreadEnds() {
        int dribbleMs = 20_000;
        try (Pipeline p = Pipeline.start(Map.of("TOLLGATE_WORKER_CONCURRENCY", "1",
                                                "TOLLGATE_WORKER_JOB_DEADLINE_MS", "4000",
                                                "TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS", "1000",
                                                "TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "2000"))) {
            Pipeline.Tenant stuck = p.tenant("gu-stuck", "{\"retry_attempts\": 5}");
            Pipeline.Tenant other = p.tenant("gu-other");
            long stuckTicket = 45_000_000_001L;
            long otherTicket = 45_000_000_002L;
            p.stub.stubFor(post(urlPathEqualTo("/api/tickets/" + stuckTicket + "/messages")).atPriority(1)
                                   .willReturn(aResponse().withStatus(201)
                                                       .withHeader("Content-Type", "application/json")
                                                       .withBody(NOTE)
                                                       .withChunkedDribbleDelay(NOTE.length(), dribbleMs)));
            assertThat(abandoned(p.server())).as("nothing given up yet").isZero();
            UUID stuckEvent = Pipeline.eventId(p.deliver(stuck, Pipeline.ticket(
                    stuckTicket, 55_000_000_001L, "Order #1001", "Where is my order #1001?"), "wh-gu-stuck"));
            Pipeline.await(() -> abandoned(p.server()) == 1, Duration.ofSeconds(40),
                           () -> "the stuck run was never counted as abandoned; job " + p.job(stuckEvent)
                                   + ", note posts " + p.notePosts(stuckTicket).size());
            assertThat(p.notePosts(stuckTicket)).as("the run is posting its note").hasSize(1);

            // the worker's one slot is free again, but as many abandoned runs go on as it may run jobs: no claims
            UUID otherEvent = Pipeline.eventId(p.deliver(other, Pipeline.ticket(
                    otherTicket, 55_000_000_002L, "Order #1001", "Where is my order #1001?"), "wh-gu-other"));
            int looks = 0;
            while (true) {
                String job = p.job(otherEvent); // read before the gauge: claimed while still counted is a failure
                double counted = abandoned(p.server());
                if (counted == 0) {
                    break;
                }
                looks++;
                if (!job.startsWith("queued attempts=0 ")) {
                    fail("the other tenant's job was claimed while a given-up run still ran on the only slot's"
                                 + " behalf: " + job);
                }
                Pipeline.sleep(100);
            }
            assertThat(looks).as("claiming was seen paused while the abandoned run ran").isPositive();

            // the stuck run's thread ended (its note posted): the count falls and claiming resumes
            assertThat(p.awaitStatus(otherEvent, Duration.ofSeconds(20), "processed", "dead")).isEqualTo("processed");
            assertThat(p.notePosts(otherTicket)).hasSize(1);
            assertThat(p.awaitStatus(stuckEvent, Duration.ofSeconds(20), "processed", "dead"))
                    .as("the retry finds the note the given-up run posted").isEqualTo("processed");
            assertThat(p.notePosts(stuckTicket)).as("posted once, by the run given up").hasSize(1);
            assertThat(abandoned(p.server())).isZero();
        }
    }

    /**
     * The run begins its post well before the deadline (Shopify answers after 1 s, the deadline is 5 s) and Gorgias
     * answers the post 7 s later: the note is posted after the deadline, within the upstream timeouts. The job has a
     * single attempt, so recording "deadline passed" would make it dead although its note is there.
     */
    @Test
    void aRunPostingItsNoteAtTheDeadlineIsWaitedForAndItsRealOutcomeRecorded() {
        try (Pipeline p = Pipeline.start(Map.of("TOLLGATE_WORKER_CONCURRENCY", "1",
                                                "TOLLGATE_WORKER_JOB_DEADLINE_MS", "5000",
                                                "TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "30000"))) {
            Pipeline.Tenant t = p.tenant("gu-posting", "{\"retry_attempts\": 1}");
            long ticket = 45_000_000_003L;
            p.shopifyAnswersAfter(t, 1_000);
            p.stub.stubFor(post(urlPathEqualTo("/api/tickets/" + ticket + "/messages")).atPriority(1)
                                   .willReturn(aResponse().withStatus(201)
                                                       .withHeader("Content-Type", "application/json")
                                                       .withBody(NOTE).withFixedDelay(7_000)));
            UUID event = Pipeline.eventId(p.deliver(t, Pipeline.ticket(
                    ticket, 55_000_000_003L, "Order #1001", "Where is my order #1001?"), "wh-gu-posting"));

            assertThat(p.awaitStatus(event, Duration.ofSeconds(40), "processed", "dead")).as(p.job(event))
                    .isEqualTo("processed");
            assertThat(p.job(event)).startsWith("done attempts=1 ");
            assertThat(p.notePosts(ticket)).hasSize(1);
            assertThat(p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ? AND state = 'posted'", ticket))
                    .isEqualTo(1);
            assertThat(Webhooks.metric(p.server(), "tollgate_jobs_total", "tenant", t.slug(), "outcome", "done"))
                    .isEqualTo(1.0);
            assertThat(Webhooks.metric(p.server(), "tollgate_drafts_posted_total", "tenant", t.slug()))
                    .isEqualTo(1.0);
            assertThat(abandoned(p.server())).isZero();
        }
    }

    /** {@code tollgate_worker_abandoned_runs} as the server exposes it; fails when it is not exposed. */
    private static double abandoned(Tollgate server) {
        String name = "tollgate_worker_abandoned_runs";
        for (String line : TestServers.get(server, "/observe/metrics").body().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return fail(name + " is not exposed");
    }
}
