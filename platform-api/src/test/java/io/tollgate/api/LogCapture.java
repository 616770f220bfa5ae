package io.tollgate.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.tollgate.api.observe.JsonLogFormatter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * Captures everything the server logs (all levels down to FINE) so tests can search it for secrets, the one log
 * capture of the tests. Each record is kept twice, both made on the thread that logs: as plain text (logger name,
 * message, parameters and stack trace: {@link #all()}, {@link #from}) and as the production JSON formatter writes it
 * (so each line has that thread's request id, tenant and event id: {@link #lines()}, {@link #records()}).
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private static final ObjectReader JSON = new ObjectMapper().readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final List<String> text = new CopyOnWriteArrayList<>();
    private final List<String> json = new CopyOnWriteArrayList<>();
    private final SimpleFormatter plain = new SimpleFormatter();
    private final CapturedRoot root;

    private LogCapture() {
        setLevel(Level.ALL);
        setFormatter(new JsonLogFormatter());
        root = new CapturedRoot(this);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        StringBuilder b = new StringBuilder(plain.formatMessage(record));
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
        text.add(record.getLoggerName() + " " + b);
        json.add(getFormatter().format(record));
    }

    // --- as plain text --------------------------------------------------------------------------------------------

    /** Every record as plain text, one after another. */
    public String all() {
        return String.join("\n", text);
    }

    /** The records of loggers whose names start with one of {@code prefixes} (not those of a test's own servers). */
    public String from(String... prefixes) {
        return String.join("\n", text.stream()
                .filter(l -> Arrays.stream(prefixes).anyMatch(l::startsWith))
                .toList());
    }

    /** How many records so far. */
    public int size() {
        return text.size();
    }

    // --- as the production JSON formatter writes them -------------------------------------------------------------

    /** Every line written so far, exactly as formatted (each ends with its one newline). */
    public List<String> lines() {
        return List.copyOf(json);
    }

    /** Every line parsed; fails if one is not exactly one line holding one JSON object. */
    public List<JsonNode> records() {
        return lines().stream().map(LogCapture::parse).toList();
    }

    /** The records whose {@code request_id} is {@code id}. */
    public List<JsonNode> ofRequest(String id) {
        return records().stream().filter(r -> r.path("request_id").asText("").equals(id)).toList();
    }

    /**
     * Waits up to five seconds for a record of request {@code id} whose message starts with {@code prefix} (a line
     * written after the answer was sent may come a moment after the client has it).
     */
    public JsonNode await(String id, String prefix) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            Optional<JsonNode> found = ofRequest(id).stream()
                    .filter(r -> r.path("message").asText("").startsWith(prefix)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no line '" + prefix + "...' of request " + id + " in " + lines());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** One JSON log line parsed; fails if it is not exactly one line holding one JSON object. */
    public static JsonNode parse(String line) {
        if (!line.endsWith("\n") || line.indexOf('\n') != line.length() - 1) {
            throw new AssertionError("not exactly one line: " + line);
        }
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject()) {
                throw new AssertionError("not a JSON object: " + line);
            }
            return node;
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.close();
    }
}
