package io.tollgate.api.connect;

import io.tollgate.api.upstream.UpstreamResult;

import java.util.Set;

/**
 * One step of a connect, a rotation's follow-through or a disconnect.
 *
 * @param step              {@code verify_credentials}, {@code integration}, {@code verify_token}, {@code shop_domain},
 *                          {@code subscription}
 * @param topic             the Shopify topic of a {@code subscription} step
 * @param status            {@code ok}, {@code created}, {@code updated}, {@code unchanged}, {@code deleted},
 *                          {@code gone} (already removed upstream), {@code not_connected}, {@code skipped} (an earlier
 *                          step failed, or the step could not run; {@code detail} says why) or {@code failed}
 * @param id                the upstream object's id (Gorgias integration id, Shopify subscription gid)
 * @param upstreamStatus    the upstream's HTTP status when it answered with an error
 * @param retryAfterSeconds when the upstream (or Tollgate's pacing of it) asked to wait: how long
 * @param detail            the upstream's message (credentials blanked), or Tollgate's reason
 */
public record StepOut(String step, String topic, String status, String id, Integer upstreamStatus,
                      Long retryAfterSeconds, String detail) {
    /** The longest detail in an answer; upstream bodies are longer at times. */
    static final int MAX_DETAIL = 2_000;
    private static final Set<String> SUCCEEDED = Set.of("ok", "created", "updated", "unchanged", "deleted", "gone",
                                                        "not_connected");

    public StepOut {
        if (detail != null && detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "...";
        }
    }

    static StepOut done(String step, String status) {
        return new StepOut(step, null, status, null, null, null, null);
    }

    static StepOut done(String step, String topic, String status, String id) {
        return new StepOut(step, topic, status, id, null, null, null);
    }

    static StepOut skipped(String step, String topic, String why) {
        return new StepOut(step, topic, "skipped", null, null, null, why);
    }

    static StepOut failed(String step, String topic, String why) {
        return new StepOut(step, topic, "failed", null, null, null, why);
    }

    /** A step that ended in a non-Ok upstream result. */
    static StepOut failed(String step, String topic, UpstreamResult<?> result) {
        return switch (result) {
            case UpstreamResult.Failed<?> f -> new StepOut(step, topic, "failed", null,
                                                            f.status() > 0 ? f.status() : null, null, f.reason());
            case UpstreamResult.RetryLater<?> r -> new StepOut(step, topic, "failed", null, null,
                                                                r.after().isZero() ? null
                                                                        : (r.after().toMillis() + 999) / 1000,
                                                                r.reason());
            case UpstreamResult.Ok<?> ok -> throw new IllegalArgumentException("an Ok result is not a failure");
        };
    }

    /** A delete of upstream object {@code id}: {@code deleted}, {@code gone} (already removed) or failed. */
    static StepOut deleted(String step, String topic, String id, UpstreamResult<Boolean> result) {
        return result instanceof UpstreamResult.Ok<Boolean>(Boolean deleted)
                ? done(step, topic, deleted ? "deleted" : "gone", id)
                : failed(step, topic, result).withId(id);
    }

    /** This step about upstream object {@code id}. */
    StepOut withId(String id) {
        return new StepOut(step, topic, status, id, upstreamStatus, retryAfterSeconds, detail);
    }

    boolean succeeded() {
        return SUCCEEDED.contains(status);
    }

    /** "step (topic): detail", for a connection's reason and log lines. */
    String summary() {
        return step + (topic == null ? "" : " " + topic) + " " + status + (detail == null ? "" : ": " + detail);
    }
}
