package io.tollgate.api.events;

import io.helidon.dbclient.DbRow;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.param;

/**
 * Removes events past their retention. {@code webhook_events} is partitioned by day of id ({@link EventPartitions}):
 * a day wholly past the retention is swapped for a table of its unfinished events and the rest dropped, with no
 * per-row work (docs/benchmarks.md, "Retention by partition"). What is still deleted row by row, in small batches so no
 * long transaction holds locks the ingress path needs: events past the dead-event retention (few: the unfinished ones),
 * finished events in the DEFAULT partition (normally none), and delivery keys a day past the retention. A deleted or
 * dropped event's jobs go with it and the note ledger forgets which event reserved each note (in code: there are no
 * foreign keys to a partitioned {@code webhook_events}).
 *
 * <p>Two limits. A finished event ({@link EventStatus#finished}: processed, skipped, rejected, discarded) goes after
 * the ordinary retention (with its whole day: up to a day later); its delivery key, the dedup, a day after that. An unfinished one (dead, or accepted/processing: its job
 * queued, deferred, retrying or running) is work an operator may still have to look at and replay, so it stays until
 * an operator replays or discards it, or until the longer dead-event retention, which is never shorter than the
 * ordinary one (a retired day keeps them in its held partition). Before that limit deletes anything, {@link #sample} shows what it will delete
 * ({@code tollgate_dead_events{age}}, {@code tollgate_unfinished_events_oldest_seconds}) and the
 * {@code TollgateDeadEventsNearRetention} alert fires three days ahead.
 *
 * <p>The ordinary sweep walks the {@code received_at} index forward from where its last batch ended, so the unfinished
 * events kept at the oldest end are read once per sweep, not once per batch. Every instance sweeps; a batch skips the
 * rows another instance's batch holds, so instances share the work instead of queueing behind each other's locks;
 * partition changes are serialised by an advisory lock (the instance without it skips them).
 */
