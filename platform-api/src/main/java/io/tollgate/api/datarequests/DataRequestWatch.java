package io.tollgate.api.datarequests;

import io.helidon.metrics.api.MeterRegistry;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.tenant.db.DataException;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tollgate_data_requests_open} and {@code tollgate_data_requests_oldest_open_seconds}: how many data requests
 * of the whole fleet are open, and how long the oldest has waited (0 when none). Read from the database, like the
 * queue gauges, every {@link #EVERY}: every instance reports the same fleet-wide values, so aggregate with
 * {@code max}, not {@code sum}. A sample that fails keeps the last values.
 */
public final class DataRequestWatch implements AutoCloseable {
    /** How often the gauges are read from the database: an alert measured in days needs no finer grain. */
    public static final Duration EVERY = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(DataRequestWatch.class.getName());

    private final DataRequests requests;
    private final AtomicReference<DataRequests.Open> last = new AtomicReference<>(new DataRequests.Open(0, 0));
    private final ScheduledExecutorService scheduler;

    public DataRequestWatch(DataRequests requests, MeterRegistry meters) {
        this.requests = Objects.requireNonNull(requests, "requests");
        ProcessMeters.gauge(meters, "tollgate.data.requests.open",
                            "Shopify customers/data_request requests not yet marked delivered (fleet-wide: aggregate"
                                    + " with max)", List.of(), () -> (double) last.get().count());
        ProcessMeters.gauge(meters, "tollgate.data.requests.oldest.open.seconds",
                            "Age of the oldest open data request (0 when none; fleet-wide: aggregate with max)",
                            List.of(), () -> last.get().oldestSeconds());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tollgate-data-requests").factory());
    }

    /** Samples now, then every {@code every}. */
    public DataRequestWatch start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::sampleQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads the open requests now and shows them on the gauges. */
    public DataRequests.Open sample() {
        DataRequests.Open now = requests.openNow();
        last.set(now);
        return now;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (DataException e) {
            LOG.log(Level.WARNING, "open data requests not counted, the gauges keep their last values: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "open data requests not counted", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
