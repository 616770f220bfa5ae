package io.tollgate.api.upstream;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Tolerant reads of upstreams' timestamps: what does not parse is null, never an exception. */
public final class Instants {
    private Instants() {
    }

    /** An ISO-8601 date-time with an offset ({@code 2024-03-12T10:00:00+01:00}, {@code …Z}); null otherwise. */
    public static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeException again) {
                return null;
            }
        }
    }

    /** As {@link #parse}, and a date-time without an offset is read as UTC (Gorgias writes its times so). */
    public static Instant parseUtc(String text) {
        Instant instant = parse(text);
        if (instant != null || text == null) {
            return instant;
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }
}
