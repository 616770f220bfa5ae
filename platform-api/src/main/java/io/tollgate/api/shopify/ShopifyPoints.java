package io.tollgate.api.shopify;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.db.Database;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Each shop's GraphQL point bucket, held for the whole fleet in PostgreSQL (table {@code shopify_point_buckets}):
 * what Shopify's answers said of it ({@code extensions.cost.throttleStatus}: size, points available, restore rate),
 * restored by the database's clock. Before a query, {@link #take} reserves its expected cost in one statement, so
 * gateways on one database never send together more than the shop has; after the answer, {@link #observe} sets the
 * bucket to what Shopify said, giving back what the query was expected to cost beyond what it cost.
 *
 * <p>Nothing is assumed about a shop's plan: until one of its answers has been read, the shop's first call is sent
 * alone (the probe, which claims the shop's row) and the others wait {@link #PROBE_WAIT}; a probe not heard of within
 * {@link #PROBE_HOLD} (its gateway stopped) is taken over. Never blocks: a query that does not fit comes back as the
 * time to wait.
 */
public final class ShopifyPoints {
    /** How long the other calls wait while a shop's first answer is awaited. */
    static final Duration PROBE_WAIT = Duration.ofSeconds(1);
    /**
     * After this long without the probe's answer, another call may probe. Short: a probe whose run was given up may
     * hang in its read far longer, and a second probe costs at most one THROTTLED answer, which is retried.
     */
    static final Duration PROBE_HOLD = Duration.ofSeconds(5);

    /**
     * Takes the points if the bucket (restored up to the database's clock now) holds them, else leaves it as it is
     * (restored); in both cases returns the level before taking, the restore rate and the size. Locks the row, so
     * concurrent takes on one shop see each other's.
     */
    private static final String TAKE = """
            UPDATE shopify_point_buckets b
               SET available = cur.level - CASE WHEN cur.level >= LEAST(?, b.maximum) THEN LEAST(?, b.maximum)
                                                ELSE 0 END,
                   observed_at = cur.at
              FROM (SELECT s.shop,
                           LEAST(s.maximum, s.available + s.restore_rate
                                 * GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - s.observed_at)))) AS level,
                           GREATEST(s.observed_at, clock_timestamp()) AS at
                      FROM shopify_point_buckets s
                     WHERE s.shop = ? AND s.maximum IS NOT NULL
                       FOR UPDATE) cur
             WHERE b.shop = cur.shop
            RETURNING cur.level::float8 AS level, b.restore_rate AS restore_rate, b.maximum AS maximum""";

    /** Claims the probe of a shop no answer has been read for (no row yet, or a probe not heard of in time). */
    private static final String PROBE = """
            INSERT INTO shopify_point_buckets (shop, observed_at) VALUES (?, clock_timestamp())
            ON CONFLICT (shop) DO UPDATE SET observed_at = clock_timestamp()
             WHERE shopify_point_buckets.maximum IS NULL
               AND shopify_point_buckets.observed_at < clock_timestamp() - make_interval(secs => ?)
            RETURNING shop""";

    /**
     * What an answer said. The bucket becomes the lower of Shopify's figure and its own level plus {@code refund}
     * (what this query reserved beyond what it cost): other gateways' queries that are still under way were reserved
     * here but may not have reached Shopify yet, so Shopify's figure alone would spend them twice.
     */
    private static final String OBSERVE = """
            INSERT INTO shopify_point_buckets AS b (shop, maximum, available, restore_rate, observed_at)
            VALUES (?, ?, ?, ?, clock_timestamp())
            ON CONFLICT (shop) DO UPDATE SET
                maximum = EXCLUDED.maximum, restore_rate = EXCLUDED.restore_rate,
                available = CASE WHEN b.maximum IS NULL THEN EXCLUDED.available
                                 ELSE LEAST(EXCLUDED.available, EXCLUDED.maximum,
                                            b.available + ? + b.restore_rate * GREATEST(0, EXTRACT(EPOCH FROM
                                                (clock_timestamp() - b.observed_at))))::float8 END,
                observed_at = GREATEST(b.observed_at, EXCLUDED.observed_at)""";

    private final Database db;

    public ShopifyPoints(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /** What {@link #take} decided. */
    public sealed interface Take {
        /**
         * Send the query: {@code reserved} points were taken; 0 for the shop's probe (its bucket is not known yet),
         * which the caller gives up ({@link #abandonProbe}) if its answer brings no figures.
         */
        record Go(double reserved) implements Take {
        }

        /** Do not send: the bucket needs {@code after} to hold the query's cost (or the shop's probe is out). */
        record Wait(Duration after, String reason) implements Take {
        }
    }

    /** Reserves {@code cost} points of {@code shop}'s bucket for a query about to be sent. */
    public Take take(String shop, double cost) {
        String key = key(shop);
        Optional<DbRow> row = db.call(() -> db.client().execute().get(TAKE, cost, cost, key));
        if (row.isPresent()) {
            double level = ((Number) row.get().column("level").get()).doubleValue();
            double rate = ((Number) row.get().column("restore_rate").get()).doubleValue();
            double maximum = ((Number) row.get().column("maximum").get()).doubleValue();
            double needed = Math.min(cost, maximum);
            if (level >= needed) {
                return new Take.Go(needed);
            }
            long millis = (long) Math.ceil((needed - level) / rate * 1000);
            return new Take.Wait(Duration.ofMillis(Math.max(1, millis)), String.format(Locale.ROOT,
                    "shopify: the shop's GraphQL points are spent (%.0f of %.0f available, %.0f needed, %.0f/s"
                            + " restored)", Math.max(0, level), maximum, needed, rate));
        }
        boolean probe = db.call(() -> db.client().execute()
                .get(PROBE, key, (double) PROBE_HOLD.toSeconds()).isPresent());
        if (probe) {
            return new Take.Go(0);
        }
        return new Take.Wait(PROBE_WAIT, "shopify: the shop's first answer (its point budget) is awaited");
    }

    /**
     * Records what an answer said of {@code shop}'s bucket; {@code reserved} is what {@link #take} took for the query
     * (its cost beyond {@code actualQueryCost} is given back; all of it when the query did not run).
     */
    public void observe(String shop, double reserved, QueryCost cost) {
        double spent = cost.actual() == null ? 0 : cost.actual();
        double refund = Math.max(0, reserved - spent);
        // deferred to the thread's next transaction when it defers (the worker's next commit): until then the bucket
        // keeps what the take reserved, at least what the query cost, so it never holds more than Shopify's
        db.defer(OBSERVE, key(shop), cost.maximum(), cost.available(), cost.restoreRate(), refund);
    }

    /** Gives up the probe of a shop whose probe brought no figures back (no answer, or one without cost). */
    public void abandonProbe(String shop) {
        // also from a run being given up: its interrupt would fail the pool's wait for a connection
        boolean interrupted = Thread.interrupted();
        try {
            db.call(() -> db.client().execute().delete(
                    "DELETE FROM shopify_point_buckets WHERE shop = ? AND maximum IS NULL", key(shop)));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The bucket's key: the shop's myshopify domain, lower case. */
    static String key(String shop) {
        return shop.strip().toLowerCase(Locale.ROOT);
    }
}
