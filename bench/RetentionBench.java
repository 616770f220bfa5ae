import io.tollgate.api.events.EventPartitions;
import io.tollgate.api.events.RetentionSweeper;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.DatabaseSettings;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The retention benchmark's driver (bench/retention.sh runs it while wrk sends unique deliveries the whole time).
 * Alternating pairs: one window during which the gateway's own RetentionSweeper runs once (its retention moved by
 * {@code slice} per pair, so each run retires a fresh day partition: its unfinished events swapped into a held
 * partition, the rest dropped), and one quiet window of the same length (both at least {@link #MIN_WINDOW_S}: a run
 * takes seconds, and the window then also holds what follows it, such as the relations' caches being rebuilt); the
 * order flips every pair (run-quiet, quiet-run, ...) so a drift in the rate (the table growing, the cache warming)
 * does not fall on one side. The ingress rate of a window is the increase of the gateway's
 * tollgate_webhooks_total{outcome="accepted"} over it, read from /observe/metrics. The load average is printed with
 * every pair. Then as many pairs for the delivery keys' row-by-row delete (RetentionSweeper.deleteKeys), each run
 * taking the next key_slice_minutes of keys from the oldest stored on, once per duty
 * (TOLLGATE_RETENTION_SWEEP_DUTY_PERCENT / 100).
 * Args: jdbc_url metrics_url pairs oldest_hours slice_hours [duties, comma-separated; default 1] [key_pairs]
 * [key_slice_minutes]
 */
public final class RetentionBench {
    public static void main(String[] args) throws Exception {
        String jdbc = args[0];
        URI metrics = URI.create(args[1]);
        int pairs = Integer.parseInt(args[2]);
        long oldestHours = Long.parseLong(args[3]);
        long sliceHours = Long.parseLong(args[4]);
        String[] duties = (args.length > 5 ? args[5] : "1").split(",");
        int keyPairs = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        long keySliceMinutes = args.length > 7 ? Long.parseLong(args[7]) : 60;
        HttpClient http = HttpClient.newHttpClient();
        try (Database db = Database.open(new DatabaseSettings(jdbc, "postgres", Secret.of("postgres"), 4,
                                                              Duration.ofSeconds(10)), "retention-bench")) {
            System.out.println("what pair order run_s window_s days dropped_est rate_run rate_quiet change_pct load1");
            // 1. drops: each run retires the next day (its dead events kept in a held partition, the rest dropped)
            int[] slice = {0};
            pairs(http, metrics, "drop", pairs, () -> {
                Duration retention = Duration.ofHours(oldestHours - (++slice[0]) * sliceHours);
                try (RetentionSweeper sweeper = new RetentionSweeper(db, retention, Duration.ofDays(3650))) {
                    RetentionSweeper.Retirement r = sweeper.retire(Instant.now());
                    return new double[] {r.days(), r.dropped()};
                }
            });
            // 2. delivery keys, deleted row by row: each run takes the next keySliceMinutes of keys from the oldest on
            Instant[] cutoff = {db.call(() -> io.tollgate.tenant.db.Rows.instant(
                    db.client().execute().get("SELECT min(received_at) AS oldest FROM delivery_keys").orElseThrow(),
                    "oldest"))};
            for (String d : duties) {
                double duty = Double.parseDouble(d);
                pairs(http, metrics, "keys@" + d, keyPairs, () -> {
                    cutoff[0] = cutoff[0].plus(Duration.ofMinutes(keySliceMinutes));
                    try (RetentionSweeper sweeper = new RetentionSweeper(db, new EventPartitions(db),
                                                                         Duration.ofDays(3650), Duration.ofDays(3650), duty)) {
                        return new double[] {0, sweeper.deleteKeys(cutoff[0])};
                    }
                });
            }
        }
    }

    @FunctionalInterface
    interface Run {
        /** {days retired, rows removed}. */
        double[] run() throws Exception;
    }

    /** {@code pairs} alternating pairs of a window with {@code run} and a quiet one of the same length. */
    private static void pairs(HttpClient http, URI metrics, String what, int pairs, Run run) throws Exception {
        double sumRun = 0;
        double sumQuiet = 0;
        double sumSeconds = 0;
        double sumRows = 0;
        for (int i = 0; i < pairs; i++) {
            boolean runFirst = i % 2 == 0;
            double[] r;
            double quiet;
            if (runFirst) {
                r = window(http, metrics, run);
                quiet = quiet(http, metrics, r[0]);
            } else {
                // the quiet window first needs the run's length before it runs: the previous pair's
                quiet = quiet(http, metrics, lastSweepSeconds);
                r = window(http, metrics, run);
            }
            sumRun += r[2];
            sumQuiet += quiet;
            sumSeconds += r[3];
            sumRows += r[1];
            System.out.printf(Locale.ROOT, "%s %d %s %.2f %.1f %.0f %.0f %.0f %.0f %+.1f %s%n", what, i + 1,
                              runFirst ? "run-quiet" : "quiet-run", r[3], r[0], r[4], r[1], r[2], quiet,
                              100.0 * (r[2] - quiet) / quiet, load());
        }
        if (pairs > 0) {
            System.out.printf(Locale.ROOT, "%s: mean %.2f s per run, %.0f rows per run (%.0f rows/s while running); "
                                      + "%.0f req/s in windows with a run, %.0f req/s without: %+.1f %%%n", what,
                              sumSeconds / pairs, sumRows / pairs, sumRows / sumSeconds, sumRun / pairs,
                              sumQuiet / pairs, 100.0 * (sumRun - sumQuiet) / sumQuiet);
        }
    }

    private static final double MIN_WINDOW_S = Double.parseDouble(System.getenv().getOrDefault("BENCH_WINDOW_SECONDS",
                                                                                              "5"));
    private static double lastSweepSeconds = MIN_WINDOW_S;

    /**
     * One run in a window of at least MIN_WINDOW_S: {window seconds, rows removed, accepted deliveries per second
     * over the window, run seconds, days retired}.
     */
    private static double[] window(HttpClient http, URI metrics, Run run) throws Exception {
        double before = accepted(http, metrics);
        long t0 = System.nanoTime();
        double[] r = run.run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (seconds < MIN_WINDOW_S) {
            Thread.sleep((long) ((MIN_WINDOW_S - seconds) * 1000));
        }
        double window = (System.nanoTime() - t0) / 1e9;
        double after = accepted(http, metrics);
        lastSweepSeconds = window;
        return new double[] {window, r[1], (after - before) / window, seconds, r[0]};
    }

    private static String load() throws Exception {
        return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    }

    /** A window of {@code seconds} without a sweep: accepted deliveries per second. */
    private static double quiet(HttpClient http, URI metrics, double seconds) throws Exception {
        double before = accepted(http, metrics);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        double elapsed = (System.nanoTime() - t0) / 1e9;
        return (accepted(http, metrics) - before) / elapsed;
    }

    /** The sum of tollgate_webhooks_total{outcome="accepted"} over its tenants. */
    private static double accepted(HttpClient http, URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).header("Accept", "text/plain").build(),
                                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("tollgate_webhooks_total{") && line.contains("outcome=\"accepted\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