public final class RetentionSweeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetentionSweeper.class.getName());
    static final int BATCH = 1_000;
    /** The longest a sample of the gauges waits for {@code webhook_events}. */
    static final Duration SAMPLE_LIMIT = Duration.ofSeconds(5);
    /** How long before the dead-event retention TollgateDeadEventsNearRetention fires. */
    static final Duration ALERT_LEAD = Duration.ofDays(3);
    /** The first sample of the gauges, this long after the start (or a sweep interval, if shorter). */
    static final Duration FIRST_SAMPLE = Duration.ofSeconds(10);

    private static final String FINISHED = Arrays.stream(EventStatus.values()).filter(EventStatus::finished)
            .map(EventStatus::sql).collect(Collectors.joining(", ", "(", ")"));
    private static final String UNFINISHED = Arrays.stream(EventStatus.values()).filter(s -> !s.finished())
            .map(EventStatus::sql).collect(Collectors.joining(", ", "(", ")"));

    /**
     * What the dropped foreign keys did on a row delete (migration 019): the deleted events' jobs go, the note ledger
     * forgets which event reserved each note; their delivery keys go too (they would age out anyway: this takes the
     * keys of events with ids no day holds, which the key sweep's range by id would not find). Appended to a
     * {@code WITH d AS (DELETE ... RETURNING id)}.
     */
    private static final String CLEAN_UP = """
            , j AS (DELETE FROM jobs WHERE event_id IN (SELECT id FROM d))
            , n AS (UPDATE notes SET event_id = NULL WHERE event_id IN (SELECT id FROM d))
            , k AS (DELETE FROM delivery_keys WHERE event_id IN (SELECT id FROM d))
            """;

    /**
     * One batch of finished events past the retention in the DEFAULT partition (events whose id no day partition
     * holds: day partitions are dropped whole, {@link EventPartitions#retire}), from {@code received_at >= cursor}
     * on. Parameters: cursor, retention seconds, batch. Returns how many and the last {@code received_at} deleted.
     */
    private static final String SWEEP_FINISHED = """
            WITH d AS (
              DELETE FROM %s WHERE id IN (
                SELECT id FROM %s
                 WHERE received_at >= ? AND received_at < now() - make_interval(secs => ?) AND status IN %s
                 ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)
              RETURNING id, received_at)
            %s
            SELECT count(*) AS n, max(received_at) AS last FROM d""".formatted(
            EventPartitions.DEFAULT, EventPartitions.DEFAULT, FINISHED, CLEAN_UP);

    /**
     * One batch of any event past the dead-event retention, in any partition (by then only held days and the DEFAULT
     * partition hold any: few rows). Parameters: dead retention seconds, batch.
     */
    private static final String SWEEP_ALL = """
            WITH d AS (
              DELETE FROM webhook_events WHERE id IN (
                SELECT id FROM webhook_events WHERE received_at < now() - make_interval(secs => ?)
                 ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)
              RETURNING id, status)
            %s
            SELECT count(*) AS n, count(*) FILTER (WHERE status IN %s) AS unfinished FROM d""".formatted(
            CLEAN_UP, UNFINISHED);

    /**
     * Dead events by age (through the partial index of dead and rejected events), and the oldest unfinished event kept
     * past the ordinary retention (the first the dead-event retention deletes). That one is looked for only among
     * events older than the ordinary retention (or than the alert's 3 days before the dead-event limit, if that is
     * sooner): the old end of the {@code received_at} index, which holds little else once the sweep has taken the
     * finished events; searching all of it would read every finished event within the retention whenever nothing
     * old is left. Parameter: that age in seconds.
     */
    private static final String SAMPLE = """
            SELECT count(*) FILTER (WHERE received_at >= now() - interval '1 day') AS lt_1d,
                   count(*) FILTER (WHERE received_at < now() - interval '1 day'
                                      AND received_at >= now() - interval '7 days') AS d1_7d,
                   count(*) FILTER (WHERE received_at < now() - interval '7 days'
                                      AND received_at >= now() - interval '30 days') AS d7_30d,
                   count(*) FILTER (WHERE received_at < now() - interval '30 days') AS over_30d,
                   min(received_at) AS oldest_dead,
                   (SELECT min(received_at) FROM webhook_events
                     WHERE status IN %s AND received_at < now() - make_interval(secs => ?)) AS oldest_unfinished,
                   now() AS at
              FROM webhook_events WHERE status = %s""".formatted(UNFINISHED, EventStatus.DEAD.sql());

    /**
     * Dead events by age, the age of the oldest dead event, and of the oldest unfinished one kept past the ordinary
     * retention (each 0 when there is none).
     * Fleet-wide (every instance reports the same): aggregate with {@code max}.
     */
    public record Held(long lessThanDay, long dayToWeek, long weekToMonth, long overMonth, double oldestDeadSeconds,
                       double oldestUnfinishedSeconds) {
        static final Held NONE = new Held(0, 0, 0, 0, 0, 0);
    }

    /**
     * What one sweep deleted: events deleted by row, and of them the unfinished ones the dead-event retention took;
     * day partitions retired (swapped for their unfinished events, the rest dropped) and about how many events they
     * dropped (the partitions' row estimate); delivery keys deleted.
     */
    public record Swept(long total, long unfinished, long days, long dropped, long keys) {
        public Swept(long total, long unfinished) {
            this(total, unfinished, 0, 0, 0);
        }
    }

    /**
     * One batch of delivery keys past the key retention: ids are time-ordered, so "made before the cutoff" is a range
     * of the event_id index. Parameters: the cutoff's smallest id, batch.
     */
    private static final String SWEEP_KEYS = """
            DELETE FROM delivery_keys WHERE ctid IN (
              SELECT ctid FROM delivery_keys WHERE event_id < ? LIMIT ? FOR UPDATE SKIP LOCKED)""";

    /**
     * How much longer than the event retention a delivery key is kept: a day, so a key always outlives its event's
     * day partition (a day is dropped up to a day after its first events pass the retention) and dedup never depends
     * on the first copy still being stored.
     */
    static final Duration KEY_MARGIN = Duration.ofDays(1);

    /** Days of partitions kept ready ahead of today. */
    static final int AHEAD_DAYS = 3;

    private final Database db;
    private final Duration retention;
    private final Duration deadRetention;
    private final double duty;
    private final ScheduledExecutorService scheduler;
    private final AtomicReference<Held> held = new AtomicReference<>(Held.NONE);
    private final EventPartitions partitions;
    private final java.util.concurrent.atomic.AtomicInteger ready = new java.util.concurrent.atomic.AtomicInteger(-1);

    /** A sweep that deletes without pausing (tests, tools). */
    public RetentionSweeper(Database db, Duration retention, Duration deadRetention) {
        this(db, new EventPartitions(db), retention, deadRetention, 1.0);
    }

    /**
     * @param partitions    the day partitions of {@code db}'s events, which retention retires
     * @param retention     how long finished events are kept (the dedup window)
     * @param deadRetention how long unfinished events are kept; the longer of the two is used
     * @param duty          the share of a sweep's time spent deleting (0 to 1): after a batch that took t, the sweep
     *                      pauses t * (1 - duty) / duty. Deleting costs ingress as much as it runs (docs/benchmarks.md,
     *                      "Retention sweep": about a third of the ingress rate while a batch runs on 2 cores), so a
     *                      paced sweep spreads that cost thinly over the interval instead of in a burst
     */
    public RetentionSweeper(Database db, EventPartitions partitions, Duration retention, Duration deadRetention,
                            double duty) {
        if (!(duty > 0 && duty <= 1)) {
            throw new IllegalArgumentException("duty must be in (0, 1]");
        }
        this.db = db;
        this.retention = retention;
        this.duty = duty;
        this.deadRetention = deadRetention.compareTo(retention) < 0 ? retention : deadRetention;
        this.partitions = java.util.Objects.requireNonNull(partitions, "partitions");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tollgate-retention").factory());
    }

    /** Registers the gauges of {@link #sample}: {@code tollgate_dead_events{age}} and the others. */
    public RetentionSweeper withMetrics(MeterRegistry meters) {
        String dead = "Dead events by age (fleet-wide: aggregate with max); kept until replayed or discarded, or "
                + "until TOLLGATE_DEAD_RETENTION_DAYS";
        gauge(meters, "tollgate.dead.events", dead, "lt_1d", Held::lessThanDay);
        gauge(meters, "tollgate.dead.events", dead, "1d_7d", Held::dayToWeek);
        gauge(meters, "tollgate.dead.events", dead, "7d_30d", Held::weekToMonth);
        gauge(meters, "tollgate.dead.events", dead, "over_30d", Held::overMonth);
        ProcessMeters.gauge(meters, "tollgate.dead.events.oldest.seconds", "Age of the oldest dead event (0: none)",
                            List.of(), () -> held.get().oldestDeadSeconds());
        ProcessMeters.gauge(meters, "tollgate.unfinished.events.oldest.seconds",
                            "Age of the oldest dead, queued or running event kept past the event retention: the "
                                    + "first the dead-event retention deletes (0: none)",
                            List.of(), () -> held.get().oldestUnfinishedSeconds());
        ProcessMeters.gauge(meters, "tollgate.event.partitions.ahead",
                            "Days from today on with their webhook_events partition created, without a gap (the "
                                    + "retention run keeps " + (AHEAD_DAYS + 1) + "; 0: today's events go to the "
                                    + "DEFAULT partition; -1: not sampled yet)",
                            List.of(), () -> ready.get());
        double limit = deadRetention.toSeconds();
        ProcessMeters.gauge(meters, "tollgate.dead.retention.seconds",
                            "TOLLGATE_DEAD_RETENTION_DAYS in seconds: unfinished events older than this are deleted",
                            List.of(), () -> limit);
        return this;
    }

    private void gauge(MeterRegistry meters, String name, String description, String age,
                       ToDoubleFunction<Held> read) {
        ProcessMeters.gauge(meters, name, description, List.of(Tag.create("age", age)),
                            () -> read.applyAsDouble(held.get()));
    }

    /**
     * Sweeps, then samples the gauges, every {@code every}; the gauges are sampled once soon after the start too (a
     * restarted instance shows the dead events at once, not a sweep interval later).
     */
    public RetentionSweeper start(Duration every) {
        scheduler.execute(this::ensureAheadQuietly);
        scheduler.schedule(this::sampleQuietly, Math.min(FIRST_SAMPLE.toMillis(), every.toMillis()),
                           TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::sweepQuietly, every.toMillis(), every.toMillis(),
                                         TimeUnit.MILLISECONDS);
        return this;
    }

    public Duration deadRetention() {
        return deadRetention;
    }

    /** Deletes every event past its retention, batch by batch; returns how many. */
    public long sweepOnce() {
        return sweep().total();
    }

    /**
     * One retention run: creates the coming days' partitions, retires every day partition wholly past the retention
     * (its unfinished events kept in a held partition, the rest dropped: {@link EventPartitions#retire}), deletes the
     * finished events past the retention that the DEFAULT partition holds, then every event past the dead-event
     * retention, batch by batch (pausing after each batch as the duty says), drops held days left empty, and deletes
     * the delivery keys past the dedup window and the bulk replays' lists past the dead-event retention.
     * Interrupted (the gateway stopping), it ends after the batch it is in and returns what it deleted.
     */
    public Swept sweep() {
        Instant now = Instant.now();
        Retirement retired = retire(now);
        long total = 0;
        Instant cursor = Instant.EPOCH;
        long n;
        do {
            Instant from = cursor;
            long t0 = System.nanoTime();
            DbRow r = db.call(() -> db.client().execute().get(SWEEP_FINISHED, param(from),
                                                              (double) retention.toSeconds(), BATCH)).orElseThrow();
            n = bigint(r, "n");
            total += n;
            cursor = optInstant(r, "last").orElse(cursor);
            if (n == BATCH && !pause(System.nanoTime() - t0)) {
                return new Swept(total, 0, retired.days(), retired.dropped(), 0);
            }
        } while (n == BATCH);
        long unfinished = 0;
        do {
            long t0 = System.nanoTime();
            DbRow r = db.call(() -> db.client().execute().get(SWEEP_ALL, (double) deadRetention.toSeconds(), BATCH))
                    .orElseThrow();
            n = bigint(r, "n");
            total += n;
            unfinished += bigint(r, "unfinished");
            if (n == BATCH && !pause(System.nanoTime() - t0)) {
                return new Swept(total, unfinished, retired.days(), retired.dropped(), 0);
            }
        } while (n == BATCH);
        for (EventPartitions.Day d : partitions.days()) {
            if (d.held() && !EventPartitions.start(d.day().plusDays(1)).isAfter(now.minus(deadRetention))) {
                partitions.dropEmptyHeld(d.day());
            }
        }
        long keys = deleteKeys(now.minus(retention).minus(KEY_MARGIN));
        // the lists of bulk replays (for their progress): kept as long as the events they name may be
        db.call(() -> db.client().execute().dml(
                "DELETE FROM replay_batches WHERE created_at < now() - make_interval(secs => ?)",
                (double) deadRetention.toSeconds()));
        return new Swept(total, unfinished, retired.days(), retired.dropped(), keys);
    }

    /** Day partitions retired by one run, and about how many events they dropped. */
    public record Retirement(long days, long dropped) {
    }

    /**
     * The partition part of a run: creates the coming days, finishes any interrupted drop, and retires every day
     * wholly past the retention at {@code now}.
     */
    public Retirement retire(Instant now) {
        partitions.ensureAhead(AHEAD_DAYS);
        for (EventPartitions.Day d : partitions.detached()) {
            if (!d.held()) {
                partitions.finishDrop(d.day());
            }
        }
        long days = 0;
        long dropped = 0;
        for (EventPartitions.Day d : partitions.days()) {
            if (!d.held() && !EventPartitions.start(d.day().plusDays(1)).isAfter(now.minus(retention))) {
                Optional<EventPartitions.Retired> r = partitions.retire(d.day());
                if (r.isPresent()) {
                    days++;
                    dropped += r.get().dropped();
                    LOG.log(Level.INFO, "retention: dropped the events of " + d.day() + " (about "
                            + r.get().dropped() + "), kept its " + r.get().kept() + " unfinished ones");
                }
            }
        }
        return new Retirement(days, dropped);
    }

    /**
     * Deletes the delivery keys of events made before {@code before}, batch by batch, pausing as the duty says;
     * returns how many.
     */
    public long deleteKeys(Instant before) {
        java.util.UUID bound = EventPartitions.lowerBound(before);
        long keys = 0;
        long n;
        do {
            long t0 = System.nanoTime();
            n = db.call(() -> db.client().execute().dml(SWEEP_KEYS, bound, BATCH));
            keys += n;
            if (n == BATCH && !pause(System.nanoTime() - t0)) {
                break;
            }
        } while (n == BATCH);
        return keys;
    }

    /** Creates the coming days' partitions now (also part of every {@link #sweep}); returns how many. */
    public int ensureAhead() {
        int created = partitions.ensureAhead(AHEAD_DAYS);
        ready.set(partitions.readyAhead());
        return created;
    }

    private void ensureAheadQuietly() {
        try {
            ensureAhead();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "event partitions not created ahead; will retry at the next retention run: "
                    + e.getMessage());
        }
    }

    /** Pauses after a batch that took {@code nanos}; false when interrupted (the interrupt is kept). */
    private boolean pause(long nanos) {
        if (duty >= 1) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.sleep((long) (nanos * (1 - duty) / duty));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Counts the dead events by age and finds the oldest unfinished event, for the gauges. Bounded by
     * {@link #SAMPLE_LIMIT}: when the table cannot be read in time the gauges keep their last values.
     */
    public Held sample() {
        try {
            Held now = db.inBoundedTransaction(SAMPLE_LIMIT, tx -> {
                DbRow r = tx.get(SAMPLE, (double) unfinishedAfter().toSeconds()).orElseThrow();
                Instant at = instant(r, "at");
                return new Held(bigint(r, "lt_1d"), bigint(r, "d1_7d"), bigint(r, "d7_30d"), bigint(r, "over_30d"),
                                age(optInstant(r, "oldest_dead"), at), age(optInstant(r, "oldest_unfinished"), at));
            });
            held.set(now);
            ready.set(partitions.readyAhead());
            return now;
        } catch (DataException.Unavailable e) {
            LOG.log(Level.WARNING, "dead events not counted within " + SAMPLE_LIMIT.toSeconds()
                    + " s, the gauges keep their last values: " + e.getMessage());
            return held.get();
        }
    }

    /** Unfinished events older than this are looked for: the retention, or the alert's lead if it comes sooner. */
    private Duration unfinishedAfter() {
        Duration alert = deadRetention.minus(ALERT_LEAD);
        return alert.compareTo(retention) < 0 ? (alert.isNegative() ? Duration.ZERO : alert) : retention;
    }

    public Held lastSample() {
        return held.get();
    }

    private static double age(Optional<Instant> oldest, Instant now) {
        return oldest.map(o -> Math.max(0, Duration.between(o, now).toMillis() / 1000.0)).orElse(0.0);
    }

    private void sweepQuietly() {
        try {
            Swept s = sweep();
            if (s.unfinished() > 0) {
                LOG.log(Level.WARNING, "retention: deleted " + s.unfinished() + " dead, queued or running events older "
                        + "than the dead-event retention of " + deadRetention.toDays() + " days");
            }
            if (s.total() > 0) {
                LOG.log(Level.INFO, "retention: deleted " + s.total() + " events past their retention ("
                        + retention.toDays() + " days; unfinished: " + deadRetention.toDays() + " days)");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "retention sweep failed; will retry: " + e.getMessage());
        }
        sampleQuietly();
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "dead events not counted; will retry: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
