package io.tollgate.api.observe;

import io.helidon.logging.jul.HelidonConsoleHandler;

import java.time.Duration;
import java.time.Instant;
import java.util.logging.LogManager;

/**
 * Helidon's console handler behind a {@link GuardedHandler}: the handler {@code logging.properties} names. Optional
 * properties: {@code io.tollgate.api.observe.GuardedConsoleHandler.interval} (seconds, default 60) and
 * {@code .burst} (records of one kind per interval, default 1).
 */
public final class GuardedConsoleHandler extends GuardedHandler {
    private static final String PREFIX = GuardedConsoleHandler.class.getName();

    public GuardedConsoleHandler() {
        super(new HelidonConsoleHandler(), Duration.ofSeconds(property("interval", 60)), property("burst", 1),
              Instant::now);
    }

    private static int property(String name, int fallback) {
        String v = LogManager.getLogManager().getProperty(PREFIX + "." + name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.strip());
            return n >= 1 ? n : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
