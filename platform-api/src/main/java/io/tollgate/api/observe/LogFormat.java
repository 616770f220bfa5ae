package io.tollgate.api.observe;

import java.util.Locale;
import java.util.Optional;

/**
 * How the console log is written, by {@code TOLLGATE_LOG_FORMAT}: {@code json} (the default; one JSON object per
 * line, for log collectors) or {@code text} (one readable line per record, for developers).
 *
 * <p>The console handler is made by {@code java.util.logging} when the first record is logged, before
 * {@link io.tollgate.api.config.AppConfig} has read anything, so {@link #fromEnvironment()} reads the variable itself.
 * {@code AppConfig} checks the same value at boot, so a misspelt value stops the start naming the setting instead of
 * silently logging JSON.
 */
public enum LogFormat {
    JSON, TEXT;

    public static final String SETTING = "TOLLGATE_LOG_FORMAT";

    /** {@code json} or {@code text} (any case, surrounding blanks ignored); empty for anything else. */
    public static Optional<LogFormat> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "json" -> Optional.of(JSON);
            case "text" -> Optional.of(TEXT);
            default -> Optional.empty();
        };
    }

    /** The format {@code TOLLGATE_LOG_FORMAT} names; JSON when it is unset, blank or invalid. */
    public static LogFormat fromEnvironment() {
        String v = System.getenv(SETTING);
        return v == null || v.isBlank() ? JSON : parse(v).orElse(JSON);
    }
}
