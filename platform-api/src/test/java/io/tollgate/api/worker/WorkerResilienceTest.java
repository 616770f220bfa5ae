package io.tollgate.api.worker;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly once under failure, over HTTP (CONTRACT §2): gateways started as production starts them on one real
 * PostgreSQL, Gorgias and Shopify stubbed. A worker that stops between Gorgias' answer and its commit, a job lease that
 * runs out while the job is still posting, two gateways racing over the same customer messages, and a stop that gives
 * unfinished jobs back: each ends with one internal note per customer message.
 *
 * <p>Each test has a database of its own, since it stops gateways and leaves them in states the others must not see.
 * Waits poll the database; the only fixed waits are the stub's delays (what the scenarios are about).
 */
class WorkerResilienceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Gorgias' id for a note it created, as a later look-up lists it (not the POST's 555000111). */
    private static final long LISTED_ID = 888_000_222L;

    /**
     * Gateway 1 posts the note, but Gorgias answers only after gateway 1 has stopped (its worker pool closed, so the
     * answer can no longer be recorded). Gateway 2 finds the note's intent on record with its outcome unknown, looks
     * the external id up on the ticket, finds the note and records it: no second POST.
     */
    @Test
    void aWorkerStoppedBetweenGorgiasAndItsCommitLeavesANoteTheNextOneFindsInsteadOfPostingAgain() {
        long delayMs = 4_000;
        // the stop holds the note of a post still on its way for as long as the post can take: connect + read
        // timeouts (+1 s), here 8 s, so gateway 2 posts nothing while gateway 1's POST may still be answered
        try (Pipeline p = Pipeline.create(Map.of("TOLLGATE_SHUTDOWN_GRACE_SECONDS", "0",
                                                 "TOLLGATE_WORKER_LEASE_SECONDS", "2",
                                                 "TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS", "1000",
                                                 "TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "6000"))) {
            Tollgate first = p.startServer();
            Pipeline.Tenant t = p.tenant("res-killed");
            long ticket = 42_000_000_001L;
            noteAnsweredAfter(p, ticket, 555_000_111L, delayMs);
            UUID event = Pipeline.eventId(p.deliver(first, t, Pipeline.ticket(ticket, 52_000_000_001L, "Order #1001",
                                                                              "Where is my order #1001?"), "wh-killed"));

            Pipeline.await(() -> !p.notePosts(ticket).isEmpty(), WAIT, () -> "no POST; job " + p.job(event));
            LoggedRequest posted = p.notePosts(ticket).getFirst();
            p.stop(first);
            long answeredAt = posted.getLoggedDate().getTime() + delayMs;
            assertThat(System.currentTimeMillis())
                    .as("gateway 1 must be gone before Gorgias answers, or this does not simulate a lost answer")
                    .isLessThan(answeredAt - 500);
            // gateway 1 never learnt Gorgias' answer: the note's outcome is unknown (pending, or failed when the
            // interrupted call ended before the pool closed), and the job was given back
            assertThat(p.one("SELECT state FROM notes WHERE gorgias_ticket_id = ?", ticket)).isIn("pending", "failed");
            assertThat(p.job(event)).startsWith("queued attempts=0 ");

            String externalId = Webhooks.json(posted.getBodyAsString()).get("external_id").asText();
            assertThat(externalId).isEqualTo("tollgate:" + event);
            p.stub.stubFor(get(urlPathEqualTo("/api/tickets/" + ticket + "/messages")).atPriority(1)
                                   .willReturn(okJson(listing(LISTED_ID, externalId))));
            p.startServer();

            p.awaitProcessed(event, WAIT);
            assertThat(p.messageLookups(ticket)).isNotEmpty();
            // past the moment gateway 1's POST was answered: its stopped worker wrote nothing late either
            Pipeline.sleep(Math.max(0, answeredAt + 1_000 - System.currentTimeMillis()));
            assertThat(p.notePosts(ticket)).hasSize(1);
            assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                             ticket)).isEqualTo("posted " + LISTED_ID);
            assertThat(p.status(event)).isEqualTo("processed");
            assertThat(p.job(event)).startsWith("done ");
        }
    }

    /**
     * The job's lease is lost while its note is still being posted (Gorgias answers after 3 s): the job is taken back
     * to the queue and claimed again while the first run posts, the second run finds the note held by the first and
     * waits, the first run's outcome is refused (its lease is gone), and a later run finds the note posted. A live
     * worker renews its leases, so the loss is made as the reaper makes it when a worker stalled past its lease (a
     * stall this test cannot cause in a live JVM): the job queued again, its lease cleared.
     */
    @Test
    void aJobWhoseLeaseRunsOutWhileItPostsIsRunAgainWithoutASecondNote() {
        try (Pipeline p = Pipeline.create(Map.of())) {
            Tollgate gateway = p.startServer();
            Pipeline.Tenant t = p.tenant("res-lease");
            long ticket = 42_000_000_002L;
            noteAnsweredAfter(p, ticket, 555_000_111L, 3_000);
            UUID event = Pipeline.eventId(p.deliver(t, Pipeline.ticket(ticket, 52_000_000_002L, "Order #1001",
                                                                       "Where is my order #1001?"), "wh-lease"));
            Pipeline.await(() -> !p.notePosts(ticket).isEmpty(), WAIT, () -> "no POST; job " + p.job(event));
            assertThat(p.one("""
                    WITH j AS (
                      UPDATE jobs SET status = 'queued', run_at = now(), lease_owner = NULL, lease_expires_at = NULL
                       WHERE event_id = ? AND status = 'running' RETURNING tenant_id, event_id
                    )
                    UPDATE webhook_events e SET status = 'accepted' FROM j
                     WHERE e.tenant_id = j.tenant_id AND e.id = j.event_id RETURNING e.status""", event))
                    .as("the first run still posts: its job is running").isEqualTo("accepted");

            p.awaitProcessed(event, WAIT);
            assertThat(p.notePosts(ticket)).hasSize(1);
            assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                             ticket)).isEqualTo("posted 555000111");
            assertThat(Integer.parseInt(p.one("SELECT attempts FROM " + Pipeline.JOB_OF_EVENT, event)))
                    .as("the job was claimed again after its lease was lost").isGreaterThan(1);
            // a run while the first still posted found the note held and waited; the first run's outcome was refused
            assertThat(Webhooks.metric(gateway, "tollgate_jobs_total", "tenant", t.slug(), "outcome", "deferred"))
                    .isGreaterThanOrEqualTo(1.0);
            Pipeline.await(() -> Webhooks.metric(gateway, "tollgate_jobs_total", "tenant", t.slug(), "outcome",
                                                 "lost") == 1.0, WAIT,
                           () -> "lost outcomes: " + Webhooks.metric(gateway, "tollgate_jobs_total", "tenant",
                                                                     t.slug(), "outcome", "lost"));
            assertThat(p.messageLookups(ticket)).as("no attempt was uncertain: the ledger knew").isEmpty();
        }
    }

    /**
     * Two gateways, both with their worker on, and every ticket's customer message delivered several ways at once to
     * both: ticket-created, ticket-message-created for the same message, the same ticket re-sent under a new webhook
     * id, and an exact duplicate. Each note takes Gorgias 300 ms, so attempts for the same message overlap.
     */
    @Test
    void twoGatewaysRacingOverTheSameMessagesPostOneNotePerTicket() throws Exception {
        try (Pipeline p = Pipeline.create(Map.of())) {
            Tollgate one = p.startServer();
            Tollgate two = p.startServer();
            List<Pipeline.Tenant> tenants = List.of(p.tenant("res-race-a"), p.tenant("res-race-b"));
            p.stub.stubFor(post(urlPathMatching("/api/tickets/4300000000[0-9]{2}/messages")).atPriority(5)
                                   .willReturn(created(555_000_111L).withFixedDelay(300)));

            record Send(Tollgate to, Pipeline.Tenant tenant, long ticket, byte[] body, String webhookId) {
            }
            int tickets = 20;
            List<Send> sends = new ArrayList<>();
            for (int i = 0; i < tickets; i++) {
                Pipeline.Tenant t = tenants.get(i % 2);
                long ticket = 43_000_000_000L + i;
                long message = 53_000_000_000L + i;
                byte[] created = Pipeline.ticket(ticket, message, "Order #1001", "Where is my order #1001?");
                sends.add(new Send(i % 2 == 0 ? one : two, t, ticket, created, "wh-race-" + i + "-created"));
                if (i % 3 == 0) {
                    sends.add(new Send(i % 2 == 0 ? two : one, t, ticket,
                                       Pipeline.messageCreated(ticket, message, "Where is my order #1001?"),
                                       "wh-race-" + i + "-message"));
                    sends.add(new Send(i % 2 == 0 ? two : one, t, ticket, created, "wh-race-" + i + "-resent"));
                    sends.add(new Send(i % 2 == 0 ? two : one, t, ticket, created, "wh-race-" + i + "-created"));
                }
            }
            ExecutorService senders = Executors.newFixedThreadPool(12);
            CountDownLatch go = new CountDownLatch(1);
            Map<Send, Future<HttpResponse<String>>> answers = new LinkedHashMap<>();
            try {
                for (Send s : sends) {
                    answers.put(s, senders.submit(() -> {
                        go.await();
                        return p.deliver(s.to(), s.tenant(), s.body(), s.webhookId());
                    }));
                }
                go.countDown();
                Map<String, UUID> byWebhookId = new HashMap<>();
                for (Map.Entry<Send, Future<HttpResponse<String>>> a : answers.entrySet()) {
                    HttpResponse<String> res = a.getValue().get(30, TimeUnit.SECONDS);
                    assertThat(res.statusCode()).as(res.body()).isIn(200, 202);
                    UUID id = Pipeline.eventId(res);
                    UUID before = byWebhookId.putIfAbsent(a.getKey().tenant().slug() + a.getKey().webhookId(), id);
                    if (before != null) {
                        assertThat(id).as("the duplicate of " + a.getKey().webhookId()).isEqualTo(before);
                    }
                }
                assertThat(byWebhookId).hasSize(tickets + 2 * ((tickets + 2) / 3));
                for (UUID e : byWebhookId.values()) {
                    assertThat(p.awaitStatus(e, WAIT, "processed", "skipped", "dead")).as("event " + e)
                            .isEqualTo("processed");
                }
            } finally {
                senders.shutdownNow();
            }
            for (int i = 0; i < tickets; i++) {
                long ticket = 43_000_000_000L + i;
                assertThat(p.notePosts(ticket)).as("POSTs to ticket " + ticket).hasSize(1);
                assertThat(p.one("SELECT count(*) || ' ' || min(state) FROM notes WHERE gorgias_ticket_id = ?", ticket))
                        .isEqualTo("1 posted");
            }
        }
    }

    /**
     * Stopping with the grace period (2 s) running: a job whose note Gorgias answers within it (1.2 s after the stop
     * began) finishes and is recorded; one whose note Gorgias has not answered by then is given back to the queue
     * with its attempt not spent, its note's outcome left unknown (pending or failed) for the next attempt to look up.
     */
    @Test
    void aStopGivesBackWhatTheGraceDoesNotCoverAndFinishesWhatItDoes() {
        long quickDelayMs = 1_200;
        long slowDelayMs = 8_000;
        try (Pipeline p = Pipeline.create(Map.of("TOLLGATE_SHUTDOWN_GRACE_SECONDS", "2"))) {
            Tollgate gateway = p.startServer();
            Pipeline.Tenant t = p.tenant("res-stop");
            long quick = 42_000_000_005L;
            long slow = 42_000_000_006L;
            noteAnsweredAfter(p, quick, 555_000_111L, quickDelayMs);
            noteAnsweredAfter(p, slow, 555_000_112L, slowDelayMs);
            UUID slowEvent = Pipeline.eventId(p.deliver(t, Pipeline.ticket(slow, 52_000_000_006L, "Order #1001",
                                                                           "Where is my order #1001?"), "wh-s"));
            Pipeline.await(() -> !p.notePosts(slow).isEmpty(), WAIT, () -> "no POST; job " + p.job(slowEvent));
            UUID quickEvent = Pipeline.eventId(p.deliver(t, Pipeline.ticket(quick, 52_000_000_005L, "Order #1001",
                                                                            "Where is my order #1001?"), "wh-q"));
            Pipeline.await(() -> !p.notePosts(quick).isEmpty(), WAIT, () -> "no POST; job " + p.job(quickEvent));

            long stopAt = System.currentTimeMillis();
            long quickAnswer = p.notePosts(quick).getFirst().getLoggedDate().getTime() + quickDelayMs;
            long slowAnswer = p.notePosts(slow).getFirst().getLoggedDate().getTime() + slowDelayMs;
            assertThat(stopAt).as("the stop must begin before the quick note is answered").isLessThan(quickAnswer);
            long t0 = System.nanoTime();
            p.stop(gateway);
            long closeMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(System.currentTimeMillis()).as("the slow note must still be unanswered when the stop ends")
                    .isLessThan(slowAnswer - 500);
            assertThat(closeMs).as("the stop waited out its grace for the running job").isGreaterThanOrEqualTo(1_900);

            // finished during the stop, within its grace
            assertThat(p.status(quickEvent)).isEqualTo("processed");
            assertThat(p.job(quickEvent)).isEqualTo("done attempts=1 last_error=-");
            assertThat(Double.parseDouble(p.one("SELECT extract(epoch FROM processed_at) * 1000 FROM webhook_events"
                                                        + " WHERE id = ?", quickEvent))).isGreaterThan(stopAt);
            assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                             quick)).isEqualTo("posted 555000111");

            // given back: queued, its event accepted, the attempt not spent
            assertThat(p.status(slowEvent)).isEqualTo("accepted");
            assertThat(p.job(slowEvent)).isEqualTo(
                    "queued attempts=0 last_error=given back: the worker stopped before the job finished");
            assertThat(p.one("SELECT state FROM notes WHERE gorgias_ticket_id = ?", slow)).isIn("pending", "failed");
            assertThat(p.notePosts(slow)).hasSize(1);
        }
    }

    /** Gorgias answers a note posted to {@code ticket} after {@code delayMs}: created, as {@code noteId}. */
    private static void noteAnsweredAfter(Pipeline p, long ticket, long noteId, long delayMs) {
        p.stub.stubFor(post(urlEqualTo("/api/tickets/" + ticket + "/messages")).atPriority(1)
                               .willReturn(created(noteId).withFixedDelay((int) delayMs)));
    }

    private static ResponseDefinitionBuilder created(long id) {
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"id\": " + id + ", \"channel\": \"internal-note\"}");
    }

    /** Gorgias' list of a ticket's messages: the customer's message and the internal note with {@code externalId}. */
    private static String listing(long noteId, String externalId) {
        return """
                {"data": [
                  {"id": 52000000001, "channel": "email", "from_agent": false, "external_id": null},
                  {"id": %d, "channel": "internal-note", "via": "api", "from_agent": true, "external_id": "%s"}
                ], "meta": {"next_cursor": null, "prev_cursor": null}}""".formatted(noteId, externalId);
    }
}
