package io.tollgate.api.ingest;

import io.tollgate.api.observe.IngressLoad;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The bounds on ingress's database work, and what is in flight right now. A stuck database (a lock, a slow
 * statement) must not pile up waiting requests, bodies or connections:
 * <ul>
 *   <li>the group-commit queue holds at most {@code queueMax} deliveries (past it, {@link EventWriter#submit}
 *       refuses at once);</li>
 *   <li>other ingress statements (the shared rate bucket, keeping a malformed body) run at most
 *       {@code statementsMax} at once, so the writers and tenant look-ups always find a connection; at most
 *       {@code queueMax} more wait for a turn, the rest are refused at once.</li>
 * </ul>
 * Every statement also carries a timeout tied to its callers' deadline, so a blocked one gives its connection back.
 * The health check reads {@link #snapshot()} (handed to it by the composition root).
 */
public final class DatabaseLoad {
    /** How long a refusal for want of the database keeps ingress reported as saturated. */
    public static final Duration TROUBLE_WINDOW = Duration.ofSeconds(5);

    /** Refused at once: a bound on waiting work is reached. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("the database is busy", null, false, false);
        }
    }

    /** One piece of database work in flight, since when. */
    static final class Work {
        private final long since = System.nanoTime();
    }

    private final int queueMax;
    private final int statementsMax;
    private final Semaphore statements;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Set<Work> inFlight = ConcurrentHashMap.newKeySet();
    private final LongAdder refused = new LongAdder();
    private volatile IntSupplier queued = () -> 0;
    private volatile long lastTrouble = System.nanoTime() - TROUBLE_WINDOW.toNanos() * 2;

    /**
     * @param queueMax      most deliveries queued for the writers, and most statements waiting for a turn
     * @param statementsMax most other ingress statements running at once
     */
    public DatabaseLoad(int queueMax, int statementsMax) {
        this.queueMax = queueMax;
        this.statementsMax = statementsMax;
        this.statements = new Semaphore(statementsMax);
    }

    /** The pool's share for ingress statements other than the writers': all but the writers' and one spare. */
    public static int statementsFor(int poolSize, int writers) {
        return Math.max(1, poolSize - writers - 1);
    }

    int queueMax() {
        return queueMax;
    }

    void queueSize(IntSupplier size) {
        this.queued = size;
    }

    Work begin() {
        Work w = new Work();
        inFlight.add(w);
        return w;
    }

    void end(Work w) {
        inFlight.remove(w);
    }

    /** A delivery refused at once: a bound was reached. */
    void refused() {
        refused.increment();
        lastTrouble = System.nanoTime();
    }

    /** A delivery answered 503 because its database work did not finish in time. */
    void lateAnswer() {
        lastTrouble = System.nanoTime();
    }

    /**
     * A turn to run a statement, waiting until {@code deadline} (nanoTime) at most; false when the deadline passed.
     *
     * @throws Busy at once when too many already wait
     */
    boolean enter(long deadline) throws InterruptedException {
        if (statements.tryAcquire()) {
            return true;
        }
        if (waiting.incrementAndGet() > queueMax) {
            waiting.decrementAndGet();
            refused();
            throw new Busy();
        }
        try {
            return statements.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } finally {
            waiting.decrementAndGet();
        }
    }

    void leave() {
        statements.release();
    }

    /** What ingress's database work looks like right now, for the health check. */
    public IngressLoad snapshot() {
        long now = System.nanoTime();
        long oldest = 0;
        for (Work w : inFlight) {
            oldest = Math.max(oldest, now - w.since);
        }
        return new IngressLoad(queued.getAsInt(), queueMax, statementsMax - statements.availablePermits(),
                               statementsMax, Duration.ofNanos(oldest), refused.sum(),
                               now - lastTrouble < TROUBLE_WINDOW.toNanos(), TROUBLE_WINDOW);
    }
}
