package io.tollgate.api.helpdesk;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optBigint;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The exactly-once ledger of internal notes ({@code notes}), one row per customer message answered: the key is
 * (tenant, Gorgias ticket id, answered message id), so ticket-created and ticket-message-created for the same message,
 * a duplicate, a replay, or the same ticket state re-sent under a new webhook id all find the same row. The row
 * outlives the webhook event that reserved it (event retention only clears {@code event_id}).
 *
 * <p>A worker {@link #reserve reserves} before it calls Gorgias (the intent is on record before the upstream call),
 * then records the outcome with {@link #markPosted} or {@link #markFailed}. Each attempt holds the row under a lease
 * ({@code lease_until}); while it runs, a reserve for the same message answers {@link Reservation.InFlight} instead
 * of letting a second worker post. The hold is the job's lease ({@code hold}), from the reservation and again from the
 * {@link #renew renewal} just before the post; while the post runs, the worker's heartbeat extends it with its jobs'
 * leases ({@code JobQueue.renew}), so a post however slow is never raced while its worker lives, and a worker that
 * died holds the note about a lease after its last beat, like its jobs. An attempt whose hold ran out and was taken
 * by another finds at its renewal that it no longer holds the note, and posts nothing; a poster that cannot be sure
 * it still holds the note (its last renewal is older than half the hold) posts nothing either
 * ({@link TicketResponder}). The row also names the instance whose attempt holds it ({@code holder}): a restart of
 * that instance ends the hold at once ({@code JobQueue.resume}).
 *
 * <p>Every statement is scoped by the tenant id first.
 */
public final class NoteLedger {
    /** The state of a note drafted and kept, never posted (a draft-only tenant's). */
    public static final String DRAFTED = "drafted";

    /** How a note's {@code external_id} starts; the rest is the id of the event that first reserved it. */
    public static final String EXTERNAL_PREFIX = TicketEvent.TOLLGATE_PREFIX;

    private static final String INSERT = """
            INSERT INTO notes (id, tenant_id, event_id, ticket_id, gorgias_ticket_id, answered_message_id,
                               external_id, state, lease_until, attempt, holder)
            VALUES (?, ?, ?, (SELECT id FROM tickets WHERE tenant_id = ? AND gorgias_ticket_id = ?::bigint),
                    ?::bigint, ?::bigint, ?, 'pending', now() + make_interval(secs => ?), ?, ?::text)
            ON CONFLICT (tenant_id, gorgias_ticket_id, answered_message_id) DO NOTHING
            RETURNING id, external_id""";

    private static final String LOCK = """
            SELECT id, external_id, state, upstream_message_id, lease_until, now() AS now FROM notes
             WHERE tenant_id = ? AND gorgias_ticket_id = ?::bigint AND answered_message_id = ?::bigint
               FOR UPDATE""";

    private static final String TAKE_LEASE = """
            UPDATE notes SET state = 'pending', lease_until = now() + make_interval(secs => ?), attempt = ?,
                             holder = ?::text, updated_at = now()
             WHERE tenant_id = ? AND id = ?""";

    private final Database db;
    private final Duration hold;
    /** The instance whose attempts hold notes ({@code holder}); null: none named. */
    private final String holder;

    /** A ledger whose attempts name no instance. */
    public NoteLedger(Database db, Duration hold) {
        this(db, hold, Optional.empty());
    }

    /**
     * @param hold   how long an attempt holds a note from its reservation and from its renewal before the post: the
     *               worker's job lease, extended by the worker's heartbeat while the post runs
     * @param holder the instance whose attempts these are ({@code TOLLGATE_INSTANCE_ID}), so its restart ends their
     *               holds at once
     */
    public NoteLedger(Database db, Duration hold, Optional<String> holder) {
        this.db = Objects.requireNonNull(db, "db");
        if (hold == null || hold.isNegative() || hold.isZero()) {
            throw new IllegalArgumentException("hold must be positive");
        }
        this.hold = hold;
        this.holder = holder.orElse(null);
    }

    /** How long a reservation or a renewal holds the note (the job lease). */
    public Duration hold() {
        return hold;
    }

    /** What {@link #reserve} found. */
    public sealed interface Reservation {
        /**
         * A new note: its intent is recorded (state pending, under this attempt's lease). Post it with
         * {@code externalId}, then {@link #markPosted} or {@link #markFailed}.
         */
        record Reserved(UUID noteId, String externalId, UUID attempt) implements Reservation {
        }

        /** The note for this message is already posted upstream: post nothing. */
        record AlreadyPosted(long upstreamMessageId) implements Reservation {
        }

        /**
         * An earlier attempt's outcome is uncertain (it died or failed before recording one), and this attempt now
         * holds the note: look for {@code externalId} on the ticket's messages upstream, and post only if it is not
         * there. Either way record the outcome with {@link #markPosted} or {@link #markFailed}.
         */
        record Pending(UUID noteId, String externalId, UUID attempt) implements Reservation {
        }

        /**
         * The note for this message was drafted and kept for a draft-only tenant ({@link #markDrafted}): final, so
         * post nothing, whether or not the tenant is still draft-only (switching the mode off posts none of the notes
         * drafted meanwhile). Only an operator's replay of the event that drafted it releases it
         * ({@code JobQueue.replay}).
         */
        record AlreadyDrafted(UUID noteId) implements Reservation {
        }

        /** Another attempt holds the note until {@code leaseUntil}: post nothing now, try again after that. */
        record InFlight(UUID noteId, Instant leaseUntil) implements Reservation {
        }
    }

    /** The external id of a note first reserved by {@code eventId}. */
    public static String externalIdFor(EventId eventId) {
        return EXTERNAL_PREFIX + eventId;
    }

    /**
     * Reserves the note answering {@code answeredMessageId} on Gorgias ticket {@code ticketId}, for the event being
     * processed. The first reservation inserts the row with external id {@code tollgate:<eventId>}; later ones, under
     * any event, find that row and keep its external id.
     *
     * @param eventId the webhook event being processed (must exist in {@code webhook_events}); one event answers one
     *                message, so its external id is never used for two notes (if it were, the tenant's unique
     *                external id refuses the write with {@link io.tollgate.tenant.db.DataException.Conflict})
     */
    public Reservation reserve(TenantId tenant, long ticketId, long answeredMessageId, EventId eventId) {
        return reserve(tenant, ticketId, answeredMessageId, eventId, tx -> { });
    }

    /**
     * {@link #reserve(TenantId, long, long, EventId)}, with {@code first} run at the start of the same transaction (the
     * worker stores the ticket it read there: one commit for both).
     */
    Reservation reserve(TenantId tenant, long ticketId, long answeredMessageId, EventId eventId,
                        java.util.function.Consumer<io.helidon.dbclient.DbTransaction> first) {
        return reserve(tenant, ticketId, answeredMessageId, eventId, first, r -> Optional.empty()).reservation();
    }

    /** A draft to record with its note ({@code source}: {@code template} or {@code model}). */
    record DraftRecord(String source, String text, String html) {
    }

    /** What {@link #reserve(TenantId, long, long, EventId, java.util.function.Consumer, java.util.function.Function)} did. */
    record Reserve(Reservation reservation, boolean drafted) {
    }

    /**
     * Reserves as {@link #reserve(TenantId, long, long, EventId)}, with {@code first} run at the start of the same
     * transaction; and, when the note is newly {@link Reservation.Reserved reserved} and {@code draftNow} gives its
     * draft at once (the worker's template draft from cached orders), records the draft and holds the note afresh for
     * the post, as {@link #recordDraftAndRenew} does just before it, in that same commit ({@code drafted}).
     */
    Reserve reserve(TenantId tenant, long ticketId, long answeredMessageId, EventId eventId,
                    java.util.function.Consumer<io.helidon.dbclient.DbTransaction> first,
                    java.util.function.Function<Reservation.Reserved, Optional<DraftRecord>> draftNow) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(eventId, "eventId");
        UUID t = tenant.value();
        double seconds = hold.toNanos() / 1e9;
        String externalId = externalIdFor(eventId);
        UUID attempt = UUID.randomUUID();
        return db.inTransaction(tx -> {
            first.accept(tx);
            Optional<DbRow> inserted = tx.get(INSERT, UUID.randomUUID(), t, eventId.value(), t, ticketId, ticketId,
                                              answeredMessageId, externalId, seconds, attempt, holder);
            if (inserted.isPresent()) {
                Reservation.Reserved r = new Reservation.Reserved(uuid(inserted.get(), "id"),
                                                                  string(inserted.get(), "external_id"), attempt);
                Optional<DraftRecord> draft = draftNow.apply(r);
                if (draft.isPresent()) {
                    tx.update(RECORD_AND_RENEW, draft.get().source(), draft.get().text(), draft.get().html(),
                              seconds, holder, t, r.noteId(), attempt);
                }
                return new Reserve(r, draft.isPresent());
            }
            // The conflicting row is committed (ON CONFLICT waited for its transaction); this new statement sees it.
            DbRow row = tx.get(LOCK, t, ticketId, answeredMessageId)
                    .orElseThrow(() -> new IllegalStateException("the note ledger row vanished during reserve"));
            UUID noteId = uuid(row, "id");
            String state = string(row, "state");
            if ("posted".equals(state)) {
                return new Reserve(new Reservation.AlreadyPosted(optBigint(row, "upstream_message_id").orElse(0L)),
                                   false);
            }
            if (DRAFTED.equals(state)) {
                return new Reserve(new Reservation.AlreadyDrafted(noteId), false);
            }
            Optional<Instant> until = optInstant(row, "lease_until");
            if (until.isPresent() && until.get().isAfter(instant(row, "now"))) {
                return new Reserve(new Reservation.InFlight(noteId, until.get()), false);
            }
            tx.update(TAKE_LEASE, seconds, attempt, holder, t, noteId);
            return new Reserve(new Reservation.Pending(noteId, string(row, "external_id"), attempt), false);
        });
    }

    /**
     * Records that the note is posted upstream as message {@code upstreamMessageId} (also after finding it by its
     * external id). Idempotent.
     *
     * @return false when the tenant has no such note
     */
    public boolean markPosted(TenantId tenant, UUID noteId, long upstreamMessageId) {
        return db.call(() -> db.client().execute().update("""
                UPDATE notes SET state = 'posted', upstream_message_id = ?::bigint, posted_at = COALESCE(posted_at, now()),
                                 lease_until = NULL, error = NULL, updated_at = now()
                 WHERE tenant_id = ? AND id = ?""", upstreamMessageId, tenant.value(), noteId)) == 1;
    }

    /**
     * Records that this attempt failed for {@code reason} (kept as the note's error) and ends its lease. A later
     * reserve for the same message answers {@link Reservation.Pending}: the outcome upstream is treated as uncertain.
     * A note already posted stays posted, and only the attempt that holds the note can end its lease: an older
     * attempt that lost it (its lease ran out and another took the note) changes nothing.
     *
     * @param attempt the attempt's token from {@link Reservation.Reserved} or {@link Reservation.Pending}
     * @return false when the tenant has no such note, it is posted, or another attempt holds it
     */
    public boolean markFailed(TenantId tenant, UUID noteId, UUID attempt, String reason) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(attempt, "attempt");
        return db.call(() -> db.client().execute().update("""
                UPDATE notes SET state = 'failed', error = ?, lease_until = NULL, updated_at = now()
                 WHERE tenant_id = ? AND id = ? AND state NOT IN ('posted', 'drafted') AND attempt = ?""",
                                                          reason, tenant.value(), noteId, attempt)) == 1;
    }

    /**
     * Renews this attempt's hold on the note just before it is posted, if the attempt still holds it: the note is
     * pending and this attempt took it last (a hold that ran out with no other attempt taking the note is still this
     * attempt's: no other can be posting). From then on the worker's heartbeat extends the hold while the post runs
     * ({@code JobQueue.renew}), even if the worker has given the run up meanwhile ({@link Deadline}).
     *
     * @return false when this attempt no longer holds the note: post nothing
     */
    public boolean renew(TenantId tenant, UUID noteId, UUID attempt) {
        Objects.requireNonNull(attempt, "attempt");
        double seconds = hold.toNanos() / 1e9;
        return db.call(() -> db.client().execute().update("""
                UPDATE notes SET lease_until = now() + make_interval(secs => ?), holder = ?::text, updated_at = now()
                 WHERE tenant_id = ? AND id = ? AND attempt = ? AND state = 'pending'""",
                                                          seconds, holder, tenant.value(), noteId, attempt)) == 1;
    }

    /**
     * Keeps the recorded draft as the note of a draft-only tenant: state {@code drafted}, final (nothing is posted
     * for this message, now or when the mode is switched off), if this attempt still holds the note.
     *
     * @return false when this attempt no longer holds the note (another may hold it now): keep nothing
     */
    public boolean markDrafted(TenantId tenant, UUID noteId, UUID attempt) {
        Objects.requireNonNull(attempt, "attempt");
        return db.call(() -> db.client().execute().update("""
                UPDATE notes SET state = 'drafted', lease_until = NULL, error = NULL, updated_at = now()
                 WHERE tenant_id = ? AND id = ? AND attempt = ? AND state = 'pending'""",
                                                          tenant.value(), noteId, attempt)) == 1;
    }

    /**
     * Records a draft and keeps it as the note of a draft-only tenant, in one statement ({@link #markDrafted} with the
     * draft): if this attempt still holds the note. {@code first} runs at the start of the transaction (the worker
     * caches the orders Shopify answered there: one commit for all).
     *
     * @return false when this attempt no longer holds the note (another may hold it now): nothing recorded or kept
     */
    boolean keepDraft(TenantId tenant, UUID noteId, UUID attempt, String source, String text, String html,
                      java.util.function.Consumer<io.helidon.dbclient.DbTransaction> first) {
        Objects.requireNonNull(attempt, "attempt");
        return db.inTransaction(tx -> {
            first.accept(tx);
            return tx.update("""
                    UPDATE notes SET draft_source = ?, body_text = ?, body_html = ?, state = 'drafted',
                                     lease_until = NULL, error = NULL, updated_at = now()
                     WHERE tenant_id = ? AND id = ? AND attempt = ? AND state = 'pending'""",
                             source, text, html, tenant.value(), noteId, attempt) == 1;
        });
    }

    /**
     * Records the draft ({@code source}: {@code template} or {@code model}) and {@link #renew renews} in one
     * statement, just before the post, so the ledger holds the note's content before the upstream call: records the
     * draft about to be posted and renews this attempt's hold on the note (a job lease), if the attempt still holds it.
     *
     * @return false when this attempt no longer holds the note (nothing recorded): post nothing
     */
    public boolean recordDraftAndRenew(TenantId tenant, UUID noteId, UUID attempt, String source, String text,
                                       String html) {
        return recordDraftAndRenew(tenant, noteId, attempt, source, text, html, tx -> { });
    }

    /**
     * {@link #recordDraftAndRenew(TenantId, UUID, UUID, String, String, String)} with {@code first} run at the start of
     * its transaction (the worker caches the orders Shopify answered there: one commit for both).
     */
    boolean recordDraftAndRenew(TenantId tenant, UUID noteId, UUID attempt, String source, String text, String html,
                                java.util.function.Consumer<io.helidon.dbclient.DbTransaction> first) {
        Objects.requireNonNull(attempt, "attempt");
        double seconds = hold.toNanos() / 1e9;
        return db.inTransaction(tx -> {
            first.accept(tx);
            return tx.update(RECORD_AND_RENEW, source, text, html, seconds, holder, tenant.value(), noteId,
                             attempt) == 1;
        });
    }

    private static final String RECORD_AND_RENEW = """
            UPDATE notes SET draft_source = ?, body_text = ?, body_html = ?,
                             lease_until = now() + make_interval(secs => ?), holder = ?::text, updated_at = now()
             WHERE tenant_id = ? AND id = ? AND attempt = ? AND state = 'pending'""";

    /**
     * Withdraws a reservation this attempt made ({@link Reservation.Reserved}) before anything was sent upstream
     * (e.g. the order look-up must be retried first): the row goes, so the next attempt reserves afresh instead of
     * treating the outcome as uncertain. Never call it once a post was attempted.
     *
     * @return false when the row is not there or is posted
     */
    public boolean withdraw(TenantId tenant, UUID noteId, UUID attempt) {
        return db.call(() -> db.client().execute().delete(
                "DELETE FROM notes WHERE tenant_id = ? AND id = ? AND state NOT IN ('posted', 'drafted')"
                        + " AND attempt = ?",
                tenant.value(), noteId, attempt)) == 1;
    }
}
