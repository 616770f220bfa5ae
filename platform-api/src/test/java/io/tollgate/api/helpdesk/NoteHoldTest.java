package io.tollgate.api.helpdesk;

import io.tollgate.api.StoreDatabase;
import io.tollgate.api.draft.Drafting;
import io.tollgate.api.draft.TemplateDraftWriter;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.orders.OrderMatcher;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.upstream.AccountPacing;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.api.upstream.WireMockUpstream;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.Tenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.TenantStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.tollgate.api.helpdesk.GorgiasBodies.TICKET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A note's hold while it is posted (issue 19, target 5): held for a job lease from the renewal before the post,
 * extended by the worker's heartbeat statement while the post runs ({@link JobQueue#renew}), ended at once by the
 * restart of the instance that held it ({@link JobQueue#resume}); and a poster that cannot be sure it still holds the
 * note (its last renewal older than half the hold) posts nothing. On the real PostgreSQL, with Gorgias a local
 * WireMock server.
 */
class NoteHoldTest {
    private static final Duration HOLD = Duration.ofSeconds(10);
    private static final String NOTES = "/api/tickets/" + TICKET + "/messages";

    @RegisterExtension
    static final StoreDatabase DB = new StoreDatabase("holds", "jobs", "notes", "webhook_events");

    @RegisterExtension
    static final WireMockUpstream GORGIAS = new WireMockUpstream("gorgias");

    private final TenantId a = DB.a();

    @Test
    void aHoldIsRenewedOnlyForwardAndIsFreshForHalfItsLength() {
        AtomicLong now = new AtomicLong(1_000);
        NoteHold hold = new NoteHold(a, UUID.randomUUID(), UUID.randomUUID(), 1_000, now::get);
        assertThat(hold.renewedWithin(Duration.ofSeconds(5))).isTrue();
        now.addAndGet(Duration.ofSeconds(5).toNanos() + 1);
        assertThat(hold.renewedWithin(Duration.ofSeconds(5))).as("renewed just over 5 s ago").isFalse();
        hold.renewed(now.get() - Duration.ofSeconds(1).toNanos());
        assertThat(hold.renewedWithin(Duration.ofSeconds(5))).isTrue();
        hold.renewed(1_000); // a heartbeat sent before the renewal already known ends later: it counts from its start
        assertThat(hold.renewedWithin(Duration.ofSeconds(5))).as("never moved back").isTrue();
    }

    /**
     * The heartbeat's one statement extends a note's hold only while the run's attempt holds it: not another attempt's
     * (the note was taken over), not a posted note's; and renews the jobs' leases in the same statement.
     */
    @Test
    void theHeartbeatExtendsTheHoldsOfTheNotesItsRunsPostAndNoOther() throws SQLException {
        NoteLedger ledger = new NoteLedger(DB.db(), HOLD, Optional.of("host-a:8080"));
        NoteLedger.Reservation.Reserved posting = reserve(ledger, 1);
        NoteLedger.Reservation.Reserved takenOver = reserve(ledger, 2);
        NoteLedger.Reservation.Reserved posted = reserve(ledger, 3);
        exec("UPDATE notes SET attempt = gen_random_uuid() WHERE id = ?", takenOver.noteId());
        assertThat(ledger.markPosted(a, posted.noteId(), 901L)).isTrue();
        UUID job = runningJob("host-a:8080", Duration.ofSeconds(10));
        JobQueue.Job held = new JobQueue.Job(job, a, new EventId(UUID.fromString(one(
                "SELECT event_id FROM jobs WHERE id = ?", job))), 1, 8, UUID.fromString(one(
                "SELECT lease_owner FROM jobs WHERE id = ?", job)), Instant.now());

        JobQueue.Renewed beat = new JobQueue(DB.db(), Optional.of("host-a:8080")).renew(
                List.of(held), List.of(heldNote(posting), heldNote(takenOver), heldNote(posted)),
                Duration.ofSeconds(60));

        assertThat(beat.jobs()).containsExactly(job);
        assertThat(beat.notes()).containsExactly(posting.noteId());
        assertThat(secondsLeft("SELECT lease_until FROM notes WHERE id = ?", posting.noteId())).isGreaterThan(50);
        assertThat(secondsLeft("SELECT lease_until FROM notes WHERE id = ?", takenOver.noteId())).isLessThan(11);
        assertThat(one("SELECT lease_until FROM notes WHERE id = ?", posted.noteId())).isNull();
        assertThat(secondsLeft("SELECT lease_expires_at FROM jobs WHERE id = ?", job)).isGreaterThan(50);
    }

    /**
     * At an instance's restart, its running jobs go back to the queue (or are dead when out of attempts) and its note
     * holds end; another instance's jobs and holds, and queued jobs, are left alone.
     */
    @Test
    void aRestartTakesBackItsOwnRunningJobsAndNoteHoldsOnly() throws SQLException {
        NoteLedger mine = new NoteLedger(DB.db(), HOLD, Optional.of("host-a:8080"));
        NoteLedger theirs = new NoteLedger(DB.db(), HOLD, Optional.of("host-b:8080"));
        NoteLedger.Reservation.Reserved myNote = reserve(mine, 1);
        NoteLedger.Reservation.Reserved theirNote = reserve(theirs, 2);
        assertThat(one("SELECT holder FROM notes WHERE id = ?", myNote.noteId())).isEqualTo("host-a:8080");
        UUID myJob = runningJob("host-a:8080", Duration.ofSeconds(60));
        UUID myLastAttempt = runningJob("host-a:8080", Duration.ofSeconds(60));
        exec("UPDATE jobs SET attempts = 8 WHERE id = ?", myLastAttempt);
        UUID theirJob = runningJob("host-b:8080", Duration.ofSeconds(60));

        JobQueue.Resumed resumed = new JobQueue(DB.db(), Optional.of("host-a:8080")).resume();

        assertThat(resumed).isEqualTo(new JobQueue.Resumed(1, 1, 1));
        assertThat(one("SELECT status || ' ' || coalesce(lease_owner, '-') || ' ' || coalesce(instance_id, '-')"
                               + " FROM jobs WHERE id = ?", myJob)).isEqualTo("queued - -");
        assertThat(one("SELECT last_error FROM jobs WHERE id = ?", myJob))
                .isEqualTo("the instance host-a:8080 running attempt 1 restarted before finishing it");
        assertThat(one("SELECT e.status FROM webhook_events e JOIN jobs j ON j.event_id = e.id WHERE j.id = ?",
                       myJob)).isEqualTo("accepted");
        assertThat(one("SELECT status FROM jobs WHERE id = ?", myLastAttempt)).isEqualTo("dead");
        assertThat(one("SELECT status || ' ' || instance_id FROM jobs WHERE id = ?", theirJob))
                .isEqualTo("running host-b:8080");
        assertThat(one("SELECT lease_until FROM notes WHERE id = ?", myNote.noteId())).isNull();
        assertThat(secondsLeft("SELECT lease_until FROM notes WHERE id = ?", theirNote.noteId())).isGreaterThan(5);
        // the next attempt for my note takes it at once, as uncertain: it looks for it on the ticket first
        assertThat(theirs.reserve(a, TICKET, 1, event())).isInstanceOf(NoteLedger.Reservation.Pending.class);
    }

    /**
     * The poster refuses to send when its last renewal of the hold is older than half the hold (a pause between the
     * renewal and the post, as a stalled process has it): nothing reaches Gorgias, the reservation is withdrawn, and
     * the run is to be tried again without spending an attempt.
     */
    @Test
    void aPosterWhoseRenewalIsStalePostsNothing() throws SQLException {
        stubTicket(0);
        AtomicLong ticks = new AtomicLong();
        // every reading of the clock is 6 s after the one before: more than half the 10 s hold between any two
        TicketResponder paused = responder(new NoteLedger(DB.db(), HOLD, Optional.of("host-a:8080")),
                                           () -> ticks.addAndGet(Duration.ofSeconds(6).toNanos()));
        Deadline deadline = Deadline.none();

        Handled handled = paused.respond(tenant(), event(), GorgiasBodies.ticketCreated(), deadline);

        assertThat(handled).isInstanceOfSatisfying(Handled.Later.class, l -> {
            assertThat(l.failure()).as("no attempt spent").isFalse();
            assertThat(l.reason()).contains("nothing was posted");
        });
        GORGIAS.server().verify(0, postRequestedFor(urlPathEqualTo(NOTES)));
        assertThat(one("SELECT count(*) FROM notes WHERE tenant_id = ?", a.value()))
                .as("the reservation withdrawn: nothing was sent").isEqualTo("0");
        assertThat(deadline.held()).isEmpty();
    }

    /**
     * While the post runs, the run's deadline carries the note's hold (the worker's heartbeat extends it, as this test
     * does with the heartbeat's statement), and a post slower than the hold is not raced; once the post has ended it is
     * no longer held.
     */
    @Test
    void whileThePostRunsTheDeadlineCarriesTheHoldAndTheHeartbeatExtendsIt() throws Exception {
        stubTicket(6_000);
        TicketResponder responder = responder(new NoteLedger(DB.db(), Duration.ofSeconds(4),
                                                             Optional.of("host-a:8080")), System::nanoTime);
        Deadline deadline = Deadline.none();
        EventId event = event();
        CompletableFuture<Handled> run = CompletableFuture.supplyAsync(
                () -> responder.respond(tenant(), event, GorgiasBodies.ticketCreated(), deadline));

        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (GORGIAS.server().findAll(postRequestedFor(urlPathEqualTo(NOTES))).isEmpty()) {
            assertThat(System.nanoTime()).as("the note is posted").isLessThan(end);
            Thread.sleep(20);
        }
        NoteHold hold = deadline.held().orElseThrow(() -> new AssertionError("posting, yet no hold carried"));
        assertThat(one("SELECT id FROM notes WHERE tenant_id = ?", a.value())).isEqualTo(hold.noteId().toString());
        // the heartbeat: the post (6 s) outlasts the 4 s hold, and the extension keeps it held
        JobQueue.Renewed beat = new JobQueue(DB.db(), Optional.of("host-a:8080")).renew(
                List.of(), List.of(new JobQueue.HeldNote(hold.tenant(), hold.noteId(), hold.attempt())),
                Duration.ofSeconds(30));
        assertThat(beat.notes()).containsExactly(hold.noteId());
        assertThat(new NoteLedger(DB.db(), HOLD).reserve(a, TICKET, GorgiasBodies.FIRST, event()))
                .as("another attempt while the post runs").isInstanceOf(NoteLedger.Reservation.InFlight.class);

        assertThat(run.get(30, TimeUnit.SECONDS)).isInstanceOf(Handled.Posted.class);
        assertThat(deadline.held()).as("the post has ended").isEmpty();
        GORGIAS.server().verify(1, postRequestedFor(urlPathEqualTo(NOTES)));
    }

    private TicketResponder responder(NoteLedger ledger, LongSupplier ticker) {
        UpstreamSettings settings = UpstreamTesting.settings();
        GorgiasClient gorgias = new GorgiasClient(settings, GORGIAS.metrics(), new AccountPacing(
                DB.db(), Upstream.GORGIAS, settings.gorgiasCalls(), settings.gorgiasWindow(),
                t -> t.gorgias().domain()));
        return new TicketResponder(new HelpdeskStore(DB.db()), ledger, new OrderCache(DB.db()),
                                   new ShopifyClient(settings, GORGIAS.metrics()), gorgias, new OrderMatcher(),
                                   new Drafting(new TemplateDraftWriter()), Duration.ofMinutes(5), ticker);
    }

    /** Tenant a, its Gorgias the stub; its shop uninstalled, so the draft needs no Shopify look-up. */
    private ResolvedTenant tenant() {
        Instant now = Instant.now();
        return new ResolvedTenant(
                new Tenant(a, "holds-a", "Shop holds-a", TenantStatus.ACTIVE, Limits.DEFAULTS, now, now),
                new GorgiasCredentials("holdsa-" + UUID.randomUUID(), "agent@holds-a.example",
                                       Secret.of(UpstreamTesting.gorgiasKey("holds-a")), Optional.of(GORGIAS.base())),
                new ShopifyCredentials("holds-a.myshopify.com", Secret.of(UpstreamTesting.shopifyToken("holds-a")),
                                       ShopifyCredentials.DEFAULT_API_VERSION, Optional.of(GORGIAS.base()),
                                       Optional.of(now)),
                List.of());
    }

    /** Gorgias has the ticket, and answers a note's POST after {@code delayMs}. */
    private static void stubTicket(int delayMs) {
        GORGIAS.server().stubFor(get(urlPathEqualTo("/api/tickets/" + TICKET))
                                         .willReturn(okJson(GorgiasBodies.ticketObject())));
        GORGIAS.server().stubFor(post(urlPathEqualTo(NOTES)).willReturn(
                aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"id\": 555000111, \"channel\": \"internal-note\"}").withFixedDelay(delayMs)));
    }

    private NoteLedger.Reservation.Reserved reserve(NoteLedger ledger, long message) throws SQLException {
        return (NoteLedger.Reservation.Reserved) ledger.reserve(a, TICKET, message, event());
    }

    private static JobQueue.HeldNote heldNote(NoteLedger.Reservation.Reserved r) {
        return new JobQueue.HeldNote(DB.a(), r.noteId(), r.attempt());
    }

    /** A job of tenant a running in its first attempt under {@code instance}, its lease running out in {@code left}. */
    private UUID runningJob(String instance, Duration left) throws SQLException {
        UUID id = UUID.randomUUID();
        exec("INSERT INTO jobs (id, tenant_id, event_id, status, attempts, lease_owner, lease_expires_at, instance_id)"
                     + " VALUES (?, ?, ?, 'running', 1, gen_random_uuid()::text, now() + make_interval(secs => ?), ?)",
             id, a.value(), event().value(), (double) left.toSeconds(), instance);
        exec("UPDATE webhook_events SET status = 'processing' WHERE id = (SELECT event_id FROM jobs WHERE id = ?)", id);
        return id;
    }

    /** A stored Gorgias webhook event of tenant a, as ingest writes it. */
    private EventId event() throws SQLException {
        UUID id = UUID.randomUUID();
        exec("INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status)"
                     + " VALUES (?, ?, 'gorgias', 'ticket-created', ?, sha256('{}'::bytea), '{}'::bytea, 'accepted')",
             id, a.value(), "key-" + id);
        return new EventId(id);
    }

    /** Seconds from the database's now to the time the query answers. */
    private static double secondsLeft(String sql, UUID id) throws SQLException {
        return Double.parseDouble(one("SELECT extract(epoch FROM (" + sql + ") - now())", id));
    }

    private static void exec(String sql, Object... params) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    private static String one(String sql, Object... params) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
