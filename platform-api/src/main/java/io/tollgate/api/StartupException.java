package io.tollgate.api;

/**
 * The gateway cannot start, for a reason an operator can fix: the message is one line that says which setting or
 * resource is at fault (never a secret); the cause, if any, is kept for the debug log.
 */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
