package io.tollgate.api.helpdesk;

import io.tollgate.api.StoreDatabase;
import io.tollgate.api.events.RetentionSweeper;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;




import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tollgate.api.helpdesk.GorgiasBodies.FIRST;
import static io.tollgate.api.helpdesk.GorgiasBodies.TICKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exactly-once note ledger on the real PostgreSQL, keyed by the customer message answered. */
class NoteLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(5);

    @RegisterExtension
    static final StoreDatabase DB = new StoreDatabase("ledger", "notes", "webhook_events");

    private final NoteLedger ledger = new NoteLedger(DB.db(), LEASE);
    private final TenantId a = DB.a();
    private final TenantId b = DB.b();

    /** A stored Gorgias webhook event (what ingest writes), received {@code ageDays} ago. */
    private static EventId event(TenantId tenant, String topic, int ageDays) throws SQLException {
        UUID id = UUID.randomUUID();
        exec("INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, status,"
                     + " received_at) VALUES (?, ?, 'gorgias', ?, ?, sha256('{}'::bytea), '{}'::bytea, 'accepted',"
                     + " now() - make_interval(days => ?))", id, tenant.value(), topic, "key-" + id, ageDays);
        return new EventId(id);
    }

    private static EventId event(TenantId tenant) throws SQLException {
        return event(tenant, "ticket-created", 0);
    }

    private static void exec(String sql, Object... params) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static List<String> notes(TenantId tenant) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, event_id, gorgias_ticket_id, answered_message_id, external_id, state, upstream_message_id,"
                        + " error FROM notes WHERE tenant_id = ? ORDER BY created_at, id")) {
            ps.setObject(1, tenant.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(String.join("|", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                         rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)));
                }
            }
        }
        return rows;
    }

    /** The attempt holding the note died: its lease has run out. */
    private static void leaseRunsOut(UUID noteId) throws SQLException {
        exec("UPDATE notes SET lease_until = now() - interval '1 second' WHERE id = ?", noteId);
    }

    /** Tenant a's note for {@code TICKET}'s {@code FIRST} message, reserved by {@code event}: the first reservation. */
    private NoteLedger.Reservation.Reserved reservedFirst(EventId event) {
        return (NoteLedger.Reservation.Reserved) ledger.reserve(a, TICKET, FIRST, event);
    }

    private static Reply.Answer answerOf(byte[] body) {
        return (Reply.Answer) TicketEvents.parse(body).answerable();
    }

    @Test
    void ticketCreatedThenMessageCreatedForTheSameFirstMessageMakeOneNote() throws SQLException {
        EventId created = event(a, "ticket-created", 0);
        EventId messageCreated = event(a, "ticket-message-created", 0);
        Reply.Answer first = answerOf(GorgiasBodies.ticketCreated());
        Reply.Answer second = answerOf(GorgiasBodies.firstMessageCreated());
        assertThat(List.of(second.ticketId(), second.messageId())).isEqualTo(List.of(first.ticketId(),
                                                                                     first.messageId()));

        NoteLedger.Reservation r1 = ledger.reserve(a, first.ticketId(), first.messageId(), created);
        assertThat(r1).isInstanceOf(NoteLedger.Reservation.Reserved.class);
        NoteLedger.Reservation.Reserved reserved = (NoteLedger.Reservation.Reserved) r1;
        assertThat(reserved.externalId()).isEqualTo("tollgate:" + created);

        // while the first attempt is posting, the second event must not post
        NoteLedger.Reservation r2 = ledger.reserve(a, second.ticketId(), second.messageId(), messageCreated);
        assertThat(r2).isInstanceOfSatisfying(NoteLedger.Reservation.InFlight.class,
                                              f -> assertThat(f.noteId()).isEqualTo(reserved.noteId()));

        assertThat(ledger.markPosted(a, reserved.noteId(), 555L)).isTrue();
        assertThat(ledger.reserve(a, second.ticketId(), second.messageId(), messageCreated))
                .isEqualTo(new NoteLedger.Reservation.AlreadyPosted(555L));
        assertThat(notes(a)).containsExactly(String.join("|", reserved.noteId().toString(), created.toString(),
                                                         String.valueOf(TICKET), String.valueOf(FIRST),
                                                         "tollgate:" + created, "posted", "555", null));
    }

    /**
     * The check just before a post (issue 15): only the attempt that holds the note may post, and renewing holds it
     * afresh for the post, so a run its worker gave up at the deadline while posting cannot race a later one.
     */
    @Test
    void onlyTheAttemptHoldingTheNoteRenewsItBeforePosting() throws SQLException {
        EventId e1 = event(a);
        EventId e2 = event(a);
        NoteLedger.Reservation.Reserved first = reservedFirst(e1);
        assertThat(ledger.renew(b, first.noteId(), first.attempt())).as("another tenant's note is not found")
                .isFalse();
        exec("UPDATE notes SET lease_until = now() + interval '1 second' WHERE id = ?", first.noteId());
        assertThat(ledger.renew(a, first.noteId(), first.attempt())).isTrue();
        assertThat(ledger.reserve(a, TICKET, FIRST, e2)).as("renewed for a whole lease, not the second left")
                .isInstanceOfSatisfying(NoteLedger.Reservation.InFlight.class, f -> assertThat(f.leaseUntil())
                        .isAfter(java.time.Instant.now().plus(LEASE).minusSeconds(60)));

        leaseRunsOut(first.noteId()); // the first run's hold ran out, and no other attempt took the note
        assertThat(ledger.renew(a, first.noteId(), first.attempt()))
                .as("a hold no other attempt took is still this attempt's: no other can be posting").isTrue();
        leaseRunsOut(first.noteId()); // the first run was given up and its hold ran out
        NoteLedger.Reservation.Pending second = (NoteLedger.Reservation.Pending) ledger.reserve(a, TICKET, FIRST, e2);
        assertThat(ledger.renew(a, first.noteId(), first.attempt())).as("the first run lost the note").isFalse();
        assertThat(ledger.renew(a, second.noteId(), second.attempt())).isTrue();

        assertThat(ledger.markPosted(a, second.noteId(), 777L)).isTrue();
        assertThat(ledger.renew(a, second.noteId(), second.attempt())).as("a posted note is never posted again")
                .isFalse();
    }

    /**
     * A reservation holds the note only as long as the job's lease (a worker that dies while it looks the order up or
     * drafts holds it no longer than its job), and so does the renewal just before the post (the worker's heartbeat
     * extends it while the post runs: {@code NoteHoldTest}); each names the instance whose attempt holds the note.
     */
    @Test
    void aReservationAndTheRenewalBeforeThePostHoldTheNoteForAJobLeaseUnderTheirInstance() throws SQLException {
        NoteLedger hostA = new NoteLedger(DB.db(), Duration.ofSeconds(10), java.util.Optional.of("host-a:8080"));
        NoteLedger hostB = new NoteLedger(DB.db(), Duration.ofSeconds(10), java.util.Optional.of("host-b:8080"));
        EventId e1 = event(a);
        EventId e2 = event(a);
        NoteLedger.Reservation.Reserved first = (NoteLedger.Reservation.Reserved) hostA.reserve(a, TICKET, FIRST, e1);
        assertThat(hostA.reserve(a, TICKET, FIRST, e2)).isInstanceOfSatisfying(
                NoteLedger.Reservation.InFlight.class, f -> assertThat(f.leaseUntil())
                        .isBefore(Instant.now().plusSeconds(30)).isAfter(Instant.now().plusSeconds(5)));
        assertThat(holder(first.noteId())).isEqualTo("host-a:8080");

        leaseRunsOut(first.noteId()); // its worker died before posting: the next attempt takes the note at once
        NoteLedger.Reservation.Pending second = (NoteLedger.Reservation.Pending) hostB.reserve(a, TICKET, FIRST, e2);
        assertThat(holder(first.noteId())).isEqualTo("host-b:8080");
        assertThat(hostA.renew(a, first.noteId(), first.attempt())).as("the first attempt lost the note")
                .isFalse();
        assertThat(hostB.renew(a, second.noteId(), second.attempt())).isTrue();
        assertThat(hostA.reserve(a, TICKET, FIRST, e1)).as("posting: held a job lease, not minutes")
                .isInstanceOfSatisfying(NoteLedger.Reservation.InFlight.class, f -> assertThat(f.leaseUntil())
                        .isBefore(Instant.now().plusSeconds(30)).isAfter(Instant.now().plusSeconds(5)));
        assertThatThrownBy(() -> new NoteLedger(DB.db(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String holder(UUID noteId) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT holder FROM notes WHERE id = ?")) {
            ps.setObject(1, noteId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void anUncertainEarlierAttemptIsPendingUnderItsFirstExternalId() throws SQLException {
        EventId e1 = event(a);
        EventId e2 = event(a);
        NoteLedger.Reservation.Reserved reserved = reservedFirst(e1);
        leaseRunsOut(reserved.noteId()); // the worker died mid-call: nobody knows if Gorgias got the note

        NoteLedger.Reservation again = ledger.reserve(a, TICKET, FIRST, e2);

        assertThat(again).isInstanceOfSatisfying(NoteLedger.Reservation.Pending.class, p -> {
            assertThat(p.noteId()).isEqualTo(reserved.noteId());
            assertThat(p.externalId()).isEqualTo("tollgate:" + e1);
            assertThat(p.attempt()).isNotEqualTo(reserved.attempt());
        });
        // and this attempt now holds the note: a third one waits
        assertThat(ledger.reserve(a, TICKET, FIRST, e2)).isInstanceOf(NoteLedger.Reservation.InFlight.class);
        // the first attempt, whose lease ran out, cannot end the second one's lease
        assertThat(ledger.markFailed(a, reserved.noteId(), reserved.attempt(), "late")).isFalse();
        assertThat(ledger.withdraw(a, reserved.noteId(), reserved.attempt())).isFalse();
        assertThat(ledger.reserve(a, TICKET, FIRST, e2)).isInstanceOf(NoteLedger.Reservation.InFlight.class);
        assertThat(ledger.markFailed(a, reserved.noteId(), ((NoteLedger.Reservation.Pending) again).attempt(),
                                     "gorgias timed out")).isTrue();
        assertThat(notes(a)).hasSize(1);
    }

    @Test
    void aFailedAttemptIsRetriedAsPendingAndAPostedNoteStaysPosted() throws SQLException {
        EventId e1 = event(a);
        NoteLedger.Reservation.Reserved reserved = reservedFirst(e1);
        assertThat(ledger.markFailed(a, reserved.noteId(), reserved.attempt(), "gorgias answered 503")).isTrue();
        assertThat(notes(a)).singleElement().asString().endsWith("|failed|null|gorgias answered 503");

        EventId replay = event(a);
        NoteLedger.Reservation.Pending pending = (NoteLedger.Reservation.Pending) ledger.reserve(a, TICKET, FIRST,
                                                                                               replay);
        assertThat(pending.noteId()).isEqualTo(reserved.noteId());
        assertThat(pending.externalId()).isEqualTo("tollgate:" + e1);
        assertThat(notes(a)).singleElement().asString().contains("|pending|");

        assertThat(ledger.markPosted(a, reserved.noteId(), 9_007_199_254_740_993L)).isTrue();
        assertThat(ledger.markFailed(a, reserved.noteId(), pending.attempt(), "late failure")).as("posted stays posted")
                .isFalse();
        assertThat(ledger.reserve(a, TICKET, FIRST, replay))
                .isEqualTo(new NoteLedger.Reservation.AlreadyPosted(9_007_199_254_740_993L));
    }

    @Test
    void aReservationWithdrawnBeforeAnythingWasSentIsReservedAfreshNextTime() throws SQLException {
        EventId e1 = event(a);
        NoteLedger.Reservation.Reserved first = reservedFirst(e1);
        ledger.recordDraftAndRenew(a, first.noteId(), first.attempt(), "template", "text", "<p>text</p>");

        assertThat(ledger.withdraw(a, first.noteId(), first.attempt())).isTrue();
        assertThat(notes(a)).isEmpty();

        assertThat(ledger.reserve(a, TICKET, FIRST, e1)).isInstanceOfSatisfying(
                NoteLedger.Reservation.Reserved.class, r -> assertThat(r.externalId()).isEqualTo("tollgate:" + e1));
    }

    @Test
    void theSameTicketStateUnderANewWebhookIdMakesNoSecondNote() throws SQLException {
        EventId original = event(a);
        NoteLedger.Reservation.Reserved reserved = reservedFirst(original);
        ledger.markPosted(a, reserved.noteId(), 901L);

        EventId resent = event(a); // same body, new webhook id: a new event
        assertThat(ledger.reserve(a, TICKET, FIRST, resent)).isEqualTo(new NoteLedger.Reservation.AlreadyPosted(901L));

        // a new customer message on the same ticket is a new note
        NoteLedger.Reservation next = ledger.reserve(a, TICKET, FIRST + 2, resent);
        assertThat(next).isInstanceOfSatisfying(NoteLedger.Reservation.Reserved.class,
                                                r -> assertThat(r.externalId()).isEqualTo("tollgate:" + resent));
        assertThat(notes(a)).hasSize(2);
    }

    @Test
    void theLedgerOutlivesEventRetention() throws Exception {
        EventId old = event(a, "ticket-created", 30);
        NoteLedger.Reservation.Reserved reserved = reservedFirst(old);
        ledger.markPosted(a, reserved.noteId(), 902L);
        // its job done: a processed event ages out with the event retention (an unfinished one would be kept)
        exec("UPDATE webhook_events SET status = 'processed' WHERE id = ?", old.value());

        try (RetentionSweeper sweeper = new RetentionSweeper(DB.db(), Duration.ofDays(7), Duration.ofDays(30))) {
            assertThat(sweeper.sweepOnce()).isEqualTo(1);
        }

        assertThat(notes(a)).containsExactly(String.join("|", reserved.noteId().toString(), null,
                                                         String.valueOf(TICKET), String.valueOf(FIRST),
                                                         "tollgate:" + old, "posted", "902", null));
        // the same ticket state re-sent after the retention window: still no second note
        assertThat(ledger.reserve(a, TICKET, FIRST, event(a))).isEqualTo(new NoteLedger.Reservation.AlreadyPosted(902L));
    }

    @Test
    void tenantsHaveSeparateLedgers() throws SQLException {
        NoteLedger.Reservation.Reserved inA = reservedFirst(event(a));
        ledger.markPosted(a, inA.noteId(), 903L);

        NoteLedger.Reservation inB = ledger.reserve(b, TICKET, FIRST, event(b));

        assertThat(inB).isInstanceOf(NoteLedger.Reservation.Reserved.class);
        UUID bNote = ((NoteLedger.Reservation.Reserved) inB).noteId();
        assertThat(ledger.markPosted(a, bNote, 1L)).as("tenant a cannot touch b's note").isFalse();
        assertThat(ledger.markFailed(a, bNote, ((NoteLedger.Reservation.Reserved) inB).attempt(), "x")).isFalse();
        assertThat(notes(b)).singleElement().asString().contains("|pending|null|null");
        assertThat(notes(a)).singleElement().asString().contains("|posted|903|");
    }

    @Test
    void concurrentReservesForTheSameMessageMakeExactlyOneReservation() throws Exception {
        int threads = 6;
        int rounds = 25;
        // tenant a's racers and tenant b's one, each on its own thread (7 connections: the pool holds 8)
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            for (int round = 0; round < rounds; round++) {
                long message = 1_000 + round;
                List<EventId> events = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    events.add(event(a));
                }
                EventId bEvent = event(b);
                CyclicBarrier start = new CyclicBarrier(threads + 2); // a's racers, b's one, this thread
                List<Future<NoteLedger.Reservation>> results = new ArrayList<>();
                for (EventId e : events) {
                    results.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        return ledger.reserve(a, TICKET, message, e);
                    }));
                }
                // the other tenant, same ids, at the same moment
                Future<NoteLedger.Reservation> other = pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return ledger.reserve(b, TICKET, message, bEvent);
                });
                start.await(30, TimeUnit.SECONDS);
                List<NoteLedger.Reservation> got = new ArrayList<>();
                for (Future<NoteLedger.Reservation> f : results) {
                    got.add(f.get(60, TimeUnit.SECONDS));
                }
                assertThat(got).as("round " + round)
                        .filteredOn(r -> r instanceof NoteLedger.Reservation.Reserved).hasSize(1);
                assertThat(got).as("round " + round)
                        .filteredOn(r -> r instanceof NoteLedger.Reservation.InFlight).hasSize(threads - 1);
                UUID winner = got.stream().filter(r -> r instanceof NoteLedger.Reservation.Reserved)
                        .map(r -> ((NoteLedger.Reservation.Reserved) r).noteId()).findFirst().orElseThrow();
                assertThat(got).filteredOn(r -> r instanceof NoteLedger.Reservation.InFlight)
                        .allSatisfy(r -> assertThat(((NoteLedger.Reservation.InFlight) r).noteId()).isEqualTo(winner));
                assertThat(other.get(60, TimeUnit.SECONDS)).as("b's own note, unaffected by a's race")
                        .isInstanceOf(NoteLedger.Reservation.Reserved.class);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DB.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant_id, count(*) FROM notes GROUP BY tenant_id")) {
            int tenants = 0;
            while (rs.next()) {
                tenants++;
                assertThat(rs.getLong(2)).as("one note per message").isEqualTo(rounds);
            }
            assertThat(tenants).isEqualTo(2);
        }
    }

    /**
     * Draft-only: the attempt holding the note keeps it as drafted; a drafted note is final (a later reservation for the
     * message answers AlreadyDrafted, and neither a failure nor a withdrawal of any attempt changes it); only the
     * attempt that holds the note can keep it.
     */
    @Test
    void aDraftedNoteIsFinalAndOnlyItsAttemptKeepsIt() throws SQLException {
        EventId e1 = event(a);
        EventId e2 = event(a);
        NoteLedger.Reservation.Reserved first = reservedFirst(e1);
        assertThat(ledger.markDrafted(a, first.noteId(), UUID.randomUUID())).as("another attempt's token").isFalse();
        assertThat(ledger.markDrafted(b, first.noteId(), first.attempt())).as("another tenant").isFalse();
        assertThat(ledger.keepDraft(a, first.noteId(), UUID.randomUUID(), "template", "Hi Bob", "<p>Hi Bob</p>",
                                    tx -> { })).as("another attempt's token").isFalse();
        assertThat(ledger.keepDraft(a, first.noteId(), first.attempt(), "template", "Hi Bob", "<p>Hi Bob</p>",
                                    tx -> { })).isTrue();
        assertThat(ledger.markDrafted(a, first.noteId(), first.attempt())).as("already kept").isFalse();

        assertThat(ledger.reserve(a, TICKET, FIRST, e2))
                .isEqualTo(new NoteLedger.Reservation.AlreadyDrafted(first.noteId()));
        assertThat(ledger.markFailed(a, first.noteId(), first.attempt(), "late failure")).isFalse();
        assertThat(ledger.withdraw(a, first.noteId(), first.attempt())).isFalse();
        assertThat(ledger.keepDraft(a, first.noteId(), first.attempt(), "model", "other text", null, tx -> { }))
                .isFalse();
        assertThat(ledger.recordDraftAndRenew(a, first.noteId(), first.attempt(), "model", "other text", null))
                .isFalse();
        assertThat(ledger.renew(a, first.noteId(), first.attempt())).as("nothing to post").isFalse();
        assertThat(notes(a)).containsExactly(String.join("|", first.noteId().toString(), e1.toString(),
                                                         String.valueOf(TICKET), String.valueOf(FIRST),
                                                         "tollgate:" + e1, "drafted", null, null));
    }
}
