package io.tollgate.api.draft;

/**
 * A draft could not be written by the model. The message is a short reason for logs and for the caller's fallback
 * ("model timed out", "model answered 500"): it never holds the API key nor any of the customer's text, so it may be
 * logged and stored as it is.
 */
public final class DraftException extends RuntimeException {
    public DraftException(String reason) {
        super(reason, null, false, false);
    }

    public String reason() {
        return getMessage();
    }
}
