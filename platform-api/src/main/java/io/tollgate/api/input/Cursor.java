package io.tollgate.api.input;

import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Opaque keyset-pagination cursors: the sort key of the last item returned, base64url-encoded. Clients pass it back
 * unchanged as {@code cursor}; a tampered cursor is a 400, whatever it decodes to: the parts are checked here
 * ({@link #instant}, {@link #uuid}, {@link #id}) before any reaches the database.
 */
public final class Cursor {
    private static final String VERSION = "v1|";
    /** Timestamps PostgreSQL and every client can hold; a real sort key is always well inside. */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,18}");

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
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor.get()))).toString();
            if (text.startsWith(VERSION) && StorableText.problem(text).isEmpty()) {
                List<String> p = List.of(text.substring(VERSION.length()).split("\\|", -1));
                if (p.size() == parts) {
                    return Optional.of(p);
                }
            }
        } catch (IllegalArgumentException | CharacterCodingException e) {
            // fall through
        }
        throw invalid();
    }

    /** A timestamp part, within the range a stored timestamp can have. */
    public static Instant instant(String part) {
        try {
            Instant at = Instant.parse(part);
            if (!at.isBefore(EARLIEST) && !at.isAfter(LATEST)) {
                return at;
            }
        } catch (DateTimeParseException e) {
            // fall through
        }
        throw invalid();
    }

    /** A UUID part, in its canonical form only. */
    public static UUID uuid(String part) {
        if (UUID_TEXT.matcher(part).matches()) {
            return UUID.fromString(part);
        }
        throw invalid();
    }

    /** A non-negative row id part. */
    public static long id(String part) {
        if (ID.matcher(part).matches()) {
            return Long.parseLong(part);
        }
        throw invalid();
    }

    public static ApiException invalid() {
        return new ApiException.BadRequest("invalid-cursor", "The cursor is not one this server returned.",
                                           List.of(new Problem.FieldError("cursor", "is not a valid cursor")));
    }
}
