package io.tollgate.api.local;

import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.crypto.MasterKey;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;

/**
 * The one place that knows about the embedded database: when {@code DATABASE_URL} is unset, an embedded PostgreSQL
 * runs with its data under the data directory (kept across restarts), and a master key, admin token and database
 * password are generated once and kept in a mode-600 file beside it. The database accepts only that password
 * (SCRAM, see {@link LocalPostgresAuth}), and the data directory is mode 700 with nothing under it writable by
 * others ({@link LocalFiles}): another user of the machine can neither log in to the database nor plant a binary.
 * A production deployment (DATABASE_URL set) never loads this class, so the container image leaves the embedded
 * binaries out ({@link EmbeddedPostgresPresence} is asked first, and refuses in one line when they are absent).
 */
public final class LocalMode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LocalMode.class.getName());
    static final String SECRETS_FILE = "local-secrets.properties";
    /** The key of the embedded PostgreSQL's password in {@link #SECRETS_FILE} (user {@code postgres}). */
    static final String DB_PASSWORD = "DATABASE_PASSWORD";

    private final EmbeddedPostgres postgres;
    private final AppConfig config;
    private final DataDirLock lock;

    private LocalMode(EmbeddedPostgres postgres, AppConfig config, DataDirLock lock) {
        this.postgres = postgres;
        this.config = config;
        this.lock = lock;
    }

    /**
     * @throws io.tollgate.api.StartupException {@code already running (pid N)} when another gateway uses the data
     *                                          directory
     */
    public static LocalMode start(AppConfig config) {
        Path dir = config.dataDir().toAbsolutePath();
        DataDirLock lock = null;
        EmbeddedPostgres pg = null;
        try {
            // this machine's other users get nowhere under it: not the keys, not the database, not the binaries
            LocalFiles.privateDirectory(dir);
            lock = DataDirLock.acquire(dir);
            Path data = dir.resolve("pg");
            Path work = dir.resolve("pg-bin");
            LocalFiles.privateDirectory(work);
            Path secretsFile = dir.resolve(SECRETS_FILE);
            Properties secrets = loadOrCreateSecrets(secretsFile, config);
            Secret dbPassword = Secret.of(secrets.getProperty(DB_PASSWORD));
            LOG.log(Level.INFO, "DATABASE_URL is not set: starting an embedded PostgreSQL with its data in " + data
                    + " (local mode; never use it in production)");
            LeftoverPostgres.stopIfRunning(data);
            LocalPostgresAuth auth = new LocalPostgresAuth(work, dbPassword);
            pg = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(work.toFile())
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    // read through a digest, so the binaries' directory is known (see LocalPostgresAuth)
                    .setPgBinaryResolver(auth.binaries())
                    // after initdb (zonky's runs with -A trust), before the server starts: the superuser gets the
                    // generated password and every connection must give it; an older data directory is migrated
                    .setDataDirectoryCustomizer(auth::requirePassword)
                    .setConnectConfig("password", dbPassword.reveal())
                    // stopped by close(), after the gateway drained; not by a hook racing the gateway's own
                    .setRegisterShutdownHook(false)
                    // zonky waits 10 s, short on a busy machine; a start that gives up stops what it started (below)
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .start();
            // zonky makes its working directory writable by everyone; nothing under the data directory may be
            LocalFiles.privateDirectory(work);
            LocalFiles.noneWritableByOthers(dir);
            String jdbcUrl = "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres";
            LOG.log(Level.INFO, "embedded PostgreSQL listening on port " + pg.getPort()
                    + " (user postgres, password DATABASE_PASSWORD in " + secretsFile + ")");
            MasterKey key = config.keys().masterKey()
                    .orElseGet(() -> MasterKey.fromBase64(secrets.getProperty("TOLLGATE_MASTER_KEY")));
            Secret token = config.keys().adminToken()
                    .orElseGet(() -> Secret.of(secrets.getProperty("TOLLGATE_ADMIN_TOKEN")));
            AppConfig local = config.withLocalMode(jdbcUrl, "postgres", dbPassword, key, token);
            return new LocalMode(pg, local, lock);
        } catch (IOException | RuntimeException e) {
            if (pg != null) {
                closeQuietly(pg);
            } else if (lock != null) {
                // zonky may have started the server and then given up on it: ours (we hold the lock), so stop it
                LeftoverPostgres.stopOwnFailedStart(dir.resolve("pg"));
            }
            if (lock != null) {
                lock.close();
            }
            if (e instanceof UncheckedIOException u) {
                throw new UncheckedIOException("could not start the embedded PostgreSQL under " + dir, u.getCause());
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException("could not start the embedded PostgreSQL under " + dir, (IOException) e);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException ignored) {
            // failing anyway
        }
    }

    /** The configuration completed with the embedded database and local keys. */
    public AppConfig config() {
        return config;
    }

    private static Properties loadOrCreateSecrets(Path file, AppConfig config) throws IOException {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        boolean changed = false;
        if (config.keys().masterKey().isEmpty() && p.getProperty("TOLLGATE_MASTER_KEY") == null) {
            p.setProperty("TOLLGATE_MASTER_KEY", MasterKey.generateBase64());
            changed = true;
        }
        if (config.keys().adminToken().isEmpty() && p.getProperty("TOLLGATE_ADMIN_TOKEN") == null) {
            p.setProperty("TOLLGATE_ADMIN_TOKEN", "tg_" + random());
            changed = true;
        }
        if (p.getProperty(DB_PASSWORD) == null || p.getProperty(DB_PASSWORD).isBlank()) {
            // the embedded PostgreSQL's superuser password (a data directory made before it existed gets it too)
            p.setProperty(DB_PASSWORD, random());
            changed = true;
        }
        if (changed) {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
                p.store(out, "Tollgate local mode: generated once, kept across restarts. Never commit this file.");
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        if (config.keys().adminToken().isEmpty()) {
            LOG.log(Level.INFO, "local admin token (TOLLGATE_ADMIN_TOKEN) is kept in " + file);
        }
        if (config.keys().masterKey().isEmpty()) {
            LOG.log(Level.INFO, "local master key (TOLLGATE_MASTER_KEY) is kept in " + file);
        }
        return p;
    }

    private static String random() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    @Override
    public void close() {
        try {
            postgres.close();
            LOG.log(Level.INFO, "embedded PostgreSQL stopped");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "embedded PostgreSQL did not stop cleanly: " + e.getMessage());
        } finally {
            lock.close();
        }
    }
}
