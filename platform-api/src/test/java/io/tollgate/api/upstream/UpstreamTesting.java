package io.tollgate.api.upstream;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.Tenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.TenantStatus;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Tenants whose upstreams are a local WireMock server, and settings that make tests quick. */
public final class UpstreamTesting {
    private UpstreamTesting() {
    }

    /** A tenant whose credentials carry its slug (so leaks are easy to spot) and whose base URLs point at {@code base}. */
    public static ResolvedTenant tenant(String slug, URI base) {
        Instant now = Instant.now();
        return new ResolvedTenant(
                new Tenant(TenantId.random(), slug, "Shop " + slug, TenantStatus.ACTIVE, Limits.DEFAULTS, now, now),
                new GorgiasCredentials(slug.replace("-", ""), "agent@" + slug + ".example",
                                       Secret.of(gorgiasKey(slug)), Optional.of(base)),
                new ShopifyCredentials(slug + ".myshopify.com", Secret.of(shopifyToken(slug)),
                                       ShopifyCredentials.DEFAULT_API_VERSION, Optional.of(base)),
                List.of());
    }

    public static String gorgiasKey(String slug) {
        return "gorgias-api-key-" + slug + "-0123456789";
    }

    public static String shopifyToken(String slug) {
        return "shpat_" + slug + "_access_token_abcdef";
    }

    /**
     * Short timeouts; a Gorgias budget of {@code calls} per hour (so no token comes back while a test runs); a breaker
     * that opens after {@code breakerVolume} failures in a row and stays open for the test; overrides allowed.
     */
    public static UpstreamSettings settings(Duration readTimeout, int calls, int breakerVolume) {
        return new UpstreamSettings(Duration.ofSeconds(5), readTimeout, calls, Duration.ofHours(1), breakerVolume,
                                    100, Duration.ofMinutes(10), Duration.ofSeconds(2), 5, 1024 * 1024, true);
    }

    public static UpstreamSettings settings() {
        return settings(Duration.ofSeconds(10), 1000, 1000);
    }

    /** What the client side logged: Tollgate's and Helidon's loggers, not WireMock's (which logs what it receives). */
    public static final String[] CLIENT_LOGGERS = {"io.tollgate", "io.helidon"};

    /** The counters' values now, to compare with later. */
    public static java.util.Map<String, Long> counts(MeterRegistry registry) {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        for (Upstream upstream : Upstream.values()) {
            for (String status : UpstreamMetrics.STATUSES) {
                out.put(upstream.label() + "/" + status, count(registry, upstream.label(), status));
            }
        }
        return out;
    }

    /** How far a counter moved since {@code before} (meters are shared between registries made in one JVM). */
    public static long moved(MeterRegistry registry, java.util.Map<String, Long> before, String upstream,
                             String status) {
        return count(registry, upstream, status) - before.getOrDefault(upstream + "/" + status, 0L);
    }

    public static long count(MeterRegistry registry, String upstream, String status) {
        return registry.meters(m -> m.id().name().equals("tollgate.upstream.requests")
                        && upstream.equals(m.id().tagsMap().get("upstream"))
                        && status.equals(m.id().tagsMap().get("status")))
                .stream().mapToLong(m -> ((Counter) m).count()).sum();
    }
}
