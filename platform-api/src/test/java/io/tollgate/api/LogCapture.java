package io.tollgate.api;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/** Captures everything the server logs (all levels, with stack traces) so tests can search it for secrets. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final CapturedRoot root;

    private LogCapture() {
        setLevel(Level.ALL);
        root = new CapturedRoot(this);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder b = new StringBuilder(formatter.formatMessage(record));
        if (record.getParameters() != null) {
            for (Object p : record.getParameters()) {
                b.append(' ').append(p);
            }
        }
        if (record.getThrown() != null) {
            StringWriter sw = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(sw));
            b.append('\n').append(sw);
        }
        lines.add(record.getLoggerName() + " " + b);
    }

    public String all() {
        return String.join("\n", lines);
    }

    /** The records of loggers whose names start with one of {@code prefixes} (not those of a test's own servers). */
    public String from(String... prefixes) {
        return String.join("\n", lines.stream()
                .filter(l -> java.util.Arrays.stream(prefixes).anyMatch(l::startsWith))
                .toList());
    }

    public int size() {
        return lines.size();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.close();
    }
}
