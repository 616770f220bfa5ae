package io.tollgate.api.connect;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.resolve.TenantResolver;

import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The drift check: a background loop that claims due {@code connections} rows a few at a time
 * ({@link ConnectionStore#claimDue}) and asks each provider ({@link ProviderConnection#check}) whether what Tollgate
 * registered is still there and as it should be — the Gorgias HTTP integration exists, is active, posts to the
 * tenant's URL with the current {@code X-Tollgate-Token} and both triggers; every Shopify subscription of
 * {@link Connector#SHOPIFY_TOPICS} exists for the tenant's URL — then records {@code ok} or {@code broken} with the reason and schedules the next check at
 * {@code interval ± jitter}. An upstream that cannot answer (timeout, 5xx, the tenant's pacing) changes nothing but
 * the schedule: only an answer can break a connection.
 *
 * <p>Pacing: each check is one or two calls to one provider (Gorgias: one GET of the integration; Shopify: one page of
 * subscriptions), and this instance starts at most {@link CheckSettings#perSecond} checks per second, evenly spaced,
 * whatever is due; with the first checks spread uniformly over the interval, hourly checks of a tenant are far inside
 * any provider's per-tenant budget and the fleet never bursts. The Gorgias calls also take turns of the account's
 * fleet-wide budget, like the worker's, so together they never exceed what Gorgias allows the account.
 *
 * <p>It also samples {@code tollgate_connections_broken{provider}} (and {@link SilenceWatch} when given) from the
 * database after each round.
 */
public final class DriftChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DriftChecker.class.getName());
    /** The most rows claimed at a time: what a second's budget starts, capped so a slow round holds few claims. */
    static final int MAX_CLAIM = 20;
    /**
     * Checks in flight at once: starts are paced, but an upstream answer takes up to its timeout, so one thread would
     * do fewer than {@code perSecond} (10,000 tenants hourly need about 6 checks a second).
     */
    static final int CONCURRENCY = 8;

    private final ConnectionStore store;
    private final TenantResolver resolver;
    private final GorgiasConnection gorgias;
    private final ShopifyConnection shopify;
    private final CheckSettings settings;
    private final AtomicReference<Map<Provider, Long>> broken = new AtomicReference<>(Map.of());
    private final Optional<SilenceWatch> silence;
    private final ExecutorService loop;
    private final ExecutorService checks;
    private final Semaphore inFlight = new Semaphore(CONCURRENCY);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private long nextStartNanos = System.nanoTime();

    public DriftChecker(ConnectionStore store, TenantResolver resolver, GorgiasConnection gorgias,
                        ShopifyConnection shopify, CheckSettings settings, MeterRegistry meters,
                        Optional<SilenceWatch> silence) {
        this.store = Objects.requireNonNull(store, "store");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.silence = Objects.requireNonNull(silence, "silence");
        for (Provider p : List.of(Provider.GORGIAS, Provider.SHOPIFY)) {
            ProcessMeters.gauge(meters, "tollgate.connections.broken",
                                "Tenants whose connection to the provider the drift check found broken (fleet-wide: "
                                        + "aggregate with max)",
                                List.of(Tag.create("provider", p.wire())),
                                () -> (double) broken.get().getOrDefault(p, 0L));
        }
        this.loop = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("tollgate-drift").factory());
        this.checks = Executors.newFixedThreadPool(CONCURRENCY,
                                                   Thread.ofPlatform().daemon().name("tollgate-drift-", 0).factory());
    }

    /** Starts the loop. */
    public DriftChecker start() {
        loop.execute(this::run);
        return this;
    }

    private void run() {
        while (running.get()) {
            try {
                int n = round();
                sample();
                if (n == 0) {
                    sleep(1_000);
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.log(Level.WARNING, "connection check round failed; will retry: " + e.getMessage());
                    sleep(5_000);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Claims what is due (up to a second's budget) and starts its checks, paced; returns how many were claimed. */
    int round() throws InterruptedException {
        List<ConnectionStore.Due> due = store.claimDue(Math.min(MAX_CLAIM, settings.perSecond()));
        for (ConnectionStore.Due d : due) {
            pace();
            inFlight.acquire();
            if (!running.get()) {
                inFlight.release();
                return due.size();
            }
            checks.execute(() -> {
                try {
                    checkQuietly(d);
                } finally {
                    inFlight.release();
                }
            });
        }
        return due.size();
    }

    /** Waits for this check's start slot: one every {@code 1/perSecond} seconds, never two at once. */
    private void pace() throws InterruptedException {
        long spacing = 1_000_000_000L / settings.perSecond();
        long now = System.nanoTime();
        if (nextStartNanos - now > 0) {
            TimeUnit.NANOSECONDS.sleep(nextStartNanos - now);
            now = System.nanoTime();
        }
        nextStartNanos = Math.max(now, nextStartNanos) + spacing;
    }

    private void checkQuietly(ConnectionStore.Due d) {
        try {
            Optional<ResolvedTenant> tenant = resolver.resolve(d.tenant());
            if (tenant.isEmpty()) {
                return; // deleted meanwhile: the row went with it
            }
            // a suspended tenant is not checked (nor counted in the gauges) until it is resumed
            Finding f = !tenant.get().tenant().active() ? Finding.unanswered("the tenant is suspended")
                    : connection(d.provider()).check(tenant.get(), d);
            if (!running.get()) {
                return; // stopping: the claim expires and another instance checks it
            }
            boolean recorded = store.recordCheck(d, f.status(), f.reason());
            if (recorded && f.status().isPresent() && f.status().get() == ConnectionStatus.BROKEN) {
                LOG.log(Level.WARNING, "tenant " + tenant.get().tenant().slug() + " " + d.provider().wire()
                        + " connection broken: " + f.reason().orElse(""));
            } else if (recorded && f.status().isEmpty()) {
                LOG.log(Level.INFO, "tenant " + tenant.get().tenant().slug() + " " + d.provider().wire()
                        + " connection not checked, will check at the next interval: " + f.reason().orElse(""));
            }
        } catch (RuntimeException e) {
            if (running.get()) {
                LOG.log(Level.WARNING, "connection check of a " + d.provider().wire() + " connection failed; it "
                        + "comes back in " + ConnectionStore.CLAIM.toMinutes() + " minutes: " + e.getMessage());
            }
        }
    }

    private ProviderConnection connection(Provider provider) {
        return switch (provider) {
            case GORGIAS -> gorgias;
            case SHOPIFY -> shopify;
        };
    }

    /** Samples the gauges from the database. */
    void sample() {
        Map<Provider, Long> counts = new EnumMap<>(store.brokenCounts());
        broken.set(Map.copyOf(counts));
        silence.ifPresent(SilenceWatch::sampleIfDue);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        loop.shutdownNow();
        checks.shutdownNow();
        try {
            // briefly: a check still running after this records nothing (running is false) and its claim expires;
            // the worker's stop, not this, is what the shutdown grace is for
            loop.awaitTermination(1, TimeUnit.SECONDS);
            checks.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
