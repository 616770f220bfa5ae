package io.tollgate.api.connect;

import java.time.Duration;
import java.util.Objects;

/**
 * The drift check's settings.
 *
 * @param enabled   run the check in this instance ({@code TOLLGATE_CONNECTION_CHECK_ENABLED}); any number of
 *                  instances may run it, rows are claimed so each is checked by one
 * @param interval  how often each connection is checked ({@code TOLLGATE_CONNECTION_CHECK_INTERVAL_SECONDS}); each
 *                  next check is {@code interval ± }{@link #JITTER}, and a connect places the first one uniformly in
 *                  {@code [0, interval)}, so 10,000 tenants connected in one batch are still spread over the interval
 * @param perSecond the most checks this instance starts per second, evenly spaced (never a burst); each check is one
 *                  or two upstream calls to one provider ({@code TOLLGATE_CONNECTION_CHECK_PER_SECOND})
 */
public record CheckSettings(boolean enabled, Duration interval, int perSecond) {
    /** Each next check lands within this fraction of the interval either side, so phases never line up again. */
    public static final double JITTER = 0.1;

    public CheckSettings {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero() || perSecond < 1) {
            throw new IllegalArgumentException("interval must be positive and perSecond at least 1");
        }
    }

    public static final CheckSettings DEFAULT = new CheckSettings(true, Duration.ofHours(1), 10);
}
