package io.tollgate.api.observe;

import io.helidon.logging.jul.HelidonConsoleHandler;

import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;

/**
 * Helidon's console handler (standard output) behind a {@link GuardedHandler}: the handler {@code logging.properties}
 * names. It writes UTF-8, as JSON ({@link JsonLogFormatter}) or as text ({@link TextLogFormatter}), by
 * {@code TOLLGATE_LOG_FORMAT}. That variable is read here, from the environment, because {@code java.util.logging}
 * makes this handler when the first record is logged, before the configuration is loaded ({@link LogFormat}).
 * Optional properties: {@code io.tollgate.api.observe.GuardedConsoleHandler.interval} (seconds, default 60) and
 * {@code .burst} (records of one kind per interval, default 1).
 */
public final class GuardedConsoleHandler extends GuardedHandler {
    private static final String PREFIX = GuardedConsoleHandler.class.getName();

    public GuardedConsoleHandler() {
        this(LogFormat.fromEnvironment());
    }

    GuardedConsoleHandler(LogFormat format) {
        super(console(format), Duration.ofSeconds(property("interval", 60)), property("burst", 1), Instant::now);
    }

    private static Handler console(LogFormat format) {
        HelidonConsoleHandler console = new HelidonConsoleHandler();
        Formatter formatter = switch (format) {
            case JSON -> new JsonLogFormatter();
            case TEXT -> new TextLogFormatter();
        };
        console.setFormatter(formatter);
        try {
            console.setEncoding(StandardCharsets.UTF_8.name());
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e); // every JVM has UTF-8
        }
        return console;
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
