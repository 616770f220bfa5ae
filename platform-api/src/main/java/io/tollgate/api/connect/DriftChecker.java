package io.tollgate.api.connect;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.gorgias.HttpIntegration;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.shopify.WebhookSubscriptions;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.resolve.TenantResolver;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
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
 * ({@link ConnectionStore#claimDue}) and asks each provider whether what Tollgate registered is still there and as it
 * should be — the Gorgias HTTP integration exists, is active, posts to the tenant's URL with the current
 * {@code X-Tollgate-Token} and both triggers; every Shopify subscription of {@link Connector#SHOPIFY_TOPICS} exists for
 * the tenant's URL — then records {@code ok} or {@code broken} with the reason and schedules the next check at
 * {@code interval ± jitter}. An upstream that cannot answer (timeout, 5xx, the tenant's pacing) changes nothing but
 * the schedule: only an answer can break a connection.
 *
 * <p>Pacing: each check is one or two calls to one provider (Gorgias: one GET of the integration; Shopify: one page of
 * subscriptions), and this instance starts at most {@link CheckSettings#perSecond} checks per second, evenly spaced,
 * whatever is due; with the first checks spread uniformly over the interval, hourly checks of a tenant are far inside
 * any provider's per-tenant budget and the fleet never bursts. The Gorgias calls also go through the shared
 * per-tenant pacing, so a check never takes the worker's budget away.
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
    private final GorgiasClient gorgias;
    private final ShopifyClient shopify;
    private final CheckSettings settings;
    private final Clock clock;
    private final AtomicReference<Map<Provider, Long>> broken = new AtomicReference<>(Map.of());
    private final Optional<SilenceWatch> silence;
    private final ExecutorService loop;
    private final ExecutorService checks;
    private final Semaphore inFlight = new Semaphore(CONCURRENCY);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private long nextStartNanos = System.nanoTime();

    public DriftChecker(ConnectionStore store, TenantResolver resolver, GorgiasClient gorgias, ShopifyClient shopify,
                        CheckSettings settings, MeterRegistry meters, Optional<SilenceWatch> silence, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
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
                    : d.provider() == Provider.GORGIAS ? gorgias(tenant.get(), d) : shopify(tenant.get(), d);
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

    /** What a check found: a status (empty when the upstream could not say) and the reason. */
    record Finding(Optional<ConnectionStatus> status, Optional<String> reason) {
        static Finding ok() {
            return new Finding(Optional.of(ConnectionStatus.OK), Optional.empty());
        }

        static Finding broken(String why) {
            return new Finding(Optional.of(ConnectionStatus.BROKEN), Optional.of(why));
        }

        static Finding unanswered(String why) {
            return new Finding(Optional.empty(), Optional.of(why));
        }

        /**
         * Only a definite refusal breaks a connection: a 4xx (credentials revoked, the app uninstalled, the shop
         * closed), not a throttle or timeout. Anything else that failed (a 2xx whose GraphQL errors or body could not
         * be used, no answer at all) leaves the status as it was until the next check, so one upstream hiccup never
         * raises the alert.
         */
        static Finding of(UpstreamResult<?> failed, String what) {
            return switch (failed) {
                case UpstreamResult.Failed<?> f when f.status() >= 400 && f.status() < 500 && f.status() != 408
                        && f.status() != 429 -> broken(what + ": " + f.reason());
                case UpstreamResult.Failed<?> f -> unanswered(what + ": " + f.reason());
                case UpstreamResult.RetryLater<?> r -> unanswered(what + ": " + r.reason());
                case UpstreamResult.Ok<?> ok -> throw new IllegalArgumentException("not a failure");
            };
        }
    }

    Finding gorgias(ResolvedTenant tenant, ConnectionStore.Due d) {
        String raw = d.upstreamIds().get(Connector.GORGIAS_ID);
        if (raw == null || !raw.matches("[0-9]{1,18}") || d.webhookUrl().isEmpty()) {
            return Finding.broken("no Gorgias integration is recorded; connect again");
        }
        long id = Long.parseLong(raw);
        UpstreamResult<Optional<HttpIntegration>> r = gorgias.httpIntegration(tenant, id);
        if (!(r instanceof UpstreamResult.Ok<Optional<HttpIntegration>>(Optional<HttpIntegration> found))) {
            return Finding.of(r, "reading integration " + id);
        }
        if (found.isEmpty()) {
            return Finding.broken("integration " + id + " no longer exists in Gorgias; connect again");
        }
        HttpIntegration i = found.get();
        URI url = URI.create(d.webhookUrl().get());
        List<Secret> secrets = tenant.verifyingSecrets(Provider.GORGIAS, clock.instant());
        if (secrets.stream().anyMatch(s -> i.matches(url, s.reveal()))) {
            return Finding.ok();
        }
        List<String> why = new ArrayList<>();
        if (i.deactivated()) {
            why.add("deactivated");
        }
        if (!i.pointsAt(url)) {
            why.add("posts to another URL");
        }
        if (!i.triggers().containsAll(HttpIntegration.TRIGGERS)) {
            why.add("triggers missing (needs " + String.join(", ", HttpIntegration.TRIGGERS) + ")");
        }
        if (why.isEmpty()) {
            why.add("its method, content type, body or " + HttpIntegration.TOKEN_HEADER + " header was changed");
        }
        return Finding.broken("integration " + id + " " + String.join("; ", why) + "; connect again");
    }

    Finding shopify(ResolvedTenant tenant, ConnectionStore.Due d) {
        if (!tenant.shopify().enabled()) {
            return Finding.broken("the shop uninstalled the app; PATCH the tenant with a new access token and "
                                          + "connect again");
        }
        if (d.webhookUrl().isEmpty()) {
            return Finding.broken("no Shopify subscriptions are recorded; connect again");
        }
        UpstreamResult<List<WebhookSubscriptions.Subscription>> r =
                shopify.webhookSubscriptions(tenant, Connector.SHOPIFY_TOPICS);
        if (!(r instanceof UpstreamResult.Ok<List<WebhookSubscriptions.Subscription>>(
                List<WebhookSubscriptions.Subscription> all))) {
            return Finding.of(r, "listing webhook subscriptions");
        }
        String url = strip(d.webhookUrl().get());
        List<String> missing = Connector.SHOPIFY_TOPICS.stream()
                .filter(t -> all.stream().noneMatch(s -> s.topic().equals(t) && s.url() != null
                        && strip(s.url()).equalsIgnoreCase(url)))
                .toList();
        if (!missing.isEmpty()) {
            return Finding.broken("webhook subscription(s) missing: " + String.join(", ", missing) + "; connect again");
        }
        long earlier = d.upstreamIds().keySet().stream().filter(k -> k.startsWith(Connector.OLD)).count();
        return earlier == 0 ? Finding.ok()
                : Finding.broken(earlier + " subscription(s) at an earlier URL could not be deleted yet (Shopify posts "
                                         + "those events twice); connect again");
    }

    /** Samples the gauges from the database. */
    void sample() {
        Map<Provider, Long> counts = new EnumMap<>(store.brokenCounts());
        broken.set(Map.copyOf(counts));
        silence.ifPresent(SilenceWatch::sampleIfDue);
    }

    private static String strip(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
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
