package io.tollgate.tenant;

/**
 * A tenant's own ingress limits.
 *
 * @param ratePerMinute   sustained deliveries per minute the tenant's bucket refills
 * @param burst           bucket capacity
 * @param maxPayloadBytes largest accepted body (never above {@link #MAX_PAYLOAD_BYTES})
 * @param timeoutMs       ingress acknowledgement deadline
 * @param maxConcurrent   deliveries of this tenant in flight at once
 * @param retryAttempts   the tenant's retry budget: runs of one event's job before the event is dead
 */
public record Limits(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent,
                     int retryAttempts) {
    /** Hard ceiling for any tenant's payload limit: 10 MiB. */
    public static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    public static final int MIN_TIMEOUT_MS = 100;
    public static final int MAX_TIMEOUT_MS = 30_000;

    public static final int MAX_RETRY_ATTEMPTS = 50;

    /** 600/min, burst 100, 1 MiB, 5 s, 16 in flight, 8 runs per event. */
    public static final Limits DEFAULTS = new Limits(600, 100, 1024 * 1024, 5_000, 16, 8);

    /** The limits before the retry budget was a tenant's own (the default budget). */
    public Limits(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent) {
        this(ratePerMinute, burst, maxPayloadBytes, timeoutMs, maxConcurrent, 8);
    }

    public Limits {
        if (ratePerMinute < 1) {
            throw new IllegalArgumentException("rate_per_minute must be at least 1");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1");
        }
        if (maxPayloadBytes < 1 || maxPayloadBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("max_payload_bytes must be between 1 and " + MAX_PAYLOAD_BYTES);
        }
        if (timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("timeout_ms must be between " + MIN_TIMEOUT_MS + " and " + MAX_TIMEOUT_MS);
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max_concurrent must be at least 1");
        }
        if (retryAttempts < 1 || retryAttempts > MAX_RETRY_ATTEMPTS) {
            throw new IllegalArgumentException("retry_attempts must be between 1 and " + MAX_RETRY_ATTEMPTS);
        }
    }
}
