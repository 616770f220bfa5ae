package io.tollgate.api.local;

import io.tollgate.api.StartupException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A gateway killed with {@code kill -9} cannot stop its embedded PostgreSQL, which keeps running and holds the data
 * directory, so the next start would fail. Called while holding the {@link DataDirLock} (no live gateway owns the
 * directory), this stops such a server: the pid comes from {@code postmaster.pid}, and is only acted on when that
 * process really is a {@code postgres} started on this data directory.
 */
final class LeftoverPostgres {
    private static final System.Logger LOG = System.getLogger(LocalMode.class.getName());
    private static final long STOP_SECONDS = 30;

    private LeftoverPostgres() {
    }

    static void stopIfRunning(Path data) throws IOException {
        stopIfRunning(data, true);
    }

    /**
     * After a start of our own that failed half-way (the server runs but did not answer in time): stops it so it is
     * not left behind, without the "earlier Tollgate" warning.
     */
    static void stopOwnFailedStart(Path data) {
        try {
            stopIfRunning(data, false);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not stop the embedded PostgreSQL after a failed start", e);
        }
    }

    private static void stopIfRunning(Path data, boolean leftByEarlierGateway) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        List<String> lines;
        try {
            lines = Files.readAllLines(pidFile);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // stopped cleanly last time
        }
        Optional<Long> pid = lines.isEmpty() ? Optional.empty() : parse(lines.get(0));
        Optional<ProcessHandle> process = pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return; // the server died too; PostgreSQL removes its own stale pid file on start
        }
        ProcessHandle pg = process.get();
        ProcessHandle.Info info = pg.info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            throw new StartupException(pidFile + " names pid " + pg.pid() + ", which is running but cannot be"
                                               + " inspected; stop it, or delete the file if it is not PostgreSQL");
        }
        if (!isPostgresOf(info, data)) {
            // the pid was reused by something else (after a reboot): the file is stale but would block the start
            Files.deleteIfExists(pidFile);
            LOG.log(Level.INFO, "removed a stale " + pidFile + " (pid " + pg.pid() + " is not its PostgreSQL)");
            return;
        }
        stop(pg, data);
        if (!leftByEarlierGateway) {
            return;
        }
        LOG.log(Level.WARNING, "stopped the embedded PostgreSQL (pid " + pg.pid() + ") that an earlier Tollgate left"
                + " running in " + data + " (it was not shut down cleanly, e.g. kill -9)");
    }

    static boolean isPostgresOf(ProcessHandle.Info info, Path data) {
        if (!Path.of(info.command().orElse("")).getFileName().toString().equals("postgres")) {
            return false;
        }
        String[] args = info.arguments().orElse(new String[0]);
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-D") && sameDir(Path.of(args[i + 1]), data)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameDir(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /**
     * SIGTERM, PostgreSQL's "smart" shutdown: quick here, since the killed gateway's sessions died with it. (pg_ctl
     * is no help: it refuses to run as root, which zonky gets around with {@code unshare -U}.) SIGKILL if that does
     * not end it in time.
     */
    private static void stop(ProcessHandle pg, Path data) {
        pg.destroy();
        if (!waitForExit(pg)) {
            pg.destroyForcibly();
            waitForExit(pg);
        }
        if (pg.isAlive()) {
            throw new StartupException("the embedded PostgreSQL (pid " + pg.pid() + ") left running in " + data
                                               + " by an earlier Tollgate does not stop; stop it by hand");
        }
    }

    private static boolean waitForExit(ProcessHandle pg) {
        try {
            pg.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return !pg.isAlive();
        }
    }

    private static Optional<Long> parse(String line) {
        try {
            return Optional.of(Long.parseLong(line.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
