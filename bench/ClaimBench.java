import io.tollgate.api.events.JobQueue;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.DatabaseSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The claim benchmark's driver (bench/claim.sh loads the queue first): the worker's own claim ({@link JobQueue#claim},
 * both statements and the commit, as the claimer runs it: 8 jobs at most, the default cap of 4 per tenant), timed in
 * the JVM, each claim's jobs given back at once ({@link JobQueue#release}: queued again, due now, attempt given back)
 * so every claim sees the same queue. Prints the claims' p50, p95, max and mean in ms and the jobs each took.
 * Args: jdbc_url label claims
 */
public final class ClaimBench {
    public static void main(String[] args) {
        String jdbc = args[0];
        String label = args[1];
        int claims = Integer.parseInt(args[2]);
        try (Database db = Database.open(new DatabaseSettings(jdbc, "postgres", Secret.of("postgres"), 2,
                                                              Duration.ofSeconds(10)), "claim-bench")) {
            JobQueue queue = new JobQueue(db);
            for (int i = 0; i < 20; i++) { // warm: plans cached, pages in memory
                queue.claim(8, Duration.ofSeconds(300), 4).forEach(j -> queue.release(j, "bench"));
            }
            List<Double> ms = new ArrayList<>();
            long took = 0;
            for (int i = 0; i < claims; i++) {
                long t0 = System.nanoTime();
                List<JobQueue.Job> jobs = queue.claim(8, Duration.ofSeconds(300), 4);
                ms.add((System.nanoTime() - t0) / 1e6);
                took += jobs.size();
                jobs.forEach(j -> queue.release(j, "bench"));
            }
            // the floor on this machine now: a transaction of one trivial statement, timed the same way, interleaved
            List<Double> floor = new ArrayList<>();
            for (int i = 0; i < claims; i++) {
                long t0 = System.nanoTime();
                db.inTransaction(tx -> tx.get("SELECT 1"));
                floor.add((System.nanoTime() - t0) / 1e6);
            }
            Collections.sort(ms);
            Collections.sort(floor);
            double mean = ms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            System.out.printf(Locale.ROOT, "%s claims=%d p50=%.1f p95=%.1f max=%.1f mean=%.1f ms, jobs/claim=%.1f;"
                                      + " a one-statement transaction p50=%.1f p95=%.1f ms%n",
                              label, claims, ms.get(ms.size() / 2), ms.get((int) (ms.size() * 0.95)),
                              ms.getLast(), mean, (double) took / claims, floor.get(floor.size() / 2),
                              floor.get((int) (floor.size() * 0.95)));
        }
    }
}
