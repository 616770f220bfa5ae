package io.tollgate.tenant.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The pooled database: HikariCP behind Helidon DbClient, with every call's failure translated into
 * {@link DataException}. One per process; closed last at shutdown.
 */
public final class Database implements AutoCloseable {
    private final DatabaseSettings settings;
    private final HikariDataSource dataSource;
    private final DbClient client;

    private Database(DatabaseSettings settings, HikariDataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
        // the statements' names (a SHA-256 of each text, which DbClient computes on every call) remembered
        this.client = new StatementNames(JdbcClientBuilder.create()
                .connectionPool(new HikariConnectionPool(dataSource))
                .build());
    }

    /** Opens the pool. Connections are made lazily, so this succeeds even while the database is down. */
    public static Database open(DatabaseSettings settings) {
        return open(settings, "tollgate");
    }

    /**
     * Opens a pool named {@code name}; its connections carry that name as their {@code application_name}, so the
     * server's {@code pg_stat_activity} tells the pools apart.
     */
    public static Database open(DatabaseSettings settings, String name) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(name);
        cfg.setJdbcUrl(settings.jdbcUrl());
        cfg.setUsername(settings.user());
        cfg.setPassword(settings.password().reveal());
        cfg.setMaximumPoolSize(settings.maxPoolSize());
        cfg.setMinimumIdle(Math.min(2, settings.maxPoolSize()));
        cfg.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
        cfg.setValidationTimeout(Math.max(250, Math.min(settings.connectTimeout().toMillis(), 1000)));
        cfg.setInitializationFailTimeout(-1);
        cfg.addDataSourceProperty("connectTimeout", Math.max(1, settings.connectTimeout().toSeconds()));
        cfg.addDataSourceProperty("tcpKeepAlive", true);
        // A read that hangs (network partition) fails after this instead of holding a connection forever.
        cfg.addDataSourceProperty("socketTimeout", 30);
        // A statement's query timeout is enforced by a cancel request sent from the driver's one shared timer
        // thread; an unreachable server must not hold that thread (and every other timeout) for the default 10 s.
        cfg.addDataSourceProperty("cancelSignalTimeout", Math.max(1, settings.connectTimeout().toSeconds()));
        // DbClient binds UUIDs (and strings) with setString; let PostgreSQL infer the parameter's real type.
        cfg.addDataSourceProperty("stringtype", "unspecified");
        cfg.addDataSourceProperty("ApplicationName", name);
        return new Database(settings, new HikariDataSource(cfg));
    }

    /**
     * Makes one connection outside any pool and closes it, to find out at start-up whether the database can be used.
     *
     * @throws DataException saying why not in a few words ({@code connection refused},
     *                       {@code database "x" does not exist}, {@code password authentication failed for user "y"}),
     *                       the driver's exception as its cause
     */
    public static void probe(DatabaseSettings settings) {
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        props.setProperty("password", settings.password().reveal());
        props.setProperty("connectTimeout", String.valueOf(Math.max(1, settings.connectTimeout().toSeconds())));
        props.setProperty("ApplicationName", "tollgate-probe");
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), props)) {
            c.isValid((int) Math.max(1, settings.connectTimeout().toSeconds()));
        } catch (SQLException e) {
            throw DataException.failure(ConnectFailures.describe(e), e);
        }
    }

    public DbClient client() {
        return client;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public HikariPoolMXBean poolStats() {
        return dataSource.getHikariPoolMXBean();
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /** The pool's name, also its connections' {@code application_name}. */
    public String name() {
        return dataSource.getPoolName();
    }

    /** A connection outside the pool, for long-lived sessions such as LISTEN. The caller closes it. */
    public Connection openDedicatedConnection() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        props.setProperty("password", settings.password().reveal());
        props.setProperty("connectTimeout", String.valueOf(Math.max(1, settings.connectTimeout().toSeconds())));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("stringtype", "unspecified");
        props.setProperty("ApplicationName", "tollgate-listener");
        return DriverManager.getConnection(settings.jdbcUrl(), props);
    }

    /** Runs one statement (or several outside a transaction), translating failures. */
    public <T> T call(Supplier<T> work) {
        try {
            return work.get();
        } catch (DbClientException e) {
            throw DataException.translate(e);
        }
    }

    /**
     * A write whose commit may wait for the next transaction (bookkeeping such as an upstream call's end in the pacing
     * log): see {@link #deferring}.
     */
    public record Deferred(String sql, List<Object> params) {
        public Deferred {
            java.util.Objects.requireNonNull(sql, "sql");
            params = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(params));
        }
    }

    /** What {@link #deferring} returns: the work's result, and the deferred writes no transaction has run yet. */
    public record Deferring<T>(T result, List<Deferred> pending) {
    }

    /**
     * The writes deferred on each thread while it runs {@link #deferring}: shared by the pools of one process, which all
     * reach the one database (the worker's pool runs what the main pool's users deferred, and the other way round).
     */
    private static final ThreadLocal<List<Deferred>> deferred = new ThreadLocal<>();

    /**
     * Runs {@code work} with deferral on for this thread: a {@link #defer deferred} write is run, in order, at the start
     * of the next {@link #inTransaction transaction} this thread opens on this database (and committed with it),
     * instead of costing a commit of its own. Those no transaction ran by the end are returned: the caller runs them
     * with its next transaction ({@link #inTransaction(List, Function)}), or drops them.
     */
    public static <T> Deferring<T> deferring(Supplier<T> work) {
        List<Deferred> outer = deferred.get();
        List<Deferred> mine = new ArrayList<>();
        deferred.set(mine);
        try {
            T result = work.get();
            return new Deferring<>(result, List.copyOf(mine));
        } finally {
            if (outer == null) {
                deferred.remove();
            } else {
                outer.addAll(mine);
                deferred.set(outer);
            }
        }
    }

    /**
     * A write that may wait for this thread's next transaction when it runs {@link #deferring}; run at once (its own
     * commit) otherwise.
     */
    public void defer(String sql, Object... params) {
        List<Deferred> pending = deferred.get();
        if (pending == null) {
            call(() -> client.execute().dml(sql, params));
        } else {
            pending.add(new Deferred(sql, Arrays.asList(params)));
        }
    }

    /** {@link #inTransaction(Function)} that first runs {@code first} (deferred writes handed over) in it. */
    public <T> T inTransaction(List<Deferred> first, Function<DbTransaction, T> work) {
        return inTransaction(tx -> {
            for (Deferred d : first) {
                tx.dml(d.sql(), d.params().toArray());
            }
            return work.apply(tx);
        });
    }

    /**
     * A check every transaction a thread opens runs first while that thread runs {@link #fenced}: false, and the
     * transaction is rolled back with {@link DataException.Fenced} before anything is written.
     */
    @FunctionalInterface
    public interface Fence {
        /** {@code message}, when the fence no longer holds; empty while it does. */
        Optional<String> check(DbTransaction tx);
    }

    private static final ThreadLocal<Fence> fence = new ThreadLocal<>();

    /**
     * Runs {@code work} with {@code check} as this thread's {@link Fence}: every {@link #inTransaction transaction}
     * it opens on any database runs the check first (the worker's guard against writing back what a privacy erasure
     * erased while its job ran).
     */
    public static <T> T fenced(Fence check, Supplier<T> work) {
        Objects.requireNonNull(check, "check");
        Fence outer = fence.get();
        fence.set(check);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                fence.remove();
            } else {
                fence.set(outer);
            }
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. Writes this thread
     * {@link #defer deferred} run first, in it; a {@link #fenced fence} is checked before either.
     */
    public <T> T inTransaction(Function<DbTransaction, T> work) {
        DbTransaction tx;
        try {
            tx = client.transaction();
        } catch (RuntimeException e) {
            throw DataException.translate(e);
        }
        List<Deferred> scope = deferred.get();
        List<Deferred> pending = scope == null || scope.isEmpty() ? List.of() : List.copyOf(scope);
        if (!pending.isEmpty()) {
            scope.clear();
        }
        T result;
        try {
            Fence check = fence.get();
            if (check != null) {
                Optional<String> broken = check.check(tx);
                if (broken.isPresent()) {
                    throw new DataException.Fenced(broken.get());
                }
            }
            for (Deferred d : pending) {
                tx.dml(d.sql(), d.params().toArray());
            }
            result = work.apply(tx);
        } catch (RuntimeException e) {
            if (!pending.isEmpty()) {
                scope.addAll(0, pending); // not written: still pending for the next transaction
            }
            try {
                tx.rollback();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof DbClientException ? DataException.translate(e) : e;
        }
        try {
            tx.commit();
        } catch (RuntimeException e) {
            throw DataException.translate(e);
        }
        return result;
    }

    /**
     * Runs {@code work} in one transaction whose statements give up after {@code limit} (a lock not granted within it
     * as well): for reads that must not wait behind a lock on a busy table, such as the admin answers' and background
     * samples' reads of {@code webhook_events}. Past the limit it throws {@link DataException.Unavailable}.
     */
    public <T> T inBoundedTransaction(java.time.Duration limit, Function<DbTransaction, T> work) {
        String ms = String.valueOf(Math.max(1, limit.toMillis()));
        return inTransaction(tx -> {
            tx.get("SELECT set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)", ms, ms);
            return work.apply(tx);
        });
    }

    /** True when a connection can be had and answers within the connect timeout. */
    public boolean ping() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid((int) Math.max(1, settings.connectTimeout().toSeconds()));
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            dataSource.close();
        }
    }
}
