package io.tollgate.api.local;

import io.tollgate.tenant.Secret;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import org.postgresql.util.PasswordUtil;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the embedded PostgreSQL ask for a password. zonky runs {@code initdb -A trust}, which lets anyone on this
 * machine connect to 127.0.0.1 as the superuser without one; so before each start (zonky's data directory customizer,
 * called after initdb and before the server starts) the superuser's password is set to the generated one, through
 * PostgreSQL's single-user mode (no connection needed, nothing listening), as a SCRAM-SHA-256 verifier, and
 * {@code pg_hba.conf} is replaced by one that requires {@code scram-sha-256} for every connection. A data directory
 * made by an earlier Tollgate (trust) is migrated the same way on its next start.
 */
final class LocalPostgresAuth {
    /** The whole of pg_hba.conf: a password (SCRAM) for every user, database and address, local sockets included. */
    static final String PG_HBA = """
            # Written by Tollgate (local mode) at every start: every connection must give the password kept as
            # DATABASE_PASSWORD in local-secrets.properties (user postgres).
            # TYPE  DATABASE  USER  ADDRESS        METHOD
            local   all       all                  scram-sha-256
            host    all       all   127.0.0.1/32   scram-sha-256
            host    all       all   ::1/128        scram-sha-256
            """;
    private static final long SINGLE_USER_SECONDS = 120;

    private final Path work;
    private final Secret password;
    private final DigestingResolver binaries = new DigestingResolver();

    /**
     * @param work     zonky's working directory, where it unpacks the binaries ({@code PG-<md5 of the archive>})
     * @param password the superuser's password
     */
    LocalPostgresAuth(Path work, Secret password) {
        this.work = work;
        this.password = password;
    }

    /**
     * zonky's bundled binaries, read through an MD5 digest: zonky unpacks them into {@code PG-<that digest>} under the
     * working directory, which is how {@link #requirePassword} finds {@code postgres}. A new resolver for each start
     * also keeps zonky from reusing binaries it unpacked into another data directory earlier in this JVM.
     */
    PgBinaryResolver binaries() {
        return binaries;
    }

    /** zonky's data directory customizer. */
    void requirePassword(File dataDirectory) {
        Path data = dataDirectory.toPath();
        try {
            setPassword(data);
            Files.writeString(data.resolve("pg_hba.conf"), PG_HBA, StandardCharsets.UTF_8,
                              StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                              StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ALTER ROLE postgres PASSWORD '<SCRAM verifier>'} in single-user mode. */
    private void setPassword(Path data) throws IOException {
        Path postgres = work.resolve("PG-" + binaries.digest()).resolve("bin").resolve("postgres");
        if (!Files.isExecutable(postgres)) {
            throw new IOException("the embedded PostgreSQL binaries are not where zonky unpacks them (" + postgres
                                          + ")");
        }
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U")); // as zonky runs them: PostgreSQL refuses to run as root
        }
        command.addAll(List.of(postgres.toString(), "--single", "-D", data.toString(), "-F",
                               "-c", "exit_on_error=true", "-c", "log_min_error_statement=panic", "postgres"));
        String verifier = PasswordUtil.encodeScramSha256(password.reveal().toCharArray());
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(("ALTER ROLE postgres PASSWORD '" + verifier + "'\n").getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(SINGLE_USER_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("setting the embedded PostgreSQL's password took longer than "
                                              + SINGLE_USER_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while setting the embedded PostgreSQL's password", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("could not set the embedded PostgreSQL's password (single-user postgres exited "
                                          + p.exitValue() + ")");
        }
    }

    /** The default resolver's archive, with the MD5 zonky names the binaries' directory after. */
    private static final class DigestingResolver implements PgBinaryResolver {
        private MessageDigest md5;
        private String digest;

        @Override
        public synchronized InputStream getPgBinary(String system, String machineHardware) throws IOException {
            InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
            if (archive == null) {
                return null;
            }
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
            digest = null;
            return new DigestInputStream(archive, md5);
        }

        /** The hex MD5 of the archive zonky read (all of it, before it unpacks or runs anything). */
        synchronized String digest() throws IOException {
            if (digest == null) {
                if (md5 == null) {
                    throw new IOException("zonky did not read the PostgreSQL binaries through Tollgate's resolver");
                }
                digest = HexFormat.of().formatHex(md5.digest());
            }
            return digest;
        }
    }
}
