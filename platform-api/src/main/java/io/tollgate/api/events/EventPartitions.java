package io.tollgate.api.events;

import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The day partitions of {@code webhook_events} (migration 019): one per UTC day, holding the ids of that day (ids are
 * time-ordered: 48 bits of Unix milliseconds first), named {@code webhook_events_pYYYYMMDD}, and a DEFAULT partition
 * for any id no day holds (an id not made by {@code TimeOrderedIds}, or a day not created in time).
 *
 * <p>Three operations, each in short transactions with a {@link #LOCK_TIMEOUT} and retried, serialised across
 * instances by an advisory lock (an instance that does not get it leaves the work to the one that did):
 * <ul>
 *   <li>{@link #ensureAhead}: creates the coming days. A day is created as a plain table, the rows the DEFAULT
 *   partition holds for it moved in, then attached (a CHECK constraint matching the bounds spares the attach its
 *   validation scan), so a day that was missing while events arrived is repaired the same way;</li>
 *   <li>{@link #retire}: a day past the event retention is swapped, in one transaction, for a small table holding only
 *   its unfinished events (dead, accepted, processing), attached under the same bounds as
 *   {@code webhook_events_pYYYYMMDD_held}: every read still sees one relation {@code webhook_events}. Then, outside
 *   that transaction, what the dropped foreign keys did is done for the day's id range (jobs of the dropped events
 *   deleted, the note ledger's event_id set to NULL), and the old day is dropped. Delivery keys are not touched: they
 *   age out by themselves a day after the retention ({@link RetentionSweeper#KEY_MARGIN});</li>
 *   <li>{@link #dropEmptyHeld}: a held day past the dead-event retention, emptied by its row-by-row delete, is
 *   dropped.</li>
 * </ul>
 */
public final class EventPartitions {
    private static final System.Logger LOG = System.getLogger(EventPartitions.class.getName());
    static final String PREFIX = "webhook_events_p";
    static final String HELD = "_held";
    static final String DEFAULT = "webhook_events_default";
    /** The longest a partition change waits for a lock (it then gives up and retries: ingest never waits longer). */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);
    static final int ATTEMPTS = 5;
    /** Rows per batch of the range clean-up after a drop. */
    static final int BATCH = 5_000;
    /** The advisory lock serialising partition changes across instances ("tollgate.partitions"). */
    private static final long ADVISORY = 0x746f6c6c_70617274L;
    private static final Pattern NAME = Pattern.compile("webhook_events_p(\\d{8})(_held)?");
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final Database db;
    private final String unfinished;

    /** The day partitions of {@code db}'s events; a retired day keeps its unfinished events ({@link EventStatus}). */
    public EventPartitions(Database db) {
        this(db, java.util.Arrays.stream(EventStatus.values()).filter(s -> !s.finished()).map(EventStatus::sql)
                .collect(java.util.stream.Collectors.joining(", ", "(", ")")));
    }

    EventPartitions(Database db, String unfinished) {
        this.db = db;
        this.unfinished = unfinished;
    }

    /** A day partition: its day, and whether it is a held (swapped) one. */
    record Day(LocalDate day, boolean held) {
        String name() {
            return name(day) + (held ? HELD : "");
        }

        static String name(LocalDate day) {
            return PREFIX + DAY.format(day);
        }

        UUID from() {
            return lowerBound(day);
        }

        UUID to() {
            return lowerBound(day.plusDays(1));
        }
    }

    /** The smallest time-ordered id of {@code day}'s first millisecond (UTC). */
    static UUID lowerBound(LocalDate day) {
        return lowerBound(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    /** The smallest time-ordered id of the millisecond {@code at}. */
    static UUID lowerBound(java.time.Instant at) {
        return new UUID(at.toEpochMilli() << 16, 0L);
    }

    /** The first instant of day {@code d} (UTC). */
    static java.time.Instant start(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    /** The attached day partitions, oldest first. */
    List<Day> days() {
        return names("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'webhook_events'::regclass ORDER BY c.relname""");
    }

    /** Days detached by a swap whose clean-up and drop did not finish (the instance stopped in between). */
    List<Day> detached() {
        return names("""
                SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition
                   AND relname LIKE 'webhook\\_events\\_p%' ORDER BY relname""");
    }

    private List<Day> names(String sql) {
        List<Day> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                Matcher m = NAME.matcher(rs.getString(1));
                if (m.matches()) {
                    out.add(new Day(LocalDate.parse(m.group(1), DAY), m.group(2) != null));
                }
            }
        } catch (SQLException e) {
            throw DataException.translate(e);
        }
        return out;
    }

    /** How many days from today on have a partition without a gap (0: today's is missing). */
    int readyAhead() {
        List<LocalDate> have = days().stream().map(Day::day).toList();
        int n = 0;
        for (LocalDate d = today(); have.contains(d); d = d.plusDays(1)) {
            n++;
        }
        return n;
    }

    /** Creates every missing day from today to {@code ahead} days on; returns how many it created. */
    int ensureAhead(int ahead) {
        List<LocalDate> have = days().stream().map(Day::day).toList();
        int created = 0;
        for (int i = 0; i <= ahead; i++) {
            LocalDate d = today().plusDays(i);
            if (!have.contains(d) && create(d)) {
                created++;
            }
        }
        return created;
    }

    /**
     * Creates day {@code d}: a table with the parent's columns and checks and the bounds' CHECK, the DEFAULT
     * partition's rows of the day moved in, attached. False when another instance holds the partition lock.
     */
    boolean create(LocalDate d) {
        Day day = new Day(d, false);
        String name = day.name();
        return change("create " + name, st -> {
            if (exists(st, name)) {
                return true;
            }
            st.execute("CREATE TABLE " + name + " (LIKE webhook_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
            st.execute("ALTER TABLE " + name + " ADD CONSTRAINT " + name + "_bounds CHECK " + bounds(day));
            int moved = st.executeUpdate("WITH m AS (DELETE FROM " + DEFAULT + " WHERE " + bounds(day)
                                                 + " RETURNING *) INSERT INTO " + name + " SELECT * FROM m");
            st.execute("ALTER TABLE webhook_events ATTACH PARTITION " + name + " FOR VALUES FROM ('" + day.from()
                               + "') TO ('" + day.to() + "')");
            if (moved > 0) {
                LOG.log(Level.WARNING, "event partitions: " + moved + " events of " + d + " were in " + DEFAULT
                        + " (the day was missing); moved into " + name);
            }
            return true;
        });
    }

    /** What one retired day kept (its unfinished events) and an estimate of what it dropped. */
    record Retired(LocalDate day, long kept, long dropped) {
    }

    /**
     * Swaps day {@code d} for its held events and drops the rest (see the class comment). Empty when another instance
     * holds the partition lock or the day is not a plain attached day.
     */
    Optional<Retired> retire(LocalDate d) {
        Day day = new Day(d, false);
        Day held = new Day(d, true);
        long[] counts = new long[2];
        boolean swapped = change("retire " + day.name(), st -> {
            if (!attached(st, day.name())) {
                return false;
            }
            st.execute("LOCK TABLE " + day.name() + " IN SHARE MODE");
            try (ResultSet rs = st.executeQuery("SELECT reltuples::bigint FROM pg_class WHERE relname = '"
                                                        + day.name() + "'")) {
                rs.next();
                counts[1] = Math.max(0, rs.getLong(1));
            }
            st.execute("CREATE TABLE " + held.name() + " (LIKE webhook_events INCLUDING DEFAULTS INCLUDING "
                               + "CONSTRAINTS)");
            st.execute("ALTER TABLE " + held.name() + " ADD CONSTRAINT " + held.name() + "_bounds CHECK "
                               + bounds(day));
            counts[0] = st.executeUpdate(keepUnfinished(day, held));
            st.execute("ALTER TABLE webhook_events DETACH PARTITION " + day.name());
            st.execute("ALTER TABLE webhook_events ATTACH PARTITION " + held.name() + " FOR VALUES FROM ('"
                               + day.from() + "') TO ('" + day.to() + "')");
            return true;
        });
        if (!swapped) {
            return Optional.empty();
        }
        finishDrop(d);
        return Optional.of(new Retired(d, counts[0], Math.max(0, counts[1] - counts[0])));
    }

    /**
     * Copies day {@code day}'s unfinished events into {@code held} without reading the day: its dead events through
     * the partial index of dead and rejected events, the others (accepted, processing) through their jobs (every
     * unfinished event other than a dead one has its job: ingest writes both in one statement, and a job's row goes
     * only with its event's end). A scan of the day read every body of it (about 700 MB a day at 5 million events
     * in 14 days) and cost ingress a fifth of its rate while it ran (docs/benchmarks.md, "Retention by partition").
     */
    private String keepUnfinished(Day day, Day held) {
        String dead = EventStatus.DEAD.sql();
        return "INSERT INTO " + held.name() + " SELECT * FROM " + day.name() + " WHERE status = " + dead
                + " AND status IN " + unfinished
                + " UNION ALL SELECT e.* FROM " + day.name() + " e WHERE e.status IN " + unfinished
                + " AND e.status <> " + dead + " AND e.id IN (SELECT j.event_id FROM jobs j WHERE j.event_id >= '"
                + day.from() + "' AND j.event_id < '" + day.to() + "')";
    }

    /**
     * After a swap: deletes the jobs of the day's dropped events and sets the note ledger's event_id to NULL for
     * them (what the foreign keys' ON DELETE did), in batches, then drops the detached day. Also
     * resumes a swap whose clean-up was interrupted ({@link #detached}).
     */
    void finishDrop(LocalDate d) {
        Day day = new Day(d, false);
        String kept = "NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = x.%s)";
        String range = " >= '" + day.from() + "' AND x.%s < '" + day.to() + "'";
        batches("DELETE FROM jobs WHERE id IN (SELECT x.id FROM jobs x WHERE x.event_id" + range.formatted("event_id")
                        + " AND " + kept.formatted("event_id") + " LIMIT " + BATCH + ")");
        batches("UPDATE notes SET event_id = NULL WHERE id IN (SELECT x.id FROM notes x WHERE x.event_id"
                        + range.formatted("event_id") + " AND " + kept.formatted("event_id") + " LIMIT " + BATCH
                        + ")");
        change("drop " + day.name(), st -> {
            if (exists(st, day.name()) && !attached(st, day.name())) {
                st.execute("DROP TABLE " + day.name());
            }
            return true;
        });
    }

    /** Drops held day {@code d} if it holds no event any more. */
    boolean dropEmptyHeld(LocalDate d) {
        Day held = new Day(d, true);
        return change("drop " + held.name(), st -> {
            if (!attached(st, held.name())) {
                return false;
            }
            try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + held.name() + ")")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return false;
                }
            }
            st.execute("DROP TABLE " + held.name());
            return true;
        });
    }

    private void batches(String sql) {
        int n;
        do {
            n = db.call(() -> (int) db.client().execute().dml(sql));
        } while (n == BATCH);
    }

    private static String bounds(Day day) {
        return "(id >= '" + day.from() + "' AND id < '" + day.to() + "')";
    }

    private static boolean exists(Statement st, String name) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + name + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static boolean attached(Statement st, String name) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = '" + name
                                                    + "' AND relispartition)")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @FunctionalInterface
    private interface Change {
        boolean apply(Statement st) throws SQLException;
    }

    /**
     * Runs {@code change} in one transaction with the lock timeout and the advisory lock, retried when a lock was not
     * had in time (or a deadlock broke it). False when another instance holds the advisory lock, or the change
     * returned false.
     */
    private boolean change(String what, Change change) {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (Connection c = db.dataSource().getConnection()) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = " + LOCK_TIMEOUT.toMillis());
                    boolean locked;
                    try (ResultSet rs = st.executeQuery("SELECT pg_try_advisory_xact_lock(" + ADVISORY + ")")) {
                        rs.next();
                        locked = rs.getBoolean(1);
                    }
                    if (!locked) {
                        c.rollback();
                        return false;
                    }
                    boolean done = change.apply(st);
                    c.commit();
                    return done;
                } catch (SQLException e) {
                    c.rollback();
                    // 55P03 lock_not_available, 40P01 deadlock_detected: someone held a lock; try again shortly
                    if (!"55P03".equals(e.getSQLState()) && !"40P01".equals(e.getSQLState())) {
                        throw e;
                    }
                    last = e;
                }
            } catch (SQLException e) {
                throw DataException.translate(e);
            }
            LOG.log(Level.INFO, "event partitions: " + what + " did not get its locks within "
                    + LOCK_TIMEOUT.toMillis() + " ms (attempt " + attempt + "); retrying");
            try {
                Thread.sleep(200L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw DataException.translate(last);
    }
}
