package io.tollgate.api.worker;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one job costs the database (issue 19): the commits of the normal path of a note, counted at the connection by
 * {@link CommitCounter} between the delivery and the job's completion. A customer the order cache does not know asks
 * about order #1001: the worker reads the ticket from Gorgias, asks Shopify for the customer's orders, drafts and posts
 * one note. The floor exactly-once allows is three commits: the claim (the job is this worker's), the reservation of
 * the note with its draft before Gorgias is called (the intent on record), and the note marked posted with the job
 * ended and its event processed. The worker's background statements (empty claim polls, lease heartbeats, the queue
 * gauges and other bounded samples), ingest's insert and the JDBC driver's reads of column metadata (once per connection and statement) are not
 * the job's, and are told apart by their SQL.
 */
class JobCommitsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Pipeline p;
    private static CommitCounter counter;

    @BeforeAll
    static void start() throws Exception {
        p = Pipeline.create(Map.of());
        counter = new CommitCounter(p.db.address().getHost(), p.db.address().getPort());
        p.env.put("DATABASE_URL", counter.jdbcUrl(p.db.name()));
        p.startServer();
    }

    @AfterAll
    static void stop() {
        if (p != null) {
            p.close();
        }
        if (counter != null) {
            counter.close();
        }
    }

    @Test
    void aNormalJobCommitsAtMostThreeTimesForItsNote() {
        Pipeline.Tenant t = p.tenant("commits");
        // warm: the tenant resolved and cached, the Shopify shop's point bucket and the account's pacing known
        p.deliverProcessed(t, Pipeline.ticket(42_000_000_001L, 52_000_000_001L, "Order?", "Where is order #1001?"),
                           "wh-commits-0", WAIT);

        long ticket = 42_000_000_002L;
        int mark = counter.mark();
        UUID event = p.deliverProcessed(t, Pipeline.ticket(ticket, 52_000_000_002L, "Where is my order?",
                                                           "Hi, where is my order #1001?"), "wh-commits-1", WAIT);
        // the completion's commit is seen at the connection once the server has answered it
        Pipeline.await(() -> jobs(counter.since(mark)).stream().anyMatch(tx -> tx.any("DELETE FROM jobs")), WAIT,
                       () -> describe(counter.since(mark)));

        List<CommitCounter.Tx> job = jobs(counter.since(mark));
        assertThat(p.notePosts(ticket)).hasSize(1);
        assertThat(p.one("SELECT state FROM notes WHERE gorgias_ticket_id = ?", ticket)).isEqualTo("posted");
        assertThat(job).as("the job's transactions:%n%s", describe(job)).allMatch(CommitCounter.Tx::committed);
        assertThat(job.size()).as("commits of one note's job:%n%s", describe(job)).isLessThanOrEqualTo(3);
        assertThat(p.count("SELECT count(*) FROM jobs WHERE event_id = ?", event))
                .as("a finished job leaves no row in jobs").isZero();
    }

    /** The transactions of the job: all but ingest's, the empty claim polls, the heartbeats and the gauges. */
    private static List<CommitCounter.Tx> jobs(List<CommitCounter.Tx> all) {
        return all.stream()
                .filter(tx -> !tx.any("INSERT INTO webhook_events"))
                .filter(tx -> !(tx.all("WITH RECURSIVE walk")))               // a claim that found nothing to claim
                .filter(tx -> !tx.any("AS held(id, lease)"))                    // the heartbeat's lease renewal
                .filter(tx -> !tx.any("WITH expired AS"))                       // the heartbeat's reap
                .filter(tx -> !tx.any("AS oldest_seconds"))                     // the queue gauges
                // the driver's own read of column metadata, once per connection and statement: not per job
                .filter(tx -> !tx.all("pg_catalog."))
                // bounded reads (Database.inBoundedTransaction): gauges and admin answers, never the job path
                .filter(tx -> !tx.any("set_config('statement_timeout'"))
                .toList();
    }

    private static String describe(List<CommitCounter.Tx> txs) {
        return txs.stream().map(tx -> (tx.committed() ? "commit: " : "rollback: ") + tx.statements().stream()
                        .map(s -> s.replaceAll("\\s+", " ").strip())
                        .map(s -> s.length() > 110 ? s.substring(0, 110) + "..." : s)
                        .collect(Collectors.joining(" | ")))
                .collect(Collectors.joining("\n"));
    }
}
