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
        this.client = JdbcClientBuilder.create()
                .connectionPool(new HikariConnectionPool(dataSource))
                .build();
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

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(Function<DbTransaction, T> work) {
        DbTransaction tx;
        try {
            tx = client.transaction();
        } catch (RuntimeException e) {
            throw DataException.translate(e);
        }
        T result;
        try {
            result = work.apply(tx);
        } catch (RuntimeException e) {
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
