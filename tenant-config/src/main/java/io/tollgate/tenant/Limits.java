package io.tollgate.tenant;

import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's own ingress limits.
 *
 * @param ratePerMinute   sustained deliveries per minute the tenant's bucket refills
 * @param burst           bucket capacity
 * @param maxPayloadBytes largest accepted body (never above {@link #MAX_PAYLOAD_BYTES})
 * @param timeoutMs       ingress acknowledgement deadline
 * @param maxConcurrent   deliveries of this tenant in flight at once
 * @param retryAttempts   the tenant's retry budget: runs of one event's job before the event is dead
 * @param llmDraftsPerDay model-written drafts the tenant may have per UTC day (0: none, every draft by the template);
 *                        empty: the fleet's default ({@code TOLLGATE_LLM_DAILY_BUDGET})
 */
public record Limits(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent,
                     int retryAttempts, Optional<Integer> llmDraftsPerDay) {
    /** Hard ceiling for any tenant's payload limit: 10 MiB. */
    public static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    public static final int MIN_TIMEOUT_MS = 100;
    public static final int MAX_TIMEOUT_MS = 30_000;

    public static final int MAX_RETRY_ATTEMPTS = 50;
    /** The most model drafts a tenant's own limit may allow per day. */
    public static final int MAX_LLM_DRAFTS_PER_DAY = 10_000_000;

    /** 600/min, burst 100, 1 MiB, 5 s, 16 in flight, 8 runs per event, the fleet's model draft budget. */
    public static final Limits DEFAULTS = new Limits(600, 100, 1024 * 1024, 5_000, 16, 8);

    /** The limits with the fleet's default model draft budget. */
    public Limits(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent,
                  int retryAttempts) {
        this(ratePerMinute, burst, maxPayloadBytes, timeoutMs, maxConcurrent, retryAttempts, Optional.empty());
    }

    /** The limits before the retry budget was a tenant's own (the default budget). */
    public Limits(int ratePerMinute, int burst, int maxPayloadBytes, int timeoutMs, int maxConcurrent) {
        this(ratePerMinute, burst, maxPayloadBytes, timeoutMs, maxConcurrent, 8);
    }

    /** The same limits with the tenant's own model draft budget (empty: the fleet's default). */
    public Limits withLlmDraftsPerDay(Optional<Integer> value) {
        return new Limits(ratePerMinute, burst, maxPayloadBytes, timeoutMs, maxConcurrent, retryAttempts, value);
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
        Objects.requireNonNull(llmDraftsPerDay, "llmDraftsPerDay");
        if (llmDraftsPerDay.isPresent() && (llmDraftsPerDay.get() < 0
                || llmDraftsPerDay.get() > MAX_LLM_DRAFTS_PER_DAY)) {
            throw new IllegalArgumentException("llm_drafts_per_day must be between 0 and " + MAX_LLM_DRAFTS_PER_DAY);
        }
    }
}
