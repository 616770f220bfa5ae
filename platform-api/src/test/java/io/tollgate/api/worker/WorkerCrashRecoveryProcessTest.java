package io.tollgate.api.worker;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.tollgate.api.GatewayProcess;
import io.tollgate.api.Tollgate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash recovery (issue 19, target 5) where the kill falls inside a Gorgias post, and where the killed instance is
 * started again in place. Gateways are separate processes killed with SIGKILL (no shutdown hook gives anything back);
 * Gorgias and Shopify are the pipeline's local stand-in, which holds a note's POST (or a Shopify look-up) open far
 * longer than the test waits. What happened when is read from the database, on its clock.
 */
class WorkerCrashRecoveryProcessTest {
    private static final Path OUT = Path.of("target", "worker-crash");
    /** Target 5: a dead worker's jobs, and the notes it was posting, are taken over within this long. */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(15);
    /** The defaults (lease 10 s, renewal 3 s, reap 5 s), set explicitly over the pipeline's fast test values. */
    private static final Map<String, String> DEFAULT_TIMING = Map.of("TOLLGATE_WORKER_REAP_MS", "5000");
    /** Gorgias' id for a note it created, as a look-up lists it. */
    private static final long LISTED_ID = 888_000_333L;
    /** Far longer than any wait of the test: a held POST or look-up never answers while the test runs. */
    private static final int HELD_MS = 180_000;

    private static Pipeline p;

    @BeforeAll
    static void start() {
        p = Pipeline.create(Map.of());
    }

    @AfterAll
    static void stop() {
        p.close();
    }

