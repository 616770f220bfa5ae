package io.tollgate.api.ingest;

import io.tollgate.api.events.EventStatus;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The durable write behind every acknowledgement, with group commit. Deliveries waiting at the same moment are
 * written by one of a few writer threads in one statement, its own transaction (autocommit: one round trip): one
 * multi-row INSERT ... ON CONFLICT stores the new events and enqueues their jobs ({@link JobQueue#enqueueSql}); when
 * it returns, what it inserted is committed, and those callers are completed at once. Only when some of the batch were
 * skipped (their key was taken) does a second statement, with a snapshot of its own, find their first copies: a key
 * the insert skipped was committed before it (ON CONFLICT waits for a copy in flight to commit or abort), so the
 * first copy it names is durable. Each caller is completed only after the commit that stored its event or its first
 * copy. The primary key of {@code delivery_keys} (tenant, provider, delivery key) decides which copy is first, across
 * threads, batches, instances and day partitions.
 */
public final class EventWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventWriter.class.getName());

    /**
     * New events and their jobs, in one statement; returns the rows it inserted. The dedup key goes first into
     * {@code delivery_keys} (its primary key decides which copy is first, across threads, batches, instances and the
     * day partitions of {@code webhook_events}); only the deliveries whose key was new are stored and queued.
     */
    static final String INSERT_BATCH = """
            WITH input AS (
              SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::bytea[],
                                   ?::text[], ?::uuid[])
                       AS t(id, tenant_id, provider, topic, delivery_key, sha, body, headers, job_id)
            ), keys AS (
              INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id)
              SELECT tenant_id, provider, delivery_key, id FROM input
              ON CONFLICT (tenant_id, provider, delivery_key) DO NOTHING
              RETURNING event_id
            ), ins AS (
              INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                          status)
              SELECT id, tenant_id, provider, topic, delivery_key, sha, body, headers::jsonb, %s
                FROM input JOIN keys ON keys.event_id = input.id
              RETURNING id, tenant_id, provider, delivery_key
            ), jobs AS (
            %s
            )
            SELECT id, tenant_id, provider, delivery_key FROM ins""".formatted(
            EventStatus.ACCEPTED.sql(),
            JobQueue.enqueueSql("input.job_id", "ins.tenant_id", "ins.id", "ins JOIN input ON input.id = ins.id"));

    /** The first copies of the deliveries the insert skipped (a new statement: it sees concurrent commits). */
    static final String FIND_BATCH = """
            SELECT k.event_id, k.tenant_id, k.provider, k.delivery_key
              FROM unnest(?::uuid[], ?::text[], ?::text[]) AS u(tenant_id, provider, delivery_key)
              JOIN delivery_keys k ON k.tenant_id = u.tenant_id AND k.provider = u.provider
                                  AND k.delivery_key = u.delivery_key""";

    static final String INSERT_REJECTED = """
            WITH keys AS (
              INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id) VALUES (?, ?, ?, ?)
              ON CONFLICT (tenant_id, provider, delivery_key) DO NOTHING
              RETURNING event_id, tenant_id, provider, delivery_key)
            INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                        status, error)
            SELECT event_id, tenant_id, provider, ?, delivery_key, ?, ?, ?::jsonb, %s, ? FROM keys""".formatted(
            EventStatus.REJECTED.sql());

    /** The stored event: new ({@code inserted}) or the first copy of a duplicate. */
    record Stored(EventId eventId, boolean inserted) {
    }

    /** A queued delivery; {@code deadline} (nanoTime) is when its caller stops waiting. */
    private record Pending(Delivery delivery, EventId eventId, long deadline, CompletableFuture<Stored> result) {
        String key() {
            return key(delivery.tenant().value(), delivery.provider().wire(), delivery.deliveryKey());
        }

        static String key(Object tenant, String provider, String deliveryKey) {
            return tenant + "\u0000" + provider + "\u0000" + deliveryKey;
        }
    }

    /** How often the watchdog looks at the writers' statements; a statement is cancelled at most this late. */
    static final long WATCH_EVERY_MS = 100;

    /** A writer's statement in flight and when (nanoTime) it is to be cancelled. */
    private record Running(Statement statement, long cancelAt) {
    }

    private final Database db;
    private final DatabaseLoad load;
    private final int maxBatch;
    private final BlockingQueue<Pending> queue;
    private final List<Thread> writers = new ArrayList<>();
    /** Each writer's statement in flight (index: the writer's number), for the watchdog. */
    private final AtomicReferenceArray<Running> running;
    private final Thread watchdog;
    private volatile boolean open = true;

    /**
     * @param writers  concurrent writer transactions
     * @param maxBatch most deliveries in one transaction
     */
    public EventWriter(Database db, DatabaseLoad load, int writers, int maxBatch) {
        this.db = db;
        this.load = load;
        this.maxBatch = maxBatch;
        this.queue = new LinkedBlockingQueue<>(load.queueMax());
        load.queueSize(queue::size);
        this.running = new AtomicReferenceArray<>(writers);
        for (int i = 0; i < writers; i++) {
            int slot = i;
            Thread t = Thread.ofPlatform().daemon().name("tollgate-event-writer-" + i).start(() -> loop(slot));
            this.writers.add(t);
        }
        this.watchdog = Thread.ofPlatform().daemon().name("tollgate-event-writer-watchdog").start(this::watch);
    }

    /**
     * Queues a delivery; the future completes after the commit that stored it (or found its first copy). A caller
     * that stops waiting cancels the future: the delivery leaves the queue, and is not written if no writer has
     * taken it yet.
     *
     * @param deadline nanoTime when the caller stops waiting; the batch's statements are cancelled soon after
     * @throws DatabaseLoad.Busy at once when the queue is full (the database is not keeping up)
     */
    CompletableFuture<Stored> submit(Delivery d, long deadline) {
        Pending p = new Pending(d, new EventId(TimeOrderedIds.next()), deadline, new CompletableFuture<>());
        if (!open) {
            p.result().completeExceptionally(new IllegalStateException("the gateway is stopping"));
            return p.result();
        }
        if (!queue.offer(p)) {
            load.refused();
            throw new DatabaseLoad.Busy();
        }
        p.result().whenComplete((stored, e) -> {
            if (e instanceof java.util.concurrent.CancellationException) {
                queue.remove(p);
            }
        });
        return p.result();
    }

    private void loop(int slot) {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (open || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                // deliveries whose callers gave up (answered 503) are not written: their retry will be
                batch.removeIf(p -> p.result().isDone());
                if (!batch.isEmpty()) {
                    write(batch, slot);
                }
            } catch (InterruptedException e) {
                if (!open) {
                    break;
                }
            } catch (RuntimeException e) {
                for (Pending p : batch) {
                    p.result().completeExceptionally(e);
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch, int slot) {
        Map<String, UUID> stored = new HashMap<>();
        // The statements give up shortly after the last caller of the batch stopped waiting: each is cancelled (a
        // cancel request, as JDBC's query timeout sends) once it has run that many whole seconds, by the watchdog
        long deadline = batch.stream().mapToLong(Pending::deadline).max().orElseThrow();
        Timeout timeout = new Timeout(slot, timeoutSeconds(deadline));
        DatabaseLoad.Work work = load.begin();
        // the pool's connections are in autocommit: each statement below is its own transaction, committed (its WAL
        // flushed) before the driver returns its rows
        try (Connection c = db.dataSource().getConnection()) {
            insert(c, batch, stored, timeout);
            List<Pending> skipped = new ArrayList<>(0);
            for (Pending p : batch) {
                UUID id = stored.get(p.key());
                if (id == null) {
                    skipped.add(p);
                } else {
                    // its event and job are committed: its caller may answer now
                    p.result().complete(new Stored(new EventId(id), id.equals(p.eventId().value())));
                }
            }
            if (!skipped.isEmpty()) {
                find(c, skipped, stored, timeout);
                for (Pending p : skipped) {
                    UUID id = stored.get(p.key());
                    if (id == null) {
                        p.result().completeExceptionally(
                                new IllegalStateException("event vanished between insert and find"));
                    } else {
                        p.result().complete(new Stored(new EventId(id), id.equals(p.eventId().value())));
                    }
                }
            }
        } catch (SQLException e) {
            DataException translated = DataException.translate(e);
            if (!(translated instanceof DataException.Unavailable)) {
                LOG.log(Level.ERROR, "could not store a batch of " + batch.size() + " deliveries", e);
            }
            throw translated;
        } finally {
            load.end(work);
        }
    }

    /** Whole seconds from now until {@code deadline} (nanoTime), at least 1. */
    static int timeoutSeconds(long deadline) {
        long nanos = deadline - System.nanoTime();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999_999L) / 1_000_000_000L));
    }

    /** A statement's allowance: whole seconds from its start, as JDBC's query timeout counts them. */
    private record Timeout(int slot, int seconds) {
    }

    private void insert(Connection c, List<Pending> batch, Map<String, UUID> stored, Timeout timeout)
            throws SQLException {
        int n = batch.size();
        UUID[] ids = new UUID[n];
        UUID[] tenants = new UUID[n];
        String[] providers = new String[n];
        String[] topics = new String[n];
        String[] keys = new String[n];
        byte[][] shas = new byte[n][];
        byte[][] bodies = new byte[n][];
        String[] headers = new String[n];
        UUID[] jobs = new UUID[n];
        for (int i = 0; i < n; i++) {
            Delivery d = batch.get(i).delivery();
            ids[i] = batch.get(i).eventId().value();
            tenants[i] = d.tenant().value();
            providers[i] = d.provider().wire();
            topics[i] = d.topic().orElse(null);
            keys[i] = d.deliveryKey();
            shas[i] = d.sha256();
            bodies[i] = d.body();
            headers[i] = headersJson(d.headers());
            jobs[i] = TimeOrderedIds.next();
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT_BATCH)) {
            List<Array> arrays = List.of(c.createArrayOf("uuid", ids), c.createArrayOf("uuid", tenants),
                                         c.createArrayOf("text", providers), c.createArrayOf("text", topics),
                                         c.createArrayOf("text", keys), c.createArrayOf("bytea", shas),
                                         c.createArrayOf("bytea", bodies), c.createArrayOf("text", headers),
                                         c.createArrayOf("uuid", jobs));
            for (int i = 0; i < arrays.size(); i++) {
                ps.setArray(i + 1, arrays.get(i));
            }
            collect(ps, stored, timeout);
        }
    }

    private void find(Connection c, List<Pending> skipped, Map<String, UUID> stored, Timeout timeout)
            throws SQLException {
        int n = skipped.size();
        UUID[] tenants = new UUID[n];
        String[] providers = new String[n];
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            Delivery d = skipped.get(i).delivery();
            tenants[i] = d.tenant().value();
            providers[i] = d.provider().wire();
            keys[i] = d.deliveryKey();
        }
        try (PreparedStatement ps = c.prepareStatement(FIND_BATCH)) {
            ps.setArray(1, c.createArrayOf("uuid", tenants));
            ps.setArray(2, c.createArrayOf("text", providers));
            ps.setArray(3, c.createArrayOf("text", keys));
            collect(ps, stored, timeout);
        }
    }

    private void collect(PreparedStatement ps, Map<String, UUID> stored, Timeout timeout) throws SQLException {
        running.set(timeout.slot(), new Running(ps, System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout.seconds())));
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                stored.put(Pending.key(rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4)),
                           rs.getObject(1, UUID.class));
            }
        } finally {
            running.set(timeout.slot(), null);
        }
    }

    /**
     * Cancels a writer's statement that has run past its allowance. One thread looking every
     * {@value #WATCH_EVERY_MS} ms instead of JDBC's query timeout, for which the driver schedules and cancels a
     * {@code java.util.Timer} task around every statement (a visible share of the writer's CPU). The driver's
     * {@link Statement#cancel()} cancels only a statement still executing; a cancelled statement fails with
     * {@code 57014}, as one past its query timeout does.
     */
    private void watch() {
        while (open) {
            try {
                Thread.sleep(WATCH_EVERY_MS);
            } catch (InterruptedException e) {
                if (!open) {
                    return;
                }
            }
            long now = System.nanoTime();
            for (int i = 0; i < running.length(); i++) {
                Running r = running.get(i);
                if (r != null && now - r.cancelAt() >= 0 && running.compareAndSet(i, r, null)) {
                    try {
                        r.statement().cancel();
                    } catch (SQLException | RuntimeException e) {
                        // closed meanwhile: it finished
                        LOG.log(Level.DEBUG, "could not cancel an overdue statement", e);
                    }
                }
            }
        }
    }

    /** The kept headers as a JSON object's text (stored as jsonb). */
    static String headersJson(Map<String, String> headers) {
        try {
            return Json.MAPPER.writeValueAsString(headers);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("could not write the kept headers", e);
        }
    }

    /** Keeps an authentic but unparseable body for operators (no job), giving up soon after {@code deadline}. */
    void storeRejected(Delivery d, String reason, long deadline) {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(INSERT_REJECTED)) {
            ps.setQueryTimeout(timeoutSeconds(deadline));
            ps.setObject(1, d.tenant().value());
            ps.setString(2, d.provider().wire());
            ps.setString(3, d.deliveryKey());
            // time-ordered like every event id: the id decides the day partition the event is kept in
            ps.setObject(4, TimeOrderedIds.next());
            ps.setString(5, d.topic().orElse(null));
            ps.setBytes(6, d.sha256());
            ps.setBytes(7, d.body());
            ps.setString(8, headersJson(d.headers()));
            ps.setString(9, reason);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw DataException.translate(e);
        }
    }

    /** Writes what is queued, then stops the writers. */
    @Override
    public void close() {
        open = false;
        for (Thread t : writers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        watchdog.interrupt();
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new IllegalStateException("the gateway stopped"));
        }
    }
}
