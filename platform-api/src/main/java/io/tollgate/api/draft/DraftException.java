package io.tollgate.api.draft;

/**
 * A draft could not be written by the model. The message is a short reason for logs and for the caller's fallback
 * ("model timed out", "model answered 500"): it never holds the API key nor any of the customer's text, so it may be
 * logged and stored as it is. {@code reached} is false when the request never reached the model (its circuit breaker
 * was open, the connection could not be made): such a call cost nothing, and its draft goes back to the tenant's
 * budget.
 */
public final class DraftException extends RuntimeException {
    private final boolean reached;

    /** A failure after the model was reached (an error answer, an unusable one, a timeout). */
    public DraftException(String reason) {
        this(reason, true);
    }

    public DraftException(String reason, boolean reached) {
        super(reason, null, false, false);
        this.reached = reached;
    }

    public String reason() {
        return getMessage();
    }

    /** Whether the request reached (or may have reached) the model. */
    public boolean reached() {
        return reached;
    }
}
