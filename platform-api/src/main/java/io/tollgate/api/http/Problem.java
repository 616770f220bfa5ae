package io.tollgate.api.http;

import java.util.List;

/**
 * An RFC 9457 problem document. {@code type} is a stable machine-readable URI per kind of error; {@code errors}
 * lists per-field problems of invalid input; {@code requestId} is the request's {@link RequestId} (also in the
 * {@code X-Request-Id} header and in the log lines of the request). Never carries a secret or a stack trace.
 */
public record Problem(String type, String title, int status, String detail, String instance,
                      List<FieldError> errors, String errorId, String requestId) {
    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://tollgate.dev/problems/";

    public record FieldError(String field, String message) {
    }
}