    /**
     * Gateway A is inside the post of two notes (Gorgias holds both POSTs open) when it is killed; gateway B, alive on
     * the same database, takes both jobs over once their leases and the notes' holds (extended by A's heartbeat until
     * it died) run out, looks for each note on its ticket, and posts only the one Gorgias had not created.
     */
    @Test
    void aWorkerKilledInsideAGorgiasPostHasItsNotesTakenOverByALivePeerWithExactlyOneNoteEach() throws Exception {
        long landed = 19_600_001L; // Gorgias created this note before A died, but never answered
        long lost = 19_600_002L;   // this one never reached Gorgias' store
        Map<Long, UUID> eventOf = deliver("post-kill", landed, lost);
        StubMapping heldPosts = p.stub.stubFor(post(urlPathMatching("/api/tickets/1960000[12]/messages"))
                                                       .atPriority(1).willReturn(created(555_000_111L)
                                                                                         .withFixedDelay(HELD_MS)));
        Map<String, String> env = new HashMap<>(p.env);
        env.putAll(DEFAULT_TIMING);
        try (GatewayProcess a = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            a.awaitHealthy(Duration.ofSeconds(60));
            Pipeline.await(() -> p.notePosts(landed).size() == 1 && p.notePosts(lost).size() == 1,
                           Duration.ofSeconds(60), () -> "jobs: " + jobs(eventOf) + "\n" + a.output());
            // A's heartbeat extends the hold of each note while its post runs: it moves on past the renewal's
            String firstHold = holdOf(landed);
            Pipeline.await(() -> p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id = ? AND lease_until > ?"
                                                 + "::timestamptz", landed, firstHold) == 1,
                           Duration.ofSeconds(30), () -> "hold " + holdOf(landed) + " after " + firstHold);
            assertThat(jobs(eventOf)).as("both run on A, in their first attempt, posting")
                    .allSatisfy((event, job) -> assertThat(job).startsWith("running attempts=1 "));

            p.startServer(DEFAULT_TIMING); // B, alive when A dies
            a.kill();
            Instant killedAt = dbNow();
            p.stub.removeStub(heldPosts);
            p.stub.stubFor(get(urlPathEqualTo("/api/tickets/" + landed + "/messages")).atPriority(1)
                                   .willReturn(okJson(listing(LISTED_ID, "tollgate:" + eventOf.get(landed)))));

            for (UUID event : eventOf.values()) {
                p.awaitProcessed(event, Duration.ofSeconds(60));
                assertThat(p.job(event)).as("run once on A (killed), then on B").startsWith("done attempts=2 ");
            }
            for (long ticket : List.of(landed, lost)) {
                Instant posted = Instant.parse(p.one("SELECT to_char(posted_at AT TIME ZONE 'UTC',"
                                                             + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM notes"
                                                             + " WHERE gorgias_ticket_id = ?", ticket));
                System.out.println("ticket " + ticket + ": note posted " + Duration.between(killedAt, posted).toMillis()
                                           + " ms after the kill, by the database's clock");
                assertThat(Duration.between(killedAt, posted)).as("ticket %d's note after the kill at %s", ticket,
                                                                  killedAt).isLessThanOrEqualTo(TAKEOVER_BOUND);
                assertThat(p.messageLookups(ticket)).as("B looked for A's note first").isNotEmpty();
            }
            assertThat(p.notePosts(landed)).as("found on the ticket: not posted again").hasSize(1);
            assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                             landed)).isEqualTo("posted " + LISTED_ID);
            assertThat(p.notePosts(lost)).as("A's POST, never completed, and B's").hasSize(2);
            assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                             lost)).isEqualTo("posted 555000111");
        }
    }

    /**
     * Gateway A, instance id fixed, is killed with two jobs waiting for Shopify (their notes reserved) and two inside
     * the post of their notes; it is started again in place with the same id. Its start puts its running jobs back in
     * the queue and ends its notes' holds before it claims: the jobs run again and every note is settled while their
     * old (minute-long) leases still had a long way to run, and each ticket has exactly one note.
     */
    @Test
    void anInstanceRestartedInPlaceTakesBackItsRunningWorkAtOnceAndEachTicketGetsOneNote() throws Exception {
        long[] waiting = {19_700_001L, 19_700_002L};
        long[] posting = {19_700_003L, 19_700_004L};
        Map<Long, UUID> eventOf = deliver("restart", waiting[0], waiting[1], posting[0], posting[1]);
        List<StubMapping> held = new ArrayList<>();
        for (long ticket : waiting) {
            held.add(p.stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                                            .withHeader("X-Shopify-Access-Token", equalTo(tokenOf(ticket)))
                                            .willReturn(okJson(Pipeline.ordersAnswer()).withFixedDelay(HELD_MS))));
        }
        for (long ticket : posting) {
            held.add(p.stub.stubFor(post(urlPathEqualTo("/api/tickets/" + ticket + "/messages")).atPriority(1)
                                            .willReturn(created(555_000_111L).withFixedDelay(HELD_MS))));
        }
        Map<String, String> env = new HashMap<>(p.env);
        env.putAll(DEFAULT_TIMING);
        // leases of a minute: anything done before they run out was not done by their running out
        env.put("TOLLGATE_WORKER_LEASE_SECONDS", "60");
        env.put("TOLLGATE_INSTANCE_ID", "crash-test-instance-" + UUID.randomUUID());
        List<UUID> events = new ArrayList<>(eventOf.values());
        Instant leasesEnd;
        try (GatewayProcess a = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            a.awaitHealthy(Duration.ofSeconds(60));
            Pipeline.await(() -> p.count("SELECT count(*) FROM notes WHERE state = 'pending' AND gorgias_ticket_id"
                                                 + " BETWEEN ? AND ?", waiting[0], posting[1]) == 4
                                   && p.notePosts(posting[0]).size() == 1 && p.notePosts(posting[1]).size() == 1,
                           Duration.ofSeconds(60), () -> "jobs: " + jobs(eventOf) + "\n" + a.output());
            assertThat(jobs(eventOf)).allSatisfy((event, job) -> assertThat(job).startsWith("running attempts=1 "));
            assertThat(p.count("SELECT count(*) FROM jobs WHERE event_id = ANY(?::uuid[]) AND instance_id = ?",
                               array(events), env.get("TOLLGATE_INSTANCE_ID")))
                    .as("each claim names the instance").isEqualTo(4);
            assertThat(p.count("SELECT count(*) FROM notes WHERE gorgias_ticket_id BETWEEN ? AND ? AND holder = ?",
                               waiting[0], posting[1], env.get("TOLLGATE_INSTANCE_ID")))
                    .as("each hold names the instance").isEqualTo(4);
            a.kill();
        }
        // the earliest moment any of those jobs or notes would have been free had nothing taken them back
        leasesEnd = Instant.parse(p.one("SELECT to_char(least((SELECT min(lease_expires_at) FROM jobs"
                                                + " WHERE event_id = ANY(?::uuid[])), (SELECT min(lease_until)"
                                                + " FROM notes WHERE gorgias_ticket_id BETWEEN ? AND ?))"
                                                + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
                                        array(events), waiting[0], posting[1]));
        held.forEach(p.stub::removeStub);
        for (long ticket : posting) {
            // Gorgias created both notes before A died, but never answered
            p.stub.stubFor(get(urlPathEqualTo("/api/tickets/" + ticket + "/messages")).atPriority(1)
                                   .willReturn(okJson(listing(LISTED_ID + ticket % 10,
                                                              "tollgate:" + eventOf.get(ticket)))));
        }

        try (GatewayProcess again = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            again.awaitHealthy(Duration.ofSeconds(60));
            assertThat(dbNow()).as("the restart is up while the old leases still run (else this proves nothing)")
                    .isBefore(leasesEnd);
            // its worker started before it answered: the old running jobs are back in the queue (or already run
            // again), none still held by the dead process's claims, and their notes' holds ended
            assertThat(p.count("SELECT count(*) FROM jobs WHERE event_id = ANY(?::uuid[]) AND status = 'running'"
                                       + " AND attempts = 1", array(events)))
                    .as("no job still running its first attempt, the dead process's").isZero();
            assertThat(again.output()).contains("4 jobs queued again at once").contains("4 note holds ended");

            for (UUID event : events) {
                p.awaitProcessed(event, Duration.ofSeconds(60));
                assertThat(p.job(event)).as("run once before the kill, once after the restart")
                        .startsWith("done attempts=2 ");
            }
            assertThat(Instant.parse(p.one("SELECT to_char(max(posted_at) AT TIME ZONE 'UTC',"
                                                   + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM notes"
                                                   + " WHERE gorgias_ticket_id BETWEEN ? AND ?", waiting[0],
                                           posting[1])))
                    .as("every note settled before any old lease or hold would have run out").isBefore(leasesEnd);
            for (long ticket : waiting) {
                assertThat(p.notePosts(ticket)).as("ticket %d", ticket).hasSize(1);
                assertThat(p.one("SELECT state FROM notes WHERE gorgias_ticket_id = ?", ticket)).isEqualTo("posted");
            }
            for (long ticket : posting) {
                assertThat(p.notePosts(ticket)).as("ticket %d: found on the ticket, not posted again", ticket)
                        .hasSize(1);
                assertThat(p.messageLookups(ticket)).isNotEmpty();
                assertThat(p.one("SELECT state || ' ' || upstream_message_id FROM notes WHERE gorgias_ticket_id = ?",
                                 ticket)).isEqualTo("posted " + (LISTED_ID + ticket % 10));
            }
        }
    }

    private final Map<Long, String> tokens = new HashMap<>();

    /** One tenant per ticket (a shop each), each ticket's event accepted and queued by a gateway without a worker. */
    private Map<Long, UUID> deliver(String prefix, long... tickets) {
        Tollgate front = p.startServer(Map.of("TOLLGATE_WORKER_ENABLED", "false"));
        Map<Long, UUID> eventOf = new LinkedHashMap<>();
        for (long ticket : tickets) {
            Pipeline.Tenant t = p.tenant(front, prefix + "-" + ticket);
            tokens.put(ticket, t.accessToken());
            HttpResponse<String> accepted = p.deliver(front, t, Pipeline.ticket(
                    ticket, ticket + 10_000_000L, "Where is my order?", "Where is order #1001?"), prefix + ticket);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            eventOf.put(ticket, Pipeline.eventId(accepted));
        }
        p.stop(front);
        return eventOf;
    }

    private String tokenOf(long ticket) {
        return tokens.get(ticket);
    }

    private static String holdOf(long ticket) {
        return p.one("SELECT lease_until::text FROM notes WHERE gorgias_ticket_id = ?", ticket);
    }

    private static String array(List<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder created(long id) {
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

    /** The database's clock. */
    private static Instant dbNow() {
        long micros = Long.parseLong(p.one("SELECT (extract(epoch FROM now()) * 1000000)::bigint"));
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static Map<UUID, String> jobs(Map<Long, UUID> eventOf) {
        Map<UUID, String> jobs = new LinkedHashMap<>();
        eventOf.values().forEach(e -> jobs.put(e, p.job(e)));
        return jobs;
    }
}
