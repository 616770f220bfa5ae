package io.tollgate.api.helpdesk;

import io.tollgate.tenant.TenantId;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The hold one attempt has on a note while it posts it: the note ({@code tenant}, {@code noteId}) under the attempt's
 * token, and when the hold was last renewed, as this process knows it. A renewal counts from just before its
 * statement was sent (the database's hold runs from later), so the time kept is never later than the hold's real
 * start. The {@link TicketResponder} records its renewal before the post; the worker's heartbeat records each of its
 * own that extended this hold ({@code JobQueue.renew}). A poster checks {@link #renewedWithin} just before it sends:
 * a hold renewed longer ago than half its length may have run out (and been taken by another attempt) without this
 * process knowing.
 */
public final class NoteHold {
    private final TenantId tenant;
    private final UUID noteId;
    private final UUID attempt;
    private final LongSupplier ticker;
    private final AtomicLong renewedNanos;

    /**
     * @param renewedAtNanos {@code ticker}'s time just before the renewal that began this hold was sent
     * @param ticker         a monotonic clock in nanoseconds ({@link System#nanoTime})
     */
    public NoteHold(TenantId tenant, UUID noteId, UUID attempt, long renewedAtNanos, LongSupplier ticker) {
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.noteId = Objects.requireNonNull(noteId, "noteId");
        this.attempt = Objects.requireNonNull(attempt, "attempt");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.renewedNanos = new AtomicLong(renewedAtNanos);
    }

    public TenantId tenant() {
        return tenant;
    }

    public UUID noteId() {
        return noteId;
    }

    public UUID attempt() {
        return attempt;
    }

    /** A renewal of this hold succeeded; it was sent at {@code sentAtNanos} (the ticker's time). */
    public void renewed(long sentAtNanos) {
        renewedNanos.accumulateAndGet(sentAtNanos, (a, b) -> a - b < 0 ? b : a);
    }

    /** Whether the last renewal this process knows of was sent at most {@code age} ago. */
    public boolean renewedWithin(Duration age) {
        return ticker.getAsLong() - renewedNanos.get() <= age.toNanos();
    }
}
