package io.tollgate.api.helpdesk;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The deadline of one run of a job, shared by the worker that gives the run up when it passes and the
 * {@link TicketResponder} doing the run. Giving up interrupts the run's thread, so a blocked upstream or database call
 * ends, except while the run posts its note: a post cut off half way leaves Gorgias' side unknown, so it is left to
 * finish within the upstream timeouts while the note ledger's lease (renewed just before the post) keeps any other
 * attempt from posting. A run never begins a post once the deadline has passed or the run was given up.
 *
 * <p>While the run posts, the deadline also carries the note's {@link NoteHold} ({@link #holding}): the worker's
 * heartbeat extends the hold of every note its runs are posting, given up or not, until each post ends.
 */
public final class Deadline {
    private final Instant at;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private Thread runner;
    private boolean givenUp;
    private boolean posting;
    private volatile NoteHold held;

    public Deadline(Instant at, Clock clock) {
        this.at = Objects.requireNonNull(at, "at");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A deadline that never passes (for runs nobody watches). */
    public static Deadline none() {
        return new Deadline(Instant.MAX, Clock.systemUTC());
    }

    public Instant at() {
        return at;
    }

    /** Binds the run's thread (the one {@link #giveUp} interrupts); called by that thread as it starts. */
    public void runOn(Thread thread) {
        lock.lock();
        try {
            runner = thread;
            if (givenUp && !posting) {
                thread.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the run may post its note now: true (and from then on the run is not interrupted) unless the deadline
     * has passed or the run was given up.
     */
    public boolean beginPost() {
        lock.lock();
        try {
            if (givenUp || !clock.instant().isBefore(at)) {
                return false;
            }
            posting = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The worker no longer waits for the run: its thread is interrupted unless it is posting. Answers whether it is
     * posting (then the post goes on, and its outcome is the run's: the caller may wait for it).
     */
    public boolean giveUp() {
        lock.lock();
        try {
            givenUp = true;
            if (runner != null && !posting) {
                runner.interrupt();
            }
            return posting;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the run has begun posting its note ({@link #beginPost}). */
    public boolean posting() {
        lock.lock();
        try {
            return posting;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The run posts the note of {@code hold} from now until {@link #released}: the worker's heartbeat extends that
     * hold meanwhile.
     */
    public void holding(NoteHold hold) {
        held = java.util.Objects.requireNonNull(hold, "hold");
    }

    /** The post has ended (sent or not): the heartbeat no longer extends the note's hold. */
    public void released() {
        held = null;
    }

    /** The hold of the note this run is posting now, if it is posting one. */
    public java.util.Optional<NoteHold> held() {
        return java.util.Optional.ofNullable(held);
    }

    /** Whether the worker gave the run up. */
    public boolean givenUp() {
        lock.lock();
        try {
            return givenUp;
        } finally {
            lock.unlock();
        }
    }
}
