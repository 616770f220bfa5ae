package io.tollgate.api.input;

import io.helidon.webserver.http.ServerRequest;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Query parameters with validation. Every parameter a handler reads comes through {@link #string}, which refuses
 * (400 naming the parameter) what cannot be stored or compared in PostgreSQL (NUL and other control characters,
 * unpaired surrogates) and what cannot be decoded at all.
 */
public final class Queries {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");

    private Queries() {
    }

    public static Optional<String> string(ServerRequest req, String name) {
        Optional<String> value;
        try {
            value = req.query().first(name).asOptional();
        } catch (IllegalArgumentException e) {
            // a malformed percent-encoding anywhere in the query
            throw invalid(name, "The query string is not validly percent-encoded.", "is not validly encoded");
        }
        value.flatMap(StorableText::problem).ifPresent(m -> {
            throw invalid(name, "Query parameter " + name + " " + m + ".", m);
        });
        return value.filter(s -> !s.isBlank());
    }

    /** {@code limit}: 1..200 in ASCII digits, default 50. */
    public static int limit(ServerRequest req) {
        Optional<String> v = string(req, "limit");
        if (v.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        if (DIGITS.matcher(v.get()).matches()) {
            int n = Integer.parseInt(v.get());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        }
        throw invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT + ".",
                      "must be between 1 and " + MAX_LIMIT);
    }

    private static ApiException invalid(String name, String detail, String message) {
        return new ApiException.BadRequest("invalid-query", detail, List.of(new Problem.FieldError(name, message)));
    }
}
