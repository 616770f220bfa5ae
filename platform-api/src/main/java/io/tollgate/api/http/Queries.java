package io.tollgate.api.http;

import io.helidon.webserver.http.ServerRequest;

import java.util.List;
import java.util.Optional;

/** Query parameters with validation. */
public final class Queries {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    private Queries() {
    }

    public static Optional<String> string(ServerRequest req, String name) {
        return req.query().first(name).asOptional().filter(s -> !s.isBlank());
    }

    /** {@code limit}: 1..200, default 50. */
    public static int limit(ServerRequest req) {
        Optional<String> v = string(req, "limit");
        if (v.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ApiException.BadRequest("invalid-query", "limit must be a whole number from 1 to " + MAX_LIMIT + ".",
                                          List.of(new Problem.FieldError("limit", "must be between 1 and "
                                                  + MAX_LIMIT)));
    }
}
