package io.tollgate.api.upstream;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Timeouts, pacing and circuit breaking of the upstream clients.
 *
 * @param connectTimeout        longest wait for a TCP (and TLS) connection
 * @param readTimeout           longest wait for the next bytes of an answer
 * @param gorgiasCalls          the most Gorgias calls per Gorgias account in any {@code gorgiasWindow}, for the
 *                              whole fleet ({@link AccountPacing}; {@code TOLLGATE_GORGIAS_CALLS})
 * @param gorgiasWindow         see {@code gorgiasCalls} ({@code TOLLGATE_GORGIAS_WINDOW_SECONDS})
 * @param breakerVolume         calls in the breaker's rolling window (per tenant and upstream)
 * @param breakerErrorRatio     percentage of failed calls in the window (5xx, timeouts, connection errors) that
 *                              opens the breaker
 * @param breakerDelay          how long an open breaker stays open before it lets one trial call through
 * @param defaultRetryAfter     the wait after a 429 that named no {@code Retry-After}
 * @param maxMessagePages       pages of a ticket's messages read at most when looking for an external id
 * @param maxAnswerBytes        the largest successful answer read; larger ones fail
 * @param allowBaseUrlOverride  whether a tenant's {@code base_url} overrides are used
 *                              ({@code TOLLGATE_ALLOW_UPSTREAM_OVERRIDE}: staging and tests only); when false the
 *                              default bases are called
 * @param callTimeout           when present, the longest a whole call may take: an answer still being read past it
 *                              is cut off as a timeout (checked between reads, so an upstream that sends its answer
 *                              a few bytes at a time cannot hold the caller); empty: only the two timeouts above
 */
public record UpstreamSettings(Duration connectTimeout, Duration readTimeout, int gorgiasCalls,
                               Duration gorgiasWindow, int breakerVolume, int breakerErrorRatio,
                               Duration breakerDelay, Duration defaultRetryAfter, int maxMessagePages,
                               int maxAnswerBytes, boolean allowBaseUrlOverride, Optional<Duration> callTimeout) {

    /** Gorgias: 40 calls per 20 s per account with an API key. */
    public static final UpstreamSettings DEFAULTS = new UpstreamSettings(
            Duration.ofSeconds(5), Duration.ofSeconds(20), 40, Duration.ofSeconds(20), 10, 60,
            Duration.ofSeconds(30), Duration.ofSeconds(2), 5, 8 * 1024 * 1024, false, Optional.empty());

    /** Settings without a limit on the whole call (Gorgias and Shopify: only the connect and read timeouts). */
    public UpstreamSettings(Duration connectTimeout, Duration readTimeout, int gorgiasCalls, Duration gorgiasWindow,
                            int breakerVolume, int breakerErrorRatio, Duration breakerDelay,
                            Duration defaultRetryAfter, int maxMessagePages, int maxAnswerBytes,
                            boolean allowBaseUrlOverride) {
        this(connectTimeout, readTimeout, gorgiasCalls, gorgiasWindow, breakerVolume, breakerErrorRatio, breakerDelay,
             defaultRetryAfter, maxMessagePages, maxAnswerBytes, allowBaseUrlOverride, Optional.empty());
    }

    public UpstreamSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(gorgiasWindow, "gorgiasWindow");
        Objects.requireNonNull(breakerDelay, "breakerDelay");
        Objects.requireNonNull(defaultRetryAfter, "defaultRetryAfter");
        Objects.requireNonNull(callTimeout, "callTimeout");
        callTimeout.ifPresent(d -> positive(d, "callTimeout"));
        positive(connectTimeout, "connectTimeout");
        positive(readTimeout, "readTimeout");
        positive(gorgiasWindow, "gorgiasWindow");
        positive(breakerDelay, "breakerDelay");
        if (defaultRetryAfter.isNegative()) {
            throw new IllegalArgumentException("defaultRetryAfter must not be negative");
        }
        if (gorgiasCalls < 1) {
            throw new IllegalArgumentException("gorgiasCalls must be at least 1");
        }
        if (breakerVolume < 1) {
            throw new IllegalArgumentException("breakerVolume must be at least 1");
        }
        if (breakerErrorRatio < 1 || breakerErrorRatio > 100) {
            throw new IllegalArgumentException("breakerErrorRatio must be between 1 and 100");
        }
        if (maxMessagePages < 1) {
            throw new IllegalArgumentException("maxMessagePages must be at least 1");
        }
        if (maxAnswerBytes < 1024) {
            throw new IllegalArgumentException("maxAnswerBytes must be at least 1024");
        }
    }

    private static void positive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
