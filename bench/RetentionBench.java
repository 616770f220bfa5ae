import io.tollgate.api.events.RetentionSweeper;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.DatabaseSettings;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
 * every pair. With several duties (TOLLGATE_RETENTION_SWEEP_DUTY_PERCENT / 100), the pairs run for each in turn.
 * Args: jdbc_url metrics_url pairs oldest_hours slice_hours [duties, comma-separated; default 1]
 */
public final class RetentionBench {
    public static void main(String[] args) throws Exception {
        String jdbc = args[0];
        URI metrics = URI.create(args[1]);
        int pairs = Integer.parseInt(args[2]);
        long oldestHours = Long.parseLong(args[3]);
        long sliceHours = Long.parseLong(args[4]);
        String[] duties = (args.length > 5 ? args[5] : "1").split(",");
        HttpClient http = HttpClient.newHttpClient();
        try (Database db = Database.open(new DatabaseSettings(jdbc, "postgres", Secret.of("postgres"), 4,
                                                              Duration.ofSeconds(10)), "retention-bench")) {
            System.out.println("duty pair order run_s window_s days dropped_est rate_run rate_quiet change_pct load1");
            int slice = 0;
            for (String d : duties) {
                double duty = Double.parseDouble(d);
                double sumSweep = 0;
                double sumQuiet = 0;
                for (int i = 0; i < pairs; i++) {
                    Duration retention = Duration.ofHours(oldestHours - (++slice) * sliceHours);
                    boolean sweepFirst = i % 2 == 0;
                    double[] sweep;
                    double quiet;
                    if (sweepFirst) {
                        sweep = sweep(db, http, metrics, retention, duty);
                        quiet = quiet(http, metrics, sweep[0]);
                    } else {
                        // the quiet window first needs the sweep's length before it runs: the previous pair's
                        quiet = quiet(http, metrics, lastSweepSeconds);
                        sweep = sweep(db, http, metrics, retention, duty);
                    }
                    sumSweep += sweep[2];
                    sumQuiet += quiet;
                    System.out.printf(Locale.ROOT, "%.2f %d %s %.2f %.1f %.0f %.0f %.0f %.0f %+.1f %s%n", duty, i + 1,
                                      sweepFirst ? "run-quiet" : "quiet-run", sweep[3], sweep[0], sweep[4], sweep[1],
                                      sweep[2], quiet, 100.0 * (sweep[2] - quiet) / quiet, load());
                }
                System.out.printf(Locale.ROOT,
                                  "duty %.2f: mean %.0f req/s in windows with a retention run, %.0f req/s without: %+.1f %%%n",
                                  duty, sumSweep / pairs, sumQuiet / pairs, 100.0 * (sumSweep - sumQuiet) / sumQuiet);
            }
        }
    }

    private static final double MIN_WINDOW_S = Double.parseDouble(System.getenv().getOrDefault("BENCH_WINDOW_SECONDS",
                                                                                              "5"));
    private static double lastSweepSeconds = MIN_WINDOW_S;

    /**
     * One retention run with the gateway's own code, in a window of at least MIN_WINDOW_S: {window seconds, events
     * dropped (estimate) + deleted, accepted deliveries per second over the window, run seconds, days retired}.
     */
    private static double[] sweep(Database db, HttpClient http, URI metrics, Duration retention, double duty)
            throws Exception {
        try (RetentionSweeper sweeper = new RetentionSweeper(db, retention, Duration.ofDays(3650), duty)) {
            double before = accepted(http, metrics);
            long t0 = System.nanoTime();
            RetentionSweeper.Swept swept = sweeper.sweep();
            double run = (System.nanoTime() - t0) / 1e9;
            if (run < MIN_WINDOW_S) {
                Thread.sleep((long) ((MIN_WINDOW_S - run) * 1000));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double after = accepted(http, metrics);
            lastSweepSeconds = seconds;
            return new double[] {seconds, swept.dropped() + swept.total(), (after - before) / seconds, run,
                                 swept.days()};
        }
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
