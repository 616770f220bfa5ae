package io.tollgate.api.privacy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What an erased webhook body becomes: {@code {"tollgate_erased": {"by": <topic>, "event_id": <the privacy event>,
 * "size_bytes": <the erased body's size>}}}. It names no one; the event's delivery key and payload hash stay in their
 * own columns, so a retry of the erased delivery is still a duplicate.
 */
public final class Tombstone {
    /** How every tombstone starts (bytes); a body that starts so is not scanned or erased again. */
    static final String PREFIX = "{\"tollgate_erased\":";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.UTF_8);

    private Tombstone() {
    }

    /** Whether {@code body} is an erased body. */
    public static boolean is(byte[] body) {
        return body != null && body.length >= PREFIX_BYTES.length
                && Arrays.equals(body, 0, PREFIX_BYTES.length, PREFIX_BYTES, 0, PREFIX_BYTES.length);
    }

    /**
     * The SQL expression of a row's tombstone, for {@code UPDATE webhook_events SET body = ...}: its two parameters
     * are the topic and the privacy event's id (text).
     */
    static final String SQL = "convert_to(jsonb_build_object('tollgate_erased', jsonb_build_object('by', ?::text,"
            + " 'event_id', ?::text, 'size_bytes', octet_length(body)))::text, 'UTF8')";

    /** The SQL condition "this row's body is not a tombstone yet". */
    static final String NOT_ERASED = "substring(body from 1 for " + PREFIX_BYTES.length + ") <> convert_to('"
            + PREFIX + "', 'UTF8')";
}
