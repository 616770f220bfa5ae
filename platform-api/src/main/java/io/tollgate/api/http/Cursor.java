package io.tollgate.api.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Opaque keyset-pagination cursors: the sort key of the last item returned, base64url-encoded. Clients pass it back
 * unchanged as {@code cursor}; a tampered cursor is a 400.
 */
public final class Cursor {
    private static final String VERSION = "v1|";

    private Cursor() {
    }

    public static String encode(String... parts) {
        String joined = VERSION + String.join("|", parts);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(joined.getBytes(StandardCharsets.UTF_8));
    }

    /** The parts of a cursor given as a query parameter, or empty when there is none. */
    public static Optional<List<String>> decode(Optional<String> cursor, int parts) {
        if (cursor.isEmpty() || cursor.get().isBlank()) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.get()), StandardCharsets.UTF_8);
            if (text.startsWith(VERSION)) {
                List<String> p = List.of(text.substring(VERSION.length()).split("\\|", -1));
                if (p.size() == parts) {
                    return Optional.of(p);
                }
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw invalid();
    }

    public static ApiException invalid() {
        return new ApiException.BadRequest("invalid-cursor", "The cursor is not one this server returned.",
                                           List.of(new Problem.FieldError("cursor", "is not a valid cursor")));
    }
}
